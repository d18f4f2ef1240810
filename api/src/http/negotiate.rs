//! Content negotiation as the GraphQL over HTTP spec has it: the answer's
//! media type from `Accept`, and which request bodies are read.

use axum::http::{HeaderMap, HeaderValue, header};

/// The two types a GraphQL answer comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: a request error (nothing
    /// executed) gets status 400 and no `data`.
    GraphQLResponse,
    /// `application/json`: every GraphQL answer gets 200, as legacy clients expect.
    Json,
}

impl MediaType {
    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            MediaType::GraphQLResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        })
    }
}

/// The answer's type: `application/graphql-response+json` when the client
/// names it at least as high as JSON, else `application/json` when accepted
/// (also through `*/*`, and when there is no `Accept`); `None` when neither is (406).
pub fn answer_type(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = accept(headers) else {
        return Some(MediaType::Json);
    };
    let graphql = quality(&accept, "application", "graphql-response+json");
    let json = quality(&accept, "application", "json");
    if graphql.named && graphql.q > 0.0 && graphql.q >= json.q {
        Some(MediaType::GraphQLResponse)
    } else if json.q > 0.0 {
        Some(MediaType::Json)
    } else if graphql.q > 0.0 {
        Some(MediaType::GraphQLResponse)
    } else {
        None
    }
}

/// Whether the client names `text/html` itself (a browser navigating), as
/// opposed to reaching it only through `*/*`.
pub fn names_html(headers: &HeaderMap) -> bool {
    accept(headers).is_some_and(|accept| {
        let html = quality(&accept, "text", "html");
        html.named && html.q > 0.0
    })
}

/// Whether `text/html` is acceptable at all (no `Accept` accepts anything).
pub fn accepts_html(headers: &HeaderMap) -> bool {
    accept(headers).is_none_or(|accept| quality(&accept, "text", "html").q > 0.0)
}

/// Whether the body is `multipart/form-data`: a GraphQL multipart request (files).
pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// Why a request body is not read, or `Ok` for JSON in UTF-8.
pub fn check_body_type(headers: &HeaderMap) -> Result<(), String> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err("the request has no Content-Type: send the GraphQL request as application/json".to_owned());
    };
    let value = value
        .to_str()
        .map_err(|_| "the Content-Type is not readable text".to_owned())?;
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    if essence.starts_with("multipart/") {
        return Err(format!(
            "Content-Type {essence} is not read: files go as multipart/form-data (the GraphQL multipart request spec); anything else as application/json"
        ));
    }
    if essence != "application/json" {
        return Err(format!(
            "Content-Type {essence:?} is not read: send the GraphQL request as application/json"
        ));
    }
    for parameter in parts {
        if let Some((name, charset)) = parameter.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
        {
            let charset = charset.trim().trim_matches('"');
            if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("utf8") {
                return Err(format!("charset {charset:?} is not read: send UTF-8"));
            }
        }
    }
    Ok(())
}

/// The `Accept` header's ranges, or `None` when there is none (or it is blank).
fn accept(headers: &HeaderMap) -> Option<String> {
    let mut joined = String::new();
    for value in headers.get_all(header::ACCEPT) {
        // An unreadable value accepts nothing this server offers.
        let value = value.to_str().unwrap_or("x/unreadable");
        if !joined.is_empty() {
            joined.push(',');
        }
        joined.push_str(value);
    }
    (!joined.trim().is_empty()).then_some(joined)
}

/// How much `Accept` wants a type: the `q` of the most specific range that
/// matches it (RFC 9110 §12.5.1), and whether that range names it exactly.
#[derive(Clone, Copy, Debug)]
struct Quality {
    q: f32,
    named: bool,
}

fn quality(accept: &str, kind: &str, subtype: &str) -> Quality {
    // 0: no match, 1: */*, 2: kind/*, 3: kind/subtype.
    let mut best = (0u8, 0.0f32);
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let essence = parts.next().unwrap_or_default().trim();
        let Some((range_kind, range_subtype)) = essence.split_once('/') else {
            continue;
        };
        let (range_kind, range_subtype) = (range_kind.trim(), range_subtype.trim());
        let specificity = if range_kind == "*" && range_subtype == "*" {
            1
        } else if range_kind.eq_ignore_ascii_case(kind) && range_subtype == "*" {
            2
        } else if range_kind.eq_ignore_ascii_case(kind) && range_subtype.eq_ignore_ascii_case(subtype) {
            3
        } else {
            continue;
        };
        let q = parts
            .filter_map(|parameter| parameter.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, value)| value.trim().parse::<f32>().unwrap_or(0.0));
        if specificity > best.0 || (specificity == best.0 && q > best.1) {
            best = (specificity, q.clamp(0.0, 1.0));
        }
    }
    Quality {
        q: best.1,
        named: best.0 == 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn answer_types() {
        use MediaType::{GraphQLResponse, Json};
        assert_eq!(answer_type(&HeaderMap::new()), Some(Json));
        for (accept, expected) in [
            ("application/graphql-response+json", Some(GraphQLResponse)),
            ("application/json", Some(Json)),
            ("*/*", Some(Json)),
            ("application/*", Some(Json)),
            (
                "application/graphql-response+json, application/json",
                Some(GraphQLResponse),
            ),
            ("application/graphql-response+json;q=0.5, application/json", Some(Json)),
            (
                "application/json;q=0.9, application/graphql-response+json",
                Some(GraphQLResponse),
            ),
            (
                "application/graphql-response+json; charset=utf-8",
                Some(GraphQLResponse),
            ),
            ("text/html", None),
            ("application/json;q=0", None),
            ("application/xml, */*;q=0", None),
            ("text/html,application/xhtml+xml,*/*;q=0.8", Some(Json)),
        ] {
            assert_eq!(answer_type(&with_accept(accept)), expected, "{accept}");
        }
    }

    #[test]
    fn html() {
        let browser = with_accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        assert!(names_html(&browser) && accepts_html(&browser));
        assert!(!names_html(&with_accept("*/*")) && accepts_html(&with_accept("*/*")));
        assert!(!accepts_html(&with_accept("application/json")));
        assert!(accepts_html(&HeaderMap::new()) && !names_html(&HeaderMap::new()));
    }

    #[test]
    fn body_types() {
        let with_type = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            check_body_type(&headers)
        };
        assert!(with_type("application/json").is_ok());
        assert!(with_type("Application/JSON; charset=UTF-8").is_ok());
        assert!(with_type("application/json; charset=latin1").is_err());
        assert!(with_type("text/plain;charset=UTF-8").is_err());
        assert!(with_type("multipart/form-data; boundary=x").is_err());
        assert!(check_body_type(&HeaderMap::new()).is_err());
    }
}
