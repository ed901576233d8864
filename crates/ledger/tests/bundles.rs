//! Proof bundles: JSON round trips, offline verification with only the public
//! key, and rejection of every kind of tampering.

use rollcall_ledger::{
    BundleError, Checkpoint, CheckpointError, ConsistencyBundle, Hash, InclusionBundle, ProofError,
    SigningKey, VerifierKey, consistency_proof, hash_to_base64, inclusion_proof, leaf_hash, root,
    sign_checkpoint,
};

const ORIGIN: &str = "example.com/rollcall";

struct Log {
    key: SigningKey,
    events: Vec<Vec<u8>>,
    leaves: Vec<Hash>,
}

impl Log {
    fn new(n: usize) -> Self {
        let events: Vec<Vec<u8>> = (0..n).map(|i| format!("event {i}").into_bytes()).collect();
        let leaves = events.iter().map(|e| leaf_hash(e)).collect();
        Self {
            key: SigningKey::from_seed(ORIGIN, [5; 32]).unwrap(),
            events,
            leaves,
        }
    }

    fn checkpoint(&self, size: usize) -> String {
        let cp = Checkpoint::new(ORIGIN, size as u64, root(&self.leaves[..size]));
        sign_checkpoint(&cp, &self.key)
    }

    fn inclusion(&self, index: usize, size: usize) -> InclusionBundle {
        let proof = inclusion_proof(&self.leaves[..size], index as u64).unwrap();
        InclusionBundle::new(
            self.checkpoint(size),
            index as u64,
            &self.events[index],
            &proof,
        )
    }

    fn consistency(&self, old: usize, new: usize) -> ConsistencyBundle {
        let proof = consistency_proof(&self.leaves[..new], old as u64).unwrap();
        ConsistencyBundle::new(self.checkpoint(old), self.checkpoint(new), &proof)
    }

    fn verifier(&self) -> VerifierKey {
        // Only the public text form travels to the verifier.
        VerifierKey::parse(&self.key.verifier().to_string()).unwrap()
    }
}

#[test]
fn inclusion_bundles_verify_after_json_round_trip() {
    let log = Log::new(37);
    let v = log.verifier();
    for size in [1, 2, 5, 16, 37] {
        for index in 0..size {
            let b = log.inclusion(index, size);
            let json = serde_json::to_string_pretty(&b).unwrap();
            let back: InclusionBundle = serde_json::from_str(&json).unwrap();
            assert_eq!(back, b);
            let cp = back.verify(&v).unwrap();
            assert_eq!(cp.size, size as u64);
            assert_eq!(back.leaf_data().unwrap(), log.events[index]);
        }
    }
}

#[test]
fn inclusion_bundle_json_field_names() {
    let b = Log::new(3).inclusion(1, 3);
    let value = serde_json::to_value(&b).unwrap();
    let obj = value.as_object().unwrap();
    let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["checkpoint", "leaf_data_b64", "leaf_index", "proof"]);
    assert_eq!(obj["leaf_index"], 1);
}

#[test]
fn tampered_inclusion_bundles_fail() {
    let log = Log::new(20);
    let v = log.verifier();
    let good = log.inclusion(6, 20);
    assert!(good.verify(&v).is_ok());

    let mut b = good.clone();
    b.leaf_data_b64 = rollcall_ledger::hash_to_base64(&[0; 32]);
    assert_eq!(
        b.verify(&v),
        Err(BundleError::Proof(ProofError::RootMismatch))
    );

    let mut b = good.clone();
    b.leaf_data_b64 = "not base64".into();
    assert_eq!(b.verify(&v), Err(BundleError::LeafData));

    let mut b = good.clone();
    b.leaf_index = 7;
    assert!(matches!(b.verify(&v), Err(BundleError::Proof(_))));

    let mut b = good.clone();
    b.leaf_index = 20;
    assert!(matches!(
        b.verify(&v),
        Err(BundleError::Proof(ProofError::IndexOutOfRange { .. }))
    ));

    let mut b = good.clone();
    b.proof[1] = hash_to_base64(&leaf_hash(b"x"));
    assert_eq!(
        b.verify(&v),
        Err(BundleError::Proof(ProofError::RootMismatch))
    );

    let mut b = good.clone();
    b.proof.pop();
    assert!(matches!(
        b.verify(&v),
        Err(BundleError::Proof(ProofError::WrongLength { .. }))
    ));

    let mut b = good.clone();
    b.proof[0] = "AAAA".into();
    assert!(matches!(
        b.verify(&v),
        Err(BundleError::ProofHash { index: 0, .. })
    ));

    // A genuine checkpoint of a different size does not fit the proof.
    let mut b = good.clone();
    b.checkpoint = log.checkpoint(19);
    assert!(matches!(b.verify(&v), Err(BundleError::Proof(_))));

    // A checkpoint edited after signing.
    let mut b = good.clone();
    b.checkpoint = b.checkpoint.replacen("20\n", "21\n", 1);
    assert!(matches!(b.verify(&v), Err(BundleError::Checkpoint(_))));

    // Another key.
    let other = SigningKey::from_seed(ORIGIN, [6; 32]).unwrap().verifier();
    assert!(matches!(
        good.verify(&other),
        Err(BundleError::Checkpoint(CheckpointError::Note(_)))
    ));
}

#[test]
fn consistency_bundles_verify_for_all_pairs() {
    let log = Log::new(24);
    let v = log.verifier();
    for new in 1..=24 {
        for old in 1..=new {
            let b = log.consistency(old, new);
            let json = serde_json::to_string(&b).unwrap();
            let back: ConsistencyBundle = serde_json::from_str(&json).unwrap();
            let (o, n) = back.verify(&v).unwrap();
            assert_eq!((o.size, n.size), (old as u64, new as u64));
        }
    }
}

#[test]
fn tampered_consistency_bundles_fail() {
    let log = Log::new(24);
    let v = log.verifier();
    let good = log.consistency(7, 20);
    assert!(good.verify(&v).is_ok());

    // Swapped checkpoints: old is newer than new.
    let mut b = good.clone();
    std::mem::swap(&mut b.old_checkpoint, &mut b.new_checkpoint);
    assert!(matches!(
        b.verify(&v),
        Err(BundleError::Proof(ProofError::OldSizeTooLarge { .. }))
    ));

    let mut b = good.clone();
    b.proof[2] = hash_to_base64(&leaf_hash(b"x"));
    assert!(matches!(b.verify(&v), Err(BundleError::Proof(_))));

    let mut b = good.clone();
    b.proof.clear();
    assert!(matches!(
        b.verify(&v),
        Err(BundleError::Proof(ProofError::WrongLength { .. }))
    ));

    let mut b = good.clone();
    b.new_checkpoint = log.checkpoint(21);
    assert!(matches!(b.verify(&v), Err(BundleError::Proof(_))));

    let mut b = good.clone();
    b.old_checkpoint.insert(0, ' ');
    assert!(matches!(b.verify(&v), Err(BundleError::OldCheckpoint(_))));

    let mut b = good.clone();
    b.new_checkpoint.pop();
    assert!(matches!(b.verify(&v), Err(BundleError::NewCheckpoint(_))));

    // A forked log: same key, same sizes, different history.
    let mut forked = Log::new(24);
    forked.events[3] = b"rewritten".to_vec();
    forked.leaves[3] = leaf_hash(&forked.events[3]);
    let fork = forked.consistency(7, 20);
    let mut b = good.clone();
    b.new_checkpoint = fork.new_checkpoint.clone();
    assert!(matches!(b.verify(&v), Err(BundleError::Proof(_))));
    let mut b = fork.clone();
    b.old_checkpoint = good.old_checkpoint.clone();
    assert!(matches!(b.verify(&v), Err(BundleError::Proof(_))));

    // Checkpoints from two different logs under one key.
    let other_origin = sign_checkpoint(
        &Checkpoint::new("example.com/other", 7, root(&log.leaves[..7])),
        &log.key,
    );
    let mut b = good.clone();
    b.old_checkpoint = other_origin;
    assert!(matches!(
        b.verify(&v),
        Err(BundleError::OriginMismatch { .. })
    ));
}
