//! What any value in an event may hold, checked in one place for every event
//! on the apply path ([`check_event`]), whatever built it: the CLI, the
//! roster import, the simulator or a future server.
//!
//! - **Text** (names, reasons, places, facility fields, escort record fields,
//!   roster cells, user names): at most [`MAX_TEXT_CHARS`] characters, and no
//!   control character — C0 (including NUL, newline, tab and ESC), DEL, C1,
//!   the line and paragraph separators — and no bidirectional embedding,
//!   override or isolate, which reorder what a terminal or a printout shows.
//!   The marks Arabic text legitimately needs stay allowed: LRM, RLM, ALM,
//!   ZWNJ and ZWJ.
//! - **Ids**: 1 to [`MAX_ID_CHARS`] ASCII letters, digits and `-`, not
//!   starting with `-` ([`crate::ids::is_id_char`], the same rule minted and
//!   typed ids follow): an id is read aloud and typed back, and no id holds
//!   white space, a control or formatting character, or the `/` that index
//!   terms and composite keys join ids with.
//! - **Numbers**: a movement has at most [`MAX_VEHICLES`] vehicles with
//!   1 to [`MAX_SEATS`] seats each.
//! - **Times**: [`parse_time`] reads RFC 3339 with an offset within ±23:59;
//!   [`not_in_future`] refuses a time after "now" (which the caller passes in:
//!   this crate reads no clock).

use crate::custodian::CustodianKind;
use crate::escort::EscortRecord;
use crate::event::{Event, EventKind, HandoverSignature};
use crate::judicial::{CaseOutcome, Recipient};
use crate::movement::Vehicle;
use crate::person::{PartialDate, PersonRecord};
use crate::violation::{Rule, Violation};
use jiff::Timestamp;

/// Longest text value, in characters (a roster cell has the same limit).
pub const MAX_TEXT_CHARS: usize = 500;
/// Longest id, in characters.
pub const MAX_ID_CHARS: usize = 64;
/// Most vehicles on one movement.
pub const MAX_VEHICLES: usize = 200;
/// Most seats in one vehicle (a wide-body aircraft).
pub const MAX_SEATS: u32 = 1_000;
/// How far past "now" an event's time may lie (clock skew between devices).
pub const FUTURE_SKEW_SECS: i64 = 5 * 60;
/// How many characters of a refused value an error message shows.
const SHOWN_CHARS: usize = 40;

/// Why a text or id value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    /// Longer than allowed.
    #[error("is {chars} characters long, more than the {max} allowed")]
    TooLong {
        /// Its length.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// Holds a control character.
    #[error("holds the control character {0} at character {1}")]
    Control(String, usize),
    /// Holds a bidirectional or invisible formatting character.
    #[error("holds the formatting character {0} at character {1}")]
    Format(String, usize),
    /// An id that is empty.
    #[error("is empty")]
    Empty,
    /// An id with white space.
    #[error("holds white space at character {0}")]
    Space(usize),
    /// An id with a character ids do not hold.
    #[error(
        "holds {0:?} at character {1}: an id holds only ASCII letters, digits and '-' (not first)"
    )]
    IdChar(char, usize),
}

fn name_of(c: char) -> String {
    let name = match c {
        '\0' => "NUL",
        '\t' => "TAB",
        '\n' => "LF (newline)",
        '\r' => "CR",
        '\u{1b}' => "ESC",
        '\u{7f}' => "DEL",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202a}' => "LRE",
        '\u{202b}' => "RLE",
        '\u{202c}' => "PDF",
        '\u{202d}' => "LRO",
        '\u{202e}' => "RLO",
        '\u{2066}' => "LRI",
        '\u{2067}' => "RLI",
        '\u{2068}' => "FSI",
        '\u{2069}' => "PDI",
        '\u{200e}' => "LRM",
        '\u{200f}' => "RLM",
        '\u{061c}' => "ALM",
        '\u{200c}' => "ZWNJ",
        '\u{200d}' => "ZWJ",
        _ => "",
    };
    if name.is_empty() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} {name}", c as u32)
    }
}

/// C0, DEL, C1 and the two Unicode line breaks: anything that moves the
/// cursor or talks to the terminal.
fn is_control(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// Bidirectional embeddings, overrides and isolates: they reorder what is
/// shown after them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Every invisible formatting character an id must not hold: the bidi
/// controls, the marks, zero-width characters, the BOM, soft hyphen.
fn is_invisible(c: char) -> bool {
    is_bidi_control(c)
        || matches!(
            c,
            '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}'
        )
}

/// Printable ASCII (U+0020 to U+007E; no space if `space` is false): text
/// that holds no control and no formatting character, one byte a character.
fn printable_ascii(value: &str, space: bool) -> bool {
    let low = if space { b' ' } else { b'!' };
    value.bytes().all(|b| (low..=b'~').contains(&b))
}

/// Checks one text value (a name, a reason, a place, …).
pub fn text_problem(value: &str) -> Result<(), TextProblem> {
    if printable_ascii(value, true) {
        return within(value.len(), MAX_TEXT_CHARS);
    }
    text_problem_by_char(value)
}

/// [`text_problem`], one character at a time (what the ASCII path must agree with).
fn text_problem_by_char(value: &str) -> Result<(), TextProblem> {
    let mut chars = 0;
    for (i, c) in value.chars().enumerate() {
        if is_control(c) {
            return Err(TextProblem::Control(name_of(c), i + 1));
        }
        if is_bidi_control(c) {
            return Err(TextProblem::Format(name_of(c), i + 1));
        }
        chars = i + 1;
    }
    within(chars, MAX_TEXT_CHARS)
}

/// Checks one id (person, custodian, movement, discrepancy, vehicle, …).
pub fn id_problem(value: &str) -> Result<(), TextProblem> {
    if value.is_empty() {
        return Err(TextProblem::Empty);
    }
    let mut chars = 0;
    for (i, c) in value.chars().enumerate() {
        if !crate::ids::is_id_char(c, i) {
            return Err(if is_control(c) {
                TextProblem::Control(name_of(c), i + 1)
            } else if is_invisible(c) {
                TextProblem::Format(name_of(c), i + 1)
            } else if c.is_whitespace() {
                TextProblem::Space(i + 1)
            } else {
                TextProblem::IdChar(c, i + 1)
            });
        }
        chars = i + 1;
    }
    within(chars, MAX_ID_CHARS)
}

/// Checks a token that is not an id (an IANA time zone such as
/// `America/Argentina/Buenos_Aires`): non-empty, at most [`MAX_ID_CHARS`]
/// characters, no white space, control or formatting character.
pub fn token_problem(value: &str) -> Result<(), TextProblem> {
    if value.is_empty() {
        return Err(TextProblem::Empty);
    }
    let mut chars = 0;
    for (i, c) in value.chars().enumerate() {
        if is_control(c) {
            return Err(TextProblem::Control(name_of(c), i + 1));
        }
        if is_invisible(c) {
            return Err(TextProblem::Format(name_of(c), i + 1));
        }
        if c.is_whitespace() {
            return Err(TextProblem::Space(i + 1));
        }
        chars = i + 1;
    }
    within(chars, MAX_ID_CHARS)
}

/// Refuses a value of `chars` characters if that is more than `max`.
fn within(chars: usize, max: usize) -> Result<(), TextProblem> {
    if chars > max {
        return Err(TextProblem::TooLong { chars, max });
    }
    Ok(())
}

/// A value cut to a length fit for an error message, with control and
/// formatting characters shown escaped, so an error never replays them.
pub fn shown(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == SHOWN_CHARS {
            out.push('…');
            break;
        }
        if is_control(c) || is_invisible(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

fn refused(field: &str, value: &str, problem: TextProblem) -> Violation {
    Violation::new(
        Rule::InvalidValue,
        format!("{field} \"{}\" {problem}", shown(value)),
    )
}

/// Refuses a text value, naming the field.
pub fn check_text(field: &str, value: &str) -> Result<(), Violation> {
    text_problem(value).map_err(|p| refused(field, value, p))
}

/// Refuses an id, naming the field.
pub fn check_id(field: &str, value: &str) -> Result<(), Violation> {
    id_problem(value).map_err(|p| refused(field, value, p))
}

fn opt_text(field: &str, value: &Option<String>) -> Result<(), Violation> {
    value.as_deref().map_or(Ok(()), |v| check_text(field, v))
}

fn texts<'a>(field: &str, values: impl IntoIterator<Item = &'a String>) -> Result<(), Violation> {
    values.into_iter().try_for_each(|v| check_text(field, v))
}

fn ids<'a>(field: &str, values: impl IntoIterator<Item = &'a str>) -> Result<(), Violation> {
    values.into_iter().try_for_each(|v| check_id(field, v))
}

fn check_signatures(signatures: &[HandoverSignature]) -> Result<(), Violation> {
    for s in signatures {
        check_text("signature key", &s.key)?;
        check_text("signature", &s.signature)?;
    }
    Ok(())
}

/// Refuses a vehicle list with too many vehicles or seats out of range.
pub fn check_vehicles(vehicles: &[Vehicle]) -> Result<(), Violation> {
    if vehicles.len() > MAX_VEHICLES {
        return Err(Violation::new(
            Rule::InvalidValue,
            format!(
                "{} vehicles on one movement, more than the {MAX_VEHICLES} allowed",
                vehicles.len()
            ),
        ));
    }
    for v in vehicles {
        check_id("vehicle id", &v.id)?;
        if !(1..=MAX_SEATS).contains(&v.seats) {
            return Err(Violation::new(
                Rule::InvalidValue,
                format!(
                    "vehicle {} has {} seats; a vehicle has 1 to {MAX_SEATS}",
                    v.id, v.seats
                ),
            ));
        }
    }
    Ok(())
}

fn check_record(record: &PersonRecord) -> Result<(), Violation> {
    let n = &record.names;
    check_text("full name", &n.full)?;
    opt_text("Arabic name", &n.arabic)?;
    texts("Latin name", &n.latin)?;
    opt_text("given name", &n.given)?;
    opt_text("father's name", &n.father)?;
    opt_text("grandfather's name", &n.grandfather)?;
    opt_text("family name", &n.family)?;
    opt_text("mother's name", &n.mother)?;
    opt_text("birth place", &record.birth_place)?;
    for d in &record.documents {
        check_text("document type", &d.kind)?;
        check_text("document number", &d.number)?;
    }
    opt_text("biometric reference", &record.biometric_ref)?;
    opt_text("risk reason", &record.risk_reason)?;
    texts("separation group", &record.separation_groups)
}

fn check_escort_record(r: &EscortRecord) -> Result<(), Violation> {
    texts("medication", r.medication.iter().flatten())?;
    opt_text("medical needs", &r.medical_needs)?;
    texts("property", r.property.iter().flatten())?;
    opt_text("special needs", &r.special_needs)?;
    opt_text("notes", &r.notes)
}

/// Most candidates a review may name.
pub const MAX_REVIEW_CANDIDATES: usize = 20;
/// Most fields a match's evidence may list.
pub const MAX_EVIDENCE_FIELDS: usize = 32;

fn check_source(s: &crate::person::SourceRow) -> Result<(), Violation> {
    check_text("roster", &s.roster)?;
    check_text("record_id", &s.record_id)
}

fn check_probability(ppm: u32) -> Result<(), Violation> {
    if ppm > crate::review::PPM_ONE {
        return Err(Violation::new(
            Rule::InvalidValue,
            format!("a match probability of {ppm} millionths is above 1"),
        ));
    }
    Ok(())
}

fn check_fields(fields: &[crate::review::FieldEvidence]) -> Result<(), Violation> {
    if fields.len() > MAX_EVIDENCE_FIELDS {
        return Err(Violation::new(
            Rule::InvalidValue,
            format!(
                "match evidence lists {} fields; at most {MAX_EVIDENCE_FIELDS}",
                fields.len()
            ),
        ));
    }
    for f in fields {
        check_text("evidence field", &f.field)?;
        check_text("evidence level", &f.level)?;
    }
    Ok(())
}

fn opt_id(field: &'static str, id: Option<&str>) -> Result<(), Violation> {
    id.map_or(Ok(()), |id| check_id(field, id))
}

/// Checks every text and id an event holds, and who recorded it.
pub fn check_event(event: &Event) -> Result<(), Violation> {
    check_text("user", event.actor.user.as_str())?;
    check_id("node", event.actor.node.as_str())?;
    check_kind(&event.what)
}

/// Checks every text and id of one event kind, naming the field refused.
pub fn check_kind(what: &EventKind) -> Result<(), Violation> {
    use EventKind::*;
    match what {
        CustodianRegistered { custodian, info } => {
            check_id("custodian id", custodian.as_str())?;
            match info {
                CustodianKind::Facility(f) => {
                    check_text("facility name", &f.name)?;
                    check_text("facility authority", &f.authority)?;
                    token_problem(&f.time_zone)
                        .map_err(|p| refused("facility time zone", &f.time_zone, p))
                }
                CustodianKind::Hospital { name, .. } => check_text("hospital name", name),
                CustodianKind::ForeignRepresentative { name, .. } => {
                    check_text("representative's name", name)
                }
                CustodianKind::Movement | CustodianKind::Released => Ok(()),
            }
        }
        PersonRegistered {
            person,
            record,
            custodian,
            source,
            capacity_override,
        } => {
            check_id("person id", person.as_str())?;
            check_id("custodian", custodian.as_str())?;
            check_record(record)?;
            if let Some(s) = source {
                check_text("roster", &s.roster)?;
                check_text("record_id", &s.record_id)?;
            }
            opt_text("capacity override reason", capacity_override)
        }
        RosterRowLinked {
            person,
            source,
            record,
            custodian,
            probability_ppm,
            fields,
            discrepancy,
        } => {
            check_id("person id", person.as_str())?;
            check_id("custodian", custodian.as_str())?;
            check_source(source)?;
            check_record(record)?;
            check_probability(*probability_ppm)?;
            check_fields(fields)?;
            opt_id("discrepancy id", discrepancy.as_ref().map(|d| d.as_str()))
        }
        MatchReviewOpened {
            review,
            source,
            record,
            custodian,
            candidates,
        } => {
            check_id("review id", review.as_str())?;
            check_id("custodian", custodian.as_str())?;
            check_source(source)?;
            check_record(record)?;
            if candidates.is_empty() || candidates.len() > MAX_REVIEW_CANDIDATES {
                return Err(Violation::new(
                    Rule::InvalidValue,
                    format!(
                        "a review has {} candidates; it needs 1 to {MAX_REVIEW_CANDIDATES}",
                        candidates.len()
                    ),
                ));
            }
            for c in candidates {
                check_id("candidate person id", c.person.as_str())?;
                check_probability(c.probability_ppm)?;
                check_fields(&c.fields)?;
            }
            Ok(())
        }
        MatchReviewDecided {
            review,
            decision,
            reason,
            discrepancy,
            capacity_override,
        } => {
            check_id("review id", review.as_str())?;
            check_id("person id", decision.person().as_str())?;
            check_text("reason", reason)?;
            opt_id("discrepancy id", discrepancy.as_ref().map(|d| d.as_str()))?;
            opt_text("capacity override reason", capacity_override)
        }
        PeopleLinked {
            person,
            same_as,
            reason,
            discrepancy,
        } => {
            check_id("person id", person.as_str())?;
            check_id("same-as person id", same_as.as_str())?;
            check_text("reason", reason)?;
            opt_id("discrepancy id", discrepancy.as_ref().map(|d| d.as_str()))
        }
        RosterRowUnlinked {
            person,
            source,
            decision,
            reason,
            discrepancy,
            capacity_override,
        } => {
            check_id("person id", person.as_str())?;
            check_source(source)?;
            check_id("person id", decision.person().as_str())?;
            check_text("reason", reason)?;
            opt_id("discrepancy id", discrepancy.as_ref().map(|d| d.as_str()))?;
            opt_text("capacity override reason", capacity_override)
        }
        PeopleUnlinked {
            person,
            same_as,
            reason,
        } => {
            check_id("person id", person.as_str())?;
            check_id("same-as person id", same_as.as_str())?;
            check_text("reason", reason)
        }
        PersonRecordCorrected {
            person,
            record,
            reason,
            discrepancy,
            ..
        } => {
            check_id("person id", person.as_str())?;
            if let Some(d) = discrepancy {
                check_id("discrepancy id", d.as_str())?;
            }
            check_record(record)?;
            check_text("reason", reason)
        }
        CustodyHandedOver {
            person,
            from,
            to,
            reason,
            capacity_override,
            signatures,
        } => {
            check_id("person id", person.as_str())?;
            check_id("from", from.as_str())?;
            check_id("to", to.as_str())?;
            opt_text("reason", reason)?;
            opt_text("capacity override reason", capacity_override)?;
            check_signatures(signatures)
        }
        PersonAdmitted {
            person,
            movement,
            facility,
            capacity_override,
            signatures,
        } => {
            check_id("person id", person.as_str())?;
            check_id("movement id", movement.as_str())?;
            check_id("facility", facility.as_str())?;
            opt_text("capacity override reason", capacity_override)?;
            check_signatures(signatures)
        }
        TakenToHospital {
            person,
            from,
            hospital,
            reason,
        } => {
            check_id("person id", person.as_str())?;
            check_id("from", from.as_str())?;
            check_id("hospital", hospital.as_str())?;
            check_text("reason", reason)
        }
        PersonReleased {
            person,
            from,
            authority,
            reason,
        } => {
            check_id("person id", person.as_str())?;
            check_id("from", from.as_str())?;
            check_text("authority", authority)?;
            check_text("reason", reason)
        }
        PersonEscaped {
            person,
            from,
            circumstances,
            discrepancy,
        } => {
            check_id("person id", person.as_str())?;
            check_id("from", from.as_str())?;
            check_id("discrepancy id", discrepancy.as_str())?;
            check_text("circumstances", circumstances)
        }
        PersonRecaptured { person, by } => {
            check_id("person id", person.as_str())?;
            check_id("by", by.as_str())
        }
        DiedInCustody {
            person,
            custodian,
            cause,
        } => {
            check_id("person id", person.as_str())?;
            check_id("custodian", custodian.as_str())?;
            opt_text("cause", cause)
        }
        MovementPlanned {
            movement,
            origin,
            destination,
            vehicles,
            escort,
            manifest,
            ..
        } => {
            check_id("movement id", movement.as_str())?;
            check_id("origin", origin.as_str())?;
            check_id("destination", destination.as_str())?;
            check_vehicles(vehicles)?;
            texts("escort", escort)?;
            for s in manifest {
                check_id("person id", s.person.as_str())?;
                check_id("vehicle", &s.vehicle)?;
            }
            Ok(())
        }
        MovementDeparted {
            movement,
            boarded,
            signatures,
            ..
        } => {
            check_id("movement id", movement.as_str())?;
            ids("boarded", boarded.iter().map(|p| p.as_str()))?;
            check_signatures(signatures)
        }
        MovementCheckpointPassed {
            movement, place, ..
        } => {
            check_id("movement id", movement.as_str())?;
            check_text("place", place)
        }
        MovementPositionReported { movement, .. } | MovementArrived { movement } => {
            check_id("movement id", movement.as_str())
        }
        MovementReconciled {
            movement,
            missing,
            extra,
            mismatched,
            ..
        } => {
            check_id("movement id", movement.as_str())?;
            ids("missing", missing.iter().map(|p| p.as_str()))?;
            texts("extra", extra)?;
            ids("mismatched", mismatched.iter().map(|p| p.as_str()))
        }
        EscortRecordStarted {
            movement,
            person,
            record,
        }
        | EscortRecordUpdated {
            movement,
            person,
            record,
        } => {
            check_id("movement id", movement.as_str())?;
            check_id("person id", person.as_str())?;
            check_escort_record(record)
        }
        EscortRecordConfirmed { movement, person } => {
            check_id("movement id", movement.as_str())?;
            check_id("person id", person.as_str())
        }
        EscortRecordHandedOver {
            movement,
            person,
            to,
        } => {
            check_id("movement id", movement.as_str())?;
            check_id("person id", person.as_str())?;
            check_id("to", to.as_str())
        }
        MovementAborted {
            movement,
            return_to,
            reason,
            discrepancy,
        } => {
            check_id("movement id", movement.as_str())?;
            check_id("return to", return_to.as_str())?;
            if let Some(d) = discrepancy {
                check_id("discrepancy id", d.as_str())?;
            }
            check_text("reason", reason)
        }
        CaseOpened {
            case,
            person,
            committee,
            legal_basis,
            ..
        } => {
            check_id("case id", case.as_str())?;
            check_id("person id", person.as_str())?;
            check_text("committee", committee)?;
            check_text("legal basis", legal_basis)
        }
        HearingHeld {
            case,
            judge,
            summary,
            ..
        } => {
            check_id("case id", case.as_str())?;
            check_text("judge", judge)?;
            check_text("summary", summary)
        }
        ChargeBrought {
            case,
            charge,
            article,
        } => {
            check_id("case id", case.as_str())?;
            check_text("charge", charge)?;
            check_text("article", article)
        }
        CaseOutcomeRecorded { case, outcome } => {
            check_id("case id", case.as_str())?;
            match outcome {
                CaseOutcome::Convicted { sentence } => check_text("sentence", sentence),
                CaseOutcome::Acquitted => Ok(()),
                CaseOutcome::Dismissed { reason } => check_text("reason", reason),
                CaseOutcome::Transferred { jurisdiction } => {
                    check_text("jurisdiction", jurisdiction)
                }
            }
        }
        NotificationSent {
            notification,
            person,
            recipient,
            channel,
            subject,
        } => {
            check_id("notification id", notification.as_str())?;
            check_id("person id", person.as_str())?;
            match recipient {
                Recipient::Family { contact } => check_text("contact", contact)?,
                Recipient::Consulate { .. } => {}
                Recipient::Monitor { organisation } => check_text("organisation", organisation)?,
            }
            check_text("channel", channel)?;
            check_text("subject", subject)
        }
        NotificationAcknowledged { notification, by } => {
            check_id("notification id", notification.as_str())?;
            check_text("acknowledged by", by)
        }
        RepatriationRequested {
            repatriation,
            person,
            ..
        } => {
            check_id("repatriation id", repatriation.as_str())?;
            check_id("person id", person.as_str())
        }
        RepatriationAccepted { repatriation } => check_id("repatriation id", repatriation.as_str()),
        RepatriationRefused {
            repatriation,
            reason,
        } => {
            check_id("repatriation id", repatriation.as_str())?;
            check_text("reason", reason)
        }
        RepatriationHandedOver {
            repatriation,
            from,
            to,
        } => {
            check_id("repatriation id", repatriation.as_str())?;
            check_id("from", from.as_str())?;
            check_id("to", to.as_str())
        }
        OfficerKeyRegistered {
            custodian,
            key,
            officer,
        } => {
            check_id("custodian", custodian.as_str())?;
            check_text("officer key", key)?;
            check_text("officer", officer)
        }
        OfficerKeyRevoked {
            custodian,
            key,
            reason,
        } => {
            check_id("custodian", custodian.as_str())?;
            check_text("officer key", key)?;
            check_text("reason", reason)
        }
        DiscrepancyOpened {
            discrepancy,
            summary,
            persons,
            movement,
            custodian,
            owner,
            ..
        } => {
            check_id("discrepancy id", discrepancy.as_str())?;
            check_text("summary", summary)?;
            ids("person id", persons.iter().map(|p| p.as_str()))?;
            ids("movement id", movement.iter().map(|p| p.as_str()))?;
            ids("custodian", custodian.iter().map(|p| p.as_str()))?;
            check_text("owner", owner)
        }
        DiscrepancyEscalated {
            discrepancy,
            owner,
            reason,
            ..
        } => {
            check_id("discrepancy id", discrepancy.as_str())?;
            check_text("owner", owner)?;
            check_text("reason", reason)
        }
        DiscrepancyResolved {
            discrepancy,
            reason,
        } => {
            check_id("discrepancy id", discrepancy.as_str())?;
            check_text("reason", reason)
        }
        AccessLogged { head, .. } => check_id("access-log head", head),
    }
}

/// Reads an RFC 3339 time (`2026-01-22T06:00:00Z`, `…+03:00`), refusing an
/// offset beyond ±23:59.
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    use jiff::fmt::temporal::{Pieces, PiecesOffset};
    let bad = || {
        format!(
            "\"{}\" is not an RFC 3339 time (e.g. 2026-01-22T06:00:00Z)",
            shown(text)
        )
    };
    let t: Timestamp = text.parse().map_err(|_| bad())?;
    let pieces = Pieces::parse(text).map_err(|_| bad())?;
    if let Some(PiecesOffset::Numeric(n)) = pieces.offset()
        && n.offset().seconds().abs() >= 24 * 3600
    {
        return Err(format!(
            "\"{}\": the offset {} is beyond ±23:59",
            shown(text),
            n.offset()
        ));
    }
    Ok(t)
}

/// Refuses a time after `now` (allowing [`FUTURE_SKEW_SECS`] of clock skew).
pub fn not_in_future(t: Timestamp, now: Timestamp, what: &str) -> Result<(), String> {
    if t.as_second() > now.as_second().saturating_add(FUTURE_SKEW_SECS) {
        return Err(format!("{what} {t} is in the future (now is {now})"));
    }
    Ok(())
}

/// Refuses a date of birth after the day of `now` (UTC), as far as the
/// date is known: `2026` is fine all through 2026.
pub fn birth_date_not_after(date: PartialDate, now: Timestamp) -> Result<(), String> {
    let today = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let known = (
        i32::from(date.year),
        date.month.map_or(1, i32::from),
        date.day.map_or(1, i32::from),
    );
    let today = (
        i32::from(today.year()),
        i32::from(today.month()),
        i32::from(today.day()),
    );
    if known > today {
        return Err(format!("the date of birth {date} is in the future"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The ASCII path gives exactly what the character walk gives.
        #[test]
        fn the_ascii_path_agrees_with_the_character_walk(
            v in "[\\x00-\\x7f]{0,70}|[ -~]{495,505}|[!-~]{60,70}|\\PC{0,8}"
        ) {
            proptest::prop_assert_eq!(text_problem(&v), text_problem_by_char(&v));
        }
    }

    #[test]
    fn text_refuses_controls_and_keeps_arabic_marks() {
        assert!(text_problem("محمد\u{200c}علي \u{200f}al-Rawi\u{200e}\u{200d}").is_ok());
        for bad in [
            "a\nb",
            "a\rb",
            "a\u{0}b",
            "\u{1b}[31mred",
            "a\u{85}b",
            "a\u{9b}b",
            "a\u{7f}",
            "a\u{2028}b",
            "a\u{202e}b",
            "a\u{2067}b",
        ] {
            assert!(text_problem(bad).is_err(), "{bad:?}");
        }
        assert!(text_problem(&"x".repeat(500)).is_ok());
        assert!(matches!(
            text_problem(&"x".repeat(501)),
            Err(TextProblem::TooLong { chars: 501, .. })
        ));
    }

    #[test]
    fn ids_hold_only_letters_digits_and_inner_dashes() {
        assert!(id_problem("IQ-BGD").is_ok());
        assert!(id_problem("p-nsr1-000012").is_ok());
        assert_eq!(id_problem("IQ/BGD"), Err(TextProblem::IdChar('/', 3)));
        assert_eq!(id_problem("-P"), Err(TextProblem::IdChar('-', 1)));
        assert_eq!(id_problem("Ü"), Err(TextProblem::IdChar('Ü', 1)));
        for bad in [
            "",
            "P_1",
            "P.1",
            "XX-\u{202e}GBD",
            "a b",
            "MV-X\nMV-Y",
            "P\u{200f}1",
            "\u{feff}P",
        ] {
            assert!(id_problem(bad).is_err(), "{bad:?}");
        }
        assert!(id_problem(&"P".repeat(65)).is_err());
    }

    #[test]
    fn shown_escapes_and_cuts() {
        assert_eq!(shown("a\u{1b}b"), "a\\u{1b}b");
        assert_eq!(shown(&"x".repeat(100)).chars().count(), 41);
    }

    #[test]
    fn times() {
        assert!(parse_time("2026-01-22T06:00:00Z").is_ok());
        assert!(parse_time("2026-01-22T06:00:00+23:59").is_ok());
        assert!(parse_time("2026-01-22T06:00:00+25:00").is_err());
        assert!(parse_time("2026-01-22T06:00:00-24:00").is_err());
        assert!(parse_time("yesterday").is_err());
        let now: Timestamp = "2026-01-22T06:00:00Z".parse().unwrap();
        assert!(not_in_future(now, now, "t").is_ok());
        assert!(not_in_future("2026-01-22T06:10:00Z".parse().unwrap(), now, "t").is_err());
        let date = |s| PartialDate::parse(s).unwrap();
        assert!(birth_date_not_after(date("2026"), now).is_ok());
        assert!(birth_date_not_after(date("2026-01-22"), now).is_ok());
        assert!(birth_date_not_after(date("2026-01-23"), now).is_err());
        assert!(birth_date_not_after(date("2026-02"), now).is_err());
        assert!(birth_date_not_after(date("2099-01-01"), now).is_err());
    }
}
