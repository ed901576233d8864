//! Printing helpers: numbers with thousands separators, progress bars that
//! stay out of the way when output is not a terminal, JSON.

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

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

/// Prints a value as pretty JSON on standard output.
pub fn json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    line(&serde_json::to_string_pretty(v)?)
}

/// Prints one line on standard output, returning (not panicking on) a
/// closed pipe, which `main` treats as a reader that has seen enough.
pub fn line(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()?;
    Ok(())
}
