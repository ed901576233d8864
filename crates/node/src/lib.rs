//! A Rollcall node: one data directory holding one custody ledger, and the
//! one path by which anything is added to it.
//!
//! [`Node::append`] checks a batch of events against every guarantee
//! ([`rollcall_core::State::apply_batch`]), encodes them canonically, extends
//! the Merkle tree, signs the new tree head with the node's key, and writes
//! events, changed projection rows and the signed head to the store in one
//! durable transaction. It returns only once that transaction is on disk: an
//! acknowledged event is never lost, and a refused one changes nothing.
//!
//! Everything else here reads: [`Node::verify`] recomputes every leaf, head,
//! projection row and access record; proofs are built against the latest
//! signed head. Personal data is read only through a [`Reader`]
//! ([`Node::session`]), which asks [`policy::authorize`], filters, and
//! records the access — chained, and committed to by a signed ledger event —
//! before returning anything.
//!
//! The node's state is never lent out. The workflows that assemble events
//! from it run inside the node and return where their batch landed, not the
//! events ([`Node::plan_movement`], [`Node::depart`], [`Node::stage_step`],
//! …); figures that name nobody are read directly ([`Node::summary`],
//! [`Node::custodian`], [`Node::movement_summary`], [`Node::mint`]):
//!
//! ```no_run
//! fn figures(node: &mut rollcall_node::Node) -> Option<usize> {
//!     let _ = node.summary().unwrap().registered;
//!     node.movement_summary("MV-1").unwrap().map(|m| m.on_board)
//! }
//! ```
//!
//! So every other route to a person's record fails to compile — the
//! projections, the store, the state the workflows use, and who is on a
//! movement:
//!
//! ```compile_fail
//! fn bypass(node: &rollcall_node::Node) {
//!     let _ = node.state().person("P-0000001");
//! }
//! ```
//!
//! ```compile_fail
//! fn bypass(node: &rollcall_node::Node) {
//!     let _ = node.store().access_log();
//! }
//! ```
//!
//! ```compile_fail
//! fn bypass(node: &rollcall_node::Node) {
//!     let _ = node.rules().person("P-0000001");
//! }
//! ```
//!
//! ```compile_fail
//! fn bypass(node: &mut rollcall_node::Node) {
//!     let _ = node.movement_summary("MV-1").unwrap().map(|m| m.people().count());
//! }
//! ```
//!
//! ```compile_fail
//! fn bypass(node: &mut rollcall_node::Node) {
//!     let _ = node.movement_summary("MV-1").unwrap().map(|m| m.manifest[0].person.clone());
//! }
//! ```
//!
//! A workflow hands back no events to read people from either:
//!
//! ```compile_fail
//! fn bypass(node: &mut rollcall_node::Node, m: &rollcall_core::MovementId) {
//!     let t = rollcall_core::Timestamp::UNIX_EPOCH;
//!     let staged = node.abort("u", t, m, &rollcall_core::CustodianId::new("F"), "r").unwrap();
//!     let _ = staged.events.iter();
//! }
//! ```
//!
//! This crate is the I/O edge around the pure crates (`core`, `ledger`): it
//! reads the clock and the operating system's randomness, and owns the store.
//! The `rollcall` CLI is thin glue over it, and the HTTP server will be too.

mod access;
mod digest;
mod error;
mod export;
mod figures;
pub mod handover;
mod importing;
mod intersect;
pub mod keyfile;
#[cfg(test)]
mod listing_tests;
mod location;
mod manifest;
mod planning;
pub mod policy;
mod proofs;
mod reader;
mod screening;
mod seal;
mod unlinking;
mod verify;
mod workflows;

pub use error::NodeError;
pub use export::{TilesExported, export_tiles};
pub use figures::{MovementSummary, VehicleLoad};
pub use importing::{ImportOptions, ImportReport, ImportRow, ReviewChoice, RowFate};
pub use location::{DEFAULT_SCHEMA, Location};
pub use planning::TransferDraft;
pub use policy::{Decision, Principal, Purpose, Role};
pub use proofs::PersonReport;
pub use reader::{AuditFilter, EscortEntry, HistoryLine, PeopleFilter, PersonHistory, Reader};
pub use rollcall_store::AccessRecord;
pub use screening::ScreenHit;
pub use unlinking::RowTarget;
pub use verify::{
    KeySource, ProblemKind, VerifyOptions, VerifyProblem, VerifyReport, open_store_file, verify_at,
    verify_dir, verify_store,
};
pub use workflows::{Corrected, Raised, Staged};

use jiff::Timestamp;
use location::AnyStore;
use rollcall_core::event::{Actor, Event, EventKind};
use rollcall_core::state::index::IndexChange as CoreIndexChange;
use rollcall_core::state::residency::{BUCKETS, Miss, bucket_of};
use rollcall_core::{NodeId, State, UserId};
use rollcall_ledger::{Checkpoint, Hash, SigningKey, TileError, TiledFrontier, VerifierKey};
use rollcall_store::{
    AccessRecord as Access, Commit, ProjectionChange, ProjectionRow, Rebuilt, Store, StoreError,
    StoredCheckpoint, StoredEvent, StoredTile,
};
use rollcall_store::{IndexChange as StoreIndexChange, IndexEntry};
use rollcall_store_sqlite::SqliteStore;
use seal::Seal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// File name of the SQLite store inside the data directory.
pub const DB_FILE: &str = "rollcall.db";

/// What an append returns once it is durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Seq of the first event appended.
    pub first_seq: u64,
    /// Number of events appended.
    pub count: u64,
    /// Tree size after the append (= the signed head's size).
    pub tree_size: u64,
    /// Root of the signed head.
    pub root: Hash,
}

/// An open node.
pub struct Node {
    location: Location,
    /// Where the signing key is read from (none: a read-only copy).
    key_path: Option<PathBuf>,
    store: AnyStore,
    key: Option<SigningKey>,
    verifier: VerifierKey,
    origin: String,
    node: NodeId,
    state: State,
    /// The durable tree: its frontier and right-edge tiles.
    frontier: TiledFrontier,
    staged: Vec<StoredEvent>,
    staged_rows: BTreeMap<(&'static str, String), Option<String>>,
    /// The index changes of the staged batches, in order.
    staged_index: Vec<StoreIndexChange>,
    /// The tree with the staged events; the tiles they change are pending in it.
    staged_frontier: TiledFrontier,
    staged_access: Vec<Access>,
    /// The projections' running digest (only when the key is here).
    seal: Option<Seal>,
    /// Id and chain hash the next access record follows.
    access_next: u64,
    access_head: Hash,
    /// The ledger's write lock, held from the first batch staged to the
    /// commit (see [`Node::stage`]).
    writer: Option<Box<dyn rollcall_store::WriterLock>>,
}

/// How long a writer waits for another to finish before giving up.
pub const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("location", &self.location)
            .field("node", &self.node)
            .field("origin", &self.origin)
            .field("size", &self.frontier.size())
            .finish_non_exhaustive()
    }
}

fn store_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

/// The meta settings that seal exactly `rows` as derived from the tree of
/// `size` leaves with `root`, under `key`: every page and the seal.
fn seal_of(
    key: &SigningKey,
    origin: &str,
    rows: &[ProjectionRow],
    size: u64,
    root: &Hash,
) -> Vec<(String, String)> {
    Seal::from_rows(
        Seal::key_of(key),
        rows.iter()
            .map(|r| (r.table.as_str(), r.key.as_str(), r.value.as_str())),
    )
    .take_changed(origin, size, root)
}

/// Projection rows as a store keeps them, each in its bucket.
fn stored_rows(rows: Vec<(String, String, String)>) -> Vec<ProjectionRow> {
    rows.into_iter()
        .map(|(table, key, value)| ProjectionRow {
            bucket: bucket_of(&key),
            table,
            key,
            value,
        })
        .collect()
}

/// An index entry as a store keeps it.
pub(crate) fn stored_entry(e: rollcall_core::state::index::IndexEntry) -> IndexEntry {
    IndexEntry {
        index: e.index.to_string(),
        term: e.term,
        sort: e.sort,
        key: e.key,
    }
}

/// Every index entry `state` derives, as a store keeps them.
fn stored_index(state: &State) -> Vec<IndexEntry> {
    state
        .index_entries()
        .into_iter()
        .map(stored_entry)
        .collect()
}

/// Rounds of loading what a computation missed before giving up (each
/// round follows one more step of references: a movement, then its people).
const LOAD_ROUNDS: usize = 64;

/// A tile as the store keeps it.
fn stored_tile(t: rollcall_ledger::Tile) -> StoredTile {
    StoredTile {
        level: t.level,
        index: t.index,
        hashes: t.hashes,
    }
}

/// Reads the store's tiles for the pure tree functions of `ledger`.
pub(crate) fn tile_reader(
    store: &dyn Store,
) -> impl Fn(u8, u64) -> Result<Option<Vec<Hash>>, StoreError> + '_ {
    move |level, index| Ok(store.tile(level, index)?.map(|t| t.hashes))
}

/// A failure to read the tree from its tiles: the store's own error, or
/// tiles that do not cover the tree.
pub(crate) fn tile_failure(e: TileError<StoreError>) -> NodeError {
    match e {
        TileError::Read { cause, .. } => cause.into(),
        other => NodeError::Tiles(format!(
            "cannot give the tree: {other}; `rollcall verify` names what differs"
        )),
    }
}

/// Loads the signing key at `path` if there is one; a key file that was
/// named explicitly (`required`) must exist.
fn load_key(path: Option<&Path>, required: bool) -> Result<Option<SigningKey>, NodeError> {
    match path {
        Some(p) if p.exists() || required => Ok(Some(keyfile::load_file(p)?)),
        _ => Ok(None),
    }
}

/// Writes the settings and the projections before any event (the built-in
/// `released` custodian), sealed, into a new store.
fn seed(store: &mut dyn Store, key: &SigningKey, name: &str) -> Result<(), NodeError> {
    let origin = format!("rollcall/{name}");
    store.meta_set("origin", &origin)?;
    store.meta_set("node", name)?;
    store.meta_set("verifier", &key.verifier().to_string())?;
    let seeded = State::new();
    let rows = stored_rows(seeded.to_rows());
    let index = stored_index(&seeded);
    let empty = TiledFrontier::new();
    let sealed = seal_of(key, &origin, &rows, 0, &empty.root());
    store.rebuild_projection(&mut |_| {
        Ok(Rebuilt {
            rows: rows.clone(),
            meta: sealed.clone(),
            tiles: Vec::new(),
            index: index.clone(),
        })
    })?;
    Ok(())
}

/// Removes `.NAME.init-PID` staging directories of `init` runs that died
/// (their process is gone), so a crash part-way leaves nothing behind for
/// long. Where the process table cannot be read, nothing is removed.
fn remove_stale_staging(parent: &Path, base: &str) {
    let prefix = format!(".{base}.init-");
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(&prefix) else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Node {
    /// Creates a new ledger and signing key in `dir` (created if missing).
    /// `name` names the node in its signed heads and is its short code in
    /// every id it mints ([`rollcall_core::NodeCode`]): 1 to 16 ASCII
    /// letters, digits and `-`, starting with a letter.
    pub fn init(dir: &Path, name: &str) -> Result<Node, NodeError> {
        Self::init_at(&Location::Dir(dir.to_path_buf()), name, None)
    }

    /// Creates a new ledger at `location` with a new signing key: for a
    /// directory in `DIR/node.key` unless `key` names another file; for
    /// PostgreSQL in the file `key` names, which is required there. The key
    /// file must not exist (a key is never overwritten); its public half is
    /// written beside it (`node.pub`, or `FILE.pub`).
    pub fn init_at(location: &Location, name: &str, key: Option<&Path>) -> Result<Node, NodeError> {
        match location {
            Location::Dir(dir) => Self::init_dir(dir, name, key),
            Location::Postgres { url, schema } => {
                let Some(key) = key else {
                    return Err(NodeError::Key {
                        path: PathBuf::from("--node-key"),
                        reason: "is required for a PostgreSQL store: name the file the node's signing key is created in (or set ROLLCALL_NODE_KEY)".into(),
                    });
                };
                Self::init_postgres(location, url, schema, name, key)
            }
        }
    }

    fn init_postgres(
        location: &Location,
        url: &str,
        schema: &str,
        name: &str,
        key_path: &Path,
    ) -> Result<Node, NodeError> {
        rollcall_core::NodeCode::parse(name)?;
        SigningKey::from_seed(name, [0; 32]).map_err(|e| NodeError::Key {
            path: key_path.to_path_buf(),
            reason: format!("node name {name:?}: {e}"),
        })?;
        let mut store = location::Location::create_postgres(url, schema, &location.to_string())?;
        let key = keyfile::create_at(key_path, name)?;
        let pub_path = keyfile::pub_path_of(key_path);
        let seeded =
            keyfile::write_pub(&pub_path, &key).and_then(|()| seed(&mut *store, &key, name));
        if let Err(e) = seeded {
            // Nothing was committed to the store; remove the new key.
            let _ = std::fs::remove_file(key_path);
            let _ = std::fs::remove_file(&pub_path);
            return Err(e);
        }
        drop(store);
        Self::open_at(location, Some(key_path))
    }

    fn init_dir(dir: &Path, name: &str, key_at: Option<&Path>) -> Result<Node, NodeError> {
        rollcall_core::NodeCode::parse(name)?;
        let occupied = match std::fs::read_dir(dir) {
            Ok(mut entries) => entries.next().is_some(),
            Err(_) => false,
        };
        if occupied {
            return if store_path(dir).exists() || dir.join(keyfile::KEY_FILE).exists() {
                Err(NodeError::AlreadyInitialised(dir.display().to_string()))
            } else {
                Err(NodeError::Io {
                    path: dir.to_path_buf(),
                    source: std::io::Error::other(
                        "is not empty; a new ledger needs a new or empty directory",
                    ),
                })
            };
        }
        // Build the whole directory beside its final place and rename it in:
        // a crash part-way leaves either no ledger or a complete one.
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| NodeError::Io { path, source }
        };
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        // Refuse a bad node name before anything is created, naming the
        // directory the user gave (not the staging directory).
        SigningKey::from_seed(name, [0; 32]).map_err(|e| NodeError::Key {
            path: dir.to_path_buf(),
            reason: format!("node name {name:?}: {e}"),
        })?;
        let base = dir
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        remove_stale_staging(&parent, &base);
        let staging = parent.join(format!(".{base}.init-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            // The data directory is readable by its owner only.
            builder.mode(0o700);
        }
        builder.create(&staging).map_err(io(&staging))?;
        let built = (|| -> Result<(), NodeError> {
            let key = match key_at {
                None => keyfile::create(&staging, name)?,
                Some(path) => {
                    let key = keyfile::create_at(path, name)?;
                    keyfile::write_pub(&staging.join(keyfile::PUB_FILE), &key)?;
                    key
                }
            };
            let mut store = SqliteStore::open(&store_path(&staging))?;
            seed(&mut store, &key, name)
        })();
        if let Err(e) = built {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
        if dir.exists() {
            // An empty directory made by the user: replace it.
            std::fs::remove_dir(dir).map_err(io(dir))?;
        }
        std::fs::rename(&staging, dir).map_err(io(dir))?;
        Self::open_at(&Location::Dir(dir.to_path_buf()), key_at)
    }

    /// Opens the ledger in `dir`: its settings, the seal over its
    /// projections and the tree's frontier (from its right-edge tiles: one
    /// per level of 256, not every leaf). Projection rows are loaded later,
    /// a bucket at a time, as computations need them.
    pub fn open(dir: &Path) -> Result<Node, NodeError> {
        Self::open_at(&Location::Dir(dir.to_path_buf()), None)
    }

    /// Opens the ledger at `location`, signing with the key in `key` (or,
    /// for a directory, its `node.key`). Without a key file the node reads
    /// and verifies but cannot append: a copy restored from a backup, or a
    /// PostgreSQL store opened without `--node-key`. A named key file that
    /// does not exist is an error.
    pub fn open_at(location: &Location, key: Option<&Path>) -> Result<Node, NodeError> {
        let store = location.open_store()?;
        let key_path = key
            .map(Path::to_path_buf)
            .or_else(|| location.default_key());
        let key = load_key(key_path.as_deref(), key.is_some())?;
        let meta = |k: &str| -> Result<String, NodeError> {
            store
                .meta_get(k)?
                .ok_or_else(|| NodeError::Corrupt(format!("setting `{k}` is missing")))
        };
        let origin = meta("origin")?;
        let node = NodeId(meta("node")?);
        let verifier = VerifierKey::parse(&meta("verifier")?)
            .map_err(|e| NodeError::Corrupt(format!("stored verifier key: {e}")))?;
        if let Some(key) = &key
            && verifier != key.verifier()
        {
            return Err(NodeError::Key {
                path: key_path.clone().unwrap_or_default(),
                reason: "does not match the verifier key recorded in the ledger".into(),
            });
        }
        // The seal and the tree's edge are read in one snapshot: another
        // process may be appending while we open.
        let snapshot = rollcall_store::Snapshot::of(&*store)?;
        let size = snapshot.size()?;
        let frontier =
            TiledFrontier::from_tiles(size, &tile_reader(&*snapshot)).map_err(|e| match e {
                TileError::Read { cause, .. } => NodeError::from(cause),
                other => NodeError::Tiles(format!(
                    "do not cover its {size} events ({other}); run `rollcall rebuild`, \
                     which writes the tiles a store from before they were kept lacks, \
                     or `rollcall verify` to see what differs"
                )),
            })?;
        let tail = snapshot.access_tail()?;
        let sealed = snapshot.meta_get(seal::META_KEY)?;
        let pages = snapshot.meta_get(seal::PAGES_KEY)?;
        let latest = snapshot.latest_checkpoint()?;
        snapshot.finish()?;
        let mut state = State::partial();
        state.set_local_node(
            rollcall_core::NodeCode::parse(node.as_str())
                .map_err(|e| NodeError::Corrupt(format!("stored node name: {e}")))?,
        );
        // The tiles must give the tree the latest head signed.
        if let Some(head) = latest.filter(|h| h.size == frontier.size())
            && let Ok(cp) = rollcall_ledger::open_checkpoint(&head.note, &verifier)
            && cp.root != frontier.root()
        {
            return Err(NodeError::Tiles(format!(
                "do not give the root signed at size {}: they were changed; \
                 `rollcall verify` names the tile",
                head.size
            )));
        }
        // With the key here, check that the seal is the one this node made
        // for exactly these events; every bucket loaded later is checked
        // against it before any rule trusts its rows.
        let seal = match &key {
            None => None,
            Some(k) => Some(
                Seal::open(
                    Seal::key_of(k),
                    sealed.as_deref(),
                    pages.as_deref(),
                    &origin,
                    frontier.size(),
                    &frontier.root(),
                )
                .map_err(|_| NodeError::Unsealed(frontier.size()))?,
            ),
        };
        let (access_next, access_head) = match tail {
            Some(t) => (t.id + 1, t.hash),
            None => (0, [0; 32]),
        };
        let mut opened = Node {
            location: location.clone(),
            key_path,
            store,
            key,
            verifier,
            origin,
            node,
            state,
            staged: Vec::new(),
            staged_rows: BTreeMap::new(),
            staged_index: Vec::new(),
            staged_frontier: frontier.clone(),
            frontier,
            staged_access: Vec::new(),
            seal,
            access_next,
            access_head,
            writer: None,
        };
        // The counters every append reads (and handover signatures name).
        let me = opened.node.clone();
        let (derived_from, _) = opened.resident(|s| (s.next_seq(), s.next_counter(&me)))?;
        if opened.frontier.size() != derived_from {
            return Err(NodeError::Corrupt(format!(
                "the ledger holds {} events but the projections were derived from {derived_from}",
                opened.frontier.size(),
            )));
        }
        Ok(opened)
    }

    /// Runs `f` over the state until it needs no row that is not loaded:
    /// after each run that missed rows, loads them (each bucket checked
    /// against the seal) and runs it again. Only a run that missed nothing
    /// is returned, so `f` never decides on a row it did not see.
    pub(crate) fn resident<T>(&mut self, mut f: impl FnMut(&State) -> T) -> Result<T, NodeError> {
        let _ = self.state.take_misses();
        for _ in 0..LOAD_ROUNDS {
            let out = f(&self.state);
            let misses = self.state.take_misses();
            if misses.is_empty() {
                return Ok(out);
            }
            self.fetch(&misses)?;
        }
        Err(NodeError::Corrupt(format!(
            "the rows a step needs were still not all loaded after {LOAD_ROUNDS} rounds"
        )))
    }

    /// Loads what a computation missed. If another process appended since
    /// this node was opened, the rows loaded so far may be older than the
    /// store's: with nothing staged the node takes the write lock and
    /// reopens (and the computation runs again on the new state); with
    /// batches staged it is a conflict.
    pub(crate) fn fetch(&mut self, misses: &[Miss]) -> Result<(), NodeError> {
        match self.load(misses) {
            // Another writer appended since this node read the store: read
            // it again under the write lock, so a steady writer cannot keep
            // every read of this one starting over (the lock is kept until
            // this node's next commit, and ids it mints stay free till then).
            Err(NodeError::Conflict(_)) if self.staged.is_empty() => self.hold_writer(),
            other => other,
        }
    }

    fn load(&mut self, misses: &[Miss]) -> Result<(), NodeError> {
        let size = self.frontier.size();
        let all = misses.contains(&Miss::All);
        let mut buckets: Vec<u32> = misses
            .iter()
            .filter_map(|m| match m {
                Miss::Bucket(b) if !self.state.holds_bucket(*b) => Some(*b),
                _ => None,
            })
            .collect();
        let mut wanted_pages: Vec<usize> = match &self.seal {
            None => Vec::new(),
            Some(seal) if all => (0..BUCKETS)
                .step_by(256)
                .filter(|b| !seal.has_page_of(*b))
                .map(Seal::page_of)
                .collect(),
            Some(seal) => buckets
                .iter()
                .filter(|b| !seal.has_page_of(**b))
                .map(|b| Seal::page_of(*b))
                .collect(),
        };
        wanted_pages.sort_unstable();
        wanted_pages.dedup();
        let snapshot = rollcall_store::Snapshot::of(&*self.store)?;
        let now = snapshot.size()?;
        let rows = if all {
            snapshot.projection_all()?
        } else {
            snapshot.projection_buckets(&buckets)?
        };
        let pages = wanted_pages
            .iter()
            .map(|&p| Ok((p, snapshot.meta_get(&seal::page_key(p))?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        snapshot.finish()?;
        if now != size {
            return Err(NodeError::Conflict(now));
        }
        let mut by_bucket: BTreeMap<u32, Vec<(&str, &str, &str)>> = BTreeMap::new();
        for r in &rows {
            by_bucket.entry(bucket_of(&r.key)).or_default().push((
                r.table.as_str(),
                r.key.as_str(),
                r.value.as_str(),
            ));
        }
        if all {
            buckets = (0..BUCKETS)
                .filter(|b| !self.state.holds_bucket(*b))
                .collect();
        }
        if let Some(seal) = &mut self.seal {
            for (p, text) in &pages {
                seal.admit_page(*p, text.as_deref())
                    .map_err(|_| NodeError::Unsealed(size))?;
            }
            for b in &buckets {
                let rows = by_bucket.get(b).map(Vec::as_slice).unwrap_or_default();
                seal.admit_bucket(*b, rows.iter().copied())
                    .map_err(|_| NodeError::Unsealed(size))?;
            }
        }
        let corrupt = |e: rollcall_core::state::RowError| NodeError::Corrupt(e.to_string());
        if all {
            self.state
                .load_all(by_bucket.values().flatten().copied())
                .map_err(corrupt)?;
        } else {
            for b in buckets {
                let rows = by_bucket.remove(&b).unwrap_or_default();
                self.state.load_bucket(b, rows).map_err(corrupt)?;
            }
        }
        Ok(())
    }

    /// Where the ledger lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    pub(crate) fn key_file(&self) -> PathBuf {
        self.key_path
            .clone()
            .unwrap_or_else(|| PathBuf::from("--node-key"))
    }
    /// This node's id.
    pub fn node_id(&self) -> &NodeId {
        &self.node
    }
    /// The checkpoint origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }
    /// The public key that verifies this node's heads.
    pub fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }
    /// Number of events in the ledger.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// Every signed head, with its size, in increasing size.
    pub fn heads(&self) -> Result<Vec<StoredCheckpoint>, NodeError> {
        Ok(self.store.checkpoints()?)
    }

    /// The latest signed head, parsed and checked, with its note text.
    pub fn head(&self) -> Result<Option<(Checkpoint, String)>, NodeError> {
        match self.store.latest_checkpoint()? {
            None => Ok(None),
            Some(c) => {
                let cp =
                    rollcall_ledger::open_checkpoint(&c.note, &self.verifier).map_err(|e| {
                        NodeError::Corrupt(format!("signed head at size {}: {e}", c.size))
                    })?;
                Ok(Some((cp, c.note)))
            }
        }
    }

    /// Appends `kinds` as one atomic batch recorded by `user`, which happened
    /// at `occurred_at`. Durable when it returns `Ok`; on `Err` nothing changed.
    pub fn append(
        &mut self,
        user: &str,
        occurred_at: Timestamp,
        kinds: Vec<EventKind>,
    ) -> Result<Receipt, NodeError> {
        if !self.staged.is_empty() {
            self.commit()?;
        }
        let first_seq = self.stage(user, occurred_at, kinds)?;
        let mut r = self.commit()?;
        r.first_seq = first_seq;
        r.count = r.tree_size - first_seq;
        Ok(r)
    }

    /// Checks `kinds` as one atomic batch against every guarantee and queues
    /// it for the next [`Node::commit`] (group commit: many batches, one
    /// durable transaction, one signed head). The projections reflect it at
    /// once, so later batches are checked against it; it is not durable, and
    /// must not be acknowledged, until `commit` returns. A refused batch
    /// changes nothing. Returns the seq of its first event.
    ///
    /// The first batch staged takes the ledger's write lock (waiting up to
    /// [`WRITER_WAIT`] for another writer to commit), which `commit`
    /// releases; a first batch refused releases it at once.
    pub fn stage(
        &mut self,
        user: &str,
        occurred_at: Timestamp,
        kinds: Vec<EventKind>,
    ) -> Result<u64, NodeError> {
        if self.key.is_none() {
            return Err(NodeError::Key {
                path: self.key_file(),
                reason: "is not here: this copy can be read and verified, but only the node holding the key can append".into(),
            });
        }
        if self.staged.is_empty() {
            self.hold_writer()?;
        }
        let staged = self.stage_held(user, occurred_at, kinds);
        if staged.is_err() && self.staged.is_empty() {
            self.writer = None;
        }
        staged
    }

    fn stage_held(
        &mut self,
        user: &str,
        occurred_at: Timestamp,
        kinds: Vec<EventKind>,
    ) -> Result<u64, NodeError> {
        let recorded_at = Timestamp::now();
        let actor = Actor {
            user: UserId::new(user),
            node: self.node.clone(),
        };
        let mut kinds = Some(kinds);
        let mut round = 0;
        // Built, checked and applied again whenever applying needed rows
        // not yet loaded (the counters, too, may have been among them).
        let (first_seq, encoded, delta) = loop {
            round += 1;
            let _ = self.state.take_misses();
            let first_seq = self.state.next_seq();
            let first_counter = self.state.next_counter(&self.node);
            let events: Vec<Event> = kinds
                .take()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, what)| {
                    Event::new(
                        first_counter + i as u64,
                        occurred_at,
                        recorded_at,
                        actor.clone(),
                        what,
                    )
                })
                .collect();
            let mut encoded = Vec::with_capacity(events.len());
            for e in &events {
                handover::check(e)?;
                encoded.push(e.encode()?);
            }
            match self.state.apply_batch(&events) {
                Ok(delta) => break (first_seq, encoded, delta),
                Err(rejected) => {
                    let misses = self.state.take_misses();
                    if misses.is_empty() || round >= LOAD_ROUNDS {
                        return Err(rejected.into());
                    }
                    self.fetch(&misses)?;
                    kinds = Some(events.into_iter().map(|e| e.what).collect());
                }
            }
        };
        for (table, key, value) in delta.rows {
            self.staged_rows.insert((table, key), value);
        }
        self.staged_index
            .extend(delta.index.into_iter().map(|c| match c {
                CoreIndexChange::Add(e) => StoreIndexChange::Insert(stored_entry(e)),
                CoreIndexChange::Remove(e) => StoreIndexChange::Delete(stored_entry(e)),
            }));
        for (i, bytes) in encoded.into_iter().enumerate() {
            let leaf_hash = rollcall_ledger::leaf_hash(&bytes);
            self.staged_frontier.push(leaf_hash);
            self.staged.push(StoredEvent {
                seq: first_seq + i as u64,
                bytes,
                leaf_hash,
            });
        }
        Ok(first_seq)
    }

    /// Signs every handover and departure in `kinds` — a batch about to be
    /// staged next, by [`Node::stage`] or [`Node::append`] — with each of
    /// `signers` for its side. The statement names the event each will be
    /// (this node and its next counters), so sign just before staging.
    pub fn sign_handovers(
        &self,
        kinds: &mut [EventKind],
        at: Timestamp,
        signers: &[(rollcall_core::event::Side, &SigningKey)],
    ) {
        let first = rollcall_core::event::EventId {
            origin: self.node.clone(),
            counter: self.state.next_counter(&self.node),
        };
        handover::sign_all(kinds, &first, at, signers);
    }

    /// Number of events staged and not yet committed.
    pub fn staged(&self) -> usize {
        self.staged.len()
    }

    /// Writes every staged batch, their projection rows and one new signed
    /// head in one durable transaction. On error nothing staged is written
    /// and the node reloads what is durable.
    pub fn commit(&mut self) -> Result<Receipt, NodeError> {
        let first_seq = self.frontier.size();
        if self.staged.is_empty() {
            // A lock a read took (see `fetch`) ends here too.
            self.writer = None;
            return Ok(Receipt {
                first_seq,
                count: 0,
                tree_size: first_seq,
                root: self.frontier.root(),
            });
        }
        let Some(key) = &self.key else {
            return Err(NodeError::Key {
                path: self.key_file(),
                reason: "is not here".into(),
            });
        };
        let tiles: Vec<StoredTile> = self
            .staged_frontier
            .take_changed()
            .into_iter()
            .map(stored_tile)
            .collect();
        let frontier = self.staged_frontier.clone();
        let root = frontier.root();
        let cp = Checkpoint::new(self.origin.clone(), frontier.size(), root);
        let note = rollcall_ledger::sign_checkpoint(&cp, key);
        let checkpoint = StoredCheckpoint {
            size: frontier.size(),
            note,
        };
        let projection: Vec<ProjectionChange> = std::mem::take(&mut self.staged_rows)
            .into_iter()
            .map(|((table, key), value)| match value {
                Some(value) => ProjectionChange::Upsert(ProjectionRow {
                    bucket: bucket_of(&key),
                    table: table.into(),
                    key,
                    value,
                }),
                None => ProjectionChange::Delete {
                    table: table.into(),
                    key,
                },
            })
            .collect();
        let stored = std::mem::take(&mut self.staged);
        let index = std::mem::take(&mut self.staged_index);
        let access = std::mem::take(&mut self.staged_access);
        let mut sealed = Vec::new();
        if let Some(s) = self.seal.as_mut() {
            for change in &projection {
                let set = match change {
                    ProjectionChange::Upsert(r) => s.set(&r.table, &r.key, Some(&r.value)),
                    ProjectionChange::Delete { table, key } => s.set(table, key, None),
                };
                if set.is_err() {
                    // A row written whose bucket was never loaded: refuse
                    // rather than seal digests that are not the rows'.
                    self.reload()?;
                    return Err(NodeError::Corrupt(
                        "a projection row was written without its bucket being loaded".into(),
                    ));
                }
            }
            sealed = s.take_changed(&self.origin, frontier.size(), &root);
        }
        let meta: Vec<(&str, &str)> = sealed
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let commit = Commit {
            events: &stored,
            tiles: &tiles,
            projection: &projection,
            index: &index,
            checkpoint: Some(&checkpoint),
            access: &access,
            meta: &meta,
        };
        let appended = self.store.append(&commit);
        self.writer = None;
        if let Err(e) = appended {
            // The projections already hold the staged batches; reload what is durable.
            self.reload()?;
            return Err(match e {
                rollcall_store::StoreError::OutOfSequence { .. } => {
                    NodeError::Conflict(self.size())
                }
                other => other.into(),
            });
        }
        self.frontier = frontier;
        if let Some(last) = access.last() {
            self.access_next = last.id + 1;
            self.access_head = last.hash;
        }
        Ok(Receipt {
            first_seq,
            count: stored.len() as u64,
            tree_size: self.frontier.size(),
            root,
        })
    }

    fn reload(&mut self) -> Result<(), NodeError> {
        let fresh = Node::open_at(&self.location, self.key_path.as_deref())?;
        let writer = self.writer.take();
        *self = fresh;
        self.writer = writer;
        Ok(())
    }

    /// Takes the ledger's write lock unless this node holds it. Every
    /// writer holds it from its first staged batch to its commit, so no
    /// other writer can append in between: a batch that took seconds to
    /// check (a large import) commits instead of being overtaken by short
    /// ones and having to start again. If another writer appended since
    /// this node last read the store, the node reloads first (nothing is
    /// staged yet), so what it checks is the store as it now is.
    fn hold_writer(&mut self) -> Result<(), NodeError> {
        if self.writer.is_some() {
            return Ok(());
        }
        let lock = self.store.writer_lock(WRITER_WAIT)?;
        let now = self.store.size()?;
        if now != self.frontier.size() {
            if !self.staged.is_empty() {
                return Err(NodeError::Conflict(now));
            }
            self.reload()?;
        }
        self.writer = Some(lock);
        Ok(())
    }

    /// Replays every event into fresh projections and replaces the stored
    /// projection rows with them, and writes the tree tiles the store lacks
    /// (a store written before tiles were kept) or holds narrower, all
    /// under the store's write lock: no other
    /// writer can append between the replay and the replacement, so nothing
    /// acknowledged is lost from the projections. With the signing key here
    /// the new rows are sealed for the tree they were derived from. The
    /// events are not touched. Works without opening the node, so it repairs
    /// projections that stop [`Node::open`]. Returns the rows written and the
    /// events replayed.
    pub fn rebuild_dir(dir: &Path) -> Result<(usize, u64), NodeError> {
        Self::rebuild_at(&Location::Dir(dir.to_path_buf()), None)
    }

    /// [`Node::rebuild_dir`] for a ledger at any location, sealing with the
    /// key in `key` (or the directory's `node.key`) when it is there.
    pub fn rebuild_at(location: &Location, key: Option<&Path>) -> Result<(usize, u64), NodeError> {
        let mut store = location.open_store()?;
        // No writer is between its reads and its commit while this runs.
        let _writer = store.writer_lock(WRITER_WAIT)?;
        let key_path = key
            .map(Path::to_path_buf)
            .or_else(|| location.default_key());
        let key = load_key(key_path.as_deref(), key.is_some())?;
        let origin = store
            .meta_get("origin")?
            .ok_or_else(|| NodeError::Corrupt("setting `origin` is missing".into()))?;
        let mut failure = None;
        let mut replayed = 0;
        let r = store.rebuild_projection(&mut |st| {
            let derived = verify::replay(st, &mut |_| {}).and_then(|(state, mut tree)| {
                let tiles = tiles_to_write(st, tree.take_changed())?;
                Ok((state, tree, tiles))
            });
            let (state, tree, tiles) = match derived {
                Ok(d) => d,
                Err(e) => {
                    failure = Some(e);
                    return Err(rollcall_store::StoreError::Corrupt {
                        what: "replay failed".into(),
                    });
                }
            };
            replayed = state.next_seq();
            let rows = stored_rows(state.to_rows());
            let meta = match &key {
                Some(k) => seal_of(k, &origin, &rows, tree.size(), &tree.root()),
                // Without the key no seal can be made; the stale one no
                // longer matches, so the node holding the key rebuilds again.
                None => vec![(seal::META_KEY.into(), String::new())],
            };
            Ok(Rebuilt {
                rows,
                meta,
                tiles,
                index: stored_index(&state),
            })
        });
        if let Some(e) = failure {
            return Err(e);
        }
        Ok((r?, replayed))
    }

    /// Whether this copy holds the signing key (and so can append).
    pub fn can_sign(&self) -> bool {
        self.key.is_some()
    }

    /// A consistent snapshot of the whole ledger into a new file, taken while
    /// others may write; returns the signed head it contains.
    pub fn backup(&self, out: &Path) -> Result<Option<StoredCheckpoint>, NodeError> {
        Ok(self.store.backup_to(out)?)
    }
}

/// Of the tiles the events derive (`derived`, ordered by level and index),
/// those the store lacks or holds narrower. A stored tile that is not a
/// prefix of the derived one, or that the events do not derive at all,
/// is refused naming it: tiles are never rewritten, so a changed one is
/// restored from a backup, not rebuilt.
fn tiles_to_write(
    store: &dyn Store,
    derived: Vec<rollcall_ledger::Tile>,
) -> Result<Vec<StoredTile>, NodeError> {
    let mut want = derived.into_iter().map(stored_tile).peekable();
    let mut out = Vec::new();
    let mut bad = None;
    let refuse = |t: &StoredTile, why: &str| {
        NodeError::Tiles(format!(
            "do not match the events: tile {}/{} {why}; tiles are never rewritten, \
             so restore the ledger from a backup",
            t.level, t.index
        ))
    };
    store
        .for_each_tile(&mut |have| {
            while let Some(w) = want.next_if(|w| (w.level, w.index) < (have.level, have.index)) {
                out.push(w);
            }
            match want.next_if(|w| (w.level, w.index) == (have.level, have.index)) {
                None => {
                    bad = Some(refuse(
                        &have,
                        "is stored, but the events derive no such tile",
                    ));
                }
                Some(w) if w.hashes.starts_with(&have.hashes) => {
                    if w.width() > have.width() {
                        out.push(w);
                    }
                }
                Some(_) => {
                    bad = Some(refuse(&have, "differs from the tile the events derive"));
                }
            }
            match bad {
                Some(_) => Err(StoreError::Corrupt {
                    what: "tile mismatch".into(),
                }),
                None => Ok(()),
            }
        })
        .map_err(|e| bad.take().unwrap_or_else(|| NodeError::from(e)))?;
    if let Some(b) = bad {
        return Err(b);
    }
    out.extend(want);
    Ok(out)
}
