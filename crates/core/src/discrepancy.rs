//! Discrepancies: anything that breaks a guarantee, opened automatically and
//! closed only by a person with a stated reason.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong: each kind is one that some rule opens. Two kinds the
/// design names are not here until their rule exists: a custody conflict
/// (two custodians claiming one person) cannot arise inside one ledger —
/// a claim by anyone but the current custodian is refused, and handovers
/// that conflict inside one batch refuse the batch whole — so it belongs to
/// sync between nodes; an overdue judicial deadline belongs to a deadline
/// watch, which does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyKind {
    /// A person expected at a count is not there.
    MissingPerson,
    /// A person is at a count who was not expected.
    ExtraPerson,
    /// The person presented is not the person recorded.
    IdentityMismatch,
    /// A headcount disagrees with the list of names.
    HeadcountMismatch,
    /// A facility holds more than its capacity.
    OverCapacity,
    /// A movement has not reported its position in time.
    MovementSilent,
    /// A movement stopped longer than allowed outside a checkpoint.
    MovementStopped,
    /// A movement strayed from its planned route.
    MovementOffRoute,
    /// A person escaped.
    Escape,
    /// A correction made a planned movement break the manifest rules; it
    /// cannot depart with that person as seated until it is re-planned.
    ManifestBreach,
    /// A facility's roster lists a person the ledger holds elsewhere (found
    /// by identity matching): one of the two records of where they are is wrong.
    ListedElsewhere,
    /// Two registered records are one person, in two custodians' hands:
    /// one of the two records of where they are is wrong.
    DuplicateRecord,
    /// Anything else, described in the summary.
    Other,
}

impl DiscrepancyKind {
    /// The name as written in the ledger (`missing_person`).
    pub fn as_str(self) -> &'static str {
        match self {
            DiscrepancyKind::MissingPerson => "missing_person",
            DiscrepancyKind::ExtraPerson => "extra_person",
            DiscrepancyKind::IdentityMismatch => "identity_mismatch",
            DiscrepancyKind::HeadcountMismatch => "headcount_mismatch",
            DiscrepancyKind::OverCapacity => "over_capacity",
            DiscrepancyKind::MovementSilent => "movement_silent",
            DiscrepancyKind::MovementStopped => "movement_stopped",
            DiscrepancyKind::MovementOffRoute => "movement_off_route",
            DiscrepancyKind::Escape => "escape",
            DiscrepancyKind::ManifestBreach => "manifest_breach",
            DiscrepancyKind::ListedElsewhere => "listed_elsewhere",
            DiscrepancyKind::DuplicateRecord => "duplicate_record",
            DiscrepancyKind::Other => "other",
        }
    }
}

impl fmt::Display for DiscrepancyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Needs attention in the normal course.
    Low,
    /// Needs attention today.
    Medium,
    /// Needs attention now.
    High,
    /// A person may be lost.
    Critical,
}

/// Who owns a discrepancy a movement step opens (counts, intake, tracking).
pub const MOVEMENT_OWNER: &str = "operations room";
/// Who owns a discrepancy once it is escalated for being left open too long.
pub const ESCALATION_OWNER: &str = "duty officer";
