//! `tiles export`: the ledger's Merkle tree as a static C2SP `tlog-tiles`
//! directory — the latest signed head as `checkpoint` and the hash tiles of
//! its tree under `tile/` — for transparency-log clients and witnesses to
//! fetch. Entry bundles (`tile/entries/…`) are left out: they would hold the
//! events, which name people.

use std::path::{Path, PathBuf};

use rollcall_ledger::{TILE_WIDTH, VerifierKey, tiles_of};
use rollcall_store::Store;

use crate::{NodeError, tile_failure, tile_reader};

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TilesExported {
    /// The tree size of the exported checkpoint.
    pub size: u64,
    /// Hash tiles written.
    pub tiles: u64,
    /// Of them, partial tiles (`N.p/W`) at the right edge.
    pub partial: u64,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> NodeError + '_ {
    move |source| NodeError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A directory readable by its owner only.
fn make_dir(path: &Path) -> Result<(), NodeError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).map_err(io(path))
}

/// A new file readable by its owner only; an existing one is never overwritten.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), NodeError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))
}

/// Refuses an `out` that is a file or a non-empty directory.
fn check_target(out: &Path) -> Result<(), NodeError> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(NodeError::Io {
                    path: out.to_path_buf(),
                    source: std::io::Error::other(
                        "is not empty; tiles are exported into a new or empty directory (nothing is overwritten)",
                    ),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(NodeError::Io {
            path: out.to_path_buf(),
            source: e,
        }),
    }
}

/// Writes the latest signed head of the ledger in `data` and the hash tiles
/// of its tree into `out` (new, or an empty directory), in the C2SP static
/// layout: `out/checkpoint` (the signed note, as `rollcall head` prints
/// it) and `out/tile/L/N[.p/W]`. The tiles are checked as they are
/// written: their root must be the one the head signs, and each full tile
/// must hash to its entry in the level above. The directory is built beside `out` and
/// renamed into place, so a failure leaves nothing behind; files and
/// directories are readable by their owner only. Reads the store alone
/// (not the projections), so it needs no signing key.
pub fn export_tiles(data: &crate::Location, out: &Path) -> Result<TilesExported, NodeError> {
    let store = data.open_store()?;
    check_target(out)?;
    let verifier = store
        .meta_get("verifier")?
        .ok_or_else(|| NodeError::Corrupt("setting `verifier` is missing".into()))?;
    let verifier = VerifierKey::parse(&verifier)
        .map_err(|e| NodeError::Corrupt(format!("stored verifier key: {e}")))?;

    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = out
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tiles".into());
    make_dir(&parent)?;
    let staging = parent.join(format!(".{base}.export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    make_dir(&staging)?;

    let read = || -> Result<_, NodeError> {
        let snapshot = rollcall_store::Snapshot::of(&*store)?;
        let r = write_tiles(&snapshot, &verifier, &staging)?;
        snapshot.finish()?;
        Ok(r)
    };
    let done = read().and_then(|r| {
        if out.exists() {
            // An empty directory made by the user: replace it.
            std::fs::remove_dir(out).map_err(io(out))?;
        }
        std::fs::rename(&staging, out).map_err(io(out))?;
        Ok(r)
    });
    if done.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    done
}

/// Inside one read snapshot: the latest head and the tiles of its tree.
fn write_tiles(
    snapshot: &rollcall_store::Snapshot<'_>,
    verifier: &VerifierKey,
    dir: &Path,
) -> Result<TilesExported, NodeError> {
    let store: &dyn Store = &**snapshot;
    let head = store
        .latest_checkpoint()?
        .ok_or_else(|| NodeError::NotFound("the ledger is empty: no signed head yet".into()))?;
    let cp = rollcall_ledger::open_checkpoint(&head.note, verifier)
        .map_err(|e| NodeError::Corrupt(format!("signed head at size {}: {e}", head.size)))?;
    let root =
        rollcall_ledger::root_from_tiles(cp.size, &tile_reader(store)).map_err(tile_failure)?;
    if root != cp.root {
        return Err(NodeError::Tiles(format!(
            "do not give the root signed at size {}: they were changed; `rollcall verify` names the tile",
            cp.size
        )));
    }
    write_new(&dir.join("checkpoint"), head.note.as_bytes())?;
    let mut written = TilesExported {
        size: cp.size,
        tiles: 0,
        partial: 0,
    };
    // Each hash at level L > 0 must be the root of its full tile at level
    // L - 1: with the root checked above, every tile is then the signed tree's.
    let mut below: Vec<rollcall_ledger::Hash> = Vec::new();
    let mut this_level: Vec<rollcall_ledger::Hash> = Vec::new();
    let mut level = 0;
    for c in tiles_of(cp.size) {
        if c.level != level {
            below = std::mem::take(&mut this_level);
            level = c.level;
        }
        let stored = store.tile(c.level, c.index)?;
        let hashes = match &stored {
            Some(t) if t.width() >= c.width as usize => &t.hashes[..c.width as usize],
            _ => {
                return Err(NodeError::Tiles(format!(
                    "lack tile {}/{} ({} hashes) of the tree at size {}; run `rollcall rebuild`",
                    c.level, c.index, c.width, cp.size
                )));
            }
        };
        if c.level > 0 {
            let first = c.index * u64::from(TILE_WIDTH);
            for (i, h) in hashes.iter().enumerate() {
                let j = first + i as u64;
                if below.get(j as usize) != Some(h) {
                    return Err(NodeError::Tiles(format!(
                        "do not agree: tile {}/{j} does not hash to its entry in tile {}/{}; \
                         `rollcall verify` names the tile",
                        c.level - 1,
                        c.level,
                        c.index
                    )));
                }
            }
        }
        if c.is_full() {
            this_level.push(rollcall_ledger::root(hashes));
        }
        let file = dir.join(c.path());
        if let Some(p) = file.parent() {
            make_dir(p)?;
        }
        write_new(&file, &hashes.concat())?;
        written.tiles += 1;
        if c.width < TILE_WIDTH {
            written.partial += 1;
        }
    }
    Ok(written)
}
