//! A correction of a person's record as an officer states it: only the
//! fields that change. [`Correction::applied_to`] gives the whole record as
//! it should read, so whoever records a correction never needs to read the
//! record first (the node applies it to the record it holds).

use crate::country::Country;
use crate::person::{PartialDate, PersonRecord, RiskLevel, Sex};

/// The fields of a person's record a correction states; `None` leaves a
/// field as recorded. Text is taken as given (callers trim it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Correction {
    /// Full name as written (any script).
    pub full_name: Option<String>,
    /// Full name in Arabic script.
    pub arabic_name: Option<String>,
    /// A Latin spelling to add (kept once).
    pub latin_name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Father's name.
    pub father_name: Option<String>,
    /// Grandfather's name.
    pub grandfather_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Mother's name.
    pub mother_name: Option<String>,
    /// Date of birth.
    pub birth_date: Option<PartialDate>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Nationalities (replaces the list).
    pub nationalities: Option<Vec<Country>>,
    /// Risk level.
    pub risk: Option<RiskLevel>,
    /// Why the risk level is what it is.
    pub risk_reason: Option<String>,
    /// Juvenile.
    pub juvenile: Option<bool>,
    /// Medical needs.
    pub medical_needs: Option<bool>,
    /// Separation groups (replaces the list).
    pub separation_groups: Option<Vec<String>>,
    /// Reference into the external biometric system.
    pub biometric_ref: Option<String>,
}

impl Correction {
    /// `record` with every stated field replaced (a Latin spelling is added
    /// unless already there).
    pub fn applied_to(&self, record: &PersonRecord) -> PersonRecord {
        let mut r = record.clone();
        let set = |slot: &mut Option<String>, v: &Option<String>| {
            if let Some(v) = v {
                *slot = Some(v.clone());
            }
        };
        if let Some(v) = &self.full_name {
            r.names.full = v.clone();
        }
        set(&mut r.names.arabic, &self.arabic_name);
        if let Some(v) = &self.latin_name
            && !r.names.latin.contains(v)
        {
            r.names.latin.push(v.clone());
        }
        set(&mut r.names.given, &self.given_name);
        set(&mut r.names.father, &self.father_name);
        set(&mut r.names.grandfather, &self.grandfather_name);
        set(&mut r.names.family, &self.family_name);
        set(&mut r.names.mother, &self.mother_name);
        if let Some(v) = self.birth_date {
            r.birth_date = Some(v);
        }
        if let Some(v) = self.sex {
            r.sex = v;
        }
        if let Some(v) = &self.nationalities {
            r.nationalities = v.clone();
        }
        if let Some(v) = self.risk {
            r.risk = v;
        }
        set(&mut r.risk_reason, &self.risk_reason);
        if let Some(v) = self.juvenile {
            r.flags.juvenile = v;
        }
        if let Some(v) = self.medical_needs {
            r.flags.medical_needs = v;
        }
        if let Some(v) = &self.separation_groups {
            r.separation_groups = v.clone();
        }
        set(&mut r.biometric_ref, &self.biometric_ref);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stated_fields_change_and_a_latin_spelling_is_added_once() {
        let mut base = PersonRecord::default();
        base.names.full = "A".into();
        base.names.latin = vec!["Ahmad".into()];
        base.names.father = Some("F".into());
        assert_eq!(Correction::default().applied_to(&base), base);
        let c = Correction {
            latin_name: Some("Ahmad".into()),
            risk: Some(RiskLevel::High),
            juvenile: Some(true),
            ..Correction::default()
        };
        let r = c.applied_to(&base);
        assert_eq!(r.names.latin, vec!["Ahmad".to_string()]);
        assert_eq!(r.names.father.as_deref(), Some("F"));
        assert_eq!(r.risk, RiskLevel::High);
        assert!(r.flags.juvenile);
        let r = Correction {
            latin_name: Some("Ahmed".into()),
            ..Correction::default()
        }
        .applied_to(&base);
        assert_eq!(
            r.names.latin,
            vec!["Ahmad".to_string(), "Ahmed".to_string()]
        );
    }
}
