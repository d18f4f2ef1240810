//! The definition: what a rubric's JSON says, field by field (`docs/rubrics.md`, "Writing a
//! rubric"). Serde reads it; [`super::validate`] checks what serde cannot.

use crate::time::{Period, PeriodKind};
use crate::vocab::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Whom the rubric assesses. Absent: mentors when an item reads the mentees' facts,
    /// else everyone in scope (what a rubric published before this field meant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<Population>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub veto: Option<Veto>,
    /// The kinds of period it is assessed over. Absent: academic years and terms (what a
    /// rubric published before this field meant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periods: Option<Vec<PeriodKind>>,
}

/// The kinds of period a rubric that names none is assessed over.
pub const DEFAULT_PERIODS: &[PeriodKind] = &[PeriodKind::AcademicYear, PeriodKind::Term];

/// A period of a kind the rubric is not assessed over (the API's `BAD_INPUT` on `period`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rubric} is not assessed over {asked}: it takes {}", takes_list(.takes))]
pub struct PeriodNotTaken {
    pub rubric: String,
    pub asked: PeriodKind,
    pub takes: Vec<PeriodKind>,
}

fn takes_list(kinds: &[PeriodKind]) -> String {
    kinds.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
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
    /// The rise of the subject's total under the rubric 最具进步奖 ranks by (`key-target-100`,
    /// the version in force for each period) from the previous period to this one; over
    /// mentees, their mean (seed 001 九(三): 党员之星 weighs 「帮扶对象的进步幅度」). A
    /// whole-period number: each term of a `PER_TERM_THRESHOLD` sees the period's rise.
    Rise,
}

impl Measure {
    /// Measures that are one value per subject, averaged over several subjects rather
    /// than added up.
    pub fn is_averaged(&self) -> bool {
        matches!(
            self,
            Measure::LatestGpa | Measure::LatestClassRank | Measure::LatestRankShare | Measure::Rise
        )
    }
}

impl Rule {
    /// Every measure the rule reads.
    pub fn measures(&self) -> Vec<&Measure> {
        match self {
            Rule::Manual | Rule::BestOfSeries { .. } | Rule::Proportional { .. } => vec![],
            Rule::Threshold { conditions, .. } | Rule::PerTermThreshold { conditions, .. } => {
                conditions.iter().map(|c| &c.measure).collect()
            }
            Rule::AllOrNothing { measure, .. } | Rule::DeductPerOccurrence { measure, .. } => vec![measure],
            Rule::Tiers { parts } => parts.iter().map(|p| &p.measure).collect(),
            Rule::Adjusted { adjustments, .. } => adjustments
                .iter()
                .filter_map(|a| match a {
                    Adjustment::PerOccurrence { measure, .. }
                    | Adjustment::Shortfall { measure, .. }
                    | Adjustment::ZeroIf { measure, .. } => Some(measure),
                    Adjustment::DemocraticGrade { .. } => None,
                })
                .collect(),
        }
    }
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
    /// Why the entry has this value, where the source document does not say it outright.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A bonus (positive points) or deduction (negative points) of an `ADJUSTED` rule. Each may
/// carry a `note`: the source line it scores, since a JSON definition has no comments.
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
        /// The line of the source document this adjustment scores (shown to people).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
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
        /// The line of the source document this adjustment scores (shown to people).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Points by the grade of the period's democratic evaluation (民主评议).
    DemocraticGrade {
        points: BTreeMap<DemocraticGrade, f64>,
        /// The line of the source document this adjustment scores (shown to people).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The whole item scores 0 when the measure is above zero.
    ZeroIf {
        measure: Measure,
        /// The line of the source document this adjustment scores (shown to people).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
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
    /// One item's score, scaled to 100 by its max (seed 002: 「30%現場答辯和70%支部日常
    /// 工作和現實表現」, each part marked on its own sheet).
    Item { item: String },
}

/// The bands' bounds, on the total's scale. `commended` is 以上: a total at or above it is
/// commended. The bottom bound is one of two readings, as the rubric's source words it:
/// `qualified`, a total at or above it qualifies ("60分及以上合格"), or `unqualified`, a
/// total at or below it is unqualified ("60分以下…不合格": 以下 includes the number).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bands {
    /// Absent: nobody is commended by score (a rubric of requirements met or not, whose
    /// commendation is a judgement, seed 003 办法一 「表現突出」).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commended: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualified: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unqualified: Option<f64>,
}

/// Whom a rubric assesses (DESIGN §4: "a rubric also says whom it applies to").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Population {
    /// Everyone in scope.
    Everyone,
    /// Seed 000 form 2: 「入党重点培养对象」, those registered as key cultivation targets.
    KeyCultivationTargets,
    /// Seed 003 第三條 「全體黨員」: probationary and full members.
    PartyMembers,
    /// Seed 003 第六條 1 「黨員領導幹部」: members holding a branch office, 支部书记 or
    /// 支部委员 (the table's bonuses name exactly these two: 「黨支部書記加2分,支部委員加1分」).
    BranchOfficers,
    /// Those who mentor in some pairing, ended or not (党员之星 is a mentor's score).
    Mentors,
    /// Seed 002 二(三) 「預備黨員培養考核」: probationary members (预备党员).
    ProbationaryMembers,
    /// Seed 002 二(二) 「發展對象」: development targets, before their defence (公开答辩).
    DevelopmentTargets,
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

    /// True when an item reading `subject`'s facts measures a [`Measure::Rise`].
    pub fn reads_rise(&self, subject: Subject) -> bool {
        self.items()
            .any(|(_, i)| i.subject == subject && i.rule.measures().iter().any(|m| **m == Measure::Rise))
    }

    pub fn item(&self, key: &str) -> Option<&Item> {
        self.items().map(|(_, i)| i).find(|i| i.key == key)
    }

    /// The bands in force: the rubric's own, else 90% and 60% of the total's scale.
    pub fn bands(&self) -> Bands {
        self.bands.unwrap_or_else(|| Bands {
            commended: Some(self.scale() * 0.9),
            qualified: Some(self.scale() * 0.6),
            unqualified: None,
        })
    }

    /// The kinds of period it is assessed over: its own `periods`, else [`DEFAULT_PERIODS`].
    pub fn periods(&self) -> &[PeriodKind] {
        self.periods.as_deref().unwrap_or(DEFAULT_PERIODS)
    }

    /// Whether it is assessed over `period`'s kind; refused with the kinds it takes.
    pub fn takes(&self, period: Period) -> Result<(), PeriodNotTaken> {
        if self.periods().contains(&period.kind()) {
            Ok(())
        } else {
            Err(PeriodNotTaken {
                rubric: self.key.clone(),
                asked: period.kind(),
                takes: self.periods().to_vec(),
            })
        }
    }

    /// Whom it assesses: its own population, else (a rubric that names none) mentors when
    /// an item reads the mentees' facts, everyone otherwise.
    pub fn population(&self) -> Population {
        self.population.unwrap_or_else(|| {
            if self.items().any(|(_, item)| item.subject == Subject::Mentees) {
                Population::Mentors
            } else {
                Population::Everyone
            }
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
