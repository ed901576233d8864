//! Property test: random sequences of operations on a [`SqliteStore`] (with
//! reopenings) read back exactly like a simple in-memory model.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use rollcall_store::conformance::events;
use rollcall_store::{
    AccessRecord, Commit, IndexChange, IndexEntry, ProjectionChange, ProjectionRow, Store,
    StoreError, StoredCheckpoint, StoredEvent,
};
use rollcall_store_sqlite::SqliteStore;

/// A row's value and bucket.
type Valued = (u8, u32);

/// An index entry's index, term, sort and key, from few values so that
/// entries collide.
type Entry = (u8, u8, u8, u8);

fn entry_strategy() -> impl Strategy<Value = Entry> {
    (0..2u8, 0..2u8, 0..4u8, 0..3u8)
}

fn index_entry((i, t, s, k): Entry) -> IndexEntry {
    IndexEntry {
        index: format!("index{i}"),
        term: format!("term{t}"),
        sort: ["", "a", "B", "é"][s as usize].to_string(),
        key: format!("k{k}"),
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// Append `n` events with these projection changes, optionally checkpointing.
    Append {
        n: u64,
        changes: Vec<(u8, u8, Option<Valued>)>,
        /// Index changes: insert (true) or delete (false).
        index: Vec<(Entry, bool)>,
        checkpoint: bool,
    },
    /// Append with the first seq off by `skew` (never 0): must change nothing.
    Misaligned {
        skew: i8,
        n: u64,
    },
    Replace(BTreeMap<(u8, u8), Valued>, Vec<Entry>),
    Access(u8),
    Meta(u8, u8),
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (
            0..30u64,
            prop::collection::vec((0..3u8, 0..6u8, prop::option::of((any::<u8>(), bucket()))), 0..8),
            prop::collection::vec((entry_strategy(), any::<bool>()), 0..10),
            any::<bool>(),
        )
            .prop_map(|(n, changes, index, checkpoint)| Op::Append { n, changes, index, checkpoint }),
        1 => (any::<i8>().prop_filter("nonzero", |s| *s != 0), 1..5u64)
            .prop_map(|(skew, n)| Op::Misaligned { skew, n }),
        1 => (
            prop::collection::btree_map((0..3u8, 0..6u8), (any::<u8>(), bucket()), 0..10),
            // Duplicates allowed: they are stored once.
            prop::collection::vec(entry_strategy(), 0..12),
        )
            .prop_map(|(rows, index)| Op::Replace(rows, index)),
        1 => any::<u8>().prop_map(Op::Access),
        1 => (0..3u8, any::<u8>()).prop_map(|(k, v)| Op::Meta(k, v)),
        1 => Just(Op::Reopen),
    ]
}

/// A few small buckets (so they hold several rows) and the extremes.
fn bucket() -> impl Strategy<Value = u32> {
    prop_oneof![4 => 0..4u32, 1 => Just(u32::MAX)]
}

/// Buckets asked for together: the small ones, one absent, one repeated.
const ASKED: [&[u32]; 4] = [&[0], &[3, 1, 3], &[u32::MAX, 2, 0, 9], &[]];

#[derive(Default)]
struct Model {
    events: Vec<StoredEvent>,
    checkpoints: BTreeMap<u64, String>,
    /// `(table, key) -> (value, bucket)`.
    projection: BTreeMap<(String, String), (String, u32)>,
    index: BTreeSet<IndexEntry>,
    access: Vec<AccessRecord>,
    meta: BTreeMap<String, String>,
}

fn table(t: u8) -> String {
    format!("table{t}")
}
fn key(k: u8) -> String {
    format!("key{k}")
}

fn check(s: &SqliteStore, m: &Model) {
    let size = m.events.len() as u64;
    assert_eq!(s.size().unwrap(), size);
    assert_eq!(s.events(0, size).unwrap(), m.events);
    let cps: Vec<StoredCheckpoint> = m
        .checkpoints
        .iter()
        .map(|(&size, note)| StoredCheckpoint {
            size,
            note: note.clone(),
        })
        .collect();
    assert_eq!(s.checkpoints().unwrap(), cps);
    assert_eq!(s.latest_checkpoint().unwrap(), cps.last().cloned());
    let rows: Vec<ProjectionRow> = m
        .projection
        .iter()
        .map(|((t, k), (v, b))| ProjectionRow {
            table: t.clone(),
            key: k.clone(),
            value: v.clone(),
            bucket: *b,
        })
        .collect();
    assert_eq!(s.projection_all().unwrap(), rows);
    for asked in ASKED {
        let mut want: Vec<ProjectionRow> = rows
            .iter()
            .filter(|r| asked.contains(&r.bucket))
            .cloned()
            .collect();
        want.sort_by(|a, b| (a.bucket, &a.table, &a.key).cmp(&(b.bucket, &b.table, &b.key)));
        assert_eq!(
            s.projection_buckets(asked).unwrap(),
            want,
            "buckets {asked:?}"
        );
    }
    let mut index = Vec::new();
    s.for_each_index_entry(&mut |e| {
        index.push(e);
        Ok(())
    })
    .unwrap();
    assert_eq!(index, m.index.iter().cloned().collect::<Vec<_>>());
    for (i, t) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
        let (i, t) = (format!("index{i}"), format!("term{t}"));
        let want: Vec<IndexEntry> = m
            .index
            .iter()
            .filter(|e| e.index == i && e.term == t)
            .cloned()
            .collect();
        assert_eq!(s.index_count(&i, &t).unwrap(), want.len() as u64);
        for limit in [1, 3] {
            let mut got: Vec<IndexEntry> = Vec::new();
            loop {
                let after = got.last().map(|e| (e.sort.as_str(), e.key.as_str()));
                let page = s.index_page(&i, &t, after, limit).unwrap();
                let done = page.len() < limit;
                got.extend(page);
                if done {
                    break;
                }
            }
            assert_eq!(got, want, "{i}/{t} in pages of {limit}");
        }
    }
    assert_eq!(s.access_log().unwrap(), m.access);
    for k in 0..3u8 {
        assert_eq!(s.meta_get(&key(k)).unwrap().as_ref(), m.meta.get(&key(k)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn store_matches_model(ops in prop::collection::vec(op(), 1..25)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.sqlite");
        let mut s = SqliteStore::open(&path).unwrap();
        let mut m = Model::default();
        for op in ops {
            match op {
                Op::Append { n, changes, index, checkpoint } => {
                    let from = m.events.len() as u64;
                    let evs = events(from, from + n);
                    let changes: Vec<ProjectionChange> = changes
                        .into_iter()
                        .map(|(t, k, v)| match v {
                            Some((v, bucket)) => ProjectionChange::Upsert(ProjectionRow {
                                table: table(t), key: key(k), value: v.to_string(), bucket,
                            }),
                            None => ProjectionChange::Delete { table: table(t), key: key(k) },
                        })
                        .collect();
                    let new_size = from + n;
                    // A checkpoint at a size that already has one must be refused.
                    let cp = checkpoint.then(|| StoredCheckpoint { size: new_size, note: format!("n{new_size}") });
                    let index: Vec<IndexChange> = index
                        .into_iter()
                        .map(|(e, add)| if add { IndexChange::Insert(index_entry(e)) } else { IndexChange::Delete(index_entry(e)) })
                        .collect();
                    let r = s.append(&Commit { events: &evs, projection: &changes, index: &index, checkpoint: cp.as_ref(), ..Commit::default() });
                    if cp.is_some() && m.checkpoints.contains_key(&new_size) {
                        prop_assert!(matches!(r, Err(StoreError::CheckpointExists { .. })), "{:?}", r);
                    } else {
                        r.unwrap();
                        m.events.extend(evs);
                        for c in changes {
                            match c {
                                ProjectionChange::Upsert(r) => { m.projection.insert((r.table, r.key), (r.value, r.bucket)); }
                                ProjectionChange::Delete { table, key } => { m.projection.remove(&(table, key)); }
                            }
                        }
                        for c in index {
                            match c {
                                IndexChange::Insert(e) => { m.index.insert(e); }
                                IndexChange::Delete(e) => { m.index.remove(&e); }
                            }
                        }
                        if let Some(cp) = cp { m.checkpoints.insert(cp.size, cp.note); }
                    }
                }
                Op::Misaligned { skew, n } => {
                    let size = m.events.len() as u64;
                    let first = size.saturating_add_signed(skew.into());
                    if first == size { continue; }
                    let r = s.append(&Commit { events: &events(first, first + n), ..Commit::default() });
                    let is_expected = matches!(r, Err(StoreError::OutOfSequence { expected, got }) if expected == size && got == first);
                    prop_assert!(is_expected, "{:?}", r);
                }
                Op::Replace(rows, index) => {
                    let rows: Vec<ProjectionRow> = rows
                        .into_iter()
                        .map(|((t, k), (v, bucket))| ProjectionRow { table: table(t), key: key(k), value: v.to_string(), bucket })
                        .collect();
                    let index: Vec<IndexEntry> = index.into_iter().map(index_entry).collect();
                    s.replace_projection(&rows, &index).unwrap();
                    m.index = index.into_iter().collect();
                    m.projection = rows.into_iter().map(|r| ((r.table, r.key), (r.value, r.bucket))).collect();
                }
                Op::Access(i) => {
                    let rec = AccessRecord {
                        id: m.access.len() as u64,
                        at: format!("2026-02-03T04:05:{:02}Z", i % 60),
                        user: format!("u{i}"), account: "uid 0".into(), role: "monitor".into(),
                        node: "n".into(), action: "read".into(), subject: format!("s{i}"),
                        reason: format!("r{}", i % 3), committed_by: 0, hash: [i; 32],
                    };
                    s.append(&Commit { access: std::slice::from_ref(&rec), ..Commit::default() }).unwrap();
                    m.access.push(rec);
                }
                Op::Meta(k, v) => {
                    s.meta_set(&key(k), &v.to_string()).unwrap();
                    m.meta.insert(key(k), v.to_string());
                }
                Op::Reopen => {
                    drop(s);
                    s = SqliteStore::open_existing(&path).unwrap();
                }
            }
            check(&s, &m);
        }
    }
}
