//! A real PostgreSQL server for the tests: `ROLLCALL_TEST_POSTGRES`, or the
//! local one at 127.0.0.1:5432 (`.ci/run` makes sure it is running). A test
//! that cannot reach it fails; it never skips.

#![allow(dead_code)]

use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

/// The database the tests create their schemas in.
pub const TEST_DATABASE: &str = "rollcall_test";

static CREATE_DB: Once = Once::new();
static NEXT: AtomicU64 = AtomicU64::new(0);

fn server() -> String {
    std::env::var("ROLLCALL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

/// The URL of the test database, created on first use.
pub fn url() -> String {
    let server = server();
    CREATE_DB.call_once(|| {
        let mut c = postgres::Client::connect(&format!("{server}/postgres"), postgres::NoTls)
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is not reachable at {server} ({e}); start it \
                     (.ci/run does) or set ROLLCALL_TEST_POSTGRES"
                )
            });
        let exists = c
            .query_opt(
                "SELECT 1 FROM pg_database WHERE datname = $1",
                &[&TEST_DATABASE],
            )
            .expect("look up the test database")
            .is_some();
        if !exists
            && let Err(e) = c.batch_execute(&format!("CREATE DATABASE {TEST_DATABASE}"))
            && e.code() != Some(&postgres::error::SqlState::DUPLICATE_DATABASE)
        {
            panic!("create database {TEST_DATABASE}: {e}");
        }
    });
    format!("{server}/{TEST_DATABASE}")
}

/// A schema name no other test (in this or another process) uses.
pub fn fresh_schema(tag: &str) -> String {
    format!(
        "t_{tag}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A raw connection to the test database with `schema` on its search path,
/// playing someone with direct access to the database.
pub fn raw(schema: &str) -> postgres::Client {
    let mut c = postgres::Client::connect(&url(), postgres::NoTls).expect("raw connection");
    c.batch_execute(&format!("SET search_path TO \"{schema}\""))
        .expect("search_path");
    c
}

/// Drops the schemas a test made.
pub fn drop_schemas(schemas: &[String]) {
    if schemas.is_empty() {
        return;
    }
    let mut c = postgres::Client::connect(&url(), postgres::NoTls).expect("cleanup connection");
    for s in schemas {
        let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{s}\" CASCADE"));
    }
}
