//! Bangfu's domain: the events of a mentoring programme and the rules the seeds set over
//! them. Everything here is a pure function of events and an explicit "as of" time: no IO,
//! no async, no clock.

pub mod access;
pub mod alert;
pub mod cadence;
pub mod decide;
pub mod error;
pub mod event;
pub mod ranking;
pub mod rubric;
pub mod state;
#[cfg(test)]
pub(crate) mod testkit;
pub mod time;
pub mod vocab;

pub use decide::Decision;
pub use error::DomainError;
pub use event::{Cadence, Event, Recorded, Vacation};
pub use state::State;
pub use time::{Month, Period};
pub use vocab::*;
