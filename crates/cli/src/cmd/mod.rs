//! One module per group of commands; `run` dispatches.

mod demo;
mod import;
mod ledger;
mod people;

use crate::{Cli, Command};
use anyhow::Context;
use rollcall_node::Node;

/// Runs a parsed command line; returns the exit status.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    let user = cli
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "operator".into());
    let ctx = Ctx {
        data: cli.data.clone(),
        user,
        print_acks: cli.print_acks,
    };
    match cli.command {
        Command::Init { name } => {
            let node = Node::init(&ctx.data, &name)?;
            println!("initialised ledger in {}", ctx.data.display());
            println!(
                "node {} — verifier key (give this to monitors):",
                node.node_id()
            );
            println!("{}", node.verifier());
            Ok(0)
        }
        Command::Demo { seed, scale } => demo::run(&ctx, seed, scale),
        Command::Status { json } => demo::status(&ctx, json),
        Command::Import(crate::ImportCommand::Roster {
            file,
            facility,
            quarantine,
            json,
        }) => import::roster(&ctx, &file, &facility, quarantine.as_deref(), json),
        Command::Person(crate::PersonCommand::Show { id, json }) => people::show(&ctx, &id, json),
        Command::Facilities { json } => people::facilities(&ctx, json),
        Command::People { at, json } => people::list(&ctx, at.as_deref(), json),
        Command::Handover {
            person,
            from,
            to,
            reason,
            override_capacity,
            json,
        } => people::handover(&ctx, &person, &from, &to, reason, override_capacity, json),
        Command::Head { json, all } => ledger::head(&ctx, json, all),
        Command::Prove(p) => ledger::prove(&ctx, p),
        Command::VerifyProof { file, key, json } => ledger::verify_proof(&file, &key, json),
        Command::Verify { json, key } => ledger::verify(&ctx, json, key.as_deref()),
        Command::Rebuild => ledger::rebuild(&ctx),
        Command::Backup { out } => ledger::backup(&ctx, &out),
        Command::Restore { file } => ledger::restore(&ctx, &file),
    }
}

/// What every command needs.
pub struct Ctx {
    /// Data directory.
    pub data: std::path::PathBuf,
    /// Acting user.
    pub user: String,
    /// Print `ack` lines after each durable commit.
    pub print_acks: bool,
}

impl Ctx {
    /// Opens the node in the data directory.
    pub fn open(&self) -> anyhow::Result<Node> {
        Node::open(&self.data)
            .with_context(|| format!("opening the ledger in {}", self.data.display()))
    }

    /// Reports a durable commit when asked to.
    pub fn ack(&self, r: &rollcall_node::Receipt) {
        if self.print_acks {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "ack {} {}",
                r.tree_size,
                rollcall_ledger::hash_to_hex(&r.root)
            );
            let _ = out.flush();
        }
    }
}
