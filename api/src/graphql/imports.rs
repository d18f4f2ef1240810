//! Files in: `importPeople`, a roster (花名册) as XLSX or CSV, registered in one batch or
//! not at all (docs/archive.md). What the rows mean is `domain::roster`'s; reading the
//! file and appending are `crate::imports`'.

use super::context::{actor, app, checked_input};
use super::guard::{Can, Right};
use super::paging::bounded_cost;
use super::scalars::uuid;
use super::upload;
use crate::error::ApiResult;
use crate::imports::{self, Importer, MAX_IMPORT_BYTES};
use async_graphql::{Context, ID, Object, SimpleObject, Upload};

/// Most wrong rows one answer lists; `errorCount` counts them all (the CLI prints them all).
pub const MAX_REPORTED_ERRORS: usize = 1_000;

/// What an import did, or in a dry run would do. With any wrong row nothing is imported:
/// the counts are 0 and `errors` names the wrong rows.
pub struct ImportReport(imports::Report);

#[Object]
impl ImportReport {
    /// People registered (in a dry run: who would be).
    async fn created(&self) -> i32 {
        count(self.0.created)
    }
    /// Rows of people registered already who agree with the registration: nothing appended.
    async fn unchanged(&self) -> i32 {
        count(self.0.unchanged)
    }
    /// Classes and branches created below the unit.
    async fn units_created(&self) -> i32 {
        count(self.0.units_created)
    }
    /// True when nothing was appended because this was a dry run.
    async fn dry_run(&self) -> bool {
        self.0.dry_run
    }
    /// The wrong rows, by row and then the template's column order: the first 1,000.
    #[graphql(complexity = "bounded_cost(MAX_REPORTED_ERRORS, child_complexity)")]
    async fn errors(&self) -> Vec<ImportRowError> {
        self.0
            .errors
            .iter()
            .take(MAX_REPORTED_ERRORS)
            .map(|e| ImportRowError {
                row: i32::try_from(e.row).unwrap_or(i32::MAX),
                column: e.column.clone(),
                message: e.message.clone(),
            })
            .collect()
    }
    /// How many problems the file has, listed or not.
    async fn error_count(&self) -> i32 {
        count(self.0.errors.len())
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A wrong row of a roster.
#[derive(SimpleObject)]
pub struct ImportRowError {
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub row: i32,
    /// The column's header as the file has it; null for the row as a whole.
    pub column: Option<String>,
    /// Why, in Chinese.
    pub message: String,
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Registers the people of a roster file (XLSX, or CSV in UTF-8 or GBK; at most 5 MiB and
    /// 10,000 rows) into the unit, creating the classes and branches it names that are not
    /// there: all in one batch, or, with any wrong row, nothing. A file that cannot be read
    /// is `BAD_INPUT` on `file`. Needs the right to register people into the unit (creating
    /// a unit needs the college committee's).
    #[graphql(guard = "Can::over(\"unitId\", &unit_id, Right::Register)")]
    async fn import_people(
        &self,
        ctx: &Context<'_>,
        unit_id: ID,
        file: Upload,
        #[graphql(default = false)] dry_run: bool,
    ) -> ApiResult<ImportReport> {
        checked_input(ctx, None)?;
        let unit = uuid("unitId", &unit_id)?;
        let file = upload::read(ctx, &file, "file", MAX_IMPORT_BYTES)?;
        let actor = actor(ctx)?;
        let importer = Importer {
            subject: &actor.subject,
            admin: actor.admin,
        };
        let report = imports::import_people(app(ctx)?, importer, unit, file.bytes, dry_run).await?;
        Ok(ImportReport(report))
    }
}
