//! Rankings (党员之星, 最具进步奖) and alerts (overdue contacts and what a branch secretary
//! is told), computed from the state as of a given time.

use super::assessment::rubric_in_force;
use super::scalars::*;
use super::types::{OrgUnit, Pairing, Person};
use super::{actor, app, query::known_unit};
use crate::access::{Caller, Can, Right};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use async_graphql::{Context, Enum, ID, Object, SimpleObject, Subscription};
use chrono::Utc;
use domain::alert::{self, Severity};
use domain::ranking::{self, QuotaRule};
use domain::rubric;
use domain::{Period, State};
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
    async fn pairing(&self) -> Pairing {
        Pairing(self.0.pairing_id)
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

/// Where a pairing stands as of `as_of`. A pairing that has not started or has ended owes
/// nothing: it is `OK`, due at `as_of`.
pub fn pairing_alert(state: &State, pairing: Uuid, as_of: chrono::DateTime<Utc>) -> Option<ContactAlert> {
    let p = state.pairings.get(&pairing)?;
    let alert = alert::contact_alert(p, &state.vacations, as_of).unwrap_or(alert::ContactAlert {
        pairing_id: p.id,
        severity: Severity::Ok,
        last_contact_at: p.contacts.iter().rev().map(|c| c.occurred_at).find(|t| *t <= as_of),
        due_at: as_of,
        days_overdue: 0,
    });
    Some(ContactAlert(alert))
}

/// Contact alerts of a scope at or above a severity: the worst first, then the longest due.
fn scope_alerts(state: &State, scope: Uuid, as_of: chrono::DateTime<Utc>, min: Severity) -> Vec<alert::ContactAlert> {
    let mut alerts: Vec<_> = alert::contact_alerts(state, scope, as_of)
        .into_iter()
        .filter(|a| a.severity >= min)
        .collect();
    alerts.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.due_at.cmp(&b.due_at))
            .then(a.pairing_id.cmp(&b.pairing_id))
    });
    alerts
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
}

/// Anything a branch secretary is told about, in one shape.
#[derive(SimpleObject)]
pub struct SecretaryAlert {
    pub kind: AlertKind,
    /// The pairing (contacts, monthly records, branch opinions) or the person (the rest).
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

pub struct Ranking {
    kind: RankingKind,
    scope: Uuid,
    period: Period,
    ranking: ranking::Ranking,
}

#[Object]
impl Ranking {
    async fn kind(&self) -> RankingKind {
        self.kind
    }
    async fn scope(&self) -> OrgUnit {
        OrgUnit(self.scope)
    }
    async fn period(&self) -> String {
        self.period.to_string()
    }
    /// Everyone the quota is a share of: the mentors (党员之星) or mentees (最具进步奖) in scope.
    async fn population(&self) -> i32 {
        self.ranking.population as i32
    }
    /// floor(N × share), at least 1 when N ≥ 1.
    async fn quota(&self) -> i32 {
        self.ranking.quota as i32
    }
    /// In rank order; a page of `first` (default 100, at most 500) after the entry of the
    /// person whose id is `after`.
    #[graphql(complexity = "super::list_cost(first, child_complexity)")]
    async fn entries(&self, first: Option<i32>, after: Option<ID>) -> ApiResult<Vec<RankingEntry>> {
        let page = super::list_page(
            &self.ranking.entries,
            |e| e.person_id.to_string(),
            first,
            after.as_ref(),
        )?;
        Ok(page.into_iter().map(RankingEntry).collect())
    }
}

pub struct RankingEntry(ranking::RankingEntry);

#[Object]
impl RankingEntry {
    async fn person(&self) -> Person {
        Person(self.0.person_id)
    }
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// Competition rank (1, 1, 3).
    async fn rank(&self) -> i32 {
        self.0.rank as i32
    }
    async fn within_quota(&self) -> bool {
        self.0.within_quota
    }
    /// Tied with the last place inside the quota: the committee decides.
    async fn tied_at_boundary(&self) -> bool {
        self.0.tied_at_boundary
    }
    /// The committee's approval (报院党委审批).
    async fn approved(&self) -> bool {
        self.0.approved
    }
}

fn period(text: &str) -> ApiResult<Period> {
    Period::parse(text).map_err(|e| ApiError::bad("period", e.to_string()))
}

#[derive(Default)]
pub struct AlertQuery;

#[Object]
impl AlertQuery {
    /// 党员之星: mentors in scope ranked by their `party-star` score; quota 10%.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)",
        complexity = "super::SCOPE_COST + child_complexity"
    )]
    async fn party_stars(&self, ctx: &Context<'_>, scope_id: ID, period: String) -> ApiResult<Ranking> {
        let scope = uuid("scopeId", &scope_id)?;
        let period = self::period(&period)?;
        let app = app(ctx)?;
        let state = app.state();
        known_unit(&state, scope)?;
        let rubric = rubric_in_force(&state, "party-star", period)?;
        let score = |p: &domain::state::Person| rubric::total(&rubric, &state, p, period);
        let ranking = ranking::party_stars(&state, scope, period, score, &QuotaRule::party_star());
        Ok(Ranking {
            kind: RankingKind::PartyStar,
            scope,
            period,
            ranking,
        })
    }

    /// 最具进步奖: nominated mentees in scope ranked by the rise of their key-target-100
    /// total from the previous period; quota 5% of the mentees in scope.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)",
        complexity = "super::SCOPE_COST + child_complexity"
    )]
    async fn most_improved(&self, ctx: &Context<'_>, scope_id: ID, period: String) -> ApiResult<Ranking> {
        let scope = uuid("scopeId", &scope_id)?;
        let period = self::period(&period)?;
        let app = app(ctx)?;
        let state = app.state();
        known_unit(&state, scope)?;
        let this = rubric_in_force(&state, "key-target-100", period)?;
        let before = rubric_in_force(&state, "key-target-100", period.previous())?;
        let total = |p: &domain::state::Person, at: Period| {
            let rubric = if at == period { &this } else { &before };
            rubric::total(rubric, &state, p, at)
        };
        let ranking = ranking::most_improved(&state, scope, period, total, &QuotaRule::most_improved());
        Ok(Ranking {
            kind: RankingKind::MostImproved,
            scope,
            period,
            ranking,
        })
    }

    /// Active pairings in scope whose contact cadence is at or above `minSeverity` as of
    /// `asOf` (default: now), the worst first: a page of `first` (default 100, at most 500)
    /// after the alert of the pairing whose id is `after`.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)",
        complexity = "super::SCOPE_COST + super::list_cost(first, child_complexity)"
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
        let alerts = scope_alerts(&state, scope, as_of, min_severity.into());
        let page = super::list_page(&alerts, |a| a.pairing_id.to_string(), first, after.as_ref())?;
        Ok(page.into_iter().map(ContactAlert).collect())
    }

    /// Everything a branch secretary should act on in a scope: contacts, thought reports,
    /// monthly records, branch opinions and lifecycle dates (see docs/alerts.md), the
    /// worst first: a page of `first` (default 100, at most 500) after the alert whose
    /// `cursor` is `after`.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ReadScope)",
        complexity = "super::SCOPE_COST + super::list_cost(first, child_complexity)"
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
        let mut alerts: Vec<_> = alert::secretary_alerts(&state, scope, as_of)
            .into_iter()
            .filter(|a| a.severity >= min)
            .collect();
        alerts.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.due_at.cmp(&b.due_at)));
        let alerts = super::list_page(&alerts, secretary_cursor, first, after.as_ref())?;
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
        let allowed = move |state: &State| Caller::new(state, &actor).check(Right::ReadScope(scope));
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
        alert::contact_alerts(&state, scope, Utc::now())
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
            let now = alert::contact_alerts(&state, scope, Utc::now());
            drop(state);
            for a in now {
                if w.last.insert(a.pairing_id, a.severity) != Some(a.severity) {
                    w.pending.push(a);
                }
            }
        }
    })
}
