//! Reminders that reach people (docs/notifications.md): each unit's morning digest to its
//! channels (WeCom and DingTalk group robots, a webhook, a mailbox), and mentors told by
//! email when a pairing's contact lapses, through an outbox that is written before
//! anything is sent.
//!
//! One run at an instant ([`Reminders::run_at`]: `bangfu notify --as-of`, and `serve`
//! every minute by [`schedule`]) plans what is due — the digests once the day's
//! `BANGFU_DIGEST_AT` has passed, the mentors' emails — under unique keys (the outbox
//! keeps one per unit, channel and day, and one per mentor, lapse and stage), then sends
//! what is due in the outbox, the retries included. Every time in a run is the given
//! instant, so a test drives the clock without sleeping. What a message says is decided in
//! `domain::reminder`; this module stores, sends and retries. Requests only read and
//! write the channels table: sending never blocks one.
//!
//! Not the log follower's LISTEN/NOTIFY (`store/notify.rs`), which is another thing.

pub mod channels;
pub mod outbox;
pub mod send;
pub mod targets;

pub use channels::{Channel, ChannelError, ChannelKind, Channels};
pub use outbox::{Outbox, Status, Stored};
pub use send::{Outcome, Sender};
pub use targets::TargetPolicy;

use crate::app::App;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone as _, Utc};
use domain::reminder::{self, Digest, LapseStage, MentorReminder};
use outbox::NewMessage;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// A message as stored, in every shape a channel needs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Rendered {
    /// DingTalk's title, an email's subject.
    pub title: String,
    /// WeCom's and DingTalk's markdown.
    pub markdown: String,
    /// An email's body.
    pub text: String,
    /// A webhook's JSON document.
    pub document: serde_json::Value,
}

/// What the reminders need from the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    pub digest_at: NaiveTime,
    /// Where the digest's link points (`{public_url}/graphql?query=…`).
    pub public_url: Option<String>,
    /// How long a sent or failed digest is kept ([`Outbox::prune`]).
    pub keep: Duration,
}

impl Settings {
    pub fn from_config(config: &crate::config::Config) -> Settings {
        Settings {
            digest_at: config.digest_at,
            public_url: config.public_url.clone(),
            keep: config.outbox_keep,
        }
    }
}

/// What one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// New messages stored (a dry run: that would be).
    pub planned: usize,
    pub sent: usize,
    /// Failed this time, tried again later.
    pub retrying: usize,
    /// Given up.
    pub failed: usize,
    /// Old digests deleted from the outbox.
    pub pruned: u64,
}

/// Plans and sends reminders for one application. Cheap to clone.
#[derive(Clone)]
pub struct Reminders {
    app: App,
    channels: Channels,
    outbox: Outbox,
    sender: Sender,
    settings: Settings,
    /// The units found with nothing to act on at the day's digest, so the minutes after
    /// do not compute them again: a digest is decided once a day (per instance).
    quiet: Arc<Mutex<(Option<NaiveDate>, HashSet<Uuid>)>>,
    /// The day the outbox was last pruned: once a day is enough (per instance).
    pruned_on: Arc<Mutex<Option<NaiveDate>>>,
}

impl Reminders {
    pub fn new(app: App, sender: Sender, settings: Settings) -> Reminders {
        let db = app.store().connection().clone();
        let backend = app.store().backend();
        Reminders {
            channels: Channels::new(db.clone(), sender.targets().clone()),
            outbox: Outbox::new(db, backend),
            app,
            sender,
            settings,
            quiet: Arc::default(),
            pruned_on: Arc::default(),
        }
    }

    /// From the configuration: the SMTP transport, the digest's time and link.
    pub fn from_config(app: App, config: &crate::config::Config) -> anyhow::Result<Reminders> {
        let roots = crate::signin::tls::ExtraRoots::load(config.tls_ca_file.as_deref())?;
        let sender = Sender::new(
            config.smtp_url.as_ref().map(|s| s.expose()),
            config.mail_from.as_deref(),
            &roots,
            TargetPolicy::new(&config.reminder_private_hosts),
            config.reminder_proxy.as_deref(),
        )?;
        Ok(Reminders::new(app, sender, Settings::from_config(config)))
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Plans what is due at `as_of`, then sends what is due in the outbox. A dry run stores
    /// and sends nothing: it answers the messages it would store.
    pub async fn run_at(&self, as_of: DateTime<Utc>, dry_run: bool) -> anyhow::Result<(Report, Vec<NewMessage>)> {
        let planned = self.plan(as_of).await?;
        let mut report = Report::default();
        if dry_run {
            report.planned = planned.len();
            return Ok((report, planned));
        }
        let now = as_of.timestamp();
        for message in &planned {
            if self.outbox.enqueue(message, now).await? {
                report.planned += 1;
            }
        }
        self.deliver(as_of, &mut report).await?;
        report.pruned = self.prune(as_of).await;
        Ok((report, vec![]))
    }

    /// On the first run of a day, deletes the digests older than the setting (at least two
    /// days, counted back from the earlier of `as_of` and the clock: a run `--as-of` a later
    /// day must not delete a digest whose day can still be planned). A failure is logged:
    /// the run's messages are sent, and the next run tries again.
    async fn prune(&self, as_of: DateTime<Utc>) -> u64 {
        let day = domain::time::local_date(as_of);
        let pruned_on = || self.pruned_on.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if *pruned_on() == Some(day) {
            return 0;
        }
        let keep = self.settings.keep.max(crate::config::MIN_OUTBOX_KEEP);
        let keep = i64::try_from(keep.as_secs()).unwrap_or(i64::MAX);
        let from = as_of.min(Utc::now()).timestamp();
        match self.outbox.prune(from.saturating_sub(keep)).await {
            Ok(pruned) => {
                *pruned_on() = Some(day);
                pruned
            }
            Err(e) => {
                tracing::warn!(error = %e, "pruning the outbox failed; trying again at the next run");
                0
            }
        }
    }

    /// The messages due at `as_of`, not yet keyed (the outbox drops the ones it has).
    pub async fn plan(&self, as_of: DateTime<Utc>) -> anyhow::Result<Vec<NewMessage>> {
        let channels = self.channels.all().await?;
        let mut out = vec![];
        if digest_due(as_of, self.settings.digest_at) {
            let day = domain::time::local_date(as_of);
            // The day's digests already stored: their units are not computed again.
            let done = self.outbox.keys_of_day("digest", day).await?;
            let mut by_unit: HashMap<Uuid, Vec<&Channel>> = HashMap::new();
            for c in &channels {
                by_unit.entry(c.unit_id).or_default().push(c);
            }
            let mut units: Vec<Uuid> = by_unit.keys().copied().collect();
            units.sort();
            let quiet = self.quiet_on(day);
            units.retain(|unit| {
                !quiet.contains(unit)
                    && by_unit[unit]
                        .iter()
                        .any(|c| !done.contains(&digest_key(day, *unit, c.id)))
            });
            for unit in units {
                // One read of the state per unit, released before the next.
                let digest = reminder::digest(&self.app.state(), unit, as_of);
                let Some(digest) = digest else {
                    self.mark_quiet(day, unit);
                    continue;
                };
                let rendered = self.render_digest(&digest);
                for c in &by_unit[&unit] {
                    out.push(NewMessage {
                        dedup_key: digest_key(digest.day, unit, c.id),
                        unit_id: unit,
                        purpose: "DIGEST",
                        channel_id: Some(c.id),
                        kind: c.kind,
                        recipient: None,
                        target_masked: c.masked_target(),
                        title: rendered.title.clone(),
                        message: rendered.clone(),
                    });
                }
            }
        }
        if self.sender.has_email() {
            let reminders = reminder::mentor_reminders(&self.app.state(), as_of);
            out.extend(reminders.iter().filter_map(mentor_message));
        }
        let known = self.outbox.existing(out.iter().map(|m| m.dedup_key.as_str())).await?;
        out.retain(|m| !known.contains(&m.dedup_key));
        Ok(out)
    }

    /// The units found quiet on `day` (none yet on a new day).
    fn quiet_on(&self, day: NaiveDate) -> HashSet<Uuid> {
        let quiet = self.quiet.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if quiet.0 == Some(day) {
            quiet.1.clone()
        } else {
            HashSet::new()
        }
    }

    fn mark_quiet(&self, day: NaiveDate, unit: Uuid) {
        let mut quiet = self.quiet.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if quiet.0 != Some(day) {
            *quiet = (Some(day), HashSet::new());
        }
        quiet.1.insert(unit);
    }

    /// Sends every message due at `as_of`, a batch at a time, until none is left.
    async fn deliver(&self, as_of: DateTime<Utc>, report: &mut Report) -> anyhow::Result<()> {
        // The clock runs on from `as_of` as sending takes real time, so that a claim's lease
        // means minutes of sending, as another instance's claim reads it.
        let started = std::time::Instant::now();
        let clock = || as_of + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        loop {
            let claimed_at = clock().timestamp();
            let claimed = self.outbox.claim(claimed_at).await?;
            if claimed.is_empty() {
                return Ok(());
            }
            for message in claimed {
                // The rest of a claim about to lapse is left to be claimed again.
                if clock().timestamp() >= claimed_at + outbox::CLAIM_LEASE - 60 {
                    break;
                }
                match self.send_one(&message).await? {
                    Outcome::Sent => {
                        self.outbox.sent(message.id, clock().timestamp(), claimed_at).await?;
                        report.sent += 1;
                    }
                    Outcome::Retry(error) => {
                        let now = clock();
                        let first = Utc.timestamp_opt(message.created_at, 0).single().unwrap_or(now);
                        let next = reminder::retry_at(first, now, message.attempts);
                        tracing::warn!(id = %message.id, attempts = message.attempts, %error, "a reminder was not delivered");
                        self.outbox
                            .failed(message.id, &error, next.map(|t| t.timestamp()), claimed_at)
                            .await?;
                        if next.is_some() {
                            report.retrying += 1;
                        } else {
                            report.failed += 1;
                        }
                    }
                    Outcome::GiveUp(error) => {
                        tracing::warn!(id = %message.id, %error, "a reminder cannot be delivered");
                        self.outbox.failed(message.id, &error, None, claimed_at).await?;
                        report.failed += 1;
                    }
                }
            }
        }
    }

    /// One attempt at a claimed message, without recording what became of it (what
    /// `deliver` does before it acknowledges; the tests' crash between the two).
    pub async fn send_one(&self, message: &Stored) -> anyhow::Result<Outcome> {
        let channel = match message.channel_id {
            Some(id) => self.channels.get(id).await?,
            None => None,
        };
        Ok(self.sender.send(message, channel.as_ref()).await)
    }

    fn render_digest(&self, digest: &Digest) -> Rendered {
        let link = self.settings.public_url.as_deref().and_then(|base| {
            let mut url = url::Url::parse(&format!("{}/graphql", base.trim_end_matches('/'))).ok()?;
            url.query_pairs_mut()
                .append_pair("query", &reminder::digest_query(digest.unit_id));
            Some(url.to_string())
        });
        let link = link.as_deref();
        let alerts: Vec<serde_json::Value> = digest
            .alerts
            .iter()
            .map(|a| {
                serde_json::json!({
                    "kind": a.kind,
                    "subjectId": a.subject_id,
                    "name": a.name,
                    "severity": a.severity,
                    "dueAt": a.due_at,
                    "daysOverdue": a.days_overdue,
                    "detail": a.detail,
                })
            })
            .collect();
        Rendered {
            title: digest.title(),
            markdown: digest.markdown(link),
            text: digest.plain_text(link),
            document: serde_json::json!({
                "type": "DIGEST",
                "unit": {"id": digest.unit_id, "name": digest.unit_name},
                "asOf": digest.as_of,
                "day": digest.day,
                "total": digest.total,
                "alerts": alerts,
                "link": link,
            }),
        }
    }
}

/// A digest's key: one per day, unit and channel (the day first, so a day's are a range).
fn digest_key(day: chrono::NaiveDate, unit: Uuid, channel: Uuid) -> String {
    format!("digest:{day}:{unit}:{channel}")
}

/// A mentor's email as an outbox message; `None` for a mentee in no unit.
fn mentor_message(r: &MentorReminder) -> Option<NewMessage> {
    let title = r.subject();
    let text = r.body();
    Some(NewMessage {
        dedup_key: r.key(),
        unit_id: r.unit_id?,
        purpose: match r.stage {
            LapseStage::Overdue => "MENTOR_OVERDUE",
            LapseStage::Escalated => "MENTOR_ESCALATED",
        },
        channel_id: None,
        kind: ChannelKind::Email,
        recipient: Some(r.email.clone()),
        target_masked: channels::mask_mailbox(&r.email),
        title: title.clone(),
        message: Rendered {
            title,
            markdown: text.clone(),
            text,
            document: serde_json::json!({"type": "MENTOR", "pairingId": r.pairing_id, "stage": r.stage.name()}),
        },
    })
}

/// Whether the day's digest is due: `as_of` is at or after `digest_at` on its Shanghai day.
pub fn digest_due(as_of: DateTime<Utc>, digest_at: NaiveTime) -> bool {
    as_of.with_timezone(&domain::time::shanghai()).time() >= digest_at
}

/// How often `serve` runs the reminders.
pub const SCHEDULE_EVERY: Duration = Duration::from_secs(60);

/// `serve`'s schedule: a run every minute at the clock's instant, until `stop` resolves.
/// A failed run is logged and the next minute tries again.
pub async fn schedule(reminders: Reminders, stop: impl std::future::Future<Output = ()>) {
    let mut tick = tokio::time::interval(SCHEDULE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    // Before the log is folded the state knows of no alert: a digest planned then would
    // say nothing (and the day would count as done).
    tokio::select! {
        () = &mut stop => return,
        () = reminders.app.ready() => {}
    }
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = tick.tick() => {}
        }
        match reminders.run_at(Utc::now(), false).await {
            Ok((report, _)) if report != Report::default() => {
                tracing::info!(?report, "reminders");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "the reminders' run failed; next minute again"),
        }
    }
}
