//! What a `scopeId` selects, gathered once per request.

use crate::state::{Pairing, Person, State};
use std::collections::HashSet;
use uuid::Uuid;

/// An org unit and every unit below it. Testing a person or a pairing against it costs a
/// few hash lookups instead of a walk up the tree for each of their units; it agrees with
/// [`State::person_in_scope`] and [`State::pairing_in_scope`].
pub struct Scope<'a> {
    state: &'a State,
    units: HashSet<Uuid>,
}

impl<'a> Scope<'a> {
    pub fn new(state: &'a State, scope: Uuid) -> Scope<'a> {
        let mut units = HashSet::from([scope]);
        let mut todo = vec![scope];
        while let Some(unit) = todo.pop() {
            for &child in state.org_units.get(&unit).map_or(&[][..], |u| &u.children) {
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

    /// A pairing belongs to every unit of its mentors and of its mentee (DESIGN §6); a
    /// party that is not a person is a unit (a League branch, a branch).
    pub fn pairing(&self, pairing: &Pairing) -> bool {
        pairing
            .mentor_ids
            .iter()
            .chain(std::iter::once(&pairing.mentee_id))
            .any(|id| match self.state.people.get(id) {
                Some(person) => self.person(person),
                None => self.units.contains(id),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::vocab::{OrgUnitKind, Stage};

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
            let sc = Scope::new(st, scope);
            for p in st.people.values() {
                assert_eq!(sc.person(p), st.person_in_scope(p, scope));
            }
            for p in st.pairings.values() {
                assert_eq!(sc.pairing(p), st.pairing_in_scope(p, scope));
            }
        }
    }
}
