//! Flag values: the enums clap parses (`--mode`, `--format`, `--sex`, …),
//! value parsers that bound every number and time, and `@FILE` inputs read
//! only from regular files below a size limit. The limits themselves are
//! `rollcall_core::limits`; this module maps flags onto them.

use anyhow::Context;
use rollcall_core::Timestamp;
use rollcall_core::limits;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest `@FILE` of ids, waypoints or track points.
pub const MAX_LIST_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Largest roster file.
pub const MAX_ROSTER_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Largest key file.
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;
/// How far ahead a movement may be planned, in days.
const MAX_PLAN_AHEAD_DAYS: i64 = 366;
/// How far back a movement may be planned, in days.
const MAX_PLAN_BEHIND_DAYS: i64 = 10 * 366;

/// A yes/no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum YesNo {
    /// Yes.
    #[value(alias = "y", alias = "true")]
    Yes,
    /// No.
    #[value(alias = "n", alias = "false")]
    No,
}

impl From<YesNo> for bool {
    fn from(v: YesNo) -> bool {
        v == YesNo::Yes
    }
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    /// A land convoy.
    Land,
    /// A flight.
    Air,
}

impl From<ModeArg> for rollcall_core::movement::Mode {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Land => Self::Land,
            ModeArg::Air => Self::Air,
        }
    }
}

/// `--format` of a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// PDF to print and sign.
    Pdf,
    /// CSV.
    Csv,
}

/// `--security` of a facility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SecurityArg {
    /// Minimum security.
    Minimum,
    /// Medium security.
    Medium,
    /// Maximum security.
    Maximum,
}

impl From<SecurityArg> for rollcall_core::custodian::SecurityLevel {
    fn from(s: SecurityArg) -> Self {
        match s {
            SecurityArg::Minimum => Self::Minimum,
            SecurityArg::Medium => Self::Medium,
            SecurityArg::Maximum => Self::Maximum,
        }
    }
}

/// One of `--categories`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CategoryArg {
    /// Adult men.
    #[value(name = "adult_male")]
    AdultMale,
    /// Adult women.
    #[value(name = "adult_female")]
    AdultFemale,
    /// Juveniles.
    #[value(name = "juvenile")]
    Juvenile,
}

impl From<CategoryArg> for rollcall_core::person::Category {
    fn from(c: CategoryArg) -> Self {
        match c {
            CategoryArg::AdultMale => Self::AdultMale,
            CategoryArg::AdultFemale => Self::AdultFemale,
            CategoryArg::Juvenile => Self::Juvenile,
        }
    }
}

/// `--sex`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SexArg {
    /// Male.
    #[value(name = "M", alias = "m", alias = "male")]
    Male,
    /// Female.
    #[value(name = "F", alias = "f", alias = "female")]
    Female,
    /// Not known.
    #[value(name = "U", alias = "u", alias = "unknown")]
    Unknown,
}

impl From<SexArg> for rollcall_core::person::Sex {
    fn from(s: SexArg) -> Self {
        match s {
            SexArg::Male => Self::Male,
            SexArg::Female => Self::Female,
            SexArg::Unknown => Self::Unknown,
        }
    }
}

/// `--risk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RiskArg {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High: travels only by air or in an armoured vehicle.
    High,
}

impl From<RiskArg> for rollcall_core::person::RiskLevel {
    fn from(r: RiskArg) -> Self {
        match r {
            RiskArg::Low => Self::Low,
            RiskArg::Medium => Self::Medium,
            RiskArg::High => Self::High,
        }
    }
}

/// An id flag: non-empty, short, no white space or invisible characters.
pub fn id(s: &str) -> Result<String, String> {
    limits::id_problem(s)
        .map(|_| s.to_string())
        .map_err(|p| format!("an id that {p}"))
}

/// A name that is not an id (a signing key's name, `officer.hasakah.12`):
/// non-empty, short, no white space or invisible characters.
pub fn token(s: &str) -> Result<String, String> {
    limits::token_problem(s)
        .map(|_| s.to_string())
        .map_err(|p| format!("a name that {p}"))
}

/// A text flag (a reason, a place, a name): no control characters, bounded.
/// A country: ISO 3166-1 alpha-2 or alpha-3.
pub fn country(s: &str) -> Result<rollcall_core::Country, String> {
    rollcall_core::Country::parse(s)
        .ok_or_else(|| format!("{s:?} is not an ISO 3166-1 alpha-2 or alpha-3 country code"))
}

pub fn text(s: &str) -> Result<String, String> {
    limits::text_problem(s)
        .map(|_| s.to_string())
        .map_err(|p| format!("the text {p}"))
}

/// The time something happened (RFC 3339): not in the future.
pub fn event_time(s: &str) -> Result<Timestamp, String> {
    let t = limits::parse_time(s)?;
    limits::not_in_future(t, Timestamp::now(), "the time")?;
    Ok(t)
}

/// A planned departure (RFC 3339): within a year ahead and ten years back.
pub fn planned_time(s: &str) -> Result<Timestamp, String> {
    let t = limits::parse_time(s)?;
    let now = Timestamp::now().as_second();
    let day = 24 * 3600;
    if t.as_second() > now + MAX_PLAN_AHEAD_DAYS * day {
        return Err(format!("{t} is more than {MAX_PLAN_AHEAD_DAYS} days ahead"));
    }
    if t.as_second() < now - MAX_PLAN_BEHIND_DAYS * day {
        return Err(format!("{t} is more than ten years ago"));
    }
    Ok(t)
}

/// Day 1 of a plan (`--days-from`, YYYY-MM-DD): not before yesterday in
/// UTC (today somewhere east of it) and within [`MAX_PLAN_AHEAD_DAYS`]. A
/// plan in the past would record movements that were due to leave before
/// they were planned.
pub fn plan_start(s: &str) -> Result<jiff::civil::Date, String> {
    let date: jiff::civil::Date = s
        .parse()
        .map_err(|e| format!("{s:?} is not a date (YYYY-MM-DD): {e}"))?;
    let today = Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let earliest = today.yesterday().unwrap_or(today);
    if date < earliest {
        return Err(format!(
            "{date} is in the past: a plan starts today or later (today is {today} in UTC)"
        ));
    }
    let ahead = today
        .checked_add(jiff::Span::new().days(MAX_PLAN_AHEAD_DAYS))
        .unwrap_or(today);
    if date > ahead {
        return Err(format!(
            "{date} is more than {MAX_PLAN_AHEAD_DAYS} days ahead"
        ));
    }
    Ok(date)
}

/// `--at TIME`, or now.
pub fn time_or_now(at: Option<Timestamp>) -> Timestamp {
    at.unwrap_or_else(Timestamp::now)
}

/// A distance threshold in km: a finite number above 0, at most 20,000.
pub fn km(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("\"{}\" is not a number", limits::shown(s)))?;
    if !(v.is_finite() && v > 0.0 && v <= 20_000.0) {
        return Err(format!("{v} km: give a distance above 0 and at most 20000"));
    }
    Ok(v)
}

/// An automatic-link threshold: a probability above the review threshold
/// (0.5) and below 1.
pub fn threshold(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("\"{}\" is not a number", limits::shown(s)))?;
    if !(v.is_finite() && v > rollcall_matching::Config::default().review && v < 1.0) {
        return Err(format!(
            "{v}: give a probability above {} (below it pairs go to review) and below 1",
            rollcall_matching::Config::default().review
        ));
    }
    Ok(v)
}

/// A latitude in degrees.
pub fn lat(s: &str) -> Result<f64, String> {
    degrees(s, 90.0)
}

/// A longitude in degrees.
pub fn lon(s: &str) -> Result<f64, String> {
    degrees(s, 180.0)
}

fn degrees(s: &str, max: f64) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("\"{}\" is not a number", limits::shown(s)))?;
    if !(v.is_finite() && v.abs() <= max) {
        return Err(format!("{v} is not within ±{max} degrees"));
    }
    Ok(v)
}

/// A private key file given as a flag: a regular file, small.
pub fn key_file(s: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(s);
    check_regular(&path, MAX_KEY_FILE_BYTES).map_err(|e| format!("{e:#}"))?;
    Ok(path)
}

/// Refuses anything but a regular file of at most `limit` bytes.
pub fn check_regular(path: &Path, limit: u64) -> anyhow::Result<u64> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if !meta.is_file() {
        anyhow::bail!(
            "{} is not a regular file (a directory, device or pipe is not read)",
            path.display()
        );
    }
    if meta.len() > limit {
        anyhow::bail!(
            "{} is {} bytes, more than the {limit} allowed",
            path.display(),
            meta.len()
        );
    }
    Ok(meta.len())
}

/// Reads a regular UTF-8 text file of at most `limit` bytes.
pub fn read_file(path: &Path, what: &str, limit: u64) -> anyhow::Result<String> {
    check_regular(path, limit).with_context(|| what.to_string())?;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .with_context(|| format!("{what}: reading {}", path.display()))?;
    if bytes.len() as u64 > limit {
        anyhow::bail!(
            "{what}: {} grew past {limit} bytes while read",
            path.display()
        );
    }
    String::from_utf8(bytes)
        .map_err(|e| anyhow::anyhow!("{what}: {} is not UTF-8 text ({e})", path.display()))
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

/// Refuses a date of birth after today.
pub fn birth_date_not_in_future(date: rollcall_core::person::PartialDate) -> Result<(), String> {
    limits::birth_date_not_after(date, Timestamp::now())
}
