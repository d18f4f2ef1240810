//! The command writer: group commit (DESIGN §11).
//!
//! [`App::execute`] queues its command with a reply channel; one writer task takes every
//! command queued meanwhile (up to [`MAX_GROUP`]) as a group and, under the writer lock:
//!
//! 1. opens one store transaction ([`crate::store::Group`]: the append lock, the head; on
//!    PostgreSQL the lock is kept across groups while commands keep coming, a lease let go
//!    after [`LEASE_IDLE`] without one) and catches the state up if another instance
//!    appended since;
//! 2. decides the commands one after another against the state, applying each one's events
//!    to it before deciding the next, so each sees the ones before it. The state answers
//!    every stream version and idempotency key: nothing is read per command (a retried key
//!    reads its first event back). A refusal, a stale version or a reused key answers that
//!    command alone;
//! 3. commits once (one fsync for the group) and answers each command, none before the
//!    commit. Subscribers are told of the events after the commit.
//!
//! Between 2 and 3 this instance's readers can see events that are not yet committed, for
//! the length of the commit. If the commit fails, those events are in the state but not in
//! the log: the state is folded again from the log ([`App::refold`]), then every staged
//! command is answered with the error, before anything else is decided or applied — unless
//! the log has the group after all (the connection dropped after the commit, before its
//! answer): then each is answered as committed.

use super::{App, PAGE};
use crate::error::{ApiError, ApiResult};
use crate::idempotency::{Fingerprint, Idempotency};
use crate::store::{Backend, Group, LEASE_IDLE, StoreError};
use chrono::{DateTime, Utc};
use domain::{Decision, DomainError, Recorded, State};
use futures_util::FutureExt as _;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Weak;
use std::sync::atomic::Ordering;
use tokio::sync::{mpsc, oneshot};

/// At most this many commands share one transaction.
const MAX_GROUP: usize = 256;

/// A command's decision, made once against the state as the group leaves it.
pub(super) type Decide = Box<dyn FnOnce(&State, DateTime<Utc>) -> Result<Decision, DomainError> + Send>;

/// An idempotency key, checked, with the fingerprint of its input.
pub(super) struct Key {
    pub key: String,
    pub fingerprint: Fingerprint,
}

/// A command waiting for the writer.
pub(super) struct Queued {
    pub subject: String,
    pub key: Option<Key>,
    pub decide: Decide,
    pub reply: oneshot::Sender<ApiResult<Recorded>>,
}

/// What became of one command of a group.
enum Outcome {
    /// Answered whatever the commit does: a refusal, or a key's first event already in the log.
    Answered(ApiResult<Recorded>),
    /// Its first event, staged in this group (or, for a key used earlier in the group, that
    /// use's first event): the answer once the group commits.
    Staged(Recorded),
}

/// The writer task: runs until the last [`App`] handle is gone (the queue's sender with it).
pub(super) async fn run(app: Weak<super::Inner>, mut commands: mpsc::UnboundedReceiver<Queued>) {
    // Its own handle, so the append lease is let go even once the app is gone.
    let Some(store) = app.upgrade().map(|inner| inner.store.clone()) else {
        return;
    };
    let leases = store.backend() == Backend::Postgres;
    // Whether a group ran since the lease was last let go (set again by the next group).
    let mut leased = false;
    loop {
        // While commands keep coming the lease is kept (PostgreSQL: one round trip a group);
        // a pause lets it go, so other appenders wait for no idle writer.
        let next = if leased {
            match tokio::time::timeout(LEASE_IDLE, commands.recv()).await {
                Ok(next) => next,
                Err(_idle) => {
                    store.release_lease().await;
                    commands.recv().await
                }
            }
        } else {
            commands.recv().await
        };
        let Some(first) = next else { break };
        leased = leases;
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match commands.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let Some(inner) = app.upgrade() else { break };
        let app = App { inner };
        // A panic (a rule or `State::apply` on a bug) drops the group's replies (each caller
        // is told the command was dropped), not the writer every later command waits for.
        // The state may be half applied: it is folded again from the log first.
        if AssertUnwindSafe(app.commit_group(group)).catch_unwind().await.is_err() {
            tracing::error!("a group commit panicked; folding the log again before the next command");
            app.inner.phantom.store(true, Ordering::Release);
            store.release_lease().await;
        }
    }
    store.release_lease().await;
}

/// Answers each command of a group that committed: its refusal, or its first event.
fn answer_committed(outcomes: Vec<(oneshot::Sender<ApiResult<Recorded>>, Outcome, bool)>) {
    for (reply, outcome, _) in outcomes {
        // A caller that went away in between is fine: its command is committed.
        let _ = reply.send(match outcome {
            Outcome::Answered(answer) => answer,
            Outcome::Staged(first) => Ok(first),
        });
    }
}

impl App {
    async fn commit_group(&self, queued: Vec<Queued>) {
        let _writer = match self.inner.writer.try_lock() {
            Ok(writer) => writer,
            Err(_busy) => {
                // A snapshot's encoding or a batch holds the writer (for up to seconds): the
                // other instances' appends must not wait for it behind an idle lease.
                self.inner.store.release_lease().await;
                self.inner.writer.lock().await
            }
        };
        let mut group = match self.open_group().await {
            Ok(group) => group,
            Err(e) => {
                for q in queued {
                    let _ = q.reply.send(Err(e.clone()));
                }
                return;
            }
        };
        let mut keyed_here = HashMap::new();
        let mut outcomes = Vec::with_capacity(queued.len());
        // Whether a command before this one was staged: its answer, whatever it is, was
        // decided against events that stand only if the group commits.
        let mut staged = false;
        for q in queued {
            let outcome = self
                .stage(&mut group, q.subject, q.key, q.decide, &mut keyed_here)
                .await;
            let after_staged = staged;
            staged |= matches!(outcome, Outcome::Staged(_));
            outcomes.push((q.reply, outcome, after_staged));
        }
        let count = outcomes.len();
        let events = group.staged_len();
        match group.commit().await {
            Ok(recorded) => {
                tracing::debug!(commands = count, events = recorded.len(), "group committed");
                self.publish(recorded);
                answer_committed(outcomes);
            }
            Err(e) => {
                tracing::error!(error = %e, commands = count, "a group commit failed; folding the log again");
                self.inner.phantom.store(true, Ordering::Release);
                let failed = ApiError::from(e);
                // Asked before the refold, so the refold reads a log that has the group if
                // this saw it: the state then has what the callers are told is committed.
                let landed = self.landed(&outcomes).await;
                // Folded again before anyone is answered: a caller told of the failure reads
                // a state without the events that failed.
                if let Err(e) = self.refold().await {
                    tracing::error!(error = ?e, "folding the log again failed; retrying before the next command");
                }
                if landed {
                    // The commit's answer was lost (the connection dropped after COMMIT), not
                    // the commit: the log has the group, and the refold told subscribers here
                    // (other instances: by their poll, within a second).
                    tracing::warn!(
                        commands = count,
                        "the group commit's answer was lost, but the group is in the log"
                    );
                    metrics::counter!(crate::telemetry::EVENTS_APPENDED).increment(events as u64);
                    answer_committed(outcomes);
                    return;
                }
                for (reply, outcome, after_staged) in outcomes {
                    // A refusal decided after a staged command may have been decided by it (a
                    // pairing ended in the group, then a contact refused): it fails too, and
                    // the caller retries against the log as it is.
                    let _ = reply.send(match outcome {
                        Outcome::Answered(answer) if !after_staged => answer,
                        Outcome::Answered(_) | Outcome::Staged(_) => Err(failed.clone()),
                    });
                }
            }
        }
    }

    /// After a failed commit: whether the group is in the log all the same. The group is one
    /// transaction (one statement on a lease), so one staged event tells: the log's event at
    /// its position is it, by id. `false` when nothing was staged or the log cannot be read.
    async fn landed(&self, outcomes: &[(oneshot::Sender<ApiResult<Recorded>>, Outcome, bool)]) -> bool {
        let Some(staged) = outcomes.iter().find_map(|(_, outcome, _)| match outcome {
            Outcome::Staged(first) => Some(first),
            Outcome::Answered(_) => None,
        }) else {
            return false;
        };
        match self.inner.store.find_event(staged.id).await {
            Ok(found) => found.is_some_and(|e| e.position == staged.position),
            Err(e) => {
                tracing::error!(error = %e, "cannot tell whether the failed group commit landed; answering it failed");
                false
            }
        }
    }

    /// Opens the group's transaction and brings the state up to the log's head inside it.
    /// Callers hold `writer`.
    async fn open_group(&self) -> ApiResult<Group> {
        if self.inner.phantom.load(Ordering::Acquire) {
            // A refold takes seconds at a college's size: nobody waits for it on the lock.
            self.inner.store.release_lease().await;
            self.refold().await?;
        }
        let group = self.inner.store.begin_group().await?;
        loop {
            let position = self.state().position();
            if position == group.head() {
                return Ok(group);
            }
            if position > group.head() {
                self.inner.phantom.store(true, Ordering::Release);
                return Err(ApiError::Internal(format!(
                    "the state is at {position}, past the log's head {}",
                    group.head()
                )));
            }
            // Another instance appended: its events, committed, read inside the lock.
            let page = group.read_after(position, PAGE).await?;
            if page.is_empty() {
                return Err(ApiError::Internal(format!(
                    "the log's head is {} but nothing follows {position}",
                    group.head()
                )));
            }
            self.apply_all(page);
        }
    }

    /// Decides one command against the state so far and stages its events.
    async fn stage(
        &self,
        group: &mut Group,
        subject: String,
        key: Option<Key>,
        decide: Decide,
        keyed_here: &mut HashMap<(String, String), (Fingerprint, Recorded)>,
    ) -> Outcome {
        if let Some(key) = &key {
            if let Some((fingerprint, first)) = keyed_here.get(&(subject.clone(), key.key.clone())) {
                return if *fingerprint == key.fingerprint {
                    Outcome::Staged(first.clone())
                } else {
                    Outcome::Answered(Err(ApiError::IdempotencyKeyReused))
                };
            }
            // The state indexes every committed key (it is caught up inside the lock); the
            // log keeps the fingerprint to compare and the first event to answer with.
            if self.state().keyed(&subject, &key.key).is_some() {
                let idempotency = Idempotency {
                    key: &key.key,
                    fingerprint: key.fingerprint.clone(),
                };
                return Outcome::Answered(match group.find_keyed(&subject, &idempotency).await {
                    Ok(Some(first)) => Ok(first),
                    Ok(None) => Err(ApiError::Internal(format!("key {:?} indexed but missing", key.key))),
                    Err(e) => Err(e.into()),
                });
            }
        }
        let now = group.now();
        let decided = {
            let state = self.state();
            // A panicking rule fails its command, not the writer every command waits for.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decide(&state, now)))
        };
        let decision = match decided {
            Ok(Ok(decision)) => decision,
            Ok(Err(refusal)) => return Outcome::Answered(Err(refusal.into())),
            Err(_) => return Outcome::Answered(Err(ApiError::Internal("a command's rule panicked".into()))),
        };
        let actual = self.state().stream_version(decision.stream_id);
        if decision.expected_version != actual {
            return Outcome::Answered(Err(StoreError::Conflict {
                stream_id: decision.stream_id,
                expected: decision.expected_version,
                actual,
            }
            .into()));
        }
        let idempotency = key.as_ref().map(|key| Idempotency {
            key: &key.key,
            fingerprint: key.fingerprint.clone(),
        });
        let recorded = group.stage(
            decision.stream_id,
            decision.expected_version,
            &decision.events,
            Some(&subject),
            idempotency.as_ref(),
        );
        self.apply_quietly(&recorded);
        let Some(first) = recorded.into_iter().next() else {
            return Outcome::Answered(Err(ApiError::Internal("a command decided no events".into())));
        };
        if let Some(key) = key {
            keyed_here.insert((subject, key.key), (key.fingerprint, first.clone()));
        }
        Outcome::Staged(first)
    }
}
