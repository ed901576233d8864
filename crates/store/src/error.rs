//! The one error type of every [`Store`](crate::Store) operation, each variant
//! naming what failed.

use std::path::PathBuf;

/// What went wrong in a store operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// An appended event does not carry the next sequence number; nothing was written.
    #[error("events out of sequence: expected seq {expected}, got {got}")]
    OutOfSequence {
        /// The seq the store required at that position.
        expected: u64,
        /// The seq the caller supplied.
        got: u64,
    },

    /// A commit's checkpoint names more events than the ledger would hold.
    #[error("checkpoint for tree size {size} is beyond the ledger size {ledger_size}")]
    CheckpointBeyondLedger {
        /// The checkpoint's tree size.
        size: u64,
        /// The ledger size after the commit's events.
        ledger_size: u64,
    },

    /// A checkpoint for that tree size is already stored; checkpoints are never replaced.
    #[error("a checkpoint for tree size {size} already exists and is never replaced")]
    CheckpointExists {
        /// The tree size given twice.
        size: u64,
    },

    /// A commit would change a full tile, or replace a partial one with one
    /// that is not wider or does not start with its hashes; nothing was written.
    #[error(
        "tile {level}/{index} is stored already and would not only grow: a full tile is never rewritten, a partial one only extended"
    )]
    TileRewritten {
        /// The tile's level.
        level: u8,
        /// The tile's index.
        index: u64,
    },

    /// A tile given to store holds no hashes, more than a full tile, or has a
    /// level beyond 63; nothing was written.
    #[error("tile {level}/{index} holds {width} hashes (1 to 256 allowed, at levels 0 to 63)")]
    BadTile {
        /// The tile's level.
        level: u8,
        /// The tile's index.
        index: u64,
        /// Hashes given.
        width: usize,
    },

    /// `replace_projection` was given the same `(table, key)` twice.
    #[error("projection row ({table}, {key}) given twice")]
    DuplicateProjectionRow {
        /// Projection table.
        table: String,
        /// Row key.
        key: String,
    },

    /// A requested event range is not within the ledger.
    #[error("event range [{from}, {to}) is not within the ledger of {size} events")]
    OutOfRange {
        /// Start of the range (inclusive).
        from: u64,
        /// End of the range (exclusive).
        to: u64,
        /// The ledger size.
        size: u64,
    },

    /// A number does not fit the backend's integer column.
    #[error("{what} = {value} does not fit a signed 64-bit column")]
    TooLarge {
        /// Which value.
        what: &'static str,
        /// The value.
        value: u64,
    },

    /// `open_existing` was given a path with no file.
    #[error("no store at {}", .0.display())]
    NotFound(PathBuf),

    /// `backup_to` only writes new files.
    #[error("{} already exists; a backup is only written to a new file", .0.display())]
    AlreadyExists(PathBuf),

    /// The file is an SQLite database, but not a Rollcall store.
    #[error("{} is not a Rollcall store (SQLite application_id {application_id:#x})", .path.display())]
    NotAStore {
        /// The file.
        path: PathBuf,
        /// Its `application_id`.
        application_id: i32,
    },

    /// Stored data breaks an invariant of the store (bad type, negative
    /// number, wrong hash length, gap in seqs...).
    #[error("corrupt store: {what}")]
    Corrupt {
        /// What is wrong, and in which row.
        what: String,
    },

    /// The backup could not finish because the source stayed busy.
    #[error("backup to {} gave up: the database stayed busy", .0.display())]
    BackupBusy(PathBuf),

    /// Another writer held the ledger's write lock for the whole wait.
    #[error(
        "another writer has held this ledger's write lock for {waited_secs} s (a large import, or a process that hangs); nothing of yours was written — run the command again when it is done"
    )]
    WriterBusy {
        /// How long this writer waited.
        waited_secs: u64,
    },

    /// File-system error outside SQLite.
    #[error("I/O error on {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },

    /// An error raised by the caller's closure in `for_each_event`, passed through.
    #[error("stopped by caller: {0}")]
    Callback(Box<dyn std::error::Error + Send + Sync>),

    /// The backend itself failed: a connection, query, transaction or
    /// schema migration of its database. `backend` names it (`sqlite`,
    /// `postgresql`); the message is the database's own, and never holds a
    /// password.
    #[error("{backend}: {message}")]
    Backend {
        /// Which backend.
        backend: &'static str,
        /// What it said.
        message: String,
    },
}

impl StoreError {
    /// [`StoreError::Corrupt`] saying `what`.
    pub fn corrupt(what: impl Into<String>) -> Self {
        StoreError::Corrupt { what: what.into() }
    }
}
