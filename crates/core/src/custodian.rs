//! Custodians: who holds a person, and where.

use crate::country::Country;
use crate::person::Category;
use serde::{Deserialize, Serialize};

/// A point on the earth, WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Coordinates {
    /// Latitude in degrees, north positive.
    pub lat: f64,
    /// Longitude in degrees, east positive.
    pub lon: f64,
}

/// Security level of a facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityLevel {
    /// Minimum security.
    Minimum,
    /// Medium security.
    Medium,
    /// Maximum security.
    Maximum,
}

/// A detention facility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facility {
    /// Name as used by its staff.
    pub name: String,
    /// The authority that runs it (e.g. a ministry).
    pub authority: String,
    /// Country it stands in.
    pub country: Country,
    /// Where it is.
    pub coordinates: Coordinates,
    /// IANA time zone name (e.g. `Asia/Baghdad`).
    pub time_zone: String,
    /// Security level.
    pub security: SecurityLevel,
    /// Number of people it may hold.
    pub capacity: u32,
    /// Categories of people it may hold.
    pub categories: Vec<Category>,
}

/// What kind of custodian this is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CustodianKind {
    /// A detention facility.
    Facility(Facility),
    /// A movement in progress (created by `movement_planned`).
    Movement,
    /// A hospital.
    Hospital {
        /// Name.
        name: String,
        /// Country.
        country: Country,
    },
    /// A foreign state's representative receiving its nationals.
    ForeignRepresentative {
        /// The state represented.
        country: Country,
        /// Who, e.g. the consulate or delegation.
        name: String,
    },
    /// People released from custody.
    Released,
}

impl CustodianKind {
    /// A short display name.
    pub fn label(&self) -> String {
        match self {
            CustodianKind::Facility(f) => f.name.clone(),
            CustodianKind::Movement => "movement".into(),
            CustodianKind::Hospital { name, .. } => name.clone(),
            CustodianKind::ForeignRepresentative { name, .. } => name.clone(),
            CustodianKind::Released => "released".into(),
        }
    }
}
