//! Rubrics (量化考核): data, not code (DESIGN §4).
//!
//! A [`Rubric`] is a versioned JSON document: sections of items, each item with a maximum
//! and one [`Rule`] drawn from a small closed set, a [`Total`] rule (a plain sum or a
//! weighted composite), [`Bands`] and an optional [`Veto`]. [`evaluate`] folds a person's
//! facts of a period through it into an [`Assessment`], each item carrying the ids of the
//! events it used. The four built-in presets live in [`presets`]; a school publishes its own
//! versions with `RubricPublished`, checked by [`validate`], and [`rubric_for`] picks the
//! version in force for a period. `docs/rubrics.md` describes the format for authors.

mod engine;
pub mod presets;
#[cfg(test)]
mod tests;

pub use engine::{evaluate, total};
pub use presets::{key_target_100, leader_100, member_100, party_star, presets};

use crate::state::{Evaluation, State};
use crate::time::Period;
use crate::vocab::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------
// The definition
// ---------------------------------------------------------------------------------------

/// A rubric definition, exactly as its JSON reads (camelCase fields, SCREAMING_SNAKE_CASE
/// kinds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rubric {
    /// Stable key, e.g. `key-target-100`: lowercase letters, digits and `-`.
    pub key: String,
    pub title: String,
    #[serde(default = "one")]
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The full mark; the items' maxima sum to it.
    pub max: f64,
    pub sections: Vec<Section>,
    #[serde(default)]
    pub total: Total,
    /// Absent: ≥ 90% of the total's scale commended, ≥ 60% qualified (90 / 60 out of 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bands: Option<Bands>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub veto: Option<Veto>,
}

fn one() -> u32 {
    1
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Section {
    pub title: String,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Item {
    /// Stable key, unique in the rubric (`thought_reports`); evaluations name it.
    pub key: String,
    pub title: String,
    pub max: f64,
    pub rule: Rule,
    /// Whose facts the rule reads: the assessed person's own (default) or those of the
    /// mentees of the pairings they mentor in the period.
    #[serde(default, skip_serializing_if = "Subject::is_self")]
    pub subject: Subject,
    /// The scoring standard as the source document words it (评分标准).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Subject {
    #[default]
    #[serde(rename = "SELF")]
    Own,
    Mentees,
}

impl Subject {
    fn is_self(&self) -> bool {
        *self == Subject::Own
    }
}

/// One item's scoring rule. Every rule's result is clamped to `[0, item max]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
pub enum Rule {
    /// Scored by evaluators; computed 0.
    Manual,
    /// `points` when every condition holds over the period, else `otherwise`.
    Threshold {
        conditions: Vec<Condition>,
        points: f64,
        #[serde(default)]
        otherwise: f64,
    },
    /// `points` when every condition holds in every term of the period, else `otherwise`.
    PerTermThreshold {
        conditions: Vec<Condition>,
        points: f64,
        #[serde(default)]
        otherwise: f64,
    },
    /// `points` when the measure is zero over the period (no violation), else 0.
    AllOrNothing { measure: Measure, points: f64 },
    /// `from` (default: the item max) − `per` × the measure, not below `floor` (default 0).
    DeductPerOccurrence {
        measure: Measure,
        per: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<f64>,
        #[serde(default)]
        floor: f64,
    },
    /// The sum, over the parts, of the first matching tier of each part's measure.
    Tiers { parts: Vec<TierPart> },
    /// Awards (own, and the collective honours of the person's units of the kinds in
    /// `collectiveFrom`): each valued by the first matching entry of `values`; per series
    /// only the highest value counts; the sum is capped at `cap` (default: the item max).
    BestOfSeries {
        values: Vec<AwardValue>,
        #[serde(default = "classes")]
        collective_from: Vec<OrgUnitKind>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cap: Option<f64>,
    },
    /// Seed 003 article 7: `base` (default: the item max, the standard score) plus every
    /// adjustment (bonuses positive, deductions negative), clamped to `[0, max]`.
    Adjusted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base: Option<f64>,
        adjustments: Vec<Adjustment>,
    },
    /// The item max times a share in [0, 1] computed over the pairings the person mentors.
    Proportional { ratio: Ratio },
}

fn classes() -> Vec<OrgUnitKind> {
    vec![OrgUnitKind::Class]
}

impl Rule {
    /// The rule kinds, as spelled in JSON.
    pub const KINDS: &'static [&'static str] = &[
        "MANUAL",
        "THRESHOLD",
        "PER_TERM_THRESHOLD",
        "ALL_OR_NOTHING",
        "DEDUCT_PER_OCCURRENCE",
        "TIERS",
        "BEST_OF_SERIES",
        "ADJUSTED",
        "PROPORTIONAL",
    ];
}

/// `measure ≥ atLeast`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    pub measure: Measure,
    pub at_least: f64,
}

/// A number read from the subject's facts dated in the period (or in one term of it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fact", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Measure {
    /// Number of thought reports submitted.
    ThoughtReports,
    /// Volunteer hours served.
    VolunteerHours,
    /// Volunteer sessions served.
    VolunteerSessions,
    /// Number of conduct records of these kinds (all kinds when empty).
    Conduct {
        #[serde(default)]
        kinds: Vec<ConductKind>,
    },
    /// Sum of the quantities of member activities of these kinds (all when empty).
    Activity {
        #[serde(default)]
        kinds: Vec<MemberActivityKind>,
    },
    /// Number of the subject's own awards of these categories and levels (any when empty).
    Awards {
        #[serde(default)]
        categories: Vec<AwardCategory>,
        #[serde(default)]
        levels: Vec<AwardLevel>,
    },
    /// Number of stage changes into these stages.
    StageChanges { stages: Vec<Stage> },
    /// GPA of the latest term's academic result in the period (absent without one).
    LatestGpa,
    /// Class rank of the latest term's result.
    LatestClassRank,
    /// Class rank ÷ class size of the latest term's result (0.1 = top 10%).
    LatestRankShare,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TierPart {
    pub measure: Measure,
    /// Tried in order; the first that matches scores.
    pub tiers: Vec<Tier>,
}

/// Matches when `atLeast ≤ value ≤ atMost` (either bound optional).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tier {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    pub points: f64,
}

/// An award's value: matches by category and level (any when empty). `series`, when set,
/// puts every award this entry matches into one series (e.g. all computer certificates).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AwardValue {
    #[serde(default)]
    pub categories: Vec<AwardCategory>,
    #[serde(default)]
    pub levels: Vec<AwardLevel>,
    pub points: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
}

/// A bonus (positive points) or deduction (negative points) of an `ADJUSTED` rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE", rename_all_fields = "camelCase")]
pub enum Adjustment {
    /// `points` × the measure (at most `atMost` occurrences count). With `byRole`, the
    /// points of the first role the person holds replace `points`.
    PerOccurrence {
        measure: Measure,
        points: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_most: Option<f64>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        by_role: Vec<RolePoints>,
    },
    /// Below `target`: `points` per `unit` missing (rounded up); with nothing at all,
    /// `ifNone` instead when given.
    Shortfall {
        measure: Measure,
        target: f64,
        #[serde(default = "unit")]
        unit: f64,
        points: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        if_none: Option<f64>,
    },
    /// Points by the grade of the period's democratic evaluation (民主评议).
    DemocraticGrade { points: BTreeMap<DemocraticGrade, f64> },
    /// The whole item scores 0 when the measure is above zero.
    ZeroIf { measure: Measure },
}

fn unit() -> f64 {
    1.0
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RolePoints {
    pub role: Role,
    pub points: f64,
}

/// Shares computed over the pairings the assessed person mentors in the period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Ratio {
    /// Cadence windows met ÷ cadence windows (whole windows inside the pairing's span in
    /// the period, vacations excluded).
    CadenceMet,
    /// Months with a monthly record ÷ months due (whole months, vacations excluded).
    MonthlyRecords,
    /// (mean visit rating − 1) ÷ 4, ratings 1–5; 0 without any visit.
    VisitRating,
}

/// How the items' scores make the total.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Total {
    /// The sum of the items' scores.
    #[default]
    Sum,
    /// Σ weight × part on a 0–100 scale; parts without data (no poll score, no evaluator
    /// scores) drop out and the others' weights are renormalised.
    Weighted { parts: Vec<WeightedPart> },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightedPart {
    pub weight: f64,
    #[serde(flatten)]
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Source {
    /// The items' scores summed, scaled to 100.
    Items,
    /// The democratic poll score (民主测评得分, 0–100) of the period.
    PollScore,
    /// One evaluator's scores over the items, scaled to 100.
    Evaluator { evaluator: EvaluatorRole },
}

/// Lower bounds (inclusive) of the bands, on the total's scale.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bands {
    pub commended: f64,
    pub qualified: f64,
}

/// Seed 003 article 15: a democratic evaluation of one of these grades means the person
/// is not assessed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Veto {
    pub democratic_grades: Vec<DemocraticGrade>,
}

impl Rubric {
    /// The JSON definition (the API's `definition` field; what `validate` reads back).
    pub fn definition(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn items(&self) -> impl Iterator<Item = (&Section, &Item)> {
        self.sections.iter().flat_map(|s| s.items.iter().map(move |i| (s, i)))
    }

    pub fn item(&self, key: &str) -> Option<&Item> {
        self.items().map(|(_, i)| i).find(|i| i.key == key)
    }

    /// The bands in force: the rubric's own, else 90% and 60% of the total's scale.
    pub fn bands(&self) -> Bands {
        self.bands.unwrap_or_else(|| Bands {
            commended: self.scale() * 0.9,
            qualified: self.scale() * 0.6,
        })
    }

    /// The scale of the total (and of the bands): the max for a sum, 100 for a composite.
    pub fn scale(&self) -> f64 {
        match self.total {
            Total::Sum => self.max,
            Total::Weighted { .. } => 100.0,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The result
// ---------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------
// Validation and versions
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RubricError {
    #[error("the rubric definition is malformed: {0}")]
    Malformed(String),
    #[error("item `{item}` has an unknown rule kind `{kind}` (known: {known})", known = Rule::KINDS.join(", "))]
    UnknownRuleKind { item: String, kind: String },
    #[error("the rubric key is empty or not made of lowercase letters, digits and `-`: `{0}`")]
    BadKey(String),
    #[error("the rubric has no title")]
    EmptyTitle,
    #[error("the rubric version must be at least 1")]
    BadVersion,
    #[error("the rubric has no items")]
    NoItems,
    #[error("the rubric has more than {MAX_ITEMS} items")]
    TooManyItems,
    #[error("section `{0}` has no items")]
    EmptySection(String),
    #[error("an item key is empty or not made of letters, digits and `_`: `{0}`")]
    BadItemKey(String),
    #[error("item key `{0}` appears more than once")]
    DuplicateItem(String),
    #[error("item `{item}` has a maximum of {max}; it must be above 0")]
    BadItemMax { item: String, max: f64 },
    #[error("the items' maxima sum to {sum}, not to the rubric's max {max}")]
    MaxMismatch { sum: f64, max: f64 },
    #[error("bad bands: {0}")]
    BadBands(String),
    #[error("bad total: {0}")]
    BadTotal(String),
    #[error("item `{item}`: {reason}")]
    BadRule { item: String, reason: String },
}

/// Reads and checks a rubric definition; refuses it with the reason.
/// Most items a rubric holds: the longest seed form has 23; an assessment's answer stays
/// small.
pub const MAX_ITEMS: usize = 100;

pub fn validate(definition: &serde_json::Value) -> Result<Rubric, RubricError> {
    // Name unknown rule kinds before serde does it less helpfully.
    if let Some(sections) = definition.get("sections").and_then(|s| s.as_array()) {
        for item in sections
            .iter()
            .filter_map(|s| s.get("items").and_then(|i| i.as_array()))
            .flatten()
        {
            let kind = item.get("rule").and_then(|r| r.get("kind"));
            if let Some(kind) = kind.and_then(|k| k.as_str())
                && !Rule::KINDS.contains(&kind)
            {
                let key = item.get("key").and_then(|k| k.as_str()).unwrap_or("?");
                return Err(RubricError::UnknownRuleKind {
                    item: key.to_owned(),
                    kind: kind.to_owned(),
                });
            }
        }
    }
    let rubric: Rubric =
        serde_json::from_value(definition.clone()).map_err(|e| RubricError::Malformed(e.to_string()))?;
    check(&rubric)?;
    Ok(rubric)
}

fn finite(x: f64) -> bool {
    x.is_finite()
}

/// The checks `validate` applies to a parsed rubric (the presets pass them too).
pub fn check(r: &Rubric) -> Result<(), RubricError> {
    let key_ok = !r.key.is_empty()
        && r.key.len() <= 64
        && r.key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !key_ok {
        return Err(RubricError::BadKey(r.key.clone()));
    }
    if r.title.trim().is_empty() {
        return Err(RubricError::EmptyTitle);
    }
    if r.version == 0 {
        return Err(RubricError::BadVersion);
    }
    if r.sections.iter().all(|s| s.items.is_empty()) {
        return Err(RubricError::NoItems);
    }
    if r.sections.iter().map(|s| s.items.len()).sum::<usize>() > MAX_ITEMS {
        return Err(RubricError::TooManyItems);
    }
    let mut keys = HashSet::new();
    let mut sum = 0.0;
    for section in &r.sections {
        if section.items.is_empty() {
            return Err(RubricError::EmptySection(section.title.clone()));
        }
        for item in &section.items {
            let key_ok = !item.key.is_empty()
                && item.key.len() <= 64
                && item.key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !key_ok {
                return Err(RubricError::BadItemKey(item.key.clone()));
            }
            if !keys.insert(item.key.as_str()) {
                return Err(RubricError::DuplicateItem(item.key.clone()));
            }
            if !(finite(item.max) && item.max > 0.0) {
                return Err(RubricError::BadItemMax {
                    item: item.key.clone(),
                    max: item.max,
                });
            }
            sum += item.max;
            check_rule(item).map_err(|reason| RubricError::BadRule {
                item: item.key.clone(),
                reason,
            })?;
        }
    }
    if !finite(r.max) || (sum - r.max).abs() > 1e-6 {
        return Err(RubricError::MaxMismatch { sum, max: r.max });
    }
    if let Total::Weighted { parts } = &r.total {
        if parts.is_empty() {
            return Err(RubricError::BadTotal("a weighted total needs parts".into()));
        }
        if parts.iter().any(|p| !(finite(p.weight) && p.weight > 0.0)) {
            return Err(RubricError::BadTotal("every weight must be above 0".into()));
        }
        let w: f64 = parts.iter().map(|p| p.weight).sum();
        if (w - 1.0).abs() > 1e-6 {
            return Err(RubricError::BadTotal(format!("the weights sum to {w}, not to 1")));
        }
    }
    let b = r.bands();
    let scale = r.scale();
    if !(finite(b.commended) && finite(b.qualified)) {
        return Err(RubricError::BadBands("bounds must be numbers".into()));
    }
    if b.qualified < 0.0 || b.qualified > b.commended || b.commended > scale {
        return Err(RubricError::BadBands(format!(
            "need 0 ≤ qualified ({}) ≤ commended ({}) ≤ the total's scale ({scale})",
            b.qualified, b.commended
        )));
    }
    if let Some(v) = &r.veto
        && v.democratic_grades.is_empty()
    {
        return Err(RubricError::BadRule {
            item: "veto".into(),
            reason: "a veto needs at least one democratic grade".into(),
        });
    }
    Ok(())
}

fn check_measure(m: &Measure) -> Result<(), String> {
    match m {
        Measure::StageChanges { stages } if stages.is_empty() => Err("STAGE_CHANGES needs at least one stage".into()),
        _ => Ok(()),
    }
}

fn check_number(what: &str, x: f64) -> Result<(), String> {
    if finite(x) {
        Ok(())
    } else {
        Err(format!("{what} must be a finite number"))
    }
}

fn check_rule(item: &Item) -> Result<(), String> {
    let conditions = |cs: &[Condition]| -> Result<(), String> {
        if cs.is_empty() {
            return Err("a threshold needs at least one condition".into());
        }
        for c in cs {
            check_measure(&c.measure)?;
            check_number("atLeast", c.at_least)?;
        }
        Ok(())
    };
    match &item.rule {
        Rule::Manual => Ok(()),
        Rule::Threshold {
            conditions: cs,
            points,
            otherwise,
        }
        | Rule::PerTermThreshold {
            conditions: cs,
            points,
            otherwise,
        } => {
            conditions(cs)?;
            check_number("points", *points)?;
            check_number("otherwise", *otherwise)
        }
        Rule::AllOrNothing { measure, points } => {
            check_measure(measure)?;
            check_number("points", *points)
        }
        Rule::DeductPerOccurrence {
            measure,
            per,
            from,
            floor,
        } => {
            check_measure(measure)?;
            check_number("per", *per)?;
            check_number("from", from.unwrap_or(0.0))?;
            check_number("floor", *floor)?;
            if *per < 0.0 {
                return Err("per must not be negative".into());
            }
            Ok(())
        }
        Rule::Tiers { parts } => {
            if parts.is_empty() || parts.iter().any(|p| p.tiers.is_empty()) {
                return Err("TIERS needs parts, each with at least one tier".into());
            }
            for p in parts {
                check_measure(&p.measure)?;
                for t in &p.tiers {
                    check_number("points", t.points)?;
                    check_number("atLeast", t.at_least.unwrap_or(0.0))?;
                    check_number("atMost", t.at_most.unwrap_or(0.0))?;
                }
            }
            Ok(())
        }
        Rule::BestOfSeries { values, cap, .. } => {
            if values.is_empty() {
                return Err("BEST_OF_SERIES needs at least one value".into());
            }
            for v in values {
                check_number("points", v.points)?;
            }
            check_number("cap", cap.unwrap_or(0.0))
        }
        Rule::Adjusted { base, adjustments } => {
            check_number("base", base.unwrap_or(0.0))?;
            for a in adjustments {
                match a {
                    Adjustment::PerOccurrence {
                        measure,
                        points,
                        at_most,
                        by_role,
                    } => {
                        check_measure(measure)?;
                        check_number("points", *points)?;
                        check_number("atMost", at_most.unwrap_or(0.0))?;
                        for r in by_role {
                            check_number("points", r.points)?;
                        }
                    }
                    Adjustment::Shortfall {
                        measure,
                        target,
                        unit,
                        points,
                        if_none,
                    } => {
                        check_measure(measure)?;
                        check_number("target", *target)?;
                        check_number("points", *points)?;
                        check_number("ifNone", if_none.unwrap_or(0.0))?;
                        if !(finite(*unit) && *unit > 0.0) {
                            return Err("a shortfall's unit must be above 0".into());
                        }
                    }
                    Adjustment::DemocraticGrade { points } => {
                        for p in points.values() {
                            check_number("points", *p)?;
                        }
                    }
                    Adjustment::ZeroIf { measure } => check_measure(measure)?,
                }
            }
            Ok(())
        }
        Rule::Proportional { .. } => Ok(()),
    }
}

/// The rubric in force for `key` over `period`: the highest published version whose
/// `effective_from` starts no later than the period, else the preset of that key.
pub fn rubric_for(state: &State, key: &str, period: Period) -> Option<Rubric> {
    let start = period.first_day();
    let mut published: Vec<_> = state
        .rubrics
        .iter()
        .filter(|p| p.key == key && p.effective_from.first_day() <= start)
        .collect();
    published.sort_by_key(|p| std::cmp::Reverse(p.version));
    published
        .into_iter()
        .find_map(from_published)
        .or_else(|| presets().into_iter().find(|r| r.key == key))
}

fn from_published(p: &crate::state::PublishedRubric) -> Option<Rubric> {
    let mut rubric = validate(&p.definition).ok()?;
    rubric.key = p.key.clone();
    rubric.version = p.version;
    Some(rubric)
}

/// Every rubric: the presets, then every valid published version (by key, then version).
pub fn all_rubrics(state: &State) -> Vec<Rubric> {
    let mut published: Vec<Rubric> = state.rubrics.iter().filter_map(from_published).collect();
    published.sort_by(|a, b| a.key.cmp(&b.key).then(a.version.cmp(&b.version)));
    let mut all = presets();
    all.extend(published);
    all
}
