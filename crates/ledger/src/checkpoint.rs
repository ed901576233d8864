//! Signed tree heads as c2sp.org/tlog-checkpoint notes: the [`Checkpoint`]
//! body (origin, tree size, base64 root, optional extension lines), and
//! [`sign_checkpoint`] / [`open_checkpoint`] to wrap it in a signed note.

use crate::hash::{Hash, HashDecodeError, hash_from_base64, hash_to_base64};
use crate::key::{SigningKey, VerifierKey};
use crate::note::{self, NoteError};

/// A tree head: which log (`origin`), how many leaves (`size`), and the
/// RFC 6962 root over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Unique identity of the log, e.g. `example.com/rollcall`. Non-empty.
    pub origin: String,
    /// Number of leaves in the tree.
    pub size: u64,
    /// `MTH` over the first `size` leaves.
    pub root: Hash,
    /// Opaque extension lines, each non-empty, without newlines. Usually
    /// empty.
    pub extensions: Vec<String>,
}

/// Why a checkpoint is malformed or its note did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The signed-note layer failed (format or signature).
    #[error("checkpoint note: {0}")]
    Note(#[from] NoteError),
    /// The body has fewer than the three mandatory lines.
    #[error("checkpoint body has {0} lines, needs at least origin, size and root")]
    TooFewLines(usize),
    /// The origin line is empty.
    #[error("checkpoint origin is empty")]
    EmptyOrigin,
    /// The origin contains a newline or other control character.
    #[error("checkpoint origin contains a control character")]
    OriginControlCharacter,
    /// The tree size line is not canonical decimal (digits only, no leading
    /// zeros, fits in u64).
    #[error("checkpoint size line is not a canonical decimal u64")]
    Size,
    /// The root line is not a canonical base64 32-byte hash.
    #[error("checkpoint root hash: {0}")]
    Root(#[source] HashDecodeError),
    /// An extension line is empty.
    #[error("checkpoint extension line {0} is empty")]
    EmptyExtension(usize),
    /// An extension line contains a newline or other control character.
    #[error("checkpoint extension line {0} contains a control character")]
    ExtensionControlCharacter(usize),
    /// The body does not end with a newline.
    #[error("checkpoint body does not end with a newline")]
    MissingFinalNewline,
}

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c < ' ')
}

fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    let canonical = !line.is_empty()
        && line.bytes().all(|b| b.is_ascii_digit())
        && (line == "0" || !line.starts_with('0'));
    if !canonical {
        return Err(CheckpointError::Size);
    }
    line.parse().map_err(|_| CheckpointError::Size)
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    #[must_use]
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Self {
            origin: origin.into(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text: `origin\nsize\nbase64(root)\n` then each extension line
    /// followed by `\n`.
    #[must_use]
    pub fn body(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            hash_to_base64(&self.root)
        );
        for ext in &self.extensions {
            s.push_str(ext);
            s.push('\n');
        }
        s
    }

    /// Checks that [`Checkpoint::body`] would be a well-formed checkpoint:
    /// non-empty origin, non-empty extension lines, no control characters.
    ///
    /// # Errors
    ///
    /// The [`CheckpointError`] naming the offending field.
    pub fn validate(&self) -> Result<(), CheckpointError> {
        if self.origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        if has_control(&self.origin) {
            return Err(CheckpointError::OriginControlCharacter);
        }
        for (i, ext) in self.extensions.iter().enumerate() {
            if ext.is_empty() {
                return Err(CheckpointError::EmptyExtension(i + 1));
            }
            if has_control(ext) {
                return Err(CheckpointError::ExtensionControlCharacter(i + 1));
            }
        }
        Ok(())
    }

    /// Parses a checkpoint body (the note text, without signatures).
    ///
    /// # Errors
    ///
    /// The [`CheckpointError`] naming the malformed line.
    pub fn parse_body(text: &str) -> Result<Self, CheckpointError> {
        let text = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingFinalNewline)?;
        let lines: Vec<&str> = text.split('\n').collect();
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(CheckpointError::TooFewLines(lines.len()));
        };
        let cp = Self {
            origin: (*origin).to_owned(),
            size: parse_size(size)?,
            root: hash_from_base64(root).map_err(CheckpointError::Root)?,
            extensions: extensions.iter().map(|&e| e.to_owned()).collect(),
        };
        cp.validate()?;
        Ok(cp)
    }
}

/// Signs a checkpoint, giving the full signed note:
/// `body || "\n" || "— <key name> <base64(key id || signature)>\n"`.
///
/// The checkpoint should pass [`Checkpoint::validate`]; a malformed one
/// (empty origin, newline inside a field) yields a note that
/// [`open_checkpoint`] refuses.
#[must_use]
pub fn sign_checkpoint(cp: &Checkpoint, key: &SigningKey) -> String {
    note::sign_unchecked(&cp.body(), key)
}

/// Opens a signed checkpoint note: checks the note structure, requires a
/// valid signature from `verifier` (other signers' lines, such as witness
/// cosignatures, are ignored), then parses the body strictly.
///
/// # Errors
///
/// [`CheckpointError::Note`] for note-level failures (format, missing or bad
/// signature), otherwise the variant naming the malformed body line.
pub fn open_checkpoint(note: &str, verifier: &VerifierKey) -> Result<Checkpoint, CheckpointError> {
    let text = note::open_note(note, verifier)?;
    Checkpoint::parse_body(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn body_format() {
        let mut cp = Checkpoint::new("example.com/log", 7, [0; 32]);
        assert_eq!(
            cp.body(),
            "example.com/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        );
        cp.extensions = vec!["ext one".into(), "two".into()];
        assert!(cp.body().ends_with("=\next one\ntwo\n"));
        assert_eq!(Checkpoint::parse_body(&cp.body()), Ok(cp));
    }

    #[test]
    fn parse_body_rejections() {
        let root = hash_to_base64(&leaf_hash(b"r"));
        let ok = format!("o\n1\n{root}\n");
        assert!(Checkpoint::parse_body(&ok).is_ok());
        for (text, want) in [
            (
                format!("o\n1\n{root}"),
                CheckpointError::MissingFinalNewline,
            ),
            ("o\n1\n".to_owned(), CheckpointError::TooFewLines(2)),
            (format!("\n1\n{root}\n"), CheckpointError::EmptyOrigin),
            (format!("o\n01\n{root}\n"), CheckpointError::Size),
            (format!("o\n+1\n{root}\n"), CheckpointError::Size),
            (format!("o\n 1\n{root}\n"), CheckpointError::Size),
            (format!("o\n\n{root}\n"), CheckpointError::Size),
            (
                format!("o\n18446744073709551616\n{root}\n"),
                CheckpointError::Size,
            ),
            (
                "o\n1\nAAAA\n".to_owned(),
                CheckpointError::Root(HashDecodeError::Length(3)),
            ),
            (
                format!("o\n1\n{root}\n\n"),
                CheckpointError::EmptyExtension(1),
            ),
        ] {
            assert_eq!(Checkpoint::parse_body(&text), Err(want), "{text:?}");
        }
        assert_eq!(
            Checkpoint::parse_body(&format!("o\n18446744073709551615\n{root}\n"))
                .unwrap()
                .size,
            u64::MAX
        );
        assert_eq!(
            Checkpoint::parse_body(&format!("o\n0\n{root}\n"))
                .unwrap()
                .size,
            0
        );
    }

    #[test]
    fn validate_rejects_newlines() {
        let mut cp = Checkpoint::new("a\nb", 0, [0; 32]);
        assert_eq!(cp.validate(), Err(CheckpointError::OriginControlCharacter));
        cp.origin = "a".into();
        cp.extensions = vec!["x\ny".into()];
        assert_eq!(
            cp.validate(),
            Err(CheckpointError::ExtensionControlCharacter(1))
        );
    }
}
