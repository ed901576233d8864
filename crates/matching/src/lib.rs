//! Rollcall's matching crate: roster import (turning a roster CSV into
//! validated person records, with every row that fails validation set aside
//! with its reasons rather than dropped) and identity matching (normalising
//! Arabic and Latin names into one key, comparing records field by field,
//! a Fellegi–Sunter model trained by EM, blocking, clustering with a guard
//! against chaining, and an explanation for every pair).
//!
//! Everything here is pure: input arrives through [`std::io::Read`] or as
//! values, output leaves through [`std::io::Write`] or as values, and no
//! file is opened.

pub mod block;
pub mod cluster;
pub mod compare;
pub mod custody;
pub mod identity;
pub mod model;
/// Name normalisation lives in core, which derives the name index from it;
/// the matcher compares the same keys.
pub use rollcall_core::names as normalise;
mod par;
pub mod prepare;
pub mod roster;
pub mod screen;

pub use identity::{Config, Decision, Dedupe, Explanation, Index, Linkage, dedupe, link, link_at};
pub use roster::{
    COLUMNS, ParsedRoster, QuarantinedRow, RosterError, RosterRow, RowProblem, parse_roster,
    write_quarantine,
};
