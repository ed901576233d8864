//! Identity-matching benchmark: Rollcall against Splink on the same rosters.
//!
//! ```text
//! cargo run --release -p rollcall-matching --example matching_bench -- \
//!     --python /tmp/splinkenv/bin/python --sizes link7k,dedupe100k,dedupe1m \
//!     --splink-timeout 900 --dir /tmp/matching-bench
//! ```
//!
//! For each task it generates rosters with `rollcall-sim` (seeded), writes
//! them and their ground truth as CSV, then runs each matcher as its own
//! process under `/usr/bin/time -v` (wall time and peak memory of that
//! process), reads what it wrote and scores it against the ground truth
//! (pairwise precision, recall and F1). Rollcall runs as this same binary
//! with `run-dedupe` / `run-link`, or with `--rollcall BIN` as the `rollcall`
//! binary itself (`rollcall match` / `rollcall dedupe`); Splink runs
//! `bench/matching_splink.py`. `--python none` skips Splink.

use rollcall_matching::{Config, Decision, Index, dedupe, link, parse_roster};
use rollcall_sim::rosters::{self, Noise};
use std::collections::HashMap;
use std::error::Error;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

type Res<T> = Result<T, Box<dyn Error>>;

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run-dedupe") => run_dedupe(&args[1..]),
        Some("run-link") => run_link(&args[1..]),
        _ => driver(&args),
    }
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn read_records(path: &str) -> Res<Vec<(String, rollcall_core::person::PersonRecord)>> {
    let parsed = parse_roster(File::open(path)?, path)?;
    if !parsed.bad.is_empty() {
        return Err(format!(
            "{path}: {} rows quarantined, first: {}",
            parsed.bad.len(),
            parsed.bad[0].problems[0]
        )
        .into());
    }
    Ok(parsed
        .rows
        .into_iter()
        .map(|r| (r.record_id, r.record))
        .collect())
}

/// `run-dedupe ROSTER OUT`: writes `record_id,cluster_id`; prints review size.
fn run_dedupe(args: &[String]) -> Res<()> {
    let (ids, records): (Vec<String>, Vec<_>) = read_records(&args[0])?.into_iter().unzip();
    let mut cfg = Config {
        threads: threads(),
        ..Config::default()
    };
    if let Some(a) = std::env::var("BENCH_AUTO")
        .ok()
        .and_then(|a| a.parse().ok())
    {
        cfg.auto_link = a;
    }
    let result = dedupe(&records, &cfg);
    if std::env::var_os("BENCH_DEBUG").is_some() {
        let p = &result.scorer.params;
        eprintln!("lambda {:.4}", p.lambda);
        for f in 0..rollcall_matching::compare::N_FIELDS {
            eprintln!(
                "{:?} m {:.3?} u {:.4?}",
                rollcall_matching::compare::FIELDS[f],
                p.m[f],
                p.u[f]
            );
        }
        let truth: HashMap<String, u32> = BufReader::new(File::open(format!("{}.truth", args[0]))?)
            .lines()
            .skip(1)
            .filter_map(|l| {
                let l = l.ok()?;
                let (a, b) = l.split_once(',')?;
                Some((a.to_string(), b.parse().ok()?))
            })
            .collect();
        let person: Vec<u32> = ids.iter().map(|id| truth[id]).collect();
        let mut by_person: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, p) in person.iter().enumerate() {
            by_person.entry(*p).or_default().push(i);
        }
        let mut missed = 0;
        let mut total = 0;
        let mut shown = 0;
        let linked: std::collections::HashSet<(u32, u32)> =
            result.links.iter().map(|l| (l.a, l.b)).collect();
        for members in by_person.values() {
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    total += 1;
                    let (a, b) = (a.min(b), a.max(b));
                    if result.cluster[a] != result.cluster[b] {
                        missed += 1;
                        if shown < 6 && !linked.contains(&(a as u32, b as u32)) {
                            shown += 1;
                            let e = result.explain(a, b).unwrap();
                            eprintln!("MISSED w {:.2}", e.weight);
                            for c in &e.fields {
                                eprintln!("   {:?} {} {:.2}", c.field, c.level_name, c.weight);
                            }
                            eprintln!(
                                "  {:?} {:?}\n  {:?} {:?}",
                                records[a].names.full,
                                records[a].birth_date,
                                records[b].names.full,
                                records[b].birth_date
                            );
                        }
                    }
                }
            }
        }
        eprintln!("missed {missed} of {total} true pairs");
        let blocked = rollcall_matching::block::candidates(
            &result.vocab,
            &result.prepared,
            None,
            cfg.blocking,
            cfg.threads,
        );
        let true_blocked = blocked
            .pairs
            .iter()
            .filter(|(a, b)| person[*a as usize] == person[*b as usize])
            .count();
        eprintln!(
            "blocking: {} candidate pairs, {true_blocked} of {total} true pairs among them",
            blocked.pairs.len()
        );
        let n = records.len() as f64;
        eprintln!(
            "estimated matches {:.0} (lambda over all pairs), true pairs {total}",
            p.lambda * n * (n - 1.0) / 2.0
        );
        // Calibration of the automatic links: share right per probability band.
        let mut bands = [(0u64, 0u64); 6];
        for l in &result.links {
            let prob = rollcall_matching::model::probability(l.weight);
            let band = match prob {
                x if x < 0.96 => 0,
                x if x < 0.97 => 1,
                x if x < 0.98 => 2,
                x if x < 0.99 => 3,
                x if x < 0.999 => 4,
                _ => 5,
            };
            bands[band].0 += 1;
            if person[l.a as usize] == person[l.b as usize] {
                bands[band].1 += 1;
            }
        }
        for (band, (all, right)) in ["<.96", "<.97", "<.98", "<.99", "<.999", ">=.999"]
            .iter()
            .zip(bands)
        {
            eprintln!(
                "links p{band}: {all}, right {right} ({:.4})",
                right as f64 / all.max(1) as f64
            );
        }
        let mut wrong_shown = 0;
        for l in &result.links {
            if person[l.a as usize] != person[l.b as usize] && wrong_shown < 8 {
                wrong_shown += 1;
                let e = result.explain(l.a as usize, l.b as usize).unwrap();
                eprintln!("WRONG LINK w {:.2} prior {:.2}", e.weight, e.prior);
                for c in &e.fields {
                    eprintln!(
                        "   {:?} {} {:.2} (tf {:.2})",
                        c.field, c.level_name, c.weight, c.term_frequency
                    );
                }
            }
        }
        for l in result.links.iter().rev().take(3) {
            let e = result.explain(l.a as usize, l.b as usize).unwrap();
            eprintln!("w {:.2} prior {:.2}", e.weight, e.prior);
            for c in &e.fields {
                eprintln!(
                    "   {:?} {} {:.2} (tf {:.2})",
                    c.field, c.level_name, c.weight, c.term_frequency
                );
            }
            eprintln!(
                " {:?}\n {:?} {:?}\n {:?} {:?}",
                l,
                records[l.a as usize].names.full,
                records[l.a as usize].birth_date,
                records[l.b as usize].names.full,
                records[l.b as usize].birth_date
            );
        }
    }
    let mut out = BufWriter::new(File::create(&args[1])?);
    writeln!(out, "record_id,cluster_id")?;
    for (id, c) in ids.iter().zip(&result.cluster) {
        writeln!(out, "{id},{}", ids[*c as usize])?;
    }
    out.flush()?;
    println!(
        "review={} pairs={} large_blocks={} patterns={} em_iterations={}",
        result.review.len(),
        result.stats.candidate_pairs,
        result.stats.large_blocks,
        result.stats.patterns,
        result.stats.fit.iterations
    );
    Ok(())
}

/// `run-link LEFT RIGHT OUT`: writes `left_id,right_id`; prints review size.
fn run_link(args: &[String]) -> Res<()> {
    let left = read_records(&args[0])?;
    let right = read_records(&args[1])?;
    let mut cfg = Config {
        threads: threads(),
        ..Config::default()
    };
    if let Some(a) = std::env::var("BENCH_AUTO")
        .ok()
        .and_then(|a| a.parse().ok())
    {
        cfg.auto_link = a;
    }
    let index = Index::build(
        &left.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>(),
        cfg.threads,
    );
    let new: Vec<_> = right.iter().map(|(_, r)| r.clone()).collect();
    let result = link(&new, &index, &cfg);
    let mut out = BufWriter::new(File::create(&args[2])?);
    writeln!(out, "left_id,right_id")?;
    let mut review = 0;
    for (n, d) in result.decisions.iter().enumerate() {
        match d {
            Decision::Link { existing, .. } => {
                writeln!(out, "{},{}", left[*existing as usize].0, right[n].0)?
            }
            Decision::Review { .. } => review += 1,
            Decision::New => {}
        }
    }
    out.flush()?;
    println!(
        "review={review} pairs={} large_blocks={} patterns={} em_iterations={}",
        result.stats.candidate_pairs,
        result.stats.large_blocks,
        result.stats.patterns,
        result.stats.fit.iterations
    );
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Task {
    Link(usize),
    Dedupe(usize),
}

impl Task {
    fn name(self) -> String {
        match self {
            Task::Link(n) => format!("link {n} x {n}"),
            Task::Dedupe(n) => format!("dedupe {n}"),
        }
    }
}

struct Outcome {
    precision: f64,
    recall: f64,
    f1: f64,
    wall: Duration,
    peak_kib: u64,
    review: Option<String>,
}

fn driver(args: &[String]) -> Res<()> {
    let mut python = "/tmp/splinkenv/bin/python".to_string();
    let mut sizes = "link7k,dedupe100k,dedupe1m".to_string();
    let mut timeout = 900u64;
    let mut dir = PathBuf::from("/tmp/matching-bench");
    let mut rollcall: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--python" => python = value()?,
            "--sizes" => sizes = value()?,
            "--splink-timeout" => timeout = value()?.parse()?,
            "--dir" => dir = PathBuf::from(value()?),
            "--rollcall" => rollcall = Some(value()?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    std::fs::create_dir_all(&dir)?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/matching_splink.py");
    let me = std::env::current_exe()?;
    let mut table = Vec::new();
    for size in sizes.split(',') {
        let task = match size {
            "link7k" => Task::Link(7_000),
            "link1k" => Task::Link(1_000),
            "dedupe10k" => Task::Dedupe(10_000),
            "dedupe100k" => Task::Dedupe(100_000),
            "dedupe1m" => Task::Dedupe(1_000_000),
            other => return Err(format!("unknown size {other}").into()),
        };
        eprintln!("== {}: generating", task.name());
        let (inputs, truth) = generate(task, &dir)?;
        let ours_out = dir.join(format!("{size}.rollcall.csv"));
        let mode = if matches!(task, Task::Link(_)) {
            "run-link"
        } else {
            "run-dedupe"
        };
        // Rollcall as users run it (`--rollcall target/release/rollcall`:
        // `rollcall match|dedupe … --out F --json`), or this binary's runner
        // (the same library calls).
        let cmd: Vec<String> = match &rollcall {
            Some(bin) => {
                let _ = std::fs::remove_file(&ours_out);
                let verb = if matches!(task, Task::Link(_)) {
                    "match"
                } else {
                    "dedupe"
                };
                let mut c = vec![bin.clone(), verb.into()];
                c.extend(inputs.iter().map(|p| p.display().to_string()));
                c.extend([
                    "--out".into(),
                    ours_out.display().to_string(),
                    "--json".into(),
                ]);
                c
            }
            None => {
                let mut c = vec![me.display().to_string(), mode.into()];
                c.extend(inputs.iter().map(|p| p.display().to_string()));
                c.push(ours_out.display().to_string());
                c
            }
        };
        eprintln!("== {}: rollcall", task.name());
        let ours = match measure(&cmd, None)? {
            Ran::Done(wall, peak, stdout) => Some((wall, peak, stdout)),
            Ran::TimedOut => None,
            Ran::Failed(f) => return Err(format!("rollcall failed: {}", f.reason).into()),
        };
        let ours = ours.map(|(wall, peak, stdout)| -> Res<Outcome> {
            let (precision, recall, f1) = score(task, &ours_out, &truth)?;
            Ok(Outcome {
                precision,
                recall,
                f1,
                wall,
                peak_kib: peak,
                // One line: the runner's counts, or the binary's JSON summary.
                review: Some(
                    stdout
                        .replace(['{', '}', '"'], "")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            })
        });
        let ours = ours.transpose()?;
        let splink = if python == "none" {
            None
        } else {
            eprintln!("== {}: splink (limit {timeout} s)", task.name());
            let splink_out = dir.join(format!("{size}.splink.csv"));
            let mut cmd = vec![
                python.clone(),
                script.display().to_string(),
                mode.trim_start_matches("run-").into(),
            ];
            cmd.extend(inputs.iter().map(|p| p.display().to_string()));
            cmd.push(splink_out.display().to_string());
            let _ = std::fs::remove_file(&splink_out);
            Some(match measure(&cmd, Some(timeout))? {
                Ran::Done(wall, peak, _) => {
                    let (precision, recall, f1) = score(task, &splink_out, &truth)?;
                    Theirs::Done(Outcome {
                        precision,
                        recall,
                        f1,
                        wall,
                        peak_kib: peak,
                        review: None,
                    })
                }
                Ran::TimedOut => Theirs::TimedOut,
                // Running out of memory or disk is a result too.
                Ran::Failed(f) => Theirs::Failed(f),
            })
        };
        table.push((task, ours, splink));
        print_table(&table, timeout);
    }
    Ok(())
}

/// A task, Rollcall's outcome, and Splink's (`None`: not run).
type Row = (Task, Option<Outcome>, Option<Theirs>);

/// How Splink's run ended.
enum Theirs {
    Done(Outcome),
    TimedOut,
    Failed(Failure),
}

/// How a measured command ended.
enum Ran {
    /// Wall time, peak resident KiB, standard output.
    Done(Duration, u64, String),
    TimedOut,
    Failed(Failure),
}

/// A command that exited with an error: when, how large, and its words.
struct Failure {
    wall: Duration,
    peak: Option<u64>,
    reason: String,
}

fn print_table(table: &[Row], timeout: u64) {
    println!();
    println!("| task | tool | precision | recall | F1 | wall s | peak MiB | notes |");
    println!("|---|---|---:|---:|---:|---:|---:|---|");
    let row = |task: Task, tool: &str, o: &Outcome, note: String| {
        println!(
            "| {} | {tool} | {:.4} | {:.4} | {:.4} | {:.2} | {:.0} | {note} |",
            task.name(),
            o.precision,
            o.recall,
            o.f1,
            o.wall.as_secs_f64(),
            o.peak_kib as f64 / 1024.0
        );
    };
    for (task, ours, splink) in table {
        match ours {
            Some(o) => row(*task, "rollcall", o, o.review.clone().unwrap_or_default()),
            None => println!("| {} | rollcall | failed | | | | | |", task.name()),
        }
        match splink {
            Some(Theirs::Done(s)) => {
                let note = ours.as_ref().map_or(String::new(), |o| {
                    format!(
                        "rollcall is {:.1}x faster, {:.1}x less memory, F1 {:+.4}",
                        s.wall.as_secs_f64() / o.wall.as_secs_f64(),
                        s.peak_kib as f64 / o.peak_kib as f64,
                        o.f1 - s.f1
                    )
                });
                row(*task, "splink", s, note)
            }
            Some(Theirs::TimedOut) => println!(
                "| {} | splink | did not finish in {timeout} s | | | > {timeout} | | |",
                task.name()
            ),
            Some(Theirs::Failed(f)) => println!(
                "| {} | splink | failed | | | {:.0} | {} | {} |",
                task.name(),
                f.wall.as_secs_f64(),
                f.peak
                    .map_or(String::new(), |k| format!("{:.0}", k as f64 / 1024.0)),
                f.reason.replace('|', "/")
            ),
            None => {}
        }
    }
}

/// Runs a command under `/usr/bin/time -v`, within `timeout` seconds if given.
fn measure(cmd: &[String], timeout: Option<u64>) -> Res<Ran> {
    let mut c = Command::new("/usr/bin/time");
    c.arg("-v");
    if let Some(t) = timeout {
        c.args(["timeout", "--signal=KILL", &t.to_string()]);
    }
    c.args(cmd);
    let start = Instant::now();
    let out = c.output()?;
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok());
    if !out.status.success() {
        if timeout.is_some() && (stderr.contains("signal 9") || out.status.code() == Some(137)) {
            return Ok(Ran::TimedOut);
        }
        // The command's own last words, before /usr/bin/time's report.
        let reason = stderr
            .lines()
            .filter(|l| !l.starts_with('\t') && !l.starts_with("Command exited"))
            .filter(|l| !l.trim().is_empty())
            .find(|l| l.contains("Error"))
            .or_else(|| stderr.lines().next())
            .unwrap_or("no output")
            .trim()
            .to_string();
        return Ok(Ran::Failed(Failure { wall, peak, reason }));
    }
    let peak = peak.ok_or("no peak memory in /usr/bin/time output")?;
    Ok(Ran::Done(
        wall,
        peak,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

fn generate(task: Task, dir: &Path) -> Res<(Vec<PathBuf>, HashMap<String, u32>)> {
    let mut truth = HashMap::new();
    let mut write = |name: String, rows: &[rosters::NoisyRow]| -> Res<PathBuf> {
        let path = dir.join(&name);
        let mut out = BufWriter::new(File::create(&path)?);
        rosters::write_roster(&mut out, rows)?;
        out.flush()?;
        let mut t = BufWriter::new(File::create(dir.join(format!("{name}.truth")))?);
        rosters::write_truth(&mut t, rows)?;
        t.flush()?;
        for r in rows {
            truth.insert(r.cells[0].clone(), r.person);
        }
        Ok(path)
    };
    let paths = match task {
        Task::Link(n) => {
            let (left, right) = rosters::linkage(11, n, n * 5 / 7, Noise::default());
            vec![
                write(format!("link{n}_left.csv"), &left)?,
                write(format!("link{n}_right.csv"), &right)?,
            ]
        }
        Task::Dedupe(n) => {
            let rows = rosters::dedupe(12, n, Noise::default());
            vec![write(format!("dedupe{n}.csv"), &rows)?]
        }
    };
    Ok((paths, truth))
}

fn pairs2(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Pairwise precision, recall and F1 of a matcher's output file.
fn score(task: Task, output: &Path, truth: &HashMap<String, u32>) -> Res<(f64, f64, f64)> {
    let lines: Vec<(String, String)> = BufReader::new(File::open(output)?)
        .lines()
        .skip(1)
        .map(|l| {
            let l = l?;
            // The first two columns (`rollcall match` adds the probability).
            let mut cells = l.split(',');
            let (a, b) = (cells.next(), cells.next());
            let (Some(a), Some(b)) = (a, b) else {
                return Err("bad line".into());
            };
            Ok((a.to_string(), b.to_string()))
        })
        .collect::<Res<_>>()?;
    let person = |id: &str| {
        truth
            .get(id)
            .copied()
            .ok_or(format!("unknown record id {id}"))
    };
    let (tp, predicted, actual) = match task {
        Task::Link(_) => {
            let mut seen = std::collections::HashSet::new();
            let mut tp = 0u64;
            for (l, r) in &lines {
                if seen.insert((l.clone(), r.clone())) && person(l)? == person(r)? {
                    tp += 1;
                }
            }
            let left: std::collections::HashSet<u32> = truth
                .iter()
                .filter(|(k, _)| k.starts_with("L-"))
                .map(|(_, v)| *v)
                .collect();
            let actual = truth
                .iter()
                .filter(|(k, v)| k.starts_with("R-") && left.contains(v))
                .count() as u64;
            (tp, seen.len() as u64, actual)
        }
        Task::Dedupe(_) => {
            let mut by_cluster: HashMap<&str, u64> = HashMap::new();
            let mut by_both: HashMap<(&str, u32), u64> = HashMap::new();
            let mut by_person: HashMap<u32, u64> = HashMap::new();
            for (id, c) in &lines {
                let p = person(id)?;
                *by_cluster.entry(c).or_default() += 1;
                *by_both.entry((c, p)).or_default() += 1;
                *by_person.entry(p).or_default() += 1;
            }
            (
                by_both.values().map(|&n| pairs2(n)).sum(),
                by_cluster.values().map(|&n| pairs2(n)).sum(),
                by_person.values().map(|&n| pairs2(n)).sum(),
            )
        }
    };
    let precision = if predicted == 0 {
        1.0
    } else {
        tp as f64 / predicted as f64
    };
    let recall = if actual == 0 {
        1.0
    } else {
        tp as f64 / actual as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Ok((precision, recall, f1))
}
