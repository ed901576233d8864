//! What every backend checks and converts the same way, written once.
//!
//! A backend's own code only speaks its database; the rules of the
//! [`Store`](crate::Store) contract that need no database (a commit's seqs
//! are contiguous, a tile has 1 to 256 hashes, an event range lies within the
//! ledger...) and the checks of what a row read back may hold live here, so
//! the SQLite and PostgreSQL stores cannot drift apart.

use crate::{AccessRecord, Commit, Hash, StoreError, StoredEvent, StoredTile, TILE_WIDTH};
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, StoreError>;

/// Calls `try_lock` every 10 ms until it gives the write lock or `wait`
/// has passed ([`StoreError::WriterBusy`]): how every backend waits for
/// [`Store::writer_lock`](crate::Store::writer_lock).
pub fn wait_for_lock<T>(
    wait: Duration,
    mut try_lock: impl FnMut() -> Result<Option<T>>,
) -> Result<T> {
    let start = Instant::now();
    loop {
        if let Some(lock) = try_lock()? {
            return Ok(lock);
        }
        if start.elapsed() >= wait {
            return Err(StoreError::WriterBusy {
                waited_secs: start.elapsed().as_secs(),
            });
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// `value` as the signed 64-bit integer databases store, or
/// [`StoreError::TooLarge`] naming `what`.
pub fn to_i64(what: &'static str, value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::TooLarge { what, value })
}

/// Refuses what no store may hold in a commit, before a backend touches its
/// database: a malformed tile ([`check_tile`]), or events whose seqs are not
/// contiguous within the commit ([`StoreError::OutOfSequence`] naming the
/// first offending seq). Whether the first seq follows the stored ledger is
/// the backend's to check, under its write lock.
pub fn check_commit(commit: &Commit<'_>) -> Result<()> {
    for t in commit.tiles {
        check_tile(t)?;
    }
    if let Some(first) = commit.events.first() {
        for (i, e) in commit.events.iter().enumerate().skip(1) {
            let expected = first.seq.saturating_add(i as u64);
            if e.seq != expected {
                return Err(StoreError::OutOfSequence {
                    expected,
                    got: e.seq,
                });
            }
        }
    }
    Ok(())
}

/// Refuses a commit that does not follow a ledger of `size` events, read
/// under the backend's write lock: its first event must carry seq `size`
/// ([`StoreError::OutOfSequence`]), and its checkpoint may not name more
/// events than the ledger will hold ([`StoreError::CheckpointBeyondLedger`]).
pub fn check_follows(commit: &Commit<'_>, size: u64) -> Result<()> {
    if let Some(first) = commit.events.first()
        && first.seq != size
    {
        return Err(StoreError::OutOfSequence {
            expected: size,
            got: first.seq,
        });
    }
    let new_size = size + commit.events.len() as u64;
    if let Some(cp) = commit.checkpoint
        && cp.size > new_size
    {
        return Err(StoreError::CheckpointBeyondLedger {
            size: cp.size,
            ledger_size: new_size,
        });
    }
    Ok(())
}

/// Refuses a tile no store may hold: no hashes, more than a full tile, a
/// level beyond 63 ([`StoreError::BadTile`]), or an index beyond a signed
/// 64-bit column ([`StoreError::TooLarge`]).
pub fn check_tile(t: &StoredTile) -> Result<()> {
    if t.hashes.is_empty() || t.hashes.len() > TILE_WIDTH || t.level > 63 {
        return Err(StoreError::BadTile {
            level: t.level,
            index: t.index,
            width: t.hashes.len(),
        });
    }
    to_i64("tile index", t.index)?;
    Ok(())
}

/// A tile from its stored columns, checking their shape; anything else is
/// [`StoreError::Corrupt`] naming the tile.
pub fn tile_from_columns(level: i64, index: i64, width: i64, hashes: &[u8]) -> Result<StoredTile> {
    let at = || format!("tile {level}/{index}");
    let corrupt = |what: String| StoreError::Corrupt { what };
    let level = u8::try_from(level)
        .ok()
        .filter(|l| *l <= 63)
        .ok_or_else(|| corrupt(format!("{}: level out of range", at())))?;
    let index =
        u64::try_from(index).map_err(|_| corrupt(format!("{}: index is negative", at())))?;
    if width < 1 || width > TILE_WIDTH as i64 || hashes.len() as i64 != 32 * width {
        return Err(corrupt(format!(
            "{}: width {width} with {} bytes of hashes",
            at(),
            hashes.len()
        )));
    }
    let hashes = hashes
        .chunks_exact(32)
        .map(|c| {
            let mut h: Hash = [0; 32];
            h.copy_from_slice(c);
            h
        })
        .collect();
    Ok(StoredTile {
        level,
        index,
        hashes,
    })
}

/// [`StoreError::Corrupt`] unless the event read next carries the seq
/// expected there: a gap means rows were removed behind the store's back.
pub fn check_seq(expected: u64, got: u64) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(StoreError::Corrupt {
            what: format!("events: seq {expected} is missing (next stored seq is {got})"),
        })
    }
}

/// Where [`events_in_range`]'s `fetch` hands each event it reads.
pub type EventSink<'a> = &'a mut dyn FnMut(StoredEvent) -> Result<()>;

/// [`Store::events`](crate::Store::events) for any backend: checks that
/// `from <= to <= size` ([`StoreError::OutOfRange`] otherwise), calls
/// `fetch(from, to, push)` to read the events with `from <= seq < to` in seq
/// order, and checks that they are all there and contiguous
/// ([`StoreError::Corrupt`] naming the missing seq when the ledger claims to
/// be long enough). `size` reads the ledger's size, only when needed.
pub fn events_in_range(
    from: u64,
    to: u64,
    size: &dyn Fn() -> Result<u64>,
    fetch: &mut dyn FnMut(i64, i64, EventSink<'_>) -> Result<()>,
) -> Result<Vec<StoredEvent>> {
    let out_of_range = || -> Result<Vec<StoredEvent>> {
        Err(StoreError::OutOfRange {
            from,
            to,
            size: size()?,
        })
    };
    let (Ok(from_i), Ok(to_i)) = (i64::try_from(from), i64::try_from(to)) else {
        return out_of_range();
    };
    if from > to {
        return out_of_range();
    }
    if from == to {
        return if to <= size()? {
            Ok(Vec::new())
        } else {
            out_of_range()
        };
    }
    let mut out = Vec::with_capacity((to - from).min(1 << 16) as usize);
    fetch(from_i, to_i, &mut |e| {
        check_seq(from + out.len() as u64, e.seq)?;
        out.push(e);
        Ok(())
    })?;
    if out.len() as u64 != to - from {
        let size = size()?;
        if size >= to {
            // The ledger claims to be long enough, yet the tail of the range is missing.
            check_seq(from + out.len() as u64, size)?;
        }
        return out_of_range();
    }
    Ok(out)
}

/// Checks that `access` continues an access log whose next id is `next`,
/// without gaps ([`StoreError::OutOfSequence`] naming the first offending id).
pub fn check_access_ids(next: u64, access: &[AccessRecord]) -> Result<()> {
    for (i, rec) in access.iter().enumerate() {
        let expected = next.saturating_add(i as u64);
        if rec.id != expected {
            return Err(StoreError::OutOfSequence {
                expected,
                got: rec.id,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_tile_columns_are_checked_never_trusted() {
        let hashes = vec![7u8; 64];
        let t = tile_from_columns(1, 9, 2, &hashes).unwrap();
        assert_eq!((t.level, t.index, t.hashes), (1, 9, vec![[7; 32]; 2]));
        for (level, index, width, len, want) in [
            (64, 0, 1, 32, "tile 64/0: level out of range"),
            (-1, 0, 1, 32, "tile -1/0: level out of range"),
            (0, -2, 1, 32, "tile 0/-2: index is negative"),
            (0, 0, 0, 0, "tile 0/0: width 0 with 0 bytes"),
            (0, 0, 257, 257 * 32, "tile 0/0: width 257"),
            (0, 0, 2, 63, "tile 0/0: width 2 with 63 bytes"),
            (0, 0, i64::MAX, 32, "width 9223372036854775807"),
        ] {
            let e = tile_from_columns(level, index, width, &vec![0; len]).unwrap_err();
            assert!(e.to_string().contains(want), "{e} lacks {want}");
        }
    }

    #[test]
    fn access_ids_continue_the_log_without_gaps() {
        let rec = |id| AccessRecord {
            id,
            at: String::new(),
            user: String::new(),
            account: String::new(),
            role: String::new(),
            node: String::new(),
            action: String::new(),
            subject: String::new(),
            reason: String::new(),
            committed_by: 0,
            hash: [0; 32],
        };
        check_access_ids(4, &[rec(4), rec(5)]).unwrap();
        check_access_ids(4, &[]).unwrap();
        for (recs, expected, got) in [
            (vec![rec(5)], 4, 5),
            (vec![rec(3)], 4, 3),
            (vec![rec(4), rec(6)], 5, 6),
        ] {
            match check_access_ids(4, &recs) {
                Err(StoreError::OutOfSequence {
                    expected: e,
                    got: g,
                }) => {
                    assert_eq!((e, g), (expected, got))
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
