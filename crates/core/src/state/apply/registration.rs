//! Registration: custodians and people enter the ledger; a person's record
//! is corrected by a new event naming the one it corrects.

use super::discrepancy::Opening;
use super::{At, check_record, counter_violation, need_reason};
use crate::custodian::CustodianKind;
use crate::discrepancy::{DiscrepancyKind, Severity};
use crate::event::EventId;
use crate::ids::*;
use crate::person::{PersonRecord, SourceRow};
use crate::state::State;
use crate::state::views::*;
use crate::violation::{Rule, Violation};

impl State {
    /// A facility, hospital or foreign representative is registered; movements
    /// and `released` are never registered directly.
    pub(super) fn custodian_registered(
        &mut self,
        custodian: &CustodianId,
        info: &CustodianKind,
    ) -> Result<(), Violation> {
        self.unique(
            self.custodians.contains(custodian.as_str()),
            "custodian",
            custodian,
        )?;
        match info {
            CustodianKind::Movement | CustodianKind::Released => {
                return Err(Violation::new(
                    Rule::CustodianKind,
                    "movements and `released` are not registered directly",
                )
                .custodian(custodian));
            }
            CustodianKind::Facility(f)
                if (!f.coordinates.lat.is_finite()
                    || !f.coordinates.lon.is_finite()
                    || f.coordinates.lat.abs() > 90.0
                    || f.coordinates.lon.abs() > 180.0) =>
            {
                return Err(Violation::new(
                    Rule::InvalidValue,
                    format!("facility {custodian} has impossible coordinates"),
                )
                .custodian(custodian));
            }
            _ => {}
        }
        self.custodians.put(
            custodian.as_str(),
            CustodianView {
                info: info.clone(),
                occupancy: 0,
                inbound: Vec::new(),
            },
        );
        Ok(())
    }

    /// A person is registered in a facility's custody, once per roster row.
    pub(super) fn person_registered(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        record: &PersonRecord,
        custodian: &CustodianId,
        source: &Option<SourceRow>,
        capacity_override: &Option<String>,
    ) -> Result<(), Violation> {
        if let Some(src) = source {
            self.source_free(src, None)?;
        }
        self.register(t, person, record, custodian, source, capacity_override)
    }

    /// A roster row is recorded once: refused if it is already recorded —
    /// registered, linked to someone, or waiting in a review other than
    /// `deciding` (the review whose decision records it now).
    pub(super) fn source_free(
        &self,
        src: &SourceRow,
        deciding: Option<&ReviewId>,
    ) -> Result<(), Violation> {
        let key = crate::state::source_key(&src.roster, &src.record_id);
        match self.sources.get(&key) {
            None => Ok(()),
            Some(r) if deciding.is_some_and(|d| d.as_str() == r) => Ok(()),
            Some(existing) if existing.starts_with(Namespace::Review.prefix()) => {
                Err(Violation::new(
                    Rule::UniqueId,
                    format!(
                        "roster {} record {} waits in review {existing}; decide the review instead",
                        src.roster, src.record_id
                    ),
                ))
            }
            Some(existing) => Err(Violation::new(
                Rule::UniqueId,
                format!(
                    "roster {} record {} is already registered as person {existing}; nobody is registered twice",
                    src.roster, src.record_id
                ),
            )),
        }
    }

    /// Registers `person` (the source row, if any, already checked free).
    pub(super) fn register(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        record: &PersonRecord,
        custodian: &CustodianId,
        source: &Option<SourceRow>,
        capacity_override: &Option<String>,
    ) -> Result<(), Violation> {
        self.unique(self.persons.contains(person.as_str()), "person", person)?;
        let source_key = source
            .as_ref()
            .map(|src| crate::state::source_key(&src.roster, &src.record_id));
        check_record(person, record)?;
        self.require_facility(custodian)?;
        self.check_receiver(person, record.category(), custodian, capacity_override)?;
        // Checked; now written.
        if let Some(key) = source_key {
            self.sources.put(&key, person.to_string());
        }
        self.enter(custodian)?;
        self.nationalities
            .add(&record.primary_nationality_key(), 1)
            .map_err(counter_violation)?;
        self.counters
            .add("registered", 1)
            .map_err(counter_violation)?;
        self.tally.registered += 1;
        self.persons.put(
            person.as_str(),
            IdentityView {
                record: record.clone(),
                source: source.clone(),
                record_events: vec![t.id()],
                registered_at: t.at,
                same_as: Vec::new(),
                linked_rows: Vec::new(),
            },
        );
        self.custody.put(
            person.as_str(),
            CustodyView {
                custodian: custodian.clone(),
                status: CustodyStatus::Held,
                since_seq: t.seq,
                since_at: t.at,
                movement: None,
                scheduled: false,
                transferred: false,
                history: vec![],
            },
        );
        Ok(())
    }

    /// A record is corrected. If the person is on a planned movement and the
    /// corrected record breaks its manifest rules (risk, sex, juvenile flag,
    /// medical needs, separation groups, category at the destination), the
    /// correction — a fact about the person — is accepted, and it opens the
    /// discrepancy it must carry; the movement cannot depart with them as
    /// seated ([`State::departed`] re-checks). A correction that breaks
    /// nothing opens none.
    pub(super) fn record_corrected(
        &mut self,
        t: At<'_>,
        person: &PersonId,
        corrects: &EventId,
        record: &PersonRecord,
        reason: &str,
        discrepancy: &Option<DiscrepancyId>,
    ) -> Result<(), Violation> {
        let view = self.person_view(person)?;
        if !view.record_events.contains(corrects) {
            return Err(Violation::new(
                Rule::CorrectionTarget,
                format!("event {corrects} is not a registration or correction of person {person}"),
            )
            .person(person));
        }
        need_reason(reason, "a correction")?;
        check_record(person, record)?;
        let old_key = view.record.primary_nationality_key();
        let new_key = record.primary_nationality_key();
        match (self.correction_breach(person, record), discrepancy) {
            (Some((movement, breach)), Some(id)) => {
                let origin = self.movement_view(&movement)?.origin.clone();
                self.raise(
                    t,
                    id,
                    Opening {
                        kind: DiscrepancyKind::ManifestBreach,
                        severity: Severity::High,
                        summary: &format!(
                            "correction of person {person} breaks planned movement {movement}: {}; re-plan it before departure",
                            breach.detail
                        ),
                        persons: std::slice::from_ref(person),
                        movement: &Some(movement),
                        custodian: &Some(origin.clone()),
                        owner: origin.as_str(),
                    },
                )?;
            }
            (Some((movement, breach)), None) => {
                return Err(Violation::new(
                    breach.rule,
                    format!(
                        "the correction of person {person} breaks planned movement {movement} ({}); it must open a discrepancy for the movement to be re-planned",
                        breach.detail
                    ),
                )
                .person(person));
            }
            (None, Some(id)) => {
                return Err(Violation::new(
                    Rule::InvalidValue,
                    format!(
                        "the correction of person {person} names discrepancy {id}, but it breaks no planned movement"
                    ),
                )
                .person(person));
            }
            (None, None) => {}
        }
        if old_key != new_key {
            self.nationalities
                .add(&old_key, -1)
                .map_err(counter_violation)?;
            self.nationalities
                .add(&new_key, 1)
                .map_err(counter_violation)?;
        }
        self.persons.update(person.as_str(), |p| {
            p.record = record.clone();
            p.record_events.push(t.id());
        });
        Ok(())
    }
}
