//! A unit's notification channels, in `notification_channels` beside the log (never as
//! events: a robot's key and a signing secret must never become readable). Every read
//! outside the sender sees [`Channel::masked_target`], never the target or the secret.

use super::targets::TargetPolicy;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, QueryResult, Statement};
use uuid::Uuid;

/// Longest target URL or mailbox, and longest secret.
pub const MAX_TARGET: usize = 2048;
pub const MAX_SECRET: usize = 512;

/// Where a channel delivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// A WeCom (企业微信) group robot: its webhook URL carries the `key`.
    Wecom,
    /// A DingTalk (钉钉) group robot: `access_token` in the URL, and the 加签 secret.
    Dingtalk,
    /// Any HTTPS endpoint: a JSON document signed with the secret.
    Webhook,
    /// A mailbox, by SMTP.
    Email,
}

impl ChannelKind {
    pub fn name(self) -> &'static str {
        match self {
            ChannelKind::Wecom => "WECOM",
            ChannelKind::Dingtalk => "DINGTALK",
            ChannelKind::Webhook => "WEBHOOK",
            ChannelKind::Email => "EMAIL",
        }
    }

    pub fn parse(name: &str) -> Option<ChannelKind> {
        Some(match name {
            "WECOM" => ChannelKind::Wecom,
            "DINGTALK" => ChannelKind::Dingtalk,
            "WEBHOOK" => ChannelKind::Webhook,
            "EMAIL" => ChannelKind::Email,
            _ => return None,
        })
    }
}

/// One channel, as the sender reads it (with its target and secret).
#[derive(Clone)]
pub struct Channel {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub kind: ChannelKind,
    pub target: String,
    pub secret: Option<String>,
    pub set_by: String,
    /// Unix seconds.
    pub set_at: i64,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("target", &self.masked_target())
            .finish_non_exhaustive()
    }
}

impl Channel {
    /// The target as every read shows it: see [`mask_target`].
    pub fn masked_target(&self) -> String {
        mask_target(self.kind, &self.target)
    }
}

/// What a read may show of a target: a URL without user info, every query value `***`
/// (WeCom's `key`, DingTalk's `access_token`) and every path segment of 16 characters or
/// more `***` (tokens in the path, as some webhooks carry them); a mailbox as it is.
pub fn mask_target(kind: ChannelKind, target: &str) -> String {
    if kind == ChannelKind::Email {
        return target.to_owned();
    }
    let Ok(mut url) = url::Url::parse(target) else {
        return "***".into();
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
    // A key with no value (`?0123456789abcdef…`) or a long one may be the token itself.
    let keys: Vec<String> = url
        .query_pairs()
        .map(|(k, v)| {
            if v.is_empty() || k.chars().count() >= 16 {
                "***".to_owned()
            } else {
                k.into_owned()
            }
        })
        .collect();
    if keys.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear();
        for k in keys {
            url.query_pairs_mut().append_pair(&k, "***");
        }
    }
    let segments: Option<Vec<String>> = url.path_segments().map(|s| {
        s.map(|seg| {
            if seg.chars().count() >= 16 {
                "***".to_owned()
            } else {
                seg.to_owned()
            }
        })
        .collect()
    });
    if let Some(segments) = segments {
        url.set_path(&segments.join("/"));
    }
    // The `***` in a query is written `%2A%2A%2A`; shown as typed.
    url.to_string().replace("%2A%2A%2A", "***")
}

/// A mailbox's local part masked (a mentor's email is part of their record).
pub fn mask_mailbox(mailbox: &str) -> String {
    match mailbox.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// Why a channel is refused, naming the field.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("{field}: {message}")]
    Bad { field: &'static str, message: String },
    #[error(transparent)]
    Database(#[from] DbErr),
}

fn bad(field: &'static str, message: impl Into<String>) -> ChannelError {
    ChannelError::Bad {
        field,
        message: message.into(),
    }
}

/// Checks a target and secret for a kind: an http(s) URL for the robots and webhooks (a
/// WeCom URL with its `key`, a DingTalk one with its `access_token`), a mailbox for email;
/// a URL's host not loopback or private unless `policy` allows it.
pub fn check(kind: ChannelKind, target: &str, secret: Option<&str>, policy: &TargetPolicy) -> Result<(), ChannelError> {
    if target.len() > MAX_TARGET {
        return Err(bad("target", format!("at most {MAX_TARGET} bytes")));
    }
    if secret.is_some_and(|s| s.len() > MAX_SECRET) {
        return Err(bad("secret", format!("at most {MAX_SECRET} bytes")));
    }
    if kind == ChannelKind::Email {
        target
            .parse::<lettre::Address>()
            .map_err(|_| bad("target", "not a mailbox such as dangzhibu@example.edu"))?;
        return Ok(());
    }
    let url = url::Url::parse(target).map_err(|_| bad("target", "not a URL"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(bad("target", "an https:// URL"));
    }
    policy.check_url(&url).map_err(|why| bad("target", why))?;
    let has = |name: &str| url.query_pairs().any(|(k, v)| k == name && !v.is_empty());
    match kind {
        ChannelKind::Wecom if !has("key") => Err(bad(
            "target",
            "the robot's webhook URL, with its key (…/cgi-bin/webhook/send?key=…)",
        )),
        ChannelKind::Dingtalk if !has("access_token") => Err(bad(
            "target",
            "the robot's webhook URL, with its access_token (…/robot/send?access_token=…)",
        )),
        _ => Ok(()),
    }
}

/// The channels table. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Channels {
    db: DatabaseConnection,
    policy: TargetPolicy,
}

const COLUMNS: &str = "id, unit_id, kind, target, secret, set_by, set_at";

impl Channels {
    pub fn new(db: DatabaseConnection, policy: TargetPolicy) -> Channels {
        Channels { db, policy }
    }

    fn statement(&self, sql: &str, values: impl IntoIterator<Item = sea_orm::Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    /// Sets the unit's channel of this kind (one per unit and kind: a second replaces the
    /// first, keeping its id). Checked with [`check`] first.
    pub async fn set(
        &self,
        unit_id: Uuid,
        kind: ChannelKind,
        target: &str,
        secret: Option<&str>,
        set_by: &str,
        now: i64,
    ) -> Result<Channel, ChannelError> {
        check(kind, target, secret, &self.policy)?;
        let upsert = self.statement(
            "INSERT INTO notification_channels (id, unit_id, kind, target, secret, set_by, set_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (unit_id, kind) DO UPDATE SET target = excluded.target, secret = excluded.secret, \
             set_by = excluded.set_by, set_at = excluded.set_at",
            [
                Uuid::now_v7().to_string().into(),
                unit_id.to_string().into(),
                kind.name().into(),
                target.into(),
                secret.map(str::to_owned).into(),
                set_by.into(),
                now.into(),
            ],
        );
        self.db.execute_raw(upsert).await?;
        let select = self.statement(
            &format!("SELECT {COLUMNS} FROM notification_channels WHERE unit_id = $1 AND kind = $2"),
            [unit_id.to_string().into(), kind.name().into()],
        );
        let row = self
            .db
            .query_one_raw(select)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("the channel just set".into()))?;
        Ok(channel(&row)?)
    }

    /// Removes a channel; the unit it was on, or `None` when there was none.
    pub async fn remove(&self, id: Uuid) -> Result<Option<Uuid>, DbErr> {
        let Some(found) = self.get(id).await? else {
            return Ok(None);
        };
        let delete = self.statement(
            "DELETE FROM notification_channels WHERE id = $1",
            [id.to_string().into()],
        );
        self.db.execute_raw(delete).await?;
        Ok(Some(found.unit_id))
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<Channel>, DbErr> {
        let select = self.statement(
            &format!("SELECT {COLUMNS} FROM notification_channels WHERE id = $1"),
            [id.to_string().into()],
        );
        self.db.query_one_raw(select).await?.map(|r| channel(&r)).transpose()
    }

    /// A unit's channels, in the order of their kinds' names.
    pub async fn of_unit(&self, unit_id: Uuid) -> Result<Vec<Channel>, DbErr> {
        let select = self.statement(
            &format!("SELECT {COLUMNS} FROM notification_channels WHERE unit_id = $1 ORDER BY kind"),
            [unit_id.to_string().into()],
        );
        self.db.query_all_raw(select).await?.iter().map(channel).collect()
    }

    /// Every channel (one per unit and kind: a few per unit at most), by unit then kind.
    pub async fn all(&self) -> Result<Vec<Channel>, DbErr> {
        let select = self.statement(
            &format!("SELECT {COLUMNS} FROM notification_channels ORDER BY unit_id, kind"),
            [],
        );
        self.db.query_all_raw(select).await?.iter().map(channel).collect()
    }
}

fn channel(row: &QueryResult) -> Result<Channel, DbErr> {
    let uuid = |column: &str| -> Result<Uuid, DbErr> {
        let text: String = row.try_get("", column)?;
        Uuid::parse_str(&text).map_err(|e| DbErr::Type(format!("{column}: {e}")))
    };
    let kind: String = row.try_get("", "kind")?;
    Ok(Channel {
        id: uuid("id")?,
        unit_id: uuid("unit_id")?,
        kind: ChannelKind::parse(&kind).ok_or_else(|| DbErr::Type(format!("channel kind {kind:?}")))?,
        target: row.try_get("", "target")?,
        secret: row.try_get("", "secret")?,
        set_by: row.try_get("", "set_by")?,
        set_at: row.try_get("", "set_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_show_no_key_token_or_password() {
        let wecom = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";
        assert_eq!(
            mask_target(ChannelKind::Wecom, wecom),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***"
        );
        let dingtalk = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789";
        assert_eq!(
            mask_target(ChannelKind::Dingtalk, dingtalk),
            "https://oapi.dingtalk.com/robot/send?access_token=***"
        );
        let hook = "https://user:pw@hooks.example.edu/services/T000/B000XXXXXXXXXXXXXXXX";
        assert_eq!(
            mask_target(ChannelKind::Webhook, hook),
            "https://hooks.example.edu/services/T000/***"
        );
        assert_eq!(mask_target(ChannelKind::Webhook, "not a url"), "***");
        // A token as a bare query key, or in the fragment.
        let bare = "https://hooks.example.edu/notify?0123456789abcdef0123#s3cr3t";
        assert_eq!(
            mask_target(ChannelKind::Webhook, bare),
            "https://hooks.example.edu/notify?***=***"
        );
        assert_eq!(mask_mailbox("lisi@example.edu"), "l***@example.edu");
    }

    #[test]
    fn targets_are_checked_per_kind() {
        let strict = TargetPolicy::default();
        assert!(
            check(
                ChannelKind::Wecom,
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                None,
                &strict
            )
            .is_ok()
        );
        assert!(
            check(
                ChannelKind::Wecom,
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
                None,
                &strict
            )
            .is_err()
        );
        assert!(
            check(
                ChannelKind::Dingtalk,
                "https://oapi.dingtalk.com/robot/send?access_token=t",
                None,
                &strict
            )
            .is_ok()
        );
        assert!(check(ChannelKind::Webhook, "ftp://example.edu/x", None, &strict).is_err());
        assert!(check(ChannelKind::Email, "dangzhibu@example.edu", None, &strict).is_ok());
        assert!(check(ChannelKind::Email, "not a mailbox", None, &strict).is_err());
        // A robot's URL on the server's own loopback: refused, unless the host is allowed.
        let loopback = "http://127.0.0.1:9/cgi-bin/webhook/send?key=k";
        assert!(matches!(
            check(ChannelKind::Wecom, loopback, None, &strict),
            Err(ChannelError::Bad { field: "target", .. })
        ));
        assert!(check(ChannelKind::Wecom, loopback, None, &TargetPolicy::new(["127.0.0.1"])).is_ok());
    }
}
