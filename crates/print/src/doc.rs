//! Input types: everything the manifest shows, already resolved and formatted
//! by the caller (ids, names, RFC 3339 timestamps, the ledger tree head).
//!
//! These are plain data. They derive `Serialize`/`Deserialize` so a caller can
//! also dump the exact input of a printed document as JSON next to it.

use serde::{Deserialize, Serialize};

/// One movement, ready to print.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestDoc {
    /// Movement id, e.g. `"MV-0012"`.
    pub movement: String,
    /// `"land"` (convoy) or `"air"` (flight); other values are printed as given.
    pub mode: String,
    /// Movement status: `"planned"`, `"departed"`, ...
    pub status: String,
    /// The handing-over facility.
    pub origin: Place,
    /// The receiving facility.
    pub destination: Place,
    /// Planned departure, RFC 3339, already formatted by the caller.
    pub planned_departure: String,
    /// Vehicles (or aircraft) of the movement.
    pub vehicles: Vec<VehicleLine>,
    /// Escort team members, commander first.
    pub escort: Vec<String>,
    /// People on the manifest, in seating order.
    pub people: Vec<PersonLine>,
    /// Head counts known at print time.
    pub counts: Counts,
    /// The signed ledger tree head this document was printed against.
    pub head: HeadStamp,
    /// When the document was printed (RFC 3339, formatted by the caller).
    pub printed_at: String,
    /// Who printed it (user or officer id).
    pub printed_by: String,
}

/// A facility.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// Facility id, e.g. `"FAC-0003"`.
    pub id: String,
    /// Facility name.
    pub name: String,
    /// Country (ISO 3166 alpha-3).
    pub country: String,
}

/// One vehicle or aircraft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleLine {
    /// Vehicle id, e.g. `"BUS-01"`.
    pub id: String,
    /// Kind, e.g. `"bus"`, `"armored van"`, `"aircraft"`.
    pub kind: String,
    /// Passenger seats.
    pub seats: u32,
    /// Whether the vehicle is armored.
    pub armored: bool,
    /// People assigned to it on this manifest.
    pub assigned: u32,
}

/// One person on the manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonLine {
    /// 1-based line number.
    pub seq: u32,
    /// Person id, e.g. `"P-0000123"`.
    pub person: String,
    /// Latin-script name (may be empty).
    pub name_latin: String,
    /// Name as recorded; may be in Arabic script.
    pub name_original: String,
    /// Father's name.
    pub father: String,
    /// Birth date, `"1990"`, `"1990-03"` or `""`.
    pub birth: String,
    /// Sex as recorded.
    pub sex: String,
    /// Nationality, ISO 3166 alpha-3 or `"unknown"`.
    pub nationality: String,
    /// `low`, `medium` or `high`.
    pub risk: String,
    /// Id of the vehicle the person is seated in.
    pub vehicle: String,
    /// Escort record state, e.g. `"confirmed"`, `"unconfirmed"`.
    pub escort_record: String,
    /// Short flags, e.g. `"medication; separation SG-12"`.
    pub needs: String,
}

/// Head counts. `None` means "not yet counted": the PDF leaves a blank line to
/// write the count by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// People on the manifest.
    pub manifest: u32,
    /// Counted aboard at the origin.
    pub boarded: Option<u32>,
    /// Counted in at the destination.
    pub admitted: Option<u32>,
    /// The latest recorded count on the way: `(place, count)`.
    pub last_count: Option<(String, u32)>,
}

/// A signed ledger tree head, as printed in every page footer so the paper can
/// be checked against the ledger later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadStamp {
    /// Ledger origin line (log name).
    pub origin: String,
    /// Tree size.
    pub size: u64,
    /// Root hash, lowercase hex.
    pub root_hex: String,
    /// Name of the key that signed the head.
    pub signer: String,
}
