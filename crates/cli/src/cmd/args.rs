//! Small parsers for flag values shared by several commands.

/// `yes`/`no` (also `y`/`n`, `true`/`false`), naming the flag when neither.
pub fn yes_no(value: &str, flag: &str) -> anyhow::Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" => Ok(false),
        other => anyhow::bail!("--{flag} {other:?}: answer yes or no"),
    }
}

/// A `;`-separated list; `none` is the empty list.
pub fn semicolon_list(value: &str) -> Vec<String> {
    if value.trim().eq_ignore_ascii_case("none") {
        return vec![];
    }
    value
        .split(';')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}
