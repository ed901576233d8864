//! Rollcall's domain: people, custodians, movements, the event vocabulary,
//! the guarantees checked when an event is appended, and the projections
//! derived from events.
//!
//! Everything here is pure. Time, identifiers and input arrive as arguments;
//! nothing reads a clock, a file or the network. The one way to change state
//! is [`State::apply_batch`], which either applies a whole batch of events,
//! each checked against the state left by the ones before it, or refuses it
//! with a [`Violation`] naming the rule, the person and the custodian, and
//! leaves the state exactly as it was.
//!
//! Guarantees kept here:
//! - one custodian per person at every moment, and a handover comes from the
//!   current custodian;
//! - a facility over capacity takes someone only with an override and a reason;
//! - nothing is edited: a correction is a new event naming the one it corrects;
//! - projections are a function of the events alone ([`State::to_rows`] after
//!   replaying the events is what `verify` compares with the stored rows).

pub mod canonical;
pub mod correction;
pub mod country;
pub mod custodian;
pub mod discrepancy;
pub mod escort;
pub mod event;
pub mod ids;
pub mod judicial;
pub mod limits;
pub mod manifest_rules;
pub mod movement;
pub mod names;
pub mod ops;
pub mod person;
pub mod review;
pub mod state;
pub mod summary;
pub mod tracking;
pub mod violation;

pub use country::Country;
pub use event::{Actor, Event, EventKind};
pub use ids::*;
pub use jiff::Timestamp;
pub use state::State;
pub use violation::{BatchRejected, Rule, Violation};
