//! `rollcall`: the command line of a Rollcall node. Thin glue: every command
//! parses its arguments, calls the node, matching or sim crates, and prints.
//!
//! Exit status ([`exit`]): 0 on success, 1 on an error, 2 when `verify` or
//! `verify-proof` finds that something does not check out, 64 on a usage
//! error (an unknown flag, a value out of range), 74 when standard output
//! cannot be written. A reader that closes the output early (`| head`) does
//! not change the status.

mod cmd;
mod output;

use clap::{Parser, Subcommand};
use cmd::args::{self, CategoryArg, FormatArg, ModeArg, RiskArg, SecurityArg, SexArg, YesNo};
use rollcall_core::Timestamp;
use std::path::PathBuf;

/// The exit statuses, disjoint so a script can tell them apart.
pub mod exit {
    /// Done.
    pub const OK: i32 = 0;
    /// Refused or failed; the message says what to do.
    pub const ERROR: i32 = 1;
    /// `verify` or `verify-proof` found something that does not check out.
    pub const MISMATCH: i32 = 2;
    /// The command line itself is wrong (sysexits `EX_USAGE`).
    pub const USAGE: i32 = 64;
    /// Standard output could not be written, e.g. a full disk (sysexits `EX_IOERR`).
    pub const OUTPUT: i32 = 74;
}

/// Rollcall: custody-transfer operations with a tamper-evident ledger.
#[derive(Parser, Debug)]
#[command(
    name = "rollcall",
    version,
    about = "Rollcall: custody-transfer operations with a tamper-evident ledger.",
    long_about = None
)]
pub struct Cli {
    /// Where the node's ledger lives: a data directory (SQLite, the default)
    /// or a PostgreSQL URL, `postgres://USER@HOST[:PORT]/DATABASE[?schema=NAME]`.
    #[arg(
        long,
        global = true,
        default_value = "rollcall-data",
        env = "ROLLCALL_DATA"
    )]
    pub data: String,
    /// The node's private signing key. Default for a data directory:
    /// `DIR/node.key`; required to sign with a PostgreSQL store (`init` and
    /// `demo` create it, and refuse an existing file).
    #[arg(long, global = true, env = "ROLLCALL_NODE_KEY")]
    pub node_key: Option<PathBuf>,
    /// Who is working (recorded with every event and every read).
    #[arg(long, global = true, env = "ROLLCALL_USER", value_parser = args::text)]
    pub user: Option<String>,
    /// Why you are reading (a case file, a request): recorded with every
    /// read of personal data this command makes (`audit` shows it).
    #[arg(long, global = true, env = "ROLLCALL_REASON", value_parser = args::text)]
    pub reason: Option<String>,
    /// Print one line `ack <tree size> <root hex>` after each durable commit.
    #[arg(long, global = true, hide = true)]
    pub print_acks: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a new ledger and this node's signing key.
    Init {
        /// Node name, written into every signed head.
        #[arg(long, default_value = "node", value_parser = args::id)]
        name: String,
    },
    /// Generate and record the reference operation, then print the status.
    Demo {
        /// Seed of the reference operation.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Size: 1 is 7,000 people.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
    },
    /// Plan the transfer: the fewest days to move everyone under the manifest
    /// rules, with a proven lower bound and what more transport would save.
    Plan {
        /// The instance (JSON; see README, "Transfer planner").
        #[arg(
            long,
            required_unless_present = "from_store",
            conflicts_with = "from_store"
        )]
        input: Option<PathBuf>,
        /// The plan to write (JSON); must not exist yet. Required with
        /// --input; with --from-store, optional.
        #[arg(long, required_unless_present = "from_store")]
        out: Option<PathBuf>,
        /// Plan from the ledger in --data: everyone held at an origin of the
        /// transport file and on no open movement.
        #[arg(long, requires_all = ["transport", "days_from"])]
        from_store: bool,
        /// With --from-store: the transport file (JSON; README, "Transfer planner").
        #[arg(long, requires = "from_store")]
        transport: Option<PathBuf>,
        /// With --from-store: day 1 of the plan (YYYY-MM-DD), today or later.
        #[arg(long, requires = "from_store", value_parser = args::plan_start)]
        days_from: Option<jiff::civil::Date>,
        /// With --from-store: record the plan's movements as planned
        /// movements, through the checks of `movement create`, all or none.
        #[arg(long, requires = "from_store")]
        commit: bool,
        /// With --from-store: take back the origins' planned movements that
        /// have not left (aborted back to their origin) and plan their people
        /// again; movements under way are not touched.
        #[arg(long, requires = "from_store")]
        replan: bool,
        /// Skip the what-if questions (one solve instead of one per question).
        #[arg(long)]
        no_what_if: bool,
        /// JSON summary on standard output.
        #[arg(long)]
        json: bool,
    },
    /// Link two rosters: which rows of RIGHT are people listed in LEFT
    /// (Arabic or Latin script, spelling variants, partial dates). Writes
    /// `left_id,right_id,probability` for each pair linked automatically.
    Match {
        /// The roster the other is matched against (roster CSV columns, as `import roster`).
        left: PathBuf,
        /// The roster whose rows are looked for in LEFT.
        right: PathBuf,
        /// The linked pairs (CSV); must not exist yet.
        #[arg(long)]
        out: PathBuf,
        /// Also write the candidate pairs a person should decide (CSV, same columns).
        #[arg(long)]
        review: Option<PathBuf>,
        /// Link automatically at or above this match probability (above 0.5, below 1).
        #[arg(long, default_value_t = 0.95, value_parser = args::threshold)]
        threshold: f64,
        /// JSON summary on standard output.
        #[arg(long)]
        json: bool,
    },
    /// Find the people listed more than once in one roster. Writes
    /// `record_id,cluster_id` for every row; rows of one person share the
    /// cluster id (the record id of its first row).
    Dedupe {
        /// The roster (roster CSV columns, as `import roster`).
        roster: PathBuf,
        /// The clusters (CSV); must not exist yet.
        #[arg(long)]
        out: PathBuf,
        /// Also write the pairs a person should decide
        /// (`record_id,other_record_id,probability`).
        #[arg(long)]
        review: Option<PathBuf>,
        /// Join two rows automatically at or above this match probability (above 0.5, below 1).
        #[arg(long, default_value_t = 0.95, value_parser = args::threshold)]
        threshold: f64,
        /// JSON summary on standard output.
        #[arg(long)]
        json: bool,
    },
    /// Border-post check: is the person stopped someone the ledger knows
    /// (any script or spelling), and where do they stand? Answered from this
    /// node's store, offline; the candidates shown and the check are recorded.
    Screen {
        /// The name given (or on their papers), in either script.
        #[arg(long, value_parser = args::text)]
        name: String,
        /// Father's name.
        #[arg(long, value_parser = args::text)]
        father: Option<String>,
        /// Date of birth: YYYY, YYYY-MM or YYYY-MM-DD.
        #[arg(long)]
        birth_date: Option<String>,
        /// Nationality (ISO 3166-1 alpha-2 or alpha-3).
        #[arg(long, value_parser = args::country)]
        nationality: Option<rollcall_core::Country>,
        /// The border post making the check (recorded with it).
        #[arg(long, value_parser = args::id)]
        post: String,
        /// At most this many candidates (1 to 20).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
        limit: u32,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Write the planner instance of the reference operation (everyone still to move).
    PlanInstance {
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Size: 1 is 7,000 people.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// The instance to write (JSON); must not exist yet.
        #[arg(long)]
        out: PathBuf,
    },
    /// The operation at a glance.
    Status {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Import data.
    #[command(subcommand)]
    Import(ImportCommand),
    /// The identity-match review queue: roster rows that matched registered
    /// people too uncertainly to decide automatically.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// A person's record.
    #[command(subcommand)]
    Person(PersonCommand),
    /// Register a facility (admin).
    #[command(subcommand)]
    Facility(FacilityCommand),
    /// Facilities with occupancy and capacity.
    Facilities {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// People in id order, optionally only those with one custodian, of
    /// one nationality or found by name, a page at a time (`--limit N`,
    /// then `--after` the last id shown). Only the people listed are read
    /// and recorded.
    People {
        /// Only people held by this custodian.
        #[arg(long, value_parser = args::id)]
        at: Option<String>,
        /// Only people of this nationality (ISO 3166-1 alpha-2 or alpha-3).
        #[arg(long, value_parser = args::country)]
        nationality: Option<rollcall_core::Country>,
        /// Only people whose names hold every word of this one, in either
        /// script and any common spelling (`Husein al-Juburi` finds
        /// `حسين … الجبوري`).
        #[arg(long, value_parser = args::text)]
        name: Option<String>,
        /// At most this many.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        limit: Option<u32>,
        /// Only people after this id (the last of the page before).
        #[arg(long, value_parser = args::id)]
        after: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Hand a person over from their current custodian to another.
    Handover {
        /// Person id.
        #[arg(long, value_parser = args::id)]
        person: String,
        /// Current custodian.
        #[arg(long, value_parser = args::id)]
        from: String,
        /// Receiving custodian.
        #[arg(long, value_parser = args::id)]
        to: String,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
        /// Accept a receiving facility over capacity, for this stated reason.
        #[arg(long)]
        override_capacity: Option<String>,
        /// Private key file of the handing-over side, to sign the handover.
        #[arg(long, value_parser = args::key_file)]
        sign_from: Option<PathBuf>,
        /// Private key file of the receiving side, to sign the handover.
        #[arg(long, value_parser = args::key_file)]
        sign_to: Option<PathBuf>,
        /// When it happened (RFC 3339, not in the future); default now.
        #[arg(long, value_parser = args::event_time)]
        at: Option<Timestamp>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Record an escape from a custodian's custody (opens an escape
    /// discrepancy; the custodian stays accountable until recapture).
    Escape {
        /// Person id.
        #[arg(long, value_parser = args::id)]
        person: String,
        /// The custodian they escaped from (their current one).
        #[arg(long, value_parser = args::id)]
        from: String,
        /// What is known.
        #[arg(long, value_parser = args::text)]
        circumstances: String,
        /// When (RFC 3339, not in the future); default now.
        #[arg(long, value_parser = args::event_time)]
        at: Option<Timestamp>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Record a release: the person leaves custody on an authority's order.
    Release {
        /// Person id.
        #[arg(long, value_parser = args::id)]
        person: String,
        /// The custodian releasing them (their current one).
        #[arg(long, value_parser = args::id)]
        from: String,
        /// The authority ordering the release (a court, a ministry decision).
        #[arg(long, value_parser = args::text)]
        authority: String,
        /// Why.
        #[arg(long, value_parser = args::text)]
        reason: String,
        /// When (RFC 3339, not in the future); default now.
        #[arg(long, value_parser = args::event_time)]
        at: Option<Timestamp>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Record the recapture of an escaped person into a custodian's custody.
    Recapture {
        /// Person id.
        #[arg(long, value_parser = args::id)]
        person: String,
        /// The custodian holding them now.
        #[arg(long, value_parser = args::id)]
        by: String,
        /// When (RFC 3339, not in the future); default now.
        #[arg(long, value_parser = args::event_time)]
        at: Option<Timestamp>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Movements: plan, depart, count, track, arrive, abort, print.
    #[command(subcommand)]
    Movement(MovementCommand),
    /// Person escort records on a movement.
    #[command(subcommand)]
    EscortRecord(EscortCommand),
    /// Discrepancies with age, severity and owner.
    Discrepancies {
        /// Only open ones.
        #[arg(long)]
        open: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Act on one discrepancy.
    #[command(subcommand)]
    Discrepancy(DiscrepancyCommand),
    /// Look for tracking alerts (silent, stopped, off route) and escalate old
    /// discrepancies, as of a time; run it every few minutes.
    Watch {
        /// The time to check as of (RFC 3339, not in the future); default now.
        #[arg(long, value_parser = args::event_time)]
        at: Option<Timestamp>,
        #[command(flatten)]
        rules: RulesArgs,
        /// Escalate open discrepancies older than this many minutes (1 to 525600, a year).
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(i64).range(1..=525_600))]
        escalate_after: i64,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Officer keys: which keys may sign handovers for a custodian.
    #[command(subcommand, name = "officer-key")]
    OfficerKey(OfficerKeyCommand),
    /// Create a signing key for an officer (to sign handovers).
    Keygen {
        /// Key name (no spaces or `+`), e.g. `officer.hasakah.12`.
        #[arg(long, value_parser = args::token)]
        name: String,
        /// Where to write the private key (mode 0600; never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// The latest signed tree head.
    Head {
        /// JSON output.
        #[arg(long)]
        json: bool,
        /// List every signed size instead.
        #[arg(long)]
        all: bool,
    },
    /// Build a proof against the latest signed head.
    #[command(subcommand)]
    Prove(ProveCommand),
    /// Check a proof file offline with only a public key.
    VerifyProof {
        /// The proof file written by `rollcall prove`.
        file: PathBuf,
        /// The verifier key (`name+keyid+base64`), or a file holding it (e.g. node.pub).
        #[arg(long)]
        key: String,
        /// A signed head you remembered (as `rollcall head` prints it): the
        /// consistency proof must start from exactly that head.
        #[arg(long, value_name = "FILE")]
        since: Option<PathBuf>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Recompute every leaf, signed head and projection row.
    Verify {
        /// JSON output.
        #[arg(long)]
        json: bool,
        /// Check heads against this verifier key (or file) only, not the one the ledger records.
        #[arg(long)]
        key: Option<String>,
        /// A signed head you remembered (as `rollcall head` prints it): fail
        /// if the ledger no longer holds exactly that tree (truncation,
        /// rollback, fork).
        #[arg(long, value_name = "FILE")]
        since: Option<PathBuf>,
    },
    /// The access log: who read whose record, when and why (itself recorded).
    Audit {
        /// JSON output.
        #[arg(long)]
        json: bool,
        /// Only reads of this subject (a person id).
        #[arg(long)]
        subject: Option<String>,
        /// Only reads by this user (here `--user` filters; the reader is named by
        /// `$ROLLCALL_USER` or `$USER`).
        #[arg(long)]
        user: Option<String>,
    },
    /// Rebuild every projection from the events.
    Rebuild,
    /// Consistent snapshot of the ledger into a new file, while others write.
    Backup {
        /// The new file.
        #[arg(long)]
        out: PathBuf,
    },
    /// The Merkle tree as static C2SP tlog-tiles files, for monitors and witnesses.
    #[command(subcommand)]
    Tiles(TilesCommand),
    /// Make a data directory from a backup file (read and verify; no signing key).
    Restore {
        /// The backup file.
        file: PathBuf,
    },
}

/// Thresholds of the tracking alerts.
#[derive(clap::Args, Debug, Clone)]
pub struct RulesArgs {
    /// Alert when a movement under way has not reported for this many minutes (1 to 10080, a week).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=10_080))]
    pub silent_after: i64,
    /// Alert when a movement stands still this many minutes outside a checkpoint (1 to 10080).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=10_080))]
    pub max_stop: i64,
    /// Alert when a movement is farther than this many km from its planned route (above 0).
    #[arg(long, default_value_t = 5.0, value_parser = args::km)]
    pub off_route_km: f64,
}

impl RulesArgs {
    /// As the core's tracking rules.
    pub fn rules(&self) -> rollcall_core::tracking::TrackingRules {
        rollcall_core::tracking::TrackingRules {
            silent_after_secs: self.silent_after * 60,
            max_stop_secs: self.max_stop * 60,
            max_off_route_m: self.off_route_km * 1000.0,
            ..Default::default()
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum MovementCommand {
    /// Movements by status, in order of planned departure: route, times and
    /// counts, naming nobody (`movement show ID` gives one in full).
    List {
        /// Only these statuses (comma-separated); default all.
        #[arg(long, value_enum, value_delimiter = ',')]
        status: Vec<MovementStatusArg>,
        /// Only movements from this origin.
        #[arg(long, value_parser = args::id)]
        from: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Plan a movement; its manifest is checked against every rule.
    Create {
        /// Land convoy or flight.
        #[arg(long, value_enum)]
        mode: ModeArg,
        /// Origin facility.
        #[arg(long, value_parser = args::id)]
        from: String,
        /// Destination facility.
        #[arg(long, value_parser = args::id)]
        to: String,
        /// Planned departure (RFC 3339; within a year ahead).
        #[arg(long, value_parser = args::planned_time)]
        at: Timestamp,
        /// Vehicles: `KIND:SEATS,...` with KIND bus, truck, armored or aircraft.
        #[arg(long)]
        vehicles: String,
        /// People: comma-separated ids, or `@FILE` with one id per line.
        #[arg(long)]
        people: String,
        /// Planned route: `@WAYPOINTS.csv` with `lat,lon` lines.
        #[arg(long)]
        route: Option<String>,
        /// Escort team members.
        #[arg(long, value_parser = args::text)]
        escort: Vec<String>,
        /// A medic travels with the escort (required for anyone with medical needs).
        #[arg(long)]
        medic: bool,
        /// When the plan was made (RFC 3339; default now). Nothing on the
        /// movement may be dated earlier.
        #[arg(long, value_parser = args::event_time)]
        planned_at: Option<Timestamp>,
        /// Movement id (default: the next `MV-NNNN`).
        #[arg(long, value_parser = args::id)]
        id: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Record the departure: headcount and who boarded.
    Depart {
        /// Movement id.
        #[arg(value_parser = args::id)]
        id: String,
        /// The escort's headcount.
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100_000))]
        count: u32,
        /// Who boarded: ids or `@FILE`.
        #[arg(long)]
        boarded: String,
        /// Private key file of the origin facility's officer, to sign the departure as the releasing side.
        #[arg(long, value_parser = args::key_file)]
        sign_from: Option<PathBuf>,
        /// Private key file of the escort commander (a key registered for the movement), to sign as the receiving side.
        #[arg(long, value_parser = args::key_file)]
        sign_to: Option<PathBuf>,
        /// When (RFC 3339, not in the future); default now.
        #[arg(long, value_parser = args::event_time)]
        at: Option<Timestamp>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// A headcount en route.
    Checkpoint {
        /// Movement id.
        #[arg(value_parser = args::id)]
        id: String,
        /// Where.
        #[arg(long, value_parser = args::text)]
        place: String,
        /// How many were counted.
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100_000))]
        count: u32,
        /// When (RFC 3339, not in the future); default now.
        #[arg(long, value_parser = args::event_time)]
        at: Option<Timestamp>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// A position report (or a batch with `--track FILE.csv` of `lat,lon,time`).
    Position {
        /// Movement id.
        #[arg(value_parser = args::id)]
        id: String,
        /// Latitude.
        #[arg(long, allow_hyphen_values = true, value_parser = args::lat)]
        lat: Option<f64>,
        /// Longitude.
        #[arg(long, allow_hyphen_values = true, value_parser = args::lon)]
        lon: Option<f64>,
        /// When (RFC 3339, not in the future); default now.
        #[arg(long, value_parser = args::event_time)]
        at: Option<Timestamp>,
        /// A CSV file of `lat,lon,time` lines.
        #[arg(long)]
        track: Option<String>,
        #[command(flatten)]
        rules: RulesArgs,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Arrival and intake: who was admitted; reconciled against who boarded.
    Arrive {
        /// Movement id.
        #[arg(value_parser = args::id)]
        id: String,
        /// Admitted: ids or `@FILE`; a line `ID,BIOMETRIC` also checks identity.
        #[arg(long)]
        admitted: String,
        /// Private key file of the escort commander (a key registered for the movement), to sign each admission as the handing-over side.
        #[arg(long, value_parser = args::key_file)]
        sign_from: Option<PathBuf>,
        /// Private key file of the destination facility's officer, to sign each admission as the receiving side.
        #[arg(long, value_parser = args::key_file)]
        sign_to: Option<PathBuf>,
        /// When (RFC 3339, not in the future); default now.
        #[arg(long, value_parser = args::event_time)]
        at: Option<Timestamp>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Abort: everyone on board returns to a named custodian.
    Abort {
        /// Movement id.
        #[arg(value_parser = args::id)]
        id: String,
        /// Where everyone goes back to.
        #[arg(long, value_parser = args::id)]
        return_to: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// When (RFC 3339, not in the future); default now.
        #[arg(long, value_parser = args::event_time)]
        at: Option<Timestamp>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// A movement: vehicles, counts, track, ETA, open discrepancies.
    Show {
        /// Movement id.
        #[arg(value_parser = args::id)]
        id: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The printable manifest the escort carries and both sides sign.
    Manifest {
        /// Movement id.
        #[arg(value_parser = args::id)]
        id: String,
        /// What to write.
        #[arg(long, value_enum, default_value_t = FormatArg::Pdf)]
        format: FormatArg,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Fields of an escort record given on the command line.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct EscortFields {
    /// Risk of violence: yes or no.
    #[arg(long, value_enum)]
    pub violence: Option<YesNo>,
    /// Risk of escape: yes or no.
    #[arg(long, value_enum)]
    pub escape: Option<YesNo>,
    /// Risk of self-harm: yes or no.
    #[arg(long, value_enum)]
    pub self_harm: Option<YesNo>,
    /// Health risk en route: yes or no.
    #[arg(long, value_enum)]
    pub health: Option<YesNo>,
    /// Medication, `;`-separated, or `none`.
    #[arg(long)]
    pub medication: Option<String>,
    /// Medical needs en route, or `none`.
    #[arg(long)]
    pub medical_needs: Option<String>,
    /// Property handed to the escort, `;`-separated, or `none`.
    #[arg(long)]
    pub property: Option<String>,
    /// Special needs, or `none`.
    #[arg(long)]
    pub special_needs: Option<String>,
    /// Notes for the escort.
    #[arg(long)]
    pub notes: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum EscortCommand {
    /// Show the records (the read is audited).
    Show {
        /// Movement id.
        #[arg(long, value_parser = args::id)]
        movement: String,
        /// People: ids or `@FILE`.
        #[arg(long)]
        people: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Complete or change fields of the records.
    Update {
        /// Movement id.
        #[arg(long, value_parser = args::id)]
        movement: String,
        /// People: ids or `@FILE`.
        #[arg(long)]
        people: String,
        #[command(flatten)]
        fields: EscortFields,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Confirm the records for departure (optionally completing fields first);
    /// refuses a record with required fields missing, naming them.
    Confirm {
        /// Movement id.
        #[arg(long, value_parser = args::id)]
        movement: String,
        /// People: ids or `@FILE`.
        #[arg(long)]
        people: String,
        #[command(flatten)]
        fields: EscortFields,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum OfficerKeyCommand {
    /// Register an officer's key to sign handovers for a custodian.
    Register {
        /// The custodian (facility, hospital, representative or movement).
        #[arg(long)]
        custodian: String,
        /// The officer's verifier key, as `rollcall keygen` prints it.
        #[arg(
            long,
            conflicts_with = "key_file",
            required_unless_present = "key_file"
        )]
        key: Option<String>,
        /// Or the officer's private key file (only its public half is recorded).
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// The officer (name or service number).
        #[arg(long)]
        officer: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke an officer key: its signatures no longer count from now on.
    Revoke {
        /// The custodian it is registered for.
        #[arg(long)]
        custodian: String,
        /// The verifier key.
        #[arg(long)]
        key: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Registered officer keys.
    List {
        /// Only those of this custodian.
        #[arg(long)]
        custodian: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum FacilityCommand {
    /// Register a detention facility.
    Add(FacilityAdd),
}

/// `facility add`.
#[derive(clap::Args, Debug)]
pub struct FacilityAdd {
    /// Facility id (e.g. `IQ-NSR`).
    #[arg(long, value_parser = args::id)]
    pub id: String,
    /// Name.
    #[arg(long, value_parser = args::text)]
    pub name: String,
    /// The authority running it.
    #[arg(long, value_parser = args::text)]
    pub authority: String,
    /// Country (ISO 3166-1 alpha-2 or alpha-3).
    #[arg(long)]
    pub country: String,
    /// Latitude.
    #[arg(long, allow_hyphen_values = true, value_parser = args::lat)]
    pub lat: f64,
    /// Longitude.
    #[arg(long, allow_hyphen_values = true, value_parser = args::lon)]
    pub lon: f64,
    /// IANA time zone, e.g. `Asia/Baghdad`.
    #[arg(long)]
    pub time_zone: String,
    /// Security level.
    #[arg(long, value_enum, default_value_t = SecurityArg::Maximum)]
    pub security: SecurityArg,
    /// People it may hold (1 to 10,000,000).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub capacity: u32,
    /// Categories it may hold, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "adult_male")]
    pub categories: Vec<CategoryArg>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum DiscrepancyCommand {
    /// Resolve it, with a stated reason (recorded in the ledger with your name).
    Resolve {
        /// Discrepancy id.
        #[arg(value_parser = args::id)]
        id: String,
        /// Why it is resolved.
        #[arg(long)]
        reason: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Register people from a roster CSV.
    Roster {
        /// The roster file.
        file: PathBuf,
        /// The facility holding them.
        #[arg(long, value_parser = args::id)]
        facility: String,
        /// Register the good rows and write bad ones here with the reason.
        #[arg(long)]
        quarantine: Option<PathBuf>,
        /// When they were taken into the facility's custody (RFC 3339; default now).
        #[arg(long, value_parser = args::event_time)]
        at: Option<Timestamp>,
        /// Link a row to a registered person automatically at or above
        /// this match probability (above 0.5, below 1); between 0.5 and it,
        /// the row waits for review.
        #[arg(long, default_value_t = 0.95, value_parser = args::threshold)]
        threshold: f64,
        /// Link nothing automatically: every row like someone registered,
        /// or like another row of the roster, waits in the review queue.
        #[arg(long, conflicts_with = "threshold")]
        review_all: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// A movement's status, to list.
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum MovementStatusArg {
    /// Planned, not yet departed.
    Planned,
    /// Under way.
    Departed,
    /// Arrived, intake not yet reconciled.
    Arrived,
    /// Intake reconciled.
    Reconciled,
    /// Aborted.
    Aborted,
}

/// Where a review stands, to list.
#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum ReviewStatusArg {
    /// Waiting for a decision.
    Pending,
    /// Decided: one of the candidates.
    SamePerson,
    /// Decided: a new person.
    NewPerson,
}

#[derive(Subcommand, Debug)]
pub enum ReviewCommand {
    /// Roster rows waiting for a decision (or decided), oldest first.
    List {
        /// Which.
        #[arg(long, value_enum, default_value_t = ReviewStatusArg::Pending)]
        status: ReviewStatusArg,
        /// At most this many.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        limit: u32,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// One review: the roster row, each candidate and why they scored as they did.
    Show {
        /// Review id.
        #[arg(value_parser = args::id)]
        id: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The row is a candidate (the best one unless `--person`): it is recorded against them.
    Accept {
        /// Review id.
        #[arg(value_parser = args::id)]
        id: String,
        /// The candidate it is.
        #[arg(long, value_parser = args::id)]
        person: Option<String>,
        /// Why (recorded with your name).
        #[arg(long, value_parser = args::text)]
        reason: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The row is none of the candidates: a new person is registered from it.
    Reject {
        /// Review id.
        #[arg(value_parser = args::id)]
        id: String,
        /// Why (recorded with your name).
        #[arg(long, value_parser = args::text)]
        reason: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

// Parsed once per process: the size of a variant does not matter here.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum PersonCommand {
    /// Whole custody history with inclusion proofs (the read is audited).
    Show {
        /// Person id.
        #[arg(value_parser = args::id)]
        id: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Record that two registered records are one person (both are kept,
    /// each naming the other); if they are in two custodians' hands a
    /// duplicate_record discrepancy is opened.
    Link {
        /// The record found to be a second record of the other.
        #[arg(value_parser = args::id)]
        id: String,
        /// The other record.
        #[arg(long, value_parser = args::id)]
        same_as: String,
        /// Why (what showed they are one person; recorded with your name).
        #[arg(long, value_parser = args::text)]
        reason: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Withdraw a link of two records as one person, found to be two
    /// people: each record stands alone again, and the duplicate_record
    /// discrepancy the link opened, if still open, is resolved.
    Unlink {
        /// One of the two records.
        #[arg(value_parser = args::id)]
        id: String,
        /// The other record.
        #[arg(long, value_parser = args::id)]
        from: String,
        /// Why (what showed they are two people; recorded with your name).
        #[arg(long, value_parser = args::text)]
        reason: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// A roster row recorded against this person (by the matcher or a
    /// review) is not them: register it as the new person it is, from its
    /// own record at the facility whose roster listed it, or record it
    /// against another person (`--to`). The listed_elsewhere discrepancy
    /// the link opened, if still open, is resolved.
    UnlinkRow {
        /// The person the row is recorded against now.
        #[arg(value_parser = args::id)]
        id: String,
        /// The roster (as `person show` lists the row).
        #[arg(long, value_parser = args::text)]
        roster: String,
        /// The row's record id in that roster.
        #[arg(long, value_parser = args::text)]
        record_id: String,
        /// The registered person the row is instead (default: nobody
        /// registered, so a new person is registered from it).
        #[arg(long, value_parser = args::id)]
        to: Option<String>,
        /// Why (what showed the row is not them; recorded with your name).
        #[arg(long, value_parser = args::text)]
        reason: String,
        /// Register the new person at a facility over capacity, for this
        /// stated reason.
        #[arg(long, conflicts_with = "to", value_parser = args::text)]
        override_capacity: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Correct a person's record: a new event naming the one it corrects;
    /// nothing recorded before is changed. Only the fields given change.
    Correct {
        /// Person id.
        #[arg(value_parser = args::id)]
        id: String,
        /// Why (required).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        fields: CorrectionFields,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// Fields of a person's record that a correction may set.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CorrectionFields {
    /// Full name as written (any script).
    #[arg(long)]
    pub full_name: Option<String>,
    /// Full name in Arabic script.
    #[arg(long)]
    pub arabic_name: Option<String>,
    /// A Latin spelling to add.
    #[arg(long)]
    pub latin_name: Option<String>,
    /// Given name.
    #[arg(long)]
    pub given_name: Option<String>,
    /// Father's name.
    #[arg(long)]
    pub father_name: Option<String>,
    /// Grandfather's name.
    #[arg(long)]
    pub grandfather_name: Option<String>,
    /// Family name.
    #[arg(long)]
    pub family_name: Option<String>,
    /// Mother's name.
    #[arg(long)]
    pub mother_name: Option<String>,
    /// Date of birth: YYYY, YYYY-MM or YYYY-MM-DD.
    #[arg(long)]
    pub birth_date: Option<String>,
    /// Sex: M, F or U (also male, female, unknown).
    #[arg(long, value_enum, ignore_case = true)]
    pub sex: Option<SexArg>,
    /// Nationalities, `;`-separated ISO 3166-1 codes (replaces the list; `none` for unknown).
    #[arg(long)]
    pub nationality: Option<String>,
    /// Risk level.
    #[arg(long, value_enum, ignore_case = true)]
    pub risk: Option<RiskArg>,
    /// Why the risk level is what it is.
    #[arg(long)]
    pub risk_reason: Option<String>,
    /// Juvenile.
    #[arg(long, value_enum)]
    pub juvenile: Option<YesNo>,
    /// Medical needs.
    #[arg(long, value_enum)]
    pub medical_needs: Option<YesNo>,
    /// Separation groups, `;`-separated (replaces the list; `none` to clear).
    #[arg(long)]
    pub separation_groups: Option<String>,
    /// Reference into the external biometric system.
    #[arg(long)]
    pub biometric_ref: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum TilesCommand {
    /// Write the latest signed head (`checkpoint`) and the hash tiles of its
    /// tree (`tile/L/N[.p/W]`) into DIR, a new or empty directory. Entry
    /// bundles are left out: they hold personal data.
    Export {
        /// The directory to write (new, or empty).
        dir: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum ProveCommand {
    /// Proof that an event is in the latest signed head.
    Inclusion {
        /// Event seq.
        event: u64,
        /// Write the proof here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Proof that the latest signed head extends an earlier one.
    Consistency {
        /// Size of the earlier signed head.
        #[arg(long)]
        from_size: u64,
        /// Write the proof here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() {
    let code = match Cli::try_parse() {
        Ok(cli) => match cmd::run(cli) {
            Ok(code) => code,
            Err(e) => report(&e),
        },
        Err(e) => usage(&e),
    };
    // Whatever is still buffered: a failure here is a failure to report.
    let code = match output::text("") {
        Ok(()) => code,
        Err(e) => report(&e),
    };
    std::process::exit(code);
}

/// Help and version go to standard output (status 0); a usage error goes
/// to standard error with status 64.
fn usage(e: &clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            match output::text(&e.render().to_string()) {
                Ok(()) => exit::OK,
                Err(e) => report(&e),
            }
        }
        _ => {
            match bad_value(e) {
                Some(msg) => output::note(&msg),
                None => {
                    let _ = e.print();
                }
            }
            exit::USAGE
        }
    }
}

/// clap's message for a refused value echoes the value as given — control
/// characters, bidi overrides and 100 KB ids included. This one shows it
/// escaped and cut short, then the reason.
fn bad_value(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let ContextValue::String(value) = e.get(ContextKind::InvalidValue)? else {
        return None;
    };
    let arg = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(a)) => a.clone(),
        _ => "a value".into(),
    };
    let why = match (std::error::Error::source(e), e.get(ContextKind::ValidValue)) {
        (Some(source), _) => source.to_string(),
        (None, Some(ContextValue::Strings(valid))) => {
            format!("use one of {}", valid.join(", "))
        }
        _ => "not accepted".into(),
    };
    Some(format!(
        "error: invalid value '{}' for '{arg}': {why}\n\nFor more information, try '--help'.",
        rollcall_core::limits::shown(value)
    ))
}

/// Prints an error as one line, each cause once, and returns its status.
fn report(e: &anyhow::Error) -> i32 {
    output::note(&format!("error: {}", message(e)));
    if e.downcast_ref::<output::OutputFailed>().is_some() {
        exit::OUTPUT
    } else {
        exit::ERROR
    }
}

/// The error and its causes joined by `: `, leaving out a cause whose text
/// the message already holds (`os error 17: os error 17`).
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
