//! People and their record: registration, stages, roles, the facts recorded about them
//! (reports, service, awards, results, conduct, evaluations, activities, democratic
//! evaluations, screenings, the branch's reviews), and the log of who read whose screening.

use super::{FactOwner, Folded, State};
use crate::event::{Event, Recorded};
use crate::time::Period;
use crate::vocab::*;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Person {
    pub id: Uuid,
    pub number: String,
    pub name: String,
    pub org_unit_ids: Vec<Uuid>,
    pub stage: Stage,
    pub stage_since: Option<NaiveDate>,
    pub key_cultivation_target: bool,
    /// 联系方式 and 邮箱, as registered; `None` also for a registration stored before they
    /// were kept (unknown).
    pub contact: Option<String>,
    pub email: Option<String>,
    /// Every stage change after registration (`StageChanged`, `QualificationWithdrawn`),
    /// in log order, so rubrics can count advances within a period.
    pub stage_changes: Vec<StageChange>,
    /// The stage the person was registered at, and since when (unknown when `None`): the
    /// start of the record [`Person::stage_on`] reads.
    pub registered_stage: Stage,
    pub registered_since: Option<NaiveDate>,
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
    /// The branch's reviews (考察鉴定, 综合鉴定), in log order.
    pub reviews: Vec<Review>,
    /// Files attached to the record (scans of signed forms), in log order.
    pub attachments: Vec<super::Attachment>,
}

impl Person {
    /// The standing screening: the latest recorded.
    pub fn screening(&self) -> Option<&Screening> {
        self.screenings.last()
    }

    /// The stage held on `day`, as the record shows it: the last change in effect by then,
    /// else the stage registered at (from `registered_since`, or from an unknown day, so
    /// from always). `None` when the record begins after `day`: what came before is not
    /// recorded.
    pub fn stage_on(&self, day: NaiveDate) -> Option<Stage> {
        if let Some(change) = self.stage_changes.iter().rev().find(|c| c.effective_on <= day) {
            return Some(change.stage);
        }
        match self.registered_since {
            Some(since) if since > day => None,
            _ => Some(self.registered_stage),
        }
    }

    /// The first day recorded at `stage`: its change's effective day, or the registration's
    /// `stage_since` when registered at it. `None` when never at it, or since an unknown day.
    pub fn first_day_at(&self, stage: Stage) -> Option<NaiveDate> {
        if self.registered_stage == stage {
            return self.registered_since;
        }
        self.stage_changes
            .iter()
            .find(|c| c.stage == stage)
            .map(|c| c.effective_on)
    }

    /// The day the person joined the Party (入党): the day they became probationary (预备党员),
    /// or, when the record has no such day, the day they became full.
    pub fn joined_on(&self) -> Option<NaiveDate> {
        self.first_day_at(Stage::Probationary)
            .or_else(|| self.first_day_at(Stage::Full))
    }

    /// A stage change, or a withdrawal of qualification (to `NonParty`), from `effective_on`.
    fn change_stage(&mut self, id: Uuid, stage: Stage, effective_on: NaiveDate) {
        self.stage_changes.push(StageChange {
            id,
            stage,
            effective_on,
            probation_extended_by: self.probation_extension_months,
        });
        self.stage = stage;
        self.stage_since = Some(effective_on);
        // An extension (延长预备期) belongs to the probation it extended.
        self.probation_extension_months = 0;
    }

    /// Forgets the retracted fact `event_id`, wherever in the record it is.
    fn forget(&mut self, event_id: Uuid) {
        self.thought_reports.retain(|f| f.id != event_id);
        self.volunteer_services.retain(|f| f.id != event_id);
        self.awards.retain(|f| f.id != event_id);
        self.academic_results.retain(|f| f.id != event_id);
        self.conduct.retain(|f| f.id != event_id);
        self.evaluations.retain(|f| f.id != event_id);
        self.activities.retain(|f| f.id != event_id);
        self.democratic_evaluations.retain(|f| f.id != event_id);
        self.screenings.retain(|f| f.id != event_id);
        self.reviews.retain(|f| f.id != event_id);
        self.attachments.retain(|f| f.id != event_id);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StageChange {
    /// The event that changed the stage.
    pub id: Uuid,
    pub stage: Stage,
    pub effective_on: NaiveDate,
    /// The months by which the stage this change left had been extended (延长预备期): kept
    /// here because the person's own count starts again at 0 with the new stage, and
    /// whether a member became full on time depends on the probation they had.
    pub probation_extended_by: u32,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Screening {
    pub id: Uuid,
    pub categories: Vec<ScreeningCategory>,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThoughtReport {
    pub id: Uuid,
    pub submitted_on: NaiveDate,
    pub title: String,
    pub word_count: Option<u32>,
    pub handed_to: ReportRecipient,
}

/// A review by the branch (seed 002): 考察鉴定 of an activist, 综合鉴定 of a probationary
/// member.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Review {
    pub id: Uuid,
    pub kind: ReviewKind,
    pub reviewed_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VolunteerService {
    pub id: Uuid,
    pub served_on: NaiveDate,
    pub hours: f64,
    pub activity: String,
}

/// An award to a person, or a collective one to a unit (a class).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Award {
    pub id: Uuid,
    pub recipient_id: Uuid,
    pub name: String,
    pub series: String,
    pub level: AwardLevel,
    pub category: AwardCategory,
    pub awarded_on: NaiveDate,
}

impl Award {
    /// The award an `AwardRecorded` records; `None` for any other event.
    pub(super) fn recorded(recorded: &Recorded) -> Option<Award> {
        let Event::AwardRecorded {
            recipient_id,
            name,
            series,
            level,
            category,
            awarded_on,
        } = &recorded.event
        else {
            return None;
        };
        Some(Award {
            id: recorded.id,
            recipient_id: *recipient_id,
            name: name.clone(),
            series: series.clone(),
            level: *level,
            category: *category,
            awarded_on: *awarded_on,
        })
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AcademicResult {
    pub id: Uuid,
    pub term: Period,
    pub gpa: f64,
    pub class_rank: u32,
    pub class_size: u32,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Conduct {
    pub id: Uuid,
    pub kind: ConductKind,
    pub occurred_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evaluation {
    pub id: Uuid,
    pub rubric: String,
    pub period: Period,
    pub item_key: String,
    pub evaluator: EvaluatorRole,
    pub score: f64,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MemberActivity {
    pub id: Uuid,
    pub kind: MemberActivityKind,
    pub occurred_on: NaiveDate,
    pub quantity: f64,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DemocraticEvaluation {
    pub id: Uuid,
    pub period: Period,
    pub grade: DemocraticGrade,
    pub poll_score: Option<f64>,
}

/// One read of a person's screening (the privacy audit).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScreeningRead {
    pub id: Uuid,
    pub person_id: Uuid,
    pub reader: String,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct People {
    by_id: HashMap<Uuid, Person>,
    by_number: HashMap<String, Uuid>,
    /// Unit → the people registered into it, in registration order: what a scope selects
    /// is read from here, not tested person by person (a person's units are fixed at
    /// registration).
    by_unit: HashMap<Uuid, Vec<Uuid>>,
    /// Every read of a screening, oldest first.
    screening_reads: Vec<ScreeningRead>,
}

impl People {
    /// Folds the events of people's streams. Structure counts whether or not the person
    /// exists; a fact about a person who does not is folded nowhere (an award may still go
    /// to a unit).
    pub(super) fn apply(&mut self, recorded: &Recorded) -> Option<Folded> {
        let id = recorded.id;
        match &recorded.event {
            Event::PersonRegistered {
                person_id,
                number,
                name,
                org_unit_ids,
                stage,
                stage_since,
                key_cultivation_target,
                contact,
                email,
            } => {
                self.by_number.insert(number.clone(), *person_id);
                let person = Person {
                    id: *person_id,
                    number: number.clone(),
                    name: name.clone(),
                    org_unit_ids: org_unit_ids.clone(),
                    stage: *stage,
                    stage_since: *stage_since,
                    key_cultivation_target: *key_cultivation_target,
                    contact: contact.clone(),
                    email: email.clone(),
                    stage_changes: vec![],
                    registered_stage: *stage,
                    registered_since: *stage_since,
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
                    reviews: vec![],
                    attachments: vec![],
                };
                if let Some(before) = self.by_id.insert(*person_id, person) {
                    // Registered twice (only a log written by hand can say so): the second stands.
                    for unit in &before.org_unit_ids {
                        if let Some(members) = self.by_unit.get_mut(unit) {
                            members.retain(|m| m != person_id);
                        }
                    }
                }
                for unit in org_unit_ids {
                    let members = self.by_unit.entry(*unit).or_default();
                    if !members.contains(person_id) {
                        members.push(*person_id);
                    }
                }
                Some(Folded::Structure)
            }
            Event::StageChanged {
                person_id,
                stage,
                effective_on,
            } => {
                if let Some(p) = self.by_id.get_mut(person_id) {
                    p.change_stage(id, *stage, *effective_on);
                }
                Some(Folded::Structure)
            }
            Event::ProbationExtended { person_id, months, .. } => {
                if let Some(p) = self.by_id.get_mut(person_id) {
                    p.probation_extension_months += months;
                }
                Some(Folded::Structure)
            }
            Event::QualificationWithdrawn {
                person_id,
                effective_on,
                ..
            } => {
                if let Some(p) = self.by_id.get_mut(person_id) {
                    p.change_stage(id, Stage::NonParty, *effective_on);
                    p.key_cultivation_target = false;
                }
                Some(Folded::Structure)
            }
            Event::RoleAssigned {
                person_id,
                role,
                scope_id,
            } => {
                if let Some(p) = self.by_id.get_mut(person_id)
                    && !p.roles.contains(&(*role, *scope_id))
                {
                    p.roles.push((*role, *scope_id));
                }
                Some(Folded::Structure)
            }
            Event::RoleRevoked {
                person_id,
                role,
                scope_id,
            } => {
                if let Some(p) = self.by_id.get_mut(person_id) {
                    p.roles.retain(|r| r != &(*role, *scope_id));
                }
                Some(Folded::Structure)
            }
            Event::ScreeningRead { person_id, reader } => {
                self.screening_reads.push(ScreeningRead {
                    id,
                    person_id: *person_id,
                    reader: reader.clone(),
                    at: recorded.recorded_at,
                });
                Some(Folded::Structure)
            }
            _ => self.record_fact(recorded),
        }
    }

    /// The facts of a person's record, when the person exists.
    fn record_fact(&mut self, recorded: &Recorded) -> Option<Folded> {
        if let Some((AttachedTo::Person, person_id, attachment)) = super::Attachment::attached(recorded) {
            self.by_id.get_mut(&person_id)?.attachments.push(attachment);
            return Some(Folded::Fact(FactOwner::Person(person_id)));
        }
        let id = recorded.id;
        let (person_id, p) = match &recorded.event {
            Event::ThoughtReportSubmitted { person_id, .. }
            | Event::VolunteerServiceLogged { person_id, .. }
            | Event::AcademicResultRecorded { person_id, .. }
            | Event::ConductRecorded { person_id, .. }
            | Event::EvaluationRecorded { person_id, .. }
            | Event::MemberActivityRecorded { person_id, .. }
            | Event::DemocraticEvaluationRecorded { person_id, .. }
            | Event::ScreeningRecorded { person_id, .. }
            | Event::ReviewRecorded { person_id, .. }
            | Event::AwardRecorded {
                recipient_id: person_id,
                ..
            } => (*person_id, self.by_id.get_mut(person_id)?),
            _ => return None,
        };
        match &recorded.event {
            Event::ThoughtReportSubmitted {
                submitted_on,
                title,
                word_count,
                handed_to,
                ..
            } => p.thought_reports.push(ThoughtReport {
                id,
                submitted_on: *submitted_on,
                title: title.clone(),
                word_count: *word_count,
                handed_to: *handed_to,
            }),
            Event::ReviewRecorded {
                kind,
                reviewed_on,
                note,
                ..
            } => p.reviews.push(Review {
                id,
                kind: *kind,
                reviewed_on: *reviewed_on,
                note: note.clone(),
            }),
            Event::VolunteerServiceLogged {
                served_on,
                hours,
                activity,
                ..
            } => p.volunteer_services.push(VolunteerService {
                id,
                served_on: *served_on,
                hours: *hours,
                activity: activity.clone(),
            }),
            Event::AwardRecorded { .. } => p.awards.extend(Award::recorded(recorded)),
            Event::AcademicResultRecorded {
                term,
                gpa,
                class_rank,
                class_size,
                ..
            } => p.academic_results.push(AcademicResult {
                id,
                term: *term,
                gpa: *gpa,
                class_rank: *class_rank,
                class_size: *class_size,
            }),
            Event::ConductRecorded {
                kind,
                occurred_on,
                note,
                ..
            } => p.conduct.push(Conduct {
                id,
                kind: *kind,
                occurred_on: *occurred_on,
                note: note.clone(),
            }),
            Event::EvaluationRecorded {
                rubric,
                period,
                item_key,
                evaluator,
                score,
                note,
                ..
            } => p.evaluations.push(Evaluation {
                id,
                rubric: rubric.clone(),
                period: *period,
                item_key: item_key.clone(),
                evaluator: *evaluator,
                score: *score,
                note: note.clone(),
            }),
            Event::MemberActivityRecorded {
                kind,
                occurred_on,
                quantity,
                note,
                ..
            } => p.activities.push(MemberActivity {
                id,
                kind: *kind,
                occurred_on: *occurred_on,
                quantity: *quantity,
                note: note.clone(),
            }),
            Event::DemocraticEvaluationRecorded {
                period,
                grade,
                poll_score,
                ..
            } => p.democratic_evaluations.push(DemocraticEvaluation {
                id,
                period: *period,
                grade: *grade,
                poll_score: *poll_score,
            }),
            Event::ScreeningRecorded { categories, note, .. } => p.screenings.push(Screening {
                id,
                categories: categories.clone(),
                note: note.clone(),
                recorded_at: recorded.recorded_at,
            }),
            _ => return None,
        }
        Some(Folded::Fact(FactOwner::Person(person_id)))
    }

    pub(super) fn retract(&mut self, person: Uuid, event_id: Uuid) {
        if let Some(p) = self.by_id.get_mut(&person) {
            p.forget(event_id);
        }
    }
}

impl State {
    pub fn person(&self, id: Uuid) -> Option<&Person> {
        self.people.by_id.get(&id)
    }

    /// The person registered under a 学号 / 工号 (a token's subject).
    pub fn person_by_number(&self, number: &str) -> Option<&Person> {
        self.people.by_number.get(number).and_then(|id| self.person(*id))
    }

    /// Everyone registered, in no particular order.
    pub fn people(&self) -> impl Iterator<Item = &Person> {
        self.people.by_id.values()
    }

    /// The people registered into `unit` itself (not the units below it), in registration order.
    pub fn members_of(&self, unit: Uuid) -> impl Iterator<Item = &Person> {
        let ids = self.people.by_unit.get(&unit).map_or(&[][..], Vec::as_slice);
        ids.iter().filter_map(|id| self.person(*id))
    }

    /// Every read of a screening, oldest first; only the reads of `person`'s when given.
    pub fn screening_reads(&self, person: Option<Uuid>) -> impl Iterator<Item = &ScreeningRead> {
        self.people
            .screening_reads
            .iter()
            .filter(move |r| person.is_none_or(|p| r.person_id == p))
    }
}
