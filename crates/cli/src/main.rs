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
        #[arg(long, default_value = "rollcall-node")]
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
        /// JSON output.
        #[arg(long)]
        json: bool,
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
