//! Alerts, computed from the state as of a given time: where each pairing's contact
//! cadence stands (`Pairing.alert`, `contactAlerts`, pushed live by the `contactAlerts`
//! subscription) and everything a branch secretary should act on (`secretaryAlerts`).

use super::Pairing;
use super::context::{Seen, actor, app, known_unit, looked_up};
use super::guard::{Can, Right};
use super::scalars::*;
use crate::app::App;
use crate::error::ApiResult;
use async_graphql::{Context, Enum, ID, Object, SimpleObject, Subscription};
use chrono::Utc;
use domain::State;
use domain::alert::{self, Severity};
use futures_util::{Stream, StreamExt as _};
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "domain::alert::Severity")]
pub enum AlertSeverity {
    Ok,
    DueSoon,
    Overdue,
    Escalated,
}

pub struct ContactAlert(pub alert::ContactAlert);

#[Object]
impl ContactAlert {
    async fn pairing(&self, ctx: &Context<'_>) -> Pairing {
        Pairing::get(ctx, self.0.pairing_id)
    }
    async fn severity(&self) -> AlertSeverity {
        self.0.severity.into()
    }
    async fn last_contact_at(&self) -> Option<DateTime> {
        self.0.last_contact_at.map(DateTime)
    }
    async fn due_at(&self) -> DateTime {
        DateTime(self.0.due_at)
    }
    async fn days_overdue(&self) -> i32 {
        i32::try_from(self.0.days_overdue).unwrap_or(i32::MAX)
    }
}

/// The `Pairing.alert` field: for those with `ReadPairing`.
pub struct PairingAlert(pub(super) Seen);

#[Object]
impl PairingAlert {
    /// Where the pairing's contact cadence stands as of `asOf` (default: now).
    async fn alert(&self, ctx: &Context<'_>, as_of: Option<DateTime>) -> ApiResult<ContactAlert> {
        let pairing = self.0.id()?;
        let as_of = as_of.map_or_else(Utc::now, |t| t.0);
        looked_up(ctx, |s| alert::pairing_alert(s, pairing, as_of).map(ContactAlert))
    }
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "domain::alert::AlertKind")]
pub enum AlertKind {
    Contact,
    ThoughtReport,
    MonthlyRecord,
    BranchOpinion,
    DevelopmentTargetEligible,
    FullMembershipDue,
    /// 入党积极分子考察鉴定 due each quarter (seed 002).
    ActivistReview,
    /// 预备党员综合鉴定 due each term (seed 002: 每半年).
    ProbationReview,
    /// A probationary member's monthly 思想汇报 to the party group (seed 002).
    PartyGroupReport,
    /// A term's counted contacts solved fewer problems than the pairing's target (seed 000).
    ProblemsUnsolved,
}

/// Anything a branch secretary is told about, in one shape.
#[derive(SimpleObject)]
pub struct SecretaryAlert {
    pub kind: AlertKind,
    /// The pairing (contacts, monthly records, branch opinions, problems unsolved) or the
    /// person (the rest).
    pub subject_id: ID,
    pub severity: AlertSeverity,
    pub due_at: DateTime,
    pub days_overdue: i32,
    /// What the alert is about (the month, the last report ...), in words.
    pub detail: String,
    /// Names this alert for `secretaryAlerts(after:)`.
    pub cursor: String,
}

/// An alert is one kind, about one subject, due at one time.
fn secretary_cursor(a: &alert::Alert) -> String {
    format!("{:?}:{}:{}", a.kind, a.subject_id, a.due_at.timestamp())
}

#[derive(Default)]
pub struct AlertQuery;

#[Object]
impl AlertQuery {
    /// Active pairings in scope whose contact cadence is at or above `minSeverity` as of
    /// `asOf` (default: now), the worst first: a page of `first` (default 100, at most 500)
    /// after the alert of the pairing whose id is `after`.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)",
        complexity = "super::paging::SCOPE_COST + super::paging::list_cost(first, child_complexity)"
    )]
    async fn contact_alerts(
        &self,
        ctx: &Context<'_>,
        scope_id: ID,
        as_of: Option<DateTime>,
        #[graphql(default_with = "AlertSeverity::DueSoon")] min_severity: AlertSeverity,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<ContactAlert>> {
        let scope = uuid("scopeId", &scope_id)?;
        let as_of = as_of.map_or_else(Utc::now, |t| t.0);
        let app = app(ctx)?;
        let state = app.state();
        known_unit(&state, scope)?;
        let alerts = alert::contact_alerts(&state, scope, as_of, min_severity.into());
        let page = super::paging::list_page(&alerts, |a| a.pairing_id.to_string(), first, after.as_ref())?;
        Ok(page.into_iter().map(ContactAlert).collect())
    }

    /// Everything a branch secretary should act on in a scope: contacts, thought reports (to
    /// the branch and to the party group), reviews, monthly records, branch opinions,
    /// problems solved per term and lifecycle dates (see docs/alerts.md), the
    /// worst first: a page of `first` (default 100, at most 500) after the alert whose
    /// `cursor` is `after`.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)",
        complexity = "super::paging::SCOPE_COST + super::paging::list_cost(first, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn secretary_alerts(
        &self,
        ctx: &Context<'_>,
        scope_id: ID,
        as_of: Option<DateTime>,
        #[graphql(default_with = "AlertSeverity::DueSoon")] min_severity: AlertSeverity,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<SecretaryAlert>> {
        let scope = uuid("scopeId", &scope_id)?;
        let as_of = as_of.map_or_else(Utc::now, |t| t.0);
        let min: Severity = min_severity.into();
        let app = app(ctx)?;
        let state = app.state();
        known_unit(&state, scope)?;
        let alerts = alert::secretary_alerts(&state, scope, as_of, min);
        let alerts = super::paging::list_page(&alerts, secretary_cursor, first, after.as_ref())?;
        Ok(alerts
            .into_iter()
            .map(|a| SecretaryAlert {
                cursor: secretary_cursor(&a),
                kind: a.kind.into(),
                subject_id: id(a.subject_id),
                severity: a.severity.into(),
                due_at: DateTime(a.due_at),
                days_overdue: i32::try_from(a.days_overdue).unwrap_or(i32::MAX),
                detail: a.detail.to_string(),
            })
            .collect())
    }
}

/// How often the subscription re-evaluates with the clock alone.
const TICK: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct AlertSubscription;

#[Subscription]
impl AlertSubscription {
    /// Each time a pairing's contact severity changes in the scope, whether a new event or
    /// the passing of time caused it (checked at least every 30 seconds). The caller's
    /// right over the scope is judged again before every push: once it is gone (a role
    /// revoked), the subscription ends with one `FORBIDDEN` error.
    #[graphql(guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)")]
    async fn contact_alerts(
        &self,
        ctx: &Context<'_>,
        scope_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ContactAlert>>> {
        let actor = actor(ctx)?.clone();
        let scope = uuid("scopeId", &scope_id)?;
        let app = app(ctx)?.clone();
        known_unit(&app.state(), scope)?;
        let allowed = move |state: &State| {
            super::guard::caller(state, &actor)
                .check(Right::ReadScope(scope))
                .map_err(Into::into)
        };
        Ok(severity_changes(app, scope, TICK, allowed).map(|pushed| pushed.map_err(Into::into)))
    }
}

/// The alerts whose severity differs from the last seen; the first look sets the baseline.
/// `allowed` is asked before each push; its first refusal is the stream's last item.
pub fn severity_changes(
    app: App,
    scope: Uuid,
    tick: Duration,
    allowed: impl Fn(&State) -> ApiResult<()> + Send + 'static,
) -> impl Stream<Item = ApiResult<ContactAlert>> {
    struct Watch<F> {
        app: App,
        rx: tokio::sync::broadcast::Receiver<std::sync::Arc<domain::Recorded>>,
        interval: tokio::time::Interval,
        last: HashMap<Uuid, Severity>,
        pending: Vec<alert::ContactAlert>,
        allowed: F,
        ended: bool,
    }
    let severities = |app: &App| -> HashMap<Uuid, Severity> {
        let state = app.state();
        alert::contact_alerts(&state, scope, Utc::now(), Severity::Ok)
            .into_iter()
            .map(|a| (a.pairing_id, a.severity))
            .collect()
    };
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let watch = Watch {
        rx: app.appended(),
        last: severities(&app),
        app,
        interval,
        pending: vec![],
        allowed,
        ended: false,
    };
    futures_util::stream::unfold(watch, move |mut w| async move {
        if w.ended {
            return None;
        }
        loop {
            if let Some(next) = w.pending.pop() {
                // Judged as of now: a revocation applied since the alert was computed counts.
                let verdict = (w.allowed)(&w.app.state());
                return match verdict {
                    Ok(()) => Some((Ok(ContactAlert(next)), w)),
                    Err(refused) => {
                        w.ended = true;
                        Some((Err(refused), w))
                    }
                };
            }
            tokio::select! {
                received = w.rx.recv() => {
                    if matches!(received, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                        return None;
                    }
                }
                _ = w.interval.tick() => {}
            }
            let state = w.app.state();
            if let Err(refused) = (w.allowed)(&state) {
                w.ended = true;
                drop(state);
                return Some((Err(refused), w));
            }
            let now = alert::contact_alerts(&state, scope, Utc::now(), Severity::Ok);
            drop(state);
            for a in now {
                if w.last.insert(a.pairing_id, a.severity) != Some(a.severity) {
                    w.pending.push(a);
                }
            }
        }
    })
}
