//! The manifest as CSV: a header row, then one row per person in seating
//! order, and nothing else (no comments, no trailing blank line beyond the
//! final row terminator). UTF-8, comma-separated, `\n` line ends, fields quoted
//! only where needed (RFC 4180 style, as written by the `csv` crate).
//!
//! Every row repeats the movement columns so that a single row stands alone
//! (e.g. after filtering in a spreadsheet). Columns, in order:
//!
//! | column | content |
//! | --- | --- |
//! | `movement` | movement id |
//! | `mode` | `land` / `air` |
//! | `status` | movement status |
//! | `origin_id`, `origin_name`, `origin_country` | handing-over facility |
//! | `destination_id`, `destination_name`, `destination_country` | receiving facility |
//! | `planned_departure` | RFC 3339 as given |
//! | `seq` | 1-based line number |
//! | `person` | person id |
//! | `name_latin` | Latin-script name (may be empty) |
//! | `name_original` | name as recorded, any script |
//! | `father` | father's name |
//! | `birth` | `YYYY`, `YYYY-MM` or empty |
//! | `sex` | as recorded |
//! | `nationality` | alpha-3 or `unknown` |
//! | `risk` | `low` / `medium` / `high` |
//! | `vehicle` | vehicle id the person is seated in |
//! | `vehicle_kind` | kind of that vehicle (empty if the id is not in the vehicle list) |
//! | `vehicle_armored` | `yes` / `no` (empty if unknown) |
//! | `escort_record` | e.g. `confirmed` |
//! | `needs` | short flags |
//! | `ledger_origin`, `ledger_size`, `ledger_root` | the signed tree head printed against (full root hex) |
//! | `printed_at`, `printed_by` | as given |
//!
//! Values are written verbatim: a field that starts with `=`, `+`, `-` or `@`
//! is not defused for spreadsheets, so that the CSV round-trips exactly.

use crate::doc::ManifestDoc;

/// Header row of [`manifest_csv`], in column order.
pub const CSV_COLUMNS: [&str; 29] = [
    "movement",
    "mode",
    "status",
    "origin_id",
    "origin_name",
    "origin_country",
    "destination_id",
    "destination_name",
    "destination_country",
    "planned_departure",
    "seq",
    "person",
    "name_latin",
    "name_original",
    "father",
    "birth",
    "sex",
    "nationality",
    "risk",
    "vehicle",
    "vehicle_kind",
    "vehicle_armored",
    "escort_record",
    "needs",
    "ledger_origin",
    "ledger_size",
    "ledger_root",
    "printed_at",
    "printed_by",
];

/// Render the manifest as CSV bytes (see the module docs for the columns).
pub fn manifest_csv(doc: &ManifestDoc) -> Vec<u8> {
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail with I/O errors, and every record has the
    // same number of fields, so the csv writer cannot fail here.
    const OK: &str = "csv writer on a Vec<u8> with fixed-width records";
    w.write_record(CSV_COLUMNS).expect(OK);
    let size = doc.head.size.to_string();
    for p in &doc.people {
        let vehicle = doc.vehicles.iter().find(|v| v.id == p.vehicle);
        let seq = p.seq.to_string();
        let row: [&str; 29] = [
            &doc.movement,
            &doc.mode,
            &doc.status,
            &doc.origin.id,
            &doc.origin.name,
            &doc.origin.country,
            &doc.destination.id,
            &doc.destination.name,
            &doc.destination.country,
            &doc.planned_departure,
            &seq,
            &p.person,
            &p.name_latin,
            &p.name_original,
            &p.father,
            &p.birth,
            &p.sex,
            &p.nationality,
            &p.risk,
            &p.vehicle,
            vehicle.map_or("", |v| v.kind.as_str()),
            vehicle.map_or("", |v| if v.armored { "yes" } else { "no" }),
            &p.escort_record,
            &p.needs,
            &doc.head.origin,
            &size,
            &doc.head.root_hex,
            &doc.printed_at,
            &doc.printed_by,
        ];
        w.write_record(row).expect(OK);
    }
    w.into_inner().expect(OK)
}
