//! RFC 6962 §2.1 hashing: domain-separated leaf and interior-node hashes, the
//! empty-tree root, and base64/hex helpers for the 32-byte [`Hash`](type@Hash) type.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Prefix byte for leaf hashes (RFC 6962 §2.1).
const LEAF_PREFIX: u8 = 0x00;
/// Prefix byte for interior node hashes (RFC 6962 §2.1).
const NODE_PREFIX: u8 = 0x01;

/// Hash of one leaf: `SHA-256(0x00 || data)` (RFC 6962 §2.1).
#[must_use]
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(data);
    h.finalize().into()
}

/// Hash of an interior node: `SHA-256(0x01 || left || right)` (RFC 6962 §2.1).
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Root of the empty tree: `SHA-256("")` (RFC 6962 §2.1, `MTH({})`).
#[must_use]
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Standard (RFC 4648 §4, padded) base64 of a hash, as used in checkpoints
/// and proof bundles.
#[must_use]
pub fn hash_to_base64(hash: &Hash) -> String {
    BASE64.encode(hash)
}

/// Lower-case hex of a hash, for logs and human-facing output.
#[must_use]
pub fn hash_to_hex(hash: &Hash) -> String {
    use std::fmt::Write as _;
    hash.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Why a base64 string is not a hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashDecodeError {
    /// The text is not canonical standard base64.
    #[error("hash is not canonical standard base64")]
    Base64,
    /// The text decodes, but not to 32 bytes.
    #[error("hash decodes to {0} bytes, expected 32")]
    Length(usize),
}

/// Decodes a standard-base64 hash, insisting on the canonical encoding (so
/// every hash has exactly one textual form) and on exactly 32 bytes.
///
/// # Errors
///
/// [`HashDecodeError`] if the text is not canonical base64 or not 32 bytes.
pub fn hash_from_base64(text: &str) -> Result<Hash, HashDecodeError> {
    let bytes = BASE64.decode(text).map_err(|_| HashDecodeError::Base64)?;
    let hash: Hash = bytes
        .as_slice()
        .try_into()
        .map_err(|_| HashDecodeError::Length(bytes.len()))?;
    // The decoder already rejects non-zero trailing bits and missing padding;
    // re-encoding also pins down anything else a lenient decoder might admit.
    if BASE64.encode(hash) != text {
        return Err(HashDecodeError::Base64);
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            hash_to_hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn leaf_and_node_are_domain_separated() {
        let a = leaf_hash(b"a");
        let b = leaf_hash(b"b");
        let mut concat = Vec::new();
        concat.extend_from_slice(&a);
        concat.extend_from_slice(&b);
        assert_ne!(node_hash(&a, &b), leaf_hash(&concat));
        assert_ne!(node_hash(&a, &b), node_hash(&b, &a));
    }

    #[test]
    fn base64_round_trip_and_rejections() {
        let h = leaf_hash(b"x");
        assert_eq!(hash_from_base64(&hash_to_base64(&h)), Ok(h));
        assert_eq!(hash_from_base64("AAAA"), Err(HashDecodeError::Length(3)));
        assert_eq!(
            hash_from_base64("not base64!"),
            Err(HashDecodeError::Base64)
        );
        // Unpadded form of a valid hash is not canonical.
        let unpadded = hash_to_base64(&h).trim_end_matches('=').to_owned();
        assert_eq!(hash_from_base64(&unpadded), Err(HashDecodeError::Base64));
    }
}
