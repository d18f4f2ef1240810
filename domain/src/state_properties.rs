//! Properties of the fold: folding in pieces equals folding at once, and a retracted fact
//! leaves the state exactly as if it had never been recorded (a retracted screening or
//! branch opinion included: the one before it stands again).

use crate::event::{Event, Recorded};
use crate::state::State;
use crate::testkit::{World, fortnightly};
use crate::vocab::*;
use chrono::NaiveDate;
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
        4 => (0..PEOPLE, 0u8..9, 0u32..300).prop_map(|(person, kind, day)| Op::Fact { person, kind, day }),
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
            handed_to: Default::default(),
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
        6 => Event::ReviewRecorded {
            person_id,
            kind: ReviewKind::ActivistReview,
            reviewed_on: on,
            note: None,
        },
        7 => Event::FileAttached {
            subject_id: person_id,
            attached_to: AttachedTo::Person,
            filename: "扫描.pdf".into(),
            kind: FileKind::Pdf,
            size: 1 + d as u64,
            sha256: "0a".repeat(32),
            caption: None,
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
    let mut w = World::new();
    w.record(Event::OrgUnitCreated {
        org_unit_id: CLASS,
        kind: OrgUnitKind::Class,
        name: "班".into(),
        parent_id: None,
    });
    for i in 0..PEOPLE {
        w.record(Event::PersonRegistered {
            person_id: person(i),
            number: i.to_string(),
            name: "某".into(),
            org_unit_ids: vec![CLASS],
            stage: Stage::Activist,
            stage_since: None,
            key_cultivation_target: false,
            contact: None,
            email: None,
        });
    }
    w.record(Event::PairingFormed {
        pairing_id: PAIRING,
        kind: PairingKind::OneToOne,
        mentor_ids: vec![person(0)],
        mentee_id: person(1),
        starts_on: day(0),
        cadence: fortnightly(),
        situation: None,
    });
    let mut facts: Vec<(Uuid, Option<u128>)> = vec![]; // (event id, nominee)
    // The person stream's version check keeps one nomination per person and period.
    let mut nominated = std::collections::HashSet::new();
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
                let id = w.record(fact(person(*p), *kind, *d));
                facts.push((id, nomination.then_some(*p)));
            }
            Op::Contact { day: d } => {
                let id = w.contact_at(
                    PAIRING,
                    crate::time::start_of_day(day(*d)) + chrono::Duration::hours(10),
                );
                facts.push((id, None));
            }
            Op::Screening { person: p, category } => {
                let categories = vec![
                    [
                        ScreeningCategory::EconomicHardship,
                        ScreeningCategory::SeriousIllness,
                        ScreeningCategory::AcademicDifficulty,
                    ][*category as usize],
                ];
                let id = w.record(Event::ScreeningRecorded {
                    person_id: person(*p),
                    categories,
                    note: None,
                });
                facts.push((id, None));
            }
            Op::Opinion { month } => {
                let opinion = format!("意见{}", w.log().len());
                let id = w.record(Event::BranchOpinionGiven {
                    pairing_id: PAIRING,
                    month: crate::time::Month::of(day(30 * month)),
                    opinion,
                });
                facts.push((id, None));
            }
            Op::Retract { back } => {
                if facts.is_empty() {
                    continue;
                }
                let (event_id, nominee) = facts.remove(facts.len() - 1 - back % facts.len());
                if let Some(p) = nominee {
                    nominated.remove(&p);
                }
                w.retract(event_id);
            }
        }
    }
    w.log().to_vec()
}

/// The part of the state that reads and computations see, through the questions they ask.
fn visible(state: &State) -> impl PartialEq + std::fmt::Debug + '_ {
    let mut people: Vec<_> = state.people().collect();
    people.sort_by_key(|p| p.id);
    let mut pairings: Vec<_> = state.pairings().collect();
    pairings.sort_by_key(|p| p.id);
    // The log's only unit, ranking and period.
    let nominations: Vec<_> = state
        .nominations(RankingKind::MostImproved, crate::Period::Year { start: 2025 })
        .collect();
    (people, pairings, state.unit_awards(CLASS), nominations)
}

/// The state through the snapshot's encoding (postcard) and back.
fn through_a_snapshot(state: &State) -> State {
    let bytes = postcard::to_allocvec(state).expect("a state encodes");
    postcard::from_bytes(&bytes).expect("a state decodes")
}

#[test]
fn a_state_with_every_kind_of_event_reads_back_from_a_snapshot() {
    let log: Vec<Recorded> = crate::event::tests::every_kind()
        .into_iter()
        .zip(1..)
        .map(|(event, position)| Recorded {
            id: Uuid::from_u128(position as u128),
            position,
            stream_id: Uuid::from_u128(7),
            stream_version: position,
            occurred_at: chrono::DateTime::UNIX_EPOCH,
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            actor_id: Some("someone".into()),
            idempotency_key: Some(format!("key {position}")),
            event,
        })
        .collect();
    let state = State::from_events(&log);
    assert_eq!(through_a_snapshot(&state), state);
}

proptest! {
    #[test]
    fn a_snapshot_and_the_tail_equal_a_full_fold(ops in prop::collection::vec(op(), 0..60), cut in 0usize..80) {
        let log = log(&ops);
        let whole = State::from_events(&log);
        let cut = cut.min(log.len());
        let mut restored = through_a_snapshot(&State::from_events(&log[..cut]));
        for e in &log[cut..] {
            restored.apply(e);
        }
        prop_assert_eq!(restored, whole);
    }

    #[test]
    fn folding_in_pieces_equals_folding_at_once(ops in prop::collection::vec(op(), 0..60), cut in 0usize..80) {
        let log = log(&ops);
        let whole = State::from_events(&log);
        let cut = cut.min(log.len());
        let mut pieces = State::from_events(&log[..cut]);
        for e in &log[cut..] {
            pieces.apply(e);
        }
        for p in whole.pairings() {
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
