//! Versions: a school's published versions of a key replace its preset from their period on.

use super::*;
use crate::state::{PublishedRubric, State};

/// The rubric in force for `key` over `period`: the highest published version whose
/// `effective_from` starts no later than the period, else the preset of that key.
pub fn rubric_for(state: &State, key: &str, period: Period) -> Option<Rubric> {
    let start = period.first_day();
    let mut published: Vec<_> = state
        .published_rubrics()
        .iter()
        .filter(|p| p.key == key && p.effective_from.first_day() <= start)
        .collect();
    published.sort_by_key(|p| std::cmp::Reverse(p.version));
    published
        .into_iter()
        .find_map(from_published)
        .or_else(|| preset(key).cloned())
}

/// The rubric in force for `key` over `period` ([`rubric_for`]), refused when there is none
/// or when it is not assessed over that kind of period (`period`, naming the kinds it takes).
pub fn in_force(state: &State, key: &str, period: Period) -> Result<Rubric, crate::DomainError> {
    let rubric = rubric_for(state, key, period).ok_or_else(|| crate::DomainError::not_found("rubric", key))?;
    rubric
        .takes(period)
        .map_err(|e| crate::DomainError::bad("period", e.to_string()))?;
    Ok(rubric)
}

fn from_published(p: &PublishedRubric) -> Option<Rubric> {
    let mut rubric = validate(&p.definition).ok()?;
    rubric.key = p.key.clone();
    rubric.version = p.version;
    Some(rubric)
}

/// Every rubric: the presets, then every valid published version (by key, then version).
pub fn all_rubrics(state: &State) -> Vec<Rubric> {
    let mut published: Vec<Rubric> = state.published_rubrics().iter().filter_map(from_published).collect();
    published.sort_by(|a, b| a.key.cmp(&b.key).then(a.version.cmp(&b.version)));
    let mut all = presets().to_vec();
    all.extend(published);
    all
}
