//! Officer keys: who may sign a custody change for a custodian.
//!
//! An officer's verifier key is registered in the ledger for one custodian
//! ([`EventKind::OfficerKeyRegistered`]) and may be revoked
//! ([`EventKind::OfficerKeyRevoked`]). A signature on a handover or on a
//! departure counts only if it is by a key registered, and not revoked, for
//! the custodian of the side it signs — at a departure the origin facility
//! releases and the movement receives (the escort's keys are registered for
//! the movement, a custodian under its own id); a side signs at most once,
//! and the two sides sign with different keys. `core` sees keys as text;
//! the node checks the cryptography.

use super::State;
use crate::event::{HandoverSignature, Side};
use crate::ids::CustodianId;
use crate::violation::{Rule, Violation};
use serde::{Deserialize, Serialize};

/// A registered officer key, keyed by the key's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficerKeyView {
    /// The custodian the officer signs for.
    pub custodian: CustodianId,
    /// The officer (name or service number).
    pub officer: String,
    /// Position of the registration in this ledger.
    pub registered_seq: u64,
    /// Position of the revocation, if revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_seq: Option<u64>,
}

/// The longest key text accepted (a signed-note verifier key is far shorter).
const MAX_KEY_LEN: usize = 200;

/// A verifier key's text form, as far as `core` checks it:
/// `name+keyid+base64`, printable ASCII without spaces.
fn check_key_text(key: &str) -> Result<(), Violation> {
    let parts: Vec<&str> = key.splitn(3, '+').collect();
    let printable = key.bytes().all(|b| b.is_ascii_graphic());
    if key.len() > MAX_KEY_LEN
        || !printable
        || parts.len() != 3
        || parts.iter().any(|p| p.is_empty())
    {
        return Err(Violation::new(
            Rule::OfficerKey,
            "an officer key must be a verifier key of the form name+keyid+base64 (as `rollcall keygen` writes it)",
        ));
    }
    Ok(())
}

impl State {
    /// An officer key, by its text.
    pub fn officer_key(&self, key: &str) -> Option<&OfficerKeyView> {
        self.officer_keys.get(key)
    }

    /// Every officer key, by its text.
    pub fn officer_keys(&self) -> impl Iterator<Item = (&String, &OfficerKeyView)> {
        self.officer_keys.iter()
    }

    pub(super) fn register_officer_key(
        &mut self,
        seq: u64,
        custodian: &CustodianId,
        key: &str,
        officer: &str,
    ) -> Result<(), Violation> {
        if !self.custodians.contains(custodian.as_str())
            && !self.movements.contains(custodian.as_str())
        {
            return Err(Violation::new(
                Rule::KnownCustodian,
                format!("custodian {custodian} is not registered"),
            )
            .custodian(custodian));
        }
        check_key_text(key)?;
        if officer.trim().is_empty() {
            return Err(Violation::new(
                Rule::ReasonRequired,
                "an officer key needs the officer it belongs to",
            ));
        }
        if let Some(k) = self.officer_keys.get(key) {
            return Err(Violation::new(
                Rule::UniqueId,
                format!(
                    "officer key {key} is already registered (for {}); a key is registered once, for one custodian",
                    k.custodian
                ),
            ));
        }
        self.officer_keys.put(
            key,
            OfficerKeyView {
                custodian: custodian.clone(),
                officer: officer.to_string(),
                registered_seq: seq,
                revoked_seq: None,
            },
        );
        Ok(())
    }

    pub(super) fn revoke_officer_key(
        &mut self,
        seq: u64,
        custodian: &CustodianId,
        key: &str,
        reason: &str,
    ) -> Result<(), Violation> {
        let Some(k) = self.officer_keys.get(key) else {
            return Err(Violation::new(
                Rule::OfficerKey,
                format!("officer key {key} is not registered"),
            ));
        };
        if &k.custodian != custodian {
            return Err(Violation::new(
                Rule::OfficerKey,
                format!(
                    "officer key {key} is registered for {}, not for {custodian}",
                    k.custodian
                ),
            )
            .custodian(custodian));
        }
        if k.revoked_seq.is_some() {
            return Err(Violation::new(
                Rule::OfficerKey,
                format!("officer key {key} is already revoked"),
            ));
        }
        if reason.trim().is_empty() {
            return Err(Violation::new(
                Rule::ReasonRequired,
                "revoking an officer key needs a stated reason",
            ));
        }
        self.officer_keys.update(key, |k| k.revoked_seq = Some(seq));
        Ok(())
    }

    /// Every signature on a custody change (`what`: a handover or a
    /// departure) is by a live key of its side's custodian; one per side;
    /// the two sides' keys differ.
    pub(super) fn check_custody_signatures(
        &self,
        what: &str,
        from: &CustodianId,
        to: &CustodianId,
        signatures: &[HandoverSignature],
    ) -> Result<(), Violation> {
        let mut seen: Vec<(Side, &str)> = Vec::new();
        for s in signatures {
            let custodian = match s.side {
                Side::From => from,
                Side::To => to,
            };
            if seen.iter().any(|(side, _)| *side == s.side) {
                return Err(Violation::new(
                    Rule::OfficerKey,
                    format!("the {} side signed the {what} twice", s.side),
                ));
            }
            if seen.iter().any(|(_, key)| *key == s.key) {
                return Err(Violation::new(
                    Rule::OfficerKey,
                    format!(
                        "both sides of the {what} signed with the same key; each side signs with its own officer's key"
                    ),
                ));
            }
            match self.officer_keys.get(&s.key) {
                None => {
                    return Err(Violation::new(
                        Rule::OfficerKey,
                        format!(
                            "the {} side's key {} is not a registered officer key; register it with `rollcall officer-key register`",
                            s.side, s.key
                        ),
                    )
                    .custodian(custodian));
                }
                Some(k) if k.revoked_seq.is_some() => {
                    return Err(Violation::new(
                        Rule::OfficerKey,
                        format!("the {} side's key {} was revoked", s.side, s.key),
                    )
                    .custodian(custodian));
                }
                Some(k) if &k.custodian != custodian => {
                    return Err(Violation::new(
                        Rule::OfficerKey,
                        format!(
                            "the {} side's key {} is registered for {}, not for {custodian}",
                            s.side, s.key, k.custodian
                        ),
                    )
                    .custodian(custodian));
                }
                Some(_) => {}
            }
            seen.push((s.side, &s.key));
        }
        Ok(())
    }
}
