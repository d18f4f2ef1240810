//! The `/exports` routes (see [`crate::exports`] for what each file holds): who is
//! calling — a bearer token, or a download link for exactly this path — the right to
//! read the record behind the file, then the file.

use super::HttpError;
use crate::app::App;
use crate::exports::{ExportError, archive_box, assessment_form, record_form, statistics_sheet};
use crate::signin::{Actor, AuthError, Authenticator, LinkError, links::LINK_PARAM};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::access::{Caller, Right};
use domain::time::Period;
use std::sync::Arc;
use tokio::sync::{Semaphore, mpsc};
use uuid::Uuid;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The rubric whose form 附件二 is, when a box does not name one (seed 000).
const DEFAULT_RUBRIC: &str = domain::ranking::MOST_IMPROVED_RUBRIC;

/// Archive boxes built at once, server-wide: each takes a blocking thread for seconds
/// (a college's box is thousands of forms), so a caller who asks again and again waits
/// for a turn instead of taking the machine.
pub const MAX_BOXES_AT_ONCE: usize = 2;

#[derive(Clone)]
struct Exports {
    app: App,
    auth: Authenticator,
    boxes: Arc<Semaphore>,
}

pub(super) fn routes(app: App, auth: Authenticator) -> Router {
    Router::new()
        .route("/exports/pairings/{id}/record.xlsx", get(record))
        .route("/exports/people/{id}/assessment.xlsx", get(assessment))
        .route("/exports/units/{id}/statistics.xlsx", get(statistics))
        .route("/exports/units/{id}/archive.zip", get(archive))
        .with_state(Exports {
            app,
            auth,
            boxes: Arc::new(Semaphore::new(MAX_BOXES_AT_ONCE)),
        })
}

/// The request's query pairs, decoded.
fn params(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Who is calling: a link for this very path when the query holds one, else the bearer.
pub(super) async fn caller(auth: &Authenticator, uri: &Uri, headers: &HeaderMap) -> Result<Actor, HttpError> {
    let raw = uri.query().unwrap_or("");
    if param(&params(Some(raw)), LINK_PARAM).is_some() {
        return auth
            .keys()
            .links()
            .verify(uri.path(), raw)
            .map_err(|error| match error {
                LinkError::OtherPath => HttpError::forbidden(error.to_string()),
                LinkError::Invalid | LinkError::Expired => HttpError::unauthenticated(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "UNAUTHENTICATED",
                    error.to_string(),
                ),
            });
    }
    let header = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(value) => Some(value.to_str().map_err(|_| refused(AuthError::Malformed))?),
    };
    auth.verify_header(header).await.map_err(refused)
}

/// A bearer refusal as the GraphQL route answers it (401, or 503 when sign-in is down).
fn refused(error: AuthError) -> HttpError {
    let status = match error {
        AuthError::Unavailable => axum::http::StatusCode::SERVICE_UNAVAILABLE,
        _ => axum::http::StatusCode::UNAUTHORIZED,
    };
    HttpError::unauthenticated(status, error.code(), error.to_string())
}

fn period(params: &[(String, String)]) -> Result<Period, HttpError> {
    let text = param(params, "period")
        .ok_or_else(|| HttpError::bad_input("period", "period: name the period, e.g. ?period=2025-2026-1"))?;
    Period::parse(text).map_err(|e| HttpError::bad_input("period", e.to_string()))
}

pub(super) fn id(text: &str, what: &'static str) -> Result<Uuid, HttpError> {
    Uuid::parse_str(text).map_err(|_| HttpError::bad_input(what, format!("{what}: `{text}` is not an id")))
}

/// The rubric in force for the period, which must take a period of its kind.
fn in_force(state: &domain::State, key: &str, period: Period) -> Result<domain::rubric::Rubric, HttpError> {
    domain::rubric::in_force(state, key, period).map_err(|error| match error {
        domain::DomainError::BadInput { message, .. } => HttpError::bad_input("period", message),
        other => HttpError::not_found(other.to_string()),
    })
}

/// The right, or 403 saying who may.
pub(super) fn may(app: &App, actor: &Actor, right: Right) -> Result<(), HttpError> {
    let state = app.state();
    Caller::new(&state, &actor.subject, actor.admin)
        .check(right)
        .map_err(|refusal| HttpError::forbidden(refusal.to_string()))
}

fn failed(error: ExportError) -> HttpError {
    tracing::error!(%error, "an export failed");
    HttpError::internal()
}

/// `attachment; filename*=UTF-8''…`, the name percent-encoded (RFC 6266), with an ASCII
/// fallback for old clients.
pub(super) fn attachment(
    content_type: &'static str,
    fallback: &str,
    name: &str,
) -> [(header::HeaderName, HeaderValue); 2] {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}");
    [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition).unwrap_or_else(|_| HeaderValue::from_static("attachment")),
        ),
    ]
}

/// 附件一 of a pairing.
async fn record(
    State(ex): State<Exports>,
    Path(pairing): Path<String>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let actor = caller(&ex.auth, &uri, &headers).await?;
        let pairing = id(&pairing, "pairingId")?;
        let period = period(&params(raw.as_deref()))?;
        may(&ex.app, &actor, Right::ReadPairing(pairing))?;
        let (form, contact) = {
            let state = ex.app.state();
            let form = domain::forms::record_form(&state, pairing, period)
                .ok_or_else(|| HttpError::not_found(format!("no pairing with id {pairing}")))?;
            let reader = Caller::new(&state, &actor.subject, actor.admin);
            (form, archive_box::mentee_contact(&state, &reader, pairing))
        };
        let bytes = record_form::write(&form, contact.as_deref()).map_err(failed)?;
        let name = format!(
            "附件一 {}—{} {period}.xlsx",
            form.mentor_names.join("、"),
            form.mentee_name
        );
        Ok::<Response, HttpError>((attachment(XLSX, "record.xlsx", &name), bytes).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// 附件二 of a person under a rubric.
async fn assessment(
    State(ex): State<Exports>,
    Path(person): Path<String>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let actor = caller(&ex.auth, &uri, &headers).await?;
        let person = id(&person, "personId")?;
        let params = params(raw.as_deref());
        let period = period(&params)?;
        let key = param(&params, "rubric").unwrap_or(DEFAULT_RUBRIC).trim().to_owned();
        may(&ex.app, &actor, Right::ReadRecord(person))?;
        let form = {
            let state = ex.app.state();
            let rubric = in_force(&state, &key, period)?;
            let p = state
                .person(person)
                .ok_or_else(|| HttpError::not_found(format!("no person with id {person}")))?;
            if !rubric.assesses(&state, p) {
                let why = format!(
                    "{} is not assessed by {}: it assesses {}",
                    p.name,
                    rubric.key,
                    rubric.population()
                );
                return Err(HttpError::bad_input("personId", why));
            }
            domain::forms::assessment_form(&state, &rubric, person, period)
                .ok_or_else(|| HttpError::not_found(format!("no person with id {person}")))?
        };
        let bytes = assessment_form::write(&form).map_err(failed)?;
        let name = format!("附件二 {} {} {period}.xlsx", form.number, form.name);
        Ok::<Response, HttpError>((attachment(XLSX, "assessment.xlsx", &name), bytes).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// The statistics of a unit, as of the period's end or now.
async fn statistics(
    State(ex): State<Exports>,
    Path(unit): Path<String>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let actor = caller(&ex.auth, &uri, &headers).await?;
        let unit = id(&unit, "unitId")?;
        let period = period(&params(raw.as_deref()))?;
        may(&ex.app, &actor, Right::ReadScope(unit))?;
        let ((stats, names), name) = {
            let state = ex.app.state();
            let name = state
                .org_unit(unit)
                .map(|u| u.name.clone())
                .ok_or_else(|| HttpError::not_found(format!("no org unit with id {unit}")))?;
            let stats = domain::statistics::statistics(&state, unit, period, chrono::Utc::now());
            let names = statistics_sheet::unit_names(&state, &stats);
            ((stats, names), name)
        };
        // Written after the state is let go.
        let bytes = statistics_sheet::write(&names, &stats).map_err(failed)?;
        let name = format!("统计 {name} {period}.xlsx");
        Ok::<Response, HttpError>((attachment(XLSX, "statistics.xlsx", &name), bytes).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}

/// The archive box of a unit, streamed.
async fn archive(
    State(ex): State<Exports>,
    Path(unit): Path<String>,
    RawQuery(raw): RawQuery,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let actor = caller(&ex.auth, &uri, &headers).await?;
        let unit = id(&unit, "unitId")?;
        let params = params(raw.as_deref());
        let period = period(&params)?;
        let key = param(&params, "rubric").unwrap_or(DEFAULT_RUBRIC).trim().to_owned();
        may(&ex.app, &actor, Right::ReadScope(unit))?;
        let (rubric, name) = {
            let state = ex.app.state();
            let unit = state
                .org_unit(unit)
                .ok_or_else(|| HttpError::not_found(format!("no org unit with id {unit}")))?;
            let rubric = in_force(&state, &key, period)?;
            (rubric, format!("档案盒 {} {period}.zip", unit.name))
        };
        let turn = ex.boxes.clone().try_acquire_owned().map_err(|_| {
            HttpError::busy(format!(
                "{MAX_BOXES_AT_ONCE} archive boxes are being built already: try again in a minute"
            ))
        })?;
        let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
        let app = ex.app.clone();
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let writer = archive_box::ChannelWriter::new(tx, runtime);
            // Each read of the state is short; the writing runs without it.
            let (plan, stats, names) = {
                let state = app.state();
                let stats = domain::statistics::statistics(&state, unit, period, chrono::Utc::now());
                let names = statistics_sheet::unit_names(&state, &stats);
                (archive_box::plan(&state, unit, period, &rubric), stats, names)
            };
            let read = |chunk: &[archive_box::Planned]| {
                let state = app.state();
                let reader = Caller::new(&state, &actor.subject, actor.admin);
                chunk
                    .iter()
                    .map(|p| archive_box::form(&state, p, period, &rubric, &reader))
                    .collect()
            };
            let written = statistics_sheet::write(&names, &stats)
                .and_then(|sheet| archive_box::write(&plan, read, &[("统计.xlsx".to_owned(), sheet)], writer));
            match written {
                Ok(writer) => writer.done(),
                // The writer, dropped unfinished, has ended the body in an error.
                Err(error) => tracing::warn!(%error, "the archive box stopped"),
            }
        });
        let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) });
        let body = Body::from_stream(stream);
        Ok::<Response, HttpError>((attachment("application/zip", "archive.zip", &name), body).into_response())
    };
    result.await.unwrap_or_else(IntoResponse::into_response)
}
