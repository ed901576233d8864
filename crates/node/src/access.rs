//! Recording reads: every access record is chained to the one before it and
//! committed to by a signed ledger event (`AccessLogged`) written in the same
//! durable transaction, so deleting or changing one fails `verify`.

use crate::digest::{access_link, hex};
use crate::policy::{Principal, Purpose};
use crate::{Node, NodeError};
use jiff::Timestamp;
use rollcall_core::event::EventKind;
use rollcall_store::AccessRecord;

/// How often a read retries when another writer appended first.
pub(crate) const ATTEMPTS: usize = 8;

impl Node {
    /// Records that `principal` read each of `subjects` for its purpose,
    /// durably, before anything is shown: one chained record per subject,
    /// committed by one signed `AccessLogged` event. Fails with
    /// [`NodeError::Conflict`] if another writer appended first (the node has
    /// reloaded; read again).
    pub(crate) fn record_access(
        &mut self,
        principal: &Principal,
        subjects: &[(Purpose, String)],
    ) -> Result<(), NodeError> {
        if subjects.is_empty() {
            return Ok(());
        }
        if self.key.is_none() {
            return Err(NodeError::Key {
                path: self.key_file(),
                reason: "is not here: this copy cannot record who reads personal data, so it shows none; read on the node that holds the key (`verify` and figures work here)".into(),
            });
        }
        if !self.staged.is_empty() {
            self.commit()?;
        }
        self.stage_access(principal, subjects)?;
        self.commit()?;
        Ok(())
    }

    /// Stages the access records of `subjects` and the `AccessLogged` event
    /// that commits to them, after whatever is staged, for the next
    /// [`Node::commit`]: so a write and the reads it showed (an import's
    /// matches) are durable in one transaction, or neither is.
    pub(crate) fn stage_access(
        &mut self,
        principal: &Principal,
        subjects: &[(Purpose, String)],
    ) -> Result<(), NodeError> {
        if subjects.is_empty() {
            return Ok(());
        }
        if !self.staged_access.is_empty() {
            return Err(NodeError::Corrupt(
                "access records are already staged for this commit".into(),
            ));
        }
        let now = Timestamp::now();
        let at = now.to_string();
        let committed_by = self.state.next_seq();
        let role = principal.role.to_string();
        let node = self.node.to_string();
        let mut prev = self.access_head;
        let mut records = Vec::with_capacity(subjects.len());
        for (i, (purpose, subject)) in subjects.iter().enumerate() {
            let mut r = AccessRecord {
                id: self.access_next + i as u64,
                at: at.clone(),
                user: principal.user.clone(),
                account: principal.account.clone(),
                role: role.clone(),
                node: node.clone(),
                action: purpose.as_str().to_string(),
                subject: subject.clone(),
                reason: principal.reason.clone().unwrap_or_default(),
                committed_by,
                hash: [0; 32],
            };
            r.hash = access_link(&prev, &r);
            prev = r.hash;
            records.push(r);
        }
        let kind = EventKind::AccessLogged {
            first: self.access_next,
            count: records.len() as u64,
            head: hex(&prev),
        };
        self.stage(&principal.user, now, vec![kind])?;
        self.staged_access = records;
        Ok(())
    }
}
