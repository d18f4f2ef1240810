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

use super::budget::{Budget, MAX_WRITES};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextRequest, NextSubscribe, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, FragmentDefinition, OperationType, Selection, SelectionSet};
use async_graphql::{Name, Positioned, Request, Response, ServerError, ServerResult, ValidationResult, Value};
use futures_util::StreamExt as _;
use futures_util::stream::BoxStream;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};

/// The longest query document. The standard introspection query is about 2 KB and the
/// largest dashboard query in the front ends under 4 KB.
pub const MAX_QUERY_BYTES: usize = 32 * 1024;
/// The most fields, fragment spreads, inline fragments, arguments and directives a
/// document may select once its fragments are expanded. GraphiQL's introspection query
/// selects about 250; a dashboard about 100.
pub const MAX_SELECTIONS: u64 = 2_000;
/// The most fragment definitions in one document.
pub const MAX_FRAGMENTS: usize = 100;
/// The most errors one answer carries; the rest are counted in one more. A document of
/// 2,000 unknown fields is refused with 101 errors, not 2,000.
pub const MAX_ERRORS: usize = 100;

pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// The extension: one instance per request remembers how far the request got.
pub struct Limits;

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestLimits {
            phase: Arc::new(AtomicU8::new(Phase::Received as u8)),
            budget: OnceLock::new(),
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
    /// The budget this request spends, shared with the rest of its batch.
    budget: OnceLock<Budget>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestLimits {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        let phase = self.phase.load(Ordering::Acquire);
        code_errors(&mut response.errors, phase);
        cap_errors(&mut response.errors);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let phase = self.phase.clone();
        let budget = self.budget.clone();
        next.run(ctx, stream)
            .map(move |mut response| {
                code_errors(&mut response.errors, phase.load(Ordering::Acquire));
                cap_errors(&mut response.errors);
                // Each push reads afresh: the next one logs its screening reads again.
                if let Some(budget) = budget.get() {
                    budget.forget_screening_reads();
                }
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
        let measured = measure(document)?;
        let budget = match request
            .data
            .get(&std::any::TypeId::of::<Budget>())
            .and_then(|shared| shared.downcast_ref::<Budget>())
        {
            Some(shared) => shared.clone(),
            None => {
                let own = Budget::default();
                request.data.insert(own.clone());
                own
            }
        };
        if !budget.spend_writes(measured.writes) {
            return Err(refusal(
                VALIDATION_FAILED,
                format!("query: too many writes: at most {MAX_WRITES} mutation fields per request, batch included"),
            ));
        }
        let _ = self.budget.set(budget);
        self.phase.store(Phase::Parsed as u8, Ordering::Release);
        next.run(ctx, request).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(budget) = self.budget.get()
            && !budget.spend_complexity(result.complexity)
        {
            return Err(vec![refusal(
                VALIDATION_FAILED,
                format!(
                    "query: the operations of this batch together are too complex: at most {} in all",
                    super::paging::MAX_COMPLEXITY
                ),
            )]);
        }
        self.phase.store(Phase::Validated as u8, Ordering::Release);
        Ok(result)
    }
}

/// What a document would make the server do, counted before anything else looks at it.
#[derive(Debug, PartialEq, Eq)]
struct Measure {
    /// Fields, arguments, spreads and directives, fragments expanded.
    selections: u64,
    /// Mutation fields: one write each.
    writes: usize,
}

/// Measures `document`; refuses it over the limits, or when a fragment is never used (the
/// spec's own rule, checked here because async-graphql's checks expand an unused
/// fragment's spreads as freely as a used one's).
fn measure(document: &ExecutableDocument) -> ServerResult<Measure> {
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
    let mut writes = 0;
    for (_, operation) in document.operations.iter() {
        let node = &operation.node;
        let own = directives(&node.directives) + node.variable_definitions.len() as u64;
        total = total
            .saturating_add(own)
            .saturating_add(count.set(&node.selection_set.node)?);
        if total > MAX_SELECTIONS {
            break;
        }
        if node.ty == OperationType::Mutation {
            writes += root_fields(&document.fragments, &node.selection_set.node, &mut HashSet::new());
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
    let mut unused: Vec<&str> = document
        .fragments
        .keys()
        .map(Name::as_str)
        .filter(|name| !count.memo.contains_key(name))
        .collect();
    if !unused.is_empty() {
        unused.sort_unstable();
        return Err(refusal(
            VALIDATION_FAILED,
            format!("query: fragments never used: {}", unused.join(", ")),
        ));
    }
    Ok(Measure {
        selections: total,
        writes,
    })
}

/// The fields a mutation runs at its root, through its fragments (each fragment once).
fn root_fields<'a>(
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    set: &'a SelectionSet,
    seen: &mut HashSet<&'a str>,
) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(inline) => root_fields(fragments, &inline.node.selection_set.node, seen),
            Selection::FragmentSpread(spread) => match fragments.get_key_value(spread.node.fragment_name.node.as_str())
            {
                Some((name, definition)) if seen.insert(name.as_str()) => {
                    root_fields(fragments, &definition.node.selection_set.node, seen)
                }
                _ => 0,
            },
        })
        .sum()
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

/// Keeps the first [`MAX_ERRORS`] errors and says how many more there were.
fn cap_errors(errors: &mut Vec<ServerError>) {
    if errors.len() <= MAX_ERRORS {
        return;
    }
    let more = errors.len() - MAX_ERRORS;
    let code = errors[MAX_ERRORS]
        .extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .and_then(|c| match c {
            Value::String(code) => Some(code.clone()),
            _ => None,
        })
        .unwrap_or_else(|| VALIDATION_FAILED.to_owned());
    errors.truncate(MAX_ERRORS);
    let mut summary = ServerError::new(format!("… and {more} more errors like these"), None);
    summary
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    errors.push(summary);
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

    fn measured(query: &str) -> ServerResult<Measure> {
        measure(&async_graphql::parser::parse_query(query).expect("a document"))
    }

    fn size(query: &str) -> ServerResult<u64> {
        measured(query).map(|m| m.selections)
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
    fn an_unused_fragment_is_refused_however_small() {
        // The reviewer's shape: U is never spread, but its spreads of F would be expanded.
        let refused =
            size("{ a } fragment F on Q { b c } fragment U on Q { x { ...F } y { ...F } }").expect_err("U is unused");
        // F is spread only by U, so neither is used.
        assert!(refused.message.ends_with("never used: F, U"), "{}", refused.message);
        // A fragment used only by an unused one is unused too.
        assert!(size("{ a } fragment F on Q { b } fragment U on Q { ...F }").is_err());
    }

    #[test]
    fn writes_are_the_mutation_fields_through_fragments() {
        let three = measured("mutation { a: x b: x ...W } fragment W on Mutation { c: x }").expect("measured");
        assert_eq!(three.writes, 3);
        // A query writes nothing, however many fields.
        assert_eq!(measured("{ a b c }").expect("measured").writes, 0);
    }

    #[test]
    fn errors_past_the_cap_are_counted_in_one() {
        let mut errors: Vec<ServerError> = (0..250).map(|i| refusal(VALIDATION_FAILED, format!("e{i}"))).collect();
        cap_errors(&mut errors);
        // 100 kept + 1 summary of the other 150.
        assert_eq!(errors.len(), MAX_ERRORS + 1);
        assert!(
            errors[MAX_ERRORS].message.contains("150 more"),
            "{}",
            errors[MAX_ERRORS].message
        );
        assert!(has_code(&errors[MAX_ERRORS]));
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
