//! Every invariant of the projections, checked by scanning all of them: for
//! tests and for audits. The append path checks the same things on the rows
//! each batch touched ([`State::apply_batch`]), which costs what the batch
//! costs; this costs what the ledger holds.

use super::State;
use super::views::CustodyStatus;
use crate::ids::{CustodianId, PersonId};
use crate::movement::MovementStatus;
use crate::violation::{Rule, Violation};
use std::collections::HashMap;

fn broken(detail: String) -> Violation {
    Violation::new(Rule::BatchPostCondition, detail)
}

impl State {
    /// Checks, over every row:
    /// - each person's movement pointer names an open movement (planned:
    ///   they are held at its origin; under way: they are in its custody);
    /// - each custodian's occupancy is the number of people it holds (all
    ///   but the dead), and the occupancies sum to the people registered
    ///   less the dead;
    /// - a movement holds exactly its boarded people less those handed out,
    ///   and nobody before it departs;
    /// - the counts by custody, movement and discrepancy status agree
    ///   with the rows;
    /// - each custodian lists as inbound exactly the open movements bound to it;
    /// - the `registered`, `scheduled`, `transferred` and `deceased`
    ///   counters and the nationality counts agree with the people;
    /// - each roster row is recorded as a registered person or as the
    ///   pending review it waits in, and each review's row as it.
    pub fn check_invariants(&self) -> Result<(), Violation> {
        let mut held: HashMap<&str, u64> = HashMap::new();
        let (mut scheduled, mut transferred, mut deceased) = (0u64, 0u64, 0u64);
        for (id, p) in self.persons() {
            let person = PersonId::new(id.as_str());
            if !self.custodians.contains(p.custody.custodian.as_str()) {
                return Err(broken(format!(
                    "person {id} is held by {}, which is not registered",
                    p.custody.custodian
                )));
            }
            self.check_pointer(&person, p.custody)?;
            if p.custody.status == CustodyStatus::Deceased {
                deceased += 1;
            } else {
                *held.entry(p.custody.custodian.as_str()).or_default() += 1;
            }
            scheduled += u64::from(p.custody.scheduled);
            transferred += u64::from(p.custody.transferred);
        }
        let mut total = 0u64;
        for (id, c) in self.custodians() {
            let n = held.get(id.as_str()).copied().unwrap_or(0);
            if u64::from(c.occupancy) != n {
                return Err(broken(format!(
                    "custodian {id} counts {} people but holds {n}",
                    c.occupancy
                ))
                .custodian(&CustodianId::new(id.as_str())));
            }
            total += n;
        }
        let registered = self.persons.len() as u64;
        if total + deceased != registered {
            return Err(broken(format!(
                "custodians hold {total} and {deceased} died, but {registered} are registered"
            )));
        }
        for (name, want) in [
            ("registered", registered),
            ("scheduled", scheduled),
            ("transferred", transferred),
            ("deceased", deceased),
        ] {
            if self.counter(name) != want {
                return Err(broken(format!(
                    "counter {name} is {} but the people say {want}",
                    self.counter(name)
                )));
            }
        }
        let by_nationality: u64 = self.nationalities().map(|(_, n)| *n).sum();
        if by_nationality != registered {
            return Err(broken(format!(
                "nationality counts sum to {by_nationality}, not {registered}"
            )));
        }
        self.check_counts()?;
        let mut inbound: HashMap<&str, Vec<&str>> = HashMap::new();
        for (id, m) in self.movements() {
            if matches!(m.status, MovementStatus::Planned | MovementStatus::Departed) {
                inbound.entry(m.destination.as_str()).or_default().push(id);
            }
        }
        for (id, c) in self.custodians() {
            let mut listed: Vec<&str> = c.inbound.iter().map(|m| m.as_str()).collect();
            listed.sort_unstable();
            let mut open = inbound.remove(id.as_str()).unwrap_or_default();
            open.sort_unstable();
            if listed != open {
                return Err(broken(format!(
                    "custodian {id} lists {listed:?} as inbound, but the open movements bound there are {open:?}"
                )));
            }
        }
        if let Some((to, _)) = inbound.iter().next() {
            return Err(broken(format!(
                "open movements are bound to {to}, which is not registered"
            )));
        }
        for (id, m) in self.movements() {
            self.check_movement_holds(id, m)?;
            if m.status == MovementStatus::Planned && !m.boarded.is_empty() {
                return Err(broken(format!("planned movement {id} has people boarded")));
            }
        }
        self.check_sources()
    }

    fn check_sources(&self) -> Result<(), Violation> {
        use crate::review::ReviewStatus;
        for (key, to) in self.sources.iter() {
            let fine = match self.reviews.get(to) {
                Some(r) => r.status == ReviewStatus::Pending,
                None => self.persons.contains(to),
            };
            if !fine {
                return Err(broken(format!(
                    "roster row {key} is recorded as {to}, which is neither a person nor a pending review"
                )));
            }
        }
        for (id, identity) in self.persons.iter() {
            for row in &identity.linked_rows {
                let key = super::source_key(&row.source.roster, &row.source.record_id);
                if self.sources.get(&key) != Some(id) {
                    return Err(broken(format!(
                        "person {id} keeps roster row {key} as linked to them, but the row is recorded as {:?}",
                        self.sources.get(&key)
                    )));
                }
            }
            for link in &identity.same_as {
                let back = self.persons.get(link.person.as_str()).is_some_and(|o| {
                    o.same_as
                        .iter()
                        .any(|s| s.person.as_str() == id && s.discrepancy == link.discrepancy)
                });
                if !back {
                    return Err(broken(format!(
                        "person {id} is linked as one person with {}, which does not list them back",
                        link.person
                    )));
                }
            }
        }
        for (id, r) in self.reviews.iter() {
            let want = match r.status {
                ReviewStatus::Pending => Some(id.as_str()),
                _ => r.person.as_ref().map(|p| p.as_str()),
            };
            let key = super::source_key(&r.source.roster, &r.source.record_id);
            if want.is_none() || self.sources.get(&key).map(String::as_str) != want {
                return Err(broken(format!(
                    "review {id} ({}) does not match how its roster row is recorded",
                    r.status
                )));
            }
        }
        Ok(())
    }

    fn check_counts(&self) -> Result<(), Violation> {
        let mut want: HashMap<&'static str, u64> = HashMap::new();
        for (_, p) in self.persons() {
            *want
                .entry(super::counts::custody_key(p.status))
                .or_default() += 1;
        }
        for (_, m) in self.movements() {
            *want
                .entry(super::counts::movement_key(m.status))
                .or_default() += 1;
        }
        for (_, d) in self.discrepancies() {
            *want
                .entry(super::counts::discrepancy_key(d.status))
                .or_default() += 1;
        }
        for (name, n) in self.counters.iter() {
            let counted = name.starts_with("status:")
                || name.starts_with("movements:")
                || name.starts_with("discrepancies:");
            if counted && want.get(name.as_str()).copied().unwrap_or(0) != *n {
                return Err(broken(format!(
                    "counter {name} is {n} but the rows say otherwise"
                )));
            }
        }
        for (name, n) in want {
            if self.counter(name) != n {
                return Err(broken(format!(
                    "counter {name} is {} but the rows count {n}",
                    self.counter(name)
                )));
            }
        }
        Ok(())
    }
}
