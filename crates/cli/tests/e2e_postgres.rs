//! The whole node on PostgreSQL, through the real binary and a real server
//! (127.0.0.1:5432, or `ROLLCALL_TEST_POSTGRES`; `.ci/run` makes sure it is
//! running): `--data postgres://…` picks the backend, `--node-key` holds the
//! key, and the ledger verifies, audits reads and backs up like a directory.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_rollcall");
const DATABASE: &str = "rollcall_test";

fn server() -> String {
    std::env::var("ROLLCALL_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

/// A fresh schema in the test database (created if missing), dropped on drop.
struct Schema {
    name: String,
}

impl Schema {
    fn new(tag: &str) -> Schema {
        let mut c = postgres::Client::connect(&format!("{}/postgres", server()), postgres::NoTls)
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is not reachable at {} ({e}); start it (.ci/run does) or set ROLLCALL_TEST_POSTGRES",
                    server()
                )
            });
        if c.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&DATABASE])
            .unwrap()
            .is_none()
        {
            let _ = c.batch_execute(&format!("CREATE DATABASE {DATABASE}"));
        }
        Schema {
            name: format!("e2e_{tag}_{}", std::process::id()),
        }
    }

    /// The `--data` URL, with a password (the server trusts local users, so
    /// any password works) to show that none is ever printed.
    fn url(&self) -> String {
        let with_password = server().replacen("://postgres@", "://postgres:pw-never-shown@", 1);
        format!("{with_password}/{DATABASE}?schema={}", self.name)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut c) =
            postgres::Client::connect(&format!("{}/{DATABASE}", server()), postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(data: &str, key: Option<&Path>, args: &[&str]) -> Out {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data").arg(data).args(args);
    cmd.env_remove("ROLLCALL_DATA")
        .env_remove("ROLLCALL_NODE_KEY");
    cmd.env("ROLLCALL_USER", "e2e-registrar");
    if let Some(k) = key {
        cmd.arg("--node-key").arg(k);
    }
    let out = cmd.output().expect("run rollcall");
    let o = Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    for text in [&o.stdout, &o.stderr] {
        assert!(
            !text.contains("pw-never-shown"),
            "rollcall {args:?} printed the password:\n{text}"
        );
    }
    o
}

fn ok(data: &str, key: Option<&Path>, args: &[&str]) -> Out {
    let o = run(data, key, args);
    assert_eq!(o.code, 0, "rollcall {args:?}\n{}\n{}", o.stdout, o.stderr);
    o
}

#[test]
fn a_ledger_on_postgresql_records_verifies_audits_and_backs_up() {
    let schema = Schema::new("demo");
    let url = schema.url();
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("central.key");

    let demo = ok(&url, Some(&key), &["demo", "--scale", "0.2"]);
    assert!(demo.stdout.contains("Ledger:"), "{}", demo.stdout);
    assert!(key.exists() && tmp.path().join("central.key.pub").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the key is readable by its owner only");
    }

    let verify = ok(&url, None, &["verify", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&verify.stdout).unwrap();
    assert_eq!(report["ok"], true, "{}", verify.stdout);
    let events = report["events"].as_u64().unwrap();
    assert!(events > 1000, "{events}");

    // A read of a person's record is on the record, in PostgreSQL too.
    let people = ok(&url, Some(&key), &["people", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&people.stdout).unwrap();
    let first = list
        .as_array()
        .and_then(|a| a.first())
        .and_then(|p| p["id"].as_str())
        .unwrap_or_else(|| panic!("no people listed: {}", people.stdout))
        .to_string();
    ok(&url, Some(&key), &["person", "show", &first]);
    // Found by name on PostgreSQL too: its whole name in Arabic script
    // joins several word lists of the index.
    let name = list[0]["name"].as_str().unwrap().to_string();
    let found = ok(&url, Some(&key), &["people", "--name", &name, "--json"]);
    let found: serde_json::Value = serde_json::from_str(&found.stdout).unwrap();
    assert!(
        found
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"].as_str() == Some(first.as_str())),
        "{name}: {found}"
    );
    let audit = ok(&url, Some(&key), &["audit", "--json", "--subject", &first]);
    assert!(audit.stdout.contains("e2e-registrar"), "{}", audit.stdout);

    // The reads appended their access records; the ledger still verifies.
    let report: serde_json::Value =
        serde_json::from_str(&ok(&url, None, &["verify", "--json"]).stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert!(report["events"].as_u64().unwrap() > events);

    // The backup is one SQLite file that a directory restores and verifies
    // without any server.
    let backup = tmp.path().join("central.db");
    ok(&url, None, &["backup", "--out", backup.to_str().unwrap()]);
    let restored = tmp.path().join("restored");
    ok(
        restored.to_str().unwrap(),
        None,
        &["restore", backup.to_str().unwrap()],
    );
    let again = ok(restored.to_str().unwrap(), None, &["verify", "--json"]);
    let again: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(again["ok"], true);
    assert_eq!(again["root"], report["root"], "the copy is the same tree");
    assert_eq!(again["events"], report["events"]);
}

#[test]
fn postgresql_needs_a_key_to_sign_and_is_never_initialised_twice() {
    let schema = Schema::new("keys");
    let url = schema.url();
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("node.key");

    let refused = run(&url, None, &["init", "--name", "central"]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("--node-key"), "{}", refused.stderr);

    ok(&url, Some(&key), &["init", "--name", "central"]);
    let other_key = tmp.path().join("second.key");
    let twice = run(&url, Some(&other_key), &["init", "--name", "central"]);
    assert_ne!(twice.code, 0);
    assert!(
        twice.stderr.contains("already holds a Rollcall ledger"),
        "{}",
        twice.stderr
    );
    assert!(!other_key.exists(), "a refused init leaves no key behind");

    // Without the key the store reads but cannot sign.
    ok(&url, None, &["status"]);
    let unsigned = run(
        &url,
        None,
        &[
            "facility",
            "add",
            "--id",
            "IQ-TST",
            "--name",
            "Test",
            "--authority",
            "IRQ-MOJ",
            "--country",
            "IRQ",
            "--lat",
            "33.3",
            "--lon",
            "44.4",
            "--time-zone",
            "Asia/Baghdad",
            "--capacity",
            "10",
        ],
    );
    assert_ne!(unsigned.code, 0, "{}", unsigned.stdout);
    assert!(unsigned.stderr.contains("key"), "{}", unsigned.stderr);

    // A schema with no ledger is named as such.
    let empty = Schema::new("empty");
    let missing = run(&empty.url(), None, &["status"]);
    assert_ne!(missing.code, 0);
    assert!(
        missing.stderr.contains("holds no Rollcall ledger"),
        "{}",
        missing.stderr
    );
}
