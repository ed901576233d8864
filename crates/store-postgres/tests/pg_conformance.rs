//! The store's behavioural suite, against a real PostgreSQL server.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rollcall_store::conformance::Harness;
use rollcall_store_postgres::PgStore;
use rollcall_store_sqlite::SqliteStore;

struct PgHarness {
    url: String,
    dir: tempfile::TempDir,
    schemas: Mutex<Vec<String>>,
    backups: Mutex<u64>,
}

impl PgHarness {
    fn new() -> Self {
        PgHarness {
            url: common::url(),
            dir: tempfile::tempdir().expect("tempdir"),
            schemas: Mutex::new(Vec::new()),
            backups: Mutex::new(0),
        }
    }
}

impl Drop for PgHarness {
    fn drop(&mut self) {
        common::drop_schemas(&self.schemas.lock().unwrap());
    }
}

impl Harness for PgHarness {
    type Store = PgStore;
    type Location = String;
    type Backup = SqliteStore;

    fn create(&self) -> (PgStore, String) {
        let schema = common::fresh_schema("conf");
        self.schemas.lock().unwrap().push(schema.clone());
        let store = PgStore::connect(&self.url, &schema).expect("create store");
        (store, schema)
    }

    fn open(&self, at: &String) -> PgStore {
        PgStore::connect_existing(&self.url, at).expect("second connection")
    }

    fn backup_path(&self) -> PathBuf {
        let mut n = self.backups.lock().unwrap();
        *n += 1;
        self.dir.path().join(format!("backup-{n}.db"))
    }

    fn open_backup(&self, path: &Path) -> SqliteStore {
        SqliteStore::open_existing(path).expect("open backup")
    }
}

rollcall_store::conformance_tests!(PgHarness::new());
