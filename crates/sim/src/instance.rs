//! Planner instances shaped like the reference operation: the same origins
//! and destinations and their shares, the same mix of risk levels,
//! juveniles and medical cases, separation groups of two (as in the
//! operation) and some cells of eight, and land convoys, flights, medic
//! movements and a border limit that grow with the scale, so every scale
//! takes about a week.

use crate::places::{DESTINATIONS, ORIGINS};
use crate::weighted;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rollcall_plan::{
    DestinationIn, Instance, OriginIn, PersonIn, Risk, Security, SexIn, VehicleIn,
};

/// Convoys per day at each origin at scale 1 (in `ORIGINS` order).
const CONVOYS_AT_SCALE_1: [u32; 4] = [4, 2, 2, 2];
/// One convoy: two armoured vehicles of 8 and two buses of 45.
const CONVOY: [VehicleIn; 4] = [
    VehicleIn {
        seats: 8,
        armored: true,
    },
    VehicleIn {
        seats: 8,
        armored: true,
    },
    VehicleIn {
        seats: 45,
        armored: false,
    },
    VehicleIn {
        seats: 45,
        armored: false,
    },
];

/// The planner instance of the reference operation at `scale` (1.0 is
/// 7,000 people), everyone still to move. Deterministic in `seed`.
pub fn plan_instance(seed: u64, scale: f64) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    let per_day = |n: u32| ((f64::from(n) * scale).round() as u32).max(1);
    let n = ((crate::PEOPLE_AT_SCALE_1 as f64 * scale).round() as usize).max(20);
    let origin_shares: Vec<u32> = ORIGINS.iter().map(|p| p.share).collect();
    let juvenile_origin = ORIGINS.iter().position(|p| p.juveniles).unwrap_or(0);
    let cells = (n / 211).max(1);
    let people = (0..n)
        .map(|i| {
            let juvenile = rng.random_ratio(1, 60);
            let origin = if juvenile {
                juvenile_origin
            } else {
                weighted(&mut rng, &origin_shares)
            };
            let risk = match rng.random_range(0..100) {
                0..=19 => Risk::High,
                20..=69 => Risk::Medium,
                _ => Risk::Low,
            };
            let mut groups = Vec::new();
            // Pairs, as in the operation: person i and person i + 2000.
            if i % 97 == 3 && i + 2000 < n {
                groups.push(format!("SG-{:05}", i / 97));
            }
            if i % 97 == 3 + 2000 % 97 && i >= 2000 {
                groups.push(format!("SG-{:05}", (i - 2000) / 97));
            }
            // Cells of about eight.
            if i % 211 == 7 {
                groups.push(format!("CELL-{:04}", (i / 211) % cells.div_ceil(8)));
            }
            PersonIn {
                id: format!("P-{:07}", i + 1),
                origin: ORIGINS[origin].id.to_string(),
                risk,
                sex: SexIn::Male,
                juvenile,
                medical: rng.random_ratio(1, 20),
                groups,
            }
        })
        .collect();
    Instance {
        start_date: jiff::civil::date(2026, 1, 22),
        people,
        destinations: DESTINATIONS
            .iter()
            .map(|d| DestinationIn {
                id: d.id.to_string(),
                // Their share with 10% headroom.
                capacity: (n as u64 * u64::from(d.share) * 110).div_ceil(10_000),
                security: Security::Maximum,
                accepts_women: false,
                accepts_juveniles: d.juveniles,
            })
            .collect(),
        origins: ORIGINS
            .iter()
            .zip(CONVOYS_AT_SCALE_1)
            .map(|(o, convoys)| OriginIn {
                id: o.id.to_string(),
                convoys_per_day: per_day(convoys),
                vehicles_per_convoy: CONVOY.to_vec(),
            })
            .collect(),
        flights_per_day: per_day(1),
        flight_seats: 150,
        medic_movements_per_day: per_day(4),
        border_limit_per_day: Some(u64::from(per_day(1_300))),
    }
}
