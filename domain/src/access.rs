//! Who may do what: the rights matrix of docs/access.md, as one pure function of the state
//! and the caller ([`Caller::may`]). The API's guards are thin adapters over it; the table
//! tests below check it row by row from given events, without a server.
//!
//! Roles hold over their org unit and everything below it (ADMIN too: an ADMIN over a root
//! unit, or a bootstrap token, administers the school); a mentor's rights follow from their
//! pairings; a student's from being that person.

use crate::state::{Pairing, Person};
use crate::{AttachedTo, EvaluatorRole, Event, RankingKind, Recorded, Role, State};
use uuid::Uuid;

/// What an operation touches, as far as rights go.
#[derive(Clone, Copy, Debug)]
pub enum Right {
    /// School-wide settings: vacations, rubrics, the audit trail, the screening read log.
    Administer,
    /// Create units below this one (None: a new root).
    ShapeOrg(Option<Uuid>),
    /// Register a person into these units (checked unit by unit).
    Register(Uuid),
    /// Stage changes, probation: the branch's decision.
    DevelopMember(Uuid),
    /// Form or end a pairing involving this person or unit.
    ArrangePairing(Uuid),
    /// What a mentor records for their pairing: contacts, monthly records.
    KeepPairing(Uuid),
    /// The branch's own acts on a pairing: visits, opinions.
    SuperviseBranchWork(Uuid),
    /// Facts of a person's record (reports, service, awards, results, conduct, activities).
    RecordFor(Uuid),
    /// Facts a person may report about themself (thought reports, volunteer service).
    SelfReport(Uuid),
    /// The branch's periodic review of a person (seed 002: 考察鉴定, 综合鉴定).
    Review(Uuid),
    /// An evaluator's column for a person.
    Evaluate(Uuid, EvaluatorRole),
    /// 最具进步奖: the mentee's mentor (seed 001 「由帮助人提名」); 党员之星: the branch.
    Nominate(RankingKind, Uuid),
    /// The branch's examination of a nomination (「学生党支部进行全面考核」).
    Examine(Uuid),
    /// The college committee's approval (报院党委审批).
    Approve(Uuid),
    /// Grant or take a role over a unit.
    GrantRole(Role, Uuid),
    /// Record or read 排查摸底.
    Screening(Uuid),
    /// Who a person is: name, number, stage, units, roles, pairings.
    ReadPerson(Uuid),
    /// A person's record: reports, service, awards, results, conduct, evaluations,
    /// assessments, the events of their stream.
    ReadRecord(Uuid),
    ReadPairing(Uuid),
    /// Reports over a whole unit: lists, assessments, rankings, alerts.
    ReadScope(Uuid),
    /// A unit's notification channels and the messages sent to them (docs/notifications.md).
    ManageChannels(Uuid),
    /// One stream of the audit trail: a person's for those who may read their record, a
    /// pairing's for those who may read it, anything else for administrators.
    ReadStream(Uuid),
}

/// The caller as the rights see them.
pub struct Caller<'a> {
    state: &'a State,
    /// A bootstrap token, or the ADMIN role over a root unit: every right.
    admin: bool,
    person: Option<&'a Person>,
}

const BRANCH: &[Role] = &[Role::CollegeCommittee, Role::BranchSecretary, Role::BranchCommittee];
const RECORDERS: &[Role] = &[
    Role::CollegeCommittee,
    Role::BranchSecretary,
    Role::BranchCommittee,
    Role::GroupLeader,
    Role::Counsellor,
];
const ANY_ROLE: &[Role] = &[
    Role::Admin,
    Role::CollegeCommittee,
    Role::BranchSecretary,
    Role::BranchCommittee,
    Role::GroupLeader,
    Role::Counsellor,
];
/// An ADMIN grant holds every role's rights within its scope.
fn grants(roles: &[Role], held: Role) -> bool {
    held == Role::Admin || roles.contains(&held)
}

const SCREENERS: &[Role] = &[
    Role::CollegeCommittee,
    Role::BranchSecretary,
    Role::BranchCommittee,
    Role::Counsellor,
];

impl<'a> Caller<'a> {
    /// The caller signed in as `subject` (a person's number, or any name for a bootstrap
    /// administrator); `bootstrap_admin` for a token minted with `--admin`.
    pub fn new(state: &'a State, subject: &str, bootstrap_admin: bool) -> Caller<'a> {
        let person = state.person_by_number(subject);
        let school_admin = person.is_some_and(|p| {
            p.roles.iter().any(|(role, scope)| {
                *role == Role::Admin && state.org_unit(*scope).is_some_and(|u| u.parent_id.is_none())
            })
        });
        Caller {
            state,
            admin: bootstrap_admin || school_admin,
            person,
        }
    }

    /// Administers the whole school (a bootstrap token or ADMIN over a root unit).
    pub fn is_admin(&self) -> bool {
        self.admin
    }

    /// Holds the ADMIN role somewhere, or is a bootstrap administrator: may use GraphiQL
    /// and introspection in production.
    pub fn administers_something(&self) -> bool {
        self.admin
            || self
                .person
                .is_some_and(|p| p.roles.iter().any(|(role, _)| *role == Role::Admin))
    }

    fn me(&self) -> Option<Uuid> {
        self.person.map(|p| p.id)
    }

    /// Holds one of `roles`, or ADMIN, over a unit containing `unit`.
    fn role_over_unit(&self, roles: &[Role], unit: Uuid) -> bool {
        self.person.is_some_and(|me| {
            me.roles
                .iter()
                .any(|(role, scope)| grants(roles, *role) && self.state.is_within(unit, *scope))
        })
    }

    /// Holds one of `roles`, or ADMIN, over a person, a unit or a pairing (by id).
    fn role_over(&self, roles: &[Role], target: Uuid) -> bool {
        let Some(me) = self.person else { return false };
        let grants = me.roles.iter().filter(|(role, _)| grants(roles, *role));
        let state = self.state;
        if let Some(p) = state.person(target) {
            grants.into_iter().any(|(_, scope)| state.person_in_scope(p, *scope))
        } else if let Some(p) = state.pairing(target) {
            grants.into_iter().any(|(_, scope)| state.pairing_in_scope(p, *scope))
        } else {
            grants.into_iter().any(|(_, scope)| state.is_within(target, *scope))
        }
    }

    fn pairing(&self, id: Uuid) -> Option<&'a Pairing> {
        self.state.pairing(id)
    }

    fn mentors_pairing(&self, pairing: Uuid) -> bool {
        self.me()
            .is_some_and(|me| self.pairing(pairing).is_some_and(|p| p.mentor_ids.contains(&me)))
    }

    /// Mentors `person` in some pairing.
    fn mentors(&self, person: Uuid) -> bool {
        let Some(me) = self.me() else { return false };
        self.state
            .pairings_of(person)
            .any(|p| p.mentee_id == person && p.mentor_ids.contains(&me))
    }

    /// Shares a pairing with `person`, either way round.
    fn paired_with(&self, person: Uuid) -> bool {
        let Some(me) = self.me() else { return false };
        self.state
            .pairings_of(person)
            .any(|p| p.mentee_id == me || p.mentor_ids.contains(&me))
    }

    /// Holds a role over a pairing `person` is in: who is in a pairing one may read is
    /// part of reading it, even across colleges.
    fn reads_a_pairing_of(&self, person: Uuid) -> bool {
        self.state.pairings_of(person).any(|p| self.role_over(ANY_ROLE, p.id))
    }

    fn is(&self, person: Uuid) -> bool {
        self.me() == Some(person)
    }

    /// The rights matrix.
    pub fn may(&self, right: Right) -> bool {
        if self.admin {
            return true;
        }
        match right {
            Right::Administer => false,
            Right::ShapeOrg(parent) => parent.is_some_and(|u| self.role_over_unit(&[Role::CollegeCommittee], u)),
            Right::Register(unit) => self.role_over_unit(RECORDERS, unit),
            Right::DevelopMember(person) => self.role_over(&[Role::CollegeCommittee, Role::BranchSecretary], person),
            Right::ArrangePairing(party) => self.role_over(RECORDERS, party),
            Right::KeepPairing(pairing) => self.mentors_pairing(pairing) || self.role_over(RECORDERS, pairing),
            Right::SuperviseBranchWork(pairing) => self.role_over(BRANCH, pairing),
            Right::RecordFor(target) => self.mentors(target) || self.role_over(RECORDERS, target),
            Right::SelfReport(person) => self.is(person) || self.may(Right::RecordFor(person)),
            Right::Review(person) => self.role_over(BRANCH, person),
            Right::Evaluate(person, evaluator) => match evaluator {
                EvaluatorRole::SelfAssessment => self.is(person) || self.role_over(&[], person),
                EvaluatorRole::Organization => self.role_over(&[Role::CollegeCommittee], person),
                // Seed 002: 「考核工作主要由支部紀檢委員負責」: the branch enters the masses' tally.
                EvaluatorRole::Branch | EvaluatorRole::Masses => {
                    self.role_over(&[Role::BranchSecretary, Role::BranchCommittee], person)
                }
            },
            // The mentor; an ADMIN role over the mentee holds every right there.
            Right::Nominate(RankingKind::MostImproved, person) => self.mentors(person) || self.role_over(&[], person),
            Right::Nominate(RankingKind::PartyStar, person) => self.role_over(BRANCH, person),
            Right::Examine(person) => self.role_over(&[Role::BranchSecretary, Role::BranchCommittee], person),
            Right::Approve(person) => self.role_over(&[Role::CollegeCommittee], person),
            Right::GrantRole(role, unit) => match role {
                Role::Admin | Role::CollegeCommittee => self.role_over_unit(&[], unit),
                _ => self.role_over_unit(&[Role::CollegeCommittee], unit),
            },
            Right::Screening(person) => self.mentors(person) || self.role_over(SCREENERS, person),
            Right::ReadPerson(person) => {
                self.is(person)
                    || self.paired_with(person)
                    || self.role_over(ANY_ROLE, person)
                    || self.reads_a_pairing_of(person)
            }
            Right::ReadRecord(person) => self.is(person) || self.mentors(person) || self.role_over(ANY_ROLE, person),
            Right::ReadPairing(pairing) => {
                self.pairing(pairing).is_some_and(|p| {
                    self.me()
                        .is_some_and(|me| p.mentee_id == me || p.mentor_ids.contains(&me))
                }) || self.role_over(ANY_ROLE, pairing)
            }
            Right::ReadScope(unit) => self.role_over_unit(ANY_ROLE, unit),
            Right::ManageChannels(unit) => self.role_over_unit(&[Role::CollegeCommittee, Role::BranchSecretary], unit),
            Right::ReadStream(stream) if self.state.person(stream).is_some() => self.may(Right::ReadRecord(stream)),
            Right::ReadStream(stream) if self.state.pairing(stream).is_some() => self.may(Right::ReadPairing(stream)),
            Right::ReadStream(_) => false,
        }
    }

    /// The right, or why not (for the refusal's message).
    pub fn check(&self, right: Right) -> Result<(), Forbidden> {
        if self.may(right) {
            Ok(())
        } else {
            Err(Forbidden(describe(right)))
        }
    }
}

/// A refusal: who may do it instead, in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("your roles do not allow this ({0})")]
pub struct Forbidden(pub &'static str);

fn describe(right: Right) -> &'static str {
    match right {
        Right::Administer => "administrators only",
        Right::ShapeOrg(_) => "shaping the organisation: the college committee",
        Right::Register(_) => "registering people: the units' officers and counsellors",
        Right::DevelopMember(_) => "stage changes: the branch secretary or college committee",
        Right::ArrangePairing(_) => "arranging pairings: the units' officers",
        Right::KeepPairing(_) => "the pairing's mentors and the branch",
        Right::SuperviseBranchWork(_) => "the branch secretary and committee",
        Right::RecordFor(_) => "the person's mentors and the officers over them",
        Right::SelfReport(_) => "the person, their mentors and the officers over them",
        Right::Review(_) => "reviews: the branch secretary and committee, the college committee",
        Right::Evaluate(..) => "that evaluator's column",
        Right::Nominate(RankingKind::MostImproved, _) => "nominating for 最具进步奖: the mentee's mentor",
        Right::Nominate(RankingKind::PartyStar, _) => "nominating for 党员之星: the branch and the college committee",
        Right::Examine(_) => "examining a nomination: the branch secretary and committee",
        Right::Approve(_) => "approving: the college committee",
        Right::GrantRole(..) => "granting roles: the college committee, administrators for ADMIN and COLLEGE_COMMITTEE",
        Right::Screening(_) => {
            "排查摸底: mentors, counsellors, the branch secretary and committee, the college committee"
        }
        Right::ReadPerson(_) => "the person, their pairing partners and the officers over them",
        Right::ReadRecord(_) => "a person's record: the person, their mentors and the officers over them",
        Right::ReadPairing(_) => "the pairing's people and the officers over it",
        Right::ReadScope(_) => "a role over that unit",
        Right::ManageChannels(_) => "notification channels: the unit's admins, college committee and branch secretary",
        Right::ReadStream(_) => "the audit trail: administrators, or those who may read that record or pairing",
    }
}

/// Attaching a file needs what recording on its subject needs: the person's mentors and
/// the officers over them, or the pairing's mentors and the branch.
pub fn right_to_attach(attached_to: AttachedTo, subject_id: Uuid) -> Right {
    match attached_to {
        AttachedTo::Person => Right::RecordFor(subject_id),
        AttachedTo::Pairing => Right::KeepPairing(subject_id),
    }
}

/// Reading an attached file needs what reading its subject's record needs.
pub fn right_to_read_attachment(attached_to: AttachedTo, subject_id: Uuid) -> Right {
    match attached_to {
        AttachedTo::Person => Right::ReadRecord(subject_id),
        AttachedTo::Pairing => Right::ReadPairing(subject_id),
    }
}

/// The right a recorded fact needed: retracting it needs the same ("whoever may record
/// that fact"). `None` for what is not a fact (structure, retractions, settings), which
/// `retractEvent` refuses on its own.
pub fn right_to_record(recorded: &Recorded) -> Option<Right> {
    let pairing = recorded.stream_id;
    Some(match &recorded.event {
        Event::ThoughtReportSubmitted { person_id, .. } | Event::VolunteerServiceLogged { person_id, .. } => {
            Right::SelfReport(*person_id)
        }
        Event::AwardRecorded { recipient_id, .. } => Right::RecordFor(*recipient_id),
        Event::AcademicResultRecorded { person_id, .. }
        | Event::ConductRecorded { person_id, .. }
        | Event::MemberActivityRecorded { person_id, .. } => Right::RecordFor(*person_id),
        Event::EvaluationRecorded {
            person_id, evaluator, ..
        } => Right::Evaluate(*person_id, *evaluator),
        Event::DemocraticEvaluationRecorded { person_id, .. } => Right::Evaluate(*person_id, EvaluatorRole::Branch),
        Event::Nominated { ranking, person_id, .. } => Right::Nominate(*ranking, *person_id),
        Event::NominationApproved { person_id, .. } => Right::Approve(*person_id),
        Event::NominationExamined { person_id, .. } => Right::Examine(*person_id),
        Event::ScreeningRecorded { person_id, .. } => Right::Screening(*person_id),
        Event::ReviewRecorded { person_id, .. } => Right::Review(*person_id),
        Event::ContactRecorded { .. } | Event::MonthlyRecordSubmitted { .. } => Right::KeepPairing(pairing),
        Event::VisitFeedbackRecorded { .. } | Event::BranchOpinionGiven { .. } => Right::SuperviseBranchWork(pairing),
        Event::FileAttached {
            subject_id,
            attached_to,
            ..
        } => right_to_attach(*attached_to, *subject_id),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::vocab::{OrgUnitKind, Stage};

    /// A school with two colleges; in college A a branch with a mentor, a mentee and a
    /// counsellor over the college; in college B a stranger and that college's secretary.
    struct Colleges {
        world: World,
        college_a: Uuid,
        branch_a: Uuid,
        mentor: Uuid,
        mentee: Uuid,
        pairing: Uuid,
        stranger: Uuid,
        counsellor: Uuid,
        secretary_b: Uuid,
    }

    fn world() -> Colleges {
        let mut world = World::new();
        let school = world.school();
        let college_a = world.unit(OrgUnitKind::College, Some(school));
        let branch_a = world.unit(OrgUnitKind::Branch, Some(college_a));
        let college_b = world.unit(OrgUnitKind::College, Some(school));
        let mentor = world.register(&[branch_a], Stage::Full);
        let mentee = world.register(&[branch_a], Stage::Activist);
        let counsellor = world.register(&[college_a], Stage::Full);
        let stranger = world.register(&[college_b], Stage::NonParty);
        let secretary_b = world.register(&[college_b], Stage::Full);
        world.assign_role(counsellor, Role::Counsellor, college_a);
        world.assign_role(secretary_b, Role::BranchSecretary, college_b);
        let pairing = world.form_pairing(&[mentor], mentee, "2025-09-01", fortnightly());
        Colleges {
            world,
            college_a,
            branch_a,
            mentor,
            mentee,
            pairing,
            stranger,
            counsellor,
            secretary_b,
        }
    }

    /// The number the kit registered the person with this id under.
    fn number(world: &World, id: Uuid) -> String {
        world.person(id).number.clone()
    }

    #[test]
    fn the_matrix_row_by_row() {
        let w = world();
        let s = w.world.state();
        let [mentor, mentee, counsellor, stranger, secretary_b] =
            [w.mentor, w.mentee, w.counsellor, w.stranger, w.secretary_b].map(|id| number(&w.world, id));
        let rows: &[(&str, Right, bool)] = &[
            // A mentee reads who their mentor is, not the mentor's record.
            (&mentee, Right::ReadPerson(w.mentor), true),
            (&mentee, Right::ReadRecord(w.mentor), false),
            (&mentee, Right::ReadRecord(w.mentee), true),
            (&mentee, Right::SelfReport(w.mentee), true),
            (&mentee, Right::RecordFor(w.mentee), false),
            (&mentee, Right::Screening(w.mentee), false),
            (&mentee, Right::Register(w.branch_a), false),
            (&mentee, Right::ReadScope(w.college_a), false),
            // The mentor keeps the pairing and records for the mentee, screening included.
            (&mentor, Right::KeepPairing(w.pairing), true),
            (&mentor, Right::RecordFor(w.mentee), true),
            (&mentor, Right::Screening(w.mentee), true),
            (&mentor, Right::SuperviseBranchWork(w.pairing), false),
            (&mentor, Right::ReadPerson(w.stranger), false),
            // 最具进步奖 「由帮助人提名，学生党支部进行全面考核」: the mentor nominates, the branch
            // examines; neither does the other's part.
            (&mentor, Right::Nominate(RankingKind::MostImproved, w.mentee), true),
            (&mentor, Right::Examine(w.mentee), false),
            (&mentee, Right::Nominate(RankingKind::MostImproved, w.mentee), false),
            (&counsellor, Right::Nominate(RankingKind::MostImproved, w.mentee), false),
            (
                &secretary_b,
                Right::Nominate(RankingKind::MostImproved, w.stranger),
                false,
            ),
            (&secretary_b, Right::Examine(w.stranger), true),
            (&secretary_b, Right::Examine(w.mentee), false),
            // The counsellor reads and registers over the college, not another college.
            (&counsellor, Right::ReadScope(w.college_a), true),
            (&counsellor, Right::Register(w.branch_a), true),
            (&counsellor, Right::ReadRecord(w.mentee), true),
            (&counsellor, Right::ReadPerson(w.stranger), false),
            (&counsellor, Right::DevelopMember(w.mentee), false),
            (&counsellor, Right::Administer, false),
            // Reviews (考察鉴定, 综合鉴定) are the branch's: not a mentor's, not a counsellor's.
            (&mentor, Right::Review(w.mentee), false),
            (&counsellor, Right::Review(w.mentee), false),
            (&mentee, Right::Review(w.mentee), false),
            (&secretary_b, Right::Review(w.stranger), true),
            (&secretary_b, Right::Review(w.mentee), false),
            // Another college's secretary sees nothing of college A.
            (&secretary_b, Right::ReadPerson(w.mentee), false),
            (&secretary_b, Right::ReadPerson(w.stranger), true),
            (&secretary_b, Right::DevelopMember(w.stranger), true),
            (&secretary_b, Right::ReadPairing(w.pairing), false),
            // 群众评议 (seed 002) is entered by the branch, not by the person or the masses
            // themselves: another college's secretary enters it over their own people only.
            (&mentee, Right::Evaluate(w.mentee, EvaluatorRole::Masses), false),
            (&mentee, Right::Evaluate(w.mentee, EvaluatorRole::SelfAssessment), true),
            (&counsellor, Right::Evaluate(w.mentee, EvaluatorRole::Masses), false),
            (&secretary_b, Right::Evaluate(w.stranger, EvaluatorRole::Masses), true),
            (&secretary_b, Right::Evaluate(w.mentee, EvaluatorRole::Masses), false),
            // Notification channels: the unit's secretary (and committee, admins), not a
            // counsellor or a mentor, not another college's secretary.
            (
                &secretary_b,
                Right::ManageChannels(w.world.person(w.secretary_b).org_unit_ids[0]),
                true,
            ),
            (&secretary_b, Right::ManageChannels(w.branch_a), false),
            (&counsellor, Right::ManageChannels(w.college_a), false),
            (&mentor, Right::ManageChannels(w.branch_a), false),
            // Someone signed in with no person record may do nothing.
            ("nobody", Right::ReadPerson(w.mentee), false),
            ("nobody", Right::Register(w.branch_a), false),
            (&stranger, Right::ReadPairing(w.pairing), false),
        ];
        let wrong: Vec<String> = rows
            .iter()
            .filter(|(who, right, allowed)| Caller::new(s, who, false).may(*right) != *allowed)
            .map(|(who, right, allowed)| format!("{who} {right:?}: expected {allowed}"))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
        // A bootstrap administrator may do everything.
        assert!(Caller::new(s, "admin", true).may(Right::Administer));
        assert!(Caller::new(s, "admin", true).may(Right::Screening(w.stranger)));
    }

    #[test]
    fn a_revoked_role_takes_its_rights_with_it() {
        let mut w = world();
        let counsellor = (w.counsellor, number(&w.world, w.counsellor));
        assert!(Caller::new(w.world.state(), &counsellor.1, false).may(Right::ReadScope(w.college_a)));
        w.world.record(Event::RoleRevoked {
            person_id: counsellor.0,
            role: Role::Counsellor,
            scope_id: w.college_a,
        });
        assert!(!Caller::new(w.world.state(), &counsellor.1, false).may(Right::ReadScope(w.college_a)));
    }

    #[test]
    fn a_refusal_says_who_may() {
        let w = world();
        let refused = Caller::new(w.world.state(), "nobody", false).check(Right::Administer);
        assert_eq!(refused, Err(Forbidden("administrators only")));
    }
}
