//! Discrepancies: anything that breaks a guarantee, opened automatically and
//! closed only by a person with a stated reason.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong.
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
    /// Two custodians claim the same person.
    CustodyConflict,
    /// A facility holds more than its capacity.
    OverCapacity,
    /// A judicial or notification deadline has passed.
    OverdueDeadline,
    /// A movement has not reported its position in time.
    MovementSilent,
    /// A movement stopped longer than allowed outside a checkpoint.
    MovementStopped,
    /// A movement strayed from its planned route.
    MovementOffRoute,
    /// A person escaped.
    Escape,
    /// Anything else, described in the summary.
    Other,
}

impl fmt::Display for DiscrepancyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        f.write_str(&s)
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
