//! The custodians of the reference operation: origin facilities in north-east
//! Syria, maximum-security destination facilities in Iraq, a hospital and the
//! representatives of states that take their nationals back.
//!
//! Names are illustrative of the operation report, not a claim about any real
//! facility's layout or capacity.

use rollcall_core::custodian::{Coordinates, CustodianKind, Facility, SecurityLevel};
use rollcall_core::person::Category;
use rollcall_core::{Country, CustodianId};

/// A facility of the scenario with its share of the people.
pub struct Place {
    /// Id.
    pub id: &'static str,
    /// Name.
    pub name: &'static str,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Share of detainees (origins) or of capacity (destinations), in percent.
    pub share: u32,
    /// Takes juveniles.
    pub juveniles: bool,
}

/// Origin facilities (Syria).
pub const ORIGINS: &[Place] = &[
    Place {
        id: "SY-HSK",
        name: "Hasakah Central Detention Facility",
        lat: 36.4910,
        lon: 40.7460,
        share: 45,
        juveniles: true,
    },
    Place {
        id: "SY-SDD",
        name: "Shaddadi Detention Facility",
        lat: 36.0560,
        lon: 40.7300,
        share: 20,
        juveniles: false,
    },
    Place {
        id: "SY-DRK",
        name: "Derik Detention Facility",
        lat: 37.0670,
        lon: 42.1930,
        share: 15,
        juveniles: false,
    },
    Place {
        id: "SY-RQA",
        name: "Raqqa Detention Facility",
        lat: 35.9500,
        lon: 39.0100,
        share: 20,
        juveniles: false,
    },
];

/// Destination facilities (Iraq).
pub const DESTINATIONS: &[Place] = &[
    Place {
        id: "IQ-NSR",
        name: "Nasiriyah Central Prison",
        lat: 31.0430,
        lon: 46.2570,
        share: 45,
        juveniles: false,
    },
    Place {
        id: "IQ-BGD",
        name: "Baghdad Central Prison",
        lat: 33.3000,
        lon: 44.2500,
        share: 35,
        juveniles: true,
    },
    Place {
        id: "IQ-MSL",
        name: "Mosul Maximum Security Prison",
        lat: 36.3400,
        lon: 43.1300,
        share: 20,
        juveniles: false,
    },
];

fn country(code: &str) -> Country {
    Country::parse(code).unwrap_or_else(|| panic!("built-in country code {code} is ISO 3166-1"))
}

fn facility(p: &Place, authority: &str, iso: &str, tz: &str, capacity: u32) -> CustodianKind {
    let mut categories = vec![Category::AdultMale];
    if p.juveniles {
        categories.push(Category::Juvenile);
    }
    CustodianKind::Facility(Facility {
        name: p.name.into(),
        authority: authority.into(),
        country: country(iso),
        coordinates: Coordinates {
            lat: p.lat,
            lon: p.lon,
        },
        time_zone: tz.into(),
        security: SecurityLevel::Maximum,
        capacity,
        categories,
    })
}

/// Every custodian to register before the first person, sized for `people`.
pub fn custodians(people: usize, repatriating: &[Country]) -> Vec<(CustodianId, CustodianKind)> {
    let mut out = Vec::new();
    for p in ORIGINS {
        // Origins hold their share with 25% headroom.
        let cap = (people as u64 * p.share as u64 * 125 / 10_000).max(10) as u32;
        out.push((
            CustodianId::new(p.id),
            facility(
                p,
                "Autonomous Administration of North and East Syria",
                "SY",
                "Asia/Damascus",
                cap,
            ),
        ));
    }
    for p in DESTINATIONS {
        let cap = (people as u64 * p.share as u64 * 130 / 10_000).max(10) as u32;
        out.push((
            CustodianId::new(p.id),
            facility(p, "Iraqi Ministry of Justice", "IQ", "Asia/Baghdad", cap),
        ));
    }
    out.push((
        CustodianId::new("IQ-HOSP-NSR"),
        CustodianKind::Hospital {
            name: "Nasiriyah General Hospital (secure ward)".into(),
            country: country("IQ"),
        },
    ));
    for c in repatriating {
        out.push((
            CustodianId(format!("REP-{}", c.alpha3())),
            CustodianKind::ForeignRepresentative {
                country: *c,
                name: format!("Embassy of {} in Baghdad", c.name()),
            },
        ));
    }
    out
}
