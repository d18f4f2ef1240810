//! Whom a rubric assesses: the people of its [`Population`].

use super::{Population, Rubric};
use crate::state::{Person, State};
use crate::vocab::{Role, Stage};
use uuid::Uuid;

impl Rubric {
    /// Whether `person` belongs to the rubric's population (today's record: a stage or a
    /// role held now, a pairing mentored at any time).
    pub fn assesses(&self, state: &State, person: &Person) -> bool {
        match self.population() {
            Population::Everyone => true,
            Population::KeyCultivationTargets => person.key_cultivation_target,
            Population::PartyMembers => person.stage.is_member(),
            Population::BranchOfficers => is_branch_officer(person),
            Population::Mentors => state.is_mentor(person.id),
            Population::ProbationaryMembers => person.stage == Stage::Probationary,
            Population::DevelopmentTargets => person.stage == Stage::DevelopmentTarget,
        }
    }
}

/// Seed 003 第六條 1 「黨員領導幹部」: a Party member who is 支部书记 or 支部委员.
fn is_branch_officer(person: &Person) -> bool {
    person.stage.is_member()
        && person
            .roles
            .iter()
            .any(|(role, _)| matches!(role, Role::BranchSecretary | Role::BranchCommittee))
}

/// The population in words, for a refusal ("it assesses Party members …").
impl std::fmt::Display for Population {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Population::Everyone => "everyone",
            Population::KeyCultivationTargets => "key cultivation targets (入党重点培养对象)",
            Population::PartyMembers => "Party members (全体党员: probationary and full)",
            Population::BranchOfficers => "branch officers (党员领导干部: 支部书记 and 支部委员)",
            Population::Mentors => "mentors (帮助人)",
            Population::ProbationaryMembers => "probationary members (预备党员)",
            Population::DevelopmentTargets => "development targets (发展对象)",
        })
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

    #[test]
    fn each_preset_assesses_its_population() {
        let mut w = World::new();
        let Campus {
            school,
            college,
            branch,
            class,
        } = w.campus();
        let mentor = w.register_as("党员", &[college, branch], Stage::Full, None);
        let secretary = w.register_as("书记", &[college, branch], Stage::Full, None);
        w.assign_role(secretary, Role::BranchSecretary, branch);
        let probationary = w.register_as("预备", &[college, branch], Stage::Probationary, None);
        let target = w.register_key_target("重点", &[college, class]);
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
        let sorted = |mut v: Vec<Uuid>| {
            v.sort_unstable();
            v
        };
        assert_eq!(ids("party-star"), [mentor]);
        // Seed 000: 入党重点培养对象 only, not every activist.
        assert_eq!(ids("key-target-100"), [target]);
        // Seed 003 第三條 全體黨員: full and probationary, not activists.
        assert_eq!(ids("member-100"), sorted(vec![mentor, secretary, probationary]));
        // 黨員領導幹部: the branch secretary.
        assert_eq!(ids("leader-100"), [secretary]);
        assert!(!ids("member-100").contains(&elsewhere));
        // A rubric that names no population (and reads no mentees) assesses everyone.
        let mut open = preset("key-target-100").unwrap().clone();
        open.population = None;
        let everyone = assessed_in(w.state(), &open, college).len();
        assert_eq!(
            everyone, 6,
            "mentor, secretary, probationary, target, mentee, bystander"
        );
        let _ = bystander;
    }
}
