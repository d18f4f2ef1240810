//! Who may do what: the rights matrix of docs/access.md, enforced here and only here.
//!
//! Every resolver that reads or writes something personal carries a guard
//! (`#[graphql(guard = "Can(...)")]`) naming the [`Right`] it needs — the fields of
//! `Person` and `Pairing` included, so no path through the graph reaches what its caller
//! may not read; lists are filtered with [`Caller::may`]. Roles hold over their org unit
//! and everything below it (ADMIN too: an ADMIN over a root unit, or a bootstrap token,
//! administers the school); a mentor's rights follow from their pairings; a student's
//! from being that person.

use crate::auth::Actor;
use crate::error::ApiError;
use domain::state::{Pairing, Person};
use domain::{EvaluatorRole, Event, RankingKind, Recorded, Role, State};
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
    /// An evaluator's column for a person.
    Evaluate(Uuid, EvaluatorRole),
    Nominate(RankingKind, Uuid),
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
    pub fn new(state: &'a State, actor: &Actor) -> Caller<'a> {
        let person = state
            .person_by_number
            .get(&actor.subject)
            .and_then(|id| state.people.get(id));
        let school_admin = person.is_some_and(|p| {
            p.roles.iter().any(|(role, scope)| {
                *role == Role::Admin && state.org_units.get(scope).is_some_and(|u| u.parent_id.is_none())
            })
        });
        Caller {
            state,
            admin: actor.admin || school_admin,
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
        if let Some(p) = state.people.get(&target) {
            grants.into_iter().any(|(_, scope)| state.person_in_scope(p, *scope))
        } else if let Some(p) = state.pairings.get(&target) {
            grants.into_iter().any(|(_, scope)| state.pairing_in_scope(p, *scope))
        } else {
            grants.into_iter().any(|(_, scope)| state.is_within(target, *scope))
        }
    }

    fn pairing(&self, id: Uuid) -> Option<&'a Pairing> {
        self.state.pairings.get(&id)
    }

    fn mentors_pairing(&self, pairing: Uuid) -> bool {
        self.me()
            .is_some_and(|me| self.pairing(pairing).is_some_and(|p| p.mentor_ids.contains(&me)))
    }

    /// Mentors `person` in some pairing.
    fn mentors(&self, person: Uuid) -> bool {
        let (Some(me), Some(pairings)) = (self.me(), self.state.pairings_of.get(&person)) else {
            return false;
        };
        pairings
            .iter()
            .filter_map(|p| self.pairing(*p))
            .any(|p| p.mentee_id == person && p.mentor_ids.contains(&me))
    }

    /// Shares a pairing with `person`, either way round.
    fn paired_with(&self, person: Uuid) -> bool {
        let (Some(me), Some(pairings)) = (self.me(), self.state.pairings_of.get(&person)) else {
            return false;
        };
        pairings
            .iter()
            .filter_map(|p| self.pairing(*p))
            .any(|p| p.mentee_id == me || p.mentor_ids.contains(&me))
    }

    /// Holds a role over a pairing `person` is in: who is in a pairing one may read is
    /// part of reading it, even across colleges.
    fn reads_a_pairing_of(&self, person: Uuid) -> bool {
        self.state
            .pairings_of
            .get(&person)
            .is_some_and(|pairings| pairings.iter().any(|p| self.role_over(ANY_ROLE, *p)))
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
            Right::Evaluate(person, evaluator) => match evaluator {
                EvaluatorRole::SelfAssessment => self.is(person) || self.role_over(&[], person),
                EvaluatorRole::Organization => self.role_over(&[Role::CollegeCommittee], person),
                EvaluatorRole::Branch => self.role_over(&[Role::BranchSecretary, Role::BranchCommittee], person),
            },
            Right::Nominate(RankingKind::MostImproved, person) => {
                self.mentors(person) || self.role_over(&[Role::BranchSecretary], person)
            }
            Right::Nominate(RankingKind::PartyStar, person) => self.role_over(BRANCH, person),
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
            Right::ReadStream(stream) if self.state.people.contains_key(&stream) => self.may(Right::ReadRecord(stream)),
            Right::ReadStream(stream) if self.state.pairings.contains_key(&stream) => {
                self.may(Right::ReadPairing(stream))
            }
            Right::ReadStream(_) => false,
        }
    }

    pub fn check(&self, right: Right) -> Result<(), ApiError> {
        if self.may(right) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "your roles do not allow this ({})",
                describe(right)
            )))
        }
    }
}

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
        Right::Evaluate(..) => "that evaluator's column",
        Right::Nominate(..) => "nominating: the mentor or the branch",
        Right::Approve(_) => "approving: the college committee",
        Right::GrantRole(..) => "granting roles: the college committee, administrators for ADMIN and COLLEGE_COMMITTEE",
        Right::Screening(_) => {
            "排查摸底: mentors, counsellors, the branch secretary and committee, the college committee"
        }
        Right::ReadPerson(_) => "the person, their pairing partners and the officers over them",
        Right::ReadRecord(_) => "a person's record: the person, their mentors and the officers over them",
        Right::ReadPairing(_) => "the pairing's people and the officers over it",
        Right::ReadScope(_) => "a role over that unit",
        Right::ReadStream(_) => "the audit trail: administrators, or those who may read that record or pairing",
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
        Event::ScreeningRecorded { person_id, .. } => Right::Screening(*person_id),
        Event::ContactRecorded { .. } | Event::MonthlyRecordSubmitted { .. } => Right::KeepPairing(pairing),
        Event::VisitFeedbackRecorded { .. } | Event::BranchOpinionGiven { .. } => Right::SuperviseBranchWork(pairing),
        _ => return None,
    })
}

/// A field guard: the caller must have every one of the rights
/// (`#[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::RecordFor)")]`).
pub struct Can(pub Result<Vec<Right>, ApiError>);

impl Can {
    pub fn new(right: Right) -> Can {
        Can(Ok(vec![right]))
    }

    /// A right over an id argument, parsed here so a bad id is bad input on that field.
    pub fn over(field: &str, id: &async_graphql::ID, right: impl Fn(Uuid) -> Right) -> Can {
        Can(crate::graphql::scalars::uuid(field, id).map(|id| vec![right(id)]))
    }

    /// The right over each of several ids. No ids is bad input, never "no right needed":
    /// a mutation with an empty set of targets would otherwise run unchecked.
    pub fn each(field: &str, ids: &[async_graphql::ID], right: impl Fn(Uuid) -> Right) -> Can {
        if ids.is_empty() {
            return Can(Err(ApiError::bad(field, "name at least one")));
        }
        Can(crate::graphql::scalars::uuids(field, ids).map(|ids| ids.into_iter().map(&right).collect()))
    }

    /// A right over a unit, when a scope is given.
    pub fn scope(field: &str, id: &Option<async_graphql::ID>) -> Can {
        match id {
            None => Can(Ok(vec![])),
            Some(id) => Can::over(field, id, Right::ReadScope),
        }
    }

    /// A right over an optional id argument.
    pub fn maybe(field: &str, id: &Option<async_graphql::ID>, right: impl Fn(Option<Uuid>) -> Right) -> Can {
        Can(id
            .as_ref()
            .map(|id| crate::graphql::scalars::uuid(field, id))
            .transpose()
            .map(|id| vec![right(id)]))
    }
}

impl async_graphql::Guard for Can {
    async fn check(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<()> {
        for right in self.0.clone()? {
            require(ctx, right)?;
        }
        Ok(())
    }
}

/// The caller of this request must have `right` (for the few checks that need what a
/// guard cannot see first, such as the event a retraction names).
pub fn require(ctx: &async_graphql::Context<'_>, right: Right) -> Result<(), ApiError> {
    let actor = crate::graphql::actor(ctx)?;
    let app = crate::graphql::app(ctx)?;
    let state = app.state();
    Caller::new(&state, actor).check(right)
}
