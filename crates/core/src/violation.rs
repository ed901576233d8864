//! Why an event was refused: the rule it broke, and the person and custodian
//! concerned, so the user can tell what to fix.

use crate::ids::{CustodianId, PersonId};
use std::fmt;

/// The guarantees checked on append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// Each origin node's events arrive in its own order: counters 0, 1, 2 … with no gap or repeat.
    Sequence,
    /// Ids are well formed (letters, digits, `-`) and in their namespace.
    IdFormat,
    /// A handover signature is by a live officer key registered for its side's custodian.
    OfficerKey,
    /// Ids are never reused.
    UniqueId,
    /// The person must be registered.
    KnownPerson,
    /// The custodian must be registered.
    KnownCustodian,
    /// The referenced movement, case, notification, repatriation or discrepancy must exist.
    KnownRecord,
    /// One custodian per person at every moment: a handover comes from the current custodian.
    HandoverFromCurrentCustodian,
    /// A facility over capacity needs an explicit override with a reason.
    Capacity,
    /// A facility holds only the categories it may hold.
    Category,
    /// A high-risk person goes only to a maximum-security facility.
    HighRiskSecurity,
    /// This step needs a facility (or another specific kind of custodian).
    CustodianKind,
    /// Nothing is edited: a correction names an earlier record event of the same person.
    CorrectionTarget,
    /// The movement is not in a state that allows this step.
    MovementState,
    /// The manifest rules: people held at the origin, on no other open movement, seats not exceeded.
    Manifest,
    /// A high-risk person travels only by air or in an armoured vehicle.
    HighRiskTransport,
    /// No two people sharing a separation group in the same vehicle.
    Separation,
    /// Women and juveniles never travel in a vehicle with adult men.
    Segregation,
    /// A vehicle's seats are never exceeded.
    Seats,
    /// Flights use aircraft; land movements never do.
    VehicleMode,
    /// A person with medical needs travels only on a movement with a medic.
    MedicalEscort,
    /// A movement departs only when every escort record on its manifest is confirmed.
    EscortRecord,
    /// The person's custody status does not allow this step.
    PersonStatus,
    /// A reason is required and was empty.
    ReasonRequired,
    /// Events about a person or a movement happen in order, and no event
    /// happens after it was recorded.
    TimeOrder,
    /// A step that has its own event (release, hospital, repatriation,
    /// departure) is recorded with that event, never as a plain handover.
    DedicatedEvent,
    /// What must hold after every batch (movement pointers, movement
    /// occupancy, custody counts) holds.
    BatchPostCondition,
    /// A roster row linked to a person the ledger holds elsewhere, or two
    /// records of one person in two custodians' hands, open a discrepancy.
    IdentityConflict,
    /// A value is out of range.
    InvalidValue,
    /// Not a rule of the domain: the batch was checked against a partly
    /// loaded state and needed rows that were not loaded, so it was not
    /// judged at all. The node loads them and checks it again; a user sees
    /// this only if that fails.
    RowsNotLoaded,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rule::Sequence => "origin-counter-sequence",
            Rule::IdFormat => "id-format",
            Rule::OfficerKey => "officer-key",
            Rule::UniqueId => "unique-id",
            Rule::KnownPerson => "known-person",
            Rule::KnownCustodian => "known-custodian",
            Rule::KnownRecord => "known-record",
            Rule::HandoverFromCurrentCustodian => "handover-from-current-custodian",
            Rule::Capacity => "facility-capacity",
            Rule::Category => "facility-category",
            Rule::HighRiskSecurity => "high-risk-to-maximum-security",
            Rule::CustodianKind => "custodian-kind",
            Rule::CorrectionTarget => "correction-names-record-event",
            Rule::MovementState => "movement-lifecycle",
            Rule::Manifest => "manifest",
            Rule::PersonStatus => "custody-status",
            Rule::HighRiskTransport => "high-risk-by-air-or-armoured",
            Rule::Separation => "separation-group",
            Rule::Segregation => "women-and-juveniles-apart-from-men",
            Rule::Seats => "vehicle-seats",
            Rule::VehicleMode => "vehicle-fits-mode",
            Rule::MedicalEscort => "medic-for-medical-needs",
            Rule::EscortRecord => "escort-record",
            Rule::ReasonRequired => "reason-required",
            Rule::TimeOrder => "time-order",
            Rule::DedicatedEvent => "dedicated-event",
            Rule::BatchPostCondition => "batch-post-condition",
            Rule::IdentityConflict => "listed-elsewhere-opens-discrepancy",
            Rule::InvalidValue => "valid-value",
            Rule::RowsNotLoaded => "rows-not-loaded",
        })
    }
}

/// An event refused by a rule. The state is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Violation {
    /// The rule broken.
    pub rule: Rule,
    /// The person concerned, if any.
    pub person: Option<PersonId>,
    /// The custodian concerned, if any.
    pub custodian: Option<CustodianId>,
    /// What exactly was wrong.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused by rule `{}`: {}", self.rule, self.detail)?;
        match (&self.person, &self.custodian) {
            (Some(p), Some(c)) => write!(f, " [person {p}, custodian {c}]"),
            (Some(p), None) => write!(f, " [person {p}]"),
            (None, Some(c)) => write!(f, " [custodian {c}]"),
            (None, None) => Ok(()),
        }
    }
}

impl Violation {
    /// A violation of `rule` with a detail message.
    pub fn new(rule: Rule, detail: impl Into<String>) -> Self {
        Violation {
            rule,
            person: None,
            custodian: None,
            detail: detail.into(),
        }
    }
    /// Names the person concerned.
    pub fn person(mut self, p: &PersonId) -> Self {
        self.person = Some(p.clone());
        self
    }
    /// Names the custodian concerned.
    pub fn custodian(mut self, c: &CustodianId) -> Self {
        self.custodian = Some(c.clone());
        self
    }
}

/// A batch refused at one of its events; nothing in it was applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {index} of the batch (seq {seq}) {violation}")]
pub struct BatchRejected {
    /// Position of the refused event within the batch.
    pub index: usize,
    /// Its seq.
    pub seq: u64,
    /// Why.
    pub violation: Violation,
}
