//! Roster import tests: a good roster, each kind of bad input, the quarantine
//! output, and a property test that no input panics or loses a row.

use proptest::prelude::*;
use rollcall_core::Country;
use rollcall_core::person::{Document, PartialDate, Sex};
use rollcall_matching::roster::{
    COLUMNS, ParsedRoster, RosterError, parse_roster, write_quarantine,
};

const HEADER: &str = "record_id,full_name,given_name,father_name,grandfather_name,family_name,mother_name,birth_date,birth_place,sex,nationality,document_type,document_number,source";

fn roster(rows: &[&str]) -> String {
    let mut s = String::from(HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

fn parse(rows: &[&str]) -> ParsedRoster {
    parse_roster(roster(rows).as_bytes(), "camp-a.csv").expect("file-level parse")
}

#[test]
fn good_roster_with_arabic_and_latin_names() {
    let parsed = parse(&[
        "A1, محمد علي حسن ,محمد,علي,حسن,الجبوري,فاطمة,1990,الموصل,M,IQ;SYR,passport,P123,",
        "A2,Ahmad Khalil,Ahmad,Khalil,,,,1985-06,Raqqa,female,SY|IRQ,,,icrc-list-7",
        "A3,Omar,,,,,,1979-02-28,,u,,national_id,N-9,",
        "A4,Nobody Known,,,,,,,,,,,,",
    ]);
    assert!(parsed.bad.is_empty(), "{:#?}", parsed.bad);
    assert_eq!(parsed.rows.len(), 4);

    let a1 = &parsed.rows[0];
    assert_eq!((a1.line, a1.record_id.as_str()), (2, "A1"));
    assert_eq!(a1.source, "camp-a.csv");
    let names = &a1.record.names;
    assert_eq!(names.full, "محمد علي حسن");
    assert_eq!(names.arabic.as_deref(), Some("محمد علي حسن"));
    assert!(names.latin.is_empty());
    assert_eq!(names.given.as_deref(), Some("محمد"));
    assert_eq!(names.father.as_deref(), Some("علي"));
    assert_eq!(names.grandfather.as_deref(), Some("حسن"));
    assert_eq!(names.family.as_deref(), Some("الجبوري"));
    assert_eq!(names.mother.as_deref(), Some("فاطمة"));
    assert_eq!(
        a1.record.birth_date,
        Some(PartialDate::parse("1990").unwrap())
    );
    assert_eq!(a1.record.birth_place.as_deref(), Some("الموصل"));
    assert_eq!(a1.record.sex, Sex::Male);
    assert_eq!(
        a1.record.nationalities,
        vec![
            Country::parse("IRQ").unwrap(),
            Country::parse("SYR").unwrap()
        ]
    );
    assert_eq!(
        a1.record.documents,
        vec![Document {
            kind: "passport".into(),
            number: "P123".into(),
            issuer: None
        }]
    );
    let src = a1.source_row("camp-a.csv");
    assert_eq!(
        (src.roster.as_str(), src.record_id.as_str(), src.line),
        ("camp-a.csv", "A1", Some(2))
    );

    let a2 = &parsed.rows[1];
    assert_eq!(a2.record.names.full, "Ahmad Khalil");
    assert_eq!(a2.record.names.arabic, None);
    assert_eq!(a2.record.names.latin, vec!["Ahmad Khalil".to_string()]);
    assert_eq!(a2.record.names.grandfather, None);
    let d = a2.record.birth_date.unwrap();
    assert_eq!((d.year, d.month, d.day), (1985, Some(6), None));
    assert_eq!(a2.record.sex, Sex::Female);
    assert_eq!(a2.record.primary_nationality_key(), "SYR");
    assert_eq!(a2.record.nationalities.len(), 2);
    assert!(a2.record.documents.is_empty());
    assert_eq!(a2.source, "icrc-list-7");

    let a3 = &parsed.rows[2];
    assert_eq!(a3.record.birth_date.unwrap().to_string(), "1979-02-28");
    assert_eq!(a3.record.sex, Sex::Unknown);
    assert!(a3.record.nationalities.is_empty());
    assert_eq!(a3.record.documents[0].kind, "national_id");

    let a4 = &parsed.rows[3];
    assert_eq!(a4.record.birth_date, None);
    assert_eq!(a4.record.birth_place, None);
    assert_eq!(a4.record.primary_nationality_key(), "unknown");
}

#[test]
fn wrong_column_count_is_quarantined_not_fatal() {
    let parsed = parse(&[
        "A1,Omar,,,,,,,,,,,",        // 13 columns
        "A2,Ali,,,,,,,,,,,,",        // 14: fine
        "A3,Zaid,,,,,,,,,,,,,extra", // 15
    ]);
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].line, 3);
    assert_eq!(parsed.bad.len(), 2);
    let (short, long) = (&parsed.bad[0], &parsed.bad[1]);
    assert_eq!(short.line, 2);
    assert_eq!(short.fields.len(), 13);
    assert_eq!(short.problems.len(), 1);
    assert_eq!(short.problems[0].column, "*");
    assert_eq!(short.problems[0].value, "13");
    assert_eq!(short.problems[0].reason, "expected 14 columns, found 13");
    assert_eq!(long.line, 4);
    assert_eq!(long.problems[0].reason, "expected 14 columns, found 15");
}

#[test]
fn bad_dates_name_line_column_and_value() {
    let parsed = parse(&[
        "A1,Omar,,,,,,1990-13,,,,,,",
        "A2,Ali,,,,,,1990-02-30,,,,,,",
        "A3,Zaid,,,,,,90,,,,,,",
        "A4,Hana,,,,,,2000-02-29,,,,,,",
    ]);
    assert_eq!(parsed.rows.len(), 1, "leap day 2000 is a real date");
    assert_eq!(parsed.bad.len(), 3);
    for (bad, (line, value)) in
        parsed
            .bad
            .iter()
            .zip([(2, "1990-13"), (3, "1990-02-30"), (4, "90")])
    {
        assert_eq!(bad.line, line);
        assert_eq!(bad.problems.len(), 1);
        let p = &bad.problems[0];
        assert_eq!(
            (p.line, p.column.as_str(), p.value.as_str()),
            (line, "birth_date", value)
        );
    }
    assert_eq!(
        parsed.bad[0].problems[0].to_string(),
        r#"line 2, column birth_date, value "1990-13": month 13 in "1990-13" is not 01-12"#
    );
    assert!(parsed.bad[1].problems[0].reason.contains("does not exist"));
    assert!(parsed.bad[2].problems[0].reason.contains("4 digits"));
}

#[test]
fn unknown_nationality_codes_are_each_reported() {
    let parsed = parse(&[
        "A1,Omar,,,,,,,,,XX,,,",
        "A2,Ali,,,,,,,,,IQ;ZZZ,,,",
        "A3,Zaid,,,,,,,,,XX|ZZZ,,,",
        "A4,Hana,,,,,,,,,Iraq,,,",
        "A5,Noor,,,,,,,,,iq; irq ;,,,",
    ]);
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(
        parsed.rows[0].record.nationalities,
        vec![Country::parse("IRQ").unwrap()],
        "case-insensitive, de-duplicated, empty parts ignored"
    );
    assert_eq!(parsed.bad.len(), 4);
    assert!(parsed.bad[0].problems[0].reason.contains("\"XX\""));
    assert_eq!(parsed.bad[1].problems.len(), 1);
    assert_eq!(parsed.bad[1].problems[0].value, "IQ;ZZZ");
    assert!(parsed.bad[1].problems[0].reason.contains("\"ZZZ\""));
    let both: Vec<&str> = parsed.bad[2]
        .problems
        .iter()
        .map(|p| p.reason.as_str())
        .collect();
    assert_eq!(both.len(), 2);
    assert!(both[0].contains("\"XX\"") && both[1].contains("\"ZZZ\""));
    assert!(
        parsed.bad[2]
            .problems
            .iter()
            .all(|p| p.column == "nationality")
    );
    assert!(parsed.bad[3].problems[0].reason.contains("\"Iraq\""));
}

#[test]
fn invalid_utf8_is_reported_for_its_column_with_every_other_problem() {
    let mut input = roster(&[]).into_bytes();
    input.extend_from_slice(b"A1,Omar,Om\xFFar,,,,,1990-13,,X,,,,\n");
    input.extend_from_slice(b"A2,Ali,,,,,,,,,,,,\n");
    let parsed = parse_roster(input.as_slice(), "r").unwrap();
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].line, 3);
    let bad = &parsed.bad[0];
    assert_eq!(bad.line, 2);
    assert_eq!(bad.fields[2], "Om\u{FFFD}ar");
    let cols: Vec<&str> = bad.problems.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(cols, ["given_name", "birth_date", "sex"]);
    assert_eq!(bad.problems[0].value, "Om\u{FFFD}ar");
    assert!(bad.problems[0].reason.contains("UTF-8"));
    assert!(bad.problems.iter().all(|p| p.line == 2));
    assert!(
        bad.problems[0]
            .to_string()
            .starts_with("line 2, column given_name, value \"Om\u{FFFD}ar\": not valid UTF-8")
    );
}

#[test]
fn empty_file_is_an_error() {
    assert!(matches!(
        parse_roster(&b""[..], "r"),
        Err(RosterError::Empty)
    ));
    assert!(matches!(
        parse_roster(&b"\n\n"[..], "r"),
        Err(RosterError::Empty)
    ));
    assert!(matches!(
        parse_roster(&b"\xEF\xBB\xBF"[..], "r"),
        Err(RosterError::Empty)
    ));
}

#[test]
fn header_only_file_has_no_rows() {
    for input in [
        HEADER.to_string(),
        format!("{HEADER}\n"),
        format!("{HEADER}\r\n"),
        format!("\u{FEFF}{HEADER}\n"),
    ] {
        let parsed = parse_roster(input.as_bytes(), "r").unwrap();
        assert!(parsed.rows.is_empty() && parsed.bad.is_empty(), "{input:?}");
    }
}

#[test]
fn bom_is_stripped_and_lines_stay_file_lines() {
    let row = "A{},Omar,,,,,,,,,,,,";
    for (ending, blank) in [("\n", "\n"), ("\r\n", "\r\n"), ("\r", "\r"), ("\r\n", "\n")] {
        let rows: Vec<String> = (1..=3).map(|i| row.replace("{}", &i.to_string())).collect();
        let input = format!(
            "\u{FEFF}{HEADER}{ending}{}{ending}{blank}{blank}{}{ending}{}",
            rows[0], rows[1], rows[2]
        );
        let parsed = parse_roster(input.as_bytes(), "r").unwrap();
        let lines: Vec<u64> = parsed.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 5, 6], "{input:?}");
        assert!(parsed.bad.is_empty());
    }
}

#[test]
fn a_quoted_multiline_cell_keeps_later_line_numbers_right() {
    let parsed = parse(&[
        "A1,Omar,,,,,,,\"Mosul,\nOld City\",,,,,",
        "A2,Ali,,,,,,1990-13,,,,,,",
    ]);
    // A newline inside a cell is a control character: the row is set aside
    // (it could forge a line in a listing), and later lines stay right.
    assert!(parsed.rows.is_empty());
    assert_eq!(parsed.bad[0].line, 2);
    let p = &parsed.bad[0].problems[0];
    assert_eq!(p.column, "birth_place");
    assert!(p.reason.contains("LF (newline)"), "{p}");
    assert!(p.to_string().contains(r#""Mosul,\nOld City""#), "{p}");
    assert_eq!(parsed.bad[1].line, 4);
}

#[test]
fn control_and_bidi_characters_are_refused_in_every_cell_but_arabic_marks_stay() {
    for (cell, column) in [
        ("Omar\u{1b}[31m", "full_name"),
        ("Omar\u{0}", "full_name"),
        ("O\u{202e}ramO", "full_name"),
        ("x\u{85}y", "father_name"),
    ] {
        let row = if column == "full_name" {
            format!("A1,{cell},,,,,,,,,,,,")
        } else {
            format!("A1,Omar,,{cell},,,,,,,,,,")
        };
        let parsed = parse(&[&row]);
        assert!(parsed.rows.is_empty(), "{cell:?}");
        assert_eq!(parsed.bad[0].problems[0].column, column);
    }
    let parsed = parse(&["A1,\u{645}\u{62d}\u{645}\u{62f}\u{200c}\u{200f}\u{200d},,,,,,,,,,,,"]);
    assert_eq!(parsed.rows.len(), 1, "{:?}", parsed.bad);
}

#[test]
fn wrong_header_names_the_first_differing_column() {
    let cases = [
        (HEADER.replace("birth_date", "dob"), "dob", "birth_date"),
        (HEADER.replace(",source", ""), "(none)", "source"),
        (format!("{HEADER},notes"), "notes", "(end of header)"),
        (
            HEADER.replace("record_id", "Record_ID"),
            "Record_ID",
            "record_id",
        ),
        (
            HEADER.replace("given_name,father_name", "father_name,given_name"),
            "father_name",
            "given_name",
        ),
        ("name,date\nA1,1990\n".to_string(), "name", "record_id"),
    ];
    for (input, want_found, want_expected) in cases {
        match parse_roster(input.as_bytes(), "r") {
            Err(RosterError::Header { found, expected }) => {
                assert_eq!(
                    (found.as_str(), expected.as_str()),
                    (want_found, want_expected)
                );
            }
            other => panic!("{input:?} gave {other:?}"),
        }
    }
    let err = parse_roster(HEADER.replace("sex", "gender").as_bytes(), "r").unwrap_err();
    assert!(
        err.to_string().contains("\"gender\" where \"sex\""),
        "{err}"
    );
    // Surrounding spaces in header cells are trimmed like every other cell.
    let spaced = HEADER.replace(',', " , ");
    assert!(parse_roster(spaced.as_bytes(), "r").is_ok());
}

#[test]
fn repeated_record_id_is_bad_on_every_later_occurrence() {
    let parsed = parse(&[
        "A1,Omar,,,,,,,,,,,,",
        "A2,Ali,,,,,,,,,,,,",
        " A1 ,Omar again,,,,,,,,,,,,",
        "A1,Omar thrice,,,,,,,,,,,,",
        "A1,Omar elsewhere,,,,,,,,,,,,other-list",
        "A1,Omar named,,,,,,,,,,,,camp-a.csv",
    ]);
    let ok: Vec<(u64, &str)> = parsed
        .rows
        .iter()
        .map(|r| (r.line, r.record_id.as_str()))
        .collect();
    assert_eq!(
        ok,
        [(2, "A1"), (3, "A2"), (6, "A1")],
        "another source may reuse an id"
    );
    let bad_lines: Vec<u64> = parsed.bad.iter().map(|b| b.line).collect();
    assert_eq!(bad_lines, [4, 5, 7], "an empty source is the roster name");
    for bad in &parsed.bad {
        assert_eq!(bad.problems.len(), 1);
        let p = &bad.problems[0];
        assert_eq!((p.column.as_str(), p.value.as_str()), ("record_id", "A1"));
        assert!(p.reason.contains("already used on line 2"), "{}", p.reason);
    }
}

#[test]
fn document_number_without_type_is_fine_type_without_number_is_bad() {
    let parsed = parse(&[
        "A1,Omar,,,,,,,,,,,P-77,",
        "A2,Ali,,,,,,,,,,passport,,",
        "A3,Zaid,,,,,,,,,,passport, ,",
    ]);
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(
        parsed.rows[0].record.documents,
        vec![Document {
            kind: "unknown".into(),
            number: "P-77".into(),
            issuer: None
        }]
    );
    assert_eq!(parsed.bad.len(), 2, "a blank number is no number");
    for bad in &parsed.bad {
        let p = &bad.problems[0];
        assert_eq!(p.column, "document_number");
        assert!(p.reason.contains("\"passport\""), "{}", p.reason);
    }
}

#[test]
fn record_id_full_name_sex_and_cell_length_rules() {
    let long_id = "X".repeat(65);
    let id64 = "Y".repeat(64);
    let huge = "z".repeat(501);
    let max = "w".repeat(500);
    let rows = [
        ",Omar,,,,,,,,,,,,".to_string(),
        "A2,,,,,,,,,,,,,".to_string(),
        format!("{long_id},Ali,,,,,,,,,,,,"),
        "A\u{7}4,Zaid,,,,,,,,,,,,".to_string(),
        "A5,Hana,,,,,,,,Mx,,,,".to_string(),
        format!("A6,Noor,,,,,,,{huge},,,,,"),
        format!("{id64},Sami,,,,,,,{max},,,,,"),
        "  ,   ,,,,,,,,,,,,".to_string(),
    ];
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let parsed = parse(&refs);
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].record_id, id64);
    let got: Vec<(u64, Vec<&str>)> = parsed
        .bad
        .iter()
        .map(|b| {
            (
                b.line,
                b.problems.iter().map(|p| p.column.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (2, vec!["record_id"]),
            (3, vec!["full_name"]),
            (4, vec!["record_id"]),
            (5, vec!["record_id"]),
            (6, vec!["sex"]),
            (7, vec!["birth_place"]),
            (9, vec!["record_id", "full_name"]),
        ]
    );
    assert!(parsed.bad[0].problems[0].reason.contains("required"));
    assert!(parsed.bad[2].problems[0].reason.contains("65 characters"));
    assert!(parsed.bad[3].problems[0].reason.contains("control"));
    assert!(parsed.bad[5].problems[0].reason.contains("501 characters"));
    let shown = parsed.bad[5].problems[0].to_string();
    assert!(shown.len() < 200, "displayed value is truncated: {shown}");
}

#[test]
fn quarantine_output_round_trips_with_line_and_reason() {
    let mut input = roster(&[
        "A1,Omar,,,,,,1990-13,,,XX,,,",
        "A2,محمد,,,,,,,,,,,,",
        "A3,\"Zaid, \"\"the tall\"\"\",,,,,,,,Q,,,,",
        "A4,short,row",
        "A5,long,,,,,,,,,,,,,x,y",
    ])
    .into_bytes();
    input.extend_from_slice(b"A6,Bad\xFEbyte,,,,,,,,,,passport,,\n");
    let parsed = parse_roster(input.as_slice(), "r").unwrap();
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.bad.len(), 5);

    let mut out = Vec::new();
    write_quarantine(&mut out, &parsed.bad).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut want: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    want.extend(["line".to_string(), "reason".to_string()]);
    assert_eq!(headers, want);

    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), parsed.bad.len());
    for (rec, bad) in records.iter().zip(&parsed.bad) {
        assert_eq!(rec.len(), 16);
        assert_eq!(rec[14].parse::<u64>().unwrap(), bad.line);
        for (i, field) in bad.fields.iter().take(14).enumerate() {
            assert_eq!(&rec[i], field.as_str());
        }
        for p in &bad.problems {
            assert!(
                rec[15].contains(&p.reason),
                "{:?} lacks {:?}",
                &rec[15],
                p.reason
            );
        }
    }
    assert_eq!(&records[0][14], "2");
    assert_eq!(
        &records[0][15],
        "line 2, column birth_date, value \"1990-13\": month 13 in \"1990-13\" is not 01-12; \
         line 2, column nationality, value \"XX\": \
         \"XX\" is not an ISO 3166-1 alpha-2 or alpha-3 country code"
    );
    assert_eq!(&records[1][1], "Zaid, \"the tall\"");
    assert_eq!(&records[2][2], "row");
    assert_eq!(&records[2][13], "");
    assert!(records[3][15].contains("\"x\", \"y\""), "extra cells kept");
    assert_eq!(&records[4][1], "Bad\u{FFFD}byte");
    assert!(records[4][15].contains("column full_name"));
    assert!(records[4][15].contains("column document_number"));
}

#[test]
fn empty_quarantine_is_just_a_header() {
    let mut out = Vec::new();
    write_quarantine(&mut out, &[]).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("{HEADER},line,reason\n")
    );
}

/// Data records as the csv crate sees them, independently of the parser.
fn count_data_records(input: &[u8]) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    reader.byte_records().count().saturating_sub(1)
}

fn check_accounting(input: &[u8]) {
    if let Ok(parsed) = parse_roster(input, "prop") {
        let data = count_data_records(input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input));
        assert_eq!(parsed.rows.len() + parsed.bad.len(), data);
        for bad in &parsed.bad {
            assert!(!bad.problems.is_empty());
            assert!(bad.problems.iter().all(|p| p.line == bad.line));
        }
        // Each record starts on its own line, so lines identify records.
        let mut lines: Vec<u64> = parsed.rows.iter().map(|r| r.line).collect();
        lines.extend(parsed.bad.iter().map(|b| b.line));
        assert!(
            lines.iter().all(|&l| l >= 2),
            "data starts after the header"
        );
        let total = lines.len();
        lines.sort_unstable();
        lines.dedup();
        assert_eq!(lines.len(), total, "a record is in rows or bad, never both");
        let mut out = Vec::new();
        write_quarantine(&mut out, &parsed.bad).unwrap();
    }
}

fn cell() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"".to_vec()),
        Just(b"A1".to_vec()),
        Just(b"1990-02-30".to_vec()),
        Just(b"IQ;SY|XX".to_vec()),
        Just("محمد".as_bytes().to_vec()),
        Just(b"\"q,\"\"x\"\"\n\"".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ]
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_roster(input.as_slice(), "prop");
        check_accounting(&input);
    }

    #[test]
    fn every_row_is_accepted_or_quarantined(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..17), 0..12),
        tail in proptest::collection::vec(any::<u8>(), 0..40),
    ) {
        let mut input = format!("{HEADER}\n").into_bytes();
        for row in &rows {
            input.extend_from_slice(&row.join(&b","[..]));
            input.push(b'\n');
        }
        input.extend_from_slice(&tail);
        let parsed = parse_roster(input.as_slice(), "prop");
        prop_assert!(parsed.is_ok());
        check_accounting(&input);
    }
}
