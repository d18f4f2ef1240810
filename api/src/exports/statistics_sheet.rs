//! The statistics of a scope as one sheet: a line for the scope (合计) and one for each
//! unit directly below it, a column per figure (`domain::statistics`).

use super::ExportError;
use super::sheet::{cell, label, printable, title};
use domain::State;
use domain::statistics::{Figures, Statistics};
use domain::vocab::Stage;
use rust_xlsxwriter::Workbook;
use std::collections::HashMap;
use uuid::Uuid;

/// The stages, in order, as the roster names them.
const STAGES: [(Stage, &str); 6] = [
    (Stage::NonParty, "群众"),
    (Stage::Applicant, "入党申请人"),
    (Stage::Activist, "入党积极分子"),
    (Stage::DevelopmentTarget, "发展对象"),
    (Stage::Probationary, "预备党员"),
    (Stage::Full, "正式党员"),
];

/// The figures' columns after the stages.
pub const FIGURES: [&str; 11] = [
    "联系积极分子",
    "谈话次数",
    "思想汇报",
    "新发展预备党员",
    "转正",
    "按期转正",
    "志愿服务时长",
    "应交记录表",
    "已交记录表",
    "党支部意见",
    "积极分子",
];

/// The header row, repeated on every page.
pub const HEADER_ROW: u32 = 2;

fn numbers(f: &Figures) -> Vec<f64> {
    let mut out: Vec<f64> = STAGES
        .iter()
        .map(|(stage, _)| {
            f.people_by_stage
                .iter()
                .find(|(s, _)| s == stage)
                .map_or(0.0, |(_, n)| f64::from(*n))
        })
        .collect();
    out.extend([
        f64::from(f.activists_contacted),
        f64::from(f.contacts),
        f64::from(f.thought_reports),
        f64::from(f.new_probationary),
        f64::from(f.became_full),
        f64::from(f.became_full_on_time),
        f.volunteer_hours,
        f64::from(f.monthly_records_due),
        f64::from(f.monthly_records_submitted),
        f64::from(f.branch_opinions),
        f64::from(f.activists),
    ]);
    out
}

/// The names of the units a sheet of `stats` lists (read under the state lock, so the
/// sheet itself is written without it).
pub fn unit_names(state: &State, stats: &Statistics) -> HashMap<Uuid, String> {
    std::iter::once(stats.scope)
        .chain(stats.by_unit.iter().map(|(u, _)| *u))
        .filter_map(|u| state.org_unit(u).map(|unit| (u, unit.name.clone())))
        .collect()
}

/// The XLSX bytes of `stats`, the units named by `names`.
pub fn write(names: &HashMap<Uuid, String>, stats: &Statistics) -> Result<Vec<u8>, ExportError> {
    let name = |id: Uuid| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    printable(ws, "统计", HEADER_ROW, HEADER_ROW)?;
    ws.set_landscape();
    let (label, cell) = (label(), cell());
    let columns = 1 + STAGES.len() + FIGURES.len();
    let last = u16::try_from(columns - 1).unwrap_or(u16::MAX);
    ws.merge_range(
        0,
        0,
        0,
        last,
        &format!("{} {} 结对帮扶统计", name(stats.scope), stats.period),
        &title(),
    )?;
    ws.merge_range(1, 0, 1, last, &format!("截至 {}", stats.as_of_day), &cell)?;
    ws.set_column_width(0, 18.0)?;
    let headers = std::iter::once("单位")
        .chain(STAGES.iter().map(|(_, n)| *n))
        .chain(FIGURES);
    for (col, text) in headers.enumerate() {
        ws.write_with_format(HEADER_ROW, col as u16, text, &label)?;
    }
    let rows =
        std::iter::once(("合计".to_owned(), &stats.figures)).chain(stats.by_unit.iter().map(|(u, f)| (name(*u), f)));
    for (i, (unit, figures)) in rows.enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        ws.write_with_format(row, 0, unit, &cell)?;
        for (col, n) in numbers(figures).into_iter().enumerate() {
            ws.write_with_format(row, 1 + col as u16, n, &cell)?;
        }
    }
    Ok(book.save_to_buffer()?)
}
