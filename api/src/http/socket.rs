//! Subscriptions over a WebSocket (`graphql-transport-ws`, also the legacy
//! `graphql-ws`), driven here rather than by `GraphQLWebSocket::serve` so that
//! the server can close a socket on its own:
//!
//! | close | when |
//! |---|---|
//! | 4408 `Connection initialisation timeout` | no `connection_init` within the init timeout |
//! | 4403 | `connection_init` without a valid token |
//! | 4429 | the token's subject already holds the most sockets allowed |
//! | 4400 / 4401 | an unreadable message / `subscribe` before `connection_ack` |
//! | 1001 | the server shuts down, or the client answered no ping for two intervals |
//!
//! A socket runs at most [`MAX_OPERATIONS_PER_SOCKET`] operations at once.
//!
//! The cap per subject answers 4429, the protocol's "too many" close: a
//! graphql-ws client treats it as fatal and does not retry, so a client that
//! leaks sockets stops rather than hammer the cap; a client that closes its
//! sockets never meets it. The cap is per instance.

use super::server::Stopping;
use super::{HttpState, introspection_allowed};
use crate::app::App;
use crate::graphql::BangfuSchema;
use crate::signin::{Actor, Authenticator, Session, bearer};
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use async_graphql::{Data, ErrorExtensions as _, Executor};
use axum::body::Bytes;
use axum::extract::WebSocketUpgrade;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::response::{IntoResponse as _, Response};
use futures_util::stream::{BoxStream, SplitSink};
use futures_util::{SinkExt as _, StreamExt as _};
use std::any::TypeId;
use std::collections::HashMap;
use std::str::FromStr as _;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How often a running subscription checks that its token still holds.
pub const REVOCATION_CHECK: Duration = Duration::from_secs(10);
/// Most operations running at once on one socket (each holds a stream and its
/// buffers): the web app runs a handful of subscriptions, GraphiQL one per tab.
/// The next one gets a single `BAD_INPUT` error (field `operations`) and completes.
pub const MAX_OPERATIONS_PER_SOCKET: usize = 32;

/// What every socket is held to.
#[derive(Clone)]
pub struct SocketRules {
    pub init_timeout: Duration,
    pub ping_interval: Duration,
    pub slots: Arc<SocketSlots>,
}

/// How many sockets each token subject holds open.
pub struct SocketSlots {
    per_subject: usize,
    open: Mutex<HashMap<String, usize>>,
}

impl SocketSlots {
    pub fn new(per_subject: usize) -> Arc<SocketSlots> {
        Arc::new(SocketSlots {
            per_subject,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more socket of `subject`, or `None` at the cap.
    fn take(self: &Arc<Self>, subject: &str) -> Option<SocketSlot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(subject.to_owned()).or_insert(0);
        if *count >= self.per_subject {
            return None;
        }
        *count += 1;
        Some(SocketSlot {
            slots: Arc::clone(self),
            subject: subject.to_owned(),
        })
    }
}

/// One socket's place; given back when the socket ends.
pub struct SocketSlot {
    slots: Arc<SocketSlots>,
    subject: String,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.subject) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.subject);
            }
        }
    }
}

/// Upgrades to a socket speaking one of the protocols the client offers.
pub(super) fn upgrade(state: HttpState, upgrade: WebSocketUpgrade) -> Response {
    let offered = upgrade
        .requested_protocols()
        .filter_map(|value| value.to_str().ok())
        .find_map(|name| WebSocketProtocols::from_str(name.trim()).ok());
    let Some(offered) = offered else {
        return super::HttpError::bad_request("unsupported WebSocket subprotocol: use graphql-transport-ws")
            .into_response();
    };
    upgrade.protocols(ALL_WEBSOCKET_PROTOCOLS).on_upgrade(move |socket| {
        let protocol = socket
            .protocol()
            .and_then(|value| value.to_str().ok())
            .and_then(|name| WebSocketProtocols::from_str(name).ok())
            .unwrap_or(offered);
        serve(socket, state, protocol)
    })
}

/// What `connection_init` tells the socket's driver.
enum Told {
    Admitted(SocketSlot),
    Close(u16, String),
}

/// When the client was last heard from, in milliseconds since the socket opened.
struct Heard {
    opened: Instant,
    at_ms: AtomicU64,
}

impl Heard {
    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.at_ms.store(ms, Ordering::Relaxed);
    }

    fn silent_for(&self) -> Duration {
        self.opened
            .elapsed()
            .saturating_sub(Duration::from_millis(self.at_ms.load(Ordering::Relaxed)))
    }
}

async fn serve(socket: WebSocket, state: HttpState, protocol: WebSocketProtocols) {
    let rules = state.sockets.clone();
    let mut stopping: Stopping = state.stopping.clone();
    let (mut sink, stream) = socket.split();
    let heard = Arc::new(Heard {
        opened: Instant::now(),
        at_ms: AtomicU64::new(0),
    });
    let input = {
        let heard = Arc::clone(&heard);
        // Any frame, pongs included, shows the client is alive; only data goes on.
        stream
            .take_while(|message| std::future::ready(message.is_ok()))
            .filter_map(move |message| {
                heard.touch();
                std::future::ready(match message {
                    Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
                    _ => None,
                })
            })
    };
    let hello = Arc::new(AtomicBool::new(false));
    let (told_tx, mut from_init) = mpsc::unbounded_channel::<Told>();
    let on_init = {
        let (hello, auth, slots) = (Arc::clone(&hello), state.auth.clone(), Arc::clone(&rules.slots));
        move |payload: serde_json::Value| async move {
            hello.store(true, Ordering::Relaxed);
            match admit(&auth, &slots, &payload).await {
                Ok((data, slot)) => {
                    let _ = told_tx.send(Told::Admitted(slot));
                    Ok(data)
                }
                Err((code, reason)) => {
                    // The driver closes with this code; the protocol's own
                    // refusal (1002 or a connection_error) never goes out.
                    let _ = told_tx.send(Told::Close(code, reason));
                    std::future::pending().await
                }
            }
        }
    };
    let executor = SocketExecutor {
        app: state.app.clone(),
        schema: state.schema.clone(),
        auth: state.auth.clone(),
        production: state.production,
        running: Arc::new(AtomicUsize::new(0)),
    };
    let graphql = async_graphql::http::WebSocket::new(executor, input, protocol).on_connection_init(on_init);
    futures_util::pin_mut!(graphql);
    let init_deadline = tokio::time::sleep(rules.init_timeout);
    tokio::pin!(init_deadline);
    let interval = rules.ping_interval;
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Held until the socket ends.
    let mut _slot = None;
    let close = loop {
        tokio::select! {
            biased;
            () = stopping.wait() => break Some((1001, "the server is shutting down".to_owned())),
            Some(told) = from_init.recv() => match told {
                Told::Admitted(slot) => _slot = Some(slot),
                Told::Close(code, reason) => break Some((code, reason)),
            },
            () = &mut init_deadline, if !hello.load(Ordering::Relaxed) => {
                break Some((4408, "Connection initialisation timeout".to_owned()));
            }
            _ = pings.tick() => {
                if heard.silent_for() >= interval * 2 {
                    break Some((1001, "no answer to pings".to_owned()));
                }
                if !send(&mut sink, Message::Ping(Bytes::new()), interval).await {
                    break None;
                }
            }
            message = graphql.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if !send(&mut sink, Message::Text(text.into()), interval).await {
                        break None;
                    }
                }
                Some(WsMessage::Close(code, reason)) => break Some(protocol_close(protocol, code, reason)),
                None => break None,
            },
        }
    };
    if let Some((code, reason)) = close {
        let frame = CloseFrame {
            code,
            reason: close_reason(&reason).into(),
        };
        let _ = send(&mut sink, Message::Close(Some(frame)), interval).await;
    }
}

/// Sends one frame; false when the client is gone or reads nothing for `within`.
async fn send(sink: &mut SplitSink<WebSocket, Message>, message: Message, within: Duration) -> bool {
    matches!(tokio::time::timeout(within, sink.send(message)).await, Ok(Ok(())))
}

/// async-graphql's closes, in graphql-transport-ws's own codes.
fn protocol_close(protocol: WebSocketProtocols, code: u16, reason: String) -> (u16, String) {
    match (protocol, code) {
        (WebSocketProtocols::GraphQLWS, 1002) => (4400, reason),
        (WebSocketProtocols::GraphQLWS, 1011) => (4401, "Unauthorized".to_owned()),
        _ => (code, reason),
    }
}

/// A close frame's reason is at most 123 bytes.
fn close_reason(reason: &str) -> String {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

/// Authenticates a socket from its `connection_init` payload
/// (`{"Authorization": "Bearer <JWT>"}`) and takes its place under the
/// subject's cap; a refusal is the close code and reason.
async fn admit(
    auth: &Authenticator,
    slots: &Arc<SocketSlots>,
    payload: &serde_json::Value,
) -> Result<(Data, SocketSlot), (u16, String)> {
    let header = ["Authorization", "authorization"]
        .iter()
        .find_map(|name| payload.get(name))
        .and_then(serde_json::Value::as_str);
    let verified = match bearer(header) {
        Ok(token) => auth.verify_session(token).await,
        Err(error) => Err(error),
    };
    let (actor, session) = verified.map_err(|error| {
        tracing::debug!(reason = %error, "subscription refused");
        (4403, format!("Forbidden: {error}"))
    })?;
    let Some(slot) = slots.take(&actor.subject) else {
        tracing::info!(subject = %actor.subject, "a socket refused: the subject holds the most allowed");
        return Err((
            4429,
            format!(
                "Too many sockets for this account: at most {} at once",
                slots.per_subject
            ),
        ));
    };
    let mut data = Data::default();
    data.insert(actor);
    data.insert(session);
    Ok((data, slot))
}

/// The schema as a WebSocket executes it: every operation on the socket
/// gets the same introspection rule as `POST /graphql`, judged by the actor
/// of the socket's `connection_init`; one socket's operations are counted.
#[derive(Clone)]
struct SocketExecutor {
    app: App,
    schema: BangfuSchema,
    auth: Authenticator,
    production: bool,
    /// How many operations of this socket are running.
    running: Arc<AtomicUsize>,
}

/// One running operation's place in its socket's count.
struct Running(Arc<AtomicUsize>);

impl Running {
    fn take(running: &Arc<AtomicUsize>) -> Option<Running> {
        running
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |count| {
                (count < MAX_OPERATIONS_PER_SOCKET).then_some(count + 1)
            })
            .ok()
            .map(|_| Running(Arc::clone(running)))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A one-answer stream carrying a single coded error.
fn refusal(
    message: String,
    code: &'static str,
    field: Option<&'static str>,
) -> BoxStream<'static, async_graphql::Response> {
    let error = async_graphql::Error::new(message)
        .extend_with(|_, extensions| {
            extensions.set("code", code);
            if let Some(field) = field {
                extensions.set("field", field);
            }
        })
        .into_server_error(async_graphql::Pos::default());
    futures_util::stream::once(async move { async_graphql::Response::from_errors(vec![error]) }).boxed()
}

impl Executor for SocketExecutor {
    async fn execute(&self, request: async_graphql::Request) -> async_graphql::Response {
        // Sockets run everything through `execute_stream`; without its actor,
        // a request here gets the stricter rule.
        let request = if self.production {
            request.disable_introspection()
        } else {
            request
        };
        self.schema.execute(request).await
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, async_graphql::Response> {
        let Some(running) = Running::take(&self.running) else {
            return refusal(
                format!("operations: at most {MAX_OPERATIONS_PER_SOCKET} at once on one socket; complete one first"),
                "BAD_INPUT",
                Some("operations"),
            );
        };
        let actor = session_data
            .as_deref()
            .and_then(|data| data.get(&TypeId::of::<Actor>()))
            .and_then(|actor| actor.downcast_ref::<Actor>());
        let allowed = actor.is_some_and(|actor| introspection_allowed(&self.app, self.production, actor));
        let request = if allowed {
            request
        } else {
            request.disable_introspection()
        };
        let session = session_data
            .as_deref()
            .and_then(|data| data.get(&TypeId::of::<Session>()))
            .and_then(|session| session.downcast_ref::<Session>())
            .cloned();
        let Some(session) = session else {
            // `connection_init` stores the session of every socket it admits.
            return Executor::execute_stream(&self.schema, request, session_data)
                .map(move |response| {
                    let _running = &running;
                    response
                })
                .boxed();
        };
        let (schema, auth) = (self.schema.clone(), self.auth.clone());
        // The token is checked again before each operation runs (an open socket outlives
        // neither its token's expiry nor a single logout), then watched while it runs.
        futures_util::stream::once(async move {
            match auth.check(&session).await {
                Ok(()) => Executor::execute_stream(&schema, request, session_data)
                    .take_until(session_ends(auth, session))
                    .boxed(),
                Err(error) => refusal(error.to_string(), error.code(), None),
            }
        })
        .flatten()
        // The place is given back when the operation's stream is dropped.
        .map(move |response| {
            let _running = &running;
            response
        })
        .boxed()
    }
}

/// Resolves once the session's token no longer holds: signed out by a single logout,
/// expired, or not checkable (a table that cannot be read). Checked every
/// [`REVOCATION_CHECK`].
async fn session_ends(auth: Authenticator, session: Session) {
    loop {
        tokio::time::sleep(REVOCATION_CHECK).await;
        if let Err(error) = auth.check(&session).await {
            tracing::info!(reason = %error, "a subscription's session ended: completing it");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_subject_and_given_back() {
        let slots = SocketSlots::new(2);
        let a1 = slots.take("a").unwrap();
        let _a2 = slots.take("a").unwrap();
        assert!(slots.take("a").is_none());
        let _b = slots.take("b").unwrap();
        drop(a1);
        assert!(slots.take("a").is_some());
        assert!(slots.open.lock().unwrap().get("a").is_some_and(|n| *n == 1));
    }

    #[test]
    fn close_reasons_fit_a_frame() {
        let long = "帮".repeat(100);
        let reason = close_reason(&long);
        assert!(reason.len() <= 123 && long.starts_with(&reason));
    }
}
