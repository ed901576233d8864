//! Local search on a finished plan for the later objectives. Two moves,
//! each applied only when every rule still holds after it — the manifest
//! rules through `rollcall_core::manifest_rules`, the destinations' rules
//! and room, the border limit of the day a person moves to — and only when
//! it makes the plan better:
//!
//! - **High-risk people by air**: a high-risk person in an armoured vehicle
//!   takes a free seat on a flight of the same origin (any day with room
//!   under the border limit), or changes places with someone not high-risk
//!   on one (any day: the border counts do not change). High-risk people by
//!   land go down by one each time.
//! - **Fewer vehicles**: vehicles are taken lightest first, and one is
//!   emptied when every person on it finds a seat in another vehicle or
//!   flight of the same origin (the same day first, best fit first); a
//!   high-risk person never leaves a flight for land. Vehicles go down by one
//!   each time, high-risk people by land never up.
//!
//! Days never change: a move only goes to a day the plan already uses.

use crate::format::Instance;
use crate::model::Model;
use crate::rules::{self, traveller, vehicle};
use crate::solve::Trip1;
use rollcall_core::manifest_rules::{self, Class, Load};
use std::collections::HashMap;

/// Candidate seats tried per person when emptying a vehicle.
const TRIES: usize = 256;

/// Improves `trips` in place by the two moves; drops emptied vehicles.
pub fn polish(instance: &Instance, model: &Model, trips: &mut Vec<Trip1>) {
    let mut s = Search::new(instance, model, std::mem::take(trips));
    s.high_risk_by_air();
    for _ in 0..3 {
        if !s.empty_vehicles() {
            break;
        }
    }
    *trips = s.trips;
    trips.retain(|t| !t.people.is_empty());
}

struct Search<'a> {
    instance: &'a Instance,
    model: &'a Model,
    trips: Vec<Trip1>,
    loads: Vec<Load<u32>>,
    /// People crossing the border, by day.
    day_load: Vec<u64>,
    /// People bound for each destination.
    arriving: Vec<u64>,
    border: u64,
}

impl<'a> Search<'a> {
    fn new(instance: &'a Instance, model: &'a Model, trips: Vec<Trip1>) -> Search<'a> {
        let days = trips.iter().map(|t| t.day as usize).max().unwrap_or(0);
        let mut day_load = vec![0u64; days + 1];
        let mut arriving = vec![0u64; model.destinations.len()];
        for t in &trips {
            day_load[t.day as usize] += t.people.len() as u64;
            arriving[t.destination as usize] += t.people.len() as u64;
        }
        let loads = trips.iter().map(|t| load(instance, &t.people)).collect();
        Search {
            instance,
            model,
            trips,
            loads,
            day_load,
            arriving,
            border: model.transport.border.unwrap_or(u64::MAX),
        }
    }

    fn high(&self, i: u32) -> bool {
        self.model.people[i as usize].high_risk
    }

    /// Whether `p` may take a seat in trip `t` next to those in `load`.
    fn admits(&self, t: usize, load: &Load<u32>, p: u32) -> bool {
        let trip = &self.trips[t];
        manifest_rules::can_seat(
            rules::trip(trip.air, trip.medic),
            &vehicle(trip.seats, trip.armored, trip.air),
            load,
            &traveller(&self.instance.people[p as usize]),
        )
        .is_ok()
    }

    /// Whether `p` could take a seat in trip `t` next to those in `load` if
    /// it had one seat more (someone else is about to leave it).
    fn admits_one_more(&self, t: usize, load: &Load<u32>, p: u32) -> bool {
        let trip = &self.trips[t];
        manifest_rules::can_seat(
            rules::trip(trip.air, trip.medic),
            &vehicle(trip.seats.saturating_add(1), trip.armored, trip.air),
            load,
            &traveller(&self.instance.people[p as usize]),
        )
        .is_ok()
    }

    /// Whether destination `d` may receive `p`.
    fn accepts(&self, d: u32, p: u32) -> bool {
        let p = &self.model.people[p as usize];
        self.model.destinations[d as usize].accepts(p.category, p.high_risk)
    }

    /// High-risk people from armoured vehicles onto flights of their origin.
    fn high_risk_by_air(&mut self) {
        // Flights by origin and by the segregation class they carry: only
        // those of a person's class can take them.
        let mut flights: HashMap<(u32, Option<Class>), Vec<usize>> = HashMap::new();
        // Per flight, the places of people not high-risk who could ride by
        // land without a medic, and with one only.
        let mut others: HashMap<usize, [Vec<usize>; 2]> = HashMap::new();
        for (f, t) in self.trips.iter().enumerate() {
            if !t.air {
                continue;
            }
            flights
                .entry((t.origin, self.loads[f].class()))
                .or_default()
                .push(f);
            let mut lists: [Vec<usize>; 2] = Default::default();
            for (j, &x) in t.people.iter().enumerate() {
                if !self.high(x) {
                    let x = traveller(&self.instance.people[x as usize]);
                    let medic = rules::may_ride(&x, true, false, false).is_err();
                    lists[usize::from(medic)].push(j);
                }
            }
            others.insert(f, lists);
        }
        for a in 0..self.trips.len() {
            if self.trips[a].air || self.trips[a].people.is_empty() {
                continue;
            }
            let key = (self.trips[a].origin, self.loads[a].class());
            let Some(list) = flights.get(&key) else {
                continue;
            };
            let medic = self.trips[a].medic;
            // Flights that can still give a seat: a free one, or someone not
            // high-risk who could take this vehicle.
            let open: Vec<usize> = list
                .iter()
                .copied()
                .filter(|&f| {
                    let t = &self.trips[f];
                    let o = &others[&f];
                    t.people.len() < t.seats as usize
                        || !o[0].is_empty()
                        || (medic && !o[1].is_empty())
                })
                .collect();
            if open.is_empty() {
                continue;
            }
            let mut k = 0;
            while k < self.trips[a].people.len() {
                let h = self.trips[a].people[k];
                if !self.high(h) {
                    k += 1;
                    continue;
                }
                let mut moved = None;
                for &f in &open {
                    if self.take_free_seat(a, k, f) {
                        moved = Some(false);
                        break;
                    }
                    let lists = others.get_mut(&f).expect("every flight has its lists");
                    if let Some(j) = self.exchange(a, k, f, lists, medic) {
                        for l in lists.iter_mut() {
                            l.retain(|&x| x != j);
                        }
                        moved = Some(true);
                        break;
                    }
                }
                match moved {
                    // The next person is now at k.
                    Some(false) => {}
                    // Someone not high-risk took this place.
                    Some(true) | None => k += 1,
                }
            }
        }
    }

    /// Moves `a.people[k]` to a free seat on flight `f`, if the rules allow.
    fn take_free_seat(&mut self, a: usize, k: usize, f: usize) -> bool {
        let h = self.trips[a].people[k];
        let (ta, tf) = (&self.trips[a], &self.trips[f]);
        if tf.people.len() >= tf.seats as usize
            || (tf.day != ta.day && self.day_load[tf.day as usize] >= self.border)
            || (tf.destination != ta.destination
                && (!self.accepts(tf.destination, h)
                    || self.arriving[tf.destination as usize]
                        >= self.model.destinations[tf.destination as usize].capacity))
            || !self.admits(f, &self.loads[f], h)
        {
            return false;
        }
        let (from_day, from_dest) = (ta.day as usize, ta.destination as usize);
        let (to_day, to_dest) = (tf.day as usize, tf.destination as usize);
        self.trips[a].people.remove(k);
        self.loads[a] = load(self.instance, &self.trips[a].people);
        self.trips[f].people.push(h);
        let t = traveller(&self.instance.people[h as usize]);
        self.loads[f].board(&h, &t);
        self.day_load[from_day] -= 1;
        self.day_load[to_day] += 1;
        self.arriving[from_dest] -= 1;
        self.arriving[to_dest] += 1;
        true
    }

    /// Exchanges `a.people[k]` (high-risk, by land) with someone not
    /// high-risk on flight `f` (one of the places in `lists`: without a
    /// medic, and with one if `a` has one), if the rules allow it in both
    /// vehicles; the place taken. A few tries per flight: the rules rarely
    /// refuse one.
    fn exchange(
        &mut self,
        a: usize,
        k: usize,
        f: usize,
        lists: &[Vec<usize>; 2],
        medic: bool,
    ) -> Option<usize> {
        let h = self.trips[a].people[k];
        let (da, df) = (self.trips[a].destination, self.trips[f].destination);
        // Cheap refusals first, against the vehicles as they are (one seat
        // more, since someone leaves each): the exact check follows.
        if !self.accepts(df, h) || !self.admits_one_more(f, &self.loads[f], h) {
            return None;
        }
        let places = lists[0]
            .iter()
            .chain(if medic { &lists[1][..] } else { &[] })
            .copied()
            .filter(|&j| {
                let x = self.trips[f].people[j];
                self.accepts(da, x) && self.admits_one_more(a, &self.loads[a], x)
            })
            .take(4)
            .collect::<Vec<usize>>();
        for j in places {
            let x = self.trips[f].people[j];
            let without = |people: &[u32], skip: usize| {
                let rest: Vec<u32> = people
                    .iter()
                    .enumerate()
                    .filter(|&(n, _)| n != skip)
                    .map(|(_, &i)| i)
                    .collect();
                load(self.instance, &rest)
            };
            let mut lf = without(&self.trips[f].people, j);
            let mut la = without(&self.trips[a].people, k);
            if !self.admits(f, &lf, h) || !self.admits(a, &la, x) {
                continue;
            }
            lf.board(&h, &traveller(&self.instance.people[h as usize]));
            la.board(&x, &traveller(&self.instance.people[x as usize]));
            self.trips[f].people[j] = h;
            self.trips[a].people[k] = x;
            self.loads[f] = lf;
            self.loads[a] = la;
            return Some(j);
        }
        None
    }

    /// One pass emptying vehicles, lightest first. Whether any was emptied.
    fn empty_vehicles(&mut self) -> bool {
        let no = self.model.origins();
        let mut order: Vec<usize> = (0..self.trips.len())
            .filter(|&t| !self.trips[t].people.is_empty())
            .collect();
        order.sort_by_key(|&t| (self.trips[t].people.len(), self.trips[t].seats));
        // Vehicles with a free seat, by origin.
        let mut open: Vec<Vec<usize>> = vec![Vec::new(); no];
        for &t in &order {
            let trip = &self.trips[t];
            if trip.people.len() < trip.seats as usize {
                open[trip.origin as usize].push(t);
            }
        }
        let mut any = false;
        for s in order {
            let n = self.trips[s].people.len();
            if n == 0 {
                continue;
            }
            let o = self.trips[s].origin as usize;
            open[o].retain(|&t| {
                let trip = &self.trips[t];
                !trip.people.is_empty() && trip.people.len() < trip.seats as usize
            });
            let day = self.trips[s].day;
            let mut targets: Vec<usize> = open[o].iter().copied().filter(|&t| t != s).collect();
            let free = |t: usize| self.trips[t].seats as usize - self.trips[t].people.len();
            if targets.iter().map(|&t| free(t)).sum::<usize>() < n {
                continue;
            }
            // The same day first (the border counts stay), best fit first.
            targets.sort_by_key(|&t| (self.trips[t].day != day, free(t)));
            if let Some(moves) = self.plan_emptying(s, &targets) {
                self.apply(s, moves);
                any = true;
            }
        }
        any
    }

    /// Where each person of trip `s` would go, or `None` if someone finds no seat.
    fn plan_emptying(&self, s: usize, targets: &[usize]) -> Option<Vec<(u32, usize)>> {
        let src = &self.trips[s];
        let mut loads: HashMap<usize, Load<u32>> = HashMap::new();
        let mut added: HashMap<usize, usize> = HashMap::new();
        let mut day_in: HashMap<u32, u64> = HashMap::new();
        let mut dest_in: HashMap<u32, u64> = HashMap::new();
        let mut moves = Vec::with_capacity(src.people.len());
        for &p in &src.people {
            let high = self.high(p);
            let mut found = None;
            for &t in targets.iter().take(TRIES) {
                let to = &self.trips[t];
                let extra = added.get(&t).copied().unwrap_or(0);
                if to.people.len() + extra >= to.seats as usize
                    || (high && src.air && !to.air)
                    || (to.day != src.day
                        && self.day_load[to.day as usize]
                            + day_in.get(&to.day).copied().unwrap_or(0)
                            >= self.border)
                    || (to.destination != src.destination
                        && (!self.accepts(to.destination, p)
                            || self.arriving[to.destination as usize]
                                + dest_in.get(&to.destination).copied().unwrap_or(0)
                                >= self.model.destinations[to.destination as usize].capacity))
                {
                    continue;
                }
                let load = loads.get(&t).unwrap_or(&self.loads[t]);
                if self.admits(t, load, p) {
                    found = Some(t);
                    break;
                }
            }
            let t = found?;
            let to = &self.trips[t];
            let mut load = loads.remove(&t).unwrap_or_else(|| self.loads[t].clone());
            load.board(&p, &traveller(&self.instance.people[p as usize]));
            loads.insert(t, load);
            *added.entry(t).or_default() += 1;
            if to.day != src.day {
                *day_in.entry(to.day).or_default() += 1;
            }
            if to.destination != src.destination {
                *dest_in.entry(to.destination).or_default() += 1;
            }
            moves.push((p, t));
        }
        Some(moves)
    }

    fn apply(&mut self, s: usize, moves: Vec<(u32, usize)>) {
        let (day, dest) = (
            self.trips[s].day as usize,
            self.trips[s].destination as usize,
        );
        for (p, t) in moves {
            let to = &mut self.trips[t];
            to.people.push(p);
            self.day_load[day] -= 1;
            self.day_load[to.day as usize] += 1;
            self.arriving[dest] -= 1;
            self.arriving[to.destination as usize] += 1;
            self.loads[t].board(&p, &traveller(&self.instance.people[p as usize]));
        }
        self.trips[s].people.clear();
        self.loads[s] = Load::new();
    }
}

/// What a vehicle carrying `people` carries, for the manifest rules.
fn load(instance: &Instance, people: &[u32]) -> Load<u32> {
    let mut l = Load::new();
    for &i in people {
        l.board(&i, &traveller(&instance.people[i as usize]));
    }
    l
}
