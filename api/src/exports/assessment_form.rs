//! 附件二 「量化考核表」 laid out as seed 000's form: 班级, 姓名, 学号; a row per item with
//! 项目, 考评内容, 分值, 评分标准, the computed score and the 自评 / 组织部考评 / 支部考评
//! columns; 总分. Any rubric prints this way, not only the seed's.

use super::ExportError;
use super::sheet::{cell, label, printable, title};
use domain::forms::AssessmentForm;
use rust_xlsxwriter::Workbook;

/// The columns, in order.
pub const HEADER: [&str; 8] = [
    "项目",
    "考评内容",
    "分值",
    "评分标准",
    "得分",
    "自评",
    "组织部考评",
    "支部考评",
];

/// The header row, repeated on every page.
pub const HEADER_ROW: u32 = 2;

/// The XLSX bytes of `form`.
pub fn write(form: &AssessmentForm) -> Result<Vec<u8>, ExportError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    printable(ws, "附件二", HEADER_ROW, HEADER_ROW)?;
    let (label, cell) = (label(), cell());
    for (col, width) in [
        (0u16, 10.0),
        (1, 14.0),
        (2, 6.0),
        (3, 48.0),
        (4, 7.0),
        (5, 7.0),
        (6, 10.0),
        (7, 8.0),
    ] {
        ws.set_column_width(col, width)?;
    }
    ws.merge_range(0, 0, 0, 7, &form.title, &title())?;
    let who = format!(
        "班级：{}    姓名：{}    学号：{}    期间：{}",
        form.classes.join("、"),
        form.name,
        form.number,
        form.assessment.period
    );
    ws.merge_range(1, 0, 1, 7, &who, &cell)?;
    for (col, text) in HEADER.into_iter().enumerate() {
        ws.write_with_format(HEADER_ROW, col as u16, text, &label)?;
    }
    let mut row = HEADER_ROW;
    for r in &form.rows {
        row += 1;
        ws.write_with_format(row, 0, &r.section, &cell)?;
        ws.write_with_format(row, 1, &r.title, &cell)?;
        ws.write_with_format(row, 2, r.max, &cell)?;
        ws.write_with_format(row, 3, r.standard.as_deref().unwrap_or(""), &cell)?;
        ws.write_with_format(row, 4, r.computed, &cell)?;
        for (col, score) in [(5u16, r.self_assessment), (6, r.organization), (7, r.branch)] {
            match score {
                Some(s) => ws.write_with_format(row, col, s, &cell)?,
                None => ws.write_with_format(row, col, "", &cell)?,
            };
        }
    }
    row += 1;
    ws.merge_range(row, 0, row, 3, "总分", &label)?;
    ws.write_with_format(row, 4, form.assessment.total, &cell)?;
    ws.merge_range(row, 5, row, 7, "", &cell)?;
    Ok(book.save_to_buffer()?)
}
