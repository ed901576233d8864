//! Ed25519 note keys in the Go `sumdb/note` text formats: a [`SigningKey`]
//! (`PRIVATE+KEY+<name>+<id>+<base64>`) and its public [`VerifierKey`]
//! (`<name>+<id>+<base64>`), with key IDs as c2sp.org/signed-note recommends.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::Signer as _;
use sha2::{Digest, Sha256};

/// Signature type byte for Ed25519 in c2sp.org/signed-note.
pub const ALG_ED25519: u8 = 0x01;

const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// Why a key could not be built or parsed. Messages never echo key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key name breaks the signed-note rules.
    #[error("invalid key name {0:?}: must be non-empty, without whitespace or '+'")]
    InvalidName(String),
    /// A private key string does not have the `PRIVATE+KEY+name+id+key` shape.
    #[error("malformed private key string: {0}")]
    MalformedPrivate(&'static str),
    /// A verifier key string does not have the `name+id+key` shape.
    #[error("malformed verifier key string: {0}")]
    MalformedVerifier(&'static str),
    /// The key uses a signature type other than Ed25519 (0x01).
    #[error("unsupported signature type 0x{0:02x}, only Ed25519 (0x01) is supported")]
    UnsupportedAlgorithm(u8),
    /// The key bytes have the wrong length for Ed25519.
    #[error("key is {0} bytes after the type byte, Ed25519 needs 32")]
    KeyLength(usize),
    /// The public key is not a valid Ed25519 point.
    #[error("public key is not a valid Ed25519 point")]
    InvalidPublicKey,
    /// The key ID in the string is not the one the key and name imply.
    #[error("key ID {stated} does not match the computed key ID {computed}")]
    KeyIdMismatch {
        /// Hex key ID found in the string.
        stated: String,
        /// Hex key ID computed from name and key.
        computed: String,
    },
}

/// Whether `name` may name a note key: non-empty, no Unicode whitespace, no
/// `+` (c2sp.org/signed-note).
#[must_use]
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace) && !name.contains('+')
}

fn check_name(name: &str) -> Result<(), KeyError> {
    if is_valid_key_name(name) {
        Ok(())
    } else {
        Err(KeyError::InvalidName(name.to_owned()))
    }
}

/// `SHA-256(name || 0x0A || 0x01 || pubkey)[..4]`.
fn compute_key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// Parses an 8-digit hex key ID.
fn parse_key_id(hex: &str) -> Option<[u8; 4]> {
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex, 16).ok().map(u32::to_be_bytes)
}

fn key_id_hex(id: [u8; 4]) -> String {
    format!("{:08x}", u32::from_be_bytes(id))
}

/// A named Ed25519 signing key for notes. `Debug` shows only the public
/// half; nothing prints the secret except [`SigningKey::to_private_string`].
#[derive(Clone)]
pub struct SigningKey {
    name: String,
    key: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// Builds the key from a 32-byte Ed25519 seed (the caller supplies the
    /// randomness; this crate has none).
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidName`] if the name breaks the signed-note rules.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, KeyError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key: ed25519_dalek::SigningKey::from_bytes(&seed),
        })
    }

    /// The secret key in Go `sumdb/note` form:
    /// `PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || seed)>`.
    /// Treat the result as a secret.
    #[must_use]
    pub fn to_private_string(&self) -> String {
        let mut raw = [0u8; 33];
        raw[0] = ALG_ED25519;
        raw[1..].copy_from_slice(self.key.as_bytes());
        let s = format!(
            "{PRIVATE_PREFIX}{}+{}+{}",
            self.name,
            key_id_hex(self.key_id()),
            BASE64.encode(raw)
        );
        raw.fill(0);
        s
    }

    /// Parses [`SigningKey::to_private_string`] output (and Go's
    /// `note.GenerateKey` Ed25519 keys), checking the key ID.
    ///
    /// # Errors
    ///
    /// A [`KeyError`] naming the part that is wrong.
    pub fn from_private_string(s: &str) -> Result<Self, KeyError> {
        let rest = s
            .strip_prefix(PRIVATE_PREFIX)
            .ok_or(KeyError::MalformedPrivate("missing PRIVATE+KEY+ prefix"))?;
        let (name, rest) = rest
            .split_once('+')
            .ok_or(KeyError::MalformedPrivate("missing key ID"))?;
        let (id_hex, key_b64) = rest
            .split_once('+')
            .ok_or(KeyError::MalformedPrivate("missing key"))?;
        check_name(name)?;
        let id =
            parse_key_id(id_hex).ok_or(KeyError::MalformedPrivate("key ID is not 8 hex digits"))?;
        let raw = BASE64
            .decode(key_b64)
            .map_err(|_| KeyError::MalformedPrivate("key is not base64"))?;
        let (&alg, seed) = raw
            .split_first()
            .ok_or(KeyError::MalformedPrivate("key is empty"))?;
        if alg != ALG_ED25519 {
            return Err(KeyError::UnsupportedAlgorithm(alg));
        }
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| KeyError::KeyLength(seed.len()))?;
        let key = Self::from_seed(name, seed)?;
        if key.key_id() != id {
            return Err(KeyError::KeyIdMismatch {
                stated: key_id_hex(id),
                computed: key_id_hex(key.key_id()),
            });
        }
        Ok(key)
    }

    /// The public half, for verifiers.
    #[must_use]
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id(),
            key: self.key.verifying_key(),
        }
    }

    /// The key name (appears on signature lines).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key ID.
    #[must_use]
    pub fn key_id(&self) -> [u8; 4] {
        compute_key_id(&self.name, self.key.verifying_key().as_bytes())
    }

    /// Raw Ed25519 signature over `msg` (deterministic, RFC 8032).
    #[must_use]
    pub fn sign_raw(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("name", &self.name)
            .field("key_id", &key_id_hex(self.key_id()))
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A named Ed25519 public key that checks note signatures. Its text form
/// (`Display`, [`VerifierKey::parse`]) is `<name>+<8 hex key id>+<base64(0x01 || pubkey)>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: [u8; 4],
    key: ed25519_dalek::VerifyingKey,
}

impl VerifierKey {
    /// Parses the text form, checking the name, algorithm, point and key ID.
    ///
    /// # Errors
    ///
    /// A [`KeyError`] naming the part that is wrong.
    pub fn parse(s: &str) -> Result<Self, KeyError> {
        let (name, rest) = s
            .split_once('+')
            .ok_or(KeyError::MalformedVerifier("missing key ID"))?;
        let (id_hex, key_b64) = rest
            .split_once('+')
            .ok_or(KeyError::MalformedVerifier("missing key"))?;
        check_name(name)?;
        let id = parse_key_id(id_hex)
            .ok_or(KeyError::MalformedVerifier("key ID is not 8 hex digits"))?;
        let raw = BASE64
            .decode(key_b64)
            .map_err(|_| KeyError::MalformedVerifier("key is not base64"))?;
        let (&alg, public) = raw
            .split_first()
            .ok_or(KeyError::MalformedVerifier("key is empty"))?;
        if alg != ALG_ED25519 {
            return Err(KeyError::UnsupportedAlgorithm(alg));
        }
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| KeyError::KeyLength(public.len()))?;
        let key = Self::from_public_key(name, public)?;
        if key.key_id != id {
            return Err(KeyError::KeyIdMismatch {
                stated: key_id_hex(id),
                computed: key_id_hex(key.key_id),
            });
        }
        Ok(key)
    }

    /// Builds a verifier from a name and raw 32-byte Ed25519 public key.
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidName`] or [`KeyError::InvalidPublicKey`].
    pub fn from_public_key(name: &str, public: [u8; 32]) -> Result<Self, KeyError> {
        check_name(name)?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&public)
            .map_err(|_| KeyError::InvalidPublicKey)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: compute_key_id(name, &public),
            key,
        })
    }

    /// The key name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key ID: `SHA-256(name || 0x0A || 0x01 || pubkey)[..4]`.
    #[must_use]
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The raw 32-byte Ed25519 public key.
    #[must_use]
    pub fn public_key(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    /// Checks a raw Ed25519 signature over `msg` (strict RFC 8032 checks:
    /// canonical encodings, no small-order keys).
    #[must_use]
    pub fn verify_raw(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        self.key
            .verify_strict(msg, &ed25519_dalek::Signature::from_bytes(&sig))
            .is_ok()
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = [0u8; 33];
        raw[0] = ALG_ED25519;
        raw[1..].copy_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            key_id_hex(self.key_id),
            BASE64.encode(raw)
        )
    }
}

impl FromStr for VerifierKey {
    type Err = KeyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Why a raw signature (as [`sign_raw`] writes it) does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RawSignatureError {
    /// Not standard base64 of 64 bytes.
    #[error("the signature is not base64 of a 64-byte Ed25519 signature")]
    Malformed,
    /// Well formed, but not by this key over this message.
    #[error("the signature is not {0}'s signature over this message")]
    Invalid(String),
}

/// Signs `msg` with `key`: standard base64 of the raw 64-byte Ed25519
/// signature. For statements that are not notes (a handover); callers
/// put a purpose line first so one statement cannot pass for another.
#[must_use]
pub fn sign_raw(msg: &[u8], key: &SigningKey) -> String {
    BASE64.encode(key.sign_raw(msg))
}

/// Checks a signature written by [`sign_raw`] (strict RFC 8032 checks).
///
/// # Errors
///
/// [`RawSignatureError`] naming what is wrong.
pub fn verify_raw(msg: &[u8], signature: &str, key: &VerifierKey) -> Result<(), RawSignatureError> {
    let raw = BASE64
        .decode(signature)
        .map_err(|_| RawSignatureError::Malformed)?;
    if raw.len() != 64 {
        return Err(RawSignatureError::Malformed);
    }
    if key.verify_raw(msg, &raw) {
        Ok(())
    } else {
        Err(RawSignatureError::Invalid(key.name().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: [u8; 32] = [7; 32];

    #[test]
    fn names_are_validated() {
        for bad in ["", "a b", "a+b", "tab\there", "nl\n", "nbsp\u{a0}x"] {
            assert!(
                matches!(
                    SigningKey::from_seed(bad, SEED),
                    Err(KeyError::InvalidName(_))
                ),
                "{bad:?}"
            );
        }
        assert!(SigningKey::from_seed("example.com/log", SEED).is_ok());
    }

    #[test]
    fn private_and_public_strings_round_trip() {
        let k = SigningKey::from_seed("example.com/log", SEED).unwrap();
        let s = k.to_private_string();
        assert!(s.starts_with("PRIVATE+KEY+example.com/log+"));
        let back = SigningKey::from_private_string(&s).unwrap();
        assert_eq!(back.verifier(), k.verifier());
        let v = k.verifier();
        assert_eq!(VerifierKey::parse(&v.to_string()).unwrap(), v);
        assert_eq!(v.to_string().parse::<VerifierKey>().unwrap(), v);
    }

    #[test]
    fn key_id_mismatch_is_detected() {
        let k = SigningKey::from_seed("a", SEED).unwrap();
        let v = k.verifier().to_string();
        let renamed = v.replacen('a', "b", 1);
        assert!(matches!(
            VerifierKey::parse(&renamed),
            Err(KeyError::KeyIdMismatch { .. })
        ));
        let p = k.to_private_string().replacen("+a+", "+b+", 1);
        assert!(matches!(
            SigningKey::from_private_string(&p),
            Err(KeyError::KeyIdMismatch { .. })
        ));
    }

    #[test]
    fn raw_signatures_verify_only_for_their_key_and_message() {
        let a = SigningKey::from_seed("officer-a", [7; 32]).unwrap();
        let b = SigningKey::from_seed("officer-b", [8; 32]).unwrap();
        let sig = sign_raw(b"statement", &a);
        assert_eq!(verify_raw(b"statement", &sig, &a.verifier()), Ok(()));
        assert!(matches!(
            verify_raw(b"statement!", &sig, &a.verifier()),
            Err(RawSignatureError::Invalid(_))
        ));
        assert!(matches!(
            verify_raw(b"statement", &sig, &b.verifier()),
            Err(RawSignatureError::Invalid(_))
        ));
        assert_eq!(
            verify_raw(b"statement", "not base64!", &a.verifier()),
            Err(RawSignatureError::Malformed)
        );
    }
}
