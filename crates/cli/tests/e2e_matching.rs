//! `rollcall match` and `rollcall dedupe` end to end on noisy generated
//! rosters (Arabic and Latin script, spelling variants, partial dates): the
//! results are scored against the generator's ground truth; a bad row
//! refuses the file naming its line and column and leaves no output; an
//! existing output file is never overwritten.

use rollcall_sim::rosters::{self, Noise, NoisyRow};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_rollcall");

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("rollcall runs")
}

fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(path: &Path, rows: &[NoisyRow]) {
    let mut bytes = Vec::new();
    rosters::write_roster(&mut bytes, rows).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect()
}

fn is_arabic(row: &NoisyRow) -> bool {
    row.cells[1]
        .chars()
        .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

#[test]
fn links_two_rosters_across_scripts_as_the_truth_says() {
    let dir = tempfile::tempdir().unwrap();
    let (left, right) = rosters::linkage(21, 1_500, 1_000, Noise::default());
    let (l, r) = (dir.path().join("left.csv"), dir.path().join("right.csv"));
    write(&l, &left);
    write(&r, &right);
    let pairs = dir.path().join("pairs.csv");
    let review = dir.path().join("review.csv");
    let out = run(&[
        "match",
        l.to_str().unwrap(),
        r.to_str().unwrap(),
        "--out",
        pairs.to_str().unwrap(),
        "--review",
        review.to_str().unwrap(),
        "--json",
    ]);
    ok(&out);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let person_of: HashMap<&str, u32> = left
        .iter()
        .chain(&right)
        .map(|row| (row.cells[0].as_str(), row.person))
        .collect();
    let row_of: HashMap<&str, &NoisyRow> = left
        .iter()
        .chain(&right)
        .map(|row| (row.cells[0].as_str(), row))
        .collect();
    let linked = csv_rows(&pairs);
    assert_eq!(summary["linked"], linked.len());
    let mut right_seen = HashSet::new();
    let mut correct = 0;
    let mut across_scripts = 0;
    for pair in &linked {
        let (a, b, p) = (&pair[0], &pair[1], pair[2].parse::<f64>().unwrap());
        assert!(p >= 0.95, "a pair linked below the threshold: {pair:?}");
        assert!(a.starts_with("L-") && b.starts_with("R-"), "{pair:?}");
        assert!(right_seen.insert(b.clone()), "{b} linked twice");
        if person_of[a.as_str()] == person_of[b.as_str()] {
            correct += 1;
            if is_arabic(row_of[a.as_str()]) != is_arabic(row_of[b.as_str()]) {
                across_scripts += 1;
            }
        }
    }
    let precision = correct as f64 / linked.len() as f64;
    let recall = correct as f64 / 1_000.0;
    assert!(precision >= 0.98, "precision {precision}");
    assert!(recall >= 0.7, "recall {recall}");
    assert!(
        across_scripts >= 100,
        "only {across_scripts} links between Arabic and Latin rows"
    );
    // Every row for review is one no link was made for; its candidates'
    // probabilities (shares of one row's odds) add up to at least the
    // review threshold and at most 1, and none reaches the auto-link one.
    let pending = csv_rows(&review);
    assert!(!pending.is_empty());
    let mut per_row: HashMap<&str, f64> = HashMap::new();
    for pair in &pending {
        assert!(!right_seen.contains(&pair[1]), "{pair:?} is linked too");
        let p = pair[2].parse::<f64>().unwrap();
        assert!(p > 0.0 && p < 0.95, "{pair:?}");
        *per_row.entry(pair[1].as_str()).or_default() += p;
    }
    for (row, total) in &per_row {
        // Printed to four places, so a row's sum may be off by a little.
        assert!((0.4995..=1.001).contains(total), "{row}: {total}");
    }
    assert_eq!(summary["review_pairs"], pending.len());

    // An existing output file is refused before any work, and kept.
    let before = std::fs::read(&pairs).unwrap();
    let again = run(&[
        "match",
        l.to_str().unwrap(),
        r.to_str().unwrap(),
        "--out",
        pairs.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read(&pairs).unwrap(), before);
}

#[test]
fn dedupes_a_roster_into_people_as_the_truth_says() {
    let dir = tempfile::tempdir().unwrap();
    let rows = rosters::dedupe(22, 3_000, Noise::default());
    let roster = dir.path().join("roster.csv");
    write(&roster, &rows);
    let clusters = dir.path().join("clusters.csv");
    let out = run(&[
        "dedupe",
        roster.to_str().unwrap(),
        "--out",
        clusters.to_str().unwrap(),
        "--json",
    ]);
    ok(&out);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = csv_rows(&clusters);
    // Every input row once, in input order, its cluster one of the rows.
    let ids: Vec<&str> = rows.iter().map(|r| r.cells[0].as_str()).collect();
    assert_eq!(
        got.iter().map(|c| c[0].as_str()).collect::<Vec<_>>(),
        ids,
        "one line per input row, in order"
    );
    let known: HashSet<&str> = ids.iter().copied().collect();
    let cluster_of: HashMap<&str, &str> = got
        .iter()
        .map(|c| {
            assert!(known.contains(c[1].as_str()), "{c:?}");
            (c[0].as_str(), c[1].as_str())
        })
        .collect();
    let names: HashSet<&str> = cluster_of.values().copied().collect();
    assert_eq!(summary["people"], names.len());
    for name in &names {
        assert_eq!(cluster_of[name], *name, "a cluster is named by its own row");
    }

    // Pairwise against the truth.
    let (mut tp, mut fp, mut truth_pairs) = (0u64, 0u64, 0u64);
    for (i, a) in rows.iter().enumerate() {
        for b in &rows[i + 1..] {
            let same = a.person == b.person;
            let together = cluster_of[a.cells[0].as_str()] == cluster_of[b.cells[0].as_str()];
            truth_pairs += same as u64;
            tp += (same && together) as u64;
            fp += (!same && together) as u64;
        }
    }
    let precision = tp as f64 / (tp + fp) as f64;
    let recall = tp as f64 / truth_pairs as f64;
    assert!(precision >= 0.98, "precision {precision}");
    assert!(recall >= 0.5, "recall {recall} of {truth_pairs} true pairs");
}

#[test]
fn a_bad_row_refuses_the_file_naming_it_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = rosters::dedupe(23, 200, Noise::default());
    rows[41].cells[7] = "1987-13-40".into();
    let roster = dir.path().join("roster.csv");
    write(&roster, &rows);
    let clusters = dir.path().join("clusters.csv");
    let review = dir.path().join("review.csv");
    let out = run(&[
        "dedupe",
        roster.to_str().unwrap(),
        "--out",
        clusters.to_str().unwrap(),
        "--review",
        review.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 43") && err.contains("birth_date") && err.contains("1987-13-40"),
        "{err}"
    );
    assert!(err.contains("1 of 200 rows are bad"), "{err}");
    assert!(!clusters.exists() && !review.exists(), "no output is left");

    // Not a roster at all.
    let junk = dir.path().join("junk.csv");
    std::fs::write(&junk, "name,age\nx,1\n").unwrap();
    let out = run(&[
        "match",
        junk.to_str().unwrap(),
        roster.to_str().unwrap(),
        "--out",
        clusters.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.csv"));
    assert!(!clusters.exists());
}
