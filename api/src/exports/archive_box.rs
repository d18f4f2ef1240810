//! The archive box (档案盒) of a unit for a period: every pairing's 附件一 (in folders by
//! the mentors' branch) and every assessed person's 附件二 (by class), as one ZIP.
//!
//! On a blocking thread: the forms are planned (their paths) under one short read of the
//! state, then read [`FORMS_PER_READ`] at a time, each read a short hold of the state lock,
//! and written and deflated outside it; the ZIP goes out as it is written, so the whole box
//! is never in memory, only the forms of one read and a chunk of the stream.

use super::{ExportError, assessment_form, record_form};
use axum::body::Bytes;
use domain::access::{Caller, Right};
use domain::forms::{self, AssessmentForm, RecordForm};
use domain::rubric::{self, Rubric};
use domain::state::State;
use domain::time::Period;
use domain::vocab::OrgUnitKind;
use std::collections::HashSet;
use std::io::Write;
use tokio::sync::mpsc;
use uuid::Uuid;

/// What a form of the box is about.
#[derive(Clone, Copy, Debug)]
pub enum Item {
    /// 附件一 of a pairing.
    Pairing(Uuid),
    /// 附件二 of a person.
    Person(Uuid),
}

/// One form of the box: where it goes, and whose it is.
#[derive(Clone, Debug)]
pub struct Planned {
    pub path: String,
    pub item: Item,
}

/// A form's content, read from the state.
pub enum Form {
    /// 附件一, and the mentee's 联系方式 when known.
    Record(Box<RecordForm>, Option<String>),
    Assessment(Box<AssessmentForm>),
}

/// Forms read from the state per lock: enough to keep the writer busy, few enough that a
/// command waiting for the write lock waits milliseconds.
pub const FORMS_PER_READ: usize = 32;

/// The forms of the box of `unit` for `period`, assessed under `rubric`, in the order the
/// ZIP lists them: 附件一 by branch, then 附件二 by class, each folder sorted by file name.
/// Only names are read here; [`form`] reads each form's content.
pub fn plan(state: &State, unit: Uuid, period: Period, rubric: &Rubric) -> Vec<Planned> {
    let scope = state.scope(unit);
    let (first, last) = (period.first_day(), period.last_day());
    let mut names = Names::default();
    let name = |id: &Uuid| {
        state
            .person(*id)
            .map(|p| p.name.clone())
            .or_else(|| state.org_unit(*id).map(|u| u.name.clone()))
            .unwrap_or_default()
    };
    let mut records: Vec<Planned> = scope
        .pairings()
        .into_iter()
        .filter(|p| p.starts_on <= last && p.ends_on.is_none_or(|e| e >= first))
        .map(|p| {
            let branch = p
                .mentor_ids
                .iter()
                .filter_map(|id| state.person(*id))
                .flat_map(|m| m.org_unit_ids.iter())
                .filter_map(|u| state.org_unit(*u))
                .find(|u| u.kind == OrgUnitKind::Branch)
                .map_or_else(|| "未分支部".to_owned(), |u| u.name.clone());
            let mentors: Vec<String> = p.mentor_ids.iter().map(name).collect();
            let file = format!("{}—{}", mentors.join("、"), name(&p.mentee_id));
            Planned {
                path: names.unique(&format!("附件一/{}/{}", clean(&branch), clean(&file))),
                item: Item::Pairing(p.id),
            }
        })
        .collect();
    records.sort_by(|a, b| a.path.cmp(&b.path));
    let mut assessments: Vec<Planned> = rubric::assessed_in(state, rubric, unit)
        .into_iter()
        .map(|p| {
            let class = p
                .org_unit_ids
                .iter()
                .filter_map(|u| state.org_unit(*u))
                .find(|u| u.kind == OrgUnitKind::Class)
                .map_or_else(|| "未分班级".to_owned(), |u| u.name.clone());
            let file = format!("{} {}", p.number, p.name);
            Planned {
                path: names.unique(&format!("附件二/{}/{}", clean(&class), clean(&file))),
                item: Item::Person(p.id),
            }
        })
        .collect();
    assessments.sort_by(|a, b| a.path.cmp(&b.path));
    records.extend(assessments);
    records
}

/// The content of one planned form for `reader`; `None` when its pairing or person is gone.
pub fn form(state: &State, planned: &Planned, period: Period, rubric: &Rubric, reader: &Caller<'_>) -> Option<Form> {
    match planned.item {
        Item::Pairing(id) => {
            let form = forms::record_form(state, id, period)?;
            let contact = mentee_contact(state, reader, id);
            Some(Form::Record(Box::new(form), contact))
        }
        Item::Person(id) => forms::assessment_form(state, rubric, id, period).map(|f| Form::Assessment(Box::new(f))),
    }
}

/// 帮扶对象联系方式 of a pairing's 附件一: the mentee's contact, part of their record, so
/// blank for a reader who may not read it (and for a League branch, which has none).
pub fn mentee_contact(state: &State, reader: &Caller<'_>, pairing: Uuid) -> Option<String> {
    let mentee = state.pairing(pairing)?.mentee_id;
    if !reader.may(Right::ReadRecord(mentee)) {
        return None;
    }
    state.person(mentee)?.contact.clone()
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
/// file): the planned forms, read `FORMS_PER_READ` at a time through `read` (which holds
/// the state lock only while it reads), then the files in `tail` (written already).
pub fn write<W: Write>(
    plan: &[Planned],
    mut read: impl FnMut(&[Planned]) -> Vec<Option<Form>>,
    tail: &[(String, Vec<u8>)],
    out: W,
) -> Result<W, ExportError> {
    let mut zip = zip::ZipWriter::new_stream(out);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for chunk in plan.chunks(FORMS_PER_READ) {
        for (planned, form) in chunk.iter().zip(read(chunk)) {
            let bytes = match form {
                Some(Form::Record(form, contact)) => record_form::write(&form, contact.as_deref())?,
                Some(Form::Assessment(form)) => assessment_form::write(&form)?,
                None => continue,
            };
            zip.start_file(planned.path.as_str(), options)?;
            zip.write_all(&bytes)?;
        }
    }
    for (path, bytes) in tail {
        zip.start_file(path.as_str(), options)?;
        zip.write_all(bytes)?;
    }
    let mut out = zip.finish()?.into_inner();
    out.flush()?;
    Ok(out)
}

/// A `Write` that hands the stream to the HTTP body in chunks of [`CHUNK`] bytes, from a
/// blocking thread. It fails once the client has gone, or when the whole box has taken
/// longer than [`BOX_DEADLINE`] (a client that reads slowly does not hold a turn for
/// ever). Dropped before [`ChannelWriter::done`] (an error, a panic), it ends the body in
/// an error, so a broken box never looks like a short whole one.
pub struct ChannelWriter {
    buffer: Vec<u8>,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    runtime: tokio::runtime::Handle,
    deadline: tokio::time::Instant,
    done: bool,
}

/// Bytes gathered before a chunk is sent.
pub const CHUNK: usize = 64 * 1024;

/// The longest a box may take to reach its client.
pub const BOX_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

impl ChannelWriter {
    /// A writer for a blocking thread of `runtime`.
    pub fn new(tx: mpsc::Sender<Result<Bytes, std::io::Error>>, runtime: tokio::runtime::Handle) -> ChannelWriter {
        ChannelWriter {
            buffer: Vec::with_capacity(CHUNK),
            tx,
            runtime,
            deadline: tokio::time::Instant::now() + BOX_DEADLINE,
            done: false,
        }
    }

    fn push(&self, item: Result<Bytes, std::io::Error>) -> std::io::Result<()> {
        let sent = self
            .runtime
            .block_on(tokio::time::timeout_at(self.deadline, self.tx.send(item)));
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the client has gone",
            )),
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client did not read the box in time",
            )),
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        self.push(Ok(chunk))
    }

    /// The box is whole and flushed.
    pub fn done(mut self) {
        self.done = true;
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.push(Err(std::io::Error::other("the archive box could not be finished")));
        }
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
