//! The engine: one rubric, one person, one period → an [`Assessment`].
//!
//! Every item reads the subject's own fact vectors once per measure, borrowing; nothing is
//! cloned but the evaluations shown beside each item.
//!
//! - `subjects`: whose facts an item reads (the person, or their mentees while paired) and
//!   which days count;
//! - `measures`: a number read from those facts, over the period or term by term;
//! - `rules`: one function per rule kind, measures into points;
//! - `ratios`: the `PROPORTIONAL` shares over the pairings a mentor has.

mod measures;
mod ratios;
mod rules;
mod subjects;

use super::*;
use crate::state::{Award, DemocraticEvaluation, Pairing, Person, State};
use measures::*;
use ratios::*;
use rules::*;
use subjects::*;

/// Tolerance for comparisons of sums of hours, words and the like.
pub(super) const EPS: f64 = 1e-9;

/// Evaluates `rubric` for `person` over `period`.
pub fn evaluate(rubric: &Rubric, state: &State, person: &Person, period: Period) -> Assessment {
    assess(rubric, state, person, period, Detail::Full)
}

/// The total of [`evaluate`] alone, for rankings that score thousands of people: the
/// same rules, without the evidence lists and item titles an assessment shows.
pub fn total(rubric: &Rubric, state: &State, person: &Person, period: Period) -> f64 {
    assess(rubric, state, person, period, Detail::TotalOnly).total
}

/// [`Measure::Rise`]: the person's total under the rubric 最具进步奖 ranks by, this period
/// minus the previous one, each under the version in force for it. `None` when that rubric
/// is missing or reads a rise itself (a rise of rises would never end).
fn rise(state: &State, person: &Person, period: Period) -> Option<f64> {
    let under = |p: Period| {
        let r = crate::rubric::rubric_for(state, crate::ranking::MOST_IMPROVED_RUBRIC, p)?;
        let plain = !r.reads_rise(Subject::Own) && !r.reads_rise(Subject::Mentees);
        plain.then(|| total(&r, state, person, p))
    };
    Some(under(period)? - under(period.previous())?)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Detail {
    Full,
    /// Items carry their scores and evaluations, but no titles and no evidence.
    TotalOnly,
}

fn assess(rubric: &Rubric, state: &State, person: &Person, period: Period, detail: Detail) -> Assessment {
    let (from, to) = (period.first_day(), period.last_day());
    let own = [Subj {
        person: Some(person),
        unit_awards: &[],
        from,
        to,
        rise: rubric
            .reads_rise(Subject::Own)
            .then(|| rise(state, person, period))
            .flatten(),
    }];
    let mut mentees = if rubric.items().any(|(_, i)| i.subject == Subject::Mentees) {
        mentees_of(state, person.id, from, to)
    } else {
        Vec::new()
    };
    if rubric.reads_rise(Subject::Mentees) {
        for m in &mut mentees {
            m.rise = m.person.and_then(|p| rise(state, p, period));
        }
    }
    let cx = Cx {
        state,
        person,
        period,
        detail,
    };
    let mut items = Vec::with_capacity(rubric.sections.iter().map(|s| s.items.len()).sum());
    let mut scratch = Vec::with_capacity(64);
    for (section, item) in rubric.items() {
        let subjects: &[Subj] = match item.subject {
            Subject::Own => &own,
            Subject::Mentees => &mentees,
        };
        // Nobody to read: an item about mentees scores nothing for a person without any.
        scratch.clear();
        let raw = if item.subject == Subject::Mentees && subjects.is_empty() {
            0.0
        } else {
            rule_score(&cx, item, subjects, &mut scratch)
        };
        let computed = round2(clamp(raw, item.max));
        let evidence = match detail {
            Detail::Full => {
                scratch.sort_unstable();
                scratch.dedup();
                // One exact allocation per item (none when there is no evidence).
                scratch.to_vec()
            }
            Detail::TotalOnly => Vec::new(),
        };
        let evaluations: Vec<_> = person
            .evaluations
            .iter()
            .filter(|e| e.rubric == rubric.key && e.period == period && e.item_key == item.key)
            .cloned()
            .collect();
        let score = evaluations
            .iter()
            .rev()
            .find(|e| e.evaluator == EvaluatorRole::Branch)
            .map(|e| round2(clamp(e.score, item.max)))
            .unwrap_or(computed);
        let text = |s: &String| match detail {
            Detail::Full => s.clone(),
            Detail::TotalOnly => String::new(),
        };
        items.push(ItemResult {
            key: text(&item.key),
            section: text(&section.title),
            title: text(&item.title),
            max: item.max,
            computed,
            evaluations,
            score,
            evidence,
        });
    }

    let democratic = democratic_for(person, period);
    let quantitative: f64 = items.iter().map(|i| i.score).sum();
    let total = match &rubric.total {
        Total::Sum => quantitative,
        Total::Weighted { parts } => {
            let (mut acc, mut weights) = (0.0, 0.0);
            for part in parts {
                let value = match &part.source {
                    Source::Items => Some(scaled(quantitative, rubric.max)),
                    Source::PollScore => democratic
                        .and_then(|d| d.poll_score)
                        .filter(|s| s.is_finite())
                        .map(|s| s.clamp(0.0, 100.0)),
                    Source::Evaluator { evaluator } => evaluator_sum(&items, *evaluator).map(|s| scaled(s, rubric.max)),
                    Source::Item { item } => items
                        .iter()
                        .zip(rubric.items())
                        .find(|(_, (_, def))| def.key == *item)
                        .map(|(result, (_, def))| scaled(result.score, def.max)),
                };
                if let Some(v) = value {
                    acc += part.weight * v;
                    weights += part.weight;
                }
            }
            if weights > 0.0 { acc / weights } else { 0.0 }
        }
    };
    let total = round2(total);
    let vetoed = match (&rubric.veto, democratic) {
        (Some(veto), Some(d)) => veto.democratic_grades.contains(&d.grade),
        _ => false,
    };
    // Banded as shown: 59.996 shows as 60.00 and is banded as 60.
    let band = if vetoed {
        Band::NotAssessed
    } else {
        Band::of_total(total, &rubric.bands())
    };
    Assessment {
        person_id: person.id,
        rubric: rubric.key.clone(),
        version: rubric.version,
        period,
        total,
        band,
        vetoed,
        items,
    }
}

fn scaled(x: f64, max: f64) -> f64 {
    if max > 0.0 { x * 100.0 / max } else { 0.0 }
}

pub(super) fn clamp(x: f64, max: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, max) }
}

/// Rounds to 2 decimals (and turns −0 into 0).
fn round2(x: f64) -> f64 {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 { 0.0 } else { r }
}

/// One evaluator's latest scores summed over the items; `None` when they scored none.
fn evaluator_sum(items: &[ItemResult], role: EvaluatorRole) -> Option<f64> {
    let mut any = false;
    let mut sum = 0.0;
    for item in items {
        if let Some(e) = item.evaluations.iter().rev().find(|e| e.evaluator == role) {
            any = true;
            sum += clamp(e.score, item.max);
        }
    }
    any.then_some(sum)
}

pub(super) struct Cx<'a> {
    pub(super) state: &'a State,
    pub(super) person: &'a Person,
    pub(super) period: Period,
    pub(super) detail: Detail,
}
