//! Signatures at handover: an officer of each custodian signs, with a key
//! registered in the ledger for that custodian, a short statement of who
//! passed whom to whom, when, in which ledger and as which event. The
//! signatures are stored in the handover event; `core` checks that each is
//! by a live key of its side's custodian and that the sides' keys differ,
//! and this module checks the cryptography, on append and again by `verify`.
//!
//! The statement names the ledger the event was created in and the event's
//! identity (origin node and counter), so a signature cannot be replayed in
//! another ledger or on another event:
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

use rollcall_core::event::{Event, EventId, EventKind, HandoverSignature, Side};
use rollcall_core::{CustodianId, NodeId, PersonId, Timestamp};
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
    /// The signature does not verify.
    #[error(
        "the {side} side's signature by {signer} on the handover of {person} does not verify: {reason}"
    )]
    Invalid {
        /// Which side.
        side: Side,
        /// The key's name.
        signer: String,
        /// Whose handover.
        person: PersonId,
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

/// Signs a handover statement as `side`.
pub fn sign(side: Side, statement: &str, key: &SigningKey) -> HandoverSignature {
    HandoverSignature {
        side,
        key: key.verifier().to_string(),
        signature: rollcall_ledger::sign_raw(statement.as_bytes(), key),
    }
}

/// Checks the cryptography of an event: every signature on a handover
/// verifies over its statement, and an officer key to register is a
/// verifier key written in its canonical form. Other events pass.
pub fn check(event: &Event) -> Result<(), SignatureError> {
    match &event.what {
        EventKind::CustodyHandedOver {
            person,
            from,
            to,
            signatures,
            ..
        } => {
            let text = statement(&event.id(), person, from, to, event.occurred_at);
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
                        person: person.clone(),
                        reason: e.to_string(),
                    }
                })?;
            }
            Ok(())
        }
        EventKind::OfficerKeyRegistered { key, .. } => {
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
            Ok(())
        }
        _ => Ok(()),
    }
}
