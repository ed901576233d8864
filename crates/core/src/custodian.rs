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

impl SecurityLevel {
    /// The name as written in the ledger (`maximum`).
    pub fn as_str(self) -> &'static str {
        match self {
            SecurityLevel::Minimum => "minimum",
            SecurityLevel::Medium => "medium",
            SecurityLevel::Maximum => "maximum",
        }
    }
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

/// Most people one facility may hold.
pub const MAX_CAPACITY: u32 = 10_000_000;

impl Facility {
    /// The facility if every field is valid: name and authority given (and
    /// plain text, see [`crate::limits`]), coordinates on the earth, a time
    /// zone of the IANA database, a capacity of 1 to [`MAX_CAPACITY`], and
    /// at least one category (duplicates dropped).
    pub fn checked(mut self) -> Result<Facility, crate::Violation> {
        use crate::limits::check_text;
        use crate::{Rule, Violation};
        let invalid = |detail: String| Violation::new(Rule::InvalidValue, detail);
        for (field, value) in [("name", &self.name), ("authority", &self.authority)] {
            check_text(&format!("facility {field}"), value)?;
            if value.trim().is_empty() {
                return Err(invalid(format!("the facility {field} is empty")));
            }
        }
        let Coordinates { lat, lon } = self.coordinates;
        if !(lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0) {
            return Err(invalid(format!("{lat},{lon} is not on the earth")));
        }
        if jiff::tz::db().get(&self.time_zone).is_err() {
            return Err(invalid(format!(
                "time zone \"{}\" is not in the IANA time zone database (e.g. Asia/Baghdad)",
                crate::limits::shown(&self.time_zone)
            )));
        }
        if !(1..=MAX_CAPACITY).contains(&self.capacity) {
            return Err(invalid(format!(
                "capacity {} is not between 1 and {MAX_CAPACITY}",
                self.capacity
            )));
        }
        self.categories.sort();
        self.categories.dedup();
        if self.categories.is_empty() {
            return Err(invalid("a facility holds at least one category".into()));
        }
        Ok(self)
    }
}
