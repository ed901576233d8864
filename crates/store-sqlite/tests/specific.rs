//! SQLite-only behaviour: opening rules, schema, the append-only triggers, and
//! how tampered rows are reported (as `Corrupt`, never a panic).

use std::path::Path;

use rollcall_store::conformance::events;
use rollcall_store::{Commit, Store, StoreError, StoredCheckpoint, StoredTile};
use rollcall_store_sqlite::SqliteStore;
use rusqlite::Connection;

fn store_with_events(path: &Path, n: u64) -> SqliteStore {
    let mut s = SqliteStore::open(path).expect("open");
    s.append(&Commit {
        events: &events(0, n),
        projection: &[],
        checkpoint: Some(&StoredCheckpoint {
            size: n,
            note: "note".into(),
        }),
        ..Commit::default()
    })
    .expect("append");
    s.append(&Commit {
        access: &[rollcall_store::AccessRecord {
            id: 0,
            at: "2026-01-01T00:00:00Z".into(),
            user: "u".into(),
            account: "uid 1".into(),
            role: "monitor".into(),
            node: "n".into(),
            action: "read".into(),
            subject: "s".into(),
            reason: String::new(),
            committed_by: 0,
            hash: [0; 32],
        }],
        ..Commit::default()
    })
    .expect("record access");
    s
}

fn corrupt_message(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Corrupt { what }) => what,
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn open_creates_and_open_existing_requires_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    match SqliteStore::open_existing(&path) {
        Err(StoreError::NotFound(p)) => assert_eq!(p, path),
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(!path.exists(), "open_existing must not create the file");
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.path(), path);
    drop(s);
    let s = SqliteStore::open_existing(&path).unwrap();
    assert_eq!(s.size().unwrap(), 0);
    // Opening again runs no migration twice.
    drop(SqliteStore::open(&path).unwrap());

    let raw = Connection::open(&path).unwrap();
    let user_version: i64 = raw
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(user_version, 7, "every migration applied");
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn refuses_files_that_are_not_rollcall_stores() {
    let dir = tempfile::tempdir().unwrap();
    // Another application's database.
    let other = dir.path().join("other.sqlite");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    for r in [
        SqliteStore::open(&other),
        SqliteStore::open_existing(&other),
    ] {
        assert!(
            matches!(
                r,
                Err(StoreError::NotAStore {
                    application_id: 0,
                    ..
                })
            ),
            "{r:?}"
        );
    }
    let tables: i64 = Connection::open(&other)
        .unwrap()
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 1, "the foreign database was not modified");

    // An empty file exists, but is not a store yet.
    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        SqliteStore::open_existing(&empty),
        Err(StoreError::NotAStore { .. })
    ));

    // Not SQLite at all.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, vec![b'x'; 4096]).unwrap();
    match SqliteStore::open(&text) {
        Err(StoreError::Backend { backend, message }) => {
            assert_eq!(backend, "sqlite");
            assert!(message.contains("not a database"), "{message}");
        }
        other => panic!("expected the backend's refusal, got {other:?}"),
    }
}

#[test]
fn triggers_refuse_update_delete_and_replace_of_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let s = store_with_events(&path, 4);
    let raw = Connection::open(&path).unwrap();
    raw.pragma_update(None, "recursive_triggers", "ON").unwrap();
    for sql in [
        "UPDATE events SET bytes = x'00' WHERE seq = 1",
        "UPDATE events SET leaf_hash = zeroblob(32)",
        "DELETE FROM events WHERE seq = 3",
        "DELETE FROM events",
        "INSERT OR REPLACE INTO events (seq, bytes, leaf_hash) VALUES (2, x'00', zeroblob(32))",
        "INSERT INTO events (seq, bytes, leaf_hash) VALUES (9, x'00', zeroblob(32))",
        "UPDATE checkpoints SET note = 'forged'",
        "DELETE FROM checkpoints",
        "INSERT OR REPLACE INTO checkpoints (size, note) VALUES (4, 'forged')",
        "UPDATE access_log SET user = 'someone else'",
        "DELETE FROM access_log",
        "INSERT INTO access_log (id, at, user, account, role, node, action, subject, committed_by, hash) VALUES (7, '', '', '', '', '', '', '', 0, zeroblob(32))",
    ] {
        let err = raw.execute(sql, []).expect_err(sql);
        assert!(
            err.to_string().contains("rollcall:"),
            "{sql}: refused for the wrong reason: {err}"
        );
    }
    assert_eq!(s.events(0, 4).unwrap(), events(0, 4));
    assert_eq!(s.checkpoints().unwrap().len(), 1);
    assert_eq!(s.checkpoint_at(4).unwrap().unwrap().note, "note");
    assert_eq!(s.access_log().unwrap()[0].user, "u");
    // The next seq is still accepted through SQL: the trigger guards order, not access.
    raw.execute(
        "INSERT INTO events (seq, bytes, leaf_hash) VALUES (4, x'00', zeroblob(32))",
        [],
    )
    .unwrap();
    assert_eq!(s.size().unwrap(), 5);
}

#[test]
fn tile_triggers_refuse_rewrites_through_sql() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let mut s = SqliteStore::open(&path).unwrap();
    let full = StoredTile {
        level: 0,
        index: 0,
        hashes: vec![[1; 32]; 256],
    };
    let partial = StoredTile {
        level: 0,
        index: 1,
        hashes: vec![[2; 32]; 3],
    };
    s.append(&Commit {
        tiles: &[full.clone(), partial.clone()],
        ..Commit::default()
    })
    .unwrap();
    let raw = Connection::open(&path).unwrap();
    raw.pragma_update(None, "recursive_triggers", "ON").unwrap();
    for sql in [
        "UPDATE tiles SET hashes = zeroblob(8192) WHERE idx = 0",
        "UPDATE tiles SET width = 4, hashes = zeroblob(128) WHERE idx = 1",
        "UPDATE tiles SET width = 2, hashes = substr(hashes, 1, 64) WHERE idx = 1",
        "UPDATE tiles SET idx = 5 WHERE idx = 1",
        "DELETE FROM tiles WHERE idx = 1",
        "INSERT OR REPLACE INTO tiles (level, idx, width, hashes) VALUES (0, 0, 1, zeroblob(32))",
    ] {
        let err = raw.execute(sql, []).expect_err(sql);
        assert!(
            err.to_string().contains("rollcall:"),
            "{sql}: refused for the wrong reason: {err}"
        );
    }
    assert_eq!(s.tile(0, 0).unwrap(), Some(full));
    assert_eq!(s.tile(0, 1).unwrap(), Some(partial));
    // Widening with the same first hashes is what the trigger allows.
    raw.execute(
        "UPDATE tiles SET width = 4, hashes = unhex(hex(hashes) || hex(zeroblob(32))) WHERE idx = 1",
        [],
    )
    .unwrap();
    assert_eq!(s.tile(0, 1).unwrap().unwrap().width(), 4);
    // Dropped guards are reported.
    raw.execute_batch("DROP TRIGGER tiles_no_delete; DROP TRIGGER tiles_only_grow;")
        .unwrap();
    assert_eq!(
        s.missing_guards().unwrap(),
        ["tiles_no_delete", "tiles_only_grow"]
    );
    // A damaged row is corrupt, naming the tile.
    raw.execute("UPDATE tiles SET width = 5 WHERE idx = 1", [])
        .expect_err("the CHECK on the width still holds");
    raw.execute_batch(
        "PRAGMA ignore_check_constraints = ON; UPDATE tiles SET width = 5 WHERE idx = 1;",
    )
    .unwrap();
    let what = s.tile(0, 1).unwrap_err().to_string();
    assert!(what.contains("tile 0/1"), "{what}");
}

#[test]
fn tampered_rows_are_reported_as_corrupt_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let s = store_with_events(&path, 6);
    let raw = Connection::open(&path).unwrap();
    // A tamperer with file access drops the defence first.
    raw.execute_batch(
        "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
         DROP TRIGGER events_contiguous; DROP TRIGGER checkpoints_no_update;",
    )
    .unwrap();

    raw.execute(
        "UPDATE events SET leaf_hash = zeroblob(31) WHERE seq = 2",
        [],
    )
    .unwrap();
    let what = corrupt_message(s.events(0, 6));
    assert!(
        what.contains("seq 2") && what.contains("31 bytes"),
        "{what}"
    );
    assert!(corrupt_message(s.for_each_event(&mut |_| Ok(()))).contains("seq 2"));
    assert!(corrupt_message(s.event(2)).contains("seq 2"));
    raw.execute(
        "UPDATE events SET leaf_hash = zeroblob(32) WHERE seq = 2",
        [],
    )
    .unwrap();

    raw.execute(
        "UPDATE events SET bytes = 'text, not a blob' WHERE seq = 4",
        [],
    )
    .unwrap();
    let what = corrupt_message(s.for_each_event(&mut |_| Ok(())));
    assert!(what.contains("seq 4") && what.contains("bytes"), "{what}");
    raw.execute("UPDATE events SET bytes = x'01' WHERE seq = 4", [])
        .unwrap();

    raw.execute("DELETE FROM events WHERE seq = 3", []).unwrap();
    for what in [
        corrupt_message(s.events(0, 6)),
        corrupt_message(s.for_each_event(&mut |_| Ok(()))),
    ] {
        assert!(what.contains("seq 3 is missing"), "{what}");
    }
    // The tail of a range missing while the ledger claims to be longer.
    assert!(corrupt_message(s.events(2, 6)).contains("seq 3 is missing"));

    raw.execute("DELETE FROM events", []).unwrap();
    raw.execute(
        "INSERT INTO events (seq, bytes, leaf_hash) VALUES (-1, x'00', zeroblob(32))",
        [],
    )
    .unwrap();
    assert!(corrupt_message(s.for_each_event(&mut |_| Ok(()))).contains("-1 is negative"));

    raw.execute("UPDATE checkpoints SET size = -5", []).unwrap();
    assert!(corrupt_message(s.checkpoints()).contains("-5 is negative"));
    assert!(corrupt_message(s.latest_checkpoint()).contains("checkpoints.size"));
}

#[test]
fn backup_to_missing_directory_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_with_events(&dir.path().join("ledger.sqlite"), 2);
    let target = dir.path().join("no-such-dir").join("backup.sqlite");
    assert!(matches!(s.backup_to(&target), Err(StoreError::Io { .. })));
    assert!(!target.exists());
}

#[test]
fn backup_is_a_standalone_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let s = store_with_events(&path, 3);
    let target = dir.path().join("backup.sqlite");
    let cp = s.backup_to(&target).unwrap().expect("checkpoint");
    assert_eq!(cp.size, 3);
    drop(s);
    std::fs::remove_file(&path).unwrap();
    let _ = std::fs::remove_file(dir.path().join("ledger.sqlite-wal"));
    let b = SqliteStore::open_existing(&target).unwrap();
    assert_eq!(b.events(0, 3).unwrap(), events(0, 3));
    assert_eq!(b.access_log().unwrap().len(), 1);
    // The copy keeps the append-only triggers.
    drop(b);
    let raw = Connection::open(&target).unwrap();
    assert!(raw.execute("DELETE FROM events", []).is_err());
}

#[test]
fn a_tampered_bucket_is_corrupt_naming_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    let mut s = SqliteStore::open(&path).unwrap();
    s.append(&Commit {
        projection: &[rollcall_store::ProjectionChange::Upsert(
            rollcall_store::ProjectionRow {
                table: "people".into(),
                key: "P-1".into(),
                value: "{}".into(),
                bucket: 4,
            },
        )],
        ..Commit::default()
    })
    .unwrap();
    let raw = Connection::open(&path).unwrap();
    raw.execute("UPDATE projection SET bucket = -1", [])
        .expect_err("the CHECK on the bucket holds");
    raw.execute_batch("PRAGMA ignore_check_constraints = ON; UPDATE projection SET bucket = -1;")
        .unwrap();
    for what in [
        corrupt_message(s.projection_all()),
        corrupt_message(s.projection_table("people")),
    ] {
        assert!(what.contains("projection people/P-1: bucket"), "{what}");
    }
    // A bucket is never searched beyond 32 bits, but a whole-table read sees it.
    raw.execute_batch("UPDATE projection SET bucket = 4294967296;")
        .unwrap();
    assert!(corrupt_message(s.projection_all()).contains("does not fit 32 bits"));
    assert!(s.projection_buckets(&[4, 0, u32::MAX]).unwrap().is_empty());
}
