//! Movements: planned convoys and flights, their vehicles and lifecycle.

use crate::custodian::Coordinates;
use serde::{Deserialize, Serialize};

/// Land convoy or flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Land convoy.
    Land,
    /// Flight.
    Air,
}

/// The kind of vehicle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VehicleKind {
    /// Bus.
    Bus,
    /// Truck.
    Truck,
    /// Armoured vehicle.
    Armored,
    /// Aircraft.
    Aircraft,
}

/// One vehicle or aircraft on a movement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vehicle {
    /// Identifier within the movement (e.g. `V1`, or a registration).
    pub id: String,
    /// Kind.
    pub kind: VehicleKind,
    /// Seats for detainees.
    pub seats: u32,
    /// Armoured.
    pub armored: bool,
}

/// Where a movement stands in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementStatus {
    /// Planned, not yet departed.
    Planned,
    /// Under way.
    Departed,
    /// Arrived at its destination, intake not yet reconciled.
    Arrived,
    /// Intake reconciled against the boarded list.
    Reconciled,
    /// Aborted; everyone on board returned to a named custodian.
    Aborted,
}

impl MovementStatus {
    /// The name as written in the ledger and in reports (`departed`).
    pub fn as_str(self) -> &'static str {
        match self {
            MovementStatus::Planned => "planned",
            MovementStatus::Departed => "departed",
            MovementStatus::Arrived => "arrived",
            MovementStatus::Reconciled => "reconciled",
            MovementStatus::Aborted => "aborted",
        }
    }

    /// Whether the movement still holds or may still take people.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            MovementStatus::Planned | MovementStatus::Departed | MovementStatus::Arrived
        )
    }
}

impl std::fmt::Display for MovementStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A waypoint on the planned route.
pub type Waypoint = Coordinates;

/// A person's seat on a movement: which vehicle they travel in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    /// Who.
    pub person: crate::ids::PersonId,
    /// The vehicle's id within the movement.
    pub vehicle: String,
}
