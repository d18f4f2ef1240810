//! The archive box (档案盒) of a unit for a period: every pairing's 附件一 (in folders by
//! the mentors' branch) and every assessed person's 附件二 (by class), as one ZIP.
//!
//! The forms' content is read from the state first, all at once and quickly, so the state
//! lock is held for milliseconds; the slow part, writing each XLSX and deflating it, runs
//! afterwards on a blocking thread, and the ZIP goes out as it is written: the whole box is
//! never in memory, only the form being written and a chunk of the stream.

use super::{ExportError, assessment_form, record_form, statistics_sheet};
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use domain::forms::{self, AssessmentForm, RecordForm};
use domain::rubric::{self, Rubric};
use domain::state::State;
use domain::time::Period;
use domain::vocab::OrgUnitKind;
use std::collections::HashSet;
use std::io::Write;
use tokio::sync::mpsc;
use uuid::Uuid;

/// One file of the box: where it goes, and what it holds.
pub struct Entry {
    pub path: String,
    pub form: Form,
}

pub enum Form {
    /// 附件一, and the mentee's 联系方式 when known.
    Record(Box<RecordForm>, Option<String>),
    Assessment(Box<AssessmentForm>),
    /// A file written already (the statistics sheet: small, and it names units).
    Written(Vec<u8>),
}

/// What goes in the box of `unit` for `period`, assessed under `rubric`, in the order the
/// ZIP lists it: 附件一 by branch, then 附件二 by class, each folder sorted by file name,
/// then the statistics sheet (as of `as_of`).
pub fn contents(
    state: &State,
    unit: Uuid,
    period: Period,
    rubric: &Rubric,
    as_of: DateTime<Utc>,
) -> Result<Vec<Entry>, ExportError> {
    let scope = state.scope(unit);
    let (first, last) = (period.first_day(), period.last_day());
    let mut names = Names::default();
    let mut records: Vec<Entry> = state
        .pairings()
        .filter(|p| scope.pairing(p) && p.starts_on <= last && p.ends_on.is_none_or(|e| e >= first))
        .filter_map(|p| forms::record_form(state, p.id, period))
        .map(|form| {
            let branch = form
                .mentor_branches
                .first()
                .cloned()
                .unwrap_or_else(|| "未分支部".into());
            let file = format!("{}—{}", form.mentor_names.join("、"), form.mentee_name);
            let contact = None;
            Entry {
                path: names.unique(&format!("附件一/{}/{}", clean(&branch), clean(&file))),
                form: Form::Record(Box::new(form), contact),
            }
        })
        .collect();
    records.sort_by(|a, b| a.path.cmp(&b.path));
    let mut assessments: Vec<Entry> = rubric::assessed_in(state, rubric, unit)
        .into_iter()
        .filter_map(|p| {
            let class = p
                .org_unit_ids
                .iter()
                .filter_map(|u| state.org_unit(*u))
                .find(|u| u.kind == OrgUnitKind::Class)
                .map_or_else(|| "未分班级".to_owned(), |u| u.name.clone());
            let form = forms::assessment_form(state, rubric, p.id, period)?;
            let file = format!("{} {}", p.number, p.name);
            Some(Entry {
                path: names.unique(&format!("附件二/{}/{}", clean(&class), clean(&file))),
                form: Form::Assessment(Box::new(form)),
            })
        })
        .collect();
    assessments.sort_by(|a, b| a.path.cmp(&b.path));
    records.extend(assessments);
    let statistics = domain::statistics::statistics(state, unit, period, as_of);
    records.push(Entry {
        path: names.unique("统计"),
        form: Form::Written(statistics_sheet::write(state, &statistics)?),
    });
    Ok(records)
}

/// File names seen so far: a second `张三—李四` becomes `张三—李四 (2)`.
#[derive(Default)]
struct Names(HashSet<String>);

impl Names {
    fn unique(&mut self, stem: &str) -> String {
        let mut n = 1;
        loop {
            let path = if n == 1 {
                format!("{stem}.xlsx")
            } else {
                format!("{stem} ({n}).xlsx")
            };
            if self.0.insert(path.clone()) {
                return path;
            }
            n += 1;
        }
    }
}

/// A name as a path segment: no separators, no control characters, not empty.
fn clean(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_matches('.');
    if trimmed.is_empty() {
        "_".into()
    } else {
        trimmed.to_owned()
    }
}

/// Writes the box into `out` as a streamed ZIP (no seeking: data descriptors follow each
/// file), flushed at the end.
pub fn write<W: Write>(entries: &[Entry], out: W) -> Result<W, ExportError> {
    let mut zip = zip::ZipWriter::new_stream(out);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for entry in entries {
        let bytes = match &entry.form {
            Form::Record(form, contact) => record_form::write(form, contact.as_deref())?,
            Form::Assessment(form) => assessment_form::write(form)?,
            Form::Written(bytes) => bytes.clone(),
        };
        zip.start_file(entry.path.as_str(), options)?;
        zip.write_all(&bytes)?;
    }
    let mut out = zip.finish()?.into_inner();
    out.flush()?;
    Ok(out)
}

/// A `Write` that hands the stream to the HTTP body in chunks of [`CHUNK`] bytes; it
/// fails once the client has gone, which stops the writing.
pub struct ChannelWriter {
    buffer: Vec<u8>,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

/// Bytes gathered before a chunk is sent.
pub const CHUNK: usize = 64 * 1024;

impl ChannelWriter {
    pub fn new(tx: mpsc::Sender<Result<Bytes, std::io::Error>>) -> ChannelWriter {
        ChannelWriter {
            buffer: Vec::with_capacity(CHUNK),
            tx,
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client has gone"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
