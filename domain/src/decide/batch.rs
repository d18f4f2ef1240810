//! Several commands decided as one batch (an import): each against the state as the ones
//! before it left it, so a class created by the first is there for the registrations after
//! it. The store then appends every decision in one transaction, or none.

use super::*;
use crate::event::Recorded;

/// Commands decided one after another on a scratch copy of the state.
pub struct Batch {
    state: State,
    now: DateTime<Utc>,
    decisions: Vec<Decision>,
}

impl Batch {
    /// A batch that starts from `state` (copied: the real state changes only when the store
    /// has appended the batch and the server applies what it recorded).
    pub fn new(state: &State, now: DateTime<Utc>) -> Batch {
        Batch {
            state: state.clone(),
            now,
            decisions: Vec::new(),
        }
    }

    /// The state as the decisions so far leave it.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Decides one more command against the state so far; a refusal leaves the batch as it
    /// was. Its events are folded into the scratch state as provisional records (ids and
    /// positions the store never mints), so the next command sees them.
    pub fn decide(
        &mut self,
        decide: impl FnOnce(&State, DateTime<Utc>) -> Result<Decision, DomainError>,
    ) -> Result<(), DomainError> {
        let decision = decide(&self.state, self.now)?;
        for (event, n) in decision.events.iter().zip(1..) {
            let position = self.state.position() + 1;
            let recorded = Recorded {
                id: provisional_id(position),
                position,
                stream_id: decision.stream_id,
                stream_version: decision.expected_version + n,
                occurred_at: event.occurred_at().unwrap_or(self.now),
                recorded_at: self.now,
                actor_id: None,
                idempotency_key: None,
                event: event.clone(),
            };
            self.state.apply(&recorded);
        }
        self.decisions.push(decision);
        Ok(())
    }

    /// Every decision, in the order decided.
    pub fn into_decisions(self) -> Vec<Decision> {
        self.decisions
    }
}

/// The id of a provisional record: all ones in the high half, which no UUIDv7 the store
/// mints has (their version nibble is 7).
fn provisional_id(position: i64) -> Uuid {
    Uuid::from_u64_pair(u64::MAX, position as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::vocab::{OrgUnitKind, Stage};

    fn class(id: u128, parent: Uuid) -> CreateOrgUnit {
        CreateOrgUnit {
            id: Uuid::from_u128(id),
            kind: OrgUnitKind::Class,
            name: "一班".into(),
            parent_id: Some(parent),
        }
    }

    fn student(id: u128, number: &str, unit: u128) -> RegisterPerson {
        RegisterPerson {
            id: Uuid::from_u128(id),
            number: number.into(),
            name: "学生".into(),
            org_unit_ids: vec![Uuid::from_u128(unit)],
            stage: Stage::NonParty,
            stage_since: None,
            key_cultivation_target: false,
            contact: None,
            email: None,
        }
    }

    #[test]
    fn each_command_sees_the_ones_before_it() {
        // Given a school; when a class is created and a student registered into it, in one
        // batch; then both are decided, the second against the first.
        let mut w = World::new();
        let school = w.school();
        let mut batch = Batch::new(w.state(), w.now);
        batch.decide(|s, _| create_org_unit(s, class(1, school))).unwrap();
        batch
            .decide(|s, now| register_person(s, student(2, "1", 1), now))
            .unwrap();
        // A second registration of the same number sees the first.
        let refused = batch.decide(|s, now| register_person(s, student(3, "1", 1), now));
        assert!(matches!(refused, Err(DomainError::Conflict(_))), "{refused:?}");
        assert!(batch.state().person_by_number("1").is_some());
        assert!(w.state().person_by_number("1").is_none(), "the real state is untouched");
        let decisions = batch.into_decisions();
        assert_eq!(decisions.len(), 2);
        for decision in decisions {
            w.apply(decision);
        }
        assert_eq!(w.person(Uuid::from_u128(2)).org_unit_ids, [Uuid::from_u128(1)]);
    }

    #[test]
    fn without_the_batch_the_second_command_finds_no_class() {
        // Decided against the state alone, the registration refers to a class not yet there.
        let mut w = World::new();
        let school = w.school();
        w.when(|s, _| create_org_unit(s, class(1, school))).then_decided();
        let what = w
            .when(|s, now| register_person(s, student(2, "1", 1), now))
            .then_not_found();
        assert_eq!(what, "org unit");
    }

    #[test]
    fn two_decisions_on_one_stream_chain_their_versions() {
        let mut w = World::new();
        let school = w.school();
        let p = w.register(&[school], Stage::NonParty);
        let mut batch = Batch::new(w.state(), w.now);
        batch
            .decide(|s, _| assign_role(s, p, crate::vocab::Role::Counsellor, school))
            .unwrap();
        batch
            .decide(|s, _| assign_role(s, p, crate::vocab::Role::GroupLeader, school))
            .unwrap();
        let versions: Vec<i64> = batch.into_decisions().iter().map(|d| d.expected_version).collect();
        assert_eq!(versions, [1, 2]);
    }
}
