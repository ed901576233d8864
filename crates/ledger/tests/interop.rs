//! Interoperability with independent implementations: the `signed_note`
//! crate (a port of Go's `sumdb/note`) and the `tlog_tiles` crate (a port of
//! Go's `sumdb/tlog` plus the C2SP checkpoint format).

use rollcall_ledger::{
    Checkpoint, Hash, SigningKey, VerifierKey, consistency_proof, inclusion_proof, leaf_hash,
    node_hash, open_checkpoint, root, sign_checkpoint, verify_consistency, verify_inclusion,
};
use signed_note::{
    Note, Signer as _, StandardSigner, StandardVerifier, Verifier as _, VerifierList,
};
use tlog_tiles::tlog;

const ORIGIN: &str = "example.com/rollcall";

fn key() -> SigningKey {
    SigningKey::from_seed(ORIGIN, [11; 32]).unwrap()
}

fn events(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("custody event #{i}").into_bytes())
        .collect()
}

fn leaves(n: usize) -> Vec<Hash> {
    events(n).iter().map(|e| leaf_hash(e)).collect()
}

// ---------------------------------------------------------------- signed_note

#[test]
fn signed_note_verifies_our_checkpoint() {
    let k = key();
    let cp = Checkpoint::new(ORIGIN, 42, root(&leaves(42)));
    let ours = sign_checkpoint(&cp, &k);

    let verifier = StandardVerifier::new(&k.verifier().to_string()).unwrap();
    assert_eq!(verifier.name(), ORIGIN);
    assert_eq!(verifier.key_id(), u32::from_be_bytes(k.verifier().key_id()));

    let note = Note::from_bytes(ours.as_bytes()).unwrap();
    assert_eq!(note.text(), cp.body().as_bytes());
    let (verified, unverified) = note
        .verify(&VerifierList::new(vec![Box::new(verifier)]))
        .unwrap();
    assert_eq!(verified.len(), 1);
    assert!(unverified.is_empty());
    assert_eq!(verified[0].name(), ORIGIN);
    // And it re-encodes to exactly our bytes.
    assert_eq!(note.to_bytes(), ours.as_bytes());
}

#[test]
fn signed_note_rejects_our_checkpoint_under_another_key() {
    let cp = Checkpoint::new(ORIGIN, 1, leaf_hash(b"x"));
    let ours = sign_checkpoint(&cp, &key());
    let other = SigningKey::from_seed(ORIGIN, [12; 32]).unwrap();
    let verifier = StandardVerifier::new(&other.verifier().to_string()).unwrap();
    let note = Note::from_bytes(ours.as_bytes()).unwrap();
    assert!(
        note.verify(&VerifierList::new(vec![Box::new(verifier)]))
            .is_err()
    );
}

#[test]
fn key_strings_match_signed_note() {
    let k = key();
    let v = k.verifier();
    let dalek = ed25519_dalek::VerifyingKey::from_bytes(v.public_key()).unwrap();
    assert_eq!(
        signed_note::new_ed25519_verifier_key(ORIGIN, &dalek),
        v.to_string()
    );
    let mut encoded = vec![0x01];
    encoded.extend_from_slice(v.public_key());
    assert_eq!(
        signed_note::key_id(ORIGIN, &encoded),
        u32::from_be_bytes(v.key_id())
    );

    // signed_note accepts our private key string and agrees on the key ID.
    let signer = StandardSigner::new(&k.to_private_string()).unwrap();
    assert_eq!(signer.name(), ORIGIN);
    assert_eq!(signer.key_id(), u32::from_be_bytes(k.key_id()));
}

#[test]
fn notes_signed_by_signed_note_open_with_our_code() {
    let k = key();
    let cp = Checkpoint::new(ORIGIN, 9, root(&leaves(9)));
    let signer = StandardSigner::new(&k.to_private_string()).unwrap();
    let mut note = Note::new(cp.body().as_bytes(), &[]).unwrap();
    note.add_sigs(&[&signer]).unwrap();
    let theirs = String::from_utf8(note.to_bytes()).unwrap();

    assert_eq!(open_checkpoint(&theirs, &k.verifier()), Ok(cp.clone()));
    // Ed25519 is deterministic, so both implementations produce the same note.
    assert_eq!(theirs, sign_checkpoint(&cp, &k));
}

#[test]
fn witness_cosignature_added_by_signed_note_is_ignored() {
    let k = key();
    let witness = SigningKey::from_seed("witness.example/w1", [13; 32]).unwrap();
    let cp = Checkpoint::new(ORIGIN, 3, root(&leaves(3)));
    let ours = sign_checkpoint(&cp, &k);

    let mut note = Note::from_bytes(ours.as_bytes()).unwrap();
    let witness_signer = StandardSigner::new(&witness.to_private_string()).unwrap();
    note.add_sigs(&[&witness_signer]).unwrap();
    let cosigned = String::from_utf8(note.to_bytes()).unwrap();
    assert_eq!(
        cosigned
            .lines()
            .filter(|l| l.starts_with('\u{2014}'))
            .count(),
        2
    );

    assert_eq!(open_checkpoint(&cosigned, &k.verifier()), Ok(cp.clone()));
    assert_eq!(open_checkpoint(&cosigned, &witness.verifier()), Ok(cp));
}

#[test]
fn verifier_keys_from_signed_note_parse_with_our_code() {
    let seed = [14; 32];
    let dalek = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    let text = signed_note::new_ed25519_verifier_key("sigsum.example/log", &dalek);
    let v = VerifierKey::parse(&text).unwrap();
    assert_eq!(v.public_key(), dalek.as_bytes());
    assert_eq!(v.to_string(), text);
}

// ----------------------------------------------------------------- tlog_tiles

#[test]
fn tlog_tiles_parses_our_checkpoint_body() {
    let k = key();
    let r = root(&leaves(1000));
    let mut cp = Checkpoint::new(ORIGIN, 1000, r);
    for extensions in [vec![], vec!["ext-a".to_owned(), "ext b".to_owned()]] {
        cp.extensions = extensions;
        let note = sign_checkpoint(&cp, &k);
        let text = Note::from_bytes(note.as_bytes()).unwrap().text().to_vec();
        let theirs = tlog_tiles::Checkpoint::from_bytes(&text).unwrap();
        assert_eq!(theirs.origin(), ORIGIN);
        assert_eq!(theirs.size(), 1000);
        assert_eq!(theirs.hash().0, r);
        assert_eq!(
            theirs.extension(),
            cp.extensions
                .iter()
                .map(|e| format!("{e}\n"))
                .collect::<String>()
        );
        // Their encoder produces exactly our body.
        assert_eq!(theirs.to_bytes(), cp.body().as_bytes());
    }
}

#[test]
fn tlog_tiles_checkpoints_parse_with_our_code() {
    let k = key();
    let r = root(&leaves(77));
    let theirs = tlog_tiles::Checkpoint::new(ORIGIN, 77, tlog::Hash(r), "").unwrap();
    let signer = StandardSigner::new(&k.to_private_string()).unwrap();
    let mut note = Note::new(&theirs.to_bytes(), &[]).unwrap();
    note.add_sigs(&[&signer]).unwrap();
    let cp = open_checkpoint(
        std::str::from_utf8(&note.to_bytes()).unwrap(),
        &k.verifier(),
    )
    .unwrap();
    assert_eq!((cp.origin.as_str(), cp.size, cp.root), (ORIGIN, 77, r));
}

/// Go-tlog-style hash storage, filled with `stored_hashes_for_record_hash`.
struct Storage(Vec<tlog::Hash>);

impl tlog::HashReader for Storage {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<tlog::Hash>, tlog::Error> {
        indexes
            .iter()
            .map(|&i| {
                self.0
                    .get(i as usize)
                    .copied()
                    .ok_or(tlog::Error::IndexesNotInTree)
            })
            .collect()
    }
}

fn tlog_storage(events: &[Vec<u8>]) -> Storage {
    let mut s = Storage(Vec::new());
    for (i, e) in events.iter().enumerate() {
        let new = tlog::stored_hashes(i as u64, e, &s).unwrap();
        s.0.extend(new);
    }
    s
}

fn to_tlog(proof: &[Hash]) -> Vec<tlog::Hash> {
    proof.iter().map(|h| tlog::Hash(*h)).collect()
}

#[test]
fn tlog_tiles_hashes_and_roots_agree() {
    assert_eq!(tlog::record_hash(b"abc").0, leaf_hash(b"abc"));
    let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
    assert_eq!(
        tlog::node_hash(tlog::Hash(a), tlog::Hash(b)).0,
        node_hash(&a, &b)
    );
    assert_eq!(tlog::EMPTY_HASH.0, root(&[]));

    let ev = events(300);
    let l = leaves(300);
    let storage = tlog_storage(&ev);
    for n in 0..=300 {
        assert_eq!(
            tlog::tree_hash(n, &storage).unwrap().0,
            root(&l[..n as usize]),
            "size {n}"
        );
    }
}

#[test]
fn tlog_tiles_inclusion_proofs_agree() {
    let n_max = 70;
    let ev = events(n_max);
    let l = leaves(n_max);
    let storage = tlog_storage(&ev);
    for t in 1..=n_max as u64 {
        let th = tlog::tree_hash(t, &storage).unwrap();
        for n in 0..t {
            let ours = inclusion_proof(&l[..t as usize], n).unwrap();
            // Go tlog's prove_record gives the same path, in the same order...
            let theirs = tlog::prove_record(t, n, &storage).unwrap();
            assert_eq!(theirs, to_tlog(&ours), "prove_record({t}, {n})");
            // ...its check_record accepts ours...
            tlog::check_record(&to_tlog(&ours), t, th, n, tlog::Hash(l[n as usize])).unwrap();
            // ...and we accept theirs.
            let theirs: Vec<Hash> = theirs.iter().map(|h| h.0).collect();
            verify_inclusion(&l[n as usize], n, t, &theirs, &th.0).unwrap();
        }
    }
    // check_record rejects a tampered proof of ours.
    let t = 37;
    let th = tlog::tree_hash(t, &storage).unwrap();
    let mut p = inclusion_proof(&l[..t as usize], 5).unwrap();
    p[2][0] ^= 1;
    assert!(tlog::check_record(&to_tlog(&p), t, th, 5, tlog::Hash(l[5])).is_err());
}

#[test]
fn tlog_tiles_consistency_proofs_agree() {
    let n_max = 70;
    let ev = events(n_max);
    let l = leaves(n_max);
    let storage = tlog_storage(&ev);
    for t in 1..=n_max as u64 {
        let th = tlog::tree_hash(t, &storage).unwrap();
        for n in 1..=t {
            let h = tlog::tree_hash(n, &storage).unwrap();
            let ours = consistency_proof(&l[..t as usize], n).unwrap();
            let theirs = tlog::prove_tree(t, n, &storage).unwrap();
            assert_eq!(theirs, to_tlog(&ours), "prove_tree({t}, {n})");
            tlog::check_tree(&to_tlog(&ours), t, th, n, h).unwrap();
            let theirs: Vec<Hash> = theirs.iter().map(|h| h.0).collect();
            verify_consistency(n, t, &h.0, &th.0, &theirs).unwrap();
        }
    }
    let (t, n) = (50, 13);
    let th = tlog::tree_hash(t, &storage).unwrap();
    let h = tlog::tree_hash(n, &storage).unwrap();
    let mut p = consistency_proof(&l[..t as usize], n).unwrap();
    p[1][31] ^= 0x40;
    assert!(tlog::check_tree(&to_tlog(&p), t, th, n, h).is_err());
}
