//! How `import roster` decides the reference operation's recount rows,
//! against the generator's ground truth: every recount row is a person
//! already registered, so each should be linked to them or wait for review
//! with them among the candidates, and none registered again.
//!
//!     cargo run --release -p rollcall-node --example recount_matching -- [SCALE]
//!
//! Prints, per recount and in total, the rows linked (and how many to the
//! wrong person), in review (and how many without their person among the
//! candidates) and taken for new people, side by side with and without
//! custody as evidence (`link_at` against `link`).

use rollcall_matching::{Config, Decision, Index, Linkage, link, link_at};
use rollcall_sim::Roster;

#[derive(Default, Clone, Copy)]
struct Tally {
    linked: usize,
    wrong: usize,
    review: usize,
    review_without: usize,
    new: usize,
}

impl Tally {
    fn add(&mut self, roster: &Roster, truth: &[usize], linkage: &Linkage) {
        for (n, d) in linkage.decisions.iter().enumerate() {
            let person = roster.rows[n].person;
            match d {
                Decision::Link { existing, .. } => {
                    self.linked += 1;
                    self.wrong += usize::from(truth[*existing as usize] != person);
                }
                Decision::Review { candidates } => {
                    self.review += 1;
                    self.review_without +=
                        usize::from(!candidates.iter().any(|(k, _)| truth[*k as usize] == person));
                }
                Decision::New => self.new += 1,
            }
        }
    }
}

fn row(what: &str, rows: usize, t: Tally) {
    println!(
        "| {what} | {rows} | {} | {} | {} | {} | {} |",
        t.linked, t.wrong, t.review, t.review_without, t.new
    );
}

fn main() {
    let scale: f64 = match std::env::args().nth(1).map(|s| s.parse()) {
        None => 10.0,
        Some(Ok(s)) if s > 0.0 => s,
        Some(_) => {
            eprintln!("usage: recount_matching [SCALE > 0]");
            std::process::exit(64);
        }
    };
    let reg = rollcall_sim::registration(&rollcall_sim::Config { seed: 1, scale });
    let (first, recounts): (Vec<&Roster>, Vec<&Roster>) = reg
        .rosters
        .iter()
        .partition(|r| r.rows[0].source.roster.ends_with("roster"));
    let (mut known, mut truth, mut held) = (Vec::new(), Vec::new(), Vec::new());
    for r in &first {
        for row in &r.rows {
            known.push(row.record.clone());
            truth.push(row.person);
            held.push(r.facility.to_string());
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cfg = Config {
        threads,
        ..Config::default()
    };
    let blind = Index::build(&known, threads);
    let index = blind.clone().held_by(held);
    println!(
        "scale {scale}: {} registered, {} recounts",
        known.len(),
        recounts.len()
    );
    println!();
    println!("| recount | rows | linked | of them wrongly | review | without their person | new |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let (mut with, mut without, mut rows) = (Tally::default(), Tally::default(), 0);
    for r in &recounts {
        let records: Vec<_> = r.rows.iter().map(|x| x.record.clone()).collect();
        let at = link_at(&records, &index, &cfg, Some(r.facility.as_str()));
        let (mut a, mut b) = (Tally::default(), Tally::default());
        a.add(r, &truth, &at);
        b.add(r, &truth, &link(&records, &blind, &cfg));
        let weights = at
            .custody
            .map_or("custody weighs nothing".to_string(), |w| {
                format!("custody m {:.2} u {:.2}", w.m, w.u)
            });
        row(&format!("{} ({weights})", r.facility), records.len(), a);
        row(&format!("{} without custody", r.facility), records.len(), b);
        for (t, x) in [(&mut with, a), (&mut without, b)] {
            t.linked += x.linked;
            t.wrong += x.wrong;
            t.review += x.review;
            t.review_without += x.review_without;
            t.new += x.new;
        }
        rows += records.len();
    }
    row("**all, with custody**", rows, with);
    row("**all, without custody**", rows, without);
}
