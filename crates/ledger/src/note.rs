//! Signed notes (c2sp.org/signed-note): a UTF-8 text ending in a newline, a
//! blank line, then one `— <key name> <base64(key id || signature)>` line per
//! signer. Only Ed25519 (type 0x01) keys are supported; signature lines from
//! other keys are parsed, then ignored.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::key::{SigningKey, VerifierKey};

/// Largest note accepted, in bytes (a checkpoint with a few cosignatures is
/// well under 1 KiB).
pub const MAX_NOTE_BYTES: usize = 1 << 20;
/// Most signature lines accepted (the spec asks for at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// The signature line prefix: EM DASH (U+2014) then a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a note could not be signed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The note exceeds [`MAX_NOTE_BYTES`].
    #[error("note is {0} bytes, larger than the {MAX_NOTE_BYTES}-byte limit")]
    TooLarge(usize),
    /// The note has an ASCII control character other than newline.
    #[error("note contains control character U+{0:04X}")]
    ControlCharacter(u32),
    /// The text to sign does not end with a newline.
    #[error("note text does not end with a newline")]
    TextWithoutNewline,
    /// No blank line separates the text from a signature block ending in a
    /// newline.
    #[error("note has no signature block (text, blank line, signature lines ending in newline)")]
    NoSignatureBlock,
    /// A signature line is malformed.
    #[error("signature line {line} is malformed: {reason}")]
    MalformedSignature {
        /// 1-based line number within the signature block.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// No signature line is from the expected key (name and key ID).
    #[error("note has no signature from key {name}+{key_id}")]
    NotSignedByKey {
        /// Expected key name.
        name: String,
        /// Expected key ID, hex.
        key_id: String,
    },
    /// A signature line from the expected key does not verify.
    #[error("signature from key {name}+{key_id} does not verify")]
    BadSignature {
        /// Key name.
        name: String,
        /// Key ID, hex.
        key_id: String,
    },
}

/// One parsed signature line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature<'a> {
    /// Key name on the line.
    pub name: &'a str,
    /// First four decoded bytes.
    pub key_id: [u8; 4],
    /// The remaining decoded bytes (64 for Ed25519).
    pub signature: Vec<u8>,
}

fn check_chars(s: &str) -> Result<(), NoteError> {
    match s.chars().find(|&c| c < ' ' && c != '\n') {
        Some(c) => Err(NoteError::ControlCharacter(c as u32)),
        None => Ok(()),
    }
}

/// One signature line, newline included.
fn signature_line(text: &str, key: &SigningKey) -> String {
    let mut raw = Vec::with_capacity(68);
    raw.extend_from_slice(&key.key_id());
    raw.extend_from_slice(&key.sign_raw(text.as_bytes()));
    format!("{SIG_PREFIX}{} {}\n", key.name(), BASE64.encode(raw))
}

/// Signs `text` without checking it (the caller guarantees a well-formed,
/// newline-terminated text).
pub(crate) fn sign_unchecked(text: &str, key: &SigningKey) -> String {
    let mut note = String::with_capacity(text.len() + 128);
    note.push_str(text);
    note.push('\n');
    note.push_str(&signature_line(text, key));
    note
}

/// Signs `text` with `key`, giving `text || "\n" || signature line`.
///
/// # Errors
///
/// [`NoteError`] if the text is too large, lacks its final newline or has
/// control characters.
pub fn sign_note(text: &str, key: &SigningKey) -> Result<String, NoteError> {
    if text.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge(text.len()));
    }
    check_chars(text)?;
    if !text.ends_with('\n') {
        return Err(NoteError::TextWithoutNewline);
    }
    Ok(sign_unchecked(text, key))
}

/// Splits a note into its text (final newline included) and its parsed
/// signature lines, checking only the format (no signature is verified).
///
/// # Errors
///
/// [`NoteError`] naming the first structural problem.
pub fn parse_note(note: &str) -> Result<(&str, Vec<NoteSignature<'_>>), NoteError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge(note.len()));
    }
    check_chars(note)?;
    // The text is separated from the signatures by the *last* blank line.
    let split = note.rfind("\n\n").ok_or(NoteError::NoSignatureBlock)?;
    let text = &note[..=split];
    let block = note[split + 2..]
        .strip_suffix('\n')
        .ok_or(NoteError::NoSignatureBlock)?;
    if block.is_empty() {
        return Err(NoteError::NoSignatureBlock);
    }
    let mut sigs = Vec::new();
    for (i, line) in block.split('\n').enumerate() {
        if i == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        sigs.push(parse_signature_line(i + 1, line)?);
    }
    Ok((text, sigs))
}

fn parse_signature_line(line_no: usize, line: &str) -> Result<NoteSignature<'_>, NoteError> {
    let bad = |reason| NoteError::MalformedSignature {
        line: line_no,
        reason,
    };
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or(bad("does not start with an em dash and a space"))?;
    let (name, b64) = rest
        .split_once(' ')
        .ok_or(bad("no space between key name and signature"))?;
    if !crate::key::is_valid_key_name(name) {
        return Err(bad("invalid key name"));
    }
    let raw = BASE64
        .decode(b64)
        .map_err(|_| bad("signature is not standard base64"))?;
    if BASE64.encode(&raw) != b64 {
        return Err(bad("signature is not canonical base64"));
    }
    if raw.len() < 5 {
        return Err(bad("signature is shorter than a key ID plus one byte"));
    }
    let (id, sig) = raw.split_at(4);
    Ok(NoteSignature {
        name,
        key_id: [id[0], id[1], id[2], id[3]],
        signature: sig.to_vec(),
    })
}

/// Parses a note and verifies it against `verifier`, returning the text.
///
/// Follows c2sp.org/signed-note: every line whose key name *and* key ID match
/// the verifier must verify; lines from other keys (witness cosignatures,
/// rotated keys) are ignored; at least one matching line is required. Any
/// malformed signature line rejects the whole note.
///
/// # Errors
///
/// [`NoteError`] naming what failed.
pub fn open_note<'a>(note: &'a str, verifier: &VerifierKey) -> Result<&'a str, NoteError> {
    let (text, sigs) = parse_note(note)?;
    let key_id_hex = || format!("{:08x}", u32::from_be_bytes(verifier.key_id()));
    let mut verified = false;
    for sig in sigs
        .iter()
        .filter(|s| s.name == verifier.name() && s.key_id == verifier.key_id())
    {
        if !verifier.verify_raw(text.as_bytes(), &sig.signature) {
            return Err(NoteError::BadSignature {
                name: verifier.name().to_owned(),
                key_id: key_id_hex(),
            });
        }
        verified = true;
    }
    if verified {
        Ok(text)
    } else {
        Err(NoteError::NotSignedByKey {
            name: verifier.name().to_owned(),
            key_id: key_id_hex(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, b: u8) -> SigningKey {
        SigningKey::from_seed(name, [b; 32]).unwrap()
    }

    #[test]
    fn sign_and_open() {
        let k = key("signer", 1);
        let note = sign_note("hello\nworld\n", &k).unwrap();
        assert!(note.starts_with("hello\nworld\n\n\u{2014} signer "));
        assert_eq!(open_note(&note, &k.verifier()), Ok("hello\nworld\n"));
    }

    #[test]
    fn text_may_contain_blank_lines() {
        let k = key("signer", 1);
        let note = sign_note("a\n\nb\n", &k).unwrap();
        assert_eq!(open_note(&note, &k.verifier()), Ok("a\n\nb\n"));
    }

    #[test]
    fn sign_rejects_bad_text() {
        let k = key("signer", 1);
        assert_eq!(
            sign_note("no newline", &k),
            Err(NoteError::TextWithoutNewline)
        );
        assert_eq!(
            sign_note("tab\there\n", &k),
            Err(NoteError::ControlCharacter(9))
        );
    }

    #[test]
    fn other_signers_are_ignored_but_required_key_must_sign() {
        let (a, b) = (key("a", 1), key("b", 2));
        let note = sign_note("t\n", &a).unwrap();
        let both = format!("{note}{}", signature_line("t\n", &b));
        assert_eq!(open_note(&both, &a.verifier()), Ok("t\n"));
        assert_eq!(open_note(&both, &b.verifier()), Ok("t\n"));
        assert!(matches!(
            open_note(&note, &b.verifier()),
            Err(NoteError::NotSignedByKey { .. })
        ));
    }

    #[test]
    fn same_name_and_id_with_wrong_key_fails() {
        // A line claiming key a's name and ID but carrying b's signature.
        let (a, b) = (key("a", 1), key("a", 2));
        let sig_b = parse_note(&sign_note("t\n", &b).unwrap()).unwrap().1[0]
            .signature
            .clone();
        let mut raw = a.key_id().to_vec();
        raw.extend_from_slice(&sig_b);
        let forged = format!("t\n\n{SIG_PREFIX}a {}\n", BASE64.encode(raw));
        assert!(matches!(
            open_note(&forged, &a.verifier()),
            Err(NoteError::BadSignature { .. })
        ));
    }

    #[test]
    fn structural_errors() {
        let k = key("k", 1);
        let v = k.verifier();
        let good = sign_note("t\n", &k).unwrap();
        assert_eq!(open_note("t\n", &v), Err(NoteError::NoSignatureBlock));
        assert_eq!(
            open_note(good.trim_end_matches('\n'), &v),
            Err(NoteError::NoSignatureBlock)
        );
        assert_eq!(open_note("t\n\n", &v), Err(NoteError::NoSignatureBlock));
        let hyphen = good.replace('\u{2014}', "-");
        assert!(matches!(
            open_note(&hyphen, &v),
            Err(NoteError::MalformedSignature { line: 1, .. })
        ));
        let mut many = good.clone();
        for _ in 0..MAX_SIGNATURES {
            many.push_str(&signature_line("t\n", &k));
        }
        assert_eq!(open_note(&many, &v), Err(NoteError::TooManySignatures));
    }
}
