//! # rollcall-ledger
//!
//! The cryptographic core of Rollcall's tamper-evident custody ledger: an
//! append-only RFC 6962 Merkle tree over event records, signed tree heads in
//! the C2SP checkpoint format, and the inclusion and consistency proofs that
//! let anyone holding only the log's public key check, offline, that an
//! event is in the log and that the log has only ever grown.
//!
//! The crate is **pure**: no files, clock, network or randomness. Callers
//! hand in leaf data, leaf hashes and the 32-byte signing-key seed; every
//! function is deterministic (Ed25519 signatures included).
//!
//! ## Pieces
//!
//! | module | holds | standard |
//! |---|---|---|
//! | [`hash`] | [`leaf_hash`], [`node_hash`], [`empty_root`] | RFC 6962 §2.1 |
//! | [`tree`] | [`root`] (`MTH`) and the incremental [`Frontier`] | RFC 6962 §2.1 |
//! | [`proof`] | [`inclusion_proof`], [`consistency_proof`], [`verify_inclusion`], [`verify_consistency`] | RFC 6962 §2.1.1–2, RFC 9162 §2.1.3–4 |
//! | [`key`] | [`SigningKey`], [`VerifierKey`] in Go `sumdb/note` text form | c2sp.org/signed-note |
//! | [`note`] | generic signed notes ([`sign_note`], [`open_note`]) | c2sp.org/signed-note |
//! | [`checkpoint`] | [`Checkpoint`], [`sign_checkpoint`], [`open_checkpoint`] | c2sp.org/tlog-checkpoint |
//! | [`tiles`] | the tree as hash tiles: [`TiledFrontier`], [`root_from_tiles`], [`inclusion_proof_from_tiles`], [`consistency_proof_from_tiles`] | c2sp.org/tlog-tiles |
//! | [`bundle`] | [`InclusionBundle`], [`ConsistencyBundle`] (serde JSON) | — |
//!
//! ## The tree
//!
//! Each event's canonical bytes are a leaf; its leaf hash is
//! `SHA-256(0x00 || bytes)` and interior nodes are `SHA-256(0x01 || l || r)`,
//! so a leaf can never pass for a node. [`root`] computes the Merkle Tree
//! Hash of a slice of leaf hashes. [`Frontier`] keeps only the O(log n)
//! perfect-subtree roots of a growing tree, so a writer (or a verifier
//! replaying the whole log) can append leaves one at a time and read the
//! root at any size cheaply.
//!
//! ## Proofs
//!
//! Proof generation takes the leaf hashes of the tree being proved against:
//! to prove against an older tree of size `s`, pass `&leaves[..s]`. Each
//! proof costs at most `n` node hashes with no allocation beyond the result
//! (about 0.15 s per proof over a million leaves in a release build). Verification
//! follows RFC 9162's algorithms, first checking that the proof has exactly
//! the length the tree shape demands.
//!
//! ## Tiles
//!
//! A store does not keep all leaves at hand: it keeps the tree as C2SP
//! hash tiles of 256 hashes ([`tiles`]). [`TiledFrontier`] computes, as
//! leaves are appended, exactly which tiles change, and resumes from the
//! right-edge tiles alone; the `*_from_tiles` functions give the same
//! roots and proofs as the slice-based ones while reading a few tiles per
//! level of 256 (O(log n) hashes), through a [`TileReader`] the caller
//! supplies.
//!
//! ## Signed tree heads
//!
//! A [`Checkpoint`] (origin, size, root, optional extension lines) is signed
//! as a note:
//!
//! ```text
//! example.com/rollcall
//! 42
//! <base64 root>
//!
//! — example.com/rollcall <base64(key id || Ed25519 signature)>
//! ```
//!
//! Keys use the Go `sumdb/note` encodings (`PRIVATE+KEY+name+id+key` and
//! `name+id+key`), so the notes interoperate with Go's `note`/`tlog`
//! packages and with the Rust `signed_note` and `tlog_tiles` crates (the
//! integration tests check this). [`open_checkpoint`] ignores signature lines
//! from other keys, so witness cosignatures can be appended later.
//!
//! ## Example
//!
//! ```
//! use rollcall_ledger::*;
//!
//! let key = SigningKey::from_seed("example.com/rollcall", [42; 32]).unwrap();
//! let verifier = VerifierKey::parse(&key.verifier().to_string()).unwrap();
//!
//! let events: Vec<&[u8]> = vec![b"alpha", b"bravo", b"charlie"];
//! let leaves: Vec<Hash> = events.iter().map(|e| leaf_hash(e)).collect();
//!
//! // Sign the tree head at size 2, then at size 3.
//! let old = Checkpoint::new("example.com/rollcall", 2, root(&leaves[..2]));
//! let new = Checkpoint::new("example.com/rollcall", 3, Frontier::from_leaves(&leaves).root());
//! let (old_note, new_note) = (sign_checkpoint(&old, &key), sign_checkpoint(&new, &key));
//!
//! // Event 1 is in the size-3 tree.
//! let proof = inclusion_proof(&leaves, 1).unwrap();
//! let bundle = InclusionBundle::new(new_note.clone(), 1, events[1], &proof);
//! assert_eq!(bundle.verify(&verifier).unwrap(), new);
//!
//! // The size-3 tree extends the size-2 tree.
//! let proof = consistency_proof(&leaves, 2).unwrap();
//! let bundle = ConsistencyBundle::new(old_note, new_note, &proof);
//! assert_eq!(bundle.verify(&verifier).unwrap(), (old, new));
//! ```

pub mod bundle;
pub mod checkpoint;
pub mod hash;
pub mod key;
pub mod note;
pub mod proof;
pub mod tiles;
pub mod tree;

pub use bundle::{BundleError, ConsistencyBundle, InclusionBundle};
pub use checkpoint::{Checkpoint, CheckpointError, open_checkpoint, sign_checkpoint};
pub use hash::{
    Hash, HashDecodeError, empty_root, hash_from_base64, hash_to_base64, hash_to_hex, leaf_hash,
    node_hash,
};
pub use key::{KeyError, RawSignatureError, SigningKey, VerifierKey, sign_raw, verify_raw};
pub use note::{NoteError, open_note, sign_note};
pub use proof::{
    ProofError, consistency_proof, inclusion_proof, root_from_inclusion_proof, verify_consistency,
    verify_inclusion,
};
pub use tiles::{
    TILE_HEIGHT, TILE_WIDTH, Tile, TileCoord, TileError, TileReader, TiledFrontier,
    consistency_proof_from_tiles, edge_of, frontier_from_tiles, inclusion_proof_from_tiles,
    root_from_tiles, tile_path, tiles_of,
};
pub use tree::{Frontier, FrontierError, root};
