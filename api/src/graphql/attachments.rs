//! Scans of signed forms (扫描件): `attachFile` keeps a JPEG, PNG or PDF with a person's
//! record or a pairing; `Person.attachments` and `Pairing.attachments` list them, each with
//! a download link (docs/archive.md). The bytes go to the file table beside the log
//! before the event that names them is appended, so no event names bytes that are not kept.

use super::context::{Seen, actor, app, links, looked_up, recorded_fact, run};
use super::guard::caller;
use super::paging::list_page;
use super::scalars::{self, DateTime, uuid};
use super::upload;
use crate::error::{ApiError, ApiResult};
use crate::store::Content;
use async_graphql::{Context, ID, Object, Upload};
use domain::FileKind;
use domain::decide::{self as d, MAX_ATTACHMENT_BYTES};
use domain::state;

/// A file attached to a person or a pairing.
pub struct Attachment(state::Attachment);

#[Object]
impl Attachment {
    async fn id(&self) -> ID {
        scalars::id(self.0.id)
    }
    /// The name it was uploaded with (its last path segment).
    async fn filename(&self) -> &str {
        &self.0.filename
    }
    /// `image/jpeg`, `image/png` or `application/pdf`, as judged from its bytes.
    async fn content_type(&self) -> &'static str {
        self.0.kind.content_type()
    }
    /// In bytes.
    async fn size(&self) -> i32 {
        i32::try_from(self.0.size).unwrap_or(i32::MAX)
    }
    /// The bytes' SHA-256, lowercase hex: what a downloaded copy can be checked against.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    async fn caption(&self) -> Option<&str> {
        self.0.caption.as_deref()
    }
    async fn attached_at(&self) -> DateTime {
        DateTime(self.0.attached_at)
    }
    /// Who attached it (their number, or an administrator's name).
    async fn attached_by(&self) -> Option<&str> {
        self.0.attached_by.as_deref()
    }
    /// A link to the file that opens without a token for 10 minutes, for the caller only.
    async fn download_url(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(links(ctx)?.attachment(actor(ctx)?, self.0.id))
    }
}

/// One page of a subject's attachments.
fn page(list: &[state::Attachment], first: Option<i32>, after: Option<&ID>) -> ApiResult<Vec<Attachment>> {
    let page = list_page(list, |a| a.id.to_string(), first, after)?;
    Ok(page.into_iter().map(Attachment).collect())
}

/// The `Person.attachments` field: part of the record, for those with `ReadRecord`.
pub struct PersonAttachments(pub(super) Seen);

#[Object]
impl PersonAttachments {
    /// Files attached to the person's record, oldest first: a page of `first` (default
    /// 100, at most 500) after the one whose id is `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn attachments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<Attachment>> {
        let id = self.0.id()?;
        looked_up(ctx, |s| {
            s.person(id).map(|p| page(&p.attachments, first, after.as_ref()))
        })?
    }
}

/// The `Pairing.attachments` field, for those with `ReadPairing`.
pub struct PairingAttachments(pub(super) Seen);

#[Object]
impl PairingAttachments {
    /// Files attached to the pairing (the signed 附件一), oldest first: a page of `first`
    /// (default 100, at most 500) after the one whose id is `after`.
    #[graphql(complexity = "super::paging::list_cost(first, child_complexity)")]
    async fn attachments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<ID>,
    ) -> ApiResult<Vec<Attachment>> {
        let id = self.0.id()?;
        looked_up(ctx, |s| {
            s.pairing(id).map(|p| page(&p.attachments, first, after.as_ref()))
        })?
    }
}

#[derive(Default)]
pub struct AttachmentMutation;

#[Object]
impl AttachmentMutation {
    /// Attaches a scan (a JPEG, PNG or PDF, judged by its bytes; at most 10 MiB) to a
    /// person's record or a pairing. For those who may record on it: the person's mentors
    /// and the officers over them; the pairing's mentors and the branch. Anything else is
    /// `BAD_INPUT` on `file`, and nothing is kept.
    async fn attach_file(
        &self,
        ctx: &Context<'_>,
        subject_id: ID,
        file: Upload,
        caption: Option<String>,
    ) -> ApiResult<Attachment> {
        let subject = uuid("subjectId", &subject_id)?;
        let app = app(ctx)?;
        {
            let state = app.state();
            let attached_to = d::attached_to(&state, subject)?;
            caller(&state, actor(ctx)?)
                .check(domain::access::right_to_attach(attached_to, subject))
                .map_err(ApiError::from)?;
        }
        let file = upload::read(ctx, &file, "file", MAX_ATTACHMENT_BYTES)?;
        let kind = judged(&file.bytes)?;
        let content = Content::new(file.bytes);
        let cmd = d::AttachFile {
            subject_id: subject,
            filename: file.filename,
            kind,
            size: content.len() as u64,
            sha256: content.sha256().to_owned(),
            caption,
        };
        // Decided once before the bytes are kept, so a refused file leaves nothing behind;
        // decided again below against the state the append sees.
        d::attach_file(&app.state(), cmd.clone())?;
        app.store().files().put(content).await?;
        let (app, recorded) = run(ctx, None, move |s, _| d::attach_file(s, cmd)).await?;
        recorded_fact(&app, &recorded, |s, id| {
            s.attachment(id)
                .map(|(_, _, attachment)| Attachment(attachment.clone()))
        })
    }
}

/// What the bytes are, whatever the name says: a program renamed `.png` is not a PNG.
fn judged(bytes: &[u8]) -> ApiResult<FileKind> {
    let found = infer::get(bytes);
    match found.map(|t| t.mime_type()) {
        Some("image/jpeg") => Ok(FileKind::Jpeg),
        Some("image/png") => Ok(FileKind::Png),
        Some("application/pdf") => Ok(FileKind::Pdf),
        Some(other) => Err(ApiError::bad(
            "file",
            format!("is {other}: only JPEG, PNG and PDF scans are kept"),
        )),
        None => Err(ApiError::bad(
            "file",
            "is not a JPEG, PNG or PDF (judged by its bytes): only scans are kept",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_are_judged_by_their_bytes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(judged(png).ok(), Some(FileKind::Png));
        assert_eq!(judged(b"\xFF\xD8\xFF\xE0\0\x10JFIF").ok(), Some(FileKind::Jpeg));
        assert_eq!(judged(b"%PDF-1.7\n").ok(), Some(FileKind::Pdf));
        // An ELF program and a shell script, whatever they are named.
        assert!(judged(b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0").is_err());
        assert!(judged(b"#!/bin/sh\nrm -rf /\n").is_err());
        assert!(judged(b"").is_err());
    }
}
