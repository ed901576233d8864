//! A person as recorded: names in the scripts they were written in, partial
//! dates of birth, nationalities, documents, flags, risk and separation groups.

use crate::country::Country;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Names as recorded. Arabic-script and Latin forms are both kept as given;
/// nothing is transliterated or normalised here (that is matching's job).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Names {
    /// The full name exactly as written on the source record (any script).
    pub full: String,
    /// The full name in Arabic script, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arabic: Option<String>,
    /// Latin spellings seen for this person (transliteration variants).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latin: Vec<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    /// Father's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub father: Option<String>,
    /// Grandfather's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grandfather: Option<String>,
    /// Family or tribal name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// Mother's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mother: Option<String>,
}

/// A date that may be known only to the year or the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartialDate {
    /// Year.
    pub year: u16,
    /// Month, 1–12, if known.
    pub month: Option<u8>,
    /// Day of month, if known (only with a month).
    pub day: Option<u8>,
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking that the date exists.
    pub fn parse(s: &str) -> Result<PartialDate, String> {
        let parts: Vec<&str> = s.trim().split('-').collect();
        let num = |p: &str, len: usize, what: &str| -> Result<u32, String> {
            if p.len() != len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{what} in {s:?} must be {len} digits"));
            }
            p.parse::<u32>().map_err(|e| e.to_string())
        };
        if parts.is_empty() || parts.len() > 3 {
            return Err(format!("{s:?} is not YYYY, YYYY-MM or YYYY-MM-DD"));
        }
        let year = num(parts[0], 4, "year")?;
        if !(1900..=2100).contains(&year) {
            return Err(format!("year {year} in {s:?} is out of range 1900-2100"));
        }
        let month = match parts.get(1) {
            Some(p) => {
                let m = num(p, 2, "month")?;
                if !(1..=12).contains(&m) {
                    return Err(format!("month {m} in {s:?} is not 01-12"));
                }
                Some(m as u8)
            }
            None => None,
        };
        let day = match (parts.get(2), month) {
            (Some(p), Some(m)) => {
                let d = num(p, 2, "day")?;
                if d == 0 || d > days_in_month(year, m as u32) {
                    return Err(format!("day {d} in {s:?} does not exist"));
                }
                Some(d as u8)
            }
            _ => None,
        };
        Ok(PartialDate {
            year: year as u16,
            month,
            day,
        })
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        _ => 28,
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl TryFrom<String> for PartialDate {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        PartialDate::parse(&s)
    }
}

impl From<PartialDate> for String {
    fn from(d: PartialDate) -> String {
        d.to_string()
    }
}

/// Sex as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
    /// Not recorded.
    #[default]
    Unknown,
}

/// An identity document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Kind, as written on the roster (`passport`, `national_id`, `icrc_card` ...).
    pub kind: String,
    /// The document number.
    pub number: String,
    /// Issuing country, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<Country>,
}

/// Assessed risk, with the reason it was assessed so.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Low.
    #[default]
    Low,
    /// Medium.
    Medium,
    /// High: travels only by air or in an armoured vehicle.
    High,
}

impl RiskLevel {
    /// The name as written in the ledger (`high`).
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }
}

/// Flags that change how a person is held and moved.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Flags {
    /// Under 18 at registration.
    #[serde(default)]
    pub juvenile: bool,
    /// Needs medical attention or medication.
    #[serde(default)]
    pub medical_needs: bool,
}

/// The category a facility may or may not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Adult men (and adults whose sex is not recorded).
    AdultMale,
    /// Adult women.
    AdultFemale,
    /// Boys and girls under 18.
    Juvenile,
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Category::AdultMale => "adult male",
            Category::AdultFemale => "adult female",
            Category::Juvenile => "juvenile",
        })
    }
}

/// Where a person's record came from: a roster and its row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRow {
    /// The roster (file name or source label).
    pub roster: String,
    /// The row's `record_id` in that roster.
    pub record_id: String,
    /// Line number in the roster file, if imported from a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

/// Everything recorded about a person's identity and handling needs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PersonRecord {
    /// Names as recorded.
    pub names: Names,
    /// Date of birth, possibly partial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<PartialDate>,
    /// Place of birth as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_place: Option<String>,
    /// Sex.
    #[serde(default)]
    pub sex: Sex,
    /// Nationalities; empty when none is known.
    #[serde(default)]
    pub nationalities: Vec<Country>,
    /// Identity documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<Document>,
    /// Reference into an external biometric system (never the biometric itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biometric_ref: Option<String>,
    /// Handling flags.
    #[serde(default)]
    pub flags: Flags,
    /// Risk level.
    #[serde(default)]
    pub risk: RiskLevel,
    /// Why the risk level is what it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_reason: Option<String>,
    /// Separation groups: people sharing a group must not travel or be held together.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub separation_groups: Vec<String>,
}

impl PersonRecord {
    /// The category used by facility rules.
    pub fn category(&self) -> Category {
        if self.flags.juvenile {
            Category::Juvenile
        } else if self.sex == Sex::Female {
            Category::AdultFemale
        } else {
            Category::AdultMale
        }
    }

    /// The nationality used for counts: the first recorded, or `unknown`.
    pub fn primary_nationality_key(&self) -> String {
        self.nationalities
            .first()
            .map(|c| c.alpha3().to_string())
            .unwrap_or_else(|| "unknown".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates() {
        assert_eq!(PartialDate::parse("1990").unwrap().to_string(), "1990");
        assert_eq!(
            PartialDate::parse("1990-02").unwrap().to_string(),
            "1990-02"
        );
        assert_eq!(
            PartialDate::parse("2000-02-29").unwrap().to_string(),
            "2000-02-29"
        );
        for bad in [
            "1990-02-30",
            "1900-02-29",
            "90",
            "1990-13",
            "1990-1-01",
            "abcd",
            "",
            "1990-01-01-01",
        ] {
            assert!(PartialDate::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
