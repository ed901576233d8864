//! `facility add`: the facility is built and checked by `core`
//! ([`Facility::checked`]); this only maps flags onto it and appends.

use super::Ctx;
use crate::output::{json, line};
use rollcall_core::custodian::{Coordinates, CustodianKind, Facility};
use rollcall_core::event::EventKind;

pub fn add(ctx: &Ctx, a: crate::FacilityAdd) -> anyhow::Result<i32> {
    let country = rollcall_core::Country::parse(&a.country).ok_or_else(|| {
        anyhow::anyhow!(
            "--country \"{}\" is not an ISO 3166-1 code",
            rollcall_core::limits::shown(&a.country)
        )
    })?;
    let facility = Facility {
        name: a.name,
        authority: a.authority,
        country,
        coordinates: Coordinates {
            lat: a.lat,
            lon: a.lon,
        },
        time_zone: a.time_zone,
        security: a.security.into(),
        capacity: a.capacity,
        categories: a.categories.into_iter().map(Into::into).collect(),
    }
    .checked()?;
    let mut node = ctx.open()?;
    let r = node.append(
        &ctx.user,
        rollcall_core::Timestamp::now(),
        vec![EventKind::CustodianRegistered {
            custodian: rollcall_core::CustodianId::new(a.id.as_str()),
            info: CustodianKind::Facility(facility),
        }],
    )?;
    ctx.ack(&r);
    if a.json {
        json(&node.custodian(&a.id)?)?;
    } else {
        line(&format!("{} registered", a.id))?;
    }
    Ok(0)
}
