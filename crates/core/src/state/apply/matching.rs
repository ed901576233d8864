//! Identity matching: a roster row recorded against a person already
//! registered, a row waiting in the review queue, and a review's decision.
//! Each roster row is recorded once, whichever way ([`State::source_free`]).

use super::discrepancy::Opening;
use super::{At, check_record, counter_violation, need_reason, not_before};
use crate::discrepancy::{DiscrepancyKind, Severity};
use crate::ids::*;
use crate::person::{PersonRecord, SourceRow};
use crate::review::{MatchEvidence, ReviewDecision, ReviewStatus};
use crate::state::State;
use crate::state::views::*;
use crate::violation::{Rule, Violation};

impl State {
    /// A roster row is recorded against a registered person, on the
    /// matcher's evidence. Their record is not changed: the row is kept in
    /// their history as another record of them.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn roster_row_linked(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        source: &SourceRow,
        record: &PersonRecord,
        custodian: &CustodianId,
        discrepancy: &Option<DiscrepancyId>,
    ) -> Result<(), Violation> {
        self.source_free(source, None)
            .map_err(|v| v.person(person))?;
        check_record(person, record)?;
        self.require_facility(custodian)?;
        self.person_view(person)?;
        self.listed_at(t, person, custodian, discrepancy, "the roster row")?;
        self.record_source(source, person.as_str());
        self.keep_linked_row(
            person,
            LinkedRow {
                source: source.clone(),
                record: record.clone(),
                custodian: custodian.clone(),
                linked_at: t.at,
                review: None,
                discrepancy: discrepancy.clone(),
            },
        );
        Ok(())
    }

    /// A roster row waits for a person to decide among its candidates.
    pub(super) fn review_opened(
        &mut self,
        t: At<'_>,
        review: &ReviewId,
        source: &SourceRow,
        record: &PersonRecord,
        custodian: &CustodianId,
        candidates: &[MatchEvidence],
    ) -> Result<(), Violation> {
        self.unique(self.reviews.contains(review.as_str()), "review", review)?;
        self.source_free(source, None)?;
        if record.names.full.trim().is_empty() {
            return Err(Violation::new(
                Rule::InvalidValue,
                format!("review {review}: the full name is empty"),
            ));
        }
        self.require_facility(custodian)?;
        for (i, c) in candidates.iter().enumerate() {
            if candidates[..i].iter().any(|d| d.person == c.person) {
                return Err(Violation::new(
                    Rule::InvalidValue,
                    format!("review {review} names candidate {} twice", c.person),
                )
                .person(&c.person));
            }
        }
        self.record_source(source, review.as_str());
        self.reviews.put(
            review.as_str(),
            ReviewView {
                source: source.clone(),
                record: record.clone(),
                custodian: custodian.clone(),
                candidates: candidates.to_vec(),
                status: ReviewStatus::Pending,
                opened_at: t.at,
                opened_seq: t.seq,
                person: None,
                decided_by: None,
                decided_at: None,
                reason: None,
            },
        );
        Ok(())
    }

    /// A pending review is decided: the row is one of its candidates (and is
    /// recorded against them), or a new person (registered from it, in the
    /// custody of the facility whose roster it is).
    pub(super) fn review_decided(
        &mut self,
        t: At<'_>,
        review: &ReviewId,
        decision: &ReviewDecision,
        reason: &str,
        discrepancy: &Option<DiscrepancyId>,
        capacity_override: &Option<String>,
    ) -> Result<(), Violation> {
        let view = self.reviews.get(review.as_str()).ok_or_else(|| {
            Violation::new(Rule::KnownRecord, format!("review {review} does not exist"))
        })?;
        if view.status != ReviewStatus::Pending {
            return Err(Violation::new(
                Rule::KnownRecord,
                format!(
                    "review {review} was already decided ({}, person {})",
                    view.status,
                    view.person.as_ref().map_or("?", |p| p.as_str())
                ),
            ));
        }
        not_before(t.at, view.opened_at, || {
            format!("review {review} was opened at {}", view.opened_at)
        })?;
        need_reason(reason, "a review decision")?;
        let (source, record, custodian) = (
            view.source.clone(),
            view.record.clone(),
            view.custodian.clone(),
        );
        let status = match decision {
            ReviewDecision::SamePerson { person } => {
                if !view.candidates.iter().any(|c| &c.person == person) {
                    return Err(Violation::new(
                        Rule::InvalidValue,
                        format!("person {person} is not a candidate of review {review}"),
                    )
                    .person(person));
                }
                if capacity_override.is_some() {
                    return Err(Violation::new(
                        Rule::InvalidValue,
                        format!(
                            "review {review}: a capacity override belongs to a new person only"
                        ),
                    ));
                }
                self.listed_at(
                    t,
                    person,
                    &custodian,
                    discrepancy,
                    "the reviewed roster row",
                )?;
                self.keep_linked_row(
                    person,
                    LinkedRow {
                        source: source.clone(),
                        record: record.clone(),
                        custodian: custodian.clone(),
                        linked_at: t.at,
                        review: Some(review.clone()),
                        discrepancy: discrepancy.clone(),
                    },
                );
                ReviewStatus::SamePerson
            }
            ReviewDecision::NewPerson { person } => {
                if let Some(d) = discrepancy {
                    return Err(Violation::new(
                        Rule::InvalidValue,
                        format!(
                            "review {review} registers a new person and names discrepancy {d}; only a link can be listed elsewhere"
                        ),
                    ));
                }
                self.source_free(&source, Some(review))?;
                self.register(
                    t,
                    person,
                    &record,
                    &custodian,
                    &Some(source.clone()),
                    capacity_override,
                )?;
                ReviewStatus::NewPerson
            }
        };
        self.record_source(&source, decision.person().as_str());
        self.reviews.update(review.as_str(), |r| {
            r.status = status;
            r.person = Some(decision.person().clone());
            r.decided_by = Some(t.user.clone());
            r.decided_at = Some(t.at);
            r.reason = Some(reason.to_string());
        });
        Ok(())
    }

    /// A roster of `custodian` lists `person`. If the ledger holds them
    /// elsewhere, that is a `listed_elsewhere` discrepancy, which the event
    /// must open (`discrepancy`, required exactly then).
    fn listed_at(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        custodian: &CustodianId,
        discrepancy: &Option<DiscrepancyId>,
        what: &str,
    ) -> Result<(), Violation> {
        let held_by = self.person_view(person)?.custody.custodian.clone();
        match (held_by == *custodian, discrepancy) {
            (true, None) => Ok(()),
            (true, Some(d)) => Err(Violation::new(
                Rule::InvalidValue,
                format!(
                    "{what} names discrepancy {d}, but person {person} is held by {custodian}, whose roster lists them"
                ),
            )
            .person(person)),
            (false, None) => Err(Violation::new(
                Rule::IdentityConflict,
                format!(
                    "{what} of {custodian} is person {person}, whom the ledger has with {held_by}; it must open a listed_elsewhere discrepancy"
                ),
            )
            .person(person)),
            (false, Some(d)) => self.raise(
                t,
                d,
                Opening {
                    kind: DiscrepancyKind::ListedElsewhere,
                    severity: Severity::High,
                    summary: &format!(
                        "a roster of {custodian} lists person {person}, whom the ledger has with {held_by}; find out where they are"
                    ),
                    persons: std::slice::from_ref(person),
                    movement: &None,
                    custodian: &Some(custodian.clone()),
                    owner: custodian.as_str(),
                },
            ),
        }
    }

    /// Two registered records are one person: each lists the other; both
    /// stay. Refused for a record and itself, or two already linked. When
    /// their custodians differ the event must open a `duplicate_record`
    /// discrepancy (`discrepancy`, required exactly then).
    pub(super) fn people_linked(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        same_as: &PersonId,
        reason: &str,
        discrepancy: &Option<DiscrepancyId>,
    ) -> Result<(), Violation> {
        if person == same_as {
            return Err(Violation::new(
                Rule::InvalidValue,
                format!("person {person} cannot be linked to themselves"),
            )
            .person(person));
        }
        need_reason(reason, "linking two records as one person")?;
        let (a, b) = (self.person_view(person)?, self.person_view(same_as)?);
        if a.same_as.iter().any(|s| &s.person == same_as) {
            return Err(Violation::new(
                Rule::UniqueId,
                format!("persons {person} and {same_as} are already linked as one person"),
            )
            .person(person));
        }
        let (at_a, at_b) = (a.custody.custodian.clone(), b.custody.custodian.clone());
        match (at_a == at_b, discrepancy) {
            (true, None) => {}
            (true, Some(d)) => {
                return Err(Violation::new(
                    Rule::InvalidValue,
                    format!(
                        "the link names discrepancy {d}, but persons {person} and {same_as} are both with {at_a}"
                    ),
                )
                .person(person));
            }
            (false, None) => {
                return Err(Violation::new(
                    Rule::IdentityConflict,
                    format!(
                        "persons {person} (with {at_a}) and {same_as} (with {at_b}) are one person in two custodians' hands; the link must open a duplicate_record discrepancy"
                    ),
                )
                .person(person));
            }
            (false, Some(d)) => self.raise(
                t,
                d,
                Opening {
                    kind: DiscrepancyKind::DuplicateRecord,
                    severity: Severity::High,
                    summary: &format!(
                        "persons {person} (with {at_a}) and {same_as} (with {at_b}) are one person; find out where they are"
                    ),
                    persons: &[person.clone(), same_as.clone()],
                    movement: &None,
                    custodian: &Some(at_a.clone()),
                    owner: at_a.as_str(),
                },
            )?,
        }
        self.counters.add("linked", 1).map_err(counter_violation)?;
        for (this, other) in [(person, same_as), (same_as, person)] {
            self.persons.update(this.as_str(), |v| {
                v.same_as.push(SameAs {
                    person: other.clone(),
                    linked_at: t.at,
                    discrepancy: discrepancy.clone(),
                })
            });
        }
        Ok(())
    }

    /// A roster row linked to `person` is not them: it leaves their
    /// record and is recorded as `decision` says — another registered
    /// person (listed at the row's facility, as a link is), or a new person
    /// registered from the row's own record at that facility. The review
    /// that linked it, if one did, now stands as this decision; the
    /// `listed_elsewhere` discrepancy the link opened, if still open, is
    /// resolved: the row it was about is not them.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn roster_row_unlinked(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        source: &SourceRow,
        decision: &ReviewDecision,
        reason: &str,
        discrepancy: &Option<DiscrepancyId>,
        capacity_override: &Option<String>,
    ) -> Result<(), Violation> {
        need_reason(reason, "withdrawing a roster row's link")?;
        let key = crate::state::source_key(&source.roster, &source.record_id);
        let rows = self.person_view(person)?.linked_rows;
        let Some(at) = rows
            .iter()
            .position(|r| crate::state::source_key(&r.source.roster, &r.source.record_id) == key)
        else {
            return Err(Violation::new(
                Rule::KnownRecord,
                format!(
                    "roster row {}/{} is not linked to person {person}",
                    source.roster, source.record_id
                ),
            )
            .person(person));
        };
        let row = rows[at].clone();
        not_before(t.at, row.linked_at, || {
            format!(
                "roster row {}/{} was linked to person {person} at {}",
                source.roster, source.record_id, row.linked_at
            )
        })?;
        self.persons.update(person.as_str(), |v| {
            v.linked_rows.remove(at);
        });
        let status = match decision {
            ReviewDecision::SamePerson { person: other } => {
                if other == person {
                    return Err(Violation::new(
                        Rule::InvalidValue,
                        format!(
                            "the roster row is withdrawn from person {person}; it cannot be linked to them again"
                        ),
                    )
                    .person(person));
                }
                if capacity_override.is_some() {
                    return Err(Violation::new(
                        Rule::InvalidValue,
                        "a capacity override belongs to a new person only",
                    ));
                }
                self.listed_at(
                    t,
                    other,
                    &row.custodian,
                    discrepancy,
                    "the withdrawn roster row",
                )?;
                self.keep_linked_row(
                    other,
                    LinkedRow {
                        linked_at: t.at,
                        discrepancy: discrepancy.clone(),
                        ..row.clone()
                    },
                );
                ReviewStatus::SamePerson
            }
            ReviewDecision::NewPerson { person: new } => {
                if let Some(d) = discrepancy {
                    return Err(Violation::new(
                        Rule::InvalidValue,
                        format!(
                            "the withdrawn row registers a new person and names discrepancy {d}; only a link can be listed elsewhere"
                        ),
                    ));
                }
                self.register(
                    t,
                    new,
                    &row.record,
                    &row.custodian,
                    &Some(row.source.clone()),
                    capacity_override,
                )?;
                ReviewStatus::NewPerson
            }
        };
        self.record_source(&row.source, decision.person().as_str());
        if let Some(review) = &row.review {
            self.reviews.update(review.as_str(), |r| {
                r.status = status;
                r.person = Some(decision.person().clone());
                r.decided_by = Some(t.user.clone());
                r.decided_at = Some(t.at);
                r.reason = Some(reason.to_string());
            });
        }
        if let Some(d) = &row.discrepancy {
            self.resolve_if_open(
                t,
                d,
                &format!(
                    "{reason} (the roster row it was about is not person {person}: its link was withdrawn)"
                ),
            )?;
        }
        Ok(())
    }

    /// Two records linked as one person are two people: each leaves the
    /// other's list, and the `duplicate_record` discrepancy the link
    /// opened, if still open, is resolved.
    pub(super) fn people_unlinked(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        same_as: &PersonId,
        reason: &str,
    ) -> Result<(), Violation> {
        need_reason(reason, "withdrawing the link of two records")?;
        let link = self
            .person_view(person)?
            .same_as
            .iter()
            .find(|s| &s.person == same_as)
            .cloned()
            .ok_or_else(|| {
                Violation::new(
                    Rule::KnownRecord,
                    format!("persons {person} and {same_as} are not linked as one person"),
                )
                .person(person)
            })?;
        not_before(t.at, link.linked_at, || {
            format!(
                "persons {person} and {same_as} were linked at {}",
                link.linked_at
            )
        })?;
        // Both are registered: the event is about them (`apply_one`).
        for (this, other) in [(person, same_as), (same_as, person)] {
            self.persons.update(this.as_str(), |v| {
                v.same_as.retain(|s| &s.person != other);
            });
        }
        self.counters.add("linked", -1).map_err(counter_violation)?;
        if let Some(d) = &link.discrepancy {
            self.resolve_if_open(
                t,
                d,
                &format!(
                    "{reason} (persons {person} and {same_as} are two people: their link was withdrawn)"
                ),
            )?;
        }
        Ok(())
    }

    /// Keeps a roster row linked to `person` with their record.
    fn keep_linked_row(&mut self, person: &PersonId, row: LinkedRow) {
        self.persons
            .update(person.as_str(), |v| v.linked_rows.push(row));
    }

    /// Records what a roster row now is (a person, or a review it waits in).
    fn record_source(&mut self, src: &SourceRow, to: &str) {
        let key = crate::state::source_key(&src.roster, &src.record_id);
        self.sources.put(&key, to.to_string());
    }
}
