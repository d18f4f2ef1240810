//! A roster file's bytes as a [`Sheet`] of text cells: XLSX (read with `calamine`, its
//! first worksheet) or CSV (read with `csv`), told apart by the bytes — an XLSX is a ZIP,
//! `PK\x03\x04` — never by the name. CSV text is UTF-8 (with or without a BOM) when it is
//! valid UTF-8, else GBK (decoded with `encoding_rs`), as Excel saves it on a Chinese
//! Windows.
//!
//! Everything is bounded before it is held: the file's bytes ([`MAX_IMPORT_BYTES`], checked
//! by the caller), an XLSX's unpacked size ([`MAX_UNPACKED_BYTES`], measured by unpacking
//! each entry once with a cap, so a ZIP bomb stops at the cap), its entries
//! ([`MAX_ENTRIES`]), the columns read ([`MAX_COLUMNS`]) and the rows
//! ([`domain::roster::MAX_ROWS`] and one more, so the domain can say there are too many).

use calamine::{DataRef, Reader, Xlsx};
use domain::roster::{MAX_ROWS, Sheet, SheetRow};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Largest roster file (a 10,000-row roster is well under 2 MiB as XLSX or CSV).
pub const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;
/// Most bytes an XLSX may unpack to, all its entries together.
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// Most entries in an XLSX's ZIP (a workbook has a dozen or two).
pub const MAX_ENTRIES: usize = 1_000;
/// Columns read from each row; cells further right are ignored.
pub const MAX_COLUMNS: usize = 64;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// An old binary Excel file (.xls), an OLE compound document.
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Why a file is not read as a roster; said to the person who sent it, in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("文件是空的")]
    Empty,
    #[error("文件超过{} MiB，请分成几个文件导入", MAX_IMPORT_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("旧版 Excel 文件（.xls）无法读取：请另存为 .xlsx 或 CSV 后再导入")]
    LegacyXls,
    #[error("不是可读的 XLSX 文件：{0}")]
    Xlsx(String),
    #[error("XLSX 文件解压后超过{} MiB，或包含过多条目", MAX_UNPACKED_BYTES / (1024 * 1024))]
    Unpacked,
    #[error("工作簿里没有工作表")]
    NoWorksheet,
    #[error("CSV 文件既不是 UTF-8 也不是 GBK 编码，请另存为“CSV UTF-8”后再导入")]
    Encoding,
    #[error("不是可读的 CSV 文件：{0}")]
    Csv(String),
}

/// Reads a roster file.
pub fn read(bytes: &[u8]) -> Result<Sheet, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(FileError::TooLarge);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        read_xlsx(bytes)
    } else if bytes.starts_with(OLE_MAGIC) {
        Err(FileError::LegacyXls)
    } else {
        read_csv(bytes)
    }
}

/// Unpacks every entry once, counting, and stops at the caps.
fn check_unpacked(bytes: &[u8]) -> Result<(), FileError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| FileError::Xlsx(e.to_string()))?;
    if archive.len() > MAX_ENTRIES {
        return Err(FileError::Unpacked);
    }
    let mut left = MAX_UNPACKED_BYTES;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(|e| FileError::Xlsx(e.to_string()))?;
        let read = std::io::copy(&mut entry.take(left + 1), &mut std::io::sink())
            .map_err(|e| FileError::Xlsx(e.to_string()))?;
        left = left.checked_sub(read).ok_or(FileError::Unpacked)?;
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, FileError> {
    check_unpacked(bytes)?;
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| FileError::Xlsx(e.to_string()))?;
    let name = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or(FileError::NoWorksheet)?;
    let mut cells = workbook
        .worksheet_cells_reader(&name)
        .map_err(|e| FileError::Xlsx(e.to_string()))?;
    // Row index (0-based) → cells; rows arrive in order, but a map does not rely on it.
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(|e| FileError::Xlsx(e.to_string()))? {
        let (row, column) = cell.get_position();
        let column = column as usize;
        if column >= MAX_COLUMNS {
            continue;
        }
        let text = cell_text(cell.get_value());
        if text.trim().is_empty() {
            continue;
        }
        if !rows.contains_key(&row) && rows.len() > MAX_ROWS + 1 {
            // The header, MAX_ROWS rows and one more: enough to refuse the file.
            break;
        }
        let cells = rows.entry(row).or_default();
        if cells.len() <= column {
            cells.resize(column + 1, String::new());
        }
        cells[column] = text;
    }
    let header = rows.remove(&0).unwrap_or_default();
    Ok(Sheet {
        header,
        rows: rows
            .into_iter()
            .map(|(index, cells)| SheetRow {
                number: index.saturating_add(1),
                cells,
            })
            .collect(),
    })
}

/// A cell as the text a person sees in it: whole numbers without a fraction (a 学号 or a
/// phone number typed as a number), dates as `YYYY-MM-DD`, booleans as 是 / 否.
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(text) => text.clone(),
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(true) => "是".to_owned(),
        DataRef::Bool(false) => "否".to_owned(),
        DataRef::DateTime(at) if at.is_datetime() => {
            let (year, month, day, ..) = at.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02}")
        }
        DataRef::DateTime(at) => at.as_f64().to_string(),
        DataRef::DateTimeIso(text) => iso_day(text),
        DataRef::DurationIso(text) => text.clone(),
        DataRef::Error(error) => error.to_string(),
    }
}

/// The day of an ISO 8601 date or date-time (`2025-09-01T00:00:00`), else the text.
fn iso_day(text: &str) -> String {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.date()))
        .map_or_else(|_| text.to_owned(), |day| day.to_string())
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, FileError> {
    // Line ends as `\n` alone, so a row's number counts them one way (the csv reader would
    // split a CRLF between two records' positions).
    let text = decode(bytes)?.replace("\r\n", "\n").replace('\r', "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut header = None;
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // The row a spreadsheet shows it in: the csv reader skips empty lines, a spreadsheet
    // counts them. The lines a record consumed, less its own terminator and the line breaks
    // inside its quoted cells, are the empty lines skipped before it.
    let (mut row, mut from) = (0u64, 0usize);
    while reader
        .read_record(&mut record)
        .map_err(|e| FileError::Csv(e.to_string()))?
    {
        let to = usize::try_from(reader.position().byte()).unwrap_or(usize::MAX);
        let consumed = text.as_bytes().get(from..to).unwrap_or_default();
        from = to;
        let breaks = consumed.iter().filter(|b| **b == b'\n').count();
        let inside: usize = record.iter().map(|cell| cell.matches('\n').count()).sum();
        let ended = usize::from(consumed.last() == Some(&b'\n'));
        row += 1 + breaks.saturating_sub(inside + ended) as u64;
        let cells: Vec<String> = record.iter().take(MAX_COLUMNS).map(str::to_owned).collect();
        if header.is_none() {
            header = Some(cells);
            continue;
        }
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(SheetRow {
            number: u32::try_from(row).unwrap_or(u32::MAX),
            cells,
        });
        if rows.len() > MAX_ROWS {
            break;
        }
    }
    Ok(Sheet {
        header: header.unwrap_or_default(),
        rows,
    })
}

/// UTF-8 (a BOM dropped) when the bytes are UTF-8, else GBK; neither is refused.
fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, FileError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.into());
    }
    encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or(FileError::Encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_utf8_with_a_bom_and_in_gbk_read_the_same() {
        let text = "学号,姓名\n2023001,张三\n\n2023002,\"李,四\"\n";
        let plain = read(text.as_bytes()).unwrap();
        let mut bom = UTF8_BOM.to_vec();
        bom.extend_from_slice(text.as_bytes());
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&gbk).is_err(), "GBK bytes are not UTF-8");
        for sheet in [read(&bom).unwrap(), read(&gbk).unwrap()] {
            assert_eq!(sheet, plain);
        }
        assert_eq!(plain.header, ["学号", "姓名"]);
        // Row numbers are the spreadsheet's: the blank line 3 is skipped.
        let numbers: Vec<u32> = plain.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 4]);
        assert_eq!(plain.rows[1].cells, ["2023002", "李,四"]);
        // A cell over two lines is one row; CRLF and no final newline change nothing.
        let sheet = read("学号,姓名\r\n1,\"甲\r\n乙\"\r\n\r\n\r\n2,丙".as_bytes()).unwrap();
        let numbers: Vec<u32> = sheet.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [2, 5]);
    }

    #[test]
    fn neither_utf8_nor_gbk_nor_an_old_xls_is_read() {
        assert!(matches!(read(&[0x81, 0x20, 0xFF]), Err(FileError::Encoding)));
        assert!(matches!(read(OLE_MAGIC), Err(FileError::LegacyXls)));
        assert!(matches!(read(b""), Err(FileError::Empty)));
        assert!(matches!(read(b"PK\x03\x04 not really a zip"), Err(FileError::Xlsx(_))));
        assert!(matches!(
            read(&vec![b'a'; MAX_IMPORT_BYTES + 1]),
            Err(FileError::TooLarge)
        ));
    }

    #[test]
    fn a_zip_that_unpacks_past_the_cap_is_refused_before_it_is_parsed() {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/sharedStrings.xml", options).unwrap();
        let zeros = vec![b'0'; 1024 * 1024];
        for _ in 0..=(MAX_UNPACKED_BYTES / (1024 * 1024)) {
            zip.write_all(&zeros).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert!(bytes.len() < MAX_IMPORT_BYTES, "{} bytes", bytes.len());
        assert!(matches!(read(&bytes), Err(FileError::Unpacked)));
    }

    #[test]
    fn cells_read_as_people_see_them() {
        assert_eq!(cell_text(&DataRef::Float(2023001.0)), "2023001");
        assert_eq!(cell_text(&DataRef::Float(1.5)), "1.5");
        assert_eq!(cell_text(&DataRef::Bool(true)), "是");
        let day = calamine::ExcelDateTime::new(45901.0, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(cell_text(&DataRef::DateTime(day)), "2025-09-01");
        assert_eq!(iso_day("2025-09-01T00:00:00"), "2025-09-01");
    }
}
