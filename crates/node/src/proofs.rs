//! Proofs against the latest signed head, computed from the stored tree
//! tiles (a few per level of 256, not every leaf) and checked against the
//! head's root before they are returned, and the report of a person's
//! record with a proof for every event in their history (read through the
//! [`crate::Reader`]).

use crate::{Node, NodeError, tile_failure, tile_reader};
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

/// The latest signed head: its size, note text and root.
pub(crate) struct Head {
    size: u64,
    note: String,
    root: rollcall_ledger::Hash,
}

/// A proof from the tiles that does not check against the signed head.
fn unproven(what: &str, e: rollcall_ledger::ProofError) -> NodeError {
    NodeError::Tiles(format!(
        "give {what} that does not check against the signed head ({e}): they were changed; \
         `rollcall verify` names the tile"
    ))
}

impl Node {
    pub(crate) fn latest_head(&self) -> Result<Head, NodeError> {
        let head = self
            .store
            .latest_checkpoint()?
            .ok_or_else(|| NodeError::NotFound("the ledger is empty: no signed head yet".into()))?;
        let cp = rollcall_ledger::open_checkpoint(&head.note, &self.verifier)
            .map_err(|e| NodeError::Corrupt(format!("signed head at size {}: {e}", head.size)))?;
        Ok(Head {
            size: head.size,
            note: head.note,
            root: cp.root,
        })
    }

    pub(crate) fn inclusion_with(
        &self,
        head: &Head,
        seq: u64,
    ) -> Result<InclusionBundle, NodeError> {
        let size = head.size;
        if seq >= size {
            return Err(NodeError::NotFound(format!(
                "event {seq} is not in the latest signed head (size {size})"
            )));
        }
        let event = self
            .store
            .event(seq)?
            .ok_or_else(|| NodeError::NotFound(format!("event {seq} does not exist")))?;
        let proof =
            rollcall_ledger::inclusion_proof_from_tiles(size, seq, &tile_reader(&*self.store))
                .map_err(tile_failure)?;
        let leaf = rollcall_ledger::leaf_hash(&event.bytes);
        rollcall_ledger::verify_inclusion(&leaf, seq, size, &proof, &head.root)
            .map_err(|e| unproven(&format!("an inclusion proof of event {seq}"), e))?;
        Ok(InclusionBundle::new(
            head.note.clone(),
            seq,
            &event.bytes,
            &proof,
        ))
    }

    /// Proof that event `seq` is in the latest signed head. Its leaf data is
    /// the event itself, so callers go through [`crate::Reader::inclusion`].
    pub(crate) fn prove_inclusion(&self, seq: u64) -> Result<InclusionBundle, NodeError> {
        let head = self.latest_head()?;
        self.inclusion_with(&head, seq)
    }

    /// Proof that the latest signed head extends the one signed at `from_size`.
    pub fn prove_consistency(&self, from_size: u64) -> Result<ConsistencyBundle, NodeError> {
        let head = self.latest_head()?;
        let size = head.size;
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
        let old_root = rollcall_ledger::open_checkpoint(&old.note, &self.verifier)
            .map_err(|e| NodeError::Corrupt(format!("signed head at size {from_size}: {e}")))?
            .root;
        let proof = rollcall_ledger::consistency_proof_from_tiles(
            size,
            from_size,
            &tile_reader(&*self.store),
        )
        .map_err(tile_failure)?;
        rollcall_ledger::verify_consistency(from_size, size, &old_root, &head.root, &proof)
            .map_err(|e| unproven(&format!("a consistency proof from size {from_size}"), e))?;
        Ok(ConsistencyBundle::new(old.note, head.note, &proof))
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
        let head = self.latest_head()?;
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
            proofs.push(self.inclusion_with(&head, seq)?);
        }
        Ok(PersonReport {
            person: person.to_string(),
            now,
            history,
            head: head.note,
            proofs,
        })
    }
}
