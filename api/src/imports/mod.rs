//! Files in: the roster import (花名册, docs/archive.md). A file becomes a sheet of text
//! cells here; what each row means is `domain::roster`'s; the rows are decided and
//! appended as one batch ([`App::execute_batch`]), or not at all.
//!
//! | module | its job |
//! |---|---|
//! | [`sheet`] | a file's bytes as a sheet: XLSX or CSV (UTF-8 or GBK), told apart by the bytes, every size bounded |
//! | [`template`] | the template, `GET /exports/templates/people.xlsx`: the header, an example row, a sheet explaining each column |
//! | this file | [`import_people`]: read, plan (a dry run stops there), append; the [`Report`] that `importPeople` and `bangfu import people` give |

pub mod sheet;
pub mod template;

pub use sheet::{FileError, MAX_IMPORT_BYTES};

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use domain::access::Caller;
use domain::roster::{self, RosterError, RowError};
use uuid::Uuid;

/// What an import did, or in a dry run would do. With any wrong row nothing is imported:
/// the counts are 0 and `errors` names every wrong row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub created: usize,
    pub unchanged: usize,
    pub units_created: usize,
    pub errors: Vec<RowError>,
    pub dry_run: bool,
}

/// Who imports: the token's subject, and whether it is a bootstrap administrator.
#[derive(Clone, Copy, Debug)]
pub struct Importer<'a> {
    pub subject: &'a str,
    pub admin: bool,
}

/// Imports a roster file into `unit` for `importer`: all of it in one batch, or, with any
/// wrong row, nothing. A dry run plans against the state now and appends nothing.
pub async fn import_people(
    app: &App,
    importer: Importer<'_>,
    unit: Uuid,
    bytes: Vec<u8>,
    dry_run: bool,
) -> ApiResult<Report> {
    // Unpacking and parsing a few MiB is CPU work: off the async workers.
    let sheet = tokio::task::spawn_blocking(move || sheet::read(&bytes))
        .await
        .map_err(|e| ApiError::Internal(format!("the roster reader stopped: {e}")))?
        .map_err(|e| ApiError::bad("file", e.to_string()))?;
    let report = |plan: roster::Plan| Report {
        created: plan.created,
        unchanged: plan.unchanged,
        units_created: plan.units_created,
        errors: Vec::new(),
        dry_run,
    };
    let refused = |refusal: RosterError| match refusal {
        RosterError::Rows(errors) => Ok(Report {
            errors,
            dry_run,
            ..Report::default()
        }),
        RosterError::Domain(e) => Err(ApiError::from(e)),
    };
    if dry_run {
        let state = app.state();
        let caller = Caller::new(&state, importer.subject, importer.admin);
        let planned = roster::plan(&state, &caller, unit, &sheet, chrono::Utc::now(), &mut Uuid::now_v7);
        return planned.map(report).or_else(refused);
    }
    let done = app
        .execute_batch(importer.subject, |state, now| {
            let caller = Caller::new(state, importer.subject, importer.admin);
            let mut plan = roster::plan(state, &caller, unit, &sheet, now, &mut Uuid::now_v7)?;
            let decisions = std::mem::take(&mut plan.decisions);
            Ok::<_, RosterError>((plan, decisions))
        })
        .await?;
    match done {
        Ok((plan, recorded)) => {
            tracing::info!(unit = %unit, created = plan.created, events = recorded.len(), "roster imported");
            Ok(report(plan))
        }
        Err(refusal) => refused(refusal),
    }
}
