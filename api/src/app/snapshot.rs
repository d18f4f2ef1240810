//! Snapshots of the folded state (DESIGN §11): ready in a second rather than a full fold.
//!
//! A snapshot is the state at a position, serialised with postcard, with the version of its
//! shape ([`State::SNAPSHOT_FORMAT`]) and a CRC-32 of the bytes, in the `snapshots` table
//! beside the log. At start the newest one is read, checked and decoded, and only the
//! events after it are folded; one of another version, with a bad checksum, that does not
//! decode, or whose state is not at its position is ignored (logged) and the whole log is
//! folded, since the log alone is the truth.
//!
//! A background task takes one when [`SnapshotPolicy::every_events`] events were applied
//! since the last, or [`SnapshotPolicy::every`] has passed with any event new. It encodes
//! under the writer lock (so no group's uncommitted events are in it: commands wait for the
//! encoding, not for the write) on a blocking thread, then stores it with no lock held.

use super::{App, Inner};
use crate::error::{ApiError, ApiResult};
use crate::store::StoredSnapshot;
use domain::State;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// When to take a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotPolicy {
    /// After this many events since the last snapshot (0: never).
    pub every_events: u64,
    /// After this long since the last, if any event is new.
    pub every: Duration,
}

impl Default for SnapshotPolicy {
    fn default() -> SnapshotPolicy {
        SnapshotPolicy {
            every_events: 100_000,
            every: Duration::from_secs(3_600),
        }
    }
}

/// How often the background task looks at the state's position.
const TICK: Duration = Duration::from_secs(5);

/// Why a stored snapshot was not used.
#[derive(Debug, thiserror::Error)]
pub enum Unusable {
    #[error("it is of format {found}, this build reads {}", State::SNAPSHOT_FORMAT)]
    Format { found: i32 },
    #[error("its checksum is {found:#x}, its bytes sum to {computed:#x}")]
    Checksum { found: i64, computed: i64 },
    #[error("it does not decode: {0}")]
    Decode(#[from] postcard::Error),
    #[error("its state is at {state}, the row says {row}")]
    Position { state: i64, row: i64 },
    /// Bytes left over once a state is read: the shape it was written in is not this one.
    #[error("{0} bytes are left over once its state is read")]
    Trailing(usize),
}

/// The state as a snapshot row.
pub fn encode(state: &State) -> Result<StoredSnapshot, postcard::Error> {
    let bytes = postcard::to_allocvec(state)?;
    Ok(StoredSnapshot {
        position: state.position(),
        format: State::SNAPSHOT_FORMAT,
        checksum: i64::from(crc32fast::hash(&bytes)),
        state: bytes,
    })
}

/// The state a snapshot row holds, once its format, checksum and position check out.
pub fn decode(snapshot: &StoredSnapshot) -> Result<State, Unusable> {
    if snapshot.format != State::SNAPSHOT_FORMAT {
        return Err(Unusable::Format { found: snapshot.format });
    }
    let computed = i64::from(crc32fast::hash(&snapshot.state));
    if computed != snapshot.checksum {
        return Err(Unusable::Checksum {
            found: snapshot.checksum,
            computed,
        });
    }
    // postcard names no fields: a state of another shape may read as this one with bytes to
    // spare, and is refused for them.
    let (state, rest): (State, &[u8]) = postcard::take_from_bytes(&snapshot.state)?;
    if !rest.is_empty() {
        return Err(Unusable::Trailing(rest.len()));
    }
    if state.position() != snapshot.position {
        return Err(Unusable::Position {
            state: state.position(),
            row: snapshot.position,
        });
    }
    Ok(state)
}

impl App {
    /// The newest usable snapshot's state, or an empty one (a full fold follows).
    pub(super) async fn restore(&self) -> ApiResult<State> {
        let head = self.inner.store.head().await?;
        let stored = match self.inner.store.latest_snapshot(head).await {
            Ok(Some(stored)) => stored,
            Ok(None) => return Ok(State::new()),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the snapshots; folding the whole log");
                return Ok(State::new());
            }
        };
        let started = Instant::now();
        let position = stored.position;
        let decoded = tokio::task::spawn_blocking(move || decode(&stored))
            .await
            .map_err(|e| ApiError::Internal(format!("decoding the snapshot stopped: {e}")))?;
        match decoded {
            Ok(state) => {
                tracing::info!(
                    position,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "state restored from a snapshot"
                );
                Ok(state)
            }
            Err(why) => {
                tracing::warn!(position, reason = %why, "ignoring the snapshot; folding the whole log");
                Ok(State::new())
            }
        }
    }

    /// Takes a snapshot now (the background task's work; also for tests and tools).
    pub async fn take_snapshot(&self) -> ApiResult<i64> {
        let encoded = {
            let _writer = self.inner.writer.lock().await;
            if self.inner.phantom.load(Ordering::Acquire) {
                return Err(ApiError::Internal("the state is being folded again".into()));
            }
            let app = self.clone();
            tokio::task::spawn_blocking(move || encode(&app.state()))
                .await
                .map_err(|e| ApiError::Internal(format!("encoding the snapshot stopped: {e}")))?
                .map_err(|e| ApiError::Internal(format!("the state does not encode: {e}")))?
        };
        let position = encoded.position;
        self.inner.store.save_snapshot(encoded).await?;
        Ok(position)
    }

    pub(super) fn spawn_snapshots(&self, policy: SnapshotPolicy, taken_at: i64) {
        if policy.every_events == 0 {
            return;
        }
        tokio::spawn(take_snapshots(Arc::downgrade(&self.inner), policy, taken_at));
    }
}

async fn take_snapshots(app: Weak<Inner>, policy: SnapshotPolicy, mut taken_at: i64) {
    let mut since = Instant::now();
    loop {
        tokio::time::sleep(TICK).await;
        let Some(inner) = app.upgrade() else { return };
        let app = App { inner };
        let position = app.state().position();
        let new = u64::try_from(position - taken_at).unwrap_or(0);
        if new == 0 || (new < policy.every_events && since.elapsed() < policy.every) {
            continue;
        }
        let started = Instant::now();
        match app.take_snapshot().await {
            Ok(at) => {
                tracing::info!(
                    position = at,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "snapshot taken"
                );
                taken_at = at;
                since = Instant::now();
            }
            Err(e) => tracing::warn!(error = ?e, "taking a snapshot failed; trying again later"),
        }
    }
}
