//! Snapshots of the folded state (DESIGN §11): ready in a second rather than a full fold.
//!
//! A snapshot is the state at a position, serialised with postcard, with the version of its
//! shape ([`State::SNAPSHOT_FORMAT`]), a CRC-32 of the bytes and the id of the event at its
//! position, in a header row of `snapshots` and its bytes in `snapshot_parts` of at most
//! [`StoredSnapshot::PART_SIZE`] each, beside the log. Parts keep the database driver's
//! per-connection buffers at a part's size, and the encoding writes straight into them.
//!
//! At start the newest one is checked, read part by part into one buffer and decoded, and
//! only the events after it are folded; its header, its parts and the log's event at its
//! position are read in one transaction, as of one moment, while other instances may save
//! and prune snapshots. One of another version, taken after an event the
//! log does not have at its position (another history), with a missing part or a size
//! other than its header's, a bad checksum, that does not decode, or whose state is not at
//! its position is ignored (logged), and the one before it tried (else the whole log is
//! folded): the log alone is the truth.
//!
//! A background task takes one when [`SnapshotPolicy::every_events`] events were applied
//! since the last, or [`SnapshotPolicy::every`] has passed with any event new. It encodes
//! under the writer lock (so no group's uncommitted events are in it: commands wait for the
//! encoding, not for the write) on a blocking thread, then stores it with no lock held.

use super::{App, Inner};
use crate::error::{ApiError, ApiResult};
use crate::store::{EventStore, SnapshotReader, StoreError, StoredSnapshot};
use domain::{Recorded, State};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use uuid::Uuid;

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
    /// The log has no event at its position (it is shorter, or the snapshot is at 0).
    #[error("the log has no event at its position")]
    NoEvent,
    /// It was taken of another history: a log replaced or restored under it.
    #[error("it was taken after event {snapshot}, the log's event at its position is {log}")]
    OtherHistory { snapshot: Uuid, log: Uuid },
    #[error("part {part} of its {parts} is missing")]
    MissingPart { part: i64, parts: i64 },
    #[error("its header says {header} bytes, its parts hold {found}")]
    Size { header: i64, found: u64 },
    #[error("its {0} bytes cannot be allocated")]
    Allocation(i64),
    #[error("its checksum is {found:#x}, its bytes sum to {computed:#x}")]
    Checksum { found: i64, computed: i64 },
    #[error("it does not decode: {0}")]
    Decode(#[from] postcard::Error),
    #[error("its state is at {state}, the row says {row}")]
    Position { state: i64, row: i64 },
    /// Bytes left over once a state is read: the shape it was written in is not this one.
    #[error("{0} bytes are left over once its state is read")]
    Trailing(usize),
    #[error("it cannot be read: {0}")]
    Unreadable(#[from] StoreError),
}

/// The state as a snapshot: its header and its bytes in parts of at most `part_size` bytes
/// ([`StoredSnapshot::PART_SIZE`] when the app takes one). `event_id` is the id of the
/// event at the state's position.
///
/// The bytes go straight into the parts: no buffer of the whole encoding, nor the copies of
/// a doubling `Vec`, sits beside the state.
pub fn encode(
    state: &State,
    event_id: Uuid,
    part_size: usize,
) -> Result<(StoredSnapshot, Vec<Vec<u8>>), postcard::Error> {
    let parts = postcard::serialize_with_flavor(state, Parts::new(part_size))?;
    let size: usize = parts.done.iter().map(Vec::len).sum();
    Ok((
        StoredSnapshot {
            position: state.position(),
            event_id,
            format: State::SNAPSHOT_FORMAT,
            checksum: i64::from(parts.checksum),
            size: size as i64,
            parts: parts.done.len() as i64,
        },
        parts.done,
    ))
}

/// A postcard output that fills parts of a fixed size, summing each as it is filled.
struct Parts {
    size: usize,
    done: Vec<Vec<u8>>,
    filling: Vec<u8>,
    hasher: crc32fast::Hasher,
    checksum: u32,
}

impl Parts {
    fn new(size: usize) -> Parts {
        // A part of 0 bytes would never fill.
        let size = size.max(1);
        Parts {
            size,
            done: Vec::new(),
            filling: Vec::with_capacity(size),
            hasher: crc32fast::Hasher::new(),
            checksum: 0,
        }
    }

    fn close(&mut self, next: Vec<u8>) {
        let full = std::mem::replace(&mut self.filling, next);
        self.hasher.update(&full);
        self.done.push(full);
    }
}

impl postcard::ser_flavors::Flavor for Parts {
    type Output = Parts;

    fn try_extend(&mut self, mut data: &[u8]) -> postcard::Result<()> {
        while !data.is_empty() {
            if self.filling.len() == self.size {
                self.close(Vec::with_capacity(self.size));
            }
            let (now, later) = data.split_at(data.len().min(self.size - self.filling.len()));
            self.filling.extend_from_slice(now);
            data = later;
        }
        Ok(())
    }

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.try_extend(&[byte])
    }

    fn finalize(mut self) -> postcard::Result<Parts> {
        if !self.filling.is_empty() {
            // The last part is as long as what is left, not a whole part's capacity.
            let mut last = std::mem::take(&mut self.filling);
            last.shrink_to_fit();
            self.filling = last;
            self.close(Vec::new());
        }
        self.checksum = std::mem::take(&mut self.hasher).finalize();
        Ok(self)
    }
}

/// The state a snapshot holds, from its header and its bytes (all parts, in order), once
/// its format, size, checksum and position check out. Whether it is of this log's history
/// is [`App::restore`]'s to check: it needs the log.
pub fn decode(snapshot: &StoredSnapshot, bytes: &[u8]) -> Result<State, Unusable> {
    if snapshot.format != State::SNAPSHOT_FORMAT {
        return Err(Unusable::Format { found: snapshot.format });
    }
    if i64::try_from(bytes.len()).ok() != Some(snapshot.size) {
        return Err(Unusable::Size {
            header: snapshot.size,
            found: bytes.len() as u64,
        });
    }
    let computed = i64::from(crc32fast::hash(bytes));
    if computed != snapshot.checksum {
        return Err(Unusable::Checksum {
            found: snapshot.checksum,
            computed,
        });
    }
    // postcard names no fields: a state of another shape may read as this one with bytes to
    // spare, and is refused for them.
    let (state, rest): (State, &[u8]) = postcard::take_from_bytes(bytes)?;
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
    /// The newest usable snapshot's state at or below `at_most`, or an empty one (a full
    /// fold follows).
    pub(super) async fn restore(&self, at_most: i64) -> ApiResult<State> {
        // The newest first, then the one before it (two are kept for this), and so on.
        let mut below = self.inner.store.head().await?.min(at_most);
        loop {
            // A snapshot's header, parts and event are read as of one moment of the
            // database; the transaction ends before the decoding.
            let read = async {
                let reader = self.inner.store.snapshot_reader().await?;
                let snapshot = reader.latest(below).await?;
                Ok::<_, StoreError>(snapshot.map(|snapshot| (reader, snapshot)))
            };
            let (reader, snapshot) = match read.await {
                Ok(Some(found)) => found,
                Ok(None) => return Ok(State::new()),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the snapshots; folding the whole log");
                    return Ok(State::new());
                }
            };
            let started = Instant::now();
            let position = snapshot.position;
            match restore_from(reader, snapshot).await? {
                Ok(state) => {
                    tracing::info!(
                        position,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "state restored from a snapshot"
                    );
                    return Ok(state);
                }
                Err(why) => {
                    tracing::warn!(position, reason = %why, "ignoring the snapshot; trying an older one, else folding the whole log");
                    below = position - 1;
                }
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
            let position = self.state().position();
            // The state has no uncommitted event under the lock (and no phantom one, as
            // checked): the log's event at its position is the last one folded into it.
            let event_id = event_at(&self.inner.store, position)
                .await?
                .ok_or_else(|| {
                    ApiError::Internal(format!("the log has no event at {position} to take a snapshot after"))
                })?
                .id;
            let app = self.clone();
            tokio::task::spawn_blocking(move || encode(&app.state(), event_id, StoredSnapshot::PART_SIZE))
                .await
                .map_err(|e| ApiError::Internal(format!("encoding the snapshot stopped: {e}")))?
                .map_err(|e| ApiError::Internal(format!("the state does not encode: {e}")))?
        };
        let (snapshot, parts) = encoded;
        self.inner.store.save_snapshot(&snapshot, parts).await?;
        Ok(snapshot.position)
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

/// The state of a snapshot, or why it is unusable. Its header is checked before its
/// bytes are read, and its bytes are read a part at a time into one buffer of their
/// size, freed once decoded: the state and its bytes are all that is in memory at once.
async fn restore_from(reader: SnapshotReader, snapshot: StoredSnapshot) -> ApiResult<Result<State, Unusable>> {
    if snapshot.format != State::SNAPSHOT_FORMAT {
        return Ok(Err(Unusable::Format { found: snapshot.format }));
    }
    if let Err(why) = of_this_history(&reader, &snapshot).await {
        return Ok(Err(why));
    }
    let bytes = match read_parts(&reader, &snapshot).await {
        Ok(bytes) => bytes,
        Err(why) => return Ok(Err(why)),
    };
    // Ended: no database snapshot (PostgreSQL) or WAL read mark (SQLite) held while decoding.
    reader.end().await;
    tokio::task::spawn_blocking(move || decode(&snapshot, &bytes))
        .await
        .map_err(|e| ApiError::Internal(format!("decoding the snapshot stopped: {e}")))
}

/// The event at `position`, if the log has one.
async fn event_at(store: &EventStore, position: i64) -> Result<Option<Recorded>, StoreError> {
    if position < 1 {
        return Ok(None);
    }
    let mut page = store.read_after(position - 1, 1).await?;
    Ok(page.pop().filter(|e| e.position == position))
}

/// Whether the log's event at the snapshot's position is the one it was taken after.
async fn of_this_history(reader: &SnapshotReader, snapshot: &StoredSnapshot) -> Result<(), Unusable> {
    match reader.event_id_at(snapshot.position).await? {
        None => Err(Unusable::NoEvent),
        Some(id) if id != snapshot.event_id => Err(Unusable::OtherHistory {
            snapshot: snapshot.event_id,
            log: id,
        }),
        Some(_) => Ok(()),
    }
}

/// A snapshot's bytes: its parts, read one query each, appended to one buffer allocated
/// at the size its header says (so it never grows, and no copy of the whole is made).
async fn read_parts(reader: &SnapshotReader, snapshot: &StoredSnapshot) -> Result<Vec<u8>, Unusable> {
    let size = usize::try_from(snapshot.size).map_err(|_| Unusable::Allocation(snapshot.size))?;
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(size)
        .map_err(|_| Unusable::Allocation(snapshot.size))?;
    for part in 0..snapshot.parts {
        let Some(chunk) = reader.part(snapshot.position, part).await? else {
            return Err(Unusable::MissingPart {
                part,
                parts: snapshot.parts,
            });
        };
        if bytes.len() + chunk.len() > size {
            return Err(Unusable::Size {
                header: snapshot.size,
                found: (bytes.len() + chunk.len()) as u64,
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}
