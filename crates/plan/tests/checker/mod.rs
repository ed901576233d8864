//! An independent plan checker, written from the problem statement and
//! sharing no code with the solver or the manifest-rules module: it reads
//! only the instance and the plan as plain data and verifies every rule.
//!
//! It restates every rule on purpose. It is the tests' oracle, the one place
//! outside `rollcall_core::manifest_rules` allowed to: a check that called
//! the same rules as the solver could not catch a misreading of them.

use rollcall_plan::{Instance, ModeOut, Plan, Risk, Security, SexIn};
use std::collections::{HashMap, HashSet};

/// Every rule the plan breaks; empty when it is valid.
pub fn check(instance: &Instance, plan: &Plan) -> Vec<String> {
    let mut errors = Vec::new();
    let mut err = |s: String| errors.push(s);
    let person: HashMap<&str, &rollcall_plan::PersonIn> =
        instance.people.iter().map(|p| (p.id.as_str(), p)).collect();
    let dest: HashMap<&str, &rollcall_plan::DestinationIn> = instance
        .destinations
        .iter()
        .map(|d| (d.id.as_str(), d))
        .collect();
    let origin: HashMap<&str, &rollcall_plan::OriginIn> = instance
        .origins
        .iter()
        .map(|o| (o.id.as_str(), o))
        .collect();

    // Everyone exactly once.
    let mut seen: HashSet<&str> = HashSet::new();
    for m in &plan.movements {
        for p in &m.people {
            if !person.contains_key(p.as_str()) {
                err(format!("unknown person {p}"));
            }
            if !seen.insert(p.as_str()) {
                err(format!("person {p} is moved twice"));
            }
        }
    }
    for p in &instance.people {
        if !seen.contains(p.id.as_str()) {
            err(format!("person {} is never moved", p.id));
        }
    }

    // Days.
    let last = plan.movements.iter().map(|m| m.day).max().unwrap_or(0);
    if plan.days != last {
        err(format!(
            "days is {} but the last movement is on day {last}",
            plan.days
        ));
    }
    if plan.lower_bound_days > plan.days {
        err(format!(
            "lower bound {} above the plan's {} days",
            plan.lower_bound_days, plan.days
        ));
    }

    // Per vehicle or aircraft.
    let mut arrivals: HashMap<&str, u64> = HashMap::new();
    for (k, m) in plan.movements.iter().enumerate() {
        let at = format!("movement {k} (day {}, {:?}, {})", m.day, m.mode, m.origin);
        if m.day == 0 {
            err(format!("{at}: day 0"));
        }
        if m.people.is_empty() {
            err(format!("{at}: carries nobody"));
        }
        let Some(o) = origin.get(m.origin.as_str()) else {
            err(format!("{at}: unknown origin"));
            continue;
        };
        let Some(d) = dest.get(m.destination.as_str()) else {
            err(format!("{at}: unknown destination {}", m.destination));
            continue;
        };
        *arrivals.entry(m.destination.as_str()).or_default() += m.people.len() as u64;
        if m.people.len() as u64 > u64::from(m.seats) {
            err(format!(
                "{at}: {} people in {} seats",
                m.people.len(),
                m.seats
            ));
        }
        match m.mode {
            ModeOut::Air => {
                if m.seats > instance.flight_seats {
                    err(format!(
                        "{at}: a flight has {} seats",
                        instance.flight_seats
                    ));
                }
                if m.armored {
                    err(format!("{at}: a flight marked armoured"));
                }
            }
            ModeOut::Land => {
                if !o
                    .vehicles_per_convoy
                    .iter()
                    .any(|v| v.seats == m.seats && v.armored == m.armored)
                {
                    err(format!("{at}: origin has no such vehicle"));
                }
            }
        }
        let secure = m.mode == ModeOut::Air || m.armored;
        let mut men = false;
        let mut others = false;
        let mut groups: HashSet<&str> = HashSet::new();
        for id in &m.people {
            let Some(p) = person.get(id.as_str()) else {
                continue;
            };
            if p.origin != m.origin {
                err(format!("{at}: {id} is at {}, not here", p.origin));
            }
            if p.risk == Risk::High && !secure {
                err(format!("{at}: high-risk {id} by unarmoured land vehicle"));
            }
            if p.risk == Risk::High && d.security != Security::Maximum {
                err(format!("{at}: high-risk {id} to {:?} security", d.security));
            }
            if p.medical && !m.medic {
                err(format!("{at}: medical case {id} without a medic"));
            }
            let adult_man = !p.juvenile && p.sex == SexIn::Male;
            if adult_man {
                men = true;
            } else {
                others = true;
            }
            if p.juvenile && !d.accepts_juveniles {
                err(format!("{at}: juvenile {id} to {}", d.id));
            }
            if !p.juvenile && p.sex == SexIn::Female && !d.accepts_women {
                err(format!("{at}: woman {id} to {}", d.id));
            }
            // A group listed twice by one person is still one member.
            let own: HashSet<&str> = p.groups.iter().map(String::as_str).collect();
            for g in own {
                if !groups.insert(g) {
                    err(format!("{at}: two members of separation group {g}"));
                }
            }
        }
        if men && others {
            err(format!("{at}: women or juveniles with adult men"));
        }
    }
    for d in &instance.destinations {
        let n = arrivals.get(d.id.as_str()).copied().unwrap_or(0);
        if n > d.capacity {
            err(format!("{} receives {n}, capacity {}", d.id, d.capacity));
        }
    }

    // Per day: vehicles at each origin, flights, medics, border.
    let mut by_day: HashMap<u32, Vec<&rollcall_plan::MovementOut>> = HashMap::new();
    for m in &plan.movements {
        by_day.entry(m.day).or_default().push(m);
    }
    for (day, ms) in &by_day {
        let flights = ms.iter().filter(|m| m.mode == ModeOut::Air).count() as u64;
        if flights > u64::from(instance.flights_per_day) {
            err(format!("day {day}: {flights} flights"));
        }
        let medics = ms.iter().filter(|m| m.medic).count() as u64;
        if medics > u64::from(instance.medic_movements_per_day) {
            err(format!("day {day}: {medics} medic movements"));
        }
        let crossing: u64 = ms.iter().map(|m| m.people.len() as u64).sum();
        if let Some(b) = instance.border_limit_per_day
            && crossing > b
        {
            err(format!("day {day}: {crossing} cross the border, limit {b}"));
        }
        for o in &instance.origins {
            // Vehicles of each kind used, against convoys times vehicles of that kind.
            let mut used: HashMap<(u32, bool), u64> = HashMap::new();
            for m in ms
                .iter()
                .filter(|m| m.origin == o.id && m.mode == ModeOut::Land)
            {
                *used.entry((m.seats, m.armored)).or_default() += 1;
            }
            for ((seats, armored), n) in used {
                let have = o
                    .vehicles_per_convoy
                    .iter()
                    .filter(|v| v.seats == seats && v.armored == armored)
                    .count() as u64
                    * u64::from(o.convoys_per_day);
                if n > have {
                    err(format!(
                        "day {day}: {} uses {n} vehicles of {seats} seats (armoured {armored}), has {have}",
                        o.id
                    ));
                }
            }
        }
    }
    errors
}
