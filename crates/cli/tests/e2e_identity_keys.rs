//! End-to-end, through the real binary: ids minted by a node carry its code
//! and are disjoint across nodes; ids are checked and kept in separate
//! namespaces (probe row 14); handover signatures count only by officer keys
//! registered for each side's custodian (probe row 15).

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_rollcall");

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(data: &Path, args: &[&str]) -> Out {
    let o = Command::new(BIN)
        .arg("--data")
        .arg(data)
        .args(args)
        .env("ROLLCALL_USER", "tester")
        .output()
        .expect("run rollcall");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn ok(data: &Path, args: &[&str]) -> String {
    let o = run(data, args);
    assert_eq!(o.code, 0, "{args:?} failed: {}", o.stderr);
    o.stdout
}

fn refused(data: &Path, args: &[&str], says: &str) {
    let o = run(data, args);
    assert_ne!(o.code, 0, "{args:?} was accepted: {}", o.stdout);
    assert!(
        o.stderr.contains(says),
        "{args:?}: expected {says:?} in {}",
        o.stderr
    );
}

fn size(data: &Path) -> u64 {
    let v: serde_json::Value = serde_json::from_str(&ok(data, &["head", "--json"])).unwrap();
    v["size"].as_u64().unwrap()
}

fn add_facility(data: &Path, id: &str) -> Out {
    run(
        data,
        &[
            "facility",
            "add",
            "--id",
            id,
            "--name",
            "Test facility",
            "--authority",
            "Ministry of Justice",
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
        ],
    )
}

fn node(tmp: &Path, name: &str) -> PathBuf {
    let data = tmp.join(name);
    ok(&data, &["init", "--name", name]);
    for f in ["IQ-AAA", "IQ-BBB"] {
        let o = add_facility(&data, f);
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    data
}

const HEADER: &str = "record_id,full_name,given_name,father_name,grandfather_name,family_name,\
mother_name,birth_date,birth_place,sex,nationality,document_type,document_number,source";

fn roster(dir: &Path, n: usize) -> PathBuf {
    let mut s = format!("{HEADER}\n");
    for i in 1..=n {
        s.push_str(&format!(
            "R{i},Person {i},Person,Father,,Family {i},,1990-01-02,Mosul,M,IQ,passport,N{i},roster-1\n"
        ));
    }
    let path = dir.join("roster.csv");
    std::fs::write(&path, s).unwrap();
    path
}

fn people_at(data: &Path, facility: &str) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&ok(data, &["people", "--at", facility, "--json"])).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn two_nodes_importing_the_same_roster_mint_disjoint_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let file = roster(tmp.path(), 5);
    let north = node(tmp.path(), "north");
    let south = node(tmp.path(), "south1");
    let mut minted = Vec::new();
    for (data, code) in [(&north, "NORTH"), (&south, "SOUTH1")] {
        ok(
            data,
            &[
                "import",
                "roster",
                file.to_str().unwrap(),
                "--facility",
                "IQ-AAA",
            ],
        );
        let ids = people_at(data, "IQ-AAA");
        assert_eq!(ids.len(), 5);
        for id in &ids {
            assert!(id.starts_with(&format!("P-{code}-")), "{id}");
        }
        minted.push(ids);
    }
    assert!(minted[0].iter().all(|id| !minted[1].contains(id)));
    // A movement created without --id takes the node's code too.
    let at =
        &(rollcall_core::Timestamp::now() + std::time::Duration::from_secs(86_400)).to_string();
    let out = ok(
        &north,
        &[
            "movement",
            "create",
            "--mode",
            "land",
            "--from",
            "IQ-AAA",
            "--to",
            "IQ-BBB",
            "--at",
            at,
            "--vehicles",
            "bus:10",
            "--people",
            &minted[0][0],
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["id"].as_str(), Some("MV-NORTH-0001"), "{out}");
}

#[test]
fn ids_are_checked_and_namespaces_kept_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let data = node(tmp.path(), "ns");
    let before = size(&data);
    for bad in [
        "",
        "MV-0062",
        "mv-0062",
        "P-1",
        "XX-\u{202e}GBD-QI",
        "X'); DROP TABLE events;--",
        "A\nB",
        "released",
    ] {
        let o = add_facility(&data, bad);
        assert_ne!(o.code, 0, "facility id {bad:?} was accepted");
        assert!(o.stderr.contains("id"), "{bad:?}: {}", o.stderr);
    }
    refused(
        &data,
        &[
            "movement",
            "create",
            "--id",
            "MV-X\nMV-Y",
            "--mode",
            "land",
            "--from",
            "IQ-AAA",
            "--to",
            "IQ-BBB",
            "--at",
            "2030-01-01T00:00:00Z",
            "--vehicles",
            "bus:10",
            "--people",
            "P-NS-000001",
        ],
        "--id",
    );
    refused(&data, &["init", "--name", "a b"], "--name");
    assert_eq!(size(&data), before, "nothing refused was written");
    assert_ne!(
        run(
            &tmp.path().join("bad-name"),
            &["init", "--name", "no/slash"]
        )
        .code,
        0
    );
}

#[test]
fn handover_signatures_count_only_by_registered_keys_of_each_side() {
    let tmp = tempfile::tempdir().unwrap();
    let data = node(tmp.path(), "keys");
    let file = roster(tmp.path(), 2);
    ok(
        &data,
        &[
            "import",
            "roster",
            file.to_str().unwrap(),
            "--facility",
            "IQ-AAA",
        ],
    );
    let person = people_at(&data, "IQ-AAA")[0].clone();
    let key = |name: &str| {
        let path = tmp.path().join(format!("{name}.key"));
        let verifier = ok(
            &data,
            &["keygen", "--name", name, "--out", path.to_str().unwrap()],
        );
        (path, verifier.trim().to_string())
    };
    let (a, a_pub) = key("officer.a");
    let (b, _) = key("officer.b");
    let handover = |from: &str, to: &str, sign_from: &Path, sign_to: &Path| {
        run(
            &data,
            &[
                "handover",
                "--person",
                &person,
                "--from",
                from,
                "--to",
                to,
                "--sign-from",
                sign_from.to_str().unwrap(),
                "--sign-to",
                sign_to.to_str().unwrap(),
            ],
        )
    };
    let before = size(&data);
    // Probe row 15: any key, even one key for both sides, was accepted.
    let o = handover("IQ-AAA", "IQ-BBB", &a, &a);
    assert_ne!(o.code, 0, "{}", o.stdout);
    assert!(
        o.stderr.contains("not a registered officer key"),
        "{}",
        o.stderr
    );
    ok(
        &data,
        &[
            "officer-key",
            "register",
            "--custodian",
            "IQ-AAA",
            "--key",
            &a_pub,
            "--officer",
            "Officer A",
        ],
    );
    ok(
        &data,
        &[
            "officer-key",
            "register",
            "--custodian",
            "IQ-BBB",
            "--key-file",
            b.to_str().unwrap(),
            "--officer",
            "Officer B",
        ],
    );
    let o = handover("IQ-AAA", "IQ-BBB", &a, &a);
    assert_ne!(o.code, 0, "{}", o.stdout);
    assert!(o.stderr.contains("same key"), "{}", o.stderr);
    // The sides swapped: each key is registered for the other custodian.
    let o = handover("IQ-AAA", "IQ-BBB", &b, &a);
    assert_ne!(o.code, 0, "{}", o.stdout);
    assert!(o.stderr.contains("is registered for"), "{}", o.stderr);
    assert_eq!(
        size(&data),
        before + 2,
        "only the two registrations were written"
    );
    let o = handover("IQ-AAA", "IQ-BBB", &a, &b);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("2 signature(s)"), "{}", o.stdout);
    // A revoked key no longer counts.
    ok(
        &data,
        &[
            "officer-key",
            "revoke",
            "--custodian",
            "IQ-AAA",
            "--key",
            &a_pub,
            "--reason",
            "tablet lost",
        ],
    );
    let list = ok(&data, &["officer-key", "list", "--json"]);
    let keys: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(keys.as_array().map(Vec::len), Some(2));
    let o = handover("IQ-BBB", "IQ-AAA", &b, &a);
    assert_ne!(o.code, 0, "{}", o.stdout);
    assert!(o.stderr.contains("was revoked"), "{}", o.stderr);
    let v = run(&data, &["verify"]);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
}
