//! Runs the backend-independent conformance suite against [`SqliteStore`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rollcall_store::conformance::Harness;
use rollcall_store_sqlite::SqliteStore;

/// Fresh databases as files in one temporary directory per test.
struct SqliteHarness {
    dir: tempfile::TempDir,
    next: AtomicUsize,
}

impl SqliteHarness {
    fn new() -> Self {
        SqliteHarness {
            dir: tempfile::tempdir().expect("tempdir"),
            next: AtomicUsize::new(0),
        }
    }

    fn fresh_path(&self, stem: &str) -> PathBuf {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.dir.path().join(format!("{stem}-{n}.sqlite"))
    }
}

impl Harness for SqliteHarness {
    type Store = SqliteStore;
    type Location = PathBuf;
    type Backup = SqliteStore;

    fn create(&self) -> (SqliteStore, PathBuf) {
        let path = self.fresh_path("store");
        let store = SqliteStore::open(&path).expect("open new store");
        (store, path)
    }

    fn open(&self, at: &PathBuf) -> SqliteStore {
        SqliteStore::open_existing(at).expect("reopen store")
    }

    fn backup_path(&self) -> PathBuf {
        self.fresh_path("backup")
    }

    fn open_backup(&self, path: &Path) -> SqliteStore {
        SqliteStore::open_existing(path).expect("open backup")
    }
}

rollcall_store::conformance_tests!(SqliteHarness::new());
