//! The hashes the node keeps beside the ledger: the access log's hash chain
//! and the keyed seal over the projections. SHA-256 throughout (the ledger's
//! hash); HMAC-SHA256 (RFC 2104) where a secret key is involved.

use rollcall_ledger::Hash;
use rollcall_store::AccessRecord;
use sha2::{Digest, Sha256};

/// Feeds length-prefixed parts, so no two different lists of parts hash alike.
fn feed(h: &mut Sha256, parts: &[&[u8]]) {
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
}

/// SHA-256 over length-prefixed parts, after a domain label.
pub(crate) fn hash(label: &str, parts: &[&[u8]]) -> Hash {
    let mut h = Sha256::new();
    feed(&mut h, &[label.as_bytes()]);
    feed(&mut h, parts);
    h.finalize().into()
}

/// An HMAC-SHA256 (RFC 2104) key with its padded blocks already hashed,
/// so each tag costs only the message's own compressions.
#[derive(Clone)]
pub(crate) struct HmacKey {
    inner: Sha256,
    outer: Sha256,
}

impl HmacKey {
    /// The key; 32 bytes, so it is padded, never hashed.
    pub(crate) fn new(key: &Hash) -> HmacKey {
        let mut ipad = [0x36u8; 64];
        let mut opad = [0x5cu8; 64];
        for (i, b) in key.iter().enumerate() {
            ipad[i] ^= b;
            opad[i] ^= b;
        }
        HmacKey {
            inner: Sha256::new().chain_update(ipad),
            outer: Sha256::new().chain_update(opad),
        }
    }

    /// HMAC of `msg` (what [`HmacKey::mac`] computes over its encoding).
    #[cfg(test)]
    pub(crate) fn hmac(&self, msg: &[u8]) -> Hash {
        let inner: Hash = self.inner.clone().chain_update(msg).finalize().into();
        self.outer.clone().chain_update(inner).finalize().into()
    }

    /// HMAC over length-prefixed parts.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> Hash {
        let mut inner = self.inner.clone();
        feed(&mut inner, parts);
        let inner: Hash = inner.finalize().into();
        self.outer.clone().chain_update(inner).finalize().into()
    }
}

/// The chain hash of access record `r` after the record hashed `prev`
/// (all zeros before the first). Covers every field but the hash itself.
pub(crate) fn access_link(prev: &Hash, r: &AccessRecord) -> Hash {
    hash(
        "rollcall access record v2",
        &[
            prev,
            &r.id.to_be_bytes(),
            r.at.as_bytes(),
            r.user.as_bytes(),
            r.account.as_bytes(),
            r.role.as_bytes(),
            r.node.as_bytes(),
            r.action.as_bytes(),
            r.subject.as_bytes(),
            r.reason.as_bytes(),
            &r.committed_by.to_be_bytes(),
        ],
    )
}

/// Hex form of a hash, as ledger events carry it.
pub(crate) fn hex(h: &Hash) -> String {
    rollcall_ledger::hash_to_hex(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_test_case_2() {
        // HMAC pads a short key with zeros to the block size, so "Jefe"
        // followed by 28 zero bytes is the same key as RFC 4231's "Jefe".
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        assert_eq!(
            hex(&HmacKey::new(&key).hmac(b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn mac_is_the_hmac_of_the_length_prefixed_parts() {
        let k = HmacKey::new(&[5; 32]);
        let mut msg = Vec::new();
        for p in [&b"ab"[..], b"c"] {
            msg.extend_from_slice(&(p.len() as u64).to_be_bytes());
            msg.extend_from_slice(p);
        }
        assert_eq!(k.mac(&[b"ab", b"c"]), k.hmac(&msg));
        assert_ne!(k.mac(&[b"a", b"bc"]), k.mac(&[b"ab", b"c"]));
    }

    #[test]
    fn links_differ_by_every_field() {
        let r = AccessRecord {
            id: 0,
            at: "t".into(),
            user: "u".into(),
            account: "uid 1".into(),
            role: "monitor".into(),
            node: "n".into(),
            action: "a".into(),
            subject: "s".into(),
            reason: "r".into(),
            committed_by: 3,
            hash: [0; 32],
        };
        let base = access_link(&[0; 32], &r);
        let mut other = r.clone();
        other.subject = "s2".into();
        assert_ne!(access_link(&[0; 32], &other), base);
        let mut other = r.clone();
        other.reason = "r2".into();
        assert_ne!(access_link(&[0; 32], &other), base);
        let mut other = r.clone();
        other.user = "u2".into();
        assert_ne!(access_link(&[0; 32], &other), base);
        assert_ne!(access_link(&[1; 32], &r), base);
    }
}
