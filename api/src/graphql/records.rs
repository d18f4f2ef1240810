//! A person's record (个人档案): thought reports (思想汇报), volunteer service, awards,
//! academic results and conduct — the facts the rubrics count — and the branch's reviews
//! (考察鉴定, 综合鉴定). A person reports the first two about themself; their mentors and
//! the officers over them record the rest, except reviews, which are the branch's.

use super::Person;
use super::context::{Seen, app, looked_up, recorded_fact, run};
use super::guard::{Can, Right};
use super::paging::list_page;
use super::scalars::{self, *};
use crate::error::ApiResult;
use async_graphql::{Context, ID, InputObject, Object};
use domain::decide as d;
use domain::state;
use uuid::Uuid;

/// A person's record (the `Person` type's record fields): for those with `ReadRecord`.
pub struct PersonRecords(pub(super) Seen);

impl PersonRecords {
    fn get<T>(&self, ctx: &Context<'_>, f: impl FnOnce(&state::Person) -> T) -> ApiResult<T> {
        let id = self.0.id()?;
        looked_up(ctx, |s| s.person(id).map(f))
    }
}

#[Object]
impl PersonRecords {
    /// In time order; a page of `first` (default 100, at most 500) after the one whose id is
    /// `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn thought_reports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<ThoughtReport>> {
        let person = self.0.id()?;
        let page = self.get(ctx, |p| {
            list_page(&p.thought_reports, |r| r.id.to_string(), first, after.as_ref())
        })??;
        Ok(page
            .into_iter()
            .map(|report| ThoughtReport { person, report })
            .collect())
    }
    /// In time order; a page of `first` (default 100, at most 500) after the one whose id is
    /// `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn volunteer_services(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<VolunteerService>> {
        let person = self.0.id()?;
        let page = self.get(ctx, |p| {
            list_page(&p.volunteer_services, |r| r.id.to_string(), first, after.as_ref())
        })??;
        Ok(page
            .into_iter()
            .map(|service| VolunteerService { person, service })
            .collect())
    }
    /// In time order; a page of `first` (default 100, at most 500) after the one whose id is
    /// `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn awards(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<Award>> {
        let page = self.get(ctx, |p| {
            list_page(&p.awards, |r| r.id.to_string(), first, after.as_ref())
        })??;
        Ok(page.into_iter().map(Award).collect())
    }
    /// In time order; a page of `first` (default 100, at most 500) after the one whose id is
    /// `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn academic_results(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<AcademicResult>> {
        let person = self.0.id()?;
        let page = self.get(ctx, |p| {
            list_page(&p.academic_results, |r| r.id.to_string(), first, after.as_ref())
        })??;
        Ok(page
            .into_iter()
            .map(|result| AcademicResult { person, result })
            .collect())
    }
    /// In time order; a page of `first` (default 100, at most 500) after the one whose id is
    /// `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn conduct(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<Conduct>> {
        let person = self.0.id()?;
        let page = self.get(ctx, |p| {
            list_page(&p.conduct, |r| r.id.to_string(), first, after.as_ref())
        })??;
        Ok(page.into_iter().map(|conduct| Conduct { person, conduct }).collect())
    }
    /// The branch's reviews (考察鉴定, 综合鉴定), in the order recorded; a page of `first`
    /// (default 100, at most 500) after the one whose id is `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn reviews(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<Review>> {
        let person = self.0.id()?;
        let page = self.get(ctx, |p| {
            list_page(&p.reviews, |r| r.id.to_string(), first, after.as_ref())
        })??;
        Ok(page.into_iter().map(|review| Review { person, review }).collect())
    }
}

pub struct ThoughtReport {
    pub person: Uuid,
    pub report: state::ThoughtReport,
}

#[Object]
impl ThoughtReport {
    async fn id(&self) -> ID {
        scalars::id(self.report.id)
    }
    async fn person(&self, ctx: &Context<'_>) -> Person {
        Person::get(ctx, self.person)
    }
    async fn submitted_on(&self) -> Date {
        Date(self.report.submitted_on)
    }
    async fn title(&self) -> &str {
        &self.report.title
    }
    async fn word_count(&self) -> Option<i32> {
        self.report.word_count.map(|n| n as i32)
    }
    /// Whom it was handed to; a report recorded before this was kept reads as `BRANCH`.
    async fn handed_to(&self) -> ReportRecipient {
        self.report.handed_to.into()
    }
}

/// A review by the branch: 考察鉴定 of an activist, 综合鉴定 of a probationary member.
pub struct Review {
    pub person: Uuid,
    pub review: state::Review,
}

#[Object]
impl Review {
    async fn id(&self) -> ID {
        scalars::id(self.review.id)
    }
    async fn person(&self, ctx: &Context<'_>) -> Person {
        Person::get(ctx, self.person)
    }
    async fn kind(&self) -> ReviewKind {
        self.review.kind.into()
    }
    async fn reviewed_on(&self) -> Date {
        Date(self.review.reviewed_on)
    }
    async fn note(&self) -> Option<&str> {
        self.review.note.as_deref()
    }
}

pub struct VolunteerService {
    pub person: Uuid,
    pub service: state::VolunteerService,
}

#[Object]
impl VolunteerService {
    async fn id(&self) -> ID {
        scalars::id(self.service.id)
    }
    async fn person(&self, ctx: &Context<'_>) -> Person {
        Person::get(ctx, self.person)
    }
    async fn served_on(&self) -> Date {
        Date(self.service.served_on)
    }
    async fn hours(&self) -> f64 {
        self.service.hours
    }
    async fn activity(&self) -> &str {
        &self.service.activity
    }
}

pub struct Award(pub state::Award);

#[Object]
impl Award {
    async fn id(&self) -> ID {
        scalars::id(self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn series(&self) -> &str {
        &self.0.series
    }
    async fn level(&self) -> AwardLevel {
        self.0.level.into()
    }
    async fn category(&self) -> AwardCategory {
        self.0.category.into()
    }
    async fn awarded_on(&self) -> Date {
        Date(self.0.awarded_on)
    }
    /// The person or class that received it.
    async fn recipient_id(&self) -> ID {
        scalars::id(self.0.recipient_id)
    }
}

pub struct AcademicResult {
    pub person: Uuid,
    pub result: state::AcademicResult,
}

#[Object]
impl AcademicResult {
    async fn id(&self) -> ID {
        scalars::id(self.result.id)
    }
    async fn person(&self, ctx: &Context<'_>) -> Person {
        Person::get(ctx, self.person)
    }
    async fn term(&self) -> String {
        self.result.term.to_string()
    }
    async fn gpa(&self) -> f64 {
        self.result.gpa
    }
    async fn class_rank(&self) -> i32 {
        self.result.class_rank as i32
    }
    async fn class_size(&self) -> i32 {
        self.result.class_size as i32
    }
}

pub struct Conduct {
    pub person: Uuid,
    pub conduct: state::Conduct,
}

#[Object]
impl Conduct {
    async fn id(&self) -> ID {
        scalars::id(self.conduct.id)
    }
    async fn person(&self, ctx: &Context<'_>) -> Person {
        Person::get(ctx, self.person)
    }
    async fn kind(&self) -> ConductKind {
        self.conduct.kind.into()
    }
    async fn occurred_on(&self) -> Date {
        Date(self.conduct.occurred_on)
    }
    async fn note(&self) -> Option<&str> {
        self.conduct.note.as_deref()
    }
}

#[derive(InputObject)]
pub struct SubmitThoughtReportInput {
    pub person_id: ID,
    pub submitted_on: Date,
    pub title: String,
    pub word_count: Option<i32>,
    /// Whom it was handed to: a probationary member reports monthly to the party group and
    /// quarterly to the branch (seed 002). A report to the branch counts for its month's
    /// party-group report too; one to the party group does not count for the branch.
    #[graphql(default_with = "ReportRecipient::Branch")]
    pub handed_to: ReportRecipient,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RecordReviewInput {
    pub person_id: ID,
    /// `ACTIVIST_REVIEW` of an activist, `PROBATION_REVIEW` of a probationary member, as
    /// the record shows them on `reviewedOn`.
    pub kind: ReviewKind,
    pub reviewed_on: Date,
    /// The branch's words (合格, what to improve …), at most 5,000 characters.
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct LogVolunteerServiceInput {
    pub person_id: ID,
    pub served_on: Date,
    pub hours: f64,
    pub activity: String,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RecordAwardInput {
    /// A person, or a class for a collective honour.
    pub recipient_id: ID,
    pub name: String,
    /// Awards of one series count once, at their highest value; defaults to the name.
    pub series: Option<String>,
    pub level: AwardLevel,
    #[graphql(default_with = "AwardCategory::Individual")]
    pub category: AwardCategory,
    pub awarded_on: Date,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RecordAcademicResultInput {
    pub person_id: ID,
    pub term: String,
    pub gpa: f64,
    pub class_rank: i32,
    pub class_size: i32,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RecordConductInput {
    pub person_id: ID,
    pub kind: ConductKind,
    pub occurred_on: Date,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
pub struct RecordMutation;

#[Object]
impl RecordMutation {
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::SelfReport)")]
    async fn submit_thought_report(
        &self,
        ctx: &Context<'_>,
        input: SubmitThoughtReportInput,
    ) -> ApiResult<ThoughtReport> {
        let cmd = d::SubmitThoughtReport {
            person_id: uuid("personId", &input.person_id)?,
            submitted_on: input.submitted_on.0,
            title: input.title,
            word_count: input.word_count.map(Into::into),
            handed_to: input.handed_to.into(),
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, now| d::submit_thought_report(s, cmd, now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let p = s.person(recorded.stream_id)?;
            let report = p.thought_reports.iter().rev().find(|r| r.id == id)?;
            Some(ThoughtReport {
                person: p.id,
                report: report.clone(),
            })
        })
    }

    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::SelfReport)")]
    async fn log_volunteer_service(
        &self,
        ctx: &Context<'_>,
        input: LogVolunteerServiceInput,
    ) -> ApiResult<VolunteerService> {
        let cmd = d::LogVolunteerService {
            person_id: uuid("personId", &input.person_id)?,
            served_on: input.served_on.0,
            hours: input.hours,
            activity: input.activity,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, now| d::log_volunteer_service(s, cmd, now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let p = s.person(recorded.stream_id)?;
            let service = p.volunteer_services.iter().rev().find(|v| v.id == id)?;
            Some(VolunteerService {
                person: p.id,
                service: service.clone(),
            })
        })
    }

    #[graphql(guard = "Can::over(\"recipientId\", &input.recipient_id, Right::RecordFor)")]
    async fn record_award(&self, ctx: &Context<'_>, input: RecordAwardInput) -> ApiResult<Award> {
        let cmd = d::RecordAward {
            recipient_id: uuid("recipientId", &input.recipient_id)?,
            name: input.name,
            series: input.series,
            level: input.level.into(),
            category: input.category.into(),
            awarded_on: input.awarded_on.0,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, now| d::record_award(s, cmd, now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let awards = match s.person(recorded.stream_id) {
                Some(p) => &p.awards,
                None => s.unit_awards(recorded.stream_id),
            };
            awards.iter().find(|a| a.id == id).cloned().map(Award)
        })
    }

    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::RecordFor)")]
    async fn record_academic_result(
        &self,
        ctx: &Context<'_>,
        input: RecordAcademicResultInput,
    ) -> ApiResult<AcademicResult> {
        let cmd = d::RecordAcademicResult {
            person_id: uuid("personId", &input.person_id)?,
            term: input.term,
            gpa: input.gpa,
            class_rank: input.class_rank.into(),
            class_size: input.class_size.into(),
        };
        let key = input.idempotency_key.as_deref();
        let scale = app(ctx)?.settings().gpa_scale;
        let (app, recorded) = run(ctx, key, move |s, now| d::record_academic_result(s, cmd, scale, now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let p = s.person(recorded.stream_id)?;
            let result = p.academic_results.iter().rev().find(|r| r.id == id)?;
            Some(AcademicResult {
                person: p.id,
                result: result.clone(),
            })
        })
    }

    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::RecordFor)")]
    async fn record_conduct(&self, ctx: &Context<'_>, input: RecordConductInput) -> ApiResult<Conduct> {
        let cmd = d::RecordConduct {
            person_id: uuid("personId", &input.person_id)?,
            kind: input.kind.into(),
            occurred_on: input.occurred_on.0,
            note: input.note,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, now| d::record_conduct(s, cmd, now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let p = s.person(recorded.stream_id)?;
            let conduct = p.conduct.iter().rev().find(|c| c.id == id)?;
            Some(Conduct {
                person: p.id,
                conduct: conduct.clone(),
            })
        })
    }

    /// The branch's review of a person (seed 002): an activist's 考察鉴定 each quarter, a
    /// probationary member's 综合鉴定 each half year. For the branch secretary and committee
    /// and the college committee over the person.
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::Review)")]
    async fn record_review(&self, ctx: &Context<'_>, input: RecordReviewInput) -> ApiResult<Review> {
        let cmd = d::RecordReview {
            person_id: uuid("personId", &input.person_id)?,
            kind: input.kind.into(),
            reviewed_on: input.reviewed_on.0,
            note: input.note,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, move |s, now| d::record_review(s, cmd, now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let p = s.person(recorded.stream_id)?;
            let review = p.reviews.iter().rev().find(|r| r.id == id)?;
            Some(Review {
                person: p.id,
                review: review.clone(),
            })
        })
    }
}
