//! The one way to read personal data: a [`Reader`] bound to a principal.
//!
//! Every query works the same way: gather the candidates from the
//! projections, ask [`policy::authorize`] which the principal may see, drop
//! the rest (a person one may not see is answered exactly like one who does
//! not exist), record one access per person shown — durably, chained and
//! committed by a signed ledger event — and only then return the data. If
//! another writer appended in between, the node reloads and the query runs
//! again, so what is returned is what was recorded.

use crate::access::ATTEMPTS;
use crate::manifest::{self, Stamp};
use crate::policy::{self, Decision, Principal, Purpose, Role, Subject};
use crate::{Node, NodeError, PersonReport};
use jiff::Timestamp;
use rollcall_core::escort::{EscortRecord, EscortRecordStatus};
use rollcall_core::review::ReviewStatus;
use rollcall_core::state::index;
use rollcall_core::state::residency::bucket_of;
use rollcall_core::state::views::ReviewView;
use rollcall_core::state::views::{
    DiscrepancyStatus, DiscrepancyView, MovementView, PersonSnapshot,
};
use rollcall_core::{Event, State};
use rollcall_ledger::InclusionBundle;
use rollcall_print::ManifestDoc;
use rollcall_store::AccessRecord;
use serde::Serialize;

/// Which people to list.
#[derive(Debug, Clone, Default)]
pub struct PeopleFilter {
    /// Only those held by this custodian.
    pub at: Option<String>,
    /// Only those holding this nationality.
    pub nationality: Option<rollcall_core::Country>,
    /// Only those whose names hold every word of this one, in either
    /// script ([`rollcall_core::names::search_keys`]).
    pub name: Option<String>,
    /// Only those after this person id (keyset paging: the last id of the
    /// page before).
    pub after: Option<String>,
    /// At most this many; `None` for all.
    pub limit: Option<usize>,
}

/// Which access records to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only records about this subject.
    pub subject: Option<String>,
    /// Only records by this user.
    pub user: Option<String>,
}

/// One person's escort record on a movement.
#[derive(Debug, Clone, Serialize)]
pub struct EscortEntry {
    /// Whose.
    pub person: String,
    /// Started, confirmed or handed over.
    pub status: EscortRecordStatus,
    /// The record.
    pub record: EscortRecord,
    /// Fields still missing before it can be confirmed.
    pub missing: Vec<&'static str>,
}

/// A person's record and history as lines, every proof checked
/// ([`Reader::person_history`]).
#[derive(Debug, Clone, Serialize)]
pub struct PersonHistory {
    /// The person's id.
    pub person: String,
    /// Their record and where they stand now.
    pub now: PersonSnapshot,
    /// Every event about them, in ledger order.
    pub events: Vec<HistoryLine>,
    /// The signed head every event was proved against (signed note text).
    pub head: String,
}

/// One event of a person's history, without its content.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryLine {
    /// Its position in this ledger.
    pub seq: u64,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Its kind (`person_registered`, …).
    pub kind: &'static str,
    /// Who recorded it.
    pub user: String,
    /// On which node.
    pub node: String,
}

/// A principal's view of the node. See the [module docs](self).
pub struct Reader<'n> {
    node: &'n mut Node,
    principal: Principal,
}

impl Node {
    /// Opens a reading session for `principal`.
    pub fn session(&mut self, principal: Principal) -> Reader<'_> {
        Reader {
            node: self,
            principal,
        }
    }
}

/// The facts the policy decides on for person `id`, if registered.
fn subject<'s>(state: &'s State, id: &'s str) -> Option<Subject<'s>> {
    // A review stands for the roster row waiting in it: whose nationalities
    // it records, whose facility's roster it is.
    if let Some(r) = state.review(id) {
        return Some(Subject {
            person: id,
            nationalities: &r.record.nationalities,
            custodian: r.custodian.as_str(),
            movement: None,
            inbound_to: None,
            committees: &[],
        });
    }
    let p = state.person(id)?;
    let movement = p.custody.movement.as_ref().map(|m| m.as_str());
    Some(Subject {
        person: id,
        nationalities: &p.record.nationalities,
        custodian: p.custody.custodian.as_str(),
        movement,
        inbound_to: movement
            .and_then(|m| state.movement(m))
            .map(|m| m.destination.as_str()),
        committees: &[],
    })
}

/// `r` with only the candidates `principal` may see, each added to `shown`.
fn with_visible_candidates(
    state: &State,
    principal: &Principal,
    r: &ReviewView,
    shown: &mut Vec<String>,
) -> ReviewView {
    let ids: Vec<&str> = r.candidates.iter().map(|c| c.person.as_str()).collect();
    let seen = visible(state, principal, Purpose::ReviewShow, ids);
    let mut r = r.clone();
    r.candidates.retain(|c| seen.contains(&c.person.as_str()));
    shown.extend(r.candidates.iter().map(|c| c.person.to_string()));
    r
}

/// [`visible`], for the node's other modules.
pub(crate) fn visible_ids<'a>(
    state: &State,
    principal: &Principal,
    purpose: Purpose,
    ids: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    visible(state, principal, purpose, ids)
}

/// The subset of `ids` (registered people) `principal` may see for `purpose`.
fn visible<'a>(
    state: &State,
    principal: &Principal,
    purpose: Purpose,
    ids: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let ids: Vec<&str> = ids.into_iter().collect();
    let subjects: Vec<(usize, Subject<'_>)> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| subject(state, id).map(|s| (i, s)))
        .collect();
    let facts: Vec<Subject<'_>> = subjects.iter().map(|(_, s)| *s).collect();
    let decision = policy::authorize(principal, purpose, &facts);
    subjects
        .iter()
        .enumerate()
        .filter(|(j, _)| decision.allows(*j))
        .map(|(_, (i, _))| ids[*i])
        .collect()
}

impl Reader<'_> {
    /// Who is reading.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Runs `query` (which returns the data and the people it shows), records
    /// the access, and returns the data; on a conflicting writer, again.
    fn audited<T>(
        &mut self,
        purpose: Purpose,
        query: impl Fn(&Node, &Principal) -> Result<(T, Vec<String>), NodeError>,
    ) -> Result<T, NodeError> {
        self.audited_each(|node, who| {
            let (out, shown) = query(node, who)?;
            Ok((out, shown.into_iter().map(|s| (purpose, s)).collect()))
        })
    }

    /// [`Reader::audited`] where each person shown has a purpose of their own.
    fn audited_each<T>(
        &mut self,
        query: impl Fn(&Node, &Principal) -> Result<(T, Vec<(Purpose, String)>), NodeError>,
    ) -> Result<T, NodeError> {
        let mut attempt = 0;
        let mut rounds = 0;
        loop {
            attempt += 1;
            // Whatever a run that missed rows answered, even an error, it
            // answered without them: load them and ask again.
            let _ = self.node.state.take_misses();
            let answer = query(self.node, &self.principal);
            let misses = self.node.state.take_misses();
            if !misses.is_empty() {
                rounds += 1;
                if rounds > crate::LOAD_ROUNDS {
                    return Err(NodeError::Corrupt(
                        "the rows this read needs were still not all loaded".into(),
                    ));
                }
                attempt -= 1;
                self.node.fetch(&misses)?;
                continue;
            }
            let (out, shown) = answer?;
            match self.node.record_access(&self.principal, &shown) {
                Ok(()) => return Ok(out),
                Err(NodeError::Conflict(_)) if attempt < ATTEMPTS => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// One person's record and custody history with inclusion proofs. An
    /// event in the history that names others (a manifest, a boarded list)
    /// shows their ids, and its proof carries the whole event: it is kept
    /// only if the principal may see each of them, and each is recorded
    /// ([`Purpose::NamedInHistory`]) after the person themselves.
    /// [`Reader::person_history`] shows the history without the events.
    pub fn person(&mut self, id: &str) -> Result<PersonReport, NodeError> {
        self.audited_each(|node, who| {
            let state = &node.state;
            if visible(state, who, Purpose::PersonShow, [id]).is_empty() {
                return Err(NodeError::NotFound(format!(
                    "person {id} is not registered"
                )));
            }
            let mut report = node.person_report(id)?;
            let mut shown = vec![(Purpose::PersonShow, id.to_string())];
            let mut kept = Vec::with_capacity(report.history.len());
            for (event, proof) in report.history.drain(..).zip(report.proofs.drain(..)) {
                let others: Vec<&str> = event
                    .what
                    .persons()
                    .into_iter()
                    .map(|p| p.as_str())
                    .filter(|p| *p != id)
                    .collect();
                if visible(state, who, Purpose::NamedInHistory, others.iter().copied()).len()
                    != others.len()
                {
                    continue;
                }
                for p in others {
                    if !shown.iter().any(|(_, s)| s == p) {
                        shown.push((Purpose::NamedInHistory, p.to_string()));
                    }
                }
                kept.push((event, proof));
            }
            (report.history, report.proofs) = kept.into_iter().unzip();
            Ok((report, shown))
        })
    }

    /// One person's record and custody history as lines — each event's
    /// position, time, kind and who recorded it — with every event's
    /// inclusion proof checked here against the latest signed head. The
    /// events themselves (which may name others) are not returned, so only
    /// the person is recorded.
    pub fn person_history(&mut self, id: &str) -> Result<PersonHistory, NodeError> {
        self.audited(Purpose::PersonShow, |node, who| {
            if visible(&node.state, who, Purpose::PersonShow, [id]).is_empty() {
                return Err(NodeError::NotFound(format!(
                    "person {id} is not registered"
                )));
            }
            let report = node.person_report(id)?;
            let mut events = Vec::with_capacity(report.history.len());
            for (e, proof) in report.history.iter().zip(&report.proofs) {
                proof.verify(&node.verifier).map_err(|err| {
                    NodeError::Corrupt(format!(
                        "event {} in {id}'s history: its inclusion proof does not verify: {err}",
                        proof.leaf_index
                    ))
                })?;
                events.push(HistoryLine {
                    seq: proof.leaf_index,
                    occurred_at: e.occurred_at,
                    kind: e.what.type_name(),
                    user: e.actor.user.to_string(),
                    node: e.actor.node.to_string(),
                });
            }
            Ok((
                PersonHistory {
                    person: report.person,
                    now: report.now,
                    events,
                    head: report.head,
                },
                vec![id.to_string()],
            ))
        })
    }

    /// People the principal may see, in id order, optionally only those
    /// held by one custodian and of one nationality, a page at a time:
    /// candidates come from the store's index, page by page, each checked
    /// against the person's own rows (the index may be a step behind) and
    /// by the policy, until `limit` are shown. Only those shown are read
    /// and recorded.
    pub fn people(
        &mut self,
        filter: &PeopleFilter,
    ) -> Result<Vec<(String, PersonSnapshot)>, NodeError> {
        self.people_for(Purpose::PeopleList, filter)
    }

    /// Everyone held at each of `origins`, read for the transfer planner
    /// ([`Purpose::TransferPlan`]: only the operator and a planner may),
    /// each recorded. Who is free to move is the caller's to decide from
    /// their custody.
    pub fn transfer_candidates(
        &mut self,
        origins: &[String],
    ) -> Result<Vec<(String, PersonSnapshot)>, NodeError> {
        if let Decision::Denied(why) =
            policy::authorize(&self.principal, Purpose::TransferPlan, &[])
        {
            return Err(NodeError::Denied(why));
        }
        let mut out = Vec::new();
        for at in origins {
            let filter = PeopleFilter {
                at: Some(at.clone()),
                ..PeopleFilter::default()
            };
            out.extend(self.people_for(Purpose::TransferPlan, &filter)?);
        }
        Ok(out)
    }

    /// [`Reader::people`] for `purpose`.
    fn people_for(
        &mut self,
        purpose: Purpose,
        filter: &PeopleFilter,
    ) -> Result<Vec<(String, PersonSnapshot)>, NodeError> {
        // A consular officer sees only their nationals: page through those
        // alone (the policy below still decides each one).
        let scoped = match (&self.principal.role, filter.nationality) {
            (Role::ConsularOfficer(c), None) => Some(*c),
            (_, n) => n,
        };
        let nationality = &scoped;
        let (mut index, mut term) = match (&filter.at, nationality) {
            (Some(at), Some(n)) => (
                index::PEOPLE_AT_NATIONALITY,
                index::at_nationality(at, n.alpha3()),
            ),
            (Some(at), None) => (index::PEOPLE_AT, at.clone()),
            (None, Some(n)) => (index::PEOPLE_NATIONALITY, n.alpha3().to_string()),
            (None, None) => (index::PEOPLE, String::new()),
        };
        let words = match &filter.name {
            Some(text) => {
                let words = rollcall_core::names::query_keys(text);
                if words.is_empty() {
                    return Err(NodeError::Invalid(format!(
                        "the name {text:?} has no word to search by"
                    )));
                }
                words
            }
            None => Vec::new(),
        };
        // The lists every person shown is on: the name's words, then the
        // custodian's or nationality's list. Joined by leapfrogging seeks
        // ([`crate::intersect`]), whose cost follows the sparsest list
        // whatever their order, so no list is counted first.
        let mut lists: Vec<(&str, String)> = Vec::new();
        if !words.is_empty() {
            lists.extend(words.iter().map(|w| (index::PEOPLE_NAME, w.clone())));
            if index != index::PEOPLE {
                lists.push((index, term.clone()));
            }
            (index, term) = lists[0].clone();
        }
        let lists: Vec<(&str, &str)> = lists.iter().map(|(i, t)| (*i, t.as_str())).collect();
        let limit = filter.limit.unwrap_or(usize::MAX);
        self.audited(purpose, |node, who| {
            let state = &node.state;
            if let Some(c) = &filter.at
                && state.custodian(c).is_none()
            {
                return Err(NodeError::NotFound(format!(
                    "custodian {c} is not registered"
                )));
            }
            let page = limit.clamp(16, 1024);
            let mut cursor = filter.after.clone();
            let mut shown: Vec<(String, PersonSnapshot)> = Vec::new();
            // Candidates whose rows are not loaded yet: this run is void, but
            // counting them as if shown keeps it from reading further pages
            // than the next run will need.
            let mut pending = 0usize;
            while shown.len().saturating_add(pending) < limit {
                let (keys, more) = if lists.len() > 1 {
                    crate::intersect::page(&*node.store, &lists, cursor.as_deref(), page)?
                } else {
                    let entries = node.store.index_page(
                        index,
                        &term,
                        cursor.as_deref().map(|k| ("", k)),
                        page,
                    )?;
                    let more = entries.len() == page;
                    (entries.into_iter().map(|e| e.key).collect(), more)
                };
                let Some(last) = keys.last() else { break };
                cursor = Some(last.clone());
                let mut candidates: Vec<&str> = Vec::new();
                for id in &keys {
                    let id = id.as_str();
                    if !state.holds_bucket(bucket_of(id)) {
                        pending += 1;
                        let _ = state.person(id); // records the miss
                        continue;
                    }
                    let fits = state.person(id).is_some_and(|p| {
                        filter.at.as_ref().is_none_or(|c| p.custodian.as_str() == c)
                            && nationality
                                .as_ref()
                                .is_none_or(|n| p.record.nationalities.contains(n))
                            && (words.is_empty() || {
                                let has = rollcall_core::names::search_keys(&p.record.names);
                                words.iter().all(|w| has.contains(w))
                            })
                    });
                    if fits {
                        candidates.push(id);
                    }
                }
                for id in visible(state, who, purpose, candidates) {
                    if shown.len() == limit {
                        break;
                    }
                    if let Some(p) = state.person(id) {
                        shown.push((id.to_string(), p.snapshot()));
                    }
                }
                if !more {
                    break;
                }
            }
            let ids = shown.iter().map(|(id, _)| id.clone()).collect();
            Ok((shown, ids))
        })
    }

    /// The escort records of `people` on `movement`. A person without one,
    /// or whom the principal may not see, is refused with the same message.
    pub fn escort_records(
        &mut self,
        movement: &str,
        people: &[String],
    ) -> Result<Vec<EscortEntry>, NodeError> {
        self.audited(Purpose::EscortRecord, |node, who| {
            let state = &node.state;
            if state.movement(movement).is_none() {
                return Err(NodeError::NotFound(format!(
                    "movement {movement} does not exist"
                )));
            }
            let allowed = visible(
                state,
                who,
                Purpose::EscortRecord,
                people.iter().map(String::as_str),
            );
            let mut out = Vec::new();
            for p in people {
                let record = state
                    .escort_record(movement, p)
                    .filter(|_| allowed.contains(&p.as_str()))
                    .ok_or_else(|| {
                        NodeError::NotFound(format!(
                            "person {p} has no escort record on {movement}"
                        ))
                    })?;
                out.push(EscortEntry {
                    person: p.clone(),
                    status: record.status,
                    record: record.record.clone(),
                    missing: record.record.missing(),
                });
            }
            Ok((out, people.to_vec()))
        })
    }

    /// The printable manifest of `movement`, stamped with the latest signed
    /// head. Every person on it is recorded, so claim the output file before
    /// asking: a manifest that cannot be written should not be recorded.
    pub fn manifest(&mut self, movement: &str) -> Result<ManifestDoc, NodeError> {
        self.audited(Purpose::Manifest, |node, who| {
            let state = &node.state;
            let m = state.movement(movement).ok_or_else(|| {
                NodeError::NotFound(format!("movement {movement} does not exist"))
            })?;
            let on_it: Vec<String> = m.people().map(|p| p.to_string()).collect();
            let allowed = visible(
                state,
                who,
                Purpose::Manifest,
                on_it.iter().map(String::as_str),
            );
            if allowed.len() != on_it.len() {
                // A manifest is whole or not at all: a partial one is a wrong count.
                return Err(NodeError::NotFound(format!(
                    "movement {movement} does not exist"
                )));
            }
            let (head, _) = node
                .head()?
                .ok_or_else(|| NodeError::NotFound("the ledger has no signed head yet".into()))?;
            let printed_at = Timestamp::from_second(Timestamp::now().as_second())
                .unwrap_or(Timestamp::UNIX_EPOCH)
                .to_string();
            let signer = node.verifier.name().to_string();
            manifest::document(
                state,
                movement,
                &Stamp {
                    head: &head,
                    signer: &signer,
                    printed_at,
                    printed_by: &who.user,
                },
            )
        })
    }

    /// Proof that event `seq` is in the latest signed head. Its leaf data is
    /// the event, so an event about people is shown only if the principal may
    /// see every one of them, and is recorded as a read of each.
    pub fn inclusion(&mut self, seq: u64) -> Result<InclusionBundle, NodeError> {
        self.audited(Purpose::InclusionProof, |node, who| {
            let hidden = || {
                NodeError::NotFound(format!(
                    "event {seq} is not in the latest signed head, or concerns people you may not see"
                ))
            };
            let bundle = node.prove_inclusion(seq).map_err(|e| match e {
                NodeError::NotFound(_) => hidden(),
                other => other,
            })?;
            let data = bundle
                .leaf_data()
                .map_err(|e| NodeError::Corrupt(format!("event {seq}: {e}")))?;
            let event = Event::decode(&data)
                .map_err(|e| NodeError::Corrupt(format!("event {seq}: {e}")))?;
            let about: Vec<String> = event.what.persons().iter().map(|p| p.to_string()).collect();
            let allowed = visible(
                &node.state,
                who,
                Purpose::InclusionProof,
                about.iter().map(String::as_str),
            );
            if allowed.len() != about.len() {
                return Err(hidden());
            }
            Ok((bundle, about))
        })
    }

    /// Discrepancies (all, or only open ones) with the people they name. One
    /// that names someone the principal may not see is left out; one that
    /// names nobody is shown to everyone.
    pub fn discrepancies(
        &mut self,
        open_only: bool,
    ) -> Result<Vec<(String, DiscrepancyView)>, NodeError> {
        // From the index, not every row: open ones, then (unless only open
        // ones are asked for) resolved ones; shown in id order.
        let mut ids = self
            .node
            .index_keys(index::DISCREPANCIES, DiscrepancyStatus::Open.as_str())?;
        if !open_only {
            ids.extend(
                self.node
                    .index_keys(index::DISCREPANCIES, DiscrepancyStatus::Resolved.as_str())?,
            );
        }
        ids.sort();
        self.audited(Purpose::Discrepancies, |node, who| {
            let state = &node.state;
            let mut out = Vec::new();
            let mut named = Vec::new();
            for id in &ids {
                let Some(d) = state.discrepancy(id) else {
                    continue;
                };
                if open_only && d.status != DiscrepancyStatus::Open {
                    continue;
                }
                let ids: Vec<&str> = d.persons.iter().map(|p| p.as_str()).collect();
                if !ids.is_empty()
                    && visible(state, who, Purpose::Discrepancies, ids.iter().copied()).len()
                        != ids.len()
                {
                    continue;
                }
                named.extend(ids.iter().map(|s| s.to_string()));
                out.push((id.clone(), d.clone()));
            }
            named.sort();
            named.dedup();
            Ok((out, named))
        })
    }

    /// Identity-match reviews with `status`, oldest first, at most `limit`:
    /// each with the roster row as recorded and the candidates the
    /// principal may see (one whose row they may not see is left out). Each
    /// review shown is recorded under its id, and each candidate shown.
    pub fn reviews(
        &mut self,
        status: ReviewStatus,
        limit: usize,
    ) -> Result<Vec<(String, ReviewView)>, NodeError> {
        let ids = self.node.index_keys(index::REVIEWS, status.as_str())?;
        self.audited(Purpose::ReviewShow, |node, who| {
            let state = &node.state;
            let mut out = Vec::new();
            let mut shown = Vec::new();
            for id in visible(
                state,
                who,
                Purpose::ReviewShow,
                ids.iter().map(String::as_str),
            ) {
                if out.len() == limit {
                    break;
                }
                let Some(r) = state.review(id).filter(|r| r.status == status) else {
                    continue;
                };
                let r = with_visible_candidates(state, who, r, &mut shown);
                shown.push(id.to_string());
                out.push((id.to_string(), r));
            }
            Ok((out, shown))
        })
    }

    /// One identity-match review, as [`Reader::reviews`] shows each. A
    /// review the principal may not see is answered like one that does not exist.
    pub fn review(&mut self, id: &str) -> Result<ReviewView, NodeError> {
        self.audited(Purpose::ReviewShow, |node, who| {
            let state = &node.state;
            let missing = || NodeError::NotFound(format!("review {id} does not exist"));
            if visible(state, who, Purpose::ReviewShow, [id]).is_empty() {
                return Err(missing());
            }
            let r = state.review(id).ok_or_else(missing)?;
            let mut shown = vec![id.to_string()];
            let r = with_visible_candidates(state, who, r, &mut shown);
            Ok((r, shown))
        })
    }

    /// Movement `movement` as recorded, with its manifest, boarded and
    /// admitted lists: whole, or — if the principal may not see everyone on
    /// it — not at all, like a manifest. Everyone on it is recorded.
    /// [`Node::movement_summary`] gives its figures without a read.
    pub fn movement(&mut self, movement: &str) -> Result<MovementView, NodeError> {
        self.audited(Purpose::MovementShow, |node, who| {
            let state = &node.state;
            let hidden = || NodeError::NotFound(format!("movement {movement} does not exist"));
            let m = state.movement(movement).ok_or_else(hidden)?;
            let mut named: Vec<String> = Vec::new();
            for p in m.people().chain(&m.boarded).chain(&m.admitted) {
                if !named.iter().any(|n| n == p.as_str()) {
                    named.push(p.to_string());
                }
            }
            let allowed = visible(
                state,
                who,
                Purpose::MovementShow,
                named.iter().map(String::as_str),
            );
            if allowed.len() != named.len() {
                return Err(hidden());
            }
            Ok((m.clone(), named))
        })
    }

    /// Discrepancy `id` with the people it names; refused, as if it did not
    /// exist, if it names someone the principal may not see.
    pub fn discrepancy(&mut self, id: &str) -> Result<DiscrepancyView, NodeError> {
        self.audited(Purpose::Discrepancies, |node, who| {
            let state = &node.state;
            let hidden = || NodeError::NotFound(format!("discrepancy {id} does not exist"));
            let d = state.discrepancy(id).ok_or_else(hidden)?;
            let named: Vec<&str> = d.persons.iter().map(|p| p.as_str()).collect();
            if visible(state, who, Purpose::Discrepancies, named.iter().copied()).len()
                != named.len()
            {
                return Err(hidden());
            }
            let mut named: Vec<String> = named.into_iter().map(str::to_string).collect();
            named.sort();
            named.dedup();
            Ok((d.clone(), named))
        })
    }

    /// The access log (filtered), itself recorded as a read of the access log.
    pub fn access_log(&mut self, filter: &AuditFilter) -> Result<Vec<AccessRecord>, NodeError> {
        if let Decision::Denied(why) = policy::authorize(&self.principal, Purpose::AccessLog, &[]) {
            return Err(NodeError::Denied(why));
        }
        self.audited(Purpose::AccessLog, |node, _| {
            let all = node.store.access_log()?;
            let shown = all
                .into_iter()
                .filter(|r| filter.subject.as_ref().is_none_or(|s| &r.subject == s))
                .filter(|r| filter.user.as_ref().is_none_or(|u| &r.user == u))
                .collect();
            Ok((shown, vec![ACCESS_LOG_SUBJECT.to_string()]))
        })
    }
}

/// The subject recorded when someone reads the access log itself.
pub const ACCESS_LOG_SUBJECT: &str = "access-log";
