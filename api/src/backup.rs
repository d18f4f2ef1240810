//! `bangfu export-events` and `bangfu import-events`: the whole log as NDJSON, one event a
//! line in position order, each line a [`StoredRow`] (docs/operations.md has the format).
//!
//! The export reads the log in pages of [`EXPORT_PAGE`] rows and writes each page before
//! reading the next, so memory holds one page whatever the log's size; appends made while it
//! runs are positioned after what it has read, so it writes a gap-free prefix of the log.
//! The import reads one line at a time into the store's [`crate::store::Importer`]: the
//! positions must run 1, 2, 3 … without a gap, each stream's versions likewise, and the
//! database must hold no event; it is one transaction, so a refused file leaves the
//! database as it was.

use crate::store::{EventStore, ImportError, StoredRow};
use std::io::{BufRead, Read as _, Write};

/// Rows read from the database at once by the export.
pub const EXPORT_PAGE: u64 = 10_000;
/// The longest line the import reads: an event's payload is bounded by the request body
/// (1 MiB); four times that is room for escapes.
pub const MAX_LINE_BYTES: u64 = 4 * 1024 * 1024;

/// Why an export or import failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("line {line}: {source}")]
    Refused {
        line: u64,
        #[source]
        source: ImportError,
    },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("line {line} is not an exported event: {reason}")]
    Malformed { line: u64, reason: String },
    #[error("line {line} is longer than {MAX_LINE_BYTES} bytes")]
    LineTooLong { line: u64 },
    #[error("cannot read the file: {0}")]
    Read(#[source] std::io::Error),
    #[error("cannot write the export: {0}")]
    Write(#[source] std::io::Error),
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
}

/// Writes every event of the log to `out`, one JSON object a line; returns how many.
pub async fn export_events(store: &EventStore, out: &mut impl Write) -> Result<u64, BackupError> {
    let mut after = 0;
    let mut count = 0;
    loop {
        let page = store.export_page(after, EXPORT_PAGE).await?;
        for row in &page {
            serde_json::to_writer(&mut *out, row).map_err(|e| BackupError::Write(e.into()))?;
            out.write_all(b"\n").map_err(BackupError::Write)?;
        }
        count += page.len() as u64;
        match page.last() {
            Some(last) if page.len() as u64 == EXPORT_PAGE => after = last.position,
            _ => break,
        }
    }
    out.flush().map_err(BackupError::Write)?;
    Ok(count)
}

/// Loads an export into the store's empty log, keeping every position; returns how many
/// events it holds now. Blank lines are skipped. Anything refused leaves the log empty.
pub async fn import_events(store: &EventStore, input: impl BufRead) -> Result<u64, BackupError> {
    let mut importer = store.import().await?;
    match push_lines(&mut importer, input).await {
        Ok(()) => Ok(importer.finish().await?),
        Err(error) => {
            if let Err(rollback) = importer.abort().await {
                tracing::warn!(error = %rollback, "rolling the refused import back failed");
            }
            Err(error)
        }
    }
}

async fn push_lines(importer: &mut crate::store::Importer, mut input: impl BufRead) -> Result<(), BackupError> {
    let mut line = String::new();
    let mut number = 0;
    loop {
        line.clear();
        number += 1;
        let read = input
            .by_ref()
            .take(MAX_LINE_BYTES + 1)
            .read_line(&mut line)
            .map_err(BackupError::Read)?;
        if read == 0 {
            return Ok(());
        }
        if read as u64 > MAX_LINE_BYTES {
            return Err(BackupError::LineTooLong { line: number });
        }
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let row: StoredRow = serde_json::from_str(text).map_err(|e| BackupError::Malformed {
            line: number,
            reason: e.to_string(),
        })?;
        importer
            .push(row)
            .await
            .map_err(|source| BackupError::Refused { line: number, source })?;
    }
}
