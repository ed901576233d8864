//! The operation's registration as it reaches a registrar: each origin's
//! roster, imported through identity matching like any roster, and a
//! recount roster per origin a day later that lists some of the same
//! people again, written by another clerk (the Arabic name in one of its
//! Latin spellings, the patronymic folded in, the grandfather's and
//! mother's names left out, a full date of birth cut to its year now and
//! then, no biometric reference). Every row carries the index of the
//! person it lists, which is the ground truth a demonstration decides the
//! review queue by.

use crate::{Config, ORIGINS, Step, T0, at, custodians_step, draw_people, people_of};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rollcall_core::person::{Names, PersonRecord, SourceRow};
use rollcall_core::{CustodianId, Timestamp};

/// One in this many people is listed again on their origin's recount.
const RECOUNTED_ONE_IN: u32 = 40;

/// The registration of the operation: the custodians, then the rosters in
/// the order they arrive.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The custodians' registration (facilities, hospitals, states).
    pub custodians: Step,
    /// The rosters, oldest first.
    pub rosters: Vec<Roster>,
}

/// One roster, imported into one facility's custody.
#[derive(Debug, Clone)]
pub struct Roster {
    /// When it was imported.
    pub at: Timestamp,
    /// Who imported it.
    pub user: String,
    /// The facility whose roster it is.
    pub facility: CustodianId,
    /// Its rows, in order.
    pub rows: Vec<RosterEntry>,
}

/// One row of a roster and the person it lists.
#[derive(Debug, Clone)]
pub struct RosterEntry {
    /// The ground truth: the index (from 0) of the person of the operation
    /// this row lists, the index [`crate::generate_for`]'s ids follow.
    pub person: usize,
    /// The roster and record id.
    pub source: SourceRow,
    /// The person as the row writes them.
    pub record: PersonRecord,
}

/// The operation's registration: for each origin its roster (everyone it
/// holds, once), then for each origin its recount (one in
/// [`RECOUNTED_ONE_IN`] of them again, written another way).
pub fn registration(cfg: &Config) -> Registration {
    let people = people_of(cfg);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let drawn = draw_people(&mut rng, people as usize);
    // Its own stream, so the operation's draws stay those of `generate`.
    let mut noise = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x7265_636f_756e_7400);
    // Each origin's roster three days before day zero, its recount a day
    // later, half an hour apart from one origin to the next.
    let empty = |days_before: i64| -> Vec<Roster> {
        ORIGINS
            .iter()
            .enumerate()
            .map(|(o, place)| Roster {
                at: at(T0, -days_before * 24 * 60 + o as i64 * 30),
                user: "registrar".into(),
                facility: CustodianId::new(place.id),
                rows: Vec::new(),
            })
            .collect()
    };
    let (mut rosters, mut recounts) = (empty(3), empty(2));
    for (i, d) in drawn.into_iter().enumerate() {
        let place = ORIGINS[d.origin].id;
        if noise.random_ratio(1, RECOUNTED_ONE_IN) {
            recounts[d.origin].rows.push(RosterEntry {
                person: i,
                source: SourceRow {
                    roster: format!("{place} recount"),
                    record_id: format!("{place}-R{:06}", i + 1),
                    line: None,
                },
                record: relisted(&mut noise, &d.detainee.record),
            });
        }
        rosters[d.origin].rows.push(RosterEntry {
            person: i,
            source: SourceRow {
                roster: format!("{place} roster"),
                record_id: d.detainee.record_id,
                line: None,
            },
            record: d.detainee.record,
        });
    }
    rosters.extend(recounts);
    rosters.retain(|r| !r.rows.is_empty());
    Registration {
        custodians: custodians_step(people),
        rosters,
    }
}

/// `record` as another clerk writes it on a recount.
fn relisted(rng: &mut ChaCha8Rng, record: &PersonRecord) -> PersonRecord {
    let mut r = record.clone();
    if r.names.arabic.is_some()
        && let Some(latin) = r.names.latin.last().cloned()
    {
        let tokens: Vec<&str> = latin.split(' ').collect();
        r.names = Names {
            full: latin.clone(),
            arabic: None,
            latin: vec![latin.clone()],
            given: tokens.first().map(|t| t.to_string()),
            father: (tokens.len() > 2).then(|| tokens[1].to_string()),
            grandfather: None,
            family: (tokens.len() > 1).then(|| tokens[tokens.len() - 1].to_string()),
            mother: None,
        };
    }
    if rng.random_ratio(1, 3)
        && let Some(b) = r.birth_date.as_mut()
    {
        b.month = None;
        b.day = None;
    }
    r.biometric_ref = None;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate;
    use rollcall_core::event::EventKind;

    #[test]
    fn the_rosters_list_everyone_of_the_operation_once_and_some_again() {
        let cfg = Config {
            seed: 3,
            scale: 0.2,
        };
        let reg = registration(&cfg);
        let op = generate(&cfg);
        // The rows of the first rosters are exactly the registrations that
        // `generate` writes, person for person.
        let registered: Vec<(String, PersonRecord, String)> = op
            .steps
            .iter()
            .flat_map(|s| match &s.action {
                crate::Action::Record(kinds) => kinds.clone(),
                _ => Vec::new(),
            })
            .filter_map(|k| match k {
                EventKind::PersonRegistered {
                    source: Some(source),
                    record,
                    custodian,
                    ..
                } => Some((source.record_id, record, custodian.to_string())),
                _ => None,
            })
            .collect();
        let mut listed = vec![0u32; registered.len()];
        let mut relisted = 0;
        for roster in &reg.rosters {
            for row in &roster.rows {
                let (record_id, record, custodian) = &registered[row.person];
                assert_eq!(roster.facility.as_str(), custodian);
                listed[row.person] += 1;
                if row.source.roster.ends_with("roster") {
                    assert_eq!(&row.source.record_id, record_id);
                    assert_eq!(&row.record, record);
                } else {
                    relisted += 1;
                    assert_eq!(row.record.nationalities, record.nationalities);
                    assert_eq!(
                        row.record.birth_date.map(|b| b.year),
                        record.birth_date.map(|b| b.year)
                    );
                }
            }
        }
        assert!(listed.iter().all(|&n| n == 1 || n == 2), "{listed:?}");
        assert!(relisted > 0 && relisted < registered.len() / 10);
        let times: Vec<Timestamp> = reg.rosters.iter().map(|r| r.at).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    }

    #[test]
    fn the_operation_for_other_ids_is_the_same_operation() {
        let cfg = Config {
            seed: 5,
            scale: 0.1,
        };
        let minted = generate(&cfg);
        let n = crate::people_of(&cfg) as usize;
        let ids: Vec<rollcall_core::PersonId> = (0..n)
            .map(|i| rollcall_core::PersonId::new(format!("P-OTHER-{:06}", n - i)))
            .collect();
        assert!(crate::generate_for(&cfg, &ids[1..]).is_none());
        let other = crate::generate_for(&cfg, &ids).expect("one id per person");
        assert_eq!(other.transferred, minted.transferred);
        assert_eq!(other.movements, minted.movements);
        let skipped = minted
            .steps
            .iter()
            .filter(|s| {
                matches!(&s.action, crate::Action::Record(k)
                    if matches!(k.first(), Some(EventKind::PersonRegistered { .. } | EventKind::CustodianRegistered { .. })))
            })
            .count();
        assert_eq!(other.steps.len() + skipped, minted.steps.len());
    }
}
