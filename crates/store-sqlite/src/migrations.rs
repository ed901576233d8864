//! The SQLite schema, as an ordered list of migrations (tracked in
//! `PRAGMA user_version` by `rusqlite_migration`). Never edit a released
//! migration; append a new one.

use rusqlite_migration::{M, Migrations};

/// `PRAGMA application_id` of a Rollcall store file: ASCII "RCLL".
pub(crate) const APPLICATION_ID: i32 = 0x5243_4C4C;

const MIGRATION_LIST: &[M<'static>] = &[
    // 1: the tables.
    M::up(
        r#"
PRAGMA application_id = 1380142156;

CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    bytes     BLOB NOT NULL,
    leaf_hash BLOB NOT NULL
);

CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY,
    note TEXT NOT NULL
);

CREATE TABLE projection (
    tbl   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (tbl, key)
) WITHOUT ROWID;

CREATE TABLE access_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    user    TEXT NOT NULL,
    node    TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL
);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
"#,
    )
    .comment("tables: events, checkpoints, projection, access_log, meta"),
    // 2: the ledger only grows (defence in depth; the hash chain is the real check).
    M::up(
        r#"
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'rollcall: events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'rollcall: events are append-only'); END;
CREATE TRIGGER events_contiguous BEFORE INSERT ON events
WHEN NEW.seq IS NOT (SELECT coalesce(max(seq) + 1, 0) FROM events)
BEGIN SELECT RAISE(ABORT, 'rollcall: events must be appended in seq order'); END;

CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'rollcall: checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'rollcall: checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_no_replace BEFORE INSERT ON checkpoints
WHEN EXISTS (SELECT 1 FROM checkpoints WHERE size = NEW.size)
BEGIN SELECT RAISE(ABORT, 'rollcall: checkpoints are never replaced'); END;

CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'rollcall: the access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'rollcall: the access log is append-only'); END;
"#,
    )
    .comment("append-only triggers on events, checkpoints and access_log"),
    // 3: the access log becomes a hash chain committed to by ledger events.
    M::up(
        r#"
DROP TRIGGER access_log_no_update;
DROP TRIGGER access_log_no_delete;
DROP TABLE access_log;

CREATE TABLE access_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    user         TEXT NOT NULL,
    account      TEXT NOT NULL,
    role         TEXT NOT NULL,
    node         TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    committed_by INTEGER NOT NULL,
    hash         BLOB NOT NULL
);
CREATE INDEX access_log_subject ON access_log (subject);

CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'rollcall: the access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'rollcall: the access log is append-only'); END;
CREATE TRIGGER access_log_contiguous BEFORE INSERT ON access_log
WHEN NEW.id IS NOT (SELECT coalesce(max(id) + 1, 0) FROM access_log)
BEGIN SELECT RAISE(ABORT, 'rollcall: access records must be appended in order'); END;
"#,
    )
    .comment("access_log: chained records, each committed to by a ledger event"),
    // 4: the Merkle tree as C2SP tlog-tiles hash tiles, written with the events.
    M::up(
        r#"
CREATE TABLE tiles (
    level  INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx    INTEGER NOT NULL CHECK (idx >= 0),
    width  INTEGER NOT NULL CHECK (width BETWEEN 1 AND 256),
    hashes BLOB NOT NULL CHECK (length(hashes) = 32 * width),
    PRIMARY KEY (level, idx)
);

CREATE TRIGGER tiles_no_delete BEFORE DELETE ON tiles
BEGIN SELECT RAISE(ABORT, 'rollcall: tiles are append-only'); END;
CREATE TRIGGER tiles_only_grow BEFORE UPDATE ON tiles
WHEN OLD.width >= 256
  OR NEW.width <= OLD.width
  OR NEW.level IS NOT OLD.level
  OR NEW.idx IS NOT OLD.idx
  OR substr(NEW.hashes, 1, length(OLD.hashes)) IS NOT OLD.hashes
BEGIN SELECT RAISE(ABORT, 'rollcall: a full tile is never rewritten, a partial tile only grows'); END;
"#,
    )
    .comment("tiles: full tiles never change, partial tiles only grow"),
    // 5: every projection row belongs to a bucket the caller computes, so a
    // node loads the rows it needs a bucket at a time.
    M::up(
        r#"
ALTER TABLE projection ADD COLUMN bucket INTEGER NOT NULL DEFAULT 0
    CHECK (bucket BETWEEN 0 AND 4294967295);
CREATE INDEX projection_bucket ON projection (bucket, tbl, key);
"#,
    )
    .comment("projection: rows in buckets, indexed by bucket"),
    // 6: a generic secondary index over the projection, derived like it.
    M::up(
        r#"
CREATE TABLE index_entries (
    idx  TEXT NOT NULL,
    term TEXT NOT NULL,
    sort TEXT NOT NULL,
    key  TEXT NOT NULL,
    PRIMARY KEY (idx, term, sort, key)
) WITHOUT ROWID;
"#,
    )
    .comment("index_entries: (index, term) -> keys in sort order"),
    // 7: each access record carries the reason stated for its session.
    M::up("ALTER TABLE access_log ADD COLUMN reason TEXT NOT NULL DEFAULT '';")
        .comment("access_log: the session's stated reason"),
];

/// The append-only triggers the schema creates; `verify` reports any that
/// are missing.
pub(crate) const GUARDS: &[&str] = &[
    "events_no_update",
    "events_no_delete",
    "events_contiguous",
    "checkpoints_no_update",
    "checkpoints_no_delete",
    "checkpoints_no_replace",
    "access_log_no_update",
    "access_log_no_delete",
    "access_log_contiguous",
    "tiles_no_delete",
    "tiles_only_grow",
];

/// All migrations, oldest first.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATION_LIST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().expect("migrations validate");
    }

    #[test]
    fn application_id_literal_matches_constant() {
        assert_eq!(APPLICATION_ID, 1_380_142_156);
    }
}
