//! Signatures at a change of custody: an officer of each custodian signs,
//! with a key registered in the ledger for that custodian, a short statement
//! of who passed whom to whom, when, in which ledger and as which event.
//! Three events carry them: a handover (`custody_handed_over`), a departure
//! (`movement_departed`, where the origin facility releases everyone boarded
//! to the movement, whose escort's keys are registered for the movement's
//! id) and an admission (`person_admitted`, where the movement's escort hands
//! each person to the destination facility: a handover statement from the
//! movement to the facility). The signatures are stored in the event; `core` checks that each is
//! by a live key of its side's custodian and that the sides' keys differ,
//! and this module checks the cryptography, on append and again by `verify`.
//!
//! Each statement names the ledger the event was created in and the event's
//! identity (origin node and counter), so a signature cannot be replayed in
//! another ledger or on another event. A handover:
//!
//! ```text
//! rollcall-handover/v2
//! origin rollcall/NSR1
//! event NSR1 12
//! person P-NSR1-000004
//! from IQ-BGD
//! to IQ-MSL
//! at 2026-12-01T10:00:00Z
//! ```
//!
//! A departure commits to the movement, the escort's headcount and the
//! people boarded (sorted, one line each, after their number):
//!
//! ```text
//! rollcall-departure/v1
//! origin rollcall/NSR1
//! event NSR1 13
//! movement MV-NSR1-0050
//! at 2026-12-01T10:00:00Z
//! headcount 2
//! boarded 2
//! person P-NSR1-000004
//! person P-NSR1-000007
//! ```

use rollcall_core::event::{Event, EventId, EventKind, HandoverSignature, Side};
use rollcall_core::{CustodianId, MovementId, NodeId, PersonId, Timestamp};
use rollcall_ledger::{SigningKey, VerifierKey};

/// Why a signature or an officer key in an event is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The key text is not a verifier key.
    #[error("the {side} side's key {key:?} is not a verifier key: {reason}")]
    BadKey {
        /// Which side.
        side: Side,
        /// The key text.
        key: String,
        /// Why.
        reason: String,
    },
    /// The signature does not verify: made over another statement (another
    /// event, ledger, person, movement or list of people), or not by this key.
    #[error("the {side} side's signature by {signer} on {what} does not verify: {reason}")]
    Invalid {
        /// Which side.
        side: Side,
        /// The key's name.
        signer: String,
        /// What was signed: `the handover of P-…`, `the departure of MV-…`.
        what: String,
        /// Why.
        reason: String,
    },
    /// An officer key to register is not a verifier key in its canonical text.
    #[error("officer key {key:?} cannot be registered: {reason}")]
    OfficerKey {
        /// The key text.
        key: String,
        /// Why.
        reason: String,
    },
}

/// The checkpoint origin of the ledger a node creates events in.
pub fn ledger_origin(node: &NodeId) -> String {
    format!("rollcall/{node}")
}

/// The text both sides sign for the handover `event` will be.
pub fn statement(
    event: &EventId,
    person: &PersonId,
    from: &CustodianId,
    to: &CustodianId,
    at: Timestamp,
) -> String {
    format!(
        "rollcall-handover/v2\norigin {}\nevent {} {}\nperson {person}\nfrom {from}\nto {to}\nat {at}\n",
        ledger_origin(&event.origin),
        event.origin,
        event.counter
    )
}

/// The text both sides sign for the departure `event` will be: the
/// movement, when, the escort's headcount and everyone boarded, sorted (the
/// signature commits to the set of people, in whatever order the event
/// lists them).
pub fn departure_statement(
    event: &EventId,
    movement: &MovementId,
    headcount: u32,
    boarded: &[PersonId],
    at: Timestamp,
) -> String {
    let mut people: Vec<&str> = boarded.iter().map(PersonId::as_str).collect();
    people.sort_unstable();
    let mut text = format!(
        "rollcall-departure/v1\norigin {}\nevent {} {}\nmovement {movement}\nat {at}\nheadcount {headcount}\nboarded {}\n",
        ledger_origin(&event.origin),
        event.origin,
        event.counter,
        people.len()
    );
    for p in people {
        text.push_str("person ");
        text.push_str(p);
        text.push('\n');
    }
    text
}

/// The statement a signature in `event` must be over, and what it is
/// called in messages; `None` for an event that carries no signatures.
fn signed_statement(event: &Event) -> Option<(String, String, &[HandoverSignature])> {
    match &event.what {
        EventKind::CustodyHandedOver {
            person,
            from,
            to,
            signatures,
            ..
        } => Some((
            statement(&event.id(), person, from, to, event.occurred_at),
            format!("the handover of {person}"),
            signatures,
        )),
        EventKind::MovementDeparted {
            movement,
            headcount,
            boarded,
            signatures,
        } => Some((
            departure_statement(
                &event.id(),
                movement,
                *headcount,
                boarded,
                event.occurred_at,
            ),
            format!("the departure of {movement}"),
            signatures,
        )),
        EventKind::PersonAdmitted {
            person,
            movement,
            facility,
            signatures,
            ..
        } => Some((
            statement(
                &event.id(),
                person,
                &movement.into(),
                facility,
                event.occurred_at,
            ),
            format!("the admission of {person}"),
            signatures,
        )),
        _ => None,
    }
}

/// Signs a statement (of a handover or a departure) as `side`.
pub fn sign(side: Side, statement: &str, key: &SigningKey) -> HandoverSignature {
    HandoverSignature {
        side,
        key: key.verifier().to_string(),
        signature: rollcall_ledger::sign_raw(statement.as_bytes(), key),
    }
}

/// Checks the cryptography of an event: every signature on a handover or
/// a departure verifies over its statement, and an officer key to register
/// is a verifier key written in its canonical form. Other events pass.
pub fn check(event: &Event) -> Result<(), SignatureError> {
    if let Some((text, what, signatures)) = signed_statement(event) {
        for s in signatures {
            let key = VerifierKey::parse(&s.key).map_err(|e| SignatureError::BadKey {
                side: s.side,
                key: s.key.clone(),
                reason: e.to_string(),
            })?;
            rollcall_ledger::verify_raw(text.as_bytes(), &s.signature, &key).map_err(|e| {
                SignatureError::Invalid {
                    side: s.side,
                    signer: key.name().to_string(),
                    what: what.clone(),
                    reason: e.to_string(),
                }
            })?;
        }
        return Ok(());
    }
    if let EventKind::OfficerKeyRegistered { key, .. } = &event.what {
        let parsed = VerifierKey::parse(key).map_err(|e| SignatureError::OfficerKey {
            key: key.clone(),
            reason: e.to_string(),
        })?;
        if parsed.to_string() != *key {
            return Err(SignatureError::OfficerKey {
                key: key.clone(),
                reason: format!("write it as {parsed}"),
            });
        }
    }
    Ok(())
}

/// Signs, with each of `signers` for its side, every handover and departure
/// in `kinds`, given the identity of the first of them (the rest follow
/// with the next counters) and when they happen.
pub fn sign_all(
    kinds: &mut [EventKind],
    first: &EventId,
    at: Timestamp,
    signers: &[(Side, &SigningKey)],
) {
    for (i, k) in kinds.iter_mut().enumerate() {
        let id = EventId {
            origin: first.origin.clone(),
            counter: first.counter + i as u64,
        };
        let (text, signatures) = match k {
            EventKind::CustodyHandedOver {
                person,
                from,
                to,
                signatures,
                ..
            } => (statement(&id, person, from, to, at), signatures),
            EventKind::MovementDeparted {
                movement,
                headcount,
                boarded,
                signatures,
            } => (
                departure_statement(&id, movement, *headcount, boarded, at),
                signatures,
            ),
            EventKind::PersonAdmitted {
                person,
                movement,
                facility,
                signatures,
                ..
            } => (
                statement(&id, person, &CustodianId::from(&*movement), facility, at),
                signatures,
            ),
            _ => continue,
        };
        for (side, key) in signers {
            signatures.push(sign(*side, &text, key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_core::UserId;
    use rollcall_core::event::Actor;

    fn departure(counter: u64, headcount: u32, boarded: &[&str]) -> Event {
        Event::new(
            counter,
            "2026-12-01T10:00:00Z".parse().unwrap(),
            "2026-12-01T10:00:01Z".parse().unwrap(),
            Actor {
                user: UserId::new("escort"),
                node: NodeId::new("NSR1"),
            },
            EventKind::MovementDeparted {
                movement: MovementId::new("MV-NSR1-0001"),
                headcount,
                boarded: boarded.iter().map(|p| PersonId::new(*p)).collect(),
                signatures: vec![],
            },
        )
    }

    fn signed(mut e: Event, key: &SigningKey) -> Event {
        let first = e.id();
        let at = e.occurred_at;
        sign_all(
            std::slice::from_mut(&mut e.what),
            &first,
            at,
            &[(Side::From, key)],
        );
        e
    }

    fn signatures(e: &Event) -> Vec<HandoverSignature> {
        match &e.what {
            EventKind::MovementDeparted { signatures, .. } => signatures.clone(),
            _ => unreachable!(),
        }
    }

    fn with(mut e: Event, sigs: Vec<HandoverSignature>) -> Event {
        if let EventKind::MovementDeparted { signatures, .. } = &mut e.what {
            *signatures = sigs;
        }
        e
    }

    #[test]
    fn the_departure_statement_names_ledger_event_movement_and_sorted_people() {
        let e = departure(13, 2, &["P-NSR1-000007", "P-NSR1-000004"]);
        let EventKind::MovementDeparted {
            movement,
            headcount,
            boarded,
            ..
        } = &e.what
        else {
            unreachable!()
        };
        assert_eq!(
            departure_statement(&e.id(), movement, *headcount, boarded, e.occurred_at),
            "rollcall-departure/v1\norigin rollcall/NSR1\nevent NSR1 13\nmovement MV-NSR1-0001\n\
             at 2026-12-01T10:00:00Z\nheadcount 2\nboarded 2\nperson P-NSR1-000004\nperson P-NSR1-000007\n"
        );
    }

    #[test]
    fn a_departure_signature_verifies_only_on_the_event_it_was_made_for() {
        let key = SigningKey::from_seed("officer.a", [7; 32]).unwrap();
        let good = signed(departure(13, 2, &["P-NSR1-000004", "P-NSR1-000007"]), &key);
        assert_eq!(check(&good), Ok(()));
        let sigs = signatures(&good);
        // The same people listed in another order: the same statement.
        let reordered = with(
            departure(13, 2, &["P-NSR1-000007", "P-NSR1-000004"]),
            sigs.clone(),
        );
        assert_eq!(check(&reordered), Ok(()));
        // Another event, another headcount, another list of people: refused.
        for other in [
            departure(14, 2, &["P-NSR1-000004", "P-NSR1-000007"]),
            departure(13, 1, &["P-NSR1-000004", "P-NSR1-000007"]),
            departure(13, 2, &["P-NSR1-000004", "P-NSR1-000008"]),
            departure(13, 1, &["P-NSR1-000004"]),
        ] {
            let replayed = with(other, sigs.clone());
            let err = check(&replayed).unwrap_err();
            assert!(
                err.to_string()
                    .contains("on the departure of MV-NSR1-0001 does not verify"),
                "{err}"
            );
        }
        // A handover's signature is over another statement kind.
        let mut handover = good.clone();
        handover.what = EventKind::CustodyHandedOver {
            person: PersonId::new("P-NSR1-000004"),
            from: CustodianId::new("IQ-A"),
            to: CustodianId::new("IQ-B"),
            reason: None,
            capacity_override: None,
            signatures: sigs,
        };
        assert!(check(&handover).is_err());
    }
}
