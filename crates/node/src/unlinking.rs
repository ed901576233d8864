//! Withdrawing a wrong link: a roster row recorded against someone it is
//! not (registered as the new person it is, or recorded against another
//! person), and two records linked as one person that are two people.
//! The rules are core's (`roster_row_unlinked`, `people_unlinked`); here
//! the node finds what the events need, within what the principal may
//! see, and mints their ids.

use crate::policy::{Principal, Purpose};
use crate::{Node, NodeError, Staged};
use rollcall_core::ids::Namespace;
use rollcall_core::person::SourceRow;
use rollcall_core::review::ReviewDecision;
use rollcall_core::{CustodianId, DiscrepancyId, EventKind, PersonId, Timestamp};

/// Where a withdrawn roster row goes.
#[derive(Debug, Clone, Copy)]
pub enum RowTarget<'a> {
    /// It is nobody registered: a new person is registered from it (over
    /// the facility's capacity only with a stated reason).
    NewPerson {
        /// Why the facility may hold them over its capacity, if it must.
        capacity_override: Option<&'a str>,
    },
    /// It is this other registered person.
    Person(&'a str),
}

impl Node {
    /// Withdraws roster row `roster`/`record_id` from `person`, whom it
    /// was linked to (by the matcher or by a review), as `principal`: the
    /// row becomes `target`. Relinked to someone the ledger holds elsewhere
    /// than the row's facility, the event opens the `listed_elsewhere`
    /// discrepancy that needs. Returns the staged event and the person the
    /// row is now recorded against. A person the principal may not see is
    /// answered like one who does not exist. Staged, not committed.
    #[allow(clippy::too_many_arguments)]
    pub fn unlink_row(
        &mut self,
        principal: &Principal,
        at: Timestamp,
        person: &str,
        roster: &str,
        record_id: &str,
        target: RowTarget<'_>,
        reason: &str,
    ) -> Result<(Staged, PersonId), NodeError> {
        let (other, capacity_override) = match target {
            RowTarget::Person(p) => (Some(p), None),
            RowTarget::NewPerson { capacity_override } => {
                (None, capacity_override.map(str::to_string))
            }
        };
        type Found = (
            Option<(SourceRow, CustodianId)>,
            Option<Option<CustodianId>>,
        );
        let found: Option<Found> = self.resident(|s| {
            let wanted: Vec<&str> = std::iter::once(person).chain(other).collect();
            let seen = crate::reader::visible_ids(s, principal, Purpose::PersonShow, wanted);
            let view = s.person(person).filter(|_| seen.contains(&person))?;
            let row = view
                .linked_rows
                .iter()
                .find(|r| r.source.roster == roster && r.source.record_id == record_id)
                .map(|r| (r.source.clone(), r.custodian.clone()));
            let held = other.map(|o| {
                seen.contains(&o)
                    .then(|| s.person(o).map(|v| v.custody.custodian.clone()))
                    .flatten()
            });
            Some((row, held))
        })?;
        let Some((row, held)) = found else {
            return Err(NodeError::NotFound(format!(
                "person {person} is not registered"
            )));
        };
        let Some((source, facility)) = row else {
            return Err(NodeError::Invalid(format!(
                "roster row {roster}/{record_id} is not linked to person {person} (`rollcall person show {person}` lists the rows that are)"
            )));
        };
        let (decision, elsewhere) = match (other, held) {
            (Some(o), Some(Some(at_o))) => (
                ReviewDecision::SamePerson {
                    person: PersonId::parse(o)?,
                },
                at_o != facility,
            ),
            (Some(o), _) => {
                return Err(NodeError::NotFound(format!("person {o} is not registered")));
            }
            (None, _) => (
                ReviewDecision::NewPerson {
                    person: PersonId(self.mint(Namespace::Person, 1)?.remove(0)),
                },
                false,
            ),
        };
        let discrepancy = if elsewhere {
            Some(DiscrepancyId(
                self.mint(Namespace::Discrepancy, 1)?.remove(0),
            ))
        } else {
            None
        };
        let now = decision.person().clone();
        let kinds = vec![EventKind::RosterRowUnlinked {
            person: PersonId::parse(person)?,
            source,
            decision,
            reason: reason.to_string(),
            discrepancy,
            capacity_override,
        }];
        let staged = self.stage_built(&principal.user, at, kinds)?;
        Ok((staged, now))
    }

    /// Withdraws the link of `person` and `same_as` as one person, as
    /// `principal`: each record stands alone again. A person the principal
    /// may not see is answered like one who does not exist. Staged, not
    /// committed.
    pub fn unlink_people(
        &mut self,
        principal: &Principal,
        at: Timestamp,
        person: &str,
        same_as: &str,
        reason: &str,
    ) -> Result<Staged, NodeError> {
        let [others, _] = self.two_seen(principal, [person, same_as], |v| {
            v.same_as
                .iter()
                .map(|o| o.person.to_string())
                .collect::<Vec<_>>()
        })?;
        if !others.iter().any(|o| o == same_as) {
            return Err(NodeError::Invalid(format!(
                "persons {person} and {same_as} are not linked as one person"
            )));
        }
        let kinds = vec![EventKind::PeopleUnlinked {
            person: PersonId::parse(person)?,
            same_as: PersonId::parse(same_as)?,
            reason: reason.to_string(),
        }];
        self.stage_built(&principal.user, at, kinds)
    }
}

impl Node {
    /// What `f` says of each of two people, both of whom the principal
    /// may see ([`Purpose::PersonShow`]); a person they may not see is
    /// answered like one who is not registered.
    pub(crate) fn two_seen<T>(
        &mut self,
        principal: &Principal,
        people: [&str; 2],
        f: impl Fn(rollcall_core::state::views::PersonView<'_>) -> T,
    ) -> Result<[T; 2], NodeError> {
        let found = self.resident(|s| {
            let seen = crate::reader::visible_ids(s, principal, Purpose::PersonShow, people);
            people.map(|p| seen.contains(&p).then(|| s.person(p).map(&f)).flatten())
        })?;
        match found {
            [Some(a), Some(b)] => Ok([a, b]),
            [a, _] => {
                let missing = if a.is_none() { people[0] } else { people[1] };
                Err(NodeError::NotFound(format!(
                    "person {missing} is not registered"
                )))
            }
        }
    }
}
