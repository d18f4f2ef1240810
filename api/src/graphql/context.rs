//! What every area's resolvers share: the caller and the application from the request, a
//! command run for the caller, a period or unit read from an argument, and [`Seen`], the
//! verdict on an entity judged once when its object is built.

use super::guard::caller;
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::signin::Actor;
use async_graphql::Context;
use domain::access::Right;
use domain::{Decision, DomainError, Period, Recorded, State};
use uuid::Uuid;

pub(crate) fn app<'a>(ctx: &Context<'a>) -> Result<&'a App, ApiError> {
    ctx.data::<App>()
        .map_err(|_| ApiError::Internal("the schema was built without the application".into()))
}

/// The signer of download links, for the fields that hand them out.
pub(crate) fn links<'a>(ctx: &Context<'a>) -> Result<&'a crate::exports::Links, ApiError> {
    ctx.data::<crate::exports::Links>()
        .map_err(|_| ApiError::Internal("the schema was built without download links".into()))
}

pub(crate) fn actor<'a>(ctx: &Context<'a>) -> Result<&'a Actor, ApiError> {
    ctx.data::<Actor>().map_err(|_| ApiError::Unauthenticated)
}

/// The object behind an id that was resolved a moment ago is gone (it cannot be: nothing
/// is deleted), so this is an internal error.
pub(crate) fn vanished() -> ApiError {
    ApiError::Internal("an object resolved a moment ago is missing from the state".into())
}

/// Reads one thing from the state; `None` means it vanished.
pub(crate) fn looked_up<T>(ctx: &Context<'_>, f: impl FnOnce(&State) -> Option<T>) -> ApiResult<T> {
    let app = app(ctx)?;
    let state = app.state();
    f(&state).ok_or_else(vanished)
}

/// Runs a command for the caller: its input checked ([`checked_input`]), then decide →
/// append → apply.
pub(crate) async fn run<F>(ctx: &Context<'_>, key: Option<&str>, decide: F) -> ApiResult<(App, Recorded)>
where
    F: FnOnce(&State, chrono::DateTime<chrono::Utc>) -> Result<Decision, DomainError> + Send + 'static,
{
    let idempotency = checked_input(ctx, key)?;
    let actor = actor(ctx)?;
    let app = app(ctx)?;
    let recorded = app.execute(&actor.subject, idempotency, decide).await?;
    Ok((app.clone(), recorded))
}

/// What every command's input must be before anything is looked up, so a refusal of bad
/// input never depends on what exists: its text free of control characters, its key well
/// formed. A key goes with the fingerprint of this field's name and arguments, so it cannot
/// be reused for other input.
pub(crate) fn checked_input<'k>(
    ctx: &Context<'_>,
    key: Option<&'k str>,
) -> ApiResult<Option<crate::idempotency::Idempotency<'k>>> {
    let arguments = ctx
        .field()
        .arguments()
        .map_err(|e| ApiError::Internal(format!("the arguments of a resolved field: {}", e.message)))?;
    super::text::check_arguments(&arguments)?;
    match crate::idempotency::checked_key(key)? {
        Some(key) => Ok(Some(crate::idempotency::Idempotency {
            key,
            fingerprint: crate::idempotency::Fingerprint::of_arguments(ctx.field().name(), &arguments)?,
        })),
        None => Ok(None),
    }
}

/// Finds what a command recorded in the state, by the id of its event (finders look from
/// the end of a list: the fact is the newest there).
pub(crate) fn recorded_fact<T>(
    app: &App,
    recorded: &Recorded,
    find: impl FnOnce(&State, Uuid) -> Option<T>,
) -> ApiResult<T> {
    find(&app.state(), recorded.id)
        .ok_or_else(|| ApiError::NotFound(format!("what event {} recorded has since been retracted", recorded.id)))
}

pub(crate) fn known_unit(state: &State, id: Uuid) -> ApiResult<()> {
    if state.org_unit(id).is_some() {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("no org unit with id {id}")))
    }
}

/// A period argument, which must begin inside the window every date input keeps to (1949
/// to ten years ahead), as a `Date` must.
pub(crate) fn period(text: &str) -> ApiResult<Period> {
    let period = Period::parse(text).map_err(|e| ApiError::bad("period", e.to_string()))?;
    if !super::scalars::in_window(period.first_day()) {
        return Err(ApiError::bad(
            "period",
            format!(
                "{period} begins more than {} years from today",
                super::scalars::YEARS_AHEAD
            ),
        ));
    }
    Ok(period)
}

/// An entity as the caller may see it: its id, and whether the caller holds the right
/// that reading it needs, judged once when the object is built. A field reaches the id
/// only through [`Seen::id`], which refuses without the right, so a new field cannot
/// forget its guard.
#[derive(Clone, Debug)]
pub struct Seen {
    id: Uuid,
    verdict: Result<(), domain::access::Forbidden>,
}

impl Seen {
    /// Judges `right` for the caller of this request.
    pub(crate) fn judge(ctx: &Context<'_>, id: Uuid, right: Right) -> Seen {
        let verdict = match (app(ctx), actor(ctx)) {
            (Ok(app), Ok(actor)) => caller(&app.state(), actor).check(right),
            _ => Err(domain::access::Forbidden("signed-in callers only")),
        };
        Seen { id, verdict }
    }

    /// The id, if the caller may read what it names.
    pub(crate) fn id(&self) -> ApiResult<Uuid> {
        match self.verdict {
            Ok(()) => Ok(self.id),
            Err(refusal) => Err(refusal.into()),
        }
    }

    /// The id, whatever the verdict: ids are not secret (they are what the caller asked
    /// for, or what a list they may read named).
    pub(crate) fn plain_id(&self) -> Uuid {
        self.id
    }
}

/// Logs that the caller read `person`'s screening (排查摸底): once per HTTP request (a
/// batch included) or subscription push, however many times (aliases, the audit trail's
/// copy) it reads it.
pub(crate) async fn log_screening_read(ctx: &Context<'_>, person: Uuid) -> ApiResult<()> {
    let first_time = ctx
        .data_opt::<super::budget::Budget>()
        .is_none_or(|budget| budget.first_screening_read(person));
    if first_time {
        let reader = &actor(ctx)?.subject;
        let logged = reader.clone();
        app(ctx)?
            .execute_internal(reader, move |s, _| {
                domain::decide::log_screening_read(s, person, &logged)
            })
            .await?;
    }
    Ok(())
}

/// The version of a rubric in force for a period, refused (`BAD_INPUT` on `period`, naming
/// the kinds it takes) for a kind of period it is not assessed over.
pub(crate) fn rubric_in_force(state: &State, key: &str, period: Period) -> ApiResult<domain::rubric::Rubric> {
    let rubric = domain::rubric::rubric_for(state, key, period)
        .ok_or_else(|| ApiError::NotFound(format!("no rubric `{key}`")))?;
    rubric
        .takes(period)
        .map_err(|e| ApiError::bad("period", e.to_string()))?;
    Ok(rubric)
}
