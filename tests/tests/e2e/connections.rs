//! Connections that hold the server's resources without finishing anything,
//! through real TCP: half-sent heads and bodies, idle keep-alive connections,
//! WebSockets that never say hello or go silent, too many sockets for one
//! token, too many connections. Each is closed or refused within its bound,
//! and the server keeps answering. The timeouts are shrunk through the config.

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tests::app::{Socket, TestApp, spawn_app_with, test_config};
use tests::fresh_sqlite;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const HEAD_TIMEOUT: Duration = Duration::from_millis(800);
const REQUEST_TIMEOUT: Duration = Duration::from_millis(1500);
const INIT_TIMEOUT: Duration = Duration::from_millis(800);
/// How much later than its bound a close may come on a busy machine.
const SLACK: Duration = Duration::from_secs(3);

async fn spawn(configure: impl FnOnce(&mut api::config::Config)) -> (TestApp, tests::TestDb) {
    let db = fresh_sqlite().await;
    let mut config = test_config(&db.url);
    config.header_read_timeout = HEAD_TIMEOUT;
    config.request_timeout = REQUEST_TIMEOUT;
    config.socket_init_timeout = INIT_TIMEOUT;
    configure(&mut config);
    (spawn_app_with(config).await, db)
}

async fn still_answers(app: &TestApp, after: &str) {
    let body = app.graphql("{ __typename }", json!({})).await;
    assert_eq!(body["data"]["__typename"], "Query", "after {after}: {body}");
}

/// Waits for the server to close `tcp`; returns how long it took and what
/// it sent first. Panics when it is still open after `bound`.
async fn closed_within(tcp: &mut TcpStream, bound: Duration) -> (Duration, String) {
    let start = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let left = bound.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, tcp.read(&mut buffer)).await {
            Err(_) => panic!(
                "still open after {bound:?}; received {:?}",
                String::from_utf8_lossy(&received)
            ),
            Ok(Ok(0) | Err(_)) => return (start.elapsed(), String::from_utf8_lossy(&received).into_owned()),
            Ok(Ok(read)) => received.extend_from_slice(&buffer[..read]),
        }
    }
}

/// One HTTP/1.1 answer read off `tcp`: its status and body (by Content-Length).
pub(crate) async fn read_answer(tcp: &mut TcpStream, within: Duration) -> Option<(u16, String)> {
    let read = async {
        let mut received = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            let text = String::from_utf8_lossy(&received).into_owned();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let length = head
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    let status = head.split(' ').nth(1)?.parse().ok()?;
                    return Some((status, body[..length].to_owned()));
                }
            }
            match tcp.read(&mut buffer).await {
                Ok(0) | Err(_) => return None,
                Ok(read) => received.extend_from_slice(&buffer[..read]),
            }
        }
    };
    tokio::time::timeout(within, read).await.ok().flatten()
}

fn healthz_request(app: &TestApp) -> String {
    format!("GET /healthz HTTP/1.1\r\nhost: {}\r\n\r\n", app.addr)
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_within_the_header_timeout() {
    let (app, _db) = spawn(|_| {}).await;
    let bound = HEAD_TIMEOUT + SLACK;

    // Nothing at all.
    let mut silent = TcpStream::connect(app.addr).await.expect("connect");
    // A request line and one header, then nothing.
    let mut half = TcpStream::connect(app.addr).await.expect("connect");
    half.write_all(b"POST /graphql HTTP/1.1\r\nhost: bangfu\r\n")
        .await
        .expect("send");
    let (took, _) = closed_within(&mut silent, bound).await;
    assert!(took >= HEAD_TIMEOUT / 2, "closed after {took:?}, before the timeout");
    let (_, sent) = closed_within(&mut half, bound).await;
    assert!(sent.is_empty(), "closed without an answer: {sent}");

    // A slow-loris: a byte every 200 ms keeps the head coming but never ends it.
    let mut drip = TcpStream::connect(app.addr).await.expect("connect");
    let start = Instant::now();
    let header = b"GET /healthz HTTP/1.1\r\nx-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut closed = false;
    for byte in header {
        if drip.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        if start.elapsed() > bound {
            break;
        }
    }
    if !closed {
        closed_within(&mut drip, bound.saturating_sub(start.elapsed())).await;
    }
    assert!(start.elapsed() < bound, "the drip lasted {:?}", start.elapsed());

    // A head past the limit is refused at once (431) rather than buffered.
    let mut huge = TcpStream::connect(app.addr).await.expect("connect");
    let padding = "a".repeat(api::http::MAX_HEAD_BYTES + 1024);
    let head = format!("GET /healthz HTTP/1.1\r\nhost: bangfu\r\nx-padding: {padding}\r\n\r\n");
    // The server may close before it has all of it.
    let _ = huge.write_all(head.as_bytes()).await;
    let (_, sent) = closed_within(&mut huge, SLACK).await;
    assert!(sent.starts_with("HTTP/1.1 431"), "{sent}");
    still_answers(&app, "half-sent heads").await;
    app.stop().await;
}

#[tokio::test]
async fn a_half_sent_body_gets_408_as_json_and_the_connection_closes() {
    let (app, _db) = spawn(|_| {}).await;
    let token = app.token("admin", true);
    let bound = REQUEST_TIMEOUT + SLACK;
    let head = |framing: &str| {
        format!(
            "POST /graphql HTTP/1.1\r\nhost: bangfu\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\n{framing}\r\n"
        )
    };
    // A declared length, a tenth of it sent; a chunked body, one chunk sent.
    for (shape, first) in [
        (
            "declared length",
            format!("{}{{\"query\"", head("content-length: 100\r\n")),
        ),
        (
            "chunked",
            format!("{}5\r\n{{\"que\r\n", head("transfer-encoding: chunked\r\n")),
        ),
    ] {
        let mut tcp = TcpStream::connect(app.addr).await.expect("connect");
        let start = Instant::now();
        tcp.write_all(first.as_bytes()).await.expect("send");
        let (status, body) = read_answer(&mut tcp, bound)
            .await
            .unwrap_or_else(|| panic!("{shape}: an answer within {bound:?}"));
        assert_eq!(status, 408, "{shape}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{shape}: JSON ({e}): {body}"));
        assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT", "{shape}: {body}");
        assert!(
            start.elapsed() >= REQUEST_TIMEOUT,
            "{shape}: answered before the timeout"
        );
        closed_within(&mut tcp, SLACK).await;
    }
    dripped_body_is_cut_off(&app, &token, bound).await;
    still_answers(&app, "half-sent bodies").await;
    app.stop().await;
}

/// A body that keeps coming, a byte every 100 ms, still ends at the request timeout.
async fn dripped_body_is_cut_off(app: &TestApp, token: &str, bound: Duration) {
    let mut tcp = TcpStream::connect(app.addr).await.expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nhost: bangfu\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.expect("send");
    let (mut reader, mut writer) = tcp.into_split();
    let dripping = tokio::spawn(async move {
        for _ in 0..1000 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while start.elapsed() < bound {
        match tokio::time::timeout(Duration::from_millis(200), reader.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(read)) => received.extend_from_slice(&buffer[..read]),
            Err(_) => {}
        }
    }
    dripping.abort();
    let answer = String::from_utf8_lossy(&received);
    assert!(answer.starts_with("HTTP/1.1 408"), "dripped: {answer}");
    assert!(answer.contains("\"TIMEOUT\""), "dripped: {answer}");
    assert!(start.elapsed() < bound, "dripped: took {:?}", start.elapsed());
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_and_a_busy_one_is_not() {
    let (app, _db) = spawn(|_| {}).await;
    let bound = HEAD_TIMEOUT + SLACK;
    let request = healthz_request(&app);

    // One request, then idle.
    let mut once = TcpStream::connect(app.addr).await.expect("connect");
    once.write_all(request.as_bytes()).await.expect("send");
    assert_eq!(read_answer(&mut once, bound).await.map(|a| a.0), Some(200));
    // Two requests, then idle.
    let mut twice = TcpStream::connect(app.addr).await.expect("connect");
    for _ in 0..2 {
        twice.write_all(request.as_bytes()).await.expect("send");
        assert_eq!(read_answer(&mut twice, bound).await.map(|a| a.0), Some(200));
    }
    let (took, _) = closed_within(&mut once, bound).await;
    assert!(took >= HEAD_TIMEOUT / 2, "closed after {took:?}");
    closed_within(&mut twice, bound).await;

    // A connection that keeps asking stays open well past one timeout.
    let mut busy = TcpStream::connect(app.addr).await.expect("connect");
    let start = Instant::now();
    while start.elapsed() < HEAD_TIMEOUT * 3 {
        busy.write_all(request.as_bytes())
            .await
            .expect("the busy connection is open");
        assert_eq!(read_answer(&mut busy, bound).await.map(|a| a.0), Some(200));
        tokio::time::sleep(HEAD_TIMEOUT / 4).await;
    }
    still_answers(&app, "idle connections").await;
    app.stop().await;
}

#[tokio::test]
async fn at_the_connection_cap_the_server_stops_accepting_until_one_closes() {
    let (app, _db) = spawn(|config| {
        config.max_connections = 4;
        config.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    let mut holders = Vec::new();
    for _ in 0..4 {
        holders.push(TcpStream::connect(app.addr).await.expect("connect"));
    }
    // The kernel completes the handshake; the server does not take it up.
    let mut waiting = TcpStream::connect(app.addr).await.expect("connect");
    waiting.write_all(healthz_request(&app).as_bytes()).await.expect("send");
    assert!(
        read_answer(&mut waiting, Duration::from_millis(700)).await.is_none(),
        "no answer while four connections are open"
    );
    holders.pop();
    let answer = read_answer(&mut waiting, SLACK).await;
    assert_eq!(answer.map(|a| a.0), Some(200), "answered once one closed");
    drop(waiting);
    drop(holders);
    still_answers(&app, "the connection cap").await;
    app.stop().await;
}

/// A socket speaking `protocol`, not yet initialised.
async fn open_socket(app: &TestApp, protocol: &'static str) -> Socket {
    let mut request = app.ws_url().into_client_request().expect("a WebSocket request");
    request
        .headers_mut()
        .insert("sec-websocket-protocol", HeaderValue::from_static(protocol));
    tokio_tungstenite::connect_async(request)
        .await
        .expect("open the socket")
        .0
}

async fn say(socket: &mut Socket, message: Value) -> bool {
    socket.send(Message::Text(message.to_string().into())).await.is_ok()
}

async fn say_hello(socket: &mut Socket, token: &str) -> bool {
    say(
        socket,
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}}),
    )
    .await
}

/// What the server does next: `Ok(text)` for a message, `Err(code)` for a
/// close (0 when the stream ends without a close frame). Pings are skipped.
async fn next_event(socket: &mut Socket, within: Duration) -> Result<Value, u16> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let message = tokio::time::timeout(left, socket.next())
            .await
            .unwrap_or_else(|_| panic!("nothing from the server within {within:?}"));
        match message {
            Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text).unwrap_or(Value::Null)),
            Some(Ok(Message::Close(frame))) => return Err(frame.map_or(0, |frame| u16::from(frame.code))),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Err(0),
        }
    }
}

async fn acknowledged(socket: &mut Socket) -> bool {
    match next_event(socket, SLACK).await {
        Ok(message) => message["type"] == "connection_ack",
        Err(_) => false,
    }
}

#[tokio::test]
async fn a_socket_that_never_says_hello_is_closed_with_4408() {
    let (app, _db) = spawn(|_| {}).await;
    let bound = INIT_TIMEOUT + SLACK;

    // Silent; chatty with pings but no connection_init; the legacy protocol.
    let mut silent = open_socket(&app, "graphql-transport-ws").await;
    let mut pinging = open_socket(&app, "graphql-transport-ws").await;
    let mut legacy = open_socket(&app, "graphql-ws").await;
    let start = Instant::now();
    assert!(say(&mut pinging, json!({"type": "ping"})).await);
    assert_eq!(
        next_event(&mut pinging, bound).await.ok().map(|m| m["type"].clone()),
        Some(json!("pong"))
    );
    assert_eq!(next_event(&mut silent, bound).await, Err(4408));
    assert!(
        start.elapsed() >= INIT_TIMEOUT / 2,
        "closed after {:?}",
        start.elapsed()
    );
    assert_eq!(next_event(&mut pinging, bound).await, Err(4408));
    assert_eq!(next_event(&mut legacy, bound).await, Err(4408));
    still_answers(&app, "sockets without hello").await;
    app.stop().await;
}

#[tokio::test]
async fn a_late_hello_finds_the_socket_closed_and_a_timely_one_keeps_it() {
    let (app, _db) = spawn(|_| {}).await;
    let token = app.token("20230001", false);

    let mut late = open_socket(&app, "graphql-transport-ws").await;
    tokio::time::sleep(INIT_TIMEOUT + Duration::from_millis(500)).await;
    // The send may still be taken by the kernel; the close is what comes back.
    let _ = say_hello(&mut late, &token).await;
    assert_eq!(next_event(&mut late, SLACK).await, Err(4408));

    // Hello just inside the timeout: acknowledged, and open past the deadline.
    let mut timely = open_socket(&app, "graphql-transport-ws").await;
    tokio::time::sleep(INIT_TIMEOUT / 2).await;
    assert!(say_hello(&mut timely, &token).await);
    assert!(acknowledged(&mut timely).await);
    tokio::time::sleep(INIT_TIMEOUT).await;
    let subscribe = json!({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}});
    assert!(say(&mut timely, subscribe).await);
    let result = next_event(&mut timely, SLACK).await.expect("a result");
    assert_eq!(result["payload"]["data"]["__typename"], "Query", "{result}");
    still_answers(&app, "late hellos").await;
    app.stop().await;
}

#[tokio::test]
async fn one_subject_holds_at_most_its_cap_of_sockets() {
    let (app, _db) = spawn(|config| config.sockets_per_subject = 3).await;
    let (alice, bob) = (app.token("20230001", false), app.token("20230002", false));

    let mut held = Vec::new();
    for _ in 0..3 {
        let mut socket = open_socket(&app, "graphql-transport-ws").await;
        assert!(say_hello(&mut socket, &alice).await);
        assert!(acknowledged(&mut socket).await, "within the cap");
        held.push(socket);
    }
    // The fourth, on either protocol, is refused; a refusal holds no place.
    for protocol in ["graphql-transport-ws", "graphql-ws"] {
        let mut extra = open_socket(&app, protocol).await;
        assert!(say_hello(&mut extra, &alice).await);
        assert_eq!(next_event(&mut extra, SLACK).await, Err(4429), "{protocol}");
    }
    // Another subject is not affected.
    let mut other = open_socket(&app, "graphql-transport-ws").await;
    assert!(say_hello(&mut other, &bob).await);
    assert!(acknowledged(&mut other).await, "another subject");
    // A bad token is refused with 4403 and takes no place either.
    let mut forged = open_socket(&app, "graphql-transport-ws").await;
    assert!(say_hello(&mut forged, "not-a-jwt").await);
    assert_eq!(next_event(&mut forged, SLACK).await, Err(4403));

    // Closing one frees its place (the server learns of it at once, or soon).
    let mut closing = held.pop().expect("three held");
    closing.close(None).await.expect("close");
    drop(closing);
    let start = Instant::now();
    loop {
        let mut again = open_socket(&app, "graphql-transport-ws").await;
        assert!(say_hello(&mut again, &alice).await);
        match next_event(&mut again, SLACK).await {
            Ok(message) if message["type"] == "connection_ack" => break,
            outcome => assert!(start.elapsed() < SLACK, "no place after a close: {outcome:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    still_answers(&app, "too many sockets").await;
    app.stop().await;
}

#[tokio::test]
async fn a_socket_that_stops_answering_pings_is_closed_and_one_that_answers_stays() {
    let ping = Duration::from_millis(400);
    let (app, _db) = spawn(|config| config.socket_ping_interval = ping).await;
    let token = app.token("20230001", false);

    let mut deaf = open_socket(&app, "graphql-transport-ws").await;
    let mut alive = open_socket(&app, "graphql-transport-ws").await;
    for socket in [&mut deaf, &mut alive] {
        assert!(say_hello(socket, &token).await);
        assert!(acknowledged(socket).await);
    }
    // `alive` is read all along (tungstenite answers each ping); `deaf` is not
    // read at all, so it sends no pong.
    let start = Instant::now();
    while start.elapsed() < ping * 5 {
        if let Ok(Some(Ok(Message::Close(frame)))) = tokio::time::timeout(ping / 4, alive.next()).await {
            panic!("an answering socket was closed: {frame:?}");
        }
    }
    let subscribe = json!({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}});
    assert!(say(&mut alive, subscribe).await);
    assert!(next_event(&mut alive, SLACK).await.is_ok(), "still served");
    // Closed: with 1001, or, on a loaded machine, with the close frame lost behind the
    // pongs the client queues for the pings it reads late (their write meets the closed
    // connection first and the read ends with an error).
    let closed = next_event(&mut deaf, SLACK).await;
    assert!(
        matches!(closed, Err(1001) | Err(0)),
        "the deaf one was closed: {closed:?}"
    );
    still_answers(&app, "silent sockets").await;
    app.stop().await;
}

#[tokio::test]
async fn one_socket_runs_at_most_its_cap_of_operations() {
    let (app, _db) = spawn(|_| {}).await;
    let mut socket = open_socket(&app, "graphql-transport-ws").await;
    assert!(say_hello(&mut socket, &app.token("admin", true)).await);
    assert!(acknowledged(&mut socket).await);
    let cap = api::http::MAX_OPERATIONS_PER_SOCKET;
    let subscribe =
        |id: usize, query: &str| json!({"id": id.to_string(), "type": "subscribe", "payload": {"query": query}});
    // Subscriptions that run until completed (no event comes).
    for id in 1..=cap {
        assert!(
            say(
                &mut socket,
                subscribe(id, "subscription { eventAppended { __typename } }")
            )
            .await
        );
    }
    for extra in [cap + 1, cap + 2] {
        assert!(say(&mut socket, subscribe(extra, "{ __typename }")).await);
        let refused = next_event(&mut socket, SLACK).await.expect("an answer");
        assert_eq!(refused["id"], extra.to_string(), "{refused}");
        assert_eq!(
            refused["payload"]["errors"][0]["extensions"]["code"], "BAD_INPUT",
            "{refused}"
        );
        assert_eq!(
            refused["payload"]["errors"][0]["extensions"]["field"], "operations",
            "{refused}"
        );
        assert_eq!(
            next_event(&mut socket, SLACK).await.expect("complete")["type"],
            "complete"
        );
    }
    // Completing one frees its place.
    assert!(say(&mut socket, json!({"id": "1", "type": "complete"})).await);
    assert!(say(&mut socket, subscribe(cap + 3, "{ __typename }")).await);
    let wanted = (cap + 3).to_string();
    let answer = loop {
        let message = next_event(&mut socket, SLACK).await.expect("an answer");
        if message["id"] == wanted.as_str() {
            break message;
        }
    };
    assert_eq!(answer["payload"]["data"]["__typename"], "Query", "{answer}");
    still_answers(&app, "too many operations on a socket").await;
    app.stop().await;
}
