//! The rows of each projection: what is true now, derived from events.

use crate::country::Country;
use crate::custodian::CustodianKind;
use crate::discrepancy::{DiscrepancyKind, Severity};
use crate::escort::{EscortRecord, EscortRecordStatus};
use crate::ids::*;
use crate::judicial::{CaseOutcome, Recipient};
use crate::movement::{Mode, MovementStatus, Seat, Vehicle, Waypoint};
use crate::person::PersonRecord;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a person stands with respect to custody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustodyStatus {
    /// Held at a facility.
    Held,
    /// On a movement under way.
    InTransit,
    /// In hospital.
    Hospitalised,
    /// Handed over to a foreign state's representative.
    Repatriated,
    /// Released.
    Released,
    /// Escaped; the custodian stays accountable.
    Escaped,
    /// Died in custody.
    Deceased,
}

impl CustodyStatus {
    /// Whether custody can still pass to someone else.
    pub fn can_move(self) -> bool {
        matches!(
            self,
            CustodyStatus::Held | CustodyStatus::InTransit | CustodyStatus::Hospitalised
        )
    }
}

/// A person's identity as recorded (the `person` projection table). It
/// changes only on registration and correction, so it is written rarely.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityView {
    /// Identity as last recorded or corrected.
    pub record: PersonRecord,
    /// The roster row the person was registered from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::person::SourceRow>,
    /// The registration and corrections of the record, by event identity.
    pub record_events: Vec<crate::event::EventId>,
    /// When the person was registered: nothing about them happens earlier.
    pub registered_at: Timestamp,
    /// Other records found to be this same person (`people_linked`), both
    /// kept: nothing is merged away.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub same_as: Vec<SameAs>,
    /// Roster rows recorded against this person by the matcher or by a
    /// review, each with what it records, until a link is withdrawn.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linked_rows: Vec<LinkedRow>,
}

/// Another record found to be the same person (`people_linked`), as both
/// records list it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SameAs {
    /// The other record.
    pub person: PersonId,
    /// When they were linked: withdrawing the link is not earlier.
    pub linked_at: Timestamp,
    /// The `duplicate_record` discrepancy the link opened, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discrepancy: Option<DiscrepancyId>,
}

/// A roster row recorded against a registered person (`roster_row_linked`,
/// or a review decided `same_person`): kept with the person, so that
/// withdrawing the link registers the row from its own record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedRow {
    /// The roster row.
    pub source: crate::person::SourceRow,
    /// The person as the row records them.
    pub record: crate::person::PersonRecord,
    /// The facility whose roster listed them.
    pub custodian: CustodianId,
    /// When the row was linked: withdrawing it is not earlier.
    pub linked_at: Timestamp,
    /// The review whose decision linked it, if a person decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewId>,
    /// The `listed_elsewhere` discrepancy the link opened, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discrepancy: Option<DiscrepancyId>,
}

/// Where a person stands now (the `custody` projection table): small, and
/// written on every custody change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustodyView {
    /// Current custodian (never empty).
    pub custodian: CustodianId,
    /// Custody status.
    pub status: CustodyStatus,
    /// Seq of the event that put them with the current custodian.
    pub since_seq: u64,
    /// When that event happened: the next custody change is not earlier.
    pub since_at: Timestamp,
    /// The open movement whose manifest they are on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub movement: Option<MovementId>,
    /// On a transfer manifest at least once.
    pub scheduled: bool,
    /// Admitted at the destination of a movement at least once.
    pub transferred: bool,
    /// Seqs of every event about this person, in order.
    pub history: Vec<u64>,
}

/// A person now: identity and custody together, borrowed from the state.
/// Custody fields are reached through `Deref` (`view.custodian`).
#[derive(Debug, Clone, Copy)]
pub struct PersonView<'a> {
    /// Identity as last recorded or corrected.
    pub record: &'a PersonRecord,
    /// The registration and corrections of the record, by event identity.
    pub record_events: &'a [crate::event::EventId],
    /// Where they stand.
    pub custody: &'a CustodyView,
    /// Other records of the same person.
    pub same_as: &'a [SameAs],
    /// Roster rows recorded against them by the matcher or a review.
    pub linked_rows: &'a [LinkedRow],
}

impl std::ops::Deref for PersonView<'_> {
    type Target = CustodyView;
    fn deref(&self) -> &CustodyView {
        self.custody
    }
}

impl PersonView<'_> {
    /// An owned copy, for reports.
    pub fn snapshot(&self) -> PersonSnapshot {
        PersonSnapshot {
            record: self.record.clone(),
            record_events: self.record_events.to_vec(),
            custody: self.custody.clone(),
            same_as: self.same_as.to_vec(),
            linked_rows: self.linked_rows.to_vec(),
        }
    }
}

/// An owned person view, as reports print it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonSnapshot {
    /// Identity.
    pub record: PersonRecord,
    /// The registration and corrections of the record, by event identity.
    pub record_events: Vec<crate::event::EventId>,
    /// Where they stand.
    #[serde(flatten)]
    pub custody: CustodyView,
    /// Other records of the same person.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub same_as: Vec<SameAs>,
    /// Roster rows recorded against them by the matcher or a review.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub linked_rows: Vec<LinkedRow>,
}

/// A custodian now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustodianView {
    /// What it is.
    pub info: CustodianKind,
    /// People it holds now.
    pub occupancy: u32,
    /// The open movements (planned or under way) bound here, in the order
    /// planned: what the room check at planning counts as inbound.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inbound: Vec<MovementId>,
}

impl CustodianView {
    /// Capacity, for facilities.
    pub fn capacity(&self) -> Option<u32> {
        match &self.info {
            CustodianKind::Facility(f) => Some(f.capacity),
            _ => None,
        }
    }
}

/// A count taken on a movement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Count {
    /// Where (`departure`, a checkpoint name).
    pub place: String,
    /// How many.
    pub count: u32,
    /// When.
    pub at: Timestamp,
    /// The event.
    pub seq: u64,
}

/// A reported position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// When.
    pub at: Timestamp,
}

/// A movement now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovementView {
    /// Land or air.
    pub mode: Mode,
    /// Origin facility.
    pub origin: CustodianId,
    /// Destination facility.
    pub destination: CustodianId,
    /// Planned departure.
    pub planned_departure: Timestamp,
    /// Vehicles.
    pub vehicles: Vec<Vehicle>,
    /// Escort team.
    pub escort: Vec<String>,
    /// A medic travels with the escort.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub medic: bool,
    /// Manifest, each person with their vehicle.
    pub manifest: Vec<Seat>,
    /// Planned route.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<Waypoint>,
    /// When it was planned (the planning event): nothing on it is earlier.
    pub planned_at: Timestamp,
    /// Lifecycle status.
    pub status: MovementStatus,
    /// Who boarded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub boarded: Vec<PersonId>,
    /// How many of the boarded have left the movement's custody since
    /// (admitted, handed over, taken to hospital, returned at an abort, died):
    /// the movement holds exactly `boarded - handed_out` people.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub handed_out: u32,
    /// Who was admitted at the destination.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admitted: Vec<PersonId>,
    /// Counts taken (departure, checkpoints).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counts: Vec<Count>,
    /// Reported positions, in the order reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub track: Vec<Position>,
    /// When it departed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departed_at: Option<Timestamp>,
    /// When it arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrived_at: Option<Timestamp>,
    /// Why it was aborted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort_reason: Option<String>,
}

impl MovementView {
    /// The people on the manifest, in manifest order.
    pub fn people(&self) -> impl Iterator<Item = &PersonId> {
        self.manifest.iter().map(|s| &s.person)
    }

    /// The vehicle a person is seated in.
    pub fn vehicle_of(&self, person: &PersonId) -> Option<&str> {
        self.manifest
            .iter()
            .find(|s| &s.person == person)
            .map(|s| s.vehicle.as_str())
    }

    /// The last reported position.
    pub fn last_position(&self) -> Option<&Position> {
        self.track.iter().max_by_key(|p| p.at)
    }
}

/// A person's escort record on one movement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscortRecordView {
    /// The record as it now reads.
    pub record: EscortRecord,
    /// Its state.
    pub status: EscortRecordStatus,
    /// Seqs of the events that started, changed, confirmed or handed it over.
    pub events: Vec<u64>,
    /// Who it was handed over to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handed_to: Option<CustodianId>,
}

/// Open or resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscrepancyStatus {
    /// Open.
    Open,
    /// Resolved.
    Resolved,
}

impl DiscrepancyStatus {
    /// The name as written in the ledger, in reports and as an index term
    /// (`open`).
    pub fn as_str(self) -> &'static str {
        match self {
            DiscrepancyStatus::Open => "open",
            DiscrepancyStatus::Resolved => "resolved",
        }
    }
}

/// A discrepancy now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscrepancyView {
    /// Kind.
    pub kind: DiscrepancyKind,
    /// Severity.
    pub severity: Severity,
    /// What was found.
    pub summary: String,
    /// People concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub persons: Vec<PersonId>,
    /// Movement concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub movement: Option<MovementId>,
    /// Custodian concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custodian: Option<CustodianId>,
    /// Owner.
    pub owner: String,
    /// Open or resolved.
    pub status: DiscrepancyStatus,
    /// When opened.
    pub opened_at: Timestamp,
    /// Times escalated.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub escalations: u32,
    /// When last escalated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_at: Option<Timestamp>,
    /// The opening event.
    pub opened_seq: u64,
    /// Who resolved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<UserId>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<Timestamp>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
}

/// A case now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseView {
    /// Whose.
    pub person: PersonId,
    /// Committee.
    pub committee: String,
    /// Legal basis.
    pub legal_basis: String,
    /// First appearance due.
    pub first_appearance_due: Timestamp,
    /// Hearings held.
    pub hearings: u32,
    /// Next review due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_review_due: Option<Timestamp>,
    /// Charges brought.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub charges: Vec<String>,
    /// Outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<CaseOutcome>,
    /// When the case was opened or last had a hearing, charge or outcome:
    /// nothing in the case is dated earlier.
    pub last_at: Timestamp,
}

/// A notification now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationView {
    /// About whom.
    pub person: PersonId,
    /// To whom.
    pub recipient: Recipient,
    /// Channel.
    pub channel: String,
    /// Subject.
    pub subject: String,
    /// When sent.
    pub sent_at: Timestamp,
    /// Acknowledged by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
}

/// Where a repatriation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepatriationStatus {
    /// Requested.
    Requested,
    /// Accepted.
    Accepted,
    /// Refused.
    Refused,
    /// Handed over.
    HandedOver,
}

/// A repatriation now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepatriationView {
    /// Who.
    pub person: PersonId,
    /// The state asked.
    pub state: Country,
    /// Status.
    pub status: RepatriationStatus,
    /// Refusal reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl std::ops::Deref for PersonSnapshot {
    type Target = CustodyView;
    fn deref(&self) -> &CustodyView {
        &self.custody
    }
}

/// An identity-match review now: a roster row waiting for a person to
/// decide who it is, or decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewView {
    /// The roster row.
    pub source: crate::person::SourceRow,
    /// The person as the row records them.
    pub record: PersonRecord,
    /// The facility whose roster lists them.
    pub custodian: CustodianId,
    /// The registered people it may be, best first, with the evidence.
    pub candidates: Vec<crate::review::MatchEvidence>,
    /// Pending or how decided.
    pub status: crate::review::ReviewStatus,
    /// When opened.
    pub opened_at: Timestamp,
    /// The opening event.
    pub opened_seq: u64,
    /// The person the row is recorded against, once decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonId>,
    /// Who decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<UserId>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<Timestamp>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
