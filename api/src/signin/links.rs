//! Download links a browser can open without an `Authorization` header: the path and
//! its query, with `link=<token>` added, where the token is an HS256 JWT naming the
//! caller, the exact path and query it opens, and an expiry minutes away.
//!
//! The link key is derived from the server's HS256 secret (SHA-256 over a label and the
//! secret), so a link token never verifies as a sign-in token, nor a sign-in token as a
//! link: a leaked link opens one file for a few minutes, nothing else.

use super::{Actor, LEEWAY_SECS, now_secs};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// How long a link opens its file.
pub const LINK_TTL: Duration = Duration::from_secs(10 * 60);

/// The query parameter that carries a link's token.
pub const LINK_PARAM: &str = "link";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct LinkClaims {
    sub: String,
    exp: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    admin: bool,
    /// The path and canonical query the link opens (see [`canonical`]).
    path: String,
}

/// Why a link does not open: answered 401 (`Invalid`, `Expired`) or 403 (`OtherPath`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the download link is not valid: its signature does not verify")]
    Invalid,
    #[error("the download link has expired: ask for a new one")]
    Expired,
    #[error("the download link was made for another file")]
    OtherPath,
}

/// The keys of download links.
#[derive(Clone)]
pub struct LinkKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for LinkKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKeys(<redacted>)")
    }
}

impl LinkKeys {
    /// Keys derived from the HS256 secret.
    pub fn derive(secret: &[u8]) -> LinkKeys {
        let key = Sha256::new()
            .chain_update(b"bangfu download link v1\0")
            .chain_update(secret)
            .finalize();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.set_required_spec_claims(&["exp", "sub"]);
        LinkKeys {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
        }
    }

    /// `path?query&link=…` for `actor`, valid for [`LINK_TTL`]. `query` pairs are
    /// written as given (form-encoded); the token covers their canonical order.
    pub fn link(&self, actor: &Actor, path: &str, query: &[(&str, &str)]) -> String {
        self.link_until(actor, path, query, now_secs().saturating_add(LINK_TTL.as_secs()))
    }

    /// [`LinkKeys::link`] expiring at `exp` (Unix seconds; tests make expired links).
    pub fn link_until(&self, actor: &Actor, path: &str, query: &[(&str, &str)], exp: u64) -> String {
        let pairs: Vec<(String, String)> = query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let claims = LinkClaims {
            sub: actor.subject.clone(),
            exp,
            admin: actor.admin,
            path: canonical(path, &pairs),
        };
        // HS256 over plain strings and integers cannot fail.
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .unwrap_or_else(|error| unreachable!("HS256 signing failed: {error}"));
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in query {
            serializer.append_pair(k, v);
        }
        serializer.append_pair(LINK_PARAM, &token);
        format!("{path}?{}", serializer.finish())
    }

    /// Who a link opens `path` for, given the request's raw query string (which holds the
    /// token): the token must verify, be unexpired, and name exactly this path and query.
    pub fn verify(&self, path: &str, raw_query: &str) -> Result<Actor, LinkError> {
        let mut token = None;
        let mut rest = Vec::new();
        for (k, v) in url::form_urlencoded::parse(raw_query.as_bytes()) {
            if k == LINK_PARAM {
                token = Some(v.into_owned());
            } else {
                rest.push((k.into_owned(), v.into_owned()));
            }
        }
        let token = token.ok_or(LinkError::Invalid)?;
        let data =
            jsonwebtoken::decode::<LinkClaims>(&token, &self.decoding, &self.validation).map_err(
                |error| match error.kind() {
                    ErrorKind::ExpiredSignature => LinkError::Expired,
                    _ => LinkError::Invalid,
                },
            )?;
        let claims = data.claims;
        if claims.path != canonical(path, &rest) {
            return Err(LinkError::OtherPath);
        }
        Ok(Actor {
            subject: claims.sub,
            admin: claims.admin,
        })
    }
}

/// The path and its query pairs sorted, form-encoded: the same text however a browser
/// orders or encodes them.
fn canonical(path: &str, pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort();
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in sorted {
        serializer.append_pair(k, v);
    }
    format!("{path}?{}", serializer.finish())
}

/// The raw query of a link (what follows `?`), for tests and callers that hold a link.
pub fn query_of(link: &str) -> &str {
    link.split_once('?').map_or("", |(_, q)| q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> LinkKeys {
        LinkKeys::derive(b"a secret of at least thirty-two bytes!!")
    }

    fn actor() -> Actor {
        Actor {
            subject: "M-1".into(),
            admin: false,
        }
    }

    #[test]
    fn a_link_opens_its_path_for_its_caller() {
        let k = keys();
        let link = k.link(
            &actor(),
            "/exports/pairings/x/record.xlsx",
            &[("period", "2025-2026-1")],
        );
        assert!(link.starts_with("/exports/pairings/x/record.xlsx?period=2025-2026-1&link="));
        assert_eq!(
            k.verify("/exports/pairings/x/record.xlsx", query_of(&link)),
            Ok(actor())
        );
        // Another path, another query, or a changed token: refused.
        assert_eq!(
            k.verify("/exports/pairings/y/record.xlsx", query_of(&link)),
            Err(LinkError::OtherPath)
        );
        let other = query_of(&link).replace("2025-2026-1", "2025-2026-2");
        assert_eq!(
            k.verify("/exports/pairings/x/record.xlsx", &other),
            Err(LinkError::OtherPath)
        );
        let tampered = format!("{}x", query_of(&link));
        assert_eq!(
            k.verify("/exports/pairings/x/record.xlsx", &tampered),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            k.verify("/exports/pairings/x/record.xlsx", "period=2025-2026-1"),
            Err(LinkError::Invalid)
        );
    }

    #[test]
    fn an_expired_link_and_a_sign_in_key_do_not_open() {
        let k = keys();
        let past = now_secs() - 3_600;
        let link = k.link_until(&actor(), "/p", &[], past);
        assert_eq!(k.verify("/p", query_of(&link)), Err(LinkError::Expired));
        // A link signed with another secret's keys does not verify.
        let other = LinkKeys::derive(b"another secret of at least thirty-two bytes");
        let link = other.link(&actor(), "/p", &[]);
        assert_eq!(k.verify("/p", query_of(&link)), Err(LinkError::Invalid));
    }

    #[test]
    fn a_link_is_not_a_sign_in_token_nor_the_other_way_round() {
        let secret = b"a secret of at least thirty-two bytes!!";
        let tokens = crate::signin::TokenKeys::new(secret).expect("long enough");
        let link = tokens.links().link(&actor(), "/p", &[]);
        let token = query_of(&link).rsplit_once("link=").map(|(_, t)| t).unwrap_or_default();
        assert!(tokens.verify(token).is_err());
        let sign_in = tokens.mint("M-1", false, LINK_TTL);
        assert_eq!(
            tokens.links().verify("/p", &format!("link={sign_in}")),
            Err(LinkError::Invalid)
        );
    }

    #[test]
    fn the_query_order_does_not_matter() {
        let k = keys();
        let link = k.link(&actor(), "/p", &[("rubric", "key-target-100"), ("period", "2025-2026")]);
        let token = query_of(&link).rsplit_once("link=").map(|(_, t)| t).unwrap_or_default();
        let reordered = format!("period=2025-2026&link={token}&rubric=key-target-100");
        assert_eq!(k.verify("/p", &reordered), Ok(actor()));
    }
}
