//! Signing in through the school's SSO: OIDC tokens verified against a JWKS
//! served by a stand-in provider on port 0, and CAS 3.0 against a stand-in
//! CAS server on port 0 (tickets, attributes, failures, single logout). The
//! stand-ins also serve https with a certificate of a test CA
//! (`tests/keys/tls-*.pem`), which Bangfu trusts only through
//! `BANGFU_TLS_CA_FILE`.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use base64_free::b64url;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tests::app::{TestApp, spawn_app_with, test_config};
use tests::{DbKind, fresh, fresh_sqlite};

/// The provider's signing keys, made once per test run (PKCS#8 PEM).
struct ProviderKeys {
    rsa1: String,
    rsa1_public: String,
    rsa2: String,
    ec1: String,
}

fn provider_keys() -> &'static ProviderKeys {
    use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
    static KEYS: std::sync::OnceLock<ProviderKeys> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let rsa = || rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
        let rsa1 = rsa();
        let ec1 = p256::SecretKey::random(&mut rand_core::OsRng);
        ProviderKeys {
            rsa1_public: rsa1.to_public_key().to_public_key_pem(LineEnding::LF).unwrap(),
            rsa1: rsa1.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            rsa2: rsa().to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            ec1: ec1.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        }
    })
}
const AUDIENCE: &str = "bangfu-web";
const TLS_CERT: &str = include_str!("../../keys/tls-server.pem");
const TLS_KEY: &str = include_str!("../../keys/tls-server.key.pem");

/// The test CA's certificate, as a file for `BANGFU_TLS_CA_FILE`.
fn test_ca_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("keys/tls-ca.pem")
}

/// Plain http, or https with the test CA's certificate for `localhost`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

/// A listener whose connections are TLS, handshaken as they are accepted.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            // A client that does not trust the certificate aborts the
            // handshake; the next connection is served all the same.
            if let Ok(stream) = self.acceptor.accept(stream).await {
                return (stream, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// Binds port 0 and serves `router` with `scheme`; returns the base URL
/// (`https://localhost:PORT`, the name the certificate is for, or
/// `http://127.0.0.1:PORT`).
async fn serve(scheme: Scheme, router: Router) -> String {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = tcp.local_addr().unwrap().port();
    match scheme {
        Scheme::Http => {
            tokio::spawn(async move { axum::serve(tcp, router).await });
            format!("http://127.0.0.1:{port}")
        }
        Scheme::Https => {
            let certs = CertificateDer::pem_slice_iter(TLS_CERT.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_slice(TLS_KEY.as_bytes()).unwrap();
            let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
            let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .unwrap();
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
            tokio::spawn(async move { axum::serve(TlsListener { tcp, acceptor }, router).await });
            format!("https://localhost:{port}")
        }
    }
}

/// base64url without padding, enough for hand-made JWT parts.
mod base64_free {
    pub fn b64url(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..=chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

struct Provider {
    issuer: String,
    jwks: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct ProviderState {
    issuer: Arc<Mutex<String>>,
    jwks: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

/// A stand-in OIDC provider: discovery and a JWKS the test can change.
async fn start_provider(keys: Vec<Value>) -> Provider {
    start_provider_with(Scheme::Http, keys).await
}

async fn start_provider_with(scheme: Scheme, keys: Vec<Value>) -> Provider {
    // The issuer names the port, known only once bound: the handlers read it
    // from a cell filled in after `serve`.
    let issuer_cell = Arc::new(Mutex::new(String::new()));
    let state = ProviderState {
        issuer: issuer_cell.clone(),
        jwks: Arc::new(Mutex::new(json!({ "keys": keys }))),
        fetches: Arc::new(AtomicUsize::new(0)),
    };
    let router = Router::new()
        .route(
            "/realms/school/.well-known/openid-configuration",
            get(|State(s): State<ProviderState>| async move {
                let issuer = s.issuer.lock().unwrap().clone();
                Json(json!({ "issuer": issuer, "jwks_uri": format!("{issuer}/protocol/certs") }))
            }),
        )
        .route(
            "/realms/school/protocol/certs",
            get(|State(s): State<ProviderState>| async move {
                s.fetches.fetch_add(1, Ordering::SeqCst);
                let body = s.jwks.lock().unwrap().clone();
                Json(body)
            }),
        )
        .with_state(state.clone());
    let issuer = format!("{}/realms/school", serve(scheme, router).await);
    *issuer_cell.lock().unwrap() = issuer.clone();
    Provider {
        issuer,
        jwks: state.jwks,
        fetches: state.fetches,
    }
}

fn encoding_key(pem: &str, alg: Algorithm) -> EncodingKey {
    match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        _ => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    }
}

fn jwk(pem: &str, alg: Algorithm, kid: &str) -> Value {
    let mut jwk = Jwk::from_encoding_key(&encoding_key(pem, alg), alg).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    serde_json::to_value(jwk).unwrap()
}

fn sign(pem: &str, alg: Algorithm, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &encoding_key(pem, alg)).unwrap()
}

fn claims(issuer: &str, sub: &str) -> Value {
    let now = now();
    json!({ "iss": issuer, "aud": AUDIENCE, "sub": sub, "iat": now, "nbf": now - 5, "exp": now + 600 })
}

async fn assert_accepted(app: &TestApp, token: &str, case: &str) {
    let (status, body) = app.graphql_as(Some(token), "{ __typename }", json!({})).await;
    assert_eq!(status, 200, "{case}: {body}");
    assert_eq!(body["data"]["__typename"], "Query", "{case}: {body}");
}

async fn assert_refused(app: &TestApp, token: &str, case: &str) {
    let (status, body) = app.graphql_as(Some(token), "{ __typename }", json!({})).await;
    assert_eq!(status, 401, "{case}: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{case}: {body}"
    );
}

#[tokio::test]
async fn oidc_tokens_are_verified_against_the_providers_keys() {
    let keys = provider_keys();
    let provider = start_provider(vec![
        jwk(&keys.rsa1, Algorithm::RS256, "rsa1"),
        jwk(&keys.ec1, Algorithm::ES256, "ec1"),
    ])
    .await;
    let db = fresh_sqlite().await;
    let mut config = test_config(&db.url);
    config.oidc_issuer = Some(provider.issuer.clone());
    config.oidc_audience = Some(AUDIENCE.to_owned());
    let app = spawn_app_with(config).await;
    let issuer = provider.issuer.as_str();

    // Valid tokens, both algorithms; Bangfu's own tokens still work.
    let good = claims(issuer, "2025000100");
    assert_accepted(&app, &sign(&keys.rsa1, Algorithm::RS256, "rsa1", &good), "RS256").await;
    assert_accepted(&app, &sign(&keys.ec1, Algorithm::ES256, "ec1", &good), "ES256").await;
    assert_accepted(&app, &app.token("2025000100", false), "Bangfu HS256").await;
    assert_eq!(provider.fetches.load(Ordering::SeqCst), 1, "the keys are cached");
    let fetched_at = std::time::Instant::now();

    // Refusals.
    assert_refused(&app, &sign(&keys.rsa2, Algorithm::RS256, "rsa1", &good), "wrong key").await;
    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = json!("another-app");
    assert_refused(
        &app,
        &sign(&keys.rsa1, Algorithm::RS256, "rsa1", &wrong_aud),
        "wrong audience",
    )
    .await;
    let mut wrong_iss = good.clone();
    wrong_iss["iss"] = json!("http://evil.example");
    assert_refused(
        &app,
        &sign(&keys.rsa1, Algorithm::RS256, "rsa1", &wrong_iss),
        "wrong issuer",
    )
    .await;
    let mut expired = good.clone();
    expired["exp"] = json!(now() - 3_600);
    assert_refused(&app, &sign(&keys.rsa1, Algorithm::RS256, "rsa1", &expired), "expired").await;
    let mut early = good.clone();
    early["nbf"] = json!(now() + 3_600);
    assert_refused(
        &app,
        &sign(&keys.rsa1, Algorithm::RS256, "rsa1", &early),
        "not yet valid",
    )
    .await;
    let mut no_sub = good.clone();
    no_sub.as_object_mut().unwrap().remove("sub");
    assert_refused(&app, &sign(&keys.rsa1, Algorithm::RS256, "rsa1", &no_sub), "no sub").await;
    // alg none, with and without a signature part.
    let none_header = b64url(br#"{"alg":"none","typ":"JWT","kid":"rsa1"}"#);
    let payload = b64url(good.to_string().as_bytes());
    assert_refused(&app, &format!("{none_header}.{payload}."), "alg none").await;
    let valid = sign(&keys.rsa1, Algorithm::RS256, "rsa1", &good);
    let signature = valid.rsplit('.').next().unwrap();
    assert_refused(
        &app,
        &format!("{none_header}.{payload}.{signature}"),
        "alg none, signed",
    )
    .await;
    // HS256 signed with the provider's public key (algorithm confusion).
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa1".to_owned());
    for secret in [keys.rsa1_public.as_bytes(), keys.rsa1_public.trim().as_bytes()] {
        let confused = jsonwebtoken::encode(&header, &good, &EncodingKey::from_secret(secret)).unwrap();
        assert_refused(&app, &confused, "HS256 with the public key").await;
    }
    // An RSA key claimed for ES256 (header alg does not match the key type).
    let ec_header = b64url(br#"{"alg":"ES256","typ":"JWT","kid":"rsa1"}"#);
    assert_refused(&app, &format!("{ec_header}.{payload}.{signature}"), "alg/key mismatch").await;

    // Rotation: a token with a new kid is refused while the set lacks it
    // (and the refetch is rate-limited) ...
    let rotated = sign(&keys.rsa2, Algorithm::RS256, "rsa2", &good);
    assert_refused(&app, &rotated, "unknown kid").await;
    // ... and accepted once the provider publishes the key and the
    // verifier may fetch again.
    provider
        .jwks
        .lock()
        .unwrap()
        .get_mut("keys")
        .unwrap()
        .as_array_mut()
        .unwrap()
        .push(jwk(&keys.rsa2, Algorithm::RS256, "rsa2"));
    let wait = api::signin::oidc::MIN_REFRESH.saturating_sub(fetched_at.elapsed()) + Duration::from_millis(300);
    tokio::time::sleep(wait).await;
    let before = provider.fetches.load(Ordering::SeqCst);
    assert_accepted(&app, &rotated, "rotated key").await;
    assert_eq!(provider.fetches.load(Ordering::SeqCst), before + 1);
    // Old keys still work after the refresh.
    assert_accepted(
        &app,
        &sign(&keys.rsa1, Algorithm::RS256, "rsa1", &good),
        "old key after rotation",
    )
    .await;
    // Many unknown kids in a row trigger no more than one fetch.
    for i in 0..5 {
        let forged = sign(&keys.rsa2, Algorithm::RS256, &format!("forged-{i}"), &good);
        assert_refused(&app, &forged, "forged kid").await;
    }
    assert!(provider.fetches.load(Ordering::SeqCst) <= before + 2);
    app.stop().await;
}

#[derive(Clone)]
struct CasState {
    service: String,
}

/// A stand-in CAS server answering CAS 3.0 XML.
async fn start_cas(service: String) -> String {
    start_cas_with(Scheme::Http, service).await
}

async fn start_cas_with(scheme: Scheme, service: String) -> String {
    let router = Router::new()
        .route(
            "/cas/p3/serviceValidate",
            get(
                |State(s): State<CasState>, Query(q): Query<HashMap<String, String>>| async move {
                    let ticket = q.get("ticket").cloned().unwrap_or_default();
                    let body = if q.get("service") != Some(&s.service) {
                        failure("INVALID_SERVICE", "service mismatch")
                    } else if ticket.starts_with("ST-good") {
                        success("2025000100")
                    } else if ticket == "ST-stranger" {
                        success("2099999999")
                    } else if let Some(answer) = odd_answer(&ticket) {
                        answer
                    } else {
                        failure("INVALID_TICKET", &format!("Ticket {ticket} not recognized"))
                    };
                    ([("content-type", "application/xml; charset=utf-8")], body)
                },
            ),
        )
        .with_state(CasState { service });
    format!("{}/cas", serve(scheme, router).await)
}

/// Registers the person whose number the stand-in CAS signs in.
async fn register_2025000100(app: &TestApp) {
    let college = app
        .graphql(
            "mutation($i: CreateOrgUnitInput!){ createOrgUnit(input:$i){ id } }",
            json!({ "i": { "kind": "SCHOOL", "name": "示范大学" } }),
        )
        .await;
    let college = college["data"]["createOrgUnit"]["id"].clone();
    assert!(college.is_string(), "{college}");
    let person = app
        .graphql(
            "mutation($i: RegisterPersonInput!){ registerPerson(input:$i){ id } }",
            json!({ "i": { "number": "2025000100", "name": "党员00", "orgUnitIds": [college] } }),
        )
        .await;
    assert!(person["data"]["registerPerson"]["id"].is_string(), "{person}");
}

/// Posts a CAS single-logout request for `ticket` to `app`.
async fn single_logout(app: &TestApp, ticket: &str) -> reqwest::StatusCode {
    let logout = format!(
        r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" IssueInstant="2026-11-22T09:00:00Z"><saml:NameID>@NOT_USED@</saml:NameID><samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>"#
    );
    let form = reqwest::Url::parse_with_params("http://x/", [("logoutRequest", logout)]).unwrap();
    app.client
        .post(app.url("/auth/cas/callback"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.query().unwrap().to_owned())
        .send()
        .await
        .unwrap()
        .status()
}

fn success(user: &str) -> String {
    format!(
        r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
    <cas:authenticationSuccess>
        <cas:user>{user}</cas:user>
        <cas:attributes>
            <cas:authenticationDate>2026-11-22T08:00:00Z</cas:authenticationDate>
            <cas:longTermAuthenticationRequestTokenUsed>false</cas:longTermAuthenticationRequestTokenUsed>
            <cas:isFromNewLogin>true</cas:isFromNewLogin>
            <cas:name>党员 &amp; 学生</cas:name>
            <cas:memberOf>students</cas:memberOf>
        </cas:attributes>
    </cas:authenticationSuccess>
</cas:serviceResponse>"#
    )
}

/// Answers no CAS server should give, each naming a registered number somewhere.
fn odd_answer(ticket: &str) -> Option<String> {
    let cas = r#"xmlns:cas="http://www.yale.edu/tp/cas""#;
    let answer = match ticket {
        // A success nested inside a failure's message, as an echo would put it.
        "ST-echo" => format!(
            "<cas:serviceResponse {cas}><cas:authenticationFailure code=\"INVALID_TICKET\">Ticket <cas:authenticationSuccess><cas:user>2025000100</cas:user></cas:authenticationSuccess> not recognized</cas:authenticationFailure></cas:serviceResponse>"
        ),
        // The same, escaped: text, not markup.
        "ST-escaped" => failure(
            "INVALID_TICKET",
            "&lt;cas:authenticationSuccess&gt;&lt;cas:user&gt;2025000100&lt;/cas:user&gt;&lt;/cas:authenticationSuccess&gt;",
        ),
        // The right names outside the CAS namespace.
        "ST-bare" => {
            "<serviceResponse><authenticationSuccess><user>2025000100</user></authenticationSuccess></serviceResponse>"
                .to_owned()
        }
        // A page from a proxy in front of the CAS server.
        "ST-html" => "<html><body><authenticationSuccess><user>2025000100</user></authenticationSuccess></body></html>"
            .to_owned(),
        // Cut off after the user.
        "ST-truncated" => {
            format!("<cas:serviceResponse {cas}><cas:authenticationSuccess><cas:user>2025000100</cas:user>")
        }
        _ => return None,
    };
    Some(answer)
}

fn failure(code: &str, message: &str) -> String {
    format!(
        r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
    <cas:authenticationFailure code="{code}">{message}</cas:authenticationFailure>
</cas:serviceResponse>"#
    )
}

#[tokio::test]
async fn cas_sign_in_and_single_logout() {
    const PUBLIC: &str = "http://bangfu.test";
    let service = format!("{PUBLIC}/auth/cas/callback");
    let cas = start_cas(service.clone()).await;
    let db = fresh_sqlite().await;
    let mut config = test_config(&db.url);
    config.cas_url = Some(cas.clone());
    config.public_url = Some(PUBLIC.to_owned());
    let app = spawn_app_with(config).await;

    register_2025000100(&app).await;

    // The login redirect.
    let no_redirects = tests::http_client()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = no_redirects.get(app.url("/auth/cas/login")).send().await.unwrap();
    assert!(login.status().is_redirection(), "{}", login.status());
    let location = login.headers()["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!("{cas}/login?service=http%3A%2F%2Fbangfu.test%2Fauth%2Fcas%2Fcallback")
    );

    // A good ticket: a token that works.
    let (status, body) = app
        .send(app.client.get(app.url("/auth/cas/callback?ticket=ST-good-1")))
        .await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();
    let expires = body["expiresAt"].as_str().unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(expires).unwrap().timestamp();
    let ttl = expires - i64::try_from(now()).unwrap();
    assert!((8 * 3600 - 60..=8 * 3600 + 5).contains(&ttl), "{ttl}");
    assert_accepted(&app, &token, "CAS token").await;
    // A second session of the same person.
    let (_, other) = app
        .send(app.client.get(app.url("/auth/cas/callback?ticket=ST-good-2")))
        .await;
    let other = other["token"].as_str().unwrap().to_owned();

    // A refused ticket: 401 with CAS's code.
    let (status, body) = app
        .send(app.client.get(app.url("/auth/cas/callback?ticket=ST-forged")))
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "INVALID_TICKET", "{body}");
    // Something that is not a ticket never reaches the CAS server.
    let (status, body) = app
        .send(
            app.client
                .get(app.url("/auth/cas/callback?ticket=ST-1%3Ccas%3Auser%3E")),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "BAD_TICKET", "{body}");
    // No ticket at all.
    let (status, _) = app.send(app.client.get(app.url("/auth/cas/callback"))).await;
    assert_eq!(status, 400);
    // A number Bangfu does not know: 403 saying so.
    let (status, body) = app
        .send(app.client.get(app.url("/auth/cas/callback?ticket=ST-stranger")))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "NOT_REGISTERED", "{body}");
    assert!(body["message"].as_str().unwrap().contains("2099999999"), "{body}");

    // Single logout of the first session revokes its token only.
    assert_eq!(single_logout(&app, "ST-good-1").await, 200);
    assert_refused(&app, &token, "token after single logout").await;
    assert_accepted(&app, &other, "the other session").await;
    app.stop().await;
}

#[tokio::test]
async fn cas_answers_that_are_not_a_success_sign_nobody_in() {
    const PUBLIC: &str = "http://bangfu.test";
    let cas = start_cas(format!("{PUBLIC}/auth/cas/callback")).await;
    let db = fresh_sqlite().await;
    let mut config = test_config(&db.url);
    config.cas_url = Some(cas);
    config.public_url = Some(PUBLIC.to_owned());
    let app = spawn_app_with(config).await;
    register_2025000100(&app).await;

    for (ticket, status, code) in [
        ("ST-echo", 401, "INVALID_TICKET"),
        ("ST-escaped", 401, "INVALID_TICKET"),
        ("ST-bare", 502, "CAS_BAD_RESPONSE"),
        ("ST-html", 502, "CAS_BAD_RESPONSE"),
        ("ST-truncated", 502, "CAS_BAD_RESPONSE"),
    ] {
        let (got, body) = app
            .send(app.client.get(app.url(&format!("/auth/cas/callback?ticket={ticket}"))))
            .await;
        assert_eq!(got, status, "{ticket}: {body}");
        assert_eq!(body["error"], code, "{ticket}: {body}");
        assert!(body.get("token").is_none(), "{ticket}: {body}");
    }
    // The refusals were the answers': a good ticket still signs in.
    let (got, _) = app
        .send(app.client.get(app.url("/auth/cas/callback?ticket=ST-good-1")))
        .await;
    assert_eq!(got, 200);
    app.stop().await;
}

#[tokio::test]
async fn oidc_over_https_trusts_only_known_certificates() {
    let keys = provider_keys();
    let provider = start_provider_with(Scheme::Https, vec![jwk(&keys.rsa1, Algorithm::RS256, "rsa1")]).await;
    assert!(provider.issuer.starts_with("https://localhost:"), "{}", provider.issuer);
    let token = sign(
        &keys.rsa1,
        Algorithm::RS256,
        "rsa1",
        &claims(&provider.issuer, "2025000100"),
    );
    let db = fresh_sqlite().await;
    let mut config = test_config(&db.url);
    config.oidc_issuer = Some(provider.issuer.clone());
    config.oidc_audience = Some(AUDIENCE.to_owned());

    // The provider's certificate is signed by the test CA, which no system
    // trusts: without BANGFU_TLS_CA_FILE the keys cannot be fetched.
    let untrusting = spawn_app_with(config.clone()).await;
    assert_refused(&untrusting, &token, "https provider, CA not trusted").await;
    assert_eq!(provider.fetches.load(Ordering::SeqCst), 0, "no key set was served");
    untrusting.stop().await;

    config.tls_ca_file = Some(test_ca_file());
    let app = spawn_app_with(config).await;
    assert_accepted(&app, &token, "https provider, CA trusted").await;
    assert_eq!(provider.fetches.load(Ordering::SeqCst), 1);
    app.stop().await;
}

/// CAS over https, and a single logout received by one instance holding on
/// another instance of the same database.
async fn single_logout_holds_on_every_instance(backend: DbKind) {
    const PUBLIC: &str = "https://bangfu.test";
    let cas = start_cas_with(Scheme::Https, format!("{PUBLIC}/auth/cas/callback")).await;
    let Some(db) = fresh(backend).await else { return };
    let mut config = test_config(&db.url);
    config.cas_url = Some(cas);
    config.public_url = Some(PUBLIC.to_owned());
    config.tls_ca_file = Some(test_ca_file());
    // Two instances of one deployment: one database, one signing key.
    let first = spawn_app_with(config.clone()).await;
    let second = spawn_app_with(config).await;
    register_2025000100(&first).await;

    let sign_in = |ticket: &'static str| {
        let first = &first;
        async move {
            let (status, body) = first
                .send(
                    first
                        .client
                        .get(first.url(&format!("/auth/cas/callback?ticket={ticket}"))),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            body["token"].as_str().unwrap().to_owned()
        }
    };
    let token = sign_in("ST-good-1").await;
    let other = sign_in("ST-good-2").await;
    assert_accepted(&first, &token, "signed in at the first instance").await;
    assert_accepted(&second, &token, "the same token at the second").await;
    // A subscription opened with the token, on the first instance.
    let mut socket = first
        .subscribe(&token, "subscription { eventAppended { kind } }", json!({}))
        .await;
    // Signed in (acknowledged) and running before the logout.
    let ack = {
        use futures_util::StreamExt;
        socket.next().await.expect("a message").expect("the socket is open")
    };
    assert!(ack.to_string().contains("connection_ack"), "{ack:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The CAS server's logout reaches the second instance only.
    assert_eq!(single_logout(&second, "ST-good-1").await, 200);
    assert_refused(&first, &token, "revoked at the other instance").await;
    assert_refused(&second, &token, "revoked here").await;
    // The subscription ends at its next check.
    let wait = api::http::REVOCATION_CHECK + Duration::from_secs(10);
    let ended = tokio::time::timeout(wait, async {
        use futures_util::StreamExt;
        while let Some(Ok(message)) = socket.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(text) = message {
                let v: Value = serde_json::from_str(&text).unwrap();
                if v["type"] == "complete" {
                    return true;
                }
            }
        }
        false
    })
    .await;
    assert_eq!(ended, Ok(true), "the subscription is completed after the logout");
    // A new operation on the still-open socket is refused.
    {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        let query = json!({"id": "2", "type": "subscribe", "payload": {"query": "{ __typename }"}});
        socket.send(Message::Text(query.to_string().into())).await.unwrap();
        let refused = loop {
            let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
                .await
                .expect("an answer")
                .expect("the socket is open")
                .unwrap();
            if let Message::Text(text) = message {
                let v: Value = serde_json::from_str(&text).unwrap();
                if v["type"] == "next" || v["type"] == "error" {
                    break v;
                }
            }
        };
        let errors = if refused["type"] == "next" {
            &refused["payload"]["errors"]
        } else {
            &refused["payload"]
        };
        assert_eq!(errors[0]["extensions"]["code"], "UNAUTHENTICATED", "{refused}");
        assert!(errors[0]["message"].as_str().unwrap().contains("revoked"), "{refused}");
    }
    assert_accepted(&first, &other, "the other session").await;
    // The CAS server may repeat a logout; a ticket Bangfu never exchanged changes
    // nothing, and leaves no row: only sign-ins open sessions.
    assert_eq!(single_logout(&first, "ST-good-1").await, 200);
    assert_eq!(single_logout(&first, "ST-never-issued").await, 200);
    assert_accepted(&second, &other, "the other session, still").await;
    let store = db.store().await;
    let sessions = store
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            store.connection().get_database_backend(),
            "SELECT COUNT(*) AS n, SUM(CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END) AS revoked FROM cas_sessions",
        ))
        .await
        .unwrap()
        .unwrap();
    let count = |column: &str| sessions.try_get::<i64>("", column).unwrap();
    assert_eq!((count("n"), count("revoked")), (2, 1), "two sign-ins, one signed out");
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn single_logout_holds_on_every_instance_on_sqlite() {
    single_logout_holds_on_every_instance(DbKind::Sqlite).await;
}

#[tokio::test]
async fn single_logout_holds_on_every_instance_on_postgres() {
    single_logout_holds_on_every_instance(DbKind::Postgres).await;
}
