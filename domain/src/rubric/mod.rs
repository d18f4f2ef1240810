//! Rubrics (量化考核): data, not code (DESIGN §4).
//!
//! A [`Rubric`] is a versioned JSON document: sections of items, each item with a maximum
//! and one [`Rule`] drawn from a small closed set, a [`Total`] rule (a plain sum or a
//! weighted composite), [`Bands`] and an optional [`Veto`]. [`evaluate`] folds a person's
//! facts of a period through it into an [`Assessment`], each item carrying the ids of the
//! events it used. The built-in presets are JSON files (`presets/*.json`) read through
//! [`validate`] like any other definition ([`presets()`]); a school publishes its own versions
//! with `RubricPublished`, checked by the same [`validate`], and [`rubric_for`] picks the
//! version in force for a period. `docs/rubrics.md` describes the format for authors.
//!
//! - `definition`: the format, field by field; `validate`: the checks serde cannot make;
//! - `engine`: one rubric, one person, one period → an [`Assessment`] (`assessment`);
//! - `presets`: the built-in files; `versions`: which version is in force.
//! - `assessed`: whom a rubric assesses, its [`Population`] ([`Rubric::assesses`], [`assessed_in`]).

mod assessed;
mod assessment;
mod definition;
mod engine;
pub mod presets;
#[cfg(test)]
mod tests;
mod validate;
mod versions;

pub use assessed::assessed_in;
pub use assessment::*;
pub use definition::*;
pub use engine::{evaluate, total};
pub use presets::{PresetError, preset, presets};
pub use validate::{MAX_ITEMS, RubricError, check, validate};
pub use versions::{all_rubrics, in_force, rubric_for};

// What the parts below share (`use super::*`).
use crate::time::Period;
use crate::vocab::*;
use std::collections::BTreeMap;
use uuid::Uuid;
