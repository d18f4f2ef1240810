//! Whom a rubric assesses.

use super::{Rubric, Subject};
use crate::state::{Person, State};
use uuid::Uuid;

impl Rubric {
    /// A rubric with items about a person's mentees (party-star) assesses mentors: those
    /// who mentor in some pairing, ended or not. Any other rubric assesses everyone.
    pub fn assesses(&self, state: &State, person: &Person) -> bool {
        let about_mentees = self.items().any(|(_, item)| item.subject == Subject::Mentees);
        !about_mentees || state.is_mentor(person.id)
    }
}

/// Who `assessments(scope, rubric)` lists: the people of `scope` the rubric assesses, by id.
pub fn assessed_in<'a>(state: &'a State, rubric: &Rubric, scope: Uuid) -> Vec<&'a Person> {
    let mut people: Vec<&Person> = state
        .people_in(Some(scope), None)
        .filter(|p| rubric.assesses(state, p))
        .collect();
    people.sort_unstable_by_key(|p| p.id);
    people
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::preset;
    use crate::testkit::*;
    use crate::vocab::Stage;

    #[test]
    fn party_star_assesses_mentors_and_key_target_everyone_in_scope() {
        let mut w = World::new();
        let Campus {
            school,
            college,
            branch,
            class,
        } = w.campus();
        let mentor = w.register_as("党员", &[college, branch], Stage::Full, None);
        let mentee = w.register_as("同学", &[college, class], Stage::Activist, None);
        let bystander = w.register_as("旁人", &[college, class], Stage::NonParty, None);
        let elsewhere = w.register_as("外校", &[school], Stage::Full, None);
        let p = w.form_pairing(&[mentor], mentee, "2025-09-01", monthly(1));
        // A mentor whose pairing has ended is still assessed: the period may cover it.
        w.end_pairing(p, "2025-12-31");
        let ids = |key: &str| -> Vec<Uuid> {
            let rubric = preset(key).unwrap();
            assessed_in(w.state(), rubric, college).iter().map(|p| p.id).collect()
        };
        assert_eq!(ids("party-star"), [mentor]);
        let mut everyone = vec![mentor, mentee, bystander];
        everyone.sort_unstable();
        assert_eq!(ids("key-target-100"), everyone);
        assert!(!ids("key-target-100").contains(&elsewhere));
    }
}
