//! `bangfu demo --size college`: a college at full size — 3,000 people, 1,500 pairings,
//! September 2024 to November 2026, about 1,000,000 events — the log the benchmarks
//! generate ([`super::workload`]), appended through the store in large batches
//! ([`EventStore::append_batch`], one transaction per ~[`CHUNK`] events), then a counsellor
//! for the whole college.
//!
//! The log is generated on a blocking thread while the previous chunk is appended, so the
//! generator and the database overlap; memory holds two chunks at most.

use super::workload::{ACTOR, Batch, Spec, Workload, retraction};
use crate::store::{EventStore, StreamAppend};
use anyhow::{Context as _, bail};
use domain::Event;
use domain::vocab::Role;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Events per transaction.
const CHUNK: usize = 20_000;

/// What the college demo recorded, for the message that follows it.
#[derive(Debug)]
pub struct SeededCollege {
    pub college_id: Uuid,
    pub branch_id: Uuid,
    /// The number of the person who is the college's counsellor (sees all of it).
    pub counsellor: String,
    pub events: i64,
    pub elapsed: Duration,
}

/// Appends the college (`scale` 1: ~1,000,000 events) into `store`, which must be empty.
pub async fn seed_college(store: &EventStore, scale: f64) -> anyhow::Result<SeededCollege> {
    let started = Instant::now();
    if store.head().await? > 0 {
        bail!("the database already holds events: the demo only seeds an empty one (try another --database-url)");
    }
    let workload = Workload::new(Spec::college(scale));
    let (chunks, mut next) = tokio::sync::mpsc::channel::<Vec<Batch>>(1);
    let generator = {
        let workload = Workload::new(workload.spec);
        tokio::task::spawn_blocking(move || {
            let mut chunk = Vec::new();
            let mut size = 0;
            let mut open = true;
            workload.for_each_batch(|b| {
                if !open {
                    return;
                }
                size += b.events.len();
                chunk.push(Batch {
                    stream: b.stream,
                    events: b.events.clone(),
                    retract: b.retract.clone(),
                });
                if size >= CHUNK {
                    size = 0;
                    open = chunks.blocking_send(std::mem::take(&mut chunk)).is_ok();
                }
            });
            if open && !chunk.is_empty() {
                let _ = chunks.blocking_send(chunk);
            }
        })
    };
    let mut versions: HashMap<Uuid, i64> = HashMap::new();
    let mut retract: Vec<(Uuid, Uuid)> = Vec::new();
    while let Some(chunk) = next.recv().await {
        let mut parts = Vec::with_capacity(chunk.len());
        for b in &chunk {
            let version = versions.entry(b.stream).or_insert(0);
            parts.push(StreamAppend {
                stream_id: b.stream,
                expected_version: *version,
                events: &b.events,
            });
            *version += b.events.len() as i64;
        }
        let recorded = store
            .append_batch(&parts, Some(ACTOR))
            .await
            .context("appending the college")?;
        // Parts are recorded in order, so each batch's events follow the last one's.
        let mut at = 0;
        for b in &chunk {
            retract.extend(
                b.retract
                    .iter()
                    .filter_map(|&k| recorded.get(at + k))
                    .map(|r| (b.stream, r.id)),
            );
            at += b.events.len();
        }
    }
    generator.await.context("the college's generator stopped")?;

    // One fact in a thousand retracted, then the counsellor: the last person, a student.
    let mut closing: HashMap<Uuid, Vec<Event>> = HashMap::new();
    for (stream, id) in retract {
        closing.entry(stream).or_default().push(retraction(id));
    }
    let last = workload.people.len() - 1;
    let counsellor_id = workload.people[last];
    closing.entry(counsellor_id).or_default().push(Event::RoleAssigned {
        person_id: counsellor_id,
        role: Role::Counsellor,
        scope_id: workload.college,
    });
    let parts: Vec<StreamAppend<'_>> = closing
        .iter()
        .map(|(stream, events)| StreamAppend {
            stream_id: *stream,
            expected_version: versions.get(stream).copied().unwrap_or(0),
            events,
        })
        .collect();
    store
        .append_batch(&parts, Some(ACTOR))
        .await
        .context("appending the retractions")?;
    Ok(SeededCollege {
        college_id: workload.college,
        branch_id: workload.branches[0],
        counsellor: super::workload::person_number(last),
        events: store.head().await?,
        elapsed: started.elapsed(),
    })
}
