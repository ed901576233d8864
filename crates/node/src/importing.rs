//! Roster import through identity matching (`import roster`), and the
//! review queue's decisions (`review accept`, `review reject`).
//!
//! Every incoming row is matched against everyone registered (Arabic or
//! Latin script, spelling variants, partial dates: `rollcall-matching`),
//! and the rows still new against one another (a roster that lists someone
//! twice). Each row is then recorded once:
//!
//! - already recorded (the same roster and record id): refused, or with
//!   quarantine set aside, naming what it was recorded as;
//! - matched with certainty: `roster_row_linked` to that person — nobody is
//!   registered twice — with a `listed_elsewhere` discrepancy when the
//!   ledger holds them somewhere else;
//! - matched uncertainly: `match_review_opened`, waiting for a registrar,
//!   with every candidate's evidence;
//! - matched nobody: `person_registered`.
//!
//! A row that repeats exactly one registered record word for word, its
//! identity document included, is linked whatever the model says. A model
//! trained on fewer than [`MIN_TRAINING_ROWS`] records links nothing else
//! automatically: what it would link waits for review (as does everything
//! with [`ImportOptions::review_all`]).
//!
//! The matcher reads every registered person's record inside the node;
//! none leaves it. The people a row was linked to or is in review with are
//! shown by id, so each is recorded as read ([`Purpose::ImportMatch`]).

use crate::policy::{self, Principal, Purpose};
use crate::{Node, NodeError, Receipt, Staged};
use rollcall_core::event::EventKind;
use rollcall_core::person::{PersonRecord, SourceRow};
use rollcall_core::review::{MatchEvidence, Ppm, ReviewDecision, ReviewStatus};
use rollcall_core::{CustodianId, DiscrepancyId, Namespace, PersonId, ReviewId, Timestamp};
use rollcall_matching::{Config, Decision, Index, dedupe, link_at};

/// Fewest records a matching model is trained on before it may link rows
/// by itself: with fewer, expectation–maximisation has too little to learn
/// the weights from (a handful of rows can make strangers look alike), so
/// every link it would make waits for a person in the review queue, but
/// for a row identical to the record in every field, document included.
pub const MIN_TRAINING_ROWS: usize = 1_000;

/// One roster row to import.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// Where it came from.
    pub source: SourceRow,
    /// The person as the row records them.
    pub record: PersonRecord,
}

/// How an imported row was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowFate {
    /// Registered as a new person.
    Registered(PersonId),
    /// Recorded against a registered person (the matcher was certain); the
    /// discrepancy if the ledger holds them elsewhere.
    Linked {
        /// The person.
        person: PersonId,
        /// The match probability.
        probability_ppm: Ppm,
        /// The `listed_elsewhere` discrepancy opened, if any.
        elsewhere: Option<DiscrepancyId>,
    },
    /// Waiting in the review queue.
    InReview {
        /// The review.
        review: ReviewId,
        /// How many candidates it names.
        candidates: usize,
    },
    /// Refused by a custody rule (import with quarantine only): the reason.
    Refused(String),
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// One fate per row, in input order.
    pub fates: Vec<RowFate>,
    /// The commit that recorded the rows, if anything was written.
    pub receipt: Option<Receipt>,
}

/// How an import runs.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    /// The facility whose roster it is (holding the people it registers).
    pub facility: &'a str,
    /// When they were taken into its custody.
    pub at: Timestamp,
    /// Link automatically at or above this probability.
    pub auto_link: f64,
    /// Link nothing automatically: every row the matcher would link waits
    /// in the review queue instead (say, a facility's first roster, whose
    /// rows are people it lists once each).
    pub review_all: bool,
    /// Set refused rows aside instead of refusing the import.
    pub quarantine: bool,
    /// Threads for the matcher.
    pub threads: usize,
}

/// The events that record one row (or, for a cluster of rows the roster
/// lists as one person, its first row's registration and the others' links).
struct Group {
    rows: Vec<usize>,
    kinds: Vec<EventKind>,
}

impl Node {
    /// Imports `rows` into `opts.facility`'s custody through identity
    /// matching (see the module's documentation), as `principal`, and
    /// commits. Without quarantine it is all or nothing: a row a custody
    /// rule refuses refuses the import ([`NodeError::Refused`], whose
    /// index is the row's). With quarantine such rows are left out and
    /// reported as [`RowFate::Refused`].
    pub fn import_roster(
        &mut self,
        principal: &Principal,
        rows: &[ImportRow],
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport, NodeError> {
        if let policy::Decision::Denied(why) =
            policy::authorize(principal, Purpose::ImportMatch, &[])
        {
            return Err(NodeError::Denied(why));
        }
        // One writer from the first read to the commit: nobody registers
        // anyone between the matching and the recording.
        self.hold_writer()?;
        // A row recorded before (same roster, same record id) is refused:
        // the ledger already says who it is.
        let recorded: Vec<Option<String>> = self.resident(|s| {
            rows.iter()
                .map(|r| s.roster_row(&r.source.roster, &r.source.record_id).cloned())
                .collect()
        })?;
        let mut fates: Vec<Option<RowFate>> = Vec::with_capacity(rows.len());
        for (i, (row, to)) in rows.iter().zip(recorded).enumerate() {
            let Some(to) = to else {
                fates.push(None);
                continue;
            };
            let why = already_recorded(&row.source, &to);
            if !opts.quarantine {
                return Err(NodeError::Refused(rollcall_core::BatchRejected {
                    index: i,
                    seq: self.size(),
                    violation: why,
                }));
            }
            fates.push(Some(RowFate::Refused(why.to_string())));
        }
        let fresh: Vec<usize> = (0..rows.len()).filter(|&i| fates[i].is_none()).collect();
        let groups = if fresh.is_empty() {
            Vec::new()
        } else {
            self.match_rows(rows, &fresh, &opts)?
        };
        let user = principal.user.clone();
        let mut shown: Vec<(Purpose, String)> = Vec::new();
        let mut staged_any = false;
        if opts.quarantine {
            // Each row (or cluster) on its own: a refused one is set aside.
            for group in groups {
                match self.stage(&user, opts.at, group.kinds.clone()) {
                    Ok(_) => {
                        staged_any = true;
                        for &row in &group.rows {
                            let f = fate(&group.kinds, rows, row);
                            note_shown(&f, &group.kinds, &mut shown);
                            fates[row] = Some(f);
                        }
                    }
                    Err(NodeError::Refused(rej)) => {
                        for &row in &group.rows {
                            fates[row] = Some(RowFate::Refused(rej.violation.to_string()));
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
        } else if !groups.is_empty() {
            // All or nothing: one batch; a refusal names the row at fault
            // (each group's events and rows correspond one to one).
            let event_row: Vec<usize> = groups.iter().flat_map(|g| g.rows.clone()).collect();
            let kinds: Vec<EventKind> = groups.iter().flat_map(|g| g.kinds.clone()).collect();
            match self.stage(&user, opts.at, kinds) {
                Ok(_) => staged_any = true,
                Err(NodeError::Refused(mut rej)) => {
                    rej.index = event_row.get(rej.index).copied().unwrap_or(0);
                    return Err(NodeError::Refused(rej));
                }
                Err(e) => return Err(e),
            }
            for group in &groups {
                for &row in &group.rows {
                    let f = fate(&group.kinds, rows, row);
                    note_shown(&f, &group.kinds, &mut shown);
                    fates[row] = Some(f);
                }
            }
        }
        // The rows and the reads they showed, in one durable transaction.
        let receipt = if staged_any {
            self.stage_access(principal, &shown)?;
            Some(self.commit()?)
        } else {
            None
        };
        Ok(ImportReport {
            fates: fates
                .into_iter()
                .map(|f| f.unwrap_or_else(|| RowFate::Refused("not recorded".into())))
                .collect(),
            receipt,
        })
    }

    /// Matches the rows `fresh` (indices into `rows`) against everyone
    /// registered and against one another, and builds each one's events.
    fn match_rows(
        &mut self,
        rows: &[ImportRow],
        fresh: &[usize],
        opts: &ImportOptions<'_>,
    ) -> Result<Vec<Group>, NodeError> {
        let cfg = Config {
            auto_link: opts.auto_link,
            threads: opts.threads.max(1),
            ..Config::default()
        };
        let everyone = self.resident(|s| {
            s.persons()
                .map(|(id, p)| {
                    (
                        id.clone(),
                        p.record.clone(),
                        p.custody.custodian.to_string(),
                    )
                })
                .collect::<Vec<_>>()
        })?;
        let mut ids = Vec::with_capacity(everyone.len());
        let mut known = Vec::with_capacity(everyone.len());
        let mut held_at = Vec::with_capacity(everyone.len());
        for (id, record, at) in everyone {
            ids.push(id);
            known.push(record);
            held_at.push(at);
        }
        let incoming: Vec<PersonRecord> = fresh.iter().map(|&i| rows[i].record.clone()).collect();
        let linkage = (!known.is_empty()).then(|| {
            let index = Index::build(&known, cfg.threads).held_by(held_at.clone());
            link_at(&incoming, &index, &cfg, Some(opts.facility))
        });
        self.build_groups(
            rows,
            fresh,
            &cfg,
            opts,
            Known {
                ids: &ids,
                records: &known,
                held_at: &held_at,
            },
            linkage.as_ref(),
        )
    }

    /// Builds each fresh row's events from the linkage against the known
    /// people (`None`: nobody is registered) and a deduplication of the rows
    /// that matched nobody.
    fn build_groups(
        &mut self,
        rows: &[ImportRow],
        fresh: &[usize],
        cfg: &Config,
        opts: &ImportOptions<'_>,
        known: Known<'_>,
        linkage: Option<&rollcall_matching::Linkage>,
    ) -> Result<Vec<Group>, NodeError> {
        let (facility, review_all) = (&CustodianId::new(opts.facility), opts.review_all);
        let mut pool = Pool::new(self, fresh.len())?;
        let mut groups = Vec::new();
        let mut new_rows: Vec<usize> = Vec::new(); // indices into `rows`
        for (n, &row) in fresh.iter().enumerate() {
            let identical = |e: u32| {
                rollcall_matching::identity::identical_with_document(
                    &rows[row].record,
                    &known.records[e as usize],
                )
            };
            let small = known.ids.len() + fresh.len() < MIN_TRAINING_ROWS;
            let decision = match linkage.map_or(Decision::New, |l| l.decisions[n].clone()) {
                // Asked to, or too few records to learn from: a person
                // decides — but for a row that repeats a record word for
                // word, its identity document included, which needs no model.
                Decision::Link {
                    existing,
                    probability,
                } if review_all || (small && !identical(existing)) => Decision::Review {
                    candidates: vec![(existing, probability)],
                },
                // Unsure between candidates of whom exactly one repeats
                // the row word for word, document included: that one.
                Decision::Review { candidates }
                    if !review_all
                        && candidates.iter().filter(|(e, _)| identical(*e)).count() == 1 =>
                {
                    let (existing, probability) = candidates
                        .into_iter()
                        .find(|(e, _)| identical(*e))
                        .expect("counted one");
                    Decision::Link {
                        existing,
                        probability,
                    }
                }
                d => d,
            };
            // The decision's probability (the candidate's share of the
            // row's odds) with the pair's own field-by-field explanation.
            let evidence = |existing: u32, probability: f64| -> MatchEvidence {
                let e = linkage.and_then(|l| l.explain(n, existing as usize));
                MatchEvidence {
                    person: PersonId::new(known.ids[existing as usize].as_str()),
                    probability_ppm: rollcall_matching::identity::ppm(probability),
                    fields: e.map(|e| e.evidence()).unwrap_or_default(),
                }
            };
            match decision {
                Decision::Link {
                    existing,
                    probability,
                } => {
                    let ev = evidence(existing, probability);
                    let elsewhere = known.held_at[existing as usize] != facility.as_str();
                    let discrepancy = if elsewhere {
                        Some(pool.discrepancy()?)
                    } else {
                        None
                    };
                    groups.push(Group {
                        rows: vec![row],
                        kinds: vec![EventKind::RosterRowLinked {
                            person: ev.person,
                            source: rows[row].source.clone(),
                            record: rows[row].record.clone(),
                            custodian: facility.clone(),
                            probability_ppm: ev.probability_ppm,
                            fields: ev.fields,
                            discrepancy,
                        }],
                    });
                }
                Decision::Review { candidates } => {
                    let review = pool.review()?;
                    groups.push(Group {
                        rows: vec![row],
                        kinds: vec![EventKind::MatchReviewOpened {
                            review,
                            source: rows[row].source.clone(),
                            record: rows[row].record.clone(),
                            custodian: facility.clone(),
                            candidates: candidates
                                .iter()
                                .take(rollcall_core::limits::MAX_REVIEW_CANDIDATES)
                                .map(|&(existing, probability)| evidence(existing, probability))
                                .collect(),
                        }],
                    });
                }
                Decision::New => new_rows.push(row),
            }
        }
        groups.extend(new_people(
            rows,
            &new_rows,
            cfg,
            facility,
            !review_all,
            &mut pool,
        )?);
        Ok(groups)
    }

    /// Decides review `id` as `principal`: the row is `person` (one of the
    /// candidates; by default the best), or with `new_person` a person
    /// nobody registered is, registered from the row. Staged, not committed.
    pub fn decide_review(
        &mut self,
        principal: &Principal,
        at: Timestamp,
        id: &str,
        choice: ReviewChoice<'_>,
        reason: &str,
    ) -> Result<(Staged, PersonId), NodeError> {
        let review = ReviewId::parse(id).map_err(|e| NodeError::Invalid(e.to_string()))?;
        let visible = self.resident(|s| {
            s.review(id).map(|r| {
                (
                    r.status,
                    r.custodian.clone(),
                    r.candidates
                        .iter()
                        .map(|c| {
                            (
                                c.person.clone(),
                                s.person(c.person.as_str())
                                    .map(|p| p.custody.custodian.clone()),
                            )
                        })
                        .collect::<Vec<_>>(),
                )
            })
        })?;
        // A review the principal may not see is answered like one that does not exist.
        let seen = self.resident(|s| {
            !crate::reader::visible_ids(s, principal, Purpose::ReviewShow, [id]).is_empty()
        })?;
        let Some((status, custodian, candidates)) = visible.filter(|_| seen) else {
            return Err(NodeError::NotFound(format!("review {id} does not exist")));
        };
        if status != ReviewStatus::Pending {
            return Err(NodeError::Invalid(format!(
                "review {id} was already decided ({status})"
            )));
        }
        let (decision, elsewhere) = match choice {
            ReviewChoice::NewPerson => (
                ReviewDecision::NewPerson {
                    person: PersonId(self.mint(Namespace::Person, 1)?.remove(0)),
                },
                false,
            ),
            ReviewChoice::SamePerson(wanted) => {
                let pick = match wanted {
                    None => candidates.first(),
                    Some(p) => candidates.iter().find(|(c, _)| c.as_str() == p),
                };
                let Some((person, held)) = pick else {
                    return Err(NodeError::Invalid(format!(
                        "{} is not a candidate of review {id}; its candidates are {}",
                        wanted.unwrap_or("?"),
                        candidates
                            .iter()
                            .map(|(c, _)| c.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                };
                (
                    ReviewDecision::SamePerson {
                        person: person.clone(),
                    },
                    held.as_ref() != Some(&custodian),
                )
            }
        };
        let discrepancy = if elsewhere {
            Some(DiscrepancyId(
                self.mint(Namespace::Discrepancy, 1)?.remove(0),
            ))
        } else {
            None
        };
        let person = decision.person().clone();
        let kinds = vec![EventKind::MatchReviewDecided {
            review,
            decision,
            reason: reason.to_string(),
            discrepancy,
            capacity_override: None,
        }];
        let staged = self.stage_built(&principal.user, at, kinds)?;
        Ok((staged, person))
    }
}

impl Node {
    /// Records that `person` and `same_as`, both registered, are one person
    /// (both records kept, each naming the other), as `principal`, with the
    /// `duplicate_record` discrepancy when their custodians differ. A person
    /// the principal may not see is answered like one who does not exist.
    /// Staged, not committed.
    pub fn link_people(
        &mut self,
        principal: &Principal,
        at: Timestamp,
        person: &str,
        same_as: &str,
        reason: &str,
    ) -> Result<Staged, NodeError> {
        let [at_a, at_b] = self.two_seen(principal, [person, same_as], |v| {
            v.custody.custodian.clone()
        })?;
        let discrepancy = if at_a != at_b {
            Some(DiscrepancyId(
                self.mint(Namespace::Discrepancy, 1)?.remove(0),
            ))
        } else {
            None
        };
        let kinds = vec![EventKind::PeopleLinked {
            person: PersonId::parse(person)?,
            same_as: PersonId::parse(same_as)?,
            reason: reason.to_string(),
            discrepancy,
        }];
        self.stage_built(&principal.user, at, kinds)
    }
}

/// What a registrar decides about a review.
#[derive(Debug, Clone, Copy)]
pub enum ReviewChoice<'a> {
    /// The row is this candidate (`None`: the best one).
    SamePerson(Option<&'a str>),
    /// The row is nobody registered.
    NewPerson,
}

/// Ids minted for one import, taken in order: minting computes the next
/// unused ids without reserving them, so an import mints as many as it
/// could need of each kind at once, before staging anything.
struct Pool {
    persons: std::vec::IntoIter<String>,
    reviews: std::vec::IntoIter<String>,
    discrepancies: std::vec::IntoIter<String>,
}

impl Pool {
    fn new(node: &mut Node, rows: usize) -> Result<Pool, NodeError> {
        Ok(Pool {
            persons: node.mint(Namespace::Person, rows)?.into_iter(),
            reviews: node.mint(Namespace::Review, rows)?.into_iter(),
            discrepancies: node.mint(Namespace::Discrepancy, rows)?.into_iter(),
        })
    }

    fn take(it: &mut std::vec::IntoIter<String>) -> Result<String, NodeError> {
        it.next()
            .ok_or_else(|| NodeError::Corrupt("fewer ids minted than rows".into()))
    }

    fn person(&mut self) -> Result<PersonId, NodeError> {
        Ok(PersonId(Pool::take(&mut self.persons)?))
    }

    fn review(&mut self) -> Result<ReviewId, NodeError> {
        Ok(ReviewId(Pool::take(&mut self.reviews)?))
    }

    fn discrepancy(&mut self) -> Result<DiscrepancyId, NodeError> {
        Ok(DiscrepancyId(Pool::take(&mut self.discrepancies)?))
    }
}

/// The registered people, by position in the matcher's index.
#[derive(Clone, Copy)]
struct Known<'a> {
    ids: &'a [String],
    records: &'a [PersonRecord],
    held_at: &'a [String],
}

/// Why a row recorded before is refused: the words of the ledger's own rule.
fn already_recorded(src: &SourceRow, to: &str) -> rollcall_core::Violation {
    let what = if to.starts_with(Namespace::Review.prefix()) {
        format!("waits in review {to}; decide the review instead")
    } else {
        format!("is already registered as person {to}; nobody is registered twice")
    };
    rollcall_core::Violation::new(
        rollcall_core::Rule::UniqueId,
        format!("roster {} record {} {what}", src.roster, src.record_id),
    )
}

/// How `row` was recorded by `kinds` (its group's events).
fn fate(kinds: &[EventKind], rows: &[ImportRow], row: usize) -> RowFate {
    let src = &rows[row].source;
    let same = |s: &SourceRow| s.roster == src.roster && s.record_id == src.record_id;
    for k in kinds {
        match k {
            EventKind::PersonRegistered {
                person,
                source: Some(s),
                ..
            } if same(s) => return RowFate::Registered(person.clone()),
            EventKind::RosterRowLinked {
                person,
                source,
                probability_ppm,
                discrepancy,
                ..
            } if same(source) => {
                return RowFate::Linked {
                    person: person.clone(),
                    probability_ppm: *probability_ppm,
                    elsewhere: discrepancy.clone(),
                };
            }
            EventKind::MatchReviewOpened {
                review,
                source,
                candidates,
                ..
            } if same(source) => {
                return RowFate::InReview {
                    review: review.clone(),
                    candidates: candidates.len(),
                };
            }
            _ => {}
        }
    }
    RowFate::Refused("not recorded".into())
}

/// The registered people a recorded row shows by id: the person it was
/// linked to, or a review's candidates.
fn note_shown(fate: &RowFate, kinds: &[EventKind], shown: &mut Vec<(Purpose, String)>) {
    match fate {
        RowFate::Linked { person, .. } => shown.push((Purpose::ImportMatch, person.to_string())),
        RowFate::InReview { review, .. } => {
            for k in kinds {
                if let EventKind::MatchReviewOpened {
                    review: r,
                    candidates,
                    ..
                } = k
                    && r == review
                {
                    shown.extend(
                        candidates
                            .iter()
                            .map(|c| (Purpose::ImportMatch, c.person.to_string())),
                    );
                }
            }
        }
        _ => {}
    }
}

/// The rows no registered person matched, deduplicated among
/// themselves: each cluster's first row is registered and the others
/// are linked to it; a row the deduplication is unsure of waits in
/// review with the person its closest row becomes.
fn new_people(
    rows: &[ImportRow],
    new_rows: &[usize],
    cfg: &Config,
    facility: &CustodianId,
    automatic: bool,
    pool: &mut Pool,
) -> Result<Vec<Group>, NodeError> {
    let records: Vec<PersonRecord> = new_rows.iter().map(|&i| rows[i].record.clone()).collect();
    let found = (records.len() >= 2).then(|| dedupe(&records, cfg));
    // A model trained on too few rows links nothing by itself (nor any
    // model when `automatic` is off): each pair it would link waits for a
    // person instead.
    let trusted = automatic && records.len() >= MIN_TRAINING_ROWS;
    let cluster: Vec<usize> = match &found {
        Some(d) if trusted => d.cluster.iter().map(|&c| c as usize).collect(),
        _ => (0..records.len()).collect(),
    };
    let ids: Vec<PersonId> = (0..records.len())
        .map(|_| pool.person())
        .collect::<Result<_, _>>()?;
    let mut size = vec![0usize; records.len()];
    for &c in &cluster {
        size[c] += 1;
    }
    // Rows to review: alone in their cluster, unsure of an earlier row's.
    let mut review_of: Vec<Vec<(usize, f64)>> = vec![Vec::new(); records.len()];
    if let Some(d) = &found {
        let untrusted_links = d.links.iter().filter(|_| !trusted);
        for l in d.review.iter().chain(untrusted_links) {
            let (a, b) = (l.a as usize, l.b as usize);
            let (earlier, later) = (a.min(b), a.max(b));
            if size[later] == 1 && cluster[later] == later && cluster[earlier] != later {
                review_of[later].push((cluster[earlier], l.weight));
            }
        }
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); records.len()];
    for (i, &c) in cluster.iter().enumerate() {
        if c != i {
            members[c].push(i);
        }
    }
    let mut reviewed = Vec::new();
    for i in 0..records.len() {
        if cluster[i] != i {
            continue;
        }
        if !review_of[i].is_empty() {
            reviewed.push(i);
            continue;
        }
        let mut kinds = vec![EventKind::PersonRegistered {
            person: ids[i].clone(),
            record: records[i].clone(),
            custodian: facility.clone(),
            source: Some(rows[new_rows[i]].source.clone()),
            capacity_override: None,
        }];
        let mut group_rows = vec![new_rows[i]];
        for &m in &members[i] {
            let e = found.as_ref().and_then(|d| d.explain(i, m));
            kinds.push(EventKind::RosterRowLinked {
                person: ids[i].clone(),
                source: rows[new_rows[m]].source.clone(),
                record: records[m].clone(),
                custodian: facility.clone(),
                probability_ppm: e.as_ref().map_or(0, |e| e.probability_ppm()),
                fields: e.map(|e| e.evidence()).unwrap_or_default(),
                discrepancy: None,
            });
            group_rows.push(new_rows[m]);
        }
        groups.push(Group {
            rows: group_rows,
            kinds,
        });
    }
    // Reviews last: their candidates are registered by then.
    for i in reviewed {
        let mut cands = review_of[i].clone();
        cands.sort_by(|x, y| y.1.total_cmp(&x.1));
        cands.dedup_by_key(|c| c.0);
        let candidates = cands
            .iter()
            .filter(|(c, _)| review_of[*c].is_empty())
            .take(rollcall_core::limits::MAX_REVIEW_CANDIDATES)
            .map(|&(c, _)| {
                let e = found.as_ref().and_then(|d| d.explain(c, i));
                MatchEvidence {
                    person: ids[c].clone(),
                    probability_ppm: e.as_ref().map_or(0, |e| e.probability_ppm()),
                    fields: e.map(|e| e.evidence()).unwrap_or_default(),
                }
            })
            .collect::<Vec<_>>();
        let kinds = if candidates.is_empty() {
            vec![EventKind::PersonRegistered {
                person: ids[i].clone(),
                record: records[i].clone(),
                custodian: facility.clone(),
                source: Some(rows[new_rows[i]].source.clone()),
                capacity_override: None,
            }]
        } else {
            vec![EventKind::MatchReviewOpened {
                review: pool.review()?,
                source: rows[new_rows[i]].source.clone(),
                record: records[i].clone(),
                custodian: facility.clone(),
                candidates,
            }]
        };
        groups.push(Group {
            rows: vec![new_rows[i]],
            kinds,
        });
    }
    Ok(groups)
}
