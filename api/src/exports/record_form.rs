//! 附件一 「学生党员“一对一”活动情况记录表」 laid out as the seed's form: the pairing's
//! people, one row per contact of the period (at least four, 第一次 … 第四次), the branch's
//! opinions, the secretary's signature line and the form's 备注.

use super::ExportError;
use super::sheet::{cell, label, printable, title};
use domain::forms::{RECORD_FORM_BLOCKS, RecordForm, contact_form_name, ordinal};
use domain::time::shanghai;
use rust_xlsxwriter::Workbook;

/// The form's notes, as seed 000 prints them under 附件一.
pub const NOTES: [&str; 3] = [
    "1、要求用黑色水笔填写，字迹清晰；",
    "2、党员应主动联系结对对象，每个月至少交流一次，填写好本表并归档放入支部档案盒内；",
    "3、通过结对活动对学生进行全方位引导，在思想上进一步提高他们对学习的认识，并积极发挥他们对学习的热情和主动性。",
];

/// The row of the contacts' header (时间, 形式, 效果, 地点), repeated on every page.
pub const CONTACTS_HEADER_ROW: u32 = 5;

/// The XLSX bytes of `form`; `mentee_contact` is 帮扶对象联系方式 when the caller may see it.
pub fn write(form: &RecordForm, mentee_contact: Option<&str>) -> Result<Vec<u8>, ExportError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    printable(ws, "附件一", CONTACTS_HEADER_ROW, CONTACTS_HEADER_ROW)?;
    let (label, cell) = (label(), cell());
    for (col, width) in [(0u16, 10.0), (1, 18.0), (2, 12.0), (3, 36.0), (4, 18.0)] {
        ws.set_column_width(col, width)?;
    }
    ws.merge_range(0, 0, 0, 4, "学生党员“一对一”活动情况记录表", &title())?;
    ws.merge_range(1, 0, 1, 4, &format!("期间：{}", form.period), &cell)?;
    ws.write_with_format(2, 0, "党员姓名", &label)?;
    ws.write_with_format(2, 1, form.mentor_names.join("、"), &cell)?;
    ws.write_with_format(2, 2, "帮扶对象姓名", &label)?;
    ws.merge_range(2, 3, 2, 4, &form.mentee_name, &cell)?;
    ws.write_with_format(3, 0, "党员所在支部", &label)?;
    ws.write_with_format(3, 1, form.mentor_branches.join("、"), &cell)?;
    ws.write_with_format(3, 2, "帮扶对象联系方式", &label)?;
    ws.merge_range(3, 3, 3, 4, mentee_contact.unwrap_or(""), &cell)?;
    ws.write_with_format(4, 0, "帮扶前具体情况", &label)?;
    ws.merge_range(4, 1, 4, 4, form.situation.as_deref().unwrap_or(""), &cell)?;
    for (col, text) in ["交流次数", "时间", "形式", "效果", "地点"].into_iter().enumerate() {
        ws.write_with_format(CONTACTS_HEADER_ROW, col as u16, text, &label)?;
    }
    let mut row = CONTACTS_HEADER_ROW + 1;
    for n in 0..form.contacts.len().max(RECORD_FORM_BLOCKS) {
        ws.write_with_format(row, 0, ordinal(n + 1), &label)?;
        let (time, kind, effect, place) = match form.contacts.get(n) {
            Some(c) => (
                c.occurred_at
                    .with_timezone(&shanghai())
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                contact_form_name(c.form).to_owned(),
                c.effect.clone().unwrap_or_default(),
                c.place.clone().unwrap_or_default(),
            ),
            None => Default::default(),
        };
        for (col, text) in [(1u16, time), (2, kind), (3, effect), (4, place)] {
            ws.write_with_format(row, col, text, &cell)?;
        }
        row += 1;
    }
    // One row per month: an opinion may be 5,000 characters, a cell holds 32,767.
    let opinions: Vec<String> = form.branch_opinions.iter().map(|(m, o)| format!("{m}：{o}")).collect();
    let first = row;
    for opinion in opinions
        .iter()
        .map(String::as_str)
        .chain(opinions.is_empty().then_some(""))
    {
        ws.merge_range(row, 1, row, 4, opinion, &cell)?;
        ws.set_row_height(row, 40.0)?;
        row += 1;
    }
    if row - 1 > first {
        ws.merge_range(first, 0, row - 1, 0, "党支部意见", &label)?;
    } else {
        ws.write_with_format(first, 0, "党支部意见", &label)?;
    }
    ws.merge_range(row, 0, row, 4, "支部书记签名：", &cell)?;
    row += 2;
    ws.write(row, 0, "备注：")?;
    for note in NOTES {
        row += 1;
        ws.merge_range(row, 0, row, 4, note, &rust_xlsxwriter::Format::new().set_text_wrap())?;
    }
    Ok(book.save_to_buffer()?)
}
