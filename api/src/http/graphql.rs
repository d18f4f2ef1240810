//! `POST /graphql` and `GET /graphql`: the body (JSON, or a multipart request carrying a
//! file) or query string read here (so every refusal is JSON with a code), executed, and
//! answered per the GraphQL over HTTP spec.
//!
//! A *request error* is an answer in which nothing executed: `data` is null
//! and no error has a `path` (a parse or validation failure, a variable that
//! does not coerce, a limit refused before execution). Answered as
//! `application/graphql-response+json` it gets 400 and no `data` entry; as
//! `application/json` it gets 200, as legacy clients expect.

use super::negotiate::{self, MediaType};
use super::{
    HttpError, HttpState, MAX_BATCH, MAX_BODY_BYTES, MAX_UPLOAD_BODY_BYTES, MAX_UPLOADS, authenticate, graphiql,
    introspection_allowed, socket,
};
use crate::signin::Actor;
use async_graphql::http::MultipartOptions;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, BatchResponse, ParseRequestError, Request, ServerError, Value, Variables};
use axum::body::Body;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Query, RawQuery, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

pub(super) async fn post(State(state): State<HttpState>, actor: Actor, headers: HeaderMap, body: Body) -> Response {
    let Some(media) = negotiate::answer_type(&headers) else {
        return HttpError::not_acceptable().into_response();
    };
    // A multipart body is as safe from cross-site forgery as JSON: a browser's form cannot
    // set `Authorization`, and `actor` is only had from a valid bearer token in it.
    // A multipart request holds its turn while its bytes are in memory: read and run.
    let multipart = negotiate::is_multipart(&headers);
    let _turn = if multipart {
        match state.uploads.clone().acquire_owned().await {
            Ok(turn) => Some(turn),
            Err(_) => return HttpError::internal().with_media(media).into_response(),
        }
    } else {
        None
    };
    let batch = if multipart {
        read_multipart(&headers, body).await
    } else {
        read_batch(&headers, body).await
    };
    match batch {
        Ok(batch) => execute(&state, actor, batch, media).await,
        Err(refusal) => refusal.with_media(media).into_response(),
    }
}

/// A WebSocket upgrade; the GraphiQL page for a browser (it names
/// `text/html`, or sends no `query`); otherwise a query in the query string.
pub(super) async fn get(
    State(state): State<HttpState>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if let Ok(upgrade) = upgrade {
        return socket::upgrade(state, upgrade);
    }
    let has_query = raw
        .as_deref()
        .is_some_and(|raw| raw.split('&').any(|pair| pair.split('=').next() == Some("query")));
    if negotiate::names_html(&headers) || (!has_query && negotiate::accepts_html(&headers)) {
        return graphiql::serve_page(&state, raw.as_deref(), &headers).await;
    }
    let actor = match authenticate(&state.auth, &headers).await {
        Ok(actor) => actor,
        Err(refusal) => return refusal.into_response(),
    };
    let Some(media) = negotiate::answer_type(&headers) else {
        return HttpError::not_acceptable().into_response();
    };
    match read_query_string(&uri) {
        Ok(request) => execute(&state, actor, BatchRequest::Single(request), media).await,
        Err(refusal) => refusal.with_media(media).into_response(),
    }
}

async fn execute(state: &HttpState, actor: Actor, mut batch: BatchRequest, media: MediaType) -> Response {
    if !introspection_allowed(&state.app, state.production, &actor) {
        batch = batch.disable_introspection();
    }
    // One budget for all the batch's operations: together they cost what one may.
    let batch = batch.data(actor).data(crate::graphql::budget::Budget::default());
    let response = state.schema.execute_batch(batch).await;
    answer(response, media)
}

async fn read_batch(headers: &HeaderMap, body: Body) -> Result<BatchRequest, HttpError> {
    negotiate::check_body_type(headers).map_err(HttpError::unsupported_media_type)?;
    let bytes = read_body(body, MAX_BODY_BYTES).await?;
    let Some(first) = bytes.iter().find(|byte| !byte.is_ascii_whitespace()) else {
        return Err(HttpError::bad_request(
            "the request body is empty: send {\"query\": \"…\"}",
        ));
    };
    let batch = if *first == b'[' {
        BatchRequest::Batch(from_json(&bytes)?)
    } else {
        BatchRequest::Single(from_json(&bytes)?)
    };
    checked(batch)
}

/// A GraphQL multipart request (the spec async-graphql reads: an `operations` part, a `map`
/// part, the files): the body held in memory, at most [`MAX_UPLOAD_BODY_BYTES`], and at
/// most [`MAX_UPLOADS`] files in it. Every refusal is JSON with a code, as for JSON bodies.
pub(super) async fn read_multipart(headers: &HeaderMap, body: Body) -> Result<BatchRequest, HttpError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let bytes = read_body(body, MAX_UPLOAD_BODY_BYTES).await?;
    let options = MultipartOptions::default()
        .max_file_size(MAX_UPLOAD_BODY_BYTES)
        .max_num_files(MAX_UPLOADS);
    let batch = async_graphql::http::receive_batch_body(content_type, bytes.as_slice(), options)
        .await
        .map_err(|error| match error {
            ParseRequestError::PayloadTooLarge => HttpError::payload_too_large(MAX_UPLOAD_BODY_BYTES),
            other => HttpError::bad_request(format!("the multipart body is not a GraphQL request: {other}")),
        })?;
    let files: usize = match &batch {
        BatchRequest::Single(request) => request.uploads.len(),
        BatchRequest::Batch(requests) => requests.iter().map(|r| r.uploads.len()).sum(),
    };
    if files > MAX_UPLOADS {
        return Err(HttpError::bad_request(format!(
            "at most {MAX_UPLOADS} file per request (this one names {files})"
        )));
    }
    checked(batch)
}

/// A parsed batch, refused when empty, too long, or an operation has no query.
fn checked(batch: BatchRequest) -> Result<BatchRequest, HttpError> {
    match &batch {
        BatchRequest::Single(request) => has_query(request, "the request")?,
        BatchRequest::Batch(operations) => {
            if operations.is_empty() {
                return Err(HttpError::bad_input(
                    "batch",
                    "batch: a batch needs at least one operation",
                ));
            }
            if operations.len() > MAX_BATCH {
                return Err(HttpError::bad_input(
                    "batch",
                    format!(
                        "batch: at most {MAX_BATCH} operations per request (this one has {})",
                        operations.len()
                    ),
                ));
            }
            for (index, request) in operations.iter().enumerate() {
                has_query(request, &format!("operation {index} of the batch"))?;
            }
        }
    }
    Ok(batch)
}

/// The body, refused past `max` bytes even without a `Content-Length`.
async fn read_body(body: Body, max: usize) -> Result<Vec<u8>, HttpError> {
    let mut chunks = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk =
            chunk.map_err(|error| HttpError::bad_request(format!("the request body could not be read: {error}")))?;
        if bytes.len() + chunk.len() > max {
            return Err(HttpError::payload_too_large(max));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// JSON into a request, with the path of the first field that is wrong.
fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, HttpError> {
    let mut json = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut json).map_err(|error| {
        let path = error.path().to_string();
        let error = error.into_inner();
        if path == "." || error.is_syntax() || error.is_eof() {
            HttpError::bad_request(format!("the body is not a GraphQL request in JSON: {error}"))
        } else {
            HttpError::bad_request(format!("{path}: {error}"))
        }
    })?;
    json.end()
        .map_err(|error| HttpError::bad_request(format!("the body is not a GraphQL request in JSON: {error}")))?;
    Ok(value)
}

fn has_query(request: &Request, what: &str) -> Result<(), HttpError> {
    if request.query.trim().is_empty() {
        return Err(HttpError::bad_request(format!(
            "{what} has no query: send {{\"query\": \"…\"}}"
        )));
    }
    Ok(())
}

/// The parameters of a GraphQL `GET`; `variables` and `extensions` are JSON.
#[derive(serde::Deserialize)]
struct GetParameters {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// A query from the query string; mutations and subscriptions are refused
/// with 405 (a `GET` must not change anything, and may be replayed by caches).
fn read_query_string(uri: &Uri) -> Result<Request, HttpError> {
    let Query(parameters) = Query::<GetParameters>::try_from_uri(uri)
        .map_err(|error| HttpError::bad_request(format!("the query string is not a GraphQL request: {error}")))?;
    let query = parameters.query.unwrap_or_default();
    let mut request = Request::new(query);
    has_query(&request, "the request")?;
    request.operation_name = parameters.operation_name;
    if let Some(variables) = parameters.variables {
        request.variables = json_parameter::<Variables>("variables", &variables)?;
    }
    if let Some(extensions) = parameters.extensions {
        request.extensions = json_parameter("extensions", &extensions)?;
    }
    let name = request.operation_name.clone();
    // A document that does not parse is left to the schema, which answers it
    // with its own coded error; parsed here, it is not parsed again.
    if let Ok(document) = request.parsed_query()
        && let Some(kind) = operation_type(document, name.as_deref())
        && kind != OperationType::Query
    {
        return Err(HttpError::method_not_allowed(
            "GET runs queries only: send a mutation with POST, a subscription over the WebSocket",
            "POST",
        ));
    }
    Ok(request)
}

fn json_parameter<T: DeserializeOwned>(name: &str, value: &str) -> Result<T, HttpError> {
    serde_json::from_str(value).map_err(|error| HttpError::bad_request(format!("{name}: {error}")))
}

/// The type of the operation a request runs, when it can be told.
fn operation_type(document: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation.node.ty),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| operation.node.ty)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|operation| operation.node.ty)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// An answer as it goes out: whole, or for a request error in
/// `application/graphql-response+json`, without `data`.
#[derive(Serialize)]
#[serde(untagged)]
enum Answer<'a> {
    Executed(&'a async_graphql::Response),
    Refused {
        errors: &'a [ServerError],
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        extensions: &'a BTreeMap<String, Value>,
    },
}

impl<'a> Answer<'a> {
    fn new(response: &'a async_graphql::Response, media: MediaType) -> Answer<'a> {
        if media == MediaType::GraphQLResponse && is_request_error(response) {
            Answer::Refused {
                errors: &response.errors,
                extensions: &response.extensions,
            }
        } else {
            Answer::Executed(response)
        }
    }
}

/// Nothing executed: no data, and no error belongs to a field.
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

fn answer(response: BatchResponse, media: MediaType) -> Response {
    let (status, body) = match &response {
        BatchResponse::Single(single) => {
            let answer = Answer::new(single, media);
            let status = match answer {
                Answer::Refused { .. } => StatusCode::BAD_REQUEST,
                Answer::Executed(_) => StatusCode::OK,
            };
            (status, serde_json::to_vec(&answer))
        }
        // Each operation of a batch has its own outcome: the batch as a whole is 200.
        BatchResponse::Batch(responses) => {
            let answers: Vec<Answer<'_>> = responses.iter().map(|single| Answer::new(single, media)).collect();
            (StatusCode::OK, serde_json::to_vec(&answers))
        }
    };
    let body = match body {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "cannot serialise a GraphQL answer");
            return HttpError::internal().with_media(media).into_response();
        }
    };
    let mut out = (status, [(header::CONTENT_TYPE, media.content_type())], body).into_response();
    let headers = out.headers_mut();
    // The same URL answers in two types (a GET may be cached).
    headers.insert(header::VARY, HeaderValue::from_static("accept"));
    if response.is_ok()
        && let Some(cache_control) = response.cache_control().value()
        && let Ok(value) = HeaderValue::from_str(&cache_control)
    {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.extend(response.http_headers());
    out
}
