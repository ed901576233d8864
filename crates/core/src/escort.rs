//! The person escort record: what travels with a person on a movement —
//! risks, health and medication, property handed to the escort, special
//! needs. Started from the person's file when the movement is planned,
//! completed and confirmed before departure, read by the escort en route, and
//! handed over with the person at arrival.

use crate::person::{PersonRecord, RiskLevel};
use serde::{Deserialize, Serialize};

/// A yes/no assessment that may not have been made yet.
pub type Assessed = Option<bool>;

/// The risks the escort must know about.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Risks {
    /// Risk of violence to others.
    pub violence: Assessed,
    /// Risk of escape.
    pub escape: Assessed,
    /// Risk of self-harm.
    pub self_harm: Assessed,
    /// A health risk en route.
    pub health: Assessed,
}

/// What travels with a person.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EscortRecord {
    /// Risks.
    pub risks: Risks,
    /// Medication to be given en route; `Some(empty)` means "none", `None` means not stated.
    pub medication: Option<Vec<String>>,
    /// Medical needs en route, or "none".
    pub medical_needs: Option<String>,
    /// Property handed to the escort, item by item; `Some(empty)` means "none".
    pub property: Option<Vec<String>>,
    /// Special needs (diet, mobility, language, interpreter), or "none".
    pub special_needs: Option<String>,
    /// Free notes for the escort.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl EscortRecord {
    /// A record started from what the person's file already holds: risk
    /// level and reason, medical flag. What the file does not say stays
    /// unstated, to be completed before confirmation.
    pub fn from_file(record: &PersonRecord) -> EscortRecord {
        let high = record.risk == RiskLevel::High;
        let low = record.risk == RiskLevel::Low;
        EscortRecord {
            risks: Risks {
                violence: if high {
                    Some(true)
                } else if low {
                    Some(false)
                } else {
                    None
                },
                escape: if high {
                    Some(true)
                } else if low {
                    Some(false)
                } else {
                    None
                },
                self_harm: None,
                health: Some(record.flags.medical_needs),
            },
            medication: None,
            medical_needs: if record.flags.medical_needs {
                None
            } else {
                Some("none".into())
            },
            property: None,
            special_needs: None,
            notes: record.risk_reason.clone(),
        }
    }

    /// This record with every field `given` states put in place of its own:
    /// an update says only what changes.
    pub fn overlaid(&self, given: &EscortRecord) -> EscortRecord {
        let mut r = self.clone();
        macro_rules! take {
            ($($f:ident).+) => {
                if given.$($f).+.is_some() {
                    r.$($f).+ = given.$($f).+.clone();
                }
            };
        }
        take!(risks.violence);
        take!(risks.escape);
        take!(risks.self_harm);
        take!(risks.health);
        take!(medication);
        take!(medical_needs);
        take!(property);
        take!(special_needs);
        take!(notes);
        r
    }

    /// The fields that must be completed before the record can be confirmed.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.risks.violence.is_none() {
            out.push("risks.violence");
        }
        if self.risks.escape.is_none() {
            out.push("risks.escape");
        }
        if self.risks.self_harm.is_none() {
            out.push("risks.self_harm");
        }
        if self.risks.health.is_none() {
            out.push("risks.health");
        }
        if self.medication.is_none() {
            out.push("medication");
        }
        match &self.medical_needs {
            None => out.push("medical_needs"),
            Some(s) if s.trim().is_empty() => out.push("medical_needs"),
            _ => {}
        }
        if self.property.is_none() {
            out.push("property");
        }
        match &self.special_needs {
            None => out.push("special_needs"),
            Some(s) if s.trim().is_empty() => out.push("special_needs"),
            _ => {}
        }
        out
    }
}

/// Where an escort record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscortRecordStatus {
    /// Started, not yet confirmed.
    Started,
    /// Complete and confirmed for departure.
    Confirmed,
    /// Handed over with the person at arrival.
    HandedOver,
}
