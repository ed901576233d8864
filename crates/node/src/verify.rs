//! `verify`: recompute every leaf, every signed head and every projection row
//! from the stored events, and name the first thing that does not match.

use crate::{Node, NodeError};
use rollcall_core::{Event, State};
use rollcall_ledger::{Frontier, VerifierKey};
use rollcall_store::{Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;

/// One mismatch found by `verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyProblem {
    /// `event`, `head` or `projection`.
    pub kind: String,
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
    /// Projection rows compared.
    pub projection_rows: u64,
    /// Root of the recomputed tree (hex).
    pub root: String,
    /// The verifier key the heads were checked with.
    pub verifier: String,
    /// Problems, the first one first.
    pub problems: Vec<VerifyProblem>,
}

fn problem(kind: &str, at: impl ToString, detail: impl ToString) -> VerifyProblem {
    VerifyProblem {
        kind: kind.into(),
        at: at.to_string(),
        detail: detail.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Stop(String);

/// Replays the stored events into fresh projections, checking each against
/// the guarantees again. Fails on the first event that does not replay.
pub(crate) fn replay(store: &dyn Store, progress: &mut dyn FnMut(u64)) -> Result<State, NodeError> {
    let mut state = State::new();
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
        progress(e.seq + 1);
        Ok(())
    });
    if let Some(f) = failure {
        return Err(NodeError::Corrupt(f));
    }
    r?;
    state.end_replay();
    Ok(state)
}

impl Node {
    /// Recomputes every leaf, every signed head and every projection row.
    /// `expected` is the verifier key a monitor trusts; without it the key
    /// recorded in the ledger is used. `progress` is called with the number
    /// of events checked so far.
    pub fn verify(
        &self,
        expected: Option<&VerifierKey>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<VerifyReport, NodeError> {
        verify_store(&self.store, expected, progress)
    }
}

/// Opens the store in `dir` without loading projections or needing the
/// signing key, and verifies it: what a monitor runs on a copy of a ledger.
pub fn verify_dir(
    dir: &std::path::Path,
    expected: Option<&VerifierKey>,
    progress: &mut dyn FnMut(u64),
) -> Result<VerifyReport, NodeError> {
    let path = dir.join(crate::DB_FILE);
    if !path.exists() {
        return Err(NodeError::NotInitialised(dir.to_path_buf()));
    }
    let store = rollcall_store::SqliteStore::open_existing(&path)?;
    verify_store(&store, expected, progress)
}

/// Verifies any store: see [`Node::verify`]. Everything is read in one
/// snapshot, so verifying while another process appends checks the ledger as
/// it stood when verify began.
pub fn verify_store(
    store: &dyn Store,
    expected: Option<&VerifierKey>,
    progress: &mut dyn FnMut(u64),
) -> Result<VerifyReport, NodeError> {
    let mut out = None;
    let mut failure = None;
    store.read_consistent(&mut || {
        match verify_snapshot(store, expected, progress) {
            Ok(r) => out = Some(r),
            Err(e) => failure = Some(e),
        }
        Ok(())
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    out.ok_or_else(|| NodeError::Corrupt("verify produced no report".into()))
}

fn verify_snapshot(
    store: &dyn Store,
    expected: Option<&VerifierKey>,
    progress: &mut dyn FnMut(u64),
) -> Result<VerifyReport, NodeError> {
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
                "head",
                "key",
                format!("the ledger records verifier {recorded}, not the expected {verifier}"),
            ));
        }
        let heads = store.checkpoints()?;
        let mut heads_by_size: BTreeMap<u64, String> = BTreeMap::new();
        for h in &heads {
            heads_by_size.insert(h.size, h.note.clone());
        }
        let mut frontier = Frontier::new();
        let mut state = State::new();
        state.begin_replay();
        let mut heads_checked = 0u64;
        let mut first: Option<VerifyProblem> = None;
        let mut check_head = |size: u64, frontier: &Frontier, first: &mut Option<VerifyProblem>| {
            if let Some(note) = heads_by_size.get(&size) {
                heads_checked += 1;
                match rollcall_ledger::open_checkpoint(note, &verifier) {
                    Err(e) => {
                        first.get_or_insert(problem(
                            "head",
                            size,
                            format!("signature or format does not verify: {e}"),
                        ));
                    }
                    Ok(cp) if cp.size != size => {
                        first.get_or_insert(problem(
                            "head",
                            size,
                            format!("is stored at size {size} but signs size {}", cp.size),
                        ));
                    }
                    Ok(cp) if cp.origin != origin => {
                        first.get_or_insert(problem(
                            "head",
                            size,
                            format!("origin {:?} is not this ledger's {:?}", cp.origin, origin),
                        ));
                    }
                    Ok(cp) if cp.root != frontier.root() => {
                        first.get_or_insert(problem(
                            "head",
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
                        "event",
                        seq,
                        "stored leaf hash does not match the event's bytes",
                    ),
                    &mut first,
                ));
            }
            let event = match Event::decode(&e.bytes) {
                Ok(ev) => ev,
                Err(err) => return Err(stop(problem("event", seq, err), &mut first)),
            };
            if let Err(why) = crate::handover::check(&event) {
                return Err(stop(problem("event", seq, why), &mut first));
            }
            if let Err(v) = state.replay(&event) {
                return Err(stop(
                    problem("event", seq, format!("does not replay: {v}")),
                    &mut first,
                ));
            }
            frontier.push(leaf);
            check_head(frontier.size(), &frontier, &mut first);
            if first.is_some() {
                return Err(stop(
                    first.clone().unwrap_or_else(|| problem("head", seq, "")),
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
                    "event",
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
                        "head",
                        last,
                        format!("signs {last} events but the ledger holds {events}"),
                    ));
                } else if last < events {
                    problems.push(problem(
                        "event",
                        last,
                        format!("events {last}..{events} are not covered by any signed head"),
                    ));
                }
            } else if events > 0 {
                problems.push(problem("head", 0, "no signed head covers the ledger"));
            }
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
                            "projection",
                            format!("{t}/{k}"),
                            "row is missing from the store",
                        ));
                        break;
                    }
                    (None, Some(r)) => {
                        problems.push(problem(
                            "projection",
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
                                    "projection",
                                    format!("{t}/{k}"),
                                    "row is missing from the store",
                                ));
                                break;
                            }
                            std::cmp::Ordering::Greater => {
                                problems.push(problem(
                                    "projection",
                                    format!("{}/{}", r.table, r.key),
                                    "row is not derived from any event",
                                ));
                                break;
                            }
                            std::cmp::Ordering::Equal => {
                                if v != &r.value {
                                    problems.push(problem(
                                        "projection",
                                        format!("{t}/{k}"),
                                        "stored row differs from the row derived from the events",
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
        Ok(VerifyReport {
            ok: problems.is_empty(),
            events,
            heads: heads_checked,
            projection_rows,
            root: rollcall_ledger::hash_to_hex(&frontier.root()),
            verifier: verifier.to_string(),
            problems,
        })
    }
}
