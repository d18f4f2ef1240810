//! The in-memory projection of the whole log: `State::apply` (evolve) folds one recorded
//! event in. Every read and every computation works from this state, so it honours
//! retractions here, once: a retracted fact is simply no longer in it.

use crate::event::{Cadence, Event, Recorded, Vacation};
use crate::time::{Month, Period};
use crate::vocab::*;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    /// The position of the last event applied.
    pub position: i64,
    pub org_units: HashMap<Uuid, OrgUnit>,
    pub people: HashMap<Uuid, Person>,
    pub person_by_number: HashMap<String, Uuid>,
    pub pairings: HashMap<Uuid, Pairing>,
    /// Pairings by every person or unit that takes part (mentor or mentee).
    pub pairings_of: HashMap<Uuid, Vec<Uuid>>,
    /// Collective awards by the class (or other unit) that received them.
    pub unit_awards: HashMap<Uuid, Vec<Award>>,
    pub vacations: Vec<Vacation>,
    pub nominations: BTreeMap<(RankingKind, Period, Uuid), Nomination>,
    pub rubrics: Vec<PublishedRubric>,
    /// The current version of every stream.
    pub stream_versions: HashMap<Uuid, i64>,
    /// Where each retractable fact lives, by its event id.
    pub facts: HashMap<Uuid, FactOwner>,
    pub retracted: HashSet<Uuid>,
    pub retractions: HashSet<Uuid>,
    /// `(actor, idempotency key)` → the first event appended under that key.
    pub idempotency: HashMap<(String, String), Uuid>,
    /// Events of the log that are neither facts nor retractions (structure: units, people,
    /// pairings, stages, roles...), so a retraction of one can say why it is refused.
    pub structural: HashSet<Uuid>,
    /// Every read of a screening, oldest first.
    pub screening_reads: Vec<ScreeningRead>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScreeningRead {
    pub id: Uuid,
    pub person_id: Uuid,
    pub reader: String,
    pub at: DateTime<Utc>,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactOwner {
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

#[derive(Clone, Debug, PartialEq)]
pub struct OrgUnit {
    pub id: Uuid,
    pub kind: OrgUnitKind,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub children: Vec<Uuid>,
}

impl OrgUnit {
    /// The top of a tree: the school.
    pub fn is_root(&self) -> bool {
        self.parent_id.is_none()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub id: Uuid,
    pub number: String,
    pub name: String,
    pub org_unit_ids: Vec<Uuid>,
    pub stage: Stage,
    pub stage_since: Option<NaiveDate>,
    pub key_cultivation_target: bool,
    /// Every stage change after registration (`StageChanged`, `QualificationWithdrawn`),
    /// in log order, so rubrics can count advances within a period.
    pub stage_changes: Vec<StageChange>,
    /// Months by which the probationary period was extended (延长预备期).
    pub probation_extension_months: u32,
    pub roles: Vec<(Role, Uuid)>,
    /// 排查摸底, oldest first: the latest stands (see [`Person::screening`]); the earlier
    /// ones are kept so that retracting the latest restores the one before it.
    pub screenings: Vec<Screening>,
    pub thought_reports: Vec<ThoughtReport>,
    pub volunteer_services: Vec<VolunteerService>,
    pub awards: Vec<Award>,
    pub academic_results: Vec<AcademicResult>,
    pub conduct: Vec<Conduct>,
    pub evaluations: Vec<Evaluation>,
    pub activities: Vec<MemberActivity>,
    pub democratic_evaluations: Vec<DemocraticEvaluation>,
}

impl Person {
    /// The standing screening: the latest recorded.
    pub fn screening(&self) -> Option<&Screening> {
        self.screenings.last()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StageChange {
    /// The event that changed the stage.
    pub id: Uuid,
    pub stage: Stage,
    pub effective_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Screening {
    pub id: Uuid,
    pub categories: Vec<ScreeningCategory>,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ThoughtReport {
    pub id: Uuid,
    pub submitted_on: NaiveDate,
    pub title: String,
    pub word_count: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VolunteerService {
    pub id: Uuid,
    pub served_on: NaiveDate,
    pub hours: f64,
    pub activity: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Award {
    pub id: Uuid,
    pub recipient_id: Uuid,
    pub name: String,
    pub series: String,
    pub level: AwardLevel,
    pub category: AwardCategory,
    pub awarded_on: NaiveDate,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AcademicResult {
    pub id: Uuid,
    pub term: Period,
    pub gpa: f64,
    pub class_rank: u32,
    pub class_size: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Conduct {
    pub id: Uuid,
    pub kind: ConductKind,
    pub occurred_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub id: Uuid,
    pub rubric: String,
    pub period: Period,
    pub item_key: String,
    pub evaluator: EvaluatorRole,
    pub score: f64,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MemberActivity {
    pub id: Uuid,
    pub kind: MemberActivityKind,
    pub occurred_on: NaiveDate,
    pub quantity: f64,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DemocraticEvaluation {
    pub id: Uuid,
    pub period: Period,
    pub grade: DemocraticGrade,
    pub poll_score: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pairing {
    pub id: Uuid,
    pub kind: PairingKind,
    pub mentor_ids: Vec<Uuid>,
    pub mentee_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub cadence: Cadence,
    pub situation: Option<String>,
    /// Sorted by `occurred_at`.
    pub contacts: Vec<Contact>,
    /// `contacts[i].occurred_at` in Unix seconds, kept beside them: walks that need only
    /// the times (the rubric's cadence windows, over thousands of pairings) read 8 bytes
    /// a contact instead of the whole record.
    pub contact_times: Vec<i64>,
    pub visit_feedback: Vec<VisitFeedback>,
    /// Month → the event that submitted its record.
    pub monthly_records: BTreeMap<Month, Uuid>,
    /// Month → its opinions, oldest first: the latest stands (see
    /// [`Pairing::branch_opinion`]); retracting it restores the one before. No empty lists.
    pub branch_opinions: BTreeMap<Month, Vec<BranchOpinion>>,
}

impl Pairing {
    /// Active on `day`: started, and not yet ended.
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| day <= end)
    }

    pub fn last_contact_at(&self) -> Option<DateTime<Utc>> {
        self.contacts.last().map(|c| c.occurred_at)
    }

    /// The branch's standing opinion on a month: the latest given.
    pub fn branch_opinion(&self, month: Month) -> Option<&BranchOpinion> {
        self.branch_opinions.get(&month).and_then(|opinions| opinions.last())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Contact {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub form: ContactForm,
    pub place: Option<String>,
    pub content: Option<String>,
    pub effect: Option<String>,
    pub problems_solved: u32,
    pub duration_minutes: Option<u32>,
    pub recorded_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VisitFeedback {
    pub id: Uuid,
    pub visited_on: NaiveDate,
    pub rating: u8,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BranchOpinion {
    pub id: Uuid,
    pub opinion: String,
    pub given_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Nomination {
    pub id: Uuid,
    pub ranking: RankingKind,
    pub person_id: Uuid,
    pub period: Period,
    pub reason: String,
    pub approved: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PublishedRubric {
    pub key: String,
    pub version: u32,
    pub effective_from: Period,
    pub definition: serde_json::Value,
}

impl State {
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

    pub fn stream_version(&self, stream_id: Uuid) -> i64 {
        self.stream_versions.get(&stream_id).copied().unwrap_or(0)
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
                self.org_units.get(&current).and_then(|u| u.parent_id)
            };
            Some(current)
        })
    }

    /// True when `unit` is `scope` or lies below it.
    pub fn is_within(&self, unit: Uuid, scope: Uuid) -> bool {
        self.ancestors(unit).any(|u| u == scope)
    }

    /// True when the person belongs to `scope` through any of their units.
    pub fn person_in_scope(&self, person: &Person, scope: Uuid) -> bool {
        person.org_unit_ids.iter().any(|&u| self.is_within(u, scope))
    }

    /// A pairing belongs to every org unit of its mentors and of its mentee, and so to every
    /// unit above them (DESIGN §6).
    pub fn pairing_in_scope(&self, pairing: &Pairing, scope: Uuid) -> bool {
        pairing
            .mentor_ids
            .iter()
            .chain(std::iter::once(&pairing.mentee_id))
            .any(|&p| self.party_in_scope(p, scope))
    }

    /// A party to a pairing is a person or an org unit (a League branch, a branch).
    fn party_in_scope(&self, id: Uuid, scope: Uuid) -> bool {
        match self.people.get(&id) {
            Some(person) => self.person_in_scope(person, scope),
            None => self.is_within(id, scope),
        }
    }

    /// The classes (and other units) a person belongs to, for collective honours.
    pub fn collective_awards_of<'a>(&'a self, person: &'a Person) -> impl Iterator<Item = &'a Award> + 'a {
        person
            .org_unit_ids
            .iter()
            .filter_map(|u| self.unit_awards.get(u))
            .flatten()
    }

    // ---- the log ----

    /// The position of the last event applied.
    pub fn position(&self) -> i64 {
        self.position
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

    // ---- the org tree ----

    pub fn org_unit(&self, id: Uuid) -> Option<&OrgUnit> {
        self.org_units.get(&id)
    }

    /// What a `scopeId` selects: `unit` and every unit below it.
    pub fn scope(&self, unit: Uuid) -> Scope<'_> {
        Scope::new(self, unit)
    }

    /// The collective awards a unit (a class) received.
    pub fn unit_awards(&self, unit: Uuid) -> &[Award] {
        self.unit_awards.get(&unit).map_or(&[], Vec::as_slice)
    }

    // ---- people ----

    pub fn person(&self, id: Uuid) -> Option<&Person> {
        self.people.get(&id)
    }

    /// The person registered under a 学号 / 工号 (a token's subject).
    pub fn person_by_number(&self, number: &str) -> Option<&Person> {
        self.person_by_number.get(number).and_then(|id| self.people.get(id))
    }

    /// Everyone registered, in no particular order.
    pub fn people(&self) -> impl Iterator<Item = &Person> {
        self.people.values()
    }

    /// The people a list of people selects: those in `scope` (the whole school without one),
    /// at `stage` when one is given; in no particular order.
    pub fn people_in(&self, scope: Option<Uuid>, stage: Option<Stage>) -> impl Iterator<Item = &Person> {
        let scope = scope.map(|unit| self.scope(unit));
        self.people
            .values()
            .filter(move |p| stage.is_none_or(|s| p.stage == s) && scope.as_ref().is_none_or(|scope| scope.person(p)))
    }

    /// Every read of a screening, oldest first; only the reads of `person`'s when given.
    pub fn screening_reads(&self, person: Option<Uuid>) -> impl Iterator<Item = &ScreeningRead> {
        self.screening_reads
            .iter()
            .filter(move |r| person.is_none_or(|p| r.person_id == p))
    }

    // ---- pairings ----

    pub fn pairing(&self, id: Uuid) -> Option<&Pairing> {
        self.pairings.get(&id)
    }

    /// Every pairing, in no particular order.
    pub fn pairings(&self) -> impl Iterator<Item = &Pairing> {
        self.pairings.values()
    }

    /// The pairings a person or unit takes part in (as a mentor or the mentee), in the
    /// order they were formed.
    pub fn pairings_of(&self, party: Uuid) -> impl Iterator<Item = &Pairing> {
        self.pairings_of
            .get(&party)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|id| self.pairings.get(id))
    }

    /// The pairings `mentor` mentors, in the order they were formed.
    pub fn pairings_mentored_by(&self, mentor: Uuid) -> impl Iterator<Item = &Pairing> {
        self.pairings_of(mentor).filter(move |p| p.mentor_ids.contains(&mentor))
    }

    /// Mentors someone in a pairing (ended or not).
    pub fn is_mentor(&self, person: Uuid) -> bool {
        self.pairings_mentored_by(person).next().is_some()
    }

    /// Is mentored in a pairing (ended or not).
    pub fn is_mentee(&self, person: Uuid) -> bool {
        self.pairings_of(person).any(|p| p.mentee_id == person)
    }

    // ---- the school ----

    /// The school's published vacations, as published.
    pub fn vacations(&self) -> &[Vacation] {
        &self.vacations
    }

    /// The nomination of `person` for a ranking and period (an approval alone counts).
    pub fn nomination(&self, ranking: RankingKind, period: Period, person: Uuid) -> Option<&Nomination> {
        self.nominations.get(&(ranking, period, person))
    }

    /// The nominations for a ranking and period, by person id.
    pub fn nominations(&self, ranking: RankingKind, period: Period) -> impl Iterator<Item = &Nomination> {
        self.nominations
            .range((ranking, period, Uuid::nil())..=(ranking, period, Uuid::max()))
            .map(|(_, n)| n)
    }

    /// Every rubric a school published, in log order.
    pub fn published_rubrics(&self) -> &[PublishedRubric] {
        &self.rubrics
    }

    /// Evolve: folds one recorded event into the state.
    pub fn apply(&mut self, recorded: &Recorded) {
        let id = recorded.id;
        self.position = self.position.max(recorded.position);
        self.stream_versions.insert(recorded.stream_id, recorded.stream_version);
        if let (Some(actor), Some(key)) = (&recorded.actor_id, &recorded.idempotency_key) {
            self.idempotency.entry((actor.clone(), key.clone())).or_insert(id);
        }
        let fact = |state: &mut State, owner: FactOwner| {
            state.facts.insert(id, owner);
        };
        match &recorded.event {
            Event::OrgUnitCreated {
                org_unit_id,
                kind,
                name,
                parent_id,
            } => {
                self.structural.insert(id);
                if let Some(parent) = parent_id.and_then(|p| self.org_units.get_mut(&p)) {
                    parent.children.push(*org_unit_id);
                }
                self.org_units.insert(
                    *org_unit_id,
                    OrgUnit {
                        id: *org_unit_id,
                        kind: *kind,
                        name: name.clone(),
                        parent_id: *parent_id,
                        children: vec![],
                    },
                );
            }
            Event::PersonRegistered {
                person_id,
                number,
                name,
                org_unit_ids,
                stage,
                stage_since,
                key_cultivation_target,
            } => {
                self.structural.insert(id);
                self.person_by_number.insert(number.clone(), *person_id);
                self.people.insert(
                    *person_id,
                    Person {
                        id: *person_id,
                        number: number.clone(),
                        name: name.clone(),
                        org_unit_ids: org_unit_ids.clone(),
                        stage: *stage,
                        stage_since: *stage_since,
                        key_cultivation_target: *key_cultivation_target,
                        stage_changes: vec![],
                        probation_extension_months: 0,
                        roles: vec![],
                        screenings: vec![],
                        thought_reports: vec![],
                        volunteer_services: vec![],
                        awards: vec![],
                        academic_results: vec![],
                        conduct: vec![],
                        evaluations: vec![],
                        activities: vec![],
                        democratic_evaluations: vec![],
                    },
                );
            }
            Event::StageChanged {
                person_id,
                stage,
                effective_on,
            } => {
                self.structural.insert(id);
                if let Some(p) = self.people.get_mut(person_id) {
                    p.stage_changes.push(StageChange {
                        id,
                        stage: *stage,
                        effective_on: *effective_on,
                    });
                    p.stage = *stage;
                    p.stage_since = Some(*effective_on);
                    p.probation_extension_months = 0;
                }
            }
            Event::ProbationExtended { person_id, months, .. } => {
                self.structural.insert(id);
                if let Some(p) = self.people.get_mut(person_id) {
                    p.probation_extension_months += months;
                }
            }
            Event::QualificationWithdrawn {
                person_id,
                effective_on,
                ..
            } => {
                self.structural.insert(id);
                if let Some(p) = self.people.get_mut(person_id) {
                    p.stage_changes.push(StageChange {
                        id,
                        stage: Stage::NonParty,
                        effective_on: *effective_on,
                    });
                    p.stage = Stage::NonParty;
                    p.stage_since = Some(*effective_on);
                    p.probation_extension_months = 0;
                    p.key_cultivation_target = false;
                }
            }
            Event::ThoughtReportSubmitted {
                person_id,
                submitted_on,
                title,
                word_count,
            } => {
                if let Some(p) = self.people.get_mut(person_id) {
                    p.thought_reports.push(ThoughtReport {
                        id,
                        submitted_on: *submitted_on,
                        title: title.clone(),
                        word_count: *word_count,
                    });
                    fact(self, FactOwner::Person(*person_id));
                }
            }
            Event::VolunteerServiceLogged {
                person_id,
                served_on,
                hours,
                activity,
            } => {
                if let Some(p) = self.people.get_mut(person_id) {
                    p.volunteer_services.push(VolunteerService {
                        id,
                        served_on: *served_on,
                        hours: *hours,
                        activity: activity.clone(),
                    });
                    fact(self, FactOwner::Person(*person_id));
                }
            }
            Event::AwardRecorded {
                recipient_id,
                name,
                series,
                level,
                category,
                awarded_on,
            } => {
                let award = Award {
                    id,
                    recipient_id: *recipient_id,
                    name: name.clone(),
                    series: series.clone(),
                    level: *level,
                    category: *category,
                    awarded_on: *awarded_on,
                };
                if let Some(p) = self.people.get_mut(recipient_id) {
                    p.awards.push(award);
                    fact(self, FactOwner::Person(*recipient_id));
                } else if self.org_units.contains_key(recipient_id) {
                    self.unit_awards.entry(*recipient_id).or_default().push(award);
                    fact(self, FactOwner::Unit(*recipient_id));
                }
            }
            Event::AcademicResultRecorded {
                person_id,
                term,
                gpa,
                class_rank,
                class_size,
            } => {
                if let Some(p) = self.people.get_mut(person_id) {
                    p.academic_results.push(AcademicResult {
                        id,
                        term: *term,
                        gpa: *gpa,
                        class_rank: *class_rank,
                        class_size: *class_size,
                    });
                    fact(self, FactOwner::Person(*person_id));
                }
            }
            Event::ConductRecorded {
                person_id,
                kind,
                occurred_on,
                note,
            } => {
                if let Some(p) = self.people.get_mut(person_id) {
                    p.conduct.push(Conduct {
                        id,
                        kind: *kind,
                        occurred_on: *occurred_on,
                        note: note.clone(),
                    });
                    fact(self, FactOwner::Person(*person_id));
                }
            }
            Event::EvaluationRecorded {
                person_id,
                rubric,
                period,
                item_key,
                evaluator,
                score,
                note,
            } => {
                if let Some(p) = self.people.get_mut(person_id) {
                    p.evaluations.push(Evaluation {
                        id,
                        rubric: rubric.clone(),
                        period: *period,
                        item_key: item_key.clone(),
                        evaluator: *evaluator,
                        score: *score,
                        note: note.clone(),
                    });
                    fact(self, FactOwner::Person(*person_id));
                }
            }
            Event::MemberActivityRecorded {
                person_id,
                kind,
                occurred_on,
                quantity,
                note,
            } => {
                if let Some(p) = self.people.get_mut(person_id) {
                    p.activities.push(MemberActivity {
                        id,
                        kind: *kind,
                        occurred_on: *occurred_on,
                        quantity: *quantity,
                        note: note.clone(),
                    });
                    fact(self, FactOwner::Person(*person_id));
                }
            }
            Event::DemocraticEvaluationRecorded {
                person_id,
                period,
                grade,
                poll_score,
            } => {
                if let Some(p) = self.people.get_mut(person_id) {
                    p.democratic_evaluations.push(DemocraticEvaluation {
                        id,
                        period: *period,
                        grade: *grade,
                        poll_score: *poll_score,
                    });
                    fact(self, FactOwner::Person(*person_id));
                }
            }
            Event::Nominated {
                ranking,
                person_id,
                period,
                reason,
            } => {
                let key = (*ranking, *period, *person_id);
                self.nominations.insert(
                    key,
                    Nomination {
                        id,
                        ranking: *ranking,
                        person_id: *person_id,
                        period: *period,
                        reason: reason.clone(),
                        approved: false,
                    },
                );
                fact(self, FactOwner::Nomination(*ranking, *period, *person_id));
            }
            Event::NominationApproved {
                ranking,
                person_id,
                period,
            } => {
                // A 党员之星 is approved straight from the ranking, with no nomination first.
                self.nominations
                    .entry((*ranking, *period, *person_id))
                    .or_insert_with(|| Nomination {
                        id,
                        ranking: *ranking,
                        person_id: *person_id,
                        period: *period,
                        reason: String::new(),
                        approved: true,
                    })
                    .approved = true;
                fact(self, FactOwner::Nomination(*ranking, *period, *person_id));
            }
            Event::RoleAssigned {
                person_id,
                role,
                scope_id,
            } => {
                self.structural.insert(id);
                if let Some(p) = self.people.get_mut(person_id)
                    && !p.roles.contains(&(*role, *scope_id))
                {
                    p.roles.push((*role, *scope_id));
                }
            }
            Event::RoleRevoked {
                person_id,
                role,
                scope_id,
            } => {
                self.structural.insert(id);
                if let Some(p) = self.people.get_mut(person_id) {
                    p.roles.retain(|r| r != &(*role, *scope_id));
                }
            }
            Event::ScreeningRecorded {
                person_id,
                categories,
                note,
            } => {
                if let Some(p) = self.people.get_mut(person_id) {
                    p.screenings.push(Screening {
                        id,
                        categories: categories.clone(),
                        note: note.clone(),
                        recorded_at: recorded.recorded_at,
                    });
                    fact(self, FactOwner::Person(*person_id));
                }
            }
            Event::ScreeningRead { person_id, reader } => {
                self.structural.insert(id);
                self.screening_reads.push(ScreeningRead {
                    id,
                    person_id: *person_id,
                    reader: reader.clone(),
                    at: recorded.recorded_at,
                });
            }
            Event::PairingFormed {
                pairing_id,
                kind,
                mentor_ids,
                mentee_id,
                starts_on,
                cadence,
                situation,
            } => {
                self.structural.insert(id);
                for party in mentor_ids.iter().chain(std::iter::once(mentee_id)) {
                    self.pairings_of.entry(*party).or_default().push(*pairing_id);
                }
                self.pairings.insert(
                    *pairing_id,
                    Pairing {
                        id: *pairing_id,
                        kind: *kind,
                        mentor_ids: mentor_ids.clone(),
                        mentee_id: *mentee_id,
                        starts_on: *starts_on,
                        ends_on: None,
                        cadence: *cadence,
                        situation: situation.clone(),
                        contacts: vec![],
                        contact_times: vec![],
                        visit_feedback: vec![],
                        monthly_records: BTreeMap::new(),
                        branch_opinions: BTreeMap::new(),
                    },
                );
            }
            Event::PairingEnded {
                pairing_id, ends_on, ..
            } => {
                self.structural.insert(id);
                if let Some(p) = self.pairings.get_mut(pairing_id) {
                    p.ends_on = Some(*ends_on);
                }
            }
            Event::ContactRecorded {
                pairing_id,
                occurred_at,
                form,
                place,
                content,
                effect,
                problems_solved,
                duration_minutes,
            } => {
                if let Some(p) = self.pairings.get_mut(pairing_id) {
                    let contact = Contact {
                        id,
                        occurred_at: *occurred_at,
                        form: *form,
                        place: place.clone(),
                        content: content.clone(),
                        effect: effect.clone(),
                        problems_solved: *problems_solved,
                        duration_minutes: *duration_minutes,
                        recorded_by: recorded.actor_id.clone(),
                    };
                    // Contacts arrive mostly in time order; keep them sorted for the alerts.
                    let at = p.contacts.partition_point(|c| c.occurred_at <= *occurred_at);
                    p.contacts.insert(at, contact);
                    p.contact_times.insert(at, occurred_at.timestamp());
                    fact(self, FactOwner::Pairing(*pairing_id));
                }
            }
            Event::VisitFeedbackRecorded {
                pairing_id,
                visited_on,
                rating,
                note,
            } => {
                if let Some(p) = self.pairings.get_mut(pairing_id) {
                    p.visit_feedback.push(VisitFeedback {
                        id,
                        visited_on: *visited_on,
                        rating: *rating,
                        note: note.clone(),
                    });
                    fact(self, FactOwner::Pairing(*pairing_id));
                }
            }
            Event::MonthlyRecordSubmitted { pairing_id, month } => {
                if let Some(p) = self.pairings.get_mut(pairing_id) {
                    p.monthly_records.insert(*month, id);
                    fact(self, FactOwner::Pairing(*pairing_id));
                }
            }
            Event::BranchOpinionGiven {
                pairing_id,
                month,
                opinion,
            } => {
                if let Some(p) = self.pairings.get_mut(pairing_id) {
                    p.branch_opinions.entry(*month).or_default().push(BranchOpinion {
                        id,
                        opinion: opinion.clone(),
                        given_by: recorded.actor_id.clone(),
                    });
                    fact(self, FactOwner::Pairing(*pairing_id));
                }
            }
            Event::VacationsSet { vacations } => {
                self.structural.insert(id);
                self.vacations = vacations.clone();
            }
            Event::RubricPublished {
                key,
                version,
                effective_from,
                definition,
            } => {
                self.structural.insert(id);
                self.rubrics.push(PublishedRubric {
                    key: key.clone(),
                    version: *version,
                    effective_from: *effective_from,
                    definition: definition.clone(),
                });
            }
            Event::EventRetracted { event_id, .. } => {
                self.retractions.insert(id);
                if let Some(owner) = self.facts.remove(event_id) {
                    self.retracted.insert(*event_id);
                    self.remove_fact(owner, *event_id);
                }
            }
        }
    }

    fn remove_fact(&mut self, owner: FactOwner, event_id: Uuid) {
        match owner {
            FactOwner::Person(person_id) => {
                if let Some(p) = self.people.get_mut(&person_id) {
                    p.thought_reports.retain(|f| f.id != event_id);
                    p.volunteer_services.retain(|f| f.id != event_id);
                    p.awards.retain(|f| f.id != event_id);
                    p.academic_results.retain(|f| f.id != event_id);
                    p.conduct.retain(|f| f.id != event_id);
                    p.evaluations.retain(|f| f.id != event_id);
                    p.activities.retain(|f| f.id != event_id);
                    p.democratic_evaluations.retain(|f| f.id != event_id);
                    p.screenings.retain(|f| f.id != event_id);
                }
            }
            FactOwner::Pairing(pairing_id) => {
                if let Some(p) = self.pairings.get_mut(&pairing_id) {
                    if let Some(i) = p.contacts.iter().position(|f| f.id == event_id) {
                        p.contacts.remove(i);
                        p.contact_times.remove(i);
                    }
                    p.visit_feedback.retain(|f| f.id != event_id);
                    p.monthly_records.retain(|_, id| *id != event_id);
                    p.branch_opinions.retain(|_, opinions| {
                        opinions.retain(|o| o.id != event_id);
                        !opinions.is_empty()
                    });
                }
            }
            FactOwner::Unit(unit_id) => {
                if let Some(awards) = self.unit_awards.get_mut(&unit_id) {
                    awards.retain(|a| a.id != event_id);
                }
            }
            FactOwner::Nomination(ranking, period, person_id) => {
                let key = (ranking, period, person_id);
                match self.nominations.get(&key) {
                    // Retracting the nomination withdraws it.
                    Some(n) if n.id == event_id => {
                        self.nominations.remove(&key);
                    }
                    // Retracting the approval leaves the nomination standing.
                    Some(_) => {
                        if let Some(n) = self.nominations.get_mut(&key) {
                            n.approved = false;
                        }
                    }
                    None => {}
                }
            }
        }
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
#[path = "state_properties.rs"]
mod properties;

#[cfg(test)]
mod tests {
    use crate::testkit::*;
    use crate::vocab::{OrgUnitKind, Stage};
    use uuid::Uuid;

    #[test]
    fn a_scope_agrees_with_the_walk_up_the_tree() {
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
        }
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
