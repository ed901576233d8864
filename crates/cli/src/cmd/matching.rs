//! `match` and `dedupe`: identity matching of roster files, outside any
//! ledger. They read the roster columns of `import roster`, train the
//! matching model on the files themselves (no labels), and write CSV: the
//! pairs linked automatically, and with `--review FILE` the pairs a person
//! should decide. Nothing is registered and no data directory is opened.

use crate::output::{json, line, n, note};
use anyhow::Context;
use rollcall_core::person::PersonRecord;
use rollcall_matching::{Config, Decision, Index, RowProblem, dedupe, link, parse_roster};
use serde_json::json;
use std::path::Path;

/// The probability thresholds and output files of one run.
pub struct Outputs<'a> {
    /// Pairs linked automatically (`match`) or every row's cluster (`dedupe`).
    pub out: &'a Path,
    /// Pairs for review, if wanted.
    pub review: Option<&'a Path>,
    /// Link automatically at or above this probability.
    pub threshold: f64,
    /// JSON summary.
    pub as_json: bool,
}

/// One roster's rows: record ids and records, in file order.
struct Roster {
    ids: Vec<String>,
    records: Vec<PersonRecord>,
}

/// Reads a roster for matching; any bad row refuses the file, naming the
/// rows at fault (matching half a file would report people as unmatched).
fn read(file: &Path) -> anyhow::Result<Roster> {
    let name = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "roster".into());
    super::args::check_regular(file, super::args::MAX_ROSTER_FILE_BYTES)?;
    let input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let progress = crate::output::spinner(&format!("reading {name}"));
    let parsed = parse_roster(std::io::BufReader::new(input), &name)
        .with_context(|| format!("reading roster {}", file.display()))?;
    progress.finish_and_clear();
    if !parsed.bad.is_empty() {
        let problems: Vec<&RowProblem> = parsed.bad.iter().flat_map(|b| &b.problems).collect();
        report_problems(file, &problems);
        anyhow::bail!(
            "{}: {} of {} rows are bad; fix them first (`import roster --quarantine` sets such rows aside)",
            file.display(),
            parsed.bad.len(),
            parsed.bad.len() + parsed.rows.len()
        );
    }
    if parsed.rows.is_empty() {
        anyhow::bail!("{}: the roster holds no rows", file.display());
    }
    let (ids, records) = parsed
        .rows
        .into_iter()
        .map(|r| (r.record_id, r.record))
        .unzip();
    Ok(Roster { ids, records })
}

/// Prints the first 50 problems of a roster on standard error.
pub fn report_problems(file: &Path, problems: &[&RowProblem]) {
    for p in problems.iter().take(50) {
        note(&format!("{}: {p}", file.display()));
    }
    if problems.len() > 50 {
        note(&format!("… and {} more problems", problems.len() - 50));
    }
}

fn config(threshold: f64) -> Config {
    Config {
        auto_link: threshold,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        ..Config::default()
    }
}

/// The output files, created before the work starts so that a name already
/// taken refuses the run at once rather than after minutes of matching;
/// removed again unless [`Claimed::fill`] wrote them all, so no
/// half-written result is ever left behind.
struct Claimed<'a> {
    paths: Vec<&'a Path>,
    files: Vec<csv::Writer<std::fs::File>>,
    done: bool,
}

impl<'a> Claimed<'a> {
    fn new(o: &Outputs<'a>) -> anyhow::Result<Claimed<'a>> {
        let mut claimed = Claimed {
            paths: Vec::new(),
            files: Vec::new(),
            done: false,
        };
        for p in std::iter::once(o.out).chain(o.review) {
            let f = crate::output::create_new(p)?;
            claimed.paths.push(p);
            claimed.files.push(csv::Writer::from_writer(f));
        }
        Ok(claimed)
    }

    fn fill(
        mut self,
        fill: impl FnOnce(&mut [csv::Writer<std::fs::File>]) -> csv::Result<()>,
    ) -> anyhow::Result<()> {
        fill(&mut self.files)
            .and_then(|()| {
                self.files.iter_mut().try_for_each(|f| {
                    f.flush()?;
                    f.get_ref().sync_all().map_err(csv::Error::from)
                })
            })
            .context("writing the results (nothing is left half-written)")?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Claimed<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.files.clear();
            for p in &self.paths {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// `rollcall match LEFT RIGHT --out PAIRS`: links the rows of RIGHT to the
/// rows of LEFT; `left_id,right_id,probability` for each linked pair.
pub fn link_rosters(left: &Path, right: &Path, o: &Outputs) -> anyhow::Result<i32> {
    let claimed = Claimed::new(o)?;
    let l = read(left)?;
    let r = read(right)?;
    let cfg = config(o.threshold);
    let progress = crate::output::spinner(&format!(
        "matching {} × {} rows on {} threads",
        n(l.ids.len() as u64),
        n(r.ids.len() as u64),
        cfg.threads
    ));
    let index = Index::build(&l.records, cfg.threads);
    let linkage = link(&r.records, &index, &cfg);
    progress.finish_and_clear();
    let mut linked = 0u64;
    let mut review_rows = 0u64;
    let mut review_pairs = 0u64;
    claimed.fill(|files| {
        for f in files.iter_mut() {
            f.write_record(["left_id", "right_id", "probability"])?;
        }
        for (row, decision) in linkage.decisions.iter().enumerate() {
            match decision {
                Decision::Link {
                    existing,
                    probability,
                } => {
                    linked += 1;
                    write_pair(
                        &mut files[0],
                        &l.ids[*existing as usize],
                        &r.ids[row],
                        *probability,
                    )?;
                }
                Decision::Review { candidates } => {
                    review_rows += 1;
                    review_pairs += candidates.len() as u64;
                    if let Some(f) = files.get_mut(1) {
                        for (existing, p) in candidates {
                            write_pair(f, &l.ids[*existing as usize], &r.ids[row], *p)?;
                        }
                    }
                }
                Decision::New => {}
            }
        }
        Ok(())
    })?;
    if o.as_json {
        json(&json!({
            "left_rows": l.ids.len(),
            "right_rows": r.ids.len(),
            "linked": linked,
            "review_rows": review_rows,
            "review_pairs": review_pairs,
            "unmatched": r.ids.len() as u64 - linked - review_rows,
            "threshold": o.threshold,
            "candidate_pairs": linkage.stats.candidate_pairs,
            "out": o.out.display().to_string(),
            "review": o.review.map(|p| p.display().to_string()),
        }))?;
    } else {
        line(&format!(
            "linked {} of {} rows of {} to {} (probability ≥ {}) → {}",
            n(linked),
            n(r.ids.len() as u64),
            right.display(),
            left.display(),
            o.threshold,
            o.out.display()
        ))?;
        line(&format!(
            "  {} rows for review ({} candidate pairs){}",
            n(review_rows),
            n(review_pairs),
            review_note(o.review)
        ))?;
        line(&format!(
            "  {} rows matched nobody",
            n(r.ids.len() as u64 - linked - review_rows)
        ))?;
    }
    Ok(0)
}

/// `rollcall dedupe ROSTER --out CLUSTERS`: `record_id,cluster_id` for
/// every row; a cluster is named by the record id of its first row.
pub fn dedupe_roster(roster: &Path, o: &Outputs) -> anyhow::Result<i32> {
    let claimed = Claimed::new(o)?;
    let r = read(roster)?;
    let cfg = config(o.threshold);
    let progress = crate::output::spinner(&format!(
        "deduplicating {} rows on {} threads",
        n(r.ids.len() as u64),
        cfg.threads
    ));
    let result = dedupe(&r.records, &cfg);
    progress.finish_and_clear();
    let mut people = 0u64;
    claimed.fill(|files| {
        files[0].write_record(["record_id", "cluster_id"])?;
        for (row, cluster) in result.cluster.iter().enumerate() {
            if *cluster as usize == row {
                people += 1;
            }
            files[0].write_record([&r.ids[row], &r.ids[*cluster as usize]])?;
        }
        if let Some(f) = files.get_mut(1) {
            f.write_record(["record_id", "other_record_id", "probability"])?;
            for l in &result.review {
                write_pair(
                    f,
                    &r.ids[l.a as usize],
                    &r.ids[l.b as usize],
                    rollcall_matching::model::probability(l.weight),
                )?;
            }
        }
        Ok(())
    })?;
    let rows = r.ids.len() as u64;
    if o.as_json {
        json(&json!({
            "rows": rows,
            "people": people,
            "duplicates": rows - people,
            "linked_pairs": result.links.len(),
            "review_pairs": result.review.len(),
            "threshold": o.threshold,
            "candidate_pairs": result.stats.candidate_pairs,
            "out": o.out.display().to_string(),
            "review": o.review.map(|p| p.display().to_string()),
        }))?;
    } else {
        line(&format!(
            "{} rows of {} are {} people (probability ≥ {}) → {}",
            n(rows),
            roster.display(),
            n(people),
            o.threshold,
            o.out.display()
        ))?;
        line(&format!(
            "  {} pairs for review{}",
            n(result.review.len() as u64),
            review_note(o.review)
        ))?;
    }
    Ok(0)
}

fn review_note(review: Option<&Path>) -> String {
    match review {
        Some(p) => format!(" → {}", p.display()),
        None => "; --review FILE writes them".into(),
    }
}

fn write_pair(
    out: &mut csv::Writer<std::fs::File>,
    a: &str,
    b: &str,
    probability: f64,
) -> csv::Result<()> {
    out.write_record([a, b, &format!("{probability:.4}")])
}
