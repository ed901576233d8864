//! Lower bounds on the number of days, one per resource. Each drops every
//! rule but one resource, so no plan can beat it; the largest is the proven
//! lower bound reported with the plan.

use crate::format::{Bound, Resource};
use crate::model::{Model, Transport};
use crate::rules;
use std::collections::HashMap;

/// Origins up to this many are bounded subset by subset; above it, one by one
/// and all together.
const SUBSET_ORIGINS: usize = 10;

/// A separation group's members at one origin: origin, members, high-risk members.
pub type GroupAt = (u32, u64, u64);

/// Counts per origin that the bounds need.
#[derive(Debug, Clone, Default)]
pub struct Demand {
    /// People per origin.
    pub people: Vec<u64>,
    /// High-risk people per origin.
    pub high_risk: Vec<u64>,
    /// Medical cases, all origins.
    pub medical: u64,
    /// High-risk medical cases, all origins.
    pub medical_high_risk: u64,
    /// Per separation group: members per origin, and high-risk members per origin.
    pub groups: Vec<(u32, Vec<GroupAt>)>,
}

impl Demand {
    /// Counts the people of a model.
    pub fn of(model: &Model) -> Demand {
        let n = model.origins();
        let mut d = Demand {
            people: vec![0; n],
            high_risk: vec![0; n],
            ..Demand::default()
        };
        let mut groups: HashMap<u32, HashMap<u32, (u64, u64)>> = HashMap::new();
        for p in &model.people {
            let o = p.origin as usize;
            d.people[o] += 1;
            d.high_risk[o] += u64::from(p.high_risk);
            d.medical += u64::from(p.medical);
            d.medical_high_risk += u64::from(p.medical && p.high_risk);
            for &g in p.groups.iter() {
                let e = groups.entry(g).or_default().entry(p.origin).or_default();
                e.0 += 1;
                e.1 += u64::from(p.high_risk);
            }
        }
        let mut groups: Vec<(u32, Vec<GroupAt>)> = groups
            .into_iter()
            .map(|(g, by)| {
                let mut by: Vec<GroupAt> = by.into_iter().map(|(o, (m, h))| (o, m, h)).collect();
                by.sort_unstable();
                (g, by)
            })
            .collect();
        groups.sort_unstable_by_key(|(g, _)| *g);
        d.groups = groups;
        d
    }

    /// Everyone.
    pub fn total(&self) -> u64 {
        self.people.iter().sum()
    }
}

/// Days needed to move `need` with `per_day`; `None` when `need > 0` and nothing is available.
fn days(need: u64, per_day: u64) -> Option<u32> {
    if need == 0 {
        Some(0)
    } else if per_day == 0 {
        None
    } else {
        Some(need.div_ceil(per_day).min(u64::from(u32::MAX)) as u32)
    }
}

/// Every bound, largest first. Bounds that cannot be met at all (no
/// transport for someone) are left out: the feasibility check names those.
pub fn bounds(model: &Model, demand: &Demand, t: &Transport, origin_ids: &[String]) -> Vec<Bound> {
    let mut out = Vec::new();
    let n = demand.total();
    if n == 0 {
        return out;
    }
    out.push(Bound {
        resource: Resource::OneDay,
        subject: None,
        days: 1,
        detail: format!("{n} people to move take at least one day"),
    });
    let origins = t.fleets.len();
    let air = t.air_seats();
    let secure_air = t.high_risk_air_seats();
    let all_land: u64 = (0..origins).map(|o| t.land_seats(o)).sum();
    if let Some(d) = days(n, all_land + air) {
        out.push(Bound {
            resource: Resource::AllSeats,
            subject: None,
            days: d,
            detail: format!("{n} people, {all_land} land seats and {air} flight seats per day"),
        });
    }
    if let Some(b) = t.border
        && let Some(d) = days(n, b)
    {
        out.push(Bound {
            resource: Resource::BorderLimit,
            subject: None,
            days: d,
            detail: format!("{n} people, at most {b} across the border per day"),
        });
    }
    // Seats and armoured seats of some origins, plus every flight, for the
    // people (high-risk people) there.
    let subsets: Vec<Vec<usize>> = if origins <= SUBSET_ORIGINS {
        (1u32..(1 << origins))
            .map(|mask| (0..origins).filter(|o| mask & (1 << o) != 0).collect())
            .collect()
    } else {
        (0..origins).map(|o| vec![o]).collect()
    };
    for s in &subsets {
        let people: u64 = s.iter().map(|&o| demand.people[o]).sum();
        let high: u64 = s.iter().map(|&o| demand.high_risk[o]).sum();
        let land: u64 = s.iter().map(|&o| t.land_seats(o)).sum();
        let armoured: u64 = s.iter().map(|&o| t.armoured_seats(o)).sum();
        let names = s
            .iter()
            .map(|&o| origin_ids[o].as_str())
            .collect::<Vec<_>>()
            .join("+");
        if let Some(d) = days(people, land + air) {
            out.push(Bound {
                resource: Resource::OriginSeats,
                subject: Some(names.clone()),
                days: d,
                detail: format!(
                    "{people} people at {names}: {land} land seats there and {air} flight seats per day"
                ),
            });
        }
        if let Some(d) = days(high, armoured + secure_air) {
            out.push(Bound {
                resource: if armoured == 0 {
                    Resource::Flights
                } else {
                    Resource::ArmouredSeats
                },
                subject: Some(names.clone()),
                days: d,
                detail: format!(
                    "{high} high-risk people at {names}: {armoured} armoured seats there and {secure_air} flight seats per day"
                ),
            });
        }
    }
    // Flights are whole: an origin short of seats (or of armoured seats for
    // its high-risk people) within D days needs whole flights of its own.
    if t.flights > 0
        && let Some(d) = flight_days(demand, t)
    {
        let need: u64 = flights_needed(demand, t, d.saturating_sub(1)).iter().sum();
        out.push(Bound {
            resource: Resource::Flights,
            subject: None,
            days: d,
            detail: format!(
                "flights are whole and serve one origin: in {} days the origins would need {need} flights, {} fly",
                d.saturating_sub(1),
                u64::from(d.saturating_sub(1)) * u64::from(t.flights)
            ),
        });
    }
    // Medic movements: the medical cases ride only on the `medics` largest
    // movements of a day at best.
    let mut caps: Vec<u64> = t
        .fleets
        .iter()
        .flatten()
        .map(|v| u64::from(v.seats))
        .chain((0..t.flights).map(|_| u64::from(t.flight_seats)))
        .collect();
    caps.sort_unstable_by(|a, b| b.cmp(a));
    let medic_seats: u64 = caps.iter().take(t.medics as usize).sum();
    if let Some(d) = days(demand.medical, medic_seats) {
        out.push(Bound {
            resource: Resource::MedicMovements,
            subject: None,
            days: d,
            detail: format!(
                "{} medical cases, {} medic movements per day with at most {medic_seats} seats",
                demand.medical, t.medics
            ),
        });
    }
    let secure_flights = if secure_air > 0 { t.flights } else { 0 };
    let mut secure: Vec<u64> = t
        .fleets
        .iter()
        .flatten()
        .filter(|v| rules::carries_high_risk(v.armored, false))
        .map(|v| u64::from(v.seats))
        .chain((0..secure_flights).map(|_| u64::from(t.flight_seats)))
        .collect();
    secure.sort_unstable_by(|a, b| b.cmp(a));
    let secure_medic: u64 = secure.iter().take(t.medics as usize).sum();
    if let Some(d) = days(demand.medical_high_risk, secure_medic) {
        out.push(Bound {
            resource: Resource::MedicMovements,
            subject: Some("high-risk".into()),
            days: d,
            detail: format!(
                "{} high-risk medical cases, {} medic movements per day with at most {secure_medic} armoured or flight seats",
                demand.medical_high_risk, t.medics
            ),
        });
    }
    // A separation group: its members at these origins need distinct vehicles.
    let mut best: Option<Bound> = None;
    for (g, by) in &demand.groups {
        let members: u64 = by.iter().map(|x| x.1).sum();
        let high: u64 = by.iter().map(|x| x.2).sum();
        let vehicles: u64 = by
            .iter()
            .map(|x| t.fleets[x.0 as usize].len() as u64)
            .sum::<u64>()
            + u64::from(t.flights);
        let armoured: u64 = by
            .iter()
            .filter(|x| x.2 > 0)
            .map(|x| {
                t.fleets[x.0 as usize]
                    .iter()
                    .filter(|v| rules::carries_high_risk(v.armored, false))
                    .count() as u64
            })
            .sum::<u64>()
            + u64::from(secure_flights);
        let name = &model.group_names[*g as usize];
        for (need, per_day, what) in [
            (members, vehicles, "members"),
            (high, armoured, "high-risk members"),
        ] {
            if let Some(d) = days(need, per_day)
                && best.as_ref().is_none_or(|b| d > b.days)
            {
                best = Some(Bound {
                    resource: Resource::SeparationGroup,
                    subject: Some(name.clone()),
                    days: d,
                    detail: format!(
                        "separation group {name}: {need} {what}, each in a different vehicle, {per_day} vehicles and flights per day can take them"
                    ),
                });
            }
        }
    }
    out.extend(best);
    // Largest first; among equals, the simpler resource first.
    out.sort_by(|a, b| {
        b.days
            .cmp(&a.days)
            .then(rank(a.resource).cmp(&rank(b.resource)))
            .then(
                a.subject
                    .as_ref()
                    .map(String::len)
                    .cmp(&b.subject.as_ref().map(String::len)),
            )
    });
    // The largest bound of each resource is enough to show.
    let mut seen = Vec::new();
    out.retain(|b| {
        let new = !seen.contains(&(b.resource, b.subject.is_some()));
        seen.push((b.resource, b.subject.is_some()));
        new
    });
    out
}

/// Whole flights each origin needs to finish in `d` days: what its land
/// seats (armoured seats, for high-risk people) leave over, in flights.
pub fn flights_needed(demand: &Demand, t: &Transport, d: u32) -> Vec<u64> {
    let fs = u64::from(t.flight_seats).max(1);
    (0..t.fleets.len())
        .map(|o| {
            let d = u64::from(d);
            let all = demand.people[o].saturating_sub(d.saturating_mul(t.land_seats(o)));
            let high = demand.high_risk[o].saturating_sub(d.saturating_mul(t.armoured_seats(o)));
            all.max(high).div_ceil(fs)
        })
        .collect()
}

/// The fewest days in which the whole flights the origins need fly.
fn flight_days(demand: &Demand, t: &Transport) -> Option<u32> {
    let fits = |d: u32| {
        flights_needed(demand, t, d).iter().sum::<u64>() <= u64::from(d) * u64::from(t.flights)
    };
    let (mut lo, mut hi) = (1u32, u32::MAX);
    if !fits(hi) {
        return None;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
}

/// Which of equal bounds to name as binding: the most specific.
fn rank(r: Resource) -> u8 {
    match r {
        Resource::BorderLimit => 0,
        Resource::MedicMovements => 1,
        Resource::SeparationGroup => 2,
        Resource::Flights => 3,
        Resource::ArmouredSeats => 4,
        Resource::AllSeats => 5,
        Resource::OriginSeats => 6,
        Resource::OneDay => 7,
    }
}

/// The proven lower bound: the largest bound, or 0 when nobody is to move.
pub fn lower_bound(bounds: &[Bound]) -> u32 {
    bounds.iter().map(|b| b.days).max().unwrap_or(0)
}
