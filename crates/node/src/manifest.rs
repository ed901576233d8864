//! The printable manifest of a movement, assembled from the projections:
//! who is on it, in which vehicle, with the needs their escort record names,
//! stamped with the signed head it was printed against. The reader audits it
//! ([`crate::Reader::manifest`]); `print` renders it.

use crate::NodeError;
use rollcall_core::custodian::CustodianKind;
use rollcall_core::escort::EscortRecordStatus;
use rollcall_core::movement::MovementStatus;
use rollcall_core::person::Sex;
use rollcall_core::{CustodianId, State};
use rollcall_ledger::Checkpoint;
use rollcall_print::{Counts, HeadStamp, ManifestDoc, PersonLine, Place, VehicleLine};

fn place(state: &State, c: &CustodianId) -> Place {
    let (name, country) = match state.custodian(c.as_str()).map(|v| &v.info) {
        Some(CustodianKind::Facility(f)) => (f.name.clone(), f.country.to_string()),
        Some(other) => (other.label(), String::new()),
        None => (String::new(), String::new()),
    };
    Place {
        id: c.to_string(),
        name,
        country,
    }
}

/// What the printer needs besides the state.
pub(crate) struct Stamp<'a> {
    pub head: &'a Checkpoint,
    pub signer: &'a str,
    pub printed_at: String,
    pub printed_by: &'a str,
}

/// The manifest document of movement `id`, and the people it shows.
pub(crate) fn document(
    state: &State,
    id: &str,
    stamp: &Stamp<'_>,
) -> Result<(ManifestDoc, Vec<String>), NodeError> {
    let m = state
        .movement(id)
        .ok_or_else(|| NodeError::NotFound(format!("movement {id} does not exist")))?;
    let vehicles = m
        .vehicles
        .iter()
        .map(|v| VehicleLine {
            id: v.id.clone(),
            kind: format!("{:?}", v.kind).to_lowercase(),
            seats: v.seats,
            armored: v.armored,
            assigned: m.manifest.iter().filter(|s| s.vehicle == v.id).count() as u32,
        })
        .collect();
    let mut people = Vec::new();
    for (i, seat) in m.manifest.iter().enumerate() {
        let rec = state.person(seat.person.as_str()).map(|p| p.record);
        let escort = state.escort_record(id, seat.person.as_str());
        let mut needs = Vec::new();
        if let Some(e) = escort {
            if let Some(meds) = &e.record.medication
                && !meds.is_empty()
            {
                needs.push(format!("medication: {}", meds.join(", ")));
            }
            for s in [&e.record.medical_needs, &e.record.special_needs]
                .into_iter()
                .flatten()
            {
                if !s.trim().eq_ignore_ascii_case("none") && !s.trim().is_empty() {
                    needs.push(s.clone());
                }
            }
        }
        if let Some(r) = rec {
            for g in &r.separation_groups {
                needs.push(format!("separation {g}"));
            }
        }
        people.push(PersonLine {
            seq: i as u32 + 1,
            person: seat.person.to_string(),
            name_latin: rec
                .and_then(|r| r.names.latin.first().cloned())
                .unwrap_or_default(),
            name_original: rec.map(|r| r.names.full.clone()).unwrap_or_default(),
            father: rec.and_then(|r| r.names.father.clone()).unwrap_or_default(),
            birth: rec
                .and_then(|r| r.birth_date)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            sex: match rec.map(|r| r.sex) {
                Some(Sex::Male) => "M".into(),
                Some(Sex::Female) => "F".into(),
                _ => "".into(),
            },
            nationality: rec
                .map(|r| r.primary_nationality_key())
                .unwrap_or_else(|| "unknown".into()),
            risk: rec.map(|r| r.risk.as_str().to_string()).unwrap_or_default(),
            vehicle: seat.vehicle.clone(),
            escort_record: escort
                .map(|e| match e.status {
                    EscortRecordStatus::Started => "unconfirmed",
                    EscortRecordStatus::Confirmed => "confirmed",
                    EscortRecordStatus::HandedOver => "handed over",
                })
                .unwrap_or("none")
                .into(),
            needs: needs.join("; "),
        });
    }
    let counts = Counts {
        manifest: m.manifest.len() as u32,
        boarded: (m.status != MovementStatus::Planned).then_some(m.boarded.len() as u32),
        admitted: matches!(
            m.status,
            MovementStatus::Arrived | MovementStatus::Reconciled
        )
        .then_some(m.admitted.len() as u32),
        last_count: m.counts.last().map(|c| (c.place.clone(), c.count)),
    };
    let shown: Vec<String> = m.people().map(|p| p.to_string()).collect();
    let doc = ManifestDoc {
        movement: id.to_string(),
        mode: format!("{:?}", m.mode).to_lowercase(),
        status: m.status.as_str().to_string(),
        origin: place(state, &m.origin),
        destination: place(state, &m.destination),
        planned_departure: m.planned_departure.to_string(),
        vehicles,
        escort: m.escort.clone(),
        people,
        counts,
        head: HeadStamp {
            origin: stamp.head.origin.clone(),
            size: stamp.head.size,
            root_hex: rollcall_ledger::hash_to_hex(&stamp.head.root),
            signer: stamp.signer.to_string(),
        },
        printed_at: stamp.printed_at.clone(),
        printed_by: stamp.printed_by.to_string(),
    };
    Ok((doc, shown))
}
