//! End-to-end regression tests of the hostile probe's CLI findings, through
//! the real binary: closed pipes and full disks (probe row 22), disjoint exit
//! codes, `@FILE` inputs that are devices or too big (row 9), unbounded
//! numbers and times (rows 12, 17, 23), control and bidi characters (row 13),
//! file modes (row 16), `--out` that overwrote (row 19), `restore` of a bad
//! file (row 20), stale `init` staging directories (row 21) and messages
//! (row 24).
//!
//! Every test works in its own temporary directory, so they run in parallel.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

// ---------------------------------------------------------------- helpers --

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    #[track_caller]
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected exit 0: {self:?}");
        self
    }
    /// Exit `code`, each needle on stderr, no panic.
    #[track_caller]
    fn fails(self, code: i32, needles: &[&str]) -> Self {
        assert_eq!(self.code, code, "expected exit {code}: {self:?}");
        for n in needles {
            assert!(self.stderr.contains(n), "stderr lacks {n:?}: {self:?}");
        }
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        self
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }
}

const USAGE: i32 = 64;
const OUTPUT: i32 = 74;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    c.env_remove("ROLLCALL_DATA")
        .env_remove("ROLLCALL_USER")
        .stdin(Stdio::null());
    c
}

/// Waits for a child, killing it (and failing the test) if it has not
/// finished after a minute: a guard against hangs, not a timing assertion.
fn finish(mut child: Child, what: &str) -> Out {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what}: still running after a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = child.wait_with_output().expect("output");
    Out {
        code: o.status.code().expect("exit code (not killed by a signal)"),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

struct Field {
    tmp: TempDir,
    data: PathBuf,
}

impl Field {
    /// An empty ledger with two facilities and three people at `IQ-A`.
    fn new() -> Field {
        let tmp = TempDir::new().expect("tempdir");
        let data = tmp.path().join("data");
        let f = Field { tmp, data };
        f.ok(&["init", "--name", "hardening"]);
        for id in ["IQ-A", "IQ-B"] {
            f.ok(&[
                "facility",
                "add",
                "--id",
                id,
                "--name",
                &format!("Camp {id}"),
                "--authority",
                "ministry",
                "--country",
                "IQ",
                "--lat",
                "33.3",
                "--lon",
                "44.4",
                "--time-zone",
                "Asia/Baghdad",
                "--capacity",
                "100",
                "--categories",
                "adult_male,adult_female,juvenile",
            ]);
        }
        let roster = f.write(
            "roster.csv",
            &format!(
                "{HEADER}\nR1,Omar Ali,,,,,,1990,,M,IQ,,,camp\nR2,Ali Hassan,,,,,,1985,,M,IQ,,,camp\nR3,Zaid Omar,,,,,,1980,,M,IQ,,,camp\n"
            ),
        );
        f.ok(&["import", "roster", &roster, "--facility", "IQ-A"]);
        f
    }
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = bin();
        // The field's data directory, unless `args` names another.
        if !args.contains(&"--data") {
            c.arg("--data").arg(&self.data);
        }
        c.args(args);
        c
    }
    fn run(&self, args: &[&str]) -> Out {
        let child = self
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        finish(child, &args.join(" "))
    }
    #[track_caller]
    fn ok(&self, args: &[&str]) -> Out {
        self.run(args).ok()
    }
    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
    fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf-8").to_string()
    }
    fn size(&self) -> u64 {
        self.ok(&["head", "--json"]).json()["size"]
            .as_u64()
            .expect("size")
    }
    fn people(&self) -> Vec<Value> {
        let v = self.ok(&["people", "--json"]).json();
        v.as_array().expect("array").clone()
    }
    /// Plans IQ-A → IQ-B with the first two people; returns the movement id.
    fn plan(&self) -> String {
        let v = self
            .ok(&[
                "movement",
                "create",
                "--mode",
                "land",
                "--from",
                "IQ-A",
                "--to",
                "IQ-B",
                "--at",
                "2026-02-01T06:00:00Z",
                "--vehicles",
                "bus:10",
                "--people",
                "P-0000001,P-0000002",
                "--json",
            ])
            .json();
        v["id"].as_str().expect("movement id").to_string()
    }
}

const HEADER: &str = "record_id,full_name,given_name,father_name,grandfather_name,family_name,mother_name,birth_date,birth_place,sex,nationality,document_type,document_number,source";

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every command that prints, with what it prints to.
fn printing_commands(mv: &str) -> Vec<Vec<String>> {
    [
        vec!["status"],
        vec!["status", "--json"],
        vec!["facilities"],
        vec!["facilities", "--json"],
        vec!["people"],
        vec!["people", "--json"],
        vec!["person", "show", "P-0000001"],
        vec!["person", "show", "P-0000001", "--json"],
        vec!["head"],
        vec!["head", "--all"],
        vec!["head", "--json"],
        vec!["discrepancies", "--json"],
        vec!["movement", "show", mv],
        vec!["movement", "show", mv, "--json"],
        vec![
            "escort-record",
            "show",
            "--movement",
            mv,
            "--people",
            "P-0000001",
        ],
        vec!["watch", "--at", "2026-02-01T06:00:00Z"],
        vec!["prove", "inclusion", "3"],
        vec!["verify"],
        vec!["verify", "--json"],
        vec!["--help"],
        vec!["--version"],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect()
}

// ------------------------------------------------------------------ tests --

/// Probe row 22: a reader that closes the pipe at once, a `head -c1`, and a
/// full disk. No panic anywhere; a closed pipe keeps the command's own
/// status, a full disk is exit 74 with one clear line.
#[test]
fn closed_pipes_and_full_disks_never_panic() {
    let f = Field::new();
    let mv = f.plan();
    for args in printing_commands(&mv) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // A pipe whose reader is already gone: every write fails with EPIPE.
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let child = f
            .cmd(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let o = finish(child, &args.join(" "));
        assert_eq!(o.code, 0, "closed pipe, {args:?}: {o:?}");
        assert!(!o.stderr.contains("panicked"), "{args:?}: {o:?}");
        assert!(
            o.stderr.is_empty() || !o.stderr.contains("error"),
            "{args:?}: {o:?}"
        );

        // A full disk.
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let child = f
            .cmd(&args)
            .stdout(full)
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let o = finish(child, &args.join(" "));
        o.fails(
            OUTPUT,
            &["writing standard output", "No space left on device"],
        );
    }
    // Through `head -c1`, as a user would, with every status reported.
    for cmd in [
        "people",
        "facilities",
        "person show P-0000001",
        "status",
        "head --all",
    ] {
        let script = format!(
            "\"$0\" --data \"$1\" {cmd} | head -c1 >/dev/null; echo \"${{PIPESTATUS[0]}}\""
        );
        let o = Command::new("bash")
            .args(["-c", &script, env!("CARGO_BIN_EXE_rollcall")])
            .arg(&f.data)
            .output()
            .expect("bash");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("panicked"), "{cmd}: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            "0",
            "{cmd}: {stderr}"
        );
    }
}

/// F9: a usage error is not "a check found a mismatch", and `--help` shows
/// the binary's own text.
#[test]
fn usage_errors_and_mismatches_have_disjoint_exit_codes() {
    let f = Field::new();
    f.run(&["verify", "--kye", "x"]).fails(USAGE, &["--kye"]);
    f.run(&["no-such-command"]).fails(USAGE, &[]);
    f.run(&["movement", "create"]).fails(USAGE, &["--mode"]);
    let help = f.ok(&["--help"]);
    assert!(
        help.stdout
            .contains("Rollcall: custody-transfer operations with a tamper-evident ledger"),
        "{help:?}"
    );
    assert!(!help.stdout.contains("thin glue"), "{help:?}");
    // A proof that does not check out is exit 2.
    let proof = f.path("p.json");
    f.ok(&["prove", "inclusion", "3", "--out", proof.to_str().unwrap()]);
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&proof).unwrap()).unwrap();
    v["leaf_index"] = Value::from(4);
    let bad = f.write("bad.json", &v.to_string());
    let key = f.data.join("node.pub");
    let o = f.run(&["verify-proof", &bad, "--key", key.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(o.stdout.contains("FAILED"), "{o:?}");
}

/// Probe row 9: `@/dev/zero` (and a directory, and a file over the limit)
/// as `--people`, `--boarded`, `--admitted`, `--route`, `--track`,
/// `--sign-from`: refused at once, nothing written.
#[test]
fn file_inputs_must_be_small_regular_files() {
    let f = Field::new();
    let size = f.size();
    let big = f.path("big.txt");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(16 * 1024 * 1024 + 1)
        .unwrap();
    let dir = f.tmp.path().to_str().unwrap().to_string();
    let plan = |people: &str| {
        vec![
            "movement".to_string(),
            "create".into(),
            "--mode".into(),
            "land".into(),
            "--from".into(),
            "IQ-A".into(),
            "--to".into(),
            "IQ-B".into(),
            "--at".into(),
            "2026-02-01T06:00:00Z".into(),
            "--vehicles".into(),
            "bus:4".into(),
            "--people".into(),
            people.into(),
        ]
    };
    for source in ["/dev/zero", dir.as_str(), big.to_str().unwrap()] {
        let at = format!("@{source}");
        let mut cases: Vec<Vec<String>> = vec![
            plan(&at),
            [
                "movement",
                "depart",
                "MV-0001",
                "--count",
                "1",
                "--boarded",
                &at,
            ]
            .map(String::from)
            .to_vec(),
            ["movement", "arrive", "MV-0001", "--admitted", &at]
                .map(String::from)
                .to_vec(),
            ["movement", "position", "MV-0001", "--track", &at]
                .map(String::from)
                .to_vec(),
            [
                "escort-record",
                "show",
                "--movement",
                "MV-0001",
                "--people",
                &at,
            ]
            .map(String::from)
            .to_vec(),
        ];
        let mut route = plan("P-0000001");
        route.extend(["--route".to_string(), at.clone()]);
        cases.push(route);
        for args in cases {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let o = f.run(&args);
            let why = if source == big.to_str().unwrap() {
                "more than the"
            } else {
                "not a regular file"
            };
            o.fails(1, &[why]);
        }
        // Key files: a clap value, so a usage error naming the flag.
        f.run(&[
            "handover",
            "--person",
            "P-0000001",
            "--from",
            "IQ-A",
            "--to",
            "IQ-B",
            "--sign-from",
            source,
        ])
        .fails(USAGE, &["--sign-from"]);
    }
    let o = f.run(&[
        "handover",
        "--person",
        "P-0000001",
        "--from",
        "IQ-A",
        "--to",
        "IQ-B",
        "--sign-from",
        &dir,
    ]);
    assert!(!o.stderr.contains("readable by others"), "{o:?}");
    assert_eq!(f.size(), size, "nothing was written");
}

/// Probe rows 12 and 17: thresholds that overflow, are negative or NaN are
/// refused before anything is written.
#[test]
fn watch_thresholds_are_bounded() {
    let f = Field::new();
    f.plan();
    let size = f.size();
    let at = "2026-02-01T07:00:00Z";
    for bad in [
        ["--escalate-after", "9223372036854775807"],
        ["--escalate-after", "0"],
        ["--escalate-after", "-1"],
        ["--silent-after", "-5"],
        ["--max-stop", "-1"],
        ["--off-route-km", "-3"],
        ["--off-route-km", "NaN"],
        ["--off-route-km", "inf"],
    ] {
        let flag = format!("{}={}", bad[0], bad[1]);
        f.run(&["watch", "--at", at, &flag]).fails(USAGE, &[bad[0]]);
        if bad[0] != "--escalate-after" {
            let args = [
                "movement", "position", "MV-0001", "--lat", "33", "--lon", "44", &flag,
            ];
            f.run(&args).fails(USAGE, &[bad[0]]);
        }
    }
    assert_eq!(f.size(), size, "nothing was written");
    // In range, it runs.
    f.ok(&["watch", "--at", at, "--escalate-after", "525600"]);
}

/// Probe row 13: control characters in a roster cell (a newline forging a
/// listing line, ESC, NUL) and on every CLI path are refused with the field
/// named; Arabic marks stay.
#[test]
fn control_characters_are_refused_in_every_text_field() {
    let f = Field::new();
    let before = f.people().len();
    let size = f.size();
    let forged = f.write(
        "forged.csv",
        &format!(
            "{HEADER}\nF1,\"Omar\nP-0000004  Mohammed Ibrahim al-Rawi\",,,,,,1990,,M,IQ,,,forge\nF2,\"Red\u{1b}[31m\",,,,,,1990,,M,IQ,,,forge\nF3,\"Nul\u{0}\",,,,,,1990,,M,IQ,,,forge\nF4,\"\u{645}\u{62d}\u{645}\u{62f}\u{200c}\u{200f} Ali\",,,,,,1990,,M,IQ,,,forge\n"
        ),
    );
    f.run(&["import", "roster", &forged, "--facility", "IQ-A"])
        .fails(
            1,
            &["full_name", "control character", "nothing was registered"],
        );
    assert_eq!(f.size(), size);
    let q = f.path("q.csv");
    f.ok(&[
        "import",
        "roster",
        &forged,
        "--facility",
        "IQ-A",
        "--quarantine",
        q.to_str().unwrap(),
    ]);
    let people = f.people();
    assert_eq!(
        people.len(),
        before + 1,
        "only the Arabic row is registered"
    );
    let listing = f.ok(&["people"]);
    assert_eq!(
        listing.stdout.lines().count(),
        before + 1,
        "one line per person: {}",
        listing.stdout
    );
    assert!(!listing.stdout.contains('\u{1b}'));
    assert!(
        people
            .iter()
            .any(|p| p["name"].as_str().unwrap_or("").contains('\u{200c}')),
        "ZWNJ kept: {people:?}"
    );

    // Through the CLI: refused by the core's check (exit 1, field named) or
    // by the flag's parser (usage, flag named). Nothing written either way.
    let size = f.size();
    f.run(&[
        "handover",
        "--person",
        "P-0000001",
        "--from",
        "IQ-A",
        "--to",
        "IQ-B",
        "--reason",
        "moved\nP-0000002 released",
    ])
    .fails(1, &["reason", "U+000A"]);
    f.run(&[
        "person",
        "correct",
        "P-0000001",
        "--reason",
        "typo",
        "--full-name",
        "Omar\u{1b}[2J",
    ])
    .fails(1, &["full name", "ESC"]);
    f.run(&[
        "person",
        "correct",
        "P-0000001",
        "--reason",
        "a\u{85}b",
        "--risk",
        "high",
    ])
    .fails(1, &["reason", "U+0085"]);
    f.run(&[
        "facility",
        "add",
        "--id",
        "XX-\u{202e}GBD",
        "--name",
        "n",
        "--authority",
        "a",
        "--country",
        "IQ",
        "--lat",
        "1",
        "--lon",
        "1",
        "--time-zone",
        "Asia/Baghdad",
        "--capacity",
        "1",
    ])
    .fails(USAGE, &["--id", "RLO"]);
    f.run(&[
        "facility",
        "add",
        "--id",
        "XX-N",
        "--name",
        "bad\nname",
        "--authority",
        "a",
        "--country",
        "IQ",
        "--lat",
        "1",
        "--lon",
        "1",
        "--time-zone",
        "Asia/Baghdad",
        "--capacity",
        "1",
    ])
    .fails(USAGE, &["--name"]);
    let mv = f.plan();
    let size_mv = f.size();
    f.run(&[
        "escort-record",
        "update",
        "--movement",
        &mv,
        "--people",
        "P-0000001",
        "--notes",
        "calm\u{7}",
    ])
    .fails(1, &["notes", "U+0007"]);
    f.run(&[
        "movement",
        "checkpoint",
        &mv,
        "--place",
        "km 5\u{1b}]0;x",
        "--count",
        "2",
    ])
    .fails(USAGE, &["--place"]);
    f.run(&["--user", "eve\nroot", "status"])
        .fails(USAGE, &["--user"]);
    assert_eq!(f.size(), size_mv, "nothing written after the plan");
    assert!(size_mv > size);
}

/// Probe row 16: the data directory is 0700; the database, its WAL, backups,
/// manifests, proofs and quarantine files are 0600.
#[cfg(unix)]
#[test]
fn files_with_personal_data_are_readable_by_their_owner_only() {
    let f = Field::new();
    assert_eq!(mode(&f.data), 0o700);
    assert_eq!(mode(&f.data.join("rollcall.db")), 0o600);
    assert_eq!(mode(&f.data.join("node.key")), 0o600);
    let wal = f.data.join("rollcall.db-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600);
    }
    let mv = f.plan();
    let backup = f.path("b.db");
    f.ok(&["backup", "--out", backup.to_str().unwrap()]);
    assert_eq!(mode(&backup), 0o600);
    for format in ["pdf", "csv"] {
        let out = f.path(&format!("m.{format}"));
        f.ok(&[
            "movement",
            "manifest",
            &mv,
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(mode(&out), 0o600, "{format}");
    }
    let proof = f.path("p.json");
    f.ok(&["prove", "inclusion", "3", "--out", proof.to_str().unwrap()]);
    assert_eq!(mode(&proof), 0o600);
    let bad = f.write(
        "bad.csv",
        &format!("{HEADER}\nB1,,,,,,,,,,,,,x\nB2,Good,,,,,,,,,,,,x\n"),
    );
    let q = f.path("q.csv");
    f.ok(&[
        "import",
        "roster",
        &bad,
        "--facility",
        "IQ-A",
        "--quarantine",
        q.to_str().unwrap(),
    ]);
    assert_eq!(mode(&q), 0o600);
    let restored = f.path("restored");
    f.ok(&[
        "--data",
        restored.to_str().unwrap(),
        "restore",
        backup.to_str().unwrap(),
    ]);
    assert_eq!(mode(&restored), 0o700);
    assert_eq!(mode(&restored.join("rollcall.db")), 0o600);
}

/// Probe row 19: `prove … --out` refuses an existing file, like every `--out`.
#[test]
fn out_never_overwrites() {
    let f = Field::new();
    let existing = f.write("f", "x\n");
    for args in [
        vec!["prove", "inclusion", "3", "--out", &existing],
        vec![
            "prove",
            "consistency",
            "--from-size",
            "1",
            "--out",
            &existing,
        ],
        vec!["backup", "--out", &existing],
        vec!["keygen", "--name", "k", "--out", &existing],
    ] {
        let o = f.run(&args).fails(1, &["already exists"]);
        // One concise message: the OS error is not repeated (probe row 24).
        assert!(o.stderr.matches("os error 17").count() <= 1, "{o:?}");
        assert_eq!(std::fs::read_to_string(&existing).unwrap(), "x\n");
    }
}

/// Probe row 20: `restore` of a file that is not a ledger, of one that fails
/// verify, and of a missing file leaves nothing behind; a good one then works.
#[test]
fn restore_moves_a_copy_into_place_only_after_it_verified() {
    let f = Field::new();
    let target = f.path("r1");
    let t = target.to_str().unwrap();
    let garbage = f.write("random.bin", &"not sqlite ".repeat(1000));
    f.run(&["--data", t, "restore", &garbage])
        .fails(1, &["not a Rollcall ledger"]);
    assert!(!target.exists(), "no directory left behind");
    let missing = f.path("missing.bak");
    f.run(&["--data", t, "restore", missing.to_str().unwrap()])
        .fails(1, &["missing.bak"]);
    assert!(!target.exists(), "no empty directory left behind");

    // A backup whose projection was edited fails verify: exit 2, nothing kept.
    let backup = f.path("b.db");
    f.ok(&["backup", "--out", backup.to_str().unwrap()]);
    let tampered = f.path("tampered.db");
    std::fs::copy(&backup, &tampered).unwrap();
    {
        let db = rusqlite::Connection::open(&tampered).unwrap();
        let triggers: Vec<String> = db
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for t in triggers {
            db.execute_batch(&format!("DROP TRIGGER \"{t}\"")).unwrap();
        }
        let changed = db
            .execute(
                "UPDATE projection SET value = replace(value, 'IQ-A', 'IQ-B') WHERE tbl = 'custody'",
                [],
            )
            .unwrap();
        assert!(changed > 0);
    }
    let o = f.run(&["--data", t, "restore", tampered.to_str().unwrap()]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        !target.join("rollcall.db").exists(),
        "a copy that fails verify is not kept"
    );
    assert!(!target.exists(), "nor the directory restore created");

    f.ok(&["--data", t, "restore", backup.to_str().unwrap()]);
    f.ok(&["--data", t, "verify"]);
    f.ok(&["--data", t, "status"]);
}

/// Probe row 21: a crashed `init` leaves `.NAME.init-PID`; the next `init`
/// there removes it once its process is gone (and keeps a live one's).
#[test]
fn init_removes_stale_staging_directories() {
    let tmp = TempDir::new().unwrap();
    let pid_max: u64 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4_194_304);
    let dead = tmp.path().join(format!(".x.init-{}", pid_max + 1));
    std::fs::create_dir(&dead).unwrap();
    std::fs::write(dead.join("node.key"), "left by a crash").unwrap();
    let live = tmp.path().join(format!(".x.init-{}", std::process::id()));
    std::fs::create_dir(&live).unwrap();
    let data = tmp.path().join("x");
    let o = bin()
        .arg("--data")
        .arg(&data)
        .args(["init", "--name", "n"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert!(
        !dead.exists(),
        "a dead process's staging directory is removed"
    );
    assert!(live.exists(), "a live process's staging directory is kept");
}

/// Probe row 23: seats, vehicle counts, text lengths, dates, offsets and
/// time zones are bounded; nothing out of bounds reaches the ledger.
#[test]
fn numbers_times_and_lengths_are_bounded() {
    let f = Field::new();
    let size = f.size();
    let plan = |vehicles: &str| {
        f.run(&[
            "movement",
            "create",
            "--mode",
            "land",
            "--from",
            "IQ-A",
            "--to",
            "IQ-B",
            "--at",
            "2026-02-01T06:00:00Z",
            "--vehicles",
            vehicles,
            "--people",
            "P-0000001",
        ])
    };
    plan("bus:4294967295").fails(1, &["seats", "1 to 1000"]);
    plan("armored:0").fails(1, &["0 seats"]);
    plan(&vec!["bus:45"; 10_000].join(",")).fails(1, &["10000 vehicles"]);
    let long = "x".repeat(120_000);
    f.run(&[
        "handover",
        "--person",
        "P-0000001",
        "--from",
        "IQ-A",
        "--to",
        "IQ-B",
        "--reason",
        &long,
    ])
    .fails(1, &["reason", "more than the 500 allowed"]);
    f.run(&[
        "person",
        "correct",
        "P-0000001",
        "--reason",
        "r",
        "--full-name",
        &long,
    ])
    .fails(1, &["full name", "more than the 500 allowed"]);
    f.run(&[
        "person",
        "correct",
        "P-0000001",
        "--reason",
        "r",
        "--birth-date",
        "2099-01-01",
    ])
    .fails(1, &["--birth-date", "in the future"]);
    let roster = f.write(
        "future.csv",
        &format!("{HEADER}\nX1,Future Born,,,,,,2099-01-01,,M,IQ,,,f\n"),
    );
    f.run(&["import", "roster", &roster, "--facility", "IQ-A"])
        .fails(1, &["birth_date", "in the future"]);
    for at in [
        "2099-01-01T00:00:00Z",
        "2026-01-01T00:00:00+25:00",
        "2026-01-01T00:00:00-24:00",
    ] {
        f.run(&[
            "handover",
            "--person",
            "P-0000001",
            "--from",
            "IQ-A",
            "--to",
            "IQ-B",
            "--at",
            at,
        ])
        .fails(USAGE, &["--at"]);
    }
    let fac = |id: &str, name: &str, authority: &str, tz: &str, capacity: &str| {
        f.run(&[
            "facility",
            "add",
            "--id",
            id,
            "--name",
            name,
            "--authority",
            authority,
            "--country",
            "IQ",
            "--lat",
            "1",
            "--lon",
            "1",
            "--time-zone",
            tz,
            "--capacity",
            capacity,
        ])
    };
    fac("XX-TZ", "n", "a", "Mars/Olympus", "10").fails(1, &["time zone", "Mars/Olympus"]);
    fac("XX-EN", "", "a", "Asia/Baghdad", "10").fails(1, &["name is empty"]);
    fac("XX-EA", "n", " ", "Asia/Baghdad", "10").fails(1, &["authority is empty"]);
    fac("XX-CP", "n", "a", "Asia/Baghdad", "0").fails(USAGE, &["--capacity"]);
    fac("", "n", "a", "Asia/Baghdad", "10").fails(USAGE, &["--id", "empty"]);
    assert_eq!(f.size(), size, "nothing was written");
    fac("XX-OK", "n", "a", "Asia/Baghdad", "10").ok();
}

/// Probe row 24: one concise, accurate message per error.
#[test]
fn messages_are_concise_and_accurate() {
    let f = Field::new();
    let o = bin()
        .arg("--data")
        .arg(f.path("newnode"))
        .args(["init", "--name", "a b"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(USAGE), "{stderr}");
    assert!(!stderr.contains(".init-"), "no staging path: {stderr}");
    let long = "P".repeat(120_000);
    let o = f
        .run(&["person", "show", &long])
        .fails(USAGE, &["64 allowed"]);
    assert!(
        o.stderr.len() < 1_000,
        "the id is cut short: {} bytes",
        o.stderr.len()
    );
    f.run(&[
        "person",
        "correct",
        "P-0000001",
        "--reason",
        "r",
        "--sex",
        "Q",
    ])
    .fails(USAGE, &["'Q'", "M, F, U"]);
    let backup = f.path("b.db");
    f.ok(&["backup", "--out", backup.to_str().unwrap()]);
    let o = f
        .run(&["backup", "--out", backup.to_str().unwrap()])
        .fails(1, &["already exists"]);
    for line in o.stderr.lines() {
        let parts: Vec<&str> = line.split(": ").collect();
        for w in parts.windows(2) {
            assert_ne!(w[0], w[1], "repeated cause: {line}");
        }
    }
}

/// F2 and F9: the watch, and the alerts a position report raises, are
/// recorded as the user who ran the command (not "watch"); a position
/// report opens alerts about its own movement only.
#[test]
fn alerts_are_recorded_by_the_user_and_a_report_alerts_only_its_movement() {
    let f = Field::new();
    let now = rollcall_core::Timestamp::now();
    let at = |secs: i64| {
        rollcall_core::Timestamp::from_second(now.as_second() + secs)
            .unwrap()
            .to_string()
    };
    let escort = [
        "--violence",
        "no",
        "--escape",
        "no",
        "--self-harm",
        "no",
        "--health",
        "no",
        "--medication",
        "none",
        "--medical-needs",
        "none",
        "--property",
        "none",
        "--special-needs",
        "none",
    ];
    let mut movements = Vec::new();
    for person in ["P-0000001", "P-0000002"] {
        let v = f
            .ok(&[
                "movement",
                "create",
                "--mode",
                "land",
                "--from",
                "IQ-A",
                "--to",
                "IQ-B",
                "--at",
                &at(0),
                "--vehicles",
                "bus:4",
                "--people",
                person,
                "--json",
            ])
            .json();
        let mv = v["id"].as_str().unwrap().to_string();
        let mut args = vec![
            "escort-record",
            "confirm",
            "--movement",
            &mv,
            "--people",
            person,
        ];
        args.extend(escort);
        f.ok(&args);
        f.ok(&[
            "movement",
            "depart",
            &mv,
            "--count",
            "1",
            "--boarded",
            person,
        ]);
        movements.push(mv);
    }
    let (reported, silent) = (&movements[0], &movements[1]);
    // Two minutes on (within the clock skew allowed), with a one-minute
    // silence rule: the report on the first movement must not open the
    // second's silence alert.
    let later = at(120);
    f.ok(&[
        "--user",
        "alice",
        "movement",
        "position",
        reported,
        "--lat",
        "33.3",
        "--lon",
        "44.4",
        "--at",
        &later,
        "--silent-after",
        "1",
    ]);
    let open = f.ok(&["discrepancies", "--open", "--json"]).json();
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|d| d["movement"].as_str() != Some(silent.as_str())),
        "a report on {reported} opened an alert on {silent}: {open}"
    );
    f.ok(&[
        "--user",
        "bob",
        "watch",
        "--at",
        &later,
        "--silent-after",
        "1",
    ]);
    let open = f.ok(&["discrepancies", "--open", "--json"]).json();
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .any(|d| d["movement"].as_str() == Some(silent.as_str())
                && d["kind"] == "movement_silent"),
        "the watch opens the silence alert: {open}"
    );
    // Who recorded the alerts, as the ledger holds them.
    let db = rusqlite::Connection::open(f.data.join("rollcall.db")).unwrap();
    let events: Vec<String> = db
        .prepare("SELECT bytes FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .map(|b| String::from_utf8_lossy(&b.unwrap()).into_owned())
        .collect();
    let opened: Vec<&String> = events
        .iter()
        .filter(|e| e.contains("discrepancy_opened"))
        .collect();
    assert!(!opened.is_empty());
    for e in &opened {
        assert!(!e.contains(r#""user":"watch""#), "{e}");
    }
    assert!(
        opened.iter().any(|e| e.contains(r#""user":"bob""#)),
        "the watch's alert is bob's: {opened:?}"
    );
}
