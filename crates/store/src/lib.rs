//! Durable storage for the Rollcall custody ledger, behind one narrow trait.
//!
//! This crate knows nothing of the domain. It stores:
//!
//! * **events**: opaque, already-encoded bytes, each with its sequence number
//!   (`seq`, starting at 0, contiguous) and the Merkle leaf hash the caller
//!   computed for it;
//! * **checkpoints**: the signed note text of a tree head, keyed by tree size;
//! * **tiles**: the Merkle tree's hash tiles (C2SP `tlog-tiles`), keyed by
//!   level and index, written with the events they cover: a tile of 256
//!   hashes is never rewritten, a partial one is only replaced by a wider one
//!   that extends it;
//! * **projection rows**: `(table, key) -> value` strings derived from the
//!   events, which may be rebuilt from them at any time. Each row belongs to
//!   a **bucket**, a `u32` the caller computes from `(table, key)` (the store
//!   never does), so a caller loads the rows it needs a few buckets at a
//!   time ([`Store::projection_buckets`], off an index) instead of all of
//!   them;
//! * a **secondary index**, derived like the projection: entries
//!   `(index, term, sort, key)` ([`IndexEntry`]) that the caller derives, so
//!   a list ("people at facility F of nationality N, in name order, page 3")
//!   is one keyset page ([`Store::index_page`]) rather than a scan of every
//!   row;
//! * an **access log** of who looked at what, and a few **meta** settings.
//!
//! # The trait
//!
//! [`Store`] is the whole contract. Every write that belongs together goes
//! through [`Store::append`] as one [`Commit`]: its events, tiles, projection
//! changes, index changes, access records, settings and optional checkpoint
//! are written in a single transaction, or not at all.
//! Each backend is a crate of its own: `rollcall-store-sqlite` (the embedded
//! default, one file) and `rollcall-store-postgres` (a central node). Each
//! passes the same behavioural suite, `conformance` (behind the feature of
//! that name, which backend crates enable for their tests), and shares the
//! contract's checks that need no database through [`backend`]. Errors are
//! backend-neutral ([`StoreError`]): what a caller can act on has a variant
//! of its own, and a backend's own failure is [`StoreError::Backend`],
//! naming the backend, so nothing above this crate depends on a database
//! library.
//!
//! # Durability
//!
//! `append`, `replace_projection`, `rebuild_projection` and `meta_set` return only
//! once their transaction is durable. For SQLite that means `journal_mode=WAL`
//! with `synchronous=FULL`: the write-ahead log is fsynced at every commit, so
//! a crash or power loss after `Ok(())` loses nothing. [`Store::backup_to`]
//! takes a consistent online snapshot while other connections keep writing;
//! it holds everything above, derived data included.
//!
//! # Nothing edits the ledger
//!
//! There is no method that changes or removes an event, a checkpoint, a full
//! tile or an access record: the ledger only grows. Only projection rows and
//! index entries (derived data) and meta settings can be overwritten. The SQLite schema backs this with
//! triggers that abort any `UPDATE` or `DELETE` on those tables. Someone with
//! write access to the file can still drop the triggers or edit bytes; catching
//! that is the job of the ledger's hash chain and signed checkpoints, not of
//! this crate.

#![warn(missing_docs)]

pub mod backend;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;

pub use error::StoreError;

/// A SHA-256 sized digest (the Merkle leaf hash of an event).
pub type Hash = [u8; 32];

/// One event as stored: its position, its encoded bytes and its leaf hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoredEvent {
    /// Position in the ledger, starting at 0, without gaps.
    pub seq: u64,
    /// The encoded event, opaque to the store.
    pub bytes: Vec<u8>,
    /// The Merkle leaf hash of `bytes`, computed by the caller.
    pub leaf_hash: Hash,
}

/// One row of a projection table: derived data, rebuildable from the events.
///
/// The derived order is by `(table, key)` first, the order of
/// [`Store::projection_all`] (a store holds one row per `(table, key)`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectionRow {
    /// Name of the projection table.
    pub table: String,
    /// Key of the row within its table.
    pub key: String,
    /// The row's value (typically encoded JSON), opaque to the store.
    pub value: String,
    /// The bucket the row belongs to, computed by the caller from `(table,
    /// key)` (the store never computes it). Rows are loaded a bucket at a
    /// time with [`Store::projection_buckets`].
    pub bucket: u32,
}

/// A change to one projection row, applied as part of a [`Commit`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProjectionChange {
    /// Insert the row, or overwrite the value and bucket of an existing
    /// `(table, key)` (so an upsert may move a row to another bucket).
    Upsert(ProjectionRow),
    /// Remove the row if present; removing a missing row is not an error.
    Delete {
        /// Name of the projection table.
        table: String,
        /// Key of the row to remove.
        key: String,
    },
}

/// One entry of a secondary index: under `(index, term)`, the row `key`,
/// placed by `sort`. The caller derives entries from the events (the store
/// gives them no meaning): `("people_at", "F-12/SY", "Haddad Omar", "P-0042")`
/// lists person P-0042 among the people at facility F-12 of nationality SY,
/// in name order. An index is a set: an entry is there or not.
///
/// The derived order is `(index, term, sort, key)`, that of
/// [`Store::for_each_index_entry`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndexEntry {
    /// Which index (`people_at`, say).
    pub index: String,
    /// What is looked up in it (a facility and a nationality, say).
    pub term: String,
    /// Where the entry sits among those of its term (compared by bytes).
    pub sort: String,
    /// What the entry points at (typically a projection key); breaks ties of `sort`.
    pub key: String,
}

/// A change to the secondary index, applied as part of a [`Commit`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IndexChange {
    /// Add the entry; adding one that is there already is not an error.
    Insert(IndexEntry),
    /// Remove the entry; removing a missing one is not an error.
    Delete(IndexEntry),
}

/// One hash tile of the Merkle tree (C2SP `tlog-tiles`): the hashes at
/// `level` (subtrees of `256^level` leaves) from `index · 256` on. Opaque to
/// the store beyond its shape: 1 to 256 hashes, 256 being a full tile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoredTile {
    /// Its level, 0 to 63 (0 holds leaf hashes).
    pub level: u8,
    /// Its index within the level.
    pub index: u64,
    /// Its hashes, leftmost first: 1 to [`TILE_WIDTH`].
    pub hashes: Vec<Hash>,
}

/// Hashes in a full tile.
pub const TILE_WIDTH: usize = 256;

impl StoredTile {
    /// Number of hashes in it.
    pub fn width(&self) -> usize {
        self.hashes.len()
    }
}

/// A checkpoint: the signed note text of the tree head at `size` events.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoredCheckpoint {
    /// The tree size (number of events) the note commits to.
    pub size: u64,
    /// The signed note text, opaque to the store.
    pub note: String,
}

/// One entry of the append-only access log. Records are written only as
/// part of a [`Commit`], together with the ledger event that commits to them,
/// so the caller can chain them (`hash`) and sign the chain's head.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccessRecord {
    /// Position in the access log: from 0, without gaps.
    pub id: u64,
    /// When the access happened, RFC 3339, supplied by the caller.
    pub at: String,
    /// Who accessed (the name they gave or were authenticated as).
    pub user: String,
    /// The operating-system account (or other authenticated identity) behind `user`.
    pub account: String,
    /// The role and scope they acted in.
    pub role: String,
    /// From which node.
    pub node: String,
    /// What they did (e.g. `person.show`).
    pub action: String,
    /// What they did it to.
    pub subject: String,
    /// The reason they stated for the session the read was made in (empty
    /// when none was given).
    pub reason: String,
    /// Seq of the ledger event that commits to this record.
    pub committed_by: u64,
    /// The caller's chain hash over this record and the one before it.
    pub hash: Hash,
}

/// One atomic unit: everything in it is written in ONE transaction, or nothing is.
///
/// Any part may be empty. The checkpoint, if present, may name any tree size up
/// to the ledger size after the commit's events, and must not already exist.
#[derive(Debug, Clone, Copy, Default)]
pub struct Commit<'a> {
    /// Events to append; `events[0].seq` must equal the current size and the
    /// seqs must be contiguous.
    pub events: &'a [StoredEvent],
    /// Tiles to store: each is new, or a wider version of a stored partial
    /// tile that starts with its hashes; anything else is
    /// [`StoreError::TileRewritten`] and the whole commit is refused.
    pub tiles: &'a [StoredTile],
    /// Projection changes, applied in order after the events.
    pub projection: &'a [ProjectionChange],
    /// Secondary index changes, applied in order after the projection
    /// changes (so the last change to an entry decides whether it is there).
    pub index: &'a [IndexChange],
    /// A checkpoint to record alongside.
    pub checkpoint: Option<&'a StoredCheckpoint>,
    /// Access records to append; `access[0].id` must equal the current
    /// length of the access log and the ids must be contiguous.
    pub access: &'a [AccessRecord],
    /// Settings to set in the same transaction (e.g. a seal over the projections).
    pub meta: &'a [(&'a str, &'a str)],
}

/// What [`Store::rebuild_projection`]'s `derive` returns: the rows and
/// index entries to store and settings to set with them.
#[derive(Debug, Clone, Default)]
pub struct Rebuilt {
    /// Every projection row.
    pub rows: Vec<ProjectionRow>,
    /// Every secondary index entry (as in [`Store::replace_projection`], an
    /// entry given twice is stored once).
    pub index: Vec<IndexEntry>,
    /// Tiles to store, with the rules of [`Commit::tiles`] (tiles missing
    /// from a store written before tiles were kept, say).
    pub tiles: Vec<StoredTile>,
    /// Settings to set in the same transaction.
    pub meta: Vec<(String, String)>,
}

/// The storage contract of the ledger. See the [crate docs](crate).
///
/// Orderings of strings (projection tables and keys, index entries) are by
/// bytes, as Rust's `str` orders them (SQLite `BINARY`, PostgreSQL
/// `COLLATE "C"`).
pub trait Store {
    /// Appends atomically. `events[0].seq` must equal `self.size()` and seqs
    /// must be contiguous; otherwise [`StoreError::OutOfSequence`] naming the
    /// expected and the offending seq, and nothing is written. A checkpoint
    /// beyond the new size is [`StoreError::CheckpointBeyondLedger`]; one whose
    /// size already has a checkpoint is [`StoreError::CheckpointExists`]; both
    /// write nothing. Returns only once durable (fsynced).
    fn append(&mut self, commit: &Commit<'_>) -> Result<(), StoreError>;

    /// The number of events.
    fn size(&self) -> Result<u64, StoreError>;

    /// Events with `from <= seq < to`. Requires `from <= to <= size`, else
    /// [`StoreError::OutOfRange`].
    fn events(&self, from: u64, to: u64) -> Result<Vec<StoredEvent>, StoreError>;

    /// Calls `f` with every event in seq order without loading them all at
    /// once. Stops at and returns the first error, including one from `f`.
    fn for_each_event(
        &self,
        f: &mut dyn FnMut(StoredEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// The event at `seq`, if the ledger is that long.
    fn event(&self, seq: u64) -> Result<Option<StoredEvent>, StoreError>;

    /// The tile at `level`, `index` as stored (its widest version so far).
    fn tile(&self, level: u8, index: u64) -> Result<Option<StoredTile>, StoreError>;

    /// Calls `f` with every stored tile, ordered by level then index. Stops
    /// at and returns the first error, including one from `f`.
    fn for_each_tile(
        &self,
        f: &mut dyn FnMut(StoredTile) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// All checkpoints, in increasing size.
    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError>;

    /// The checkpoint with the largest size.
    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// The checkpoint for exactly `size` events.
    fn checkpoint_at(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// The rows of one projection table (buckets included), in key order.
    fn projection_table(&self, table: &str) -> Result<Vec<ProjectionRow>, StoreError>;

    /// One projection value: the value only, not its bucket (the caller
    /// computes the bucket from `(table, key)`; [`Store::projection_table`],
    /// [`Store::projection_all`] and [`Store::projection_buckets`] return the
    /// bucket as stored).
    fn projection_get(&self, table: &str, key: &str) -> Result<Option<String>, StoreError>;

    /// Every projection row, ordered by `(table, key)`.
    fn projection_all(&self) -> Result<Vec<ProjectionRow>, StoreError>;

    /// Every row of the given buckets, ordered by `(bucket, table, key)`, as
    /// of one committed state. A bucket given twice is read once; an empty
    /// slice returns nothing. Indexed by bucket, so its cost follows the
    /// rows returned, not the size of the store.
    fn projection_buckets(&self, buckets: &[u32]) -> Result<Vec<ProjectionRow>, StoreError>;

    /// Replaces ALL projection rows and ALL secondary index entries (used by
    /// `rebuild`) in one transaction; the events are untouched. A `(table,
    /// key)` given twice is [`StoreError::DuplicateProjectionRow`] and
    /// changes nothing. An index entry given twice is stored once: the index
    /// is a set, and two copies of an entry cannot disagree, whereas two
    /// rows of one `(table, key)` can.
    fn replace_projection(
        &mut self,
        rows: &[ProjectionRow],
        index: &[IndexEntry],
    ) -> Result<(), StoreError>;

    /// Replaces ALL projection rows and index entries (as
    /// [`Store::replace_projection`] does), stores `tiles` and sets `meta`
    /// under the write lock, in one transaction: `derive` reads the store
    /// (its events) inside that transaction, so no other writer can append
    /// between the read and the replacement. Nothing changes if `derive`
    /// fails. Returns the number of rows.
    fn rebuild_projection(
        &mut self,
        derive: &mut dyn FnMut(&dyn Store) -> Result<Rebuilt, StoreError>,
    ) -> Result<usize, StoreError>;

    /// The entries of `(index, term)` ordered by `(sort, key)` by bytes:
    /// at most `limit` of them, and only those strictly after `after`
    /// (a `(sort, key)`, typically the last of the previous page) when given.
    /// Keyset paging: a page costs the same wherever it starts.
    fn index_page(
        &self,
        index: &str,
        term: &str,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<IndexEntry>, StoreError>;

    /// The number of entries of `(index, term)`.
    fn index_count(&self, index: &str, term: &str) -> Result<u64, StoreError>;

    /// Calls `f` with every index entry ordered by `(index, term, sort,
    /// key)`, without loading them all at once. Stops at and returns the
    /// first error, including one from `f`.
    fn for_each_index_entry(
        &self,
        f: &mut dyn FnMut(IndexEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// The whole access log, oldest first.
    fn access_log(&self) -> Result<Vec<AccessRecord>, StoreError>;

    /// The last access record, if any.
    fn access_tail(&self) -> Result<Option<AccessRecord>, StoreError>;

    /// The names of the store's own append-only guards (triggers) that are
    /// missing: someone with write access to the file removed them.
    fn missing_guards(&self) -> Result<Vec<String>, StoreError>;

    /// A small setting (origin, node name, verifier key...).
    fn meta_get(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Every setting, ordered by key (a backup copies them all).
    fn meta_all(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Sets (or overwrites) a small setting, durably.
    fn meta_set(&mut self, key: &str, value: &str) -> Result<(), StoreError>;

    /// Begins a read transaction on this handle, unless one is open on it
    /// already (then returns `false` and does nothing): the first half of
    /// a [`Snapshot`]. Call [`Store::snapshot`] instead, whose handle
    /// ends what this begins.
    #[doc(hidden)]
    fn begin_snapshot(&self) -> Result<bool, StoreError>;

    /// Ends the read transaction [`Store::begin_snapshot`] began: the
    /// second half of a [`Snapshot`], which calls it.
    #[doc(hidden)]
    fn end_snapshot(&self) -> Result<(), StoreError>;

    /// A consistent view of this store: every read made through the
    /// returned handle, until it is finished or dropped, sees one
    /// committed state, even while another process appends. Reads made
    /// one after another without it may see different states. The handle
    /// borrows the store, so nothing can be written through this handle
    /// while it lives; inside another snapshot of the same handle it
    /// shares that one's state.
    fn snapshot(&self) -> Result<Snapshot<'_>, StoreError>
    where
        Self: Sized,
    {
        Snapshot::of(self)
    }

    /// Writes a consistent online snapshot to `path`, which must not exist,
    /// while others may be writing. Returns the latest checkpoint contained in
    /// the snapshot (so the snapshot is at least that long). Whatever the
    /// backend, the snapshot is an SQLite store file (`rollcall_store_sqlite::SqliteStore`): one
    /// portable file that opens, verifies and restores anywhere.
    fn backup_to(&self, path: &std::path::Path) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// Takes the ledger's write lock, held by one writer at a time across
    /// every process and handle using this store, waiting up to `wait` for
    /// it ([`StoreError::WriterBusy`] after that). Released when the
    /// returned guard is dropped (or its process ends). A writer holds it
    /// from the first read its batch depends on to its commit, so a long
    /// batch is never overtaken by short ones and never has to start again.
    /// Readers never take it.
    fn writer_lock(&self, wait: std::time::Duration) -> Result<Box<dyn WriterLock>, StoreError>;
}

/// A consistent read of a store ([`Store::snapshot`]): it reads as the
/// store does (it dereferences to it, read-only), and every read through
/// it sees the one committed state that held when its first read was made.
/// [`Snapshot::finish`] ends it and reports a failure to end; dropping it
/// ends it too, ignoring one (a read-only transaction loses nothing).
#[must_use = "a snapshot reads nothing unless its reads go through it"]
pub struct Snapshot<'a> {
    store: &'a dyn Store,
    /// Whether this handle began the transaction (and so must end it);
    /// `false` inside another snapshot of the same store handle.
    began: bool,
}

impl<'a> Snapshot<'a> {
    /// A snapshot of `store`: [`Store::snapshot`], for a store behind
    /// `dyn` too.
    pub fn of(store: &'a dyn Store) -> Result<Self, StoreError> {
        let began = store.begin_snapshot()?;
        Ok(Snapshot { store, began })
    }

    /// Ends the snapshot, reporting a failure to end it.
    pub fn finish(mut self) -> Result<(), StoreError> {
        let began = std::mem::replace(&mut self.began, false);
        if began {
            self.store.end_snapshot()
        } else {
            Ok(())
        }
    }
}

impl<'a> std::ops::Deref for Snapshot<'a> {
    type Target = dyn Store + 'a;

    fn deref(&self) -> &Self::Target {
        self.store
    }
}

impl Drop for Snapshot<'_> {
    fn drop(&mut self) {
        if self.began {
            let _ = self.store.end_snapshot();
        }
    }
}

impl std::fmt::Debug for Snapshot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("began", &self.began)
            .finish_non_exhaustive()
    }
}

/// A held write lock ([`Store::writer_lock`]); dropping it releases it.
pub trait WriterLock: Send + std::fmt::Debug {}
