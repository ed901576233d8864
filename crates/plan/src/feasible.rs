//! Why no plan exists: the people who cannot be moved and the rule that stops
//! each of them. Checked before solving; when this finds nothing, the solver
//! moves everyone.

use crate::destination::{self, KINDS, kind_parts};
use crate::format::Instance;
use crate::model::Model;
use crate::rules;
use rollcall_core::person::Category;
use rollcall_core::violation::Rule;
use std::fmt;

/// The rule that leaves someone without a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultRule {
    /// No destination holds their category (adult women, juveniles).
    DestinationCategory,
    /// High-risk people go only to maximum security, and there is none.
    DestinationSecurity,
    /// The destinations that may hold them are full.
    DestinationCapacity,
    /// High-risk people travel only by air or in an armoured vehicle, and
    /// their origin has neither.
    HighRiskTransport,
    /// Their origin has no vehicle and there are no flights.
    NoTransport,
    /// Medical cases travel only on a movement with a medic, and there are none.
    Medic,
    /// The border limit is zero.
    BorderClosed,
}

impl FaultRule {
    /// The ledger's rule this is, when it is one of the manifest or facility
    /// rules (its name is then the ledger's name for it).
    pub fn rule(self) -> Option<Rule> {
        match self {
            FaultRule::DestinationCategory => Some(Rule::Category),
            FaultRule::DestinationSecurity => Some(Rule::HighRiskSecurity),
            FaultRule::DestinationCapacity => Some(Rule::Capacity),
            FaultRule::HighRiskTransport => Some(Rule::HighRiskTransport),
            FaultRule::Medic => Some(Rule::MedicalEscort),
            FaultRule::NoTransport | FaultRule::BorderClosed => None,
        }
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.rule(), self) {
            (Some(rule), _) => rule.fmt(f),
            (None, FaultRule::NoTransport) => f.write_str("transport-at-origin"),
            (None, _) => f.write_str("border-limit"),
        }
    }
}

/// One reason no plan exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The rule.
    pub rule: FaultRule,
    /// How many people it stops.
    pub count: u64,
    /// The first of them, by id (at most [`NAMED`]).
    pub people: Vec<String>,
    /// What is missing, in words.
    pub detail: String,
}

/// People named per fault; the count says how many there are in all.
pub const NAMED: usize = 20;

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule `{}`: {}; ", self.rule, self.detail)?;
        write!(f, "{} people: {}", self.count, self.people.join(", "))?;
        if self.count > self.people.len() as u64 {
            write!(f, " and {} more", self.count - self.people.len() as u64)?;
        }
        Ok(())
    }
}

fn fault(
    instance: &Instance,
    rule: FaultRule,
    detail: String,
    who: impl Iterator<Item = usize>,
) -> Option<Fault> {
    let mut people = Vec::new();
    let mut count = 0u64;
    for i in who {
        count += 1;
        if people.len() < NAMED {
            people.push(instance.people[i].id.clone());
        }
    }
    (count > 0).then_some(Fault {
        rule,
        count,
        people,
        detail,
    })
}

fn kind_name(k: usize) -> String {
    let (c, h) = kind_parts(k);
    format!("{}{c}", if h { "high-risk " } else { "" })
}

/// Every reason no plan exists; empty when a plan does.
pub fn faults(instance: &Instance, model: &Model) -> Vec<Fault> {
    let mut out = Vec::new();
    let count = destination::counts(model);
    // Destinations: someone no destination may hold at all.
    let mut placeable = [true; KINDS];
    for (k, placeable) in placeable.iter_mut().enumerate() {
        let (c, h) = kind_parts(k);
        if count[k] == 0 || model.destinations.iter().any(|d| d.accepts(c, h)) {
            continue;
        }
        *placeable = false;
        let category_ok = model.destinations.iter().any(|d| d.accepts(c, false));
        let (rule, detail) = if !category_ok {
            (
                FaultRule::DestinationCategory,
                format!(
                    "no destination holds {} detainees",
                    match c {
                        Category::AdultFemale => "adult female",
                        Category::Juvenile => "juvenile",
                        Category::AdultMale => "adult male",
                    }
                ),
            )
        } else {
            (
                FaultRule::DestinationSecurity,
                format!(
                    "high-risk people go only to a maximum-security facility, and none of those holds {c} detainees"
                ),
            )
        };
        out.extend(fault(
            instance,
            rule,
            detail,
            model
                .people
                .iter()
                .enumerate()
                .filter(|(_, p)| destination::kind(p.category, p.high_risk) == k)
                .map(|(i, _)| i),
        ));
    }
    // Destinations: not enough room for those who can only go to some.
    let quota = destination::quotas(&count, &model.destinations);
    for k in 0..KINDS {
        if !placeable[k] {
            continue;
        }
        let placed: u64 = quota[k].iter().sum();
        let short = count[k] - placed.min(count[k]);
        if short == 0 {
            continue;
        }
        let (c, h) = kind_parts(k);
        let may: Vec<&str> = instance
            .destinations
            .iter()
            .zip(&model.destinations)
            .filter(|(_, d)| d.accepts(c, h))
            .map(|(d, _)| d.id.as_str())
            .collect();
        let room: u64 = model
            .destinations
            .iter()
            .filter(|d| d.accepts(c, h))
            .map(|d| d.capacity)
            .sum();
        let detail = format!(
            "{short} of {} {} people find no room: they may go only to {} ({room} places left, shared with others)",
            count[k],
            kind_name(k),
            may.join(", ")
        );
        // Name the last `short` of that kind: the ones the planner leaves out.
        let of_kind: Vec<usize> = model
            .people
            .iter()
            .enumerate()
            .filter(|(_, p)| destination::kind(p.category, p.high_risk) == k)
            .map(|(i, _)| i)
            .collect();
        let skip = of_kind.len() - (short as usize).min(of_kind.len());
        out.extend(fault(
            instance,
            FaultRule::DestinationCapacity,
            detail,
            of_kind.into_iter().skip(skip),
        ));
    }
    // Transport at each origin.
    let t = &model.transport;
    let flights = t.air_seats() > 0;
    let secure_flights = flights && rules::carries_high_risk(false, true);
    for (o, origin) in instance.origins.iter().enumerate() {
        if t.fleets[o].is_empty() && !flights {
            out.extend(fault(
                instance,
                FaultRule::NoTransport,
                format!(
                    "origin {} has no vehicle and there are no flights",
                    origin.id
                ),
                people_at(model, o, |_| true),
            ));
        } else if !secure_flights
            && !t.fleets[o]
                .iter()
                .any(|v| rules::carries_high_risk(v.armored, false))
        {
            out.extend(fault(
                instance,
                FaultRule::HighRiskTransport,
                format!(
                    "high-risk people travel only by air or in an armoured vehicle; origin {} has no armoured vehicle and there are no flights",
                    origin.id
                ),
                people_at(model, o, |p| p.high_risk),
            ));
        }
    }
    if !rules::carries_medical(t.medics > 0) {
        out.extend(fault(
            instance,
            FaultRule::Medic,
            "medical cases travel only on a movement with a medic, and medic_movements_per_day is 0".into(),
            model
                .people
                .iter()
                .enumerate()
                .filter(|(_, p)| p.medical)
                .map(|(i, _)| i),
        ));
    }
    if t.border == Some(0) {
        out.extend(fault(
            instance,
            FaultRule::BorderClosed,
            "border_limit_per_day is 0: nobody can cross".into(),
            0..model.people.len(),
        ));
    }
    out
}

fn people_at(
    model: &Model,
    o: usize,
    f: impl Fn(&crate::model::Person) -> bool,
) -> impl Iterator<Item = usize> {
    model
        .people
        .iter()
        .enumerate()
        .filter(move |(_, p)| p.origin as usize == o && f(p))
        .map(|(i, _)| i)
}
