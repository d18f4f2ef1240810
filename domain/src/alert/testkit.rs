//! Test helpers for alerts and rankings: a small world built by applying events.

use crate::event::{Cadence, Event, Recorded, Vacation};
use crate::state::{Pairing, State};
use crate::time::{Month, Period};
use crate::vocab::*;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .with_timezone(&Utc)
}

pub fn day(text: &str) -> NaiveDate {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub fn month(text: &str) -> Month {
    Month::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

pub fn period(text: &str) -> Period {
    Period::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

pub fn vacation(from: &str, to: &str) -> Vacation {
    Vacation {
        from: day(from),
        to: day(to),
    }
}

pub fn rolling(at_least: u32, every_days: u32) -> Cadence {
    Cadence {
        at_least,
        every_days: Some(every_days),
        calendar: None,
    }
}

pub fn monthly(at_least: u32) -> Cadence {
    Cadence {
        at_least,
        every_days: None,
        calendar: Some(CalendarUnit::Month),
    }
}

pub fn weekly(at_least: u32) -> Cadence {
    Cadence {
        at_least,
        every_days: None,
        calendar: Some(CalendarUnit::Week),
    }
}

/// A pairing (mentor and mentee ids 2 and 3, not registered), built by events.
pub fn pairing(starts_on: &str, cadence: Cadence, contacts: &[&str]) -> Pairing {
    let mut w = World::new();
    let id = w.pairing(&[Uuid::from_u128(2)], Uuid::from_u128(3), starts_on, cadence);
    for c in contacts {
        w.contact(id, c);
    }
    w.state.pairings.remove(&id).expect("formed")
}

/// Records more contacts on a pairing, by events.
pub fn add_contacts(p: &mut Pairing, contacts: &[&str]) {
    let mut w = World::new();
    w.state.pairings.insert(p.id, p.clone());
    for c in contacts {
        w.contact(p.id, c);
    }
    *p = w.state.pairings.remove(&p.id).expect("kept");
}

/// A world that grows by applying recorded events through `State::apply`.
pub struct World {
    pub state: State,
    next: u128,
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

impl World {
    pub fn new() -> World {
        World {
            state: State::new(),
            next: 1000,
        }
    }

    pub fn id(&mut self) -> Uuid {
        self.next += 1;
        Uuid::from_u128(self.next)
    }

    pub fn apply(&mut self, stream_id: Uuid, event: Event) -> Uuid {
        let id = self.id();
        let position = self.state.position + 1;
        let recorded = Recorded {
            id,
            position,
            stream_id,
            stream_version: self.state.stream_version(stream_id) + 1,
            occurred_at: at("2025-01-01T00:00:00Z"),
            recorded_at: at("2025-01-01T00:00:00Z"),
            actor_id: None,
            idempotency_key: None,
            event,
        };
        self.state.apply(&recorded);
        id
    }

    pub fn unit(&mut self, kind: OrgUnitKind, parent_id: Option<Uuid>) -> Uuid {
        let org_unit_id = self.id();
        self.apply(
            org_unit_id,
            Event::OrgUnitCreated {
                org_unit_id,
                kind,
                name: format!("{kind:?}"),
                parent_id,
            },
        );
        org_unit_id
    }

    /// School → college → (branch, class), as in the fixtures.
    pub fn units(&mut self) -> (Uuid, Uuid, Uuid, Uuid) {
        let school = self.unit(OrgUnitKind::School, None);
        let college = self.unit(OrgUnitKind::College, Some(school));
        let branch = self.unit(OrgUnitKind::Branch, Some(college));
        let class = self.unit(OrgUnitKind::Class, Some(college));
        (school, college, branch, class)
    }

    pub fn person(&mut self, name: &str, units: &[Uuid], stage: Stage, since: Option<&str>) -> Uuid {
        let person_id = self.id();
        self.apply(
            person_id,
            Event::PersonRegistered {
                person_id,
                number: format!("{}", person_id.as_u128()),
                name: name.to_owned(),
                org_unit_ids: units.to_vec(),
                stage,
                stage_since: since.map(day),
                key_cultivation_target: false,
            },
        );
        person_id
    }

    pub fn pairing(&mut self, mentors: &[Uuid], mentee: Uuid, starts_on: &str, cadence: Cadence) -> Uuid {
        let pairing_id = self.id();
        self.apply(
            pairing_id,
            Event::PairingFormed {
                pairing_id,
                kind: PairingKind::OneToOne,
                mentor_ids: mentors.to_vec(),
                mentee_id: mentee,
                starts_on: day(starts_on),
                cadence,
                situation: None,
            },
        );
        pairing_id
    }

    pub fn contact(&mut self, pairing_id: Uuid, occurred_at: &str) {
        self.apply(
            pairing_id,
            Event::ContactRecorded {
                pairing_id,
                occurred_at: at(occurred_at),
                form: ContactForm::FaceToFace,
                place: None,
                content: None,
                effect: None,
                problems_solved: 0,
                duration_minutes: None,
            },
        );
    }

    pub fn end(&mut self, pairing_id: Uuid, ends_on: &str) {
        self.apply(
            pairing_id,
            Event::PairingEnded {
                pairing_id,
                ends_on: day(ends_on),
                reason: "毕业".into(),
            },
        );
    }

    pub fn thought_report(&mut self, person_id: Uuid, submitted_on: &str) {
        self.apply(
            person_id,
            Event::ThoughtReportSubmitted {
                person_id,
                submitted_on: day(submitted_on),
                title: "思想汇报".into(),
                word_count: None,
            },
        );
    }

    pub fn monthly_record(&mut self, pairing_id: Uuid, m: &str) {
        self.apply(
            pairing_id,
            Event::MonthlyRecordSubmitted {
                pairing_id,
                month: month(m),
            },
        );
    }

    pub fn branch_opinion(&mut self, pairing_id: Uuid, m: &str) {
        self.apply(
            pairing_id,
            Event::BranchOpinionGiven {
                pairing_id,
                month: month(m),
                opinion: "同意".into(),
            },
        );
    }

    pub fn extend_probation(&mut self, person_id: Uuid, months: u32) {
        self.apply(
            person_id,
            Event::ProbationExtended {
                person_id,
                months,
                reason: "延长预备期".into(),
            },
        );
    }

    pub fn nominate(&mut self, ranking: RankingKind, person_id: Uuid, p: &str) {
        self.apply(
            person_id,
            Event::Nominated {
                ranking,
                person_id,
                period: period(p),
                reason: "提名".into(),
            },
        );
    }

    pub fn approve(&mut self, ranking: RankingKind, person_id: Uuid, p: &str) {
        self.apply(
            person_id,
            Event::NominationApproved {
                ranking,
                person_id,
                period: period(p),
            },
        );
    }

    pub fn vacations(&mut self, vacations: &[Vacation]) {
        let school = Uuid::nil();
        self.apply(
            school,
            Event::VacationsSet {
                vacations: vacations.to_vec(),
            },
        );
    }
}
