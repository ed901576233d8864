//! The two file formats: the instance the planner reads and the plan it
//! writes. Both are JSON; field names are the documented ones (README,
//! "Transfer planner"). Unknown fields are refused so a misspelt field is an
//! error, not a silent default.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Everything the planner needs: who is to be moved, where they may go and
/// what transport there is each day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// Day 1 of the plan.
    pub start_date: Date,
    /// Everyone to move.
    pub people: Vec<PersonIn>,
    /// Where they may go.
    pub destinations: Vec<DestinationIn>,
    /// Where they are, with the land transport each origin has per day.
    pub origins: Vec<OriginIn>,
    /// Flights per day (shared by all origins).
    pub flights_per_day: u32,
    /// Seats on each flight.
    pub flight_seats: u32,
    /// Movements per day (vehicles or flights) that may carry a medic.
    pub medic_movements_per_day: u32,
    /// People who may cross the border per day; `null` for no limit.
    pub border_limit_per_day: Option<u64>,
}

/// A person to move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonIn {
    /// Person id (as in the ledger, e.g. `P-0000001`).
    pub id: String,
    /// Origin facility id; one of `origins`.
    pub origin: String,
    /// Risk level.
    pub risk: Risk,
    /// Sex.
    pub sex: SexIn,
    /// Under 18.
    pub juvenile: bool,
    /// Needs a medic on the movement.
    pub medical: bool,
    /// Separation groups: no two members of one group in one vehicle.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// Risk level as written in the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Travels only by air or in an armoured vehicle, only to maximum security.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
}

/// Sex as written in the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SexIn {
    /// Male.
    #[serde(rename = "M")]
    Male,
    /// Female.
    #[serde(rename = "F")]
    Female,
}

/// A destination facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestinationIn {
    /// Facility id.
    pub id: String,
    /// Places left.
    pub capacity: u64,
    /// Security level.
    pub security: Security,
    /// Whether it holds adult women.
    pub accepts_women: bool,
    /// Whether it holds juveniles.
    pub accepts_juveniles: bool,
}

/// A destination's security level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Maximum: the only level that takes high-risk people.
    Maximum,
    /// High.
    High,
    /// Standard.
    Standard,
}

/// An origin facility and its land transport per day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OriginIn {
    /// Facility id.
    pub id: String,
    /// Convoys leaving per day.
    pub convoys_per_day: u32,
    /// The vehicles of each convoy.
    pub vehicles_per_convoy: Vec<VehicleIn>,
}

/// A vehicle of a convoy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehicleIn {
    /// Seats for detainees.
    pub seats: u32,
    /// Armoured.
    pub armored: bool,
}

/// Land (one vehicle) or air (one flight).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModeOut {
    /// One vehicle of a convoy.
    Land,
    /// One flight.
    Air,
}

/// The planner's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Days until everyone is moved (the last day used; day 1 is the start date).
    pub days: u32,
    /// No plan can take fewer days than this (proven by the bounds in `explanation`).
    pub lower_bound_days: u32,
    /// Day 1.
    pub start_date: Date,
    /// Every movement: a land movement is one vehicle, an air movement one flight.
    pub movements: Vec<MovementOut>,
    /// Why the plan takes as long as it does, and what more transport would save.
    pub explanation: Explanation,
}

/// One vehicle or one flight on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MovementOut {
    /// Day number, from 1.
    pub day: u32,
    /// Land or air.
    pub mode: ModeOut,
    /// Origin facility id.
    pub origin: String,
    /// Destination facility id.
    pub destination: String,
    /// Armoured vehicle (always false for a flight).
    pub armored: bool,
    /// Carries a medic (counts against `medic_movements_per_day`).
    pub medic: bool,
    /// Seats of the vehicle or aircraft used.
    pub seats: u32,
    /// Who travels, by id.
    pub people: Vec<String>,
}

/// What bounds the number of days, and what more transport would save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    /// The bound that gives `lower_bound_days`.
    pub binding: Bound,
    /// Every bound computed, largest first.
    pub bounds: Vec<Bound>,
    /// High-risk people moved by land (in armoured vehicles).
    pub high_risk_by_land: u64,
    /// Vehicles and flights used.
    pub vehicles_used: u64,
    /// One more vehicle or flight per day, and the days it would save.
    pub what_if: Vec<WhatIf>,
}

/// A lower bound on the days from one resource alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    /// The resource.
    pub resource: Resource,
    /// The facility or group concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Days this resource alone needs.
    pub days: u32,
    /// The arithmetic, in words.
    pub detail: String,
}

/// The resources whose relaxation gives a lower bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Every seat (land and air) for everyone.
    AllSeats,
    /// The seats at some origins plus the flights, for the people there.
    OriginSeats,
    /// Armoured seats at some origins plus the flights, for the high-risk people there.
    ArmouredSeats,
    /// Flights (high-risk people at an origin without armoured vehicles).
    Flights,
    /// The border limit per day.
    BorderLimit,
    /// Medic movements per day for the medical cases.
    MedicMovements,
    /// A separation group: its members need distinct vehicles.
    SeparationGroup,
    /// Always at least one day when anyone is to move.
    OneDay,
}

/// One more unit of transport per day, and what it would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatIf {
    /// The change, in words (e.g. "one more flight per day").
    pub change: String,
    /// Days the planner needs with it.
    pub days: u32,
    /// Days saved against this plan.
    pub saved: u32,
}
