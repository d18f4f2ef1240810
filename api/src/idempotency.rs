//! Idempotency keys, and the fingerprint of the input a key was first used with.
//!
//! A client retries a write with the key it first sent, and the retry is answered with the
//! first result. A key reused with *other* input is refused: answering it with the first
//! result would tell an offline phone that a write was stored when it was not.
//!
//! The fingerprint is a hex SHA-256 of the operation's name and its arguments in a canonical
//! JSON form, so that the same request fingerprints the same however it is written: object
//! members in any order, variables or literals, whitespace, a null member or an absent one.
//! A default written out and the same default left out fingerprint differently: a retry is
//! the same request sent again, so that does not arise.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The longest key accepted, in characters.
pub const MAX_KEY_CHARS: usize = 200;
/// The argument, or input field, that carries the key; it is not part of what it identifies.
pub const KEY_FIELD: &str = "idempotencyKey";

/// Why a key or an input cannot be used; the API maps it to `BAD_INPUT` on
/// [`KEY_FIELD`] (or an internal error for arguments that are not JSON).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("is longer than {MAX_KEY_CHARS} characters")]
    TooLong,
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("argument {0} cannot be written as JSON")]
    Arguments(String),
}

/// The SHA-256 of an operation's canonical input, as 64 lowercase hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Of an operation (a mutation's field name) and its arguments as a JSON object.
    /// `idempotencyKey` members are left out at any depth.
    pub fn of(operation: &str, arguments: &Value) -> Fingerprint {
        let mut canonical = String::new();
        write_canonical(&Value::String(operation.to_owned()), &mut canonical);
        canonical.push('\n');
        write_canonical(arguments, &mut canonical);
        let digest = Sha256::digest(canonical.as_bytes());
        let mut hex = String::with_capacity(64);
        for byte in digest {
            // Writing to a String cannot fail.
            let _ = write!(hex, "{byte:02x}");
        }
        Fingerprint(hex)
    }

    /// Of a field's name and its resolved arguments (`SelectionField::arguments`).
    pub fn of_arguments(
        operation: &str,
        arguments: &[(async_graphql::Name, async_graphql::Value)],
    ) -> Result<Fingerprint, KeyError> {
        let mut members = serde_json::Map::new();
        for (name, value) in arguments {
            // Enum values become their names, as a variable would spell them.
            let value = value
                .clone()
                .into_json()
                .map_err(|e| KeyError::Arguments(format!("{name} of {operation}: {e}")))?;
            members.insert(name.to_string(), value);
        }
        Ok(Fingerprint::of(operation, &Value::Object(members)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A write's idempotency key and the fingerprint of its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idempotency<'a> {
    pub key: &'a str,
    pub fingerprint: Fingerprint,
}

/// The key a client sent, trimmed; `None` when it sent none or a blank one.
pub fn checked_key(key: Option<&str>) -> Result<Option<&str>, KeyError> {
    let key = match key.map(str::trim) {
        Some("") | None => return Ok(None),
        Some(key) => key,
    };
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(KeyError::TooLong);
    }
    if key.chars().any(char::is_control) {
        return Err(KeyError::ControlCharacter);
    }
    Ok(Some(key))
}

/// Compact JSON with object members sorted by name, null and `idempotencyKey` members left
/// out, and integral floats written as integers (`1.0` and `1` are one input).
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(members) => {
            let mut members: Vec<(&String, &Value)> = members
                .iter()
                .filter(|(name, value)| name.as_str() != KEY_FIELD && !value.is_null())
                .collect();
            members.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (name, value)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(name, out);
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        Value::Number(n) => match n.as_f64() {
            // 2^53: every integer below it is exact in an f64.
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                let _ = write!(out, "{}", f as i64);
            }
            _ => {
                let _ = write!(out, "{n}");
            }
        },
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
    }
}

fn write_string(s: &str, out: &mut String) {
    // serde_json's escaping is deterministic, and serializing a string cannot fail.
    out.push_str(&Value::String(s.to_owned()).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn of(arguments: &str) -> Fingerprint {
        let value: Value = serde_json::from_str(arguments).unwrap();
        Fingerprint::of("recordContact", &value)
    }

    #[test]
    fn is_64_lowercase_hex_digits() {
        let f = Fingerprint::of("x", &json!({}));
        assert_eq!(f.as_str().len(), 64);
        assert!(
            f.as_str()
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
    }

    #[test]
    fn member_order_and_whitespace_do_not_matter() {
        let a = of(r#"{"input": {"pairingId": "p1", "occurredAt": "2025-11-03T08:00:00Z", "tags": [1, 2]}}"#);
        let b = of(r#"{ "input" :{"tags":[1,2],"occurredAt":"2025-11-03T08:00:00Z",
                        "pairingId":"p1"} }"#);
        assert_eq!(a, b);
    }

    #[test]
    fn the_key_a_null_member_and_an_integral_float_do_not_matter() {
        let a = of(r#"{"input": {"pairingId": "p1", "minutes": 45, "idempotencyKey": "k1"}}"#);
        let b = of(r#"{"input": {"pairingId": "p1", "minutes": 45.0, "note": null, "idempotencyKey": "k2"}}"#);
        let c = of(r#"{"idempotencyKey": "k3", "input": {"pairingId": "p1", "minutes": 45}}"#);
        assert_eq!(a, b);
        assert_eq!(a, c);
    }

    #[test]
    fn values_matter() {
        let base = of(r#"{"input": {"pairingId": "p1", "occurredAt": "2025-11-03T08:00:00Z", "ids": ["a", "b"]}}"#);
        for other in [
            r#"{"input": {"pairingId": "p2", "occurredAt": "2025-11-03T08:00:00Z", "ids": ["a", "b"]}}"#,
            r#"{"input": {"pairingId": "p1", "occurredAt": "2025-11-03T08:00:01Z", "ids": ["a", "b"]}}"#,
            r#"{"input": {"pairingId": "p1", "occurredAt": "2025-11-03T08:00:00Z", "ids": ["b", "a"]}}"#,
            r#"{"input": {"pairingId": "p1", "occurredAt": "2025-11-03T08:00:00Z", "ids": ["a"]}}"#,
            r#"{"input": {"pairingId": "p1", "occurredAt": "2025-11-03T08:00:00Z", "ids": ["a", "b"], "x": 1}}"#,
            r#"{"input": {"pairingId": "p1", "occurredAt": "2025-11-03T08:00:00Z"}, "ids": ["a", "b"]}"#,
        ] {
            assert_ne!(base, of(other), "{other}");
        }
        // The same input to another operation is another request.
        let input = json!({"input": {"pairingId": "p1"}});
        assert_ne!(Fingerprint::of("a", &input), Fingerprint::of("b", &input));
        // Types matter: a string is not the number it spells, nor a list of one its item.
        assert_ne!(of(r#"{"n": 1}"#), of(r#"{"n": "1"}"#));
        assert_ne!(of(r#"{"n": [1]}"#), of(r#"{"n": 1}"#));
        assert_ne!(of(r#"{"n": 1.5}"#), of(r#"{"n": 1}"#));
        assert_ne!(of(r#"{"b": true}"#), of(r#"{"b": false}"#));
    }

    #[test]
    fn names_and_values_cannot_be_confused_by_escaping() {
        // A member name or string holding JSON syntax is not the structure it spells.
        assert_ne!(of(r#"{"a": "b\",\"c\":\"d"}"#), of(r#"{"a": "b", "c": "d"}"#));
        assert_ne!(Fingerprint::of("a\n{}", &json!({})), Fingerprint::of("a", &json!({})));
    }

    #[test]
    fn keys_are_trimmed_bounded_and_printable() {
        assert_eq!(checked_key(None).unwrap(), None);
        assert_eq!(checked_key(Some("  ")).unwrap(), None);
        assert_eq!(checked_key(Some(" k1 ")).unwrap(), Some("k1"));
        assert_eq!(
            checked_key(Some(&"钥".repeat(200))).unwrap().map(|k| k.chars().count()),
            Some(200)
        );
        for bad in [
            "k\u{0}1".to_owned(),
            "k\n1".to_owned(),
            "k\u{1b}1".to_owned(),
            "k".repeat(201),
        ] {
            match checked_key(Some(&bad)) {
                Err(KeyError::TooLong | KeyError::ControlCharacter) => {}
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
