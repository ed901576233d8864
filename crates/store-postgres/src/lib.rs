//! [`PgStore`]: the custody ledger's store in PostgreSQL, for a central node.
//!
//! It implements the same [`Store`] trait as the embedded SQLite store and
//! passes the same behavioural suite (`rollcall_store::conformance`), run
//! against a real server. One store lives in one PostgreSQL schema, so a
//! database can hold several (the tests use one schema each).
//!
//! # Durability and concurrency
//!
//! Every session runs with `synchronous_commit = on`: a commit returns only
//! once PostgreSQL has flushed it to its write-ahead log. An append takes
//! `LOCK TABLE events IN EXCLUSIVE MODE` before it reads the ledger's size,
//! so two writers (two processes, two machines) are serialised and the
//! second one sees the first one's events; readers are never blocked.
//! A [`Store::snapshot`] is one `REPEATABLE READ, READ ONLY` transaction,
//! so every read through it sees one committed state.
//!
//! # Nothing edits the ledger
//!
//! As in SQLite, triggers refuse `UPDATE`, `DELETE` and `TRUNCATE` on events,
//! checkpoints and the access log, and inserts out of order.
//! [`Store::missing_guards`] reports a trigger that was dropped or disabled,
//! and a guard function whose body was replaced. A superuser can still write
//! with `session_replication_role = replica` or edit the files: catching that
//! is the job of the hash chain and the signed heads, not of this crate.
//!
//! # Backups
//!
//! [`Store::backup_to`] writes one SQLite store file holding exactly what
//! the schema holds, read in one `REPEATABLE READ` snapshot while others keep
//! appending: a portable copy that any Rollcall verifies without a server.

#![warn(missing_docs)]

mod schema;

use std::cell::{RefCell, RefMut};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use postgres::error::SqlState;
use postgres::{Client, Config, NoTls, Row};
use rollcall_store::backend::{
    check_access_ids, check_commit, check_follows, check_seq, check_tile, events_in_range,
    tile_from_columns, to_i64, wait_for_lock,
};
use rollcall_store::{
    AccessRecord, Commit, Hash, IndexChange, IndexEntry, ProjectionChange, ProjectionRow, Rebuilt,
    Store, StoreError, StoredCheckpoint, StoredEvent, StoredTile, WriterLock,
};
use rollcall_store_sqlite::SqliteStore;

/// The name this backend gives itself in errors.
pub(crate) const BACKEND: &str = "postgresql";

/// Events read per query by [`Store::for_each_event`].
const CHUNK: u64 = 4096;

pub(crate) type Result<T> = std::result::Result<T, StoreError>;

/// A backend-neutral error from a PostgreSQL one, with the server's message,
/// code and detail (never the connection string or its password).
pub(crate) fn pg(e: postgres::Error) -> StoreError {
    let message = match e.as_db_error() {
        Some(db) => {
            let mut m = format!("{} (SQLSTATE {})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                m.push_str(": ");
                m.push_str(detail);
            }
            if db.code() == &SqlState::READ_ONLY_SQL_TRANSACTION {
                // What an officer should do about it, not only what failed.
                m.push_str(
                    "; this server is read-only (a standby, or a read-only session): \
                     it can be read and verified, and writes go to the primary \
                     (or to this server once it is promoted)",
                );
            }
            m
        }
        None => e.to_string(),
    };
    StoreError::Backend {
        backend: BACKEND,
        message,
    }
}

fn is_unique_violation(e: &postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// A [`Store`] in one schema of a PostgreSQL database.
///
/// Not `Sync`: give each thread its own `PgStore` (each is one connection).
pub struct PgStore {
    client: RefCell<Client>,
    schema: String,
    target: String,
    /// How to connect again (the write lock holds its own session).
    config: Config,
    /// Whether a snapshot's transaction is open on this connection.
    reading: std::cell::Cell<bool>,
}

/// The session holding the advisory write lock; closing it releases it.
struct PgLock(#[allow(dead_code)] Client);

impl std::fmt::Debug for PgLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgLock")
    }
}

impl WriterLock for PgLock {}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.target)
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

/// Checks a schema name: 1 to 63 of `a-z`, `0-9` and `_`, not starting
/// with a digit (so it never needs quoting beyond double quotes).
pub fn check_schema_name(schema: &str) -> Result<()> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !schema.as_bytes()[0].is_ascii_digit()
        && !schema.starts_with("pg_");
    if ok {
        Ok(())
    } else {
        Err(StoreError::Backend {
            backend: BACKEND,
            message: format!(
                "schema name {schema:?}: use 1 to 63 of a-z, 0-9 and _, not starting with a digit or pg_"
            ),
        })
    }
}

/// `host:port/database as user`, for messages: never the password.
fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".to_string(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{host}:{port}/{} as {}",
        config.get_dbname().unwrap_or("(default database)"),
        config.get_user().unwrap_or("(default user)")
    )
}

fn to_u64(what: &str, value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        what: format!("{what}: {value} is negative"),
    })
}

fn to_hash(what: &dyn Fn() -> String, bytes: &[u8]) -> Result<Hash> {
    Hash::try_from(bytes).map_err(|_| StoreError::Corrupt {
        what: format!("{}: {} bytes, expected 32", what(), bytes.len()),
    })
}

fn event_from_row(row: &Row) -> Result<StoredEvent> {
    let seq = to_u64("events.seq", row.get(0))?;
    let bytes: Vec<u8> = row.get(1);
    let leaf: &[u8] = row.get(2);
    Ok(StoredEvent {
        seq,
        bytes,
        leaf_hash: to_hash(&|| format!("events seq {seq}: leaf_hash"), leaf)?,
    })
}

fn checkpoint_from_row(row: &Row) -> Result<StoredCheckpoint> {
    Ok(StoredCheckpoint {
        size: to_u64("checkpoints.size", row.get(0))?,
        note: row.get(1),
    })
}

const ACCESS_COLUMNS: &str =
    "id, at, \"user\", account, role, node, action, subject, committed_by, hash, reason";

fn access_from_row(row: &Row) -> Result<AccessRecord> {
    let id = to_u64("access_log.id", row.get(0))?;
    let hash: &[u8] = row.get(9);
    Ok(AccessRecord {
        id,
        at: row.get(1),
        user: row.get(2),
        account: row.get(3),
        role: row.get(4),
        node: row.get(5),
        action: row.get(6),
        subject: row.get(7),
        committed_by: to_u64(&format!("access_log id {id}: committed_by"), row.get(8))?,
        hash: to_hash(&|| format!("access_log id {id}: hash"), hash)?,
        reason: row.get(10),
    })
}

/// Reads `level, idx, width, hashes`, checking the row's shape.
fn tile_from_row(row: &Row) -> Result<StoredTile> {
    let level: i16 = row.get(0);
    let width: i16 = row.get(2);
    tile_from_columns(level.into(), row.get(1), width.into(), row.get(3))
}

/// Reads `tbl, key, value, bucket`.
fn projection_from_row(row: &Row) -> Result<ProjectionRow> {
    let table: String = row.get(0);
    let key: String = row.get(1);
    let bucket: i64 = row.get(3);
    let bucket = u32::try_from(bucket).map_err(|_| StoreError::Corrupt {
        what: format!("projection {table}/{key}: bucket {bucket} does not fit 32 bits"),
    })?;
    Ok(ProjectionRow {
        value: row.get(2),
        table,
        key,
        bucket,
    })
}

/// Reads `idx, term, sort, key`.
fn index_from_row(row: &Row) -> IndexEntry {
    IndexEntry {
        index: row.get(0),
        term: row.get(1),
        sort: row.get(2),
        key: row.get(3),
    }
}

/// Anything that runs queries: a client or a transaction.
fn size_of(c: &mut impl postgres::GenericClient) -> Result<u64> {
    let row = c
        .query_one("SELECT coalesce(max(seq) + 1, 0)::int8 FROM events", &[])
        .map_err(pg)?;
    to_u64("events: max(seq) + 1", row.get(0))
}

impl PgStore {
    /// Connects to the PostgreSQL database named by `url`
    /// (`postgres://user[:password]@host[:port]/database`) and opens the
    /// store in `schema`, creating the schema and its tables if missing.
    pub fn connect(url: &str, schema: &str) -> Result<PgStore> {
        Self::connect_with(url, schema, true)
    }

    /// Like [`PgStore::connect`], but refuses a schema that holds no store.
    pub fn connect_existing(url: &str, schema: &str) -> Result<PgStore> {
        Self::connect_with(url, schema, false)
    }

    fn connect_with(url: &str, schema: &str, create: bool) -> Result<PgStore> {
        check_schema_name(schema)?;
        let config: Config = url
            .parse()
            .map_err(|e: postgres::Error| StoreError::Backend {
                backend: BACKEND,
                message: format!("connection URL: {e}"),
            })?;
        let target = describe(&config);
        let mut client = config.connect(NoTls).map_err(|e| StoreError::Backend {
            backend: BACKEND,
            message: format!("{target}: {}", pg(e)),
        })?;
        client
            // No parallel workers: the store's reads are a few rows off an
            // index, and starting workers for them (a Gather Merge) cost
            // more than the read itself (status on a scale-10 ledger: 140
            // ms with them, 83 ms without).
            .batch_execute(
                "SET synchronous_commit TO on; SET client_min_messages TO warning; \
                 SET max_parallel_workers_per_gather TO 0;",
            )
            .map_err(pg)?;
        if create {
            schema::migrate(&mut client, schema)?;
        } else if !schema::exists(&mut client, schema)? {
            return Err(StoreError::Backend {
                backend: BACKEND,
                message: format!("{target}: schema {schema} holds no Rollcall store"),
            });
        } else {
            schema::migrate(&mut client, schema)?;
        }
        client
            .batch_execute(&format!("SET search_path TO \"{schema}\";"))
            .map_err(pg)?;
        Ok(PgStore {
            client: RefCell::new(client),
            schema: schema.to_string(),
            target,
            config,
            reading: std::cell::Cell::new(false),
        })
    }

    /// The schema this store lives in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Where it is: `host:port/database as user` (no password).
    pub fn target(&self) -> &str {
        &self.target
    }

    fn c(&self) -> RefMut<'_, Client> {
        self.client.borrow_mut()
    }

    fn query(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>> {
        self.c().query(sql, params).map_err(pg)
    }

    /// Runs `f` between `begin` and COMMIT (ROLLBACK if it fails), on this
    /// connection, without holding it borrowed: `f` may read through `self`.
    fn within<T>(&self, begin: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.c().batch_execute(begin).map_err(pg)?;
        let r = f();
        let end = self
            .c()
            .batch_execute(if r.is_ok() { "COMMIT" } else { "ROLLBACK" })
            .map_err(pg);
        let v = r?;
        end?;
        Ok(v)
    }

    fn insert_projection(
        &self,
        rows: &mut dyn Iterator<Item = (&str, &str, &str, u32)>,
    ) -> Result<()> {
        let (mut t, mut k, mut v, mut b) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (table, key, value, bucket) in rows {
            t.push(table);
            k.push(key);
            v.push(value);
            b.push(i64::from(bucket));
        }
        if t.is_empty() {
            return Ok(());
        }
        self.c()
            .execute(
                "INSERT INTO projection (tbl, key, value, bucket) \
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) \
                 ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value, bucket = excluded.bucket",
                &[&t, &k, &v, &b],
            )
            .map_err(pg)?;
        Ok(())
    }

    /// Deletes the `remove` entries, then inserts the `add` ones (an entry
    /// already there is left as it is), in two statements.
    fn change_index(&self, remove: &[&IndexEntry], add: &[&IndexEntry]) -> Result<()> {
        fn columns<'e>(entries: &[&'e IndexEntry]) -> [Vec<&'e str>; 4] {
            let mut cols: [Vec<&str>; 4] = Default::default();
            for e in entries {
                cols[0].push(&e.index);
                cols[1].push(&e.term);
                cols[2].push(&e.sort);
                cols[3].push(&e.key);
            }
            cols
        }
        if !remove.is_empty() {
            let [i, t, s, k] = columns(remove);
            self.c()
                .execute(
                    "DELETE FROM index_entries e \
                     USING unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS d(idx, term, sort, key) \
                     WHERE e.idx = d.idx AND e.term = d.term AND e.sort = d.sort AND e.key = d.key",
                    &[&i, &t, &s, &k],
                )
                .map_err(pg)?;
        }
        if !add.is_empty() {
            let [i, t, s, k] = columns(add);
            self.c()
                .execute(
                    "INSERT INTO index_entries (idx, term, sort, key) \
                     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) \
                     ON CONFLICT (idx, term, sort, key) DO NOTHING",
                    &[&i, &t, &s, &k],
                )
                .map_err(pg)?;
        }
        Ok(())
    }

    /// Applies a commit's index changes: the last change to an entry decides
    /// whether it is there, as if they ran one by one in order.
    fn apply_index(&self, changes: &[IndexChange]) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut last: BTreeMap<&IndexEntry, bool> = BTreeMap::new();
        for change in changes {
            match change {
                IndexChange::Insert(e) => last.insert(e, true),
                IndexChange::Delete(e) => last.insert(e, false),
            };
        }
        let (mut add, mut remove) = (Vec::new(), Vec::new());
        for (e, present) in last {
            if present { add.push(e) } else { remove.push(e) }
        }
        self.change_index(&remove, &add)
    }

    /// Replaces every projection row and index entry; see
    /// [`Store::replace_projection`].
    fn replace_all(&self, rows: &[ProjectionRow], index: &[IndexEntry]) -> Result<()> {
        self.replace_rows(rows)?;
        self.c()
            .batch_execute("DELETE FROM index_entries")
            .map_err(pg)?;
        self.change_index(&[], &index.iter().collect::<Vec<_>>())
    }

    fn replace_rows(&self, rows: &[ProjectionRow]) -> Result<()> {
        let mut seen = HashSet::with_capacity(rows.len());
        for r in rows {
            if !seen.insert((r.table.as_str(), r.key.as_str())) {
                return Err(StoreError::DuplicateProjectionRow {
                    table: r.table.clone(),
                    key: r.key.clone(),
                });
            }
        }
        self.c()
            .batch_execute("DELETE FROM projection")
            .map_err(pg)?;
        self.insert_projection(
            &mut rows
                .iter()
                .map(|r| (r.table.as_str(), r.key.as_str(), r.value.as_str(), r.bucket)),
        )
    }

    /// Stores `tiles`: new ones are inserted, a wider version of a partial
    /// tile replaces it, and the `tiles_only_grow` trigger refuses anything
    /// else, naming the tile. One statement for the whole commit; a tile
    /// given more than once is written in as many statements, its versions
    /// in order, as if each were stored in turn (one statement cannot
    /// upsert a row twice).
    fn put_tiles(&self, tiles: &[StoredTile]) -> Result<()> {
        let mut rounds: Vec<Vec<&StoredTile>> = Vec::new();
        let mut seen: HashMap<(u8, u64), usize> = HashMap::with_capacity(tiles.len());
        for t in tiles {
            let n = seen.entry((t.level, t.index)).or_insert(0);
            if rounds.len() == *n {
                rounds.push(Vec::new());
            }
            rounds[*n].push(t);
            *n += 1;
        }
        for round in rounds {
            let levels: Vec<i16> = round.iter().map(|t| i16::from(t.level)).collect();
            let indexes = round
                .iter()
                .map(|t| to_i64("tile index", t.index))
                .collect::<Result<Vec<i64>>>()?;
            // check_tile holds widths to 1..=256.
            let widths: Vec<i16> = round.iter().map(|t| t.hashes.len() as i16).collect();
            let hashes: Vec<Vec<u8>> = round.iter().map(|t| t.hashes.concat()).collect();
            self.c()
                .execute(
                    "INSERT INTO tiles (level, idx, width, hashes) \
                     SELECT * FROM unnest($1::int2[], $2::int8[], $3::int2[], $4::bytea[]) \
                     ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, hashes = excluded.hashes",
                    &[&levels, &indexes, &widths, &hashes],
                )
                .map_err(|e| {
                    let refused = e
                        .as_db_error()
                        .filter(|db| *db.code() == SqlState::RAISE_EXCEPTION)
                        .and_then(|db| db.detail())
                        .and_then(schema::refused_tile);
                    match refused {
                        Some((level, index)) => StoreError::TileRewritten { level, index },
                        None => pg(e),
                    }
                })?;
        }
        Ok(())
    }

    /// Sets every pair in one statement (a commit's seal pages are
    /// hundreds of them; one round trip each cost more than the rest of
    /// the commit's settings). A key given twice keeps its last value, as
    /// if set in turn.
    fn set_meta(&self, pairs: &mut dyn Iterator<Item = (&str, &str)>) -> Result<()> {
        let mut keys: Vec<&str> = Vec::new();
        let mut values: Vec<&str> = Vec::new();
        let mut at: std::collections::HashMap<&str, usize> = Default::default();
        for (k, v) in pairs {
            match at.get(k) {
                Some(&i) => values[i] = v,
                None => {
                    at.insert(k, keys.len());
                    keys.push(k);
                    values.push(v);
                }
            }
        }
        if keys.is_empty() {
            return Ok(());
        }
        self.c()
            .execute(
                "INSERT INTO meta (key, value) SELECT * FROM unnest($1::text[], $2::text[]) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&keys, &values],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn append_within(&self, commit: &Commit<'_>) -> Result<()> {
        self.c()
            .batch_execute("LOCK TABLE events IN EXCLUSIVE MODE")
            .map_err(pg)?;
        let size = size_of(&mut *self.c())?;
        check_follows(commit, size)?;
        if !commit.events.is_empty() {
            let seqs = commit
                .events
                .iter()
                .map(|e| to_i64("event seq", e.seq))
                .collect::<Result<Vec<i64>>>()?;
            let bytes: Vec<&[u8]> = commit.events.iter().map(|e| &e.bytes[..]).collect();
            let leaves: Vec<&[u8]> = commit.events.iter().map(|e| &e.leaf_hash[..]).collect();
            self.c()
                .execute(
                    "INSERT INTO events (seq, bytes, leaf_hash) \
                     SELECT s, b, h FROM unnest($1::int8[], $2::bytea[], $3::bytea[]) \
                     WITH ORDINALITY AS u(s, b, h, n) ORDER BY n",
                    &[&seqs, &bytes, &leaves],
                )
                .map_err(pg)?;
        }
        self.put_tiles(commit.tiles)?;
        if !commit.projection.is_empty() {
            // Changes apply in order: the last change to a row is its fate.
            let mut last: BTreeMap<(&str, &str), Option<(&str, u32)>> = BTreeMap::new();
            for change in commit.projection {
                match change {
                    ProjectionChange::Upsert(r) => {
                        last.insert((&r.table, &r.key), Some((&r.value, r.bucket)));
                    }
                    ProjectionChange::Delete { table, key } => {
                        last.insert((table, key), None);
                    }
                }
            }
            let (mut dt, mut dk) = (Vec::new(), Vec::new());
            for ((t, k), v) in &last {
                if v.is_none() {
                    dt.push(*t);
                    dk.push(*k);
                }
            }
            if !dt.is_empty() {
                self.c()
                    .execute(
                        "DELETE FROM projection p USING unnest($1::text[], $2::text[]) AS d(tbl, key) \
                         WHERE p.tbl = d.tbl AND p.key = d.key",
                        &[&dt, &dk],
                    )
                    .map_err(pg)?;
            }
            self.insert_projection(
                &mut last
                    .iter()
                    .filter_map(|((t, k), v)| v.map(|(v, b)| (*t, *k, v, b))),
            )?;
        }
        self.apply_index(commit.index)?;
        if !commit.access.is_empty() {
            let next = to_u64(
                "access_log: max(id) + 1",
                self.c()
                    .query_one("SELECT coalesce(max(id) + 1, 0)::int8 FROM access_log", &[])
                    .map_err(pg)?
                    .get(0),
            )?;
            check_access_ids(next, commit.access)?;
            let a = commit.access;
            let ids = a
                .iter()
                .map(|r| to_i64("access id", r.id))
                .collect::<Result<Vec<i64>>>()?;
            let by = a
                .iter()
                .map(|r| to_i64("access committed_by", r.committed_by))
                .collect::<Result<Vec<i64>>>()?;
            let col = |f: fn(&AccessRecord) -> &str| a.iter().map(f).collect::<Vec<&str>>();
            let hashes: Vec<&[u8]> = a.iter().map(|r| &r.hash[..]).collect();
            self.c()
                .execute(
                    &format!(
                        "INSERT INTO access_log ({ACCESS_COLUMNS}) \
                         SELECT i, at, u, acc, ro, nd, act, sub, by, h, rs FROM unnest(\
                         $1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], \
                         $6::text[], $7::text[], $8::text[], $9::int8[], $10::bytea[], $11::text[]) \
                         WITH ORDINALITY AS x(i, at, u, acc, ro, nd, act, sub, by, h, rs, n) ORDER BY n"
                    ),
                    &[
                        &ids,
                        &col(|r| &r.at),
                        &col(|r| &r.user),
                        &col(|r| &r.account),
                        &col(|r| &r.role),
                        &col(|r| &r.node),
                        &col(|r| &r.action),
                        &col(|r| &r.subject),
                        &by,
                        &hashes,
                        &col(|r| &r.reason),
                    ],
                )
                .map_err(pg)?;
        }
        self.set_meta(&mut commit.meta.iter().copied())?;
        if let Some(cp) = commit.checkpoint {
            // The checkpoint goes last: if it is refused, everything above
            // is rolled back with it.
            self.c()
                .execute(
                    "INSERT INTO checkpoints (size, note) VALUES ($1, $2)",
                    &[&to_i64("checkpoint size", cp.size)?, &cp.note],
                )
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::CheckpointExists { size: cp.size }
                    } else {
                        pg(e)
                    }
                })?;
        }
        Ok(())
    }
}

impl Store for PgStore {
    fn append(&mut self, commit: &Commit<'_>) -> Result<()> {
        check_commit(commit)?;
        self.within("BEGIN", || self.append_within(commit))
    }

    fn size(&self) -> Result<u64> {
        size_of(&mut *self.c())
    }

    fn events(&self, from: u64, to: u64) -> Result<Vec<StoredEvent>> {
        events_in_range(from, to, &|| self.size(), &mut |from, to, push| {
            let rows = self.query(
                "SELECT seq, bytes, leaf_hash FROM events WHERE seq >= $1 AND seq < $2 ORDER BY seq",
                &[&from, &to],
            )?;
            for row in &rows {
                push(event_from_row(row)?)?;
            }
            Ok(())
        })
    }

    fn for_each_event(&self, f: &mut dyn FnMut(StoredEvent) -> Result<()>) -> Result<()> {
        // In pages, so the connection is free while `f` runs (it may read
        // through this store) and memory stays bounded.
        let mut expected = 0u64;
        loop {
            let rows = self.query(
                "SELECT seq, bytes, leaf_hash FROM events WHERE seq >= $1 ORDER BY seq LIMIT $2",
                &[&to_i64("event seq", expected)?, &(CHUNK as i64)],
            )?;
            let n = rows.len() as u64;
            for row in &rows {
                let e = event_from_row(row)?;
                check_seq(expected, e.seq)?;
                expected += 1;
                f(e)?;
            }
            if n < CHUNK {
                return Ok(());
            }
        }
    }

    fn event(&self, seq: u64) -> Result<Option<StoredEvent>> {
        let Ok(seq) = i64::try_from(seq) else {
            return Ok(None);
        };
        self.query(
            "SELECT seq, bytes, leaf_hash FROM events WHERE seq = $1",
            &[&seq],
        )?
        .first()
        .map(event_from_row)
        .transpose()
    }

    fn tile(&self, level: u8, index: u64) -> Result<Option<StoredTile>> {
        let Ok(index) = i64::try_from(index) else {
            return Ok(None);
        };
        self.query(
            "SELECT level, idx, width, hashes FROM tiles WHERE level = $1 AND idx = $2",
            &[&i16::from(level), &index],
        )?
        .first()
        .map(tile_from_row)
        .transpose()
    }

    fn for_each_tile(&self, f: &mut dyn FnMut(StoredTile) -> Result<()>) -> Result<()> {
        // In pages by (level, index), so the connection is free while `f` runs.
        let mut after: (i16, i64) = (-1, -1);
        loop {
            let rows = self.query(
                "SELECT level, idx, width, hashes FROM tiles WHERE (level, idx) > ($1, $2) \
                 ORDER BY level, idx LIMIT $3",
                &[&after.0, &after.1, &(CHUNK as i64)],
            )?;
            for row in &rows {
                after = (row.get(0), row.get(1));
                f(tile_from_row(row)?)?;
            }
            if (rows.len() as u64) < CHUNK {
                return Ok(());
            }
        }
    }

    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>> {
        self.query("SELECT size, note FROM checkpoints ORDER BY size", &[])?
            .iter()
            .map(checkpoint_from_row)
            .collect()
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        self.query(
            "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
            &[],
        )?
        .first()
        .map(checkpoint_from_row)
        .transpose()
    }

    fn checkpoint_at(&self, size: u64) -> Result<Option<StoredCheckpoint>> {
        let Ok(size) = i64::try_from(size) else {
            return Ok(None);
        };
        self.query(
            "SELECT size, note FROM checkpoints WHERE size = $1",
            &[&size],
        )?
        .first()
        .map(checkpoint_from_row)
        .transpose()
    }

    fn projection_table(&self, table: &str) -> Result<Vec<ProjectionRow>> {
        self.query(
            "SELECT tbl, key, value, bucket FROM projection WHERE tbl = $1 ORDER BY key",
            &[&table],
        )?
        .iter()
        .map(projection_from_row)
        .collect()
    }

    fn projection_get(&self, table: &str, key: &str) -> Result<Option<String>> {
        Ok(self
            .query(
                "SELECT value FROM projection WHERE tbl = $1 AND key = $2",
                &[&table, &key],
            )?
            .first()
            .map(|r| r.get(0)))
    }

    fn projection_all(&self) -> Result<Vec<ProjectionRow>> {
        self.query(
            "SELECT tbl, key, value, bucket FROM projection ORDER BY tbl, key",
            &[],
        )?
        .iter()
        .map(projection_from_row)
        .collect()
    }

    fn projection_buckets(&self, buckets: &[u32]) -> Result<Vec<ProjectionRow>> {
        if buckets.is_empty() {
            return Ok(Vec::new());
        }
        // One statement (one snapshot), on the `projection_bucket` index;
        // `= ANY` reads a bucket given twice once.
        let buckets: Vec<i64> = buckets.iter().map(|b| i64::from(*b)).collect();
        self.query(
            "SELECT tbl, key, value, bucket FROM projection WHERE bucket = ANY($1) \
             ORDER BY bucket, tbl, key",
            &[&buckets],
        )?
        .iter()
        .map(projection_from_row)
        .collect()
    }

    fn replace_projection(&mut self, rows: &[ProjectionRow], index: &[IndexEntry]) -> Result<()> {
        self.within("BEGIN; LOCK TABLE events IN EXCLUSIVE MODE;", || {
            self.replace_all(rows, index)
        })
    }

    fn rebuild_projection(
        &mut self,
        derive: &mut dyn FnMut(&dyn Store) -> Result<Rebuilt>,
    ) -> Result<usize> {
        // The write lock is taken before anything is read: no other writer
        // can append between reading the events and replacing the rows.
        self.within("BEGIN; LOCK TABLE events IN EXCLUSIVE MODE;", || {
            let built = derive(self)?;
            for t in &built.tiles {
                check_tile(t)?;
            }
            self.put_tiles(&built.tiles)?;
            self.replace_all(&built.rows, &built.index)?;
            self.set_meta(&mut built.meta.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
            Ok(built.rows.len())
        })
    }

    fn index_page(
        &self,
        index: &str,
        term: &str,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<IndexEntry>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = match after {
            None => self.query(
                "SELECT sort, key FROM index_entries WHERE idx = $1 AND term = $2 \
                 ORDER BY sort, key LIMIT $3",
                &[&index, &term, &limit],
            )?,
            Some((sort, key)) => self.query(
                "SELECT sort, key FROM index_entries \
                 WHERE idx = $1 AND term = $2 AND (sort, key) > ($3, $4) \
                 ORDER BY sort, key LIMIT $5",
                &[&index, &term, &sort, &key, &limit],
            )?,
        };
        Ok(rows
            .iter()
            .map(|r| IndexEntry {
                index: index.to_string(),
                term: term.to_string(),
                sort: r.get(0),
                key: r.get(1),
            })
            .collect())
    }

    fn index_count(&self, index: &str, term: &str) -> Result<u64> {
        let rows = self.query(
            "SELECT count(*) FROM index_entries WHERE idx = $1 AND term = $2",
            &[&index, &term],
        )?;
        match rows.first() {
            Some(r) => to_u64(&format!("index {index}/{term}: count"), r.get(0)),
            None => Ok(0),
        }
    }

    fn for_each_index_entry(&self, f: &mut dyn FnMut(IndexEntry) -> Result<()>) -> Result<()> {
        // In pages by the whole entry, so the connection is free while `f` runs.
        let mut after: Option<IndexEntry> = None;
        loop {
            let rows = match &after {
                None => self.query(
                    "SELECT idx, term, sort, key FROM index_entries \
                     ORDER BY idx, term, sort, key LIMIT $1",
                    &[&(CHUNK as i64)],
                )?,
                Some(e) => self.query(
                    "SELECT idx, term, sort, key FROM index_entries \
                     WHERE (idx, term, sort, key) > ($1, $2, $3, $4) \
                     ORDER BY idx, term, sort, key LIMIT $5",
                    &[&e.index, &e.term, &e.sort, &e.key, &(CHUNK as i64)],
                )?,
            };
            for row in &rows {
                f(index_from_row(row))?;
            }
            if (rows.len() as u64) < CHUNK {
                return Ok(());
            }
            after = rows.last().map(index_from_row);
        }
    }

    fn access_log(&self) -> Result<Vec<AccessRecord>> {
        self.query(
            &format!("SELECT {ACCESS_COLUMNS} FROM access_log ORDER BY id"),
            &[],
        )?
        .iter()
        .map(access_from_row)
        .collect()
    }

    fn access_tail(&self) -> Result<Option<AccessRecord>> {
        self.query(
            &format!("SELECT {ACCESS_COLUMNS} FROM access_log ORDER BY id DESC LIMIT 1"),
            &[],
        )?
        .first()
        .map(access_from_row)
        .transpose()
    }

    fn missing_guards(&self) -> Result<Vec<String>> {
        let enabled: Vec<String> = self
            .query(
                "SELECT t.tgname::text FROM pg_trigger t \
                 JOIN pg_class c ON c.oid = t.tgrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgenabled <> 'D'",
                &[&self.schema],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut missing: Vec<String> = schema::GUARDS
            .iter()
            .filter(|g| !enabled.iter().any(|e| e == *g))
            .map(|g| g.to_string())
            .collect();
        let bodies: Vec<(String, String)> = self
            .query(
                "SELECT p.proname::text, p.prosrc FROM pg_proc p \
                 JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1",
                &[&self.schema],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        for (name, body) in schema::guard_functions() {
            match bodies.iter().find(|(n, _)| n == name) {
                Some((_, b)) if *b == body => {}
                Some(_) => missing.push(format!("{name} (its body was replaced)")),
                None => missing.push(name.to_string()),
            }
        }
        Ok(missing)
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .query("SELECT value FROM meta WHERE key = $1", &[&key])?
            .first()
            .map(|r| r.get(0)))
    }

    fn meta_all(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .query("SELECT key, value FROM meta ORDER BY key", &[])?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn meta_set(&mut self, key: &str, value: &str) -> Result<()> {
        self.set_meta(&mut std::iter::once((key, value)))
    }

    fn begin_snapshot(&self) -> Result<bool> {
        if self.reading.get() {
            return Ok(false);
        }
        self.c()
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .map_err(pg)?;
        self.reading.set(true);
        Ok(true)
    }

    fn end_snapshot(&self) -> Result<()> {
        self.reading.set(false);
        self.c().batch_execute("COMMIT").map_err(pg)
    }

    fn writer_lock(&self, wait: std::time::Duration) -> Result<Box<dyn WriterLock>> {
        // A session-level advisory lock keyed by the schema, on a session of
        // its own: it outlives this store's transactions and is released
        // when the guard closes that session (or the process dies).
        let mut client = self
            .config
            .connect(NoTls)
            .map_err(|e| StoreError::Backend {
                backend: BACKEND,
                message: format!("{}: {}", self.target, pg(e)),
            })?;
        let key = format!("rollcall writer {}", self.schema);
        wait_for_lock(wait, || {
            let got: bool = client
                .query_one(
                    "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                    &[&key],
                )
                .map_err(pg)?
                .get(0);
            Ok(got.then_some(()))
        })?;
        Ok(Box::new(PgLock(client)))
    }

    fn backup_to(&self, path: &Path) -> Result<Option<StoredCheckpoint>> {
        let snapshot = self.snapshot()?;
        let latest = SqliteStore::create_copy(path, &snapshot)?;
        snapshot.finish()?;
        Ok(latest)
    }
}
