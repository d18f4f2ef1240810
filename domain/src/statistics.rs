//! The figures a branch reports each period (seed 002: 「联系积极分子114人，共计谈话1026次」),
//! for a scope and each unit directly below it, as of the period's end or an earlier
//! instant. `docs/archive.md` ("Statistics") defines each figure; every one is a count of
//! facts the state holds, so a retracted fact counts for nothing.

use crate::cadence::{Span, Vacations, Windowing};
use crate::state::{Pairing, Person, StageChange, State};
use crate::time::{Month, Period, local_date};
use crate::vocab::Stage;
use chrono::{DateTime, Months, NaiveDate, Utc};
use uuid::Uuid;

/// A period's figures for one scope.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// The people in scope by their stage on the day of the figures (those registered by
    /// then), in the stages' order; stages nobody is at are left out.
    pub people_by_stage: Vec<(Stage, u32)>,
    /// People in scope who are activists (入党积极分子) on that day.
    pub activists: u32,
    /// Those of them who are the mentee of a pairing in scope with a contact in the period.
    pub activists_contacted: u32,
    /// Contacts (谈话) recorded in the period in the scope's pairings, every one recorded,
    /// whether or not it counts toward its cadence.
    pub contacts: u32,
    /// Thought reports submitted in the period by people in scope.
    pub thought_reports: u32,
    /// Stage changes into probationary membership in the period (发展党员).
    pub new_probationary: u32,
    /// Stage changes into full membership in the period (转正).
    pub became_full: u32,
    /// Those of them no later than due: a year of probation plus any extension.
    pub became_full_on_time: u32,
    /// Volunteer hours served in the period by people in scope.
    pub volunteer_hours: f64,
    /// Whole months of the period the scope's pairings were active, up to the day of the
    /// figures, not wholly inside a vacation: the months a 活动情况记录表 was owed (the
    /// `MONTHLY_RECORDS` reading of the party-star rubric).
    pub monthly_records_due: u32,
    /// Of those months, the ones with a record.
    pub monthly_records_submitted: u32,
    /// Months of the period with a standing 党支部意见, over the scope's pairings.
    pub branch_opinions: u32,
}

/// The figures of a scope and of each unit directly below it.
#[derive(Clone, Debug, PartialEq)]
pub struct Statistics {
    pub scope: Uuid,
    pub period: Period,
    /// The day the figures stand on: the period's last day, or `as_of`'s day if earlier.
    pub as_of_day: NaiveDate,
    pub figures: Figures,
    /// The child units in the order they were created, each with its figures.
    pub by_unit: Vec<(Uuid, Figures)>,
}

/// The statistics of `scope` for `period`, as of `as_of`.
pub fn statistics(state: &State, scope: Uuid, period: Period, as_of: DateTime<Utc>) -> Statistics {
    let as_of_day = period.last_day().min(local_date(as_of));
    let vacations = Vacations::new(state.vacations());
    let on = Facts {
        state,
        period,
        day: as_of_day,
        as_of,
        vacations: &vacations,
    };
    let children = state.org_unit(scope).map_or_else(Vec::new, |u| u.children.clone());
    Statistics {
        scope,
        period,
        as_of_day,
        figures: on.figures(scope),
        by_unit: children.into_iter().map(|c| (c, on.figures(c))).collect(),
    }
}

struct Facts<'a> {
    state: &'a State,
    period: Period,
    day: NaiveDate,
    as_of: DateTime<Utc>,
    vacations: &'a Vacations,
}

impl Facts<'_> {
    /// A day of the period up to the day of the figures.
    fn counts_on(&self, day: NaiveDate) -> bool {
        self.period.first_day() <= day && day <= self.day
    }

    fn figures(&self, unit: Uuid) -> Figures {
        let scope = self.state.scope(unit);
        let mut f = Figures::default();
        let mut stages: Vec<(Stage, u32)> = Vec::new();
        let mut activists: Vec<Uuid> = Vec::new();
        for p in scope.people() {
            if let Some(stage) = p.stage_on(self.day) {
                match stages.iter_mut().find(|(s, _)| *s == stage) {
                    Some((_, n)) => *n += 1,
                    None => stages.push((stage, 1)),
                }
                if stage == Stage::Activist {
                    activists.push(p.id);
                }
            }
            f.thought_reports += count(p.thought_reports.iter().filter(|r| self.counts_on(r.submitted_on)));
            f.volunteer_hours += p
                .volunteer_services
                .iter()
                .filter(|v| self.counts_on(v.served_on))
                .map(|v| v.hours)
                .sum::<f64>();
            for c in p.stage_changes.iter().filter(|c| self.counts_on(c.effective_on)) {
                match c.stage {
                    Stage::Probationary => f.new_probationary += 1,
                    Stage::Full => {
                        f.became_full += 1;
                        if full_on_time(p, c) {
                            f.became_full_on_time += 1;
                        }
                    }
                    _ => {}
                }
            }
        }
        stages.sort_unstable();
        f.people_by_stage = stages;
        f.activists = count(activists.iter());
        let mut contacted: Vec<Uuid> = Vec::new();
        for pairing in scope.pairings() {
            let contacts = count(
                pairing
                    .contacts
                    .iter()
                    .filter(|c| c.occurred_at <= self.as_of && self.period.contains(local_date(c.occurred_at))),
            );
            f.contacts += contacts;
            if contacts > 0 && activists.contains(&pairing.mentee_id) && !contacted.contains(&pairing.mentee_id) {
                contacted.push(pairing.mentee_id);
            }
            let (due, submitted) = self.monthly_records(pairing);
            f.monthly_records_due += due;
            f.monthly_records_submitted += submitted;
            f.branch_opinions += count(pairing.branch_opinions.keys().filter(|m| self.counts_on(m.first_day())));
        }
        f.activists_contacted = count(contacted.iter());
        f
    }

    /// The whole months of the period the pairing was active up to the day of the figures,
    /// outside vacations, and how many of them have a record.
    fn monthly_records(&self, p: &Pairing) -> (u32, u32) {
        let from = p.starts_on.max(self.period.first_day());
        let to = p.ends_on.map_or(self.day, |e| e.min(self.day));
        if from > to {
            return (0, 0);
        }
        let (mut due, mut done) = (0, 0);
        for w in Windowing::Calendar(Span::Month).within(from, from, to) {
            if self.vacations.covers(w.first, w.last) {
                continue;
            }
            due += 1;
            if p.monthly_records.contains_key(&Month::of(w.first)) {
                done += 1;
            }
        }
        (due, done)
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}

/// 发展党员工作细则: full membership is due a year after becoming probationary, plus any
/// extension (延长预备期) of that probation; becoming full on or before that day is on
/// time. Unknown when the probation's start is not recorded: then not on time.
fn full_on_time(p: &Person, change: &StageChange) -> bool {
    let became_full = change.effective_on;
    let started = p
        .stage_changes
        .iter()
        .filter(|c| c.stage == Stage::Probationary && c.effective_on <= became_full)
        .map(|c| c.effective_on)
        .max()
        .or(match p.registered_stage {
            Stage::Probationary => p.registered_since,
            _ => None,
        });
    started
        .and_then(|s| s.checked_add_months(Months::new(12 + change.probation_extended_by)))
        .is_some_and(|due| became_full <= due)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;

    #[test]
    fn an_extended_probation_is_on_time_until_its_extended_end() {
        // Given two probationary members since 1 Jun 2024, one of them extended by 6
        // months: due 1 Jun 2025 + 6 months = 1 Dec 2025; the other due 1 Jun 2025.
        let mut w = World::new();
        let Campus { college, .. } = w.campus();
        let extended = w.register_as("E", &[college], Stage::Probationary, Some("2024-06-01"));
        let plain = w.register_as("N", &[college], Stage::Probationary, Some("2024-06-01"));
        w.extend_probation(extended, 6);
        // Both become full on 20 Nov 2025.
        w.change_stage(extended, Stage::Full, "2025-11-20");
        w.change_stage(plain, Stage::Full, "2025-11-20");
        let s = statistics(w.state(), college, period("2025-2026"), at("2026-09-01T00:00:00+08:00"));
        // Then two became full, one on time (20 Nov ≤ 1 Dec); the other was 5 months late.
        assert_eq!((s.figures.became_full, s.figures.became_full_on_time), (2, 1));
    }

    /// A college with two branches. Branch A: mentor MA (full), activists A1, A2, and a
    /// probationary member P1 (since 2024-10-01); branch B: mentor MB, activist B1, and
    /// P2 (probationary since 2024-06-01). Pairings MA–A1, MA–A2, MB–B1, monthly from 1 Sep
    /// 2025. A winter vacation covers the whole of February 2026.
    #[test]
    fn a_small_college_by_hand() {
        let mut w = World::new();
        let Campus {
            college, branch, class, ..
        } = w.campus();
        let branch_b = w.unit(crate::vocab::OrgUnitKind::Branch, Some(college));
        let _ = class;
        let ma = w.register_as("MA", &[college, branch], Stage::Full, Some("2020-06-01"));
        let a1 = w.register_as("A1", &[college, branch], Stage::Activist, Some("2025-03-01"));
        let a2 = w.register_as("A2", &[college, branch], Stage::Activist, Some("2025-03-01"));
        let p1 = w.register_as("P1", &[college, branch], Stage::Probationary, Some("2024-10-01"));
        let mb = w.register_as("MB", &[college, branch_b], Stage::Full, Some("2020-06-01"));
        let b1 = w.register_as("B1", &[college, branch_b], Stage::Activist, Some("2025-03-01"));
        let p2 = w.register_as("P2", &[college, branch_b], Stage::Probationary, Some("2024-06-01"));
        w.set_vacations(&[vacation("2026-01-24", "2026-02-28")]);
        let pa1 = w.form_pairing(&[ma], a1, "2025-09-01", monthly(1));
        let pa2 = w.form_pairing(&[ma], a2, "2025-09-01", monthly(1));
        let pb1 = w.form_pairing(&[mb], b1, "2025-09-01", monthly(1));
        // Contacts: A1 three in the year, one of them retracted; A2 one before the year
        // (not counted); B1 two.
        w.contact(pa1, "2025-09-05T19:00:00+08:00");
        w.contact(pa1, "2025-10-05T19:00:00+08:00");
        let wrong = w.contact(pa1, "2025-11-05T19:00:00+08:00");
        w.retract(wrong);
        w.contact(pa2, "2025-08-30T19:00:00+08:00");
        w.contact(pb1, "2025-09-10T10:00:00+08:00");
        w.contact(pb1, "2026-03-10T10:00:00+08:00");
        // Thought reports: A1 two, B1 one, one of A2's before the year.
        w.thought_report(a1, "2025-09-20");
        w.thought_report(a1, "2025-10-20");
        w.thought_report(b1, "2025-12-20");
        w.thought_report(a2, "2025-08-20");
        // Volunteer hours: A1 3.5 + 2, MB 4.
        w.volunteer(a1, "2025-10-01", 3.5);
        w.volunteer(a1, "2026-04-01", 2.0);
        w.volunteer(mb, "2025-11-01", 4.0);
        // A2 becomes probationary; P1 full on time (due 2025-10-01, became 2025-10-01);
        // P2 full late (due 2025-06-01, became 2025-09-15).
        w.change_stage(a2, Stage::Probationary, "2025-11-01");
        w.change_stage(p1, Stage::Full, "2025-10-01");
        w.change_stage(p2, Stage::Full, "2025-09-15");
        // Monthly records: MA–A1 September and October, with an opinion for October.
        w.monthly_record(pa1, "2025-09");
        w.monthly_record(pa1, "2025-10");
        w.branch_opinion(pa1, "2025-10");

        let s = statistics(w.state(), college, period("2025-2026"), at("2027-01-01T00:00:00+08:00"));
        let f = &s.figures;
        assert_eq!(s.as_of_day, day("2026-08-31"));
        // On 31 Aug 2026: full MA, MB, P1, P2 = 4; probationary A2 = 1; activists A1, B1 = 2.
        assert_eq!(
            f.people_by_stage,
            [(Stage::Activist, 2), (Stage::Probationary, 1), (Stage::Full, 4)]
        );
        assert_eq!((f.activists, f.activists_contacted), (2, 2));
        // Contacts: A1 2 (the retracted one gone) + B1 2 = 4.
        assert_eq!(f.contacts, 4);
        assert_eq!(f.thought_reports, 3);
        assert_eq!(f.volunteer_hours, 9.5);
        assert_eq!((f.new_probationary, f.became_full, f.became_full_on_time), (1, 2, 1));
        // Months: September–August is 12 whole months, February wholly in the vacation
        // (January only partly): 11 per pairing × 3 = 33; records 2; opinions 1.
        assert_eq!(
            (f.monthly_records_due, f.monthly_records_submitted, f.branch_opinions),
            (33, 2, 1)
        );
        // By unit: the campus's units, then branch B.
        let figures = |unit| s.by_unit.iter().find(|(u, _)| *u == unit).map(|(_, f)| f.clone());
        let a = figures(branch).expect("branch A is a child");
        assert_eq!(
            (a.contacts, a.activists, a.thought_reports, a.monthly_records_due),
            (2, 1, 2, 22)
        );
        let b = figures(branch_b).expect("branch B is a child");
        assert_eq!(
            (
                b.contacts,
                b.activists_contacted,
                b.became_full_on_time,
                b.volunteer_hours
            ),
            (2, 1, 0, 4.0)
        );

        // As of 15 Oct 2025: A2 still an activist, P1 full, P2 full; contacts up to then:
        // A1 2 + B1 1 = 3; whole months up to 15 Oct: September only, 3 pairings → 3 due.
        let s = statistics(w.state(), college, period("2025-2026"), at("2025-10-15T12:00:00+08:00"));
        assert_eq!(s.figures.activists, 3);
        assert_eq!(s.figures.contacts, 3);
        assert_eq!(
            (s.figures.monthly_records_due, s.figures.monthly_records_submitted),
            (3, 1)
        );
    }
}
