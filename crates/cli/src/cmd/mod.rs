//! One module per group of commands; `run` dispatches.

mod args;
mod demo;
mod import;
mod ledger;
mod movement;
mod officer_key;
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
        Command::Person(crate::PersonCommand::Correct {
            id,
            reason,
            fields,
            json,
        }) => people::correct(&ctx, &id, &reason, &fields, json),
        Command::Facilities { json } => people::facilities(&ctx, json),
        Command::Facility(crate::FacilityCommand::Add {
            id,
            name,
            authority,
            country,
            lat,
            lon,
            time_zone,
            security,
            capacity,
            categories,
            json,
        }) => {
            use rollcall_core::custodian::*;
            let country = rollcall_core::Country::parse(&country).ok_or_else(|| {
                anyhow::anyhow!("--country {country:?} is not an ISO 3166-1 code")
            })?;
            let security: SecurityLevel = serde_json::from_value(serde_json::json!(security))
                .map_err(|_| {
                    anyhow::anyhow!("--security {security:?} is not minimum, medium or maximum")
                })?;
            let categories = categories
                .split(',')
                .map(|c| {
                    serde_json::from_value(serde_json::json!(c.trim())).map_err(|_| {
                        anyhow::anyhow!(
                            "category {c:?} is not adult_male, adult_female or juvenile"
                        )
                    })
                })
                .collect::<anyhow::Result<Vec<rollcall_core::person::Category>>>()?;
            let mut node = ctx.open()?;
            let r = node.append(
                &ctx.user,
                rollcall_core::Timestamp::now(),
                vec![rollcall_core::event::EventKind::CustodianRegistered {
                    custodian: rollcall_core::CustodianId::new(id.as_str()),
                    info: CustodianKind::Facility(Facility {
                        name,
                        authority,
                        country,
                        coordinates: Coordinates { lat, lon },
                        time_zone,
                        security,
                        capacity,
                        categories,
                    }),
                }],
            )?;
            ctx.ack(&r);
            if json {
                crate::output::json(&node.state().custodian(&id))?;
            } else {
                println!("{id} registered");
            }
            Ok(0)
        }
        Command::People { at, json } => people::list(&ctx, at.as_deref(), json),
        Command::Handover {
            person,
            from,
            to,
            reason,
            override_capacity,
            sign_from,
            sign_to,
            at,
            json,
        } => people::handover(
            &ctx,
            &person,
            &from,
            &to,
            reason,
            override_capacity,
            (sign_from, sign_to),
            at.as_deref(),
            json,
        ),
        Command::Movement(m) => run_movement(&ctx, m),
        Command::EscortRecord(e) => {
            use crate::EscortCommand::*;
            match e {
                Show {
                    movement: m,
                    people,
                    json,
                } => movement::escort_record(&ctx, "show", &m, &people, None, json),
                Update {
                    movement: m,
                    people,
                    fields,
                    json,
                } => movement::escort_record(
                    &ctx,
                    "update",
                    &m,
                    &people,
                    Some(fields.to_record()?),
                    json,
                ),
                Confirm {
                    movement: m,
                    people,
                    fields,
                    json,
                } => {
                    let rec = fields.to_record()?;
                    let given = rec != rollcall_core::escort::EscortRecord::default();
                    movement::escort_record(
                        &ctx,
                        "confirm",
                        &m,
                        &people,
                        given.then_some(rec),
                        json,
                    )
                }
            }
        }
        Command::Discrepancies { open, json } => movement::discrepancies(&ctx, open, json),
        Command::Discrepancy(crate::DiscrepancyCommand::Resolve { id, reason, json }) => {
            movement::resolve(&ctx, &id, &reason, json)
        }
        Command::Watch {
            at,
            rules,
            escalate_after,
            json,
        } => movement::watch(&ctx, at.as_deref(), &rules.rules(), escalate_after, json),
        Command::OfficerKey(c) => officer_key::run(&ctx, c),
        Command::Keygen { name, out } => movement::keygen(&name, &out),
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

fn run_movement(ctx: &Ctx, m: crate::MovementCommand) -> anyhow::Result<i32> {
    use crate::MovementCommand::*;
    match m {
        Create {
            mode,
            from,
            to,
            at,
            vehicles,
            people,
            route,
            escort,
            id,
            json,
        } => movement::create(
            ctx,
            id,
            &mode,
            &from,
            &to,
            &at,
            &vehicles,
            &people,
            route.as_deref(),
            escort,
            json,
        ),
        Depart {
            id,
            count,
            boarded,
            sign_from,
            sign_to,
            at,
            json,
        } => movement::depart(
            ctx,
            &id,
            count,
            &boarded,
            (sign_from, sign_to),
            at.as_deref(),
            json,
        ),
        Checkpoint {
            id,
            place,
            count,
            at,
            json,
        } => movement::checkpoint(ctx, &id, &place, count, at.as_deref(), json),
        Position {
            id,
            lat,
            lon,
            at,
            track,
            rules,
            json,
        } => movement::position(
            ctx,
            &id,
            lat,
            lon,
            at.as_deref(),
            track.as_deref(),
            &rules.rules(),
            json,
        ),
        Arrive {
            id,
            admitted,
            at,
            json,
        } => movement::arrive(ctx, &id, &admitted, at.as_deref(), json),
        Abort {
            id,
            return_to,
            reason,
            at,
            json,
        } => movement::abort(ctx, &id, &return_to, &reason, at.as_deref(), json),
        Show { id, json } => movement::show(ctx, &id, json),
        Manifest { id, format, out } => movement::manifest(ctx, &id, &format, &out),
    }
}

impl crate::EscortFields {
    /// The fields given, as a partial record (unset fields stay `None`).
    pub fn to_record(&self) -> anyhow::Result<rollcall_core::escort::EscortRecord> {
        let yes_no = |v: &Option<String>, flag: &str| {
            v.as_deref().map(|v| args::yes_no(v, flag)).transpose()
        };
        let list = |v: &Option<String>| v.as_deref().map(args::semicolon_list);
        Ok(rollcall_core::escort::EscortRecord {
            risks: rollcall_core::escort::Risks {
                violence: yes_no(&self.violence, "violence")?,
                escape: yes_no(&self.escape, "escape")?,
                self_harm: yes_no(&self.self_harm, "self-harm")?,
                health: yes_no(&self.health, "health")?,
            },
            medication: list(&self.medication),
            medical_needs: self.medical_needs.clone(),
            property: list(&self.property),
            special_needs: self.special_needs.clone(),
            notes: self.notes.clone(),
        })
    }
}
