//! The roster template (`GET /exports/templates/people.xlsx`): sheet 花名册 with the header
//! row and one example row, and sheet 填写说明 explaining each column and the 政治面貌 values
//! the import accepts. Every header and every value comes from `domain::roster`, so the
//! template says what the import reads.

use crate::exports::ExportError;
use domain::roster::{Column, STAGE_NAMES, stage_name};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook};

/// The example row, in [`Column::ALL`]'s order (the date is written as an Excel date).
const EXAMPLE: [&str; 9] = [
    "2025010001",
    "张三",
    "入党积极分子",
    "2025-09-01",
    "计科2501班",
    "计算机学院学生第一党支部",
    "13800138000",
    "zhangsan@example.edu.cn",
    "是",
];

/// The template as XLSX bytes.
pub fn write() -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold().set_border(FormatBorder::Thin);
    // Text, so a number keeps its leading zeros and a phone number its digits.
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");

    let roster = workbook.add_worksheet();
    roster.set_name("花名册")?;
    for (column, index) in Column::ALL.iter().zip(0u16..) {
        roster.write_string_with_format(0, index, column.header(), &header)?;
        roster.set_column_width(index, 16)?;
        match column {
            Column::StageSince => {
                roster.set_column_format(index, &date)?;
                roster.write_date_with_format(1, index, &ExcelDateTime::from_ymd(2025, 9, 1)?, &date)?;
            }
            _ => {
                roster.set_column_format(index, &text)?;
                roster.write_string_with_format(1, index, EXAMPLE[usize::from(index)], &text)?;
            }
        }
    }
    roster.set_freeze_panes(1, 0)?;

    let help = workbook.add_worksheet();
    help.set_name("填写说明")?;
    help.set_column_width(0, 16)?;
    help.set_column_width(1, 90)?;
    help.write_string_with_format(0, 0, "列", &header)?;
    help.write_string_with_format(0, 1, "填写说明", &header)?;
    let mut row = 1;
    for column in Column::ALL {
        help.write_string(row, 0, column.header())?;
        help.write_string(row, 1, column.explanation())?;
        row += 1;
    }
    row += 1;
    help.write_string_with_format(row, 0, "政治面貌", &header)?;
    help.write_string_with_format(row, 1, "登记为", &header)?;
    for (name, stage) in STAGE_NAMES {
        row += 1;
        help.write_string(row, 0, *name)?;
        help.write_string(row, 1, stage_name(*stage))?;
    }
    row += 2;
    for note in [
        "第1行是表头，各列顺序不限；只有“学号”（或“工号”）和“姓名”必填，其余列可以没有。",
        "任何一行有错，整个文件都不导入；每处错误会注明行号（表头为第1行）、列名和原因。",
        "已登记的学号再次导入时不会重复登记，但各列须与登记一致；阶段的变化请用“变更阶段”记录。",
        "也可以另存为 CSV（UTF-8 或 GBK 编码）导入。",
    ] {
        help.write_string(row, 0, "说明")?;
        help.write_string(row, 1, note)?;
        row += 1;
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The template, read back as an import reads it, is a roster of its one example row.
    #[test]
    fn the_template_reads_back_as_a_roster_of_its_example() {
        let bytes = write().unwrap();
        let sheet = super::super::sheet::read(&bytes).unwrap();
        let headers: Vec<&str> = Column::ALL.iter().map(|c| c.header()).collect();
        assert_eq!(sheet.header, headers);
        assert_eq!(sheet.rows.len(), 1);
        assert_eq!(sheet.rows[0].cells, EXAMPLE);
        // And the example imports.
        let mut state = domain::State::new();
        let unit = uuid::Uuid::from_u128(1);
        state.apply(&domain::Recorded {
            id: uuid::Uuid::from_u128(2),
            position: 1,
            stream_id: unit,
            stream_version: 1,
            occurred_at: chrono::Utc::now(),
            recorded_at: chrono::Utc::now(),
            actor_id: None,
            idempotency_key: None,
            event: domain::Event::OrgUnitCreated {
                org_unit_id: unit,
                kind: domain::OrgUnitKind::College,
                name: "计算机学院".into(),
                parent_id: None,
            },
        });
        let caller = domain::access::Caller::new(&state, "admin", true);
        let now = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let plan = domain::roster::plan(&state, &caller, unit, &sheet, now, &mut uuid::Uuid::now_v7).unwrap();
        assert_eq!((plan.created, plan.units_created), (1, 2));
    }
}
