//! Proofs against the latest signed head, and the report of a person's
//! record with a proof for every event in their history (read through the
//! [`crate::Reader`]).

use crate::{Node, NodeError};
use rollcall_core::Event;
use rollcall_core::state::views::PersonSnapshot;
use rollcall_ledger::{ConsistencyBundle, InclusionBundle};
use serde::Serialize;

/// A person's whole custody history, each event with its inclusion proof.
#[derive(Debug, Clone, Serialize)]
pub struct PersonReport {
    /// The person's id.
    pub person: String,
    /// Where they stand now.
    pub now: PersonSnapshot,
    /// Every event about them, in ledger order.
    pub history: Vec<Event>,
    /// The signed head the proofs are against (signed note text).
    pub head: String,
    /// One inclusion proof per history event, in the same order.
    pub proofs: Vec<InclusionBundle>,
}

impl Node {
    pub(crate) fn latest_note(&self) -> Result<(u64, String), NodeError> {
        let head = self
            .store
            .latest_checkpoint()?
            .ok_or_else(|| NodeError::NotFound("the ledger is empty: no signed head yet".into()))?;
        Ok((head.size, head.note))
    }

    pub(crate) fn inclusion_with(
        &self,
        leaves: &[rollcall_ledger::Hash],
        size: u64,
        note: &str,
        seq: u64,
    ) -> Result<InclusionBundle, NodeError> {
        if seq >= size {
            return Err(NodeError::NotFound(format!(
                "event {seq} is not in the latest signed head (size {size})"
            )));
        }
        let event = self
            .store
            .event(seq)?
            .ok_or_else(|| NodeError::NotFound(format!("event {seq} does not exist")))?;
        let proof = rollcall_ledger::inclusion_proof(&leaves[..size as usize], seq)
            .map_err(|e| NodeError::Corrupt(e.to_string()))?;
        Ok(InclusionBundle::new(
            note.to_string(),
            seq,
            &event.bytes,
            &proof,
        ))
    }

    /// Proof that event `seq` is in the latest signed head. Its leaf data is
    /// the event itself, so callers go through [`crate::Reader::inclusion`].
    pub(crate) fn prove_inclusion(&self, seq: u64) -> Result<InclusionBundle, NodeError> {
        let (size, note) = self.latest_note()?;
        let leaves = self.store.leaf_hashes()?;
        self.inclusion_with(&leaves, size, &note, seq)
    }

    /// Proof that the latest signed head extends the one signed at `from_size`.
    pub fn prove_consistency(&self, from_size: u64) -> Result<ConsistencyBundle, NodeError> {
        let (size, note) = self.latest_note()?;
        let old = self.store.checkpoint_at(from_size)?.ok_or_else(|| {
            NodeError::NotFound(format!(
                "no head was signed at size {from_size}; `rollcall head --all` lists the signed sizes"
            ))
        })?;
        if from_size > size {
            return Err(NodeError::NotFound(format!(
                "size {from_size} is beyond the latest head ({size})"
            )));
        }
        let leaves = self.store.leaf_hashes()?;
        let proof = rollcall_ledger::consistency_proof(&leaves[..size as usize], from_size)
            .map_err(|e| NodeError::Corrupt(e.to_string()))?;
        Ok(ConsistencyBundle::new(old.note, note, &proof))
    }
}

impl Node {
    /// A person's report: their record now and every event about them, each
    /// with its inclusion proof. Unaudited: only the reader calls it, after
    /// the policy allowed it and before recording the access.
    pub(crate) fn person_report(&self, person: &str) -> Result<PersonReport, NodeError> {
        let now = self
            .state
            .person(person)
            .map(|p| p.snapshot())
            .ok_or_else(|| NodeError::NotFound(format!("person {person} is not registered")))?;
        let (size, note) = self.latest_note()?;
        let leaves = self.store.leaf_hashes()?;
        let mut history = Vec::new();
        let mut proofs = Vec::new();
        for &seq in &now.custody.history {
            let stored = self.store.event(seq)?.ok_or_else(|| {
                NodeError::Corrupt(format!("event {seq} in {person}'s history is missing"))
            })?;
            history.push(
                Event::decode(&stored.bytes)
                    .map_err(|e| NodeError::Corrupt(format!("event {seq}: {e}")))?,
            );
            proofs.push(self.inclusion_with(&leaves, size, &note, seq)?);
        }
        Ok(PersonReport {
            person: person.to_string(),
            now,
            history,
            head: note,
            proofs,
        })
    }
}
