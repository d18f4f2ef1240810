//! Bangfu's configuration: one typed struct.
//!
//! Layering: built-in defaults, then `BANGFU_*` environment variables, then
//! command-line flags (clap resolves the three in that order). Values that
//! clap cannot parse stop start-up with clap's one-line error; the checks
//! clap cannot express live in [`Config::validate`]. Secrets are never
//! printed: the `Debug` output redacts the JWT secret and any password in the
//! database URL.

pub use crate::telemetry::LogFormat;
use clap::{Args, ValueEnum};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The embedded default: a SQLite file in the working directory, created on
/// first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://bangfu.db?mode=rwc";
/// Loopback only, so a fresh start exposes nothing to the network.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// How long a client may take to send a request's line and headers. A phone
/// on a lossy link gets its 1–4 KiB head through after several retransmissions
/// (TCP's backoff reaches 8 s by the fourth); a slow-loris holds a connection
/// no longer than this. hyper runs the same timer while a kept-alive connection
/// waits for its next request, so this is the idle timeout too: long enough for
/// the next query of the same screen, and a proxy in front should keep its
/// idle upstream connections for less.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest a request may run, body upload included (longer: 408). The slowest
/// dashboard takes well under a second; 30 s leaves room for a phone's upload.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Most TCP connections open at once, WebSockets included; at the cap the
/// server stops accepting until one closes (the kernel's backlog holds the
/// rest). An idle connection costs some 20–40 KiB, so the cap bounds that memory
/// at a few hundred MiB, far above what 20,000 students need (a browser keeps
/// up to 6, an app 1–2, and only a share of them are open at once). It is
/// lowered further to fit the open-file limit.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// How long a WebSocket may stay open before its `connection_init`
/// (graphql-transport-ws: closed with 4408). Clients send it at once; 10 s
/// covers a slow phone.
pub const DEFAULT_SOCKET_INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the server pings an open WebSocket; one that has sent nothing
/// (not even the pong) for two of these is closed as dead. Under the 60 s
/// idle timeout of common proxies and load balancers, so they keep quiet
/// sockets open.
pub const DEFAULT_SOCKET_PING_INTERVAL: Duration = Duration::from_secs(25);
/// Most WebSockets one token subject may hold at once: a few browser tabs of
/// GraphiQL or the web app, a phone, and slack for a reconnect that comes
/// before the old socket is found dead.
pub const DEFAULT_SOCKETS_PER_SUBJECT: usize = 8;
/// When the morning digest goes out (Shanghai time): before the day's work starts.
pub const DEFAULT_DIGEST_AT: chrono::NaiveTime = match chrono::NaiveTime::from_hms_opt(8, 0, 0) {
    Some(t) => t,
    None => chrono::NaiveTime::MIN,
};
/// How long a sent digest stays listed in `notifications`: a term's review looks back a
/// season, not years (`BANGFU_OUTBOX_KEEP`).
pub const DEFAULT_OUTBOX_KEEP: Duration = Duration::from_secs(90 * 86_400);

#[derive(Clone, Args)]
pub struct Config {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded) or
    /// `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(
        long,
        env = "BANGFU_DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        hide_env_values = true,
        global = true
    )]
    pub database_url: String,

    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "BANGFU_BIND", default_value = DEFAULT_BIND, global = true)]
    pub bind: SocketAddr,

    /// HS256 key for Bangfu's own tokens, at least 32 bytes. Prefer the
    /// environment variable: flags are visible to other local users.
    /// Without it, SQLite generates one beside the database file;
    /// PostgreSQL and production refuse to start.
    #[arg(long, env = "BANGFU_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<Secret>,

    /// `development` or `production`. Production never generates a JWT
    /// secret: BANGFU_JWT_SECRET must be set.
    #[arg(
        long = "env",
        env = "BANGFU_ENV",
        value_enum,
        default_value_t = Environment::Development,
        global = true
    )]
    pub environment: Environment,

    /// Comma-separated origins allowed by CORS (e.g.
    /// `https://bangfu.example.edu`). Empty: same-origin only.
    #[arg(
        long,
        env = "BANGFU_CORS_ORIGINS",
        value_delimiter = ',',
        value_parser = parse_origin,
        global = true
    )]
    pub cors_origins: Vec<String>,

    /// The school's OpenID Connect issuer (e.g.
    /// `https://sso.example.edu/realms/school`). Its discovery document is
    /// read at `{issuer}/.well-known/openid-configuration` and its keys from
    /// the `jwks_uri` there. Unset: only Bangfu's own tokens are accepted.
    #[arg(long, env = "BANGFU_OIDC_ISSUER", value_parser = parse_base_url, global = true)]
    pub oidc_issuer: Option<String>,

    /// The `aud` an OIDC token must carry (Bangfu's client id at the
    /// provider). Required with BANGFU_OIDC_ISSUER.
    #[arg(long, env = "BANGFU_OIDC_AUDIENCE", global = true)]
    pub oidc_audience: Option<String>,

    /// The school's CAS server (e.g. `https://cas.example.edu/cas`). Enables
    /// `GET /auth/cas/login` and `/auth/cas/callback`.
    #[arg(long, env = "BANGFU_CAS_URL", value_parser = parse_base_url, global = true)]
    pub cas_url: Option<String>,

    /// Where browsers reach this server (e.g. `https://bangfu.example.edu`);
    /// the CAS service URL is `{public_url}/auth/cas/callback`. Required with
    /// BANGFU_CAS_URL.
    #[arg(long, env = "BANGFU_PUBLIC_URL", value_parser = parse_base_url, global = true)]
    pub public_url: Option<String>,

    /// A PEM bundle of CA certificates to trust, beyond the system's, when
    /// reaching the OIDC provider and the CAS server over https (a school
    /// CA, say).
    #[arg(long, env = "BANGFU_TLS_CA_FILE", global = true)]
    pub tls_ca_file: Option<PathBuf>,

    /// How long a client may take to send a request's line and headers, and
    /// how long a kept-alive connection may wait idle for its next request
    /// (e.g. `30s`).
    #[arg(long, env = "BANGFU_HEADER_READ_TIMEOUT", default_value = "30s", value_parser = parse_duration, global = true)]
    pub header_read_timeout: Duration,

    /// Longest a request may run, its body included (longer: 408).
    #[arg(long, env = "BANGFU_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration, global = true)]
    pub request_timeout: Duration,

    /// Most TCP connections open at once, WebSockets included (also bounded
    /// by the open-file limit).
    #[arg(long, env = "BANGFU_MAX_CONNECTIONS", default_value = "10000", value_parser = parse_positive, global = true)]
    pub max_connections: usize,

    /// How long a WebSocket may stay open without sending `connection_init`.
    #[arg(long, env = "BANGFU_SOCKET_INIT_TIMEOUT", default_value = "10s", value_parser = parse_duration, global = true)]
    pub socket_init_timeout: Duration,

    /// How often open WebSockets are pinged; one silent for two of these is closed.
    #[arg(long, env = "BANGFU_SOCKET_PING_INTERVAL", default_value = "25s", value_parser = parse_duration, global = true)]
    pub socket_ping_interval: Duration,

    /// Most WebSockets one token subject may hold open at once.
    #[arg(long, env = "BANGFU_SOCKETS_PER_SUBJECT", default_value = "8", value_parser = parse_positive, global = true)]
    pub sockets_per_subject: usize,

    /// `text` (the default) or `json`: one JSON object per log line.
    #[arg(long, env = "BANGFU_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// The bearer token `/metrics` asks for. Unset: `/metrics` is open in development and
    /// answers 404 in production.
    #[arg(long, env = "BANGFU_METRICS_TOKEN", hide_env_values = true, global = true)]
    pub metrics_token: Option<Secret>,
    /// When each unit's morning digest goes out, Shanghai time (`HH:MM`).
    #[arg(long, env = "BANGFU_DIGEST_AT", default_value = "08:00", value_parser = parse_time_of_day, global = true)]
    pub digest_at: chrono::NaiveTime,

    /// Whether `serve` runs the reminders' schedule (the digest, mentors' emails,
    /// retries); `bangfu notify` runs them by hand either way.
    #[arg(long, env = "BANGFU_REMINDER_SCHEDULE", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub reminder_schedule: bool,

    /// The SMTP server for reminders by email: `smtp://HOST:PORT` (STARTTLS when
    /// offered), `smtp://…?tls=required`, `smtps://HOST` (TLS from the start), with
    /// `USER:PASSWORD@` in the URL. Unset: no email is sent.
    #[arg(long, env = "BANGFU_SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<Secret>,

    /// The sender of reminders by email (`帮扶工作 <bangfu@example.edu>`). Required
    /// with BANGFU_SMTP_URL.
    #[arg(long, env = "BANGFU_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,

    /// Hosts a robot or webhook channel may point at although they are loopback or private
    /// (an intranet webhook server), comma-separated names or addresses. Every other
    /// target must resolve to a public address.
    #[arg(long, env = "BANGFU_REMINDER_PRIVATE_HOSTS", value_delimiter = ',', global = true)]
    pub reminder_private_hosts: Vec<String>,

    /// The HTTP proxy robots and webhooks are reached through (`http://proxy:3128`), when
    /// the server has no direct way out. The proxy resolves and dials, so its own rules then
    /// keep messages off private addresses. `HTTPS_PROXY` and the like are not used.
    #[arg(long, env = "BANGFU_REMINDER_PROXY", global = true)]
    pub reminder_proxy: Option<String>,

    /// How long a sent or failed digest is kept in the outbox (`notifications`) before it
    /// is deleted, once a day; at least 2d. Mentors' emails are kept: their keys stop a
    /// resend.
    #[arg(long, env = "BANGFU_OUTBOX_KEEP", default_value = "90d", value_parser = parse_outbox_keep, global = true)]
    pub outbox_keep: Duration,
    /// Take a snapshot of the folded state once this many events were applied since the
    /// last one (0: never); a restart folds only the events after the newest snapshot.
    #[arg(long, env = "BANGFU_SNAPSHOT_EVERY", default_value = "100000", global = true)]
    pub snapshot_every: u64,

    /// Also take one when this long has passed since the last, if any event is new.
    #[arg(long, env = "BANGFU_SNAPSHOT_INTERVAL", default_value = "1h", value_parser = parse_duration, global = true)]
    pub snapshot_interval: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

/// Which backend a database URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A string that never shows itself in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Secret, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

/// A configuration value that is well-formed but not acceptable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "invalid BANGFU_DATABASE_URL / --database-url: scheme {0:?} is not supported; use sqlite:// or postgres://"
    )]
    UnsupportedDatabase(String),
    #[error("invalid BANGFU_DATABASE_URL / --database-url: {0}")]
    BadDatabaseUrl(&'static str),
    #[error("BANGFU_OIDC_ISSUER is set but BANGFU_OIDC_AUDIENCE is not: set the client id tokens must be issued for")]
    OidcAudienceMissing,
    #[error("BANGFU_CAS_URL is set but BANGFU_PUBLIC_URL is not: set the URL browsers reach Bangfu at")]
    PublicUrlMissing,
    #[error("BANGFU_SMTP_URL needs BANGFU_MAIL_FROM, the sender of reminders by email")]
    MailFromMissing,
}

impl Config {
    /// The defaults, with the given database URL, ignoring the environment.
    /// For tests and embedding; the CLI goes through clap.
    pub fn new(database_url: impl Into<String>) -> Config {
        Config {
            database_url: database_url.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            jwt_secret: None,
            environment: Environment::Development,
            cors_origins: Vec::new(),
            oidc_issuer: None,
            oidc_audience: None,
            cas_url: None,
            public_url: None,
            tls_ca_file: None,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            socket_init_timeout: DEFAULT_SOCKET_INIT_TIMEOUT,
            socket_ping_interval: DEFAULT_SOCKET_PING_INTERVAL,
            sockets_per_subject: DEFAULT_SOCKETS_PER_SUBJECT,
            log_format: LogFormat::Text,
            metrics_token: None,
            digest_at: DEFAULT_DIGEST_AT,
            reminder_schedule: true,
            smtp_url: None,
            mail_from: None,
            reminder_private_hosts: Vec::new(),
            reminder_proxy: None,
            outbox_keep: DEFAULT_OUTBOX_KEEP,
            snapshot_every: crate::app::SnapshotPolicy::default().every_events,
            snapshot_interval: crate::app::SnapshotPolicy::default().every,
        }
    }

    /// When the application takes snapshots of its state.
    pub fn snapshot_policy(&self) -> crate::app::SnapshotPolicy {
        crate::app::SnapshotPolicy {
            every_events: self.snapshot_every,
            every: self.snapshot_interval,
        }
    }

    /// Checks what clap cannot: the database URL's scheme, and the settings
    /// that only make sense together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.backend()?;
        let audience_set = self.oidc_audience.as_deref().is_some_and(|a| !a.trim().is_empty());
        if self.oidc_issuer.is_some() && !audience_set {
            return Err(ConfigError::OidcAudienceMissing);
        }
        if self.cas_url.is_some() && self.public_url.is_none() {
            return Err(ConfigError::PublicUrlMissing);
        }
        if self.smtp_url.is_some() && self.mail_from.as_deref().is_none_or(|f| f.trim().is_empty()) {
            return Err(ConfigError::MailFromMissing);
        }
        Ok(())
    }

    pub fn backend(&self) -> Result<Backend, ConfigError> {
        let url = self.database_url.trim();
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(ConfigError::BadDatabaseUrl(
                "expected a URL such as sqlite://bangfu.db?mode=rwc or postgres://user:password@host/db",
            ));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => {
                if rest.is_empty() {
                    Err(ConfigError::BadDatabaseUrl("the sqlite: URL names no file"))
                } else {
                    Ok(Backend::Sqlite)
                }
            }
            "postgres" | "postgresql" => {
                if rest.trim_start_matches('/').is_empty() {
                    Err(ConfigError::BadDatabaseUrl("the postgres: URL names no host"))
                } else {
                    Ok(Backend::Postgres)
                }
            }
            other => Err(ConfigError::UnsupportedDatabase(other.to_owned())),
        }
    }

    /// The database URL with any password replaced, for logs.
    pub fn database_url_redacted(&self) -> String {
        redact_url_password(&self.database_url)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url_redacted())
            .field("bind", &self.bind)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<redacted>"))
            .field("environment", &self.environment)
            .field("cors_origins", &self.cors_origins)
            .field("oidc_issuer", &self.oidc_issuer)
            .field("oidc_audience", &self.oidc_audience)
            .field("cas_url", &self.cas_url)
            .field("public_url", &self.public_url)
            .field("tls_ca_file", &self.tls_ca_file)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_connections", &self.max_connections)
            .field("socket_init_timeout", &self.socket_init_timeout)
            .field("socket_ping_interval", &self.socket_ping_interval)
            .field("digest_at", &self.digest_at)
            .field("reminder_schedule", &self.reminder_schedule)
            .field(
                "smtp_url",
                &self.smtp_url.as_ref().map(|u| redact_url_password(u.expose())),
            )
            .field("mail_from", &self.mail_from)
            .field("reminder_private_hosts", &self.reminder_private_hosts)
            .field(
                "reminder_proxy",
                &self.reminder_proxy.as_deref().map(redact_url_password),
            )
            .field("outbox_keep", &self.outbox_keep)
            .field("sockets_per_subject", &self.sockets_per_subject)
            .field("log_format", &self.log_format)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "<redacted>"))
            .field("snapshot_every", &self.snapshot_every)
            .field("snapshot_interval", &self.snapshot_interval)
            .finish()
    }
}

/// `scheme://user:password@host/...` becomes `scheme://user:***@host/...`.
fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

fn parse_origin(value: &str) -> Result<String, String> {
    let origin = value.trim().trim_end_matches('/');
    let well_formed = (origin.starts_with("http://") || origin.starts_with("https://"))
        && origin.len() > "https://".len()
        && !origin.contains(char::is_whitespace)
        && axum::http::HeaderValue::from_str(origin).is_ok();
    if well_formed {
        Ok(origin.to_owned())
    } else {
        Err("expected an origin such as https://bangfu.example.edu".to_owned())
    }
}

/// A count of at least one.
fn parse_positive(value: &str) -> Result<usize, String> {
    match value.trim().parse::<usize>() {
        Ok(0) | Err(_) => Err("expected a whole number of at least 1".to_owned()),
        Ok(count) => Ok(count),
    }
}

/// An `http(s)://` URL with a host and no query or fragment, kept as written less
/// any trailing slash: an OIDC issuer is compared with the tokens' `iss` as text.
fn parse_base_url(value: &str) -> Result<String, String> {
    let text = value.trim().trim_end_matches('/');
    let refused = || "expected a URL such as https://sso.example.edu (no query, no fragment)".to_owned();
    // The parser would drop tabs and newlines silently, and read `https:host` as
    // `https://host`; the text is what is kept, so it must be the plain form.
    if text.contains(char::is_whitespace) || !(text.starts_with("http://") || text.starts_with("https://")) {
        return Err(refused());
    }
    let url = url::Url::parse(text).map_err(|_| refused())?;
    let well_formed =
        url.host_str().is_some_and(|host| !host.is_empty()) && url.query().is_none() && url.fragment().is_none();
    if well_formed {
        Ok(text.to_owned())
    } else {
        Err(refused())
    }
}

/// A duration, for the timeouts and a token's lifetime: `90s`, `30m`, `8h`, `7d`
/// (or a plain number of seconds).
/// `HH:MM`, a time of day.
pub fn parse_time_of_day(value: &str) -> Result<chrono::NaiveTime, String> {
    chrono::NaiveTime::parse_from_str(value.trim(), "%H:%M")
        .map_err(|_| format!("{value:?}: expected a time of day such as 08:00"))
}

/// A digest's key names its day: one deleted while that day can still be planned would be
/// sent again, so the outbox keeps two days at least.
pub const MIN_OUTBOX_KEEP: Duration = Duration::from_secs(2 * 86_400);

fn parse_outbox_keep(value: &str) -> Result<Duration, String> {
    let keep = parse_duration(value)?;
    if keep < MIN_OUTBOX_KEEP {
        return Err("at least 2d: a digest is planned again while its day lasts".into());
    }
    Ok(keep)
}

pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    let split = value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len());
    let (digits, unit) = value.split_at(split);
    let amount: u64 = digits
        .parse()
        .map_err(|_| format!("expected a duration such as 30m, 8h or 7d, got {value:?}"))?;
    let unit_secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(format!("unknown unit {unit:?}: use s, m, h or d")),
    };
    if amount == 0 {
        return Err("the duration must be positive".to_owned());
    }
    amount
        .checked_mul(unit_secs)
        .map(Duration::from_secs)
        .ok_or_else(|| "the duration is too long".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut config = Config::new("postgres://bangfu:hunter2-password@db:5432/bangfu");
        config.jwt_secret = Some(Secret::new("a-very-secret-key-that-is-long-enough"));
        config.metrics_token = Some(Secret::new("scrape-me-secretly"));
        let shown = format!("{config:?}");
        assert!(!shown.contains("scrape-me"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("a-very-secret"), "{shown}");
        assert!(shown.contains("postgres://bangfu:***@db:5432/bangfu"), "{shown}");
    }

    #[test]
    fn schemes() {
        assert_eq!(Config::new(DEFAULT_DATABASE_URL).backend().unwrap(), Backend::Sqlite);
        assert_eq!(Config::new("postgresql://h/db").backend().unwrap(), Backend::Postgres);
        assert!(Config::new("mysql://h/db").validate().is_err());
        assert!(Config::new("bangfu.db").validate().is_err());
    }

    #[test]
    fn flags_parse_and_bad_values_are_refused() {
        let cli = Cli::try_parse_from([
            "bangfu",
            "--bind",
            "0.0.0.0:9000",
            "--env",
            "production",
            "--cors-origins",
            "https://a.example,https://b.example/",
        ])
        .unwrap();
        assert_eq!(cli.config.bind.port(), 9000);
        assert_eq!(cli.config.environment, Environment::Production);
        assert_eq!(cli.config.cors_origins, ["https://a.example", "https://b.example"]);
        assert!(Cli::try_parse_from(["bangfu", "--bind", "nowhere"]).is_err());
        assert!(Cli::try_parse_from(["bangfu", "--env", "staging"]).is_err());
        assert!(Cli::try_parse_from(["bangfu", "--cors-origins", "*"]).is_err());
        assert!(Cli::try_parse_from(["bangfu", "--max-connections", "0"]).is_err());
        assert!(Cli::try_parse_from(["bangfu", "--socket-init-timeout", "0s"]).is_err());
        let cli = Cli::try_parse_from(["bangfu", "--header-read-timeout", "1m", "--sockets-per-subject", "2"]).unwrap();
        assert_eq!(cli.config.header_read_timeout, Duration::from_secs(60));
        assert_eq!(cli.config.sockets_per_subject, 2);
        let cli = Cli::try_parse_from(["bangfu", "--reminder-private-hosts", "hooks.intranet.edu,10.2.0.8"]).unwrap();
        assert_eq!(cli.config.reminder_private_hosts, ["hooks.intranet.edu", "10.2.0.8"]);
        assert!(Cli::try_parse_from(["bangfu", "--outbox-keep", "12h"]).is_err());
        let cli = Cli::try_parse_from(["bangfu", "--outbox-keep", "30d"]).unwrap();
        assert_eq!(cli.config.outbox_keep, Duration::from_secs(30 * 86_400));
    }

    #[test]
    fn the_flags_defaults_are_the_constants() {
        // Not from the environment: a BANGFU_* variable set on the machine would win.
        let cli = Cli::try_parse_from(["bangfu"]).unwrap();
        let defaults = Config::new(DEFAULT_DATABASE_URL);
        let from_env = |name: &str| std::env::var_os(name).is_some();
        if !from_env("BANGFU_HEADER_READ_TIMEOUT") {
            assert_eq!(cli.config.header_read_timeout, defaults.header_read_timeout);
        }
        if !from_env("BANGFU_REQUEST_TIMEOUT") {
            assert_eq!(cli.config.request_timeout, defaults.request_timeout);
        }
        if !from_env("BANGFU_MAX_CONNECTIONS") {
            assert_eq!(cli.config.max_connections, defaults.max_connections);
        }
        if !from_env("BANGFU_SOCKET_INIT_TIMEOUT") {
            assert_eq!(cli.config.socket_init_timeout, defaults.socket_init_timeout);
        }
        if !from_env("BANGFU_SOCKET_PING_INTERVAL") {
            assert_eq!(cli.config.socket_ping_interval, defaults.socket_ping_interval);
        }
        if !from_env("BANGFU_SOCKETS_PER_SUBJECT") {
            assert_eq!(cli.config.sockets_per_subject, defaults.sockets_per_subject);
        }
        if !from_env("BANGFU_SNAPSHOT_EVERY") {
            assert_eq!(cli.config.snapshot_every, defaults.snapshot_every);
        }
        if !from_env("BANGFU_SNAPSHOT_INTERVAL") {
            assert_eq!(cli.config.snapshot_interval, defaults.snapshot_interval);
        }
        if !from_env("BANGFU_DIGEST_AT") {
            assert_eq!(cli.config.digest_at, defaults.digest_at);
        }
        if !from_env("BANGFU_OUTBOX_KEEP") {
            assert_eq!(cli.config.outbox_keep, defaults.outbox_keep);
        }
        if !from_env("BANGFU_REMINDER_SCHEDULE") {
            assert_eq!(cli.config.reminder_schedule, defaults.reminder_schedule);
        }
    }

    #[test]
    fn reminders_settings() {
        assert_eq!(
            parse_time_of_day("07:30"),
            Ok(chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap())
        );
        assert!(parse_time_of_day("8am").is_err());
        assert_eq!(DEFAULT_DIGEST_AT, chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap());
        let mut config = Config::new(DEFAULT_DATABASE_URL);
        config.smtp_url = Some(Secret::new("smtp://user:pw@mail.example.edu"));
        assert!(matches!(config.validate(), Err(ConfigError::MailFromMissing)));
        config.mail_from = Some("帮扶工作 <bangfu@example.edu>".into());
        assert!(config.validate().is_ok());
        assert!(!format!("{config:?}").contains(":pw@"), "{config:?}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m").unwrap(), Duration::from_secs(1_800));
        assert_eq!(parse_duration("8h").unwrap(), Duration::from_secs(28_800));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        assert!(parse_duration("8w").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("0m").is_err());
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            parse_base_url(" https://sso.example.edu/realms/school/ ").unwrap(),
            "https://sso.example.edu/realms/school"
        );
        assert_eq!(
            parse_base_url("http://127.0.0.1:8443/cas").unwrap(),
            "http://127.0.0.1:8443/cas"
        );
        for refused in [
            "sso.example.edu",
            "https:sso.example.edu",
            "ftp://sso.example.edu",
            "https://",
            "https://sso.example.edu?x=1",
            "https://sso.example.edu/#top",
            "https://sso example.edu",
            "https://[::1",
            "https://sso.example.edu:99999",
        ] {
            assert!(parse_base_url(refused).is_err(), "{refused}");
        }
    }
}
