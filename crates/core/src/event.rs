//! The event vocabulary: past-tense facts in the words an escort officer
//! would use, and their canonical, versioned encoding.
//!
//! Every event records who recorded it (user and node), when it happened and
//! when it was recorded. Its canonical bytes — the bytes the ledger hashes —
//! are compact JSON with fields in declaration order, a leading version
//! field `v`, and the event kind as the one key of the `what` object
//! (`{"custody_handed_over":{...}}`); [`Event::decode`] refuses any bytes that do not re-encode to
//! themselves, so there is exactly one encoding of each event.

use crate::country::Country;
use crate::custodian::CustodianKind;
use crate::discrepancy::{DiscrepancyKind, Severity};
use crate::escort::EscortRecord;
use crate::ids::*;
use crate::judicial::{CaseOutcome, Recipient};
use crate::movement::{Mode, Seat, Vehicle, Waypoint};
use crate::person::{PersonRecord, SourceRow};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The encoding version written into every event.
pub const ENCODING_VERSION: u32 = 1;

/// Who recorded an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The user.
    pub user: UserId,
    /// The node the user worked on.
    pub node: NodeId,
}

/// A signature over a handover, by one of the two custodians' keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverSignature {
    /// Which side signed (`from` or `to`).
    pub side: String,
    /// The signer's verifier key (signed-note form `name+keyid+base64`).
    pub key: String,
    /// Base64 Ed25519 signature.
    pub signature: String,
}

/// One fact in the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Encoding version.
    pub v: u32,
    /// Position in the ledger (the leaf index).
    pub seq: u64,
    /// When it happened in the world.
    pub occurred_at: Timestamp,
    /// When it was recorded.
    pub recorded_at: Timestamp,
    /// Who recorded it.
    pub actor: Actor,
    /// What happened.
    pub what: EventKind,
}

/// Why an override of a guarantee was allowed, and by whom (the event's actor).
pub type OverrideReason = Option<String>;

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    // --- custodians -------------------------------------------------------
    /// A custodian (facility, hospital, foreign representative) was registered.
    CustodianRegistered {
        /// Its id.
        custodian: CustodianId,
        /// What it is.
        info: CustodianKind,
    },

    // --- registration -----------------------------------------------------
    /// A person was registered in the custody of a facility.
    PersonRegistered {
        /// New id.
        person: PersonId,
        /// Identity and handling needs.
        record: PersonRecord,
        /// The facility holding them.
        custodian: CustodianId,
        /// The roster row this came from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<SourceRow>,
        /// Reason for exceeding the facility's capacity, if it must be.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capacity_override: OverrideReason,
    },
    /// A person's record was corrected. The corrected event stays as it was.
    PersonRecordCorrected {
        /// Whose record.
        person: PersonId,
        /// The seq of the registration or correction this one corrects.
        corrects: u64,
        /// The whole record as it should read.
        record: PersonRecord,
        /// Why.
        reason: String,
        /// The discrepancy this correction opens when it breaks the manifest
        /// rules of a planned movement the person is on (required exactly
        /// then; [`crate::ops::correct`] fills it in).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        discrepancy: Option<DiscrepancyId>,
    },

    // --- custody ----------------------------------------------------------
    /// Custody passed from one custodian to another.
    CustodyHandedOver {
        /// Who.
        person: PersonId,
        /// The custodian handing over (must be the current one).
        from: CustodianId,
        /// The custodian receiving.
        to: CustodianId,
        /// Why.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// Reason for exceeding the receiver's capacity, if it must be.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capacity_override: OverrideReason,
        /// Signatures of either side.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        signatures: Vec<HandoverSignature>,
    },
    /// A person arriving on a movement was admitted into its destination facility.
    PersonAdmitted {
        /// Who.
        person: PersonId,
        /// The movement they arrived on.
        movement: MovementId,
        /// The admitting facility (the movement's destination).
        facility: CustodianId,
        /// Reason for exceeding capacity, if it must be.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capacity_override: OverrideReason,
    },
    /// A person was taken to hospital.
    TakenToHospital {
        /// Who.
        person: PersonId,
        /// The custodian they were with.
        from: CustodianId,
        /// The hospital (a registered custodian).
        hospital: CustodianId,
        /// Why.
        reason: String,
    },
    /// A person was released.
    PersonReleased {
        /// Who.
        person: PersonId,
        /// The custodian releasing them.
        from: CustodianId,
        /// The authority ordering release.
        authority: String,
        /// Why.
        reason: String,
    },
    /// A person escaped. The custodian stays accountable until recapture.
    PersonEscaped {
        /// Who.
        person: PersonId,
        /// From whose custody.
        from: CustodianId,
        /// What is known.
        circumstances: String,
        /// The escape discrepancy this opens (an escape is always one).
        discrepancy: DiscrepancyId,
    },
    /// A person escaped earlier was recaptured into a custodian's hands.
    PersonRecaptured {
        /// Who.
        person: PersonId,
        /// Who holds them now.
        by: CustodianId,
    },
    /// A person died in custody.
    DiedInCustody {
        /// Who.
        person: PersonId,
        /// In whose custody.
        custodian: CustodianId,
        /// Cause as certified, if known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<String>,
    },

    // --- movements --------------------------------------------------------
    /// A movement was planned with its manifest.
    MovementPlanned {
        /// New id.
        movement: MovementId,
        /// Land or air.
        mode: Mode,
        /// Origin facility.
        origin: CustodianId,
        /// Destination facility.
        destination: CustodianId,
        /// Planned departure.
        planned_departure: Timestamp,
        /// Vehicles or aircraft.
        vehicles: Vec<Vehicle>,
        /// Escort team (names or service numbers).
        escort: Vec<String>,
        /// A medic travels with the escort (needed for anyone with medical needs).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        medic: bool,
        /// People to move, each with the vehicle they travel in.
        manifest: Vec<Seat>,
        /// Planned route; empty means the straight line between the facilities.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        route: Vec<Waypoint>,
    },
    /// A movement departed with a headcount and the people who boarded.
    MovementDeparted {
        /// Which.
        movement: MovementId,
        /// The escort's headcount.
        headcount: u32,
        /// Who boarded.
        boarded: Vec<PersonId>,
    },
    /// A headcount was taken en route.
    MovementCheckpointPassed {
        /// Which.
        movement: MovementId,
        /// Where.
        place: String,
        /// How many were counted.
        count: u32,
    },
    /// A movement reported its position.
    MovementPositionReported {
        /// Which.
        movement: MovementId,
        /// Latitude.
        lat: f64,
        /// Longitude.
        lon: f64,
    },
    /// A movement arrived at its destination.
    MovementArrived {
        /// Which.
        movement: MovementId,
    },
    /// The intake was reconciled against the boarded list.
    MovementReconciled {
        /// Which.
        movement: MovementId,
        /// Admitted.
        admitted: u32,
        /// Boarded but not admitted.
        missing: Vec<PersonId>,
        /// Presented but not boarded.
        extra: Vec<String>,
        /// Presented under an id whose recorded identity did not match.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        mismatched: Vec<PersonId>,
    },
    /// A person's escort record was started from their file.
    EscortRecordStarted {
        /// Movement.
        movement: MovementId,
        /// Person.
        person: PersonId,
        /// The record as started.
        record: EscortRecord,
    },
    /// A person's escort record was completed or changed (the whole record as it now reads).
    EscortRecordUpdated {
        /// Movement.
        movement: MovementId,
        /// Person.
        person: PersonId,
        /// The record as it now reads.
        record: EscortRecord,
    },
    /// A person's escort record was confirmed complete for departure.
    EscortRecordConfirmed {
        /// Movement.
        movement: MovementId,
        /// Person.
        person: PersonId,
    },
    /// A person's escort record was handed over with them at arrival.
    EscortRecordHandedOver {
        /// Movement.
        movement: MovementId,
        /// Person.
        person: PersonId,
        /// The receiving custodian.
        to: CustodianId,
    },
    /// A movement was aborted; everyone on board returns to a named custodian.
    MovementAborted {
        /// Which.
        movement: MovementId,
        /// Where people go back to.
        return_to: CustodianId,
        /// Why.
        reason: String,
    },

    // --- judicial ---------------------------------------------------------
    /// A judicial case was opened.
    CaseOpened {
        /// New id.
        case: CaseId,
        /// Whose.
        person: PersonId,
        /// The investigative committee.
        committee: String,
        /// Legal basis (law and article).
        legal_basis: String,
        /// First appearance before an investigative judge due by.
        first_appearance_due: Timestamp,
    },
    /// A hearing was held.
    HearingHeld {
        /// Which case.
        case: CaseId,
        /// The judge.
        judge: String,
        /// What was decided.
        summary: String,
        /// Next review due, if set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_review_due: Option<Timestamp>,
    },
    /// A charge was brought.
    ChargeBrought {
        /// Which case.
        case: CaseId,
        /// The charge.
        charge: String,
        /// Law and article.
        article: String,
    },
    /// A case's outcome was recorded.
    CaseOutcomeRecorded {
        /// Which case.
        case: CaseId,
        /// The outcome.
        outcome: CaseOutcome,
    },

    // --- notifications ----------------------------------------------------
    /// A notification was sent.
    NotificationSent {
        /// New id.
        notification: NotificationId,
        /// About whom.
        person: PersonId,
        /// To whom.
        recipient: Recipient,
        /// By what channel.
        channel: String,
        /// What it said, in brief (no personal data beyond the id).
        subject: String,
    },
    /// A notification was acknowledged.
    NotificationAcknowledged {
        /// Which.
        notification: NotificationId,
        /// By whom, as stated.
        by: String,
    },

    // --- repatriation -----------------------------------------------------
    /// A state was asked to take back its national.
    RepatriationRequested {
        /// New id.
        repatriation: RepatriationId,
        /// Who.
        person: PersonId,
        /// The state asked.
        state: Country,
    },
    /// The state accepted.
    RepatriationAccepted {
        /// Which.
        repatriation: RepatriationId,
    },
    /// The state refused.
    RepatriationRefused {
        /// Which.
        repatriation: RepatriationId,
        /// Why, as stated.
        reason: String,
    },
    /// The person was handed over to the state's representative.
    RepatriationHandedOver {
        /// Which.
        repatriation: RepatriationId,
        /// The custodian handing over.
        from: CustodianId,
        /// The foreign representative (a registered custodian).
        to: CustodianId,
    },

    // --- discrepancies ----------------------------------------------------
    /// A discrepancy was opened.
    DiscrepancyOpened {
        /// New id.
        discrepancy: DiscrepancyId,
        /// What kind.
        kind: DiscrepancyKind,
        /// How urgent.
        severity: Severity,
        /// What was found (ids, counts, no personal data).
        summary: String,
        /// People concerned.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        persons: Vec<PersonId>,
        /// Movement concerned.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        movement: Option<MovementId>,
        /// Custodian concerned.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        custodian: Option<CustodianId>,
        /// Who owns it.
        owner: String,
    },
    /// An open discrepancy was escalated: older than allowed, or worse than first thought.
    DiscrepancyEscalated {
        /// Which.
        discrepancy: DiscrepancyId,
        /// The new severity.
        severity: Severity,
        /// Who owns it now.
        owner: String,
        /// Why.
        reason: String,
    },
    /// A discrepancy was resolved by the event's actor.
    DiscrepancyResolved {
        /// Which.
        discrepancy: DiscrepancyId,
        /// Why it is resolved.
        reason: String,
    },

    // --- access log -------------------------------------------------------
    /// The event's actor read personal data: commits the access records
    /// `first .. first + count` of the node's access log (kept beside the
    /// ledger, not in it) by the hash chain's head after the last of them.
    /// Deleting or changing one of them no longer matches this signed event.
    AccessLogged {
        /// Id of the first access record committed.
        first: u64,
        /// How many records (at least one).
        count: u64,
        /// Hex SHA-256 chain hash after the last record.
        head: String,
    },
}

impl EventKind {
    /// The event's type name as written in the ledger (`custody_handed_over`).
    pub fn type_name(&self) -> &'static str {
        use EventKind::*;
        match self {
            CustodianRegistered { .. } => "custodian_registered",
            PersonRegistered { .. } => "person_registered",
            PersonRecordCorrected { .. } => "person_record_corrected",
            CustodyHandedOver { .. } => "custody_handed_over",
            PersonAdmitted { .. } => "person_admitted",
            TakenToHospital { .. } => "taken_to_hospital",
            PersonReleased { .. } => "person_released",
            PersonEscaped { .. } => "person_escaped",
            PersonRecaptured { .. } => "person_recaptured",
            DiedInCustody { .. } => "died_in_custody",
            MovementPlanned { .. } => "movement_planned",
            MovementDeparted { .. } => "movement_departed",
            MovementCheckpointPassed { .. } => "movement_checkpoint_passed",
            MovementPositionReported { .. } => "movement_position_reported",
            MovementArrived { .. } => "movement_arrived",
            MovementReconciled { .. } => "movement_reconciled",
            EscortRecordStarted { .. } => "escort_record_started",
            EscortRecordUpdated { .. } => "escort_record_updated",
            EscortRecordConfirmed { .. } => "escort_record_confirmed",
            EscortRecordHandedOver { .. } => "escort_record_handed_over",
            MovementAborted { .. } => "movement_aborted",
            CaseOpened { .. } => "case_opened",
            HearingHeld { .. } => "hearing_held",
            ChargeBrought { .. } => "charge_brought",
            CaseOutcomeRecorded { .. } => "case_outcome_recorded",
            NotificationSent { .. } => "notification_sent",
            NotificationAcknowledged { .. } => "notification_acknowledged",
            RepatriationRequested { .. } => "repatriation_requested",
            RepatriationAccepted { .. } => "repatriation_accepted",
            RepatriationRefused { .. } => "repatriation_refused",
            RepatriationHandedOver { .. } => "repatriation_handed_over",
            DiscrepancyOpened { .. } => "discrepancy_opened",
            DiscrepancyEscalated { .. } => "discrepancy_escalated",
            DiscrepancyResolved { .. } => "discrepancy_resolved",
            AccessLogged { .. } => "access_logged",
        }
    }

    /// The people this event is about.
    pub fn persons(&self) -> Vec<&PersonId> {
        use EventKind::*;
        match self {
            PersonRegistered { person, .. }
            | PersonRecordCorrected { person, .. }
            | CustodyHandedOver { person, .. }
            | PersonAdmitted { person, .. }
            | TakenToHospital { person, .. }
            | PersonReleased { person, .. }
            | PersonEscaped { person, .. }
            | PersonRecaptured { person, .. }
            | DiedInCustody { person, .. }
            | CaseOpened { person, .. }
            | NotificationSent { person, .. }
            | RepatriationRequested { person, .. }
            | EscortRecordStarted { person, .. }
            | EscortRecordUpdated { person, .. }
            | EscortRecordConfirmed { person, .. }
            | EscortRecordHandedOver { person, .. } => vec![person],
            MovementPlanned { manifest, .. } => manifest.iter().map(|s| &s.person).collect(),
            MovementDeparted { boarded, .. } => boarded.iter().collect(),
            MovementReconciled {
                missing,
                mismatched,
                ..
            } => missing.iter().chain(mismatched).collect(),
            DiscrepancyOpened { persons, .. } => persons.iter().collect(),
            _ => vec![],
        }
    }
}

/// Why bytes could not be read as an event.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not valid JSON for an event.
    #[error("not a valid event encoding: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A version this build does not read.
    #[error("event encoding version {0} is not supported (this build reads {ENCODING_VERSION})")]
    Version(u32),
    /// Valid, but not in canonical form.
    #[error("event bytes are not in canonical form")]
    NotCanonical,
}

impl Event {
    /// Builds an event at the current encoding version.
    pub fn new(
        seq: u64,
        occurred_at: Timestamp,
        recorded_at: Timestamp,
        actor: Actor,
        what: EventKind,
    ) -> Event {
        Event {
            v: ENCODING_VERSION,
            seq,
            occurred_at,
            recorded_at,
            actor,
            what,
        }
    }

    /// The canonical bytes the ledger hashes.
    pub fn encode(&self) -> Vec<u8> {
        // Serialising these types cannot fail: every map key is a string and
        // every float is finite by construction (checked on append).
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads canonical bytes, refusing any other encoding of the same event.
    pub fn decode(bytes: &[u8]) -> Result<Event, DecodeError> {
        let event: Event = serde_json::from_slice(bytes)?;
        if event.v != ENCODING_VERSION {
            return Err(DecodeError::Version(event.v));
        }
        if event.encode() != bytes {
            return Err(DecodeError::NotCanonical);
        }
        Ok(event)
    }
}
