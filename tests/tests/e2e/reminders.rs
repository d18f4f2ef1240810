//! Reminders that reach people (issue 14) through HTTP on both stores, against real
//! receivers started here on 127.0.0.1: an axum server playing a WeCom robot, a DingTalk
//! robot (checking `timestamp` and `sign`) and a webhook (checking `X-Bangfu-Signature`),
//! and a small SMTP server (EHLO, MAIL, RCPT, DATA, QUIT, plain). Channels are set and
//! messages listed over GraphQL; time is driven by `Reminders::run_at` (what
//! `bangfu notify --as-of` runs), never by sleeping.

use api::reminders::{Outcome, Reminders, Settings};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tests::app::{TestApp, spawn_app_with, test_config};
use tests::{DbKind, TestDb, fresh};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const WECOM_KEY: &str = "WECOMKEY-secret-0001";
const DING_TOKEN: &str = "DINGTOKEN-secret-0002";
const DING_SECRET: &str = "SECdingsecret0003";
const HOOK_SECRET: &str = "hooksecret0004";
const SECRETS: [&str; 4] = [WECOM_KEY, DING_TOKEN, DING_SECRET, HOOK_SECRET];

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn hmac(key: &str, data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

// ---- the receivers ---------------------------------------------------------------------

/// One request a receiver took: which robot, the JSON body, the delivery id (webhooks).
#[derive(Clone, Debug)]
struct Received {
    route: &'static str,
    body: Value,
    delivery: Option<String>,
    answered: u16,
}

#[derive(Clone, Default)]
struct Robots {
    received: Arc<Mutex<Vec<Received>>>,
    /// How many of the next WeCom requests answer 502.
    fail_wecom: Arc<Mutex<u32>>,
    /// A pause before each answer (two senders then overlap).
    slow: Arc<Mutex<Option<std::time::Duration>>>,
}

impl Robots {
    fn taken(&self, route: &str) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.route == route)
            .cloned()
            .collect()
    }

    fn record(&self, route: &'static str, body: Value, delivery: Option<String>, answered: u16) {
        self.received.lock().unwrap().push(Received {
            route,
            body,
            delivery,
            answered,
        });
    }

    async fn pause(&self) {
        let slow = *self.slow.lock().unwrap();
        if let Some(d) = slow {
            tokio::time::sleep(d).await;
        }
    }
}

async fn wecom(
    State(r): State<Robots>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> (StatusCode, String) {
    r.pause().await;
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let failing = {
        let mut fail = r.fail_wecom.lock().unwrap();
        let failing = *fail > 0;
        *fail = fail.saturating_sub(1);
        failing
    };
    if failing {
        r.record("wecom", body, None, 502);
        return (StatusCode::BAD_GATEWAY, "bad gateway".into());
    }
    if q.get("key").map(String::as_str) != Some(WECOM_KEY) {
        r.record("wecom", body, None, 200);
        return (
            StatusCode::OK,
            json!({"errcode": 93000, "errmsg": "invalid webhook url"}).to_string(),
        );
    }
    r.record("wecom", body, None, 200);
    (StatusCode::OK, json!({"errcode": 0, "errmsg": "ok"}).to_string())
}

async fn dingtalk(State(r): State<Robots>, Query(q): Query<HashMap<String, String>>, body: String) -> String {
    r.pause().await;
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    // DingTalk: sign = base64(HMAC-SHA256(secret, timestamp + "\n" + secret)).
    let expected = q.get("timestamp").map(|ts| {
        base64::engine::general_purpose::STANDARD.encode(hmac(DING_SECRET, format!("{ts}\n{DING_SECRET}").as_bytes()))
    });
    let signed = expected.is_some() && q.get("sign") == expected.as_ref();
    let token = q.get("access_token").map(String::as_str) == Some(DING_TOKEN);
    if !(signed && token) {
        r.record("dingtalk-refused", body, None, 200);
        return json!({"errcode": 310000, "errmsg": "sign not match"}).to_string();
    }
    r.record("dingtalk", body, None, 200);
    json!({"errcode": 0, "errmsg": "ok"}).to_string()
}

async fn hook(State(r): State<Robots>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
    r.pause().await;
    let expected = format!("sha256={}", hex::encode(hmac(HOOK_SECRET, &body)));
    let given = headers.get("x-bangfu-signature").and_then(|v| v.to_str().ok());
    let delivery = headers
        .get("x-bangfu-delivery")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if given != Some(expected.as_str()) {
        r.record("hook-refused", json, delivery, 401);
        return StatusCode::UNAUTHORIZED;
    }
    r.record("hook", json, delivery, 200);
    StatusCode::OK
}

async fn start_robots() -> (SocketAddr, Robots) {
    let robots = Robots::default();
    let router = axum::Router::new()
        .route("/cgi-bin/webhook/send", post(wecom))
        .route("/robot/send", post(dingtalk))
        .route("/hook", post(hook))
        .with_state(robots.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (addr, robots)
}

/// One email the SMTP server took.
#[derive(Clone, Debug)]
struct Mail {
    to: Vec<String>,
    data: String,
}

/// An email's plain-text body (UTF-8 in base64, as Bangfu sends it).
fn text_of(mail: &Mail) -> String {
    let (head, body) = mail.data.split_once("\r\n\r\n").expect("headers, then the body");
    assert!(head.contains("Content-Transfer-Encoding: base64"), "{head}");
    let joined: String = body.split_whitespace().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(joined)
        .expect("base64");
    String::from_utf8(bytes).expect("UTF-8")
}

/// A plain SMTP server: enough of RFC 5321 for lettre (EHLO, MAIL, RCPT, DATA, RSET, QUIT).
async fn start_smtp() -> (SocketAddr, Arc<Mutex<Vec<Mail>>>) {
    let mails = Arc::new(Mutex::new(vec![]));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let kept = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let mails = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read);
                write.write_all(b"220 test.local ESMTP\r\n").await.ok()?;
                let mut to = vec![];
                loop {
                    let mut line = String::new();
                    if lines.read_line(&mut line).await.ok()? == 0 {
                        return Some(());
                    }
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-test.local\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("MAIL FROM") {
                        to.clear();
                        b"250 OK\r\n"
                    } else if upper.starts_with("RCPT TO") && line.contains("nobody@") {
                        // As a real server refuses an unknown mailbox: quoting it.
                        b"550 5.1.1 <nobody@example.edu>: no such user\r\n"
                    } else if upper.starts_with("RCPT TO") {
                        to.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        write.write_all(b"354 go ahead\r\n").await.ok()?;
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if lines.read_line(&mut l).await.ok()? == 0 {
                                return Some(());
                            }
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        mails.lock().unwrap().push(Mail { to: to.clone(), data });
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await.ok()?;
                        return Some(());
                    } else {
                        b"250 OK\r\n"
                    };
                    write.write_all(answer).await.ok()?;
                }
            });
        }
    });
    (addr, mails)
}

// ---- the programme ---------------------------------------------------------------------

fn data<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "{body}");
    &body["data"][field]
}

async fn id(app: &TestApp, query: &str, variables: Value, field: &str) -> Value {
    data(&app.graphql(query, variables).await, field)["id"].clone()
}

const UNIT: &str = "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }";
const PERSON: &str = "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }";
const FORM: &str = "mutation($i: FormPairingInput!){ formPairing(input:$i){ id } }";
const SET: &str = "mutation($i: NotificationChannelInput!){ setNotificationChannel(input:$i){ id kind target hasSecret unit { id } } }";
const NOTIFICATIONS: &str = "query($s: ID!){ notifications(scopeId:$s){ id purpose title channel { kind target } status attempts lastError sentAt } }";

/// A branch under a school: its secretary (S-n, BRANCH_SECRETARY), a mentor with an email
/// (M-n) and a mentee (A-n) paired weekly (at least 1 contact a calendar week) from
/// Wednesday 1 October 2025, no contact since.
struct Branch {
    id: Value,
    secretary: String,
}

async fn school(app: &TestApp) -> Value {
    id(
        app,
        UNIT,
        json!({"i": {"kind": "SCHOOL", "name": "大学"}}),
        "createOrgUnit",
    )
    .await
}

async fn branch(app: &TestApp, school: &Value, n: usize) -> Branch {
    let branch = id(
        app,
        UNIT,
        json!({"i": {"kind": "BRANCH", "name": format!("第{n}党支部"), "parentId": school}}),
        "createOrgUnit",
    )
    .await;
    let person = |number: String, name: &str, stage: &str, email: Option<String>| json!({"i": {"number": number, "name": name, "orgUnitIds": [branch], "stage": stage, "email": email}});
    let secretary = format!("S-{n}");
    let s = id(
        app,
        PERSON,
        person(secretary.clone(), "书记", "FULL", None),
        "registerPerson",
    )
    .await;
    let body = app
        .graphql(
            "mutation($p: ID!, $u: ID!){ assignRole(personId:$p, role:BRANCH_SECRETARY, scopeId:$u){ id } }",
            json!({"p": s, "u": branch}),
        )
        .await;
    data(&body, "assignRole");
    let mentor = id(
        app,
        PERSON,
        person(
            format!("M-{n}"),
            "李老师",
            "FULL",
            Some(format!("mentor{n}@example.edu")),
        ),
        "registerPerson",
    )
    .await;
    let mentee = id(
        app,
        PERSON,
        person(format!("A-{n}"), "张同学", "NON_PARTY", None),
        "registerPerson",
    )
    .await;
    id(
        app,
        FORM,
        json!({"i": {"kind": "ONE_TO_ONE", "mentorIds": [mentor], "menteeId": mentee,
            "startsOn": "2025-10-01", "cadence": {"atLeast": 1, "calendar": "WEEK"}}}),
        "formPairing",
    )
    .await;
    Branch { id: branch, secretary }
}

/// Every GraphQL answer the secretary got, to check no secret is in any.
#[derive(Default)]
struct Answers(Vec<String>);

impl Answers {
    async fn ask(&mut self, app: &TestApp, who: &str, query: &str, variables: Value) -> Value {
        let token = app.token(who, false);
        let (_, body) = app.graphql_as(Some(&token), query, variables).await;
        self.0.push(body.to_string());
        body
    }
}

async fn reminders_on(db: &TestDb, smtp: SocketAddr) -> Reminders {
    // The receivers here listen on loopback.
    reminders_allowing(db, smtp, &["127.0.0.1"]).await
}

async fn reminders_allowing(db: &TestDb, smtp: SocketAddr, private_hosts: &[&str]) -> Reminders {
    let mut config = api::config::Config::new(db.url.clone());
    config.reminder_private_hosts = private_hosts.iter().map(|h| h.to_string()).collect();
    config.public_url = Some("https://bangfu.example.edu".into());
    config.smtp_url = Some(api::config::Secret::new(format!("smtp://{smtp}")));
    config.mail_from = Some("帮扶工作 <bangfu@example.edu>".into());
    let app = api::app::App::start(db.store().await).await.unwrap();
    Reminders::from_config(app, &config).unwrap()
}

async fn server(db: &TestDb) -> TestApp {
    let mut config = test_config(&db.url);
    config.reminder_schedule = false;
    spawn_app_with(config).await
}

async fn digests(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = server(&db).await;
    let (robots_at, robots) = start_robots().await;
    let (smtp_at, mails) = start_smtp().await;
    let school = school(&app).await;
    let b = branch(&app, &school, 1).await;
    let mut answers = Answers::default();

    // The secretary adds the branch's four channels; each answer masks the target.
    let channels = [
        json!({"unitId": b.id, "kind": "WECOM", "target": format!("http://{robots_at}/cgi-bin/webhook/send?key={WECOM_KEY}")}),
        json!({"unitId": b.id, "kind": "DINGTALK", "target": format!("http://{robots_at}/robot/send?access_token={DING_TOKEN}"), "secret": DING_SECRET}),
        json!({"unitId": b.id, "kind": "WEBHOOK", "target": format!("http://{robots_at}/hook"), "secret": HOOK_SECRET}),
        json!({"unitId": b.id, "kind": "EMAIL", "target": "branch1@example.edu"}),
    ];
    for input in &channels {
        let body = answers.ask(&app, &b.secretary, SET, json!({"i": input})).await;
        let set = data(&body, "setNotificationChannel");
        assert_eq!(set["unit"]["id"], b.id, "{body}");
    }
    let listed = answers
        .ask(
            &app,
            &b.secretary,
            "query($u: ID!){ orgUnit(id:$u){ channels { kind target hasSecret } } }",
            json!({"u": b.id}),
        )
        .await;
    assert_eq!(
        data(&listed, "orgUnit")["channels"],
        json!([
            {"kind": "DINGTALK", "target": format!("http://{robots_at}/robot/send?access_token=***"), "hasSecret": true},
            {"kind": "EMAIL", "target": "branch1@example.edu", "hasSecret": false},
            {"kind": "WEBHOOK", "target": format!("http://{robots_at}/hook"), "hasSecret": true},
            {"kind": "WECOM", "target": format!("http://{robots_at}/cgi-bin/webhook/send?key=***"), "hasSecret": false},
        ]),
        "{listed}"
    );
    // A mentor may not set or read them.
    let refused = answers.ask(&app, "M-1", SET, json!({"i": channels[0]})).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");
    let bad = answers
        .ask(
            &app,
            &b.secretary,
            SET,
            json!({"i": {"unitId": b.id, "kind": "WECOM", "target": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"}}),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "input.target", "{bad}");

    let reminders = reminders_on(&db, smtp_at).await;
    // Before 08:00 on Friday 10 October nothing is due but the mentor's email: the week of
    // 29 Sep–5 Oct had no contact, so the pairing is OVERDUE since Monday 6 Oct 00:00.
    // The WeCom robot answers 502 once.
    *robots.fail_wecom.lock().unwrap() = 1;
    let (first, _) = reminders.run_at(at("2025-10-10T08:00:00+08:00"), false).await.unwrap();
    // 4 digests (one per channel) + 1 mentor email planned; 4 sent, WeCom to retry.
    assert_eq!(
        (first.planned, first.sent, first.retrying, first.failed),
        (5, 4, 1, 0),
        "{first:?}"
    );
    assert_eq!(robots.taken("wecom").len(), 1);
    assert_eq!(robots.taken("wecom")[0].answered, 502);
    let ding = robots.taken("dingtalk");
    assert_eq!(
        ding.len(),
        1,
        "the sign was checked: {:?}",
        robots.taken("dingtalk-refused")
    );
    assert_eq!(ding[0].body["msgtype"], "markdown");
    assert_eq!(ding[0].body["markdown"]["title"], "帮扶提醒：第1党支部（2025-10-10）");
    let text = ding[0].body["markdown"]["text"].as_str().unwrap().to_owned();
    assert!(text.contains("**谈心谈话逾期**：1 项"), "{text}");
    // Due at the end of Sunday 5 Oct (00:00 Mon 6 Oct); 10 Oct 08:00 is 4 whole days on.
    assert!(text.contains("- 张同学（帮扶人：李老师）：逾期 4 天"), "{text}");
    assert!(text.contains("https://bangfu.example.edu/graphql?query="), "{text}");
    let hooks = robots.taken("hook");
    assert_eq!(
        hooks.len(),
        1,
        "the signature was checked: {:?}",
        robots.taken("hook-refused")
    );
    assert_eq!(hooks[0].body["unit"]["id"], b.id);
    assert_eq!(hooks[0].body["alerts"][0]["kind"], "CONTACT");
    assert_eq!(hooks[0].body["alerts"][0]["daysOverdue"], 4);
    {
        let mails = mails.lock().unwrap();
        let to: Vec<&str> = mails.iter().map(|m| m.to[0].as_str()).collect();
        assert_eq!(mails.len(), 2, "{to:?}");
        assert!(
            to.contains(&"branch1@example.edu") && to.contains(&"mentor1@example.edu"),
            "{to:?}"
        );
    }
    let listed = answers.ask(&app, &b.secretary, NOTIFICATIONS, json!({"s": b.id})).await;
    let list = data(&listed, "notifications").as_array().unwrap().clone();
    assert_eq!(list.len(), 5, "{listed}");
    let wecom_row = list.iter().find(|n| n["channel"]["kind"] == "WECOM").unwrap();
    assert_eq!(
        (&wecom_row["status"], &wecom_row["attempts"], &wecom_row["lastError"]),
        (&json!("PENDING"), &json!(1), &json!("HTTP 502 Bad Gateway")),
        "{listed}"
    );
    assert_eq!(list.iter().filter(|n| n["status"] == "SENT").count(), 4, "{listed}");
    let mentor_row = list.iter().find(|n| n["purpose"] == "MENTOR_OVERDUE").unwrap();
    assert_eq!(mentor_row["channel"]["target"], "m***@example.edu", "{listed}");

    // Ten minutes later: the WeCom retry (due 08:01) goes; nothing else is resent.
    let (retry, _) = reminders.run_at(at("2025-10-10T08:10:00+08:00"), false).await.unwrap();
    assert_eq!((retry.planned, retry.sent, retry.retrying), (0, 1, 0), "{retry:?}");
    let wecom = robots.taken("wecom");
    assert_eq!(wecom.len(), 2);
    assert_eq!(wecom[1].answered, 200);
    assert_eq!(wecom[1].body["msgtype"], "markdown");
    assert!(
        wecom[1].body["markdown"]["content"]
            .as_str()
            .unwrap()
            .contains("逾期 4 天")
    );
    assert_eq!((robots.taken("dingtalk").len(), robots.taken("hook").len()), (1, 1));
    assert_eq!(mails.lock().unwrap().len(), 2);
    let listed = answers.ask(&app, &b.secretary, NOTIFICATIONS, json!({"s": b.id})).await;
    let list = data(&listed, "notifications").as_array().unwrap().clone();
    let wecom_row = list.iter().find(|n| n["channel"]["kind"] == "WECOM").unwrap();
    assert_eq!(
        (&wecom_row["status"], &wecom_row["attempts"]),
        (&json!("SENT"), &json!(2))
    );

    // The next day: nothing before 08:00; at 08:00 the day's 4 digests, and no second
    // email for the same lapse.
    let (early, _) = reminders.run_at(at("2025-10-11T07:59:00+08:00"), false).await.unwrap();
    assert_eq!(early.planned, 0, "{early:?}");
    let (next, _) = reminders.run_at(at("2025-10-11T08:00:00+08:00"), false).await.unwrap();
    assert_eq!((next.planned, next.sent), (4, 4), "{next:?}");
    let ding = robots.taken("dingtalk");
    assert_eq!(ding[1].body["markdown"]["title"], "帮扶提醒：第1党支部（2025-10-11）");
    // 11 Oct 08:00 is 5 whole days after 6 Oct 00:00.
    assert!(ding[1].body["markdown"]["text"].as_str().unwrap().contains("逾期 5 天"));
    assert_eq!(mails.lock().unwrap().len(), 3);

    // Tuesday 14 October: the second week (6–12 Oct) was missed too, so the lapse is
    // ESCALATED; the mentor is told again, once.
    let alert = app
        .graphql(
            "query($u: ID!, $t: DateTime!){ contactAlerts(scopeId:$u, asOf:$t){ severity } }",
            json!({"u": b.id, "t": "2025-10-14T08:00:00+08:00"}),
        )
        .await;
    assert_eq!(data(&alert, "contactAlerts")[0]["severity"], "ESCALATED", "{alert}");
    let (escalated, _) = reminders.run_at(at("2025-10-14T08:00:00+08:00"), false).await.unwrap();
    assert_eq!((escalated.planned, escalated.sent), (5, 5), "{escalated:?}");
    let (later, _) = reminders.run_at(at("2025-10-15T08:00:00+08:00"), false).await.unwrap();
    assert_eq!((later.planned, later.sent), (4, 4), "{later:?}");
    {
        let mails = mails.lock().unwrap();
        let to_mentor: Vec<&Mail> = mails.iter().filter(|m| m.to[0] == "mentor1@example.edu").collect();
        assert_eq!(to_mentor.len(), 2, "one email per lapse and stage");
        let (overdue, escalated) = (text_of(to_mentor[0]), text_of(to_mentor[1]));
        // Due at 00:00 on Monday 6 Oct; on the 10th at 08:00, 4 whole days late; on the
        // 14th, 8.
        assert!(overdue.starts_with("李老师："), "{overdue}");
        assert!(
            overdue.contains("您与张同学的结对帮扶约定每周至少谈话 1 次"),
            "{overdue}"
        );
        assert!(
            overdue.contains("应于 2025-10-06 00:00 前完成，现已逾期（逾期 4 天）"),
            "{overdue}"
        );
        assert!(escalated.contains("已升级并报党支部书记（逾期 8 天）"), "{escalated}");
        assert!(to_mentor.iter().all(|m| m.data.contains("Message-ID: <")));
        let digest = mails.iter().find(|m| m.to[0] == "branch1@example.edu").unwrap();
        let digest = text_of(digest);
        assert!(digest.contains("谈心谈话逾期：1 项"), "{digest}");
        assert!(digest.contains("· 张同学（帮扶人：李老师）：逾期 4 天"), "{digest}");
    }

    // No secret in any GraphQL answer, in the log, or in the outbox rows' shown parts.
    for answer in &answers.0 {
        for secret in SECRETS {
            assert!(!answer.contains(secret), "{secret} in {answer}");
        }
    }
    let log = db.store().await.read_after(0, 100_000).await.unwrap();
    let log = serde_json::to_string(&log.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>()).unwrap();
    for secret in SECRETS {
        assert!(!log.contains(secret), "{secret} in the event log");
    }
    // Removing a channel: it is gone from the unit.
    let ids = answers
        .ask(
            &app,
            &b.secretary,
            "query($u: ID!){ orgUnit(id:$u){ channels { id kind } } }",
            json!({"u": b.id}),
        )
        .await;
    let wecom_id = data(&ids, "orgUnit")["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "WECOM")
        .unwrap()["id"]
        .clone();
    let removed = answers
        .ask(
            &app,
            &b.secretary,
            "mutation($c: ID!){ removeNotificationChannel(id:$c) }",
            json!({"c": wecom_id}),
        )
        .await;
    assert_eq!(data(&removed, "removeNotificationChannel"), &wecom_id);
    app.stop().await;
}

#[tokio::test]
async fn digests_retries_and_mentor_emails_on_sqlite() {
    digests(DbKind::Sqlite).await;
}

#[tokio::test]
async fn digests_retries_and_mentor_emails_on_postgres() {
    digests(DbKind::Postgres).await;
}

/// Where a channel may point (SSRF): with no private host allowed, a URL on loopback, a
/// private or link-local address or `localhost` is refused when set, and a channel set while
/// the rule allowed it is not reached when sent. An SMTP refusal that quotes the recipient
/// is shown masked; a channel the caller may not manage is answered as missing.
async fn inward_targets(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let mut config = test_config(&db.url);
    config.reminder_schedule = false;
    config.reminder_private_hosts.clear();
    let app = spawn_app_with(config).await;
    let (robots_at, robots) = start_robots().await;
    let (smtp_at, mails) = start_smtp().await;
    let school = school(&app).await;
    let b = branch(&app, &school, 1).await;
    let mut answers = Answers::default();
    let port = robots_at.port();
    for target in [
        format!("http://{robots_at}/hook"),
        format!("http://localhost:{port}/hook"),
        format!("http://[::1]:{port}/hook"),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        "https://10.0.0.8/hook".to_owned(),
    ] {
        let input = json!({"unitId": b.id, "kind": "WEBHOOK", "target": target});
        let refused = answers.ask(&app, &b.secretary, SET, json!({"i": input})).await;
        let error = &refused["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_INPUT", "{target}: {refused}");
        assert_eq!(error["extensions"]["field"], "input.target", "{refused}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("BANGFU_REMINDER_PRIVATE_HOSTS"),
            "{refused}"
        );
    }
    let mailbox = json!({"unitId": b.id, "kind": "EMAIL", "target": "nobody@example.edu"});
    data(
        &answers.ask(&app, &b.secretary, SET, json!({"i": mailbox})).await,
        "setNotificationChannel",
    );
    // Set while the operator allowed loopback, and the rule since tightened.
    let connection = db.store().await.connection().clone();
    let allowing = api::reminders::Channels::new(connection, api::reminders::TargetPolicy::new(["127.0.0.1"]));
    let unit: uuid::Uuid = b.id.as_str().unwrap().parse().unwrap();
    let target = format!("http://{robots_at}/hook");
    let hook = allowing
        .set(
            unit,
            api::reminders::ChannelKind::Webhook,
            &target,
            Some(HOOK_SECRET),
            "ops",
            0,
        )
        .await
        .unwrap();
    // A name that passes the URL's check and resolves inward (this machine's own name, in
    // /etc/hosts): refused when resolved, as a name that rebinds inward would be.
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let hostname = hostname.trim();
    let resolved: Vec<std::net::SocketAddr> = tokio::net::lookup_host((hostname, 0)).await.unwrap().collect();
    assert!(
        !resolved.is_empty() && resolved.iter().all(|a| !api::reminders::targets::is_public(a.ip())),
        "the test needs this machine's name ({hostname}) to resolve to inward addresses: {resolved:?}"
    );
    let named = format!("http://{hostname}:{port}/cgi-bin/webhook/send?key={WECOM_KEY}");
    allowing
        .set(unit, api::reminders::ChannelKind::Wecom, &named, None, "ops", 0)
        .await
        .unwrap();

    let strict = reminders_allowing(&db, smtp_at, &[]).await;
    let (run, _) = strict.run_at(at("2025-10-10T08:00:00+08:00"), false).await.unwrap();
    // Planned: the webhook's, the robot's and the mailbox's digests, the mentor's email.
    // The webhook is refused before any request, the robot when its name resolves,
    // nobody@ by SMTP (550: permanent); the mentor's email goes.
    assert_eq!(
        (run.planned, run.sent, run.retrying, run.failed),
        (4, 1, 0, 3),
        "{run:?}"
    );
    assert!(robots.taken("hook").is_empty(), "nothing reached the loopback receiver");
    assert!(
        robots.taken("wecom").is_empty(),
        "nothing reached the loopback receiver"
    );
    assert_eq!(mails.lock().unwrap().len(), 1);
    let listed = answers.ask(&app, &b.secretary, NOTIFICATIONS, json!({"s": b.id})).await;
    let list = data(&listed, "notifications").as_array().unwrap().clone();
    let error_of = |kind: &str, purpose: &str| {
        let row = list
            .iter()
            .find(|n| n["channel"]["kind"] == kind && n["purpose"] == purpose)
            .unwrap();
        assert_eq!(row["status"], "FAILED", "{listed}");
        row["lastError"].as_str().unwrap().to_owned()
    };
    assert!(
        error_of("WEBHOOK", "DIGEST").contains("loopback or private"),
        "{listed}"
    );
    assert!(
        error_of("WECOM", "DIGEST").contains("host points at a loopback or private"),
        "{listed}"
    );
    // The unit's own mailbox is shown as its channel's target; a recipient quoted in an
    // error may be a mentor's, which reads show masked.
    let smtp_said = error_of("EMAIL", "DIGEST");
    assert!(
        smtp_said.contains("550") && smtp_said.contains("<n***@example.edu>"),
        "{smtp_said}"
    );
    assert!(!smtp_said.contains("nobody@example.edu"), "{smtp_said}");

    // The mentor may not manage the branch's channels: one that exists is answered as
    // one that does not, so ids cannot be probed.
    let remove = "mutation($c: ID!){ removeNotificationChannel(id:$c) }";
    let hidden = answers
        .ask(&app, "M-1", remove, json!({"c": hook.id.to_string()}))
        .await;
    let missing = answers
        .ask(&app, "M-1", remove, json!({"c": uuid::Uuid::now_v7().to_string()}))
        .await;
    assert_eq!(hidden["errors"][0]["extensions"]["code"], "NOT_FOUND", "{hidden}");
    assert_eq!(missing["errors"][0]["extensions"]["code"], "NOT_FOUND", "{missing}");
    let removed = answers
        .ask(&app, &b.secretary, remove, json!({"c": hook.id.to_string()}))
        .await;
    assert_eq!(data(&removed, "removeNotificationChannel"), &json!(hook.id.to_string()));
    app.stop().await;
}

#[tokio::test]
async fn inward_targets_are_not_reached_on_sqlite() {
    inward_targets(DbKind::Sqlite).await;
}

#[tokio::test]
async fn inward_targets_are_not_reached_on_postgres() {
    inward_targets(DbKind::Postgres).await;
}

/// The outbox keeps a digest 90 days (the default), then the first run of a day deletes
/// it; a mentor's email stays, its key holding back a resend while the lapse is open.
async fn old_digests_are_pruned(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = server(&db).await;
    let (robots_at, _robots) = start_robots().await;
    let (smtp_at, _mails) = start_smtp().await;
    let school = school(&app).await;
    let b = branch(&app, &school, 1).await;
    let input =
        json!({"unitId": b.id, "kind": "WEBHOOK", "target": format!("http://{robots_at}/hook"), "secret": HOOK_SECRET});
    data(&app.graphql(SET, json!({"i": input})).await, "setNotificationChannel");
    let reminders = reminders_on(&db, smtp_at).await;
    let (first, _) = reminders.run_at(at("2025-10-10T08:00:00+08:00"), false).await.unwrap();
    assert_eq!((first.planned, first.sent, first.pruned), (2, 2, 0), "{first:?}");
    let stored_of = |listed: &Value, day: &str| {
        data(listed, "notifications")
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| {
                let of_day = n["title"].as_str().unwrap().contains(day);
                let sent_that_day = n["sentAt"].as_str().is_some_and(|at| at.starts_with(day));
                of_day || sent_that_day
            })
            .map(|n| n["purpose"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // Stored 2025-10-10 00:00 UTC. On 7 January 09:00 (+08:00, 01:00 UTC) 90 days back is
    // 2025-10-09 01:00 UTC: the digest is younger, kept.
    let (kept, _) = reminders.run_at(at("2026-01-07T09:00:00+08:00"), false).await.unwrap();
    assert_eq!(kept.pruned, 0, "{kept:?}");
    // On 8 January 09:00, 90 days back is 2025-10-10 01:00 UTC, after it: deleted.
    let (pruned, _) = reminders.run_at(at("2026-01-08T09:00:00+08:00"), false).await.unwrap();
    assert_eq!(pruned.pruned, 1, "{pruned:?}");
    let listed = app.graphql(NOTIFICATIONS, json!({"s": b.id})).await;
    let of_october = stored_of(&listed, "2025-10-10");
    assert!(!of_october.contains(&"DIGEST".to_owned()), "{listed}");
    assert!(of_october.contains(&"MENTOR_OVERDUE".to_owned()), "{listed}");
    let january = data(&listed, "notifications")
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["purpose"] == "DIGEST")
        .count();
    assert_eq!(january, 2, "the digests of 7 and 8 January: {listed}");
    // Later the same day: nothing is pruned again, and no digest is planned twice.
    let (later, _) = reminders.run_at(at("2026-01-08T18:00:00+08:00"), false).await.unwrap();
    assert_eq!((later.planned, later.pruned), (0, 0), "{later:?}");
    app.stop().await;
}

#[tokio::test]
async fn old_digests_are_pruned_on_sqlite() {
    old_digests_are_pruned(DbKind::Sqlite).await;
}

#[tokio::test]
async fn old_digests_are_pruned_on_postgres() {
    old_digests_are_pruned(DbKind::Postgres).await;
}

/// A sender that sent but died before recording it: after a restart the message waits out
/// the claim's lease (5 minutes), then is sent again with the same delivery id (at least
/// once; a webhook can tell the two apart).
async fn restart_between_send_and_ack(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = server(&db).await;
    let (robots_at, robots) = start_robots().await;
    let (smtp_at, _mails) = start_smtp().await;
    let school = school(&app).await;
    let b = branch(&app, &school, 1).await;
    let input =
        json!({"unitId": b.id, "kind": "WEBHOOK", "target": format!("http://{robots_at}/hook"), "secret": HOOK_SECRET});
    data(&app.graphql(SET, json!({"i": input})).await, "setNotificationChannel");
    let t = at("2025-10-10T08:00:00+08:00");
    {
        let crashed = reminders_on(&db, smtp_at).await;
        for m in crashed.plan(t).await.unwrap() {
            crashed.outbox().enqueue(&m, t.timestamp()).await.unwrap();
        }
        let claimed = crashed.outbox().claim(t.timestamp()).await.unwrap();
        // The digest and the mentor's email.
        assert_eq!(claimed.len(), 2);
        let digest = claimed.iter().find(|m| m.purpose == "DIGEST").unwrap();
        assert_eq!(crashed.send_one(digest).await.unwrap(), Outcome::Sent);
        // … and the process dies here, before `sent`.
    }
    assert_eq!(robots.taken("hook").len(), 1);
    let restarted = reminders_on(&db, smtp_at).await;
    let (soon, _) = restarted.run_at(at("2025-10-10T08:01:00+08:00"), false).await.unwrap();
    assert_eq!((soon.planned, soon.sent), (0, 0), "the claims still hold: {soon:?}");
    let (lapsed, _) = restarted.run_at(at("2025-10-10T08:06:00+08:00"), false).await.unwrap();
    assert_eq!((lapsed.planned, lapsed.sent), (0, 2), "{lapsed:?}");
    let hooks = robots.taken("hook");
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[0].delivery, hooks[1].delivery);
    let listed = app.graphql(NOTIFICATIONS, json!({"s": b.id})).await;
    let list = data(&listed, "notifications").as_array().unwrap().clone();
    assert!(
        list.iter().all(|n| n["status"] == "SENT" && n["attempts"] == 2),
        "{listed}"
    );
    app.stop().await;
}

#[tokio::test]
async fn restart_between_send_and_ack_on_sqlite() {
    restart_between_send_and_ack(DbKind::Sqlite).await;
}

#[tokio::test]
async fn restart_between_send_and_ack_on_postgres() {
    restart_between_send_and_ack(DbKind::Postgres).await;
}

/// Two instances on one database run at the same instant: every message is planned and
/// sent once (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: its single writer).
async fn two_instances(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = server(&db).await;
    let (robots_at, robots) = start_robots().await;
    let (smtp_at, mails) = start_smtp().await;
    *robots.slow.lock().unwrap() = Some(std::time::Duration::from_millis(20));
    let school = school(&app).await;
    const BRANCHES: usize = 12;
    for n in 1..=BRANCHES {
        let b = branch(&app, &school, n).await;
        let input = json!({"unitId": b.id, "kind": "WEBHOOK", "target": format!("http://{robots_at}/hook"), "secret": HOOK_SECRET});
        data(&app.graphql(SET, json!({"i": input})).await, "setNotificationChannel");
    }
    let (one, two) = (reminders_on(&db, smtp_at).await, reminders_on(&db, smtp_at).await);
    let t = at("2025-10-10T08:00:00+08:00");
    let (a, b) = tokio::join!(one.run_at(t, false), two.run_at(t, false));
    let ((a, _), (b, _)) = (a.unwrap(), b.unwrap());
    // 12 digests (one webhook each) + 12 mentors' emails, planned and sent once in all.
    assert_eq!(a.planned + b.planned, 2 * BRANCHES, "{a:?} {b:?}");
    assert_eq!(a.sent + b.sent, 2 * BRANCHES, "{a:?} {b:?}");
    let hooks = robots.taken("hook");
    let mut ids: Vec<String> = hooks.iter().filter_map(|h| h.delivery.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((hooks.len(), ids.len()), (BRANCHES, BRANCHES));
    assert_eq!(mails.lock().unwrap().len(), BRANCHES);
    app.stop().await;
}

#[tokio::test]
async fn two_instances_send_each_message_once_on_sqlite() {
    two_instances(DbKind::Sqlite).await;
}

#[tokio::test]
async fn two_instances_send_each_message_once_on_postgres() {
    two_instances(DbKind::Postgres).await;
}

/// `Settings` is what `bangfu notify` reads from the configuration.
#[test]
fn the_digest_is_due_from_its_time_on_its_shanghai_day() {
    let settings = Settings {
        digest_at: chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        public_url: None,
        keep: api::config::DEFAULT_OUTBOX_KEEP,
    };
    assert!(!api::reminders::digest_due(
        at("2025-10-10T07:59:59+08:00"),
        settings.digest_at
    ));
    assert!(api::reminders::digest_due(
        at("2025-10-10T08:00:00+08:00"),
        settings.digest_at
    ));
    // 00:30 UTC is 08:30 in Shanghai.
    assert!(api::reminders::digest_due(
        at("2025-10-10T00:30:00Z"),
        settings.digest_at
    ));
}

/// `bangfu notify --as-of … [--dry-run]` as a child process: a dry run prints the message
/// and stores and sends nothing; the run sends it; a second run at the same instant
/// finds nothing new.
async fn notify_command(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = server(&db).await;
    let (robots_at, robots) = start_robots().await;
    let school = school(&app).await;
    let b = branch(&app, &school, 1).await;
    let input =
        json!({"unitId": b.id, "kind": "WEBHOOK", "target": format!("http://{robots_at}/hook"), "secret": HOOK_SECRET});
    data(&app.graphql(SET, json!({"i": input})).await, "setNotificationChannel");
    let notify = |dry_run: bool| {
        let url = db.url.clone();
        async move {
            let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_bangfu-under-test"));
            command
                .args(["--database-url", &url, "notify", "--as-of", "2025-10-10T08:00:00+08:00"])
                .env("RUST_LOG", "warn")
                .env("BANGFU_REMINDER_PRIVATE_HOSTS", "127.0.0.1")
                .env_remove("BANGFU_SMTP_URL");
            if dry_run {
                command.arg("--dry-run");
            }
            let out = command.output().await.expect("run bangfu notify");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout).unwrap()
        }
    };
    let dry = notify(true).await;
    assert!(dry.contains("== 帮扶提醒：第1党支部（2025-10-10） → WEBHOOK"), "{dry}");
    assert!(dry.contains("张同学（帮扶人：李老师）：逾期 4 天"), "{dry}");
    // Without SMTP no mentor is emailed: the one digest.
    assert!(dry.ends_with("试运行，未发送：将新建 1 条消息\n"), "{dry}");
    assert!(robots.taken("hook").is_empty());
    let listed = app.graphql(NOTIFICATIONS, json!({"s": b.id})).await;
    assert_eq!(data(&listed, "notifications"), &json!([]), "{listed}");
    assert_eq!(notify(false).await, "新建 1 条消息；已发送 1，待重试 0，失败 0\n");
    assert_eq!(robots.taken("hook").len(), 1);
    assert_eq!(notify(false).await, "新建 0 条消息；已发送 0，待重试 0，失败 0\n");
    assert_eq!(robots.taken("hook").len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn notify_command_on_sqlite() {
    notify_command(DbKind::Sqlite).await;
}

#[tokio::test]
async fn notify_command_on_postgres() {
    notify_command(DbKind::Postgres).await;
}

/// `serve` runs the schedule: started with a digest time of 00:00 (always passed), its
/// first run, at start, sends today's digest by the clock.
async fn serve_runs_the_schedule(backend: DbKind) {
    let Some(db) = fresh(backend).await else { return };
    let app = server(&db).await;
    let (robots_at, robots) = start_robots().await;
    let school = school(&app).await;
    let b = branch(&app, &school, 1).await;
    let input =
        json!({"unitId": b.id, "kind": "WEBHOOK", "target": format!("http://{robots_at}/hook"), "secret": HOOK_SECRET});
    data(&app.graphql(SET, json!({"i": input})).await, "setNotificationChannel");
    assert!(robots.taken("hook").is_empty(), "the schedule is off");
    let mut app = app;
    app.config.reminder_schedule = true;
    app.config.digest_at = chrono::NaiveTime::MIN;
    let app = app.restart().await;
    let mut waited = 0;
    while robots.taken("hook").is_empty() && waited < 150 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let hooks = robots.taken("hook");
    assert_eq!(hooks.len(), 1, "the digest within 15 s");
    let today = domain::time::local_date(Utc::now()).to_string();
    assert_eq!(hooks[0].body["day"], json!(today));
    // Recorded just after the receiver answered.
    let mut listed = Value::Null;
    for _ in 0..50 {
        listed = app.graphql(NOTIFICATIONS, json!({"s": b.id})).await;
        if data(&listed, "notifications")[0]["status"] == "SENT" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(data(&listed, "notifications")[0]["status"], "SENT", "{listed}");
    app.stop().await;
}

#[tokio::test]
async fn serve_runs_the_schedule_on_sqlite() {
    serve_runs_the_schedule(DbKind::Sqlite).await;
}

#[tokio::test]
async fn serve_runs_the_schedule_on_postgres() {
    serve_runs_the_schedule(DbKind::Postgres).await;
}
