//! End-to-end tests of the manifest renderers: CSV through the `csv` reader,
//! PDF through its (uncompressed) bytes.

use rollcall_print::{
    CSV_COLUMNS, Counts, HeadStamp, ManifestDoc, PLACEHOLDER, PersonLine, Place, VehicleLine,
    manifest_csv, manifest_pdf,
};

const ROOT: &str = "0123456789abcdef7777888899990000aaaabbbbccccddddeeeeffff00001111";

fn person(i: usize) -> PersonLine {
    PersonLine {
        seq: i as u32 + 1,
        person: format!("P-{:07}", 100 + i),
        name_latin: format!("Ahmed Khalid al-Jubouri {i}"),
        name_original: "أحمد خالد الجبوري".into(),
        father: "Khalid".into(),
        birth: "1990-03".into(),
        sex: "M".into(),
        nationality: if i.is_multiple_of(2) {
            "IRQ"
        } else {
            "unknown"
        }
        .into(),
        risk: if i.is_multiple_of(5) { "high" } else { "low" }.into(),
        vehicle: if i.is_multiple_of(2) {
            "BUS-01"
        } else {
            "AV-01"
        }
        .into(),
        escort_record: "confirmed".into(),
        needs: if i.is_multiple_of(3) {
            "medication; separation SG-12"
        } else {
            ""
        }
        .into(),
    }
}

fn doc(n: usize) -> ManifestDoc {
    ManifestDoc {
        movement: "MV-0012".into(),
        mode: "land".into(),
        status: "planned".into(),
        origin: Place {
            id: "FAC-0003".into(),
            name: "North Transfer Facility".into(),
            country: "SYR".into(),
        },
        destination: Place {
            id: "FAC-0017".into(),
            name: "Reception Centre".into(),
            country: "IRQ".into(),
        },
        planned_departure: "2025-11-04T05:30:00+03:00".into(),
        vehicles: vec![
            VehicleLine {
                id: "BUS-01".into(),
                kind: "bus".into(),
                seats: 40,
                armored: false,
                assigned: 30,
            },
            VehicleLine {
                id: "AV-01".into(),
                kind: "armored van".into(),
                seats: 8,
                armored: true,
                assigned: 6,
            },
        ],
        escort: vec!["Capt. Rami Haddad".into(), "Sgt. Lina Saleh".into()],
        people: (0..n).map(person).collect(),
        counts: Counts {
            manifest: n as u32,
            boarded: None,
            admitted: None,
            last_count: None,
        },
        head: HeadStamp {
            origin: "rollcall.example/ledger".into(),
            size: 4821,
            root_hex: ROOT.into(),
            signer: "ops-hq".into(),
        },
        printed_at: "2025-11-03T18:42:10+03:00".into(),
        printed_by: "J. Mirza".into(),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    count(haystack, needle) > 0
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// The `/Count N` of the page tree.
fn page_count(pdf: &[u8]) -> usize {
    let at = pdf
        .windows(7)
        .position(|w| w == b"/Count ")
        .expect("page tree /Count");
    let digits: Vec<u8> = pdf[at + 7..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    String::from_utf8(digits).unwrap().parse().unwrap()
}

#[test]
fn csv_round_trips_with_header_and_rows() {
    let mut d = doc(12);
    d.people[3].name_latin = "Hassan, \"Abu Ali\" al-Ani".into();
    d.people[4].needs = "line one\nline two".into();
    let bytes = manifest_csv(&d);
    assert!(bytes.ends_with(b"\n") && !bytes.ends_with(b"\n\n"));
    assert!(contains(&bytes, b"\"Hassan, \"\"Abu Ali\"\" al-Ani\""));

    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 12);
    let col = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    assert_eq!(&rows[3][col("name_latin")], "Hassan, \"Abu Ali\" al-Ani");
    assert_eq!(&rows[4][col("needs")], "line one\nline two");
    assert_eq!(&rows[0][col("name_original")], "أحمد خالد الجبوري");
    assert_eq!(&rows[0][col("seq")], "1");
    assert_eq!(&rows[0][col("movement")], "MV-0012");
    assert_eq!(&rows[0][col("vehicle_kind")], "bus");
    assert_eq!(&rows[1][col("vehicle_armored")], "yes");
    assert_eq!(&rows[0][col("ledger_root")], ROOT);
    assert!(rows.iter().all(|r| r.len() == CSV_COLUMNS.len()));
}

#[test]
fn csv_without_people_is_just_the_header() {
    let bytes = manifest_csv(&doc(0));
    assert_eq!(bytes, format!("{}\n", CSV_COLUMNS.join(",")).into_bytes());
}

#[test]
fn pdf_is_a_complete_file() {
    let pdf = manifest_pdf(&doc(10));
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
    assert!(contains(&pdf, b"/BaseFont /Helvetica"));
    assert!(contains(&pdf, b"/Encoding /WinAnsiEncoding"));
}

#[test]
fn page_count_grows_with_people() {
    assert_eq!(page_count(&manifest_pdf(&doc(0))), 1);
    assert_eq!(page_count(&manifest_pdf(&doc(10))), 1);
    let fifty = page_count(&manifest_pdf(&doc(50)));
    let many = page_count(&manifest_pdf(&doc(200)));
    assert!(fifty >= 2, "50 people on {fifty} pages");
    assert!(many > fifty && many >= 6, "200 people on {many} pages");
    let pdf = manifest_pdf(&doc(200));
    assert_eq!(count(&pdf, b"/Type /Page\n"), many);
}

#[test]
fn every_page_has_table_header_footer_and_page_number() {
    let pdf = manifest_pdf(&doc(200));
    let pages = page_count(&pdf);
    assert_eq!(count(&pdf, b"(Escort record)"), pages);
    for i in 1..=pages {
        let footer = format!("page {i} of {pages}");
        assert!(contains(&pdf, footer.as_bytes()), "{footer}");
    }
    // Movement id in every footer and in the title / running header.
    assert!(count(&pdf, b"MV-0012") > 2 * pages);
    // The ledger head line, with the 16-hex root prefix, on every page.
    assert_eq!(count(&pdf, b"root 0123456789abcdef)"), pages);
    assert!(
        !contains(&pdf, b"0123456789abcdef7"),
        "only the prefix is printed"
    );
    assert_eq!(
        count(&pdf, b"check: rollcall prove inclusion / verify"),
        pages
    );
    assert_eq!(
        count(&pdf, b"(Printed 2025-11-03T18:42:10+03:00 by J. Mirza)"),
        pages
    );
}

#[test]
fn pdf_has_title_header_counts_and_signatures() {
    let mut d = doc(10);
    d.counts.boarded = Some(9);
    let pdf = manifest_pdf(&d);
    for needle in [
        &b"(MOVEMENT MANIFEST MV-0012)"[..],
        b"(Land (convoy))",
        b"(North Transfer Facility)",
        b"(armored van)",
        b"Capt. Rami Haddad, Sgt. Lina Saleh",
        b"(On manifest)",
        b"(9)",
        b"(differs from manifest (10))",
        b"(Handed over by (origin facility officer))",
        b"(Escort commander)",
        b"(Received by (destination facility officer))",
        b"(Date / time)",
        b"(Ahmed Khalid al-Jubouri 3)",
        b"(HIGH)",
    ] {
        assert!(
            contains(&pdf, needle),
            "missing {}",
            String::from_utf8_lossy(needle)
        );
    }
    // Admitted is not counted yet: a blank line to fill in by hand.
    assert!(contains(&pdf, b"(persons)"));
}

#[test]
fn arabic_only_name_is_replaced_not_written_as_utf8() {
    let mut d = doc(3);
    d.people[1].name_latin.clear();
    d.people[1].name_original = "محمود جاسم العبيدي".into();
    d.people[2].father = "جاسم".into();
    let pdf = manifest_pdf(&d);
    for arabic in ["محمود جاسم العبيدي", "أحمد خالد الجبوري", "جاسم", "م"]
    {
        assert!(
            !contains(&pdf, arabic.as_bytes()),
            "raw UTF-8 {arabic} in PDF"
        );
    }
    let placeholder = format!("({PLACEHOLDER})");
    assert!(contains(&pdf, placeholder.as_bytes()));
    // The Latin name stands in for the Arabic original where there is one.
    assert!(contains(&pdf, b"(Ahmed Khalid al-Jubouri 0)"));
    // A narrow column gets the short placeholder.
    assert!(contains(&pdf, b"([orig. script])"));
}

#[test]
fn string_specials_are_escaped() {
    let mut d = doc(2);
    d.people[0].needs = "back\\slash) and (open".into();
    d.people[1].name_latin = "Omar (Abu Yusuf)".into();
    let pdf = manifest_pdf(&d);
    assert!(contains(&pdf, b"(back\\\\slash\\) and \\(open)"));
    // Balanced parentheses need no escape in a PDF literal string.
    assert!(contains(&pdf, b"(Omar (Abu Yusuf))"));
}

#[test]
fn long_names_are_truncated_with_ellipsis() {
    let mut d = doc(1);
    d.people[0].father = "Abdul-Rahman Mohammed Abdullah Hussein".into();
    let pdf = manifest_pdf(&d);
    assert!(!contains(&pdf, b"Abdul-Rahman Mohammed Abdullah Hussein"));
    // "…" is WinAnsi 0x85, shown as a hex string right after the cut text.
    assert!(contains(&pdf, b"(Abdul-Rahma) Tj\n<85> Tj"));
}

#[test]
fn rendering_is_deterministic() {
    assert_eq!(manifest_pdf(&doc(40)), manifest_pdf(&doc(40)));
    assert_eq!(manifest_csv(&doc(40)), manifest_csv(&doc(40)));
}
