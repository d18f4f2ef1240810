//! Whose facts an item reads (the person, or the mentees of the pairings they mentor), and
//! which days of them count.

use super::*;
use chrono::NaiveDate;

/// Whose facts an item reads, and the days of them that count.
#[derive(Clone, Copy)]
pub(super) struct Subj<'a> {
    pub(super) person: Option<&'a Person>,
    /// A unit mentee's (League branch's) own awards.
    pub(super) unit_awards: &'a [Award],
    pub(super) from: NaiveDate,
    pub(super) to: NaiveDate,
    /// [`Measure::Rise`] of the person, when the rubric reads it (computed once, up front).
    pub(super) rise: Option<f64>,
}

/// The days that count and how they split: dated facts in [from, to] fall in slot 0, or,
/// when `split` is set (a year read term by term), in slot 1 from `split` on. Academic
/// results fall by their `term`.
#[derive(Clone, Copy)]
pub(super) struct Span {
    pub(super) from: NaiveDate,
    pub(super) to: NaiveDate,
    pub(super) split: Option<NaiveDate>,
    pub(super) period: Period,
}

/// A measure's value in each slot (`None`: no academic result there).
pub(super) type Slots = [Option<f64>; 2];

impl Span {
    pub(super) fn whole(period: Period) -> Span {
        Span {
            from: period.first_day(),
            to: period.last_day(),
            split: None,
            period,
        }
    }

    /// A year read term by term (a term is read as itself).
    pub(super) fn by_term(period: Period) -> Span {
        let split = match period {
            Period::Year { start } => Some(Period::Term { start, term: 2 }.first_day()),
            Period::Term { .. } => None,
        };
        Span {
            split,
            ..Span::whole(period)
        }
    }

    pub(super) fn slots(&self) -> usize {
        if self.split.is_some() { 2 } else { 1 }
    }

    pub(super) fn within(&self, s: &Subj) -> Span {
        Span {
            from: self.from.max(s.from),
            to: self.to.min(s.to),
            ..*self
        }
    }

    pub(super) fn slot(&self, day: NaiveDate) -> Option<usize> {
        if day < self.from || day > self.to {
            None
        } else if self.split.is_some_and(|s| day >= s) {
            Some(1)
        } else {
            Some(0)
        }
    }

    pub(super) fn academic_slot(&self, term: Period) -> Option<usize> {
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
pub(super) fn mentor_pairings<'a>(
    state: &'a State,
    mentor: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> impl Iterator<Item = (&'a Pairing, NaiveDate, NaiveDate)> + 'a {
    state.pairings_mentored_by(mentor).filter_map(move |p| {
        let a = p.starts_on.max(from);
        let b = p.ends_on.map_or(to, |e| e.min(to));
        (a <= b).then_some((p, a, b))
    })
}

/// The mentees of `mentor`'s pairings in [from, to], each with the days they were paired.
pub(super) fn mentees_of<'a>(state: &'a State, mentor: Uuid, from: NaiveDate, to: NaiveDate) -> Vec<Subj<'a>> {
    let mut out: Vec<(Uuid, Subj<'a>)> = Vec::new();
    for (pairing, a, b) in mentor_pairings(state, mentor, from, to) {
        let id = pairing.mentee_id;
        if let Some((_, s)) = out.iter_mut().find(|(m, _)| *m == id) {
            s.from = s.from.min(a);
            s.to = s.to.max(b);
            continue;
        }
        let person = state.person(id);
        let unit_awards = if person.is_none() { state.unit_awards(id) } else { &[] };
        out.push((
            id,
            Subj {
                person,
                unit_awards,
                from: a,
                to: b,
                rise: None,
            },
        ));
    }
    out.into_iter().map(|(_, s)| s).collect()
}

/// True when `term` is `period` or one of its terms.
pub(super) fn term_in(term: Period, period: Period) -> bool {
    match (period, term) {
        (Period::Year { start: a }, Period::Term { start: b, .. }) => a == b,
        (p, t) => p == t,
    }
}

/// Orders periods in time within a year: term 1, term 2, then the whole year.
pub(super) fn term_order(p: Period) -> (i32, u8) {
    match p {
        Period::Term { start, term } => (start, term),
        Period::Year { start } => (start, 3),
    }
}

/// The democratic evaluation that applies to a period: one for the period itself, else
/// the latest one for a term of it, else the one for the year that contains it.
pub(super) fn democratic_for(person: &Person, period: Period) -> Option<&DemocraticEvaluation> {
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
