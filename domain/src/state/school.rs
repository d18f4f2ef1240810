//! What the school sets for everyone: vacations, published rubrics; and the nominations
//! and approvals of the rankings (党员之星, 最具进步奖).

use super::{FactOwner, Folded, State};
use crate::event::{Event, Recorded, Vacation};
use crate::time::Period;
use crate::vocab::RankingKind;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Nomination {
    pub id: Uuid,
    pub ranking: RankingKind,
    pub person_id: Uuid,
    pub period: Period,
    pub reason: String,
    pub approved: bool,
    /// The event that approved it, while it stands.
    pub approval_id: Option<Uuid>,
    /// The branch's examination (最具进步奖: 「学生党支部进行全面考核」), when it has been made.
    pub examination: Option<Examination>,
}

/// The branch's examination of a nomination.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Examination {
    pub id: Uuid,
    pub passed: bool,
    pub opinion: String,
}

impl Nomination {
    /// Still in the running: not failed by the branch's examination.
    pub fn standing(&self) -> bool {
        self.examination.as_ref().is_none_or(|e| e.passed)
    }

    /// Examined by the branch and passed.
    pub fn passed(&self) -> bool {
        self.examination.as_ref().is_some_and(|e| e.passed)
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PublishedRubric {
    pub key: String,
    pub version: u32,
    pub effective_from: Period,
    #[serde(with = "super::as_json")]
    pub definition: serde_json::Value,
}

/// A nomination's place: one per ranking, period and person.
type NominationKey = (RankingKind, Period, Uuid);

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct School {
    vacations: Vec<Vacation>,
    rubrics: Vec<PublishedRubric>,
    nominations: BTreeMap<NominationKey, Nomination>,
}

impl School {
    pub(super) fn apply(&mut self, recorded: &Recorded) -> Option<Folded> {
        let id = recorded.id;
        match &recorded.event {
            Event::VacationsSet { vacations } => {
                self.vacations = vacations.clone();
                Some(Folded::Structure)
            }
            Event::RubricPublished {
                key,
                version,
                effective_from,
                definition,
            } => {
                self.rubrics.push(PublishedRubric {
                    key: key.clone(),
                    version: *version,
                    effective_from: *effective_from,
                    definition: definition.clone(),
                });
                Some(Folded::Structure)
            }
            Event::Nominated {
                ranking,
                person_id,
                period,
                reason,
            } => {
                let nomination = Nomination {
                    id,
                    ranking: *ranking,
                    person_id: *person_id,
                    period: *period,
                    reason: reason.clone(),
                    approved: false,
                    approval_id: None,
                    examination: None,
                };
                self.nominations.insert((*ranking, *period, *person_id), nomination);
                Some(Folded::Fact(FactOwner::Nomination(*ranking, *period, *person_id)))
            }
            Event::NominationApproved {
                ranking,
                person_id,
                period,
            } => {
                // A 党员之星 is approved straight from the ranking, with no nomination first.
                let n = self
                    .nominations
                    .entry((*ranking, *period, *person_id))
                    .or_insert_with(|| Nomination {
                        id,
                        ranking: *ranking,
                        person_id: *person_id,
                        period: *period,
                        reason: String::new(),
                        approved: true,
                        approval_id: Some(id),
                        examination: None,
                    });
                n.approved = true;
                n.approval_id = Some(id);
                Some(Folded::Fact(FactOwner::Nomination(*ranking, *period, *person_id)))
            }
            Event::NominationExamined {
                ranking,
                person_id,
                period,
                passed,
                opinion,
            } => {
                // The command checks that the nomination exists; a stray one is ignored.
                let n = self.nominations.get_mut(&(*ranking, *period, *person_id))?;
                n.examination = Some(Examination {
                    id,
                    passed: *passed,
                    opinion: opinion.clone(),
                });
                Some(Folded::Fact(FactOwner::Nomination(*ranking, *period, *person_id)))
            }
            _ => None,
        }
    }

    /// Retracting the nomination (or the approval that stood for one) withdraws it;
    /// retracting its examination or its approval leaves the nomination standing.
    pub(super) fn retract(&mut self, key: NominationKey, event_id: Uuid) {
        match self.nominations.get_mut(&key) {
            Some(n) if n.id == event_id => {
                self.nominations.remove(&key);
            }
            Some(n) if n.examination.as_ref().is_some_and(|e| e.id == event_id) => n.examination = None,
            Some(n) if n.approval_id == Some(event_id) => {
                n.approved = false;
                n.approval_id = None;
            }
            // A fact of an earlier nomination of this place, withdrawn already.
            Some(_) | None => {}
        }
    }
}

impl State {
    /// The school's published vacations, as published.
    pub fn vacations(&self) -> &[Vacation] {
        &self.school.vacations
    }

    /// Every rubric the school published, in log order.
    pub fn published_rubrics(&self) -> &[PublishedRubric] {
        &self.school.rubrics
    }

    /// The nomination of `person` for a ranking and period (an approval alone counts).
    pub fn nomination(&self, ranking: RankingKind, period: Period, person: Uuid) -> Option<&Nomination> {
        self.school.nominations.get(&(ranking, period, person))
    }

    /// The nominations for a ranking and period, by person id.
    pub fn nominations(&self, ranking: RankingKind, period: Period) -> impl Iterator<Item = &Nomination> {
        let (first, last) = ((ranking, period, Uuid::nil()), (ranking, period, Uuid::max()));
        self.school.nominations.range(first..=last).map(|(_, n)| n)
    }
}
