//! Reminders (docs/notifications.md): a unit's notification channels
//! (`setNotificationChannel`, `removeNotificationChannel`, `OrgUnit.channels`) and the
//! messages sent (`notifications`). Channels live in their table beside the log, never
//! as events; every answer shows a target masked and never a secret. Only the unit's
//! admins, college committee and branch secretary (`ManageChannels`) see or change them.
//! Nothing here sends: the outbox's sender does, after the request (`crate::reminders`).

use super::OrgUnit;
use super::context::{actor, app, checked_input, known_unit};
use super::guard::{Can, Right, require};
use super::scalars::{DateTime, id, uuid};
use crate::error::{ApiError, ApiResult};
use crate::reminders::{self, Channel, ChannelError, ChannelKind, Channels, Outbox, Stored, TargetPolicy};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{TimeZone as _, Utc};
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum NotificationChannelKind {
    /// A WeCom (企业微信) group robot: `target` is its webhook URL (with `key`).
    Wecom,
    /// A DingTalk (钉钉) group robot: `target` is its webhook URL (with `access_token`),
    /// `secret` its 加签 secret (SEC…).
    Dingtalk,
    /// Any https endpoint: a JSON document, signed with `secret` in `X-Bangfu-Signature`.
    Webhook,
    /// A mailbox, by SMTP (`BANGFU_SMTP_URL`).
    Email,
}

impl From<NotificationChannelKind> for ChannelKind {
    fn from(k: NotificationChannelKind) -> ChannelKind {
        match k {
            NotificationChannelKind::Wecom => ChannelKind::Wecom,
            NotificationChannelKind::Dingtalk => ChannelKind::Dingtalk,
            NotificationChannelKind::Webhook => ChannelKind::Webhook,
            NotificationChannelKind::Email => ChannelKind::Email,
        }
    }
}

impl From<ChannelKind> for NotificationChannelKind {
    fn from(k: ChannelKind) -> NotificationChannelKind {
        match k {
            ChannelKind::Wecom => NotificationChannelKind::Wecom,
            ChannelKind::Dingtalk => NotificationChannelKind::Dingtalk,
            ChannelKind::Webhook => NotificationChannelKind::Webhook,
            ChannelKind::Email => NotificationChannelKind::Email,
        }
    }
}

#[derive(InputObject)]
pub struct NotificationChannelInput {
    pub unit_id: ID,
    pub kind: NotificationChannelKind,
    /// The robot's webhook URL, a URL, or a mailbox. Kept, never shown again unmasked.
    pub target: String,
    /// DingTalk's 加签 secret, or the webhook's signing key. Never shown again.
    pub secret: Option<String>,
}

/// A unit's channel, as every read shows it: the target masked, the secret never.
pub struct NotificationChannel(Channel);

#[Object]
impl NotificationChannel {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn unit(&self) -> OrgUnit {
        OrgUnit::new(self.0.unit_id)
    }
    async fn kind(&self) -> NotificationChannelKind {
        self.0.kind.into()
    }
    /// The target with its key, token and password masked (`…?key=***`).
    async fn target(&self) -> String {
        self.0.masked_target()
    }
    /// Whether a secret is set (never what it is).
    async fn has_secret(&self) -> bool {
        self.0.secret.is_some()
    }
    async fn set_at(&self) -> DateTime {
        DateTime(Utc.timestamp_opt(self.0.set_at, 0).single().unwrap_or_default())
    }
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum NotificationStatus {
    /// Stored, not yet sent (or failed and due to be tried again).
    Pending,
    Sent,
    /// Given up: a permanent refusal, or a day of retries.
    Failed,
}

#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
pub enum NotificationPurpose {
    /// A unit's morning digest.
    Digest,
    /// A mentor told that a pairing's contact is overdue.
    MentorOverdue,
    /// A mentor told that the lapse has escalated.
    MentorEscalated,
}

/// Where a message went, masked.
#[derive(SimpleObject)]
pub struct NotificationDestination {
    pub kind: NotificationChannelKind,
    pub target: String,
}

/// A message of the outbox.
pub struct Notification(Stored);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    async fn unit(&self) -> OrgUnit {
        OrgUnit::new(self.0.unit_id)
    }
    async fn purpose(&self) -> NotificationPurpose {
        match self.0.purpose.as_str() {
            "MENTOR_OVERDUE" => NotificationPurpose::MentorOverdue,
            "MENTOR_ESCALATED" => NotificationPurpose::MentorEscalated,
            _ => NotificationPurpose::Digest,
        }
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn channel(&self) -> NotificationDestination {
        NotificationDestination {
            kind: self.0.kind.into(),
            target: self.0.target_masked.clone(),
        }
    }
    async fn status(&self) -> NotificationStatus {
        match self.0.status {
            reminders::Status::Pending => NotificationStatus::Pending,
            reminders::Status::Sent => NotificationStatus::Sent,
            reminders::Status::Failed => NotificationStatus::Failed,
        }
    }
    async fn attempts(&self) -> i32 {
        i32::try_from(self.0.attempts).unwrap_or(i32::MAX)
    }
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        seconds(self.0.created_at)
    }
    /// When a pending message is tried next.
    async fn next_attempt_at(&self) -> Option<DateTime> {
        (self.0.status == reminders::Status::Pending).then(|| seconds(self.0.next_attempt_at))
    }
    async fn sent_at(&self) -> Option<DateTime> {
        self.0.sent_at.map(seconds)
    }
}

fn seconds(unix: i64) -> DateTime {
    DateTime(Utc.timestamp_opt(unix, 0).single().unwrap_or_default())
}

fn channels(ctx: &Context<'_>) -> ApiResult<Channels> {
    // Without the server's policy (never so in `serve`), the strict one.
    let targets = ctx.data_opt::<TargetPolicy>().cloned().unwrap_or_default();
    Ok(Channels::new(app(ctx)?.store().connection().clone(), targets))
}

fn database(e: sea_orm::DbErr) -> ApiError {
    ApiError::Internal(format!("the reminders' tables: {e}"))
}

/// `OrgUnit.channels`.
pub struct OrgUnitChannels(pub(super) Uuid);

#[Object]
impl OrgUnitChannels {
    /// The unit's notification channels (one per kind), targets masked. For the unit's
    /// admins, college committee and branch secretary.
    #[graphql(complexity = "super::paging::bounded_cost(4, child_complexity)")]
    async fn channels(&self, ctx: &Context<'_>) -> ApiResult<Vec<NotificationChannel>> {
        require(ctx, Right::ManageChannels(self.0))?;
        let found = channels(ctx)?.of_unit(self.0).await.map_err(database)?;
        Ok(found.into_iter().map(NotificationChannel).collect())
    }
}

#[derive(Default)]
pub struct ReminderQuery;

#[Object]
impl ReminderQuery {
    /// The messages stored for units in the scope (digests, mentors' emails), newest
    /// first: a page of `first` (default 100, at most 500) after the one whose id is `after`.
    #[graphql(
        guard = "Can::over(\"scopeId\", &scope_id, Right::ManageChannels)",
        complexity = "super::paging::SCOPE_COST + super::paging::list_cost(first, child_complexity)"
    )]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        scope_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<Vec<Notification>> {
        let scope = uuid("scopeId", &scope_id)?;
        let first = match first {
            None => super::paging::DEFAULT_LIST,
            Some(n) if n >= 0 => (n as usize).min(super::paging::MAX_PAGE),
            Some(_) => return Err(ApiError::bad("first", "must not be negative")),
        };
        let after = after
            .map(|a| Uuid::parse_str(&a).map_err(|_| ApiError::bad("after", "is not the id of a notification")))
            .transpose()?;
        let app = app(ctx)?;
        let units = {
            let state = app.state();
            known_unit(&state, scope)?;
            units_within(&state, scope)
        };
        let outbox = Outbox::new(app.store().connection().clone(), app.store().backend());
        let found = outbox.of_units(&units, first as u64, after).await.map_err(database)?;
        Ok(found.into_iter().map(Notification).collect())
    }
}

/// The unit and every unit below it.
fn units_within(state: &domain::State, scope: Uuid) -> Vec<Uuid> {
    let mut out = vec![];
    let mut next = vec![scope];
    while let Some(unit) = next.pop() {
        if let Some(u) = state.org_unit(unit) {
            out.push(unit);
            next.extend(u.children.iter().copied());
        }
    }
    out
}

#[derive(Default)]
pub struct ReminderMutation;

#[Object]
impl ReminderMutation {
    /// Sets the unit's channel of this kind (a second of the same kind replaces the
    /// first). The target and secret are kept beside the log and never shown again.
    #[graphql(guard = "Can::over(\"input.unitId\", &input.unit_id, Right::ManageChannels)")]
    async fn set_notification_channel(
        &self,
        ctx: &Context<'_>,
        input: NotificationChannelInput,
    ) -> ApiResult<NotificationChannel> {
        checked_input(ctx, None)?;
        let unit = uuid("input.unitId", &input.unit_id)?;
        known_unit(&app(ctx)?.state(), unit)?;
        let secret = input.secret.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let set = channels(ctx)?
            .set(
                unit,
                input.kind.into(),
                input.target.trim(),
                secret,
                &actor(ctx)?.subject,
                Utc::now().timestamp(),
            )
            .await;
        match set {
            Ok(channel) => Ok(NotificationChannel(channel)),
            Err(ChannelError::Bad { field, message }) => Err(ApiError::bad(format!("input.{field}"), message)),
            Err(ChannelError::Database(e)) => Err(database(e)),
        }
    }

    /// Removes a channel; the messages already stored for it are not sent. Answers the id.
    /// A channel the caller may not manage is answered as one that does not exist, so its
    /// ids cannot be probed.
    async fn remove_notification_channel(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        actor(ctx)?;
        let channel_id = uuid("id", &id)?;
        let store = channels(ctx)?;
        let found = store.get(channel_id).await.map_err(database)?;
        let missing = || ApiError::NotFound(format!("no notification channel {channel_id}"));
        let Some(found) = found else { return Err(missing()) };
        require(ctx, Right::ManageChannels(found.unit_id)).map_err(|_| missing())?;
        store.remove(channel_id).await.map_err(database)?;
        Ok(id)
    }
}
