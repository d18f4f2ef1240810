//! Decide: each command is a pure function of (state, input, now) that either refuses with
//! a [`DomainError`] naming the offending field, or returns the events to append to one
//! stream at the version it saw. Ids of new entities come in with the input (the caller
//! mints them), so nothing here is random or reads a clock. A [`Batch`] decides several
//! commands in order, each seeing the ones before it (an import).

mod attachment;
mod batch;
mod facts;
mod org;
mod pairing;
mod pairing_rules;
mod person;
mod programme;
mod retraction;

pub use attachment::*;
pub use batch::*;
pub use facts::*;
pub use org::*;
pub use pairing::*;
pub use person::*;
pub use programme::*;
pub use retraction::*;

use crate::error::DomainError;
use crate::event::Event;
use crate::state::{Pairing, Person, State};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// What a command decided: append these events to this stream, which must still be at
/// `expected_version`.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub stream_id: Uuid,
    pub expected_version: i64,
    pub events: Vec<Event>,
}

impl Decision {
    fn one(state: &State, stream_id: Uuid, event: Event) -> Decision {
        Decision {
            stream_id,
            expected_version: state.stream_version(stream_id),
            events: vec![event],
        }
    }
}

/// The stream of school-wide facts (published vacations, rubrics).
pub const SCHOOL_STREAM: Uuid = Uuid::nil();

/// Longest free text we keep (content of a talk, a note, a reason).
pub const MAX_TEXT: usize = 5_000;
/// Longest name or title.
pub const MAX_NAME: usize = 200;
/// Most units a person belongs to at registration (college, branch, party group, class,
/// League branch … with room to spare): lists stay short, and so does every check of them.
pub const MAX_UNITS: usize = 20;
/// Most mentors of one pairing: seed 004's League-branch pairings have two or three; ten
/// leaves room for a branch's whole committee.
pub const MAX_MENTORS: usize = 10;
/// Most vacations the school publishes at once (decades of winters and summers).
pub const MAX_VACATIONS: usize = 100;
/// Kinds of 排查摸底 category: a screening lists each at most once.
pub const SCREENING_CATEGORIES: usize = 10;

/// Trims a required text and bounds its length.
pub fn required_text(field: &'static str, value: &str, max: usize) -> Result<String, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::bad(field, "must not be empty"));
    }
    bounded(field, trimmed, max)
}

/// Trims an optional text; blank becomes `None`.
pub fn optional_text(field: &'static str, value: Option<&str>, max: usize) -> Result<Option<String>, DomainError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => bounded(field, text, max).map(Some),
    }
}

fn bounded(field: &'static str, text: &str, max: usize) -> Result<String, DomainError> {
    if text.chars().count() > max {
        return Err(DomainError::bad(field, format!("is longer than {max} characters")));
    }
    Ok(text.to_owned())
}

/// A business date may be today or earlier (in Shanghai), never later.
pub fn not_in_future(field: &'static str, day: NaiveDate, now: DateTime<Utc>) -> Result<NaiveDate, DomainError> {
    let today = crate::time::local_date(now);
    if day > today {
        return Err(DomainError::bad(
            field,
            format!("{day} is in the future (today is {today})"),
        ));
    }
    Ok(day)
}

/// An unknown person is NOT_FOUND, whichever field named them.
pub(crate) fn person(state: &State, id: Uuid) -> Result<&Person, DomainError> {
    state.person(id).ok_or_else(|| DomainError::not_found("person", id))
}

pub(crate) fn pairing(state: &State, id: Uuid) -> Result<&Pairing, DomainError> {
    state.pairing(id).ok_or_else(|| DomainError::not_found("pairing", id))
}
