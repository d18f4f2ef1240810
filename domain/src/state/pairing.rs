//! Pairings (结对) and what is recorded on them: contacts, visits, monthly records and the
//! branch's opinions.

use super::{FactOwner, Folded, State};
use crate::event::{Cadence, Event, Recorded};
use crate::time::Month;
use crate::vocab::*;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pairing {
    pub id: Uuid,
    pub kind: PairingKind,
    pub mentor_ids: Vec<Uuid>,
    pub mentee_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    #[serde(with = "super::as_json")]
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
    /// Files attached to the pairing (the signed 附件一), in log order.
    pub attachments: Vec<super::Attachment>,
}

impl Pairing {
    /// Active on `day`: started, and not yet ended.
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| day <= end)
    }

    /// Whether a contact counts toward the cadence. Seed 004: 「每周宣讲次数不少于2次，每次不得
    /// 少于30分钟」: with a `minMinutes`, a shorter contact, or one recorded without its
    /// length, does not count, in the alerts and in party-star compliance alike.
    pub fn counts(&self, contact: &Contact) -> bool {
        self.cadence
            .min_minutes
            .is_none_or(|least| contact.duration_minutes.is_some_and(|minutes| minutes >= least))
    }

    pub fn last_contact_at(&self) -> Option<DateTime<Utc>> {
        self.contacts.last().map(|c| c.occurred_at)
    }

    /// The branch's standing opinion on a month: the latest given.
    pub fn branch_opinion(&self, month: Month) -> Option<&BranchOpinion> {
        self.branch_opinions.get(&month).and_then(|opinions| opinions.last())
    }

    /// Everyone taking part: the mentors, then the mentee (people or units).
    pub fn parties(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.mentor_ids.iter().copied().chain(std::iter::once(self.mentee_id))
    }

    /// Forgets the retracted fact `event_id`, wherever on the pairing it is.
    fn forget(&mut self, event_id: Uuid) {
        if let Some(i) = self.contacts.iter().position(|f| f.id == event_id) {
            self.contacts.remove(i);
            self.contact_times.remove(i);
        }
        self.visit_feedback.retain(|f| f.id != event_id);
        self.attachments.retain(|f| f.id != event_id);
        self.monthly_records.retain(|_, id| *id != event_id);
        self.branch_opinions.retain(|_, opinions| {
            opinions.retain(|o| o.id != event_id);
            !opinions.is_empty()
        });
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
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

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VisitFeedback {
    pub id: Uuid,
    pub visited_on: NaiveDate,
    pub rating: u8,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BranchOpinion {
    pub id: Uuid,
    pub opinion: String,
    pub given_by: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct Pairings {
    by_id: HashMap<Uuid, Pairing>,
    /// Pairings by every person or unit that takes part (mentor or mentee), in the order
    /// they were formed.
    of: HashMap<Uuid, Vec<Uuid>>,
}

impl Pairings {
    /// Folds the events of pairings' streams; a fact on a pairing that does not exist is
    /// folded nowhere.
    pub(super) fn apply(&mut self, recorded: &Recorded) -> Option<Folded> {
        if let Some((AttachedTo::Pairing, pairing_id, attachment)) = super::Attachment::attached(recorded) {
            self.by_id.get_mut(&pairing_id)?.attachments.push(attachment);
            return Some(Folded::Fact(FactOwner::Pairing(pairing_id)));
        }
        let id = recorded.id;
        match &recorded.event {
            Event::PairingFormed {
                pairing_id,
                kind,
                mentor_ids,
                mentee_id,
                starts_on,
                cadence,
                situation,
            } => {
                let pairing = Pairing {
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
                    attachments: vec![],
                };
                for party in pairing.parties() {
                    self.of.entry(party).or_default().push(*pairing_id);
                }
                self.by_id.insert(*pairing_id, pairing);
                Some(Folded::Structure)
            }
            Event::PairingEnded {
                pairing_id, ends_on, ..
            } => {
                if let Some(p) = self.by_id.get_mut(pairing_id) {
                    p.ends_on = Some(*ends_on);
                }
                Some(Folded::Structure)
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
                let p = self.by_id.get_mut(pairing_id)?;
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
                Some(Folded::Fact(FactOwner::Pairing(*pairing_id)))
            }
            Event::VisitFeedbackRecorded {
                pairing_id,
                visited_on,
                rating,
                note,
            } => {
                let p = self.by_id.get_mut(pairing_id)?;
                p.visit_feedback.push(VisitFeedback {
                    id,
                    visited_on: *visited_on,
                    rating: *rating,
                    note: note.clone(),
                });
                Some(Folded::Fact(FactOwner::Pairing(*pairing_id)))
            }
            Event::MonthlyRecordSubmitted { pairing_id, month } => {
                let p = self.by_id.get_mut(pairing_id)?;
                p.monthly_records.insert(*month, id);
                Some(Folded::Fact(FactOwner::Pairing(*pairing_id)))
            }
            Event::BranchOpinionGiven {
                pairing_id,
                month,
                opinion,
            } => {
                let p = self.by_id.get_mut(pairing_id)?;
                p.branch_opinions.entry(*month).or_default().push(BranchOpinion {
                    id,
                    opinion: opinion.clone(),
                    given_by: recorded.actor_id.clone(),
                });
                Some(Folded::Fact(FactOwner::Pairing(*pairing_id)))
            }
            _ => None,
        }
    }

    pub(super) fn retract(&mut self, pairing: Uuid, event_id: Uuid) {
        if let Some(p) = self.by_id.get_mut(&pairing) {
            p.forget(event_id);
        }
    }
}

impl State {
    pub fn pairing(&self, id: Uuid) -> Option<&Pairing> {
        self.pairings.by_id.get(&id)
    }

    /// Every pairing, in no particular order.
    pub fn pairings(&self) -> impl Iterator<Item = &Pairing> {
        self.pairings.by_id.values()
    }

    /// The pairings a person or unit takes part in (as a mentor or the mentee), in the
    /// order they were formed.
    pub fn pairings_of(&self, party: Uuid) -> impl Iterator<Item = &Pairing> {
        let ids = self.pairings.of.get(&party).map_or(&[][..], Vec::as_slice);
        ids.iter().filter_map(|id| self.pairing(*id))
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
}

#[cfg(test)]
mod tests {
    use crate::alert::{Severity, contact_alert};
    use crate::event::Cadence;
    use crate::testkit::*;
    use crate::vocab::Stage;

    /// Seed 004's 宣讲: twice a week, 30 minutes each.
    fn twice_weekly_for_30_minutes() -> Cadence {
        Cadence {
            min_minutes: Some(30),
            problems_per_term: None,
            ..weekly(2)
        }
    }

    #[test]
    fn a_contact_shorter_than_the_minimum_counts_neither_in_alerts_nor_in_compliance() {
        let mut w = World::new();
        let Campus {
            college, branch, class, ..
        } = w.campus();
        let (strict_mentor, plain_mentor) = (
            w.register_as("甲", &[college, branch], Stage::Full, None),
            w.register_as("乙", &[college, branch], Stage::Full, None),
        );
        let mentee = w.register_as("丙", &[college, class], Stage::Activist, None);
        let other = w.register_as("丁", &[college, class], Stage::Activist, None);
        let strict = w.form_pairing(&[strict_mentor], mentee, "2025-09-01", twice_weekly_for_30_minutes());
        let plain = w.form_pairing(&[plain_mentor], other, "2025-09-01", weekly(2));
        for p in [strict, plain] {
            // Week 1 (Mon 1 – Sun 7 Sep): 45 minutes, 20 minutes, and one of unknown length.
            w.contact_lasting(p, "2025-09-02", Some(45));
            w.contact_lasting(p, "2025-09-04", Some(20));
            w.contact_lasting(p, "2025-09-05", None);
            // Week 2 (8 – 14 Sep): exactly 30 (「不得少于30分钟」: 30 is enough) and 60.
            w.contact_lasting(p, "2025-09-09", Some(30));
            w.contact_lasting(p, "2025-09-10", Some(60));
        }
        // As of Monday 8 Sep: week 1 had 1 counting contact of the 2 due (45; not 20, not
        // the unknown one), so it is overdue; the plain pairing's 3 contacts met it.
        let as_of = at("2025-09-08T12:00:00+08:00");
        let strict_alert = contact_alert(w.pairing(strict), &[], as_of).expect("active");
        assert!(strict_alert.severity >= Severity::Overdue, "{strict_alert:?}");
        let plain_alert = contact_alert(w.pairing(plain), &[], as_of).expect("active");
        assert!(plain_alert.severity < Severity::Overdue, "{plain_alert:?}");

        // Party-star compliance over 2025-2026-1 (1 Sep – 28 Feb) counts the weeks wholly
        // inside it: Mondays 1 Sep … 16 Feb (168 days = 24 weeks after the first) = 25
        // windows; the week of 23 Feb runs into March. No vacations. Strict: week 2 met →
        // 25 points × 1/25 = 1; plain: weeks 1 and 2 → 25 × 2/25 = 2.
        let star = preset_of("party-star");
        let compliance = |mentor| {
            let a = w.assess(&star, mentor, "2025-2026-1");
            a.items
                .iter()
                .find(|i| i.key == "contact_compliance")
                .map(|i| i.computed)
        };
        assert_eq!(compliance(strict_mentor), Some(1.0));
        assert_eq!(compliance(plain_mentor), Some(2.0));
    }
}
