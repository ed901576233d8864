//! What only the PostgreSQL backend has to show: its guards against someone
//! with a database connection, writers on several connections, and errors
//! that never leak a password.

mod common;

use rollcall_store::{
    Commit, IndexChange, IndexEntry, ProjectionChange, ProjectionRow, Store, StoreError,
    StoredCheckpoint, StoredEvent,
};
use rollcall_store_postgres::PgStore;

struct Schemas(Vec<String>);
impl Drop for Schemas {
    fn drop(&mut self) {
        common::drop_schemas(&self.0);
    }
}

fn store(tag: &str, keep: &mut Schemas) -> (PgStore, String) {
    let schema = common::fresh_schema(tag);
    keep.0.push(schema.clone());
    (
        PgStore::connect(&common::url(), &schema).expect("connect"),
        schema,
    )
}

fn ev(seq: u64) -> StoredEvent {
    StoredEvent {
        seq,
        bytes: format!("event {seq}").into_bytes(),
        leaf_hash: [seq as u8; 32],
    }
}

fn append_n(s: &mut PgStore, from: u64, n: u64) -> Result<(), StoreError> {
    let events: Vec<StoredEvent> = (from..from + n).map(ev).collect();
    let cp = StoredCheckpoint {
        size: from + n,
        note: format!("head {}", from + n),
    };
    s.append(&Commit {
        events: &events,
        checkpoint: Some(&cp),
        ..Commit::default()
    })
}

#[test]
fn raw_sql_cannot_edit_or_remove_the_ledger() {
    let mut keep = Schemas(Vec::new());
    let (mut s, schema) = store("guards", &mut keep);
    append_n(&mut s, 0, 3).unwrap();
    let mut raw = common::raw(&schema);
    for sql in [
        "UPDATE events SET bytes = 'x' WHERE seq = 1",
        "DELETE FROM events WHERE seq = 2",
        "TRUNCATE events",
        "UPDATE checkpoints SET note = 'forged'",
        "DELETE FROM checkpoints",
        "TRUNCATE checkpoints",
        "INSERT INTO events (seq, bytes, leaf_hash) VALUES (7, 'gap', decode(repeat('00', 32), 'hex'))",
        // One statement, checked as a whole: a gap inside it, or a start
        // that does not follow the ledger, is refused like a single row.
        "INSERT INTO events (seq, bytes, leaf_hash) VALUES \
         (3, 'a', decode(repeat('00', 32), 'hex')), (5, 'b', decode(repeat('00', 32), 'hex'))",
        "INSERT INTO events (seq, bytes, leaf_hash) VALUES \
         (4, 'a', decode(repeat('00', 32), 'hex')), (5, 'b', decode(repeat('00', 32), 'hex'))",
    ] {
        let e = raw.batch_execute(sql).expect_err(sql);
        let db = e.as_db_error().unwrap_or_else(|| panic!("{sql}: {e}"));
        assert!(
            db.message().starts_with("rollcall: "),
            "{sql}: {}",
            db.message()
        );
    }
    assert_eq!(s.size().unwrap(), 3);
    assert_eq!(s.events(0, 3).unwrap(), (0..3).map(ev).collect::<Vec<_>>());
    assert!(s.missing_guards().unwrap().is_empty());
}

#[test]
fn dropped_or_disabled_triggers_and_replaced_guard_functions_are_reported() {
    let mut keep = Schemas(Vec::new());
    let (s, schema) = store("tamper", &mut keep);
    let mut raw = common::raw(&schema);
    raw.batch_execute("DROP TRIGGER events_no_delete ON events")
        .unwrap();
    raw.batch_execute("ALTER TABLE access_log DISABLE TRIGGER access_log_no_update")
        .unwrap();
    raw.batch_execute(
        "CREATE OR REPLACE FUNCTION rollcall_refuse() RETURNS trigger LANGUAGE plpgsql \
         AS $$ BEGIN RETURN NEW; END $$",
    )
    .unwrap();
    let missing = s.missing_guards().unwrap();
    assert_eq!(
        missing,
        [
            "events_no_delete",
            "access_log_no_update",
            "rollcall_refuse (its body was replaced)"
        ],
        "{missing:?}"
    );
}

#[test]
fn writers_on_many_connections_never_fork_or_lose_an_acknowledged_event() {
    let mut keep = Schemas(Vec::new());
    let (s, schema) = store("writers", &mut keep);
    const WRITERS: usize = 4;
    const COMMITS: usize = 25;
    let acknowledged: Vec<Vec<(u64, u64)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let schema = schema.clone();
                scope.spawn(move || {
                    let mut mine = PgStore::connect_existing(&common::url(), &schema).unwrap();
                    let mut acks = Vec::new();
                    while acks.len() < COMMITS {
                        let at = mine.size().unwrap();
                        let n = 1 + (w as u64 + acks.len() as u64) % 3;
                        match append_n(&mut mine, at, n) {
                            Ok(()) => acks.push((at, n)),
                            // Another writer got there first: read the size again.
                            Err(StoreError::OutOfSequence { .. }) => {}
                            Err(e) => panic!("writer {w}: {e}"),
                        }
                    }
                    acks
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut ranges: Vec<(u64, u64)> = acknowledged.into_iter().flatten().collect();
    ranges.sort();
    let mut next = 0;
    for (from, n) in &ranges {
        assert_eq!(
            *from, next,
            "acknowledged commits overlap or leave a gap: {ranges:?}"
        );
        next += n;
    }
    assert_eq!(s.size().unwrap(), next);
    assert_eq!(
        s.events(0, next).unwrap(),
        (0..next).map(ev).collect::<Vec<_>>()
    );
    assert_eq!(s.checkpoints().unwrap().len(), WRITERS * COMMITS);
}

#[test]
fn bad_schema_names_and_missing_stores_are_refused_by_name() {
    for bad in [
        "",
        "Rollcall",
        "1abc",
        "a-b",
        "a\"; DROP SCHEMA public; --",
        "pg_x",
    ] {
        let e = PgStore::connect(&common::url(), bad).expect_err(bad);
        assert!(e.to_string().contains("schema name"), "{bad:?}: {e}");
    }
    let schema = common::fresh_schema("absent");
    let e = PgStore::connect_existing(&common::url(), &schema).expect_err("no store");
    assert!(e.to_string().contains("holds no Rollcall store"), "{e}");
    assert!(e.to_string().contains(&schema), "{e}");
}

#[test]
fn connection_errors_never_show_the_password() {
    // Nothing listens on port 1.
    let e = PgStore::connect(
        "postgres://postgres:s3cret-pw@127.0.0.1:1/rollcall_test?connect_timeout=2",
        "anything",
    )
    .expect_err("unreachable server");
    let text = e.to_string();
    assert!(!text.contains("s3cret-pw"), "{text}");
    assert!(
        text.contains("127.0.0.1:1/rollcall_test as postgres"),
        "{text}"
    );
    let e = PgStore::connect("postgres://u:s3cret-pw@[not a url", "x").expect_err("bad URL");
    assert!(!e.to_string().contains("s3cret-pw"), "{e}");
}

#[test]
fn reopening_keeps_everything_and_does_not_migrate_twice() {
    let mut keep = Schemas(Vec::new());
    let (mut s, schema) = store("reopen", &mut keep);
    append_n(&mut s, 0, 5).unwrap();
    s.meta_set("origin", "rollcall/central").unwrap();
    drop(s);
    let versions = || -> i64 {
        common::raw(&schema)
            .query_one("SELECT count(*) FROM schema_version", &[])
            .unwrap()
            .get(0)
    };
    let migrated = versions();
    assert!(migrated >= 1);
    let again = PgStore::connect(&common::url(), &schema).unwrap();
    assert_eq!(again.size().unwrap(), 5);
    assert_eq!(
        again.meta_get("origin").unwrap().as_deref(),
        Some("rollcall/central")
    );
    assert_eq!(versions(), migrated, "reopening applied no migration again");
}

#[test]
fn rows_of_a_few_buckets_are_read_off_the_bucket_index() {
    let mut keep = Schemas(Vec::new());
    let (mut s, schema) = store("buckets", &mut keep);
    let changes: Vec<ProjectionChange> = (0..20_000u32)
        .map(|i| {
            ProjectionChange::Upsert(ProjectionRow {
                table: "people".into(),
                key: format!("P-{i:05}"),
                value: "{}".into(),
                bucket: i % 1000,
            })
        })
        .collect();
    s.append(&Commit {
        projection: &changes,
        ..Commit::default()
    })
    .unwrap();
    let got = s.projection_buckets(&[7, 999]).unwrap();
    assert_eq!(got.len(), 40);
    assert!(got[..20].iter().all(|r| r.bucket == 7));
    assert!(got[20..].iter().all(|r| r.bucket == 999));
    let mut raw = common::raw(&schema);
    raw.batch_execute("ANALYZE projection").unwrap();
    // The statement `projection_buckets` runs.
    let plan: Vec<String> = raw
        .query(
            "EXPLAIN SELECT tbl, key, value, bucket FROM projection WHERE bucket = ANY($1) \
             ORDER BY bucket, tbl, key",
            &[&vec![7i64, 999]],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("projection_bucket"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");
}

#[test]
fn an_index_page_is_a_range_scan_of_the_primary_key_without_sorting() {
    let mut keep = Schemas(Vec::new());
    let (mut s, schema) = store("index", &mut keep);
    let changes: Vec<IndexChange> = (0..20_000u32)
        .map(|i| {
            IndexChange::Insert(IndexEntry {
                index: "people_at".into(),
                term: format!("F-{}", i % 50),
                sort: format!("name {}", i % 977),
                key: format!("P-{i:05}"),
            })
        })
        .collect();
    s.append(&Commit {
        index: &changes,
        ..Commit::default()
    })
    .unwrap();
    let page = s
        .index_page("people_at", "F-7", Some(("name 5", "P-00000")), 50)
        .unwrap();
    assert_eq!(page.len(), 50);
    assert!(
        page.windows(2)
            .all(|w| (&w[0].sort, &w[0].key) < (&w[1].sort, &w[1].key))
    );
    let mut raw = common::raw(&schema);
    raw.batch_execute("ANALYZE index_entries").unwrap();
    // The statement `index_page` runs after a first page.
    let plan: Vec<String> = raw
        .query(
            "EXPLAIN SELECT sort, key FROM index_entries \
             WHERE idx = $1 AND term = $2 AND (sort, key) > ($3, $4) \
             ORDER BY sort, key LIMIT $5",
            &[&"people_at", &"F-7", &"name 5", &"P-00000", &50i64],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("index_entries_pkey"), "{plan}");
    assert!(
        !plan.contains("Sort") && !plan.contains("Seq Scan"),
        "{plan}"
    );
}

#[test]
fn a_refused_tile_is_named_by_the_trigger_that_refuses_it() {
    let mut keep = Schemas(Vec::new());
    let (mut s, schema) = store("tiletrigger", &mut keep);
    let tile = |index: u64, width: usize| rollcall_store::StoredTile {
        level: 2,
        index,
        hashes: vec![[index as u8; 32]; width],
    };
    s.append(&Commit {
        tiles: &[tile(7, 256), tile(8, 3)],
        ..Commit::default()
    })
    .unwrap();
    // Through SQL, the refusal's detail names the stored tile.
    let mut raw = common::raw(&schema);
    let e = raw
        .batch_execute(
            "UPDATE tiles SET width = 2, hashes = substring(hashes FROM 1 FOR 64) WHERE idx = 8",
        )
        .expect_err("narrowing");
    let db = e.as_db_error().unwrap();
    assert_eq!(db.detail(), Some("tile 2/8"), "{}", db.message());
    // Through the store, among other tiles written in the same statement.
    let r = s.append(&Commit {
        tiles: &[tile(9, 1), tile(8, 5), tile(7, 256), tile(10, 1)],
        ..Commit::default()
    });
    assert!(
        matches!(r, Err(StoreError::TileRewritten { level: 2, index: 7 })),
        "{r:?}"
    );
    assert_eq!(s.tile(2, 9).unwrap(), None, "nothing of the refused commit");
    assert_eq!(s.tile(2, 8).unwrap().unwrap().width(), 3);
}

#[test]
fn a_store_from_before_migration_5_gets_the_tile_trigger_that_names_the_tile() {
    let mut keep = Schemas(Vec::new());
    let (s, schema) = store("upgrade5", &mut keep);
    drop(s);
    // Back to version 4 (no access reasons yet), with another body in the
    // tile function.
    let mut raw = common::raw(&schema);
    raw.batch_execute(
        "CREATE OR REPLACE FUNCTION rollcall_tiles_only_grow() RETURNS trigger LANGUAGE plpgsql \
         AS $$ BEGIN RETURN NEW; END $$; \
         ALTER TABLE access_log DROP COLUMN reason; \
         DELETE FROM schema_version WHERE version >= 5;",
    )
    .unwrap();
    let s = PgStore::connect_existing(&common::url(), &schema).unwrap();
    assert!(s.missing_guards().unwrap().is_empty());
    let version: i32 = raw
        .query_one("SELECT max(version) FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, 7, "every migration since 4 applied again");
}
