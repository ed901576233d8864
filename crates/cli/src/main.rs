//! `rollcall`: the command line of a Rollcall node. Thin glue: every command
//! parses its arguments, calls the node, matching or sim crates, and prints.
//!
//! Exit status: 0 on success, 1 on an error (nothing was written), 2 when
//! `verify` or `verify-proof` finds that something does not check out.

mod cmd;
mod output;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Rollcall: custody-transfer operations with a tamper-evident ledger.
#[derive(Parser, Debug)]
#[command(name = "rollcall", version, about, long_about = None)]
pub struct Cli {
    /// Data directory of the node.
    #[arg(
        long,
        global = true,
        default_value = "rollcall-data",
        env = "ROLLCALL_DATA"
    )]
    pub data: PathBuf,
    /// Who is working (recorded with every event and every read).
    #[arg(long, global = true, env = "ROLLCALL_USER")]
    pub user: Option<String>,
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
        #[arg(long, default_value = "node")]
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
    /// The operation at a glance.
    Status {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Import data.
    #[command(subcommand)]
    Import(ImportCommand),
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
    /// People, optionally only those with one custodian.
    People {
        /// Only people held by this custodian.
        #[arg(long)]
        at: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Hand a person over from their current custodian to another.
    Handover {
        /// Person id.
        #[arg(long)]
        person: String,
        /// Current custodian.
        #[arg(long)]
        from: String,
        /// Receiving custodian.
        #[arg(long)]
        to: String,
        /// Why.
        #[arg(long)]
        reason: Option<String>,
        /// Accept a receiving facility over capacity, for this stated reason.
        #[arg(long)]
        override_capacity: Option<String>,
        /// Private key file of the handing-over side, to sign the handover.
        #[arg(long)]
        sign_from: Option<PathBuf>,
        /// Private key file of the receiving side, to sign the handover.
        #[arg(long)]
        sign_to: Option<PathBuf>,
        /// When it happened (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
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
        /// The time to check as of (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
        #[command(flatten)]
        rules: RulesArgs,
        /// Escalate open discrepancies older than this many minutes.
        #[arg(long, default_value_t = 120)]
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
        #[arg(long)]
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
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Recompute every leaf, signed head and projection row.
    Verify {
        /// JSON output.
        #[arg(long)]
        json: bool,
        /// Check heads against this verifier key (or file) rather than the one the ledger records.
        #[arg(long)]
        key: Option<String>,
    },
    /// Rebuild every projection from the events.
    Rebuild,
    /// Consistent snapshot of the ledger into a new file, while others write.
    Backup {
        /// The new file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Make a data directory from a backup file (read and verify; no signing key).
    Restore {
        /// The backup file.
        file: PathBuf,
    },
}

/// Thresholds of the tracking alerts.
#[derive(clap::Args, Debug, Clone)]
pub struct RulesArgs {
    /// Alert when a movement under way has not reported for this many minutes.
    #[arg(long, default_value_t = 30)]
    pub silent_after: i64,
    /// Alert when a movement stands still this many minutes outside a checkpoint.
    #[arg(long, default_value_t = 20)]
    pub max_stop: i64,
    /// Alert when a movement is farther than this many km from its planned route.
    #[arg(long, default_value_t = 5.0)]
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
    /// Plan a movement; its manifest is checked against every rule.
    Create {
        /// `land` or `air`.
        #[arg(long)]
        mode: String,
        /// Origin facility.
        #[arg(long)]
        from: String,
        /// Destination facility.
        #[arg(long)]
        to: String,
        /// Planned departure (RFC 3339).
        #[arg(long)]
        at: String,
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
        #[arg(long)]
        escort: Vec<String>,
        /// Movement id (default: the next `MV-NNNN`).
        #[arg(long)]
        id: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Record the departure: headcount and who boarded.
    Depart {
        /// Movement id.
        id: String,
        /// The escort's headcount.
        #[arg(long)]
        count: u32,
        /// Who boarded: ids or `@FILE`.
        #[arg(long)]
        boarded: String,
        /// Private key file of the origin facility's officer: signs every handover.
        #[arg(long)]
        sign_from: Option<PathBuf>,
        /// Private key file of the escort commander: signs every handover.
        #[arg(long)]
        sign_to: Option<PathBuf>,
        /// When (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// A headcount en route.
    Checkpoint {
        /// Movement id.
        id: String,
        /// Where.
        #[arg(long)]
        place: String,
        /// How many were counted.
        #[arg(long)]
        count: u32,
        /// When (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// A position report (or a batch with `--track FILE.csv` of `lat,lon,time`).
    Position {
        /// Movement id.
        id: String,
        /// Latitude.
        #[arg(long, allow_hyphen_values = true)]
        lat: Option<f64>,
        /// Longitude.
        #[arg(long, allow_hyphen_values = true)]
        lon: Option<f64>,
        /// When (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
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
        id: String,
        /// Admitted: ids or `@FILE`; a line `ID,BIOMETRIC` also checks identity.
        #[arg(long)]
        admitted: String,
        /// When (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Abort: everyone on board returns to a named custodian.
    Abort {
        /// Movement id.
        id: String,
        /// Where everyone goes back to.
        #[arg(long)]
        return_to: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// When (RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// A movement: vehicles, counts, track, ETA, open discrepancies.
    Show {
        /// Movement id.
        id: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// The printable manifest the escort carries and both sides sign.
    Manifest {
        /// Movement id.
        id: String,
        /// `pdf` or `csv`.
        #[arg(long, default_value = "pdf")]
        format: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Fields of an escort record given on the command line.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct EscortFields {
    /// Risk of violence: yes or no.
    #[arg(long)]
    pub violence: Option<String>,
    /// Risk of escape: yes or no.
    #[arg(long)]
    pub escape: Option<String>,
    /// Risk of self-harm: yes or no.
    #[arg(long)]
    pub self_harm: Option<String>,
    /// Health risk en route: yes or no.
    #[arg(long)]
    pub health: Option<String>,
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
        #[arg(long)]
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
        #[arg(long)]
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
        #[arg(long)]
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
    Add {
        /// Facility id (e.g. `IQ-NSR`).
        #[arg(long)]
        id: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// The authority running it.
        #[arg(long)]
        authority: String,
        /// Country (ISO 3166-1 alpha-2 or alpha-3).
        #[arg(long)]
        country: String,
        /// Latitude.
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        /// Longitude.
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        /// IANA time zone, e.g. `Asia/Baghdad`.
        #[arg(long)]
        time_zone: String,
        /// `minimum`, `medium` or `maximum`.
        #[arg(long, default_value = "maximum")]
        security: String,
        /// People it may hold.
        #[arg(long)]
        capacity: u32,
        /// Categories it may hold: comma-separated `adult_male`, `adult_female`, `juvenile`.
        #[arg(long, default_value = "adult_male")]
        categories: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum DiscrepancyCommand {
    /// Resolve it, with a stated reason (recorded in the ledger with your name).
    Resolve {
        /// Discrepancy id.
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
        #[arg(long)]
        facility: String,
        /// Register the good rows and write bad ones here with the reason.
        #[arg(long)]
        quarantine: Option<PathBuf>,
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
        id: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Correct a person's record: a new event naming the one it corrects;
    /// nothing recorded before is changed. Only the fields given change.
    Correct {
        /// Person id.
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
    /// Sex: M, F or U.
    #[arg(long)]
    pub sex: Option<String>,
    /// Nationalities, `;`-separated ISO 3166-1 codes (replaces the list; `none` for unknown).
    #[arg(long)]
    pub nationality: Option<String>,
    /// Risk level: low, medium or high.
    #[arg(long)]
    pub risk: Option<String>,
    /// Why the risk level is what it is.
    #[arg(long)]
    pub risk_reason: Option<String>,
    /// Juvenile: yes or no.
    #[arg(long)]
    pub juvenile: Option<String>,
    /// Medical needs: yes or no.
    #[arg(long)]
    pub medical_needs: Option<String>,
    /// Separation groups, `;`-separated (replaces the list; `none` to clear).
    #[arg(long)]
    pub separation_groups: Option<String>,
    /// Reference into the external biometric system.
    #[arg(long)]
    pub biometric_ref: Option<String>,
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
    let cli = Cli::parse();
    match cmd::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // A reader that stops early (`| head`) is not an error.
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                std::process::exit(0);
            }
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}
