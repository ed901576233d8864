//! The instance, checked and indexed: people by number, origins and
//! destinations by position, separation groups interned. Every problem in the
//! instance is refused here with the row, field and value at fault.

use crate::format::{Instance, Risk, VehicleIn};
use crate::rules;
use rollcall_core::custodian::SecurityLevel;
use rollcall_core::person::Category;
use std::collections::HashMap;

/// A refused instance: what is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstanceError {
    /// Two rows with one id.
    #[error("{list}[{row}]: id {id:?} is already used by {list}[{first}]")]
    DuplicateId {
        /// `people`, `origins` or `destinations`.
        list: &'static str,
        /// The later row.
        row: usize,
        /// The earlier row.
        first: usize,
        /// The id.
        id: String,
    },
    /// An empty id.
    #[error("{list}[{row}].id is empty")]
    EmptyId {
        /// The list.
        list: &'static str,
        /// The row.
        row: usize,
    },
    /// A person at an origin the instance does not list.
    #[error("people[{row}].origin: {origin:?} is not one of the origins")]
    UnknownOrigin {
        /// The row.
        row: usize,
        /// The value.
        origin: String,
    },
    /// A vehicle without seats.
    #[error(
        "origins[{origin}].vehicles_per_convoy[{vehicle}].seats is 0; a vehicle needs at least one seat"
    )]
    NoSeats {
        /// Origin row.
        origin: usize,
        /// Vehicle row.
        vehicle: usize,
    },
    /// Flights without seats.
    #[error("flight_seats is 0 while flights_per_day is {flights}; give the seats of each flight")]
    NoFlightSeats {
        /// Flights per day.
        flights: u32,
    },
    /// A number too large to plan with.
    #[error("{field} is {value}; the planner takes at most {max}")]
    TooLarge {
        /// The field.
        field: String,
        /// The value.
        value: u64,
        /// The most allowed.
        max: u64,
    },
}

/// A person, as the solver sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Origin index.
    pub origin: u32,
    /// High risk.
    pub high_risk: bool,
    /// The category facility and vehicle rules use.
    pub category: Category,
    /// Needs a medic.
    pub medical: bool,
    /// Separation groups, interned, sorted, without repeats.
    pub groups: Box<[u32]>,
}

/// A destination, as the solver sees it: the inputs of the manifest rules'
/// destination check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// Places left.
    pub capacity: u64,
    /// The categories it holds.
    pub categories: Vec<Category>,
    /// Its security level.
    pub security: SecurityLevel,
}

impl Destination {
    /// Whether this destination may take a person of this kind, by
    /// `rollcall_core::manifest_rules::destination_receives`.
    pub fn accepts(&self, category: Category, high_risk: bool) -> bool {
        rules::receives(&self.categories, self.security, category, high_risk)
    }
}

/// The transport available every day. Cheap to clone: what-if questions
/// change only this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transport {
    /// Per origin, every vehicle available per day (convoys times vehicles).
    pub fleets: Vec<Vec<VehicleIn>>,
    /// Flights per day.
    pub flights: u32,
    /// Seats per flight.
    pub flight_seats: u32,
    /// Medic movements per day.
    pub medics: u32,
    /// Border limit per day.
    pub border: Option<u64>,
}

impl Transport {
    /// Seats per day at origin `o` (land only).
    pub fn land_seats(&self, o: usize) -> u64 {
        self.fleets[o].iter().map(|v| u64::from(v.seats)).sum()
    }
    /// Seats per day at origin `o` that high-risk people may take by land
    /// (armoured, by the manifest rules).
    pub fn armoured_seats(&self, o: usize) -> u64 {
        self.fleets[o]
            .iter()
            .filter(|v| rules::carries_high_risk(v.armored, false))
            .map(|v| u64::from(v.seats))
            .sum()
    }
    /// Flight seats per day.
    pub fn air_seats(&self) -> u64 {
        u64::from(self.flights) * u64::from(self.flight_seats)
    }
    /// Flight seats per day that high-risk people may take (all of them, by
    /// the manifest rules).
    pub fn high_risk_air_seats(&self) -> u64 {
        if rules::carries_high_risk(false, true) {
            self.air_seats()
        } else {
            0
        }
    }
}

/// The checked instance.
#[derive(Debug, Clone)]
pub struct Model {
    /// People, in instance order.
    pub people: Vec<Person>,
    /// Destinations, in instance order.
    pub destinations: Vec<Destination>,
    /// Transport per day.
    pub transport: Transport,
    /// Separation group names, by interned number.
    pub group_names: Vec<String>,
}

/// The most vehicles per origin per day the planner takes.
pub const MAX_VEHICLES_PER_ORIGIN: u64 = 1_000_000;

impl Model {
    /// Checks the instance and indexes it.
    pub fn new(instance: &Instance) -> Result<Model, InstanceError> {
        unique_ids("origins", instance.origins.iter().map(|o| o.id.as_str()))?;
        unique_ids(
            "destinations",
            instance.destinations.iter().map(|d| d.id.as_str()),
        )?;
        unique_ids("people", instance.people.iter().map(|p| p.id.as_str()))?;
        let origin_of: HashMap<&str, u32> = instance
            .origins
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id.as_str(), i as u32))
            .collect();
        let mut group_of: HashMap<&str, u32> = HashMap::new();
        let mut group_names = Vec::new();
        let mut people = Vec::with_capacity(instance.people.len());
        for (row, p) in instance.people.iter().enumerate() {
            let origin =
                *origin_of
                    .get(p.origin.as_str())
                    .ok_or_else(|| InstanceError::UnknownOrigin {
                        row,
                        origin: p.origin.clone(),
                    })?;
            let mut groups: Vec<u32> = p
                .groups
                .iter()
                .map(|g| {
                    *group_of.entry(g.as_str()).or_insert_with(|| {
                        group_names.push(g.clone());
                        (group_names.len() - 1) as u32
                    })
                })
                .collect();
            groups.sort_unstable();
            groups.dedup();
            people.push(Person {
                origin,
                high_risk: p.risk == Risk::High,
                category: rules::traveller(p).category(),
                medical: p.medical,
                groups: groups.into_boxed_slice(),
            });
        }
        let mut fleets = Vec::with_capacity(instance.origins.len());
        for (o, origin) in instance.origins.iter().enumerate() {
            let per_day =
                u64::from(origin.convoys_per_day) * origin.vehicles_per_convoy.len() as u64;
            if per_day > MAX_VEHICLES_PER_ORIGIN {
                return Err(InstanceError::TooLarge {
                    field: format!("origins[{o}]: convoys_per_day times vehicles_per_convoy"),
                    value: per_day,
                    max: MAX_VEHICLES_PER_ORIGIN,
                });
            }
            if let Some(v) = origin.vehicles_per_convoy.iter().position(|v| v.seats == 0) {
                return Err(InstanceError::NoSeats {
                    origin: o,
                    vehicle: v,
                });
            }
            let mut fleet = Vec::with_capacity(per_day as usize);
            for _ in 0..origin.convoys_per_day {
                fleet.extend_from_slice(&origin.vehicles_per_convoy);
            }
            fleets.push(fleet);
        }
        if instance.flights_per_day > 0 && instance.flight_seats == 0 {
            return Err(InstanceError::NoFlightSeats {
                flights: instance.flights_per_day,
            });
        }
        if u64::from(instance.flights_per_day) > MAX_VEHICLES_PER_ORIGIN {
            return Err(InstanceError::TooLarge {
                field: "flights_per_day".into(),
                value: instance.flights_per_day.into(),
                max: MAX_VEHICLES_PER_ORIGIN,
            });
        }
        Ok(Model {
            people,
            destinations: instance
                .destinations
                .iter()
                .map(|d| Destination {
                    capacity: d.capacity,
                    categories: rules::categories(d.accepts_women, d.accepts_juveniles),
                    security: rules::security(d.security),
                })
                .collect(),
            transport: Transport {
                fleets,
                flights: instance.flights_per_day,
                flight_seats: instance.flight_seats,
                medics: instance.medic_movements_per_day,
                border: instance.border_limit_per_day,
            },
            group_names,
        })
    }

    /// Number of origins.
    pub fn origins(&self) -> usize {
        self.transport.fleets.len()
    }
}

fn unique_ids<'a>(
    list: &'static str,
    ids: impl ExactSizeIterator<Item = &'a str>,
) -> Result<(), InstanceError> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    for (row, id) in ids.enumerate() {
        if id.is_empty() {
            return Err(InstanceError::EmptyId { list, row });
        }
        if let Some(&first) = seen.get(id) {
            return Err(InstanceError::DuplicateId {
                list,
                row,
                first,
                id: id.to_string(),
            });
        }
        seen.insert(id, row);
    }
    Ok(())
}
