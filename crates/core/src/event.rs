//! The event vocabulary: past-tense facts in the words an escort officer
//! would use, and their canonical, versioned encoding.
//!
//! Every event records who recorded it (user and node), when it happened and
//! when it was recorded. Its identity is the node that created it (its
//! origin, `actor.node`) and that node's own counter, never its position in a
//! ledger: a central node can include a field node's events unchanged.
//!
//! Its canonical bytes — the bytes the ledger hashes, specified in
//! `docs/event-format.md` — are the RFC 8785 (JSON Canonicalization Scheme)
//! form of the event: keys sorted, no whitespace, numbers as ECMAScript
//! doubles, a version field `v`, and the event kind as the one key of the
//! `what` object (`{"custody_handed_over":{...}}`). [`Event::decode`] reads
//! by version and refuses any bytes that do not re-encode to themselves, so
//! there is exactly one encoding of each event.

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

/// The encoding version written into every event. Version 1 was the
/// unspecified serde form of the first builds and is not read.
pub const ENCODING_VERSION: u32 = 2;

/// The largest integer an event may carry: RFC 8785 writes every number as
/// an IEEE 754 double, which holds integers exactly up to 2^53 - 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Who recorded an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// The user.
    pub user: UserId,
    /// The node the user worked on: the event's origin.
    pub node: NodeId,
}

/// Which side of a custody change a signature is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The custodian handing over (at a departure: the origin facility).
    From,
    /// The custodian receiving (at a departure: the movement, its escort).
    To,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::From => "from",
            Side::To => "to",
        })
    }
}

/// A signature over a custody change — a handover or a departure — by an
/// officer key registered for one side's custodian
/// ([`EventKind::OfficerKeyRegistered`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverSignature {
    /// Which side signed.
    pub side: Side,
    /// The signer's verifier key (signed-note form `name+keyid+base64`).
    pub key: String,
    /// Base64 Ed25519 signature over the statement of the event it is in
    /// (`rollcall-handover/v2` or `rollcall-departure/v1`, docs/event-format.md).
    pub signature: String,
}

/// An event's identity: the node that created it and that node's own
/// counter (0 for its first event). The same in every ledger that includes
/// it, so an event that names another (a correction) names it by this, never
/// by its position in one ledger. Encoded as `{"counter":N,"origin":NODE}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EventId {
    /// The node that created it.
    pub origin: NodeId,
    /// That node's counter.
    pub counter: u64,
}

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.origin, self.counter)
    }
}

/// One fact in the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Encoding version.
    pub v: u32,
    /// The origin node's own counter: 0, 1, 2 … for the events that node
    /// created, whichever ledger includes them. Not the position in a ledger.
    pub counter: u64,
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
        /// The registration or correction this one corrects, by its identity
        /// (origin node and counter): the same in every ledger.
        corrects: EventId,
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

    // --- identity matching ------------------------------------------------
    /// A roster row describes a person already registered, and the matcher
    /// was certain: the row is recorded against them and nobody new is
    /// registered. If the ledger holds them elsewhere than the facility
    /// whose roster lists them, the event opens the `listed_elsewhere`
    /// discrepancy it must then carry.
    RosterRowLinked {
        /// The registered person.
        person: PersonId,
        /// The roster row.
        source: SourceRow,
        /// The person as the row records them (another spelling, another
        /// script): kept with their history, their record unchanged.
        record: PersonRecord,
        /// The facility whose roster lists them.
        custodian: CustodianId,
        /// The model's probability that the row is this person.
        probability_ppm: crate::review::Ppm,
        /// Each field's contribution to the match.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        fields: Vec<crate::review::FieldEvidence>,
        /// The `listed_elsewhere` discrepancy this opens (required exactly
        /// when the person is not in that facility's custody).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        discrepancy: Option<DiscrepancyId>,
    },
    /// A roster row matched registered people too uncertainly to decide: it
    /// waits in the review queue, and nobody is registered for it until a
    /// person decides ([`EventKind::MatchReviewDecided`]).
    MatchReviewOpened {
        /// New id.
        review: ReviewId,
        /// The roster row.
        source: SourceRow,
        /// The person as the row records them.
        record: PersonRecord,
        /// The facility whose roster lists them.
        custodian: CustodianId,
        /// The registered people it may be, best first, each with the evidence.
        candidates: Vec<crate::review::MatchEvidence>,
    },
    /// A person decided a review (the event's actor, with the reason): the
    /// row is recorded against one of the candidates, or registered as a new
    /// person in the custody of the facility whose roster it is. One fact:
    /// the decision itself records the row.
    MatchReviewDecided {
        /// Which review (pending).
        review: ReviewId,
        /// The decision.
        decision: crate::review::ReviewDecision,
        /// Why.
        reason: String,
        /// The `listed_elsewhere` discrepancy this opens when the candidate
        /// chosen is not in that facility's custody (required exactly then).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        discrepancy: Option<DiscrepancyId>,
        /// Reason for exceeding the facility's capacity, if a new person must.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capacity_override: OverrideReason,
    },

    /// Two registered records were found to be one person. Both ids are
    /// kept (nothing is merged away): `person` names `same_as` as the same
    /// person, and each record lists the other. If the two records are in
    /// two custodians' hands, the event opens the `duplicate_record`
    /// discrepancy it must then carry: one person cannot be in two places.
    PeopleLinked {
        /// The record found to be a second record of `same_as`.
        person: PersonId,
        /// The other record.
        same_as: PersonId,
        /// Why (what showed they are one person).
        reason: String,
        /// The discrepancy this opens (required exactly when their
        /// custodians differ).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        discrepancy: Option<DiscrepancyId>,
    },

    /// A roster row recorded against a person (by [`EventKind::RosterRowLinked`]
    /// or by a review's decision) is not them: the link is withdrawn and the
    /// row is recorded as `decision` now says — another registered person,
    /// or a new person registered from the row's own record in the custody
    /// of the facility whose roster listed it. Nothing is rewritten: the
    /// link's event stays, and this one supersedes it. A `listed_elsewhere`
    /// discrepancy that the link opened and that is still open is resolved
    /// by this event, with its reason: the row it was about is not them.
    RosterRowUnlinked {
        /// The person the row is recorded against now.
        person: PersonId,
        /// The roster row.
        source: SourceRow,
        /// What the row is instead (another person, or a new one).
        decision: crate::review::ReviewDecision,
        /// Why (what showed the row is not them).
        reason: String,
        /// The `listed_elsewhere` discrepancy this opens when the other
        /// person is not in that facility's custody (required exactly then).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        discrepancy: Option<DiscrepancyId>,
        /// Reason for exceeding the facility's capacity, if a new person must.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        capacity_override: OverrideReason,
    },
    /// Two records linked as one person ([`EventKind::PeopleLinked`]) are
    /// two people: the link is withdrawn and each record stands alone
    /// again. A `duplicate_record` discrepancy that the link opened and
    /// that is still open is resolved by this event, with its reason.
    PeopleUnlinked {
        /// One of the two records.
        person: PersonId,
        /// The other.
        same_as: PersonId,
        /// Why (what showed they are two people).
        reason: String,
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
        /// Signatures of the handing-over side (a key of the movement, the
        /// escort) and the receiving side (a key of the facility), over the
        /// handover statement from the movement to the facility.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        signatures: Vec<HandoverSignature>,
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
    /// A movement departed with a headcount and the people who boarded:
    /// custody of everyone boarded passes from the origin facility to the
    /// movement (its escort).
    MovementDeparted {
        /// Which.
        movement: MovementId,
        /// The escort's headcount.
        headcount: u32,
        /// Who boarded.
        boarded: Vec<PersonId>,
        /// Signatures of the releasing side (an officer key of the origin
        /// facility) and the receiving side (a key of the movement, the escort).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        signatures: Vec<HandoverSignature>,
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
        /// The over-capacity discrepancy this abort opens when the facility
        /// has no room for everyone returning (required exactly then: people
        /// who are physically back are recorded as back, and the excess is
        /// owned; [`crate::ops::abort`] fills it in).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        discrepancy: Option<DiscrepancyId>,
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

    // --- officer keys -----------------------------------------------------
    /// An officer's key was registered to sign handovers for a custodian.
    OfficerKeyRegistered {
        /// The custodian the officer signs for.
        custodian: CustodianId,
        /// The verifier key (signed-note form `name+keyid+base64`).
        key: String,
        /// The officer (name or service number).
        officer: String,
    },
    /// An officer key was revoked: signatures by it no longer count.
    OfficerKeyRevoked {
        /// The custodian it was registered for.
        custodian: CustodianId,
        /// The verifier key.
        key: String,
        /// Why.
        reason: String,
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
            RosterRowLinked { .. } => "roster_row_linked",
            RosterRowUnlinked { .. } => "roster_row_unlinked",
            PeopleUnlinked { .. } => "people_unlinked",
            MatchReviewOpened { .. } => "match_review_opened",
            MatchReviewDecided { .. } => "match_review_decided",
            PeopleLinked { .. } => "people_linked",
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
            OfficerKeyRegistered { .. } => "officer_key_registered",
            OfficerKeyRevoked { .. } => "officer_key_revoked",
            DiscrepancyOpened { .. } => "discrepancy_opened",
            DiscrepancyEscalated { .. } => "discrepancy_escalated",
            DiscrepancyResolved { .. } => "discrepancy_resolved",
            AccessLogged { .. } => "access_logged",
        }
    }

    /// The id this event creates, with its namespace (`None` for a
    /// custodian registered by name, checked by [`check_custodian_name`]).
    pub fn created_id(&self) -> Option<(Option<Namespace>, &str)> {
        use EventKind::*;
        Some(match self {
            CustodianRegistered { custodian, .. } => (None, custodian.as_str()),
            PersonRegistered { person, .. } => (Some(Namespace::Person), person.as_str()),
            MovementPlanned { movement, .. } => (Some(Namespace::Movement), movement.as_str()),
            CaseOpened { case, .. } => (Some(Namespace::Case), case.as_str()),
            NotificationSent { notification, .. } => {
                (Some(Namespace::Notification), notification.as_str())
            }
            RepatriationRequested { repatriation, .. } => {
                (Some(Namespace::Repatriation), repatriation.as_str())
            }
            MatchReviewOpened { review, .. } => (Some(Namespace::Review), review.as_str()),
            MatchReviewDecided {
                decision: crate::review::ReviewDecision::NewPerson { person },
                ..
            }
            | RosterRowUnlinked {
                decision: crate::review::ReviewDecision::NewPerson { person },
                ..
            } => (Some(Namespace::Person), person.as_str()),
            DiscrepancyOpened { discrepancy, .. } | PersonEscaped { discrepancy, .. } => {
                (Some(Namespace::Discrepancy), discrepancy.as_str())
            }
            PersonRecordCorrected {
                discrepancy: Some(d),
                ..
            }
            | MovementAborted {
                discrepancy: Some(d),
                ..
            }
            | RosterRowLinked {
                discrepancy: Some(d),
                ..
            }
            | MatchReviewDecided {
                discrepancy: Some(d),
                ..
            }
            | PeopleLinked {
                discrepancy: Some(d),
                ..
            }
            | RosterRowUnlinked {
                discrepancy: Some(d),
                ..
            } => (Some(Namespace::Discrepancy), d.as_str()),
            _ => return None,
        })
    }

    /// Every floating-point number this event carries, with its field name.
    fn numbers(&self) -> Vec<(&'static str, f64)> {
        use EventKind::*;
        match self {
            MovementPositionReported { lat, lon, .. } => vec![("lat", *lat), ("lon", *lon)],
            MovementPlanned { route, .. } => route
                .iter()
                .flat_map(|w| [("route lat", w.lat), ("route lon", w.lon)])
                .collect(),
            CustodianRegistered {
                info: crate::custodian::CustodianKind::Facility(f),
                ..
            } => vec![
                ("facility lat", f.coordinates.lat),
                ("facility lon", f.coordinates.lon),
            ],
            _ => vec![],
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
            | EscortRecordHandedOver { person, .. }
            | RosterRowLinked { person, .. } => vec![person],
            MatchReviewOpened { candidates, .. } => candidates.iter().map(|c| &c.person).collect(),
            MatchReviewDecided { decision, .. } => vec![decision.person()],
            PeopleLinked {
                person, same_as, ..
            }
            | PeopleUnlinked {
                person, same_as, ..
            } => vec![person, same_as],
            RosterRowUnlinked {
                person, decision, ..
            } => vec![person, decision.person()],
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
    /// Not valid JSON for an event of its version.
    #[error("not a valid event encoding: {0}")]
    Malformed(#[from] serde_json::Error),
    /// A version this build does not read.
    #[error("event encoding version {0} is not supported (this build reads {ENCODING_VERSION})")]
    Version(u32),
    /// Valid, but not in canonical form.
    #[error("event bytes are not in canonical form")]
    NotCanonical,
}

/// Why an event has no canonical encoding. Nothing is written for it.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// A value JSON cannot carry (a non-finite number).
    #[error("event cannot be encoded: {0}")]
    Value(#[from] serde_json::Error),
    /// A number that is not finite (NaN or infinity), which JSON cannot carry.
    #[error("{field} is {value}; an event carries finite numbers only")]
    NotFinite {
        /// Which field.
        field: &'static str,
        /// Its value.
        value: f64,
    },
    /// An integer above 2^53 - 1, which RFC 8785 numbers cannot carry exactly.
    #[error(
        "{field} {value} is larger than {MAX_SAFE_INTEGER}, the largest integer an event may carry"
    )]
    TooLarge {
        /// Which field.
        field: &'static str,
        /// Its value.
        value: u64,
    },
}

fn safe(field: &'static str, value: u64) -> Result<(), EncodeError> {
    if value > MAX_SAFE_INTEGER {
        return Err(EncodeError::TooLarge { field, value });
    }
    Ok(())
}

/// Only the version, read before the rest of the bytes.
#[derive(Deserialize)]
struct Versioned {
    v: u32,
}

impl Event {
    /// Builds an event at the current encoding version. `counter` is the
    /// origin node's (`actor.node`'s) own counter for this event.
    pub fn new(
        counter: u64,
        occurred_at: Timestamp,
        recorded_at: Timestamp,
        actor: Actor,
        what: EventKind,
    ) -> Event {
        Event {
            v: ENCODING_VERSION,
            counter,
            occurred_at,
            recorded_at,
            actor,
            what,
        }
    }

    /// The node that created this event.
    pub fn origin(&self) -> &NodeId {
        &self.actor.node
    }

    /// This event's identity: origin node and that node's counter.
    pub fn id(&self) -> EventId {
        EventId {
            origin: self.actor.node.clone(),
            counter: self.counter,
        }
    }

    /// The canonical bytes the ledger hashes: RFC 8785 JSON. Fails, writing
    /// nothing, on a value RFC 8785 cannot carry exactly.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        self.check_encodable()?;
        Ok(with_writer(|w| w.write(self).map(<[u8]>::to_vec))?)
    }

    /// Refuses a value RFC 8785 cannot carry exactly: an integer above
    /// [`MAX_SAFE_INTEGER`] or a number that is not finite.
    fn check_encodable(&self) -> Result<(), EncodeError> {
        safe("counter", self.counter)?;
        match &self.what {
            EventKind::PersonRecordCorrected { corrects, .. } => {
                safe("corrects counter", corrects.counter)?
            }
            EventKind::AccessLogged { first, count, .. } => {
                safe("first access record", *first)?;
                safe("access record count", *count)?;
            }
            EventKind::PersonRegistered {
                source: Some(SourceRow { line: Some(l), .. }),
                ..
            }
            | EventKind::RosterRowLinked {
                source: SourceRow { line: Some(l), .. },
                ..
            }
            | EventKind::MatchReviewOpened {
                source: SourceRow { line: Some(l), .. },
                ..
            } => safe("source line", *l)?,
            _ => {}
        }
        for (field, x) in self.what.numbers() {
            if !x.is_finite() {
                return Err(EncodeError::NotFinite { field, value: x });
            }
        }
        Ok(())
    }

    /// Reads canonical bytes, dispatched by their version, refusing any other
    /// encoding of the same event. Bytes of the current version are parsed
    /// once; only bytes that do not parse as the current version have their
    /// version read on its own.
    pub fn decode(bytes: &[u8]) -> Result<Event, DecodeError> {
        match serde_json::from_slice::<Event>(bytes) {
            Ok(event) if event.v == ENCODING_VERSION => Self::decode_v2(event, bytes),
            Ok(event) => Err(DecodeError::Version(event.v)),
            Err(not_v2) => {
                let Versioned { v } = serde_json::from_slice(bytes)?;
                match v {
                    2 => Err(not_v2.into()),
                    other => Err(DecodeError::Version(other)),
                }
            }
        }
    }

    /// A version-2 event parsed from `bytes`, if `bytes` are its canonical
    /// encoding: it is encoded again (into a buffer kept per thread) and
    /// compared byte for byte.
    fn decode_v2(event: Event, bytes: &[u8]) -> Result<Event, DecodeError> {
        if event.check_encodable().is_err() {
            return Err(DecodeError::NotCanonical);
        }
        match with_writer(|w| w.write(&event).map(|again| again == bytes)) {
            Ok(true) => Ok(event),
            _ => Err(DecodeError::NotCanonical),
        }
    }
}

thread_local! {
    /// The canonical writer of this thread, kept so that encoding and
    /// checking events allocates no working buffers per event.
    static WRITER: std::cell::RefCell<crate::canonical::Writer> =
        std::cell::RefCell::default();
}

/// Runs `f` with this thread's canonical writer (or a fresh one, should
/// the writer be in use further up the stack).
fn with_writer<R>(f: impl FnOnce(&mut crate::canonical::Writer) -> R) -> R {
    WRITER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut w) => f(&mut w),
        Err(_) => f(&mut crate::canonical::Writer::default()),
    })
}
