//! Rankings (DESIGN §5): 党员之星 (mentors, 10%) and 最具进步奖 (nominated mentees, 5%).
//!
//! [`rank`] is the arithmetic: a quota of the population, competition ranks, and the tie
//! at the boundary that the committee (院党委) settles by approving nominations.
//! [`party_stars`] and [`most_improved`] select the population and candidates from the
//! state and rank them by any score; [`rank_party_stars`] and [`rank_most_improved`] are
//! the rankings as the seeds define them, scored by the rubrics in force.

use crate::error::DomainError;
use crate::rubric::{self, Rubric};
use crate::state::{Pairing, Person, State};
use crate::time::Period;
use crate::vocab::RankingKind;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use uuid::Uuid;

/// How a share of the population rounds to a whole quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Rounding {
    Floor,
    Round,
    Ceil,
}

/// The quota of a ranking: `share` of the population (0.10 for 10%), rounded, and at least
/// one when anyone is in the population if `at_least_one`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaRule {
    pub share: f64,
    pub rounding: Rounding,
    pub at_least_one: bool,
}

impl QuotaRule {
    /// 党员之星: 10% of the mentors in scope (seed 001), rounded down, at least one.
    pub fn party_star() -> QuotaRule {
        QuotaRule {
            share: 0.10,
            rounding: Rounding::Floor,
            at_least_one: true,
        }
    }

    /// 最具进步奖: 5% of the mentees in scope (seed 001), rounded down, at least one.
    pub fn most_improved() -> QuotaRule {
        QuotaRule {
            share: 0.05,
            rounding: Rounding::Floor,
            at_least_one: true,
        }
    }

    pub fn for_kind(kind: RankingKind) -> QuotaRule {
        match kind {
            RankingKind::PartyStar => QuotaRule::party_star(),
            RankingKind::MostImproved => QuotaRule::most_improved(),
        }
    }

    /// The quota for a population of `n`. The share is taken in whole basis points
    /// (0.05 → 500), so the arithmetic is exact: 20 × 5% is 1, never 0.999….
    pub fn quota(&self, n: usize) -> usize {
        let share = if self.share.is_finite() {
            self.share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let bp = (share * 10_000.0).round() as u128;
        let scaled = n as u128 * bp;
        let q = match self.rounding {
            Rounding::Floor => scaled / 10_000,
            Rounding::Round => (scaled + 5_000) / 10_000,
            Rounding::Ceil => scaled.div_ceil(10_000),
        };
        let q = usize::try_from(q).unwrap_or(n).min(n);
        if self.at_least_one && n >= 1 { q.max(1) } else { q }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ranking {
    /// Everyone the quota is a share of (all mentors, all mentees in scope).
    pub population: usize,
    pub quota: usize,
    /// Best first.
    pub entries: Vec<RankingEntry>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RankingEntry {
    pub person_id: Uuid,
    pub score: f64,
    /// Competition rank: 1 + the number of candidates with a higher score (1, 1, 3).
    pub rank: usize,
    /// `rank <= quota`: every candidate tied with the last place inside the quota is in.
    pub within_quota: bool,
    /// Tied with the last place inside the quota, the tie running past the quota: the
    /// committee decides among them.
    pub tied_at_boundary: bool,
    /// The committee's approval of this person's nomination for the period.
    pub approved: bool,
}

/// Scores closer than this are a tie: scores are sums of rubric items, and floating
/// addition must not split a tie (0.1 + 0.2 and 0.3 are the same score).
const SAME_SCORE: f64 = 1e-9;

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= SAME_SCORE
}

/// Ranks candidates by score, best first (equal scores in order of id, for a stable list),
/// with competition ranks, the quota of `population`, and the tie at the boundary marked.
/// A score that is not a number ranks last.
pub fn rank(candidates: Vec<(Uuid, f64)>, population: usize, rule: &QuotaRule) -> Ranking {
    let quota = rule.quota(population);
    let mut sorted = candidates;
    sorted.sort_by(|(ia, a), (ib, b)| by_score(*a, *b).then(ia.cmp(ib)));

    let mut entries: Vec<RankingEntry> = Vec::with_capacity(sorted.len());
    for (i, (person_id, score)) in sorted.into_iter().enumerate() {
        let rank = match entries.last() {
            Some(prev) if same(prev.score, score) => prev.rank,
            _ => i + 1,
        };
        entries.push(RankingEntry {
            person_id,
            score,
            rank,
            within_quota: rank <= quota,
            tied_at_boundary: false,
            approved: false,
        });
    }

    // The last place inside the quota is position quota-1; its tie group is at the
    // boundary when it runs past that position.
    if quota >= 1 && entries.len() > quota {
        let boundary = entries[quota - 1].rank;
        if entries[quota].rank == boundary {
            for e in entries.iter_mut().filter(|e| e.rank == boundary) {
                e.tied_at_boundary = true;
            }
        }
    }
    Ranking {
        population,
        quota,
        entries,
    }
}

/// Higher scores first; NaN last.
fn by_score(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => b.total_cmp(&a),
    }
}

/// Active on at least one day of the period.
fn active_during(pairing: &Pairing, period: Period) -> bool {
    pairing.starts_on <= period.last_day() && pairing.ends_on.is_none_or(|end| end >= period.first_day())
}

/// The people, in `scope`, who take a part (mentor or mentee) in a pairing active at some
/// day of the period; sorted by id, each once.
fn in_pairings(state: &State, scope: Uuid, period: Period, parties: impl Fn(&Pairing) -> &[Uuid]) -> Vec<Uuid> {
    // A party in scope makes its pairing in scope: the scope's pairings hold them all.
    let scope = state.scope(scope);
    let mut ids: Vec<Uuid> = scope
        .pairings()
        .into_iter()
        .filter(|p| active_during(p, period))
        .flat_map(|p| parties(p).iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.retain(|id| state.person(*id).is_some_and(|p| scope.person(p)));
    ids
}

/// Mentors in scope: distinct people who mentor a pairing active at some day of the
/// period and who are themselves in scope. Sorted by id.
pub fn mentors_in_scope(state: &State, scope: Uuid, period: Period) -> Vec<Uuid> {
    in_pairings(state, scope, period, |p| &p.mentor_ids)
}

/// Mentees in scope: distinct people (not units) mentored in a pairing active at some day
/// of the period, themselves in scope. Sorted by id.
pub fn mentees_in_scope(state: &State, scope: Uuid, period: Period) -> Vec<Uuid> {
    in_pairings(state, scope, period, |p| std::slice::from_ref(&p.mentee_id))
}

fn approved(state: &State, kind: RankingKind, period: Period, person: Uuid) -> bool {
    state.nomination(kind, period, person).is_some_and(|n| n.approved)
}

/// 党员之星: every mentor in scope, ranked by `score` (their party-star score for the
/// period); the population is the same mentors. `approved` reports an approved
/// PARTY_STAR nomination for the person and period.
pub fn party_stars(
    state: &State,
    scope: Uuid,
    period: Period,
    score: impl Fn(&Person) -> f64,
    rule: &QuotaRule,
) -> Ranking {
    let mentors = mentors_in_scope(state, scope, period);
    let candidates = mentors
        .iter()
        .filter_map(|id| state.person(*id))
        .map(|p| (p.id, score(p)))
        .collect();
    let mut ranking = rank(candidates, mentors.len(), rule);
    for e in &mut ranking.entries {
        e.approved = approved(state, RankingKind::PartyStar, period, e.person_id);
    }
    ranking
}

/// 最具进步奖: the mentees in scope nominated for MOST_IMPROVED in the period and not failed
/// by the branch's examination (「由帮助人提名，学生党支部进行全面考核」), ranked by the rise
/// of their total, `total(period) - total(period.previous())`; the population is every
/// mentee in scope.
pub fn most_improved(
    state: &State,
    scope: Uuid,
    period: Period,
    total: impl Fn(&Person, Period) -> f64,
    rule: &QuotaRule,
) -> Ranking {
    let mentees = mentees_in_scope(state, scope, period);
    let kind = RankingKind::MostImproved;
    let candidates = state
        .nominations(kind, period)
        .filter(|n| n.standing() && mentees.binary_search(&n.person_id).is_ok())
        .filter_map(|n| state.person(n.person_id))
        .map(|p| (p.id, total(p, period) - total(p, period.previous())))
        .collect();
    let mut ranking = rank(candidates, mentees.len(), rule);
    for e in &mut ranking.entries {
        e.approved = approved(state, kind, period, e.person_id);
    }
    ranking
}

/// The rubric 党员之星 ranks mentors by (seed 001's criteria).
pub const PARTY_STAR_RUBRIC: &str = "party-star";

/// The rubric whose rise 最具进步奖 ranks mentees by (seed 000, form 2).
pub const MOST_IMPROVED_RUBRIC: &str = "key-target-100";

/// The version in force, refused for a period of a kind it does not take (`period`).
fn in_force(state: &State, key: &str, period: Period) -> Result<Rubric, DomainError> {
    rubric::in_force(state, key, period)
}

/// 党员之星: every mentor in scope ranked by their total under the `party-star` rubric in
/// force for the period; quota 10%.
pub fn rank_party_stars(state: &State, scope: Uuid, period: Period) -> Result<Ranking, DomainError> {
    let rubric = in_force(state, PARTY_STAR_RUBRIC, period)?;
    let score = |p: &Person| rubric::total(&rubric, state, p, period);
    Ok(party_stars(state, scope, period, score, &QuotaRule::party_star()))
}

/// 最具进步奖: the nominated mentees in scope ranked by the rise of their `key-target-100`
/// total, each period scored under the version in force for it (this period's against the
/// previous period's); quota 5% of the mentees in scope.
pub fn rank_most_improved(state: &State, scope: Uuid, period: Period) -> Result<Ranking, DomainError> {
    let this = in_force(state, MOST_IMPROVED_RUBRIC, period)?;
    let before = in_force(state, MOST_IMPROVED_RUBRIC, period.previous())?;
    let total = |p: &Person, at: Period| {
        let rubric = if at == period { &this } else { &before };
        rubric::total(rubric, state, p, at)
    };
    Ok(most_improved(state, scope, period, total, &QuotaRule::most_improved()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::vocab::Stage;
    use std::collections::HashMap;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn quotas_round_down_with_at_least_one() {
        let star = QuotaRule::party_star();
        let improved = QuotaRule::most_improved();
        for (n, s, i) in [
            (0, 0, 0),
            (1, 1, 1),
            (9, 1, 1),
            (10, 1, 1),
            (19, 1, 1),
            (20, 2, 1),
            (53, 5, 2),
            (100, 10, 5),
            (3000, 300, 150),
        ] {
            assert_eq!(star.quota(n), s, "10% of {n}");
            assert_eq!(improved.quota(n), i, "5% of {n}");
        }
    }

    #[test]
    fn quotas_are_exact_where_floating_point_is_not() {
        // 0.07 * 100 is 7.000000000000001 and 0.29 * 100 is 28.999999999999996.
        let r = |share, rounding, at_least_one| QuotaRule {
            share,
            rounding,
            at_least_one,
        };
        assert_eq!(r(0.29, Rounding::Floor, false).quota(100), 29);
        assert_eq!(r(0.07, Rounding::Ceil, false).quota(100), 7);
        assert_eq!(r(0.05, Rounding::Floor, false).quota(19), 0);
        assert_eq!(r(0.05, Rounding::Round, false).quota(10), 1); // 0.5 rounds up
        assert_eq!(r(0.05, Rounding::Round, false).quota(9), 0);
        assert_eq!(r(0.05, Rounding::Ceil, false).quota(1), 1);
        assert_eq!(r(0.0, Rounding::Ceil, true).quota(5), 1);
        assert_eq!(r(0.0, Rounding::Ceil, true).quota(0), 0);
        assert_eq!(r(2.0, Rounding::Ceil, false).quota(5), 5);
        assert_eq!(r(f64::NAN, Rounding::Floor, false).quota(5), 0);
    }

    #[test]
    fn competition_ranks_and_a_tie_at_the_boundary() {
        // The fixture: quota 1, two tied at the top, one below.
        let r = rank(
            vec![(id(3), 10.0), (id(2), 40.0), (id(1), 40.0)],
            20,
            &QuotaRule::most_improved(),
        );
        assert_eq!((r.population, r.quota), (20, 1));
        let rows: Vec<_> = r
            .entries
            .iter()
            .map(|e| (e.person_id, e.rank, e.within_quota, e.tied_at_boundary))
            .collect();
        assert_eq!(
            rows,
            [(id(1), 1, true, true), (id(2), 1, true, true), (id(3), 3, false, false)]
        );
    }

    #[test]
    fn a_tie_straddling_the_boundary_is_entirely_within_the_quota() {
        // Quota 2 (20 × 10%): A alone first, then B, C, D tied: all three rank 2.
        let r = rank(
            vec![
                (id(1), 90.0),
                (id(2), 80.0),
                (id(3), 80.0),
                (id(4), 80.0),
                (id(5), 70.0),
            ],
            20,
            &QuotaRule::party_star(),
        );
        let rows: Vec<_> = r
            .entries
            .iter()
            .map(|e| (e.rank, e.within_quota, e.tied_at_boundary))
            .collect();
        assert_eq!(
            rows,
            [
                (1, true, false),
                (2, true, true),
                (2, true, true),
                (2, true, true),
                (5, false, false)
            ]
        );
    }

    #[test]
    fn a_tie_that_ends_at_the_boundary_is_not_marked() {
        // Quota 2 and exactly two tied at the top: nobody to decide between.
        let r = rank(
            vec![(id(1), 5.0), (id(2), 5.0), (id(3), 4.0)],
            20,
            &QuotaRule::party_star(),
        );
        assert!(r.entries.iter().all(|e| !e.tied_at_boundary));
        assert_eq!(
            r.entries.iter().map(|e| e.within_quota).collect::<Vec<_>>(),
            [true, true, false]
        );
        // Fewer candidates than the quota: all in, no boundary.
        let r = rank(vec![(id(1), 5.0)], 53, &QuotaRule::party_star());
        assert_eq!(r.quota, 5);
        assert!(r.entries[0].within_quota && !r.entries[0].tied_at_boundary);
    }

    #[test]
    fn float_noise_does_not_split_a_tie() {
        let r = rank(
            vec![(id(1), 0.1 + 0.2), (id(2), 0.3), (id(3), 0.0)],
            10,
            &QuotaRule::party_star(),
        );
        assert_eq!(r.entries.iter().map(|e| e.rank).collect::<Vec<_>>(), [1, 1, 3]);
        assert!(r.entries[0].tied_at_boundary && r.entries[1].tied_at_boundary);
    }

    #[test]
    fn empty_candidates_and_empty_population() {
        let r = rank(vec![], 0, &QuotaRule::party_star());
        assert_eq!((r.population, r.quota, r.entries.len()), (0, 0, 0));
        let r = rank(vec![], 20, &QuotaRule::most_improved());
        assert_eq!((r.population, r.quota, r.entries.len()), (20, 1, 0));
        // Nobody is within a quota of 0.
        let r = rank(
            vec![(id(1), 1.0)],
            0,
            &QuotaRule {
                share: 0.1,
                rounding: Rounding::Floor,
                at_least_one: true,
            },
        );
        assert!(!r.entries[0].within_quota && !r.entries[0].tied_at_boundary);
    }

    #[test]
    fn not_a_number_ranks_last() {
        let r = rank(vec![(id(1), f64::NAN), (id(2), -5.0)], 10, &QuotaRule::party_star());
        assert_eq!(r.entries[0].person_id, id(2));
        assert_eq!(r.entries[1].rank, 2);
    }

    /// The most-improved fixture: a branch of 20 mentors and 20 mentees, pairings from
    /// 1 Sep 2024; A and B rise 40, C 10, D rises 40 but is not nominated.
    struct Branch {
        w: World,
        branch: Uuid,
        college: Uuid,
        mentors: Vec<Uuid>,
        mentees: Vec<Uuid>,
    }

    fn fixture_branch() -> Branch {
        let mut w = World::new();
        let Campus {
            college, branch, class, ..
        } = w.campus();
        let (mut mentors, mut mentees) = (vec![], vec![]);
        for i in 0..20 {
            let m = w.register_as(
                &format!("党员{i:02}"),
                &[college, branch],
                Stage::Full,
                Some("2024-05-01"),
            );
            let s = w.register_as(
                &format!("同学{i:02}"),
                &[college, branch, class],
                Stage::Activist,
                Some("2024-03-01"),
            );
            w.form_pairing(&[m], s, "2024-09-01", monthly(1));
            mentors.push(m);
            mentees.push(s);
        }
        Branch {
            w,
            branch,
            college,
            mentors,
            mentees,
        }
    }

    #[test]
    fn the_most_improved_fixture() {
        let mut b = fixture_branch();
        let (s0, s1, s2, s3) = (b.mentees[0], b.mentees[1], b.mentees[2], b.mentees[3]);
        for s in [s0, s1, s2] {
            b.w.nominate(RankingKind::MostImproved, s, "2025-2026");
        }
        b.w.approve(RankingKind::MostImproved, s1, "2025-2026");
        // A nomination for another period does not count.
        b.w.nominate(RankingKind::MostImproved, s3, "2024-2025");
        let this = period("2025-2026");
        let rise: HashMap<Uuid, f64> = [(s0, 40.0), (s1, 40.0), (s2, 10.0), (s3, 40.0)].into();
        let total = |p: &Person, at: Period| {
            30.0 + if at == this {
                rise.get(&p.id).copied().unwrap_or(0.0)
            } else {
                0.0
            }
        };
        let r = most_improved(b.w.state(), b.branch, this, total, &QuotaRule::most_improved());
        assert_eq!((r.population, r.quota, r.entries.len()), (20, 1, 3));
        let get = |id| r.entries.iter().find(|e| e.person_id == id).unwrap();
        assert_eq!((get(s0).score, get(s0).rank, get(s0).tied_at_boundary), (40.0, 1, true));
        assert_eq!((get(s1).rank, get(s1).within_quota, get(s1).approved), (1, true, true));
        assert!(!get(s0).approved);
        assert_eq!((get(s2).score, get(s2).rank, get(s2).within_quota), (10.0, 3, false));

        let stars = party_stars(b.w.state(), b.branch, this, |_| 0.0, &QuotaRule::party_star());
        assert_eq!((stars.population, stars.quota, stars.entries.len()), (20, 2, 20));
        // Everyone tied at 0: all rank 1, all within the quota, all at the boundary.
        assert!(
            stars
                .entries
                .iter()
                .all(|e| e.rank == 1 && e.within_quota && e.tied_at_boundary)
        );
    }

    #[test]
    fn a_nomination_the_branch_fails_is_not_ranked() {
        // Seed 001: 「由帮助人提名，学生党支部进行全面考核，报院党委审批」. Three nominated,
        // rises 40, 40, 10; the branch fails the second: two are ranked, 40 then 10, and the
        // population stays the 20 mentees (quota floor(20 × 5%) = 1).
        let mut b = fixture_branch();
        let (s0, s1, s2) = (b.mentees[0], b.mentees[1], b.mentees[2]);
        for s in [s0, s1, s2] {
            b.w.nominate(RankingKind::MostImproved, s, "2025-2026");
        }
        b.w.examine(RankingKind::MostImproved, s0, "2025-2026", true);
        b.w.examine(RankingKind::MostImproved, s1, "2025-2026", false);
        let this = period("2025-2026");
        let rise: HashMap<Uuid, f64> = [(s0, 40.0), (s1, 40.0), (s2, 10.0)].into();
        let total = |p: &Person, at: Period| {
            if at == this {
                rise.get(&p.id).copied().unwrap_or(0.0)
            } else {
                0.0
            }
        };
        let r = most_improved(b.w.state(), b.branch, this, total, &QuotaRule::most_improved());
        let ranked: Vec<_> = r.entries.iter().map(|e| (e.person_id, e.score, e.rank)).collect();
        assert_eq!(ranked, [(s0, 40.0, 1), (s2, 10.0, 2)]);
        assert_eq!((r.population, r.quota), (20, 1));
    }

    #[test]
    fn party_stars_rank_every_mentor_and_report_approval() {
        let mut b = fixture_branch();
        let scores: HashMap<Uuid, f64> = b.mentors.iter().enumerate().map(|(i, m)| (*m, i as f64)).collect();
        b.w.nominate(RankingKind::PartyStar, b.mentors[19], "2025-2026");
        b.w.approve(RankingKind::PartyStar, b.mentors[19], "2025-2026");
        let r = party_stars(
            b.w.state(),
            b.college,
            period("2025-2026"),
            |p| scores[&p.id],
            &QuotaRule::party_star(),
        );
        assert_eq!((r.population, r.quota), (20, 2));
        let top: Vec<_> = r
            .entries
            .iter()
            .take(3)
            .map(|e| (e.person_id, e.rank, e.within_quota, e.approved))
            .collect();
        assert_eq!(
            top,
            [
                (b.mentors[19], 1, true, true),
                (b.mentors[18], 2, true, false),
                (b.mentors[17], 3, false, false)
            ]
        );
    }

    #[test]
    fn the_population_is_the_pairings_active_in_the_period_and_in_scope() {
        let mut b = fixture_branch();
        let this = period("2025-2026");
        // A mentor with two mentees counts once.
        let extra = b.w.register_as("同学x", &[b.college], Stage::Applicant, None);
        b.w.form_pairing(&[b.mentors[0]], extra, "2025-10-01", monthly(1));
        // A pairing that ended before the period, and one that starts after it.
        let old_m = b.w.register_as("老党员", &[b.college, b.branch], Stage::Full, None);
        let old_s = b.w.register_as("老同学", &[b.college, b.branch], Stage::Full, None);
        let old = b.w.form_pairing(&[old_m], old_s, "2023-09-01", monthly(1));
        b.w.end_pairing(old, "2025-08-31");
        let new_m = b.w.register_as("新党员", &[b.college, b.branch], Stage::Full, None);
        let new_s = b.w.register_as("新同学", &[b.college, b.branch], Stage::Activist, None);
        b.w.form_pairing(&[new_m], new_s, "2026-09-01", monthly(1));
        // A pairing that ended on the period's first day still counts.
        let last_m = b.w.register_as("党员y", &[b.college, b.branch], Stage::Full, None);
        let last_s = b.w.register_as("同学y", &[b.college, b.branch], Stage::Activist, None);
        let last = b.w.form_pairing(&[last_m], last_s, "2024-09-01", monthly(1));
        b.w.end_pairing(last, "2025-09-01");
        // A mentee that is a unit (党员带团支部) is no person.
        let league = b.w.unit(crate::OrgUnitKind::LeagueBranch, Some(b.college));
        b.w.form_pairing(&[b.mentors[1]], league, "2025-09-01", monthly(1));

        let s = b.w.state();
        assert_eq!(mentors_in_scope(s, b.branch, this).len(), 21);
        // `extra` is only in the college.
        assert_eq!(mentees_in_scope(s, b.branch, this).len(), 21);
        assert_eq!(mentees_in_scope(s, b.college, this).len(), 22);
        assert!(mentors_in_scope(s, b.college, this).contains(&last_m));
        assert!(!mentors_in_scope(s, b.college, this).contains(&old_m));
        assert!(!mentors_in_scope(s, b.college, this).contains(&new_m));
        // The previous year saw the old pairing and not the later ones.
        let before = period("2024-2025");
        assert!(mentors_in_scope(s, b.college, before).contains(&old_m));
        assert!(!mentees_in_scope(s, b.college, before).contains(&extra));
        // Sorted, distinct.
        let m = mentors_in_scope(s, b.college, this);
        assert!(m.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn most_improved_scores_each_period_under_the_rubric_in_force_for_it() {
        let mut b = fixture_branch();
        let (s0, s1) = (b.mentees[0], b.mentees[1]);
        for s in [s0, s1] {
            b.w.nominate(RankingKind::MostImproved, s, "2025-2026");
        }
        // Four thought reports this year: s0's `thought_reports` rises from 0 to 10.
        for on in ["2025-10-01", "2025-12-01", "2026-03-01", "2026-05-01"] {
            b.w.thought_report(s0, on);
        }
        let this = period("2025-2026");
        let rises = |b: &Branch| -> Vec<(Uuid, f64)> {
            let r = rank_most_improved(b.w.state(), b.branch, this).unwrap();
            r.entries.iter().map(|e| (e.person_id, e.score)).collect()
        };
        assert_eq!(rises(&b), [(s0, 10.0), (s1, 0.0)]);
        // A version in force from this year that leaves `class_attendance` to the
        // evaluators: this year's totals lose its 10 points, last year's keep them.
        let mut v2 = rubric::preset(MOST_IMPROVED_RUBRIC).unwrap().clone();
        for section in &mut v2.sections {
            for item in section.items.iter_mut().filter(|i| i.key == "class_attendance") {
                item.rule = rubric::Rule::Manual;
            }
        }
        b.w.record(crate::Event::RubricPublished {
            key: MOST_IMPROVED_RUBRIC.into(),
            version: 2,
            effective_from: this,
            definition: v2.definition(),
        });
        assert_eq!(rises(&b), [(s0, 0.0), (s1, -10.0)]);
    }

    #[test]
    fn party_stars_are_ranked_by_the_party_star_rubric() {
        let mut b = fixture_branch();
        // Only the first mentor meets the monthly cadence, every month of the year.
        let first = b.mentors[0];
        let pairing = b.w.state().pairings_mentored_by(first).next().unwrap().id;
        for m in [
            "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
            "2026-06", "2026-07", "2026-08",
        ] {
            b.w.contact(pairing, &format!("{m}-10T10:00:00+08:00"));
        }
        let r = rank_party_stars(b.w.state(), b.branch, period("2025-2026")).unwrap();
        assert_eq!((r.population, r.quota), (20, 2));
        assert_eq!((r.entries[0].person_id, r.entries[0].rank), (first, 1));
        assert!(r.entries[0].score > r.entries[1].score);
        assert!(r.entries[1..].iter().all(|e| e.rank == 2));
    }
}
