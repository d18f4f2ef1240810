//! The engine: one rubric, one person, one period → an [`Assessment`].
//!
//! Every item reads the subject's own fact vectors once per measure, borrowing; nothing is
//! cloned but the evaluations shown beside each item.

use super::*;
use crate::state::{Award, DemocraticEvaluation, Pairing, Person, State};
use crate::time::{Month, start_of_day};
use chrono::{Datelike, NaiveDate};

/// Tolerance for comparisons of sums of hours, words and the like.
const EPS: f64 = 1e-9;

/// Evaluates `rubric` for `person` over `period`.
pub fn evaluate(rubric: &Rubric, state: &State, person: &Person, period: Period) -> Assessment {
    assess(rubric, state, person, period, Detail::Full)
}

/// The total of [`evaluate`] alone, for rankings that score thousands of people: the
/// same rules, without the evidence lists and item titles an assessment shows.
pub fn total(rubric: &Rubric, state: &State, person: &Person, period: Period) -> f64 {
    assess(rubric, state, person, period, Detail::TotalOnly).total
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Detail {
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
    }];
    let mentees = if rubric.items().any(|(_, i)| i.subject == Subject::Mentees) {
        mentees_of(state, person.id, from, to)
    } else {
        Vec::new()
    };
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
    let bands = rubric.bands();
    let band = if vetoed {
        Band::NotAssessed
    } else if total >= bands.commended {
        Band::Commended
    } else if total >= bands.qualified {
        Band::Qualified
    } else {
        Band::Unqualified
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

fn clamp(x: f64, max: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, max) }
}

/// Rounds to 2 decimals (and turns −0 into 0).
pub(crate) fn round2(x: f64) -> f64 {
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

struct Cx<'a> {
    state: &'a State,
    person: &'a Person,
    period: Period,
    detail: Detail,
}

/// Whose facts an item reads, and the days of them that count.
#[derive(Clone, Copy)]
struct Subj<'a> {
    person: Option<&'a Person>,
    /// A unit mentee's (League branch's) own awards.
    unit_awards: &'a [Award],
    from: NaiveDate,
    to: NaiveDate,
}

/// The days that count and how they split: dated facts in [from, to] fall in slot 0, or,
/// when `split` is set (a year read term by term), in slot 1 from `split` on. Academic
/// results fall by their `term`.
#[derive(Clone, Copy)]
struct Span {
    from: NaiveDate,
    to: NaiveDate,
    split: Option<NaiveDate>,
    period: Period,
}

/// A measure's value in each slot (`None`: no academic result there).
type Slots = [Option<f64>; 2];

impl Span {
    fn whole(period: Period) -> Span {
        Span {
            from: period.first_day(),
            to: period.last_day(),
            split: None,
            period,
        }
    }

    /// A year read term by term (a term is read as itself).
    fn by_term(period: Period) -> Span {
        let split = match period {
            Period::Year { start } => Some(Period::Term { start, term: 2 }.first_day()),
            Period::Term { .. } => None,
        };
        Span {
            split,
            ..Span::whole(period)
        }
    }

    fn slots(&self) -> usize {
        if self.split.is_some() { 2 } else { 1 }
    }

    fn within(&self, s: &Subj) -> Span {
        Span {
            from: self.from.max(s.from),
            to: self.to.min(s.to),
            ..*self
        }
    }

    fn slot(&self, day: NaiveDate) -> Option<usize> {
        if day < self.from || day > self.to {
            None
        } else if self.split.is_some_and(|s| day >= s) {
            Some(1)
        } else {
            Some(0)
        }
    }

    fn academic_slot(&self, term: Period) -> Option<usize> {
        match (self.split, self.period, term) {
            (None, period, term) => term_in(term, period).then_some(0),
            (Some(_), Period::Year { start: a }, Period::Term { start: b, term }) if a == b => {
                Some(usize::from(term) - 1)
            }
            _ => None,
        }
    }
}

/// The pairings `mentor` mentors that are active at some point of [from, to], each with
/// the days of it inside [from, to].
fn mentor_pairings<'a>(
    state: &'a State,
    mentor: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> impl Iterator<Item = (&'a Pairing, NaiveDate, NaiveDate)> + 'a {
    state
        .pairings_of
        .get(&mentor)
        .map(|v| v.as_slice())
        .unwrap_or(&[])
        .iter()
        .filter_map(|id| state.pairings.get(id))
        .filter(move |p| p.mentor_ids.contains(&mentor))
        .filter_map(move |p| {
            let a = p.starts_on.max(from);
            let b = p.ends_on.map_or(to, |e| e.min(to));
            (a <= b).then_some((p, a, b))
        })
}

/// The mentees of `mentor`'s pairings in [from, to], each with the days they were paired.
fn mentees_of<'a>(state: &'a State, mentor: Uuid, from: NaiveDate, to: NaiveDate) -> Vec<Subj<'a>> {
    let mut out: Vec<(Uuid, Subj<'a>)> = Vec::new();
    for (pairing, a, b) in mentor_pairings(state, mentor, from, to) {
        let id = pairing.mentee_id;
        if let Some((_, s)) = out.iter_mut().find(|(m, _)| *m == id) {
            s.from = s.from.min(a);
            s.to = s.to.max(b);
            continue;
        }
        let person = state.people.get(&id);
        let unit_awards = if person.is_none() {
            state.unit_awards.get(&id).map_or(&[][..], |v| v.as_slice())
        } else {
            &[]
        };
        out.push((
            id,
            Subj {
                person,
                unit_awards,
                from: a,
                to: b,
            },
        ));
    }
    out.into_iter().map(|(_, s)| s).collect()
}

/// True when `term` is `period` or one of its terms.
fn term_in(term: Period, period: Period) -> bool {
    match (period, term) {
        (Period::Year { start: a }, Period::Term { start: b, .. }) => a == b,
        (p, t) => p == t,
    }
}

/// Orders periods in time within a year: term 1, term 2, then the whole year.
fn term_order(p: Period) -> (i32, u8) {
    match p {
        Period::Term { start, term } => (start, term),
        Period::Year { start } => (start, 3),
    }
}

/// The democratic evaluation that applies to a period: one for the period itself, else
/// the latest one for a term of it, else the one for the year that contains it.
fn democratic_for(person: &Person, period: Period) -> Option<&DemocraticEvaluation> {
    let (mut exact, mut within, mut covering) = (None, None::<&DemocraticEvaluation>, None);
    for d in &person.democratic_evaluations {
        if d.period == period {
            exact = Some(d);
        } else if term_in(d.period, period) {
            if within.is_none_or(|w| term_order(d.period) >= term_order(w.period)) {
                within = Some(d);
            }
        } else if term_in(period, d.period) {
            covering = Some(d);
        }
    }
    exact.or(within).or(covering)
}

/// The value of a measure over one subject in each slot, in one pass over the fact vector
/// it reads, pushing the ids of the facts read.
fn measure_one(m: &Measure, s: &Subj, span: Span, ev: &mut Vec<Uuid>) -> Slots {
    let span = span.within(s);
    let latest = matches!(
        m,
        Measure::LatestGpa | Measure::LatestClassRank | Measure::LatestRankShare
    );
    let mut n = if latest { [None, None] } else { [Some(0.0), Some(0.0)] };
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
        Measure::LatestGpa | Measure::LatestClassRank | Measure::LatestRankShare => {
            let mut best: [Option<&crate::state::AcademicResult>; 2] = [None, None];
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

fn award_matches(a: &Award, categories: &[AwardCategory], levels: &[AwardLevel]) -> bool {
    (categories.is_empty() || categories.contains(&a.category)) && (levels.is_empty() || levels.contains(&a.level))
}

/// A measure over all subjects, per slot: counts and sums add up; the latest-result
/// measures average over the subjects that have one.
fn measure_slots(m: &Measure, subjects: &[Subj], span: Span, ev: &mut Vec<Uuid>) -> Slots {
    if let [one] = subjects {
        return measure_one(m, one, span, ev);
    }
    let averaged = matches!(
        m,
        Measure::LatestGpa | Measure::LatestClassRank | Measure::LatestRankShare
    );
    let mut sum = [0.0; 2];
    let mut count = [0usize; 2];
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
fn measure(m: &Measure, subjects: &[Subj], period: Period, ev: &mut Vec<Uuid>) -> Option<f64> {
    measure_slots(m, subjects, Span::whole(period), ev)[0]
}

/// Every condition holds in every slot of the span.
fn holds(conditions: &[Condition], subjects: &[Subj], span: Span, ev: &mut Vec<Uuid>) -> bool {
    let mut all = true;
    for c in conditions {
        let values = measure_slots(&c.measure, subjects, span, ev);
        for v in &values[..span.slots()] {
            all &= v.is_some_and(|v| v + EPS >= c.at_least);
        }
    }
    all
}

fn tier_matches(t: &Tier, v: f64) -> bool {
    t.at_least.is_none_or(|a| v + EPS >= a) && t.at_most.is_none_or(|b| v <= b + EPS)
}

fn rule_score(cx: &Cx, item: &Item, subjects: &[Subj], ev: &mut Vec<Uuid>) -> f64 {
    let whole = cx.period;
    match &item.rule {
        Rule::Manual => 0.0,
        Rule::Threshold {
            conditions,
            points,
            otherwise,
        } => {
            if holds(conditions, subjects, Span::whole(whole), ev) {
                *points
            } else {
                *otherwise
            }
        }
        Rule::PerTermThreshold {
            conditions,
            points,
            otherwise,
        } => {
            let all = holds(conditions, subjects, Span::by_term(cx.period), ev);
            if all { *points } else { *otherwise }
        }
        Rule::AllOrNothing { measure: m, points } => {
            let v = measure(m, subjects, whole, ev).unwrap_or(0.0);
            if v <= EPS { *points } else { 0.0 }
        }
        Rule::DeductPerOccurrence {
            measure: m,
            per,
            from,
            floor,
        } => {
            let v = measure(m, subjects, whole, ev).unwrap_or(0.0);
            (from.unwrap_or(item.max) - per * v).max(*floor)
        }
        Rule::Tiers { parts } => {
            let mut sum = 0.0;
            for part in parts {
                let mark = ev.len();
                let tier = measure(&part.measure, subjects, whole, ev)
                    .and_then(|v| part.tiers.iter().find(|t| tier_matches(t, v)));
                match tier {
                    Some(t) => sum += t.points,
                    None => ev.truncate(mark),
                }
            }
            sum
        }
        Rule::BestOfSeries {
            values,
            collective_from,
            cap,
        } => best_of_series(cx, values, collective_from, subjects, Span::whole(whole), ev).min(cap.unwrap_or(item.max)),
        Rule::Adjusted { base, adjustments } => {
            let mut score = base.unwrap_or(item.max);
            for adj in adjustments {
                let mark = ev.len();
                let delta = match adj {
                    Adjustment::PerOccurrence {
                        measure: m,
                        points,
                        at_most,
                        by_role,
                    } => {
                        let v = measure(m, subjects, whole, ev).unwrap_or(0.0);
                        let v = at_most.map_or(v, |most| v.min(most));
                        let points = if by_role.is_empty() {
                            *points
                        } else {
                            by_role
                                .iter()
                                .find(|r| cx.person.roles.iter().any(|(role, _)| *role == r.role))
                                .map_or(*points, |r| r.points)
                        };
                        points * v
                    }
                    Adjustment::Shortfall {
                        measure: m,
                        target,
                        unit,
                        points,
                        if_none,
                    } => {
                        let v = measure(m, subjects, whole, ev).unwrap_or(0.0);
                        match if_none {
                            Some(none) if v <= EPS => *none,
                            _ if v + EPS < *target => points * ((target - v) / unit - EPS).ceil(),
                            _ => 0.0,
                        }
                    }
                    Adjustment::DemocraticGrade { points } => {
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
                    Adjustment::ZeroIf { measure: m } => {
                        if measure(m, subjects, whole, ev).unwrap_or(0.0) > EPS {
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
                .org_units
                .get(unit)
                .is_some_and(|u| collective_from.contains(&u.kind));
            if !kind_ok {
                continue;
            }
            for a in cx.state.unit_awards.get(unit).into_iter().flatten() {
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

fn in_vacation(state: &State, from: NaiveDate, to: NaiveDate) -> bool {
    state.vacations.iter().any(|v| v.from <= from && to <= v.to)
}

/// The whole months inside [from, to].
fn whole_months(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = Month> {
    let mut m = Month::of(from);
    if m.first_day() < from {
        m = m.next();
    }
    std::iter::successors(Some(m), |m| Some(m.next())).take_while(move |m| m.last_day() <= to)
}

/// A calendar day as a number (days since 1 January of year 1), so that windows step by
/// integer addition.
fn day_number(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce())
}

/// The cadence windows of a pairing lying wholly inside [from, to], as inclusive ranges
/// of day numbers.
fn windows(p: &Pairing, from: NaiveDate, to: NaiveDate) -> Box<dyn Iterator<Item = (i64, i64)>> {
    let last = day_number(to);
    let steps = |first: i64, every: i64| {
        std::iter::successors(Some(first), move |d| Some(d + every))
            .map(move |d| (d, d + every - 1))
            .take_while(move |(_, e)| *e <= last)
    };
    match (p.cadence.calendar, p.cadence.every_days) {
        (Some(CalendarUnit::Week), _) => {
            let to_monday = (7 - from.weekday().num_days_from_monday()) % 7;
            Box::new(steps(day_number(from) + i64::from(to_monday), 7))
        }
        (None, Some(n)) if n >= 1 => {
            let n = i64::from(n);
            let behind = (from - p.starts_on).num_days().max(0);
            let k = (behind + n - 1) / n;
            Box::new(steps(day_number(p.starts_on) + k * n, n))
        }
        _ => Box::new(whole_months(from, to).map(|m| (day_number(m.first_day()), day_number(m.last_day())))),
    }
}

/// Share of cadence windows met over the mentor's pairings; contacts of met windows are
/// the evidence.
fn cadence_met(cx: &Cx, ev: &mut Vec<Uuid>) -> f64 {
    let (mut met, mut due) = (0u32, 0u32);
    let (from, to) = (cx.period.first_day(), cx.period.last_day());
    let vacations: Vec<(i64, i64)> = cx
        .state
        .vacations
        .iter()
        .map(|v| (day_number(v.from), day_number(v.to)))
        .collect();
    // Shanghai keeps one offset all year, so day n begins 86,400 s after day n − 1: window
    // bounds are integer arithmetic from one converted day, not a time-zone conversion each.
    let origin = day_number(from);
    let origin_starts = start_of_day(from).timestamp();
    let starts = |day: i64| origin_starts + (day - origin) * 86_400;
    for (p, a, b) in mentor_pairings(cx.state, cx.person.id, from, to) {
        // Contact times are sorted: skip those before the pairing's first day in the
        // period by binary search, then walk the windows and the times together.
        let times = &p.contact_times;
        let mut i = times.partition_point(|t| *t < starts(day_number(a)));
        for (first, last) in windows(p, a, b) {
            let (opens, closes) = (starts(first), starts(last + 1));
            while i < times.len() && times[i] < opens {
                i += 1;
            }
            let start = i;
            while i < times.len() && times[i] < closes {
                i += 1;
            }
            if vacations.iter().any(|(vf, vt)| *vf <= first && last <= *vt) {
                continue;
            }
            due += 1;
            if (i - start) as u64 >= u64::from(p.cadence.at_least) {
                met += 1;
                if cx.detail == Detail::Full {
                    ev.extend(p.contacts[start..i].iter().map(|c| c.id));
                }
            }
        }
    }
    if due == 0 { 0.0 } else { f64::from(met) / f64::from(due) }
}

/// Share of the pairings' whole months (outside vacations) with a monthly record.
fn monthly_records(cx: &Cx, ev: &mut Vec<Uuid>) -> f64 {
    let (mut done, mut due) = (0u32, 0u32);
    let (from, to) = (cx.period.first_day(), cx.period.last_day());
    for (p, a, b) in mentor_pairings(cx.state, cx.person.id, from, to) {
        for m in whole_months(a, b) {
            if in_vacation(cx.state, m.first_day(), m.last_day()) {
                continue;
            }
            due += 1;
            if let Some(id) = p.monthly_records.get(&m) {
                done += 1;
                ev.push(*id);
            }
        }
    }
    if due == 0 {
        0.0
    } else {
        f64::from(done) / f64::from(due)
    }
}

/// (mean rating − 1) / 4 over the visits to the mentor's pairings in the period.
fn visit_rating(cx: &Cx, ev: &mut Vec<Uuid>) -> f64 {
    let (mut sum, mut n) = (0.0, 0u32);
    let (from, to) = (cx.period.first_day(), cx.period.last_day());
    for (p, a, b) in mentor_pairings(cx.state, cx.person.id, from, to) {
        for f in &p.visit_feedback {
            if a <= f.visited_on && f.visited_on <= b {
                sum += f64::from(f.rating.clamp(1, 5));
                n += 1;
                ev.push(f.id);
            }
        }
    }
    if n == 0 { 0.0 } else { (sum / f64::from(n) - 1.0) / 4.0 }
}
