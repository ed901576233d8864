//! The ledger's own commands: signed heads, proofs, offline proof checks,
//! verify, rebuild, backup and restore.

use super::Ctx;
use crate::ProveCommand;
use crate::output::{bar, json, n};
use anyhow::Context;
use rollcall_ledger::{ConsistencyBundle, InclusionBundle, VerifierKey, hash_to_hex};
use rollcall_store::Store;
use serde_json::json;
use std::path::Path;

/// Reads a verifier key given inline or as a file holding it.
fn verifier_arg(key: &str) -> anyhow::Result<VerifierKey> {
    let text = if Path::new(key).is_file() {
        std::fs::read_to_string(key).with_context(|| format!("reading key file {key}"))?
    } else {
        key.to_string()
    };
    VerifierKey::parse(text.trim()).with_context(|| {
        format!("{key:?} is not a verifier key (name+keyid+base64) or a file holding one")
    })
}

pub fn head(ctx: &Ctx, as_json: bool, all: bool) -> anyhow::Result<i32> {
    let node = ctx.open()?;
    if all {
        let heads = node.store().checkpoints()?;
        if as_json {
            json(&heads.iter().map(|h| h.size).collect::<Vec<_>>())?;
        } else {
            use std::io::Write;
            let mut w = std::io::stdout().lock();
            for h in heads {
                writeln!(w, "{}", h.size)?;
            }
        }
        return Ok(0);
    }
    let Some((cp, note)) = node.head()? else {
        anyhow::bail!("the ledger is empty: no head has been signed yet");
    };
    if as_json {
        json(&json!({
            "origin": cp.origin,
            "size": cp.size,
            "root": hash_to_hex(&cp.root),
            "root_base64": rollcall_ledger::hash_to_base64(&cp.root),
            "verifier": node.verifier().to_string(),
            "note": note,
        }))?;
    } else {
        print!("{note}");
        eprintln!("verifier key: {}", node.verifier());
    }
    Ok(0)
}

fn write_out(out: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match out {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("writing {}", p.display()))?;
            eprintln!("proof written to {}", p.display());
        }
        None => crate::output::line(text)?,
    }
    Ok(())
}

pub fn prove(ctx: &Ctx, p: ProveCommand) -> anyhow::Result<i32> {
    let node = ctx.open()?;
    match p {
        ProveCommand::Inclusion { event, out } => {
            let b = node.prove_inclusion(event)?;
            b.verify(node.verifier())?;
            write_out(out.as_deref(), &serde_json::to_string_pretty(&b)?)?;
        }
        ProveCommand::Consistency { from_size, out } => {
            let b = node.prove_consistency(from_size)?;
            b.verify(node.verifier())?;
            write_out(out.as_deref(), &serde_json::to_string_pretty(&b)?)?;
        }
    }
    Ok(0)
}

pub fn verify_proof(file: &Path, key: &str, as_json: bool) -> anyhow::Result<i32> {
    let verifier = verifier_arg(key)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a proof file (JSON)", file.display()))?;
    let (ok, summary) = if value.get("leaf_index").is_some() {
        let b: InclusionBundle = serde_json::from_value(value)?;
        match b.verify(&verifier) {
            Ok(cp) => {
                let what = b
                    .leaf_data()
                    .ok()
                    .and_then(|d| rollcall_core::Event::decode(&d).ok())
                    .map(|e| e.what.type_name())
                    .unwrap_or("event");
                (
                    true,
                    format!(
                        "inclusion proof OK: {what} #{} is in the tree of size {} (root {}) signed by {}",
                        b.leaf_index,
                        cp.size,
                        hash_to_hex(&cp.root),
                        verifier.name()
                    ),
                )
            }
            Err(e) => (false, format!("inclusion proof FAILED: {e}")),
        }
    } else if value.get("old_checkpoint").is_some() {
        let b: ConsistencyBundle = serde_json::from_value(value)?;
        match b.verify(&verifier) {
            Ok((old, new)) => (
                true,
                format!(
                    "consistency proof OK: the tree of size {} extends the tree of size {} without rewriting it (signed by {})",
                    new.size,
                    old.size,
                    verifier.name()
                ),
            ),
            Err(e) => (false, format!("consistency proof FAILED: {e}")),
        }
    } else {
        anyhow::bail!(
            "{} is neither an inclusion nor a consistency proof",
            file.display()
        );
    };
    if as_json {
        json(&json!({"ok": ok, "result": summary}))?;
    } else {
        println!("{summary}");
    }
    Ok(if ok { 0 } else { 2 })
}

pub fn verify(ctx: &Ctx, as_json: bool, key: Option<&str>) -> anyhow::Result<i32> {
    let expected = key.map(verifier_arg).transpose()?;
    // Open the store alone: verify needs neither the projections nor the key.
    let path = ctx.data.join(rollcall_node::DB_FILE);
    if !path.exists() {
        return Err(rollcall_node::NodeError::NotInitialised(ctx.data.clone()).into());
    }
    let store = rollcall_store::SqliteStore::open_existing(&path)?;
    let pb = bar(store.size()?, "verifying");
    let started = std::time::Instant::now();
    let report =
        rollcall_node::verify_store(&store, expected.as_ref(), &mut |done| pb.set_position(done))?;
    pb.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    if as_json {
        json(&report)?;
    } else if report.ok {
        println!(
            "verified: {} events, {} signed heads, {} projection rows; root {} ({:.2} s)",
            n(report.events),
            n(report.heads),
            n(report.projection_rows),
            report.root,
            secs
        );
    } else {
        for p in &report.problems {
            println!("FAILED: {p}");
        }
        println!(
            "checked {} events and {} signed heads before the first problem",
            n(report.events),
            n(report.heads)
        );
    }
    Ok(if report.ok { 0 } else { 2 })
}

pub fn rebuild(ctx: &Ctx) -> anyhow::Result<i32> {
    // Without opening the node: rebuild is what repairs damaged projections.
    let (rows, events) = rollcall_node::Node::rebuild_dir(&ctx.data)?;
    println!(
        "rebuilt {} projection rows from {} events",
        n(rows as u64),
        n(events)
    );
    Ok(0)
}

pub fn backup(ctx: &Ctx, out: &Path) -> anyhow::Result<i32> {
    let node = ctx.open()?;
    let head = node.backup(out)?;
    match head {
        Some(h) => {
            println!(
                "backup written to {} — it contains the ledger up to this signed head:",
                out.display()
            );
            print!("{}", h.note);
        }
        None => println!("backup written to {} (empty ledger)", out.display()),
    }
    Ok(0)
}

pub fn restore(ctx: &Ctx, file: &Path) -> anyhow::Result<i32> {
    let target = ctx.data.join(rollcall_node::DB_FILE);
    if target.exists() {
        anyhow::bail!(
            "{} already holds a ledger; restore into a new --data directory",
            ctx.data.display()
        );
    }
    std::fs::create_dir_all(&ctx.data)
        .with_context(|| format!("creating {}", ctx.data.display()))?;
    std::fs::copy(file, &target).with_context(|| format!("copying {}", file.display()))?;
    let node = ctx.open()?;
    let report = node.verify(None, &mut |_| {})?;
    if !report.ok {
        for p in &report.problems {
            println!("FAILED: {p}");
        }
        return Ok(2);
    }
    println!(
        "restored {} events into {}; verify passed. This copy reads and verifies; to append, the node's key (node.key) must be placed beside it.",
        n(node.size()),
        ctx.data.display()
    );
    Ok(0)
}
