//! Properties of the fold: folding in pieces equals folding at once, and a retracted fact
//! leaves the state exactly as if it had never been recorded (a retracted screening or
//! branch opinion included: the one before it stands again).

use crate::event::{Cadence, Event, Recorded};
use crate::state::State;
use crate::vocab::*;
use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

const PEOPLE: u128 = 4;

fn person(i: u128) -> Uuid {
    Uuid::from_u128(100 + i)
}

const PAIRING: Uuid = Uuid::from_u128(900);
const CLASS: Uuid = Uuid::from_u128(50);

#[derive(Clone, Debug)]
enum Op {
    Fact { person: u128, kind: u8, day: u32 },
    Contact { day: u32 },
    Screening { person: u128, category: u8 },
    Opinion { month: u32 },
    Retract { back: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..PEOPLE, 0u8..7, 0u32..300).prop_map(|(person, kind, day)| Op::Fact { person, kind, day }),
        2 => (0u32..300).prop_map(|day| Op::Contact { day }),
        1 => (0..PEOPLE, 0u8..3).prop_map(|(person, category)| Op::Screening { person, category }),
        1 => (0u32..3).prop_map(|month| Op::Opinion { month }),
        1 => (0usize..20).prop_map(|back| Op::Retract { back }),
    ]
}

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 9, 1).unwrap() + chrono::Days::new(n as u64)
}

fn fact(person_id: Uuid, kind: u8, d: u32) -> Event {
    let on = day(d);
    match kind {
        0 => Event::ThoughtReportSubmitted {
            person_id,
            submitted_on: on,
            title: "汇报".into(),
            word_count: None,
        },
        1 => Event::VolunteerServiceLogged {
            person_id,
            served_on: on,
            hours: 2.5,
            activity: "服务".into(),
        },
        2 => Event::ConductRecorded {
            person_id,
            kind: ConductKind::Late,
            occurred_on: on,
            note: None,
        },
        3 => Event::AwardRecorded {
            recipient_id: person_id,
            name: "奖".into(),
            series: "奖".into(),
            level: AwardLevel::School,
            category: AwardCategory::Individual,
            awarded_on: on,
        },
        4 => Event::AwardRecorded {
            recipient_id: CLASS,
            name: "先进班集体".into(),
            series: "先进班集体".into(),
            level: AwardLevel::School,
            category: AwardCategory::Collective,
            awarded_on: on,
        },
        5 => Event::MemberActivityRecorded {
            person_id,
            kind: MemberActivityKind::ALL[0],
            occurred_on: on,
            quantity: 1.0,
            note: None,
        },
        _ => Event::Nominated {
            ranking: RankingKind::MostImproved,
            person_id,
            period: crate::Period::Year { start: 2025 },
            reason: "进步".into(),
        },
    }
}

/// The log an op sequence makes: a class, people, one pairing, then the ops. Retractions
/// pick one of the facts recorded so far.
fn log(ops: &[Op]) -> Vec<Recorded> {
    let mut events: Vec<(Uuid, Event)> = vec![(
        CLASS,
        Event::OrgUnitCreated {
            org_unit_id: CLASS,
            kind: OrgUnitKind::Class,
            name: "班".into(),
            parent_id: None,
        },
    )];
    for i in 0..PEOPLE {
        events.push((
            person(i),
            Event::PersonRegistered {
                person_id: person(i),
                number: i.to_string(),
                name: "某".into(),
                org_unit_ids: vec![CLASS],
                stage: Stage::Activist,
                stage_since: None,
                key_cultivation_target: false,
            },
        ));
    }
    events.push((
        PAIRING,
        Event::PairingFormed {
            pairing_id: PAIRING,
            kind: PairingKind::OneToOne,
            mentor_ids: vec![person(0)],
            mentee_id: person(1),
            starts_on: day(0),
            cadence: Cadence {
                at_least: 1,
                every_days: Some(14),
                calendar: None,
            },
            situation: None,
        },
    ));
    let mut facts: Vec<(Uuid, Uuid, Option<u128>)> = vec![]; // (event id, stream, nominee)
    // The person stream's version check keeps one nomination per person and period.
    let mut nominated = std::collections::HashSet::new();
    let mut recorded = vec![];
    let push = |stream: Uuid, event: Event, recorded: &mut Vec<Recorded>| {
        let position = recorded.len() as i64 + 1;
        let id = Uuid::from_u128(10_000 + position as u128);
        let version = recorded.iter().filter(|r: &&Recorded| r.stream_id == stream).count() as i64 + 1;
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        recorded.push(Recorded {
            id,
            position,
            stream_id: stream,
            stream_version: version,
            occurred_at: event.occurred_at().unwrap_or(at),
            recorded_at: at,
            actor_id: Some("admin".into()),
            idempotency_key: None,
            event,
        });
        id
    };
    for (stream, e) in events {
        push(stream, e, &mut recorded);
    }
    for op in ops {
        match op {
            Op::Fact {
                person: p,
                kind,
                day: d,
            } => {
                let nomination = *kind >= 6;
                if nomination && !nominated.insert(*p) {
                    continue;
                }
                let stream = if *kind == 4 { CLASS } else { person(*p) };
                let id = push(stream, fact(person(*p), *kind, *d), &mut recorded);
                facts.push((id, stream, nomination.then_some(*p)));
            }
            Op::Contact { day: d } => {
                let occurred_at = crate::time::start_of_day(day(*d)) + chrono::Duration::hours(10);
                let e = Event::ContactRecorded {
                    pairing_id: PAIRING,
                    occurred_at,
                    form: ContactForm::Phone,
                    place: None,
                    content: None,
                    effect: None,
                    problems_solved: 0,
                    duration_minutes: None,
                };
                let id = push(PAIRING, e, &mut recorded);
                facts.push((id, PAIRING, None));
            }
            Op::Screening { person: p, category } => {
                let categories = vec![
                    [
                        ScreeningCategory::EconomicHardship,
                        ScreeningCategory::SeriousIllness,
                        ScreeningCategory::AcademicDifficulty,
                    ][*category as usize],
                ];
                let e = Event::ScreeningRecorded {
                    person_id: person(*p),
                    categories,
                    note: None,
                };
                let id = push(person(*p), e, &mut recorded);
                facts.push((id, person(*p), None));
            }
            Op::Opinion { month } => {
                let e = Event::BranchOpinionGiven {
                    pairing_id: PAIRING,
                    month: crate::time::Month::of(day(30 * month)),
                    opinion: format!("意见{}", recorded.len()),
                };
                let id = push(PAIRING, e, &mut recorded);
                facts.push((id, PAIRING, None));
            }
            Op::Retract { back } => {
                if facts.is_empty() {
                    continue;
                }
                let (event_id, stream, nominee) = facts.remove(facts.len() - 1 - back % facts.len());
                if let Some(p) = nominee {
                    nominated.remove(&p);
                }
                push(
                    stream,
                    Event::EventRetracted {
                        event_id,
                        reason: "错".into(),
                    },
                    &mut recorded,
                );
            }
        }
    }
    recorded
}

/// The part of the state that reads and computations see.
fn visible(state: &State) -> impl PartialEq + std::fmt::Debug + '_ {
    let mut people: Vec<_> = state.people.values().collect();
    people.sort_by_key(|p| p.id);
    let mut pairings: Vec<_> = state.pairings.values().collect();
    pairings.sort_by_key(|p| p.id);
    let mut unit_awards: Vec<_> = state.unit_awards.iter().filter(|(_, a)| !a.is_empty()).collect();
    unit_awards.sort_by_key(|(u, _)| **u);
    (people, pairings, unit_awards, &state.nominations)
}

proptest! {
    #[test]
    fn folding_in_pieces_equals_folding_at_once(ops in prop::collection::vec(op(), 0..60), cut in 0usize..80) {
        let log = log(&ops);
        let whole = State::from_events(&log);
        let cut = cut.min(log.len());
        let mut pieces = State::from_events(&log[..cut]);
        for e in &log[cut..] {
            pieces.apply(e);
        }
        for p in whole.pairings.values() {
            let times: Vec<i64> = p.contacts.iter().map(|c| c.occurred_at.timestamp()).collect();
            prop_assert_eq!(&p.contact_times, &times);
        }
        prop_assert_eq!(pieces, whole);
    }

    #[test]
    fn a_retracted_fact_is_as_if_never_recorded(ops in prop::collection::vec(op(), 0..60)) {
        let log = log(&ops);
        let with_retractions = State::from_events(&log);
        let retracted: std::collections::HashSet<Uuid> = log
            .iter()
            .filter_map(|r| match &r.event { Event::EventRetracted { event_id, .. } => Some(*event_id), _ => None })
            .collect();
        let never: Vec<Recorded> = log
            .iter()
            .filter(|r| !retracted.contains(&r.id) && !matches!(r.event, Event::EventRetracted { .. }))
            .cloned()
            .collect();
        let without = State::from_events(&never);
        prop_assert_eq!(visible(&with_retractions), visible(&without));
    }
}
