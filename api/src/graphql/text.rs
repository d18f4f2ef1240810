//! Text a mutation may store: no control characters, so both stores keep exactly what was
//! sent (PostgreSQL's `jsonb` refuses NUL, SQLite keeps it) and no answer carries a byte a
//! client cannot show. Long text (a talk's content, a note, a reason) may hold newlines
//! and tabs (and the carriage returns of a Windows line break); everything else is one
//! line. Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) are refused
//! everywhere: they make a name or a reason read differently from what is stored.
//!
//! Checked once for every mutation, over its resolved arguments (variables included), so a
//! new input field cannot forget it.

use crate::error::ApiError;
use async_graphql::{Name, Value};

/// Input fields that hold free text, where newlines and tabs belong.
const LONG_TEXT: &[&str] = &["content", "effect", "note", "situation", "reason", "opinion"];

/// Refuses the first string in `arguments` with a character it may not hold; the error
/// names its field (`content`, `cadence.atLeast`, `vacations.0.from`: without the
/// `input.` every mutation's argument starts with).
pub fn check_arguments(arguments: &[(Name, Value)]) -> Result<(), ApiError> {
    for (name, value) in arguments {
        let path = if name.as_str() == "input" {
            String::new()
        } else {
            name.to_string()
        };
        check(&path, name.as_str(), value)?;
    }
    Ok(())
}

fn check(path: &str, field: &str, value: &Value) -> Result<(), ApiError> {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(text) => {
            let long = LONG_TEXT.contains(&field);
            match text.chars().find(|c| refused(*c, long)) {
                Some(c) => Err(ApiError::bad(
                    path,
                    format!(
                        "holds the control character U+{:04X}{}",
                        u32::from(c),
                        if long {
                            ": only newlines and tabs may break free text"
                        } else {
                            ": this field is one line of text"
                        }
                    ),
                )),
                None => Ok(()),
            }
        }
        Value::List(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check(&join(&i.to_string()), field, item)),
        // A JSON argument's keys are text the store keeps too.
        Value::Object(fields) => fields.iter().try_for_each(|(key, item)| {
            check(&join(key.as_str()), "", &Value::String(key.to_string()))?;
            check(&join(key.as_str()), key.as_str(), item)
        }),
        _ => Ok(()),
    }
}

/// A character `long` (free) text or one-line text may not hold.
fn refused(c: char, long: bool) -> bool {
    let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    bidi || (c.is_control() && !(long && matches!(c, '\n' | '\r' | '\t')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(fields: &[(&str, &str)]) -> Vec<(Name, Value)> {
        let object = fields
            .iter()
            .map(|(k, v)| (Name::new(*k), Value::String((*v).to_owned())))
            .collect();
        vec![(Name::new("input"), Value::Object(object))]
    }

    fn refused_field(arguments: &[(Name, Value)]) -> Option<String> {
        match check_arguments(arguments) {
            Err(ApiError::BadInput { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn nul_and_escape_are_refused_everywhere_with_the_field() {
        assert_eq!(refused_field(&input(&[("name", "李\u{0}明")])).as_deref(), Some("name"));
        assert_eq!(
            refused_field(&input(&[("content", "ok\u{1b}[2J")])).as_deref(),
            Some("content")
        );
        let nested = vec![(Name::new("vacations"), Value::List(vec![Value::String("\u{7}".into())]))];
        assert_eq!(refused_field(&nested).as_deref(), Some("vacations.0"));
    }

    #[test]
    fn bidirectional_overrides_and_bad_keys_are_refused() {
        // "U+202E" turns `李明gpj.exe` into what reads as `李明exe.jpg`.
        assert_eq!(
            refused_field(&input(&[("content", "李明\u{202E}gpj.exe")])).as_deref(),
            Some("content")
        );
        let mut keys = async_graphql::indexmap::IndexMap::new();
        keys.insert(Name::new("a\u{0}b"), Value::Null);
        let json = vec![(Name::new("payload"), Value::Object(keys))];
        assert_eq!(refused_field(&json).as_deref(), Some("payload.a\u{0}b"));
    }

    #[test]
    fn newlines_and_tabs_only_in_free_text() {
        assert_eq!(refused_field(&input(&[("content", "第一行\r\n第二行\t完")])), None);
        assert_eq!(refused_field(&input(&[("name", "李\n明")])).as_deref(), Some("name"));
        assert_eq!(refused_field(&input(&[("title", "思想汇报")])), None);
    }
}
