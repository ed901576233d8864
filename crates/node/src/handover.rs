//! Signatures at handover: both custodians (their node's key or an officer's
//! own key) sign a short statement of who passed whom to whom, when. The
//! statement is a C2SP signed note, so any signed-note tool checks it; the
//! signatures are stored in the handover event, checked when it is appended
//! and again by `verify`.

use rollcall_core::event::{Event, EventKind, HandoverSignature};
use rollcall_core::{CustodianId, PersonId, Timestamp};
use rollcall_ledger::{SigningKey, VerifierKey};

/// The text both sides sign.
pub fn statement(person: &PersonId, from: &CustodianId, to: &CustodianId, at: Timestamp) -> String {
    format!("rollcall-handover/v1\nperson {person}\nfrom {from}\nto {to}\nat {at}\n")
}

/// Signs a handover statement as `side` (`from` or `to`).
pub fn sign(side: &str, statement: &str, key: &SigningKey) -> Result<HandoverSignature, String> {
    let note = rollcall_ledger::sign_note(statement, key).map_err(|e| e.to_string())?;
    let line = note
        .rsplit_once("\n\n")
        .map(|(_, sig)| sig.trim_end().to_string())
        .ok_or("signed note has no signature line")?;
    let b64 = line
        .rsplit_once(' ')
        .map(|(_, b)| b.to_string())
        .ok_or("signature line has no signature")?;
    Ok(HandoverSignature {
        side: side.to_string(),
        key: key.verifier().to_string(),
        signature: b64,
    })
}

/// Checks every signature on a handover event; other events pass.
pub fn check(event: &Event) -> Result<(), String> {
    let EventKind::CustodyHandedOver {
        person,
        from,
        to,
        signatures,
        ..
    } = &event.what
    else {
        return Ok(());
    };
    let text = statement(person, from, to, event.occurred_at);
    for s in signatures {
        if s.side != "from" && s.side != "to" {
            return Err(format!(
                "handover signature side {:?} is neither `from` nor `to`",
                s.side
            ));
        }
        let key = VerifierKey::parse(&s.key)
            .map_err(|e| format!("handover signature key {:?}: {e}", s.key))?;
        let note = format!("{text}\n\u{2014} {} {}\n", key.name(), s.signature);
        rollcall_ledger::open_note(&note, &key).map_err(|e| {
            format!(
                "the {} side's signature by {} on the handover of {person} does not verify: {e}",
                s.side,
                key.name()
            )
        })?;
    }
    Ok(())
}
