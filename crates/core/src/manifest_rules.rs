//! The manifest rules, once: who may travel in which vehicle of which
//! movement, and to which destination.
//!
//! Every place that seats people or checks a manifest uses this module and
//! nothing else: [`crate::ops::assign_seats`] (seating), the apply path
//! (planning, a correction of someone on a planned movement, escort-record
//! confirmation, departure) and the transfer planner. It needs no
//! [`crate::State`]: plain person attributes ([`Traveller`]), a vehicle, the
//! movement's [`Trip`] facts and what the vehicle already carries ([`Load`])
//! come in, and the broken [`Rule`] comes out.
//!
//! The rules:
//! - a vehicle fits the movement's mode: aircraft on flights, never on land
//!   ([`vehicle_fits_mode`]);
//! - a vehicle's seats are never exceeded ([`Rule::Seats`]);
//! - a high-risk person travels only by air or in an armoured vehicle
//!   ([`Rule::HighRiskTransport`]);
//! - a person with medical needs travels only on a movement with a medic in
//!   its escort ([`Rule::MedicalEscort`]);
//! - women and juveniles never travel in a vehicle with adult men
//!   ([`Rule::Segregation`]);
//! - no two people of one separation group travel in the same vehicle
//!   ([`Rule::Separation`]);
//! - the destination holds the person's category ([`destination_holds`]);
//! - a high-risk person goes only to a maximum-security facility
//!   ([`Rule::HighRiskSecurity`]; [`destination_receives`] checks both
//!   destination rules).

use crate::custodian::SecurityLevel;
use crate::ids::PersonId;
use crate::movement::{Mode, Vehicle, VehicleKind};
use crate::person::{Category, PersonRecord, RiskLevel, Sex};
use crate::violation::Rule;
use std::collections::HashMap;
use std::hash::Hash;

/// What the manifest rules need to know about one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Traveller<'a> {
    /// Assessed risk.
    pub risk: RiskLevel,
    /// Sex as recorded (unknown counts as a man for segregation).
    pub sex: Sex,
    /// Under 18.
    pub juvenile: bool,
    /// Needs medical attention or medication en route.
    pub medical_needs: bool,
    /// Separation groups: nobody sharing one travels in the same vehicle.
    pub separation_groups: &'a [String],
}

impl<'a> Traveller<'a> {
    /// The attributes of a recorded person.
    pub fn of(record: &'a PersonRecord) -> Traveller<'a> {
        Traveller {
            risk: record.risk,
            sex: record.sex,
            juvenile: record.flags.juvenile,
            medical_needs: record.flags.medical_needs,
            separation_groups: &record.separation_groups,
        }
    }

    /// The category facility rules use (same as [`PersonRecord::category`]).
    pub fn category(&self) -> Category {
        if self.juvenile {
            Category::Juvenile
        } else if self.sex == Sex::Female {
            Category::AdultFemale
        } else {
            Category::AdultMale
        }
    }

    /// Which side of the segregation rule this person is on.
    pub fn class(&self) -> Class {
        match self.category() {
            Category::AdultMale => Class::AdultMen,
            Category::AdultFemale | Category::Juvenile => Class::WomenAndJuveniles,
        }
    }

    /// Whether this person needs an armoured vehicle in `mode`.
    pub fn needs_armour(&self, mode: Mode) -> bool {
        self.risk == RiskLevel::High && mode != Mode::Air
    }
}

/// The two groups that never share a vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Adult men (and adults whose sex is not recorded).
    AdultMen,
    /// Women and juveniles.
    WomenAndJuveniles,
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Class::AdultMen => "adult men",
            Class::WomenAndJuveniles => "women and juveniles",
        })
    }
}

/// What the manifest rules need to know about the movement as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trip {
    /// Land or air.
    pub mode: Mode,
    /// A medic travels with the escort.
    pub medic: bool,
}

/// What one vehicle already carries. `K` names people (a [`PersonId`] by
/// default) so a refusal can say who the newcomer conflicts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load<K = PersonId> {
    seated: u32,
    class: Option<(Class, K)>,
    groups: HashMap<String, K>,
}

impl<K> Default for Load<K> {
    fn default() -> Self {
        Load {
            seated: 0,
            class: None,
            groups: HashMap::new(),
        }
    }
}

impl<K: Clone> Load<K> {
    /// An empty vehicle.
    pub fn new() -> Self {
        Self::default()
    }

    /// People seated.
    pub fn seated(&self) -> u32 {
        self.seated
    }

    /// The segregation class the vehicle carries, once someone is seated.
    pub fn class(&self) -> Option<Class> {
        self.class.as_ref().map(|(c, _)| *c)
    }

    /// Whether someone of separation group `group` is seated.
    pub fn has_group(&self, group: &str) -> bool {
        self.groups.contains_key(group)
    }

    /// Seats `who`. Call only after [`can_seat`] said yes; seating someone
    /// the rules refuse is not prevented here.
    pub fn board(&mut self, who: &K, t: &Traveller<'_>) {
        self.seated = self.seated.saturating_add(1);
        if self.class.is_none() {
            self.class = Some((t.class(), who.clone()));
        }
        for g in t.separation_groups {
            self.groups.entry(g.clone()).or_insert_with(|| who.clone());
        }
    }

    /// The person already seated that makes `rule` refuse `t`, if the rule
    /// is about another person (segregation, separation).
    pub fn conflict(&self, rule: Rule, t: &Traveller<'_>) -> Option<&K> {
        match rule {
            Rule::Segregation => self
                .class
                .as_ref()
                .filter(|(c, _)| *c != t.class())
                .map(|(_, k)| k),
            Rule::Separation => t.separation_groups.iter().find_map(|g| self.groups.get(g)),
            _ => None,
        }
    }
}

/// Whether a vehicle may be used in a movement of `mode`:
/// [`Rule::VehicleMode`] otherwise.
pub fn vehicle_fits_mode(mode: Mode, vehicle: &Vehicle) -> Result<(), Rule> {
    let aircraft = vehicle.kind == VehicleKind::Aircraft;
    match mode {
        Mode::Air if !aircraft => Err(Rule::VehicleMode),
        Mode::Land if aircraft => Err(Rule::VehicleMode),
        _ => Ok(()),
    }
}

/// Why `vehicle` does not fit `mode`, in words (for refusals).
pub fn vehicle_mode_problem(mode: Mode, vehicle: &Vehicle) -> String {
    match mode {
        Mode::Air => format!(
            "a flight uses aircraft only; vehicle {} is a {:?}, not an aircraft",
            vehicle.id, vehicle.kind
        ),
        Mode::Land => format!(
            "a land movement never uses an aircraft; vehicle {} is one",
            vehicle.id
        ),
    }
}

/// Whether `t` may take a seat in `vehicle` of a movement `trip`, given what
/// the vehicle already carries. The rules are checked in this order: seats,
/// high-risk transport, medical escort, segregation, separation.
pub fn can_seat<K: Clone>(
    trip: Trip,
    vehicle: &Vehicle,
    load: &Load<K>,
    t: &Traveller<'_>,
) -> Result<(), Rule> {
    if load.seated >= vehicle.seats {
        return Err(Rule::Seats);
    }
    if t.needs_armour(trip.mode) && !vehicle.armored {
        return Err(Rule::HighRiskTransport);
    }
    if t.medical_needs && !trip.medic {
        return Err(Rule::MedicalEscort);
    }
    if load.class().is_some_and(|c| c != t.class()) {
        return Err(Rule::Segregation);
    }
    if t.separation_groups.iter().any(|g| load.has_group(g)) {
        return Err(Rule::Separation);
    }
    Ok(())
}

/// Whether a destination that holds `categories` may receive `t`:
/// [`Rule::Category`] otherwise.
pub fn destination_holds(categories: &[Category], t: &Traveller<'_>) -> Result<(), Rule> {
    holds_category(categories, t.category())
}

/// Whether a facility that holds `categories` may hold someone of
/// `category`: [`Rule::Category`] otherwise. Every custody change into a
/// facility asks it (registration, handover, recapture, an abort's return).
pub fn holds_category(categories: &[Category], category: Category) -> Result<(), Rule> {
    if categories.contains(&category) {
        Ok(())
    } else {
        Err(Rule::Category)
    }
}

/// Whether a facility of `security` may receive `t` by a decision to move
/// them there (a movement's destination, a handover): high-risk people go
/// only to maximum security ([`Rule::HighRiskSecurity`]).
pub fn security_admits(security: SecurityLevel, t: &Traveller<'_>) -> Result<(), Rule> {
    if t.risk == RiskLevel::High && security != SecurityLevel::Maximum {
        Err(Rule::HighRiskSecurity)
    } else {
        Ok(())
    }
}

/// Whether a destination of `security` that holds `categories` may receive
/// `t`: it holds their category ([`Rule::Category`], as
/// [`destination_holds`]) and, for a high-risk person, it is a
/// maximum-security facility ([`Rule::HighRiskSecurity`], as
/// [`security_admits`]). The apply path checks every movement's
/// destination with this (at planning, at a correction of someone on it,
/// at departure) and the transfer planner every destination it chooses.
pub fn destination_receives(
    categories: &[Category],
    security: SecurityLevel,
    t: &Traveller<'_>,
) -> Result<(), Rule> {
    destination_holds(categories, t)?;
    security_admits(security, t)
}

/// A sentence for people saying what `rule` demands (for refusals).
pub fn explain(rule: Rule) -> &'static str {
    match rule {
        Rule::Seats => "a vehicle's seats are never exceeded",
        Rule::HighRiskTransport => "high-risk people travel only by air or in an armoured vehicle",
        Rule::MedicalEscort => {
            "people with medical needs travel only on a movement with a medic in its escort"
        }
        Rule::Segregation => "women and juveniles never travel in a vehicle with adult men",
        Rule::Separation => "people sharing a separation group never travel in the same vehicle",
        Rule::Category => "the destination must hold the person's category",
        Rule::HighRiskSecurity => "high-risk people go only to a maximum-security facility",
        Rule::VehicleMode => "flights use aircraft; land movements never do",
        _ => "the manifest rules must hold",
    }
}

/// One broken rule found by [`check_seating`]: who, in which vehicle, and
/// whom they conflict with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach<K = PersonId> {
    /// The rule broken.
    pub rule: Rule,
    /// The person who cannot be seated as listed.
    pub person: K,
    /// Their vehicle's id.
    pub vehicle: String,
    /// The person already seated they conflict with, if any.
    pub with: Option<K>,
}

impl<K: std::fmt::Display> std::fmt::Display for Breach<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "person {} cannot travel in vehicle {}",
            self.person, self.vehicle
        )?;
        if let Some(w) = &self.with {
            write!(f, " with person {w}")?;
        }
        write!(f, ": {}", explain(self.rule))
    }
}

/// Checks a whole seating plan in order: each `(person, vehicle id,
/// traveller)` against its vehicle's load so far, and each vehicle against
/// the mode. A seat in a vehicle not in `vehicles` is [`Rule::Manifest`].
/// Returns the first breach.
pub fn check_seating<'t, K: Clone + Eq + Hash>(
    trip: Trip,
    vehicles: &[Vehicle],
    seats: impl IntoIterator<Item = (K, &'t str, Traveller<'t>)>,
) -> Result<(), Breach<K>> {
    let mut loads: HashMap<&str, (&Vehicle, Load<K>)> = HashMap::with_capacity(vehicles.len());
    for v in vehicles {
        loads.entry(v.id.as_str()).or_insert((v, Load::new()));
    }
    for (who, vehicle, t) in seats {
        let Some((v, load)) = loads.get_mut(vehicle) else {
            return Err(Breach {
                rule: Rule::Manifest,
                person: who,
                vehicle: vehicle.to_string(),
                with: None,
            });
        };
        if let Err(rule) =
            vehicle_fits_mode(trip.mode, v).and_then(|()| can_seat(trip, v, load, &t))
        {
            return Err(Breach {
                rule,
                with: load.conflict(rule, &t).cloned(),
                person: who,
                vehicle: vehicle.to_string(),
            });
        }
        load.board(&who, &t);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bus(seats: u32) -> Vehicle {
        Vehicle {
            id: "B1".into(),
            kind: VehicleKind::Bus,
            seats,
            armored: false,
        }
    }

    fn man(groups: &[String]) -> Traveller<'_> {
        Traveller {
            risk: RiskLevel::Low,
            sex: Sex::Male,
            juvenile: false,
            medical_needs: false,
            separation_groups: groups,
        }
    }

    const LAND: Trip = Trip {
        mode: Mode::Land,
        medic: false,
    };

    #[test]
    fn each_rule_is_named() {
        let none: [String; 0] = [];
        let g = ["G1".to_string()];
        let mut load: Load<&str> = Load::new();
        load.board(&"a", &man(&g));
        let v = bus(2);
        assert_eq!(can_seat(LAND, &v, &load, &man(&none)), Ok(()));
        assert_eq!(can_seat(LAND, &v, &load, &man(&g)), Err(Rule::Separation));
        assert_eq!(load.conflict(Rule::Separation, &man(&g)), Some(&"a"));
        let woman = Traveller {
            sex: Sex::Female,
            ..man(&none)
        };
        assert_eq!(can_seat(LAND, &v, &load, &woman), Err(Rule::Segregation));
        let high = Traveller {
            risk: RiskLevel::High,
            ..man(&none)
        };
        assert_eq!(
            can_seat(LAND, &v, &load, &high),
            Err(Rule::HighRiskTransport)
        );
        let air = Trip {
            mode: Mode::Air,
            medic: false,
        };
        let plane = Vehicle {
            kind: VehicleKind::Aircraft,
            ..bus(2)
        };
        assert_eq!(can_seat(air, &plane, &load, &high), Ok(()));
        assert_eq!(vehicle_fits_mode(Mode::Air, &v), Err(Rule::VehicleMode));
        assert_eq!(
            vehicle_fits_mode(Mode::Land, &plane),
            Err(Rule::VehicleMode)
        );
        let sick = Traveller {
            medical_needs: true,
            ..man(&none)
        };
        assert_eq!(can_seat(LAND, &v, &load, &sick), Err(Rule::MedicalEscort));
        let with_medic = Trip {
            medic: true,
            ..LAND
        };
        assert_eq!(can_seat(with_medic, &v, &load, &sick), Ok(()));
        load.board(&"b", &man(&none));
        assert_eq!(can_seat(LAND, &v, &load, &man(&none)), Err(Rule::Seats));
    }

    #[test]
    fn destinations_hold_categories_and_high_risk_needs_maximum_security() {
        let none: [String; 0] = [];
        let men = [Category::AdultMale];
        let high = Traveller {
            risk: RiskLevel::High,
            ..man(&none)
        };
        let woman = Traveller {
            sex: Sex::Female,
            ..man(&none)
        };
        use SecurityLevel::{Maximum, Medium};
        assert_eq!(destination_receives(&men, Medium, &man(&none)), Ok(()));
        assert_eq!(destination_receives(&men, Maximum, &high), Ok(()));
        assert_eq!(
            destination_receives(&men, Medium, &high),
            Err(Rule::HighRiskSecurity)
        );
        // The category comes first, as destination_holds says it.
        assert_eq!(destination_holds(&men, &woman), Err(Rule::Category));
        assert_eq!(
            destination_receives(&men, Maximum, &woman),
            Err(Rule::Category)
        );
    }

    #[test]
    fn seating_plans_are_checked_in_order() {
        let none: [String; 0] = [];
        let woman = Traveller {
            sex: Sex::Female,
            ..man(&none)
        };
        let err = check_seating(
            LAND,
            &[bus(10)],
            [("p1", "B1", man(&none)), ("p2", "B1", woman)],
        )
        .unwrap_err();
        assert_eq!(err.rule, Rule::Segregation);
        assert_eq!((err.person, err.with), ("p2", Some("p1")));
        let err = check_seating(LAND, &[bus(10)], [("p1", "B9", man(&none))]).unwrap_err();
        assert_eq!(err.rule, Rule::Manifest);
    }
}
