//! `verify`: recompute every leaf, every signed head, every tree tile, every
//! projection row and the access log's chain from the stored events, check the store's
//! append-only guards, optionally check that the ledger still holds a head a
//! monitor remembered, and name the first thing that does not match.

use crate::{Node, NodeError};
use rollcall_core::state::residency::bucket_of;
use rollcall_core::{Event, State};
use rollcall_ledger::{TiledFrontier, VerifierKey};
use rollcall_store::{Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// A stored event.
    Event,
    /// A signed head, or the key heads are checked with.
    Head,
    /// A tile of the stored Merkle tree.
    Tile,
    /// A projection row.
    Projection,
    /// An access record or the event committing to it.
    Access,
    /// A missing append-only guard (trigger) of the store.
    Guard,
    /// The head a monitor remembered (`--since`).
    Since,
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ProblemKind::Event => "event",
            ProblemKind::Head => "head",
            ProblemKind::Tile => "tile",
            ProblemKind::Projection => "projection",
            ProblemKind::Access => "access record",
            ProblemKind::Guard => "guard",
            ProblemKind::Since => "remembered head",
        })
    }
}

/// Where the key the heads were checked with came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeySource {
    /// Given by the caller (`--key`): the only key trusted.
    Given,
    /// Read from the ledger being verified: proves the ledger is internally
    /// consistent, not that it is the ledger you think it is.
    Ledger,
}

/// What to check besides the ledger's own consistency.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions<'a> {
    /// The only verifier key to trust; without it, the one the ledger records.
    pub key: Option<&'a VerifierKey>,
    /// A signed head (note text) remembered earlier: the ledger must still
    /// contain exactly that tree.
    pub since: Option<&'a str>,
}

/// One mismatch found by `verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyProblem {
    /// What it is about.
    pub kind: ProblemKind,
    /// Which one: an event seq, a head's tree size, or `table/key`.
    pub at: String,
    /// What does not match.
    pub detail: String,
}

impl std::fmt::Display for VerifyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.kind, self.at, self.detail)
    }
}

/// What `verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// True when everything matches.
    pub ok: bool,
    /// Events checked.
    pub events: u64,
    /// Signed heads checked.
    pub heads: u64,
    /// Tree tiles compared with those the events derive.
    pub tiles: u64,
    /// Projection rows compared.
    pub projection_rows: u64,
    /// Root of the recomputed tree (hex).
    pub root: String,
    /// The verifier key the heads were checked with.
    pub verifier: String,
    /// Where that key came from.
    pub key_source: KeySource,
    /// Access records checked against the events that commit to them.
    pub access_records: u64,
    /// The remembered head checked, if one was given: its size.
    pub since: Option<u64>,
    /// Problems, the first one first.
    pub problems: Vec<VerifyProblem>,
}

fn problem(kind: ProblemKind, at: impl ToString, detail: impl ToString) -> VerifyProblem {
    VerifyProblem {
        kind,
        at: at.to_string(),
        detail: detail.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Stop(String);

/// Replays the stored events into fresh projections, checking each against
/// the guarantees again, and builds the tree of their leaf hashes (each
/// recomputed from the event's bytes), every tile pending. Fails on the
/// first event that does not replay.
pub(crate) fn replay(
    store: &dyn Store,
    progress: &mut dyn FnMut(u64),
) -> Result<(State, TiledFrontier), NodeError> {
    let mut state = State::new();
    let mut tree = TiledFrontier::new();
    state.begin_replay();
    let mut failure = None;
    let r = store.for_each_event(&mut |e| {
        let event = Event::decode(&e.bytes).map_err(|err| {
            StoreError::Callback(Box::new(Stop(format!("event {}: {err}", e.seq))))
        })?;
        state.replay(&event).map_err(|v| {
            failure = Some(format!("event {} does not replay: {v}", e.seq));
            StoreError::Callback(Box::new(Stop(String::new())))
        })?;
        tree.push(rollcall_ledger::leaf_hash(&e.bytes));
        progress(e.seq + 1);
        Ok(())
    });
    if let Some(f) = failure {
        return Err(NodeError::Corrupt(f));
    }
    r?;
    state.end_replay();
    Ok((state, tree))
}

/// A tile's contents in 32 bytes, to compare stored tiles with derived ones
/// without holding every derived hash.
fn tile_digest(hashes: &[rollcall_ledger::Hash]) -> [u8; 32] {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    for x in hashes {
        h.update(x);
    }
    h.finalize().into()
}

/// Compares the stored tiles with those the events derive (`derived`:
/// level and index to width and digest) and names the first that differs,
/// is missing, or is not derived at all. Returns the tiles compared too.
fn check_tiles(
    store: &dyn Store,
    derived: &BTreeMap<(u8, u64), (usize, [u8; 32])>,
) -> Result<(u64, Option<VerifyProblem>), NodeError> {
    let mut want = derived.iter().peekable();
    let mut found = None;
    let mut compared = 0u64;
    let at = |l: u8, i: u64| format!("{l}/{i}");
    let r = store.for_each_tile(&mut |t| {
        compared += 1;
        let key = (t.level, t.index);
        if let Some(((l, i), (w, _))) = want.next_if(|(k, _)| **k < key) {
            found = Some(problem(
                ProblemKind::Tile,
                at(*l, *i),
                format!("is missing from the store (the events derive {w} hashes there)"),
            ));
        } else {
            match want.next_if(|(k, _)| **k == key) {
                None => {
                    found = Some(problem(
                        ProblemKind::Tile,
                        at(t.level, t.index),
                        "is stored, but the events derive no such tile",
                    ));
                }
                Some((_, (w, _))) if *w != t.width() => {
                    found = Some(problem(
                        ProblemKind::Tile,
                        at(t.level, t.index),
                        format!("holds {} hashes, but the events derive {w}", t.width()),
                    ));
                }
                Some((_, (_, d))) if *d != tile_digest(&t.hashes) => {
                    found = Some(problem(
                        ProblemKind::Tile,
                        at(t.level, t.index),
                        "hashes differ from those the events derive",
                    ));
                }
                Some(_) => {}
            }
        }
        match found {
            Some(_) => Err(StoreError::Callback(Box::new(Stop(String::new())))),
            None => Ok(()),
        }
    });
    match r {
        Ok(()) => {}
        Err(StoreError::Callback(_)) => {}
        Err(StoreError::Corrupt { what }) => {
            found.get_or_insert(problem(
                ProblemKind::Tile,
                "row",
                format!("stored row is damaged: {what}"),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    if found.is_none()
        && let Some(((l, i), (w, _))) = want.next()
    {
        found = Some(problem(
            ProblemKind::Tile,
            at(*l, *i),
            format!("is missing from the store (the events derive {w} hashes there)"),
        ));
    }
    Ok((compared, found))
}

impl Node {
    /// Recomputes every leaf, every signed head and every projection row.
    /// `expected` is the verifier key a monitor trusts; without it the key
    /// recorded in the ledger is used. `progress` is called with the number
    /// of events checked so far.
    pub fn verify(
        &self,
        options: VerifyOptions<'_>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<VerifyReport, NodeError> {
        verify_store(&*self.store, options, progress)
    }
}

/// Opens the store in `dir` without loading projections or needing the
/// signing key, and verifies it: what a monitor runs on a copy of a ledger.
pub fn verify_dir(
    dir: &std::path::Path,
    options: VerifyOptions<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<VerifyReport, NodeError> {
    verify_at(&crate::Location::Dir(dir.to_path_buf()), options, progress)
}

/// Opens one store file, such as a backup (every backend's backups are
/// SQLite store files), for [`verify_store`]; a file that is not a store is
/// refused here, before any check.
pub fn open_store_file(
    file: &std::path::Path,
) -> Result<Box<dyn Store>, rollcall_store::StoreError> {
    Ok(Box::new(rollcall_store_sqlite::SqliteStore::open_existing(
        file,
    )?))
}

/// Verifies the ledger at any location: see [`verify_store`].
pub fn verify_at(
    location: &crate::Location,
    options: VerifyOptions<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<VerifyReport, NodeError> {
    let store = location.open_store()?;
    verify_store(&*store, options, progress)
}

/// Verifies any store: see [`Node::verify`]. Everything is read in one
/// snapshot, so verifying while another process appends checks the ledger as
/// it stood when verify began.
pub fn verify_store(
    store: &dyn Store,
    options: VerifyOptions<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<VerifyReport, NodeError> {
    let snapshot = rollcall_store::Snapshot::of(store)?;
    let report = verify_snapshot(&snapshot, options, progress)?;
    snapshot.finish()?;
    Ok(report)
}

fn verify_snapshot(
    snapshot: &rollcall_store::Snapshot<'_>,
    options: VerifyOptions<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<VerifyReport, NodeError> {
    let store: &dyn Store = &**snapshot;
    let expected = options.key;
    {
        let meta = |k: &str| -> Result<String, NodeError> {
            store
                .meta_get(k)?
                .ok_or_else(|| NodeError::Corrupt(format!("setting `{k}` is missing")))
        };
        let recorded = VerifierKey::parse(&meta("verifier")?)
            .map_err(|e| NodeError::Corrupt(format!("stored verifier key: {e}")))?;
        let origin = meta("origin")?;
        let verifier = expected.cloned().unwrap_or_else(|| recorded.clone());
        let mut problems = Vec::new();
        if expected.is_some_and(|k| k != &recorded) {
            problems.push(problem(
                ProblemKind::Head,
                "key",
                format!("the ledger records verifier {recorded}, not the expected {verifier}"),
            ));
        }
        let heads = store.checkpoints()?;
        let mut heads_by_size: BTreeMap<u64, String> = BTreeMap::new();
        for h in &heads {
            heads_by_size.insert(h.size, h.note.clone());
        }
        // The remembered head must be signed by the trusted key; its root is
        // compared with the tree recomputed at its size.
        let since = match options.since {
            None => None,
            Some(note) => match rollcall_ledger::open_checkpoint(note, &verifier) {
                Ok(cp) => Some(cp),
                Err(e) => {
                    problems.push(problem(
                        ProblemKind::Since,
                        "note",
                        format!("is not a head signed by the trusted key {verifier}: {e}"),
                    ));
                    None
                }
            },
        };
        let mut root_at_since = None;
        let mut commitments: Vec<(u64, u64, u64, String)> = Vec::new();
        let mut frontier = TiledFrontier::new();
        let mut derived_tiles: BTreeMap<(u8, u64), (usize, [u8; 32])> = BTreeMap::new();
        if since.as_ref().is_some_and(|c| c.size == 0) {
            root_at_since = Some(frontier.root());
        }
        let mut state = State::new();
        state.begin_replay();
        let mut heads_checked = 0u64;
        let mut first: Option<VerifyProblem> = None;
        let mut check_head =
            |size: u64, frontier: &TiledFrontier, first: &mut Option<VerifyProblem>| {
                if let Some(note) = heads_by_size.get(&size) {
                    heads_checked += 1;
                    match rollcall_ledger::open_checkpoint(note, &verifier) {
                        Err(e) => {
                            first.get_or_insert(problem(
                                ProblemKind::Head,
                                size,
                                format!("signature or format does not verify: {e}"),
                            ));
                        }
                        Ok(cp) if cp.size != size => {
                            first.get_or_insert(problem(
                                ProblemKind::Head,
                                size,
                                format!("is stored at size {size} but signs size {}", cp.size),
                            ));
                        }
                        Ok(cp) if cp.origin != origin => {
                            first.get_or_insert(problem(
                                ProblemKind::Head,
                                size,
                                format!("origin {:?} is not this ledger's {:?}", cp.origin, origin),
                            ));
                        }
                        Ok(cp) if cp.root != frontier.root() => {
                            first.get_or_insert(problem(
                                ProblemKind::Head,
                                size,
                                "signed root does not match the root recomputed from the events",
                            ));
                        }
                        Ok(_) => {}
                    }
                }
            };
        check_head(0, &frontier, &mut first);
        let result = store.for_each_event(&mut |e| {
            let seq = e.seq;
            let stop = |p: VerifyProblem, first: &mut Option<VerifyProblem>| {
                first.get_or_insert(p);
                StoreError::Callback(Box::new(Stop(String::new())))
            };
            let leaf = rollcall_ledger::leaf_hash(&e.bytes);
            if leaf != e.leaf_hash {
                return Err(stop(
                    problem(
                        ProblemKind::Event,
                        seq,
                        "stored leaf hash does not match the event's bytes",
                    ),
                    &mut first,
                ));
            }
            let event = match Event::decode(&e.bytes) {
                Ok(ev) => ev,
                Err(err) => return Err(stop(problem(ProblemKind::Event, seq, err), &mut first)),
            };
            if let Err(why) = crate::handover::check(&event) {
                return Err(stop(problem(ProblemKind::Event, seq, why), &mut first));
            }
            if let Err(v) = state.replay(&event) {
                return Err(stop(
                    problem(ProblemKind::Event, seq, format!("does not replay: {v}")),
                    &mut first,
                ));
            }
            if let rollcall_core::EventKind::AccessLogged {
                first: a,
                count,
                head,
            } = &event.what
            {
                commitments.push((seq, *a, *count, head.clone()));
            }
            frontier.push(leaf);
            for t in frontier.take_full() {
                derived_tiles.insert((t.level, t.index), (t.hashes.len(), tile_digest(&t.hashes)));
            }
            if since.as_ref().is_some_and(|c| c.size == frontier.size()) {
                root_at_since = Some(frontier.root());
            }
            check_head(frontier.size(), &frontier, &mut first);
            if first.is_some() {
                return Err(stop(
                    first
                        .clone()
                        .unwrap_or_else(|| problem(ProblemKind::Head, seq, "")),
                    &mut first,
                ));
            }
            if seq % 4096 == 0 {
                progress(seq + 1);
            }
            Ok(())
        });
        state.end_replay();
        match result {
            Ok(()) => {}
            Err(StoreError::Callback(_)) => {}
            Err(StoreError::Corrupt { what }) => {
                first.get_or_insert(problem(
                    ProblemKind::Event,
                    frontier.size(),
                    format!("stored row is damaged: {what}"),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        progress(frontier.size());
        let events = frontier.size();
        if let Some(p) = first {
            problems.push(p);
        }
        if problems.is_empty() {
            if let Some((&last, _)) = heads_by_size.iter().next_back() {
                if last > events {
                    problems.push(problem(
                        ProblemKind::Head,
                        last,
                        format!("signs {last} events but the ledger holds {events}"),
                    ));
                } else if last < events {
                    problems.push(problem(
                        ProblemKind::Event,
                        last,
                        format!("events {last}..{events} are not covered by any signed head"),
                    ));
                }
            } else if events > 0 {
                problems.push(problem(
                    ProblemKind::Head,
                    0,
                    "no signed head covers the ledger",
                ));
            }
        }
        let mut tiles = 0u64;
        if problems.is_empty() {
            for t in frontier.edge() {
                derived_tiles.insert((t.level, t.index), (t.hashes.len(), tile_digest(&t.hashes)));
            }
            let (compared, found) = check_tiles(store, &derived_tiles)?;
            tiles = compared;
            problems.extend(found);
        }
        let mut projection_rows = 0u64;
        if problems.is_empty() {
            let expected_rows = state.to_rows();
            let stored = store.projection_all()?;
            projection_rows = stored.len() as u64;
            let mut a = expected_rows.iter().peekable();
            let mut b = stored.iter().peekable();
            loop {
                match (a.peek(), b.peek()) {
                    (None, None) => break,
                    (Some((t, k, _)), None) => {
                        problems.push(problem(
                            ProblemKind::Projection,
                            format!("{t}/{k}"),
                            "row is missing from the store",
                        ));
                        break;
                    }
                    (None, Some(r)) => {
                        problems.push(problem(
                            ProblemKind::Projection,
                            format!("{}/{}", r.table, r.key),
                            "row is not derived from any event",
                        ));
                        break;
                    }
                    (Some((t, k, v)), Some(r)) => {
                        let ord = (t.as_str(), k.as_str()).cmp(&(r.table.as_str(), r.key.as_str()));
                        match ord {
                            std::cmp::Ordering::Less => {
                                problems.push(problem(
                                    ProblemKind::Projection,
                                    format!("{t}/{k}"),
                                    "row is missing from the store",
                                ));
                                break;
                            }
                            std::cmp::Ordering::Greater => {
                                problems.push(problem(
                                    ProblemKind::Projection,
                                    format!("{}/{}", r.table, r.key),
                                    "row is not derived from any event",
                                ));
                                break;
                            }
                            std::cmp::Ordering::Equal => {
                                if v != &r.value {
                                    problems.push(problem(
                                        ProblemKind::Projection,
                                        format!("{t}/{k}"),
                                        "stored row differs from the row derived from the events",
                                    ));
                                    break;
                                }
                                if r.bucket != bucket_of(k) {
                                    problems.push(problem(
                                        ProblemKind::Projection,
                                        format!("{t}/{k}"),
                                        format!(
                                            "row is stored in bucket {} but belongs in {}",
                                            r.bucket,
                                            bucket_of(k)
                                        ),
                                    ));
                                    break;
                                }
                                a.next();
                                b.next();
                            }
                        }
                    }
                }
            }
        }
        if problems.is_empty()
            && let Some(p) = check_index(store, &state)?
        {
            problems.push(p);
        }
        let mut access_records = 0;
        if problems.is_empty() {
            let log = store.access_log()?;
            access_records = log.len() as u64;
            if let Some(p) = check_access_log(&log, &commitments) {
                problems.push(p);
            }
        }
        if let Some(cp) = &since {
            match root_at_since {
                None => problems.push(problem(
                    ProblemKind::Since,
                    cp.size,
                    format!(
                        "the ledger holds {events} events, fewer than the {} of the head you remembered: it was truncated or rolled back",
                        cp.size
                    ),
                )),
                Some(root) if root != cp.root => problems.push(problem(
                    ProblemKind::Since,
                    cp.size,
                    format!(
                        "fork: the ledger holds a different tree at size {} (root {}) than the head you remembered (root {})",
                        cp.size,
                        rollcall_ledger::hash_to_hex(&root),
                        rollcall_ledger::hash_to_hex(&cp.root)
                    ),
                )),
                Some(_) => {}
            }
        }
        for g in store.missing_guards()? {
            problems.push(problem(
                ProblemKind::Guard,
                &g,
                "the store's append-only trigger is missing: someone with write access to the file removed it",
            ));
        }
        Ok(VerifyReport {
            ok: problems.is_empty(),
            events,
            heads: heads_checked,
            tiles,
            projection_rows,
            root: rollcall_ledger::hash_to_hex(&frontier.root()),
            verifier: verifier.to_string(),
            key_source: if expected.is_some() {
                KeySource::Given
            } else {
                KeySource::Ledger
            },
            access_records,
            since: since.as_ref().map(|c| c.size),
            problems,
        })
    }
}

/// Compares the stored index with the entries the replayed rows derive;
/// names the first entry that differs.
fn check_index(store: &dyn Store, state: &State) -> Result<Option<VerifyProblem>, NodeError> {
    let mut want = state
        .index_entries()
        .into_iter()
        .map(crate::stored_entry)
        .peekable();
    let mut found = None;
    let name = |e: &rollcall_store::IndexEntry| format!("index {} {:?} {}", e.index, e.term, e.key);
    let stopped = store.for_each_index_entry(&mut |have| {
        // Both sides are ordered by (index, term, sort, key), bytes.
        let ord = want.peek().map(|w| w.cmp(&have));
        match ord {
            Some(std::cmp::Ordering::Equal) => {
                want.next();
                Ok(())
            }
            Some(std::cmp::Ordering::Less) => {
                found = want.next().map(|w| {
                    problem(
                        ProblemKind::Projection,
                        name(&w),
                        "index entry is missing from the store",
                    )
                });
                Err(StoreError::Corrupt {
                    what: "index".into(),
                })
            }
            _ => {
                found = Some(problem(
                    ProblemKind::Projection,
                    name(&have),
                    "index entry is not derived from any row",
                ));
                Err(StoreError::Corrupt {
                    what: "index".into(),
                })
            }
        }
    });
    if found.is_some() {
        return Ok(found);
    }
    stopped?;
    Ok(want.next().map(|w| {
        problem(
            ProblemKind::Projection,
            name(&w),
            "index entry is missing from the store",
        )
    }))
}

/// Checks the access log against the `AccessLogged` events that commit to
/// it, `(seq, first, count, head)` in ledger order: every record is
/// committed by exactly one event, ids run without gaps, each record still
/// hashes to its stored link, and each event's head is the chain's head
/// after its last record. Names the first record that fails.
fn check_access_log(
    log: &[rollcall_store::AccessRecord],
    commitments: &[(u64, u64, u64, String)],
) -> Option<VerifyProblem> {
    use crate::digest::{access_link, hex};
    let mut prev = [0u8; 32];
    let mut next = 0u64;
    let mut records = log.iter().peekable();
    for (seq, first, count, head) in commitments {
        if *first != next {
            return Some(problem(
                ProblemKind::Access,
                next,
                format!(
                    "event {seq} commits records from {first}, but the last event ended before {next}"
                ),
            ));
        }
        for id in *first..first + count {
            let Some(r) = records.next_if(|r| r.id == id) else {
                return Some(problem(
                    ProblemKind::Access,
                    id,
                    format!("is missing: event {seq} committed it"),
                ));
            };
            if r.committed_by != *seq {
                return Some(problem(
                    ProblemKind::Access,
                    id,
                    format!(
                        "says event {} committed it, but event {seq} did",
                        r.committed_by
                    ),
                ));
            }
            let link = access_link(&prev, r);
            if link != r.hash {
                return Some(problem(
                    ProblemKind::Access,
                    id,
                    "was changed after it was written: its fields no longer hash to its link in the chain",
                ));
            }
            prev = link;
        }
        if hex(&prev) != *head {
            return Some(problem(
                ProblemKind::Access,
                format!("{first}..{}", first + count),
                format!(
                    "do not match what signed event {seq} committed to: records were rewritten or replaced"
                ),
            ));
        }
        next = first + count;
    }
    records.next().map(|r| {
        problem(
            ProblemKind::Access,
            r.id,
            "is not committed by any signed event: it was added to the log directly",
        )
    })
}
