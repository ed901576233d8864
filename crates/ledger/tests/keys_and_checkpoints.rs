//! Signing keys, verifier keys and signed checkpoints: round trips, secret
//! redaction, wrong keys, byte-level tampering and malformed notes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use proptest::prelude::*;
use rollcall_ledger::{
    Checkpoint, CheckpointError, KeyError, NoteError, SigningKey, VerifierKey, leaf_hash,
    open_checkpoint, sign_checkpoint, sign_note,
};

const ORIGIN: &str = "example.com/rollcall";
const SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];

fn key() -> SigningKey {
    SigningKey::from_seed(ORIGIN, SEED).unwrap()
}

fn checkpoint() -> Checkpoint {
    Checkpoint::new(ORIGIN, 12345, leaf_hash(b"some root"))
}

#[test]
fn rfc8032_test_vector_1_public_key() {
    // RFC 8032 §7.1 TEST 1: this seed has this public key.
    let want = [
        0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07,
        0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07,
        0x51, 0x1a,
    ];
    assert_eq!(key().verifier().public_key(), &want);
}

#[test]
fn key_id_is_sha256_of_name_newline_type_and_key() {
    use sha2::{Digest, Sha256};
    let v = key().verifier();
    let mut h = Sha256::new();
    h.update(ORIGIN.as_bytes());
    h.update([b'\n', 0x01]);
    h.update(v.public_key());
    assert_eq!(v.key_id(), h.finalize()[..4]);
    assert_eq!(key().key_id(), v.key_id());
}

#[test]
fn text_formats() {
    let k = key();
    let v = k.verifier();
    let id = format!("{:08x}", u32::from_be_bytes(v.key_id()));
    let mut pubraw = vec![0x01];
    pubraw.extend_from_slice(v.public_key());
    assert_eq!(
        v.to_string(),
        format!("{ORIGIN}+{id}+{}", BASE64.encode(&pubraw))
    );
    let mut privraw = vec![0x01];
    privraw.extend_from_slice(&SEED);
    assert_eq!(
        k.to_private_string(),
        format!("PRIVATE+KEY+{ORIGIN}+{id}+{}", BASE64.encode(&privraw))
    );
    assert_eq!(k.name(), ORIGIN);
    assert_eq!(v.name(), ORIGIN);
}

#[test]
fn debug_redacts_the_secret() {
    let k = key();
    let dbg = format!("{k:?}");
    let alt = format!("{k:#?}");
    let mut privraw = vec![0x01];
    privraw.extend_from_slice(&SEED);
    let hex: String = SEED.iter().map(|b| format!("{b:02x}")).collect();
    let private = k.to_private_string();
    for out in [&dbg, &alt] {
        assert!(out.contains(ORIGIN), "{out}");
        assert!(out.contains("redacted"), "{out}");
        assert!(!out.contains(&BASE64.encode(SEED)));
        assert!(!out.contains(&BASE64.encode(&privraw)));
        assert!(!out.contains(&hex));
        assert!(!out.contains(&format!("{SEED:?}")));
        assert!(!out.contains(&format!("{:?}", &SEED[..8])));
        assert!(!out.contains(&private));
    }
}

#[test]
fn key_errors_name_the_problem() {
    let k = key();
    let private = k.to_private_string();
    let public = k.verifier().to_string();
    assert!(matches!(
        SigningKey::from_private_string(&public),
        Err(KeyError::MalformedPrivate(_))
    ));
    assert!(matches!(
        SigningKey::from_private_string(&private.replace("PRIVATE+KEY+", "PRIVATE+")),
        Err(KeyError::MalformedPrivate(_))
    ));
    assert!(matches!(
        VerifierKey::parse("name+zzzzzzzz+AQ=="),
        Err(KeyError::MalformedVerifier(_))
    ));
    assert!(matches!(
        VerifierKey::parse("name+1234567+AQ=="),
        Err(KeyError::MalformedVerifier(_))
    ));
    assert!(matches!(
        VerifierKey::parse("name"),
        Err(KeyError::MalformedVerifier(_))
    ));
    // Wrong algorithm byte.
    let mut raw = vec![0x02];
    raw.extend_from_slice(k.verifier().public_key());
    let other_alg = format!("{ORIGIN}+00000000+{}", BASE64.encode(&raw));
    assert_eq!(
        VerifierKey::parse(&other_alg),
        Err(KeyError::UnsupportedAlgorithm(2))
    );
    // Wrong key length.
    let short = format!("{ORIGIN}+00000000+{}", BASE64.encode([1u8; 20]));
    assert_eq!(VerifierKey::parse(&short), Err(KeyError::KeyLength(19)));
    // Error messages never echo key material.
    let err = SigningKey::from_private_string(&private.replacen("+", "+x", 3)).unwrap_err();
    assert!(!err.to_string().contains(&BASE64.encode(SEED)));
}

proptest! {
    #[test]
    fn private_string_round_trips(seed: [u8; 32], name in "[a-z0-9./_-]{1,40}") {
        let k = SigningKey::from_seed(&name, seed).unwrap();
        let back = SigningKey::from_private_string(&k.to_private_string()).unwrap();
        prop_assert_eq!(back.verifier(), k.verifier());
        prop_assert_eq!(back.to_private_string(), k.to_private_string());
        let v = VerifierKey::parse(&k.verifier().to_string()).unwrap();
        prop_assert_eq!(&v, &k.verifier());
        // Signing with the parsed key gives the same (deterministic) note.
        let cp = Checkpoint::new(name.clone(), 3, leaf_hash(&seed));
        prop_assert_eq!(sign_checkpoint(&cp, &back), sign_checkpoint(&cp, &k));
        prop_assert_eq!(open_checkpoint(&sign_checkpoint(&cp, &back), &v).unwrap(), cp);
    }
}

#[test]
fn signed_checkpoint_layout_and_round_trip() {
    let k = key();
    let cp = checkpoint();
    let note = sign_checkpoint(&cp, &k);
    let (body, sigs) = note.split_once("\n\n").unwrap();
    assert_eq!(format!("{body}\n"), cp.body());
    let line = sigs.strip_suffix('\n').unwrap();
    assert!(!line.contains('\n'));
    let rest = line.strip_prefix("\u{2014} ").unwrap();
    let (name, b64) = rest.split_once(' ').unwrap();
    assert_eq!(name, ORIGIN);
    let raw = BASE64.decode(b64).unwrap();
    assert_eq!(raw.len(), 4 + 64);
    assert_eq!(raw[..4], k.key_id());
    assert_eq!(open_checkpoint(&note, &k.verifier()), Ok(cp));
}

#[test]
fn extensions_round_trip() {
    let k = key();
    let mut cp = checkpoint();
    cp.extensions = vec!["timestamp 1700000000".into(), "x".into()];
    assert_eq!(
        open_checkpoint(&sign_checkpoint(&cp, &k), &k.verifier()),
        Ok(cp)
    );
}

#[test]
fn wrong_key_fails() {
    let note = sign_checkpoint(&checkpoint(), &key());
    // Same name, different key: the key ID differs, so no matching line.
    let other = SigningKey::from_seed(ORIGIN, [1; 32]).unwrap();
    assert!(matches!(
        open_checkpoint(&note, &other.verifier()),
        Err(CheckpointError::Note(NoteError::NotSignedByKey { .. }))
    ));
    // Different name, same key material.
    let renamed = SigningKey::from_seed("example.com/other", SEED).unwrap();
    assert!(matches!(
        open_checkpoint(&note, &renamed.verifier()),
        Err(CheckpointError::Note(NoteError::NotSignedByKey { .. }))
    ));
}

#[test]
fn any_flipped_byte_is_rejected() {
    let k = key();
    let v = k.verifier();
    let mut cp = checkpoint();
    cp.extensions = vec!["ext".into()];
    let note = sign_checkpoint(&cp, &k);
    assert!(open_checkpoint(&note, &v).is_ok());
    let bytes = note.as_bytes();
    let mut tried = 0;
    for i in 0..bytes.len() {
        for mask in [0x01u8, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80] {
            let mut b = bytes.to_vec();
            b[i] ^= mask;
            // Bytes that are no longer UTF-8 cannot even be presented as a
            // &str note; everything else must be refused.
            if let Ok(s) = String::from_utf8(b) {
                tried += 1;
                assert!(
                    open_checkpoint(&s, &v).is_err(),
                    "byte {i} ^ {mask:#04x} accepted: {s:?}"
                );
            }
        }
    }
    assert!(tried > bytes.len() * 4, "only {tried} variants were UTF-8");
}

#[test]
fn truncation_and_appending_are_rejected() {
    let k = key();
    let v = k.verifier();
    let note = sign_checkpoint(&checkpoint(), &k);
    for cut in 0..note.len() {
        if note.is_char_boundary(cut) {
            assert!(open_checkpoint(&note[..cut], &v).is_err(), "prefix {cut}");
        }
    }
    assert!(open_checkpoint(&format!("{note}\n"), &v).is_err());
    assert!(open_checkpoint(&format!("{note}x"), &v).is_err());
    assert!(open_checkpoint(&format!("x{note}"), &v).is_err());
}

#[test]
fn cosignatures_from_unknown_keys_are_ignored() {
    let k = key();
    let witness = SigningKey::from_seed("witness.example", [3; 32]).unwrap();
    let cp = checkpoint();
    let note = sign_checkpoint(&cp, &k);
    let witness_line = sign_note(&cp.body(), &witness)
        .unwrap()
        .split_once("\n\n")
        .unwrap()
        .1
        .to_owned();
    let both = format!("{note}{witness_line}");
    assert_eq!(open_checkpoint(&both, &k.verifier()), Ok(cp.clone()));
    assert_eq!(open_checkpoint(&both, &witness.verifier()), Ok(cp));
    // A junk line that is not a signature line at all still rejects the note.
    assert!(open_checkpoint(&format!("{note}junk\n"), &k.verifier()).is_err());
}

/// Bodies that are signed correctly but are not valid checkpoints.
#[test]
fn malformed_bodies_are_rejected_even_when_signed() {
    let k = key();
    let v = k.verifier();
    let root = BASE64.encode(leaf_hash(b"r"));
    let short_root = BASE64.encode([7u8; 31]);
    let long_root = BASE64.encode([7u8; 33]);
    let cases: Vec<(String, CheckpointError)> = vec![
        (format!("{ORIGIN}\n5\n"), CheckpointError::TooFewLines(2)),
        (format!("{ORIGIN}\n"), CheckpointError::TooFewLines(1)),
        (format!("{ORIGIN}\n05\n{root}\n"), CheckpointError::Size),
        (format!("{ORIGIN}\n5.0\n{root}\n"), CheckpointError::Size),
        (format!("{ORIGIN}\n-5\n{root}\n"), CheckpointError::Size),
        (format!("{ORIGIN}\nfive\n{root}\n"), CheckpointError::Size),
        (
            format!("{ORIGIN}\n5\n{root} \n"),
            CheckpointError::Root(rollcall_ledger::HashDecodeError::Base64),
        ),
        (
            format!("{ORIGIN}\n5\n!!!!\n"),
            CheckpointError::Root(rollcall_ledger::HashDecodeError::Base64),
        ),
        (
            format!("{ORIGIN}\n5\n{short_root}\n"),
            CheckpointError::Root(rollcall_ledger::HashDecodeError::Length(31)),
        ),
        (
            format!("{ORIGIN}\n5\n{long_root}\n"),
            CheckpointError::Root(rollcall_ledger::HashDecodeError::Length(33)),
        ),
        (format!("\n5\n{root}\n"), CheckpointError::EmptyOrigin),
    ];
    for (body, want) in cases {
        let note = sign_note(&body, &k).unwrap();
        assert_eq!(open_checkpoint(&note, &v), Err(want), "{body:?}");
    }
    // Control characters are refused at the note layer.
    let tab = format!("{ORIGIN}\t\n5\n{root}\n");
    assert!(sign_note(&tab, &k).is_err());
}
