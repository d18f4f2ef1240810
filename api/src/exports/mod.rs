//! Files out: the archive's forms as XLSX and the archive box as a ZIP, under `/exports`,
//! for a signed-in caller (`Authorization: Bearer`) or a signed download link
//! (`?link=…`, see [`crate::signin::links`]); the routes are `http/exports.rs`. Every file is rendered from the state for
//! its period, like a resolver; what each box of a form says is decided in
//! `domain::forms`, how it is laid out on the page here.
//!
//! | route | what | right |
//! |---|---|---|
//! | `GET /exports/pairings/{id}/record.xlsx?period=` | 附件一, the pairing's activity record | reading the pairing |
//! | `GET /exports/people/{id}/assessment.xlsx?rubric=&period=` | 附件二, the assessment form | reading the person's record |
//! | `GET /exports/units/{id}/statistics.xlsx?period=` | the unit's statistics | reading the unit |
//! | `GET /exports/units/{id}/archive.zip?period=[&rubric=]` | the archive box: every pairing's 附件一 and every assessed person's 附件二, by branch and class, and the statistics | reading the unit |
//!
//! | module | its job |
//! |---|---|
//! | [`sheet`] | a printable sheet: A4, one page wide, the header row repeated |
//! | [`record_form`], [`assessment_form`] | the two forms' layouts |
//! | [`statistics_sheet`] | a scope's figures, a line per unit below it |
//! | [`archive_box`] | the box: folders of forms, written into a ZIP as it streams out |
//! | [`links`] | the links the API hands out for these routes |

pub mod archive_box;
pub mod assessment_form;
pub mod links;
pub mod record_form;
pub mod sheet;
pub mod statistics_sheet;

pub use links::Links;

/// Why a file could not be written. The causes are the server's, not the caller's.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the spreadsheet could not be written: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("the archive could not be written: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("the archive could not be written: {0}")]
    Io(#[from] std::io::Error),
}
