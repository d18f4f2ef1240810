//! The in-memory projection of the whole log: `State::apply` (evolve) folds one recorded
//! event in. Every read and every computation works from this state, so it honours
//! retractions here, once: a retracted fact is simply no longer in it.
//!
//! One part per aggregate, each with the records it keeps, the events it folds (its
//! `apply`), the facts it forgets when they are retracted (its `retract`) and the questions
//! the rest of the code asks about it:
//!
//! - [`org`]: the org tree, collective awards, and what a scope selects ([`Scope`]).
//! - [`person`]: people and their record; who read whose screening.
//! - [`pairing`]: pairings and what is recorded on them.
//! - [`school`]: the school's vacations, published rubrics, nominations.
//!
//! This file keeps the log's own bookkeeping (position, stream versions, idempotency keys,
//! and whether each event is a fact, structure or a retraction), hands each event to the
//! aggregate that folds it, and answers the questions that span aggregates.

mod as_json;
mod attachment;
mod org;
mod pairing;
mod person;
mod school;

pub use attachment::Attachment;
pub use org::{OrgUnit, Scope};
pub use pairing::{BranchOpinion, Contact, Pairing, VisitFeedback};
pub use person::{
    AcademicResult, Award, Conduct, DemocraticEvaluation, Evaluation, MemberActivity, Person, Review, Screening,
    ScreeningRead, StageChange, ThoughtReport, VolunteerService,
};
pub use school::{Examination, Nomination, PublishedRubric};

use crate::event::{Event, Recorded};
use crate::time::Period;
use crate::vocab::{RankingKind, Stage};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// The position of the last event applied.
    position: i64,
    /// The current version of every stream.
    stream_versions: HashMap<Uuid, i64>,
    /// `(actor, idempotency key)` → the first event appended under that key.
    idempotency: HashMap<(String, String), Uuid>,
    /// Where each retractable fact in force lives, by its event id.
    facts: HashMap<Uuid, FactOwner>,
    retracted: HashSet<Uuid>,
    retractions: HashSet<Uuid>,
    /// Events that are neither facts nor retractions (structure: units, people, pairings,
    /// stages, roles, settings), so a retraction of one can say why it is refused.
    structural: HashSet<Uuid>,
    org: org::Org,
    people: person::People,
    pairings: pairing::Pairings,
    school: school::School,
}

/// What an event of the log is, as a retraction sees it ([`State::standing`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// A recorded fact, in force, of the stream `stream_id`.
    Fact { stream_id: Uuid },
    /// A fact that has been retracted.
    Retracted,
    /// A retraction.
    Retraction,
    /// Structure: units, people, pairings, stages, roles, settings.
    Structure,
    /// No event of the log.
    Unknown,
}

/// What an aggregate's `apply` made of an event it folds.
enum Folded {
    Structure,
    Fact(FactOwner),
}

/// Where a retractable fact lives: the aggregate that forgets it when it is retracted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum FactOwner {
    Person(Uuid),
    Pairing(Uuid),
    Unit(Uuid),
    Nomination(RankingKind, Period, Uuid),
}

impl FactOwner {
    /// The stream the fact was recorded in.
    fn stream_id(self) -> Uuid {
        match self {
            FactOwner::Person(id) | FactOwner::Pairing(id) | FactOwner::Unit(id) | FactOwner::Nomination(_, _, id) => {
                id
            }
        }
    }
}

impl State {
    /// The version of the state's serialised shape, as a snapshot records it: a snapshot of
    /// another version is ignored (the log is folded instead). Bump it with any change to
    /// the fields of `State` or of anything it holds (this file and its aggregates).
    /// 2: attachments, `StageChange::probation_extended_by`, the people by unit.
    pub const SNAPSHOT_FORMAT: i32 = 2;

    pub fn new() -> State {
        State::default()
    }

    /// Folds a whole log.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Recorded>) -> State {
        let mut state = State::new();
        for e in events {
            state.apply(e);
        }
        state
    }

    /// Evolve: folds one recorded event into the state.
    pub fn apply(&mut self, recorded: &Recorded) {
        let id = recorded.id;
        self.position = self.position.max(recorded.position);
        self.stream_versions.insert(recorded.stream_id, recorded.stream_version);
        if let (Some(actor), Some(key)) = (&recorded.actor_id, &recorded.idempotency_key) {
            self.idempotency.entry((actor.clone(), key.clone())).or_insert(id);
        }
        if let Event::EventRetracted { event_id, .. } = &recorded.event {
            self.retractions.insert(id);
            self.retract(*event_id);
            return;
        }
        // An award goes to a person when one has the id, else to a unit: people first.
        let folded = self
            .people
            .apply(recorded)
            .or_else(|| self.org.apply(recorded))
            .or_else(|| self.pairings.apply(recorded))
            .or_else(|| self.school.apply(recorded));
        match folded {
            Some(Folded::Structure) => {
                self.structural.insert(id);
            }
            Some(Folded::Fact(owner)) => {
                self.facts.insert(id, owner);
            }
            // A fact about nothing the state holds: `decide` refuses these, so only a log
            // written by hand has them, and they count for nothing.
            None => {}
        }
    }

    fn retract(&mut self, event_id: Uuid) {
        let Some(owner) = self.facts.remove(&event_id) else {
            return;
        };
        self.retracted.insert(event_id);
        match owner {
            FactOwner::Person(person) => self.people.retract(person, event_id),
            FactOwner::Pairing(pairing) => self.pairings.retract(pairing, event_id),
            FactOwner::Unit(unit) => self.org.retract(unit, event_id),
            FactOwner::Nomination(ranking, period, person) => self.school.retract((ranking, period, person), event_id),
        }
    }

    // ---- the log ----

    /// The position of the last event applied.
    pub fn position(&self) -> i64 {
        self.position
    }

    pub fn stream_version(&self, stream_id: Uuid) -> i64 {
        self.stream_versions.get(&stream_id).copied().unwrap_or(0)
    }

    /// True when the event was a fact that has since been retracted.
    pub fn is_retracted(&self, event_id: Uuid) -> bool {
        self.retracted.contains(&event_id)
    }

    /// What an event of the log is, as a retraction sees it.
    pub fn standing(&self, event_id: Uuid) -> Standing {
        if self.retracted.contains(&event_id) {
            Standing::Retracted
        } else if self.retractions.contains(&event_id) {
            Standing::Retraction
        } else if self.structural.contains(&event_id) {
            Standing::Structure
        } else {
            match self.facts.get(&event_id) {
                Some(owner) => Standing::Fact {
                    stream_id: owner.stream_id(),
                },
                None => Standing::Unknown,
            }
        }
    }

    /// The first event `actor` appended under the idempotency `key`.
    pub fn keyed(&self, actor: &str, key: &str) -> Option<Uuid> {
        self.idempotency.get(&(actor.to_owned(), key.to_owned())).copied()
    }

    // ---- across aggregates ----

    /// True when the person belongs to `scope` through any of their units.
    pub fn person_in_scope(&self, person: &Person, scope: Uuid) -> bool {
        person.org_unit_ids.iter().any(|&u| self.is_within(u, scope))
    }

    /// A pairing belongs to every org unit of its mentors and of its mentee, and so to every
    /// unit above them (DESIGN §6).
    pub fn pairing_in_scope(&self, pairing: &Pairing, scope: Uuid) -> bool {
        pairing.parties().any(|p| self.party_in_scope(p, scope))
    }

    /// A party to a pairing is a person or an org unit (a League branch, a branch).
    fn party_in_scope(&self, id: Uuid, scope: Uuid) -> bool {
        match self.person(id) {
            Some(person) => self.person_in_scope(person, scope),
            None => self.is_within(id, scope),
        }
    }

    /// The people a list of people selects: those in `scope` (the whole school without one),
    /// at `stage` when one is given; in no particular order.
    pub fn people_in(&self, scope: Option<Uuid>, stage: Option<Stage>) -> impl Iterator<Item = &Person> {
        let people: Box<dyn Iterator<Item = &Person> + '_> = match scope {
            Some(unit) => Box::new(self.scope(unit).people().into_iter()),
            None => Box::new(self.people()),
        };
        people.filter(move |p| stage.is_none_or(|s| p.stage == s))
    }

    /// The collective awards of the classes (and other units) a person belongs to.
    pub fn collective_awards_of<'a>(&'a self, person: &'a Person) -> impl Iterator<Item = &'a Award> + 'a {
        person.org_unit_ids.iter().flat_map(|u| self.unit_awards(*u))
    }
}

#[cfg(test)]
#[path = "../state_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::given;

    /// Adding an event kind without folding it anywhere fails here: every kind (in the
    /// samples of `event.rs`, whose targets exist in order) is a fact, structure or a
    /// retraction once folded.
    #[test]
    fn every_kind_of_event_is_folded_by_an_aggregate() {
        let w = given(crate::event::tests::every_kind());
        for r in w.log() {
            assert_ne!(
                w.state().standing(r.id),
                Standing::Unknown,
                "{} is folded nowhere",
                r.event.kind()
            );
        }
    }
}
