//! Rollcall's matching crate. It holds roster import now: turning a roster CSV
//! into validated person records, with every row that fails validation set
//! aside (quarantined) with its reasons rather than dropped. Identity matching
//! across rosters (transliteration, partial dates, documents) comes later.
//!
//! Everything here is pure: input arrives through [`std::io::Read`], output
//! leaves through [`std::io::Write`], and no file is opened.

pub mod roster;

pub use roster::{
    COLUMNS, ParsedRoster, QuarantinedRow, RosterError, RosterRow, RowProblem, parse_roster,
    write_quarantine,
};
