//! Roster import: a roster CSV (one person per row, [`COLUMNS`] in order) is
//! read into [`RosterRow`]s holding validated [`PersonRecord`]s.
//!
//! Problems with the file as a whole (empty, wrong header, unreadable) are a
//! [`RosterError`]. Problems with a row never abort the import: the row is
//! quarantined in [`ParsedRoster::bad`] with every problem found in it, each
//! naming the line, the column and the offending value, and
//! [`write_quarantine`] writes those rows out as CSV for someone to fix.
//!
//! Parsing is pure: input comes from any [`Read`], output goes to any
//! [`Write`]. Date, country, sex and document rules are those of
//! `rollcall-core`; this module only maps cells onto them.

use rollcall_core::Country;
use rollcall_core::person::{Document, Names, PartialDate, PersonRecord, Sex, SourceRow};
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read, Write};

/// The roster columns, exactly these names in this order.
pub const COLUMNS: [&str; 14] = [
    "record_id",
    "full_name",
    "given_name",
    "father_name",
    "grandfather_name",
    "family_name",
    "mother_name",
    "birth_date",
    "birth_place",
    "sex",
    "nationality",
    "document_type",
    "document_number",
    "source",
];

const RECORD_ID: usize = 0;
const FULL_NAME: usize = 1;
const GIVEN_NAME: usize = 2;
const FATHER_NAME: usize = 3;
const GRANDFATHER_NAME: usize = 4;
const FAMILY_NAME: usize = 5;
const MOTHER_NAME: usize = 6;
const BIRTH_DATE: usize = 7;
const BIRTH_PLACE: usize = 8;
const SEX: usize = 9;
const NATIONALITY: usize = 10;
const DOCUMENT_TYPE: usize = 11;
const DOCUMENT_NUMBER: usize = 12;
const SOURCE: usize = 13;

/// Longest cell accepted, in characters, after trimming: the one text limit
/// of every event.
pub const MAX_CELL_CHARS: usize = rollcall_core::limits::MAX_TEXT_CHARS;
/// Longest `record_id` accepted, in characters.
pub const MAX_RECORD_ID_CHARS: usize = 64;
/// How much of a value a [`RowProblem`] shows when displayed.
const SHOWN_VALUE_CHARS: usize = 80;

const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// A roster row that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// The file line the row starts on (the header is line 1).
    pub line: u64,
    /// The row's `record_id`, trimmed.
    pub record_id: String,
    /// The row's `source`, or the roster name when the cell was empty.
    pub source: String,
    /// The person as recorded on the row.
    pub record: PersonRecord,
    /// The cells as read, so a row refused later (say, by a custody rule)
    /// can still be quarantined exactly as it was written.
    pub fields: Vec<String>,
}

impl RosterRow {
    /// Where this row came from, for provenance on the registration.
    pub fn source_row(&self, roster: &str) -> SourceRow {
        SourceRow {
            roster: roster.to_string(),
            record_id: self.record_id.clone(),
            line: Some(self.line),
        }
    }
}

/// One thing wrong with one cell (or, for column `*`, with the row's shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The file line the row starts on.
    pub line: u64,
    /// The column name, or `*` for the row as a whole.
    pub column: String,
    /// The offending value (lossy UTF-8, untruncated).
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}, value {:?}: {}",
            self.line,
            self.column,
            shorten(&self.value),
            self.reason
        )
    }
}

fn shorten(value: &str) -> String {
    match value.char_indices().nth(SHOWN_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_string(),
    }
}

/// A row set aside because of at least one problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantinedRow {
    /// The file line the row starts on.
    pub line: u64,
    /// The cells as read (lossy UTF-8, not trimmed); not necessarily 14 of them.
    pub fields: Vec<String>,
    /// Every problem found in the row, in column order.
    pub problems: Vec<RowProblem>,
}

/// The result of reading a roster: accepted rows and quarantined rows, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedRoster {
    /// Rows that passed every check.
    pub rows: Vec<RosterRow>,
    /// Rows with at least one problem.
    pub bad: Vec<QuarantinedRow>,
}

/// A problem with the roster file as a whole.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    /// No header line at all.
    #[error("roster is empty: it has no header line")]
    Empty,
    /// The header is not exactly [`COLUMNS`]; names the first differing column.
    #[error(
        "roster header has {found:?} where {expected:?} was expected (the header must be exactly {})",
        COLUMNS.join(",")
    )]
    Header {
        /// The first header cell that differs (`(none)` if the header is short).
        found: String,
        /// The column expected there (`(end of header)` if the header is long).
        expected: String,
    },
    /// Reading the roster or writing the quarantine failed.
    #[error("roster I/O: {0}")]
    Io(#[from] io::Error),
    /// The CSV could not be read at all from this line on.
    #[error("roster CSV, line {line}: {reason}")]
    Csv {
        /// The line the reader had reached.
        line: u64,
        /// What went wrong.
        reason: String,
    },
}

impl From<csv::Error> for RosterError {
    fn from(err: csv::Error) -> Self {
        let line = err.position().map_or(0, |p| p.line());
        let reason = err.to_string();
        match err.into_kind() {
            csv::ErrorKind::Io(io) => RosterError::Io(io),
            _ => RosterError::Csv { line, reason },
        }
    }
}

/// Reads a roster. `roster_name` is the source recorded for rows whose
/// `source` cell is empty.
///
/// File-level problems are an `Err`; every data record ends up in exactly one
/// of [`ParsedRoster::rows`] or [`ParsedRoster::bad`].
pub fn parse_roster(mut input: impl Read, roster_name: &str) -> Result<ParsedRoster, RosterError> {
    let mut data = Vec::new();
    input.read_to_end(&mut data)?;
    if data.is_empty() {
        return Err(RosterError::Empty);
    }
    let data = data.strip_prefix(BOM).unwrap_or(&data);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record)? {
        return Err(RosterError::Empty);
    }
    check_header(&record)?;

    let mut lines = LineCounter::new(data);
    let mut parsed = ParsedRoster::default();
    let mut first_seen: HashMap<(String, String), u64> = HashMap::new();
    while reader.read_byte_record(&mut record)? {
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
        match parse_row(&record, line, roster_name, &mut first_seen) {
            Ok(mut row) => {
                row.fields = record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                parsed.rows.push(row)
            }
            Err(problems) => parsed.bad.push(QuarantinedRow {
                line,
                fields: record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
                problems,
            }),
        }
    }
    Ok(parsed)
}

/// File line numbers for records.
///
/// The csv crate's own record positions point where the previous record
/// ended (before a CRLF's `\n` and any blank lines), so the line a record
/// starts on is found here instead: skip the line breaks after that position,
/// then count breaks (`\r\n`, `\n` or a lone `\r`) up to the record's first byte.
struct LineCounter<'a> {
    data: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(data: &'a [u8]) -> LineCounter<'a> {
        LineCounter {
            data,
            offset: 0,
            line: 1,
        }
    }

    /// The line of the record the csv reader reported at byte `position`.
    /// Positions must not decrease between calls.
    fn line_at(&mut self, position: u64) -> u64 {
        let len = self.data.len();
        let mut start = usize::try_from(position).map_or(len, |p| p.min(len));
        while start < len && matches!(self.data[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.offset {
            // Both ends sit on a record's first byte (or the end of the data),
            // so no `\r\n` pair is split between two counts.
            self.line += count_line_breaks(&self.data[self.offset..start]);
            self.offset = start;
        }
        self.line
    }
}

fn count_line_breaks(bytes: &[u8]) -> u64 {
    let mut breaks = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => breaks += 1,
            b'\r' => {
                breaks += 1;
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    breaks
}

/// Writes quarantined rows as CSV: the 14 roster columns, then `line` and
/// `reason` (every problem, joined with `"; "`). A row that had more than 14
/// cells keeps the extra cells in its reason, so nothing read is lost.
pub fn write_quarantine(out: impl Write, bad: &[QuarantinedRow]) -> Result<(), RosterError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(COLUMNS.iter().copied().chain(["line", "reason"]))?;
    for row in bad {
        let mut record: Vec<String> = row.fields.iter().take(COLUMNS.len()).cloned().collect();
        record.resize(COLUMNS.len(), String::new());
        record.push(row.line.to_string());
        let mut reasons: Vec<String> = row.problems.iter().map(ToString::to_string).collect();
        if row.fields.len() > COLUMNS.len() {
            let extra: Vec<String> = row.fields[COLUMNS.len()..]
                .iter()
                .map(|f| format!("{f:?}"))
                .collect();
            reasons.push(format!(
                "cells beyond column {}: {}",
                COLUMNS.len(),
                extra.join(", ")
            ));
        }
        record.push(reasons.join("; "));
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(())
}

fn check_header(record: &csv::ByteRecord) -> Result<(), RosterError> {
    let found: Vec<String> = record
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
    for i in 0..found.len().max(COLUMNS.len()) {
        let (got, want) = (found.get(i).map(String::as_str), COLUMNS.get(i).copied());
        if got != want {
            return Err(RosterError::Header {
                found: got.unwrap_or("(none)").to_string(),
                expected: want.unwrap_or("(end of header)").to_string(),
            });
        }
    }
    Ok(())
}

/// The cells of one row: `Some(trimmed)` when readable, `None` when a problem
/// with the cell itself (bad UTF-8, too long) has already been recorded.
struct Cells<'a> {
    line: u64,
    cells: Vec<Option<&'a str>>,
    problems: Vec<(usize, RowProblem)>,
}

impl<'a> Cells<'a> {
    fn read(record: &'a csv::ByteRecord, line: u64) -> Cells<'a> {
        let mut cells = Cells {
            line,
            cells: Vec::with_capacity(COLUMNS.len()),
            problems: Vec::new(),
        };
        for (col, raw) in record.iter().enumerate() {
            let cell = match std::str::from_utf8(raw) {
                Err(e) => {
                    cells.problem(
                        col,
                        &String::from_utf8_lossy(raw),
                        format!("not valid UTF-8 (bad byte at offset {})", e.valid_up_to()),
                    );
                    None
                }
                Ok(s) => {
                    let s = s.trim();
                    // The text rules of every event: no control characters
                    // (a quoted newline would forge a line in a listing), no
                    // bidi overrides, at most MAX_CELL_CHARS characters.
                    match rollcall_core::limits::text_problem(s) {
                        Ok(()) => Some(s),
                        Err(problem) => {
                            cells.problem(col, s, problem.to_string());
                            None
                        }
                    }
                }
            };
            cells.cells.push(cell);
        }
        cells
    }

    fn problem(&mut self, col: usize, value: &str, reason: String) {
        self.problems.push((
            col,
            RowProblem {
                line: self.line,
                column: COLUMNS[col].to_string(),
                value: value.to_string(),
                reason,
            },
        ));
    }

    fn get(&self, col: usize) -> Option<&'a str> {
        self.cells[col]
    }

    /// A readable, non-empty cell as an owned string.
    fn optional(&self, col: usize) -> Option<String> {
        self.get(col).filter(|s| !s.is_empty()).map(str::to_string)
    }

    /// A readable cell that must not be empty.
    fn required(&mut self, col: usize) -> Option<&'a str> {
        match self.get(col) {
            Some("") => {
                self.problem(col, "", format!("{} is required", COLUMNS[col]));
                None
            }
            other => other,
        }
    }
}

fn parse_row(
    record: &csv::ByteRecord,
    line: u64,
    roster_name: &str,
    first_seen: &mut HashMap<(String, String), u64>,
) -> Result<RosterRow, Vec<RowProblem>> {
    if record.len() != COLUMNS.len() {
        return Err(vec![RowProblem {
            line,
            column: "*".to_string(),
            value: record.len().to_string(),
            reason: format!("expected {} columns, found {}", COLUMNS.len(), record.len()),
        }]);
    }
    let mut cells = Cells::read(record, line);

    let record_id = cells.required(RECORD_ID).and_then(|id| {
        let mut ok = true;
        let chars = id.chars().count();
        if chars > MAX_RECORD_ID_CHARS {
            cells.problem(
                RECORD_ID,
                id,
                format!("{chars} characters, more than the {MAX_RECORD_ID_CHARS} allowed"),
            );
            ok = false;
        }
        if id.chars().any(char::is_control) {
            cells.problem(RECORD_ID, id, "contains a control character".to_string());
            ok = false;
        }
        ok.then_some(id)
    });

    let full_name = cells.required(FULL_NAME);
    let mut names = Names {
        given: cells.optional(GIVEN_NAME),
        father: cells.optional(FATHER_NAME),
        grandfather: cells.optional(GRANDFATHER_NAME),
        family: cells.optional(FAMILY_NAME),
        mother: cells.optional(MOTHER_NAME),
        ..Names::default()
    };
    if let Some(full) = full_name {
        names.full = full.to_string();
        if full.chars().any(is_arabic_script) {
            names.arabic = Some(full.to_string());
        } else {
            names.latin.push(full.to_string());
        }
    }

    let birth_date = match cells.get(BIRTH_DATE) {
        Some("") | None => None,
        Some(s) => match PartialDate::parse(s) {
            Ok(d) => Some(d),
            Err(reason) => {
                cells.problem(BIRTH_DATE, s, reason);
                None
            }
        },
    };

    let sex = match cells.get(SEX) {
        None => Sex::Unknown,
        Some(s) => parse_sex(s).unwrap_or_else(|| {
            cells.problem(
                SEX,
                s,
                "expected M, male, F, female, U, unknown or empty".to_string(),
            );
            Sex::Unknown
        }),
    };

    let mut nationalities: Vec<Country> = Vec::new();
    if let Some(list) = cells.get(NATIONALITY) {
        for code in list
            .split([';', '|'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            match Country::parse(code) {
                Some(c) if !nationalities.contains(&c) => nationalities.push(c),
                Some(_) => {}
                None => cells.problem(
                    NATIONALITY,
                    list,
                    format!("{code:?} is not an ISO 3166-1 alpha-2 or alpha-3 country code"),
                ),
            }
        }
    }

    let mut documents = Vec::new();
    if let (Some(kind), Some(number)) = (cells.get(DOCUMENT_TYPE), cells.get(DOCUMENT_NUMBER)) {
        match (kind.is_empty(), number.is_empty()) {
            (true, true) => {}
            (false, true) => cells.problem(
                DOCUMENT_NUMBER,
                number,
                format!("document_type {kind:?} is given without a document_number"),
            ),
            (kind_missing, false) => documents.push(Document {
                kind: if kind_missing { "unknown" } else { kind }.to_string(),
                number: number.to_string(),
                issuer: None,
            }),
        }
    }

    let source = cells.get(SOURCE).map(|s| {
        if s.is_empty() {
            roster_name.to_string()
        } else {
            s.to_string()
        }
    });

    if let (Some(id), Some(source)) = (record_id, &source) {
        let key = (source.clone(), id.to_string());
        if let Some(first) = first_seen.get(&key) {
            cells.problem(
                RECORD_ID,
                id,
                format!("record_id {id:?} already used on line {first} (source {source:?})"),
            );
        } else {
            first_seen.insert(key, line);
        }
    }

    let birth_place = cells.optional(BIRTH_PLACE);
    let mut problems = cells.problems;
    match (record_id, source) {
        (Some(record_id), Some(source)) if problems.is_empty() => Ok(RosterRow {
            line,
            fields: Vec::new(),
            record_id: record_id.to_string(),
            source,
            record: PersonRecord {
                names,
                birth_date,
                birth_place,
                sex,
                nationalities,
                documents,
                ..PersonRecord::default()
            },
        }),
        // A missing record_id or source always comes with a recorded problem.
        _ => {
            problems.sort_by_key(|(col, _)| *col);
            Err(problems.into_iter().map(|(_, p)| p).collect())
        }
    }
}

fn parse_sex(s: &str) -> Option<Sex> {
    match s.to_ascii_lowercase().as_str() {
        "m" | "male" => Some(Sex::Male),
        "f" | "female" => Some(Sex::Female),
        "u" | "unknown" | "" => Some(Sex::Unknown),
        _ => None,
    }
}

/// Whether `c` is in one of the Arabic-script Unicode blocks.
fn is_arabic_script(c: char) -> bool {
    matches!(
        c,
        '\u{0600}'..='\u{06FF}'
            | '\u{0750}'..='\u{077F}'
            | '\u{08A0}'..='\u{08FF}'
            | '\u{FB50}'..='\u{FDFF}'
            | '\u{FE70}'..='\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_script_blocks() {
        assert!(is_arabic_script('ع'));
        assert!(is_arabic_script('\u{0750}'));
        assert!(is_arabic_script('\u{08A0}'));
        assert!(is_arabic_script('\u{FB50}'));
        assert!(is_arabic_script('\u{FE70}'));
        assert!(!is_arabic_script('a'));
        assert!(!is_arabic_script('é'));
        assert!(!is_arabic_script('\u{0700}'));
    }

    #[test]
    fn displayed_values_are_shortened() {
        let p = RowProblem {
            line: 3,
            column: "birth_place".into(),
            value: "x".repeat(300),
            reason: "too long".into(),
        };
        let shown = p.to_string();
        assert!(shown.contains(&format!("\"{}…\"", "x".repeat(SHOWN_VALUE_CHARS))));
        assert!(!shown.contains(&"x".repeat(SHOWN_VALUE_CHARS + 1)));
        assert_eq!(shorten("short"), "short");
    }

    #[test]
    fn line_breaks_of_every_style_count_once() {
        assert_eq!(count_line_breaks(b"a\nb\r\nc\rd"), 3);
        assert_eq!(count_line_breaks(b"\r\n\r\n"), 2);
        assert_eq!(count_line_breaks(b"\n\r"), 2);
        assert_eq!(count_line_breaks(b"abc"), 0);
    }

    #[test]
    fn sex_codes() {
        for (s, want) in [
            ("M", Sex::Male),
            ("male", Sex::Male),
            ("MALE", Sex::Male),
            ("f", Sex::Female),
            ("Female", Sex::Female),
            ("U", Sex::Unknown),
            ("unknown", Sex::Unknown),
            ("", Sex::Unknown),
        ] {
            assert_eq!(parse_sex(s), Some(want), "{s}");
        }
        assert_eq!(parse_sex("x"), None);
        assert_eq!(parse_sex("mal"), None);
    }
}
