//! The `PROPORTIONAL` shares, computed over the pairings the assessed person mentors:
//! cadence windows met, monthly records, visit ratings. The windows and vacations are the
//! alerts' own ([`crate::cadence`]).

use super::*;
use crate::cadence::{Span, Vacations, Windowing};
use crate::time::{Month, start_of_day};
use chrono::{Datelike, NaiveDate};

/// A calendar day as a number (days since 1 January of year 1), so that window bounds are
/// integer arithmetic.
fn day_number(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce())
}

/// Share of cadence windows met over the mentor's pairings; contacts of met windows are
/// the evidence.
pub(super) fn cadence_met(cx: &Cx, ev: &mut Vec<Uuid>) -> f64 {
    let (mut met, mut due) = (0u32, 0u32);
    let (from, to) = (cx.period.first_day(), cx.period.last_day());
    let vacations = Vacations::new(cx.state.vacations());
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
        for w in Windowing::of(&p.cadence).within(p.starts_on, a, b) {
            let (opens, closes) = (starts(day_number(w.first)), starts(day_number(w.last) + 1));
            while i < times.len() && times[i] < opens {
                i += 1;
            }
            let start = i;
            while i < times.len() && times[i] < closes {
                i += 1;
            }
            if vacations.covers(w.first, w.last) {
                continue;
            }
            due += 1;
            // The alerts' rule for what counts (`Pairing::counts`: long enough).
            let window = &p.contacts[start..i];
            let counting = if p.cadence.min_minutes.is_some() {
                window.iter().filter(|c| p.counts(c)).count()
            } else {
                window.len()
            };
            if counting as u64 >= u64::from(p.cadence.at_least) {
                met += 1;
                if cx.detail == Detail::Full {
                    ev.extend(window.iter().filter(|c| p.counts(c)).map(|c| c.id));
                }
            }
        }
    }
    if due == 0 { 0.0 } else { f64::from(met) / f64::from(due) }
}

/// Share of the pairings' whole months (outside vacations) with a monthly record.
pub(super) fn monthly_records(cx: &Cx, ev: &mut Vec<Uuid>) -> f64 {
    let (mut done, mut due) = (0u32, 0u32);
    let (from, to) = (cx.period.first_day(), cx.period.last_day());
    let vacations = Vacations::new(cx.state.vacations());
    for (p, a, b) in mentor_pairings(cx.state, cx.person.id, from, to) {
        for w in Windowing::Calendar(Span::Month).within(a, a, b) {
            if vacations.covers(w.first, w.last) {
                continue;
            }
            let m = Month::of(w.first);
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
pub(super) fn visit_rating(cx: &Cx, ev: &mut Vec<Uuid>) -> f64 {
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
