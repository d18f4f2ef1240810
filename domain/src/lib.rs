//! Bangfu's domain: the events of a mentoring programme and the rules the seeds set over
//! them. Everything here is a pure function of events and an explicit "as of" time: no IO,
//! no async, no clock.
//!
//! # Layout
//!
//! | module | its job |
//! |---|---|
//! | [`event`] | the events (one enum, a serde tag and a schema version per kind, `upcast` for old rows) |
//! | [`vocab`], [`time`] | the closed sets the seeds name (政治面貌, 结对方式 …); Shanghai days, periods, months, the calendar's bounds |
//! | [`state`] | the fold: one file per aggregate (`org`, `person`, `pairing`, `school`), each applying and retracting its own events and answering questions about them |
//! | [`decide`] | commands: `(state, input, now) → Decision` or a refusal naming the field |
//! | [`access`] | the rights matrix: who may do what, as one function of the state and the caller |
//! | [`cadence`] | the windows a cadence runs on (ISO weeks, months, quarters, terms, blocks of days) and the vacations that pause them |
//! | [`alert`] | what is due or overdue as of an instant: contacts, thought reports, reviews, monthly records, opinions, problems solved, lifecycle dates |
//! | [`rubric`] | 量化考核: rubrics as data (the presets are JSON files), the engine, who is assessed |
//! | [`ranking`] | quotas and ranks: 党员之星, 最具进步奖 |
//! | [`forms`] | the archive's paper forms as content: 附件一 (a pairing's record), 附件二 (an assessment) |
//! | [`roster`] | 花名册: a roster sheet's rows as registrations and the classes and branches they name, decided as one batch, or the wrong rows in Chinese |
//! | [`reminder`] | what a unit's morning digest says, which contact lapses its mentors are emailed about, and when a failed delivery is retried |
//! | [`statistics`] | the figures a branch reports for a period (seed 002), for a scope and each unit below it |
//! | `testkit` | (tests) given / when / then over a world of events |
//!
//! Imports form no cycle: `decide`, `ranking` → `rubric`; `decide`, `alert`, `rubric`,
//! `ranking`, `access` → `state`; `alert`, `rubric` → `cadence`; `state`, `cadence` →
//! `event` → `time`, `vocab`.
//!
//! # A command's path: a contact
//!
//! `decide::record_contact(state, input, now)` asks `state.pairing(id)`, checks the contact
//! falls within the pairing's life and not in the future, and returns a `Decision`: one
//! `Event::ContactRecorded` for the pairing's stream at the version it saw. Once stored,
//! `State::apply` hands it to `state/pairing.rs`, which keeps it in the pairing's
//! contacts (in time order) and answers `Folded::Fact`, so it can be retracted.
//!
//! # A query's path: contact alerts
//!
//! `alert::contact_alerts(state, scope, as_of, min)`: the pairings in `state.scope(unit)`,
//! each pairing's cadence read as windows by `cadence::Windowing::of`, paused by the
//! school's vacations, its deadline classified against `as_of`, the worst first.

pub mod access;
pub mod alert;
pub mod cadence;
pub mod decide;
pub mod error;
pub mod event;
pub mod forms;
pub mod ranking;
pub mod reminder;
pub mod roster;
pub mod rubric;
pub mod state;
pub mod statistics;
#[cfg(test)]
pub(crate) mod testkit;
pub mod time;
pub mod vocab;

pub use decide::Decision;
pub use error::DomainError;
pub use event::{Cadence, Event, Recorded, Vacation};
pub use state::State;
pub use time::{Month, Period, PeriodKind};
pub use vocab::*;
