//! Printable documents for Rollcall.
//!
//! The one document so far is the **movement manifest**: the paper an escort
//! carries on a convoy or flight, listing every person in seating order, and
//! which the handing-over facility, the escort commander and the receiving
//! facility each sign. It comes in two forms:
//!
//! * [`manifest_pdf`]: an A4 landscape PDF, multi-page, with a repeated table
//!   header, tick boxes for boarding and admission, a counts box, signature
//!   blocks, and on every page a footer naming the signed ledger tree head the
//!   document was printed against.
//! * [`manifest_csv`]: the same rows as CSV (columns in [`CSV_COLUMNS`]).
//!
//! The crate is pure: data in ([`ManifestDoc`]), bytes out. It reads no clock
//! and touches no files; timestamps arrive already formatted.

mod csv;
mod doc;
mod pdf;
mod text;

pub use crate::csv::{CSV_COLUMNS, manifest_csv};
pub use crate::doc::{Counts, HeadStamp, ManifestDoc, PersonLine, Place, VehicleLine};
pub use crate::pdf::{PLACEHOLDER, manifest_pdf};
