//! Identity matching on generated rosters with ground truth.

use rollcall_core::person::PersonRecord;
use rollcall_matching::{Config, Decision, Index, dedupe, link, link_at, parse_roster};
use rollcall_sim::rosters::{self, Noise, NoisyRow};
use std::collections::HashMap;

fn records(rows: &[NoisyRow]) -> Vec<PersonRecord> {
    let mut csv = Vec::new();
    rosters::write_roster(&mut csv, rows).unwrap();
    let parsed = parse_roster(&csv[..], "test.csv").unwrap();
    assert!(parsed.bad.is_empty(), "{:?}", parsed.bad.first());
    parsed.rows.into_iter().map(|r| r.record).collect()
}

fn pairs2(n: usize) -> usize {
    n * n.saturating_sub(1) / 2
}

#[test]
fn dedupe_finds_most_duplicates_and_links_few_strangers() {
    let rows = rosters::dedupe(5, 3_000, Noise::default());
    let recs = records(&rows);
    let cfg = Config {
        threads: 2,
        ..Config::default()
    };
    let result = dedupe(&recs, &cfg);
    let mut both: HashMap<(u32, u32), usize> = HashMap::new();
    let mut clusters: HashMap<u32, usize> = HashMap::new();
    let mut people: HashMap<u32, usize> = HashMap::new();
    for (row, c) in rows.iter().zip(&result.cluster) {
        *both.entry((*c, row.person)).or_default() += 1;
        *clusters.entry(*c).or_default() += 1;
        *people.entry(row.person).or_default() += 1;
    }
    let tp: usize = both.values().map(|&n| pairs2(n)).sum();
    let predicted: usize = clusters.values().map(|&n| pairs2(n)).sum();
    let actual: usize = people.values().map(|&n| pairs2(n)).sum();
    let (precision, recall) = (tp as f64 / predicted as f64, tp as f64 / actual as f64);
    assert!(precision >= 0.98, "precision {precision}");
    assert!(recall >= 0.7, "recall {recall}");
    // The same run on one thread gives the same clusters.
    let single = dedupe(&recs, &Config { threads: 1, ..cfg });
    assert_eq!(single.cluster, result.cluster);
}

#[test]
fn explanations_add_up() {
    let rows = rosters::dedupe(6, 500, Noise::default());
    let recs = records(&rows);
    let result = dedupe(&recs, &Config::default());
    let link = result.links.first().expect("some link");
    let e = result.explain(link.a as usize, link.b as usize).unwrap();
    let sum = e.prior + e.fields.iter().map(|c| c.weight).sum::<f64>();
    assert!((sum - e.weight).abs() < 1e-9);
    assert!((e.weight - link.weight).abs() < 1e-9);
    assert!(e.probability >= Config::default().auto_link);
}

#[test]
fn an_arabic_roster_links_to_the_same_people_in_latin() {
    let all_latin = Noise {
        arabic: 0.0,
        ..Noise::default()
    };
    let all_arabic = Noise {
        arabic: 1.0,
        ..Noise::default()
    };
    // Same seed, same people: one roster in Latin letters, one in Arabic.
    let (latin, _) = rosters::linkage(9, 800, 800, all_latin);
    let (arabic, _) = rosters::linkage(9, 800, 800, all_arabic);
    let index = Index::build(&records(&latin), 2);
    let result = link(&records(&arabic), &index, &Config::default());
    let mut right = 0;
    let mut wrong = 0;
    for (row, d) in arabic.iter().zip(&result.decisions) {
        if let Decision::Link { existing, .. } = d {
            if latin[*existing as usize].person == row.person {
                right += 1;
            } else {
                wrong += 1;
            }
        }
    }
    assert!(right >= 560, "only {right} of 800 linked");
    assert!(wrong * 50 <= right, "{wrong} wrong links");
}

#[test]
fn every_pair_in_an_automatic_cluster_would_be_linked_on_its_own() {
    // Complete linkage at the auto-link threshold: no cluster holds two
    // rows that, compared directly, fall short of an automatic link.
    let rows = rosters::dedupe(7, 3_000, Noise::default());
    let recs = records(&rows);
    let cfg = Config {
        threads: 2,
        ..Config::default()
    };
    let result = dedupe(&recs, &cfg);
    let mut members: HashMap<u32, Vec<usize>> = HashMap::new();
    for (row, c) in result.cluster.iter().enumerate() {
        members.entry(*c).or_default().push(row);
    }
    let mut checked = 0;
    for rows in members.values().filter(|m| m.len() > 1) {
        for (x, &a) in rows.iter().enumerate() {
            for &b in &rows[x + 1..] {
                let e = result.explain(a, b).unwrap();
                assert!(
                    e.probability >= cfg.auto_link,
                    "rows {a} and {b} share a cluster at probability {}",
                    e.probability
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} pairs clustered");
}

#[test]
fn a_row_identical_to_a_known_record_is_never_taken_for_a_new_person() {
    // Rows that say little (a full name alone, or names and nothing else)
    // block with too many others to be paired, or score below review:
    // imported again under another roster name, each must still meet its
    // own first copy — linked, or waiting for a person — never be new.
    let rows = rosters::dedupe(14, 2_000, Noise::default());
    let known = records(&rows);
    let sparse = known
        .iter()
        .filter(|r| r.birth_date.is_none() && r.documents.is_empty())
        .count();
    assert!(
        sparse > 50,
        "the roster has rows that say little ({sparse})"
    );
    let index = Index::build(&known, 2);
    let result = link(&known, &index, &Config::default());
    for (n, d) in result.decisions.iter().enumerate() {
        match d {
            Decision::New => panic!("row {n} is identical to a known record but was taken as new"),
            Decision::Link { existing, .. } => assert_eq!(
                known[*existing as usize], known[n],
                "row {n} linked to a record that differs from its copy"
            ),
            Decision::Review { candidates } => assert!(
                candidates
                    .iter()
                    .any(|(e, _)| known[*e as usize] == known[n]),
                "row {n}'s copy is not among its candidates"
            ),
        }
    }
}

#[test]
fn screening_finds_the_person_stopped_whatever_the_script() {
    // A border post asks with the name as the papers give it (Arabic script
    // here) against everyone registered in Latin spellings.
    let all_latin = Noise {
        arabic: 0.0,
        ..Noise::default()
    };
    let all_arabic = Noise {
        arabic: 1.0,
        ..Noise::default()
    };
    let (latin, _) = rosters::linkage(15, 3_000, 3_000, all_latin);
    let (arabic, _) = rosters::linkage(15, 3_000, 3_000, all_arabic);
    let known = records(&latin);
    let asked = records(&arabic);
    let index = Index::build(&known, 2);
    let mut top = 0;
    let mut tried = 0;
    for (row, q) in arabic
        .iter()
        .zip(&asked)
        .filter(|(_, q)| q.birth_date.is_some())
        .take(300)
    {
        // Only what a guard reads off the papers: name, father, date, nationality.
        let query = PersonRecord {
            names: rollcall_core::person::Names {
                full: q.names.full.clone(),
                father: q.names.father.clone(),
                ..Default::default()
            },
            birth_date: q.birth_date,
            nationalities: q.nationalities.clone(),
            ..PersonRecord::default()
        };
        let found = rollcall_matching::screen::screen(&query, &index, 5);
        tried += 1;
        if found
            .first()
            .is_some_and(|(i, _)| latin[*i as usize].person == row.person)
        {
            top += 1;
        }
        // Best first, each explained, and the score is the fields' sum.
        for w in found.windows(2) {
            assert!(w[0].1.weight >= w[1].1.weight);
        }
        for (_, e) in &found {
            let sum: f64 = e.fields.iter().map(|c| c.weight).sum();
            assert!((sum - e.weight).abs() < 1e-9);
        }
    }
    assert!(
        top * 100 >= tried * 85,
        "right person first in {top} of {tried}"
    );
}

/// The reference operation's recounts: each facility's recount lists some
/// of the people that facility holds again, in another hand.
#[test]
fn a_recount_links_to_the_people_its_custodian_holds() {
    let reg = rollcall_sim::registration(&rollcall_sim::Config {
        seed: 2,
        scale: 1.0,
    });
    let (first, recounts): (Vec<_>, Vec<_>) = reg
        .rosters
        .iter()
        .partition(|r| r.rows[0].source.roster.ends_with("roster"));
    let mut known = Vec::new();
    let mut truth = Vec::new();
    let mut held = Vec::new();
    for r in &first {
        for row in &r.rows {
            known.push(row.record.clone());
            truth.push(row.person);
            held.push(r.facility.to_string());
        }
    }
    let cfg = Config {
        threads: 2,
        ..Config::default()
    };
    let plain = Index::build(&known, 2);
    let index = plain.clone().held_by(held.clone());
    let (mut with, mut without) = ([0usize; 3], [0usize; 3]);
    for r in &recounts {
        let rows: Vec<PersonRecord> = r.rows.iter().map(|x| x.record.clone()).collect();
        let at = link_at(&rows, &index, &cfg, Some(r.facility.as_str()));
        let blind = link(&rows, &plain, &cfg);
        let w = at.custody.expect("a recount's custodian holds people");
        assert!(w.m > w.u, "{w:?}");
        for (tally, linkage) in [(&mut with, &at), (&mut without, &blind)] {
            for (n, d) in linkage.decisions.iter().enumerate() {
                let person = r.rows[n].person;
                match d {
                    Decision::Link { existing, .. } => {
                        assert_eq!(truth[*existing as usize], person, "row {n} linked wrongly");
                        tally[0] += 1;
                    }
                    Decision::Review { candidates } => {
                        assert!(
                            candidates.iter().any(|(k, _)| truth[*k as usize] == person),
                            "row {n}: its person is not among the candidates"
                        );
                        tally[1] += 1;
                    }
                    Decision::New => tally[2] += 1,
                }
            }
        }
        // The custody part is in the explanation and adds up.
        if let Some((n, Decision::Link { existing, .. })) = at
            .decisions
            .iter()
            .enumerate()
            .find(|(_, d)| matches!(d, Decision::Link { .. }))
        {
            let e = at.explain(n, *existing as usize).unwrap();
            let part = e.custody.expect("custody weighed");
            assert!(part.same && part.weight > 0.0);
            let sum = e.prior + e.fields.iter().map(|c| c.weight).sum::<f64>() + part.weight;
            assert!((sum - e.weight).abs() < 1e-9);
            assert!(e.evidence().iter().any(|f| f.field == "custodian"));
        }
    }
    let rows: usize = with.iter().sum();
    assert!(rows > 100, "{rows} recount rows");
    // Where the ledger holds each candidate moves rows from review to
    // linked, and registers nobody again that the blind match would not.
    assert!(with[0] > without[0], "linked {with:?} vs {without:?}");
    assert!(with[2] <= without[2], "new {with:?} vs {without:?}");
    // Every recount row is someone registered: few are taken for new.
    assert!(with[2] * 20 <= rows, "{with:?}");
}
