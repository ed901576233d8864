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
use rollcall_core::state::index;
use rollcall_core::state::residency::{BUCKETS, Miss, bucket_of};
use rollcall_core::state::views::CustodyStatus;
use rollcall_core::{CustodianId, PersonId};
use rollcall_matching::Index;
use rollcall_matching::screen::Among;
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

/// How a screening reads the registry (the defaults: [`Plan::DEFAULT`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Up to this many people registered, `u` is measured over everyone.
    pub exact_up_to: usize,
    /// Beyond it, over a sample of about this many.
    pub sample: usize,
}

impl Plan {
    pub(crate) const DEFAULT: Plan = Plan {
        exact_up_to: 5_000,
        sample: 1_000,
    };
}

/// A name key's list is read whole when it holds at most this many people
/// (a rare name: everyone bearing it is a candidate).
const RARE: usize = 256;

/// At most this many people from each join of name keys.
const PER_JOIN: usize = 1_000;

impl Node {
    /// Screens `query` (what the person stopped says, or their papers say)
    /// at border post `post` against everyone registered, as `principal`:
    /// the best candidates the principal may see, at most `limit`. Every
    /// candidate shown is recorded as read ([`Purpose::Screen`]), and so is
    /// the check, under `post:POST`.
    ///
    /// The candidates come from the name index (`people.name`), never from
    /// reading everyone: the people bearing each rare name key of the
    /// query, those bearing all its keys, and those bearing each two of
    /// them, at most [`PER_JOIN`] from each join. Each candidate is scored
    /// as [`rollcall_matching::screen`] says, with `u` measured over
    /// everyone for a small registry and over a sample of it (whole
    /// buckets spread over the key space) for a large one.
    pub fn screen(
        &mut self,
        principal: &Principal,
        query: &PersonRecord,
        post: &str,
        limit: usize,
    ) -> Result<Vec<ScreenHit>, NodeError> {
        self.screen_with(principal, query, post, limit, Plan::DEFAULT)
    }

    pub(crate) fn screen_with(
        &mut self,
        principal: &Principal,
        query: &PersonRecord,
        post: &str,
        limit: usize,
        plan: Plan,
    ) -> Result<Vec<ScreenHit>, NodeError> {
        let keys: Vec<String> = rollcall_core::names::search_keys(&query.names)
            .into_iter()
            .collect();
        let candidates = self.name_candidates(&keys)?;
        let registered =
            usize::try_from(self.resident(|s| s.counter("registered"))?).unwrap_or(usize::MAX);
        // The records `u` is measured over, then the candidates'.
        let (measured, exact): (Vec<(String, PersonRecord)>, bool) =
            if registered <= plan.exact_up_to {
                (self.resident(|s| records(s.persons()))?, true)
            } else {
                (self.registry_sample(registered, plan.sample)?, false)
            };
        let wanted: Vec<&str> = candidates.iter().map(String::as_str).collect();
        let found: Vec<(String, PersonRecord)> = self.resident(|s| {
            wanted
                .iter()
                .filter_map(|id| Some((id.to_string(), s.person(id)?.record.clone())))
                .collect()
        })?;
        let (ids, positions, index, among) = if exact {
            // Everyone is indexed; the candidates are found among them.
            let at: std::collections::HashMap<&str, usize> = measured
                .iter()
                .enumerate()
                .map(|(i, (id, _))| (id.as_str(), i))
                .collect();
            let positions: Vec<usize> = found
                .iter()
                .filter_map(|(id, _)| at.get(id.as_str()).copied())
                .collect();
            let (ids, known): (Vec<String>, Vec<PersonRecord>) = measured.into_iter().unzip();
            (ids, positions, Index::build(&known, 1), Among::Everyone)
        } else {
            let n = measured.len();
            let (ids, known): (Vec<String>, Vec<PersonRecord>) =
                measured.into_iter().chain(found).unzip();
            let positions: Vec<usize> = (n..ids.len()).collect();
            (ids, positions, Index::build(&known, 1), Among::Sample(0..n))
        };
        // More than asked, so that dropping those the principal may not see
        // still leaves `limit` when there are that many.
        let found = rollcall_matching::screen::screen_among(
            query,
            &index,
            among,
            positions,
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

/// Each person with their record.
fn records<'a>(
    people: impl Iterator<Item = (&'a String, rollcall_core::state::views::PersonView<'a>)>,
) -> Vec<(String, PersonRecord)> {
    people
        .map(|(id, p)| (id.clone(), p.record.clone()))
        .collect()
}

impl Node {
    /// The people the name index gives for `keys` (a query's name keys):
    /// everyone on a rare key's list, everyone on all the lists, and
    /// everyone on each two of them, at most [`PER_JOIN`] from each join;
    /// a query of one key takes the first [`PER_JOIN`] on its list. Sorted.
    fn name_candidates(&mut self, keys: &[String]) -> Result<Vec<String>, NodeError> {
        let store = &*self.store;
        fn list(k: &str) -> (&'static str, &str) {
            (index::PEOPLE_NAME, k)
        }
        let mut out = std::collections::BTreeSet::new();
        // (One key: its join below takes the first of its list, rare or not.)
        for k in keys.iter().filter(|_| keys.len() > 1) {
            let (ids, more) = crate::intersect::page(store, &[list(k)], None, RARE)?;
            if !more {
                out.extend(ids);
            }
        }
        let mut joins: Vec<Vec<(&str, &str)>> = Vec::new();
        if keys.len() == 1 {
            joins.push(vec![list(&keys[0])]);
        }
        if keys.len() >= 2 {
            joins.push(keys.iter().map(|k| list(k)).collect());
        }
        if keys.len() >= 3 {
            for (i, a) in keys.iter().enumerate() {
                for b in &keys[i + 1..] {
                    joins.push(vec![list(a), list(b)]);
                }
            }
        }
        for lists in joins {
            let (ids, _) = crate::intersect::page(store, &lists, None, PER_JOIN)?;
            out.extend(ids);
        }
        Ok(out.into_iter().collect())
    }

    /// About `target` registered people (of `registered`) with their
    /// records: the people of whole buckets spread evenly over the bucket
    /// space. A bucket holds, of every namespace stem, the ids whose number
    /// falls on it modulo [`BUCKETS`], so evenly spread buckets take people
    /// from across every node's whole range of ids, not a run of neighbours
    /// registered together.
    fn registry_sample(
        &mut self,
        registered: usize,
        target: usize,
    ) -> Result<Vec<(String, PersonRecord)>, NodeError> {
        let all = BUCKETS as usize;
        let count = (all * target).div_ceil(registered.max(1)).clamp(1, all);
        let stride = all / count;
        let buckets: std::collections::BTreeSet<u32> =
            (0..count).map(|i| (i * stride) as u32).collect();
        let misses: Vec<Miss> = buckets.iter().map(|&b| Miss::Bucket(b)).collect();
        self.fetch(&misses)?;
        self.resident(|s| {
            let mut out = records(
                s.loaded_persons()
                    .filter(|(id, _)| buckets.contains(&bucket_of(id))),
            );
            out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            out
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Plan;
    use crate::{Node, Principal, Role};
    use rollcall_core::person::{Names, PersonRecord};

    fn officer() -> Principal {
        Principal {
            user: "border.officer".into(),
            account: "uid 1000".into(),
            role: Role::Monitor,
            reason: None,
        }
    }

    /// What a person stopped says of themselves: the name as written, the
    /// father's name, the year of birth and the nationality of the record.
    fn stopped(r: &PersonRecord) -> PersonRecord {
        PersonRecord {
            names: Names {
                full: r.names.full.clone(),
                father: r.names.father.clone(),
                ..Names::default()
            },
            birth_date: r.birth_date,
            nationalities: r.nationalities.clone(),
            ..PersonRecord::default()
        }
    }

    /// Screening a large registry reads the candidates the name index gives
    /// and a sample of the registry for `u`, never everyone, and finds the
    /// person stopped as the registry-wide measure does.
    #[test]
    fn a_sampled_screening_reads_no_one_else_and_finds_whom_the_exact_one_finds() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        drop(crate::listing_tests::recorded(&dir, 9));
        let people: Vec<(String, PersonRecord)> = Node::open(&dir)
            .unwrap()
            .resident(|s| super::records(s.persons()))
            .unwrap();
        assert!(people.len() > 1_000, "{}", people.len());
        let sampled_plan = Plan {
            exact_up_to: 0,
            sample: 300,
        };
        let (mut first_exact, mut first_sampled, mut asked) = (0, 0, 0);
        for (id, record) in people.iter().step_by(people.len() / 30) {
            asked += 1;
            let query = stopped(record);
            let rank =
                |hits: &[super::ScreenHit]| hits.iter().position(|h| h.person.as_str() == id);
            // Each screening records its reads: a node opened before the
            // last one's record would find the ledger moved on.
            let exact = Node::open(&dir)
                .unwrap()
                .screen_with(&officer(), &query, "IQ-POST", 10, Plan::DEFAULT)
                .unwrap();
            let mut lazy = Node::open(&dir).unwrap();
            let sampled = lazy
                .screen_with(&officer(), &query, "IQ-POST", 10, sampled_plan)
                .unwrap();
            assert!(
                !lazy.state.is_complete(),
                "a sampled screening loaded every row"
            );
            let (e, s) = (rank(&exact), rank(&sampled));
            assert!(
                e.is_some() && s.is_some(),
                "{id}: exact {e:?}, sampled {s:?}"
            );
            first_exact += usize::from(e == Some(0));
            first_sampled += usize::from(s == Some(0));
            // What both show comes from the same candidates, scored alike
            // but for u: the sampled top candidate is among the exact hits.
            assert!(exact.iter().any(|h| h.person == sampled[0].person), "{id}");
        }
        // Someone sharing the whole name, father and year may come first;
        // it must be rare.
        assert!(first_exact * 10 >= asked * 9, "{first_exact}/{asked}");
        assert!(first_sampled * 10 >= asked * 9, "{first_sampled}/{asked}");
    }
}
