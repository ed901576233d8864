//! Identity matching in the ledger: the evidence a match rests on, and the
//! review queue's decisions.
//!
//! A roster row is recorded exactly once, in one of three ways: as a new
//! person (`person_registered`), against a person already registered when
//! the matcher is certain (`roster_row_linked`, with its evidence), or, when
//! it is not, as a review waiting for a person (`match_review_opened`, with
//! every candidate's evidence), which a registrar then decides
//! (`match_review_decided`: the same person as a candidate, or a new one,
//! with a reason). The matching itself (the model, its training, the
//! scores) is not here: `core` only records what was decided and on what
//! evidence, and keeps the rules of recording it.

use crate::ids::PersonId;
use serde::{Deserialize, Serialize};

/// A probability in millionths (0 to 1,000,000): exact in canonical JSON,
/// which a binary fraction is not.
pub type Ppm = u32;

/// The largest [`Ppm`]: certainty.
pub const PPM_ONE: Ppm = 1_000_000;

/// How one field of a roster row compared with a registered person's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldEvidence {
    /// The field (`given_name`, `birth_date`, …).
    pub field: String,
    /// How it compared (`exact`, `close`, `phonetic`, `swapped`, …).
    pub level: String,
    /// Its part in the match weight, in hundredths of a bit (negative:
    /// evidence against).
    pub weight_centibits: i32,
}

/// Why a roster row was thought to be a registered person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchEvidence {
    /// The registered person.
    pub person: PersonId,
    /// The model's probability that they are the row's person, every
    /// candidate of the row weighed together (`fields` give the pair's own
    /// weight).
    pub probability_ppm: Ppm,
    /// Each field's contribution.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldEvidence>,
}

/// What a registrar decided about a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// The row is this candidate: it is recorded against them.
    SamePerson {
        /// One of the review's candidates.
        person: PersonId,
    },
    /// The row is nobody registered: a new person is registered from it, in
    /// the custody of the facility whose roster it is.
    NewPerson {
        /// The new person's id.
        person: PersonId,
    },
}

impl ReviewDecision {
    /// The person the row is recorded against.
    pub fn person(&self) -> &PersonId {
        match self {
            ReviewDecision::SamePerson { person } | ReviewDecision::NewPerson { person } => person,
        }
    }
}

/// Where a review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Waiting for a person to decide.
    Pending,
    /// Decided: the row is one of the candidates.
    SamePerson,
    /// Decided: the row is a new person.
    NewPerson,
}

impl ReviewStatus {
    /// The name as written (`pending`, `same_person`, `new_person`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::SamePerson => "same_person",
            ReviewStatus::NewPerson => "new_person",
        }
    }
}

impl std::fmt::Display for ReviewStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
