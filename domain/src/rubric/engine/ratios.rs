//! The `PROPORTIONAL` shares, computed over the pairings the assessed person mentors:
//! cadence windows met, monthly records, visit ratings.

use super::*;
use crate::time::{Month, start_of_day};
use chrono::{Datelike, NaiveDate};

fn in_vacation(state: &State, from: NaiveDate, to: NaiveDate) -> bool {
    state.vacations().iter().any(|v| v.from <= from && to <= v.to)
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
pub(super) fn cadence_met(cx: &Cx, ev: &mut Vec<Uuid>) -> f64 {
    let (mut met, mut due) = (0u32, 0u32);
    let (from, to) = (cx.period.first_day(), cx.period.last_day());
    let vacations: Vec<(i64, i64)> = cx
        .state
        .vacations()
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
pub(super) fn monthly_records(cx: &Cx, ev: &mut Vec<Uuid>) -> f64 {
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
