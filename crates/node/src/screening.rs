//! Border-post screening (`rollcall screen`): is the person stopped someone
//! the ledger knows, and where do they stand — held, in transit, escaped,
//! released, handed to another state, or unknown? Answered from this
//! node's own store, offline, through the reader's policy: only candidates
//! the principal may see are shown, each recorded as read, and the check
//! itself is recorded under the post it was made at (who, where, when).
//! What was asked (the name given) is not written anywhere: it would put
//! a name in the access log for every check.

use crate::policy::{Principal, Purpose};
use crate::{Node, NodeError};
use rollcall_core::person::PersonRecord;
use rollcall_core::review::FieldEvidence;
use rollcall_core::state::views::CustodyStatus;
use rollcall_core::{CustodianId, PersonId};
use rollcall_matching::Index;
use serde::Serialize;

/// One known person the stopped person may be.
#[derive(Debug, Clone, Serialize)]
pub struct ScreenHit {
    /// Their id.
    pub person: PersonId,
    /// The score in hundredths of a bit (each field's part summed).
    pub score_centibits: i32,
    /// Each field's part.
    pub fields: Vec<FieldEvidence>,
    /// Their record as the ledger holds it (for the officer to compare).
    pub record: PersonRecord,
    /// Where they stand.
    pub status: CustodyStatus,
    /// Who holds (or, escaped or released, last held) them.
    pub custodian: CustodianId,
}

impl Node {
    /// Screens `query` (what the person stopped says, or their papers say)
    /// at border post `post` against everyone registered, as `principal`:
    /// the best candidates the principal may see, at most `limit`. Every
    /// candidate shown is recorded as read ([`Purpose::Screen`]), and so is
    /// the check, under `post:POST`.
    pub fn screen(
        &mut self,
        principal: &Principal,
        query: &PersonRecord,
        post: &str,
        limit: usize,
    ) -> Result<Vec<ScreenHit>, NodeError> {
        let (ids, known): (Vec<String>, Vec<PersonRecord>) = self
            .resident(|s| {
                s.persons()
                    .map(|(id, p)| (id.clone(), p.record.clone()))
                    .collect::<Vec<_>>()
            })?
            .into_iter()
            .unzip();
        let index = Index::build(&known, 1);
        // More than asked, so that dropping those the principal may not see
        // still leaves `limit` when there are that many.
        let found = rollcall_matching::screen::screen(
            query,
            &index,
            rollcall_matching::screen::MAX_CANDIDATES,
        );
        let hits: Vec<ScreenHit> = self.resident(|s| {
            let candidates: Vec<&str> = found
                .iter()
                .map(|(i, _)| ids[*i as usize].as_str())
                .collect();
            let seen = crate::reader::visible_ids(s, principal, Purpose::Screen, candidates);
            found
                .iter()
                .filter(|(i, _)| seen.contains(&ids[*i as usize].as_str()))
                .take(limit)
                .filter_map(|(i, e)| {
                    let id = ids[*i as usize].as_str();
                    let p = s.person(id)?;
                    Some(ScreenHit {
                        person: PersonId::new(id),
                        score_centibits: (e.weight * 100.0).round() as i32,
                        fields: e.evidence(),
                        record: p.record.clone(),
                        status: p.custody.status,
                        custodian: p.custody.custodian.clone(),
                    })
                })
                .collect()
        })?;
        let mut shown = vec![(Purpose::Screen, format!("post:{post}"))];
        shown.extend(hits.iter().map(|h| (Purpose::Screen, h.person.to_string())));
        self.record_access(principal, &shown)?;
        Ok(hits)
    }
}
