//! The constructive solver: day by day, every vehicle and flight is filled
//! as far as the rules allow, the scarce resources going to the people who
//! need them. Every seat is given through the manifest rules of
//! `rollcall_core::manifest_rules`, the module `movement create` checks with.

use crate::format::{Instance, VehicleIn};
use crate::model::{Model, Transport};
use crate::rules::{self, traveller, vehicle};
use rollcall_core::manifest_rules::{self, Class, Load};
use std::collections::{HashMap, VecDeque};

/// One vehicle or flight on one day, people by instance row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trip1 {
    /// Day, from 1.
    pub day: u32,
    /// By air.
    pub air: bool,
    /// Origin index.
    pub origin: u32,
    /// Destination index.
    pub destination: u32,
    /// Armoured vehicle.
    pub armored: bool,
    /// Carries a medic.
    pub medic: bool,
    /// Seats of the vehicle.
    pub seats: u32,
    /// Instance rows of the people on board.
    pub people: Vec<u32>,
}

/// The solver could not move someone although the feasibility check passed
/// (a day moved nobody): the rows still waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stuck {
    /// Day on which nothing moved.
    pub day: u32,
    /// Rows of the people left.
    pub left: Vec<u32>,
}

/// Sub-queues of a bucket: high risk (2) plus medical (1). The queues only
/// sort who to try first; every seat is still given by the manifest rules.
pub(crate) const PLAIN: usize = 0;
pub(crate) const MEDICAL: usize = 1;
pub(crate) const HIGH: usize = 2;
pub(crate) const HIGH_MEDICAL: usize = 3;

/// People waiting at one origin for one destination, of one segregation class.
#[derive(Debug, Default, Clone)]
pub(crate) struct Bucket {
    pub(crate) queues: [VecDeque<u32>; 4],
}

impl Bucket {
    pub(crate) fn available(&self, secure: bool, medic: bool) -> usize {
        let q = &self.queues;
        q[PLAIN].len()
            + if medic { q[MEDICAL].len() } else { 0 }
            + if secure { q[HIGH].len() } else { 0 }
            + if secure && medic {
                q[HIGH_MEDICAL].len()
            } else {
                0
            }
    }
    pub(crate) fn medical(&self, secure: bool) -> usize {
        self.queues[MEDICAL].len()
            + if secure {
                self.queues[HIGH_MEDICAL].len()
            } else {
                0
            }
    }
}

/// What is left at one origin.
#[derive(Debug, Default, Clone)]
pub(crate) struct Origin {
    /// `buckets[destination * 2 + men]`.
    pub(crate) buckets: Vec<Bucket>,
    pub(crate) left: u64,
    pub(crate) high: u64,
    pub(crate) medical: u64,
}

/// One vehicle offered on a day.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Offer {
    pub(crate) seats: u32,
    pub(crate) armored: bool,
    pub(crate) air: bool,
}

/// Everyone whose destination is given (`destination[i]` is `None` for
/// nobody once the feasibility check has passed), waiting at their origins:
/// in buckets by destination and segregation class, each queue with the
/// separation-group members first, so they spread over the vehicles early
/// rather than clash at the end.
pub(crate) fn waiting(model: &Model, destination: &[Option<u32>]) -> Vec<Origin> {
    let nd = model.destinations.len();
    let mut origins: Vec<Origin> = (0..model.origins())
        .map(|_| Origin {
            buckets: vec![Bucket::default(); nd * 2],
            ..Origin::default()
        })
        .collect();
    let mut order: Vec<u32> = (0..model.people.len() as u32).collect();
    order.sort_by_key(|&i| model.people[i as usize].groups.is_empty());
    for i in order {
        let p = &model.people[i as usize];
        let Some(d) = destination[i as usize] else {
            continue;
        };
        let o = &mut origins[p.origin as usize];
        let men = usize::from(rules::class(p.category) == Class::AdultMen);
        let sub = usize::from(p.high_risk) * 2 + usize::from(p.medical);
        o.buckets[d as usize * 2 + men].queues[sub].push_back(i);
        o.left += 1;
        o.high += u64::from(p.high_risk);
        o.medical += u64::from(p.medical);
    }
    origins
}

/// A target to construct for: everyone moved within `days`, with at least
/// `flights[o]` flights for origin `o` over the whole plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Days.
    pub days: u32,
    /// Flights per origin over the plan.
    pub flights: Vec<u64>,
    /// Armoured vehicles carry others first while the reserved flights
    /// ahead can take all of an origin's high-risk people.
    pub hold_high: bool,
}

/// Why a construction gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// A day moved nobody.
    Stuck(Stuck),
    /// The target's days passed with these people left.
    Late(Stuck),
}

/// Plans everyone whose destination is given, day by day; with a target,
/// gives up once its days are over.
pub fn solve(
    instance: &Instance,
    model: &Model,
    transport: &Transport,
    destination: &[Option<u32>],
    target: Option<&Target>,
    polish: bool,
    mut on_day: impl FnMut(u32, u64),
) -> Result<Vec<Trip1>, Failure> {
    let mut quota: Vec<u64> =
        target.map_or_else(|| vec![0; model.origins()], |t| t.flights.clone());
    let no = model.origins();
    let mut origins = waiting(model, destination);
    // Per origin, the land fleet in packing order: armoured first (they
    // carry the high-risk people), largest first (fewest vehicles).
    let fleets: Vec<Vec<VehicleIn>> = transport
        .fleets
        .iter()
        .map(|f| {
            let mut f = f.clone();
            f.sort_by_key(|v| (!v.armored, std::cmp::Reverse(v.seats)));
            f
        })
        .collect();
    let land: Vec<u64> = (0..no).map(|o| transport.land_seats(o)).collect();
    let armoured: Vec<u64> = (0..no).map(|o| transport.armoured_seats(o)).collect();
    let fs = u64::from(transport.flight_seats);
    let mut left: u64 = origins.iter().map(|o| o.left).sum();
    let mut trips = Vec::new();
    let mut day = 0u32;
    while left > 0 {
        day += 1;
        if target.is_some_and(|t| day > t.days) {
            return Err(Failure::Late(Stuck {
                day,
                left: left_rows(&origins),
            }));
        }
        let flights = share_flights(&origins, transport, &land, &armoured, &mut quota);
        // What each origin can move today: seats, and for its high-risk
        // people only armoured seats and flights (a share of the border
        // limit it cannot use would be lost to the others).
        let capacity: Vec<u64> = (0..no)
            .map(|o| {
                let (left, high) = (origins[o].left, origins[o].high);
                let air = u64::from(flights[o]) * fs;
                left.min(land[o] + air)
                    .min(left - high + high.min(armoured[o] + air))
            })
            .collect();
        let mut budget = share_border(&capacity, transport.border);
        let before = left;
        // The medic movements first, each on the vehicle and bucket where it
        // carries the most medical cases; then everything else.
        let mut offers: Vec<Vec<Offer>> = (0..no)
            .map(|o| {
                (0..flights[o])
                    .map(|_| Offer {
                        seats: transport.flight_seats,
                        armored: false,
                        air: true,
                    })
                    .chain(fleets[o].iter().map(|v| Offer {
                        seats: v.seats,
                        armored: v.armored,
                        air: false,
                    }))
                    .collect()
            })
            .collect();
        for _ in 0..transport.medics {
            let Some((o, k, b)) = best_medic(&origins, &offers, &budget) else {
                break;
            };
            let offer = offers[o].remove(k);
            let cap = offer.seats.min(budget[o].min(u64::from(u32::MAX)) as u32);
            if let Some(trip) = fill(
                instance,
                model,
                &mut origins[o],
                offer,
                cap,
                Some(b),
                false,
                day,
                o as u32,
            ) {
                let n = trip.people.len() as u64;
                budget[o] -= n;
                left -= n;
                trips.push(trip);
            }
        }
        for o in 0..no {
            for &offer in &offers[o] {
                if budget[o] == 0 || origins[o].left == 0 {
                    break;
                }
                let cap = offer.seats.min(budget[o].min(u64::from(u32::MAX)) as u32);
                // With flights reserved for this origin in the days ahead
                // that can take all its high-risk people, armoured vehicles
                // carry the others first: the high-risk people will fly.
                let hold = target.is_some_and(|t| t.hold_high) && origins[o].high <= quota[o] * fs;
                if let Some(trip) = fill(
                    instance,
                    model,
                    &mut origins[o],
                    offer,
                    cap,
                    None,
                    hold,
                    day,
                    o as u32,
                ) {
                    let n = trip.people.len() as u64;
                    budget[o] -= n;
                    left -= n;
                    trips.push(trip);
                }
            }
        }
        on_day(day, before - left);
        if left == before {
            return Err(Failure::Stuck(Stuck {
                day,
                left: left_rows(&origins),
            }));
        }
    }
    if polish {
        improve_air(instance, model, &mut trips);
    }
    trips.retain(|t| !t.people.is_empty());
    Ok(trips)
}

/// The rows of everyone not yet planned.
pub(crate) fn left_rows(origins: &[Origin]) -> Vec<u32> {
    let mut rows: Vec<u32> = origins
        .iter()
        .flat_map(|o| o.buckets.iter())
        .flat_map(|b| b.queues.iter())
        .flatten()
        .copied()
        .collect();
    rows.sort_unstable();
    rows
}

/// Days an origin still needs on its own land transport, as a pressure for
/// sharing the flights: the origin furthest from done gets the next flight.
fn pressure(left: u64, high: u64, land: u64, armoured: u64) -> (f64, f64) {
    let ratio = |need: u64, per_day: u64| {
        if need == 0 {
            0.0
        } else if per_day == 0 {
            f64::INFINITY
        } else {
            need as f64 / per_day as f64
        }
    };
    let r = ratio(left, land).max(ratio(high, armoured));
    (r, high as f64)
}

/// Flights per origin today.
/// Flights per origin today: the origins with flights still owed by the
/// target first (most owed first), then the origin under most pressure.
pub(crate) fn share_flights(
    origins: &[Origin],
    t: &Transport,
    land: &[u64],
    armoured: &[u64],
    quota: &mut [u64],
) -> Vec<u32> {
    let fs = u64::from(t.flight_seats);
    let mut given = vec![0u32; origins.len()];
    for _ in 0..t.flights {
        let owed = (0..origins.len())
            .filter(|&o| quota[o] > 0 && origins[o].left > u64::from(given[o]) * fs)
            .max_by_key(|&o| quota[o]);
        if let Some(o) = owed {
            quota[o] -= 1;
            given[o] += 1;
            continue;
        }
        let mut best: Option<(usize, (f64, f64))> = None;
        for (o, origin) in origins.iter().enumerate() {
            let taken = u64::from(given[o]) * fs;
            if origin.left <= taken {
                continue;
            }
            let p = pressure(
                origin.left - taken,
                origin.high.saturating_sub(taken),
                land[o],
                armoured[o],
            );
            if best.is_none_or(|(_, b)| p.0 > b.0 || (p.0 == b.0 && p.1 > b.1)) {
                best = Some((o, p));
            }
        }
        match best {
            Some((o, _)) => given[o] += 1,
            None => break,
        }
    }
    given
}

/// The border limit shared out in proportion to what is left, so every
/// origin finishes about the same day.
pub(crate) fn share_border(capacity: &[u64], border: Option<u64>) -> Vec<u64> {
    let Some(mut limit) = border else {
        return capacity.to_vec();
    };
    let mut out = vec![0u64; capacity.len()];
    loop {
        let open: Vec<usize> = (0..capacity.len())
            .filter(|&o| out[o] < capacity[o])
            .collect();
        let want: u64 = open.iter().map(|&o| capacity[o] - out[o]).sum();
        if limit == 0 || open.is_empty() {
            break;
        }
        if want <= limit {
            for &o in &open {
                out[o] = capacity[o];
            }
            break;
        }
        let mut given = 0;
        for &o in &open {
            let share = ((capacity[o] - out[o]) as u128 * limit as u128 / want as u128) as u64;
            out[o] += share;
            given += share;
        }
        if given == 0 {
            // Less than one each: the rest one by one, largest need first.
            let mut open = open;
            open.sort_by_key(|&o| std::cmp::Reverse(capacity[o] - out[o]));
            for o in open.into_iter().take(limit as usize) {
                out[o] += 1;
                given += 1;
            }
        }
        limit -= given;
    }
    out
}

/// Where a medic rides: origin, position in its offers, bucket.
pub(crate) type MedicSeat = (usize, usize, usize);

/// The unused vehicle and bucket where a medic would carry the most medical
/// cases today.
pub(crate) fn best_medic(
    origins: &[Origin],
    offers: &[Vec<Offer>],
    budget: &[u64],
) -> Option<MedicSeat> {
    let mut best: Option<((u64, bool), MedicSeat)> = None;
    for (o, origin) in origins.iter().enumerate() {
        if origin.medical == 0 || budget[o] == 0 {
            continue;
        }
        // The first (largest) unused flight, armoured and other vehicle.
        let mut kinds: Vec<usize> = Vec::with_capacity(3);
        for kind in [(true, false), (false, true), (false, false)] {
            if let Some(k) = offers[o].iter().position(|v| (v.air, v.armored) == kind) {
                kinds.push(k);
            }
        }
        for k in kinds {
            let v = offers[o][k];
            let secure = rules::carries_high_risk(v.armored, v.air);
            let cap = u64::from(v.seats).min(budget[o]);
            for (b, bucket) in origin.buckets.iter().enumerate() {
                let carried = cap.min(bucket.medical(secure) as u64);
                if carried == 0 {
                    continue;
                }
                // Most medical cases; then keep secure seats for high risk.
                let key = (
                    carried,
                    !secure || bucket.queues[HIGH_MEDICAL].len() as u64 > 0,
                );
                if best.is_none_or(|(bk, _)| key > bk) {
                    best = Some((key, (o, k, b)));
                }
            }
        }
    }
    best.map(|(_, x)| x)
}

/// Fills one vehicle from the best bucket at an origin.
#[allow(clippy::too_many_arguments)]
fn fill(
    instance: &Instance,
    model: &Model,
    origin: &mut Origin,
    offer: Offer,
    cap: u32,
    medic_bucket: Option<usize>,
    hold_high: bool,
    day: u32,
    o: u32,
) -> Option<Trip1> {
    let secure = rules::carries_high_risk(offer.armored, offer.air);
    let medic = medic_bucket.is_some();
    let hold_high = hold_high && !offer.air;
    // The bucket: the one given for a medic movement; else one with
    // high-risk people if the vehicle is secure; else the fullest.
    let b = match medic_bucket {
        Some(b) => b,
        None => {
            origin
                .buckets
                .iter()
                .enumerate()
                .filter(|(_, b)| b.available(secure, false) > 0)
                .max_by_key(|(_, b)| {
                    let high = secure && !hold_high;
                    (
                        high && !b.queues[HIGH].is_empty(),
                        if high { b.queues[HIGH].len() } else { 0 },
                        b.available(secure, false),
                    )
                })?
                .0
        }
    };
    let subs: &[usize] = match (secure, medic) {
        (true, true) => &[HIGH_MEDICAL, HIGH, MEDICAL, PLAIN],
        (true, false) if hold_high => &[PLAIN, HIGH],
        (true, false) => &[HIGH, PLAIN],
        (false, true) => &[MEDICAL, PLAIN],
        (false, false) => &[PLAIN],
    };
    let limits = Limits {
        high: u32::MAX,
        others: u32::MAX,
    };
    board(
        instance, model, origin, offer, cap, b, subs, limits, medic, day, o,
    )
}

/// The most people of the high-risk sub-queues, and of the others, one
/// vehicle may take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) high: u32,
    pub(crate) others: u32,
}

/// Seats people from bucket `b` of an origin in one vehicle: from each
/// sub-queue in turn, within the limits, skipping (for a later vehicle)
/// whoever the manifest rules refuse. `None` if nobody boarded.
#[allow(clippy::too_many_arguments)]
pub(crate) fn board(
    instance: &Instance,
    model: &Model,
    origin: &mut Origin,
    offer: Offer,
    cap: u32,
    b: usize,
    subs: &[usize],
    mut limits: Limits,
    medic: bool,
    day: u32,
    o: u32,
) -> Option<Trip1> {
    let trip = rules::trip(offer.air, medic);
    let v = vehicle(cap, offer.armored, offer.air);
    let mut load: Load<u32> = Load::new();
    let mut people = Vec::with_capacity(cap as usize);
    let bucket = &mut origin.buckets[b];
    for &s in subs {
        let mut skipped = Vec::new();
        let limit = if s >= HIGH {
            &mut limits.high
        } else {
            &mut limits.others
        };
        while load.seated() < cap && *limit > 0 {
            let Some(i) = bucket.queues[s].pop_front() else {
                break;
            };
            let t = traveller(&instance.people[i as usize]);
            if manifest_rules::can_seat(trip, &v, &load, &t).is_ok() {
                load.board(&i, &t);
                people.push(i);
                *limit -= 1;
            } else {
                skipped.push(i);
                if skipped.len() > 64 {
                    break;
                }
            }
        }
        for i in skipped.into_iter().rev() {
            bucket.queues[s].push_front(i);
        }
    }
    if people.is_empty() {
        return None;
    }
    for &i in &people {
        let p = &model.people[i as usize];
        origin.left -= 1;
        origin.high -= u64::from(p.high_risk);
        origin.medical -= u64::from(p.medical);
    }
    Some(Trip1 {
        day,
        air: offer.air,
        origin: o,
        destination: (b / 2) as u32,
        armored: offer.armored && !offer.air,
        medic,
        seats: offer.seats,
        people,
    })
}

/// Local search for the second objective: a high-risk person in an armoured
/// vehicle changes places with someone not high-risk on a flight of the same
/// origin and day (or takes a free seat on it), when the manifest rules and
/// the destinations allow it. Days and vehicles do not change.
fn improve_air(instance: &Instance, model: &Model, trips: &mut [Trip1]) {
    let mut by_day: HashMap<(u32, u32), (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (k, t) in trips.iter().enumerate() {
        let e = by_day.entry((t.day, t.origin)).or_default();
        if t.air {
            e.0.push(k);
        } else if t.armored {
            e.1.push(k);
        }
    }
    let high = |i: u32| model.people[i as usize].high_risk;
    // People bound for each destination: a move to a free seat on a flight
    // to another destination needs room there.
    let mut arriving = vec![0u64; model.destinations.len()];
    for t in trips.iter() {
        arriving[t.destination as usize] += t.people.len() as u64;
    }
    let mut keys: Vec<(u32, u32)> = by_day.keys().copied().collect();
    keys.sort_unstable();
    for key in keys {
        let (flights, armoured) = &by_day[&key];
        // Flights that can still take a high-risk person, each with the
        // seats it could give: free seats, then people neither high-risk nor
        // medical (they could ride in an armoured vehicle instead).
        let mut open: Vec<(usize, Vec<Option<usize>>)> = flights
            .iter()
            .map(|&f| {
                let t = &trips[f];
                let free = (t.people.len()..t.seats as usize).map(|_| None);
                let others = t.people.iter().enumerate().filter_map(|(k, &i)| {
                    let p = &model.people[i as usize];
                    (!p.high_risk && !p.medical).then_some(Some(k))
                });
                (f, free.chain(others).collect::<Vec<_>>())
            })
            .filter(|(_, seats)| !seats.is_empty())
            .collect();
        for &a in armoured {
            let mut slot = 0;
            while slot < trips[a].people.len() && !open.is_empty() {
                if !high(trips[a].people[slot]) {
                    slot += 1;
                    continue;
                }
                let mut moved = false;
                for (f, seats) in open.iter_mut() {
                    // A few tries per flight: the rules rarely refuse one.
                    let tries = seats.len().min(4);
                    if let Some(k) = (0..tries).find(|&k| {
                        try_move(instance, model, trips, &mut arriving, a, slot, *f, seats[k])
                    }) {
                        seats.swap_remove(k);
                        moved = true;
                        break;
                    }
                }
                open.retain(|(_, seats)| !seats.is_empty());
                // A move to a free seat shortened this vehicle; an exchange put
                // someone not high-risk in this slot.
                if !moved || (slot < trips[a].people.len() && !high(trips[a].people[slot])) {
                    slot += 1;
                }
            }
        }
    }
}

/// Moves `a.people[slot]` (high-risk, armoured vehicle) onto flight `f`: to
/// a free seat (`None`) or in exchange for the person at `Some(k)`, if the
/// destinations and the manifest rules allow it in both vehicles.
#[allow(clippy::too_many_arguments)]
fn try_move(
    instance: &Instance,
    model: &Model,
    trips: &mut [Trip1],
    arriving: &mut [u64],
    a: usize,
    slot: usize,
    f: usize,
    seat: Option<usize>,
) -> bool {
    let h = trips[a].people[slot];
    let hp = &model.people[h as usize];
    let fd = &model.destinations[trips[f].destination as usize];
    let ad = &model.destinations[trips[a].destination as usize];
    // Cheap refusals first: the destination, and the rules about the
    // vehicle itself (a medic for medical needs).
    let ht = traveller(&instance.people[h as usize]);
    if !fd.accepts(hp.category, true)
        || rules::may_ride(&ht, false, trips[f].air, trips[f].medic).is_err()
    {
        return false;
    }
    match seat {
        None => {
            let (to, from) = (trips[f].destination as usize, trips[a].destination as usize);
            if to != from && arriving[to] >= model.destinations[to].capacity {
                return false;
            }
            trips[f].people.push(h);
            if valid(instance, &trips[f], &trips[f].people) {
                trips[a].people.remove(slot);
                arriving[to] += 1;
                arriving[from] -= 1;
                return true;
            }
            trips[f].people.pop();
            false
        }
        Some(k) => {
            let x = trips[f].people[k];
            if !ad.accepts(model.people[x as usize].category, false) {
                return false;
            }
            trips[f].people[k] = h;
            trips[a].people[slot] = x;
            if valid(instance, &trips[f], &trips[f].people)
                && valid(instance, &trips[a], &trips[a].people)
            {
                return true;
            }
            trips[f].people[k] = x;
            trips[a].people[slot] = h;
            false
        }
    }
}

/// Whether `people` may travel together in `trip`'s vehicle, by the manifest rules.
pub(crate) fn valid(instance: &Instance, trip: &Trip1, people: &[u32]) -> bool {
    let mode = rules::trip(trip.air, trip.medic);
    let v = vehicle(trip.seats, trip.armored, trip.air);
    let mut load: Load<u32> = Load::new();
    for &i in people {
        let t = traveller(&instance.people[i as usize]);
        if manifest_rules::can_seat(mode, &v, &load, &t).is_err() {
            return false;
        }
        load.board(&i, &t);
    }
    true
}
