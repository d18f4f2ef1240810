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
/// when read term by term, in the slot of the term they fall in (`splits` are the first
/// days of the second and third terms; a calendar year overlaps three terms, clipped to
/// it). Academic results fall by their `term`.
#[derive(Clone, Copy)]
pub(super) struct Span {
    pub(super) from: NaiveDate,
    pub(super) to: NaiveDate,
    /// Read term by term: the period's terms, one per slot (empty: read whole).
    pub(super) terms: [Option<Period>; MAX_SLOTS],
    pub(super) splits: [Option<NaiveDate>; MAX_SLOTS - 1],
    pub(super) period: Period,
}

/// Most slots a span has: the three terms a calendar year overlaps.
pub(super) const MAX_SLOTS: usize = 3;

/// A measure's value in each slot (`None`: no academic result there).
pub(super) type Slots = [Option<f64>; MAX_SLOTS];

impl Span {
    pub(super) fn whole(period: Period) -> Span {
        Span {
            from: period.first_day(),
            to: period.last_day(),
            terms: [None; MAX_SLOTS],
            splits: [None; MAX_SLOTS - 1],
            period,
        }
    }

    /// A period read term by term: a year's two terms, a term as itself, the three terms
    /// a calendar year overlaps, each clipped to the period.
    pub(super) fn by_term(period: Period) -> Span {
        let (mut terms, mut splits) = ([None; MAX_SLOTS], [None; MAX_SLOTS - 1]);
        for (i, term) in period.terms().into_iter().take(MAX_SLOTS).enumerate() {
            terms[i] = Some(term);
            if i > 0 {
                splits[i - 1] = Some(term.first_day());
            }
        }
        Span {
            terms,
            splits,
            ..Span::whole(period)
        }
    }

    pub(super) fn slots(&self) -> usize {
        self.terms.iter().flatten().count().max(1)
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
        } else {
            Some(self.splits.iter().flatten().filter(|s| day >= **s).count())
        }
    }

    pub(super) fn academic_slot(&self, term: Period) -> Option<usize> {
        if self.terms[0].is_some() {
            self.terms.iter().position(|t| *t == Some(term))
        } else {
            self.period.holds_term(term).then_some(0)
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

/// True when `term` is `period` or one of its terms (for a calendar year: a term that
/// ends in it, [`Period::holds_term`]).
pub(super) fn term_in(term: Period, period: Period) -> bool {
    period.holds_term(term)
}

/// Orders periods in time: by their last day, and among those ending together the shorter
/// first (a year's second term, then the year).
pub(super) fn term_order(p: Period) -> (NaiveDate, std::cmp::Reverse<NaiveDate>) {
    (p.last_day(), std::cmp::Reverse(p.first_day()))
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
