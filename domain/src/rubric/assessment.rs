//! The result: an [`Assessment`] of one person over one period, item by item, and the band
//! its total falls in.

use super::Bands;
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

impl Band {
    /// The band of a total already rounded to the two decimals it is shown with. Seed 003
    /// 第十四條: 「90分以上的由黨支部進行表彰,60分以下的可初步視為不合格黨員」. 以上 and 以下
    /// include the number itself (民法典 第一千二百五十九条): exactly 90 is commended; with
    /// an `unqualified` bound exactly 60 is unqualified, with a `qualified` bound it passes.
    pub fn of_total(total: f64, bands: &Bands) -> Band {
        let fails = match (bands.unqualified, bands.qualified) {
            (Some(at_most), _) => total <= at_most,
            (None, Some(at_least)) => total < at_least,
            (None, None) => false,
        };
        if fails {
            Band::Unqualified
        } else if bands.commended.is_some_and(|c| total >= c) {
            Band::Commended
        } else {
            Band::Qualified
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Seed 003's reading: 90分以上 commended, 60分以下 unqualified.
    const SEED_003: Bands = Bands {
        commended: Some(90.0),
        qualified: None,
        unqualified: Some(60.0),
    };
    /// The other reading: 60 and above qualifies (DESIGN §4's default, seed 000's form).
    const AT_LEAST_60: Bands = Bands {
        commended: Some(90.0),
        qualified: Some(60.0),
        unqualified: None,
    };

    #[test]
    fn yishang_and_yixia_include_the_number_itself() {
        assert_eq!(Band::of_total(90.0, &SEED_003), Band::Commended, "90 is 90分以上");
        assert_eq!(Band::of_total(89.99, &SEED_003), Band::Qualified);
        assert_eq!(Band::of_total(60.0, &SEED_003), Band::Unqualified, "60 is 60分以下");
        assert_eq!(Band::of_total(60.01, &SEED_003), Band::Qualified);
        assert_eq!(Band::of_total(0.0, &SEED_003), Band::Unqualified);
    }

    #[test]
    fn a_qualified_bound_passes_the_number_itself() {
        assert_eq!(Band::of_total(60.0, &AT_LEAST_60), Band::Qualified);
        assert_eq!(Band::of_total(59.99, &AT_LEAST_60), Band::Unqualified);
        assert_eq!(Band::of_total(90.0, &AT_LEAST_60), Band::Commended);
    }

    #[test]
    fn without_a_commended_bound_nobody_is_commended_by_score() {
        // Seed 003 办法一: 「對在黨性鍛鍊中表現突出的黨員進行表彰」 is a judgement, and
        // 「未達到要求的黨員給予批評教育」 a requirement met or not.
        let requirement = Bands {
            commended: None,
            qualified: Some(100.0),
            unqualified: None,
        };
        assert_eq!(Band::of_total(100.0, &requirement), Band::Qualified);
        assert_eq!(Band::of_total(99.99, &requirement), Band::Unqualified);
    }
}
