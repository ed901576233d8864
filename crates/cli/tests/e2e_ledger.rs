//! End-to-end tests of the `rollcall` binary: the reference demo, tamper
//! detection by `verify`, `rebuild`, offline proofs, handover rules, the
//! access log, backups taken while another process appends, key secrecy and
//! roster import.
//!
//! Every test works in its own temporary directory, so they run in parallel.
//! Helpers live in this file (not in `tests/common`) on purpose.

use rusqlite::Connection;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

// ---------------------------------------------------------------- helpers --

/// What one run of the binary produced.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
    #[track_caller]
    fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected exit 0: {self:?}");
        self
    }
}

fn rollcall() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    // Nothing from the environment may choose the data dir or the user.
    c.env_remove("ROLLCALL_DATA")
        .env_remove("ROLLCALL_USER")
        .stdin(Stdio::null());
    c
}

/// Runs `rollcall --data <data> [--user <user>] <args>`.
fn run_as(data: &Path, user: Option<&str>, args: &[&str]) -> Out {
    let mut c = rollcall();
    c.arg("--data").arg(data);
    if let Some(u) = user {
        c.args(["--user", u]);
    }
    let o = c.args(args).output().expect("run rollcall");
    Out {
        code: o.status.code().expect("exit code (not killed by a signal)"),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn run(data: &Path, args: &[&str]) -> Out {
    run_as(data, None, args)
}

#[track_caller]
fn ok_json(data: &Path, args: &[&str]) -> Value {
    run(data, args).ok().json()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The id the demo node mints for its `n`-th person (`P-DEMO-000042`).
fn demo_person(n: u64) -> String {
    format!("P-{}-{n:06}", rollcall_sim::NODE.to_ascii_uppercase())
}

/// A temp dir holding a demo ledger in `<tmp>/data`.
struct Demo {
    tmp: TempDir,
    data: PathBuf,
}

fn demo(scale: &str) -> Demo {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    run(&data, &["demo", "--seed", "1", "--scale", scale]).ok();
    Demo { tmp, data }
}

fn head_size(data: &Path) -> u64 {
    ok_json(data, &["head", "--json"])["size"]
        .as_u64()
        .expect("head size")
}

fn db_path(data: &Path) -> PathBuf {
    data.join("rollcall.db")
}

/// Opens the store as an attacker with file access would: the append-only
/// triggers dropped first.
fn attacker_db(data: &Path) -> Connection {
    let conn = Connection::open(db_path(data)).expect("open db");
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type='trigger'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        triggers.iter().any(|t| t == "events_no_update"),
        "the guard triggers exist before the attack: {triggers:?}"
    );
    for t in triggers {
        conn.execute_batch(&format!("DROP TRIGGER \"{t}\""))
            .expect("drop trigger");
    }
    conn
}

/// `SELECT count(*) ...` as a u64.
fn count(conn: &Connection, sql: &str) -> u64 {
    let n: i64 = conn.query_row(sql, [], |r| r.get(0)).expect(sql);
    u64::try_from(n).unwrap()
}

/// `verify --json`: exit code and the report.
fn verify_json(data: &Path) -> (i32, Value) {
    let o = run(data, &["verify", "--json"]);
    assert!(o.code == 0 || o.code == 2, "verify errored: {o:?}");
    let v = o.json();
    (o.code, v)
}

/// Asserts that verify fails (exit 2, in text and JSON) naming `kind` at `at`.
#[track_caller]
fn assert_verify_names(data: &Path, kind: &str, at: &str) {
    let (code, v) = verify_json(data);
    assert_eq!(code, 2, "verify must exit 2: {v:#}");
    assert_eq!(v["ok"], false, "{v:#}");
    let p = &v["problems"][0];
    assert_eq!(p["kind"], kind, "first problem kind: {v:#}");
    assert_eq!(p["at"], at, "first problem location: {v:#}");
    let text = run(data, &["verify"]);
    assert_eq!(text.code, 2, "{text:?}");
    assert!(
        text.stdout.contains(&format!("FAILED: {kind} {at}:")),
        "text output names {kind} {at}: {text:?}"
    );
}

/// A tiny demo whose verify passes, for tampering.
fn clean_small_demo() -> Demo {
    let d = demo("0.05");
    let (code, v) = verify_json(&d.data);
    assert_eq!(code, 0, "fresh demo verifies: {v:#}");
    d
}

/// A different ASCII character of the same class (digit, letter, base64
/// punctuation), so an edited text stays valid.
fn other_char(c: u8) -> u8 {
    match c {
        b'0'..=b'8' | b'a'..=b'y' | b'A'..=b'Y' => c + 1,
        b'9' => b'0',
        b'z' => b'a',
        b'Z' => b'A',
        b'+' => b'/',
        b'/' => b'+',
        other => panic!("no substitute for byte {other:#x}"),
    }
}

fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    hay.windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// An event's kind, whether `what` is tagged (`{"type": k, ..}`) or keyed
/// (`{k: {..}}`).
fn event_type(ev: &Value) -> String {
    let what = &ev["what"];
    if let Some(t) = what["type"].as_str() {
        return t.to_string();
    }
    let o = what.as_object().expect("what is an object");
    assert_eq!(o.len(), 1, "one kind per event: {what}");
    o.keys().next().unwrap().clone()
}

/// An event's fields, in either encoding.
fn event_body(ev: &Value) -> &Value {
    let what = &ev["what"];
    if what.get("type").is_some() {
        what
    } else {
        what.as_object().unwrap().values().next().unwrap()
    }
}

/// Signed sizes, oldest first.
fn signed_sizes(data: &Path) -> Vec<u64> {
    let all: Vec<Value> =
        serde_json::from_value(ok_json(data, &["head", "--all", "--json"])).expect("heads");
    all.iter()
        .map(|h| h["size"].as_u64().expect("size"))
        .collect()
}

/// Appends `n` handovers (IQ-NSR → SY-HSK), one signed head each, so the
/// ledger has several heads whatever the demo's commit grouping.
fn add_heads(data: &Path, n: usize) {
    let people = held_at(data, "IQ-NSR");
    assert!(people.len() >= n);
    for p in &people[..n] {
        handover(data, p, "IQ-NSR", "SY-HSK", &[]).ok();
    }
}

// ------------------------------------------------------------------ tests --

/// Test 1: The reference operation at scale 1 and its status and verify.
#[test]
fn demo_scale_1_status_and_verify() {
    let d = demo("1");
    let st = ok_json(&d.data, &["status", "--json"]);
    // Everyone of the operation once, and each record found to be a
    // person registered before (the recounts' duplicates the matcher
    // missed) once more, linked to them.
    let linked = st["linked"].as_u64().expect("linked");
    assert_eq!(st["registered"], 7000 + linked, "{st:#}");
    assert_eq!(st["scheduled"], 7000);
    assert_eq!(st["transferred"], 4583);
    let nat = st["by_nationality"].as_object().expect("by_nationality");
    for k in ["IRQ", "SYR", "unknown"] {
        assert!(nat.contains_key(k), "by_nationality has {k}");
    }
    let others = nat
        .keys()
        .filter(|k| !["IRQ", "SYR", "unknown"].contains(&k.as_str()))
        .count();
    assert!(others >= 60, "only {others} other nationalities");
    let sum: u64 = nat.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(
        sum,
        7000 + linked,
        "nationality counts add up to registered"
    );
    let fac = st["by_facility"].as_object().expect("by_facility");
    assert!(!fac.is_empty());
    for (id, f) in fac {
        assert!(f["name"].as_str().is_some_and(|n| !n.is_empty()), "{id}");
        let occ = f["occupancy"].as_u64().expect("occupancy");
        let cap = f["capacity"].as_u64().expect("capacity");
        assert!(cap > 0 && occ <= cap, "{id}: {occ}/{cap}");
    }
    assert!(st["open_discrepancies"].is_u64());
    let size = st["ledger_size"].as_u64().expect("ledger_size");
    assert!(size > 7000);
    assert_eq!(st["tree_size"].as_u64(), Some(size));
    let root = st["tree_head"].as_str().expect("tree_head");
    assert_eq!(root.len(), 64);
    assert!(root.bytes().all(|b| b.is_ascii_hexdigit()), "{root}");

    let text = run(&d.data, &["verify"]).ok();
    assert!(
        text.stdout.lines().any(|l| l.starts_with("verified: ")),
        "{text:?}"
    );
    assert!(
        text.stdout.contains("(read from the ledger itself)") && text.stderr.contains("WARNING"),
        "verify without --key says loudly which key it trusted: {text:?}"
    );
    let (code, v) = verify_json(&d.data);
    assert_eq!(code, 0);
    assert_eq!(v["ok"], true);
    assert_eq!(v["events"].as_u64(), Some(size));
    assert_eq!(v["root"], root);
    assert_eq!(v["problems"].as_array().map(Vec::len), Some(0));

    // The demo registered everyone through identity matching: the review
    // queue holds rows waiting and rows decided (recount rows found to be
    // someone registered), and it is a projection of the ledger (rebuild
    // gives it back exactly).
    let queue = |status: &str| {
        let v = ok_json(
            &d.data,
            &[
                "review", "list", "--status", status, "--limit", "5000", "--json",
            ],
        );
        v.as_array().expect("a list").len()
    };
    let before = [queue("pending"), queue("same-person"), queue("new-person")];
    assert!(before[0] > 0 && before[1] > 0, "{before:?}");
    run(&d.data, &["rebuild"]).ok();
    let after = [queue("pending"), queue("same-person"), queue("new-person")];
    assert_eq!(before, after);
}

/// Test 2a: One byte of one event's bytes.
#[test]
fn tamper_event_bytes_is_found() {
    let d = clean_small_demo();
    let seq = head_size(&d.data) / 2;
    {
        let db = attacker_db(&d.data);
        let mut bytes: Vec<u8> = db
            .query_row("SELECT bytes FROM events WHERE seq=?1", [seq as i64], |r| {
                r.get(0)
            })
            .unwrap();
        let i = bytes.len() / 2;
        bytes[i] ^= 0x01;
        let n = db
            .execute(
                "UPDATE events SET bytes=?1 WHERE seq=?2",
                (&bytes, seq as i64),
            )
            .unwrap();
        assert_eq!(n, 1);
    }
    assert_verify_names(&d.data, "event", &seq.to_string());
}

/// Test 2b: One byte of one event's stored leaf hash.
#[test]
fn tamper_leaf_hash_is_found() {
    let d = clean_small_demo();
    let seq = head_size(&d.data) / 3;
    {
        let db = attacker_db(&d.data);
        let mut h: Vec<u8> = db
            .query_row(
                "SELECT leaf_hash FROM events WHERE seq=?1",
                [seq as i64],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(h.len(), 32);
        h[7] ^= 0x80;
        db.execute(
            "UPDATE events SET leaf_hash=?1 WHERE seq=?2",
            (&h, seq as i64),
        )
        .unwrap();
    }
    assert_verify_names(&d.data, "event", &seq.to_string());
}

/// Test 2c: One byte of one signed head's note (its root line).
#[test]
fn tamper_checkpoint_note_is_found() {
    let d = clean_small_demo();
    add_heads(&d.data, 3);
    let sizes = signed_sizes(&d.data);
    assert!(sizes.len() >= 3, "{sizes:?}");
    let size = sizes[sizes.len() / 2];
    {
        let db = attacker_db(&d.data);
        let note: String = db
            .query_row(
                "SELECT note FROM checkpoints WHERE size=?1",
                [size as i64],
                |r| r.get(0),
            )
            .unwrap();
        // Line 3 of the note is the root, base64.
        let root_start = note.match_indices('\n').nth(1).unwrap().0 + 1;
        let mut b = note.into_bytes();
        b[root_start + 5] = other_char(b[root_start + 5]);
        let note = String::from_utf8(b).unwrap();
        db.execute(
            "UPDATE checkpoints SET note=?1 WHERE size=?2",
            (&note, size as i64),
        )
        .unwrap();
    }
    assert_verify_names(&d.data, "head", &size.to_string());
}

/// Test 2d: One byte of one projection row.
#[test]
fn tamper_projection_row_is_found() {
    let d = clean_small_demo();
    let key = &demo_person(5);
    {
        let db = attacker_db(&d.data);
        let value: String = db
            .query_row(
                "SELECT value FROM projection WHERE tbl='person' AND key=?1",
                [key],
                |r| r.get(0),
            )
            .unwrap();
        // A letter of the Latin name: still valid JSON, so the node opens.
        let at = value.find("\"latin\":[\"").expect("latin name") + 11;
        let mut b = value.into_bytes();
        b[at] = other_char(b[at]);
        let value = String::from_utf8(b).unwrap();
        db.execute(
            "UPDATE projection SET value=?1 WHERE tbl='person' AND key=?2",
            (&value, key),
        )
        .unwrap();
    }
    assert_verify_names(&d.data, "projection", &format!("person/{key}"));
}

/// Test 2e: One byte flipped in the database file itself, inside an event.
#[test]
fn tamper_database_file_byte_is_found() {
    let d = clean_small_demo();
    let person = &demo_person(7);
    let show = ok_json(&d.data, &["person", "show", person, "--json"]);
    let latin = show["now"]["record"]["names"]["latin"][0]
        .as_str()
        .expect("latin name")
        .to_string();
    let reg = &show["history"][0];
    assert_eq!(event_type(reg), "person_registered");
    let seq = reg["seq"].as_u64().unwrap();
    // The binary has exited; make sure nothing is left in a WAL.
    let wal = PathBuf::from(format!("{}-wal", db_path(&d.data).display()));
    if wal.exists() {
        let c = Connection::open(db_path(&d.data)).unwrap();
        c.pragma_update(None, "wal_checkpoint", "TRUNCATE").unwrap();
        drop(c);
    }
    assert!(
        std::fs::metadata(&wal)
            .map(|m| m.len() == 0)
            .unwrap_or(true),
        "WAL is empty"
    );
    let mut file = std::fs::read(db_path(&d.data)).unwrap();
    // The demo node is the only origin, so event `seq` carries counter
    // `seq`; that member is unique in the file (events are never rewritten,
    // so no stale copies), and the name follows inside the same event.
    let marker = format!("\"counter\":{seq},\"occurred_at\"");
    let starts = find_all(&file, marker.as_bytes());
    assert_eq!(starts.len(), 1, "event {seq} found once in the file");
    let tail = &file[starts[0]..(starts[0] + 3000).min(file.len())];
    let rel = find_all(tail, latin.as_bytes())
        .first()
        .copied()
        .unwrap_or_else(|| panic!("{latin:?} inside event {seq}"));
    let at = starts[0] + rel + 1;
    file[at] = other_char(file[at]);
    std::fs::write(db_path(&d.data), &file).unwrap();
    assert_verify_names(&d.data, "event", &seq.to_string());
}

/// Test 3: `rebuild` restores deleted and altered projection rows; events
/// and heads are untouched.
#[test]
fn rebuild_restores_projections_only() {
    let d = clean_small_demo();
    let head_before = ok_json(&d.data, &["head", "--json"]);
    let status_before = ok_json(&d.data, &["status", "--json"]);
    let events_digest = |data: &Path| -> (u64, Vec<u8>, u64) {
        let c = Connection::open(db_path(data)).unwrap();
        let n = count(&c, "SELECT count(*) FROM events");
        let mut all = Vec::new();
        let mut st = c
            .prepare("SELECT bytes, leaf_hash FROM events ORDER BY seq")
            .unwrap();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            all.extend(r.get::<_, Vec<u8>>(0).unwrap());
            all.extend(r.get::<_, Vec<u8>>(1).unwrap());
        }
        let heads = count(&c, "SELECT count(*) FROM checkpoints");
        (n, all, heads)
    };
    let ev_before = events_digest(&d.data);
    let rows_before: u64 = {
        let c = Connection::open(db_path(&d.data)).unwrap();
        count(&c, "SELECT count(*) FROM projection")
    };
    {
        // The projection has no guard triggers; an ordinary connection suffices.
        let c = Connection::open(db_path(&d.data)).unwrap();
        let deleted = c
            .execute(
                "DELETE FROM projection WHERE tbl='person' AND key IN ('P-DEMO-000002','P-DEMO-000003')",
                [],
            )
            .unwrap();
        assert_eq!(deleted, 2);
        let altered = c
            .execute(
                "UPDATE projection SET value=replace(value,'\"status\":\"held\"','\"status\":\"released\"') \
                 WHERE tbl='custody' AND key='P-DEMO-000010' AND value LIKE '%\"status\":\"held\"%'",
                [],
            )
            .unwrap();
        assert_eq!(altered, 1);
    }
    let (code, v) = verify_json(&d.data);
    assert_eq!(code, 2, "damaged projections are found: {v:#}");
    assert_eq!(v["problems"][0]["kind"], "projection");

    let out = run(&d.data, &["rebuild"]).ok();
    assert!(
        out.stdout
            .replace(',', "")
            .contains(&format!("rebuilt {} projection rows", rows_before)),
        "{out:?}"
    );
    let (code, v) = verify_json(&d.data);
    assert_eq!(code, 0, "verify passes after rebuild: {v:#}");
    let c = Connection::open(db_path(&d.data)).unwrap();
    let n = count(
        &c,
        "SELECT count(*) FROM projection WHERE tbl='person' AND key IN ('P-DEMO-000002','P-DEMO-000003')",
    );
    assert_eq!(n, 2, "deleted rows are back");
    let head_after = ok_json(&d.data, &["head", "--json"]);
    assert_eq!(head_after["size"], head_before["size"]);
    assert_eq!(head_after["root"], head_before["root"]);
    assert_eq!(head_after["note"], head_before["note"]);
    assert_eq!(
        events_digest(&d.data),
        ev_before,
        "events and heads untouched"
    );
    let mut status_after = ok_json(&d.data, &["status", "--json"]);
    let mut status_before = status_before;
    // Everything in the summary is derived; it must be exactly as before.
    status_after.as_object_mut().unwrap().remove("node");
    status_before.as_object_mut().unwrap().remove("node");
    assert_eq!(status_after, status_before);
    let shown = ok_json(&d.data, &["person", "show", "P-DEMO-000010", "--json"]);
    assert_ne!(shown["now"]["status"], "released");
}

/// Edits the character in the middle of a base64 string in a JSON proof file.
fn tamper_proof_file(src: &Path, dst: &Path, edit: impl FnOnce(&mut Value) -> &mut Value) {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
    let field = edit(&mut v);
    let mut b = field.as_str().expect("string field").as_bytes().to_vec();
    let i = b.len() / 2;
    b[i] = other_char(b[i]);
    *field = Value::String(String::from_utf8(b).unwrap());
    std::fs::write(dst, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// `verify-proof` run with no ledger at all: only the proof and a key.
fn verify_proof_offline(file: &Path, key: &Path) -> Out {
    let nowhere = file.parent().unwrap().join("no-such-data-dir");
    assert!(!nowhere.exists());
    let o = run(&nowhere, &["verify-proof", s(file), "--key", s(key)]);
    assert!(!nowhere.exists(), "verify-proof creates no data dir");
    o
}

/// Test 4: Inclusion and consistency proofs checked offline.
#[test]
fn proofs_verify_offline_and_detect_tampering() {
    let d = demo("0.05");
    add_heads(&d.data, 3);
    let tmp = d.tmp.path();
    let offline = tmp.join("offline");
    std::fs::create_dir(&offline).unwrap();
    let other = tmp.join("other");
    run(&other, &["init", "--name", "other-node"]).ok();

    let size = head_size(&d.data);
    let seq = size / 2;
    let incl = offline.join("inclusion.json");
    run(
        &d.data,
        &["prove", "inclusion", &seq.to_string(), "--out", s(&incl)],
    )
    .ok();
    // The proof of an event about a person is a read of their record: one
    // more signed event commits its access record.
    let sizes = signed_sizes(&d.data);
    assert!(sizes.len() >= 4, "{sizes:?}");
    assert_eq!(sizes.last(), Some(&(size + 1)));
    let size = size + 1;
    let from = sizes[sizes.len() / 2];
    assert!(from < size);
    let cons = offline.join("consistency.json");
    run(
        &d.data,
        &[
            "prove",
            "consistency",
            "--from-size",
            &from.to_string(),
            "--out",
            s(&cons),
        ],
    )
    .ok();
    // A size that was never signed.
    let unsigned = (1..size)
        .find(|n| !sizes.contains(n))
        .expect("an unsigned size");
    let o = run(
        &d.data,
        &["prove", "consistency", "--from-size", &unsigned.to_string()],
    );
    assert_eq!(o.code, 1, "{o:?}");
    assert!(
        o.stderr
            .contains(&format!("no head was signed at size {unsigned}")),
        "{o:?}"
    );
    assert!(o.stdout.is_empty(), "{o:?}");
    // An event beyond the head.
    let o = run(&d.data, &["prove", "inclusion", &(size + 10).to_string()]);
    assert_eq!(o.code, 1, "{o:?}");

    // Offline: copy the public key away and remove the ledger entirely.
    let key = offline.join("node.pub");
    std::fs::copy(d.data.join("node.pub"), &key).unwrap();
    std::fs::remove_dir_all(&d.data).unwrap();

    let o = verify_proof_offline(&incl, &key).ok();
    assert!(
        o.stdout.contains("inclusion proof OK") && o.stdout.contains(&format!("#{seq} ")),
        "{o:?}"
    );
    let o = verify_proof_offline(&cons, &key).ok();
    assert!(o.stdout.contains("consistency proof OK"), "{o:?}");
    assert!(o.stdout.contains(&format!("size {from} ")), "{o:?}");
    // --json and the key given inline.
    let inline = std::fs::read_to_string(&key).unwrap();
    let o = rollcall()
        .args(["verify-proof", s(&incl), "--json", "--key", inline.trim()])
        .arg("--data")
        .arg(offline.join("nowhere"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);

    // Another node's key.
    let other_key = other.join("node.pub");
    for f in [&incl, &cons] {
        let o = verify_proof_offline(f, &other_key);
        assert_eq!(o.code, 2, "{o:?}");
        assert!(o.stdout.contains("FAILED"), "{o:?}");
    }

    // One base64 character edited.
    let bad = offline.join("bad-leaf.json");
    tamper_proof_file(&incl, &bad, |v| &mut v["leaf_data_b64"]);
    let o = verify_proof_offline(&bad, &key);
    assert_eq!(o.code, 2, "edited leaf data: {o:?}");
    assert!(o.stdout.contains("inclusion proof FAILED"), "{o:?}");
    let bad = offline.join("bad-incl-hash.json");
    tamper_proof_file(&incl, &bad, |v| &mut v["proof"][0]);
    let o = verify_proof_offline(&bad, &key);
    assert_eq!(o.code, 2, "edited inclusion proof hash: {o:?}");
    let bad = offline.join("bad-cons-hash.json");
    tamper_proof_file(&cons, &bad, |v| &mut v["proof"][0]);
    let o = verify_proof_offline(&bad, &key);
    assert_eq!(o.code, 2, "edited consistency proof hash: {o:?}");
    assert!(o.stdout.contains("consistency proof FAILED"), "{o:?}");
    // The untouched originals still verify: the edit was the cause.
    for f in [&incl, &cons] {
        assert_eq!(verify_proof_offline(f, &key).code, 0);
    }
}

fn facilities(data: &Path) -> Vec<Value> {
    ok_json(data, &["facilities", "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn held_at(data: &Path, at: &str) -> Vec<String> {
    ok_json(data, &["people", "--at", at, "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "held")
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

fn handover(data: &Path, person: &str, from: &str, to: &str, extra: &[&str]) -> Out {
    let mut args = vec![
        "handover", "--person", person, "--from", from, "--to", to, "--reason", "e2e",
    ];
    args.extend_from_slice(extra);
    run_as(data, Some("officer"), &args)
}

/// Test 5: Handover: success, then a wrong `--from` that writes nothing.
#[test]
fn handover_rules() {
    let d = demo("0.05");
    let people = held_at(&d.data, "IQ-NSR");
    assert!(people.len() >= 2);
    let person = &people[0];
    let to = facilities(&d.data)
        .into_iter()
        .find(|f| {
            f["id"] != "IQ-NSR"
                && f["occupancy"].as_u64() < f["capacity"].as_u64()
                && f["categories"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c == "adult_male")
        })
        .expect("a facility with room")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = head_size(&d.data);
    let o = handover(&d.data, person, "IQ-NSR", &to, &["--json"]).ok();
    let r = o.json();
    assert_eq!(r["event"].as_u64(), Some(before));
    assert_eq!(r["tree_size"].as_u64(), Some(before + 1));
    assert_eq!(head_size(&d.data), before + 1);
    let shown = ok_json(&d.data, &["person", "show", person, "--json"]);
    assert_eq!(shown["now"]["custodian"], to.as_str());
    assert_eq!(shown["now"]["status"], "held");
    let last = shown["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["seq"].as_u64(), Some(before));
    assert_eq!(event_type(&last), "custody_handed_over");
    assert_eq!(event_body(&last)["from"], "IQ-NSR");
    assert_eq!(event_body(&last)["to"], to.as_str());
    assert_eq!(event_body(&last)["reason"], "e2e");
    assert_eq!(last["actor"]["user"], "officer");
    assert!(held_at(&d.data, &to).contains(person));

    // Wrong --from: the person is no longer at IQ-NSR.
    let size = head_size(&d.data);
    let o = handover(&d.data, person, "IQ-NSR", "IQ-BGD", &[]);
    assert_eq!(o.code, 1, "{o:?}");
    for needle in [person.as_str(), "IQ-NSR", "handover-from-current-custodian"] {
        assert!(o.stderr.contains(needle), "stderr names {needle}: {o:?}");
    }
    assert!(o.stdout.is_empty(), "{o:?}");
    assert_eq!(head_size(&d.data), size, "nothing written");
    let shown = ok_json(&d.data, &["person", "show", person, "--json"]);
    assert_eq!(shown["now"]["custodian"], to.as_str());
    assert_eq!(verify_json(&d.data).0, 0);
}

/// Test 5 (capacity): Fill the facility with least room by handovers, then one
/// more is refused unless overridden with a reason.
#[test]
fn handover_into_full_facility_needs_override() {
    let d = demo("0.01");
    let source = "IQ-NSR";
    let mut people = held_at(&d.data, source);
    let target = facilities(&d.data)
        .into_iter()
        .filter(|f| {
            f["id"] != source
                && f["categories"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c == "adult_male")
        })
        .min_by_key(|f| f["capacity"].as_u64().unwrap() - f["occupancy"].as_u64().unwrap())
        .unwrap();
    let to = target["id"].as_str().unwrap().to_string();
    let room =
        (target["capacity"].as_u64().unwrap() - target["occupancy"].as_u64().unwrap()) as usize;
    assert!(
        people.len() >= room + 2,
        "{} people at {source}, {room} places at {to}",
        people.len()
    );
    for p in people.drain(..room) {
        handover(&d.data, &p, source, &to, &[]).ok();
    }
    let full = facilities(&d.data)
        .into_iter()
        .find(|f| f["id"] == to.as_str())
        .unwrap();
    assert_eq!(full["occupancy"], full["capacity"], "{to} is full");
    let size = head_size(&d.data);
    let o = handover(&d.data, &people[0], source, &to, &[]);
    assert_eq!(o.code, 1, "{o:?}");
    for needle in ["facility-capacity", to.as_str(), people[0].as_str()] {
        assert!(o.stderr.contains(needle), "stderr names {needle}: {o:?}");
    }
    assert_eq!(head_size(&d.data), size, "nothing written");
    // An empty reason is no override.
    let o = handover(
        &d.data,
        &people[0],
        source,
        &to,
        &["--override-capacity", " "],
    );
    assert_eq!(o.code, 1, "{o:?}");
    assert!(o.stderr.contains("facility-capacity"), "{o:?}");
    handover(
        &d.data,
        &people[0],
        source,
        &to,
        &["--override-capacity", "emergency: flooding at origin"],
    )
    .ok();
    assert_eq!(head_size(&d.data), size + 1);
    let f = facilities(&d.data)
        .into_iter()
        .find(|f| f["id"] == to.as_str())
        .unwrap();
    assert_eq!(
        f["occupancy"].as_u64().unwrap(),
        f["capacity"].as_u64().unwrap() + 1
    );
    assert_eq!(verify_json(&d.data).0, 0);
}

/// Test 6: `person show` writes the access log; an unknown id is an error.
#[test]
fn person_show_writes_access_log() {
    let d = demo("0.05");
    let id = &demo_person(42);
    let log_rows = |data: &Path| -> u64 {
        count(
            &Connection::open(db_path(data)).unwrap(),
            "SELECT count(*) FROM access_log",
        )
    };
    let before = log_rows(&d.data);
    let size = head_size(&d.data);
    for _ in 0..2 {
        let o = run_as(&d.data, Some("alice"), &["person", "show", id]).ok();
        assert!(o.stdout.starts_with(id), "{o:?}");
        assert!(o.stdout.contains("recorded in the access log"), "{o:?}");
    }
    let c = Connection::open(db_path(&d.data)).unwrap();
    let rows: Vec<(String, String, String, String)> = c
        .prepare("SELECT user, action, subject, at FROM access_log ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(c);
    let alice: Vec<_> = rows.iter().filter(|r| r.0 == "alice").collect();
    assert_eq!(alice.len(), 2, "{rows:?}");
    assert_eq!(rows.len() as u64, before + 2);
    for r in alice {
        assert_eq!(r.1, "person.show");
        assert_eq!(&r.2, id);
        assert!(!r.3.is_empty());
    }
    assert_eq!(
        head_size(&d.data),
        size + 2,
        "each read commits its access record with one signed event"
    );

    let o = run_as(
        &d.data,
        Some("alice"),
        &["person", "show", &demo_person(9999999)],
    );
    assert_eq!(o.code, 1, "{o:?}");
    assert!(o.stderr.contains(&demo_person(9999999)), "{o:?}");
    assert_eq!(
        log_rows(&d.data),
        before + 2,
        "no access row for an unknown id"
    );
}

/// Test 7: Backups taken while another process appends restore and verify.
#[test]
fn backup_while_appending_restores_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut child = rollcall()
        .arg("--data")
        .arg(&data)
        .args(["--print-acks", "demo", "--seed", "1", "--scale", "0.3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map(Result::unwrap)
            .filter(|l| l.starts_with("ack "))
            .count()
    });
    // Wait until `init` inside the demo has written its settings (a backup
    // taken before that would find no ledger, which is not what is tested).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "demo never initialised");
        assert!(
            child.try_wait().unwrap().is_none(),
            "demo ended before any backup"
        );
        let ready =
            Connection::open_with_flags(db_path(&data), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .ok()
                .and_then(|c| {
                    c.busy_timeout(Duration::from_secs(5)).ok()?;
                    c.query_row(
                        "SELECT count(*) FROM projection WHERE tbl='custodian'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                    .ok()
                })
                .is_some_and(|n| n > 0);
        if ready {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut backups = Vec::new();
    let mut failures = Vec::new();
    let mut while_running = 0;
    while child.try_wait().unwrap().is_none() && backups.len() < 400 && Instant::now() < deadline {
        let f = tmp.path().join(format!("backup-{}.db", backups.len()));
        let o = run(&data, &["backup", "--out", s(&f)]);
        let still = child.try_wait().unwrap().is_none();
        if o.code != 0 {
            failures.push(o);
            continue;
        }
        if still {
            while_running += 1;
        }
        backups.push(f);
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = child.wait().unwrap();
    let acks = reader.join().unwrap();
    assert!(status.success(), "demo finished: {status:?}");
    assert!(acks >= 1);
    assert!(
        while_running >= 3,
        "only {while_running} backups completed while the demo was appending"
    );
    let final_size = head_size(&data);
    // One more once the appender is done: it holds the whole ledger.
    let last = tmp.path().join("backup-final.db");
    run(&data, &["backup", "--out", s(&last)]).ok();
    backups.push(last);
    let signed = signed_sizes(&data);
    let orig = Connection::open(db_path(&data)).unwrap();
    let mut sizes = Vec::new();
    for (i, f) in backups.iter().enumerate() {
        let restored = tmp.path().join(format!("restored-{i}"));
        let o = run(&restored, &["restore", s(f)]).ok();
        assert!(o.stdout.contains("verify passed"), "{o:?}");
        assert!(!restored.join("node.key").exists());
        let (code, v) = verify_json(&restored);
        assert_eq!(code, 0, "backup {i} verifies: {v:#}");
        let st = ok_json(&restored, &["status", "--json"]);
        let size = st["ledger_size"].as_u64().expect("ledger_size");
        assert!(size <= final_size, "{size} vs {final_size}");
        assert_eq!(v["events"].as_u64(), Some(size));
        if size == 0 {
            // Taken before the demo's first commit: an empty, valid ledger.
            let h = run(&restored, &["head", "--json"]);
            assert_eq!(h.code, 1, "{h:?}");
            assert!(h.stderr.contains("empty"), "{h:?}");
        } else {
            let h = ok_json(&restored, &["head", "--json"]);
            assert_eq!(h["size"].as_u64(), Some(size));
            assert!(
                signed.contains(&size),
                "backup head {size} was signed by the original"
            );
            let note: String = orig
                .query_row(
                    "SELECT note FROM checkpoints WHERE size=?1",
                    [size as i64],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(h["note"].as_str(), Some(note.as_str()), "same signed head");
        }
        // A restored copy holds no key: it cannot append.
        let o = run(
            &restored,
            &[
                "handover",
                "--person",
                &demo_person(1),
                "--from",
                "x",
                "--to",
                "y",
            ],
        );
        assert_eq!(o.code, 1);
        sizes.push(size);
    }
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");
    assert_eq!(sizes.last(), Some(&final_size));
    eprintln!(
        "{} backups ({while_running} while appending), sizes {sizes:?}, final {final_size}, {acks} commits",
        backups.len()
    );
    // Every backup taken while the other process appended must succeed.
    assert!(
        failures.is_empty(),
        "{} of {} backups taken during appends failed, first: {:?}",
        failures.len(),
        failures.len() + backups.len(),
        failures[0]
    );
}

/// Test 7 (key): `node.key` is 0600 and never printed.
#[test]
fn signing_key_is_private_and_never_printed() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let mut outs = vec![run(&a, &["init"]).ok()];
    outs.push(run(&b, &["demo", "--scale", "0.02"]).ok());
    for data in [&a, &b] {
        outs.push(run(data, &["status"]).ok());
        outs.push(run(data, &["status", "--json"]).ok());
        let mode = std::fs::metadata(data.join("node.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{}", data.display());
    }
    outs.push(run(&b, &["head"]).ok());
    outs.push(run(&b, &["head", "--json"]).ok());
    outs.push(run(&b, &["head", "--all"]).ok());
    for data in [&a, &b] {
        let key = std::fs::read_to_string(data.join("node.key")).unwrap();
        let key = key.trim();
        // PRIVATE+KEY+<name>+<keyid>+<base64 seed>; base64 may hold '+'.
        assert!(key.starts_with("PRIVATE+KEY+"), "key file format");
        let secret = key.splitn(5, '+').nth(4).unwrap();
        assert!(secret.len() >= 40, "{}", secret.len());
        let public = std::fs::read_to_string(data.join("node.pub")).unwrap();
        assert!(!public.contains(secret));
        for o in &outs {
            for text in [&o.stdout, &o.stderr] {
                assert!(!text.contains(key), "key printed: {o:?}");
                assert!(!text.contains(secret), "key material printed: {o:?}");
            }
        }
    }
    // init does print the public verifier key.
    let public = std::fs::read_to_string(a.join("node.pub")).unwrap();
    assert!(outs[0].stdout.contains(public.trim()));
}

/// Test 8: `import roster`: rows registered at the facility; a second
/// import of the same file registers nobody.
#[test]
fn import_roster_registers_once() {
    let d = demo("0.05");
    let roster = d.tmp.path().join("roster-e2e.csv");
    std::fs::write(
        &roster,
        "record_id,full_name,given_name,father_name,grandfather_name,family_name,mother_name,birth_date,birth_place,sex,nationality,document_type,document_number,source\n\
         E2E-1,Omar Khalid al-Test,Omar,Khalid,Yusuf,al-Test,Mariam,1988-03-14,Mosul,M,IRQ,id_card,IQ-123456,e2e-roster\n\
         E2E-2,Jean Dupont,Jean,,,Dupont,,1990,Lyon,male,FRA,passport,FR-998877,e2e-roster\n\
         E2E-3,Ali Hassan,Ali,Hassan,,,,,,m,SYR;TUR,,,e2e-roster\n",
    )
    .unwrap();
    let before = ok_json(&d.data, &["status", "--json"]);
    let reg0 = before["registered"].as_u64().unwrap();
    let occ0 = before["by_facility"]["SY-HSK"]["occupancy"]
        .as_u64()
        .unwrap();
    let fra0 = before["by_nationality"]["FRA"].as_u64().unwrap_or(0);
    let r = ok_json(
        &d.data,
        &[
            "import",
            "roster",
            s(&roster),
            "--facility",
            "SY-HSK",
            "--json",
        ],
    );
    assert_eq!(r["registered"], 3, "{r:#}");
    assert_eq!(r["quarantined"], 0);
    let first = demo_person(reg0 + 1);
    assert_eq!(r["first_person"], first.as_str());
    let after = ok_json(&d.data, &["status", "--json"]);
    assert_eq!(after["registered"].as_u64(), Some(reg0 + 3));
    assert_eq!(
        after["by_facility"]["SY-HSK"]["occupancy"].as_u64(),
        Some(occ0 + 3)
    );
    assert_eq!(after["by_nationality"]["FRA"].as_u64(), Some(fra0 + 1));
    let shown = ok_json(&d.data, &["person", "show", &first, "--json"]);
    assert_eq!(shown["now"]["custodian"], "SY-HSK");
    assert_eq!(
        shown["now"]["record"]["names"]["full"],
        "Omar Khalid al-Test"
    );
    let size = head_size(&d.data);

    let o = run(
        &d.data,
        &["import", "roster", s(&roster), "--facility", "SY-HSK"],
    );
    assert_eq!(o.code, 1, "{o:?}");
    assert!(o.stderr.contains("nothing was registered"), "{o:?}");
    assert!(o.stderr.contains("E2E-1"), "names the record: {o:?}");
    let again = ok_json(&d.data, &["status", "--json"]);
    assert_eq!(again["registered"].as_u64(), Some(reg0 + 3), "nobody twice");
    assert_eq!(head_size(&d.data), size);
    // With --quarantine every row is set aside and still nobody is registered.
    let q = d.tmp.path().join("quarantine.csv");
    let r = ok_json(
        &d.data,
        &[
            "import",
            "roster",
            s(&roster),
            "--facility",
            "SY-HSK",
            "--quarantine",
            s(&q),
            "--json",
        ],
    );
    assert_eq!(r["registered"], 0, "{r:#}");
    assert_eq!(r["quarantined"], 3);
    assert!(std::fs::read_to_string(&q).unwrap().contains("E2E-3"));
    assert_eq!(head_size(&d.data), size);
    assert_eq!(
        ok_json(&d.data, &["status", "--json"])["registered"].as_u64(),
        Some(reg0 + 3)
    );
    assert_eq!(verify_json(&d.data).0, 0);
}

/// A correction is a new event naming the one it corrects; the corrected
/// event stays as it was, and a correction without a change or a reason is
/// refused with nothing written.
#[test]
fn person_correct_appends_a_correction_and_keeps_the_original() {
    let d = demo("0.01");
    let before = ok_json(&d.data, &["person", "show", &demo_person(1), "--json"]);
    // The registration is named by its identity (origin node and counter),
    // not by its position in this ledger.
    let registration = before["now"]["record_events"][0].clone();
    assert!(registration["origin"].is_string(), "{registration}");
    let registered_seq = before["history"]
        .as_array()
        .expect("history")
        .iter()
        .find(|e| {
            e["counter"] == registration["counter"] && e["actor"]["node"] == registration["origin"]
        })
        .and_then(|e| e["seq"].as_u64())
        .expect("the registration in the history, with its position");
    let size = head_size(&d.data);
    // A risk level the person does not have yet.
    let risk = if before["now"]["record"]["risk"] == "high" {
        "low"
    } else {
        "high"
    };

    let refused = run(
        &d.data,
        &["person", "correct", &demo_person(1), "--reason", "typo"],
    );
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("nothing to correct"), "{refused:?}");
    let refused = run(
        &d.data,
        &[
            "person",
            "correct",
            &demo_person(1),
            "--reason",
            " ",
            "--risk",
            risk,
        ],
    );
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("reason-required"), "{refused:?}");
    let refused = run(
        &d.data,
        &[
            "person",
            "correct",
            &demo_person(1),
            "--reason",
            "x",
            "--birth-date",
            "1990-02-30",
        ],
    );
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("does not exist"), "{refused:?}");
    assert_eq!(head_size(&d.data), size, "refusals write nothing");

    let out = run_as(
        &d.data,
        Some("registrar.a"),
        &[
            "person",
            "correct",
            &demo_person(1),
            "--reason",
            "intake interview",
            "--risk",
            risk,
            "--risk-reason",
            "identified as commander",
            "--biometric-ref",
            "BIO-CORRECTED-1",
            "--separation-groups",
            "SG-X;SG-Y",
            "--json",
        ],
    )
    .ok()
    .json();
    assert_eq!(out["corrects"], registration);
    let after = ok_json(&d.data, &["person", "show", &demo_person(1), "--json"]);
    assert_eq!(after["now"]["record"]["risk"], risk);
    assert_eq!(after["now"]["record"]["biometric_ref"], "BIO-CORRECTED-1");
    assert_eq!(after["now"]["record"]["separation_groups"][1], "SG-Y");
    assert_eq!(
        after["now"]["record_events"].as_array().map(Vec::len),
        Some(2)
    );
    // The registration is still in the history exactly as it was.
    let history = after["history"].as_array().expect("history");
    let original = history
        .iter()
        .find(|e| e["seq"].as_u64() == Some(registered_seq))
        .expect("registration still in history");
    assert_eq!(
        original,
        before["history"]
            .as_array()
            .expect("history")
            .iter()
            .find(|e| e["seq"].as_u64() == Some(registered_seq))
            .expect("registration")
    );
    let (code, _) = verify_json(&d.data);
    assert_eq!(code, 0);
}
