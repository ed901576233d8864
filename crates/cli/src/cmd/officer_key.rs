//! `officer-key register|revoke|list`: thin glue over the officer-key events;
//! the rules (one key, one custodian; revoked for good) live in `core`, the
//! key's form is checked by the node.

use super::Ctx;
use crate::OfficerKeyCommand;
use crate::output::{json, line};
use rollcall_core::event::EventKind;
use rollcall_core::{CustodianId, Timestamp};
use serde_json::json;

pub fn run(ctx: &Ctx, c: OfficerKeyCommand) -> anyhow::Result<i32> {
    match c {
        OfficerKeyCommand::Register {
            custodian,
            key,
            key_file,
            officer,
            json,
        } => {
            let key = match (key, key_file) {
                (Some(k), _) => k,
                (None, Some(path)) => rollcall_node::keyfile::load_file(&path)?
                    .verifier()
                    .to_string(),
                (None, None) => anyhow::bail!("give --key or --key-file"),
            };
            let custodian =
                CustodianId::parse(&custodian).map_err(|e| anyhow::anyhow!("--custodian: {e}"))?;
            append(
                ctx,
                EventKind::OfficerKeyRegistered {
                    custodian: custodian.clone(),
                    key: key.clone(),
                    officer,
                },
                json,
                &format!("officer key {key} registered for {custodian}"),
            )
        }
        OfficerKeyCommand::Revoke {
            custodian,
            key,
            reason,
            json,
        } => {
            let custodian =
                CustodianId::parse(&custodian).map_err(|e| anyhow::anyhow!("--custodian: {e}"))?;
            append(
                ctx,
                EventKind::OfficerKeyRevoked {
                    custodian: custodian.clone(),
                    key: key.clone(),
                    reason,
                },
                json,
                &format!("officer key {key} of {custodian} revoked"),
            )
        }
        OfficerKeyCommand::List {
            custodian,
            json: as_json,
        } => {
            let mut node = ctx.open()?;
            let keys: Vec<_> = node
                .officer_keys()?
                .into_iter()
                .filter(|(_, k)| {
                    custodian
                        .as_deref()
                        .is_none_or(|c| k.custodian.as_str() == c)
                })
                .map(|(key, k)| {
                    json!({
                        "key": key,
                        "custodian": k.custodian,
                        "officer": k.officer,
                        "registered_event": k.registered_seq,
                        "revoked_event": k.revoked_seq,
                    })
                })
                .collect();
            if as_json {
                json(&keys)?;
            } else {
                for k in &keys {
                    let state = match k["revoked_event"].as_u64() {
                        Some(e) => format!("revoked at event {e}"),
                        None => "live".into(),
                    };
                    line(&format!(
                        "{:<14} {:<8} {}  ({})",
                        k["custodian"].as_str().unwrap_or(""),
                        state,
                        k["key"].as_str().unwrap_or(""),
                        k["officer"].as_str().unwrap_or("")
                    ))?;
                }
            }
            Ok(0)
        }
    }
}

fn append(ctx: &Ctx, kind: EventKind, as_json: bool, done: &str) -> anyhow::Result<i32> {
    let mut node = ctx.open()?;
    let r = node.append(&ctx.user, Timestamp::now(), vec![kind])?;
    ctx.ack(&r);
    if as_json {
        json(&json!({"event": r.first_seq, "tree_size": r.tree_size}))?;
    } else {
        line(&format!("{done} (event {})", r.first_seq))?;
    }
    Ok(0)
}
