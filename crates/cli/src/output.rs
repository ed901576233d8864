//! Everything the CLI prints goes through here: one writer for standard
//! output that never panics, numbers with thousands separators, progress
//! bars that stay out of the way when output is not a terminal, JSON, and
//! files created owner-only and never overwritten.
//!
//! - A closed standard output (`rollcall people | head -1`) is not an error:
//!   the rest of the output is dropped and the command ends with the status
//!   it would have had (so `verify | head` still exits 2 on a mismatch).
//! - Any other failure to write standard output (a full disk, `> /dev/full`)
//!   is an [`OutputFailed`] error, which `main` reports in one line and exits
//!   with [`crate::exit::OUTPUT`].
//! - Messages on standard error ([`note`]) are best effort: a closed or full
//!   standard error never stops a command.

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once standard output has been closed by its reader.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Standard output could not be written (not a closed pipe: that is fine).
#[derive(Debug, thiserror::Error)]
#[error("writing standard output: {0}")]
pub struct OutputFailed(#[source] pub std::io::Error);

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    if CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(OutputFailed(e).into()),
    }
}

/// Prints text as it is (no newline added).
pub fn text(text: &str) -> anyhow::Result<()> {
    write_stdout(text.as_bytes())
}

/// Prints one line on standard output.
pub fn line(text: &str) -> anyhow::Result<()> {
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.extend_from_slice(text.as_bytes());
    bytes.push(b'\n');
    write_stdout(&bytes)
}

/// Prints many lines with one write (long listings).
pub fn lines<I, S>(items: I) -> anyhow::Result<()>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut bytes = Vec::new();
    for l in items {
        bytes.extend_from_slice(l.as_ref().as_bytes());
        bytes.push(b'\n');
        if bytes.len() >= 64 * 1024 {
            write_stdout(&bytes)?;
            bytes.clear();
        }
    }
    write_stdout(&bytes)
}

/// Prints a value as pretty JSON on standard output.
pub fn json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    line(&serde_json::to_string_pretty(v)?)
}

/// A message on standard error (best effort: never fails, never panics).
pub fn note(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}

/// `12345` → `12,345`.
pub fn n(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A progress bar on standard error (hidden when it is not a terminal).
pub fn bar(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// A spinner on standard error for work of unknown length (hidden when it
/// is not a terminal): the message and the time spent so far.
pub fn spinner(what: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(what.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(200));
    pb
}

/// Creates `path` for writing: a new file only (an existing one is never
/// overwritten), readable by its owner only (mode 0600), since what the CLI
/// writes to files — manifests, proofs, quarantined rows — names people.
pub fn create_new(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
            "{} already exists; an existing file is never overwritten: choose a new name",
            path.display()
        ),
        _ => anyhow::anyhow!("creating {}: {e}", path.display()),
    })
}

/// Writes `bytes` into a new owner-only file; on failure removes what was
/// created, so no half-written file is left.
pub fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = create_new(path)?;
    if let Err(e) = f.write_all(bytes).and_then(|_| f.sync_all()) {
        drop(f);
        let _ = std::fs::remove_file(path);
        anyhow::bail!("writing {}: {e}", path.display());
    }
    Ok(())
}
