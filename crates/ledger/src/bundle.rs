//! Self-contained, JSON-serialisable proof bundles that a third party checks
//! offline with nothing but the log's [`VerifierKey`]: an
//! [`InclusionBundle`] (this event is in the signed tree) and a
//! [`ConsistencyBundle`] (this signed tree extends that one).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{Checkpoint, CheckpointError, open_checkpoint};
use crate::hash::{Hash, HashDecodeError, hash_from_base64, hash_to_base64, leaf_hash};
use crate::key::VerifierKey;
use crate::proof::{ProofError, verify_consistency, verify_inclusion};

/// Why a bundle did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The (only) checkpoint did not open.
    #[error("checkpoint: {0}")]
    Checkpoint(#[source] CheckpointError),
    /// The old checkpoint of a consistency bundle did not open.
    #[error("old checkpoint: {0}")]
    OldCheckpoint(#[source] CheckpointError),
    /// The new checkpoint of a consistency bundle did not open.
    #[error("new checkpoint: {0}")]
    NewCheckpoint(#[source] CheckpointError),
    /// The two checkpoints name different logs.
    #[error("checkpoints are from different logs: {old:?} and {new:?}")]
    OriginMismatch {
        /// Origin of the old checkpoint.
        old: String,
        /// Origin of the new checkpoint.
        new: String,
    },
    /// The leaf data is not standard base64.
    #[error("leaf data is not standard base64")]
    LeafData,
    /// A proof element is not a base64 32-byte hash.
    #[error("proof hash {index}: {source}")]
    ProofHash {
        /// Position in the proof.
        index: usize,
        /// What was wrong with it.
        source: HashDecodeError,
    },
    /// The proof itself failed.
    #[error("proof: {0}")]
    Proof(#[from] ProofError),
}

fn encode_proof(proof: &[Hash]) -> Vec<String> {
    proof.iter().map(hash_to_base64).collect()
}

fn decode_proof(proof: &[String]) -> Result<Vec<Hash>, BundleError> {
    proof
        .iter()
        .enumerate()
        .map(|(index, h)| {
            hash_from_base64(h).map_err(|source| BundleError::ProofHash { index, source })
        })
        .collect()
}

/// Proof that one event (its canonical bytes) is leaf `leaf_index` of the
/// tree a signed checkpoint commits to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionBundle {
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
    /// Zero-based leaf index.
    pub leaf_index: u64,
    /// The leaf's data (the event's canonical bytes), standard base64.
    pub leaf_data_b64: String,
    /// The audit path, standard base64 hashes, leaf side first.
    pub proof: Vec<String>,
}

impl InclusionBundle {
    /// Assembles a bundle from a signed checkpoint note, the leaf's data and
    /// its audit path (from [`crate::inclusion_proof`]).
    #[must_use]
    pub fn new(checkpoint: String, leaf_index: u64, leaf_data: &[u8], proof: &[Hash]) -> Self {
        Self {
            checkpoint,
            leaf_index,
            leaf_data_b64: BASE64.encode(leaf_data),
            proof: encode_proof(proof),
        }
    }

    /// The decoded leaf data.
    ///
    /// # Errors
    ///
    /// [`BundleError::LeafData`] if it is not standard base64.
    pub fn leaf_data(&self) -> Result<Vec<u8>, BundleError> {
        BASE64
            .decode(&self.leaf_data_b64)
            .map_err(|_| BundleError::LeafData)
    }

    /// Opens the checkpoint with `verifier`, hashes the leaf data and checks
    /// the audit path against the checkpoint's root and size. Returns the
    /// verified checkpoint.
    ///
    /// # Errors
    ///
    /// The [`BundleError`] naming the first failure.
    pub fn verify(&self, verifier: &VerifierKey) -> Result<Checkpoint, BundleError> {
        let cp = open_checkpoint(&self.checkpoint, verifier).map_err(BundleError::Checkpoint)?;
        let leaf = leaf_hash(&self.leaf_data()?);
        let proof = decode_proof(&self.proof)?;
        verify_inclusion(&leaf, self.leaf_index, cp.size, &proof, &cp.root)?;
        Ok(cp)
    }
}

/// Proof that a newer signed checkpoint's tree extends an older one's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyBundle {
    /// The older signed checkpoint note, verbatim.
    pub old_checkpoint: String,
    /// The newer signed checkpoint note, verbatim.
    pub new_checkpoint: String,
    /// The consistency proof, standard base64 hashes.
    pub proof: Vec<String>,
}

impl ConsistencyBundle {
    /// Assembles a bundle from two signed checkpoint notes and the proof
    /// between them (from [`crate::consistency_proof`]).
    #[must_use]
    pub fn new(old_checkpoint: String, new_checkpoint: String, proof: &[Hash]) -> Self {
        Self {
            old_checkpoint,
            new_checkpoint,
            proof: encode_proof(proof),
        }
    }

    /// Opens both checkpoints with `verifier`, requires the same origin, and
    /// checks the consistency proof. Returns `(old, new)`.
    ///
    /// # Errors
    ///
    /// The [`BundleError`] naming the first failure.
    pub fn verify(&self, verifier: &VerifierKey) -> Result<(Checkpoint, Checkpoint), BundleError> {
        let old =
            open_checkpoint(&self.old_checkpoint, verifier).map_err(BundleError::OldCheckpoint)?;
        let new =
            open_checkpoint(&self.new_checkpoint, verifier).map_err(BundleError::NewCheckpoint)?;
        if old.origin != new.origin {
            return Err(BundleError::OriginMismatch {
                old: old.origin,
                new: new.origin,
            });
        }
        let proof = decode_proof(&self.proof)?;
        verify_consistency(old.size, new.size, &old.root, &new.root, &proof)?;
        Ok((old, new))
    }
}
