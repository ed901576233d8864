//! `rollcall plan` end to end: the reference instance is planned and the
//! plan file holds what the command printed; an infeasible instance fails
//! naming the person and the rule; an existing `--out` is refused.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_rollcall");

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("rollcall runs")
}

#[test]
fn plans_the_reference_instance_and_explains_no_plan() {
    let dir = tempfile::tempdir().unwrap();
    let inst = dir.path().join("i.json");
    let plan = dir.path().join("p.json");
    let i = inst.to_str().unwrap();
    let p = plan.to_str().unwrap();
    let out = run(&["plan-instance", "--scale", "0.2", "--out", i]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["plan", "--input", i, "--out", p, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(summary["days"], written["days"]);
    assert!(written["days"].as_u64() >= written["lower_bound_days"].as_u64());
    let moved: usize = written["movements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["people"].as_array().unwrap().len())
        .sum();
    assert_eq!(moved, 1_400);
    // The plan file is not overwritten.
    let again = run(&["plan", "--input", i, "--out", p]);
    assert_eq!(again.status.code(), Some(1));

    // A woman no destination accepts: no plan, and she is named.
    let mut instance: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&inst).unwrap()).unwrap();
    instance["people"][0]["sex"] = "F".into();
    let id = instance["people"][0]["id"].as_str().unwrap().to_string();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, instance.to_string()).unwrap();
    let none = dir.path().join("none.json");
    let out = run(&[
        "plan",
        "--input",
        bad.to_str().unwrap(),
        "--out",
        none.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("facility-category") && err.contains(&id),
        "{err}"
    );
    assert!(!none.exists(), "no plan file is left behind");
}
