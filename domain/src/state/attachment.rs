//! Files attached to a person's record or to a pairing (扫描件: the signed 附件一, a
//! review): what each is, kept where it is attached; the bytes are not in the state.

use super::{FactOwner, State};
use crate::event::{Event, Recorded};
use crate::vocab::{AttachedTo, FileKind};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    pub id: Uuid,
    pub filename: String,
    pub kind: FileKind,
    pub size: u64,
    /// The bytes' SHA-256, lowercase hex: their key in the file table.
    pub sha256: String,
    pub caption: Option<String>,
    pub attached_at: DateTime<Utc>,
    pub attached_by: Option<String>,
}

impl Attachment {
    /// The attachment a `FileAttached` records, with what it is attached to.
    pub(super) fn attached(recorded: &Recorded) -> Option<(AttachedTo, Uuid, Attachment)> {
        let Event::FileAttached {
            subject_id,
            attached_to,
            filename,
            kind,
            size,
            sha256,
            caption,
        } = &recorded.event
        else {
            return None;
        };
        let attachment = Attachment {
            id: recorded.id,
            filename: filename.clone(),
            kind: *kind,
            size: *size,
            sha256: sha256.clone(),
            caption: caption.clone(),
            attached_at: recorded.recorded_at,
            attached_by: recorded.actor_id.clone(),
        };
        Some((*attached_to, *subject_id, attachment))
    }
}

impl State {
    /// An attachment in force, by its id, with what it is attached to.
    pub fn attachment(&self, id: Uuid) -> Option<(AttachedTo, Uuid, &Attachment)> {
        let (to, subject, list) = match self.facts.get(&id)? {
            FactOwner::Person(person) => (AttachedTo::Person, *person, &self.person(*person)?.attachments),
            FactOwner::Pairing(pairing) => (AttachedTo::Pairing, *pairing, &self.pairing(*pairing)?.attachments),
            _ => return None,
        };
        list.iter().find(|a| a.id == id).map(|a| (to, subject, a))
    }
}
