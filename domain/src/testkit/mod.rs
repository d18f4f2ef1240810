//! The domain's one test kit: given these events, when this command, then these events or
//! this refusal (after serverlesstechnology/cqrs `src/test/`).
//!
//! ```ignore
//! let mut w = World::new(); // given: nothing yet, then a person, by their event
//! let p = w.register_since(&[], Stage::Probationary, "2025-01-10");
//! let full = ChangeStage { person_id: p, stage: Stage::Full, effective_on: day("2026-01-10") };
//! w.when(|s, now| change_stage(s, full, now)).then_events(vec![Event::StageChanged {
//!     person_id: p,
//!     stage: Stage::Full,
//!     effective_on: day("2026-01-10"),
//! }]);
//! w.when(|s, _| retract_event(s, Uuid::from_u128(9), "录错")).then_not_found();
//! ```
//!
//! Tests start from `use crate::testkit::*;` (`decide/person.rs`, `alert/secretary.rs`,
//! `rubric/tests/` show each kind).
//!
//! A [`World`] is a log and the state folded from it, grown one event at a time through
//! `State::apply`, as the store and the server grow theirs. [`given`] starts one from
//! events; the builders in `facts.rs` record one event each and return its id (or the new
//! entity's). [`World::when`] runs a pure decide function against the state and "now";
//! [`Then`] checks what it decided. Alerts, rankings and rubrics read [`World::state`], or
//! [`World::assess`] for a rubric.

mod facts;

pub use facts::Campus;

use crate::Decision;
use crate::decide::{SCHOOL_STREAM, SCREENING_AUDIT_STREAM};
use crate::error::DomainError;
use crate::event::{Cadence, Event, Recorded, Vacation};
use crate::rubric::{self, Assessment, Rubric};
use crate::state::{Pairing, Person, State};
use crate::time::{Month, Period};
use crate::vocab::CalendarUnit;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

/// A log and its state.
pub struct World {
    state: State,
    log: Vec<Recorded>,
    /// What the commands take as "now": 2026-06-30 12:00 in Shanghai.
    pub now: DateTime<Utc>,
    next: u128,
}

/// A world of these events, each on the stream of what it is about.
pub fn given(events: impl IntoIterator<Item = Event>) -> World {
    let mut w = World::new();
    for e in events {
        w.record(e);
    }
    w
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

impl World {
    /// An empty log.
    pub fn new() -> World {
        World {
            state: State::new(),
            log: Vec::new(),
            now: Utc.with_ymd_and_hms(2026, 6, 30, 4, 0, 0).unwrap(),
            next: 1000,
        }
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Every event recorded so far, in position order.
    pub fn log(&self) -> &[Recorded] {
        &self.log
    }

    /// A fresh id: ids count up from 1001, so the order they are minted in is their order.
    pub fn id(&mut self) -> Uuid {
        self.next += 1;
        Uuid::from_u128(self.next)
    }

    /// Records an event on the stream of what it is about; returns the event's id.
    pub fn record(&mut self, event: Event) -> Uuid {
        let id = self.id();
        self.record_as(id, event)
    }

    /// Records an event with a chosen id (a property test that needs the same ids with and
    /// without one fact).
    pub fn record_as(&mut self, id: Uuid, event: Event) -> Uuid {
        let stream = self.stream_of(&event);
        self.append(id, stream, event)
    }

    /// Records an event on a chosen stream.
    pub fn record_on(&mut self, stream: Uuid, event: Event) -> Uuid {
        let id = self.id();
        self.append(id, stream, event)
    }

    fn append(&mut self, id: Uuid, stream_id: Uuid, event: Event) -> Uuid {
        let recorded = Recorded {
            id,
            position: self.state.position() + 1,
            stream_id,
            stream_version: self.state.stream_version(stream_id) + 1,
            occurred_at: event.occurred_at().unwrap_or(self.now),
            recorded_at: self.now,
            actor_id: Some("admin".into()),
            idempotency_key: None,
            event,
        };
        self.state.apply(&recorded);
        self.log.push(recorded);
        id
    }

    /// The stream the server would append an event to (docs/events.md, "Streams"): the
    /// pairing, person or unit its payload names, the stream of the event it retracts, the
    /// privacy audit for screening reads, else the school. Read from the payload, so a new
    /// event kind needs no line here.
    fn stream_of(&self, event: &Event) -> Uuid {
        match event {
            Event::EventRetracted { event_id, .. } => self
                .log
                .iter()
                .find(|r| r.id == *event_id)
                .map_or(SCHOOL_STREAM, |r| r.stream_id),
            Event::ScreeningRead { .. } => SCREENING_AUDIT_STREAM,
            _ => {
                let (_, _, payload) = event.to_stored();
                ["pairingId", "personId", "orgUnitId", "recipientId", "subjectId"]
                    .iter()
                    .find_map(|field| payload.get(*field)?.as_str()?.parse().ok())
                    .unwrap_or(SCHOOL_STREAM)
            }
        }
    }

    /// Records what a command decided, as the server would: on its stream, which must still
    /// be at the version the command saw. Returns the first event's id.
    pub fn apply(&mut self, decision: Decision) -> Uuid {
        assert_eq!(decision.expected_version, self.state.stream_version(decision.stream_id));
        let mut first = None;
        for e in decision.events {
            let id = self.record_on(decision.stream_id, e);
            first.get_or_insert(id);
        }
        first.expect("a decision with events")
    }

    /// A registered person, as the state holds them.
    pub fn person(&self, id: Uuid) -> &Person {
        self.state.person(id).unwrap_or_else(|| panic!("no person {id}"))
    }

    /// A formed pairing, as the state holds it.
    pub fn pairing(&self, id: Uuid) -> &Pairing {
        self.state.pairing(id).unwrap_or_else(|| panic!("no pairing {id}"))
    }

    /// Evaluates a rubric, and checks on the way that the rankings' `total` agrees.
    pub fn assess(&self, rubric: &Rubric, person: Uuid, p: &str) -> Assessment {
        let a = rubric::evaluate(rubric, &self.state, self.person(person), period(p));
        assert_eq!(
            rubric::total(rubric, &self.state, self.person(person), period(p)),
            a.total
        );
        a
    }

    /// Runs a decide function against the state and "now".
    pub fn when(&mut self, decide: impl FnOnce(&State, DateTime<Utc>) -> Result<Decision, DomainError>) -> Then<'_> {
        let result = decide(&self.state, self.now);
        Then { world: self, result }
    }
}

/// What a command decided, to be checked.
#[must_use = "a decision is checked with one of the `then_` methods"]
pub struct Then<'w> {
    world: &'w mut World,
    result: Result<Decision, DomainError>,
}

impl Then<'_> {
    /// It decided exactly these events (they are not applied).
    pub fn then_events(self, expected: Vec<Event>) -> Decision {
        let decision = self.then_decided();
        assert_eq!(decision.events, expected);
        decision
    }

    /// It decided something (not applied).
    pub fn then_decided(self) -> Decision {
        match self.result {
            Ok(decision) => decision,
            Err(e) => panic!("expected a decision, got {e:?}"),
        }
    }

    /// It decided something, and its events are recorded, as the server would at the
    /// version the command saw; returns the first event's id.
    pub fn then_applied(self) -> Uuid {
        let world = self.world;
        match self.result {
            Ok(decision) => world.apply(decision),
            Err(e) => panic!("expected a decision, got {e:?}"),
        }
    }

    /// It refused, naming this input field (as the API spells it); returns the message.
    pub fn then_refuses(self, field: &str) -> String {
        match self.result {
            Err(DomainError::BadInput { field: f, message }) if f == field => message,
            other => panic!("expected a refusal of `{field}`, got {other:?}"),
        }
    }

    /// It refused because something it names does not exist; returns what.
    pub fn then_not_found(self) -> &'static str {
        match self.result {
            Err(DomainError::NotFound { what, .. }) => what,
            other => panic!("expected NOT_FOUND, got {other:?}"),
        }
    }

    /// It refused because it collides with what is recorded; returns the message.
    pub fn then_conflict(self) -> String {
        match self.result {
            Err(DomainError::Conflict(message)) => message,
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    /// It refused, whichever way.
    pub fn then_error(self) -> DomainError {
        match self.result {
            Err(e) => e,
            Ok(decision) => panic!("expected a refusal, got {decision:?}"),
        }
    }
}

// ---- time and cadences, as the seeds write them ----------------------------------------

/// An instant, RFC 3339 with its offset: `"2025-09-18T20:30:00+08:00"`.
pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .with_timezone(&Utc)
}

/// A calendar day: `"2025-09-01"`.
pub fn day(text: &str) -> NaiveDate {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub fn month(text: &str) -> Month {
    Month::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

/// An academic year `"2025-2026"` or a term `"2025-2026-1"`.
pub fn period(text: &str) -> Period {
    Period::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

pub fn vacation(from: &str, to: &str) -> Vacation {
    Vacation {
        from: day(from),
        to: day(to),
    }
}

/// At least `at_least` contacts in every `every_days` days.
pub fn rolling(at_least: u32, every_days: u32) -> Cadence {
    Cadence {
        at_least,
        every_days: Some(every_days),
        calendar: None,
        min_minutes: None,
        problems_per_term: None,
    }
}

/// Seed 001 八(四): "每两周至少要与帮扶对象交流一次".
pub fn fortnightly() -> Cadence {
    rolling(1, 14)
}

/// At least `at_least` contacts each calendar month (seeds 000 and 002).
pub fn monthly(at_least: u32) -> Cadence {
    Cadence {
        at_least,
        every_days: None,
        calendar: Some(CalendarUnit::Month),
        min_minutes: None,
        problems_per_term: None,
    }
}

/// At least `at_least` contacts each Monday-based week (seed 004: "每周宣讲次数不少于2次").
pub fn weekly(at_least: u32) -> Cadence {
    Cadence {
        at_least,
        every_days: None,
        calendar: Some(CalendarUnit::Week),
        min_minutes: None,
        problems_per_term: None,
    }
}

/// A preset, read from its file.
pub fn preset_of(key: &str) -> Rubric {
    rubric::preset(key)
        .cloned()
        .unwrap_or_else(|| panic!("no preset {key}"))
}
