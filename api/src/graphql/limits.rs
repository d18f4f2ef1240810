//! What one GraphQL request may cost before it runs, and a code on every refusal.
//!
//! async-graphql's own checks (recursive depth, directives, complexity, overlapping
//! fields) expand every fragment spread where it occurs, so a 1 KB document whose
//! fragments each spread the previous one twice costs 2^depth before any limit trips.
//! [`Limits`] therefore parses the document itself, counts what it selects *after*
//! expanding fragments (each fragment counted once and remembered, so the count is linear
//! in the document), and refuses it before any of those checks run.
//!
//! It also gives every error async-graphql raises without a code one, by phase:
//! `GRAPHQL_PARSE_FAILED` (not GraphQL), `GRAPHQL_VALIDATION_FAILED` (unknown fields,
//! too deep, too complex, too large, unknown operation), and `BAD_INPUT` with
//! `extensions.field` for a bad argument or variable value (`Invalid value for argument
//! "input.startsOn", …` names the field).

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextRequest, NextSubscribe, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet};
use async_graphql::{Name, Positioned, Request, Response, ServerError, ServerResult, ValidationResult, Value};
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

/// The longest query document. The standard introspection query is about 2 KB and the
/// largest dashboard query in the front ends under 4 KB.
pub const MAX_QUERY_BYTES: usize = 32 * 1024;
/// The most fields, fragment spreads, inline fragments, arguments and directives a
/// document may select once its fragments are expanded. GraphiQL's introspection query
/// selects about 250; a dashboard about 100.
pub const MAX_SELECTIONS: u64 = 2_000;
/// The most fragment definitions in one document.
pub const MAX_FRAGMENTS: usize = 100;

pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// The extension: one instance per request remembers how far the request got.
pub struct Limits;

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestLimits {
            phase: Arc::new(AtomicU8::new(Phase::Received as u8)),
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
enum Phase {
    Received,
    Parsed,
    Validated,
}

struct RequestLimits {
    phase: Arc<AtomicU8>,
}

/// A per-request record of which screenings this request has already logged as read
/// (issue: one read per reader, person and request, however many aliases ask).
#[derive(Default)]
pub struct ScreeningReadsLogged(pub std::sync::Mutex<std::collections::HashSet<uuid::Uuid>>);

#[async_graphql::async_trait::async_trait]
impl Extension for RequestLimits {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let phase = self.phase.load(Ordering::Acquire);
        code_errors(&mut response.errors, phase);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let phase = self.phase.clone();
        next.run(ctx, stream)
            .map(move |mut response| {
                code_errors(&mut response.errors, phase.load(Ordering::Acquire));
                response
            })
            .boxed()
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if request.query.len() > MAX_QUERY_BYTES {
            return Err(refusal(
                VALIDATION_FAILED,
                format!(
                    "query: the document is {} bytes; at most {MAX_QUERY_BYTES} are accepted",
                    request.query.len()
                ),
            ));
        }
        let document = request.parsed_query().map_err(|e| with_code(e, PARSE_FAILED))?;
        selections(document)?;
        self.phase.store(Phase::Parsed as u8, Ordering::Release);
        request.data.insert(ScreeningReadsLogged::default());
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        if result.is_ok() {
            self.phase.store(Phase::Validated as u8, Ordering::Release);
        }
        result
    }
}

/// Counts what `document` selects with fragments expanded; refuses it over the limits.
fn selections(document: &ExecutableDocument) -> ServerResult<u64> {
    if document.fragments.len() > MAX_FRAGMENTS {
        return Err(refusal(
            VALIDATION_FAILED,
            format!(
                "query: {} fragments; at most {MAX_FRAGMENTS} are accepted",
                document.fragments.len()
            ),
        ));
    }
    let mut count = Expansion {
        fragments: &document.fragments,
        memo: HashMap::new(),
    };
    let mut total: u64 = 0;
    for (_, operation) in document.operations.iter() {
        let node = &operation.node;
        let own = directives(&node.directives) + node.variable_definitions.len() as u64;
        total = total
            .saturating_add(own)
            .saturating_add(count.set(&node.selection_set.node)?);
        if total > MAX_SELECTIONS {
            break;
        }
    }
    if total > MAX_SELECTIONS {
        return Err(refusal(
            VALIDATION_FAILED,
            format!(
                "query: too large: it selects more than {MAX_SELECTIONS} fields, arguments and fragments \
                 once its fragments are expanded"
            ),
        ));
    }
    Ok(total)
}

struct Expansion<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// A fragment's expanded size, or `None` while it is being counted (a cycle).
    memo: HashMap<&'a str, Option<u64>>,
}

impl<'a> Expansion<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> ServerResult<u64> {
        let mut n: u64 = 0;
        for item in &set.items {
            let size = match &item.node {
                Selection::Field(field) => {
                    let f = &field.node;
                    let own = 1 + f.arguments.len() as u64 + directives(&f.directives);
                    own.saturating_add(self.set(&f.selection_set.node)?)
                }
                Selection::FragmentSpread(spread) => {
                    let own = 1 + directives(&spread.node.directives);
                    own.saturating_add(self.fragment(spread.node.fragment_name.node.as_str())?)
                }
                Selection::InlineFragment(inline) => {
                    let own = 1 + directives(&inline.node.directives);
                    own.saturating_add(self.set(&inline.node.selection_set.node)?)
                }
            };
            n = n.saturating_add(size);
            // Past the limit the exact figure does not matter.
            if n > MAX_SELECTIONS {
                return Ok(n);
            }
        }
        Ok(n)
    }

    fn fragment(&mut self, name: &'a str) -> ServerResult<u64> {
        match self.memo.get(name) {
            Some(Some(size)) => return Ok(*size),
            Some(None) => {
                return Err(refusal(
                    VALIDATION_FAILED,
                    format!("query: fragment `{name}` spreads itself"),
                ));
            }
            None => {}
        }
        // An unknown fragment is validation's to report.
        let Some((key, definition)) = self.fragments.get_key_value(name) else {
            return Ok(0);
        };
        self.memo.insert(key.as_str(), None);
        let size = self.set(&definition.node.selection_set.node)?;
        self.memo.insert(key.as_str(), Some(size));
        Ok(size)
    }
}

/// Each directive and each of its arguments.
fn directives(list: &[Positioned<async_graphql::parser::types::Directive>]) -> u64 {
    list.iter().map(|d| 1 + d.node.arguments.len() as u64).sum()
}

fn refusal(code: &'static str, message: String) -> ServerError {
    with_code(ServerError::new(message, None), code)
}

fn with_code(mut error: ServerError, code: &'static str) -> ServerError {
    error.extensions.get_or_insert_with(Default::default).set("code", code);
    error
}

fn has_code(error: &ServerError) -> bool {
    error.extensions.as_ref().is_some_and(|e| e.get("code").is_some())
}

/// Gives each error without a code one, by the phase the request reached.
fn code_errors(errors: &mut [ServerError], phase: u8) {
    for error in errors.iter_mut().filter(|e| !has_code(e)) {
        if let Some((field, reason)) = invalid_value(&error.message).or_else(|| missing_variable(&error.message)) {
            error.message = format!("{field}: {reason}");
            let extensions = error.extensions.get_or_insert_with(Default::default);
            extensions.set("code", "BAD_INPUT");
            extensions.set("field", Value::String(field));
            continue;
        }
        let code = if phase < Phase::Parsed as u8 {
            PARSE_FAILED
        } else if phase < Phase::Validated as u8 || error.path.is_empty() {
            // Validation, or what follows it before execution (an unknown operation name).
            VALIDATION_FAILED
        } else if error.message.starts_with("Failed to parse") {
            "BAD_INPUT"
        } else {
            "INTERNAL"
        };
        *error = with_code(std::mem::replace(error, ServerError::new("", None)), code);
    }
}

/// `Variable i is not defined.` (a required variable not sent) → the variable and why.
fn missing_variable(message: &str) -> Option<(String, String)> {
    let name = message.strip_prefix("Variable ")?.strip_suffix(" is not defined.")?;
    Some((name.to_owned(), "a required variable was not sent".to_owned()))
}

/// `Invalid value for argument "input.startsOn", expected type "Date"` → the field (without
/// the `input.` every mutation's argument starts with) and the reason.
fn invalid_value(message: &str) -> Option<(String, String)> {
    let rest = message.strip_prefix("Invalid value for argument \"")?;
    let (path, reason) = rest.split_once("\", ")?;
    let field = path.strip_prefix("input.").unwrap_or(path).to_owned();
    let reason = match reason {
        r if r.contains("expected type \"Date\"") => super::scalars::Date::EXPECTED.to_owned(),
        r if r.contains("expected type \"DateTime\"") => super::scalars::DateTime::EXPECTED.to_owned(),
        r => r.to_owned(),
    };
    Some((field, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(query: &str) -> ServerResult<u64> {
        selections(&async_graphql::parser::parse_query(query).expect("a document"))
    }

    #[test]
    fn fragments_are_counted_once_expanded() {
        // { a b ...F } with F = { c d }: a, b, the spread, c, d.
        assert_eq!(size("{ a b ...F } fragment F on Q { c d }").ok(), Some(5));
        // Two spreads of F: 1 + 1 + 2 × (1 + 2).
        assert_eq!(size("{ a b ...F ...F } fragment F on Q { c d }").ok(), Some(8));
        // Arguments, directives and their arguments count.
        assert_eq!(size("{ a(x: 1, y: 2) @skip(if: false) }").ok(), Some(5));
    }

    #[test]
    fn a_doubling_chain_of_fragments_is_refused_in_linear_time() {
        // F0 = { a }, Fn = { ...Fn-1 ...Fn-1 }: 2^40 fields when expanded.
        let mut query = String::from("{ ...F40 } fragment F0 on Q { a } ");
        for n in 1..=40 {
            query.push_str(&format!("fragment F{n} on Q {{ ...F{} ...F{} }} ", n - 1, n - 1));
        }
        let started = std::time::Instant::now();
        let refused = size(&query).expect_err("refused");
        assert!(refused.message.contains("too large"), "{}", refused.message);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn a_fragment_that_spreads_itself_is_refused() {
        let refused = size("{ ...A } fragment A on Q { ...B } fragment B on Q { ...A }").expect_err("a cycle");
        assert!(refused.message.contains("spreads itself"), "{}", refused.message);
    }

    #[test]
    fn an_invalid_argument_names_its_field() {
        let (field, reason) =
            invalid_value("Invalid value for argument \"input.cadence.atLeast\", expected type \"Int\"")
                .expect("parsed");
        assert_eq!(field, "cadence.atLeast");
        assert_eq!(reason, "expected type \"Int\"");
        assert!(invalid_value("Unknown field").is_none());
    }
}
