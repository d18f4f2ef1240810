//! Given these events, when a rubric is evaluated, then these scores. The arithmetic of
//! each hand-computed person is in a comment citing the seed's line. One file per preset,
//! then the definitions (validation, versions) and the properties every preset keeps.

mod calendar_years;
mod definitions;
mod key_target_100;
mod leader_100;
mod member_100;
mod party_star;
mod properties;
mod seed_002;
mod volunteer_week;

use super::*;

fn scores(a: &Assessment) -> Vec<(&str, f64)> {
    a.items.iter().map(|i| (i.key.as_str(), i.score)).collect()
}

fn item<'a>(a: &'a Assessment, key: &str) -> &'a ItemResult {
    a.items.iter().find(|i| i.key == key).unwrap()
}
