//! A central ledger on PostgreSQL survives the loss of its primary: a
//! streaming-replication standby (`pg_basebackup -R`) holds the same signed
//! ledger, and once promoted it verifies against the head the primary last
//! signed (`verify --since`) and takes appends where the primary stopped.
//!
//! The test runs its own two throwaway clusters (`initdb` in a temporary
//! directory, on free ports, sockets in that directory), so it changes
//! nothing of the machine's own server. It needs the PostgreSQL server
//! binaries (`pg_config --bindir`, or `ROLLCALL_PG_BINDIR`); run as root, it
//! runs them as the `postgres` user, which PostgreSQL requires. It fails,
//! never skips, when they are missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rollcall");

/// Where `initdb`, `pg_ctl` and `pg_basebackup` are.
fn bindir() -> PathBuf {
    if let Ok(dir) = std::env::var("ROLLCALL_PG_BINDIR") {
        return PathBuf::from(dir);
    }
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .unwrap_or_else(|e| {
            panic!("pg_config is not here ({e}): install PostgreSQL's server package or set ROLLCALL_PG_BINDIR")
        });
    assert!(out.status.success(), "pg_config --bindir failed");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// `uid:gid` of the `postgres` user (PostgreSQL refuses to run as root).
fn postgres_user() -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .expect("id");
        assert!(
            out.status.success(),
            "running as root and there is no `postgres` user to run the clusters as"
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    (id("-u"), id("-g"))
}

/// A PostgreSQL server program, as the `postgres` user when we are root.
fn pg(program: &str) -> Command {
    let path = bindir().join(program);
    if running_as_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn must(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not run ({e})"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// One throwaway cluster, stopped (immediately) when dropped.
struct Cluster {
    data: PathBuf,
    port: u16,
    running: bool,
}

impl Cluster {
    fn start(&mut self, sockets: &Path) {
        must(
            pg("pg_ctl")
                .arg("-D")
                .arg(&self.data)
                .arg("-l")
                .arg(self.data.with_extension("log"))
                .arg("-o")
                .arg(format!(
                    "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                    self.port,
                    sockets.display()
                ))
                .args(["-w", "start"]),
            "pg_ctl start",
        );
        self.running = true;
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.url()))
    }

    fn stop(&mut self) {
        if self.running {
            let _ = pg("pg_ctl")
                .arg("-D")
                .arg(&self.data)
                .args(["-m", "immediate", "-w", "stop"])
                .output();
            self.running = false;
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
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
        .env_remove("ROLLCALL_NODE_KEY")
        .env("ROLLCALL_USER", "e2e-registrar");
    if let Some(k) = key {
        cmd.arg("--node-key").arg(k);
    }
    let out = cmd.output().expect("run rollcall");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(data: &str, key: Option<&Path>, args: &[&str]) -> Out {
    let o = run(data, key, args);
    assert_eq!(o.code, 0, "rollcall {args:?}\n{}\n{}", o.stdout, o.stderr);
    o
}

fn json(data: &str, key: Option<&Path>, args: &[&str]) -> serde_json::Value {
    let o = ok(data, key, args);
    serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", o.stdout))
}

/// `facility add` of `id` at `url`, as run.
fn add_facility(url: &str, key: &Path, id: &str) -> Out {
    run(
        url,
        Some(key),
        &[
            "facility",
            "add",
            "--id",
            id,
            "--name",
            id,
            "--authority",
            "Ministry",
            "--country",
            "IQ",
            "--lat",
            "36.3",
            "--lon",
            "43.1",
            "--time-zone",
            "Asia/Baghdad",
            "--security",
            "maximum",
            "--capacity",
            "500",
            "--categories",
            "adult_male",
        ],
    )
}

fn facility(url: &str, key: &Path, id: &str) {
    let o = add_facility(url, key, id);
    assert_eq!(o.code, 0, "facility add {id}\n{}\n{}", o.stdout, o.stderr);
}

#[test]
fn a_promoted_standby_holds_the_signed_ledger_verifies_and_appends() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let clusters = root.join("pg");
    std::fs::create_dir(&clusters).unwrap();
    if running_as_root() {
        let (uid, gid) = postgres_user();
        std::os::unix::fs::chown(&clusters, Some(uid), Some(gid)).unwrap();
    }

    // The primary: a fresh cluster whose default access rules (trust, for
    // a throwaway) admit replication connections from 127.0.0.1.
    let mut primary = Cluster {
        data: clusters.join("primary"),
        port: free_port(),
        running: false,
    };
    must(
        pg("initdb").arg("-D").arg(&primary.data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
        ]),
        "initdb",
    );
    primary.start(&clusters);

    // A central ledger with people in it, then the standby from a base
    // backup of the running primary, streaming from it.
    let key = root.join("central.key");
    let url = primary.url();
    let demo = ok(&url, Some(&key), &["demo", "--scale", "0.1"]);
    assert!(demo.stdout.contains("Ledger:"), "{}", demo.stdout);
    let mut standby = Cluster {
        data: clusters.join("standby"),
        port: free_port(),
        running: false,
    };
    // (A fast checkpoint: the backup does not wait for a spread one.)
    must(
        pg("pg_basebackup")
            .args(["-h", "127.0.0.1", "-p", &primary.port.to_string()])
            .args(["-U", "postgres", "-X", "stream", "-c", "fast", "-R", "-D"])
            .arg(&standby.data),
        "pg_basebackup -R",
    );
    standby.start(&clusters);
    let mut on_standby = standby.client();
    let in_recovery: bool = on_standby
        .query_one("SELECT pg_is_in_recovery()", &[])
        .unwrap()
        .get(0);
    assert!(in_recovery, "the base backup runs as a standby");

    // Appends after the base backup reach the standby by streaming.
    facility(&url, &key, "IQ-STANDBY-1");
    let head = ok(&url, None, &["head"]).stdout;
    let head_json = json(&url, None, &["head", "--json"]);
    let lsn: String = primary
        .client()
        .query_one("SELECT pg_current_wal_lsn()::text", &[])
        .unwrap()
        .get(0);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let caught_up: bool = on_standby
            .query_one(
                "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn",
                &[&lsn],
            )
            .unwrap()
            .get(0);
        if caught_up {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the standby did not replay to {lsn} in 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // A standby opens for reading (a monitor may read and verify a replica)
    // but cannot be written: an append there is refused, saying why, and
    // writes nothing.
    let standby_url = standby.url();
    let before = json(&standby_url, None, &["head", "--json"]);
    assert_eq!(before["size"], head_json["size"], "{before}");
    let refused = add_facility(&standby_url, &key, "IQ-NOT-HERE");
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(
        refused.stderr.contains("read-only") && refused.stderr.contains("primary"),
        "the refusal says why and where to write: {}",
        refused.stderr
    );
    let still = json(&standby_url, None, &["head", "--json"]);
    assert_eq!(still["size"], head_json["size"], "nothing was written");

    // The primary is lost; the standby is promoted.
    primary.stop();
    must(
        pg("pg_ctl")
            .arg("-D")
            .arg(&standby.data)
            .args(["-w", "promote"]),
        "pg_ctl promote",
    );
    drop(on_standby);

    // It holds the very head the primary last signed: the same size and
    // root, and `verify --since` that head (a monitor's remembered one)
    // passes, so nothing was lost or rewritten in the failover.
    let promoted_head = json(&standby_url, None, &["head", "--json"]);
    assert_eq!(promoted_head["size"], head_json["size"], "{promoted_head}");
    assert_eq!(promoted_head["root"], head_json["root"], "{promoted_head}");
    let since = root.join("primary-head.txt");
    std::fs::write(&since, &head).unwrap();
    let report = json(
        &standby_url,
        None,
        &["verify", "--since", since.to_str().unwrap(), "--json"],
    );
    assert_eq!(report["ok"], true, "{report}");

    // And appending continues on it, with the same key, where the primary
    // stopped; the ledger still verifies from the primary's last head.
    facility(&standby_url, &key, "IQ-STANDBY-2");
    let after = json(&standby_url, None, &["head", "--json"]);
    assert!(
        after["size"].as_u64().unwrap() > head_json["size"].as_u64().unwrap(),
        "{after}"
    );
    let report = json(
        &standby_url,
        None,
        &["verify", "--since", since.to_str().unwrap(), "--json"],
    );
    assert_eq!(report["ok"], true, "{report}");
    let listed = ok(&standby_url, None, &["facilities"]).stdout;
    assert!(
        listed.contains("IQ-STANDBY-1") && listed.contains("IQ-STANDBY-2"),
        "{listed}"
    );
}
