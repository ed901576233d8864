//! Event identity and minted ids, per origin node.
//!
//! An event is identified by its origin node and that node's own counter,
//! not by its position in a ledger. Here: the check that each origin's
//! counters arrive contiguous and unique (0, 1, 2 … per node, whatever else
//! is interleaved), the check that every new id is well formed and in its
//! namespace, and the allocator that mints ids carrying the local node's
//! code (`P-NSR1-000012`), skipping any that are taken.

use super::State;
use crate::event::{Event, EventKind};
use crate::ids::*;
use crate::violation::{Rule, Violation};

fn origin_key(node: &NodeId) -> String {
    format!("origin:{node}")
}

fn mint_key(prefix: &str) -> String {
    format!("mint:{prefix}")
}

impl State {
    /// Sets the node whose code is written into the ids this state mints
    /// (the node that holds it; a state nobody set mints as `LOCAL`).
    pub fn set_local_node(&mut self, code: NodeCode) {
        self.local = code;
    }

    /// The code of the node minting ids from this state.
    pub fn local_node(&self) -> &NodeCode {
        &self.local
    }

    /// The counter the next event created by `origin` must carry.
    pub fn next_counter(&self, origin: &NodeId) -> u64 {
        self.counters.get(&origin_key(origin)).copied().unwrap_or(0)
    }

    /// An allocator of new ids of `ns` minted by the local node: each call to
    /// [`Allocator::take`] gives the next number not yet used, so ids taken
    /// within one batch (before it is applied) do not repeat.
    pub fn allocator(&self, ns: Namespace) -> Allocator<'_> {
        let prefix = ns.minted_prefix(&self.local);
        let next = self.counter(&mint_key(&prefix)).max(1);
        Allocator {
            state: self,
            ns,
            next,
        }
    }

    /// Whether an id of this namespace exists.
    fn id_taken(&self, ns: Namespace, id: &str) -> bool {
        match ns {
            Namespace::Person => self.persons.contains(id),
            Namespace::Movement => self.movements.contains(id) || self.custodians.contains(id),
            Namespace::Discrepancy => self.discrepancies.contains(id),
            Namespace::Case => self.cases.contains(id),
            Namespace::Notification => self.notifications.contains(id),
            Namespace::Repatriation => self.repatriations.contains(id),
            Namespace::Review => self.reviews.contains(id),
        }
    }

    /// The origin's counter must be exactly the next one for that origin.
    pub(super) fn check_origin(&self, event: &Event) -> Result<(), Violation> {
        let origin = event.origin();
        let expected = self.next_counter(origin);
        if expected == 0 {
            NodeCode::parse(origin.as_str()).map_err(|e| {
                Violation::new(Rule::IdFormat, format!("the event's origin node: {e}"))
            })?;
        }
        if event.counter != expected {
            return Err(Violation::new(
                Rule::Sequence,
                format!(
                    "event {} arrives, but the next event of node {origin} must be #{expected}",
                    event.id()
                ),
            ));
        }
        Ok(())
    }

    /// The id an event creates must be well formed and in its namespace.
    pub(super) fn check_new_id(&self, what: &EventKind) -> Result<(), Violation> {
        let Some((ns, id)) = what.created_id() else {
            return Ok(());
        };
        let checked = match ns {
            Some(ns) => check_in(ns, id),
            None => check_custodian_name(id),
        };
        checked.map_err(|e| Violation::new(Rule::IdFormat, e.to_string()))
    }

    /// Records that `event` was applied: its origin's counter moves on, and
    /// an id it created in a namespace moves that prefix's mint counter past it.
    pub(super) fn note_identity(&mut self, event: &Event) {
        let key = origin_key(event.origin());
        self.counters.put(&key, event.counter + 1);
        let Some((Some(ns), id)) = event.what.created_id() else {
            return;
        };
        // The id's node code is whatever sits between the prefix and the
        // last `-`; only ids of the minted form move a counter.
        let rest = &id[ns.prefix().len()..];
        let Some((code, digits)) = rest.rsplit_once('-') else {
            return;
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return;
        }
        let Ok(n) = digits.parse::<u64>() else {
            return;
        };
        let key = mint_key(&format!("{}{code}-", ns.prefix()));
        if self.counter(&key) <= n {
            self.counters.put(&key, n.saturating_add(1));
        }
    }
}

/// Mints ids of one namespace for the local node (see [`State::allocator`]).
#[derive(Debug)]
pub struct Allocator<'a> {
    state: &'a State,
    ns: Namespace,
    next: u64,
}

impl Allocator<'_> {
    /// The next id not yet used.
    pub fn take(&mut self) -> String {
        loop {
            let id = self.ns.mint(&self.state.local, self.next);
            self.next += 1;
            if !self.state.id_taken(self.ns, &id) {
                return id;
            }
        }
    }
}
