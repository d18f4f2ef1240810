//! A sheet a secretary prints: A4 portrait, fitted to one page wide, its header rows
//! repeated on every page, and the few formats the forms share.

use super::ExportError;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet};

/// Excel's paper size code for A4.
const A4: u8 = 9;

/// Sets up `ws` for printing, repeating rows `first..=last` at the top of every page.
pub fn printable(ws: &mut Worksheet, name: &str, first: u32, last: u32) -> Result<(), ExportError> {
    ws.set_name(name)?;
    ws.set_paper_size(A4);
    ws.set_portrait();
    // One page wide, as many pages tall as it takes.
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(first, last)?;
    Ok(())
}

/// The form's title: bold, centred.
pub fn title() -> Format {
    Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center)
}

/// A boxed cell that wraps its text, as the paper forms are ruled.
pub fn cell() -> Format {
    Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter)
}

/// A boxed, bold label cell.
pub fn label() -> Format {
    cell().set_bold().set_align(FormatAlign::Center)
}
