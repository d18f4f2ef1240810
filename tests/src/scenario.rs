//! Replays the shared scenarios (`shared/fixtures/*.json`, format in its README) through a
//! GraphQL endpoint: captures, expectations on paths, expected error codes, and a check
//! that a refused mutation appended nothing.

use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
pub struct Step {
    pub doc: String,
    #[serde(default)]
    pub vars: Value,
    #[serde(default)]
    pub capture: HashMap<String, String>,
    #[serde(default)]
    pub expect: Map<String, Value>,
    #[serde(default, rename = "expectError")]
    pub expect_error: Option<String>,
}

/// The scenario files: the repository's copies, overridden and extended by the shared
/// folder beside the checkout when it is there (later issues add files to it).
pub fn scenario_files() -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut by_name: std::collections::BTreeMap<String, PathBuf> = Default::default();
    let shared = std::env::var_os("BANGFU_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../shared/fixtures"));
    for dir in [manifest.join("fixtures"), shared] {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                eprintln!("scenarios: {} unreadable: {e}", dir.display());
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                by_name.insert(entry.file_name().to_string_lossy().into_owned(), path);
            }
        }
    }
    by_name.into_values().collect()
}

pub fn load(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs every step. `graphql(doc, vars)` returns the whole response (`data`, `errors`);
/// `head()` returns the log's last position, to prove a refusal appended nothing.
pub async fn replay<G, GF, H, HF>(scenario: &Scenario, mut graphql: G, mut head: H) -> Result<(), String>
where
    G: FnMut(String, Value) -> GF,
    GF: Future<Output = Value>,
    H: FnMut() -> HF,
    HF: Future<Output = i64>,
{
    let mut captured: HashMap<String, Value> = HashMap::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        let at = |msg: String| format!("{} step {i}: {msg}", scenario.name);
        let vars = substitute(&step.vars, &captured);
        let before = if step.expect_error.is_some() {
            Some(head().await)
        } else {
            None
        };
        let response = graphql(step.doc.clone(), vars).await;
        let errors = response
            .get("errors")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if let Some(code) = &step.expect_error {
            let codes: Vec<&str> = errors
                .iter()
                .filter_map(|e| e.pointer("/extensions/code").and_then(Value::as_str))
                .collect();
            if !codes.contains(&code.as_str()) {
                return Err(at(format!("expected error {code}, got {response}")));
            }
            if let Some(field) = errors.iter().find_map(|e| e.pointer("/extensions/field")) {
                if code == "BAD_INPUT" && field.as_str().is_none_or(str::is_empty) {
                    return Err(at(format!("BAD_INPUT without a field name: {response}")));
                }
            } else if code == "BAD_INPUT" {
                return Err(at(format!("BAD_INPUT without extensions.field: {response}")));
            }
            let after = head().await;
            if Some(after) != before {
                return Err(at(format!(
                    "a refused mutation appended events: head {before:?} -> {after}"
                )));
            }
            continue;
        }
        if !errors.is_empty() {
            return Err(at(format!("unexpected errors: {response}")));
        }
        let data = response.get("data").cloned().unwrap_or(Value::Null);
        for (name, path) in &step.capture {
            let value = resolve(&data, path).map_err(|e| at(format!("capture {name}: {e}")))?;
            captured.insert(name.clone(), value);
        }
        for (path, expected) in &step.expect {
            let path = substitute(&Value::String(path.clone()), &captured);
            let path = path.as_str().unwrap_or_default();
            let actual = resolve(&data, path).map_err(|e| at(format!("{path}: {e} in {data}")))?;
            let expected = substitute(expected, &captured);
            if !same(&actual, &expected) {
                return Err(at(format!("{path}: expected {expected}, got {actual}")));
            }
        }
    }
    Ok(())
}

/// Replaces `${name}` with captured values, anywhere in strings.
fn substitute(value: &Value, captured: &HashMap<String, Value>) -> Value {
    match value {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
                && !name.contains("${")
                && let Some(v) = captured.get(name)
            {
                return v.clone();
            }
            let mut out = s.clone();
            for (name, v) in captured {
                let text = match v {
                    Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                out = out.replace(&format!("${{{name}}}"), &text);
            }
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, captured)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), substitute(v, captured))).collect()),
        other => other.clone(),
    }
}

/// Splits a path on dots that are not inside brackets.
fn segments(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in path.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '.' if depth == 0 => {
                out.push(&path[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&path[start..]);
    out
}

/// Follows a path from `data`: names, `[n]`, `[field=value]`, `.length`.
pub fn resolve(data: &Value, path: &str) -> Result<Value, String> {
    let mut current = data.clone();
    for segment in segments(path) {
        let (name, mut selectors) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if name == "length" && selectors.is_empty() {
            let n = current
                .as_array()
                .ok_or_else(|| format!("`length` of a non-list {current}"))?
                .len();
            current = Value::from(n);
            continue;
        }
        if !name.is_empty() {
            current = current.get(name).cloned().ok_or_else(|| format!("no field `{name}`"))?;
        }
        while let Some(rest) = selectors.strip_prefix('[') {
            let end = matching_bracket(rest).ok_or_else(|| format!("unclosed `[` in {segment}"))?;
            let selector = &rest[..end];
            selectors = &rest[end + 1..];
            let items = current
                .as_array()
                .ok_or_else(|| format!("`[{selector}]` on a non-list"))?;
            current = match selector.split_once('=') {
                None => {
                    let n: usize = selector.parse().map_err(|_| format!("bad index `{selector}`"))?;
                    items.get(n).cloned().ok_or_else(|| format!("no element {n}"))?
                }
                Some((field, wanted)) => items
                    .iter()
                    .find(|item| resolve(item, field).is_ok_and(|v| matches_text(&v, wanted)))
                    .cloned()
                    .ok_or_else(|| format!("no element with {field}={wanted}"))?,
            };
        }
    }
    Ok(current)
}

fn matching_bracket(s: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' if depth == 0 => return Some(i),
            ']' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn matches_text(value: &Value, wanted: &str) -> bool {
    match value {
        Value::String(s) => s == wanted,
        // A number or a boolean matches its JSON spelling (`[rank=1]`).
        other => {
            let spelled = other.to_string();
            spelled == wanted
        }
    }
}

/// Numbers as numbers, DateTime strings as instants, everything else exactly.
pub fn same(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
            _ => a == b,
        },
        (Value::String(a), Value::String(b)) => {
            a == b
                || matches!(
                    (chrono::DateTime::parse_from_rfc3339(a), chrono::DateTime::parse_from_rfc3339(b)),
                    (Ok(x), Ok(y)) if x == y
                )
        }
        _ => actual == expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_select_by_index_field_and_length() {
        let data =
            json!({"a": {"items": [{"key": "x", "n": 1, "p": {"id": "7"}}, {"key": "y", "n": 2, "p": {"id": "8"}}]}});
        assert_eq!(resolve(&data, "a.items[1].n").unwrap(), json!(2));
        assert_eq!(resolve(&data, "a.items[key=x].n").unwrap(), json!(1));
        assert_eq!(resolve(&data, "a.items[p.id=8].key").unwrap(), json!("y"));
        assert_eq!(resolve(&data, "a.items.length").unwrap(), json!(2));
        assert!(resolve(&data, "a.items[key=z].n").is_err());
    }

    #[test]
    fn numbers_and_instants_compare_by_value() {
        assert!(same(&json!(83.0), &json!(83)));
        assert!(same(
            &json!("2025-10-02T20:30:00+08:00"),
            &json!("2025-10-02T12:30:00Z")
        ));
        assert!(!same(&json!("OK"), &json!("OVERDUE")));
    }

    #[test]
    fn captures_substitute_inside_strings() {
        let captured = HashMap::from([("p".to_string(), json!("abc"))]);
        assert_eq!(
            substitute(&json!({"x": "${p}", "y": "a[id=${p}]"}), &captured),
            json!({"x": "abc", "y": "a[id=abc]"})
        );
    }
}
