use super::scalars::*;
use super::types::*;
use super::{actor, app};
use crate::access::{Can, Right};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use async_graphql::{Context, ID, InputObject, MergedObject, Object};
use domain::decide::{self as d};
use domain::{Decision, DomainError, Recorded, State};
use uuid::Uuid;

/// Every write, merged from one object per area. Each appends events and answers with
/// what it recorded.
#[derive(MergedObject, Default)]
pub struct Mutation(
    StructureMutation,
    RecordMutation,
    ProgrammeMutation,
    super::assessment::AssessmentMutation,
);

/// Runs a command for the caller: decide → append → apply. A key goes with the fingerprint
/// of this field's name and arguments, so it cannot be reused for other input.
pub(crate) async fn run<F>(ctx: &Context<'_>, key: Option<&str>, decide: F) -> ApiResult<(App, Recorded)>
where
    F: Fn(&State, chrono::DateTime<chrono::Utc>) -> Result<Decision, DomainError>,
{
    let actor = actor(ctx)?;
    let app = app(ctx)?;
    let arguments = ctx
        .field()
        .arguments()
        .map_err(|e| ApiError::Internal(format!("the arguments of a resolved field: {}", e.message)))?;
    super::text::check_arguments(&arguments)?;
    let idempotency = match key {
        Some(key) => Some(crate::idempotency::Idempotency {
            key,
            fingerprint: crate::idempotency::Fingerprint::of_arguments(ctx.field().name(), &arguments)?,
        }),
        None => None,
    };
    let recorded = app.execute(actor, idempotency, decide).await?;
    Ok((app.clone(), recorded))
}

/// Finds what a command recorded in the state, by the id of its event.
fn recorded_fact<T>(app: &App, recorded: &Recorded, find: impl FnOnce(&State, Uuid) -> Option<T>) -> ApiResult<T> {
    find(&app.state(), recorded.id)
        .ok_or_else(|| ApiError::NotFound(format!("what event {} recorded has since been retracted", recorded.id)))
}

fn stream_of(recorded: &Recorded) -> Uuid {
    recorded.stream_id
}

#[derive(InputObject)]
pub struct CreateOrgUnitInput {
    pub kind: OrgUnitKind,
    pub name: String,
    pub parent_id: Option<ID>,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct RegisterPersonInput {
    /// 学号 / 工号, unique in the school.
    pub number: String,
    pub name: String,
    /// College, branch, party group, class ... the person belongs to.
    pub org_unit_ids: Vec<ID>,
    #[graphql(default_with = "Stage::NonParty")]
    pub stage: Stage,
    pub stage_since: Option<Date>,
    /// 重点培养对象 (activists only).
    #[graphql(default)]
    pub key_cultivation_target: bool,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ChangeStageInput {
    pub person_id: ID,
    pub stage: Stage,
    pub effective_on: Date,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ExtendProbationInput {
    pub person_id: ID,
    /// 6 to 12; at most 12 in all.
    pub months: i32,
    pub reason: String,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct WithdrawQualificationInput {
    pub person_id: ID,
    pub effective_on: Date,
    pub reason: String,
    pub idempotency_key: Option<String>,
}

/// At least `atLeast` contacts in every window; the window is either rolling
/// (`everyDays`) or calendar-aligned (`calendar`); exactly one of the two.
#[derive(InputObject)]
pub struct CadenceInput {
    #[graphql(default = 1)]
    pub at_least: i32,
    pub every_days: Option<i32>,
    pub calendar: Option<CalendarUnit>,
}

#[derive(InputObject)]
pub struct FormPairingInput {
    pub kind: PairingKind,
    /// People, or branches for BRANCH_TO_BRANCH.
    pub mentor_ids: Vec<ID>,
    /// A person, a League branch, or a branch.
    pub mentee_id: ID,
    pub starts_on: Date,
    pub cadence: CadenceInput,
    /// 帮扶前具体情况.
    pub situation: Option<String>,
    pub idempotency_key: Option<String>,
}

fn cadence(input: &CadenceInput) -> ApiResult<domain::Cadence> {
    let at_least = u32::try_from(input.at_least).map_err(|_| ApiError::bad("cadence.atLeast", "must be at least 1"))?;
    let every_days = input
        .every_days
        .map(|d| u32::try_from(d).map_err(|_| ApiError::bad("cadence.everyDays", "must be between 1 and 366")))
        .transpose()?;
    Ok(domain::Cadence {
        at_least,
        every_days,
        calendar: input.calendar.map(Into::into),
    })
}

#[derive(Default)]
pub struct StructureMutation;

#[Object]
impl StructureMutation {
    #[graphql(guard = "Can::maybe(\"parentId\", &input.parent_id, Right::ShapeOrg)")]
    async fn create_org_unit(&self, ctx: &Context<'_>, input: CreateOrgUnitInput) -> ApiResult<OrgUnit> {
        let parent_id = input.parent_id.as_ref().map(|p| uuid("parentId", p)).transpose()?;
        let cmd = d::CreateOrgUnit {
            id: Uuid::now_v7(),
            kind: input.kind.into(),
            name: input.name,
            parent_id,
        };
        let (_, recorded) = run(ctx, input.idempotency_key.as_deref(), |s, _| {
            d::create_org_unit(s, cmd.clone())
        })
        .await?;
        Ok(OrgUnit(stream_of(&recorded)))
    }

    #[graphql(guard = "Can::each(\"orgUnitIds\", &input.org_unit_ids, Right::Register)")]
    async fn register_person(&self, ctx: &Context<'_>, input: RegisterPersonInput) -> ApiResult<Person> {
        let cmd = d::RegisterPerson {
            id: Uuid::now_v7(),
            number: input.number,
            name: input.name,
            org_unit_ids: uuids("orgUnitIds", &input.org_unit_ids)?,
            stage: input.stage.into(),
            stage_since: input.stage_since.map(|d| d.0),
            key_cultivation_target: input.key_cultivation_target,
        };
        let key = input.idempotency_key.as_deref();
        let (_, recorded) = run(ctx, key, |s, now| d::register_person(s, cmd.clone(), now)).await?;
        Ok(Person(stream_of(&recorded)))
    }

    /// Moves a person one stage forward (发展党员工作细则); a refusal names the rule and the
    /// date from which the change is allowed.
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::DevelopMember)")]
    async fn change_stage(&self, ctx: &Context<'_>, input: ChangeStageInput) -> ApiResult<Person> {
        let cmd = d::ChangeStage {
            person_id: uuid("personId", &input.person_id)?,
            stage: input.stage.into(),
            effective_on: input.effective_on.0,
        };
        let key = input.idempotency_key.as_deref();
        let (_, recorded) = run(ctx, key, |s, now| d::change_stage(s, cmd.clone(), now)).await?;
        Ok(Person(stream_of(&recorded)))
    }

    /// 延长预备期: 6 to 12 months, with a reason.
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::DevelopMember)")]
    async fn extend_probation(&self, ctx: &Context<'_>, input: ExtendProbationInput) -> ApiResult<Person> {
        let months =
            u32::try_from(input.months).map_err(|_| ApiError::bad("months", "an extension is 6 to 12 months"))?;
        let cmd = d::ExtendProbation {
            person_id: uuid("personId", &input.person_id)?,
            months,
            reason: input.reason,
        };
        let key = input.idempotency_key.as_deref();
        let (_, recorded) = run(ctx, key, |s, _| d::extend_probation(s, cmd.clone())).await?;
        Ok(Person(stream_of(&recorded)))
    }

    /// 取消预备党员资格, with a reason: the person is no longer a member.
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::DevelopMember)")]
    async fn withdraw_qualification(&self, ctx: &Context<'_>, input: WithdrawQualificationInput) -> ApiResult<Person> {
        let cmd = d::WithdrawQualification {
            person_id: uuid("personId", &input.person_id)?,
            effective_on: input.effective_on.0,
            reason: input.reason,
        };
        let key = input.idempotency_key.as_deref();
        let (_, recorded) = run(ctx, key, |s, now| d::withdraw_qualification(s, cmd.clone(), now)).await?;
        Ok(Person(stream_of(&recorded)))
    }

    #[graphql(guard = "Can::over(\"menteeId\", &input.mentee_id, Right::ArrangePairing)")]
    async fn form_pairing(&self, ctx: &Context<'_>, input: FormPairingInput) -> ApiResult<Pairing> {
        let cmd = d::FormPairing {
            id: Uuid::now_v7(),
            kind: input.kind.into(),
            mentor_ids: uuids("mentorIds", &input.mentor_ids)?,
            mentee_id: uuid("menteeId", &input.mentee_id)?,
            starts_on: input.starts_on.0,
            cadence: cadence(&input.cadence)?,
            situation: input.situation,
        };
        let key = input.idempotency_key.as_deref();
        let (_, recorded) = run(ctx, key, |s, _| d::form_pairing(s, cmd.clone())).await?;
        Ok(Pairing(stream_of(&recorded)))
    }

    #[graphql(guard = "Can::over(\"pairingId\", &pairing_id, Right::ArrangePairing)")]
    async fn end_pairing(
        &self,
        ctx: &Context<'_>,
        pairing_id: ID,
        ends_on: Date,
        reason: String,
        idempotency_key: Option<String>,
    ) -> ApiResult<Pairing> {
        let cmd = d::EndPairing {
            pairing_id: uuid("pairingId", &pairing_id)?,
            ends_on: ends_on.0,
            reason,
        };
        let (_, recorded) = run(ctx, idempotency_key.as_deref(), |s, _| d::end_pairing(s, cmd.clone())).await?;
        Ok(Pairing(stream_of(&recorded)))
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

#[derive(InputObject)]
pub struct SubmitThoughtReportInput {
    pub person_id: ID,
    pub submitted_on: Date,
    pub title: String,
    pub word_count: Option<i32>,
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
pub struct RecordMutation;

#[Object]
impl RecordMutation {
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
        let (app, recorded) = run(ctx, key, |s, now| d::record_contact(s, cmd.clone(), now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let pairing = s.pairings.get(&recorded.stream_id)?;
            let contact = pairing.contacts.iter().find(|c| c.id == id)?;
            Some(Contact {
                pairing: pairing.id,
                contact: contact.clone(),
            })
        })
    }

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
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, |s, now| d::submit_thought_report(s, cmd.clone(), now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let p = s.people.get(&recorded.stream_id)?;
            let report = p.thought_reports.iter().find(|r| r.id == id)?;
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
        let (app, recorded) = run(ctx, key, |s, now| d::log_volunteer_service(s, cmd.clone(), now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let p = s.people.get(&recorded.stream_id)?;
            let service = p.volunteer_services.iter().find(|v| v.id == id)?;
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
        let (app, recorded) = run(ctx, key, |s, now| d::record_award(s, cmd.clone(), now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let awards = match s.people.get(&recorded.stream_id) {
                Some(p) => &p.awards,
                None => s.unit_awards.get(&recorded.stream_id)?,
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
        let (app, recorded) = run(ctx, key, |s, now| d::record_academic_result(s, cmd.clone(), scale, now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let p = s.people.get(&recorded.stream_id)?;
            let result = p.academic_results.iter().find(|r| r.id == id)?;
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
        let (app, recorded) = run(ctx, key, |s, now| d::record_conduct(s, cmd.clone(), now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let p = s.people.get(&recorded.stream_id)?;
            let conduct = p.conduct.iter().find(|c| c.id == id)?;
            Some(Conduct {
                person: p.id,
                conduct: conduct.clone(),
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
        let (app, recorded) = run(ctx, key, |s, now| d::record_visit_feedback(s, cmd.clone(), now)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            let p = s.pairings.get(&recorded.stream_id)?;
            let feedback = p.visit_feedback.iter().find(|v| v.id == id)?;
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
        run(ctx, key, |s, now| d::submit_monthly_record(s, pairing, &month, now)).await?;
        Ok(Pairing(pairing))
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
        run(ctx, key, |s, now| {
            d::give_branch_opinion(s, pairing, &month, &opinion, now)
        })
        .await?;
        Ok(Pairing(pairing))
    }

    /// Corrects a mistake: the event stays in the audit trail, marked retracted, and
    /// counts for nothing anywhere. Whoever may record that fact may retract it.
    async fn retract_event(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        reason: String,
        idempotency_key: Option<String>,
    ) -> ApiResult<Event> {
        let event_id = uuid("eventId", &event_id)?;
        // An event the caller may not retract is answered as if it did not exist, so the
        // answer does not tell which ids exist elsewhere; what is not a fact needs an
        // administrator even to be told so.
        if let Some(event) = app(ctx)?.store().find_event(event_id).await? {
            let right = crate::access::right_to_record(&event).unwrap_or(crate::access::Right::Administer);
            if crate::access::require(ctx, right).is_err() {
                return Err(DomainError::not_found("event", event_id).into());
            }
        }
        let key = idempotency_key.as_deref();
        let (app, _) = run(ctx, key, |s, _| d::retract_event(s, event_id, &reason)).await?;
        let recorded = app
            .store()
            .find_event(event_id)
            .await?
            .ok_or_else(|| ApiError::Internal(format!("retracted event {event_id} is missing from the log")))?;
        Ok(Event {
            recorded,
            retracted: true,
        })
    }
}

#[derive(InputObject)]
pub struct NominateInput {
    pub kind: RankingKind,
    pub person_id: ID,
    pub period: String,
    pub reason: String,
    pub idempotency_key: Option<String>,
}

#[derive(InputObject)]
pub struct ApproveInput {
    pub kind: RankingKind,
    pub person_id: ID,
    pub period: String,
    pub idempotency_key: Option<String>,
}

/// Both days included.
#[derive(InputObject)]
pub struct VacationInput {
    pub from: Date,
    pub to: Date,
}

#[derive(InputObject)]
pub struct RecordScreeningInput {
    pub person_id: ID,
    pub categories: Vec<ScreeningCategory>,
    pub note: Option<String>,
    pub idempotency_key: Option<String>,
}

fn nomination(app: &App, kind: domain::RankingKind, recorded: &Recorded) -> ApiResult<Nomination> {
    let (period, person) = match &recorded.event {
        domain::Event::Nominated { period, person_id, .. }
        | domain::Event::NominationApproved { period, person_id, .. } => (*period, *person_id),
        _ => return Err(ApiError::Internal("a nomination decided another event".into())),
    };
    recorded_fact(app, recorded, |s, _| {
        s.nominations.get(&(kind, period, person)).cloned().map(Nomination)
    })
}

#[derive(Default)]
pub struct ProgrammeMutation;

#[Object]
impl ProgrammeMutation {
    /// A mentor nominates their mentee for 最具进步奖 (or a mentor for 党员之星).
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, |p| Right::Nominate(input.kind.into(), p))")]
    async fn nominate(&self, ctx: &Context<'_>, input: NominateInput) -> ApiResult<Nomination> {
        let kind: domain::RankingKind = input.kind.into();
        let cmd = d::Nominate {
            ranking: kind,
            person_id: uuid("personId", &input.person_id)?,
            period: input.period,
            reason: input.reason,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, |s, _| d::nominate(s, cmd.clone())).await?;
        nomination(&app, kind, &recorded)
    }

    /// The college committee's approval (报院党委审批).
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::Approve)")]
    async fn approve(&self, ctx: &Context<'_>, input: ApproveInput) -> ApiResult<Nomination> {
        let kind: domain::RankingKind = input.kind.into();
        let cmd = d::Approve {
            ranking: kind,
            person_id: uuid("personId", &input.person_id)?,
            period: input.period,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, |s, _| d::approve(s, cmd.clone())).await?;
        nomination(&app, kind, &recorded)
    }

    /// Publishes the school's vacations (replacing the earlier list); they pause the
    /// contact clock.
    #[graphql(
        guard = "Can::new(Right::Administer)",
        complexity = "super::bounded_cost(domain::decide::MAX_VACATIONS, child_complexity)"
    )]
    async fn set_vacations(
        &self,
        ctx: &Context<'_>,
        vacations: Vec<VacationInput>,
        idempotency_key: Option<String>,
    ) -> ApiResult<Vec<Vacation>> {
        let list: Vec<domain::Vacation> = vacations
            .iter()
            .map(|v| domain::Vacation {
                from: v.from.0,
                to: v.to.0,
            })
            .collect();
        let (app, _) = run(ctx, idempotency_key.as_deref(), |s, _| {
            d::set_vacations(s, list.clone())
        })
        .await?;
        let state = app.state();
        Ok(Vacation::all(&state))
    }

    #[graphql(guard = "Can::over(\"scopeId\", &scope_id, |u| Right::GrantRole(role.into(), u))")]
    async fn assign_role(&self, ctx: &Context<'_>, person_id: ID, role: Role, scope_id: ID) -> ApiResult<Person> {
        let person = uuid("personId", &person_id)?;
        let scope = uuid("scopeId", &scope_id)?;
        run(ctx, None, |s, _| d::assign_role(s, person, role.into(), scope)).await?;
        Ok(Person(person))
    }

    #[graphql(guard = "Can::over(\"scopeId\", &scope_id, |u| Right::GrantRole(role.into(), u))")]
    async fn revoke_role(&self, ctx: &Context<'_>, person_id: ID, role: Role, scope_id: ID) -> ApiResult<Person> {
        let person = uuid("personId", &person_id)?;
        let scope = uuid("scopeId", &scope_id)?;
        run(ctx, None, |s, _| d::revoke_role(s, person, role.into(), scope)).await?;
        Ok(Person(person))
    }

    /// 排查摸底 (sensitive).
    #[graphql(guard = "Can::over(\"personId\", &input.person_id, Right::Screening)")]
    async fn record_screening(&self, ctx: &Context<'_>, input: RecordScreeningInput) -> ApiResult<Screening> {
        let cmd = d::RecordScreening {
            person_id: uuid("personId", &input.person_id)?,
            categories: input.categories.into_iter().map(Into::into).collect(),
            note: input.note,
        };
        let key = input.idempotency_key.as_deref();
        let (app, recorded) = run(ctx, key, |s, _| d::record_screening(s, cmd.clone())).await?;
        recorded_fact(&app, &recorded, |s, id| {
            s.people
                .get(&recorded.stream_id)?
                .screening()
                .filter(|sc| sc.id == id)
                .cloned()
                .map(Screening)
        })
    }
}
