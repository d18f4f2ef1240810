//! The audit trail: every event of the log in position order, retracted ones marked
//! (`events`, live as `eventAppended`), and retracting a recorded fact (`retractEvent`).
//! Screenings in the trail show only to those who may read them, each read logged.

use super::context::{actor, app, checked_input, log_screening_read};
use super::guard::{Can, Right, caller};
use super::paging::{DEFAULT_PAGE, MAX_PAGE, Page, Total};
use super::scalars::{self, DateTime, uuid};
use crate::error::{ApiError, ApiResult};
use async_graphql::{Context, ID, Json, Object, Subscription};
use domain::DomainError;
use domain::decide as d;
use futures_util::{Stream, StreamExt};
use tokio_stream_shim::broadcast_stream;

/// One event of the log, as the audit trail shows it.
pub struct Event {
    pub recorded: domain::Recorded,
    pub retracted: bool,
}

#[Object]
impl Event {
    async fn id(&self) -> ID {
        scalars::id(self.recorded.id)
    }
    /// The global position, as text (it may outgrow a GraphQL Int).
    async fn position(&self) -> String {
        self.recorded.position.to_string()
    }
    async fn stream_id(&self) -> ID {
        scalars::id(self.recorded.stream_id)
    }
    async fn stream_version(&self) -> i32 {
        i32::try_from(self.recorded.stream_version).unwrap_or(i32::MAX)
    }
    async fn kind(&self) -> &str {
        self.recorded.event.kind()
    }
    async fn schema_version(&self) -> i32 {
        self.recorded.event.schema_version()
    }
    /// The event's data. A screening (排查摸底) shows only to those who may read that
    /// person's screening, and each such read is logged; anyone else gets
    /// `{"redacted": "ScreeningRecorded"}`.
    async fn payload(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        if let domain::Event::ScreeningRecorded { person_id, .. } = &self.recorded.event {
            let person = *person_id;
            let app = app(ctx)?;
            let reader = actor(ctx)?;
            let allowed = caller(&app.state(), reader).may(Right::Screening(person));
            if !allowed {
                return Ok(Json(serde_json::json!({ "redacted": "ScreeningRecorded" })));
            }
            log_screening_read(ctx, person).await?;
        }
        Ok(Json(self.recorded.event.to_stored().2))
    }
    async fn occurred_at(&self) -> DateTime {
        self.recorded.occurred_at.into()
    }
    async fn recorded_at(&self) -> DateTime {
        self.recorded.recorded_at.into()
    }
    /// The subject of the token that appended it.
    async fn actor_id(&self) -> Option<ID> {
        self.recorded.actor_id.clone().map(ID)
    }
    async fn retracted(&self) -> bool {
        self.retracted
    }
}

pub type EventConnection = Page<Event>;

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail: every event in position order, retracted ones marked; optionally
    /// one stream's. `after` is a position (an `endCursor`). The whole trail is for
    /// administrators; a person's or a pairing's stream for those who may read it.
    #[graphql(
        guard = "Can::maybe(\"streamId\", &stream_id, |s| s.map_or(Right::Administer, Right::ReadStream))",
        complexity = "super::paging::page_cost(first, child_complexity)"
    )]
    async fn events(
        &self,
        ctx: &Context<'_>,
        stream_id: Option<ID>,
        after: Option<String>,
        first: Option<i32>,
    ) -> ApiResult<EventConnection> {
        let stream = stream_id.as_ref().map(|s| uuid("streamId", s)).transpose()?;
        let after: i64 = match after.as_deref() {
            None => 0,
            Some(c) => c.parse().map_err(|_| ApiError::bad("after", "is not a position"))?,
        };
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) if n >= 0 => (n as usize).min(MAX_PAGE),
            Some(_) => return Err(ApiError::bad("first", "must not be negative")),
        };
        let app = app(ctx)?;
        let (mut events, total) = match stream {
            // A page read by the database, the total from the state: a stream of 3,000
            // events costs one page to page through, not 3,000 rows per alias.
            Some(stream) => (
                app.store().read_stream_after(stream, after, first as u64 + 1).await?,
                usize::try_from(app.state().stream_version(stream)).unwrap_or(usize::MAX),
            ),
            // Positions are gap-free: the last one is the number of events.
            None => (
                app.store().read_after(after, first as u64 + 1).await?,
                usize::try_from(app.state().position()).unwrap_or(usize::MAX),
            ),
        };
        let has_next_page = events.len() > first;
        events.truncate(first);
        let state = app.state();
        let mut connection = async_graphql::connection::Connection::with_additional_fields(
            after > 0,
            has_next_page,
            Total {
                total_count: i32::try_from(total).unwrap_or(i32::MAX),
            },
        );
        connection.edges.extend(events.into_iter().map(|recorded| {
            let cursor = recorded.position.to_string();
            let node = Event {
                retracted: state.is_retracted(recorded.id),
                recorded,
            };
            async_graphql::connection::Edge::new(cursor, node)
        }));
        Ok(connection)
    }
}

#[derive(Default)]
pub struct AuditMutation;

#[Object]
impl AuditMutation {
    /// Corrects a mistake: the event stays in the audit trail, marked retracted, and
    /// counts for nothing anywhere. Whoever may record that fact may retract it.
    async fn retract_event(
        &self,
        ctx: &Context<'_>,
        event_id: ID,
        reason: String,
        idempotency_key: Option<String>,
    ) -> ApiResult<Event> {
        let event_id = uuid("eventId", &event_id)?;
        // Bad input is refused before the lookup, so its answer is the same for every id.
        let idempotency = checked_input(ctx, idempotency_key.as_deref())?;
        // An event the caller may not retract is answered as if it did not exist, so the
        // answer does not tell which ids exist elsewhere; what is not a fact needs an
        // administrator even to be told so.
        if let Some(event) = app(ctx)?.store().find_event(event_id).await? {
            let right = super::guard::right_to_record(&event).unwrap_or(super::guard::Right::Administer);
            if super::guard::require(ctx, right).is_err() {
                return Err(DomainError::not_found("event", event_id).into());
            }
        }
        let app = app(ctx)?;
        app.execute(&actor(ctx)?.subject, idempotency, move |s, _| {
            d::retract_event(s, event_id, &reason)
        })
        .await?;
        let recorded = app
            .store()
            .find_event(event_id)
            .await?
            .ok_or_else(|| ApiError::Internal(format!("retracted event {event_id} is missing from the log")))?;
        Ok(Event {
            recorded,
            retracted: true,
        })
    }
}

#[derive(Default)]
pub struct AuditSubscription;

#[Subscription]
impl AuditSubscription {
    /// Each event as it is appended (by this or another instance), optionally of one stream:
    /// those of the streams the caller may read (`events(streamId)`'s rule, judged as each
    /// event arrives).
    async fn event_appended(
        &self,
        ctx: &Context<'_>,
        stream_id: Option<ID>,
    ) -> async_graphql::Result<impl Stream<Item = Event>> {
        let actor = actor(ctx)?.clone();
        let app = app(ctx)?.clone();
        let stream_id = stream_id.as_ref().map(|s| uuid("streamId", s)).transpose()?;
        let rx = app.appended();
        Ok(broadcast_stream(rx).filter_map(move |recorded| {
            let (app, actor) = (app.clone(), actor.clone());
            async move {
                if stream_id.is_some_and(|s| s != recorded.stream_id) {
                    return None;
                }
                let state = app.state();
                if !caller(&state, &actor).may(Right::ReadStream(recorded.stream_id)) {
                    return None;
                }
                let retracted = state.is_retracted(recorded.id);
                Some(Event {
                    recorded: (*recorded).clone(),
                    retracted,
                })
            }
        }))
    }
}

/// A broadcast receiver as a stream that skips what a slow subscriber missed.
mod tokio_stream_shim {
    use futures_util::Stream;
    use tokio::sync::broadcast::{Receiver, error::RecvError};

    pub fn broadcast_stream<T: Clone + Send + 'static>(rx: Receiver<T>) -> impl Stream<Item = T> {
        futures_util::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(item) => return Some((item, rx)),
                    Err(RecvError::Lagged(missed)) => tracing::warn!(missed, "a subscriber fell behind"),
                    Err(RecvError::Closed) => return None,
                }
            }
        })
    }
}
