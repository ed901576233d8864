//! The PostgreSQL schema of one store: an ordered list of migrations,
//! applied under an advisory lock and recorded in `schema_version`. Never
//! edit a released migration; append a new one.

use postgres::Client;
use rollcall_store::StoreError;

use crate::{Result, pg};

/// The body of the function every refusing trigger calls. `missing_guards`
/// compares the stored body with this text, so a function replaced by one
/// that lets writes through is reported like a dropped trigger.
pub(crate) const REFUSE_BODY: &str = "\nBEGIN\n    RAISE EXCEPTION 'rollcall: %', TG_ARGV[0] USING ERRCODE = 'raise_exception';\nEND\n";

/// The body of the functions that keep `events.seq` and `access_log.id`
/// contiguous (`{table}` and `{col}` are filled in).
const CONTIGUOUS_BODY: &str = "\nBEGIN\n    IF NEW.{col} IS DISTINCT FROM (SELECT coalesce(max({col}) + 1, 0) FROM {table}) THEN\n        RAISE EXCEPTION 'rollcall: {table} must be appended in order (got %)', NEW.{col} USING ERRCODE = 'raise_exception';\n    END IF;\n    RETURN NEW;\nEND\n";

/// The body of the function that lets a tile only grow, as migration 2
/// created it (kept so that migration is never edited).
const TILES_GROW_BODY_2: &str = "\nBEGIN\n    IF OLD.width >= 256 OR NEW.width <= OLD.width\n       OR NEW.level IS DISTINCT FROM OLD.level OR NEW.idx IS DISTINCT FROM OLD.idx\n       OR substring(NEW.hashes FROM 1 FOR octet_length(OLD.hashes)) IS DISTINCT FROM OLD.hashes THEN\n        RAISE EXCEPTION 'rollcall: a full tile is never rewritten, a partial tile only grows' USING ERRCODE = 'raise_exception';\n    END IF;\n    RETURN NEW;\nEND\n";

/// The body of the function that lets a tile only grow: a full tile never
/// changes, a partial one is replaced only by a wider one starting with its
/// hashes. Its DETAIL names the tile (`tile LEVEL/INDEX`), so one statement
/// can write a commit's tiles and the refusal still says which one.
pub(crate) const TILES_GROW_BODY: &str = "\nBEGIN\n    IF OLD.width >= 256 OR NEW.width <= OLD.width\n       OR NEW.level IS DISTINCT FROM OLD.level OR NEW.idx IS DISTINCT FROM OLD.idx\n       OR substring(NEW.hashes FROM 1 FOR octet_length(OLD.hashes)) IS DISTINCT FROM OLD.hashes THEN\n        RAISE EXCEPTION 'rollcall: a full tile is never rewritten, a partial tile only grows'\n            USING ERRCODE = 'raise_exception', DETAIL = format('tile %s/%s', OLD.level, OLD.idx);\n    END IF;\n    RETURN NEW;\nEND\n";

/// What the tile trigger's DETAIL says: `tile LEVEL/INDEX`.
pub(crate) fn refused_tile(detail: &str) -> Option<(u8, u64)> {
    let (level, index) = detail.strip_prefix("tile ")?.split_once('/')?;
    Some((level.parse().ok()?, index.parse().ok()?))
}

/// The same guard as one check per statement (migration 7), over the
/// statement's new rows (`new_rows`, a transition table): they are exactly
/// the numbers from one past the largest before them to the largest in the
/// table, without a gap. Checking each row with its own `max()` cost about
/// 30 µs a row, most of an append's time on the server.
const CONTIGUOUS_STATEMENT_BODY: &str = "\nDECLARE\n    lo bigint;\n    hi bigint;\n    n bigint;\nBEGIN\n    SELECT min({col}), max({col}), count(*) INTO lo, hi, n FROM new_rows;\n    IF n = 0 THEN\n        RETURN NULL;\n    END IF;\n    IF n <> hi - lo + 1\n       OR (SELECT max({col}) FROM {table}) IS DISTINCT FROM hi\n       OR coalesce((SELECT max({col}) FROM {table} WHERE {col} < lo), -1) <> lo - 1 THEN\n        RAISE EXCEPTION 'rollcall: {table} must be appended in order (got % to %)', lo, hi USING ERRCODE = 'raise_exception';\n    END IF;\n    RETURN NULL;\nEND\n";

pub(crate) fn contiguous_body(table: &str, col: &str) -> String {
    CONTIGUOUS_BODY
        .replace("{table}", table)
        .replace("{col}", col)
}

pub(crate) fn contiguous_statement_body(table: &str, col: &str) -> String {
    CONTIGUOUS_STATEMENT_BODY
        .replace("{table}", table)
        .replace("{col}", col)
}

/// The guard functions and their expected bodies.
pub(crate) fn guard_functions() -> Vec<(&'static str, String)> {
    vec![
        ("rollcall_refuse", REFUSE_BODY.to_string()),
        (
            "rollcall_events_contiguous",
            contiguous_statement_body("events", "seq"),
        ),
        (
            "rollcall_access_contiguous",
            contiguous_statement_body("access_log", "id"),
        ),
        ("rollcall_tiles_only_grow", TILES_GROW_BODY.to_string()),
    ]
}

/// The append-only triggers the schema creates; `verify` reports any that
/// are missing or disabled.
pub(crate) const GUARDS: &[&str] = &[
    "events_no_update",
    "events_no_delete",
    "events_no_truncate",
    "events_contiguous",
    "checkpoints_no_update",
    "checkpoints_no_delete",
    "checkpoints_no_truncate",
    "access_log_no_update",
    "access_log_no_delete",
    "access_log_no_truncate",
    "access_log_contiguous",
    "tiles_no_delete",
    "tiles_no_truncate",
    "tiles_only_grow",
];

fn migration_1() -> String {
    let mut sql = String::from(
        r#"
CREATE TABLE events (
    seq       bigint PRIMARY KEY CHECK (seq >= 0),
    bytes     bytea  NOT NULL,
    leaf_hash bytea  NOT NULL CHECK (octet_length(leaf_hash) = 32)
);

CREATE TABLE checkpoints (
    size bigint PRIMARY KEY CHECK (size >= 0),
    note text   NOT NULL
);

CREATE TABLE projection (
    tbl   text COLLATE "C" NOT NULL,
    key   text COLLATE "C" NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (tbl, key)
);

CREATE TABLE access_log (
    id           bigint PRIMARY KEY CHECK (id >= 0),
    at           text   NOT NULL,
    "user"       text   NOT NULL,
    account      text   NOT NULL,
    role         text   NOT NULL,
    node         text   NOT NULL,
    action       text   NOT NULL,
    subject      text   NOT NULL,
    committed_by bigint NOT NULL CHECK (committed_by >= 0),
    hash         bytea  NOT NULL CHECK (octet_length(hash) = 32)
);
CREATE INDEX access_log_subject ON access_log (subject);

CREATE TABLE meta (
    key   text COLLATE "C" PRIMARY KEY,
    value text NOT NULL
);
"#,
    );
    // The guard functions as migration 1 created them (migration 7
    // replaced the contiguity ones).
    for (name, body) in [
        ("rollcall_refuse", REFUSE_BODY.to_string()),
        (
            "rollcall_events_contiguous",
            contiguous_body("events", "seq"),
        ),
        (
            "rollcall_access_contiguous",
            contiguous_body("access_log", "id"),
        ),
    ] {
        sql.push_str(&format!(
            "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql \
             SET search_path FROM CURRENT AS $body${body}$body$;\n"
        ));
    }
    let refuse = |name: &str, when: &str, table: &str, level: &str, why: &str| {
        format!(
            "CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH {level} \
             EXECUTE FUNCTION rollcall_refuse('{why}');\n"
        )
    };
    for (table, why) in [
        ("events", "events are append-only"),
        ("checkpoints", "checkpoints are append-only"),
        ("access_log", "the access log is append-only"),
    ] {
        sql.push_str(&refuse(
            &format!("{table}_no_update"),
            "UPDATE",
            table,
            "ROW",
            why,
        ));
        sql.push_str(&refuse(
            &format!("{table}_no_delete"),
            "DELETE",
            table,
            "ROW",
            why,
        ));
        sql.push_str(&refuse(
            &format!("{table}_no_truncate"),
            "TRUNCATE",
            table,
            "STATEMENT",
            why,
        ));
    }
    sql.push_str(
        "CREATE TRIGGER events_contiguous BEFORE INSERT ON events FOR EACH ROW \
         EXECUTE FUNCTION rollcall_events_contiguous();\n\
         CREATE TRIGGER access_log_contiguous BEFORE INSERT ON access_log FOR EACH ROW \
         EXECUTE FUNCTION rollcall_access_contiguous();\n",
    );
    sql
}

/// 2: the Merkle tree as C2SP tlog-tiles hash tiles, written with the events.
fn migration_2() -> String {
    format!(
        r#"
CREATE TABLE tiles (
    level  smallint NOT NULL CHECK (level BETWEEN 0 AND 63),
    idx    bigint   NOT NULL CHECK (idx >= 0),
    width  smallint NOT NULL CHECK (width BETWEEN 1 AND 256),
    hashes bytea    NOT NULL CHECK (octet_length(hashes) = 32 * width),
    PRIMARY KEY (level, idx)
);
CREATE FUNCTION rollcall_tiles_only_grow() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $body${TILES_GROW_BODY_2}$body$;
CREATE TRIGGER tiles_no_delete BEFORE DELETE ON tiles FOR EACH ROW
    EXECUTE FUNCTION rollcall_refuse('tiles are append-only');
CREATE TRIGGER tiles_no_truncate BEFORE TRUNCATE ON tiles FOR EACH STATEMENT
    EXECUTE FUNCTION rollcall_refuse('tiles are append-only');
CREATE TRIGGER tiles_only_grow BEFORE UPDATE ON tiles FOR EACH ROW
    EXECUTE FUNCTION rollcall_tiles_only_grow();
"#
    )
}

/// 3: every projection row belongs to a bucket the caller computes, so a
/// node loads the rows it needs a bucket at a time.
fn migration_3() -> String {
    r#"
ALTER TABLE projection ADD COLUMN bucket bigint NOT NULL DEFAULT 0
    CHECK (bucket BETWEEN 0 AND 4294967295);
CREATE INDEX projection_bucket ON projection (bucket, tbl, key);
"#
    .to_string()
}

/// 4: a generic secondary index over the projection, derived like it.
fn migration_4() -> String {
    r#"
CREATE TABLE index_entries (
    idx  text COLLATE "C" NOT NULL,
    term text COLLATE "C" NOT NULL,
    sort text COLLATE "C" NOT NULL,
    key  text COLLATE "C" NOT NULL,
    PRIMARY KEY (idx, term, sort, key)
);
"#
    .to_string()
}

/// 5: the tile trigger names the tile it refuses, so a commit's tiles go
/// in one statement.
fn migration_5() -> String {
    format!(
        r#"
CREATE OR REPLACE FUNCTION rollcall_tiles_only_grow() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $body${TILES_GROW_BODY}$body$;
"#
    )
}

/// 6: each access record carries the reason stated for its session.
fn migration_6() -> String {
    "ALTER TABLE access_log ADD COLUMN reason text NOT NULL DEFAULT '';".to_string()
}

/// 7: the contiguity guards check once per statement, not once per row.
fn migration_7() -> String {
    let mut sql = String::new();
    for (table, col, function, trigger) in [
        (
            "events",
            "seq",
            "rollcall_events_contiguous",
            "events_contiguous",
        ),
        (
            "access_log",
            "id",
            "rollcall_access_contiguous",
            "access_log_contiguous",
        ),
    ] {
        let body = contiguous_statement_body(table, col);
        sql.push_str(&format!(
            "DROP TRIGGER {trigger} ON {table};\n\
             CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql\n    \
             SET search_path FROM CURRENT AS $body${body}$body$;\n\
             CREATE TRIGGER {trigger} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows \
             FOR EACH STATEMENT EXECUTE FUNCTION {function}();\n"
        ));
    }
    sql
}

/// Every migration, oldest first.
fn migrations() -> Vec<String> {
    vec![
        migration_1(),
        migration_2(),
        migration_3(),
        migration_4(),
        migration_5(),
        migration_6(),
        migration_7(),
    ]
}

/// Whether `schema` holds a Rollcall store (any version).
pub(crate) fn exists(client: &mut Client, schema: &str) -> Result<bool> {
    let row = client
        .query_one(
            "SELECT to_regclass(format('%I.schema_version', $1::text)) IS NOT NULL",
            &[&schema],
        )
        .map_err(pg)?;
    Ok(row.get(0))
}

/// The version `schema` is at, if it holds a store; read only, so it
/// answers on a read-only server too (a hot standby).
fn version_of(client: &mut Client, schema: &str) -> Result<Option<i32>> {
    if !exists(client, schema)? {
        return Ok(None);
    }
    // `schema` is checked to be [a-z_][a-z0-9_]*, so quoting it is enough.
    let row = client
        .query_one(
            &format!("SELECT coalesce(max(version), 0) FROM \"{schema}\".schema_version"),
            &[],
        )
        .map_err(pg)?;
    Ok(Some(row.get(0)))
}

/// Creates `schema` if missing and brings it to the latest version, in one
/// transaction under an advisory lock, so two processes opening a new store
/// at once cannot both migrate it. A store already at the latest version is
/// only read, so a read-only server (a hot standby) opens it for reading.
pub(crate) fn migrate(client: &mut Client, schema: &str) -> Result<()> {
    if version_of(client, schema)? == Some(migrations().len() as i32) {
        return Ok(());
    }
    let mut tx = client.transaction().map_err(pg)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1::text))",
        &[&format!("rollcall-store:{schema}")],
    )
    .map_err(pg)?;
    // `schema` is checked to be [a-z_][a-z0-9_]*, so quoting it is enough.
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\"; SET LOCAL search_path TO \"{schema}\";"
    ))
    .map_err(pg)?;
    let have = tx
        .query_one(
            "SELECT to_regclass(format('%I.schema_version', $1::text)) IS NOT NULL",
            &[&schema],
        )
        .map_err(pg)?
        .get::<_, bool>(0);
    let version: i32 = if have {
        tx.query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
            .map_err(pg)?
            .get(0)
    } else {
        tx.batch_execute("CREATE TABLE schema_version (version integer PRIMARY KEY)")
            .map_err(pg)?;
        0
    };
    let all = migrations();
    if version as usize > all.len() {
        return Err(StoreError::Backend {
            backend: crate::BACKEND,
            message: format!(
                "schema {schema} is at version {version}, newer than this program's {}",
                all.len()
            ),
        });
    }
    for (i, sql) in all.iter().enumerate().skip(version as usize) {
        tx.batch_execute(sql).map_err(pg)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(i as i32 + 1)],
        )
        .map_err(pg)?;
    }
    tx.commit().map_err(pg)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_refused_tile_is_read_from_the_detail_or_not_at_all() {
        use super::refused_tile;
        assert_eq!(refused_tile("tile 0/5"), Some((0, 5)));
        assert_eq!(
            refused_tile("tile 63/18446744073709551615"),
            Some((63, u64::MAX))
        );
        for bad in [
            "",
            "tile",
            "tile 0",
            "tile 0/",
            "tile /5",
            "tile 256/0",
            "tile -1/0",
            "x 0/5",
            "tile 0/5 ",
        ] {
            assert_eq!(refused_tile(bad), None, "{bad:?}");
        }
    }
}
