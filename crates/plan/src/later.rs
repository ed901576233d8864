//! The later objectives at the days found: fewest high-risk people by land,
//! then fewest vehicles, never more days and never a broken rule.
//!
//! Given a plan of `D` days, [`improve`] builds others within the same `D`
//! days with the later objectives in mind (`construct`: flights reserved
//! for the high-risk people and flown full, land vehicles only for what the
//! flights cannot take, buses before armoured vehicles for the others),
//! polishes each and the given plan by local search ([`crate::polish`]),
//! and keeps the best by the whole objective in order (days, high-risk
//! people by land, vehicles). The given plan is a candidate, so the result
//! is never worse; a construction may even finish a day sooner.

use crate::destination;
use crate::format::Instance;
use crate::model::{Model, Transport};
use crate::polish;
use crate::rules;
use crate::solve::{self, HIGH, HIGH_MEDICAL, Limits, MEDICAL, Offer, Origin, PLAIN, Trip1};

/// The objective after days: high-risk people by land, then vehicles and
/// flights used.
pub fn score(model: &Model, trips: &[Trip1]) -> (usize, usize) {
    let land = trips
        .iter()
        .filter(|t| !t.air)
        .flat_map(|t| &t.people)
        .filter(|&&i| model.people[i as usize].high_risk)
        .count();
    (land, trips.iter().filter(|t| !t.people.is_empty()).count())
}

/// The last day of a plan.
pub fn days(trips: &[Trip1]) -> u32 {
    trips.iter().map(|t| t.day).max().unwrap_or(0)
}

/// How the construction uses land transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Land {
    /// Only the people the flights reserved for an origin cannot take go by
    /// land, and armoured vehicles carry others only when the buses of the
    /// days left cannot.
    Lazy,
    /// Everyone the land vehicles can take goes by land as early as possible.
    Eager,
}

/// Which flights are reserved beyond those the days need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extra {
    /// Only for high-risk people no flight covers yet.
    HighRisk,
    /// Also for other people, where a flight saves at least one vehicle.
    Everyone,
    /// Also for other people, while any are left uncovered.
    All,
}

/// One construction to try: flights reserved per origin, destinations, land use.
type Variant<'a> = (&'a [u64], &'a [Option<u32>], Land);

/// A plan as good as `trips` or better: no more days, and at as many days
/// no more high-risk people by land, then no more vehicles. `dest` is the
/// destination of each person in `trips`' construction; the constructions
/// here try it and [`destination::assign_by_origin`]. The candidates are
/// built and polished on up to `threads` threads; the answer does not
/// depend on how many (ties go to the earlier candidate, the given plan
/// first).
pub fn improve(
    instance: &Instance,
    model: &Model,
    dest: &[Option<u32>],
    trips: Vec<Trip1>,
    threads: usize,
) -> Vec<Trip1> {
    let transport = &model.transport;
    let d = days(&trips);
    if d == 0 {
        return trips;
    }
    let by_origin = destination::assign_by_origin(model);
    // Every construction to try: flights reserved, destinations, land use.
    let mut plans: Vec<Vec<u64>> = Vec::new();
    for extra in [Extra::HighRisk, Extra::Everyone, Extra::All] {
        if let Some(flights) = flight_plan(model, transport, d, extra)
            && !plans.contains(&flights)
        {
            plans.push(flights);
        }
    }
    let mut variants: Vec<Variant<'_>> = Vec::new();
    for flights in &plans {
        for dest in [Some(dest), by_origin.as_deref()].into_iter().flatten() {
            for land in [Land::Lazy, Land::Eager] {
                variants.push((flights, dest, land));
            }
        }
    }
    // Job 0 polishes the given plan; job k > 0 builds and polishes variant
    // k - 1. Threads take the next job until none is left.
    let job = |k: usize| -> Option<Vec<Trip1>> {
        let mut trips = match k {
            0 => trips.clone(),
            _ => {
                let (flights, dest, land) = variants[k - 1];
                construct(instance, model, transport, dest, d, flights, land)?
            }
        };
        polish::polish(instance, model, &mut trips);
        Some(trips)
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let jobs = variants.len() + 1;
    let work = || {
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if k >= jobs {
                return done;
            }
            done.push((k, job(k)));
        }
    };
    let mut results: Vec<(usize, Option<Vec<Trip1>>)> = std::thread::scope(|s| {
        let others: Vec<_> = (1..threads.max(1)).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for h in others {
            match h.join() {
                Ok(done) => all.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    results.sort_by_key(|(k, _)| *k);
    // The given plan first, then the same polished (never worse), then the
    // constructions.
    let mut best = trips;
    let candidates = results.into_iter().filter_map(|(_, t)| t);
    // The whole objective, in order: days, then the later ones.
    let mut best_score = (days(&best), score(model, &best));
    for trips in candidates {
        let s = (days(&trips), score(model, &trips));
        if s < best_score {
            best = trips;
            best_score = s;
        }
    }
    best
}

/// People a flight can take in a day: its seats, or its share of the border
/// limit when every flight of the day flies.
fn flight_load(t: &Transport) -> u64 {
    let fs = u64::from(t.flight_seats);
    match t.border {
        Some(b) if t.flights > 0 => fs.min(b / u64::from(t.flights)).max(1),
        _ => fs.max(1),
    }
}

/// Flights reserved for each origin over `days` days: first the whole
/// flights it needs to finish in time (what its land seats, or armoured
/// seats for its high-risk people, leave over), then one by one to the
/// origin with the most high-risk people no flight covers, then (with
/// [`Extra::Everyone`]) to the origin with the most people no flight covers
/// while a flight there saves a vehicle. `None` when the days cannot hold
/// the flights needed.
fn flight_plan(model: &Model, t: &Transport, days: u32, extra: Extra) -> Option<Vec<u64>> {
    let no = model.origins();
    if t.flights == 0 {
        return Some(vec![0; no]);
    }
    let eff = flight_load(t);
    let d = u64::from(days);
    let mut people = vec![0u64; no];
    let mut high = vec![0u64; no];
    for p in &model.people {
        people[p.origin as usize] += 1;
        high[p.origin as usize] += u64::from(p.high_risk);
    }
    let mut f: Vec<u64> = (0..no)
        .map(|o| {
            let all = people[o].saturating_sub(d.saturating_mul(t.land_seats(o)));
            let hr = high[o].saturating_sub(d.saturating_mul(t.armoured_seats(o)));
            all.max(hr).div_ceil(eff)
        })
        .collect();
    let total = d.saturating_mul(u64::from(t.flights));
    let mut used: u64 = f.iter().sum();
    if used > total {
        return None;
    }
    let largest: Vec<u64> = (0..no)
        .map(|o| {
            t.fleets[o]
                .iter()
                .map(|v| u64::from(v.seats))
                .max()
                .unwrap_or(0)
        })
        .collect();
    while used < total {
        let uncovered = |o: usize, n: &[u64]| n[o].saturating_sub(f[o].saturating_mul(eff));
        let o = (0..no)
            .max_by_key(|&o| (uncovered(o, &high), uncovered(o, &people)))
            .filter(|&o| {
                uncovered(o, &high) > 0
                    || (extra == Extra::Everyone && uncovered(o, &people) > largest[o])
                    || (extra == Extra::All && uncovered(o, &people) > 0)
            });
        let Some(o) = o else { break };
        f[o] += 1;
        used += 1;
    }
    Some(f)
}

/// The bucket a flight takes: the most high-risk people it may carry, then
/// the most people.
fn flight_bucket(origin: &Origin, medic: bool) -> Option<usize> {
    origin
        .buckets
        .iter()
        .enumerate()
        .filter(|(_, b)| b.available(true, medic) > 0)
        .max_by_key(|(_, b)| {
            let high = b.queues[HIGH].len()
                + if medic {
                    b.queues[HIGH_MEDICAL].len()
                } else {
                    0
                };
            (high, b.available(true, medic))
        })
        .map(|(b, _)| b)
}

/// The bucket a land vehicle takes without a medic: for a secure vehicle
/// with high-risk people to carry, the most of them; else the most people it
/// may carry.
fn land_bucket(origin: &Origin, secure: bool, high: bool) -> Option<usize> {
    if secure && high {
        // The fewest high-risk people first: the flights to come take the
        // large groups of one destination.
        return origin
            .buckets
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.queues[HIGH].is_empty())
            .min_by_key(|(_, b)| b.queues[HIGH].len())
            .map(|(b, _)| b);
    }
    origin
        .buckets
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.queues[PLAIN].is_empty())
        .max_by_key(|(_, b)| b.queues[PLAIN].len())
        .map(|(b, _)| b)
}

/// Builds a plan of at most `days` days for the later objectives: each day
/// the flights reserved go first, fly full (high-risk people first) and take
/// the border limit first; then each origin's land vehicles carry what those
/// flights cannot: armoured vehicles the high-risk people left over, buses
/// the others. `None` if someone is left after `days` days.
fn construct(
    instance: &Instance,
    model: &Model,
    transport: &Transport,
    dest: &[Option<u32>],
    days: u32,
    flights: &[u64],
    land: Land,
) -> Option<Vec<Trip1>> {
    let no = model.origins();
    let mut origins = solve::waiting(model, dest);
    let eff = flight_load(transport);
    let fs = transport.flight_seats;
    // Per origin, the secure vehicles and the others, each largest first.
    let mut secure: Vec<Vec<Offer>> = vec![Vec::new(); no];
    let mut buses: Vec<Vec<Offer>> = vec![Vec::new(); no];
    for (o, fleet) in transport.fleets.iter().enumerate() {
        for v in fleet {
            let offer = Offer {
                seats: v.seats,
                armored: v.armored,
                air: false,
            };
            if rules::carries_high_risk(v.armored, false) {
                secure[o].push(offer);
            } else {
                buses[o].push(offer);
            }
        }
        secure[o].sort_by_key(|v| std::cmp::Reverse(v.seats));
        buses[o].sort_by_key(|v| std::cmp::Reverse(v.seats));
    }
    let land_seats: Vec<u64> = (0..no).map(|o| transport.land_seats(o)).collect();
    let bus_seats: Vec<u64> = (0..no)
        .map(|o| buses[o].iter().map(|v| u64::from(v.seats)).sum())
        .collect();
    let medic_flights = rules::carries_medical(true);
    let mut quota = flights.to_vec();
    let mut left: u64 = origins.iter().map(|o| o.left).sum();
    let mut trips: Vec<Trip1> = Vec::new();
    for day in 1..=days {
        if left == 0 {
            break;
        }
        let r = u64::from(days - day + 1);
        // Today's flights: to the origins with flights reserved, most first.
        let mut given = vec![0u32; no];
        for _ in 0..transport.flights {
            let o = (0..no)
                .filter(|&o| quota[o] > 0 && origins[o].left > u64::from(given[o]) * eff)
                .max_by_key(|&o| quota[o]);
            let Some(o) = o else { break };
            quota[o] -= 1;
            given[o] += 1;
        }
        let mut budget = transport.border.unwrap_or(u64::MAX);
        let mut medics = transport.medics;
        for (o, &n) in given.iter().enumerate() {
            for _ in 0..n {
                if budget == 0 || origins[o].left == 0 {
                    break;
                }
                let cap = u64::from(fs).min(budget) as u32;
                let may_medic = medic_flights && medics > 0;
                let Some(b) = flight_bucket(&origins[o], may_medic) else {
                    break;
                };
                let medic = may_medic && origins[o].buckets[b].medical(true) > 0;
                let subs: &[usize] = if medic {
                    &[HIGH_MEDICAL, HIGH, MEDICAL, PLAIN]
                } else {
                    &[HIGH, PLAIN]
                };
                let offer = Offer {
                    seats: fs,
                    armored: false,
                    air: true,
                };
                let all = Limits {
                    high: u32::MAX,
                    others: u32::MAX,
                };
                if let Some(t) = solve::board(
                    instance,
                    model,
                    &mut origins[o],
                    offer,
                    cap,
                    b,
                    subs,
                    all,
                    medic,
                    day,
                    o as u32,
                ) {
                    medics -= u32::from(medic);
                    budget -= t.people.len() as u64;
                    left -= t.people.len() as u64;
                    trips.push(t);
                }
            }
        }
        // What goes by land: what the flights still reserved cannot take.
        let mut high_need = vec![0u64; no];
        let mut others_need = vec![0u64; no];
        let mut want = vec![0u64; no];
        for o in 0..no {
            let future = quota[o].saturating_mul(eff);
            let origin = &origins[o];
            let others = origin.left - origin.high;
            high_need[o] = origin.high.saturating_sub(future);
            others_need[o] = match land {
                Land::Lazy => others.saturating_sub(future.saturating_sub(origin.high)),
                Land::Eager => others,
            };
            want[o] = (high_need[o] + others_need[o]).min(land_seats[o]);
        }
        let mut share = solve::share_border(&want, transport.border.map(|_| budget));
        let take = |trip: Trip1,
                    o: usize,
                    share: &mut [u64],
                    high_need: &mut [u64],
                    others_need: &mut [u64],
                    left: &mut u64,
                    trips: &mut Vec<Trip1>| {
            let n = trip.people.len() as u64;
            let h = trip
                .people
                .iter()
                .filter(|&&i| model.people[i as usize].high_risk)
                .count() as u64;
            share[o] -= n;
            high_need[o] = high_need[o].saturating_sub(h);
            others_need[o] = others_need[o].saturating_sub(n - h);
            *left -= n;
            trips.push(trip);
        };
        let limits = |o: usize, h: &[u64], x: &[u64]| Limits {
            high: h[o].min(u64::from(u32::MAX)) as u32,
            others: x[o].min(u64::from(u32::MAX)) as u32,
        };
        // The medic movements left: where they carry the most medical cases.
        let mut offers: Vec<Vec<Offer>> = (0..no)
            .map(|o| secure[o].iter().chain(&buses[o]).copied().collect())
            .collect();
        while medics > 0 {
            let Some((o, k, b)) = solve::best_medic(&origins, &offers, &share) else {
                break;
            };
            let offer = offers[o].remove(k);
            let cap = u64::from(offer.seats).min(share[o]) as u32;
            let subs: &[usize] = if rules::carries_high_risk(offer.armored, false) {
                &[HIGH_MEDICAL, MEDICAL, HIGH, PLAIN]
            } else {
                &[MEDICAL, PLAIN]
            };
            let mut lim = limits(o, &high_need, &others_need);
            // Medical cases ride now or wait for another medic movement.
            lim.others = u32::MAX;
            lim.high = lim.high.max(
                origins[o].buckets[b].queues[HIGH_MEDICAL]
                    .len()
                    .min(u32::MAX as usize) as u32,
            );
            medics -= 1;
            if let Some(t) = solve::board(
                instance,
                model,
                &mut origins[o],
                offer,
                cap,
                b,
                subs,
                lim,
                true,
                day,
                o as u32,
            ) {
                take(
                    t,
                    o,
                    &mut share,
                    &mut high_need,
                    &mut others_need,
                    &mut left,
                    &mut trips,
                );
            }
        }
        for o in 0..no {
            let n_secure = offers[o]
                .iter()
                .filter(|v| rules::carries_high_risk(v.armored, false))
                .count();
            let (mut sec, bus): (Vec<Offer>, Vec<Offer>) = {
                let (a, b) = offers[o].split_at(n_secure);
                (a.to_vec(), b.to_vec())
            };
            // Secure vehicles for the high-risk people that go by land,
            // topped up with others.
            while high_need[o] > 0 && share[o] > 0 && !sec.is_empty() {
                let Some(b) = land_bucket(&origins[o], true, true) else {
                    break;
                };
                let offer = sec.remove(0);
                let cap = u64::from(offer.seats).min(share[o]) as u32;
                if let Some(t) = solve::board(
                    instance,
                    model,
                    &mut origins[o],
                    offer,
                    cap,
                    b,
                    &[HIGH, PLAIN],
                    limits(o, &high_need, &others_need),
                    false,
                    day,
                    o as u32,
                ) {
                    take(
                        t,
                        o,
                        &mut share,
                        &mut high_need,
                        &mut others_need,
                        &mut left,
                        &mut trips,
                    );
                }
            }
            // Buses for the others.
            for offer in bus {
                if others_need[o] == 0 || share[o] == 0 {
                    break;
                }
                let Some(b) = land_bucket(&origins[o], false, false) else {
                    break;
                };
                let cap = u64::from(offer.seats).min(share[o]) as u32;
                if let Some(t) = solve::board(
                    instance,
                    model,
                    &mut origins[o],
                    offer,
                    cap,
                    b,
                    &[PLAIN],
                    limits(o, &high_need, &others_need),
                    false,
                    day,
                    o as u32,
                ) {
                    take(
                        t,
                        o,
                        &mut share,
                        &mut high_need,
                        &mut others_need,
                        &mut left,
                        &mut trips,
                    );
                }
            }
            // The secure vehicles left carry others only as far as the buses
            // of the days left could not (lazily), or at once (eagerly).
            for offer in sec {
                let spare = match land {
                    Land::Lazy => {
                        others_need[o].saturating_sub((r - 1).saturating_mul(bus_seats[o]))
                    }
                    Land::Eager => others_need[o],
                };
                if spare == 0 || share[o] == 0 {
                    break;
                }
                let Some(b) = land_bucket(&origins[o], true, false) else {
                    break;
                };
                let cap = u64::from(offer.seats).min(share[o]) as u32;
                let lim = Limits {
                    high: 0,
                    others: spare.min(u64::from(u32::MAX)) as u32,
                };
                if let Some(t) = solve::board(
                    instance,
                    model,
                    &mut origins[o],
                    offer,
                    cap,
                    b,
                    &[PLAIN],
                    lim,
                    false,
                    day,
                    o as u32,
                ) {
                    take(
                        t,
                        o,
                        &mut share,
                        &mut high_need,
                        &mut others_need,
                        &mut left,
                        &mut trips,
                    );
                }
            }
        }
    }
    (left == 0).then_some(trips)
}
