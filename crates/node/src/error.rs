//! What can go wrong on a node, in words that tell the user what to do next.

use std::path::PathBuf;

/// A node operation that failed. Nothing was written unless the variant says so.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A guarantee refused the batch; nothing was written.
    #[error(transparent)]
    Refused(#[from] rollcall_core::BatchRejected),
    /// A workflow refused the request before any event was built.
    #[error(transparent)]
    Rule(#[from] rollcall_core::Violation),
    /// The store failed; nothing in the failed commit was written.
    #[error("store: {0}")]
    Store(#[from] rollcall_store::StoreError),
    /// Another process appended since this node was opened; nothing was written.
    #[error(
        "another writer appended to this ledger since it was opened (it now holds {0} events); nothing of yours was written — run the command again"
    )]
    Conflict(u64),
    /// No ledger in this directory.
    #[error(
        "{0} holds no Rollcall ledger; run `rollcall init --data {0}` (or `rollcall demo --data {0}`) first"
    )]
    NotInitialised(String),
    /// A ledger already exists here.
    #[error(
        "{0} already holds a Rollcall ledger; use another --data directory (a ledger is never overwritten)"
    )]
    AlreadyInitialised(String),
    /// The signing key is missing or unreadable.
    #[error("signing key {path}: {reason}")]
    Key {
        /// Where.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Stored data does not read back; run `rollcall verify` for details.
    #[error(
        "stored data is damaged: {0}; run `rollcall verify` to find the first damaged record (`rollcall rebuild` recomputes damaged projections from the events)"
    )]
    Corrupt(String),
    /// The stored tree tiles do not give the ledger's tree (missing, or
    /// changed); the message says what to run.
    #[error("the ledger's tree tiles {0}")]
    Tiles(String),
    /// The node name given at `init` cannot name a node.
    #[error(
        "node name: {0}; the name is the node's short code in every id it mints (for example NSR1 gives P-NSR1-000012)"
    )]
    Name(#[from] rollcall_core::IdError),
    /// A signature or officer key in an event fails its cryptographic check; nothing was written.
    #[error(transparent)]
    Signature(#[from] crate::handover::SignatureError),
    /// An event has no canonical encoding; nothing was written.
    #[error(transparent)]
    Encode(#[from] rollcall_core::event::EncodeError),
    /// The projection rows are not the ones this node sealed for the ledger
    /// as it stands: edited, stale, or derived by another process.
    #[error(
        "the projections are not the ones this node derived from the {0} events in its ledger (their seal does not match), so no rule is checked against them; run `rollcall rebuild`, then `rollcall verify`"
    )]
    Unsealed(u64),
    /// The principal's role may not make this kind of read at all.
    #[error("{0}")]
    Denied(String),
    /// The transfer planner's input does not fit the ledger.
    #[error(transparent)]
    Plan(#[from] rollcall_plan::ledger::LedgerError),
    /// A record asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A request that cannot be carried out as asked (the message says why).
    #[error("{0}")]
    Invalid(String),
    /// A request that would change nothing; nothing was written.
    #[error("{0}")]
    NoChange(String),
    /// File system.
    #[error("{path}: {source}")]
    Io {
        /// Which file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}
