//! Judicial process, notifications and repatriation: the vocabulary of what
//! happens to a person after admission.

use crate::country::Country;
use serde::{Deserialize, Serialize};

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CaseOutcome {
    /// Convicted, with the sentence as pronounced.
    Convicted {
        /// Sentence as pronounced.
        sentence: String,
    },
    /// Acquitted.
    Acquitted,
    /// Dismissed or closed without trial.
    Dismissed {
        /// Why.
        reason: String,
    },
    /// Transferred to another jurisdiction.
    Transferred {
        /// Receiving jurisdiction.
        jurisdiction: String,
    },
}

/// Whom a notification goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Recipient {
    /// The person's family.
    Family {
        /// Contact as recorded.
        contact: String,
    },
    /// A state's consulate.
    Consulate {
        /// The state.
        country: Country,
    },
    /// A monitoring body (e.g. a humanitarian organisation).
    Monitor {
        /// The body.
        organisation: String,
    },
}
