//! The ledger's own commands: signed heads, proofs, offline proof checks,
//! verify, rebuild, backup and restore.

use super::Ctx;
use crate::ProveCommand;
use crate::output::{bar, json, line, n, note, text};
use anyhow::Context;
use rollcall_ledger::{ConsistencyBundle, InclusionBundle, VerifierKey, hash_to_hex};
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
        // Each signed size with the root it signs, checked against the key.
        let mut rows = Vec::new();
        for h in node.heads()? {
            let cp = rollcall_ledger::open_checkpoint(&h.note, node.verifier())
                .with_context(|| format!("the head signed at size {} does not verify", h.size))?;
            rows.push((h.size, cp.root));
        }
        if as_json {
            json(
                &rows
                    .iter()
                    .map(|(size, root)| json!({"size": size, "root": hash_to_hex(root)}))
                    .collect::<Vec<_>>(),
            )?;
        } else {
            crate::output::lines(
                rows.iter()
                    .map(|(size, root)| format!("{size} {}", hash_to_hex(root))),
            )?;
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
        text(&note)?;
        crate::output::note(&format!("verifier key: {}", node.verifier()));
    }
    Ok(0)
}

/// Writes a proof into the file `claimed` for it, or to standard output.
fn write_out(claimed: Option<(&Path, std::fs::File)>, text: &str) -> anyhow::Result<()> {
    match claimed {
        Some((p, mut f)) => {
            use std::io::Write;
            if let Err(e) = f
                .write_all(format!("{text}\n").as_bytes())
                .and_then(|_| f.sync_all())
            {
                drop(f);
                let _ = std::fs::remove_file(p);
                anyhow::bail!("writing {}: {e}", p.display());
            }
            note(&format!("proof written to {}", p.display()));
        }
        None => crate::output::line(text)?,
    }
    Ok(())
}

/// Claims `--out` (a new owner-only file) before anything is read, so a
/// read is never recorded for a proof that cannot be written.
fn claim(out: Option<&Path>) -> anyhow::Result<Option<(&Path, std::fs::File)>> {
    out.map(|p| crate::output::create_new(p).map(|f| (p, f)))
        .transpose()
}

pub fn prove(ctx: &Ctx, p: ProveCommand) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    match p {
        ProveCommand::Inclusion { event, out } => {
            let claimed = claim(out.as_deref())?;
            // The leaf data is the event: about people, it is a read of their record.
            let b = match node.session(ctx.principal()).inclusion(event) {
                Ok(b) => b,
                Err(e) => {
                    if let Some((p, f)) = claimed {
                        drop(f);
                        let _ = std::fs::remove_file(p);
                    }
                    return Err(e.into());
                }
            };
            b.verify(node.verifier())?;
            write_out(claimed, &serde_json::to_string_pretty(&b)?)?;
        }
        ProveCommand::Consistency { from_size, out } => {
            // Names nobody: nothing to record, so no need to claim the file first.
            let b = node.prove_consistency(from_size)?;
            b.verify(node.verifier())?;
            let text = serde_json::to_string_pretty(&b)?;
            match out {
                Some(p) => {
                    crate::output::write_new(&p, format!("{text}\n").as_bytes())?;
                    note(&format!("proof written to {}", p.display()));
                }
                None => line(&text)?,
            }
        }
    }
    Ok(0)
}

/// Reads a signed head remembered earlier (the note text `rollcall head` prints).
fn since_arg(file: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading the remembered head {}", file.display()))?;
    if text.len() > 64 * 1024 {
        anyhow::bail!("{} is not a signed head: it is over 64 KiB", file.display());
    }
    Ok(text)
}

pub fn verify_proof(
    file: &Path,
    key: &str,
    since: Option<&Path>,
    as_json: bool,
) -> anyhow::Result<i32> {
    let verifier = verifier_arg(key)?;
    let remembered = match since {
        Some(p) => Some(
            rollcall_ledger::open_checkpoint(&since_arg(p)?, &verifier).with_context(|| {
                format!(
                    "{} is not a head signed by {}",
                    p.display(),
                    verifier.name()
                )
            })?,
        ),
        None => None,
    };
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a proof file (JSON)", file.display()))?;
    let value_is_inclusion = value.get("leaf_index").is_some();
    let (ok, summary) = if value_is_inclusion {
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
            Ok((old, _)) if remembered.as_ref().is_some_and(|r| *r != old) => {
                let r = remembered.as_ref().map(|r| (r.size, hash_to_hex(&r.root)));
                let (size, root) = r.unwrap_or_default();
                (
                    false,
                    format!(
                        "consistency proof FAILED: it starts from the head of size {} (root {}), not from the head you remembered (size {size}, root {root})",
                        old.size,
                        hash_to_hex(&old.root)
                    ),
                )
            }
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
    if remembered.is_some() && value_is_inclusion {
        anyhow::bail!(
            "--since checks consistency proofs; {} is an inclusion proof",
            file.display()
        );
    }
    if as_json {
        json(&json!({"ok": ok, "result": summary}))?;
    } else {
        line(&summary)?;
    }
    Ok(if ok { 0 } else { 2 })
}

pub fn verify(
    ctx: &Ctx,
    as_json: bool,
    key: Option<&str>,
    since: Option<&Path>,
) -> anyhow::Result<i32> {
    let expected = key.map(verifier_arg).transpose()?;
    let since = since.map(since_arg).transpose()?;
    // Open the store alone: verify needs neither the projections nor the key.
    let pb = bar(ctx.data.size()?, "verifying");
    let started = std::time::Instant::now();
    let options = rollcall_node::VerifyOptions {
        key: expected.as_ref(),
        since: since.as_deref(),
    };
    let report = rollcall_node::verify_at(&ctx.data, options, &mut |done| pb.set_position(done))?;
    pb.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    if as_json {
        json(&report)?;
        return Ok(if report.ok { 0 } else { 2 });
    }
    match report.key_source {
        rollcall_node::KeySource::Given => line(&format!(
            "trusted key: {} (given with --key; no other key is trusted)",
            report.verifier
        ))?,
        rollcall_node::KeySource::Ledger => {
            note(&format!(
                "WARNING: no --key given, so the heads were checked with the key the ledger itself records:\n  {}\nThis shows the ledger is consistent with itself, not that it is the ledger you trust:\nwhoever can rewrite it can re-sign it with a key of their own. Pass --key with the node's\nverifier key, obtained separately, and --since with a head you remembered.",
                report.verifier
            ));
            line(&format!(
                "trusted key: {} (read from the ledger itself)",
                report.verifier
            ))?;
        }
    }
    if report.ok {
        line(&format!(
            "verified: {} events, {} signed heads, {} tree tiles, {} projection rows, {} access records; root {} ({:.2} s)",
            n(report.events),
            n(report.heads),
            n(report.tiles),
            n(report.projection_rows),
            n(report.access_records),
            report.root,
            secs
        ))?;
        if let Some(size) = report.since {
            line(&format!(
                "the ledger still holds the remembered head of size {size}, unchanged"
            ))?;
        }
    } else {
        for p in &report.problems {
            line(&format!("FAILED: {p}"))?;
        }
        line(&format!(
            "checked {} events and {} signed heads before the first problem",
            n(report.events),
            n(report.heads)
        ))?;
    }
    Ok(if report.ok { 0 } else { 2 })
}

/// `audit`: the access log, itself recorded as a read of the access log.
pub fn audit(
    ctx: &Ctx,
    as_json: bool,
    subject: Option<&str>,
    user: Option<&str>,
) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let records = node
        .session(ctx.principal())
        .access_log(&rollcall_node::AuditFilter {
            subject: subject.map(str::to_string),
            user: user.map(str::to_string),
        })?;
    if as_json {
        json(
            &records
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id, "at": r.at, "user": r.user, "account": r.account,
                        "role": r.role, "node": r.node, "action": r.action,
                        "subject": r.subject, "committed_by": r.committed_by,
                        "reason": (!r.reason.is_empty()).then_some(&r.reason),
                    })
                })
                .collect::<Vec<_>>(),
        )?;
    } else {
        crate::output::lines(records.iter().map(|r| {
            format!(
                "{:>8} {} {:<12} {:<10} {:<10} {:<20} {}  (event {}){}",
                r.id,
                r.at,
                r.user,
                r.account,
                r.role,
                r.action,
                r.subject,
                r.committed_by,
                if r.reason.is_empty() {
                    String::new()
                } else {
                    format!("  reason: {}", r.reason)
                }
            )
        }))?;
        note(&format!("{} access records", n(records.len() as u64)));
    }
    Ok(0)
}

pub fn rebuild(ctx: &Ctx) -> anyhow::Result<i32> {
    // Without opening the node: rebuild is what repairs damaged projections.
    let (rows, events) = rollcall_node::Node::rebuild_at(&ctx.data, ctx.node_key.as_deref())?;
    line(&format!(
        "rebuilt {} projection rows from {} events (under the write lock: no append was lost)",
        n(rows as u64),
        n(events)
    ))?;
    Ok(0)
}

pub fn tiles_export(ctx: &Ctx, out: &Path) -> anyhow::Result<i32> {
    let done = rollcall_node::export_tiles(&ctx.data, out)?;
    line(&format!(
        "exported the signed head of size {} and its {} hash tiles ({} partial) to {} \
         in the C2SP tlog-tiles layout (no entry bundles: they hold personal data)",
        n(done.size),
        n(done.tiles),
        n(done.partial),
        out.display()
    ))?;
    Ok(0)
}

pub fn backup(ctx: &Ctx, out: &Path) -> anyhow::Result<i32> {
    let node = ctx.open()?;
    let head = node.backup(out)?;
    match head {
        Some(h) => {
            line(&format!(
                "backup written to {} — it contains the ledger up to this signed head:",
                out.display()
            ))?;
            text(&h.note)?;
        }
        None => line(&format!(
            "backup written to {} (empty ledger)",
            out.display()
        ))?,
    }
    Ok(0)
}

pub fn restore(ctx: &Ctx, file: &Path) -> anyhow::Result<i32> {
    let data = ctx.dir("restore")?;
    let target = data.join(rollcall_node::DB_FILE);
    if target.exists() {
        anyhow::bail!(
            "{} already holds a ledger; restore into a new --data directory",
            data.display()
        );
    }
    super::args::check_regular(file, u64::MAX)?;
    let created_dir = !data.exists();
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(data)
        .with_context(|| format!("creating {}", data.display()))?;
    // Copy to a temporary name, open and verify it there, and only then
    // rename it into place: a file that is not a ledger, or one that fails
    // verify, never becomes this directory's ledger.
    let staging = data.join(format!(
        ".{}.restore-{}",
        rollcall_node::DB_FILE,
        std::process::id()
    ));
    let outcome = restore_staged(file, &staging);
    let cleanup = || {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", staging.display()));
        }
        if created_dir {
            let _ = std::fs::remove_dir(data);
        }
    };
    let report = match outcome {
        Ok(report) => report,
        Err(e) => {
            cleanup();
            return Err(e);
        }
    };
    if !report.ok {
        cleanup();
        for p in &report.problems {
            line(&format!("FAILED: {p}"))?;
        }
        line(&format!(
            "{} was not restored: it does not verify",
            file.display()
        ))?;
        return Ok(crate::exit::MISMATCH);
    }
    if let Err(e) = std::fs::rename(&staging, &target) {
        cleanup();
        anyhow::bail!("moving the restored ledger into {}: {e}", data.display());
    }
    line(&format!(
        "restored {} events into {}; verify passed. This copy reads and verifies; to append, the node's key (node.key) must be placed beside it.",
        n(report.events),
        data.display()
    ))?;
    Ok(0)
}

/// Copies `file` to `staging` (owner-only) and verifies the copy.
fn restore_staged(file: &Path, staging: &Path) -> anyhow::Result<rollcall_node::VerifyReport> {
    let mut src =
        std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?;
    let mut dst = crate::output::create_new(staging)?;
    std::io::copy(&mut src, &mut dst)
        .and_then(|_| dst.sync_all())
        .with_context(|| format!("copying {}", file.display()))?;
    drop(dst);
    let store = rollcall_node::open_store_file(staging)
        .map_err(|e| anyhow::anyhow!("{} is not a Rollcall ledger: {e}", file.display()))?;
    let report = rollcall_node::verify_store(&*store, Default::default(), &mut |_| {})?;
    Ok(report)
}
