//! The CAS server's answers, read as XML: the `serviceResponse` to a ticket
//! validation, and the SAML `LogoutRequest` of a single logout.
//!
//! Both come from the network, so they are parsed with `roxmltree`, never
//! scanned for tags. An element counts only where the protocol puts it and in
//! the protocol's namespace (any prefix): the outcome is a direct child of the
//! root `serviceResponse`, the user a direct child of the success. Markup
//! echoed inside a value is text, or an element nested where nothing is read,
//! so it cannot forge a success. A document that is not well-formed, or has a
//! DTD, is no answer at all.

use roxmltree::{Document, Node};

/// The namespace of CAS 2.0 / 3.0 service responses.
pub const CAS_NAMESPACE: &str = "http://www.yale.edu/tp/cas";
/// The namespace of SAML 2.0 protocol messages, a single logout's among them.
pub const SAML_PROTOCOL_NAMESPACE: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

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

/// Why an answer is not a CAS service response (logged, never shown to clients).
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error("not well-formed XML: {0}")]
    Xml(#[from] roxmltree::Error),
    #[error("the root element is `{0}`, not a CAS `serviceResponse`")]
    NotServiceResponse(String),
    #[error("the serviceResponse holds neither an authenticationSuccess nor an authenticationFailure")]
    NoOutcome,
    #[error("the authenticationSuccess names no user (or not as plain text)")]
    NoUser,
}

/// Reads a CAS 2.0 / 3.0 `serviceResponse`, whatever the namespace prefix: the
/// document's root must be `serviceResponse` in the CAS namespace, the outcome one of
/// its direct children, the user a direct child of the success, holding text only.
pub fn parse_service_response(xml: &str) -> Result<CasResponse, AnswerError> {
    let document = Document::parse(start_of_document(xml))?;
    let root = document.root_element();
    if !is(root, CAS_NAMESPACE, "serviceResponse") {
        return Err(AnswerError::NotServiceResponse(root.tag_name().name().to_owned()));
    }
    if let Some(success) = child(root, CAS_NAMESPACE, "authenticationSuccess") {
        let user = child(success, CAS_NAMESPACE, "user")
            .and_then(text_only)
            .filter(|user| !user.is_empty())
            .ok_or(AnswerError::NoUser)?;
        let attributes = child(success, CAS_NAMESPACE, "attributes")
            .map(|attributes| {
                elements(attributes)
                    .map(|attribute| (attribute.tag_name().name().to_owned(), all_text(attribute)))
                    .collect()
            })
            .unwrap_or_default();
        return Ok(CasResponse::Success { user, attributes });
    }
    let failure = child(root, CAS_NAMESPACE, "authenticationFailure").ok_or(AnswerError::NoOutcome)?;
    Ok(CasResponse::Failure {
        code: failure.attribute("code").unwrap_or("UNKNOWN").to_owned(),
        message: all_text(failure),
    })
}

/// The ticket named by a SAML `LogoutRequest`: the text of its `SessionIndex`, a
/// direct child of the root, both in the SAML protocol namespace.
pub fn session_index(xml: &str) -> Option<String> {
    let document = Document::parse(start_of_document(xml)).ok()?;
    let root = document.root_element();
    if !is(root, SAML_PROTOCOL_NAMESPACE, "LogoutRequest") {
        return None;
    }
    child(root, SAML_PROTOCOL_NAMESPACE, "SessionIndex")
        .and_then(text_only)
        .filter(|ticket| !ticket.is_empty())
}

/// Some servers send a byte-order mark or blank lines before the document, which
/// XML allows before the root but not before an `<?xml ?>` declaration.
fn start_of_document(xml: &str) -> &str {
    xml.trim_start_matches(|c: char| c == '\u{feff}' || c.is_ascii_whitespace())
}

fn is(node: Node<'_, '_>, namespace: &str, name: &str) -> bool {
    node.tag_name().namespace() == Some(namespace) && node.tag_name().name() == name
}

fn elements<'a, 'input>(node: Node<'a, 'input>) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(Node::is_element)
}

/// The first direct child element `namespace:name`.
fn child<'a, 'input>(node: Node<'a, 'input>, namespace: &str, name: &str) -> Option<Node<'a, 'input>> {
    elements(node).find(|element| is(*element, namespace, name))
}

/// The element's text, trimmed, if it holds no element (comments do not count).
fn text_only(node: Node<'_, '_>) -> Option<String> {
    if elements(node).next().is_some() {
        return None;
    }
    Some(
        node.children()
            .filter_map(|text| text.text())
            .collect::<String>()
            .trim()
            .to_owned(),
    )
}

/// All the text inside the element, nested elements' included, trimmed.
fn all_text(node: Node<'_, '_>) -> String {
    node.descendants()
        .filter(Node::is_text)
        .filter_map(|text| text.text())
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(xml: &str) -> Option<CasResponse> {
        parse_service_response(xml).ok()
    }

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
            read(xml),
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
            read(xml),
            Some(CasResponse::Failure {
                code: "INVALID_TICKET".into(),
                message: "Ticket ST-1 not recognized".into()
            })
        );
        // The CAS namespace as the default one: no prefix at all.
        let unprefixed = "<serviceResponse xmlns='http://www.yale.edu/tp/cas'><authenticationSuccess><user> u1 </user></authenticationSuccess></serviceResponse>";
        assert!(matches!(read(unprefixed), Some(CasResponse::Success { user, .. }) if user == "u1"));
        let user_in_cdata = "<serviceResponse xmlns='http://www.yale.edu/tp/cas'><authenticationSuccess><user><![CDATA[u2]]></user></authenticationSuccess></serviceResponse>";
        assert!(matches!(read(user_in_cdata), Some(CasResponse::Success { user, .. }) if user == "u2"));
        let no_code = "<serviceResponse xmlns='http://www.yale.edu/tp/cas'><authenticationFailure>no</authenticationFailure></serviceResponse>";
        assert!(matches!(read(no_code), Some(CasResponse::Failure { code, .. }) if code == "UNKNOWN"));
        assert!(matches!(
            parse_service_response("<html>oops</html>"),
            Err(AnswerError::NotServiceResponse(root)) if root == "html"
        ));
        assert!(matches!(parse_service_response("<cas:user>"), Err(AnswerError::Xml(_))));
        assert!(matches!(parse_service_response(""), Err(AnswerError::Xml(_))));
        let empty = "<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'/>";
        assert!(matches!(parse_service_response(empty), Err(AnswerError::NoOutcome)));
        let blank_user = "<serviceResponse xmlns='http://www.yale.edu/tp/cas'><authenticationSuccess><user> </user></authenticationSuccess></serviceResponse>";
        assert!(matches!(parse_service_response(blank_user), Err(AnswerError::NoUser)));
    }

    #[test]
    fn only_the_roots_direct_outcome_counts() {
        // A success inside a failure's message (an echoed ticket, say) is no success.
        let nested = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
    <cas:authenticationFailure code="INVALID_TICKET">Ticket <cas:authenticationSuccess><cas:user>root</cas:user></cas:authenticationSuccess> not recognized</cas:authenticationFailure>
</cas:serviceResponse>"#;
        assert!(matches!(read(nested), Some(CasResponse::Failure { code, .. }) if code == "INVALID_TICKET"));
        // Echoed as escaped text, it stays text.
        let escaped = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
    <cas:authenticationFailure code="INVALID_TICKET">Ticket &lt;cas:authenticationSuccess&gt;&lt;cas:user&gt;root&lt;/cas:user&gt; not recognized</cas:authenticationFailure>
</cas:serviceResponse>"#;
        assert!(matches!(
            read(escaped),
            Some(CasResponse::Failure { message, .. }) if message == "Ticket <cas:authenticationSuccess><cas:user>root</cas:user> not recognized"
        ));
        let in_cdata = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><![CDATA[<cas:authenticationSuccess><cas:user>root</cas:user></cas:authenticationSuccess>]]></cas:serviceResponse>"#;
        assert_eq!(read(in_cdata), None);
        let wrong_root = "<html><authenticationSuccess><user>root</user></authenticationSuccess></html>";
        assert_eq!(read(wrong_root), None);
        let with_prolog = "<?xml version=\"1.0\"?><!-- hi --><serviceResponse xmlns=\"http://www.yale.edu/tp/cas\"><authenticationSuccess><user>u</user></authenticationSuccess></serviceResponse>";
        assert!(matches!(read(with_prolog), Some(CasResponse::Success { user, .. }) if user == "u"));
        let after_blank_lines = format!("\u{feff}\n\n{with_prolog}");
        assert!(matches!(read(&after_blank_lines), Some(CasResponse::Success { user, .. }) if user == "u"));
    }

    #[test]
    fn names_count_only_in_the_cas_namespace() {
        let no_namespace =
            "<serviceResponse><authenticationSuccess><user>root</user></authenticationSuccess></serviceResponse>";
        assert!(matches!(
            parse_service_response(no_namespace),
            Err(AnswerError::NotServiceResponse(_))
        ));
        let other_namespace = r#"<cas:serviceResponse xmlns:cas="urn:not-cas"><cas:authenticationSuccess><cas:user>root</cas:user></cas:authenticationSuccess></cas:serviceResponse>"#;
        assert_eq!(read(other_namespace), None);
        // The outcome, or the user, in another namespace under the right root.
        let foreign_outcome = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas" xmlns:x="urn:x"><x:authenticationSuccess><cas:user>root</cas:user></x:authenticationSuccess></cas:serviceResponse>"#;
        assert!(matches!(
            parse_service_response(foreign_outcome),
            Err(AnswerError::NoOutcome)
        ));
        let foreign_user = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas" xmlns:x="urn:x"><cas:authenticationSuccess><x:user>root</x:user></cas:authenticationSuccess></cas:serviceResponse>"#;
        assert!(matches!(parse_service_response(foreign_user), Err(AnswerError::NoUser)));
        // An unbound prefix is not XML with namespaces.
        let unbound = "<cas:serviceResponse><cas:authenticationSuccess><cas:user>root</cas:user></cas:authenticationSuccess></cas:serviceResponse>";
        assert!(matches!(parse_service_response(unbound), Err(AnswerError::Xml(_))));
    }

    #[test]
    fn malformed_answers_are_no_answers() {
        let cas = r#"xmlns:cas="http://www.yale.edu/tp/cas""#;
        // Cut off before the end: no success from what came first.
        let truncated = format!("<cas:serviceResponse {cas}><cas:authenticationSuccess><cas:user>root</cas:user>");
        assert!(matches!(parse_service_response(&truncated), Err(AnswerError::Xml(_))));
        // A user holding markup is not a user.
        let marked_up = format!(
            "<cas:serviceResponse {cas}><cas:authenticationSuccess><cas:user>ro<cas:b/>ot</cas:user></cas:authenticationSuccess></cas:serviceResponse>"
        );
        assert!(matches!(parse_service_response(&marked_up), Err(AnswerError::NoUser)));
        // No DTD, so no entity can stand for a user.
        let with_dtd = format!(
            "<!DOCTYPE r [<!ENTITY u \"root\">]><cas:serviceResponse {cas}><cas:authenticationSuccess><cas:user>&u;</cas:user></cas:authenticationSuccess></cas:serviceResponse>"
        );
        assert!(matches!(parse_service_response(&with_dtd), Err(AnswerError::Xml(_))));
        let two_roots = format!(
            "<cas:serviceResponse {cas}/><cas:serviceResponse {cas}><cas:authenticationSuccess><cas:user>root</cas:user></cas:authenticationSuccess></cas:serviceResponse>"
        );
        assert!(matches!(parse_service_response(&two_roots), Err(AnswerError::Xml(_))));
    }

    #[test]
    fn logout_request() {
        let xml = r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
<saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">@NOT_USED@</saml:NameID>
<samlp:SessionIndex>ST-12-abc</samlp:SessionIndex></samlp:LogoutRequest>"#;
        assert_eq!(session_index(xml).as_deref(), Some("ST-12-abc"));
        assert_eq!(session_index("<samlp:SessionIndex></samlp:SessionIndex>"), None);
        let samlp = r#"xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol""#;
        let empty =
            format!("<samlp:LogoutRequest {samlp}><samlp:SessionIndex> </samlp:SessionIndex></samlp:LogoutRequest>");
        assert_eq!(session_index(&empty), None);
        // The index counts only as the request's own child.
        let nested = format!(
            "<samlp:LogoutRequest {samlp}><samlp:Extensions><samlp:SessionIndex>ST-1</samlp:SessionIndex></samlp:Extensions></samlp:LogoutRequest>"
        );
        assert_eq!(session_index(&nested), None);
        let wrong_root =
            format!("<samlp:AuthnRequest {samlp}><samlp:SessionIndex>ST-1</samlp:SessionIndex></samlp:AuthnRequest>");
        assert_eq!(session_index(&wrong_root), None);
        let no_namespace = "<LogoutRequest><SessionIndex>ST-1</SessionIndex></LogoutRequest>";
        assert_eq!(session_index(no_namespace), None);
    }
}
