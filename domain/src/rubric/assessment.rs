//! The result: an [`Assessment`] of one person over one period, item by item.

use crate::state::Evaluation;
use crate::time::Period;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Band {
    Commended,
    Qualified,
    Unqualified,
    NotAssessed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub person_id: Uuid,
    pub rubric: String,
    pub version: u32,
    pub period: Period,
    /// Rounded to 2 decimals. Still computed when vetoed (for the record).
    pub total: f64,
    pub band: Band,
    pub vetoed: bool,
    pub items: Vec<ItemResult>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ItemResult {
    pub key: String,
    pub section: String,
    pub title: String,
    pub max: f64,
    /// From the events, in [0, max], rounded to 2 decimals.
    pub computed: f64,
    /// The evaluators' scores for this rubric, period and item, in recording order.
    pub evaluations: Vec<Evaluation>,
    /// The branch evaluator's latest score where given, else `computed`.
    pub score: f64,
    /// The ids of the events the rule used, sorted.
    pub evidence: Vec<Uuid>,
}
