//! The read model's object types. Entities (units, people, pairings) are resolved from the
//! in-memory state by id, field by field; recorded facts are small and carried by value.

use super::scalars::{self, *};
use super::{app, list_page, looked_up};
use crate::access::{Caller, Can, Right};
use async_graphql::{ComplexObject, Context, ID, Json, Object, Result, SimpleObject};
use domain::state;
use uuid::Uuid;

pub struct OrgUnit(pub Uuid);

#[Object]
impl OrgUnit {
    async fn id(&self) -> ID {
        scalars::id(self.0)
    }
    async fn kind(&self, ctx: &Context<'_>) -> Result<OrgUnitKind> {
        looked_up(ctx, |s| s.org_units.get(&self.0).map(|u| u.kind.into()))
    }
    async fn name(&self, ctx: &Context<'_>) -> Result<String> {
        looked_up(ctx, |s| s.org_units.get(&self.0).map(|u| u.name.clone()))
    }
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<OrgUnit>> {
        looked_up(ctx, |s| s.org_units.get(&self.0).map(|u| u.parent_id.map(OrgUnit)))
    }
    /// In the order they were created; a page of `first` (default 100, at most 500) after
    /// the child whose id is `after`.
    #[graphql(complexity = "super::list_cost(first, child_complexity)")]
    async fn children(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> Result<Vec<OrgUnit>> {
        let page = looked_up(ctx, |s| {
            s.org_units
                .get(&self.0)
                .map(|u| list_page(&u.children, Uuid::to_string, first, after.as_ref()))
        })??;
        Ok(page.into_iter().map(OrgUnit).collect())
    }
}

pub struct Person(pub Uuid);

impl Person {
    fn get<T>(&self, ctx: &Context<'_>, f: impl FnOnce(&state::Person) -> T) -> Result<T> {
        looked_up(ctx, |s| s.people.get(&self.0).map(f))
    }
}

#[Object]
impl Person {
    async fn id(&self) -> ID {
        scalars::id(self.0)
    }
    #[graphql(guard = "Can::new(Right::ReadPerson(self.0))")]
    async fn number(&self, ctx: &Context<'_>) -> Result<String> {
        self.get(ctx, |p| p.number.clone())
    }
    #[graphql(guard = "Can::new(Right::ReadPerson(self.0))")]
    async fn name(&self, ctx: &Context<'_>) -> Result<String> {
        self.get(ctx, |p| p.name.clone())
    }
    #[graphql(guard = "Can::new(Right::ReadPerson(self.0))")]
    async fn stage(&self, ctx: &Context<'_>) -> Result<Stage> {
        self.get(ctx, |p| p.stage.into())
    }
    #[graphql(guard = "Can::new(Right::ReadPerson(self.0))")]
    async fn stage_since(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        self.get(ctx, |p| p.stage_since.map(Date))
    }
    #[graphql(guard = "Can::new(Right::ReadPerson(self.0))")]
    async fn key_cultivation_target(&self, ctx: &Context<'_>) -> Result<bool> {
        self.get(ctx, |p| p.key_cultivation_target)
    }
    /// Months by which the probationary period was extended.
    #[graphql(guard = "Can::new(Right::ReadPerson(self.0))")]
    async fn probation_extension_months(&self, ctx: &Context<'_>) -> Result<i32> {
        self.get(ctx, |p| p.probation_extension_months as i32)
    }
    /// At most 20: a person belongs to no more units.
    #[graphql(
        guard = "Can::new(Right::ReadPerson(self.0))",
        complexity = "super::bounded_cost(domain::decide::MAX_UNITS, child_complexity)"
    )]
    async fn org_units(&self, ctx: &Context<'_>) -> Result<Vec<OrgUnit>> {
        self.get(ctx, |p| {
            let units = p.org_unit_ids.iter().take(domain::decide::MAX_UNITS);
            units.copied().map(OrgUnit).collect()
        })
    }
    /// The first `first` (default 100, at most 500) roles held.
    #[graphql(
        guard = "Can::new(Right::ReadPerson(self.0))",
        complexity = "super::list_cost(first, child_complexity)"
    )]
    async fn roles(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<RoleGrant>> {
        let page = self.get(ctx, |p| list_page(&p.roles, |_| String::new(), first, None))??;
        Ok(page
            .into_iter()
            .map(|(role, scope)| RoleGrant {
                role: role.into(),
                scope,
            })
            .collect())
    }
    /// 排查摸底: only the person's mentors, counsellors, branch secretary / committee,
    /// college committee and admins may read it; FORBIDDEN for anyone else.
    /// Every read is logged (who, whose, when): see `screeningReads`.
    #[graphql(guard = "Can::new(Right::Screening(self.0))")]
    async fn screening(&self, ctx: &Context<'_>) -> Result<Option<Screening>> {
        let screening = self.get(ctx, |p| p.screening().cloned().map(Screening))?;
        if screening.is_some() {
            log_screening_read(ctx, self.0).await?;
        }
        Ok(screening)
    }
    /// In time order; a page of `first` (default 100, at most 500) after the one whose id is
    /// `after`.
    #[graphql(
        guard = "Can::new(Right::ReadRecord(self.0))",
        complexity = "super::list_cost(first, child_complexity)"
    )]
    async fn thought_reports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> Result<Vec<ThoughtReport>> {
        let page = self.get(ctx, |p| {
            list_page(&p.thought_reports, |r| r.id.to_string(), first, after.as_ref())
        })??;
        Ok(page
            .into_iter()
            .map(|report| ThoughtReport { person: self.0, report })
            .collect())
    }
    /// In time order; a page of `first` (default 100, at most 500) after the one whose id is
    /// `after`.
    #[graphql(
        guard = "Can::new(Right::ReadRecord(self.0))",
        complexity = "super::list_cost(first, child_complexity)"
    )]
    async fn volunteer_services(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> Result<Vec<VolunteerService>> {
        let page = self.get(ctx, |p| {
            list_page(&p.volunteer_services, |r| r.id.to_string(), first, after.as_ref())
        })??;
        Ok(page
            .into_iter()
            .map(|service| VolunteerService {
                person: self.0,
                service,
            })
            .collect())
    }
    /// In time order; a page of `first` (default 100, at most 500) after the one whose id is
    /// `after`.
    #[graphql(
        guard = "Can::new(Right::ReadRecord(self.0))",
        complexity = "super::list_cost(first, child_complexity)"
    )]
    async fn awards(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> Result<Vec<Award>> {
        let page = self.get(ctx, |p| {
            list_page(&p.awards, |r| r.id.to_string(), first, after.as_ref())
        })??;
        Ok(page.into_iter().map(Award).collect())
    }
    /// In time order; a page of `first` (default 100, at most 500) after the one whose id is
    /// `after`.
    #[graphql(
        guard = "Can::new(Right::ReadRecord(self.0))",
        complexity = "super::list_cost(first, child_complexity)"
    )]
    async fn academic_results(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> Result<Vec<AcademicResult>> {
        let page = self.get(ctx, |p| {
            list_page(&p.academic_results, |r| r.id.to_string(), first, after.as_ref())
        })??;
        Ok(page
            .into_iter()
            .map(|result| AcademicResult { person: self.0, result })
            .collect())
    }
    /// In time order; a page of `first` (default 100, at most 500) after the one whose id is
    /// `after`.
    #[graphql(
        guard = "Can::new(Right::ReadRecord(self.0))",
        complexity = "super::list_cost(first, child_complexity)"
    )]
    async fn conduct(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> Result<Vec<Conduct>> {
        let page = self.get(ctx, |p| {
            list_page(&p.conduct, |r| r.id.to_string(), first, after.as_ref())
        })??;
        Ok(page
            .into_iter()
            .map(|conduct| Conduct {
                person: self.0,
                conduct,
            })
            .collect())
    }
    /// The pairings this person mentors or is mentored in, those the caller may read.
    /// A page of `first` (default 100, at most 500) after the pairing whose id is `after`.
    #[graphql(
        guard = "Can::new(Right::ReadPerson(self.0))",
        complexity = "super::list_cost(first, child_complexity)"
    )]
    async fn pairings(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> Result<Vec<Pairing>> {
        let app = app(ctx)?;
        let state = app.state();
        let caller = Caller::new(&state, super::actor(ctx)?);
        let readable: Vec<Uuid> = state
            .pairings_of
            .get(&self.0)
            .into_iter()
            .flatten()
            .filter(|p| caller.may(Right::ReadPairing(**p)))
            .copied()
            .collect();
        let page = list_page(&readable, Uuid::to_string, first, after.as_ref())?;
        Ok(page.into_iter().map(Pairing).collect())
    }
}

/// Logs that the caller read `person`'s screening: once per request, however many times
/// (aliases, the audit trail) the request reads it.
async fn log_screening_read(ctx: &Context<'_>, person: Uuid) -> Result<()> {
    let first_time = match ctx.data_opt::<super::limits::ScreeningReadsLogged>() {
        Some(logged) => logged
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(person),
        None => true,
    };
    if first_time {
        let reader = super::actor(ctx)?.subject.clone();
        app(ctx)?
            .execute_internal(&reader, |s, _| domain::decide::log_screening_read(s, person, &reader))
            .await?;
    }
    Ok(())
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct RoleGrant {
    pub role: Role,
    #[graphql(skip)]
    pub scope: Uuid,
}

#[ComplexObject]
impl RoleGrant {
    async fn scope(&self) -> OrgUnit {
        OrgUnit(self.scope)
    }
}

pub struct Screening(pub state::Screening);

#[Object]
impl Screening {
    async fn id(&self) -> ID {
        scalars::id(self.0.id)
    }
    #[graphql(complexity = "super::bounded_cost(domain::decide::SCREENING_CATEGORIES, child_complexity)")]
    async fn categories(&self) -> Vec<ScreeningCategory> {
        self.0.categories.iter().map(|c| (*c).into()).collect()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn recorded_at(&self) -> DateTime {
        self.0.recorded_at.into()
    }
}

#[derive(SimpleObject)]
pub struct Cadence {
    pub at_least: i32,
    pub every_days: Option<i32>,
    pub calendar: Option<CalendarUnit>,
}

impl From<domain::Cadence> for Cadence {
    fn from(c: domain::Cadence) -> Cadence {
        Cadence {
            at_least: c.at_least as i32,
            every_days: c.every_days.map(|d| d as i32),
            calendar: c.calendar.map(Into::into),
        }
    }
}

pub struct Pairing(pub Uuid);

impl Pairing {
    fn get<T>(&self, ctx: &Context<'_>, f: impl FnOnce(&state::Pairing) -> T) -> Result<T> {
        looked_up(ctx, |s| s.pairings.get(&self.0).map(f))
    }
}

#[Object]
impl Pairing {
    async fn id(&self) -> ID {
        scalars::id(self.0)
    }
    #[graphql(guard = "Can::new(Right::ReadPairing(self.0))")]
    async fn kind(&self, ctx: &Context<'_>) -> Result<PairingKind> {
        self.get(ctx, |p| p.kind.into())
    }
    /// The mentoring people (empty for a branch-to-branch pairing: see `mentorUnits`).
    #[graphql(
        guard = "Can::new(Right::ReadPairing(self.0))",
        complexity = "super::bounded_cost(domain::decide::MAX_MENTORS, child_complexity)"
    )]
    async fn mentors(&self, ctx: &Context<'_>) -> Result<Vec<Person>> {
        let app = app(ctx)?;
        let state = app.state();
        let p = state.pairings.get(&self.0).ok_or_else(super::vanished)?;
        Ok(p.mentor_ids
            .iter()
            .filter(|m| state.people.contains_key(m))
            .take(domain::decide::MAX_MENTORS)
            .copied()
            .map(Person)
            .collect())
    }
    /// The mentoring branches of a branch-to-branch pairing.
    #[graphql(
        guard = "Can::new(Right::ReadPairing(self.0))",
        complexity = "super::bounded_cost(domain::decide::MAX_MENTORS, child_complexity)"
    )]
    async fn mentor_units(&self, ctx: &Context<'_>) -> Result<Vec<OrgUnit>> {
        let app = app(ctx)?;
        let state = app.state();
        let p = state.pairings.get(&self.0).ok_or_else(super::vanished)?;
        Ok(p.mentor_ids
            .iter()
            .filter(|m| state.org_units.contains_key(m))
            .take(domain::decide::MAX_MENTORS)
            .copied()
            .map(OrgUnit)
            .collect())
    }
    /// The mentee when a person; null when the mentee is a unit (see `menteeUnit`).
    #[graphql(guard = "Can::new(Right::ReadPairing(self.0))")]
    async fn mentee(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
        let app = app(ctx)?;
        let state = app.state();
        let p = state.pairings.get(&self.0).ok_or_else(super::vanished)?;
        Ok(state.people.contains_key(&p.mentee_id).then_some(Person(p.mentee_id)))
    }
    #[graphql(guard = "Can::new(Right::ReadPairing(self.0))")]
    async fn mentee_unit(&self, ctx: &Context<'_>) -> Result<Option<OrgUnit>> {
        let app = app(ctx)?;
        let state = app.state();
        let p = state.pairings.get(&self.0).ok_or_else(super::vanished)?;
        Ok(state
            .org_units
            .contains_key(&p.mentee_id)
            .then_some(OrgUnit(p.mentee_id)))
    }
    #[graphql(guard = "Can::new(Right::ReadPairing(self.0))")]
    async fn starts_on(&self, ctx: &Context<'_>) -> Result<Date> {
        self.get(ctx, |p| Date(p.starts_on))
    }
    #[graphql(guard = "Can::new(Right::ReadPairing(self.0))")]
    async fn ends_on(&self, ctx: &Context<'_>) -> Result<Option<Date>> {
        self.get(ctx, |p| p.ends_on.map(Date))
    }
    #[graphql(guard = "Can::new(Right::ReadPairing(self.0))")]
    async fn cadence(&self, ctx: &Context<'_>) -> Result<Cadence> {
        self.get(ctx, |p| p.cadence.into())
    }
    #[graphql(guard = "Can::new(Right::ReadPairing(self.0))")]
    async fn situation(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        self.get(ctx, |p| p.situation.clone())
    }
    /// In time order; a page of `first` (default 100, at most 500) after the contact whose
    /// id is `after`.
    #[graphql(
        guard = "Can::new(Right::ReadPairing(self.0))",
        complexity = "super::list_cost(first, child_complexity)"
    )]
    async fn contacts(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> Result<Vec<Contact>> {
        let page = self.get(ctx, |p| {
            list_page(&p.contacts, |c| c.id.to_string(), first, after.as_ref())
        })??;
        Ok(page
            .into_iter()
            .map(|contact| Contact {
                pairing: self.0,
                contact,
            })
            .collect())
    }
    #[graphql(guard = "Can::new(Right::ReadPairing(self.0))")]
    async fn last_contact_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime>> {
        self.get(ctx, |p| p.last_contact_at().map(DateTime))
    }
    /// A page of `first` (default 100, at most 500) after the visit whose id is `after`.
    #[graphql(
        guard = "Can::new(Right::ReadPairing(self.0))",
        complexity = "super::list_cost(first, child_complexity)"
    )]
    async fn visit_feedback(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> Result<Vec<VisitFeedback>> {
        let page = self.get(ctx, |p| {
            list_page(&p.visit_feedback, |v| v.id.to_string(), first, after.as_ref())
        })??;
        Ok(page
            .into_iter()
            .map(|feedback| VisitFeedback {
                pairing: self.0,
                feedback,
            })
            .collect())
    }
    /// Months (`2025-10`) whose 活动情况记录表 was submitted, in order; a page of `first`
    /// (default 100, at most 500) after the month `after`.
    #[graphql(
        guard = "Can::new(Right::ReadPairing(self.0))",
        complexity = "super::list_cost(first, child_complexity)"
    )]
    async fn monthly_records(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> Result<Vec<String>> {
        let months = self.get(ctx, |p| {
            p.monthly_records.keys().map(|m| m.to_string()).collect::<Vec<_>>()
        })?;
        Ok(list_page(&months, String::clone, first, after.as_ref())?)
    }
    /// Where the pairing's contact cadence stands as of `asOf` (default: now).
    #[graphql(guard = "Can::new(Right::ReadPairing(self.0))")]
    async fn alert(&self, ctx: &Context<'_>, as_of: Option<DateTime>) -> Result<super::alerts::ContactAlert> {
        let as_of = as_of.map_or_else(chrono::Utc::now, |t| t.0);
        looked_up(ctx, |s| super::alerts::pairing_alert(s, self.0, as_of))
    }
    /// By month; a page of `first` (default 100, at most 500) after the month `after`.
    #[graphql(
        guard = "Can::new(Right::ReadPairing(self.0))",
        complexity = "super::list_cost(first, child_complexity)"
    )]
    async fn branch_opinions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> Result<Vec<BranchOpinion>> {
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
    async fn pairing(&self) -> Pairing {
        Pairing(self.pairing)
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

pub struct ThoughtReport {
    pub person: Uuid,
    pub report: state::ThoughtReport,
}

#[Object]
impl ThoughtReport {
    async fn id(&self) -> ID {
        scalars::id(self.report.id)
    }
    async fn person(&self) -> Person {
        Person(self.person)
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
    async fn person(&self) -> Person {
        Person(self.person)
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
    async fn person(&self) -> Person {
        Person(self.person)
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
    async fn person(&self) -> Person {
        Person(self.person)
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

pub struct Evaluation(pub state::Evaluation);

#[Object]
impl Evaluation {
    async fn id(&self) -> ID {
        scalars::id(self.0.id)
    }
    async fn evaluator(&self) -> EvaluatorRole {
        self.0.evaluator.into()
    }
    async fn item_key(&self) -> &str {
        &self.0.item_key
    }
    async fn score(&self) -> f64 {
        self.0.score
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn rubric(&self) -> &str {
        &self.0.rubric
    }
    async fn period(&self) -> String {
        self.0.period.to_string()
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
    async fn pairing(&self) -> Pairing {
        Pairing(self.pairing)
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

pub struct Nomination(pub state::Nomination);

#[Object]
impl Nomination {
    async fn kind(&self) -> RankingKind {
        self.0.ranking.into()
    }
    async fn person(&self) -> Person {
        Person(self.0.person_id)
    }
    async fn period(&self) -> String {
        self.0.period.to_string()
    }
    async fn approved(&self) -> bool {
        self.0.approved
    }
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

#[derive(SimpleObject)]
pub struct Vacation {
    pub from: Date,
    pub to: Date,
}

impl Vacation {
    /// The school's published vacations.
    pub fn all(state: &domain::State) -> Vec<Vacation> {
        state
            .vacations
            .iter()
            .map(|v| Vacation {
                from: v.from.into(),
                to: v.to.into(),
            })
            .collect()
    }
}

/// One event of the log, as the audit trail shows it.
pub struct Event {
    pub recorded: domain::Recorded,
    pub retracted: bool,
}

#[Object]
impl Event {
    async fn id(&self) -> ID {
        scalars::id(self.recorded.id)
    }
    /// The global position, as text (it may outgrow a GraphQL Int).
    async fn position(&self) -> String {
        self.recorded.position.to_string()
    }
    async fn stream_id(&self) -> ID {
        scalars::id(self.recorded.stream_id)
    }
    async fn stream_version(&self) -> i32 {
        i32::try_from(self.recorded.stream_version).unwrap_or(i32::MAX)
    }
    async fn kind(&self) -> &str {
        self.recorded.event.kind()
    }
    async fn schema_version(&self) -> i32 {
        self.recorded.event.schema_version()
    }
    /// The event's data. A screening (排查摸底) shows only to those who may read that
    /// person's screening, and each such read is logged; anyone else gets
    /// `{"redacted": "ScreeningRecorded"}`.
    async fn payload(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        if let domain::Event::ScreeningRecorded { person_id, .. } = &self.recorded.event {
            let person = *person_id;
            let app = app(ctx)?;
            let reader = super::actor(ctx)?;
            let allowed = Caller::new(&app.state(), reader).may(Right::Screening(person));
            if !allowed {
                return Ok(Json(serde_json::json!({ "redacted": "ScreeningRecorded" })));
            }
            log_screening_read(ctx, person).await?;
        }
        Ok(Json(self.recorded.event.to_stored().2))
    }
    async fn occurred_at(&self) -> DateTime {
        self.recorded.occurred_at.into()
    }
    async fn recorded_at(&self) -> DateTime {
        self.recorded.recorded_at.into()
    }
    /// The subject of the token that appended it.
    async fn actor_id(&self) -> Option<ID> {
        self.recorded.actor_id.clone().map(ID)
    }
    async fn retracted(&self) -> bool {
        self.retracted
    }
}

/// People, pairings and events are paged as Relay connections ([`super::Page`]).
pub type PersonConnection = super::Page<Person>;
pub type PairingConnection = super::Page<Pairing>;
pub type EventConnection = super::Page<Event>;

/// One read of a person's screening.
pub struct ScreeningRead(pub state::ScreeningRead);

#[Object]
impl ScreeningRead {
    async fn person(&self) -> Person {
        Person(self.0.person_id)
    }
    /// The token subject of the reader.
    async fn reader(&self) -> &str {
        &self.0.reader
    }
    async fn read_at(&self) -> DateTime {
        self.0.at.into()
    }
}
