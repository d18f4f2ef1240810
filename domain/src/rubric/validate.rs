//! Validation: a definition is read and checked before it is published, and before a
//! preset is used ([`validate`]); each refusal names its reason ([`RubricError`]).

use super::*;
use std::collections::HashSet;

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
    #[error("bad periods: {0}")]
    BadPeriods(String),
    #[error("item `{item}`: {reason}")]
    BadRule { item: String, reason: String },
}

/// Most items a rubric holds: the longest seed form has 23; an assessment's answer stays
/// small.
pub const MAX_ITEMS: usize = 100;

/// Reads and checks a rubric definition; refuses it with the reason.
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
    let bottom = match (b.qualified, b.unqualified) {
        (Some(q), None) | (None, Some(q)) => q,
        _ => {
            return Err(RubricError::BadBands(
                "give exactly one of qualified (at or above qualifies) and unqualified (at or below fails)".into(),
            ));
        }
    };
    // Without a commended bound, the bottom bound still lies on the scale.
    let commended = b.commended.unwrap_or(scale);
    if !(finite(commended) && finite(bottom)) {
        return Err(RubricError::BadBands("bounds must be numbers".into()));
    }
    // A total at the bottom bound read as `unqualified` fails, so commended must lie above it.
    let order = if b.unqualified.is_some() {
        bottom < commended
    } else {
        bottom <= commended
    };
    if bottom < 0.0 || !order || commended > scale {
        return Err(RubricError::BadBands(format!(
            "need 0 ≤ the bottom bound ({bottom}) below commended ({commended}) ≤ the total's scale ({scale})"
        )));
    }
    if let Total::Weighted { parts } = &r.total {
        for part in parts {
            if let Source::Item { item } = &part.source
                && r.item(item).is_none()
            {
                return Err(RubricError::BadTotal(format!(
                    "a part names the item `{item}`, which the rubric has not"
                )));
            }
        }
    }
    if let Some(kinds) = &r.periods {
        if kinds.is_empty() {
            return Err(RubricError::BadPeriods("name at least one kind of period".into()));
        }
        let distinct: HashSet<_> = kinds.iter().collect();
        if distinct.len() != kinds.len() {
            return Err(RubricError::BadPeriods(
                "a kind of period appears more than once".into(),
            ));
        }
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
                        ..
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
                        ..
                    } => {
                        check_measure(measure)?;
                        check_number("target", *target)?;
                        check_number("points", *points)?;
                        check_number("ifNone", if_none.unwrap_or(0.0))?;
                        if !(finite(*unit) && *unit > 0.0) {
                            return Err("a shortfall's unit must be above 0".into());
                        }
                    }
                    Adjustment::DemocraticGrade { points, .. } => {
                        for p in points.values() {
                            check_number("points", *p)?;
                        }
                    }
                    Adjustment::ZeroIf { measure, .. } => check_measure(measure)?,
                }
            }
            Ok(())
        }
        Rule::Proportional { .. } => Ok(()),
    }
}
