//! Attaching a file (a scan of a signed form) to a person's record or a pairing: the
//! metadata is decided here; the bytes were judged (JPEG, PNG or PDF by their first bytes)
//! and stored under their SHA-256 at the edge before this runs.

use super::*;
use crate::vocab::{AttachedTo, FileKind};

/// The largest file kept: a phone photo or a scanned page of a form, with room.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Most files on one person or pairing: years of monthly forms, bounded, so that neither
/// the state nor a list of them grows without end.
pub const MAX_ATTACHMENTS: usize = 200;

#[derive(Clone, Debug)]
pub struct AttachFile {
    pub subject_id: Uuid,
    /// The name the file came with; only its last path segment is kept.
    pub filename: String,
    pub kind: FileKind,
    pub size: u64,
    pub sha256: String,
    pub caption: Option<String>,
}

/// What a file is attached to, for a subject of either kind.
pub fn attached_to(state: &State, subject_id: Uuid) -> Result<AttachedTo, DomainError> {
    if state.person(subject_id).is_some() {
        Ok(AttachedTo::Person)
    } else if state.pairing(subject_id).is_some() {
        Ok(AttachedTo::Pairing)
    } else {
        Err(DomainError::not_found("person or pairing", subject_id))
    }
}

pub fn attach_file(state: &State, input: AttachFile) -> Result<Decision, DomainError> {
    let attached_to = attached_to(state, input.subject_id)?;
    let kept = match attached_to {
        AttachedTo::Person => person(state, input.subject_id)?.attachments.len(),
        AttachedTo::Pairing => pairing(state, input.subject_id)?.attachments.len(),
    };
    if kept >= MAX_ATTACHMENTS {
        return Err(DomainError::bad(
            "subjectId",
            format!("holds {MAX_ATTACHMENTS} files already: retract one that is no longer needed"),
        ));
    }
    // `C:\scans\附件一.pdf` and `../附件一.pdf` are kept as `附件一.pdf`.
    let last = input.filename.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let filename = required_text("file", &clean, MAX_NAME)?;
    if input.size == 0 || input.size > MAX_ATTACHMENT_BYTES as u64 {
        return Err(DomainError::bad(
            "file",
            format!("must hold 1 to {MAX_ATTACHMENT_BYTES} bytes"),
        ));
    }
    let hex = input.sha256.len() == 64 && input.sha256.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !hex {
        return Err(DomainError::bad("file", "sha256 must be 64 lowercase hex digits"));
    }
    let caption = optional_text("caption", input.caption.as_deref(), MAX_NAME)?;
    let event = Event::FileAttached {
        subject_id: input.subject_id,
        attached_to,
        filename,
        kind: input.kind,
        size: input.size,
        sha256: input.sha256,
        caption,
    };
    Ok(Decision::one(state, input.subject_id, event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use crate::vocab::Stage;

    fn scan(subject_id: Uuid, filename: &str) -> AttachFile {
        AttachFile {
            subject_id,
            filename: filename.into(),
            kind: FileKind::Png,
            size: 2_048,
            sha256: "0f".repeat(32),
            caption: Some(" 支部书记已签字 ".into()),
        }
    }

    #[test]
    fn a_scan_is_kept_on_the_person_or_pairing_it_names() {
        // Given a mentor and a mentee paired.
        let mut w = World::new();
        let c = w.campus();
        let mentor = w.register(&[c.branch], Stage::Full);
        let mentee = w.register(&[c.class], Stage::Activist);
        let pairing = w.form_pairing(&[mentor], mentee, "2025-09-01", monthly(1));
        // When a scan is attached to the pairing under a Windows path: then only its name
        // is kept, the caption trimmed, on the pairing's stream.
        let decision = w
            .when(|s, _| attach_file(s, scan(pairing, r"C:\扫描\附件一.png")))
            .then_events(vec![Event::FileAttached {
                subject_id: pairing,
                attached_to: AttachedTo::Pairing,
                filename: "附件一.png".into(),
                kind: FileKind::Png,
                size: 2_048,
                sha256: "0f".repeat(32),
                caption: Some("支部书记已签字".into()),
            }]);
        assert_eq!(decision.stream_id, pairing);
        // And to a person: kept on the record, found by its id, gone when retracted.
        let id = w
            .when(|s, _| attach_file(s, scan(mentee, "../鉴定.png")))
            .then_applied();
        let (to, subject, attachment) = w.state().attachment(id).expect("kept");
        assert_eq!(
            (to, subject, attachment.filename.as_str()),
            (AttachedTo::Person, mentee, "鉴定.png")
        );
        w.when(|s, _| retract_event(s, id, "传错了")).then_applied();
        assert!(w.state().attachment(id).is_none());
        assert!(w.state().person(mentee).expect("registered").attachments.is_empty());
    }

    #[test]
    fn a_scan_without_a_name_size_or_digest_or_of_nothing_is_refused() {
        let mut w = World::new();
        let c = w.campus();
        let p = w.register(&[c.class], Stage::Activist);
        w.when(|s, _| attach_file(s, scan(p, "dir/"))).then_refuses("file");
        let mut empty = scan(p, "a.png");
        empty.size = 0;
        w.when(|s, _| attach_file(s, empty)).then_refuses("file");
        let mut large = scan(p, "a.png");
        large.size = MAX_ATTACHMENT_BYTES as u64 + 1;
        w.when(|s, _| attach_file(s, large)).then_refuses("file");
        let mut digest = scan(p, "a.png");
        digest.sha256 = "0F".repeat(32);
        w.when(|s, _| attach_file(s, digest)).then_refuses("file");
        w.when(|s, _| attach_file(s, scan(Uuid::from_u128(77), "a.png")))
            .then_not_found();
    }
}
