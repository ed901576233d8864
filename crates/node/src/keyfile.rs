//! The node's signing key on disk: created once by `init`, readable by its
//! owner only, never printed or logged. The public half is written beside it
//! (`node.pub`) for monitors and witnesses.

use crate::NodeError;
use rollcall_ledger::SigningKey;
use std::io::Write;
use std::path::Path;

/// File name of the private key inside the data directory.
pub const KEY_FILE: &str = "node.key";
/// File name of the public verifier key inside the data directory.
pub const PUB_FILE: &str = "node.pub";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> NodeError + '_ {
    move |source| NodeError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates a new key named `name` from the operating system's random source
/// and writes it with mode 0600. Refuses to overwrite an existing key.
pub fn create(dir: &Path, name: &str) -> Result<SigningKey, NodeError> {
    let key = create_at(&dir.join(KEY_FILE), name)?;
    write_pub(&dir.join(PUB_FILE), &key)?;
    Ok(key)
}

/// Writes the public verifier key of `key` to `path`.
pub fn write_pub(path: &Path, key: &SigningKey) -> Result<(), NodeError> {
    std::fs::write(path, format!("{}\n", key.verifier())).map_err(io(path))
}

/// Where the public half of the key file `key` goes: `FILE.pub`.
pub fn pub_path_of(key: &Path) -> std::path::PathBuf {
    let mut name = key.as_os_str().to_owned();
    name.push(".pub");
    std::path::PathBuf::from(name)
}

/// Creates a new key at `path` (mode 0600, never overwriting), e.g. an
/// officer's own key for signing handovers.
pub fn create_at(path: &Path, name: &str) -> Result<SigningKey, NodeError> {
    let path = path.to_path_buf();
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| NodeError::Key {
        path: path.clone(),
        reason: format!("no randomness from the operating system: {e}"),
    })?;
    let key = SigningKey::from_seed(name, seed).map_err(|e| NodeError::Key {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&path).map_err(io(&path))?;
    f.write_all(key.to_private_string().as_bytes())
        .and_then(|_| f.write_all(b"\n"))
        .and_then(|_| f.sync_all())
        .map_err(io(&path))?;
    Ok(key)
}

/// Reads a private key file (refusing one that others can read).
pub fn load_file(path: &Path) -> Result<SigningKey, NodeError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(io(path))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(NodeError::Key {
                path: path.to_path_buf(),
                reason: "is readable by others; run `chmod 600` on it".into(),
            });
        }
    }
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    SigningKey::from_private_string(text.trim()).map_err(|e| NodeError::Key {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Reads the node's key, refusing one that others can read.
pub fn load(dir: &Path) -> Result<SigningKey, NodeError> {
    load_file(&dir.join(KEY_FILE))
}
