//! Planning what a ledger holds (`rollcall plan --from-store`): the
//! transport file, which says what the ledger does not know (the convoys of
//! each origin, the flights, the medic movements, the border limit, which
//! facilities are destinations), the conversion of the ledger's people and
//! facilities into an [`Instance`], and of a [`Plan`]'s movements back into
//! the [`PlanRequest`]s that `movement create` records.
//!
//! Pure: the caller reads the ledger (through its policy-checked reader)
//! and records the requests (through the ledger's own checks).

use crate::format::*;
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use rollcall_core::custodian::{Facility, SecurityLevel};
use rollcall_core::movement::{Mode, Vehicle, VehicleKind};
use rollcall_core::ops::PlanRequest;
use rollcall_core::person::{Category, PersonRecord, RiskLevel, Sex};
use rollcall_core::{CustodianId, MovementId, PersonId};
use serde::{Deserialize, Serialize};

/// The transport file: everything the planner needs that the ledger does
/// not hold. Field names as documented (README, "Transfer planner").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransportIn {
    /// Origin facilities (registered in the ledger) and their land
    /// transport per day; everyone held at one and on no open movement is
    /// planned.
    pub origins: Vec<OriginIn>,
    /// Destination facilities (registered in the ledger); their room,
    /// security and categories come from the ledger.
    pub destinations: Vec<String>,
    /// Flights per day (shared by all origins).
    pub flights_per_day: u32,
    /// Seats on each flight.
    pub flight_seats: u32,
    /// Movements per day that may carry a medic.
    pub medic_movements_per_day: u32,
    /// People who may cross the border per day; absent or `null` for no limit.
    #[serde(default)]
    pub border_limit_per_day: Option<u64>,
    /// Local time (at the origin) at which each day's movements are planned
    /// to leave, `HH:MM`; 06:00 if absent.
    #[serde(default = "default_departure")]
    pub departure_time: Time,
    /// The escort team recorded on every planned movement, if known.
    #[serde(default)]
    pub escort: Vec<String>,
}

fn default_departure() -> Time {
    Time::constant(6, 0, 0, 0)
}

/// Why the ledger's facts cannot be planned as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// A facility of the transport file is not a facility in the ledger.
    #[error("{role} {id} of the transport file is not a facility registered in the ledger")]
    NotAFacility {
        /// `origin` or `destination`.
        role: &'static str,
        /// Its id.
        id: String,
    },
    /// A facility is named twice, or as both origin and destination.
    #[error("facility {0} is named more than once in the transport file")]
    Repeated(String),
    /// A destination that holds no adult men: the instance format assumes
    /// every destination does.
    #[error(
        "destination {0} holds no adult men, and the planner assumes every destination does; leave it out of the transport file's destinations"
    )]
    NoAdultMen(String),
    /// A facility's time zone is unknown.
    #[error("facility {facility} has time zone {zone:?}, which is not in the time-zone database")]
    TimeZone {
        /// The facility.
        facility: String,
        /// Its zone.
        zone: String,
    },
    /// A movement's day does not exist on the calendar (past year 9999).
    #[error("day {0} of the plan is not a date")]
    Day(u32),
    /// Fewer movement ids than movements.
    #[error("{movements} movements but {ids} movement ids")]
    Ids {
        /// Movements in the plan.
        movements: usize,
        /// Ids given.
        ids: usize,
    },
}

impl TransportIn {
    /// Checks that no facility is named twice (as origin or destination).
    pub fn check(&self) -> Result<(), LedgerError> {
        let mut seen = std::collections::HashSet::new();
        for id in self
            .origins
            .iter()
            .map(|o| &o.id)
            .chain(self.destinations.iter())
        {
            if !seen.insert(id.as_str()) {
                return Err(LedgerError::Repeated(id.clone()));
            }
        }
        Ok(())
    }

    /// The instance: these people and destinations, this transport, from
    /// `start_date`.
    pub fn instance(
        &self,
        start_date: Date,
        people: Vec<PersonIn>,
        destinations: Vec<DestinationIn>,
    ) -> Instance {
        Instance {
            start_date,
            people,
            destinations,
            origins: self.origins.clone(),
            flights_per_day: self.flights_per_day,
            flight_seats: self.flight_seats,
            medic_movements_per_day: self.medic_movements_per_day,
            border_limit_per_day: self.border_limit_per_day,
        }
    }
}

/// A person held at `origin`, as the planner sees them: risk, sex (one not
/// recorded counts as a man, as the manifest rules count them), juvenile
/// and medical flags, separation groups.
pub fn person_in(id: &str, origin: &str, r: &PersonRecord) -> PersonIn {
    PersonIn {
        id: id.to_string(),
        origin: origin.to_string(),
        risk: match r.risk {
            RiskLevel::High => Risk::High,
            RiskLevel::Medium => Risk::Medium,
            RiskLevel::Low => Risk::Low,
        },
        sex: match r.sex {
            Sex::Female => SexIn::Female,
            Sex::Male | Sex::Unknown => SexIn::Male,
        },
        juvenile: r.flags.juvenile,
        medical: r.flags.medical_needs,
        groups: r.separation_groups.clone(),
    }
}

/// A destination with `room` places left: its security level (maximum,
/// medium, minimum are the instance's maximum, high, standard) and the
/// categories it holds.
pub fn destination_in(id: &str, f: &Facility, room: u64) -> Result<DestinationIn, LedgerError> {
    if !f.categories.contains(&Category::AdultMale) {
        return Err(LedgerError::NoAdultMen(id.to_string()));
    }
    Ok(DestinationIn {
        id: id.to_string(),
        capacity: room,
        security: match f.security {
            SecurityLevel::Maximum => Security::Maximum,
            SecurityLevel::Medium => Security::High,
            SecurityLevel::Minimum => Security::Standard,
        },
        accepts_women: f.categories.contains(&Category::AdultFemale),
        accepts_juveniles: f.categories.contains(&Category::Juvenile),
    })
}

/// The movement requests of `plan`, one per movement, in plan order, with
/// the ids `ids` (one each): a land movement in one vehicle (armoured, or a
/// bus) of the seats the plan used, a flight in one aircraft; each leaving
/// on its day at the transport file's departure time in the origin's time
/// zone (`zone_of` gives it). The ledger checks each as it checks
/// `movement create`.
pub fn requests(
    plan: &Plan,
    transport: &TransportIn,
    zone_of: impl Fn(&str) -> Option<String>,
    ids: Vec<MovementId>,
) -> Result<Vec<PlanRequest>, LedgerError> {
    if ids.len() < plan.movements.len() {
        return Err(LedgerError::Ids {
            movements: plan.movements.len(),
            ids: ids.len(),
        });
    }
    let mut zones: std::collections::HashMap<&str, jiff::tz::TimeZone> = Default::default();
    let mut out = Vec::with_capacity(plan.movements.len());
    for (m, id) in plan.movements.iter().zip(ids) {
        if !zones.contains_key(m.origin.as_str()) {
            let zone = zone_of(&m.origin).unwrap_or_default();
            let tz = jiff::tz::TimeZone::get(&zone).map_err(|_| LedgerError::TimeZone {
                facility: m.origin.clone(),
                zone: zone.clone(),
            })?;
            zones.insert(&m.origin, tz);
        }
        let tz = &zones[m.origin.as_str()];
        let day = plan
            .start_date
            .checked_add(jiff::Span::new().days(i64::from(m.day.saturating_sub(1))))
            .map_err(|_| LedgerError::Day(m.day))?;
        let planned_departure: Timestamp = tz
            .to_timestamp(day.to_datetime(transport.departure_time))
            .map_err(|_| LedgerError::Day(m.day))?;
        let (mode, vehicle) = match m.mode {
            ModeOut::Air => (
                Mode::Air,
                Vehicle {
                    id: "A1".into(),
                    kind: VehicleKind::Aircraft,
                    seats: m.seats,
                    armored: false,
                },
            ),
            ModeOut::Land => (
                Mode::Land,
                Vehicle {
                    id: "V1".into(),
                    kind: if m.armored {
                        VehicleKind::Armored
                    } else {
                        VehicleKind::Bus
                    },
                    seats: m.seats,
                    armored: m.armored,
                },
            ),
        };
        out.push(PlanRequest {
            movement: id,
            mode,
            origin: CustodianId::new(&m.origin),
            destination: CustodianId::new(&m.destination),
            planned_departure,
            vehicles: vec![vehicle],
            escort: transport.escort.clone(),
            medic: m.medic,
            people: m.people.iter().map(PersonId::new).collect(),
            route: vec![],
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_core::custodian::Coordinates;
    use rollcall_core::person::Flags;

    fn facility(categories: Vec<Category>, security: SecurityLevel) -> Facility {
        Facility {
            name: "F".into(),
            authority: "Ministry".into(),
            country: rollcall_core::Country::parse("IQ").unwrap(),
            coordinates: Coordinates {
                lat: 33.0,
                lon: 44.0,
            },
            time_zone: "Asia/Baghdad".into(),
            security,
            capacity: 100,
            categories,
        }
    }

    #[test]
    fn the_transport_file_reads_with_its_defaults_and_refuses_a_misspelt_field() {
        let t: TransportIn = serde_json::from_str(
            r#"{"origins": [{"id": "F-1", "convoys_per_day": 2,
                 "vehicles_per_convoy": [{"seats": 8, "armored": true}]}],
                "destinations": ["F-2"], "flights_per_day": 1, "flight_seats": 150,
                "medic_movements_per_day": 2}"#,
        )
        .unwrap();
        assert_eq!(t.departure_time, Time::constant(6, 0, 0, 0));
        assert_eq!(t.border_limit_per_day, None);
        t.check().unwrap();
        let e = serde_json::from_str::<TransportIn>(
            r#"{"origins": [], "destinations": [], "flights_per_day": 1, "flight_seats": 1,
                "medic_movements_per_day": 0, "border_limit": 5}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("border_limit"), "{e}");
        let mut twice = t.clone();
        twice.destinations.push("F-1".into());
        assert_eq!(twice.check(), Err(LedgerError::Repeated("F-1".into())));
    }

    #[test]
    fn people_and_destinations_read_as_the_manifest_rules_count_them() {
        let r = PersonRecord {
            sex: Sex::Unknown,
            risk: RiskLevel::High,
            flags: Flags {
                juvenile: false,
                medical_needs: true,
            },
            separation_groups: vec!["G".into()],
            ..Default::default()
        };
        let p = person_in("P-1", "F-1", &r);
        assert_eq!(
            (p.sex, p.risk, p.medical, p.groups.clone()),
            (SexIn::Male, Risk::High, true, vec!["G".to_string()])
        );
        let d = destination_in(
            "F-2",
            &facility(
                vec![Category::AdultMale, Category::Juvenile],
                SecurityLevel::Medium,
            ),
            7,
        )
        .unwrap();
        assert_eq!(
            (d.capacity, d.security, d.accepts_women, d.accepts_juveniles),
            (7, Security::High, false, true)
        );
        // The instance's level maps back to the ledger's.
        assert_eq!(crate::rules::security(d.security), SecurityLevel::Medium);
        assert_eq!(
            destination_in(
                "F-W",
                &facility(vec![Category::AdultFemale], SecurityLevel::Maximum),
                1
            ),
            Err(LedgerError::NoAdultMen("F-W".into()))
        );
    }

    #[test]
    fn each_movement_leaves_on_its_day_at_the_local_departure_time() {
        let transport: TransportIn = serde_json::from_str(
            r#"{"origins": [], "destinations": [], "flights_per_day": 1, "flight_seats": 150,
                "medic_movements_per_day": 0, "departure_time": "07:30", "escort": ["Team 1"]}"#,
        )
        .unwrap();
        let movement = |day, mode, armored| MovementOut {
            day,
            mode,
            origin: "F-1".into(),
            destination: "F-2".into(),
            armored,
            medic: false,
            seats: 8,
            people: vec!["P-1".into()],
        };
        let plan = Plan {
            days: 3,
            lower_bound_days: 3,
            start_date: jiff::civil::date(2026, 3, 28),
            movements: vec![
                movement(1, ModeOut::Land, true),
                movement(3, ModeOut::Air, false),
            ],
            explanation: Explanation {
                binding: Bound {
                    resource: Resource::AllSeats,
                    subject: None,
                    days: 3,
                    detail: String::new(),
                },
                bounds: vec![],
                high_risk_by_land: 0,
                vehicles_used: 2,
                what_if: vec![],
            },
        };
        let zone = |_: &str| Some("Asia/Damascus".to_string());
        let ids = vec![MovementId::new("MV-1"), MovementId::new("MV-2")];
        let reqs = requests(&plan, &transport, zone, ids.clone()).unwrap();
        // Damascus is UTC+3 all year.
        assert_eq!(
            reqs[0].planned_departure.to_string(),
            "2026-03-28T04:30:00Z"
        );
        assert_eq!(
            reqs[1].planned_departure.to_string(),
            "2026-03-30T04:30:00Z"
        );
        assert_eq!(reqs[0].vehicles[0].kind, VehicleKind::Armored);
        assert!(reqs[0].vehicles[0].armored && reqs[0].mode == Mode::Land);
        assert_eq!(
            (reqs[1].mode, reqs[1].vehicles[0].kind),
            (Mode::Air, VehicleKind::Aircraft)
        );
        assert_eq!(reqs[1].escort, vec!["Team 1".to_string()]);
        assert_eq!(
            requests(&plan, &transport, zone, ids[..1].to_vec()).unwrap_err(),
            LedgerError::Ids {
                movements: 2,
                ids: 1
            }
        );
        let nowhere = |_: &str| Some("Mars/Olympus".to_string());
        assert!(matches!(
            requests(&plan, &transport, nowhere, ids),
            Err(LedgerError::TimeZone { .. })
        ));
    }
}
