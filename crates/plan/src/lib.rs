//! The transfer planner: who travels on which day, by which vehicle or
//! flight, to which destination, so that everyone is moved in the fewest
//! days under the manifest rules, with a proven lower bound on the days.
//!
//! Pure: an [`Instance`] in, a [`Plan`] (or the reasons none exists) out. No
//! clock, no files; the `rollcall plan` command reads and writes the JSON.
//!
//! # The problem
//!
//! People wait at origins; each has a risk level, a category (adult man,
//! adult woman, juvenile), a medical flag and separation groups. Every day
//! each origin has its convoys' vehicles (seats, armoured or not), and there
//! are a number of flights (from any origin), a number of movements that may
//! carry a medic, and perhaps a limit on people crossing the border. A land
//! movement is one vehicle; a flight is one movement; each goes from one
//! origin to one destination. Inside every vehicle and aircraft the manifest
//! rules hold — high-risk people only by air or armoured, no two members of a
//! separation group, women and juveniles never with adult men, seats, medical
//! cases only with a medic — and they are checked by
//! `rollcall_core::manifest_rules`, the module `movement create` uses, so a
//! plan from here is one Rollcall accepts. Destinations hold only the
//! categories they accept, high-risk people only at maximum security (both
//! `manifest_rules::destination_receives`), and no more than their
//! capacity. The objective, in order: fewest days; then fewest high-risk
//! people by land; then fewest vehicles (flights included).
//!
//! Every rule is stated once, in core: [`rules`] only builds core's inputs
//! (a traveller for a kind of person, a vehicle for a kind of vehicle), so
//! the bounds and the feasibility check ask core which vehicles may carry
//! high-risk people and which movements medical cases, and every seat the
//! solver gives is given by `manifest_rules::can_seat`. The test suite's
//! plan checker restates the rules on purpose, as an independent oracle.
//!
//! # The approach
//!
//! 1. **Feasibility** ([`feasible`]): people no destination may hold, not
//!    enough room, high-risk people at an origin with neither armour nor
//!    flights, medical cases with no medic movements, a closed border. Each
//!    fault names the rule and the people.
//! 2. **Lower bound** ([`bound`]): per-resource relaxations, each a number
//!    of days no plan can beat — all seats; the seats of every subset of
//!    origins plus all flights; armoured seats of every subset of origins
//!    plus all flights, for the high-risk people there; whole flights per
//!    origin; the border limit; the medic movements (the largest movements
//!    of a day carry at most so many medical cases); the largest separation
//!    group, whose members need distinct vehicles. The largest is the proven
//!    bound and its resource is named as binding.
//! 3. **Destinations** ([`destination`]): a maximum flow from the six kinds
//!    of people to the destinations gives each kind its quota; people take
//!    them in long runs so vehicles seldom change destination.
//! 4. **Days** ([`solve`]): day by day. Flights go one at a time to the
//!    origin furthest from done on its own land transport (armoured seats
//!    for its high-risk people, all seats for everyone); a border limit is
//!    shared in proportion to what each origin can move; medic movements go
//!    to the origins with the most medical cases not yet covered. Each origin
//!    then fills its flights, then armoured vehicles, then the rest, largest
//!    first: each vehicle takes the bucket (destination and segregation
//!    class) with medical cases if it has a medic, high-risk people if it is
//!    secure, else the fullest, and seats people in the order high-risk,
//!    medical, the rest, skipping whoever the manifest rules refuse (a
//!    separation-group clash) for a later vehicle. Filling every vehicle as
//!    far as the rules allow each day is what keeps the days low. Above the
//!    lower bound, it is run again for each fewer number of days with the
//!    whole flights each origin needs reserved for it, and the fewest days
//!    found are kept. A first pass at the later objectives follows: once
//!    more with every flight reserved and armoured vehicles leaving to the
//!    flights the high-risk people those can take, kept if better; and in
//!    every construction high-risk people change places, within one day,
//!    from armoured vehicles onto flights.
//! 5. **Later objectives at those days** ([`later`], on by default,
//!    [`Options::improve`]): more constructions within the same days, each
//!    with flights reserved for the origins' high-risk people first (then,
//!    in some, for other people where a flight saves vehicles), with the
//!    destinations of step 3 and with destinations chosen origin by origin
//!    so an origin's people share one ([`destination::assign_by_origin`]),
//!    each with eager or lazy land transport. Every day the reserved flights
//!    go first, take the border limit first and fly full, high-risk people
//!    first; land vehicles carry only what those flights cannot —
//!    armoured vehicles the high-risk people left over (the smallest groups
//!    first: flights take the large ones), buses the others, armoured
//!    vehicles the others only when the buses of the days left cannot.
//!    Then a local search on each and on the plan of step 4 ([`polish`]):
//!    a high-risk person in an armoured vehicle takes a free seat on a
//!    flight of the same origin or changes places with someone not high-risk
//!    there (any day the border limit allows), and vehicles are emptied,
//!    lightest first, into the free seats of others of the same origin. Each
//!    move keeps every rule, checked again through the manifest rules. The
//!    best plan by (days, high-risk by land, vehicles) is kept; the plan of
//!    step 4 is one of the candidates, so this step never makes a plan worse,
//!    and the lower bound is untouched.
//! 6. **Explanation** ([`Explanation`]): the binding bound, every bound, and
//!    what one more flight, one more vehicle at each origin or one more medic
//!    movement per day would save, by solving again with it (in parallel
//!    threads; skipped when that instance's lower bound already equals this
//!    plan's days).
//!
//! The plan's days minus the lower bound is how far from optimal it can be.
//! For the later objectives there is no proven bound; on the reference
//! instance at scale 1, 7 days of one 150-seat flight leave at least 1,436
//! − 1,050 = 386 high-risk people on land, and the plan has 386.

pub mod bound;
pub mod destination;
pub mod feasible;
mod format;
pub mod later;
pub mod ledger;
pub mod model;
pub mod polish;
pub mod rules;
pub mod solve;

pub use feasible::{Fault, FaultRule};
pub use format::*;
pub use model::{InstanceError, Model};

use model::Transport;

/// How to solve.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Answer the what-if questions (solves the instance again per question).
    pub what_if: bool,
    /// Threads for the what-if solves (1 or more).
    pub threads: usize,
    /// Improve the later objectives (high-risk people by land, vehicles) at
    /// the days found ([`later`]); off only to compare with and without.
    pub improve: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            what_if: true,
            threads: 1,
            improve: true,
        }
    }
}

/// How far the solver has got, for progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The instance is checked and bounded.
    Bounded {
        /// People to move.
        people: u64,
        /// The proven lower bound.
        lower_bound: u32,
    },
    /// One day planned.
    Day {
        /// The day.
        day: u32,
        /// People still to move.
        left: u64,
    },
    /// One what-if question answered.
    WhatIf {
        /// Answered so far.
        done: usize,
        /// Questions in all.
        of: usize,
    },
}

/// Why there is no plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The instance itself is wrong.
    #[error("invalid instance: {0}")]
    Instance(#[from] InstanceError),
    /// No plan exists; every reason found.
    #[error("no plan exists:\n{}", .0.iter().map(|f| format!("- {f}")).collect::<Vec<_>>().join("\n"))]
    Infeasible(Vec<Fault>),
    /// The solver moved nobody on a day although the checks passed (a bug).
    #[error(
        "the planner could not move {count} people on day {day} (first: {first}); please report this instance"
    )]
    Stuck {
        /// The day.
        day: u32,
        /// People left.
        count: usize,
        /// The first of them.
        first: String,
    },
}

/// Plans an instance.
pub fn plan(
    instance: &Instance,
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Plan, PlanError> {
    let model = Model::new(instance)?;
    let faults = feasible::faults(instance, &model);
    if !faults.is_empty() {
        return Err(PlanError::Infeasible(faults));
    }
    let origin_ids: Vec<String> = instance.origins.iter().map(|o| o.id.clone()).collect();
    let demand = bound::Demand::of(&model);
    let bounds = bound::bounds(&model, &demand, &model.transport, &origin_ids);
    let lower = bound::lower_bound(&bounds);
    progress(Progress::Bounded {
        people: demand.total(),
        lower_bound: lower,
    });
    let quota = destination::quotas(&destination::counts(&model), &model.destinations);
    let dest = destination::assign(&model, &quota);
    let total = demand.total();
    let mut moved = 0;
    let trips = run(
        instance,
        &model,
        &demand,
        &model.transport,
        &dest,
        lower,
        true,
        |day, n| {
            moved += n;
            progress(Progress::Day {
                day,
                left: total - moved,
            })
        },
    )?;
    let trips = if options.improve {
        later::improve(instance, &model, &dest, trips, options.threads.max(1))
    } else {
        trips
    };
    let days = later::days(&trips);
    let what_if = if options.what_if {
        what_ifs(
            instance,
            &model,
            &demand,
            &dest,
            days,
            &origin_ids,
            options.threads.max(1),
            progress,
        )
    } else {
        Vec::new()
    };
    let explanation = Explanation {
        binding: bounds.first().cloned().unwrap_or(Bound {
            resource: Resource::OneDay,
            subject: None,
            days: 0,
            detail: "nobody to move".into(),
        }),
        high_risk_by_land: later::score(&model, &trips).0 as u64,
        vehicles_used: trips.len() as u64,
        bounds,
        what_if,
    };
    let mut movements: Vec<MovementOut> = trips
        .into_iter()
        .map(|t| MovementOut {
            day: t.day,
            mode: if t.air { ModeOut::Air } else { ModeOut::Land },
            origin: origin_ids[t.origin as usize].clone(),
            destination: instance.destinations[t.destination as usize].id.clone(),
            armored: t.armored,
            medic: t.medic,
            seats: t.seats,
            people: t
                .people
                .iter()
                .map(|&i| instance.people[i as usize].id.clone())
                .collect(),
        })
        .collect();
    movements.sort_by(|a, b| {
        (a.day, &a.origin, b.mode, &a.destination).cmp(&(b.day, &b.origin, a.mode, &b.destination))
    });
    Ok(Plan {
        days,
        lower_bound_days: lower,
        start_date: instance.start_date,
        movements,
        explanation,
    })
}

/// The construction, then, while it is above the lower bound, again for
/// each fewer number of days with the whole flights each origin needs for
/// that many days reserved for it; the best plan found.
#[allow(clippy::too_many_arguments)]
fn run(
    instance: &Instance,
    model: &Model,
    demand: &bound::Demand,
    transport: &Transport,
    dest: &[Option<u32>],
    lower: u32,
    polish: bool,
    mut on_day: impl FnMut(u32, u64),
) -> Result<Vec<solve::Trip1>, PlanError> {
    let mut best = solve::solve(instance, model, transport, dest, None, polish, &mut on_day)
        .map_err(|f| stuck(instance, f))?;
    let days = |t: &[solve::Trip1]| t.iter().map(|t| t.day).max().unwrap_or(0);
    let mut d = lower.max(1);
    while d < days(&best) {
        let target = solve::Target {
            days: d,
            flights: bound::flights_needed(demand, transport, d),
            hold_high: false,
        };
        if let Ok(trips) = solve::solve(
            instance,
            model,
            transport,
            dest,
            Some(&target),
            polish,
            |_, _| {},
        ) {
            best = trips;
            break;
        }
        d += 1;
    }
    // Second objective: with the days found, every flight reserved — first
    // those each origin needs, then one by one to the origin with the most
    // high-risk people no flight covers yet — and kept if fewer high-risk
    // people go by land (or as many, in fewer vehicles).
    let d = days(&best);
    if polish && transport.flights > 0 {
        let mut flights = bound::flights_needed(demand, transport, d);
        let fs = u64::from(transport.flight_seats);
        let total = u64::from(d) * u64::from(transport.flights);
        for _ in flights.iter().sum::<u64>()..total {
            let o = (0..flights.len())
                .max_by_key(|&o| demand.high_risk[o] as i128 - (flights[o] * fs) as i128);
            if let Some(o) = o {
                flights[o] += 1;
            }
        }
        let target = solve::Target {
            days: d,
            flights,
            hold_high: true,
        };
        if let Ok(trips) = solve::solve(
            instance,
            model,
            transport,
            dest,
            Some(&target),
            true,
            |_, _| {},
        ) && later::score(model, &trips) < later::score(model, &best)
        {
            best = trips;
        }
    }
    Ok(best)
}

fn stuck(instance: &Instance, f: solve::Failure) -> PlanError {
    let (solve::Failure::Stuck(s) | solve::Failure::Late(s)) = f;
    PlanError::Stuck {
        day: s.day,
        count: s.left.len(),
        first: s
            .left
            .first()
            .map(|&i| instance.people[i as usize].id.clone())
            .unwrap_or_default(),
    }
}

/// The what-if questions: one more flight, one more armoured and one more
/// other vehicle at each origin, one more medic movement, per day.
fn questions(instance: &Instance, t: &Transport) -> Vec<(String, Transport)> {
    let mut out = Vec::new();
    if t.flight_seats > 0 {
        let mut more = t.clone();
        more.flights += 1;
        out.push(("one more flight per day".to_string(), more));
    }
    for (o, origin) in instance.origins.iter().enumerate() {
        for armored in [true, false] {
            let Some(largest) = origin
                .vehicles_per_convoy
                .iter()
                .filter(|v| v.armored == armored)
                .max_by_key(|v| v.seats)
            else {
                continue;
            };
            let mut more = t.clone();
            more.fleets[o].push(*largest);
            out.push((
                format!(
                    "one more {} vehicle ({} seats) per day at {}",
                    if armored { "armoured" } else { "unarmoured" },
                    largest.seats,
                    origin.id
                ),
                more,
            ));
        }
    }
    if t.medics > 0 {
        let mut more = t.clone();
        more.medics += 1;
        out.push(("one more medic movement per day".to_string(), more));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn what_ifs(
    instance: &Instance,
    model: &Model,
    demand: &bound::Demand,
    dest: &[Option<u32>],
    days: u32,
    origin_ids: &[String],
    threads: usize,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<WhatIf> {
    let questions = questions(instance, &model.transport);
    let of = questions.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let answer = |t: &Transport| -> u32 {
        let lower = bound::lower_bound(&bound::bounds(model, demand, t, origin_ids));
        let d = if lower >= days {
            days
        } else {
            run(instance, model, demand, t, dest, lower, false, |_, _| {})
                .map(|trips| trips.iter().map(|t| t.day).max().unwrap_or(0))
                .unwrap_or(days)
        };
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(Progress::WhatIf { done: n, of });
        d
    };
    let mut answers = vec![days; of];
    let chunk = of.div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for (qs, out) in questions.chunks(chunk).zip(answers.chunks_mut(chunk)) {
            let answer = &answer;
            s.spawn(move || {
                for ((_, t), o) in qs.iter().zip(out.iter_mut()) {
                    *o = answer(t);
                }
            });
        }
    });
    questions
        .into_iter()
        .zip(answers)
        .map(|((change, _), d)| WhatIf {
            change,
            days: d.min(days),
            saved: days.saturating_sub(d),
        })
        .collect()
}
