//! Who may do what: the rights matrix of docs/access.md, enforced here and only here.
//!
//! Every resolver that reads or writes something personal carries a guard
//! (`#[graphql(guard = "Can(...)")]`) naming the [`Right`] it needs; lists are filtered with
//! [`Caller::may`]. Roles hold over their org unit and everything below it; a mentor's
//! rights follow from their pairings; a student's from being that person.

use crate::auth::Actor;
use crate::error::ApiError;
use domain::state::{FactOwner, Pairing, Person};
use domain::{EvaluatorRole, RankingKind, Role, State};
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
    /// Correct a recorded fact.
    Retract(Uuid),
    ReadPerson(Uuid),
    ReadPairing(Uuid),
    /// Reports over a whole unit: lists, assessments, rankings, alerts.
    ReadScope(Uuid),
    /// One stream of the audit trail: a person's or a pairing's for those who may read
    /// them, anything else for administrators.
    ReadStream(Uuid),
}

/// The caller as the rights see them.
pub struct Caller<'a> {
    state: &'a State,
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
        let admin = actor.admin || person.is_some_and(|p| p.roles.iter().any(|(r, _)| *r == Role::Admin));
        Caller { state, admin, person }
    }

    pub fn is_admin(&self) -> bool {
        self.admin
    }

    fn me(&self) -> Option<Uuid> {
        self.person.map(|p| p.id)
    }

    /// Holds one of `roles` over a unit containing `unit`.
    fn role_over_unit(&self, roles: &[Role], unit: Uuid) -> bool {
        self.person.is_some_and(|me| {
            me.roles
                .iter()
                .any(|(role, scope)| roles.contains(role) && self.state.is_within(unit, *scope))
        })
    }

    /// Holds one of `roles` over a person, a unit or a pairing (by id).
    fn role_over(&self, roles: &[Role], target: Uuid) -> bool {
        let Some(me) = self.person else { return false };
        let grants = me.roles.iter().filter(|(role, _)| roles.contains(role));
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
                EvaluatorRole::SelfAssessment => self.is(person),
                EvaluatorRole::Organization => self.role_over(&[Role::CollegeCommittee], person),
                EvaluatorRole::Branch => self.role_over(&[Role::BranchSecretary, Role::BranchCommittee], person),
            },
            Right::Nominate(RankingKind::MostImproved, person) => {
                self.mentors(person) || self.role_over(&[Role::BranchSecretary], person)
            }
            Right::Nominate(RankingKind::PartyStar, person) => self.role_over(BRANCH, person),
            Right::Approve(person) => self.role_over(&[Role::CollegeCommittee], person),
            Right::GrantRole(role, unit) => {
                !matches!(role, Role::Admin | Role::CollegeCommittee)
                    && self.role_over_unit(&[Role::CollegeCommittee], unit)
            }
            Right::Screening(person) => self.mentors(person) || self.role_over(SCREENERS, person),
            Right::Retract(event) => match self.state.facts.get(&event) {
                Some(FactOwner::Person(p)) => self.may(Right::RecordFor(*p)) || self.may(Right::SelfReport(*p)),
                Some(FactOwner::Pairing(p)) => self.may(Right::KeepPairing(*p)),
                Some(FactOwner::Unit(u)) => self.role_over(RECORDERS, *u),
                Some(FactOwner::Nomination(kind, _, p)) => self.may(Right::Nominate(*kind, *p)),
                // Unknown or not a fact: let the command say which.
                None => true,
            },
            Right::ReadPerson(person) => {
                self.is(person) || self.paired_with(person) || self.role_over(ANY_ROLE, person)
            }
            Right::ReadPairing(pairing) => {
                self.pairing(pairing).is_some_and(|p| {
                    self.me()
                        .is_some_and(|me| p.mentee_id == me || p.mentor_ids.contains(&me))
                }) || self.role_over(ANY_ROLE, pairing)
            }
            Right::ReadScope(unit) => self.role_over_unit(ANY_ROLE, unit),
            Right::ReadStream(stream) if self.state.people.contains_key(&stream) => self.may(Right::ReadPerson(stream)),
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
        Right::Retract(_) => "correcting a fact: whoever may record it",
        Right::ReadPerson(_) => "the person, their pairing partners and the officers over them",
        Right::ReadPairing(_) => "the pairing's people and the officers over it",
        Right::ReadScope(_) => "a role over that unit",
        Right::ReadStream(_) => "the audit trail: administrators, or those who may read that person or pairing",
    }
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

    /// The right over each of several ids.
    pub fn each(field: &str, ids: &[async_graphql::ID], right: impl Fn(Uuid) -> Right) -> Can {
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
        let rights = self.0.clone()?;
        let actor = crate::graphql::actor(ctx)?;
        let app = crate::graphql::app(ctx)?;
        let state = app.state();
        let caller = Caller::new(&state, actor);
        for right in rights {
            caller.check(right)?;
        }
        Ok(())
    }
}
