//! [`SqliteStore`]: the embedded default backend, one SQLite file in WAL mode.
//!
//! Each connection runs with `journal_mode=WAL`, `synchronous=FULL` (the WAL is
//! fsynced at every commit), `foreign_keys=ON`, `recursive_triggers=ON` (so an
//! `INSERT OR REPLACE` cannot slip past the append-only triggers) and a busy
//! timeout, so a backup or a second reader can run while another connection or
//! process writes. Writes take the write lock up front (`BEGIN IMMEDIATE`), so
//! the sequence check and the insert cannot interleave with another writer.

mod migrations;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::backup::{Backup, StepResult};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags, Row, TransactionBehavior};

use migrations::{APPLICATION_ID, GUARDS, migrations};
use rollcall_store::backend::{
    check_access_ids, check_commit, check_follows, check_seq, check_tile, events_in_range,
    tile_from_columns, to_i64, wait_for_lock,
};
use rollcall_store::{
    AccessRecord, Commit, Hash, IndexChange, IndexEntry, ProjectionChange, ProjectionRow, Rebuilt,
    Snapshot, Store, StoreError, StoredCheckpoint, StoredEvent, StoredTile, WriterLock,
};

/// How long a statement waits for a lock held by another connection.
const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

type Result<T> = std::result::Result<T, StoreError>;

/// What SQLite (or a schema migration) said, as the backend-neutral
/// [`StoreError::Backend`]: nothing above this crate sees a `rusqlite` type.
fn sql(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend {
        backend: BACKEND,
        message: e.to_string(),
    }
}

/// The backend's name in errors.
const BACKEND: &str = "sqlite";

/// `?` for SQLite results inside this crate: converts to [`StoreError`].
trait Sql<T> {
    fn sql(self) -> Result<T>;
}

impl<T> Sql<T> for rusqlite::Result<T> {
    fn sql(self) -> Result<T> {
        self.map_err(sql)
    }
}

impl<T> Sql<T> for std::result::Result<T, rusqlite_migration::Error> {
    fn sql(self) -> Result<T> {
        self.map_err(sql)
    }
}

/// The file whose exclusive lock is the ledger's write lock: beside the
/// database (`rollcall.db.writer`), never inside it, so holding it blocks no
/// reader and no SQLite lock.
fn writer_lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".writer");
    PathBuf::from(name)
}

/// An exclusive lock on the writer file, released when the file is closed.
#[derive(Debug)]
struct FileLock(#[allow(dead_code)] std::fs::File);

impl WriterLock for FileLock {}

/// A [`Store`] in one SQLite file.
///
/// Not `Sync`: give each thread its own `SqliteStore` on the same path (each is
/// one connection); SQLite serialises their writes.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

/// Options that create a new file (never an existing one) with mode 0600.
fn owner_only() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

impl SqliteStore {
    /// Opens the store at `path`, creating the file if missing, and brings its
    /// schema up to date. Refuses an SQLite file that is not a Rollcall store.
    pub fn open(path: &Path) -> Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        // Create the file readable by its owner only: SQLite gives the WAL
        // and shared-memory files the same mode as the database file.
        match owner_only().open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    source,
                });
            }
        }
        let conn = Connection::open_with_flags(path, flags).sql()?;
        Self::init(conn, path, false)
    }

    /// Opens an existing store; [`StoreError::NotFound`] if there is no file at
    /// `path`, [`StoreError::NotAStore`] if it is not a Rollcall store.
    pub fn open_existing(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(StoreError::NotFound(path.to_path_buf()));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).sql()?;
        Self::init(conn, path, true)
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn init(mut conn: Connection, path: &Path, must_exist: bool) -> Result<Self> {
        conn.busy_timeout(BUSY_TIMEOUT).sql()?;
        // Check what the file is before changing anything in it.
        let application_id: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .sql()?;
        if application_id != APPLICATION_ID {
            let objects: i64 = conn
                .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
                .sql()?;
            if must_exist || application_id != 0 || objects != 0 {
                return Err(StoreError::NotAStore {
                    path: path.to_path_buf(),
                    application_id,
                });
            }
        }
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .sql()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::corrupt(format!(
                "{}: journal_mode is {mode}, could not switch to WAL",
                path.display()
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL").sql()?;
        conn.pragma_update(None, "foreign_keys", "ON").sql()?;
        conn.pragma_update(None, "recursive_triggers", "ON").sql()?;
        // Bulk appends touch many projection rows: a 64 MiB page cache keeps
        // their pages in memory instead of spilling mid-transaction, and a
        // larger WAL between checkpoints (128 MiB of 4 KiB pages) lets
        // repeated updates of one page be copied back once: at scale 10 the
        // demo writes 18 % fewer bytes and runs 7 % faster than at 32 MiB.
        // Neither weakens durability (synchronous=FULL).
        conn.pragma_update(None, "cache_size", -65_536).sql()?;
        conn.pragma_update(None, "wal_autocheckpoint", 32_768)
            .sql()?;
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        conn.set_prepared_statement_cache_capacity(32);

        let migrations = migrations();
        if let Err(e) = migrations.to_latest(&mut conn) {
            // Two processes creating the same store race here; the loser's
            // migration fails on existing tables, yet the schema is current.
            if migrations.pending_migrations(&conn).sql()? != 0 {
                return Err(sql(e));
            }
        }
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
        })
    }
}

fn is_constraint(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

fn int_col(row: &Row<'_>, idx: usize, ctx: &dyn Fn() -> String) -> Result<u64> {
    match row.get_ref(idx).sql()? {
        ValueRef::Integer(i) => {
            u64::try_from(i).map_err(|_| StoreError::corrupt(format!("{}: {i} is negative", ctx())))
        }
        other => Err(StoreError::corrupt(format!(
            "{}: {} where an INTEGER belongs",
            ctx(),
            other.data_type()
        ))),
    }
}

fn i64_col(row: &Row<'_>, idx: usize, ctx: &dyn Fn() -> String) -> Result<i64> {
    match row.get_ref(idx).sql()? {
        ValueRef::Integer(i) => Ok(i),
        other => Err(StoreError::corrupt(format!(
            "{}: {} where an INTEGER belongs",
            ctx(),
            other.data_type()
        ))),
    }
}

/// The non-negative integer one query without parameters returns.
fn int_col_of(conn: &Connection, sql: &str, what: &str) -> Result<u64> {
    let mut stmt = conn.prepare_cached(sql).sql()?;
    let mut rows = stmt.query([]).sql()?;
    match rows.next().sql()? {
        Some(row) => int_col(row, 0, &|| what.to_string()),
        None => Ok(0),
    }
}

fn text_col(row: &Row<'_>, idx: usize, ctx: &dyn Fn() -> String) -> Result<String> {
    match row.get_ref(idx).sql()? {
        ValueRef::Text(bytes) => String::from_utf8(bytes.to_vec())
            .map_err(|_| StoreError::corrupt(format!("{}: TEXT is not UTF-8", ctx()))),
        other => Err(StoreError::corrupt(format!(
            "{}: {} where TEXT belongs",
            ctx(),
            other.data_type()
        ))),
    }
}

fn hash_col(row: &Row<'_>, idx: usize, ctx: &dyn Fn() -> String) -> Result<Hash> {
    match row.get_ref(idx).sql()? {
        ValueRef::Blob(b) => Hash::try_from(b)
            .map_err(|_| StoreError::corrupt(format!("{}: {} bytes, expected 32", ctx(), b.len()))),
        other => Err(StoreError::corrupt(format!(
            "{}: {} where a 32-byte BLOB belongs",
            ctx(),
            other.data_type()
        ))),
    }
}

/// Reads `seq, bytes, leaf_hash`.
fn event_from_row(row: &Row<'_>) -> Result<StoredEvent> {
    let seq = int_col(row, 0, &|| "events.seq".to_string())?;
    let bytes = match row.get_ref(1).sql()? {
        ValueRef::Blob(b) => b.to_vec(),
        other => {
            return Err(StoreError::corrupt(format!(
                "events seq {seq}: bytes is {} where a BLOB belongs",
                other.data_type()
            )));
        }
    };
    let leaf_hash = hash_col(row, 2, &|| format!("events seq {seq}: leaf_hash"))?;
    Ok(StoredEvent {
        seq,
        bytes,
        leaf_hash,
    })
}

/// Every read walks seqs in order; a gap means rows were removed behind our back.
const ACCESS_COLUMNS: &str =
    "id, at, user, account, role, node, action, subject, committed_by, hash, reason";

fn access_from_row(row: &Row<'_>) -> Result<AccessRecord> {
    let id = int_col(row, 0, &|| "access_log: id".into())?;
    let col = |idx: usize, name: &'static str| {
        text_col(row, idx, &|| format!("access_log id {id}: {name}"))
    };
    Ok(AccessRecord {
        id,
        at: col(1, "at")?,
        user: col(2, "user")?,
        account: col(3, "account")?,
        role: col(4, "role")?,
        node: col(5, "node")?,
        action: col(6, "action")?,
        subject: col(7, "subject")?,
        committed_by: int_col(row, 8, &|| format!("access_log id {id}: committed_by"))?,
        hash: hash_col(row, 9, &|| format!("access_log id {id}: hash"))?,
        reason: col(10, "reason")?,
    })
}

fn checkpoint_from_row(row: &Row<'_>) -> Result<StoredCheckpoint> {
    let size = int_col(row, 0, &|| "checkpoints.size".to_string())?;
    let note = text_col(row, 1, &|| format!("checkpoints size {size}: note"))?;
    Ok(StoredCheckpoint { size, note })
}

/// The rows of one bucket, in `(table, key)` order, off the
/// `projection_bucket` index.
const BUCKET_ROWS: &str =
    "SELECT tbl, key, value, bucket FROM projection WHERE bucket = ?1 ORDER BY tbl, key";

/// Reads `tbl, key, value, bucket`.
fn projection_from_row(row: &Row<'_>) -> Result<ProjectionRow> {
    let table = text_col(row, 0, &|| "projection.tbl".to_string())?;
    let key = text_col(row, 1, &|| format!("projection {table}: key"))?;
    let value = text_col(row, 2, &|| format!("projection {table}/{key}: value"))?;
    let bucket = int_col(row, 3, &|| format!("projection {table}/{key}: bucket"))?;
    let bucket = u32::try_from(bucket).map_err(|_| {
        StoreError::corrupt(format!(
            "projection {table}/{key}: bucket {bucket} does not fit 32 bits"
        ))
    })?;
    Ok(ProjectionRow {
        table,
        key,
        value,
        bucket,
    })
}

/// Inserts `rows` into an empty projection; a `(table, key)` given twice is
/// [`StoreError::DuplicateProjectionRow`].
fn insert_rows(conn: &Connection, rows: &[ProjectionRow]) -> Result<()> {
    let mut insert = conn
        .prepare_cached("INSERT INTO projection (tbl, key, value, bucket) VALUES (?1, ?2, ?3, ?4)")
        .sql()?;
    for r in rows {
        insert
            .execute((&r.table, &r.key, &r.value, r.bucket))
            .map_err(|e| {
                if is_constraint(&e) {
                    StoreError::DuplicateProjectionRow {
                        table: r.table.clone(),
                        key: r.key.clone(),
                    }
                } else {
                    sql(e)
                }
            })?;
    }
    Ok(())
}

/// Replaces every projection row with `rows`, inside the caller's transaction.
fn replace_rows(conn: &Connection, rows: &[ProjectionRow]) -> Result<()> {
    conn.execute("DELETE FROM projection", []).sql()?;
    insert_rows(conn, rows)
}

/// A page of one `(index, term)` after a `(sort, key)`: a range of the
/// primary key, by row-value comparison.
const INDEX_PAGE_AFTER: &str = "SELECT sort, key FROM index_entries \
     WHERE idx = ?1 AND term = ?2 AND (sort, key) > (?3, ?4) ORDER BY sort, key LIMIT ?5";

/// Reads `idx, term, sort, key`.
fn index_from_row(row: &Row<'_>) -> Result<IndexEntry> {
    let index = text_col(row, 0, &|| "index_entries.idx".to_string())?;
    let term = text_col(row, 1, &|| format!("index {index}: term"))?;
    let sort = text_col(row, 2, &|| format!("index {index}/{term}: sort"))?;
    let key = text_col(row, 3, &|| format!("index {index}/{term}: key"))?;
    Ok(IndexEntry {
        index,
        term,
        sort,
        key,
    })
}

const INDEX_INSERT: &str = "INSERT INTO index_entries (idx, term, sort, key) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT (idx, term, sort, key) DO NOTHING";

/// Applies index changes in order: inserting an entry that is there, or
/// deleting one that is not, changes nothing.
fn apply_index(conn: &Connection, changes: &[IndexChange]) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut insert = conn.prepare_cached(INDEX_INSERT).sql()?;
    let mut delete = conn
        .prepare_cached(
            "DELETE FROM index_entries WHERE idx = ?1 AND term = ?2 AND sort = ?3 AND key = ?4",
        )
        .sql()?;
    for change in changes {
        match change {
            IndexChange::Insert(e) => insert.execute((&e.index, &e.term, &e.sort, &e.key)).sql()?,
            IndexChange::Delete(e) => delete.execute((&e.index, &e.term, &e.sort, &e.key)).sql()?,
        };
    }
    Ok(())
}

/// Inserts index entries; one given twice is stored once.
fn insert_index(conn: &Connection, entries: &[IndexEntry]) -> Result<()> {
    let mut insert = conn.prepare_cached(INDEX_INSERT).sql()?;
    for e in entries {
        insert.execute((&e.index, &e.term, &e.sort, &e.key)).sql()?;
    }
    Ok(())
}

/// Replaces every index entry with `entries`, inside the caller's transaction.
fn replace_index(conn: &Connection, entries: &[IndexEntry]) -> Result<()> {
    conn.execute("DELETE FROM index_entries", []).sql()?;
    insert_index(conn, entries)
}

fn size_of(conn: &Connection) -> Result<u64> {
    int_col_of(
        conn,
        "SELECT coalesce(max(seq) + 1, 0) FROM events",
        "events: max(seq) + 1",
    )
}

fn latest_checkpoint_of(conn: &Connection) -> Result<Option<StoredCheckpoint>> {
    let mut stmt = conn
        .prepare_cached("SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1")
        .sql()?;
    let mut rows = stmt.query([]).sql()?;
    rows.next().sql()?.map(checkpoint_from_row).transpose()
}

/// Stores `tiles`: new ones are inserted, a wider version of a partial tile
/// replaces it; the `tiles_only_grow` trigger refuses anything else.
fn put_tiles(conn: &Connection, tiles: &[StoredTile]) -> Result<()> {
    if tiles.is_empty() {
        return Ok(());
    }
    let mut put = conn
        .prepare_cached(
            "INSERT INTO tiles (level, idx, width, hashes) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, hashes = excluded.hashes",
        )
        .sql()?;
    for t in tiles {
        put.execute((
            i64::from(t.level),
            to_i64("tile index", t.index)?,
            t.hashes.len() as i64,
            t.hashes.concat(),
        ))
        .map_err(|e| {
            if is_constraint(&e) {
                StoreError::TileRewritten {
                    level: t.level,
                    index: t.index,
                }
            } else {
                sql(e)
            }
        })?;
    }
    Ok(())
}

/// Reads `level, idx, width, hashes`, checking the row's shape.
fn tile_from_row(row: &Row<'_>) -> Result<StoredTile> {
    let level = i64_col(row, 0, &|| "tiles.level".to_string())?;
    let index = i64_col(row, 1, &|| format!("tiles level {level}: idx"))?;
    let at = || format!("tile {level}/{index}");
    let width = i64_col(row, 2, &|| format!("{}: width", at()))?;
    match row.get_ref(3).sql()? {
        ValueRef::Blob(b) => tile_from_columns(level, index, width, b),
        other => Err(StoreError::corrupt(format!(
            "{}: hashes is {} where a BLOB belongs",
            at(),
            other.data_type()
        ))),
    }
}

/// Appends access records after checking that they continue the log.
fn insert_access(conn: &Connection, access: &[AccessRecord]) -> Result<()> {
    if access.is_empty() {
        return Ok(());
    }
    let next = int_col_of(
        conn,
        "SELECT coalesce(max(id) + 1, 0) FROM access_log",
        "access_log: max(id) + 1",
    )?;
    check_access_ids(next, access)?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO access_log (id, at, user, account, role, node, action, subject, committed_by, hash, reason) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    ).sql()?;
    for rec in access {
        insert
            .execute(rusqlite::params![
                to_i64("access id", rec.id)?,
                &rec.at,
                &rec.user,
                &rec.account,
                &rec.role,
                &rec.node,
                &rec.action,
                &rec.subject,
                to_i64("access committed_by", rec.committed_by)?,
                &rec.hash[..],
                &rec.reason,
            ])
            .sql()?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn append(&mut self, commit: &Commit<'_>) -> Result<()> {
        // Validate what needs no database before taking the write lock.
        check_commit(commit)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .sql()?;
        let size = size_of(&tx)?;
        check_follows(commit, size)?;
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO events (seq, bytes, leaf_hash) VALUES (?1, ?2, ?3)")
                .sql()?;
            for e in commit.events {
                insert
                    .execute((to_i64("event seq", e.seq)?, &e.bytes, &e.leaf_hash[..]))
                    .sql()?;
            }
        }
        put_tiles(&tx, commit.tiles)?;
        if !commit.projection.is_empty() {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO projection (tbl, key, value, bucket) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (tbl, key) DO UPDATE SET value = excluded.value, bucket = excluded.bucket",
            ).sql()?;
            let mut delete = tx
                .prepare_cached("DELETE FROM projection WHERE tbl = ?1 AND key = ?2")
                .sql()?;
            for change in commit.projection {
                match change {
                    ProjectionChange::Upsert(r) => {
                        upsert
                            .execute((&r.table, &r.key, &r.value, r.bucket))
                            .sql()?;
                    }
                    ProjectionChange::Delete { table, key } => {
                        delete.execute((table, key)).sql()?;
                    }
                }
            }
        }
        apply_index(&tx, commit.index)?;
        insert_access(&tx, commit.access)?;
        if !commit.meta.is_empty() {
            let mut set = tx
                .prepare_cached(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .sql()?;
            for (k, v) in commit.meta {
                set.execute([k, v]).sql()?;
            }
        }
        if let Some(cp) = commit.checkpoint {
            let mut insert = tx
                .prepare_cached("INSERT INTO checkpoints (size, note) VALUES (?1, ?2)")
                .sql()?;
            // The checkpoint goes last: if it is refused, the events and
            // projection changes above are rolled back with it.
            insert
                .execute((to_i64("checkpoint size", cp.size)?, &cp.note))
                .map_err(|e| {
                    if is_constraint(&e) {
                        StoreError::CheckpointExists { size: cp.size }
                    } else {
                        sql(e)
                    }
                })?;
        }
        tx.commit().sql()?;
        Ok(())
    }

    fn size(&self) -> Result<u64> {
        size_of(&self.conn)
    }

    fn events(&self, from: u64, to: u64) -> Result<Vec<StoredEvent>> {
        events_in_range(from, to, &|| self.size(), &mut |from, to, push| {
            let mut stmt = self.conn.prepare_cached(
                "SELECT seq, bytes, leaf_hash FROM events WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
            ).sql()?;
            let mut rows = stmt.query((from, to)).sql()?;
            while let Some(row) = rows.next().sql()? {
                push(event_from_row(row)?)?;
            }
            Ok(())
        })
    }

    fn for_each_event(&self, f: &mut dyn FnMut(StoredEvent) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, bytes, leaf_hash FROM events ORDER BY seq")
            .sql()?;
        let mut rows = stmt.query([]).sql()?;
        let mut expected = 0u64;
        while let Some(row) = rows.next().sql()? {
            let e = event_from_row(row)?;
            check_seq(expected, e.seq)?;
            expected += 1;
            f(e)?;
        }
        Ok(())
    }

    fn event(&self, seq: u64) -> Result<Option<StoredEvent>> {
        let Ok(seq) = i64::try_from(seq) else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, bytes, leaf_hash FROM events WHERE seq = ?1")
            .sql()?;
        let mut rows = stmt.query([seq]).sql()?;
        rows.next().sql()?.map(event_from_row).transpose()
    }

    fn tile(&self, level: u8, index: u64) -> Result<Option<StoredTile>> {
        let Ok(index) = i64::try_from(index) else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT level, idx, width, hashes FROM tiles WHERE level = ?1 AND idx = ?2",
            )
            .sql()?;
        let mut rows = stmt.query((i64::from(level), index)).sql()?;
        rows.next().sql()?.map(tile_from_row).transpose()
    }

    fn for_each_tile(&self, f: &mut dyn FnMut(StoredTile) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT level, idx, width, hashes FROM tiles ORDER BY level, idx")
            .sql()?;
        let mut rows = stmt.query([]).sql()?;
        while let Some(row) = rows.next().sql()? {
            f(tile_from_row(row)?)?;
        }
        Ok(())
    }

    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT size, note FROM checkpoints ORDER BY size")
            .sql()?;
        let mut rows = stmt.query([]).sql()?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().sql()? {
            out.push(checkpoint_from_row(row)?);
        }
        Ok(out)
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        latest_checkpoint_of(&self.conn)
    }

    fn checkpoint_at(&self, size: u64) -> Result<Option<StoredCheckpoint>> {
        let Ok(size) = i64::try_from(size) else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare_cached("SELECT size, note FROM checkpoints WHERE size = ?1")
            .sql()?;
        let mut rows = stmt.query([size]).sql()?;
        rows.next().sql()?.map(checkpoint_from_row).transpose()
    }

    fn projection_table(&self, table: &str) -> Result<Vec<ProjectionRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT tbl, key, value, bucket FROM projection WHERE tbl = ?1 ORDER BY key",
            )
            .sql()?;
        let mut rows = stmt.query([table]).sql()?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().sql()? {
            out.push(projection_from_row(row)?);
        }
        Ok(out)
    }

    fn projection_get(&self, table: &str, key: &str) -> Result<Option<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT value FROM projection WHERE tbl = ?1 AND key = ?2")
            .sql()?;
        let mut rows = stmt.query([table, key]).sql()?;
        rows.next()
            .sql()?
            .map(|row| text_col(row, 0, &|| format!("projection {table}/{key}: value")))
            .transpose()
    }

    fn projection_all(&self) -> Result<Vec<ProjectionRow>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT tbl, key, value, bucket FROM projection ORDER BY tbl, key")
            .sql()?;
        let mut rows = stmt.query([]).sql()?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().sql()? {
            out.push(projection_from_row(row)?);
        }
        Ok(out)
    }

    fn projection_buckets(&self, buckets: &[u32]) -> Result<Vec<ProjectionRow>> {
        let mut wanted = buckets.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        // One indexed lookup per bucket (`projection_bucket` holds
        // `(bucket, tbl, key)`, so each comes out in order), all inside one
        // read transaction (the caller's, if it holds one).
        let snapshot = self.snapshot()?;
        let mut stmt = self.conn.prepare_cached(BUCKET_ROWS).sql()?;
        let mut out = Vec::new();
        for b in wanted.iter().copied() {
            let mut rows = stmt.query([b]).sql()?;
            while let Some(row) = rows.next().sql()? {
                out.push(projection_from_row(row)?);
            }
        }
        drop(stmt);
        snapshot.finish()?;
        Ok(out)
    }

    fn replace_projection(&mut self, rows: &[ProjectionRow], index: &[IndexEntry]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .sql()?;
        replace_rows(&tx, rows)?;
        replace_index(&tx, index)?;
        tx.commit().sql()?;
        Ok(())
    }

    fn rebuild_projection(
        &mut self,
        derive: &mut dyn FnMut(&dyn Store) -> Result<Rebuilt>,
    ) -> Result<usize> {
        // The write lock is taken before anything is read: no other writer
        // can append between reading the events and replacing the rows.
        self.conn.execute_batch("BEGIN IMMEDIATE").sql()?;
        let r = (|| -> Result<usize> {
            let built = derive(&*self)?;
            for t in &built.tiles {
                check_tile(t)?;
            }
            put_tiles(&self.conn, &built.tiles)?;
            replace_rows(&self.conn, &built.rows)?;
            replace_index(&self.conn, &built.index)?;
            let mut set = self
                .conn
                .prepare_cached(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .sql()?;
            for (k, v) in &built.meta {
                set.execute([k, v]).sql()?;
            }
            Ok(built.rows.len())
        })();
        let end = self
            .conn
            .execute_batch(if r.is_ok() { "COMMIT" } else { "ROLLBACK" });
        let n = r?;
        end.sql()?;
        Ok(n)
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
        let mut stmt;
        let mut rows = match after {
            None => {
                stmt = self
                    .conn
                    .prepare_cached(
                        "SELECT sort, key FROM index_entries WHERE idx = ?1 AND term = ?2 \
                     ORDER BY sort, key LIMIT ?3",
                    )
                    .sql()?;
                stmt.query((index, term, limit)).sql()?
            }
            Some((sort, key)) => {
                stmt = self.conn.prepare_cached(INDEX_PAGE_AFTER).sql()?;
                stmt.query((index, term, sort, key, limit)).sql()?
            }
        };
        let mut out = Vec::new();
        while let Some(row) = rows.next().sql()? {
            let at = || format!("index {index}/{term}");
            out.push(IndexEntry {
                index: index.to_string(),
                term: term.to_string(),
                sort: text_col(row, 0, &|| format!("{}: sort", at()))?,
                key: text_col(row, 1, &|| format!("{}: key", at()))?,
            });
        }
        Ok(out)
    }

    fn index_count(&self, index: &str, term: &str) -> Result<u64> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT count(*) FROM index_entries WHERE idx = ?1 AND term = ?2")
            .sql()?;
        let mut rows = stmt.query([index, term]).sql()?;
        match rows.next().sql()? {
            Some(row) => int_col(row, 0, &|| format!("index {index}/{term}: count")),
            None => Ok(0),
        }
    }

    fn for_each_index_entry(&self, f: &mut dyn FnMut(IndexEntry) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT idx, term, sort, key FROM index_entries ORDER BY idx, term, sort, key",
            )
            .sql()?;
        let mut rows = stmt.query([]).sql()?;
        while let Some(row) = rows.next().sql()? {
            f(index_from_row(row)?)?;
        }
        Ok(())
    }

    fn access_log(&self) -> Result<Vec<AccessRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ACCESS_COLUMNS} FROM access_log ORDER BY id"
            ))
            .sql()?;
        let mut rows = stmt.query([]).sql()?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().sql()? {
            out.push(access_from_row(row)?);
        }
        Ok(out)
    }

    fn access_tail(&self) -> Result<Option<AccessRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ACCESS_COLUMNS} FROM access_log ORDER BY id DESC LIMIT 1"
            ))
            .sql()?;
        let mut rows = stmt.query([]).sql()?;
        rows.next().sql()?.map(access_from_row).transpose()
    }

    fn missing_guards(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name FROM sqlite_schema WHERE type = 'trigger'")
            .sql()?;
        let present: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .sql()?
            .collect::<std::result::Result<_, _>>()
            .sql()?;
        Ok(GUARDS
            .iter()
            .filter(|g| !present.iter().any(|p| p == *g))
            .map(|g| g.to_string())
            .collect())
    }

    fn meta_get(&self, key: &str) -> Result<Option<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .sql()?;
        let mut rows = stmt.query([key]).sql()?;
        rows.next()
            .sql()?
            .map(|row| text_col(row, 0, &|| format!("meta {key}: value")))
            .transpose()
    }

    fn meta_all(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM meta ORDER BY key")
            .sql()?;
        let mut rows = stmt.query([]).sql()?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().sql()? {
            let key = text_col(row, 0, &|| "meta: key".to_string())?;
            let value = text_col(row, 1, &|| format!("meta {key}: value"))?;
            out.push((key, value));
        }
        Ok(out)
    }

    fn meta_set(&mut self, key: &str, value: &str) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .sql()?;
        stmt.execute([key, value]).sql()?;
        Ok(())
    }

    fn begin_snapshot(&self) -> Result<bool> {
        if !self.conn.is_autocommit() {
            return Ok(false);
        }
        // A deferred transaction takes its snapshot at the first read and
        // keeps it until it ends: every read inside sees one committed state.
        self.conn.execute_batch("BEGIN DEFERRED").sql()?;
        Ok(true)
    }

    fn end_snapshot(&self) -> Result<()> {
        self.conn.execute_batch("COMMIT").sql()
    }

    fn writer_lock(&self, wait: Duration) -> Result<Box<dyn WriterLock>> {
        let path = writer_lock_path(&self.path);
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(io)?;
        wait_for_lock(wait, || match file.try_lock() {
            Ok(()) => Ok(Some(())),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        })?;
        Ok(Box::new(FileLock(file)))
    }

    fn backup_to(&self, path: &Path) -> Result<Option<StoredCheckpoint>> {
        claim_new(path)?;
        let result = self.backup_into(path);
        if result.is_err() {
            // Best effort: do not leave a half-written snapshot behind.
            let _ = std::fs::remove_file(path);
        }
        result
    }
}

impl SqliteStore {
    /// Writes a new store file at `path` (which must not exist; created
    /// readable by its owner only) holding exactly what `source` holds:
    /// events, tiles, checkpoints, projection rows, index entries, access
    /// records and settings, in
    /// one SQLite transaction, from one snapshot of it ([`Store::snapshot`]).
    /// This is how a
    /// server backend's [`Store::backup_to`] writes its portable snapshot.
    /// On error the new file is removed. Returns the copy's latest checkpoint.
    pub fn create_copy(path: &Path, source: &Snapshot<'_>) -> Result<Option<StoredCheckpoint>> {
        claim_new(path)?;
        let result = (|| {
            let mut copy = SqliteStore::open(path)?;
            copy.copy_from(&**source)?;
            drop(copy);
            sync_parent_dir(path)?;
            let snapshot = SqliteStore::open_existing(path)?;
            latest_checkpoint_of(&snapshot.conn)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(path);
        }
        result
    }

    fn copy_from(&mut self, source: &dyn Store) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .sql()?;
        {
            let mut insert = tx
                .prepare_cached("INSERT INTO events (seq, bytes, leaf_hash) VALUES (?1, ?2, ?3)")
                .sql()?;
            source.for_each_event(&mut |e| {
                insert
                    .execute((to_i64("event seq", e.seq)?, &e.bytes, &e.leaf_hash[..]))
                    .sql()?;
                Ok(())
            })?;
            let mut insert = tx
                .prepare_cached("INSERT INTO checkpoints (size, note) VALUES (?1, ?2)")
                .sql()?;
            for cp in source.checkpoints()? {
                insert
                    .execute((to_i64("checkpoint size", cp.size)?, &cp.note))
                    .sql()?;
            }
            insert_rows(&tx, &source.projection_all()?)?;
            let mut insert = tx.prepare_cached(INDEX_INSERT).sql()?;
            source.for_each_index_entry(&mut |e| {
                insert.execute((&e.index, &e.term, &e.sort, &e.key)).sql()?;
                Ok(())
            })?;
            insert_access(&tx, &source.access_log()?)?;
            let mut tiles = Vec::new();
            source.for_each_tile(&mut |t| {
                tiles.push(t);
                Ok(())
            })?;
            put_tiles(&tx, &tiles)?;
            let mut set = tx
                .prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2)")
                .sql()?;
            for (k, v) in source.meta_all()? {
                set.execute([k, v]).sql()?;
            }
        }
        tx.commit().sql()?;
        Ok(())
    }

    fn backup_into(&self, path: &Path) -> Result<Option<StoredCheckpoint>> {
        {
            let mut dst = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .sql()?;
            dst.pragma_update(None, "synchronous", "FULL").sql()?;
            let backup = Backup::new(&self.conn, &mut dst).sql()?;
            // Copy every page in ONE step: the step holds a read transaction on
            // the source, so the copy is one consistent snapshot. In WAL mode
            // that does not block writers, and no concurrent write can force
            // the backup to restart.
            let deadline = Instant::now() + BUSY_TIMEOUT;
            loop {
                match backup.step(-1).sql()? {
                    StepResult::Done => break,
                    StepResult::More => {}
                    _ if Instant::now() >= deadline => {
                        return Err(StoreError::BackupBusy(path.to_path_buf()));
                    }
                    _ => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        }
        sync_parent_dir(path)?;
        let snapshot = SqliteStore::open_existing(path)?;
        latest_checkpoint_of(&snapshot.conn)
    }
}

/// Claims `path` for a new snapshot, so an existing file is never
/// overwritten; owner-only, as it holds every record and the access log.
fn claim_new(path: &Path) -> Result<()> {
    owner_only().open(path).map(drop).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            StoreError::AlreadyExists(path.to_path_buf())
        } else {
            StoreError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// Makes the new file's directory entry durable too.
#[cfg(unix)]
fn sync_parent_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })
}

#[cfg(not(unix))]
fn sync_parent_dir(_path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_pragmas_are_durable_settings() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("p.sqlite")).unwrap();
        let get = |name: &str| -> String {
            s.conn
                .pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))
                .map(|v| match v {
                    rusqlite::types::Value::Integer(i) => i.to_string(),
                    rusqlite::types::Value::Text(t) => t,
                    other => format!("{other:?}"),
                })
                .unwrap()
        };
        assert_eq!(get("journal_mode"), "wal");
        assert_eq!(get("synchronous"), "2", "FULL");
        assert_eq!(get("foreign_keys"), "1");
        assert_eq!(get("recursive_triggers"), "1");
        assert_eq!(get("busy_timeout"), "5000");
        assert_eq!(get("application_id"), APPLICATION_ID.to_string());
    }

    /// What SQLite plans for `sql`, one line per step.
    fn plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let params = stmt.parameter_count();
        let lines: Vec<String> = stmt
            .query_map(
                rusqlite::params_from_iter(std::iter::repeat_n(0, params)),
                |r| r.get::<_, String>(3),
            )
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        lines.join("\n")
    }

    #[test]
    fn a_bucket_is_read_off_its_index_without_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("p.sqlite")).unwrap();
        let plan = plan(&s.conn, BUCKET_ROWS);
        assert!(
            plan.contains("USING INDEX projection_bucket (bucket=?)")
                || plan.contains("USING COVERING INDEX projection_bucket (bucket=?)"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "sorts: {plan}");
    }

    #[test]
    fn an_index_page_is_a_range_of_the_primary_key_without_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("p.sqlite")).unwrap();
        let plan = plan(&s.conn, INDEX_PAGE_AFTER);
        assert!(
            plan.contains("USING PRIMARY KEY (idx=? AND term=? AND (sort,key)>(?,?))"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "sorts: {plan}");
    }

    #[test]
    fn rows_of_a_store_from_before_buckets_land_in_bucket_0() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let mut conn = Connection::open(&path).unwrap();
            migrations().to_version(&mut conn, 4).unwrap();
            conn.execute_batch(
                "INSERT INTO projection (tbl, key, value) VALUES ('people', 'p1', 'v1'), ('custody', 'p1', 'c1');",
            )
            .unwrap();
        }
        let s = SqliteStore::open_existing(&path).unwrap();
        let rows = s.projection_buckets(&[0]).unwrap();
        let got: Vec<(&str, &str, u32)> = rows
            .iter()
            .map(|r| (r.table.as_str(), r.key.as_str(), r.bucket))
            .collect();
        assert_eq!(got, [("custody", "p1", 0), ("people", "p1", 0)]);
    }

    #[test]
    fn u64_values_beyond_i64_are_refused_not_wrapped() {
        assert!(matches!(
            to_i64("event seq", u64::MAX),
            Err(StoreError::TooLarge {
                what: "event seq",
                value: u64::MAX
            })
        ));
        assert_eq!(to_i64("event seq", i64::MAX as u64).unwrap(), i64::MAX);
    }
}
