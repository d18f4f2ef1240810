//! The CAS server's answers, read as XML: the `serviceResponse` to a ticket
//! validation, and the SAML `LogoutRequest` of a single logout.

/// What the CAS server said about a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CasResponse {
    Success {
        user: String,
        /// `cas:attributes` children in document order (names without prefix).
        attributes: Vec<(String, String)>,
    },
    Failure {
        code: String,
        message: String,
    },
}

/// Parses a CAS 2.0/3.0 `serviceResponse`, whatever the namespace prefix: the
/// document's root must be `serviceResponse`, the outcome one of its direct
/// children, the user a direct child of the success. `None` when it is neither a
/// success with a user nor a failure.
pub fn parse_service_response(xml: &str) -> Option<CasResponse> {
    let root = children(xml).into_iter().next()?;
    if root.name != "serviceResponse" {
        return None;
    }
    let outcome = children(root.inner);
    if let Some(success) = outcome.iter().find(|e| e.name == "authenticationSuccess") {
        let fields = children(success.inner);
        let user = unescape(fields.iter().find(|e| e.name == "user")?.inner.trim());
        if user.is_empty() {
            return None;
        }
        let attributes = fields
            .iter()
            .find(|e| e.name == "attributes")
            .map(|attributes| {
                children(attributes.inner)
                    .into_iter()
                    .map(|child| (child.name.to_owned(), unescape(child.inner.trim())))
                    .collect()
            })
            .unwrap_or_default();
        return Some(CasResponse::Success { user, attributes });
    }
    let failure = outcome.iter().find(|e| e.name == "authenticationFailure")?;
    let code = attribute(failure.attrs, "code").unwrap_or_else(|| "UNKNOWN".to_owned());
    Some(CasResponse::Failure {
        code,
        message: unescape(failure.inner.trim()),
    })
}

/// The ticket named by a SAML logout request's `SessionIndex`.
pub fn session_index(xml: &str) -> Option<String> {
    let ticket = unescape(element(xml, "SessionIndex")?.inner.trim());
    (!ticket.is_empty()).then_some(ticket)
}

struct Element<'a> {
    /// The local name (without prefix).
    name: &'a str,
    attrs: &'a str,
    inner: &'a str,
}

/// The first element whose local name is `local`, any prefix.
fn element<'a>(xml: &'a str, local: &str) -> Option<Element<'a>> {
    let mut from = 0;
    while let Some(found) = xml[from..].find('<') {
        let start = from + found;
        from = start + 1;
        if let Some(element) = element_at(xml, start)
            && element.0.name == local
        {
            return Some(element.0);
        }
    }
    None
}

/// The element starting at `xml[start] == '<'`, and the index after it.
fn element_at(xml: &str, start: usize) -> Option<(Element<'_>, usize)> {
    let rest = &xml[start + 1..];
    let name_end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
    let qname = &rest[..name_end];
    if qname.is_empty() || qname.starts_with(['!', '?']) {
        return None;
    }
    let tag_end = rest.find('>')?;
    let attrs_part = &rest[name_end..tag_end];
    let local = qname.rsplit(':').next().unwrap_or(qname);
    let after_tag = start + 1 + tag_end + 1;
    if attrs_part.trim_end().ends_with('/') {
        let attrs = attrs_part.trim_end().trim_end_matches('/');
        let element = Element {
            name: local,
            attrs,
            inner: "",
        };
        return Some((element, after_tag));
    }
    let close = format!("</{qname}");
    let inner_len = xml[after_tag..].find(&close)?;
    let inner = &xml[after_tag..after_tag + inner_len];
    let close_end = xml[after_tag + inner_len..].find('>')? + after_tag + inner_len + 1;
    Some((
        Element {
            name: local,
            attrs: attrs_part,
            inner,
        },
        close_end,
    ))
}

/// The child elements directly inside `xml` (comments and CDATA skipped).
fn children(xml: &str) -> Vec<Element<'_>> {
    let mut out = vec![];
    let mut from = 0;
    while let Some(found) = xml[from..].find('<') {
        let start = from + found;
        if xml[start..].starts_with("<!--") {
            from = xml[start..].find("-->").map_or(xml.len(), |end| start + end + 3);
            continue;
        }
        if xml[start..].starts_with("<![CDATA[") {
            from = xml[start..].find("]]>").map_or(xml.len(), |end| start + end + 3);
            continue;
        }
        match element_at(xml, start) {
            Some((element, next)) => {
                out.push(element);
                from = next;
            }
            None => from = start + 1,
        }
    }
    out
}

/// The value of `name="…"` (or `'…'`) in a start tag's attributes.
fn attribute(attrs: &str, name: &str) -> Option<String> {
    let mut from = 0;
    while let Some(found) = attrs[from..].find(name) {
        let at = from + found;
        from = at + name.len();
        let boundary = at == 0 || attrs[..at].ends_with(char::is_whitespace);
        let rest = attrs[from..].trim_start();
        if !boundary || !rest.starts_with('=') {
            continue;
        }
        let rest = rest[1..].trim_start();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value = &rest[1..];
        let end = value.find(quote)?;
        return Some(unescape(&value[..end]));
    }
    None
}

/// Resolves CDATA and the XML entities.
fn unescape(text: &str) -> String {
    if let Some(inner) = text.strip_prefix("<![CDATA[").and_then(|t| t.strip_suffix("]]>")) {
        return inner.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let replaced = after.find(';').filter(|end| *end <= 10).and_then(|end| {
            let entity = &after[1..end];
            let ch = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                    .and_then(char::from_u32),
            };
            ch.map(|ch| (ch, end + 1))
        });
        match replaced {
            Some((ch, len)) => {
                out.push(ch);
                rest = &after[len..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_with_attributes() {
        let xml = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>2023000123</cas:user>
    <cas:attributes>
      <cas:name>张三 &amp; co</cas:name>
      <!-- a comment -->
      <cas:memberOf>students</cas:memberOf>
      <cas:empty/>
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>"#;
        assert_eq!(
            parse_service_response(xml),
            Some(CasResponse::Success {
                user: "2023000123".into(),
                attributes: vec![
                    ("name".into(), "张三 & co".into()),
                    ("memberOf".into(), "students".into()),
                    ("empty".into(), String::new()),
                ],
            })
        );
    }

    #[test]
    fn failure_and_junk() {
        let xml = r#"<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>
    <cas:authenticationFailure code="INVALID_TICKET">Ticket ST-1 not recognized</cas:authenticationFailure>
</cas:serviceResponse>"#;
        assert_eq!(
            parse_service_response(xml),
            Some(CasResponse::Failure {
                code: "INVALID_TICKET".into(),
                message: "Ticket ST-1 not recognized".into()
            })
        );
        let unprefixed =
            "<serviceResponse><authenticationSuccess><user> u1 </user></authenticationSuccess></serviceResponse>";
        assert!(matches!(parse_service_response(unprefixed), Some(CasResponse::Success { user, .. }) if user == "u1"));
        assert_eq!(parse_service_response("<html>oops</html>"), None);
        assert_eq!(parse_service_response("<cas:user>"), None);
        assert_eq!(parse_service_response(""), None);
    }

    #[test]
    fn only_the_roots_direct_outcome_counts() {
        // A success inside a failure's message (an echoed ticket, say) is no success.
        let nested = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
    <cas:authenticationFailure code="INVALID_TICKET">Ticket <cas:authenticationSuccess><cas:user>root</cas:user></cas:authenticationSuccess> not recognized</cas:authenticationFailure>
</cas:serviceResponse>"#;
        assert!(
            matches!(parse_service_response(nested), Some(CasResponse::Failure { code, .. }) if code == "INVALID_TICKET")
        );
        let in_cdata = r#"<cas:serviceResponse><![CDATA[<cas:authenticationSuccess><cas:user>root</cas:user></cas:authenticationSuccess>]]></cas:serviceResponse>"#;
        assert_eq!(parse_service_response(in_cdata), None);
        let wrong_root = "<html><authenticationSuccess><user>root</user></authenticationSuccess></html>";
        assert_eq!(parse_service_response(wrong_root), None);
        let with_prolog = "<?xml version=\"1.0\"?><!-- hi --><serviceResponse><authenticationSuccess><user>u</user></authenticationSuccess></serviceResponse>";
        assert!(matches!(parse_service_response(with_prolog), Some(CasResponse::Success { user, .. }) if user == "u"));
    }

    #[test]
    fn logout_request() {
        let xml = r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
<saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">@NOT_USED@</saml:NameID>
<samlp:SessionIndex>ST-12-abc</samlp:SessionIndex></samlp:LogoutRequest>"#;
        assert_eq!(session_index(xml).as_deref(), Some("ST-12-abc"));
        assert_eq!(session_index("<samlp:SessionIndex></samlp:SessionIndex>"), None);
    }
}
