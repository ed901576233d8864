//! End-to-end tests of the read path and of what `verify` can be trusted
//! with, through the real binary:
//!
//! * every command that prints personal data leaves an access record for
//!   each person it shows;
//! * a tamper suite: truncation and rollback (caught by `verify --since`), a
//!   fork to the same size, a ledger re-signed with a new key (caught by
//!   `verify --key`), edited and deleted access records, dropped triggers,
//!   an edited projection row followed by an append;
//! * `rebuild` in a loop while two writers hand people over.
//!
//! Every test works in its own temporary directory.

use rusqlite::Connection;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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
    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
}

fn run(data: &Path, args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .env_remove("ROLLCALL_DATA")
        .env("ROLLCALL_USER", "reader")
        .stdin(Stdio::null())
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .expect("run rollcall");
    Out {
        code: o.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

struct Demo {
    tmp: TempDir,
    data: PathBuf,
}

fn demo() -> Demo {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    run(&data, &["demo", "--seed", "1", "--scale", "0.05"]).ok();
    Demo { tmp, data }
}

fn db(data: &Path) -> Connection {
    Connection::open(data.join("rollcall.db")).expect("open db")
}

/// The store as an attacker with file access sees it: the triggers dropped.
fn attacker(data: &Path) -> Connection {
    let c = db(data);
    let names: Vec<String> = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for n in names {
        c.execute_batch(&format!("DROP TRIGGER \"{n}\"")).unwrap();
    }
    c
}

fn count(c: &Connection, sql: &str) -> u64 {
    c.query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql) as u64
}

fn head_size(data: &Path) -> u64 {
    run(data, &["head", "--json"]).ok().json()["size"]
        .as_u64()
        .expect("size")
}

/// `verify --json` plus options: the exit code and the problems as text.
fn verify(data: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["verify", "--json"];
    args.extend_from_slice(extra);
    let o = run(data, &args);
    assert!(o.code == 0 || o.code == 2, "verify errored: {o:?}");
    (o.code, o.json())
}

#[track_caller]
fn assert_fails_naming(v: &(i32, Value), kind: &str, words: &[&str]) {
    assert_eq!(v.0, 2, "verify must fail: {:#}", v.1);
    let problems = v.1["problems"].as_array().expect("problems");
    assert!(
        problems.iter().any(|p| p["kind"] == kind
            && words.iter().all(|w| {
                p["detail"].as_str().unwrap_or("").contains(w) || p["at"].as_str() == Some(w)
            })),
        "no {kind} problem naming {words:?}: {:#}",
        v.1
    );
}

/// Access records written since `from_id`: (action, subject).
fn records_since(data: &Path, from_id: u64) -> Vec<(String, String)> {
    db(data)
        .prepare("SELECT action, subject FROM access_log WHERE id >= ?1 ORDER BY id")
        .unwrap()
        .query_map([from_id as i64], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn next_access_id(data: &Path) -> u64 {
    count(&db(data), "SELECT coalesce(max(id) + 1, 0) FROM access_log")
}

/// Every person id (`P-`, the node's code, `-`, digits: `P-DEMO-000012`) in `text`.
fn person_ids(text: &str) -> BTreeSet<String> {
    let b = text.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i + 2 < b.len() {
        if &b[i..i + 2] == b"P-" && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let end = (i + 2..b.len())
                .find(|&j| !(b[j].is_ascii_alphanumeric() || b[j] == b'-'))
                .unwrap_or(b.len());
            if end > i + 2 && b[end - 1].is_ascii_digit() {
                out.insert(text[i..end].to_string());
            }
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Runs `args`, and checks that every person it shows (in stdout, or in the
/// file `shown_in`) has an access record for `action` written by this run.
#[track_caller]
fn assert_each_person_shown_is_recorded(
    data: &Path,
    args: &[&str],
    action: &str,
    shown_in: Option<&Path>,
) -> BTreeSet<String> {
    let from = next_access_id(data);
    let o = run(data, args).ok();
    let text = match shown_in {
        Some(f) => std::fs::read_to_string(f).expect("output file"),
        None => o.stdout.clone(),
    };
    let shown = person_ids(&text);
    assert!(!shown.is_empty(), "{args:?} showed nobody: {o:?}");
    let recorded: BTreeSet<String> = records_since(data, from)
        .into_iter()
        .filter(|(a, _)| a == action)
        .map(|(_, s)| s)
        .collect();
    let missing: Vec<&String> = shown.difference(&recorded).collect();
    assert!(
        missing.is_empty(),
        "{args:?} showed {missing:?} without an access record ({action})"
    );
    shown
}

// ------------------------------------------------------------------ reads --

#[test]
fn every_command_that_prints_personal_data_records_each_person_shown() {
    let d = demo();
    let data = &d.data;
    // A person's report: their record, and — because its JSON carries whole
    // events with their proofs — the ids of everyone those events name (a
    // manifest, a boarded list), each recorded as named in the history.
    let from = next_access_id(data);
    let out = run(data, &["person", "show", "P-DEMO-000004", "--json"]).ok();
    assert_eq!(out.json()["person"], "P-DEMO-000004");
    let records = records_since(data, from);
    assert_eq!(
        records[0],
        ("person.show".to_string(), "P-DEMO-000004".to_string())
    );
    assert!(
        records[1..]
            .iter()
            .all(|(a, s)| a == "person.show.named" && s != "P-DEMO-000004"),
        "{records:?}"
    );
    let shown = person_ids(&out.stdout);
    assert!(shown.len() > 1, "the history names others: {shown:?}");
    let recorded: BTreeSet<String> = records.into_iter().map(|(_, s)| s).collect();
    let missing: Vec<&String> = shown.difference(&recorded).collect();
    assert!(
        missing.is_empty(),
        "shown without an access record: {missing:?}"
    );
    // The text names nobody else: only the person is recorded.
    let from = next_access_id(data);
    let text = run(data, &["person", "show", "P-DEMO-000005"]).ok();
    assert_eq!(
        person_ids(&text.stdout).into_iter().collect::<Vec<_>>(),
        ["P-DEMO-000005"]
    );
    assert_eq!(
        records_since(data, from),
        [("person.show".to_string(), "P-DEMO-000005".to_string())]
    );
    assert_each_person_shown_is_recorded(
        data,
        &["people", "--at", "SY-SDD", "--json"],
        "people.list",
        None,
    );
    // A page lists, and records, only its own people; the next page starts
    // after its last id and repeats none of them.
    let page = |after: Option<&str>| -> Vec<String> {
        let mut args = vec![
            "people",
            "--at",
            "IQ-MSL",
            "--nationality",
            "SY",
            "--limit",
            "3",
            "--json",
        ];
        if let Some(a) = after {
            args.extend(["--after", a]);
        }
        let from = next_access_id(data);
        let out = run(data, &args).ok();
        let ids: Vec<String> = out
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert_eq!(p["custodian"], "IQ-MSL");
                assert_eq!(p["nationality"], "SYR");
                p["id"].as_str().unwrap().to_string()
            })
            .collect();
        let recorded: Vec<String> = records_since(data, from)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(recorded, ids, "a page records exactly the people it lists");
        ids
    };
    let first = page(None);
    assert_eq!(first.len(), 3);
    let second = page(Some(&first[2]));
    assert!(!second.is_empty());
    assert!(
        second.iter().all(|p| p > &first[2]),
        "{first:?} then {second:?}"
    );
    // The leaf data of an inclusion proof is the event: a registration is a
    // person's whole record (probe row 4).
    let reg = db(data)
        .query_row(
            "SELECT json_extract(value, '$.history[0]') FROM projection WHERE tbl = 'custody' AND key = 'P-DEMO-000022'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    let from = next_access_id(data);
    let proof = run(data, &["prove", "inclusion", &reg.to_string()]).ok();
    let leaf: Value = serde_json::from_str(&proof.stdout).unwrap();
    assert!(leaf["leaf_data_b64"].is_string());
    assert_eq!(
        records_since(data, from),
        [("prove.inclusion".to_string(), "P-DEMO-000022".to_string())]
    );
    // A proof file that cannot be written is never recorded as read.
    let taken = d.tmp.path().join("taken.json");
    std::fs::write(&taken, "x").unwrap();
    let before = next_access_id(data);
    let o = run(
        data,
        &["prove", "inclusion", &reg.to_string(), "--out", s(&taken)],
    );
    assert_ne!(o.code, 0, "{o:?}");
    assert_eq!(next_access_id(data), before);
    assert_eq!(
        std::fs::read_to_string(&taken).unwrap(),
        "x",
        "never overwritten"
    );
    // Escort records: show, and the --json of update and confirm (probe row 18).
    let mv = "MV-DEMO-0015";
    // A movement's record names everyone on it; its text gives figures only.
    let from = next_access_id(data);
    let text = run(data, &["movement", "show", mv]).ok();
    assert!(person_ids(&text.stdout).is_empty(), "{text:?}");
    assert_eq!(next_access_id(data), from, "figures are not a read");
    let on: Vec<String> = assert_each_person_shown_is_recorded(
        data,
        &["movement", "show", mv, "--json"],
        "movement.show",
        None,
    )
    .into_iter()
    .collect();
    let two = format!("{},{}", on[0], on[1]);
    for args in [
        vec![
            "escort-record",
            "show",
            "--movement",
            mv,
            "--people",
            &two,
            "--json",
        ],
        vec![
            "escort-record",
            "update",
            "--movement",
            mv,
            "--people",
            &two,
            "--medical-needs",
            "none",
            "--json",
        ],
    ] {
        let shown = assert_each_person_shown_is_recorded(data, &args, "escort-record.show", None);
        assert_eq!(shown.len(), 2, "{args:?}");
    }
    // The manifest: every person on it, recorded once the file is claimed.
    let out = d.tmp.path().join("m.csv");
    let shown = assert_each_person_shown_is_recorded(
        data,
        &[
            "movement",
            "manifest",
            mv,
            "--format",
            "csv",
            "--out",
            s(&out),
        ],
        "movement.manifest",
        Some(&out),
    );
    assert_eq!(shown.len(), on.len());
    // Refused output (the file exists): nothing recorded (probe row 26).
    let before = next_access_id(data);
    let o = run(
        data,
        &[
            "movement",
            "manifest",
            mv,
            "--format",
            "csv",
            "--out",
            s(&out),
        ],
    );
    assert_ne!(o.code, 0);
    assert_eq!(
        next_access_id(data),
        before,
        "no record for an unwritten manifest"
    );
    // Discrepancies that name people: arrive one short of the boarded list.
    let boarded: Vec<String> = run(data, &["movement", "show", "MV-DEMO-0013", "--json"])
        .ok()
        .json()["boarded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    run(
        data,
        &[
            "movement",
            "arrive",
            "MV-DEMO-0013",
            "--admitted",
            &boarded[1..].join(","),
        ],
    )
    .ok();
    let shown = assert_each_person_shown_is_recorded(
        data,
        &["discrepancies", "--open", "--json"],
        "discrepancies.list",
        None,
    );
    assert!(shown.contains(&boarded[0]), "{shown:?}");
    // Resolving it prints the record, with the person it names.
    let open = run(data, &["discrepancies", "--open", "--json"])
        .ok()
        .json();
    let naming = open
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["persons"]
                .as_array()
                .is_some_and(|p| p.contains(&Value::from(boarded[0].clone())))
        })
        .expect("a discrepancy naming the missing person");
    let shown = assert_each_person_shown_is_recorded(
        data,
        &[
            "discrepancy",
            "resolve",
            naming["id"].as_str().unwrap(),
            "--reason",
            "found at the destination",
            "--json",
        ],
        "discrepancies.list",
        None,
    );
    assert!(shown.contains(&boarded[0]), "{shown:?}");
    // `audit` shows the log, and is itself recorded as a read of it.
    let from = next_access_id(data);
    let log = run(data, &["audit", "--json", "--subject", "P-DEMO-000004"])
        .ok()
        .json();
    let log = log.as_array().unwrap();
    assert_eq!(
        log.iter().filter(|r| r["action"] == "person.show").count(),
        1,
        "{log:?}"
    );
    assert_eq!(log[0]["action"], "person.show");
    assert_eq!(log[0]["user"], "reader");
    assert!(
        log[0]["account"].as_str().unwrap().starts_with("uid "),
        "{log:?}"
    );
    assert_eq!(
        records_since(data, from),
        [("audit.read".to_string(), "access-log".to_string())]
    );
    // And all of it verifies: every record committed by a signed event.
    let v = verify(data, &[]);
    assert_eq!(v.0, 0, "{:#}", v.1);
    assert_eq!(v.1["key_source"], "ledger");
    assert_eq!(v.1["access_records"].as_u64(), Some(next_access_id(data)));
}

// ----------------------------------------------------------------- tamper --

#[test]
fn truncation_then_rebuild_passes_plain_verify_but_not_verify_since() {
    let d = demo();
    let data = &d.data;
    // Some signed heads, then transfers the rollback will take away.
    for p in ["P-DEMO-000004", "P-DEMO-000005"] {
        run(data, &["person", "show", p]).ok();
    }
    let cut = head_size(data);
    let moved = held_at_bgd(data, 3);
    for p in &moved {
        run(
            data,
            &[
                "handover", "--person", p, "--from", "IQ-BGD", "--to", "IQ-MSL", "--reason", "t",
            ],
        )
        .ok();
    }
    let remembered = d.tmp.path().join("head.txt");
    std::fs::write(&remembered, run(data, &["head"]).ok().stdout).unwrap();
    let size = head_size(data);
    let all = run(data, &["head", "--all", "--json"]).ok().json();
    let sizes: Vec<u64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["size"].as_u64().unwrap())
        .collect();
    assert!(sizes.contains(&cut) && cut + 3 <= size, "{sizes:?}");
    {
        let c = attacker(data);
        c.execute_batch(&format!(
            "DELETE FROM events WHERE seq >= {cut}; DELETE FROM checkpoints WHERE size > {cut};
             DELETE FROM access_log WHERE committed_by >= {cut}; DELETE FROM tiles;"
        ))
        .unwrap();
    }
    // The tree's tiles go too; `rebuild` writes the truncated tree's tiles.
    run(data, &["rebuild"]).ok();
    // The attacker restores the triggers too (a fresh schema has them).
    restore_triggers(data);
    // A single operator can roll back its own log: plain verify cannot tell.
    let plain = verify(data, &[]);
    assert_eq!(plain.0, 0, "{:#}", plain.1);
    let at_msl = run(data, &["people", "--at", "IQ-MSL", "--json"])
        .ok()
        .stdout;
    assert!(
        moved.iter().all(|p| !at_msl.contains(p.as_str())),
        "the transfers are gone"
    );
    // A monitor's remembered head does.
    let v = verify(data, &["--since", s(&remembered)]);
    assert_fails_naming(&v, "since", &["truncated or rolled back"]);

    // Fork: append until the ledger is the remembered size again.
    while head_size(data) < size {
        run(data, &["person", "show", "P-DEMO-000004"]).ok();
    }
    assert_eq!(head_size(data), size);
    let v = verify(data, &["--since", s(&remembered)]);
    assert_fails_naming(&v, "since", &["fork"]);
    // A consistency proof from the forked head verifies on its own, but not
    // against the head the monitor remembered.
    let older = *sizes.iter().find(|&&h| h > 0 && h < cut).unwrap_or(&cut);
    let proof = d.tmp.path().join("cons.json");
    let key = data.join("node.pub");
    run(
        data,
        &[
            "prove",
            "consistency",
            "--from-size",
            &older.to_string(),
            "--out",
            s(&proof),
        ],
    )
    .ok();
    let remembered_older = d.tmp.path().join("older.txt");
    let note = db(data)
        .query_row(
            &format!("SELECT note FROM checkpoints WHERE size = {older}"),
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    std::fs::write(&remembered_older, note).unwrap();
    let o = run(
        data,
        &[
            "verify-proof",
            s(&proof),
            "--key",
            s(&key),
            "--since",
            s(&remembered_older),
        ],
    );
    assert_eq!(
        o.code, 0,
        "the proof starts from the remembered head: {o:?}"
    );
    let o = run(
        data,
        &[
            "verify-proof",
            s(&proof),
            "--key",
            s(&key),
            "--since",
            s(&remembered),
        ],
    );
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stdout.contains("not from the head you remembered"),
        "{o:?}"
    );
}

/// Recreates the append-only triggers an attacker dropped, so that only the
/// attack itself remains to be found.
fn restore_triggers(data: &Path) {
    db(data)
        .execute_batch(
            "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'rollcall: events are append-only'); END;
             CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'rollcall: events are append-only'); END;
             CREATE TRIGGER events_contiguous BEFORE INSERT ON events WHEN NEW.seq IS NOT (SELECT coalesce(max(seq) + 1, 0) FROM events) BEGIN SELECT RAISE(ABORT, 'rollcall: events must be appended in seq order'); END;
             CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints BEGIN SELECT RAISE(ABORT, 'rollcall: checkpoints are append-only'); END;
             CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'rollcall: checkpoints are append-only'); END;
             CREATE TRIGGER checkpoints_no_replace BEFORE INSERT ON checkpoints WHEN EXISTS (SELECT 1 FROM checkpoints WHERE size = NEW.size) BEGIN SELECT RAISE(ABORT, 'rollcall: checkpoints are never replaced'); END;
             CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log BEGIN SELECT RAISE(ABORT, 'rollcall: the access log is append-only'); END;
             CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT RAISE(ABORT, 'rollcall: the access log is append-only'); END;
             CREATE TRIGGER access_log_contiguous BEFORE INSERT ON access_log WHEN NEW.id IS NOT (SELECT coalesce(max(id) + 1, 0) FROM access_log) BEGIN SELECT RAISE(ABORT, 'rollcall: access records must be appended in order'); END;
             CREATE TRIGGER tiles_no_delete BEFORE DELETE ON tiles BEGIN SELECT RAISE(ABORT, 'rollcall: tiles are append-only'); END;
             CREATE TRIGGER tiles_only_grow BEFORE UPDATE ON tiles WHEN OLD.width >= 256 OR NEW.width <= OLD.width OR NEW.level IS NOT OLD.level OR NEW.idx IS NOT OLD.idx OR substr(NEW.hashes, 1, length(OLD.hashes)) IS NOT OLD.hashes BEGIN SELECT RAISE(ABORT, 'rollcall: a full tile is never rewritten, a partial tile only grows'); END;",
        )
        .unwrap();
}

#[test]
fn a_ledger_resigned_with_a_new_key_is_caught_by_verify_key() {
    let d = demo();
    let data = &d.data;
    let genuine = d.tmp.path().join("genuine.pub");
    std::fs::copy(data.join("node.pub"), &genuine).unwrap();
    // The attacker makes a key of their own under the same name, re-signs
    // every head with it, and records it as the ledger's key.
    let forged_key = d.tmp.path().join("forged.key");
    let key = rollcall_node::keyfile::create_at(&forged_key, "rollcall-demo").unwrap();
    {
        let c = attacker(data);
        let heads: Vec<(i64, String)> = c
            .prepare("SELECT size, note FROM checkpoints ORDER BY size")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (size, note) in heads {
            let body = format!("{}\n", note.split("\n\n").next().unwrap());
            let cp = rollcall_ledger::Checkpoint::parse_body(&body).unwrap();
            let forged = rollcall_ledger::sign_checkpoint(&cp, &key);
            c.execute(
                "UPDATE checkpoints SET note = ?1 WHERE size = ?2",
                rusqlite::params![forged, size],
            )
            .unwrap();
        }
        c.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'verifier'",
            [key.verifier().to_string()],
        )
        .unwrap();
    }
    restore_triggers(data);
    // Without --key, verify passes, and says loudly whose key it trusted.
    let o = run(data, &["verify"]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(o.stdout.contains(&key.verifier().to_string()), "{o:?}");
    assert!(o.stdout.contains("read from the ledger itself"), "{o:?}");
    assert!(o.stderr.contains("WARNING"), "{o:?}");
    // With the genuine key, only that key is trusted.
    let v = verify(data, &["--key", s(&genuine)]);
    assert_fails_naming(&v, "head", &["not the expected"]);
    assert_eq!(v.1["key_source"], "given");
}

#[test]
fn edited_and_deleted_access_records_are_named() {
    let d = demo();
    let data = &d.data;
    for p in ["P-DEMO-000004", "P-DEMO-000005", "P-DEMO-000006"] {
        run(data, &["person", "show", p]).ok();
    }
    let id_of = |subject: &str| -> u64 {
        count(
            &db(data),
            &format!("SELECT id FROM access_log WHERE subject = '{subject}'"),
        )
    };
    let (edited, deleted) = (id_of("P-DEMO-000005"), id_of("P-DEMO-000004"));
    let copy = d.tmp.path().join("copy");
    copy_dir(data, &copy);
    {
        let c = attacker(data);
        c.execute_batch(
            "UPDATE access_log SET user = 'someone-else' WHERE subject = 'P-DEMO-000005'",
        )
        .unwrap();
    }
    restore_triggers(data);
    let v = verify(data, &[]);
    assert_fails_naming(&v, "access", &[&edited.to_string(), "changed"]);
    {
        let c = attacker(&copy);
        c.execute_batch("DELETE FROM access_log WHERE subject = 'P-DEMO-000004'")
            .unwrap();
    }
    restore_triggers(&copy);
    let v = verify(&copy, &[]);
    assert_fails_naming(&v, "access", &[&deleted.to_string(), "missing"]);
}

#[test]
fn the_reason_stated_for_a_read_is_recorded_and_cannot_be_edited() {
    let d = demo();
    let data = &d.data;
    let reason = "request 2026/118 from the investigative committee";
    run(
        data,
        &["--reason", reason, "person", "show", "P-DEMO-000007"],
    )
    .ok();
    run(data, &["person", "show", "P-DEMO-000008"]).ok();
    let log = run(data, &["audit", "--json"]);
    let records: serde_json::Value = serde_json::from_str(&log.stdout).unwrap();
    let of = |subject: &str| {
        records
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["subject"] == subject)
            .cloned()
            .unwrap()
    };
    assert_eq!(of("P-DEMO-000007")["reason"], reason);
    assert!(of("P-DEMO-000008")["reason"].is_null(), "no reason stated");
    let text = run(data, &["audit", "--subject", "P-DEMO-000007"]);
    assert!(text.stdout.contains(reason), "{text:?}");
    // The reason is in the chain: rewriting it is found.
    let edited = of("P-DEMO-000007")["id"].as_u64().unwrap();
    attacker(data)
        .execute_batch(
            "UPDATE access_log SET reason = 'routine check' WHERE subject = 'P-DEMO-000007'",
        )
        .unwrap();
    restore_triggers(data);
    let v = verify(data, &[]);
    assert_fails_naming(&v, "access", &[&edited.to_string(), "changed"]);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn dropped_triggers_are_reported() {
    let d = demo();
    db(&d.data)
        .execute_batch("DROP TRIGGER access_log_no_delete; DROP TRIGGER events_no_update;")
        .unwrap();
    let v = verify(&d.data, &[]);
    assert_fails_naming(&v, "guard", &["access_log_no_delete"]);
    assert_fails_naming(&v, "guard", &["events_no_update"]);
}

#[test]
fn an_edited_projection_row_never_leads_to_a_signed_event_that_does_not_replay() {
    let d = demo();
    let data = &d.data;
    let person = "P-DEMO-000004";
    let held = run(data, &["person", "show", person, "--json"]).ok().json();
    let at = held["now"]["custodian"].as_str().unwrap().to_string();
    let fake = if at == "IQ-NSR" { "IQ-BGD" } else { "IQ-NSR" };
    // Probe row 2: the projection table has no trigger; one edited row goes in.
    let changed = db(data)
        .execute(
            &format!(
                "UPDATE projection SET value = replace(value, '\"custodian\":\"{at}\"', '\"custodian\":\"{fake}\"') \
                 WHERE tbl = 'custody' AND key = '{person}'"
            ),
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let size = head_size_raw(data);
    let o = run(
        data,
        &[
            "handover", "--person", person, "--from", fake, "--to", "SY-HSK", "--reason", "x",
        ],
    );
    assert_ne!(o.code, 0, "{o:?}");
    assert!(o.stderr.contains("rollcall rebuild"), "{o:?}");
    assert_eq!(head_size_raw(data), size, "nothing signed");
    // Reads refuse the forged row too, when they load it; a list through
    // the index that never reads it does not show the person at `fake`.
    let o = run(data, &["person", "show", person]);
    assert_ne!(o.code, 0, "{o:?}");
    assert!(o.stderr.contains("rollcall rebuild"), "{o:?}");
    let o = run(data, &["people", "--at", fake, "--json"]);
    assert!(!o.stdout.contains(person), "{o:?}");
    // Rebuild derives the rows again; the forged handover is refused by rule.
    run(data, &["rebuild"]).ok();
    let o = run(
        data,
        &[
            "handover", "--person", person, "--from", fake, "--to", "SY-HSK", "--reason", "x",
        ],
    );
    assert_ne!(o.code, 0, "{o:?}");
    let v = verify(data, &[]);
    assert_eq!(v.0, 0, "the ledger still verifies: {:#}", v.1);
}

/// Up to `n` people held at IQ-BGD.
fn held_at_bgd(data: &Path, n: usize) -> Vec<String> {
    run(data, &["people", "--at", "IQ-BGD", "--json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "held")
        .map(|p| p["id"].as_str().unwrap().to_string())
        .take(n)
        .collect()
}

fn head_size_raw(data: &Path) -> u64 {
    count(&db(data), "SELECT count(*) FROM events")
}

// ------------------------------------------------------------ concurrency --

#[test]
fn rebuild_in_a_loop_while_two_writers_hand_people_over_loses_nothing() {
    let d = demo();
    let data = d.data.clone();
    let people = held_at_bgd(&data, 16);
    assert!(people.len() >= 8, "{people:?}");
    let (a, b) = people.split_at(people.len() / 2);
    let writer = |mine: Vec<String>, data: PathBuf| {
        std::thread::spawn(move || {
            let mut acknowledged = Vec::new();
            for p in mine {
                for _ in 0..50 {
                    let o = run(
                        &data,
                        &[
                            "handover", "--person", &p, "--from", "IQ-BGD", "--to", "IQ-MSL",
                            "--reason", "c",
                        ],
                    );
                    if o.code == 0 {
                        acknowledged.push(p.clone());
                        break;
                    }
                    if !o.stderr.contains("another writer appended") {
                        break; // refused by a rule (a juvenile, a manifest): never acknowledged
                    }
                }
            }
            acknowledged
        })
    };
    let ta = writer(a.to_vec(), data.clone());
    let tb = writer(b.to_vec(), data.clone());
    let mut rebuilds = 0;
    while !(ta.is_finished() && tb.is_finished()) || rebuilds < 3 {
        run(&data, &["rebuild"]).ok();
        rebuilds += 1;
    }
    let mut acknowledged = ta.join().unwrap();
    acknowledged.extend(tb.join().unwrap());
    assert!(!acknowledged.is_empty());
    let at_msl: BTreeSet<String> = run(&data, &["people", "--at", "IQ-MSL", "--json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    for p in &acknowledged {
        assert!(
            at_msl.contains(p),
            "acknowledged handover of {p} lost after {rebuilds} rebuilds"
        );
    }
    let v = verify(&data, &[]);
    assert_eq!(v.0, 0, "{:#}", v.1);
}
