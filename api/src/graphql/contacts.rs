//! What a pairing keeps (帮扶记录): its contacts (谈心谈话, with form, place, content and
//! effect), the branch's random visits, the mentor's monthly 活动情况记录表 and the
//! branch secretary's opinion on each month.

use super::Pairing;
use super::context::{Seen, looked_up, recorded_fact, run};
use super::guard::{Can, Right};
use super::paging::list_page;
use super::scalars::{self, ContactForm, Date, DateTime, uuid};
use crate::error::ApiResult;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::decide as d;
use domain::state;
use uuid::Uuid;

/// What the pairing keeps (the `Pairing` type's record fields): for those with
/// `ReadPairing`.
pub struct PairingRecords(pub(super) Seen);

impl PairingRecords {
    fn get<T>(&self, ctx: &Context<'_>, f: impl FnOnce(&state::Pairing) -> T) -> ApiResult<T> {
        let id = self.0.id()?;
        looked_up(ctx, |s| s.pairing(id).map(f))
    }
}

#[Object]
impl PairingRecords {
    /// In time order; a page of `first` (default 100, at most 500) after the contact whose
    /// id is `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn contacts(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<Contact>> {
        let page = self.get(ctx, |p| {
            list_page(&p.contacts, |c| c.id.to_string(), first, after.as_ref())
        })??;
        Ok(page
            .into_iter()
            .map(|contact| Contact {
                pairing: self.0.plain_id(),
                contact,
            })
            .collect())
    }
    async fn last_contact_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        self.get(ctx, |p| p.last_contact_at().map(DateTime))
    }
    /// A page of `first` (default 100, at most 500) after the visit whose id is `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn visit_feedback(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<VisitFeedback>> {
        let page = self.get(ctx, |p| {
            list_page(&p.visit_feedback, |v| v.id.to_string(), first, after.as_ref())
        })??;
        Ok(page
            .into_iter()
            .map(|feedback| VisitFeedback {
                pairing: self.0.plain_id(),
                feedback,
            })
            .collect())
    }
    /// Months (`2025-10`) whose 活动情况记录表 was submitted, in order; a page of `first`
    /// (default 100, at most 500) after the month `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn monthly_records(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<String>> {
        let months = self.get(ctx, |p| {
            p.monthly_records.keys().map(|m| m.to_string()).collect::<Vec<_>>()
        })?;
        Ok(list_page(&months, String::clone, first, after.as_ref())?)
    }
    /// By month; a page of `first` (default 100, at most 500) after the month `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn branch_opinions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<BranchOpinion>> {
        let opinions = self.get(ctx, |p| {
            p.branch_opinions
                .keys()
                .filter_map(|m| p.branch_opinion(*m).map(|o| (m, o)))
                .map(|(m, o)| BranchOpinion {
                    month: m.to_string(),
                    opinion: o.opinion.clone(),
                    given_by: o.given_by.clone(),
                })
                .collect::<Vec<_>>()
        })?;
        Ok(list_page(&opinions, |o| o.month.clone(), first, after.as_ref())?)
    }
}

#[derive(SimpleObject, Clone)]
pub struct BranchOpinion {
    pub month: String,
    pub opinion: String,
    pub given_by: Option<String>,
}

pub struct Contact {
    pub pairing: Uuid,
    pub contact: state::Contact,
}

#[Object]
impl Contact {
    async fn id(&self) -> ID {
        scalars::id(self.contact.id)
    }
    async fn pairing(&self, ctx: &Context<'_>) -> Pairing {
        Pairing::get(ctx, self.pairing)
    }
    async fn occurred_at(&self) -> DateTime {
        self.contact.occurred_at.into()
    }
    async fn form(&self) -> ContactForm {
        self.contact.form.into()
    }
    async fn place(&self) -> Option<&str> {
        self.contact.place.as_deref()
    }
    async fn content(&self) -> Option<&str> {
        self.contact.content.as_deref()
    }
    async fn effect(&self) -> Option<&str> {
        self.contact.effect.as_deref()
    }
    async fn problems_solved(&self) -> i32 {
        self.contact.problems_solved as i32
    }
    async fn duration_minutes(&self) -> Option<i32> {
        self.contact.duration_minutes.map(|m| m as i32)
    }
    /// The subject of the token that recorded it.
    async fn recorded_by(&self) -> ID {
        ID(self.contact.recorded_by.clone().unwrap_or_default())
    }
}

pub struct VisitFeedback {
    pub pairing: Uuid,
    pub feedback: state::VisitFeedback,
}

#[Object]
impl VisitFeedback {
    async fn id(&self) -> ID {
        scalars::id(self.feedback.id)
    }
    async fn pairing(&self, ctx: &Context<'_>) -> Pairing {
        Pairing::get(ctx, self.pairing)
    }
    async fn visited_on(&self) -> Date {
        Date(self.feedback.visited_on)
    }
    async fn rating(&self) -> i32 {
        self.feedback.rating as i32
    }
    async fn note(&self) -> Option<&str> {
        self.feedback.note.as_deref()
    }
}

#[derive(InputObject)]
pub struct RecordContactInput {
    pub pairing_id: ID,
    /// Not in the future, not before the pairing started.
    pub occurred_at: DateTime,
    pub form: ContactForm,
    pub place: Option<String>,
    pub content: Option<String>,
    pub effect: Option<String>,
    #[graphql(default)]
    pub problems_solved: i32,
    pub duration_minutes: Option<i32>,
    pub idempotency_key: Option<String>,
}

/// A random visit to the mentee; rating 1..5.
#[derive(InputObject)]
pub struct RecordVisitFeedbackInput {
    pub pairing_id: ID,
    pub visited_on: Date,
    pub rating: i32,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    #[graphql(guard = "Can::over(\"pairingId\", &input.pairing_id, Right::KeepPairing)")]
    async fn record_contact(&self, ctx: &Context<'_>, input: RecordContactInput) -> ApiResult<Contact> {
        let cmd = d::RecordContact {
            pairing_id: uuid("pairingId", &input.pairing_id)?,
            occurred_at: input.occurred_at.0,
            form: input.form.into(),
            place: input.place,
            content: input.content,
            effect: input.effect,
            problems_solved: input.problems_solved.into(),
            duration_minutes: input.duration_minutes.map(Into::into),
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, now| d::record_contact(s, cmd, now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let pairing = s.pairing(recorded.stream_id)?;
            let contact = pairing.contacts.iter().rev().find(|c| c.id == id)?;
            Some(Contact {
                pairing: pairing.id,
                contact: contact.clone(),
            })
        })
    }

    #[graphql(guard = "Can::over(\"pairingId\", &input.pairing_id, Right::SuperviseBranchWork)")]
    async fn record_visit_feedback(
        &self,
        ctx: &Context<'_>,
        input: RecordVisitFeedbackInput,
    ) -> ApiResult<VisitFeedback> {
        let cmd = d::RecordVisitFeedback {
            pairing_id: uuid("pairingId", &input.pairing_id)?,
            visited_on: input.visited_on.0,
            rating: input.rating.into(),
            note: input.note,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, now| d::record_visit_feedback(s, cmd, now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let p = s.pairing(recorded.stream_id)?;
            let feedback = p.visit_feedback.iter().rev().find(|v| v.id == id)?;
            Some(VisitFeedback {
                pairing: p.id,
                feedback: feedback.clone(),
            })
        })
    }

    /// The mentor's 活动情况记录表 for a month ("2025-10").
    #[graphql(guard = "Can::over(\"pairingId\", &pairing_id, Right::KeepPairing)")]
    async fn submit_monthly_record(
        &self,
        ctx: &Context<'_>,
        pairing_id: ID,
        month: String,
        idempotency_key: Option<String>,
    ) -> ApiResult<Pairing> {
        let pairing = uuid("pairingId", &pairing_id)?;
        let key = idempotency_key.as_deref();
        run(ctx, key, move |s, now| {
            d::submit_monthly_record(s, pairing, &month, now)
        })
        .await?;
        Ok(Pairing::get(ctx, pairing))
    }

    /// The branch secretary's signed opinion on a month of the pairing.
    #[graphql(guard = "Can::over(\"pairingId\", &pairing_id, Right::SuperviseBranchWork)")]
    async fn give_branch_opinion(
        &self,
        ctx: &Context<'_>,
        pairing_id: ID,
        month: String,
        opinion: String,
        idempotency_key: Option<String>,
    ) -> ApiResult<Pairing> {
        let pairing = uuid("pairingId", &pairing_id)?;
        let key = idempotency_key.as_deref();
        run(ctx, key, move |s, now| {
            d::give_branch_opinion(s, pairing, &month, &opinion, now)
        })
        .await?;
        Ok(Pairing::get(ctx, pairing))
    }
}
