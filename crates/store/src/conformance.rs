//! The behavioural test suite every [`Store`] backend must pass.
//!
//! Each function takes a [`Harness`] that creates fresh, isolated databases of
//! one backend, runs one scenario and panics on the first deviation. A backend
//! crate runs them all, one `#[test]` each, with
//! [`conformance_tests!`](crate::conformance_tests):
//!
//! ```ignore
//! rollcall_store::conformance_tests!(MyHarness::new());
//! ```
//!
//! The suite only uses the [`Store`] trait, so it pins down the contract rather
//! than one implementation: string orderings are by bytes, ranges are strict,
//! failed commits leave no trace, and a backup is a consistent snapshot.

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::{
    AccessRecord, Commit, Hash, IndexChange, IndexEntry, ProjectionChange, ProjectionRow, Rebuilt,
    Snapshot, Store, StoreError, StoredCheckpoint, StoredEvent, StoredTile,
};

/// Creates and reopens databases of one backend for the suite.
pub trait Harness {
    /// The backend under test.
    type Store: Store + Send;
    /// Where a database lives (a file path, a connection string + schema...).
    type Location: Clone + Debug;

    /// A new, empty database no other test sees, and an open handle to it.
    fn create(&self) -> (Self::Store, Self::Location);
    /// Another, independent handle (its own connection) on an existing database.
    fn open(&self, at: &Self::Location) -> Self::Store;
    /// What [`Store::backup_to`] writes, opened (`rollcall_store_sqlite::SqliteStore` for
    /// every backend today).
    type Backup: Store;
    /// A path that does not exist yet, for [`Store::backup_to`].
    fn backup_path(&self) -> PathBuf;
    /// Opens a snapshot written by [`Store::backup_to`].
    fn open_backup(&self, path: &Path) -> Self::Backup;
}

/// Generates one `#[test]` per conformance scenario, each on a fresh harness
/// built by the given expression.
#[macro_export]
macro_rules! conformance_tests {
    ($harness:expr) => {
        $crate::conformance_tests!(@each $harness;
            empty_store_reads_empty,
            append_and_read_round_trip,
            events_range_is_strict,
            for_each_event_streams_in_order_and_stops_on_error,
            out_of_sequence_is_rejected_and_writes_nothing,
            duplicate_seq_in_batch_writes_nothing,
            failure_late_in_a_commit_rolls_back_all_of_it,
            checkpoint_beyond_ledger_is_rejected,
            empty_commit_is_a_no_op,
            projection_upsert_and_delete,
            projection_orders_by_bytes,
            replace_projection_replaces_all_rows_only,
            checkpoints_ordered_latest_and_exact,
            access_log_is_append_only,
            access_batch_is_kept_in_order,
            rebuild_projection_is_one_transaction,
            a_snapshot_sees_one_state,
            meta_set_get_overwrite,
            durable_across_drop_and_reopen,
            second_handle_sees_writes_and_cannot_fork,
            backup_while_appending_is_consistent_snapshot,
            backup_refuses_existing_path,
            tiles_round_trip_and_grow,
            tiles_never_rewritten_and_refusal_writes_nothing,
            malformed_tiles_are_refused,
            rebuild_adds_tiles,
            projection_buckets_reads_whole_buckets_in_order,
            upsert_moves_a_row_between_buckets,
            index_changes_apply_in_order_and_repeat_harmlessly,
            index_pages_by_sort_then_key_by_bytes,
            index_entries_stream_in_order_across_pages_and_stop_on_error,
            replace_and_rebuild_replace_the_whole_index,
            a_tile_given_twice_in_a_commit_is_stored_in_turn,
            the_writer_lock_is_held_by_one_handle_at_a_time,
        );
    };
    (@each $harness:expr; $($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::conformance::$name(&$harness);
            }
        )+
    };
}

// ---------------------------------------------------------------- helpers --

/// A deterministic event: varied lengths (including empty) and binary content.
pub fn event(seq: u64) -> StoredEvent {
    let len = (seq % 7) as usize * 13 + (seq % 3) as usize;
    let bytes = (0..len)
        .map(|i| (seq as usize).wrapping_mul(31).wrapping_add(i) as u8)
        .collect();
    StoredEvent {
        seq,
        bytes,
        leaf_hash: leaf(seq),
    }
}

/// A deterministic stand-in for a leaf hash (the store does not check it).
pub fn leaf(seq: u64) -> Hash {
    let mut h = [0u8; 32];
    for (i, b) in h.iter_mut().enumerate() {
        *b = (seq.rotate_left(i as u32 * 3) as u8) ^ (i as u8).wrapping_mul(0x9d);
    }
    h
}

/// Events `from..to`.
pub fn events(from: u64, to: u64) -> Vec<StoredEvent> {
    (from..to).map(event).collect()
}

fn cp(size: u64) -> StoredCheckpoint {
    StoredCheckpoint {
        size,
        note: format!("rollcall.test/log\n{size}\nroot-{size}=\n\n— test sig{size}\n"),
    }
}

/// The suite's stand-in for the caller's bucket of `(table, key)`: any
/// deterministic spread will do (the store never computes buckets).
fn bucket_of(table: &str, key: &str) -> u32 {
    table
        .bytes()
        .chain([0])
        .chain(key.bytes())
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 13
}

/// A row in the bucket [`bucket_of`] gives it.
fn row(table: &str, key: &str, value: &str) -> ProjectionRow {
    row_in(bucket_of(table, key), table, key, value)
}

/// A row in `bucket`.
fn row_in(bucket: u32, table: &str, key: &str, value: &str) -> ProjectionRow {
    ProjectionRow {
        table: table.into(),
        key: key.into(),
        value: value.into(),
        bucket,
    }
}

fn upsert(table: &str, key: &str, value: &str) -> ProjectionChange {
    ProjectionChange::Upsert(row(table, key, value))
}

fn delete(table: &str, key: &str) -> ProjectionChange {
    ProjectionChange::Delete {
        table: table.into(),
        key: key.into(),
    }
}

fn entry(index: &str, term: &str, sort: &str, key: &str) -> IndexEntry {
    IndexEntry {
        index: index.into(),
        term: term.into(),
        sort: sort.into(),
        key: key.into(),
    }
}

fn insert(index: &str, term: &str, sort: &str, key: &str) -> IndexChange {
    IndexChange::Insert(entry(index, term, sort, key))
}

fn remove(index: &str, term: &str, sort: &str, key: &str) -> IndexChange {
    IndexChange::Delete(entry(index, term, sort, key))
}

/// Every index entry, in `(index, term, sort, key)` order.
fn all_index<S: Store>(s: &S) -> Vec<IndexEntry> {
    let mut out = Vec::new();
    s.for_each_index_entry(&mut |e| {
        out.push(e);
        Ok(())
    })
    .expect("for_each_index_entry");
    out
}

/// Every entry of `(index, term)`, read a page of `limit` at a time.
fn paged<S: Store>(s: &S, index: &str, term: &str, limit: usize) -> Vec<IndexEntry> {
    let mut out: Vec<IndexEntry> = Vec::new();
    loop {
        let after = out.last().map(|e| (e.sort.clone(), e.key.clone()));
        let page = s
            .index_page(
                index,
                term,
                after.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
                limit,
            )
            .expect("index_page");
        assert!(page.len() <= limit, "a page longer than its limit");
        let done = page.len() < limit;
        out.extend(page);
        if done {
            return out;
        }
    }
}

fn access(id: u64, i: u32) -> AccessRecord {
    AccessRecord {
        id,
        at: format!("2026-01-0{}T10:00:00Z", i % 9 + 1),
        user: format!("user{i}"),
        account: format!("uid {i}"),
        role: "monitor".into(),
        node: "node-a".into(),
        action: if i.is_multiple_of(2) {
            "read"
        } else {
            "export"
        }
        .into(),
        subject: format!("person/{i}"),
        reason: if i.is_multiple_of(3) {
            String::new()
        } else {
            format!("case file {i}: hearing on Monday")
        },
        committed_by: id,
        hash: [i as u8; 32],
    }
}

/// Appends `recs` to the access log with nothing else.
fn append_access<S: Store>(s: &mut S, recs: &[AccessRecord]) -> Result<(), StoreError> {
    s.append(&Commit {
        access: recs,
        ..Commit::default()
    })
}

fn append_events<S: Store>(s: &mut S, evs: &[StoredEvent], checkpoint: Option<&StoredCheckpoint>) {
    s.append(&Commit {
        events: evs,
        projection: &[],
        checkpoint,
        ..Commit::default()
    })
    .expect("append");
}

/// Everything readable through the trait, for before/after comparisons.
#[derive(Debug, PartialEq, Eq)]
struct State {
    size: u64,
    events: Vec<StoredEvent>,
    tiles: Vec<StoredTile>,
    checkpoints: Vec<StoredCheckpoint>,
    latest: Option<StoredCheckpoint>,
    projection: Vec<ProjectionRow>,
    index: Vec<IndexEntry>,
    access: Vec<AccessRecord>,
    meta: Vec<(String, String)>,
}

fn state<S: Store>(s: &S) -> State {
    let size = s.size().expect("size");
    State {
        size,
        events: s.events(0, size).expect("events"),
        tiles: all_tiles(s),
        checkpoints: s.checkpoints().expect("checkpoints"),
        latest: s.latest_checkpoint().expect("latest_checkpoint"),
        projection: s.projection_all().expect("projection_all"),
        index: all_index(s),
        access: s.access_log().expect("access_log"),
        meta: s.meta_all().expect("meta_all"),
    }
}

/// Every stored tile, in (level, index) order.
fn all_tiles<S: Store>(s: &S) -> Vec<StoredTile> {
    let mut out = Vec::new();
    s.for_each_tile(&mut |t| {
        out.push(t);
        Ok(())
    })
    .expect("for_each_tile");
    out
}

/// A tile of `width` deterministic hashes; `salt` varies their contents.
fn tile(level: u8, index: u64, width: usize, salt: u8) -> StoredTile {
    StoredTile {
        level,
        index,
        hashes: (0..width)
            .map(|i| {
                let mut h = leaf(i as u64 + u64::from(level) * 1000 + index * 7);
                h[0] ^= salt;
                h
            })
            .collect(),
    }
}

/// A store with 5 events, checkpoints at 3 and 5, two projection rows, two
/// index entries, one access record.
fn populated<H: Harness>(h: &H) -> (H::Store, H::Location) {
    let (mut s, at) = h.create();
    s.append(&Commit {
        events: &events(0, 3),
        projection: &[upsert("people", "p1", "v1"), upsert("places", "x", "1")],
        index: &[
            insert("people_at", "x", "Name One", "p1"),
            insert("places", "all", "x", "x"),
        ],
        checkpoint: Some(&cp(3)),
        ..Commit::default()
    })
    .expect("append 0..3");
    append_events(&mut s, &events(3, 5), Some(&cp(5)));
    append_access(&mut s, &[access(0, 1)]).expect("append access");
    s.meta_set("origin", "rollcall/conformance")
        .expect("meta_set");
    (s, at)
}

fn assert_out_of_sequence(r: Result<(), StoreError>, want_expected: u64, want_got: u64) {
    match r {
        Err(StoreError::OutOfSequence { expected, got }) => {
            assert_eq!(
                (expected, got),
                (want_expected, want_got),
                "OutOfSequence fields"
            );
        }
        other => panic!(
            "expected OutOfSequence {{ expected: {want_expected}, got: {want_got} }}, got {other:?}"
        ),
    }
}

// -------------------------------------------------------------- scenarios --

/// A new store reads as empty everywhere.
pub fn empty_store_reads_empty<H: Harness>(h: &H) {
    let (s, _) = h.create();
    assert_eq!(s.size().unwrap(), 0);
    assert_eq!(s.events(0, 0).unwrap(), vec![]);
    assert_eq!(s.event(0).unwrap(), None);
    assert!(all_tiles(&s).is_empty());
    assert_eq!(s.tile(0, 0).unwrap(), None);
    assert!(s.checkpoints().unwrap().is_empty());
    assert_eq!(s.latest_checkpoint().unwrap(), None);
    assert_eq!(s.checkpoint_at(0).unwrap(), None);
    assert!(s.projection_all().unwrap().is_empty());
    assert!(s.projection_table("people").unwrap().is_empty());
    assert_eq!(s.projection_get("people", "p1").unwrap(), None);
    assert!(s.access_log().unwrap().is_empty());
    assert_eq!(s.meta_get("origin").unwrap(), None);
}

/// Events come back byte for byte, by range, by seq, streamed and as leaves.
pub fn append_and_read_round_trip<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    let mut all = events(0, 40);
    // An empty event, a large one, and one of every byte value.
    all[7].bytes = Vec::new();
    all[8].bytes = vec![0xAB; 256 * 1024];
    all[9].bytes = (0..=255u8).collect();
    for chunk in [0..1, 1..10, 10..11, 11..40] {
        append_events(&mut s, &all[chunk], None);
    }
    assert_eq!(s.size().unwrap(), 40);
    assert_eq!(s.events(0, 40).unwrap(), all);
    assert_eq!(s.events(5, 12).unwrap(), all[5..12]);
    assert_eq!(s.events(40, 40).unwrap(), vec![]);
    for e in &all {
        assert_eq!(
            s.event(e.seq).unwrap().as_ref(),
            Some(e),
            "event({})",
            e.seq
        );
    }
    assert_eq!(s.event(40).unwrap(), None);
    assert_eq!(s.event(u64::MAX).unwrap(), None);
    let mut streamed = Vec::new();
    s.for_each_event(&mut |e| {
        streamed.push(e);
        Ok(())
    })
    .unwrap();
    assert_eq!(streamed, all);
}

/// `events(from, to)` needs `from <= to <= size`.
pub fn events_range_is_strict<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    append_events(&mut s, &events(0, 5), None);
    for (from, to) in [
        (0, 6),
        (4, 3),
        (5, 6),
        (6, 6),
        (0, u64::MAX),
        (u64::MAX, u64::MAX),
    ] {
        match s.events(from, to) {
            Err(StoreError::OutOfRange {
                from: f,
                to: t,
                size,
            }) => assert_eq!((f, t, size), (from, to, 5)),
            other => panic!("events({from}, {to}) on 5 events: expected OutOfRange, got {other:?}"),
        }
    }
    assert_eq!(s.events(5, 5).unwrap(), vec![]);
}

/// `for_each_event` visits in seq order and stops at the closure's first error.
pub fn for_each_event_streams_in_order_and_stops_on_error<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    append_events(&mut s, &events(0, 10), None);
    let mut seen = Vec::new();
    let r = s.for_each_event(&mut |e| {
        seen.push(e.seq);
        if e.seq == 3 {
            Err(StoreError::Callback("enough".into()))
        } else {
            Ok(())
        }
    });
    assert!(matches!(r, Err(StoreError::Callback(_))), "got {r:?}");
    assert_eq!(seen, vec![0, 1, 2, 3]);
}

/// A first seq other than `size()` is refused, naming both, and writes nothing
/// (not the events, the projection changes nor the checkpoint).
pub fn out_of_sequence_is_rejected_and_writes_nothing<H: Harness>(h: &H) {
    let (mut fresh, _) = h.create();
    assert_out_of_sequence(
        fresh.append(&Commit {
            events: &events(1, 2),
            ..Commit::default()
        }),
        0,
        1,
    );
    assert_eq!(fresh.size().unwrap(), 0);

    let (mut s, _) = populated(h);
    let before = state(&s);
    let projection = [upsert("people", "p9", "new"), delete("people", "p1")];
    for (evs, expected, got) in [
        (events(6, 8), 5, 6),                       // gap
        (events(4, 6), 5, 4),                       // overlap
        (events(0, 1), 5, 0),                       // replay from the start
        (vec![event(5), event(6), event(8)], 7, 8), // gap inside the batch
        (vec![event(5), event(7), event(6)], 6, 7), // unordered batch
    ] {
        let r = s.append(&Commit {
            events: &evs,
            projection: &projection,
            index: &[
                insert("people_at", "x", "Name Nine", "p9"),
                remove("people_at", "x", "Name One", "p1"),
            ],
            checkpoint: Some(&cp(5 + evs.len() as u64)),
            ..Commit::default()
        });
        assert_out_of_sequence(r, expected, got);
        assert_eq!(state(&s), before, "a refused commit changed the store");
    }
}

/// A batch repeating a seq fails as a whole: size, checkpoints and projection stay as they were.
pub fn duplicate_seq_in_batch_writes_nothing<H: Harness>(h: &H) {
    let (mut s, _) = populated(h);
    let before = state(&s);
    let evs = [event(5), event(6), event(6), event(7)];
    let r = s.append(&Commit {
        events: &evs,
        projection: &[upsert("people", "p2", "v2"), delete("places", "x")],
        index: &[remove("places", "all", "x", "x")],
        checkpoint: Some(&cp(8)),
        ..Commit::default()
    });
    assert_out_of_sequence(r, 7, 6);
    assert_eq!(state(&s), before);
}

/// A commit refused at its last part (a checkpoint that already exists) leaves
/// no trace of its events or projection changes.
pub fn failure_late_in_a_commit_rolls_back_all_of_it<H: Harness>(h: &H) {
    let (mut s, _) = populated(h);
    let before = state(&s);
    let projection = [
        upsert("people", "p1", "changed"),
        upsert("people", "p2", "v2"),
        delete("places", "x"),
    ];
    let index = [
        insert("people_at", "x", "Name Two", "p2"),
        remove("places", "all", "x", "x"),
    ];
    let r = s.append(&Commit {
        events: &events(5, 9),
        projection: &projection,
        index: &index,
        checkpoint: Some(&StoredCheckpoint {
            size: 5,
            note: "a different note for an existing size".into(),
        }),
        ..Commit::default()
    });
    match r {
        Err(StoreError::CheckpointExists { size: 5 }) => {}
        other => panic!("expected CheckpointExists {{ size: 5 }}, got {other:?}"),
    }
    assert_eq!(state(&s), before, "a failed commit left a trace");

    // The same commit with a fresh checkpoint goes through whole.
    s.append(&Commit {
        events: &events(5, 9),
        projection: &projection,
        index: &index,
        checkpoint: Some(&cp(9)),
        ..Commit::default()
    })
    .expect("append");
    assert_eq!(
        all_index(&s),
        [
            entry("people_at", "x", "Name One", "p1"),
            entry("people_at", "x", "Name Two", "p2"),
        ]
    );
    assert_eq!(s.size().unwrap(), 9);
    assert_eq!(
        s.projection_get("people", "p1").unwrap().as_deref(),
        Some("changed")
    );
    assert_eq!(
        s.projection_get("people", "p2").unwrap().as_deref(),
        Some("v2")
    );
    assert_eq!(s.projection_get("places", "x").unwrap(), None);
    assert_eq!(s.latest_checkpoint().unwrap(), Some(cp(9)));
    assert_eq!(
        s.checkpoint_at(5).unwrap(),
        Some(cp(5)),
        "existing checkpoint unchanged"
    );
}

/// A checkpoint may not claim more events than the ledger holds after the commit.
pub fn checkpoint_beyond_ledger_is_rejected<H: Harness>(h: &H) {
    let (mut s, _) = populated(h);
    let before = state(&s);
    let r = s.append(&Commit {
        events: &events(5, 7),
        projection: &[upsert("people", "p2", "v2")],
        checkpoint: Some(&cp(8)),
        ..Commit::default()
    });
    match r {
        Err(StoreError::CheckpointBeyondLedger {
            size: 8,
            ledger_size: 7,
        }) => {}
        other => panic!("expected CheckpointBeyondLedger {{ 8, 7 }}, got {other:?}"),
    }
    assert_eq!(state(&s), before);
    // Exactly at the new size is fine.
    append_events(&mut s, &events(5, 7), Some(&cp(7)));
    assert_eq!(s.latest_checkpoint().unwrap(), Some(cp(7)));
}

/// An empty commit succeeds and changes nothing.
pub fn empty_commit_is_a_no_op<H: Harness>(h: &H) {
    let (mut s, _) = populated(h);
    let before = state(&s);
    s.append(&Commit::default()).expect("empty commit");
    assert_eq!(state(&s), before);
}

/// Upserts insert and overwrite, deletes remove (missing rows are fine), in
/// commit order, with or without events.
pub fn projection_upsert_and_delete<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    s.append(&Commit {
        events: &events(0, 1),
        projection: &[
            upsert("people", "p1", "v1"),
            upsert("people", "p2", "v2"),
            upsert("places", "p1", "elsewhere"),
            upsert("people", "p1", "v1b"), // overwrite within the commit
            upsert("people", "gone", "x"),
            delete("people", "gone"),  // upsert then delete: absent
            delete("people", "never"), // missing: no-op
            delete("people", "back"),
            upsert("people", "back", "b"), // delete then upsert: present
        ],
        checkpoint: None,
        ..Commit::default()
    })
    .expect("append");
    assert_eq!(
        s.projection_table("people").unwrap(),
        vec![
            row("people", "back", "b"),
            row("people", "p1", "v1b"),
            row("people", "p2", "v2"),
        ]
    );
    assert_eq!(
        s.projection_get("places", "p1").unwrap().as_deref(),
        Some("elsewhere")
    );
    assert_eq!(s.projection_get("people", "gone").unwrap(), None);
    assert_eq!(s.projection_get("nowhere", "p1").unwrap(), None);

    // Projection-only commit: no events needed, size unchanged.
    s.append(&Commit {
        projection: &[
            upsert("people", "p2", "v2b"),
            delete("places", "p1"),
            upsert("people", "", ""),
        ],
        ..Commit::default()
    })
    .expect("projection-only commit");
    assert_eq!(s.size().unwrap(), 1);
    assert_eq!(
        s.projection_all().unwrap(),
        vec![
            row("people", "", ""),
            row("people", "back", "b"),
            row("people", "p1", "v1b"),
            row("people", "p2", "v2b"),
        ]
    );
    assert!(s.projection_table("places").unwrap().is_empty());
}

/// Tables and keys order by their bytes, as Rust's `str` does (no locale collation).
pub fn projection_orders_by_bytes<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    let keys = [
        "b", "B", "a", "A", "é", "z", "a b", "ab", "a-b", "10", "9", "Ω",
    ];
    let tables = ["t", "T", "ü", "s"];
    let changes: Vec<ProjectionChange> = tables
        .iter()
        .flat_map(|t| keys.iter().map(move |k| upsert(t, k, &format!("{t}:{k}"))))
        .collect();
    s.append(&Commit {
        projection: &changes,
        ..Commit::default()
    })
    .expect("append");
    let mut want_keys: Vec<&str> = keys.to_vec();
    want_keys.sort();
    let got: Vec<String> = s
        .projection_table("t")
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(got, want_keys);
    let mut want_all: Vec<ProjectionRow> = changes
        .into_iter()
        .map(|c| match c {
            ProjectionChange::Upsert(r) => r,
            ProjectionChange::Delete { .. } => unreachable!(),
        })
        .collect();
    want_all.sort_by(|a, b| (&a.table, &a.key).cmp(&(&b.table, &b.key)));
    assert_eq!(s.projection_all().unwrap(), want_all);
}

/// `replace_projection` swaps every row at once and touches nothing else; a
/// duplicate `(table, key)` refuses the whole replacement.
pub fn replace_projection_replaces_all_rows_only<H: Harness>(h: &H) {
    let (mut s, _) = populated(h);
    let before = state(&s);
    let rows = vec![
        row("a", "1", "x"),
        row("a", "2", "y"),
        row("people", "p1", "rebuilt"),
    ];
    let index = vec![
        entry("people_at", "x", "Rebuilt", "p1"),
        entry("a", "t", "1", "1"),
    ];
    s.replace_projection(&rows, &index).expect("replace");
    assert_eq!(s.projection_all().unwrap(), rows);
    let mut sorted = index.clone();
    sorted.sort();
    assert_eq!(all_index(&s), sorted, "the index is replaced whole");
    assert_eq!(
        s.projection_get("places", "x").unwrap(),
        None,
        "old rows are gone"
    );
    let after = state(&s);
    assert_eq!(
        (
            after.size,
            &after.events,
            &after.tiles,
            &after.checkpoints,
            &after.access
        ),
        (
            before.size,
            &before.events,
            &before.tiles,
            &before.checkpoints,
            &before.access
        ),
        "replace_projection touched more than the projection"
    );

    let dup = [row("b", "1", "x"), row("b", "2", "y"), row("b", "1", "z")];
    match s.replace_projection(&dup, &[entry("b", "t", "s", "k")]) {
        Err(StoreError::DuplicateProjectionRow { table, key }) => {
            assert_eq!((table.as_str(), key.as_str()), ("b", "1"));
        }
        other => panic!("expected DuplicateProjectionRow, got {other:?}"),
    }
    assert_eq!(
        s.projection_all().unwrap(),
        rows,
        "a refused replacement changed rows"
    );
    assert_eq!(
        all_index(&s),
        sorted,
        "a refused replacement changed the index"
    );

    s.replace_projection(&[], &[])
        .expect("replace with nothing");
    assert!(s.projection_all().unwrap().is_empty());
    assert!(all_index(&s).is_empty());
    assert_eq!(s.size().unwrap(), before.size);
}

/// Checkpoints list in size order whatever order they were written in; the
/// latest is the largest; lookups are exact.
pub fn checkpoints_ordered_latest_and_exact<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    append_events(&mut s, &events(0, 10), Some(&cp(10)));
    // Checkpoint-only commits for earlier sizes (e.g. imported tree heads).
    for size in [4, 0, 7] {
        s.append(&Commit {
            checkpoint: Some(&cp(size)),
            ..Commit::default()
        })
        .expect("checkpoint-only commit");
    }
    append_events(&mut s, &events(10, 12), Some(&cp(12)));
    let sizes: Vec<u64> = s.checkpoints().unwrap().iter().map(|c| c.size).collect();
    assert_eq!(sizes, vec![0, 4, 7, 10, 12]);
    assert_eq!(s.checkpoints().unwrap()[2], cp(7));
    assert_eq!(s.latest_checkpoint().unwrap(), Some(cp(12)));
    assert_eq!(s.checkpoint_at(7).unwrap(), Some(cp(7)));
    assert_eq!(s.checkpoint_at(0).unwrap(), Some(cp(0)));
    assert_eq!(s.checkpoint_at(8).unwrap(), None);
    assert_eq!(s.checkpoint_at(u64::MAX).unwrap(), None);
}

/// Every access is kept, in order, duplicates included; ids are contiguous.
pub fn access_log_is_append_only<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    let recs = [access(0, 1), access(1, 2), access(2, 1), access(3, 3)];
    for r in &recs {
        append_access(&mut s, std::slice::from_ref(r)).expect("append access");
    }
    assert_eq!(s.access_log().unwrap(), recs);
    assert_eq!(s.access_tail().unwrap(), Some(access(3, 3)));
    assert_eq!(s.size().unwrap(), 0, "the access log is not the ledger");
    // A gap or a repeated id is refused and writes nothing.
    for bad in [access(5, 1), access(3, 1)] {
        assert!(matches!(
            append_access(&mut s, &[bad]),
            Err(StoreError::OutOfSequence { .. })
        ));
    }
    assert_eq!(s.access_log().unwrap(), recs);
    assert!(s.missing_guards().unwrap().is_empty());
}

/// A batch of access records lands whole and in order after earlier ones,
/// in the same transaction as the commit's events.
pub fn access_batch_is_kept_in_order<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    append_access(&mut s, &[access(0, 9)]).expect("append access");
    let batch = [access(1, 1), access(2, 2), access(3, 3)];
    s.append(&Commit {
        events: &events(0, 1),
        access: &batch,
        meta: &[("seal", "x")],
        ..Commit::default()
    })
    .expect("append with access");
    append_access(&mut s, &[]).expect("empty batch");
    let mut want = vec![access(0, 9)];
    want.extend(batch);
    assert_eq!(s.access_log().unwrap(), want);
    assert_eq!(s.meta_get("seal").unwrap().as_deref(), Some("x"));
    // A commit whose events are out of sequence writes none of its access records.
    assert!(
        s.append(&Commit {
            events: &events(5, 6),
            access: &[access(4, 4)],
            ..Commit::default()
        })
        .is_err()
    );
    assert_eq!(s.access_log().unwrap(), want);
}

/// `rebuild_projection` replaces every row and sets meta in one transaction,
/// reading the store inside it; a failing `derive` changes nothing.
pub fn rebuild_projection_is_one_transaction<H: Harness>(h: &H) {
    let (mut s, _) = populated(h);
    let before = state(&s);
    let r = s.rebuild_projection(&mut |_| Err(StoreError::corrupt("derive failed")));
    assert!(r.is_err());
    assert_eq!(state(&s), before);
    let n = s
        .rebuild_projection(&mut |st| {
            let size = st.size()?;
            Ok(Rebuilt {
                rows: vec![row("t", "size", &size.to_string())],
                index: vec![entry("t", "all", &size.to_string(), "size")],
                meta: vec![("seal".into(), "y".into())],
                tiles: Vec::new(),
            })
        })
        .expect("rebuild");
    assert_eq!(n, 1);
    assert_eq!(s.projection_get("t", "size").unwrap().as_deref(), Some("5"));
    assert_eq!(s.projection_get("people", "p1").unwrap(), None);
    assert_eq!(all_index(&s), [entry("t", "all", "5", "size")]);
    assert_eq!(s.meta_get("seal").unwrap().as_deref(), Some("y"));
    assert_eq!(s.size().unwrap(), 5, "events are untouched");
}

/// Reads through a snapshot see one committed state even when another
/// handle appends in between them; a snapshot inside another shares its
/// state; a dropped snapshot ends like a finished one.
pub fn a_snapshot_sees_one_state<H: Harness>(h: &H) {
    let (mut s, at) = h.create();
    append_events(&mut s, &[event(0), event(1)], Some(&cp(2)));
    let mut writer = h.open(&at);
    {
        let snap = s.snapshot().expect("snapshot");
        let first = snap.size().unwrap();
        append_events(&mut writer, &[event(2)], Some(&cp(3)));
        let second = snap.size().unwrap();
        let mut leaves = 0;
        snap.for_each_event(&mut |_| {
            leaves += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(
            (first, second, leaves),
            (2, 2, 2),
            "reads through the snapshot saw the later append"
        );
        // One inside it (as a read that takes its own snapshot does)
        // shares it, and finishing that one does not end the outer one.
        let inner = Snapshot::of(&*snap).expect("inner snapshot");
        assert_eq!(inner.latest_checkpoint().unwrap().map(|c| c.size), Some(2));
        inner.finish().expect("finish inner");
        append_events(&mut writer, &[event(3)], Some(&cp(4)));
        assert_eq!(snap.size().unwrap(), 2, "the outer snapshot still holds");
        snap.finish().expect("finish");
    }
    assert_eq!(s.size().unwrap(), 4, "after it, the appends are visible");
    // Dropped rather than finished: it ends all the same, and the handle
    // can write again.
    {
        let snap = s.snapshot().expect("snapshot");
        assert_eq!(snap.size().unwrap(), 4);
    }
    append_events(&mut writer, &[event(4)], Some(&cp(5)));
    assert_eq!(s.size().unwrap(), 5, "a dropped snapshot ended");
    append_events(&mut s, &[event(5)], Some(&cp(6)));
    assert_eq!(writer.size().unwrap(), 6);
}

/// Meta settings read back, overwrite, and are independent of each other.
pub fn meta_set_get_overwrite<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    s.meta_set("origin", "rollcall.example/log").unwrap();
    s.meta_set("node", "node-a").unwrap();
    s.meta_set("node", "node-b").unwrap();
    s.meta_set("empty", "").unwrap();
    assert_eq!(
        s.meta_get("origin").unwrap().as_deref(),
        Some("rollcall.example/log")
    );
    assert_eq!(s.meta_get("node").unwrap().as_deref(), Some("node-b"));
    assert_eq!(s.meta_get("empty").unwrap().as_deref(), Some(""));
    assert_eq!(s.meta_get("verifier_key").unwrap(), None);
    let all: Vec<(String, String)> = s.meta_all().unwrap();
    let pairs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        pairs,
        [
            ("empty", ""),
            ("node", "node-b"),
            ("origin", "rollcall.example/log")
        ],
        "meta_all: every setting once, ordered by key"
    );
}

/// What one handle wrote is all there after it is dropped and the database reopened.
pub fn durable_across_drop_and_reopen<H: Harness>(h: &H) {
    let (mut s, at) = populated(h);
    s.meta_set("origin", "o").unwrap();
    let before = state(&s);
    drop(s);
    let mut s = h.open(&at);
    assert_eq!(state(&s), before);
    assert_eq!(s.meta_get("origin").unwrap().as_deref(), Some("o"));
    // And it keeps going from where it was.
    append_events(&mut s, &events(5, 6), Some(&cp(6)));
    drop(s);
    let s = h.open(&at);
    assert_eq!(s.size().unwrap(), 6);
    assert_eq!(s.events(0, 6).unwrap(), events(0, 6));
}

/// Two handles on one database: each sees the other's commits, and a writer
/// with a stale idea of the size is refused rather than forking the ledger.
pub fn second_handle_sees_writes_and_cannot_fork<H: Harness>(h: &H) {
    let (mut a, at) = h.create();
    let mut b = h.open(&at);
    append_events(&mut a, &events(0, 3), Some(&cp(3)));
    assert_eq!(b.size().unwrap(), 3);
    assert_eq!(b.latest_checkpoint().unwrap(), Some(cp(3)));
    assert_out_of_sequence(
        b.append(&Commit {
            events: &events(0, 1),
            ..Commit::default()
        }),
        3,
        0,
    );
    append_events(&mut b, &events(3, 4), None);
    assert_eq!(a.events(0, 4).unwrap(), events(0, 4));
}

/// Backups taken while another handle keeps appending (one checkpoint and one
/// projection row per commit) are consistent snapshots: each opens, its size is
/// the returned checkpoint's, its events, checkpoints and projection are the
/// original's as of that size.
pub fn backup_while_appending_is_consistent_snapshot<H: Harness>(h: &H) {
    const MIN_COMMITS: u64 = 60;
    const BACKUPS: usize = 4;
    let (reader, at) = h.create();
    let mut writer = h.open(&at);
    let stop = AtomicBool::new(false);
    let committed = AtomicU64::new(0);
    let progress = |size: u64| upsert("progress", "size", &size.to_string());
    let mark = |size: u64| insert("progress", "sizes", &format!("{size:08}"), "");

    let snapshots = std::thread::scope(|scope| {
        let writer_thread = scope.spawn(|| {
            let mut size = 0u64;
            let mut n = 0u64;
            while n < MIN_COMMITS || !stop.load(Ordering::Acquire) {
                let batch = 1 + (n * 37 % 50);
                let evs = events(size, size + batch);
                size += batch;
                writer
                    .append(&Commit {
                        events: &evs,
                        projection: &[progress(size)],
                        index: &[mark(size)],
                        checkpoint: Some(&cp(size)),
                        ..Commit::default()
                    })
                    .expect("writer append");
                n += 1;
                committed.store(n, Ordering::Release);
            }
            size
        });
        let mut snapshots = Vec::new();
        for i in 0..BACKUPS {
            // Spread the backups over the writer's run.
            let target = (i as u64 + 1) * MIN_COMMITS / (BACKUPS as u64 + 1);
            while committed.load(Ordering::Acquire) < target {
                std::thread::yield_now();
            }
            let path = h.backup_path();
            let returned = reader.backup_to(&path).expect("backup_to while writing");
            snapshots.push((path, returned));
        }
        stop.store(true, Ordering::Release);
        let final_size = writer_thread.join().expect("writer thread");
        assert_eq!(reader.size().unwrap(), final_size);
        snapshots
    });

    let original = state(&reader);
    for (path, returned) in snapshots {
        let snap = h.open_backup(&path);
        let got = state(&snap);
        let returned = returned.unwrap_or_else(|| panic!("{path:?}: no checkpoint returned"));
        assert_eq!(
            got.size, returned.size,
            "{path:?}: size vs returned checkpoint"
        );
        assert_eq!(
            got.latest.as_ref(),
            Some(&returned),
            "{path:?}: latest checkpoint"
        );
        let n = got.size as usize;
        assert_eq!(
            got.events[..],
            original.events[..n],
            "{path:?}: events not a prefix"
        );
        let k = got.checkpoints.len();
        assert_eq!(
            got.checkpoints[..],
            original.checkpoints[..k],
            "{path:?}: checkpoints"
        );
        assert_eq!(
            got.projection,
            vec![row("progress", "size", &got.size.to_string())],
            "{path:?}: projection is not that of the same commit"
        );
        let n = got.index.len();
        assert_eq!(
            got.index[..],
            original.index[..n],
            "{path:?}: index not a prefix"
        );
        assert_eq!(
            got.index.last().map(|e| e.sort.as_str()),
            Some(format!("{:08}", got.size).as_str()),
            "{path:?}: index is not that of the same commit"
        );
    }
}

/// `backup_to` never overwrites: an existing path is refused and left alone.
pub fn backup_refuses_existing_path<H: Harness>(h: &H) {
    let (s, _) = populated(h);
    let path = h.backup_path();
    assert_eq!(s.backup_to(&path).unwrap(), Some(cp(5)));
    let snap = h.open_backup(&path);
    assert_eq!(state(&snap), state(&s));
    drop(snap);
    match s.backup_to(&path) {
        Err(StoreError::AlreadyExists(p)) => assert_eq!(p, path),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(
        h.open_backup(&path).size().unwrap(),
        5,
        "existing backup was damaged"
    );
}

/// Tiles read back as written; a partial tile is replaced by a wider one
/// that starts with its hashes, in the same commit as the events.
pub fn tiles_round_trip_and_grow<H: Harness>(h: &H) {
    let (mut s, at) = h.create();
    s.append(&Commit {
        events: &events(0, 3),
        tiles: &[tile(0, 0, 3, 0)],
        ..Commit::default()
    })
    .expect("append with a tile");
    assert_eq!(s.tile(0, 0).unwrap(), Some(tile(0, 0, 3, 0)));
    assert_eq!(s.tile(0, 1).unwrap(), None);
    assert_eq!(s.tile(1, 0).unwrap(), None);
    assert_eq!(s.tile(0, u64::MAX).unwrap(), None);
    // Widened to full, a new partial after it, a level-1 tile: one commit.
    let grown = [tile(0, 0, 256, 0), tile(0, 1, 1, 0), tile(1, 0, 1, 0)];
    s.append(&Commit {
        events: &events(3, 257),
        tiles: &grown,
        checkpoint: Some(&cp(257)),
        ..Commit::default()
    })
    .expect("widen");
    assert_eq!(all_tiles(&s), grown);
    assert_eq!(s.tile(0, 0).unwrap().unwrap().width(), 256);
    // Tiles alone (no events) are a commit too; ordered by level, then index.
    s.append(&Commit {
        tiles: &[tile(2, 0, 1, 0), tile(0, 1, 2, 0)],
        ..Commit::default()
    })
    .expect("tiles only");
    let order: Vec<(u8, u64, usize)> = all_tiles(&s)
        .iter()
        .map(|t| (t.level, t.index, t.width()))
        .collect();
    assert_eq!(order, [(0, 0, 256), (0, 1, 2), (1, 0, 1), (2, 0, 1)]);
    drop(s);
    assert_eq!(h.open(&at).tile(0, 1).unwrap(), Some(tile(0, 1, 2, 0)));
}

fn assert_tile_rewritten(r: Result<(), StoreError>, want: (u8, u64)) {
    match r {
        Err(StoreError::TileRewritten { level, index }) => assert_eq!((level, index), want),
        other => panic!("expected TileRewritten {want:?}, got {other:?}"),
    }
}

/// A full tile never changes; a partial one is never narrowed, kept at its
/// width, or changed in the hashes it holds. Each refusal refuses the whole
/// commit, events included.
pub fn tiles_never_rewritten_and_refusal_writes_nothing<H: Harness>(h: &H) {
    let (mut s, _) = populated(h);
    s.append(&Commit {
        tiles: &[tile(0, 0, 256, 0), tile(0, 1, 10, 0)],
        ..Commit::default()
    })
    .expect("tiles");
    let before = state(&s);
    let cases = [
        ((0, 0), tile(0, 0, 256, 1)), // a full tile with other hashes
        ((0, 0), tile(0, 0, 256, 0)), // a full tile given again, unchanged
        ((0, 1), tile(0, 1, 9, 0)),   // narrower
        ((0, 1), tile(0, 1, 10, 0)),  // the same width
        ((0, 1), tile(0, 1, 11, 1)),  // wider, but its first hashes differ
    ];
    for (want, bad) in cases {
        let r = s.append(&Commit {
            events: &events(5, 6),
            tiles: &[tile(3, 0, 1, 0), bad],
            checkpoint: Some(&cp(6)),
            ..Commit::default()
        });
        assert_tile_rewritten(r, want);
        assert_eq!(state(&s), before, "a refused commit wrote something");
    }
    // Widening that keeps the hashes is accepted.
    s.append(&Commit {
        events: &events(5, 6),
        tiles: &[tile(0, 1, 11, 0)],
        ..Commit::default()
    })
    .expect("widen");
    assert_eq!(s.tile(0, 1).unwrap(), Some(tile(0, 1, 11, 0)));
}

/// A tile of no hashes, more than 256, or at a level beyond 63 is refused
/// before anything is written.
pub fn malformed_tiles_are_refused<H: Harness>(h: &H) {
    let (mut s, _) = populated(h);
    let before = state(&s);
    for (bad, width) in [
        (tile(0, 0, 0, 0), 0),
        (tile(0, 0, 257, 0), 257),
        (tile(64, 0, 1, 0), 1),
    ] {
        let r = s.append(&Commit {
            events: &events(5, 6),
            tiles: &[bad],
            ..Commit::default()
        });
        match r {
            Err(StoreError::BadTile { width: w, .. }) => assert_eq!(w, width),
            other => panic!("expected BadTile, got {other:?}"),
        }
        assert_eq!(state(&s), before);
    }
}

/// `rebuild_projection` stores the tiles `derive` returns in its
/// transaction (a store from before tiles were kept gets them), under the
/// same rules: a failing rebuild stores none.
pub fn rebuild_adds_tiles<H: Harness>(h: &H) {
    let (mut s, _) = populated(h);
    s.rebuild_projection(&mut |_| {
        Ok(Rebuilt {
            tiles: vec![tile(0, 0, 5, 0)],
            ..Rebuilt::default()
        })
    })
    .expect("rebuild with tiles");
    assert_eq!(all_tiles(&s), [tile(0, 0, 5, 0)]);
    let before = state(&s);
    let r = s.rebuild_projection(&mut |_| {
        Ok(Rebuilt {
            rows: vec![row("t", "k", "v")],
            tiles: vec![tile(0, 0, 4, 0)],
            ..Rebuilt::default()
        })
    });
    assert!(matches!(
        r,
        Err(StoreError::TileRewritten { level: 0, index: 0 })
    ));
    assert_eq!(state(&s), before);
}

/// `projection_buckets` returns every row of the buckets asked for and no
/// other, ordered by `(bucket, table, key)` by bytes, each bucket once
/// however often it is asked for; the bucket is stored as given (0 and
/// `u32::MAX` included) and read back by every read that returns rows.
pub fn projection_buckets_reads_whole_buckets_in_order<H: Harness>(h: &H) {
    let (mut s, at) = h.create();
    assert!(s.projection_buckets(&[]).unwrap().is_empty());
    assert!(s.projection_buckets(&[0, 1, u32::MAX]).unwrap().is_empty());
    let rows = [
        row_in(3, "people", "b", "pb"),
        row_in(3, "custody", "z", "cz"),
        row_in(3, "people", "B", "pB"),
        row_in(3, "Ü", "a", "ua"),
        row_in(1, "people", "a", "pa"),
        row_in(0, "meta", "m", "mm"),
        row_in(u32::MAX, "people", "last", "pl"),
        row_in(7, "people", "c", "pc"),
    ];
    let changes: Vec<ProjectionChange> =
        rows.iter().cloned().map(ProjectionChange::Upsert).collect();
    s.append(&Commit {
        events: &events(0, 1),
        projection: &changes,
        ..Commit::default()
    })
    .expect("append");
    let ordered = |mut v: Vec<ProjectionRow>| {
        v.sort_by(|a, b| (a.bucket, &a.table, &a.key).cmp(&(b.bucket, &b.table, &b.key)));
        v
    };
    let of = |buckets: &[u32]| -> Vec<ProjectionRow> {
        ordered(
            rows.iter()
                .filter(|r| buckets.contains(&r.bucket))
                .cloned()
                .collect(),
        )
    };
    assert_eq!(s.projection_buckets(&[3]).unwrap(), of(&[3]));
    assert_eq!(
        s.projection_buckets(&[3])
            .unwrap()
            .iter()
            .map(|r| (r.table.as_str(), r.key.as_str()))
            .collect::<Vec<_>>(),
        [
            ("custody", "z"),
            ("people", "B"),
            ("people", "b"),
            ("Ü", "a")
        ],
        "within a bucket: by table, then key, by bytes"
    );
    assert_eq!(
        s.projection_buckets(&[7, 3, 1, 3, 99, 7]).unwrap(),
        of(&[1, 3, 7]),
        "asked twice, returned once; a bucket with no rows adds nothing"
    );
    assert_eq!(
        s.projection_buckets(&[u32::MAX, 0]).unwrap(),
        of(&[0, u32::MAX])
    );
    assert!(s.projection_buckets(&[2, 4, 5]).unwrap().is_empty());
    // Every read that returns rows returns their bucket.
    let mut all = rows.to_vec();
    all.sort();
    assert_eq!(s.projection_all().unwrap(), all);
    assert_eq!(
        s.projection_table("people").unwrap(),
        all.iter()
            .filter(|r| r.table == "people")
            .cloned()
            .collect::<Vec<_>>()
    );
    // Inside a read transaction too, and from another handle.
    let snap = s.snapshot().expect("snapshot");
    assert_eq!(snap.projection_buckets(&[1, 3]).unwrap(), of(&[1, 3]));
    snap.finish().expect("finish");
    assert_eq!(
        h.open(&at).projection_buckets(&[7, 0]).unwrap(),
        of(&[0, 7])
    );
    // A replacement puts rows in the buckets it gives.
    let replaced = [
        row_in(5, "people", "a", "new"),
        row_in(5, "people", "b", "new"),
    ];
    s.replace_projection(&replaced, &[]).expect("replace");
    assert!(s.projection_buckets(&[1, 3]).unwrap().is_empty());
    assert_eq!(s.projection_buckets(&[5]).unwrap(), replaced);
}

/// An upsert of an existing `(table, key)` with another bucket moves the row
/// (value and bucket both replaced); a delete removes it from its bucket.
pub fn upsert_moves_a_row_between_buckets<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    s.append(&Commit {
        projection: &[
            ProjectionChange::Upsert(row_in(1, "people", "p1", "v1")),
            ProjectionChange::Upsert(row_in(1, "people", "p2", "v2")),
            ProjectionChange::Upsert(row_in(2, "people", "p3", "v3")),
        ],
        ..Commit::default()
    })
    .expect("append");
    s.append(&Commit {
        projection: &[
            ProjectionChange::Upsert(row_in(2, "people", "p1", "v1 moved")),
            delete("people", "p3"),
            // Moved twice in one commit: the last bucket holds it.
            ProjectionChange::Upsert(row_in(3, "people", "p2", "v2")),
            ProjectionChange::Upsert(row_in(4, "people", "p2", "v2 again")),
        ],
        ..Commit::default()
    })
    .expect("move");
    assert!(s.projection_buckets(&[1, 3]).unwrap().is_empty());
    assert_eq!(
        s.projection_buckets(&[1, 2, 3, 4]).unwrap(),
        [
            row_in(2, "people", "p1", "v1 moved"),
            row_in(4, "people", "p2", "v2 again"),
        ]
    );
    assert_eq!(
        s.projection_get("people", "p1").unwrap().as_deref(),
        Some("v1 moved")
    );
}

/// Index changes apply in commit order, after the projection changes, with
/// or without events: inserting an entry twice or deleting a missing one is
/// not an error, and the last change to an entry decides.
pub fn index_changes_apply_in_order_and_repeat_harmlessly<H: Harness>(h: &H) {
    let (mut s, at) = h.create();
    assert!(all_index(&s).is_empty());
    assert_eq!(s.index_count("people_at", "F-1").unwrap(), 0);
    s.append(&Commit {
        events: &events(0, 1),
        index: &[
            insert("people_at", "F-1", "b", "P-2"),
            insert("people_at", "F-1", "a", "P-1"),
            insert("people_at", "F-1", "a", "P-1"), // twice: once
            remove("people_at", "F-1", "z", "P-9"), // missing: no-op
            insert("people_at", "F-1", "c", "P-3"),
            remove("people_at", "F-1", "c", "P-3"), // insert then delete: absent
            remove("people_at", "F-2", "d", "P-4"),
            insert("people_at", "F-2", "d", "P-4"), // delete then insert: present
            insert("by_name", "", "", ""),          // empty strings are values too
        ],
        ..Commit::default()
    })
    .expect("append");
    assert_eq!(
        all_index(&s),
        [
            entry("by_name", "", "", ""),
            entry("people_at", "F-1", "a", "P-1"),
            entry("people_at", "F-1", "b", "P-2"),
            entry("people_at", "F-2", "d", "P-4"),
        ]
    );
    // An index-only commit; an entry inserted again in a later commit.
    s.append(&Commit {
        index: &[
            insert("people_at", "F-1", "a", "P-1"),
            remove("people_at", "F-1", "b", "P-2"),
            insert("people_at", "F-1", "b", "P-2b"),
        ],
        ..Commit::default()
    })
    .expect("index-only commit");
    assert_eq!(s.size().unwrap(), 1);
    assert_eq!(s.index_count("people_at", "F-1").unwrap(), 2);
    assert_eq!(s.index_count("people_at", "F-2").unwrap(), 1);
    assert_eq!(s.index_count("people_at", "F-3").unwrap(), 0);
    assert_eq!(s.index_count("by_name", "").unwrap(), 1);
    // Durable, and seen by another handle.
    drop(s);
    assert_eq!(
        h.open(&at)
            .index_page("people_at", "F-1", None, 10)
            .unwrap(),
        [
            entry("people_at", "F-1", "a", "P-1"),
            entry("people_at", "F-1", "b", "P-2b"),
        ]
    );
}

/// `index_page` returns the entries of one `(index, term)` by `(sort, key)`
/// by bytes, strictly after the `(sort, key)` given, at most `limit`; paging
/// with the last entry of each page visits each entry exactly once.
pub fn index_pages_by_sort_then_key_by_bytes<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    let sorts = [
        "b", "B", "a", "A", "é", "z", "a b", "ab", "a-b", "10", "9", "Ω", "",
    ];
    let mut changes: Vec<IndexChange> = Vec::new();
    for sort in sorts {
        // Two keys per sort value (ties broken by key: "P-10" before "P-9").
        changes.push(insert("people_at", "F-1/SY", sort, "P-10"));
        changes.push(insert("people_at", "F-1/SY", sort, "P-9"));
    }
    // Neighbours that must never show up: other terms, other indexes.
    for (index, term) in [
        ("people_at", "F-1/S"),
        ("people_at", "F-1/SYR"),
        ("people_at", "F-1/sy"),
        ("people", "F-1/SY"),
        ("people_atx", "F-1/SY"),
    ] {
        changes.push(insert(index, term, "a", "P-0"));
    }
    s.append(&Commit {
        index: &changes,
        ..Commit::default()
    })
    .expect("append");
    let mut want: Vec<IndexEntry> = changes
        .iter()
        .filter_map(|c| match c {
            IndexChange::Insert(e) if e.index == "people_at" && e.term == "F-1/SY" => {
                Some(e.clone())
            }
            _ => None,
        })
        .collect();
    want.sort_by(|a, b| (&a.sort, &a.key).cmp(&(&b.sort, &b.key)));
    assert_eq!(want.len(), 2 * sorts.len());
    assert_eq!(
        s.index_count("people_at", "F-1/SY").unwrap(),
        want.len() as u64
    );
    assert_eq!(
        s.index_page("people_at", "F-1/SY", None, usize::MAX)
            .unwrap(),
        want
    );
    for limit in [1, 2, 3, 7, want.len(), want.len() + 1] {
        assert_eq!(
            paged(&s, "people_at", "F-1/SY", limit),
            want,
            "pages of {limit}"
        );
    }
    assert!(
        s.index_page("people_at", "F-1/SY", None, 0)
            .unwrap()
            .is_empty()
    );
    // Strictly after: the same sort with a later key, then later sorts.
    let after = |sort: &str, key: &str, limit: usize| {
        s.index_page("people_at", "F-1/SY", Some((sort, key)), limit)
            .unwrap()
            .into_iter()
            .map(|e| (e.sort, e.key))
            .collect::<Vec<_>>()
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        after("a", "P-10", 2),
        [pair("a", "P-9"), pair("a b", "P-10")]
    );
    assert_eq!(after("a", "P-9", 1), [pair("a b", "P-10")]);
    // After a (sort, key) that is not stored: the next one that is.
    assert_eq!(after("a", "P-90", 1), [pair("a b", "P-10")]);
    assert_eq!(after("a", "", 1), [pair("a", "P-10")]);
    assert_eq!(after("", "", 2), [pair("", "P-10"), pair("", "P-9")]);
    // After the last entry, or after everything: nothing.
    let last = want.last().unwrap();
    assert!(after(&last.sort, &last.key, 5).is_empty());
    assert!(after("\u{10FFFF}", "", 5).is_empty());
    // A term or index with no entries.
    assert!(
        s.index_page("people_at", "F-2/SY", None, 5)
            .unwrap()
            .is_empty()
    );
    assert!(
        s.index_page("nowhere", "F-1/SY", Some(("a", "b")), 5)
            .unwrap()
            .is_empty()
    );
}

/// `for_each_index_entry` visits every entry once, ordered by `(index,
/// term, sort, key)` by bytes, across however many pages a backend reads
/// (more entries than one page of 4,096 here), and stops at the closure's
/// first error.
pub fn index_entries_stream_in_order_across_pages_and_stop_on_error<H: Harness>(h: &H) {
    let (mut s, _) = h.create();
    let mut want: Vec<IndexEntry> = Vec::new();
    for i in 0..4_500u32 {
        // Ties at every level: the same index and term across many entries,
        // the same sort for pairs of keys.
        let index = ["a", "B", "b"][(i % 3) as usize];
        let term = format!("t{}", i % 5);
        want.push(entry(
            index,
            &term,
            &format!("s{}", i / 2 % 97),
            &format!("k{i}"),
        ));
    }
    let changes: Vec<IndexChange> = want.iter().cloned().map(IndexChange::Insert).collect();
    for chunk in changes.chunks(1_000) {
        s.append(&Commit {
            index: chunk,
            ..Commit::default()
        })
        .expect("append");
    }
    want.sort();
    assert_eq!(all_index(&s), want);
    let mut seen = 0;
    let r = s.for_each_index_entry(&mut |_| {
        seen += 1;
        if seen == 4_100 {
            Err(StoreError::Callback("enough".into()))
        } else {
            Ok(())
        }
    });
    assert!(matches!(r, Err(StoreError::Callback(_))), "got {r:?}");
    assert_eq!(seen, 4_100);
}

/// `replace_projection` and `rebuild_projection` replace every index entry
/// with the rows; an entry given twice is stored once; a refused or failed
/// replacement leaves the index as it was; events are untouched.
pub fn replace_and_rebuild_replace_the_whole_index<H: Harness>(h: &H) {
    let (mut s, _) = populated(h);
    let twice = [
        entry("people_at", "F-9", "n", "p1"),
        entry("people_at", "F-9", "n", "p1"),
        entry("people_at", "F-8", "m", "p2"),
    ];
    s.replace_projection(&[row("people", "p1", "v")], &twice)
        .expect("replace with an entry twice");
    assert_eq!(
        all_index(&s),
        [
            entry("people_at", "F-8", "m", "p2"),
            entry("people_at", "F-9", "n", "p1"),
        ],
        "old entries gone, the doubled one stored once"
    );
    assert_eq!(s.index_count("people_at", "F-9").unwrap(), 1);
    let before = state(&s);
    // A failing derive, or a duplicate row, changes no entry.
    let r = s.rebuild_projection(&mut |_| Err(StoreError::corrupt("derive failed")));
    assert!(r.is_err());
    let r = s.rebuild_projection(&mut |_| {
        Ok(Rebuilt {
            rows: vec![row("t", "k", "1"), row("t", "k", "2")],
            index: vec![entry("x", "y", "z", "k")],
            ..Rebuilt::default()
        })
    });
    assert!(
        matches!(r, Err(StoreError::DuplicateProjectionRow { .. })),
        "{r:?}"
    );
    assert_eq!(state(&s), before);
    let n = s
        .rebuild_projection(&mut |_| {
            Ok(Rebuilt {
                rows: vec![row("t", "k", "1")],
                index: vec![
                    entry("x", "y", "z", "k"),
                    entry("x", "y", "z", "k"),
                    entry("x", "y", "a", "j"),
                ],
                ..Rebuilt::default()
            })
        })
        .expect("rebuild");
    assert_eq!(n, 1);
    assert_eq!(
        all_index(&s),
        [entry("x", "y", "a", "j"), entry("x", "y", "z", "k")]
    );
    assert_eq!(s.size().unwrap(), before.size, "events are untouched");
    s.rebuild_projection(&mut |_| Ok(Rebuilt::default()))
        .expect("rebuild to nothing");
    assert!(all_index(&s).is_empty());
}

/// A commit may give one tile more than once (a partial tile, then a wider
/// version of it): its versions are stored in turn, each under the rules of
/// [`Commit::tiles`] against the one before, and a refusal of any refuses
/// the whole commit.
pub fn a_tile_given_twice_in_a_commit_is_stored_in_turn<H: Harness>(h: &H) {
    let (mut s, _) = populated(h);
    s.append(&Commit {
        tiles: &[tile(0, 0, 3, 0)],
        ..Commit::default()
    })
    .expect("a partial tile");
    s.append(&Commit {
        events: &events(5, 6),
        tiles: &[
            tile(0, 0, 4, 0),
            tile(1, 0, 1, 0),
            tile(0, 0, 6, 0),
            tile(0, 0, 9, 0),
        ],
        ..Commit::default()
    })
    .expect("widened twice in one commit");
    assert_eq!(all_tiles(&s), [tile(0, 0, 9, 0), tile(1, 0, 1, 0)]);
    let before = state(&s);
    for (bad, want) in [
        // The second version is narrower than the first.
        (vec![tile(0, 0, 12, 0), tile(0, 0, 10, 0)], (0, 0)),
        // Either version alone would be accepted, but the second does not
        // widen the first, as storing them in turn requires.
        (vec![tile(0, 0, 12, 0), tile(0, 0, 12, 0)], (0, 0)),
        // A full tile given twice.
        (vec![tile(0, 1, 256, 0), tile(0, 1, 256, 0)], (0, 1)),
        // The first version is refused (narrower than the stored 9), even
        // though the second alone would be accepted.
        (vec![tile(0, 0, 5, 0), tile(0, 0, 10, 0)], (0, 0)),
    ] {
        let r = s.append(&Commit {
            events: &events(6, 7),
            tiles: &bad,
            ..Commit::default()
        });
        assert_tile_rewritten(r, want);
        assert_eq!(state(&s), before, "a refused commit wrote something");
    }
}

/// The write lock: one holder at a time across handles (each its own
/// connection, as another process would be); a second waits, then gives up
/// with `WriterBusy`; dropping the guard releases it; readers and appends by
/// the holder are not blocked by it.
pub fn the_writer_lock_is_held_by_one_handle_at_a_time<H: Harness>(h: &H) {
    use std::time::Duration;
    let (mut a, at) = h.create();
    let b = h.open(&at);
    let held = a.writer_lock(Duration::from_secs(5)).expect("first lock");
    let start = std::time::Instant::now();
    match b.writer_lock(Duration::from_millis(200)) {
        Err(StoreError::WriterBusy { .. }) => {}
        other => panic!("a second writer got {other:?}"),
    }
    assert!(start.elapsed() >= Duration::from_millis(200), "it waited");
    // The holder appends; the other handle still reads.
    append_events(&mut a, &events(0, 2), Some(&cp(2)));
    assert_eq!(b.size().unwrap(), 2);
    drop(held);
    let again = b.writer_lock(Duration::from_secs(5)).expect("free again");
    match a.writer_lock(Duration::from_millis(50)) {
        Err(StoreError::WriterBusy { .. }) => {}
        other => panic!("the first handle got {other:?} while the second holds it"),
    }
    drop(again);
    drop(
        a.writer_lock(Duration::from_secs(5))
            .expect("free once more"),
    );
}
