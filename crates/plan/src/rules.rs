//! The planner's questions to the manifest rules, all answered by
//! `rollcall_core::manifest_rules`, the module `movement create` checks
//! with. Nothing here states a rule: it builds the rules' inputs — a
//! traveller for a person of the instance or for a kind of person, a core
//! vehicle for a kind of vehicle, the categories and security level of a
//! destination — so that the solver, the bounds, the destination quotas and
//! the feasibility check ask the very rules the ledger asks.

use crate::format::{PersonIn, Risk, Security, SexIn};
use rollcall_core::custodian::SecurityLevel;
use rollcall_core::manifest_rules::{self, Class, Load, Traveller, Trip};
use rollcall_core::movement::{Mode, Vehicle, VehicleKind};
use rollcall_core::person::{Category, RiskLevel, Sex};
use rollcall_core::violation::Rule;

/// What the manifest rules know of a person in the instance.
pub fn traveller(p: &PersonIn) -> Traveller<'_> {
    Traveller {
        risk: match p.risk {
            Risk::High => RiskLevel::High,
            Risk::Medium => RiskLevel::Medium,
            Risk::Low => RiskLevel::Low,
        },
        sex: match p.sex {
            SexIn::Male => Sex::Male,
            SexIn::Female => Sex::Female,
        },
        juvenile: p.juvenile,
        medical_needs: p.medical,
        separation_groups: &p.groups,
    }
}

/// A traveller standing for every person of a kind: category, high risk or
/// not, medical needs or not, no separation group.
pub fn kind(category: Category, high_risk: bool, medical: bool) -> Traveller<'static> {
    Traveller {
        risk: if high_risk {
            RiskLevel::High
        } else {
            RiskLevel::Low
        },
        sex: if category == Category::AdultFemale {
            Sex::Female
        } else {
            Sex::Male
        },
        juvenile: category == Category::Juvenile,
        medical_needs: medical,
        separation_groups: &[],
    }
}

/// The segregation class of a category (which side of "women and juveniles
/// never with adult men").
pub fn class(category: Category) -> Class {
    kind(category, false, false).class()
}

/// The core vehicle a planned vehicle or flight is.
pub fn vehicle(seats: u32, armored: bool, air: bool) -> Vehicle {
    Vehicle {
        id: String::new(),
        kind: if air {
            VehicleKind::Aircraft
        } else if armored {
            VehicleKind::Armored
        } else {
            VehicleKind::Bus
        },
        seats,
        armored: armored && !air,
    }
}

/// The movement facts of a planned vehicle or flight.
pub fn trip(air: bool, medic: bool) -> Trip {
    Trip {
        mode: if air { Mode::Air } else { Mode::Land },
        medic,
    }
}

/// Whether someone like `t` may take a seat in an empty vehicle of this kind:
/// the rules about the vehicle and the movement (armour, medic), not those
/// about fellow travellers.
pub fn may_ride(t: &Traveller<'_>, armored: bool, air: bool, medic: bool) -> Result<(), Rule> {
    manifest_rules::can_seat(
        trip(air, medic),
        &vehicle(1, armored, air),
        &Load::<u32>::new(),
        t,
    )
}

/// Whether high-risk people may travel in a vehicle of this kind (with a
/// medic on board, so only the transport rule speaks).
pub fn carries_high_risk(armored: bool, air: bool) -> bool {
    may_ride(&kind(Category::AdultMale, true, false), armored, air, true).is_ok()
}

/// Whether a person with medical needs may travel on a movement with
/// (`medic`) or without a medic.
pub fn carries_medical(medic: bool) -> bool {
    may_ride(&kind(Category::AdultMale, false, true), false, true, medic).is_ok()
}

/// The categories a destination of the instance holds: adult men always
/// (the instance format has no way to refuse them), women and juveniles as
/// it says.
pub fn categories(accepts_women: bool, accepts_juveniles: bool) -> Vec<Category> {
    let mut out = vec![Category::AdultMale];
    if accepts_women {
        out.push(Category::AdultFemale);
    }
    if accepts_juveniles {
        out.push(Category::Juvenile);
    }
    out
}

/// The instance's three security levels as the ledger's three, in order:
/// maximum, high, standard are maximum, medium, minimum.
pub fn security(s: Security) -> SecurityLevel {
    match s {
        Security::Maximum => SecurityLevel::Maximum,
        Security::High => SecurityLevel::Medium,
        Security::Standard => SecurityLevel::Minimum,
    }
}

/// Whether a destination holding `categories` at `security` may receive a
/// person of this category and risk.
pub fn receives(
    categories: &[Category],
    security: SecurityLevel,
    category: Category,
    high_risk: bool,
) -> bool {
    manifest_rules::destination_receives(categories, security, &kind(category, high_risk, false))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_ask_what_the_rules_say() {
        assert!(carries_high_risk(true, false) && carries_high_risk(false, true));
        assert!(!carries_high_risk(false, false));
        assert!(carries_medical(true) && !carries_medical(false));
        assert_eq!(class(Category::Juvenile), Class::WomenAndJuveniles);
        assert_eq!(class(Category::AdultMale), Class::AdultMen);
        let men = categories(false, false);
        assert!(receives(
            &men,
            SecurityLevel::Minimum,
            Category::AdultMale,
            false
        ));
        assert!(!receives(
            &men,
            SecurityLevel::Minimum,
            Category::AdultMale,
            true
        ));
        assert!(!receives(
            &men,
            SecurityLevel::Maximum,
            Category::Juvenile,
            false
        ));
        let all = categories(true, true);
        assert!(receives(
            &all,
            SecurityLevel::Maximum,
            Category::AdultFemale,
            true
        ));
    }
}
