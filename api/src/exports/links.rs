//! The download links the API hands out (`Pairing.recordFormUrl`, `Assessment.formUrl`,
//! `OrgUnit.archiveUrl`, `Attachment.downloadUrl`): each route's path for one caller, signed for 10 minutes.

use crate::signin::{Actor, LinkKeys};
use domain::time::Period;
use uuid::Uuid;

/// The link signer and the public URL links start with (`BANGFU_PUBLIC_URL`; without it,
/// links are paths on the server that answered).
#[derive(Clone, Debug)]
pub struct Links {
    keys: LinkKeys,
    base: String,
}

impl Links {
    pub fn new(keys: LinkKeys, public_url: Option<&str>) -> Links {
        Links {
            keys,
            base: public_url.unwrap_or("").trim_end_matches('/').to_owned(),
        }
    }

    fn link(&self, actor: &Actor, path: &str, query: &[(&str, &str)]) -> String {
        format!("{}{}", self.base, self.keys.link(actor, path, query))
    }

    /// 附件一 of a pairing for a period.
    pub fn record_form(&self, actor: &Actor, pairing: Uuid, period: Period) -> String {
        let period = period.to_string();
        self.link(
            actor,
            &format!("/exports/pairings/{pairing}/record.xlsx"),
            &[("period", &period)],
        )
    }

    /// 附件二 of a person under a rubric for a period.
    pub fn assessment_form(&self, actor: &Actor, person: Uuid, rubric: &str, period: Period) -> String {
        let period = period.to_string();
        self.link(
            actor,
            &format!("/exports/people/{person}/assessment.xlsx"),
            &[("rubric", rubric), ("period", &period)],
        )
    }

    /// The statistics sheet of a unit for a period.
    pub fn statistics(&self, actor: &Actor, unit: Uuid, period: Period) -> String {
        let period = period.to_string();
        self.link(
            actor,
            &format!("/exports/units/{unit}/statistics.xlsx"),
            &[("period", &period)],
        )
    }

    /// An attached file.
    pub fn attachment(&self, actor: &Actor, attachment: Uuid) -> String {
        self.link(actor, &format!("/exports/attachments/{attachment}"), &[])
    }

    /// The archive box of a unit for a period.
    pub fn archive(&self, actor: &Actor, unit: Uuid, period: Period) -> String {
        let period = period.to_string();
        self.link(
            actor,
            &format!("/exports/units/{unit}/archive.zip"),
            &[("period", &period)],
        )
    }
}
