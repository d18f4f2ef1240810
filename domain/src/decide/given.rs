//! Given / when / then for the domain's tests: build a state from events, run a command,
//! look at the events it decided or the error it gave.

use crate::event::{Cadence, Event, Recorded};
use crate::state::State;
use crate::vocab::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

pub struct Given {
    pub state: State,
    pub now: DateTime<Utc>,
    next: u128,
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

impl Given {
    /// An empty log; "now" is 2026-06-30 12:00 in Shanghai.
    pub fn new() -> Given {
        Given {
            state: State::new(),
            now: Utc.with_ymd_and_hms(2026, 6, 30, 4, 0, 0).unwrap(),
            next: 1000,
        }
    }

    pub fn id(&mut self) -> Uuid {
        self.next += 1;
        Uuid::from_u128(self.next)
    }

    /// Appends an event to a stream, as the store would; returns the event's id.
    pub fn event(&mut self, stream_id: Uuid, event: Event) -> Uuid {
        let id = self.id();
        let recorded = Recorded {
            id,
            position: self.state.position + 1,
            stream_id,
            stream_version: self.state.stream_version(stream_id) + 1,
            occurred_at: event.occurred_at().unwrap_or(self.now),
            recorded_at: self.now,
            actor_id: Some("admin".into()),
            idempotency_key: None,
            event,
        };
        self.state.apply(&recorded);
        id
    }

    /// Applies what a command decided; returns the first event's id.
    pub fn then(&mut self, decision: crate::Decision) -> Uuid {
        assert_eq!(decision.expected_version, self.state.stream_version(decision.stream_id));
        let mut first = None;
        for e in decision.events {
            let id = self.event(decision.stream_id, e);
            first.get_or_insert(id);
        }
        first.unwrap()
    }

    pub fn school(&mut self) -> Uuid {
        self.unit(OrgUnitKind::School, None)
    }

    pub fn unit(&mut self, kind: OrgUnitKind, parent_id: Option<Uuid>) -> Uuid {
        let id = self.id();
        self.event(
            id,
            Event::OrgUnitCreated {
                org_unit_id: id,
                kind,
                name: format!("{kind:?}"),
                parent_id,
            },
        );
        id
    }

    pub fn person(&mut self, stage: Stage, since: Option<NaiveDate>, units: &[Uuid]) -> Uuid {
        let id = self.id();
        let number = format!("2025{:06}", self.next);
        self.event(
            id,
            Event::PersonRegistered {
                person_id: id,
                number,
                name: "某某".into(),
                org_unit_ids: units.to_vec(),
                stage,
                stage_since: since,
                key_cultivation_target: false,
            },
        );
        id
    }

    pub fn pairing(&mut self, mentor: Uuid, mentee: Uuid, starts_on: NaiveDate, cadence: Cadence) -> Uuid {
        let id = self.id();
        self.event(
            id,
            Event::PairingFormed {
                pairing_id: id,
                kind: PairingKind::OneToOne,
                mentor_ids: vec![mentor],
                mentee_id: mentee,
                starts_on,
                cadence,
                situation: None,
            },
        );
        id
    }
}

pub fn fortnightly() -> Cadence {
    Cadence {
        at_least: 1,
        every_days: Some(14),
        calendar: None,
    }
}
