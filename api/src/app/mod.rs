//! The application: the event store plus the state folded from it (DESIGN §8).
//!
//! On start ([`App::fold`]) the log is folded into memory, from the newest snapshot on
//! ([`snapshot`]), and the app is ready; commands then go through one writer task
//! ([`writer`]) that commits those arriving together in one transaction (group commit), and
//! a follower task applies what other instances append (PostgreSQL NOTIFY, with polling as
//! the fallback). Reads never touch the database except for the audit trail (`events`). A
//! batch (`execute_batch`, an import) is decided and appended in one store transaction.

mod snapshot;
mod writer;

pub use snapshot::{SnapshotPolicy, Unusable, decode as decode_snapshot, encode as encode_snapshot};

use crate::error::{ApiError, ApiResult};
use crate::idempotency::{Idempotency, checked_key};
use crate::store::{EventStore, StoreError, StreamAppend};
use chrono::{DateTime, Utc};
use domain::{Decision, DomainError, Recorded, State};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;
use tokio::sync::{Mutex, broadcast, mpsc, watch};

/// A command as [`App::execute_all`] takes it: a decide function of the state and "now".
pub type Command<'a> = dyn Fn(&State, DateTime<Utc>) -> Result<Decision, DomainError> + Sync + 'a;

/// How many events a catch-up reads at once.
const PAGE: u64 = 10_000;
/// How often the follower polls when no notification arrives.
const POLL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: EventStore,
    state: RwLock<State>,
    /// Serializes catch-ups and commands of this instance, so events are applied in
    /// position order exactly once.
    writer: Mutex<()>,
    appended: broadcast::Sender<Arc<Recorded>>,
    /// True once the log is folded.
    ready: watch::Sender<bool>,
    settings: Settings,
    /// The queue of the command writer ([`writer`]).
    commands: mpsc::UnboundedSender<writer::Queued>,
    /// Its receiving end, until [`App::fold`] starts the writer with it.
    queue: std::sync::Mutex<Option<mpsc::UnboundedReceiver<writer::Queued>>>,
    /// When to take snapshots, once folded.
    snapshots: SnapshotPolicy,
    /// The state holds events of a group whose commit failed: it is folded again from the
    /// log before anything else is applied.
    phantom: AtomicBool,
    /// Counts the refolds: a state at a position is the same state only within one epoch
    /// (a failed group's events held positions that the log gave to others later).
    epoch: std::sync::atomic::AtomicU64,
    /// The last position subscribers were told of.
    published: std::sync::atomic::AtomicI64,
}

/// School-specific settings the rules need.
#[derive(Clone, Debug)]
pub struct Settings {
    pub gpa_scale: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            gpa_scale: domain::decide::DEFAULT_GPA_SCALE,
        }
    }
}

impl App {
    /// Folds the log into memory and starts following it: [`App::open`], then [`App::fold`],
    /// taking snapshots as the default [`SnapshotPolicy`] says.
    pub async fn start(store: EventStore) -> anyhow::Result<App> {
        App::start_with(store, SnapshotPolicy::default()).await
    }

    /// [`App::start`] with a snapshot policy.
    pub async fn start_with(store: EventStore, snapshots: SnapshotPolicy) -> anyhow::Result<App> {
        let app = App::open(store, snapshots);
        app.fold().await?;
        Ok(app)
    }

    /// An app whose state is still empty: it is not [ready](App::is_ready), and answers
    /// nothing true, until [`App::fold`] has run. The server listens meanwhile, so that
    /// `/livez` and `/readyz` answer during a long fold. Commands sent before then wait in
    /// the writer's queue: the writer starts once the state is folded.
    pub fn open(store: EventStore, snapshots: SnapshotPolicy) -> App {
        let (appended, _) = broadcast::channel(1024);
        let (ready, _) = watch::channel(false);
        let (commands, queue) = mpsc::unbounded_channel();
        App {
            inner: Arc::new(Inner {
                store,
                state: RwLock::new(State::new()),
                writer: Mutex::new(()),
                appended,
                ready,
                settings: Settings::default(),
                commands,
                queue: std::sync::Mutex::new(Some(queue)),
                snapshots,
                phantom: AtomicBool::new(false),
                epoch: std::sync::atomic::AtomicU64::new(0),
                published: std::sync::atomic::AtomicI64::new(0),
            }),
        }
    }

    /// Folds the log into the state (the newest usable snapshot, then the events after
    /// it), starts following other instances' appends, taking snapshots and running
    /// commands, and marks the app ready. Call it once.
    pub async fn fold(&self) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        let restored_at;
        {
            let _writer = self.inner.writer.lock().await;
            let restored = self
                .restore(i64::MAX)
                .await
                .map_err(|e| anyhow::anyhow!("restoring the state failed: {e:?}"))?;
            restored_at = restored.position();
            // Subscribers are told of what happens from here on.
            self.inner.published.store(restored_at, Ordering::Release);
            *self
                .inner
                .state
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = restored;
            self.fold_log()
                .await
                .map_err(|e| anyhow::anyhow!("folding the log failed: {e:?}"))?;
        }
        let elapsed = started.elapsed();
        metrics::gauge!(crate::telemetry::FOLD_SECONDS).set(elapsed.as_secs_f64());
        tracing::info!(
            position = self.state().position(),
            from_snapshot = restored_at,
            elapsed_ms = elapsed.as_millis() as u64,
            "log folded"
        );
        self.spawn_follower();
        self.spawn_snapshots(self.inner.snapshots, restored_at);
        let queue = self
            .inner
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        match queue {
            Some(queue) => {
                tokio::spawn(writer::run(Arc::downgrade(&self.inner), queue));
            }
            None => anyhow::bail!("the log was folded twice"),
        }
        self.inner.ready.send_replace(true);
        Ok(())
    }

    /// Which state a position names: `(epoch, position)` names one state for good, so what
    /// is computed from it may be kept (see `graphql::rankings::Memo`). Read it while
    /// holding the state.
    pub fn state_key(&self, state: &State) -> (u64, i64) {
        (self.inner.epoch.load(Ordering::Acquire), state.position())
    }

    /// True once [`App::fold`] has finished: the state holds the whole log.
    pub fn is_ready(&self) -> bool {
        *self.inner.ready.borrow()
    }

    /// Whether commands are being taken: false before the fold and once the writer task has
    /// stopped (its queue is closed).
    pub fn takes_commands(&self) -> bool {
        self.is_ready() && !self.inner.commands.is_closed()
    }

    /// Resolves once [`App::fold`] has finished (at once if it has).
    pub async fn ready(&self) {
        let mut ready = self.inner.ready.subscribe();
        // Err: the app is gone, and with it anything that would wait.
        let _ = ready.wait_for(|folded| *folded).await;
    }

    pub fn store(&self) -> &EventStore {
        &self.inner.store
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// A read view of the state. Hold it briefly: commands wait for it.
    pub fn state(&self) -> RwLockReadGuard<'_, State> {
        self.inner.state.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every event as it is applied, for subscriptions.
    pub fn appended(&self) -> broadcast::Receiver<Arc<Recorded>> {
        self.inner.appended.subscribe()
    }

    /// Runs a command: decide against the current state, append, apply. Returns the first
    /// event appended, or, for a retry with the same idempotency key and the same input
    /// (fingerprint) by the same actor, the first event appended the first time (nothing new
    /// is appended). The key reused for other input is refused with `IdempotencyKeyReused`
    /// and nothing is appended. A blank key is no key. `subject` is who asks (a person's
    /// number, or an administrator's name): the core knows the id, not how it signed in.
    ///
    /// Commands that arrive together are committed together ([`writer`]): each is decided
    /// against the state with the ones queued before it, and answered once the group's one
    /// transaction has committed.
    pub async fn execute<F>(
        &self,
        subject: &str,
        idempotency: Option<Idempotency<'_>>,
        decide: F,
    ) -> ApiResult<Recorded>
    where
        F: FnOnce(&State, DateTime<Utc>) -> Result<Decision, DomainError> + Send + 'static,
    {
        let key = match idempotency {
            Some(Idempotency { key, fingerprint }) => checked_key(Some(key))?.map(|key| writer::Key {
                key: key.to_owned(),
                fingerprint,
            }),
            None => None,
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        let queued = writer::Queued {
            subject: subject.to_owned(),
            key,
            decide: Box::new(decide),
            reply,
        };
        self.inner
            .commands
            .send(queued)
            .map_err(|_| ApiError::Internal("the command writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the command writer dropped a command".into()))?
    }

    /// Runs many commands as one (an import): `decide`, under the writer lock and against
    /// the state caught up with the log, answers what to report and the decisions to append
    /// (each decided against the state the ones before it leave: see
    /// [`domain::decide::Batch`]), or its refusal. Every decision is appended in one store
    /// transaction ([`EventStore::append_batch`]) and applied, or nothing is. A refusal is
    /// `Ok(Err(refusal))`; store failures are the outer error. A stream moved by another
    /// instance meanwhile makes it catch up and decide once more.
    pub async fn execute_batch<T, E, F>(&self, subject: &str, decide: F) -> ApiResult<Result<(T, Vec<Recorded>), E>>
    where
        F: Fn(&State, DateTime<Utc>) -> Result<(T, Vec<Decision>), E>,
    {
        let _writer = self.inner.writer.lock().await;
        self.catch_up().await?;
        for _attempt in 0..2 {
            let (answer, decisions) = match decide(&self.state(), Utc::now()) {
                Ok(decided) => decided,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let parts: Vec<StreamAppend<'_>> = decisions
                .iter()
                .map(|d| StreamAppend {
                    stream_id: d.stream_id,
                    expected_version: d.expected_version,
                    events: &d.events,
                })
                .collect();
            match self.inner.store.append_batch(&parts, Some(subject)).await {
                Ok(recorded) => {
                    self.apply_appended(&recorded).await?;
                    return Ok(Ok((answer, recorded)));
                }
                Err(StoreError::Conflict { .. }) => self.catch_up().await?,
                Err(other) => return Err(other.into()),
            }
        }
        Err(ApiError::Conflict(
            "the record kept changing under this batch: try again".into(),
        ))
    }

    /// Decides `commands` in order, each against the state the ones before it leave, and
    /// appends them together: all or none (the first refusal is the error).
    pub async fn execute_all(&self, subject: &str, commands: &[&Command<'_>]) -> ApiResult<Vec<Recorded>> {
        let done = self
            .execute_batch(subject, |state, now| {
                let mut batch = domain::decide::Batch::new(state, now);
                for command in commands {
                    batch.decide(|s, now| command(s, now))?;
                }
                Ok::<_, DomainError>(((), batch.into_decisions()))
            })
            .await?;
        Ok(done.map(|((), recorded)| recorded)?)
    }

    /// Appends what the server itself records on a caller's behalf (the privacy audit).
    pub async fn execute_internal<F>(&self, subject: &str, decide: F) -> ApiResult<Recorded>
    where
        F: FnOnce(&State, DateTime<Utc>) -> Result<Decision, DomainError> + Send + 'static,
    {
        self.execute(subject, None, decide).await
    }

    /// Applies our own fresh appends: directly when they follow the state, else by catching
    /// up, which reads them back in order with whatever came before them.
    async fn apply_appended(&self, recorded: &[Recorded]) -> ApiResult<()> {
        let follows = recorded
            .first()
            .is_some_and(|first| first.position == self.state().position() + 1);
        if follows {
            self.apply_all(recorded.to_vec());
            Ok(())
        } else {
            self.catch_up().await
        }
    }

    fn apply_all(&self, events: Vec<Recorded>) {
        self.apply_quietly(&events);
        self.publish(events);
    }

    /// Applies events to the state without telling subscribers (a group before its commit).
    fn apply_quietly(&self, events: &[Recorded]) {
        let mut state = self
            .inner
            .state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for e in events {
            if e.position > state.position() {
                state.apply(e);
            }
        }
    }

    /// Tells subscribers of events applied.
    fn publish(&self, events: Vec<Recorded>) {
        if let Some(last) = events.last() {
            self.inner.published.fetch_max(last.position, Ordering::AcqRel);
        }
        if self.inner.appended.receiver_count() > 0 {
            for e in events {
                // A subscriber that went away in between is fine.
                let _ = self.inner.appended.send(Arc::new(e));
            }
        }
    }

    /// The first catch-up, over the whole log: one task reads and decodes the next page
    /// while this one applies the current, so the database, the decoding and the fold
    /// overlap. Callers hold `writer`.
    async fn fold_log(&self) -> ApiResult<()> {
        let (pages, mut next) = tokio::sync::mpsc::channel(2);
        let store = self.inner.store.clone();
        let mut from = self.state().position();
        let reader = tokio::spawn(async move {
            loop {
                let page = store.read_after(from, PAGE).await;
                let more = match &page {
                    Ok(events) if events.len() as u64 == PAGE => events.last().map(|e| e.position),
                    _ => None,
                };
                if pages.send(page).await.is_err() {
                    return;
                }
                match more {
                    Some(last) => from = last,
                    None => return,
                }
            }
        });
        while let Some(page) = next.recv().await {
            self.apply_all(page?);
        }
        reader
            .await
            .map_err(|e| ApiError::Internal(format!("the log reader stopped: {e}")))?;
        // Whatever was appended meanwhile.
        self.catch_up().await
    }

    /// Reads and applies everything after the state's position. Callers hold `writer`.
    async fn catch_up(&self) -> ApiResult<()> {
        if self.inner.phantom.load(Ordering::Acquire) {
            return self.refold().await;
        }
        loop {
            let from = self.state().position();
            let page = self.inner.store.read_after(from, PAGE).await?;
            let full = page.len() as u64 == PAGE;
            self.apply_all(page);
            if !full {
                return Ok(());
            }
        }
    }

    /// Folds the whole log into a new state and puts it in place of the current one, whose
    /// events a failed commit left without rows. Callers hold `writer`.
    async fn refold(&self) -> ApiResult<()> {
        // From the newest usable snapshot: the full log is seconds at a college's size, and
        // readers see the events of the failed group until this is done.
        // What other instances committed meanwhile at positions the failed group had taken
        // was never told: subscribers hear of it once it is in place. So the fold starts at
        // or below what they were told (another instance's newer snapshot would skip it).
        let published = self.inner.published.load(Ordering::Acquire);
        let mut fresh = self.restore(published).await?;
        let mut untold = Vec::new();
        loop {
            let page = self.inner.store.read_after(fresh.position(), PAGE).await?;
            let full = page.len() as u64 == PAGE;
            for e in &page {
                fresh.apply(e);
            }
            untold.extend(page.into_iter().filter(|e| e.position > published));
            if !full {
                break;
            }
        }
        let position = fresh.position();
        *self
            .inner
            .state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh;
        self.inner.phantom.store(false, Ordering::Release);
        self.inner.epoch.fetch_add(1, Ordering::AcqRel);
        self.publish(untold);
        tracing::warn!(position, "the state was folded again from the log");
        Ok(())
    }

    /// Follows appends made by other instances: on each notification, and every second.
    fn spawn_follower(&self) {
        // Weak, so the task ends when the last App handle is dropped.
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut notified = match weak.upgrade() {
                Some(inner) => inner.store.subscribe().await,
                None => return,
            };
            loop {
                let heard = match notified.as_mut() {
                    Some(rx) => match tokio::time::timeout(POLL, rx.recv()).await {
                        Ok(Some(position)) => Some(position),
                        Ok(None) => {
                            notified = None;
                            None
                        }
                        Err(_elapsed) => None,
                    },
                    None => {
                        tokio::time::sleep(POLL).await;
                        None
                    }
                };
                let Some(inner) = weak.upgrade() else { return };
                let app = App { inner };
                // Our own commits are notified too, and are applied already: catching up
                // on them would read the database and take the writer lock once per group.
                // Compared with what was published, which counts committed events only: a
                // failed group's events, in the state until it is folded again, do not
                // hide another instance's commits at their positions.
                let published = app.inner.published.load(Ordering::Acquire);
                if heard.is_some_and(|position| position <= published) {
                    continue;
                }
                let _writer = app.inner.writer.lock().await;
                if let Err(e) = app.catch_up().await {
                    tracing::warn!(error = ?e, "catching up with the log failed; retrying");
                }
            }
        });
    }
}
