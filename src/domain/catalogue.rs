//! A catalogue file of many registrations: a 政务数据目录 exported as CSV or as an Excel
//! `.xlsx` sheet, one resource a row, its columns named as the catalogue names them (or by the
//! materials' dotted paths); or JSON lines, one materials message in proto3 JSON a line. It is
//! read into materials with every problem of every row, before anything is created. Each row's
//! request id is a digest of its materials, so a row sent twice makes one draft.
//!
//! The columns of a CSV file or a sheet:
//!
//! | column | field |
//! |---|---|
//! | 数据名称 | `resource.name` |
//! | 内容摘要 (摘要) | `resource.summary` |
//! | 数据类型 | `resource.data_type`: 公共数据资源, 数据产品和服务, 开放数据资源 (or 1, 2, 3) |
//! | 所属行业 (行业) | `resource.industry` |
//! | 数据形态 | `resource.format` |
//! | 数据项 | `resource.fields`: `名称|类型|说明`, items split by `；` or `;` |
//! | 数据规模, 时间范围, 更新频率, 存储位置, 数据分类 | `resource.volume`, `time_span`, `update_frequency`, `storage_location`, `classification` |
//! | 数据分级 | `resource.grade`: 一般, 重要, 核心 |
//! | 开放方式 | `resource.access_mode`: 开放, 共享, 授权运营, 依申请 |
//! | 登记主体, 统一社会信用代码, 主体类型, 行政区划代码 | `subject.name`, `credit_code`, `kind` (党政机关, 事业单位, 授权运营机构), `region` |
//! | 联系人, 联系电话, 电子邮箱 | `subject.contact.name`, `phone`, `email` |
//! | 来源依据, 履职依据 | `source.basis` (依法履职, 授权运营), `source.statutory_duty` |
//! | 安全评估结论, 含个人信息, 含重要数据, 去标识化措施 | `security.*` (是 / 否) |
use super::materials::{Field, Materials, Violation};
use super::types::{AccessMode, DataGrade, DataType, SourceBasis, SubjectKind};
use sha2::{Digest, Sha256};

/// The columns a catalogue may have: its names, and the field each fills.
const COLUMNS: &[(&[&str], &str)] = &[
    (&["数据名称", "resource.name"], "resource.name"),
    (
        &["内容摘要", "摘要", "resource.summary"],
        "resource.summary",
    ),
    (&["数据类型", "resource.data_type"], "resource.data_type"),
    (
        &["所属行业", "行业", "resource.industry"],
        "resource.industry",
    ),
    (&["数据形态", "resource.format"], "resource.format"),
    (&["数据项", "resource.fields"], "resource.fields"),
    (&["数据规模", "resource.volume"], "resource.volume"),
    (&["时间范围", "resource.time_span"], "resource.time_span"),
    (
        &["更新频率", "resource.update_frequency"],
        "resource.update_frequency",
    ),
    (
        &["存储位置", "resource.storage_location"],
        "resource.storage_location",
    ),
    (
        &["数据分类", "resource.classification"],
        "resource.classification",
    ),
    (&["数据分级", "resource.grade"], "resource.grade"),
    (
        &["开放方式", "resource.access_mode"],
        "resource.access_mode",
    ),
    (&["登记主体", "subject.name"], "subject.name"),
    (
        &["统一社会信用代码", "subject.credit_code"],
        "subject.credit_code",
    ),
    (&["主体类型", "subject.kind"], "subject.kind"),
    (&["行政区划代码", "subject.region"], "subject.region"),
    (&["联系人", "subject.contact.name"], "subject.contact.name"),
    (
        &["联系电话", "subject.contact.phone"],
        "subject.contact.phone",
    ),
    (
        &["电子邮箱", "subject.contact.email"],
        "subject.contact.email",
    ),
    (&["来源依据", "source.basis"], "source.basis"),
    (
        &["履职依据", "source.statutory_duty"],
        "source.statutory_duty",
    ),
    (
        &["安全评估结论", "security.conclusion"],
        "security.conclusion",
    ),
    (
        &["含个人信息", "security.contains_personal_information"],
        "security.contains_personal_information",
    ),
    (
        &["含重要数据", "security.contains_important_data"],
        "security.contains_important_data",
    ),
    (
        &["去标识化措施", "security.deidentification_measures"],
        "security.deidentification_measures",
    ),
];

/// Why a catalogue file cannot be read at all (its rows' problems are [`Row::problems`]).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogueError {
    #[error("the catalogue is not CSV of UTF-8 text: {0}")]
    NotCsv(String),
    #[error("the catalogue is not an Excel .xlsx workbook: {0}")]
    NotXlsx(String),
    #[error("the catalogue is not UTF-8 text: {0}")]
    NotText(String),
    #[error("the workbook unpacks to {unpacked} bytes, more than the {limit} an import of this many rows takes")]
    TooLarge { unpacked: u64, limit: u64 },
    #[error("the catalogue has a column {0:?} that no field takes (see the column table)")]
    UnknownColumn(String),
    #[error("the catalogue has no 数据名称 column")]
    NoNameColumn,
    #[error("the catalogue has {rows} rows, more than the {max} one import takes")]
    TooManyRows { rows: usize, max: usize },
}

impl CatalogueError {
    pub fn reason(&self) -> &'static str {
        match self {
            CatalogueError::TooManyRows { .. } => "IMPORT_TOO_MANY_ROWS",
            CatalogueError::TooLarge { .. } => "CATALOGUE_TOO_LARGE",
            _ => "CATALOGUE_INVALID",
        }
    }
}

/// One row of the catalogue as materials, with its problems (none: it can become a draft).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its line in the file (the header is line 1).
    pub line: usize,
    pub materials: Materials,
    pub problems: Vec<Violation>,
}

impl Row {
    /// The request id that creates this row's draft: the same materials, the same draft.
    pub fn request_id(&self) -> String {
        let json = serde_json::to_vec(&self.materials).unwrap_or_default();
        format!("import-{}", &hex::encode(Sha256::digest(&json))[..32])
    }
}

fn pick<T: Copy>(
    field: &str,
    value: &str,
    choices: &[(&str, T)],
    bad: &mut Vec<Violation>,
) -> Option<T> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    let found = choices.iter().find(|(name, _)| *name == v).map(|(_, t)| *t);
    if found.is_none() {
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        bad.push(Violation {
            field: field.to_string(),
            reason: "UNKNOWN_ENUM_VALUE".into(),
            message: format!(
                "{field}: {} is not one of {}",
                super::flow::echo(v),
                names.join("、")
            ),
        });
    }
    found
}

fn yes(field: &str, value: &str, bad: &mut Vec<Violation>) -> bool {
    pick(
        field,
        value,
        &[
            ("是", true),
            ("否", false),
            ("true", true),
            ("false", false),
        ],
        bad,
    )
    .unwrap_or(false)
}

/// Fills the field `key` of `m` from a cell.
fn fill(m: &mut Materials, key: &str, cell: &str, bad: &mut Vec<Violation>) {
    let s = cell.trim().to_string();
    let r = &mut m.resource;
    match key {
        "resource.name" => r.name = s,
        "resource.summary" => r.summary = s,
        "resource.data_type" => {
            r.data_type = pick(
                key,
                &s,
                &[
                    (
                        DataType::PublicDataResource.label_zh(),
                        DataType::PublicDataResource,
                    ),
                    (
                        DataType::DataProductOrService.label_zh(),
                        DataType::DataProductOrService,
                    ),
                    (
                        DataType::OpenDataResource.label_zh(),
                        DataType::OpenDataResource,
                    ),
                    ("1", DataType::PublicDataResource),
                    ("2", DataType::DataProductOrService),
                    ("3", DataType::OpenDataResource),
                ],
                bad,
            )
        }
        "resource.industry" => r.industry = s,
        "resource.format" => r.format = s,
        "resource.fields" => {
            r.fields = s
                .split(['；', ';'])
                .map(str::trim)
                .filter(|i| !i.is_empty())
                .map(|i| {
                    let mut p = i.splitn(3, '|').map(|p| p.trim().to_string());
                    Field {
                        name: p.next().unwrap_or_default(),
                        r#type: p.next().unwrap_or_default(),
                        description: p.next().unwrap_or_default(),
                    }
                })
                .collect()
        }
        "resource.volume" => r.volume = s,
        "resource.time_span" => r.time_span = s,
        "resource.update_frequency" => r.update_frequency = s,
        "resource.storage_location" => r.storage_location = s,
        "resource.classification" => r.classification = s,
        "resource.grade" => {
            r.grade = pick(
                key,
                &s,
                &[
                    ("一般", DataGrade::General),
                    ("重要", DataGrade::Important),
                    ("核心", DataGrade::Core),
                ],
                bad,
            )
        }
        "resource.access_mode" => {
            r.access_mode = pick(
                key,
                &s,
                &[
                    (AccessMode::Open.label_zh(), AccessMode::Open),
                    (AccessMode::Shared.label_zh(), AccessMode::Shared),
                    (
                        AccessMode::AuthorisedOperation.label_zh(),
                        AccessMode::AuthorisedOperation,
                    ),
                    (
                        AccessMode::OnApplication.label_zh(),
                        AccessMode::OnApplication,
                    ),
                ],
                bad,
            )
        }
        "subject.name" => m.subject.name = s,
        "subject.credit_code" => m.subject.credit_code = s,
        "subject.kind" => {
            m.subject.kind = pick(
                key,
                &s,
                &[
                    (
                        SubjectKind::GovernmentDepartment.label_zh(),
                        SubjectKind::GovernmentDepartment,
                    ),
                    (
                        SubjectKind::PublicInstitution.label_zh(),
                        SubjectKind::PublicInstitution,
                    ),
                    (
                        SubjectKind::AuthorisedOperator.label_zh(),
                        SubjectKind::AuthorisedOperator,
                    ),
                ],
                bad,
            )
        }
        "subject.region" => m.subject.region = s,
        "subject.contact.name" => m.subject.contact.name = s,
        "subject.contact.phone" => m.subject.contact.phone = s,
        "subject.contact.email" => m.subject.contact.email = s,
        "source.basis" => {
            m.source.basis = pick(
                key,
                &s,
                &[
                    ("依法履职", SourceBasis::StatutoryDuty),
                    ("授权运营", SourceBasis::AuthorisationAgreement),
                ],
                bad,
            )
        }
        "source.statutory_duty" => m.source.statutory_duty = s,
        "security.conclusion" => m.security.conclusion = s,
        "security.contains_personal_information" => {
            m.security.contains_personal_information = yes(key, &s, bad)
        }
        "security.contains_important_data" => {
            m.security.contains_important_data = yes(key, &s, bad)
        }
        "security.deidentification_measures" => m.security.deidentification_measures = s,
        _ => {}
    }
}

/// The kinds of catalogue file, told apart by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    /// Excel's `.xlsx` (a zip archive): the first sheet, its first row the header.
    Xlsx,
    /// One materials message in proto3 JSON a line (`sjdj app create --materials` format).
    JsonLines,
}

impl Format {
    pub fn of(file: &[u8]) -> Format {
        let text = file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(file);
        if text.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else if text.trim_ascii_start().starts_with(b"{") {
            Format::JsonLines
        } else {
            Format::Csv
        }
    }
}

/// How many unpacked bytes an `.xlsx` may hold for each row an import takes: far more than a
/// row of text needs, and a bound on what a small archive can make the node inflate.
pub const XLSX_BYTES_PER_ROW: u64 = 64 * 1024;

/// Reads a catalogue file of any [`Format`]: every row as materials with its problems, at most
/// `max_rows` rows. A row for another subject than `subject` (the registrant's) is a problem; a
/// row naming none is filled in with it. `materials_json` reads one line of JSON lines (the
/// wire format lives above the domain).
pub fn read(
    file: &[u8],
    subject: &str,
    max_rows: usize,
    materials_json: impl Fn(&str) -> Result<Materials, String>,
) -> Result<Vec<Row>, CatalogueError> {
    match Format::of(file) {
        Format::Csv => read_csv(file, subject, max_rows),
        Format::Xlsx => read_xlsx(file, subject, max_rows),
        Format::JsonLines => read_json_lines(file, subject, max_rows, materials_json),
    }
}

/// Reads a CSV catalogue (see [`read`]).
pub fn read_csv(text: &[u8], subject: &str, max_rows: usize) -> Result<Vec<Row>, CatalogueError> {
    // A spreadsheet's export often starts with a byte-order mark.
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text);
    let headers = reader
        .headers()
        .map_err(|e| CatalogueError::NotCsv(e.to_string()))?
        .clone();
    let mut table = Table::new(headers.iter(), subject, max_rows)?;
    for record in reader.records() {
        let record = record.map_err(|e| CatalogueError::NotCsv(e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        table.row(line, record.iter())?;
    }
    Ok(table.rows)
}

/// Reads an `.xlsx` catalogue's first sheet (see [`read`]); numbers are read as written
/// (`1` for a data type of 1, a phone number's digits).
pub fn read_xlsx(file: &[u8], subject: &str, max_rows: usize) -> Result<Vec<Row>, CatalogueError> {
    use calamine::Reader;
    let bad = |e: &dyn std::fmt::Display| CatalogueError::NotXlsx(e.to_string());
    // The archive's entries say how large they unpack; refuse before inflating too much.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(file)).map_err(|e| bad(&e))?;
    let limit = (max_rows as u64)
        .saturating_add(1)
        .saturating_mul(XLSX_BYTES_PER_ROW);
    let mut unpacked = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| bad(&e))?;
        unpacked = unpacked.saturating_add(entry.size());
    }
    if unpacked > limit {
        return Err(CatalogueError::TooLarge { unpacked, limit });
    }
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(file))
        .map_err(|e: calamine::XlsxError| bad(&e))?;
    let sheet = book
        .worksheet_range_at(0)
        .ok_or_else(|| CatalogueError::NotXlsx("the workbook has no sheet".into()))?
        .map_err(|e| bad(&e))?;
    // The range starts at its first cell that holds anything: lines count from the sheet's top.
    let top = sheet.start().map_or(0, |(row, _)| row as usize);
    let mut rows = sheet.rows();
    let header: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .unwrap_or_default();
    let mut table = Table::new(header.iter().map(String::as_str), subject, max_rows)?;
    for (i, cells) in rows.enumerate() {
        let cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
        table.row(top + i + 2, cells.iter().map(String::as_str))?;
    }
    Ok(table.rows)
}

/// Reads JSON lines of materials (see [`read`]): a line that is not materials is a row with
/// that problem; blank lines are skipped.
pub fn read_json_lines(
    file: &[u8],
    subject: &str,
    max_rows: usize,
    materials_json: impl Fn(&str) -> Result<Materials, String>,
) -> Result<Vec<Row>, CatalogueError> {
    let text = std::str::from_utf8(file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(file))
        .map_err(|e| CatalogueError::NotText(e.to_string()))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        too_many(rows.len(), max_rows)?;
        let (materials, problems) = match materials_json(line) {
            Ok(m) => (m, Vec::new()),
            Err(e) => (
                Materials::default(),
                vec![Violation {
                    field: String::new(),
                    reason: "CATALOGUE_INVALID".into(),
                    message: e,
                }],
            ),
        };
        let unread = !problems.is_empty();
        let mut row = finish(i + 1, materials, problems, subject);
        if unread {
            // Materials that were not read have no problems of their own to add.
            row.problems.truncate(1);
        }
        rows.push(row);
    }
    Ok(rows)
}

fn too_many(rows: usize, max_rows: usize) -> Result<(), CatalogueError> {
    if rows == max_rows {
        return Err(CatalogueError::TooManyRows {
            rows: max_rows + 1,
            max: max_rows,
        });
    }
    Ok(())
}

/// A row's subject filled in or checked, and the materials' own problems added.
fn finish(line: usize, mut m: Materials, mut problems: Vec<Violation>, subject: &str) -> Row {
    if m.subject.credit_code.is_empty() {
        m.subject.credit_code = subject.to_string();
    } else if !subject.is_empty() && m.subject.credit_code != subject {
        problems.push(Violation {
            field: "subject.credit_code".into(),
            reason: "SUBJECT_NOT_ALLOWED".into(),
            message: format!(
                "subject.credit_code {} is not the subject this token acts for",
                super::flow::echo(&m.subject.credit_code)
            ),
        });
    }
    problems.extend(m.check_form().err().unwrap_or_default());
    Row {
        line,
        materials: m,
        problems,
    }
}

/// A table of cells under a header row (CSV or a sheet), read into rows.
struct Table<'a> {
    keys: Vec<&'static str>,
    subject: &'a str,
    max_rows: usize,
    rows: Vec<Row>,
}

impl<'a> Table<'a> {
    fn new<'h>(
        header: impl Iterator<Item = &'h str>,
        subject: &'a str,
        max_rows: usize,
    ) -> Result<Self, CatalogueError> {
        let mut keys = Vec::new();
        for h in header {
            let h = h.trim();
            let key = COLUMNS
                .iter()
                .find(|(names, _)| names.contains(&h))
                .map(|(_, key)| *key)
                .ok_or_else(|| CatalogueError::UnknownColumn(h.to_string()))?;
            keys.push(key);
        }
        if !keys.contains(&"resource.name") {
            return Err(CatalogueError::NoNameColumn);
        }
        Ok(Table {
            keys,
            subject,
            max_rows,
            rows: Vec::new(),
        })
    }

    fn row<'c>(
        &mut self,
        line: usize,
        cells: impl Iterator<Item = &'c str> + Clone,
    ) -> Result<(), CatalogueError> {
        if cells.clone().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        too_many(self.rows.len(), self.max_rows)?;
        let (mut m, mut problems) = (Materials::default(), Vec::new());
        for (key, cell) in self.keys.iter().zip(cells) {
            fill(&mut m, key, cell, &mut problems);
        }
        self.rows.push(finish(line, m, problems, self.subject));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBJECT: &str = "91350100M000100Y43";
    const HEAD: &str =
        "数据名称,内容摘要,数据类型,所属行业,数据项,数据分级,开放方式,统一社会信用代码";

    #[test]
    fn rows_are_read_by_their_columns_with_every_problem_of_each() {
        let text = format!(
            "\u{feff}{HEAD}\n\
             企业登记信息,全市企业登记,公共数据资源,公共管理,企业名称|string|登记名称；代码|string,一般,共享,\n\
             ,缺名称,数据产品和服务,,,,,\n\
             第三项,摘要,什么类型,行业,,极高,共享,91110000802100433B\n"
        );
        let rows = read_csv(text.as_bytes(), SUBJECT, 100).unwrap();
        assert_eq!(rows.len(), 3);
        let first = &rows[0];
        assert_eq!(first.line, 2);
        assert!(first.problems.is_empty(), "{:?}", first.problems);
        assert_eq!(first.materials.resource.fields.len(), 2);
        assert_eq!(
            first.materials.resource.data_type,
            Some(DataType::PublicDataResource)
        );
        assert_eq!(
            first.materials.subject.credit_code, SUBJECT,
            "filled in with the registrant's"
        );
        let third: Vec<&str> = rows[2].problems.iter().map(|p| p.field.as_str()).collect();
        assert!(third.contains(&"resource.data_type"), "{third:?}");
        assert!(third.contains(&"resource.grade"), "{third:?}");
        assert!(
            third.contains(&"subject.credit_code"),
            "another subject's row: {third:?}"
        );
        // The same materials, the same request id; other materials, another.
        assert_eq!(
            rows[0].request_id(),
            read_csv(text.as_bytes(), SUBJECT, 100).unwrap()[0].request_id()
        );
        assert_ne!(rows[0].request_id(), rows[1].request_id());
    }

    #[test]
    fn a_file_that_cannot_be_read_is_refused_whole() {
        assert_eq!(
            read_csv("数据名称,颜色\n甲,红\n".as_bytes(), SUBJECT, 10),
            Err(CatalogueError::UnknownColumn("颜色".into()))
        );
        assert_eq!(
            read_csv("内容摘要\n甲\n".as_bytes(), SUBJECT, 10),
            Err(CatalogueError::NoNameColumn)
        );
        let many = format!("数据名称\n{}", "甲\n".repeat(3));
        assert_eq!(
            read_csv(many.as_bytes(), SUBJECT, 2).unwrap_err().reason(),
            "IMPORT_TOO_MANY_ROWS"
        );
    }

    #[test]
    fn the_kind_of_file_is_told_by_its_first_bytes() {
        assert_eq!(Format::of(b"PK\x03\x04rest"), Format::Xlsx);
        assert_eq!(
            Format::of(b"\xEF\xBB\xBF  {\"resource\":{}}"),
            Format::JsonLines
        );
        assert_eq!(Format::of("数据名称\n甲\n".as_bytes()), Format::Csv);
    }

    #[test]
    fn a_workbook_that_unpacks_too_large_is_refused_before_it_is_inflated() {
        use std::io::Write;
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file(
            "xl/sharedStrings.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(&vec![b' '; 3 * XLSX_BYTES_PER_ROW as usize])
            .unwrap();
        zip.finish().unwrap();
        let refused = read_xlsx(out.get_ref(), SUBJECT, 1).unwrap_err();
        assert_eq!(refused.reason(), "CATALOGUE_TOO_LARGE");
        assert_eq!(
            read_xlsx(b"PK\x03\x04 not an archive", SUBJECT, 1)
                .unwrap_err()
                .reason(),
            "CATALOGUE_INVALID"
        );
    }

    #[test]
    fn json_lines_are_read_by_the_parser_given_and_a_bad_line_is_its_rows_problem() {
        let parse = |line: &str| -> Result<Materials, String> {
            let mut m = Materials::default();
            match line.strip_prefix("name=") {
                Some(name) => {
                    m.resource.name = name.to_string();
                    Ok(m)
                }
                None => Err(format!("not a name: {line}")),
            }
        };
        let rows =
            read_json_lines("name=甲\n\n???\nname=丙\n".as_bytes(), SUBJECT, 10, parse).unwrap();
        let lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 3, 4], "blank lines skipped, lines kept");
        assert!(rows[0].problems.is_empty());
        assert_eq!(rows[0].materials.subject.credit_code, SUBJECT);
        assert_eq!(rows[1].problems.len(), 1, "{:?}", rows[1].problems);
        assert_eq!(rows[1].problems[0].reason, "CATALOGUE_INVALID");
        assert_eq!(
            read_json_lines(b"name=a\nname=b\n", SUBJECT, 1, parse)
                .unwrap_err()
                .reason(),
            "IMPORT_TOO_MANY_ROWS"
        );
    }
}
