//! The rule kinds: each item's rule turns measures into points.

use super::*;
use chrono::NaiveDate;

/// An item's raw score (before the clamp to `[0, max]`), one function per rule kind.
pub(super) fn rule_score(cx: &Cx, item: &Item, subjects: &[Subj], ev: &mut Vec<Uuid>) -> f64 {
    let period = cx.period;
    match &item.rule {
        Rule::Manual => 0.0,
        Rule::Threshold {
            conditions,
            points,
            otherwise,
        } => threshold(conditions, *points, *otherwise, subjects, Span::whole(period), ev),
        Rule::PerTermThreshold {
            conditions,
            points,
            otherwise,
        } => threshold(conditions, *points, *otherwise, subjects, Span::by_term(period), ev),
        Rule::AllOrNothing { measure: m, points } => all_or_nothing(m, *points, subjects, period, ev),
        Rule::DeductPerOccurrence {
            measure: m,
            per,
            from,
            floor,
        } => {
            let v = measure(m, subjects, period, ev).unwrap_or(0.0);
            (from.unwrap_or(item.max) - per * v).max(*floor)
        }
        Rule::Tiers { parts } => tiers(parts, subjects, period, ev),
        Rule::BestOfSeries {
            values,
            collective_from,
            cap,
        } => {
            best_of_series(cx, values, collective_from, subjects, Span::whole(period), ev).min(cap.unwrap_or(item.max))
        }
        Rule::Adjusted { base, adjustments } => adjusted(cx, base.unwrap_or(item.max), adjustments, subjects, ev),
        Rule::Proportional { ratio } => {
            let share = match ratio {
                Ratio::CadenceMet => cadence_met(cx, ev),
                Ratio::MonthlyRecords => monthly_records(cx, ev),
                Ratio::VisitRating => visit_rating(cx, ev),
            };
            item.max * share.clamp(0.0, 1.0)
        }
    }
}

/// `THRESHOLD` and `PER_TERM_THRESHOLD`: `points` when every condition holds in every slot
/// of the span (the period, or each of its terms), else `otherwise`.
fn threshold(
    conditions: &[Condition],
    points: f64,
    otherwise: f64,
    subjects: &[Subj],
    span: Span,
    ev: &mut Vec<Uuid>,
) -> f64 {
    if holds(conditions, subjects, span, ev) {
        points
    } else {
        otherwise
    }
}

/// `ALL_OR_NOTHING`: `points` when the measure is zero (no violation), else 0.
fn all_or_nothing(m: &Measure, points: f64, subjects: &[Subj], period: Period, ev: &mut Vec<Uuid>) -> f64 {
    let v = measure(m, subjects, period, ev).unwrap_or(0.0);
    if v <= EPS { points } else { 0.0 }
}

/// `TIERS`: per part, the first tier that contains the measure; the parts add up. A part
/// that scores nothing cites nothing.
fn tiers(parts: &[TierPart], subjects: &[Subj], period: Period, ev: &mut Vec<Uuid>) -> f64 {
    let mut sum = 0.0;
    for part in parts {
        let mark = ev.len();
        let tier =
            measure(&part.measure, subjects, period, ev).and_then(|v| part.tiers.iter().find(|t| tier_matches(t, v)));
        match tier {
            Some(t) => sum += t.points,
            None => ev.truncate(mark),
        }
    }
    sum
}

fn tier_matches(t: &Tier, v: f64) -> bool {
    t.at_least.is_none_or(|a| v + EPS >= a) && t.at_most.is_none_or(|b| v <= b + EPS)
}

/// `ADJUSTED`, seed 003 第七條 "每個考核項目得分為所設標準分值+加分值-減分值": the standard
/// score plus every adjustment; the item's clamp comes after, not line by line. An
/// adjustment that moves nothing cites nothing, except a shortfall (what was counted short
/// is the evidence).
fn adjusted(cx: &Cx, base: f64, adjustments: &[Adjustment], subjects: &[Subj], ev: &mut Vec<Uuid>) -> f64 {
    let mut score = base;
    for adj in adjustments {
        let mark = ev.len();
        let delta = match adj {
            Adjustment::PerOccurrence {
                measure: m,
                points,
                at_most,
                by_role,
                ..
            } => per_occurrence(cx, m, *points, *at_most, by_role, subjects, ev),
            Adjustment::Shortfall {
                measure: m,
                target,
                unit,
                points,
                if_none,
                ..
            } => {
                let v = measure(m, subjects, cx.period, ev).unwrap_or(0.0);
                shortfall(v, *target, *unit, *points, *if_none)
            }
            Adjustment::DemocraticGrade { points, .. } => democratic_grade(cx, points, subjects, ev),
            Adjustment::ZeroIf { measure: m, .. } => {
                // The whole item scores 0, and only what zeroed it is cited.
                if measure(m, subjects, cx.period, ev).unwrap_or(0.0) > EPS {
                    ev.drain(..mark);
                    return 0.0;
                }
                0.0
            }
        };
        if delta == 0.0 && !matches!(adj, Adjustment::Shortfall { .. }) {
            ev.truncate(mark);
        }
        score += delta;
    }
    score
}

/// `PER_OCCURRENCE`: `points` × the measure (at most `atMost` of it); with `byRole`, the
/// points of the first role the assessed person holds.
fn per_occurrence(
    cx: &Cx,
    m: &Measure,
    points: f64,
    at_most: Option<f64>,
    by_role: &[RolePoints],
    subjects: &[Subj],
    ev: &mut Vec<Uuid>,
) -> f64 {
    let v = measure(m, subjects, cx.period, ev).unwrap_or(0.0);
    let v = at_most.map_or(v, |most| v.min(most));
    let points = if by_role.is_empty() {
        points
    } else {
        by_role
            .iter()
            .find(|r| cx.person.roles.iter().any(|(role, _)| *role == r.role))
            .map_or(points, |r| r.points)
    };
    points * v
}

/// `SHORTFALL`: below `target`, `points` for every started `unit` missing (seed 003,
/// "每少1萬字扣1分": 15,000 words short of 20,000 is one started 10,000); with nothing at
/// all, `ifNone` instead when given ("沒有學習筆記的扣3分").
fn shortfall(v: f64, target: f64, unit: f64, points: f64, if_none: Option<f64>) -> f64 {
    match if_none {
        Some(none) if v <= EPS => none,
        _ if v + EPS < target => points * ((target - v) / unit - EPS).ceil(),
        _ => 0.0,
    }
}

/// `DEMOCRATIC_GRADE`: points by the grade of each subject's democratic evaluation of the
/// period (民主评议).
fn democratic_grade(cx: &Cx, points: &BTreeMap<DemocraticGrade, f64>, subjects: &[Subj], ev: &mut Vec<Uuid>) -> f64 {
    let mut sum = 0.0;
    for p in subjects.iter().filter_map(|s| s.person) {
        if let Some(d) = democratic_for(p, cx.period)
            && let Some(x) = points.get(&d.grade)
        {
            sum += x;
            ev.push(d.id);
        }
    }
    sum
}

/// `BEST_OF_SERIES`: each award valued by the first matching entry; per subject and series
/// only the best counts (seed 000: "同一奖励得分不累计,只取最高值"); the evidence is each
/// series' best.
fn best_of_series(
    cx: &Cx,
    values: &[AwardValue],
    collective_from: &[OrgUnitKind],
    subjects: &[Subj],
    span: Span,
    ev: &mut Vec<Uuid>,
) -> f64 {
    // (subject, series) → (best value, the award): few entries, so a vector.
    let mut best: Vec<(usize, &str, f64, Uuid)> = Vec::new();
    for (i, s) in subjects.iter().enumerate() {
        let (from, to) = (s.from.max(span.from), s.to.min(span.to));
        for a in s.unit_awards {
            consider(&mut best, values, i, a, from, to);
        }
        let Some(p) = s.person else { continue };
        for a in &p.awards {
            consider(&mut best, values, i, a, from, to);
        }
        if collective_from.is_empty() {
            continue;
        }
        for unit in &p.org_unit_ids {
            let kind_ok = cx
                .state
                .org_unit(*unit)
                .is_some_and(|u| collective_from.contains(&u.kind));
            if !kind_ok {
                continue;
            }
            for a in cx.state.unit_awards(*unit) {
                consider(&mut best, values, i, a, from, to);
            }
        }
    }
    let mut sum = 0.0;
    for (_, _, v, id) in best {
        sum += v;
        ev.push(id);
    }
    sum
}

/// Values one award and keeps it when it is the best of its series so far.
fn consider<'a>(
    best: &mut Vec<(usize, &'a str, f64, Uuid)>,
    values: &'a [AwardValue],
    i: usize,
    a: &'a Award,
    from: NaiveDate,
    to: NaiveDate,
) {
    if a.awarded_on < from || a.awarded_on > to {
        return;
    }
    let Some(v) = values.iter().find(|v| award_matches(a, &v.categories, &v.levels)) else {
        return;
    };
    if v.points <= 0.0 {
        return;
    }
    let series = v.series.as_deref().unwrap_or(a.series.as_str());
    match best.iter_mut().find(|(j, s, ..)| *j == i && *s == series) {
        Some(entry) if v.points > entry.2 => {
            entry.2 = v.points;
            entry.3 = a.id;
        }
        Some(_) => {}
        None => best.push((i, series, v.points, a.id)),
    }
}
