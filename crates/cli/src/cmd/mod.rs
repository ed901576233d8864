//! One module per group of commands; `run` dispatches.

pub mod args;
mod demo;
mod facility;
mod import;
mod ledger;
mod matching;
mod movement;
mod officer_key;
mod people;
mod plan;
mod review;
mod screen;

use crate::output::line;
use crate::{Cli, Command};
use anyhow::Context;
use rollcall_node::Node;

/// Who is working when neither `--user`, `ROLLCALL_USER` nor `USER` says.
pub const FALLBACK_USER: &str = "operator";

/// Runs a parsed command line; returns the exit status.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    let user = cli
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| FALLBACK_USER.into());
    let ctx = Ctx {
        data: rollcall_node::Location::parse(&cli.data)?,
        node_key: cli.node_key.clone(),
        user,
        reason: cli.reason.clone(),
        print_acks: cli.print_acks,
    };
    match cli.command {
        Command::Init { name } => {
            let node = ctx.init(&name)?;
            line(&format!("initialised ledger in {}", ctx.data))?;
            line(&format!(
                "node {} — verifier key (give this to monitors):",
                node.node_id()
            ))?;
            line(&node.verifier().to_string())?;
            Ok(0)
        }
        Command::Demo { seed, scale } => demo::run(&ctx, seed, scale),
        Command::Status { json } => demo::status(&ctx, json),
        Command::Plan {
            input,
            out,
            from_store,
            transport,
            days_from,
            commit,
            replan,
            no_what_if,
            json,
        } => match (input, transport, days_from) {
            (Some(input), _, _) if !from_store => {
                let out = out.context("--out is required with --input")?;
                plan::run(&input, &out, !no_what_if, json)
            }
            (None, Some(transport), Some(days_from)) => plan::from_store(
                &ctx,
                &transport,
                days_from,
                out.as_deref(),
                plan::Store { commit, replan },
                !no_what_if,
                json,
            ),
            _ => anyhow::bail!(
                "give either --input, or --from-store with --transport and --days-from"
            ),
        },
        Command::Match {
            left,
            right,
            out,
            review,
            threshold,
            json,
        } => matching::link_rosters(
            &left,
            &right,
            &matching::Outputs {
                out: &out,
                review: review.as_deref(),
                threshold,
                as_json: json,
            },
        ),
        Command::Dedupe {
            roster,
            out,
            review,
            threshold,
            json,
        } => matching::dedupe_roster(
            &roster,
            &matching::Outputs {
                out: &out,
                review: review.as_deref(),
                threshold,
                as_json: json,
            },
        ),
        Command::PlanInstance { seed, scale, out } => plan::instance(seed, scale, &out),
        Command::Import(crate::ImportCommand::Roster {
            file,
            facility,
            quarantine,
            at,
            threshold,
            review_all,
            json,
        }) => import::roster(
            &ctx,
            &file,
            (&facility, args::time_or_now(at)),
            quarantine.as_deref(),
            (threshold, review_all),
            json,
        ),
        Command::Review(r) => review::run(&ctx, r),
        Command::Screen {
            name,
            father,
            birth_date,
            nationality,
            post,
            limit,
            json,
        } => screen::run(
            &ctx,
            screen::Query {
                name,
                father,
                birth_date,
                nationality,
            },
            &post,
            limit as usize,
            json,
        ),
        Command::Person(crate::PersonCommand::Show { id, json }) => people::show(&ctx, &id, json),
        Command::Person(crate::PersonCommand::Link {
            id,
            same_as,
            reason,
            json,
        }) => people::link(&ctx, &id, &same_as, &reason, json),
        Command::Person(crate::PersonCommand::Unlink {
            id,
            from,
            reason,
            json,
        }) => people::unlink(&ctx, &id, &from, &reason, json),
        Command::Person(crate::PersonCommand::UnlinkRow {
            id,
            roster,
            record_id,
            to,
            reason,
            override_capacity,
            json,
        }) => people::unlink_row(
            &ctx,
            &id,
            (&roster, &record_id),
            match to.as_deref() {
                Some(o) => rollcall_node::RowTarget::Person(o),
                None => rollcall_node::RowTarget::NewPerson {
                    capacity_override: override_capacity.as_deref(),
                },
            },
            &reason,
            json,
        ),
        Command::Person(crate::PersonCommand::Correct {
            id,
            reason,
            fields,
            json,
        }) => people::correct(&ctx, &id, &reason, &fields, json),
        Command::Facilities { json } => people::facilities(&ctx, json),
        Command::Facility(crate::FacilityCommand::Add(add)) => facility::add(&ctx, add),
        Command::People {
            at,
            nationality,
            name,
            limit,
            after,
            json,
        } => people::list(
            &ctx,
            rollcall_node::PeopleFilter {
                at,
                nationality,
                name,
                after,
                limit: limit.map(|n| n as usize),
            },
            json,
        ),
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
            at,
            json,
        ),
        Command::Escape {
            person,
            from,
            circumstances,
            at,
            json,
        } => people::escape(&ctx, &person, &from, &circumstances, at, json),
        Command::Release {
            person,
            from,
            authority,
            reason,
            at,
            json,
        } => people::release(&ctx, &person, &from, (&authority, &reason), at, json),
        Command::Recapture {
            person,
            by,
            at,
            json,
        } => people::recapture(&ctx, &person, &by, at, json),
        Command::Movement(m) => run_movement(&ctx, m),
        Command::EscortRecord(e) => {
            use crate::EscortCommand::*;
            use movement::EscortAction;
            match e {
                Show {
                    movement: m,
                    people,
                    json,
                } => movement::escort_record(&ctx, EscortAction::Show, &m, &people, None, json),
                Update {
                    movement: m,
                    people,
                    fields,
                    json,
                } => movement::escort_record(
                    &ctx,
                    EscortAction::Update,
                    &m,
                    &people,
                    Some(fields.to_record()),
                    json,
                ),
                Confirm {
                    movement: m,
                    people,
                    fields,
                    json,
                } => {
                    let rec = fields.to_record();
                    let given = rec != rollcall_core::escort::EscortRecord::default();
                    movement::escort_record(
                        &ctx,
                        EscortAction::Confirm,
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
        } => movement::watch(&ctx, at, &rules.rules(), escalate_after, json),
        Command::OfficerKey(c) => officer_key::run(&ctx, c),
        Command::Keygen { name, out } => movement::keygen(&name, &out),
        Command::Head { json, all } => ledger::head(&ctx, json, all),
        Command::Prove(p) => ledger::prove(&ctx, p),
        Command::VerifyProof {
            file,
            key,
            since,
            json,
        } => ledger::verify_proof(&file, &key, since.as_deref(), json),
        Command::Verify { json, key, since } => {
            ledger::verify(&ctx, json, key.as_deref(), since.as_deref())
        }
        Command::Audit {
            json,
            subject,
            user,
        } => ledger::audit(&ctx, json, subject.as_deref(), user.as_deref()),
        Command::Rebuild => ledger::rebuild(&ctx),
        Command::Backup { out } => ledger::backup(&ctx, &out),
        Command::Tiles(crate::TilesCommand::Export { dir }) => ledger::tiles_export(&ctx, &dir),
        Command::Restore { file } => ledger::restore(&ctx, &file),
    }
}

/// What every command needs.
pub struct Ctx {
    /// Where the ledger lives (`--data`).
    pub data: rollcall_node::Location,
    /// The signing key file (`--node-key`), when given.
    pub node_key: Option<std::path::PathBuf>,
    /// Acting user.
    pub user: String,
    /// The reason stated for this command's reads (`--reason`).
    pub reason: Option<String>,
    /// Print `ack` lines after each durable commit.
    pub print_acks: bool,
}

impl Ctx {
    /// Opens the node in the data directory.
    pub fn open(&self) -> anyhow::Result<Node> {
        Node::open_at(&self.data, self.node_key.as_deref())
            .with_context(|| format!("opening the ledger in {}", self.data))
    }

    /// Creates a new ledger named `name` where `--data` says.
    pub fn init(&self, name: &str) -> anyhow::Result<Node> {
        Ok(Node::init_at(&self.data, name, self.node_key.as_deref())?)
    }

    /// The data directory, for the commands that only work on one.
    pub fn dir(&self, what: &str) -> anyhow::Result<&std::path::Path> {
        self.data
            .dir()
            .with_context(|| format!("{what} works on a data directory, not on {}", self.data))
    }

    /// The principal reads are made as: for now the local operator, named by
    /// `--user` (or `$ROLLCALL_USER`, `$USER`) and recorded together with
    /// the OS account the process runs as.
    pub fn principal(&self) -> rollcall_node::Principal {
        let mut p = rollcall_node::Principal::local_operator(&self.user);
        p.reason = self.reason.clone();
        p
    }

    /// Reports a durable commit when asked to.
    pub fn ack(&self, r: &rollcall_node::Receipt) {
        if self.print_acks {
            // Best effort: the commit is durable whether or not this prints.
            let _ = line(&format!(
                "ack {} {}",
                r.tree_size,
                rollcall_ledger::hash_to_hex(&r.root)
            ));
        }
    }
}

fn run_movement(ctx: &Ctx, m: crate::MovementCommand) -> anyhow::Result<i32> {
    use crate::MovementCommand::*;
    match m {
        List { status, from, json } => movement::list(ctx, &status, from.as_deref(), json),
        Create {
            mode,
            from,
            to,
            at,
            vehicles,
            people,
            route,
            escort,
            medic,
            planned_at,
            id,
            json,
        } => movement::create(
            ctx,
            id,
            mode.into(),
            &from,
            &to,
            at,
            &vehicles,
            &people,
            route.as_deref(),
            (escort, medic, planned_at),
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
        } => movement::depart(ctx, &id, count, &boarded, (sign_from, sign_to), at, json),
        Checkpoint {
            id,
            place,
            count,
            at,
            json,
        } => movement::checkpoint(ctx, &id, &place, count, at, json),
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
            at,
            track.as_deref(),
            &rules.rules(),
            json,
        ),
        Arrive {
            id,
            admitted,
            sign_from,
            sign_to,
            at,
            json,
        } => movement::arrive(ctx, &id, &admitted, (sign_from, sign_to), at, json),
        Abort {
            id,
            return_to,
            reason,
            at,
            json,
        } => movement::abort(ctx, &id, &return_to, &reason, at, json),
        Show { id, json } => movement::show(ctx, &id, json),
        Manifest { id, format, out } => movement::manifest(ctx, &id, format, &out),
    }
}

impl crate::EscortFields {
    /// The fields given, as a partial record (unset fields stay `None`).
    pub fn to_record(&self) -> rollcall_core::escort::EscortRecord {
        let yes = |v: Option<args::YesNo>| v.map(bool::from);
        let list = |v: &Option<String>| v.as_deref().map(args::semicolon_list);
        rollcall_core::escort::EscortRecord {
            risks: rollcall_core::escort::Risks {
                violence: yes(self.violence),
                escape: yes(self.escape),
                self_harm: yes(self.self_harm),
                health: yes(self.health),
            },
            medication: list(&self.medication),
            medical_needs: self.medical_needs.clone(),
            property: list(&self.property),
            special_needs: self.special_needs.clone(),
            notes: self.notes.clone(),
        }
    }
}
