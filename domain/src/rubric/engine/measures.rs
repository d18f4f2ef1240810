//! Measures: a number read from the subjects' facts in the period, or in each term of it.

use super::*;

/// The value of a measure over one subject in each slot, in one pass over the fact vector
/// it reads, pushing the ids of the facts read.
pub(super) fn measure_one(m: &Measure, s: &Subj, span: Span, ev: &mut Vec<Uuid>) -> Slots {
    let span = span.within(s);
    if *m == Measure::Rise {
        return [s.rise; MAX_SLOTS];
    }
    let latest = m.is_averaged();
    let mut n: Slots = if latest {
        [None; MAX_SLOTS]
    } else {
        [Some(0.0); MAX_SLOTS]
    };
    let mut add = |slot: usize, x: f64, id: Uuid| {
        if let Some(v) = &mut n[slot] {
            *v += x;
        }
        ev.push(id);
    };
    let Some(p) = s.person else {
        // A unit mentee has awards only.
        if let Measure::Awards { categories, levels } = m {
            for a in s.unit_awards {
                if let Some(i) = span.slot(a.awarded_on)
                    && award_matches(a, categories, levels)
                {
                    add(i, 1.0, a.id);
                }
            }
        }
        return n;
    };
    match m {
        Measure::ThoughtReports => {
            for r in &p.thought_reports {
                if let Some(i) = span.slot(r.submitted_on) {
                    add(i, 1.0, r.id);
                }
            }
        }
        Measure::VolunteerHours | Measure::VolunteerSessions => {
            let hours = matches!(m, Measure::VolunteerHours);
            for v in &p.volunteer_services {
                if let Some(i) = span.slot(v.served_on) {
                    add(i, if hours { v.hours } else { 1.0 }, v.id);
                }
            }
        }
        Measure::Conduct { kinds } => {
            for c in &p.conduct {
                if let Some(i) = span.slot(c.occurred_on)
                    && (kinds.is_empty() || kinds.contains(&c.kind))
                {
                    add(i, 1.0, c.id);
                }
            }
        }
        Measure::Activity { kinds } => {
            for a in &p.activities {
                if let Some(i) = span.slot(a.occurred_on)
                    && (kinds.is_empty() || kinds.contains(&a.kind))
                {
                    add(i, a.quantity, a.id);
                }
            }
        }
        Measure::Awards { categories, levels } => {
            for a in p.awards.iter().chain(s.unit_awards) {
                if let Some(i) = span.slot(a.awarded_on)
                    && award_matches(a, categories, levels)
                {
                    add(i, 1.0, a.id);
                }
            }
        }
        Measure::StageChanges { stages } => {
            for c in &p.stage_changes {
                if let Some(i) = span.slot(c.effective_on)
                    && stages.contains(&c.stage)
                {
                    add(i, 1.0, c.id);
                }
            }
        }
        Measure::Rise => {}
        Measure::LatestGpa | Measure::LatestClassRank | Measure::LatestRankShare => {
            let mut best: [Option<&crate::state::AcademicResult>; MAX_SLOTS] = [None; MAX_SLOTS];
            for r in &p.academic_results {
                if let Some(i) = span.academic_slot(r.term)
                    && best[i].is_none_or(|l| term_order(r.term) >= term_order(l.term))
                {
                    best[i] = Some(r);
                }
            }
            for (slot, r) in best.into_iter().enumerate() {
                let Some(r) = r else { continue };
                let value = match m {
                    Measure::LatestGpa => Some(r.gpa),
                    Measure::LatestClassRank if r.class_rank >= 1 => Some(f64::from(r.class_rank)),
                    Measure::LatestRankShare if r.class_rank >= 1 && r.class_size >= 1 => {
                        Some(f64::from(r.class_rank) / f64::from(r.class_size))
                    }
                    _ => None,
                };
                if let Some(v) = value.filter(|v| v.is_finite()) {
                    n[slot] = Some(v);
                    ev.push(r.id);
                }
            }
        }
    }
    n
}

pub(super) fn award_matches(a: &Award, categories: &[AwardCategory], levels: &[AwardLevel]) -> bool {
    (categories.is_empty() || categories.contains(&a.category)) && (levels.is_empty() || levels.contains(&a.level))
}

/// A measure over all subjects, per slot: counts and sums add up; the latest-result
/// measures and the rise average over the subjects that have one.
pub(super) fn measure_slots(m: &Measure, subjects: &[Subj], span: Span, ev: &mut Vec<Uuid>) -> Slots {
    if let [one] = subjects {
        return measure_one(m, one, span, ev);
    }
    let averaged = m.is_averaged();
    let mut sum = [0.0; MAX_SLOTS];
    let mut count = [0usize; MAX_SLOTS];
    for s in subjects {
        for (i, v) in measure_one(m, s, span, ev).into_iter().enumerate() {
            if let Some(v) = v {
                sum[i] += v;
                count[i] += 1;
            }
        }
    }
    std::array::from_fn(|i| {
        if !averaged {
            Some(sum[i])
        } else if count[i] > 0 {
            Some(sum[i] / count[i] as f64)
        } else {
            None
        }
    })
}

/// A measure over the whole period.
pub(super) fn measure(m: &Measure, subjects: &[Subj], period: Period, ev: &mut Vec<Uuid>) -> Option<f64> {
    measure_slots(m, subjects, Span::whole(period), ev)[0]
}

/// Every condition holds in every slot of the span.
pub(super) fn holds(conditions: &[Condition], subjects: &[Subj], span: Span, ev: &mut Vec<Uuid>) -> bool {
    let mut all = true;
    for c in conditions {
        let values = measure_slots(&c.measure, subjects, span, ev);
        for v in &values[..span.slots()] {
            all &= v.is_some_and(|v| v + EPS >= c.at_least);
        }
    }
    all
}
