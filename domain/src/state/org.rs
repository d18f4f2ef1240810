//! The org tree (school > college > branch > party group; classes, dorms and League branches
//! hang off colleges), the collective awards units receive, and what a scope selects.

use super::{Award, FactOwner, Folded, Pairing, Person, State};
use crate::event::{Event, Recorded};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OrgUnit {
    pub id: Uuid,
    pub kind: crate::vocab::OrgUnitKind,
    pub name: String,
    pub parent_id: Option<Uuid>,
    /// In the order they were created.
    pub children: Vec<Uuid>,
}

impl OrgUnit {
    /// The top of a tree: the school.
    pub fn is_root(&self) -> bool {
        self.parent_id.is_none()
    }
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct Org {
    units: HashMap<Uuid, OrgUnit>,
    /// Collective awards by the class (or other unit) that received them.
    awards: HashMap<Uuid, Vec<Award>>,
}

impl Org {
    /// Folds the events of org units: their creation, and collective awards to a unit that
    /// exists (the state offers an award to a person first).
    pub(super) fn apply(&mut self, recorded: &Recorded) -> Option<Folded> {
        match &recorded.event {
            Event::OrgUnitCreated {
                org_unit_id,
                kind,
                name,
                parent_id,
            } => {
                if let Some(parent) = parent_id.and_then(|p| self.units.get_mut(&p)) {
                    parent.children.push(*org_unit_id);
                }
                let unit = OrgUnit {
                    id: *org_unit_id,
                    kind: *kind,
                    name: name.clone(),
                    parent_id: *parent_id,
                    children: vec![],
                };
                self.units.insert(*org_unit_id, unit);
                Some(Folded::Structure)
            }
            Event::AwardRecorded { recipient_id, .. } if self.units.contains_key(recipient_id) => {
                let award = Award::recorded(recorded)?;
                self.awards.entry(*recipient_id).or_default().push(award);
                Some(Folded::Fact(FactOwner::Unit(*recipient_id)))
            }
            _ => None,
        }
    }

    pub(super) fn retract(&mut self, unit: Uuid, event_id: Uuid) {
        if let Some(awards) = self.awards.get_mut(&unit) {
            awards.retain(|a| a.id != event_id);
        }
    }
}

impl State {
    pub fn org_unit(&self, id: Uuid) -> Option<&OrgUnit> {
        self.org.units.get(&id)
    }

    /// Every org unit from `unit` up to the root, `unit` first.
    pub fn ancestors(&self, unit: Uuid) -> impl Iterator<Item = Uuid> + '_ {
        let mut next = Some(unit);
        let mut seen = 0usize;
        std::iter::from_fn(move || {
            let current = next?;
            seen += 1;
            // Parents are checked when units are created, so the tree has no cycles; the
            // bound only guards against a corrupt log.
            next = if seen > 64 {
                None
            } else {
                self.org_unit(current).and_then(|u| u.parent_id)
            };
            Some(current)
        })
    }

    /// True when `unit` is `scope` or lies below it.
    pub fn is_within(&self, unit: Uuid, scope: Uuid) -> bool {
        self.ancestors(unit).any(|u| u == scope)
    }

    /// What a `scopeId` selects: `unit` and every unit below it.
    pub fn scope(&self, unit: Uuid) -> Scope<'_> {
        Scope::new(self, unit)
    }

    /// The collective awards a unit (a class) received.
    pub fn unit_awards(&self, unit: Uuid) -> &[Award] {
        self.org.awards.get(&unit).map_or(&[], Vec::as_slice)
    }
}

/// What a `scopeId` selects, gathered once: an org unit and every unit below it. Testing a
/// person or a pairing against it costs a few hash lookups instead of a walk up the tree
/// for each of their units; it agrees with [`State::person_in_scope`] and
/// [`State::pairing_in_scope`].
pub struct Scope<'a> {
    state: &'a State,
    units: HashSet<Uuid>,
}

impl<'a> Scope<'a> {
    pub fn new(state: &'a State, scope: Uuid) -> Scope<'a> {
        let mut units = HashSet::from([scope]);
        let mut todo = vec![scope];
        while let Some(unit) = todo.pop() {
            for &child in state.org_unit(unit).map_or(&[][..], |u| &u.children) {
                if units.insert(child) {
                    todo.push(child);
                }
            }
        }
        Scope { state, units }
    }

    pub fn person(&self, person: &Person) -> bool {
        person.org_unit_ids.iter().any(|u| self.units.contains(u))
    }

    /// The people in scope, each once, sorted by id: gathered from the units' members, so
    /// a branch costs its own people, not the school's.
    pub fn people(&self) -> Vec<&'a Person> {
        let mut people: Vec<&'a Person> = self.units.iter().flat_map(|u| self.state.members_of(*u)).collect();
        people.sort_unstable_by_key(|p| p.id);
        people.dedup_by_key(|p| p.id);
        people
    }

    /// The pairings in scope ([`Scope::pairing`]), each once, sorted by id: those of the
    /// people in scope and of the units in it that take part themselves.
    pub fn pairings(&self) -> Vec<&'a Pairing> {
        let state = self.state;
        let of_people = self.people().into_iter().flat_map(|p| state.pairings_of(p.id));
        let of_units = self.units.iter().flat_map(|u| state.pairings_of(*u));
        let mut pairings: Vec<&'a Pairing> = of_people.chain(of_units).collect();
        pairings.sort_unstable_by_key(|p| p.id);
        pairings.dedup_by_key(|p| p.id);
        pairings
    }

    /// A pairing belongs to every unit of its mentors and of its mentee (DESIGN §6); a
    /// party that is not a person is a unit (a League branch, a branch).
    pub fn pairing(&self, pairing: &Pairing) -> bool {
        pairing.parties().any(|id| match self.state.person(id) {
            Some(person) => self.person(person),
            None => self.units.contains(&id),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;
    use crate::vocab::{OrgUnitKind, Stage};
    use uuid::Uuid;

    #[test]
    fn a_scope_agrees_with_the_state() {
        let mut w = World::new();
        let Campus {
            school,
            college,
            branch,
            class,
        } = w.campus();
        let other = w.unit(OrgUnitKind::College, Some(school));
        let league = w.unit(OrgUnitKind::LeagueBranch, Some(other));
        let m = w.register_as("党员", &[branch], Stage::Full, None);
        let s = w.register_as("同学", &[class], Stage::Activist, None);
        let o = w.register_as("外院", &[other], Stage::Full, None);
        w.form_pairing(&[m], s, "2025-09-01", monthly(1));
        w.form_pairing(&[o], league, "2025-09-01", monthly(1));
        w.form_pairing(&[m], league, "2025-09-01", monthly(1));
        let st = w.state();
        for scope in [school, college, branch, class, other, league, Uuid::nil()] {
            let sc = st.scope(scope);
            for p in st.people() {
                assert_eq!(sc.person(p), st.person_in_scope(p, scope));
            }
            for p in st.pairings() {
                assert_eq!(sc.pairing(p), st.pairing_in_scope(p, scope));
            }
            // What the scope gathers from its index is what testing each one selects.
            let ids = |mut ids: Vec<Uuid>| {
                ids.sort_unstable();
                ids
            };
            let tested = ids(st.people().filter(|p| sc.person(p)).map(|p| p.id).collect());
            assert_eq!(sc.people().iter().map(|p| p.id).collect::<Vec<_>>(), tested);
            let tested = ids(st.pairings().filter(|p| sc.pairing(p)).map(|p| p.id).collect());
            assert_eq!(sc.pairings().iter().map(|p| p.id).collect::<Vec<_>>(), tested);
        }
        assert!(st.org_unit(school).is_some_and(|u| u.is_root()));
        assert_eq!(st.ancestors(league).collect::<Vec<_>>(), [league, other, school]);
        // Who a list of people selects, by scope and stage.
        let listed = |scope: Option<Uuid>, stage| {
            let mut ids: Vec<Uuid> = st.people_in(scope, stage).map(|p| p.id).collect();
            ids.sort_unstable();
            ids
        };
        let sorted = |mut ids: Vec<Uuid>| {
            ids.sort_unstable();
            ids
        };
        assert_eq!(listed(Some(college), None), sorted(vec![m, s]));
        assert_eq!(listed(Some(other), None), [o]);
        assert_eq!(listed(Some(college), Some(Stage::Full)), [m]);
        assert_eq!(listed(None, Some(Stage::Full)), sorted(vec![m, o]));
        assert!(listed(Some(league), None).is_empty());
    }
}
