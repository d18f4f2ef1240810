//! Sending one stored message: WeCom and DingTalk group robots (markdown; DingTalk signed
//! with `timestamp` and `sign`), a webhook (a JSON document signed in
//! `X-Bangfu-Signature`), or an email by SMTP. Each answers [`Outcome`]: sent, worth
//! another attempt (a timeout, a 5xx or 429, a robot's error code, SMTP's 4xx), or not
//! (another 4xx, SMTP's 5xx, a channel removed).

use super::channels::{Channel, ChannelKind};
use super::outbox::Stored;
use super::targets::TargetPolicy;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use lettre::message::SinglePart;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::Sha256;
use std::time::Duration;

/// How long one delivery may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// What became of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Retry(String),
    GiveUp(String),
}

/// The senders: one HTTP client, and the SMTP transport when configured.
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    smtp: Option<Smtp>,
    targets: TargetPolicy,
}

#[derive(Clone)]
struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
}

/// Why the senders cannot be built from the configuration.
#[derive(Debug, thiserror::Error)]
pub enum SenderError {
    #[error("BANGFU_SMTP_URL: {0}")]
    SmtpUrl(String),
    #[error("BANGFU_MAIL_FROM: not a mailbox such as 帮扶工作 <bangfu@example.edu>")]
    MailFrom,
    #[error("BANGFU_REMINDER_PROXY: not a proxy URL such as http://proxy.example.edu:3128")]
    Proxy,
    #[error(transparent)]
    Tls(#[from] crate::signin::tls::TlsError),
}

impl Sender {
    pub fn new(
        smtp_url: Option<&str>,
        mail_from: Option<&str>,
        roots: &crate::signin::tls::ExtraRoots,
        mut targets: TargetPolicy,
        proxy: Option<&str>,
    ) -> Result<Sender, SenderError> {
        // Only HTTP(S) proxies: this client speaks no SOCKS.
        let proxy = match proxy.map(url::Url::parse) {
            None => None,
            Some(Ok(url)) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
                // The proxy is dialled through the same resolver, and is on the intranet as
                // often as not.
                targets = targets.allowing(url.host_str().unwrap_or_default());
                Some(reqwest::Proxy::all(url).map_err(|_| SenderError::Proxy)?)
            }
            Some(_) => return Err(SenderError::Proxy),
        };
        let http = crate::signin::tls::client_without_redirects(SEND_TIMEOUT, roots, targets.resolver(), proxy)?;
        let smtp = match smtp_url {
            None => None,
            Some(url) => {
                crate::signin::tls::install_crypto_provider();
                // lettre's own message names no URL part beyond the scheme; never the password.
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| SenderError::SmtpUrl(e.to_string()))?
                    .timeout(Some(SEND_TIMEOUT))
                    .build();
                let from = mail_from
                    .unwrap_or_default()
                    .parse()
                    .map_err(|_| SenderError::MailFrom)?;
                Some(Smtp { transport, from })
            }
        };
        Ok(Sender { http, smtp, targets })
    }

    /// Where robots and webhooks may point.
    pub fn targets(&self) -> &TargetPolicy {
        &self.targets
    }

    /// Whether email can be sent at all (mentors are told only then).
    pub fn has_email(&self) -> bool {
        self.smtp.is_some()
    }

    /// One attempt at `message`, to its channel (`None`: the channel was removed) or its
    /// recipient.
    pub async fn send(&self, message: &Stored, channel: Option<&Channel>) -> Outcome {
        let m = &message.message;
        // An address in the URL is not resolved, so `PublicOnly` never sees it; and the
        // rule may have changed since the channel was set.
        if message.kind != ChannelKind::Email
            && let Some(c) = channel
            && let Err(why) = self.reachable(&c.target)
        {
            return Outcome::GiveUp(why);
        }
        match (message.kind, channel, message.recipient.as_deref()) {
            (ChannelKind::Email, _, Some(mailbox)) => self.email(message, mailbox).await,
            (_, None, _) => Outcome::GiveUp("the channel was removed".into()),
            (ChannelKind::Email, Some(c), None) => self.email(message, &c.target).await,
            (ChannelKind::Wecom, Some(c), _) => {
                let body = serde_json::json!({"msgtype": "markdown", "markdown": {"content": m.markdown}});
                self.robot(self.http.post(&c.target).json(&body)).await
            }
            (ChannelKind::Dingtalk, Some(c), _) => {
                let mut url = match url::Url::parse(&c.target) {
                    Ok(url) => url,
                    Err(_) => return Outcome::GiveUp("the channel's URL does not parse".into()),
                };
                if let Some(secret) = c.secret.as_deref() {
                    // DingTalk checks the timestamp against its own clock (within an hour).
                    let timestamp = chrono::Utc::now().timestamp_millis().to_string();
                    url.query_pairs_mut()
                        .append_pair("timestamp", &timestamp)
                        .append_pair("sign", &dingtalk_sign(secret, &timestamp));
                }
                let body =
                    serde_json::json!({"msgtype": "markdown", "markdown": {"title": m.title, "text": m.markdown}});
                self.robot(self.http.post(url).json(&body)).await
            }
            (ChannelKind::Webhook, Some(c), _) => {
                let body = match serde_json::to_vec(&m.document) {
                    Ok(body) => body,
                    Err(e) => return Outcome::GiveUp(format!("the document: {e}")),
                };
                let mut request = self
                    .http
                    .post(&c.target)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .header("X-Bangfu-Delivery", message.id.to_string());
                if let Some(secret) = c.secret.as_deref() {
                    request = request.header("X-Bangfu-Signature", webhook_signature(secret, &body));
                }
                self.http_outcome(request.body(body), false).await
            }
        }
    }

    fn reachable(&self, target: &str) -> Result<(), String> {
        let url = url::Url::parse(target).map_err(|_| "the channel's URL does not parse".to_owned())?;
        self.targets
            .check_url(&url)
            .map_err(|why| format!("the channel's URL {why}"))
    }

    async fn robot(&self, request: reqwest::RequestBuilder) -> Outcome {
        self.http_outcome(request, true).await
    }

    /// Sends; a robot's answer is also read for its `errcode` (0: taken).
    async fn http_outcome(&self, request: reqwest::RequestBuilder, robot: bool) -> Outcome {
        let response = match request.send().await {
            Ok(response) => response,
            // A name that resolves only inward stays so: not worth another attempt.
            Err(e) if resolved_inward(&e) => {
                return Outcome::GiveUp(format!("the channel's host {}", super::targets::PRIVATE));
            }
            // Without the URL: it holds the robot's key.
            Err(e) => return Outcome::Retry(e.without_url().to_string()),
        };
        let status = response.status();
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Outcome::Retry(format!("HTTP {status}"));
        }
        if !status.is_success() {
            return Outcome::GiveUp(format!("HTTP {status}"));
        }
        if !robot {
            return Outcome::Sent;
        }
        let answer: serde_json::Value = match response.json().await {
            Ok(answer) => answer,
            Err(e) => return Outcome::Retry(format!("the robot's answer: {}", e.without_url())),
        };
        match answer.get("errcode").and_then(serde_json::Value::as_i64) {
            Some(0) => Outcome::Sent,
            Some(code) => Outcome::Retry(format!(
                "the robot answered errcode {code}: {}",
                answer.get("errmsg").and_then(serde_json::Value::as_str).unwrap_or("")
            )),
            None => Outcome::Retry("the robot's answer has no errcode".into()),
        }
    }

    async fn email(&self, message: &Stored, to: &str) -> Outcome {
        let Some(smtp) = &self.smtp else {
            return Outcome::Retry("BANGFU_SMTP_URL is not set".into());
        };
        let to: lettre::message::Mailbox = match to.parse() {
            Ok(to) => to,
            Err(_) => return Outcome::GiveUp("not a mailbox".into()),
        };
        let email = lettre::Message::builder()
            .from(smtp.from.clone())
            .to(to)
            .subject(message.message.title.clone())
            .message_id(Some(format!("<{}@bangfu>", message.id)))
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .header(ContentTransferEncoding::Base64)
                    .body(message.message.text.clone()),
            );
        let email = match email {
            Ok(email) => email,
            Err(e) => return Outcome::GiveUp(format!("the email: {e}")),
        };
        // The server's answer may quote the recipient ("550 <lisi@…>: no such user"), and
        // the error is shown to the unit's admins: masked as reads show a mailbox.
        let said = |e: lettre::transport::smtp::Error| mask_mailboxes(&format!("SMTP: {e}"));
        match smtp.transport.send(email).await {
            Ok(_) => Outcome::Sent,
            Err(e) if e.is_permanent() => Outcome::GiveUp(said(e)),
            Err(e) => Outcome::Retry(said(e)),
        }
    }
}

/// Whether a request failed because [`super::targets::PublicOnly`] refused every address
/// of its host (the reason is somewhere down the error's sources).
fn resolved_inward(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if e.is::<super::targets::Inward>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// Masks every mailbox in a text as reads show one (`l***@example.edu`), whatever its case
/// or quoting: an SMTP server's answer may quote the recipient.
fn mask_mailboxes(text: &str) -> String {
    // Any local part (`li.si=x`, `prvs=…`, `"lisi"`), any domain or address literal.
    let local = |c: char| !c.is_whitespace() && !"<>()[],;:@".contains(c);
    let domain = |c: char| c.is_alphanumeric() || ".-[]:".contains(c);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    // `chars[..copied]` is in `out`.
    let mut copied = 0;
    for at in 0..chars.len() {
        if chars[at] != '@' || at < copied {
            continue;
        }
        let start = (copied..at).rev().take_while(|&j| local(chars[j])).last().unwrap_or(at);
        let end = (at + 1..chars.len())
            .take_while(|&j| domain(chars[j]))
            .last()
            .map_or(at, |j| j + 1);
        if start < at && end > at + 1 {
            out.extend(&chars[copied..start]);
            let mailbox: String = chars[start..end].iter().collect();
            out.push_str(&super::channels::mask_mailbox(&mailbox));
            copied = end;
        }
    }
    out.extend(&chars[copied..]);
    out
}

/// DingTalk's `sign`: base64(HMAC-SHA256(secret, "{timestamp}\n{secret}")); the query
/// encoder URL-encodes it.
pub fn dingtalk_sign(secret: &str, timestamp: &str) -> String {
    let mut mac = hmac_sha256(secret.as_bytes());
    mac.update(format!("{timestamp}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `X-Bangfu-Signature`: `sha256=` and the hex HMAC-SHA256 of the body under the secret.
pub fn webhook_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac_sha256(secret.as_bytes());
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes_in_an_answer_are_masked() {
        assert_eq!(
            mask_mailboxes("SMTP: permanent error (550): 5.1.1 <LiSi@Example.EDU>: no such user"),
            "SMTP: permanent error (550): 5.1.1 <L***@Example.EDU>: no such user"
        );
        assert_eq!(
            mask_mailboxes("a.b+c@x.cn and zhang@y.edu."),
            "a***@x.cn and z***@y.edu."
        );
        assert_eq!(mask_mailboxes("no @ here, nor x@ or @y"), "no @ here, nor x@ or @y");
        assert_eq!(
            mask_mailboxes("<li.si=x@a.edu> \"lisi\"@a.edu x@[10.0.0.1]"),
            "<l***@a.edu> \"***@a.edu x***@[10.0.0.1]"
        );
    }

    #[test]
    fn only_an_http_proxy_is_taken() {
        let roots = crate::signin::tls::ExtraRoots::default();
        let with = |proxy: &str| Sender::new(None, None, &roots, TargetPolicy::default(), Some(proxy));
        assert!(with("http://proxy.intranet.example.edu:3128").is_ok());
        assert!(matches!(
            with("socks5://proxy.intranet.example.edu:1080"),
            Err(SenderError::Proxy)
        ));
        assert!(matches!(with("not a url"), Err(SenderError::Proxy)));
        // The proxy's own host may be private: it is dialled through the same resolver.
        let sender = with("http://10.1.2.3:3128").unwrap();
        let proxy = url::Url::parse("http://10.1.2.3:3128").unwrap();
        assert!(sender.targets().check_url(&proxy).is_ok());
    }

    #[tokio::test]
    async fn a_host_resolving_only_inward_is_given_up() {
        // `localhost` passes no check but the resolver's when the URL check is skipped: sent
        // straight, as a channel's name that resolves (or rebinds) inward would be.
        let roots = crate::signin::tls::ExtraRoots::default();
        let sender = Sender::new(None, None, &roots, TargetPolicy::default(), None).unwrap();
        let request = sender.http.post("http://localhost:9/hook").body("{}");
        match sender.http_outcome(request, false).await {
            Outcome::GiveUp(why) => assert!(why.contains("loopback or private"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn signatures_match_known_values() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            webhook_signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // The same HMAC over "{timestamp}\n{secret}", base64: 44 characters for 32 bytes.
        let sign = dingtalk_sign("SECabc", "1700000000000");
        assert_eq!(sign.len(), 44);
        assert_eq!(sign, dingtalk_sign("SECabc", "1700000000000"));
        assert_ne!(sign, dingtalk_sign("SECabc", "1700000000001"));
    }
}
