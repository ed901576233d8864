//! The detainees of the reference operation: names as they are written on
//! rosters (Arabic script with Latin transliteration variants), nationalities
//! weighted like the operation report, partial dates of birth, risk levels
//! and separation groups.

use rand::RngExt;
use rand::rngs::ChaCha8Rng;
use rollcall_core::Country;
use rollcall_core::person::{Document, Flags, Names, PartialDate, PersonRecord, RiskLevel, Sex};

/// (Arabic, Latin spellings)
const GIVEN: &[(&str, &[&str])] = &[
    ("أحمد", &["Ahmed", "Ahmad"]),
    ("محمد", &["Mohammed", "Muhammad", "Mohamed"]),
    ("علي", &["Ali"]),
    ("عمر", &["Omar", "Umar"]),
    ("خالد", &["Khalid", "Khaled"]),
    ("حسن", &["Hassan", "Hasan"]),
    ("حسين", &["Hussein", "Husayn", "Hussain"]),
    ("عبدالله", &["Abdullah", "Abdallah"]),
    ("إبراهيم", &["Ibrahim", "Ebrahim"]),
    ("يوسف", &["Yusuf", "Youssef"]),
    ("محمود", &["Mahmoud", "Mahmud"]),
    ("سعد", &["Saad", "Sa'ad"]),
    ("مصطفى", &["Mustafa", "Moustafa"]),
    ("عمار", &["Ammar"]),
    ("بلال", &["Bilal"]),
    ("طارق", &["Tariq", "Tarek"]),
    ("زياد", &["Ziad", "Ziyad"]),
    ("قاسم", &["Qasim", "Kassem"]),
    ("وليد", &["Walid", "Waleed"]),
    ("سالم", &["Salim", "Salem"]),
    ("فيصل", &["Faisal", "Faysal"]),
    ("جاسم", &["Jasim", "Jassem"]),
    ("ياسر", &["Yasir", "Yasser"]),
    ("نبيل", &["Nabil", "Nabeel"]),
];

const FAMILY: &[(&str, &[&str])] = &[
    ("الجبوري", &["al-Jubouri", "al-Juburi", "Aljubouri"]),
    ("الدليمي", &["al-Dulaimi", "al-Dulaymi"]),
    ("العبيدي", &["al-Obeidi", "al-Ubaydi"]),
    ("الشمري", &["al-Shammari", "Alshammari"]),
    ("التميمي", &["al-Tamimi", "Altamimi"]),
    ("الجنابي", &["al-Janabi"]),
    ("الزبيدي", &["al-Zubaidi", "al-Zubaydi"]),
    ("الراوي", &["al-Rawi"]),
    ("العاني", &["al-Ani"]),
    ("الحمداني", &["al-Hamdani"]),
    ("العكيدي", &["al-Okaidi", "al-Ukaydi"]),
    ("البكاري", &["al-Bakkari"]),
];

const FOREIGN_GIVEN: &[&str] = &[
    "Karim", "Rachid", "Youssef", "Anis", "Adam", "Ilyas", "Tarik", "Mehdi", "Sami", "Amir",
    "Rustam", "Timur", "Abu Bakr", "Idris", "Hamza", "Osman", "Emre", "Jamal", "Nasser", "Anwar",
];
const FOREIGN_FAMILY: &[&str] = &[
    "Benali", "Haddad", "Mansour", "Nazarov", "Karimov", "Yilmaz", "Demir", "Rahman", "Hussain",
    "Khan", "Saidi", "Amrani", "Bouzid", "Tahir", "Aliyev", "Umarov", "Suleiman", "Bakr",
];

/// Nationalities other than Iraqi and Syrian, with relative weights
/// (62 countries, so a scale-1 run always has more than 60 nationalities).
pub const FOREIGN: &[(&str, u32)] = &[
    ("TN", 60),
    ("MA", 45),
    ("SA", 40),
    ("JO", 35),
    ("TR", 35),
    ("EG", 30),
    ("RU", 30),
    ("LB", 25),
    ("UZ", 25),
    ("TJ", 22),
    ("KZ", 20),
    ("AZ", 15),
    ("DZ", 15),
    ("LY", 15),
    ("FR", 20),
    ("DE", 12),
    ("BE", 10),
    ("GB", 10),
    ("NL", 8),
    ("SE", 6),
    ("AT", 5),
    ("DK", 4),
    ("ES", 4),
    ("IT", 4),
    ("FI", 3),
    ("NO", 3),
    ("CH", 3),
    ("IE", 2),
    ("PT", 2),
    ("AU", 5),
    ("CA", 4),
    ("US", 3),
    ("ID", 12),
    ("MY", 6),
    ("PH", 5),
    ("PK", 10),
    ("AF", 10),
    ("IN", 4),
    ("BD", 3),
    ("CN", 8),
    ("KG", 10),
    ("TM", 6),
    ("GE", 6),
    ("AM", 2),
    ("AL", 5),
    ("XK", 0),
    ("BA", 5),
    ("MK", 4),
    ("RS", 2),
    ("ME", 2),
    ("KW", 8),
    ("YE", 10),
    ("SD", 8),
    ("SO", 6),
    ("ML", 3),
    ("NE", 2),
    ("SN", 2),
    ("NG", 3),
    ("IR", 5),
    ("PS", 8),
    ("QA", 2),
    ("BH", 2),
    ("OM", 1),
    ("TT", 3),
];

/// Countries the scenario asks to take back their nationals.
pub const REPATRIATING: &[&str] = &[
    "FR", "DE", "BE", "GB", "NL", "RU", "KZ", "UZ", "TJ", "TN", "MA",
];

/// One generated detainee.
pub struct Detainee {
    /// Identity.
    pub record: PersonRecord,
    /// Record id on the origin's roster.
    pub record_id: String,
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

fn nationality(rng: &mut ChaCha8Rng, index: usize) -> Vec<Country> {
    static TABLE: std::sync::OnceLock<Vec<(Country, u32)>> = std::sync::OnceLock::new();
    let foreign = TABLE.get_or_init(|| {
        FOREIGN
            .iter()
            .filter_map(|(c, w)| Country::parse(c).map(|c| (c, (*w).max(1))))
            .collect()
    });
    // The first detainees of the foreign tranche cover every country once.
    let roll = rng.random_range(0..1000u32);
    let code = if index % 9 == 4 && index / 9 < foreign.len() {
        Some(foreign[index / 9].0)
    } else if roll < 575 {
        Country::parse("IQ")
    } else if roll < 875 {
        Country::parse("SY")
    } else if roll < 990 {
        let total: u32 = foreign.iter().map(|(_, w)| w).sum();
        let mut r = rng.random_range(0..total);
        let mut chosen = foreign[0].0;
        for (c, w) in foreign {
            if r < *w {
                chosen = *c;
                break;
            }
            r -= w;
        }
        Some(chosen)
    } else {
        None // nationality not known
    };
    let mut out: Vec<Country> = code.into_iter().collect();
    // A few dual nationals.
    if !out.is_empty()
        && rng.random_ratio(1, 50)
        && let Some(c) = Country::parse(pick::<&str>(rng, &["FR", "DE", "GB", "TR", "SE"]))
        && out[0] != c
    {
        out.push(c);
    }
    out
}

/// Generates detainee `index` (0-based) of the operation.
pub fn detainee(rng: &mut ChaCha8Rng, index: usize, origin: &str) -> Detainee {
    let nationalities = nationality(rng, index);
    let arab = nationalities.first().is_none_or(|c| {
        ["IRQ", "SYR", "SAU", "JOR", "LBN", "KWT", "YEM", "PSE"].contains(&c.alpha3())
    });
    let names = if arab {
        let (g_ar, g_lat) = pick(rng, GIVEN);
        let (f_ar, f_lat) = pick(rng, GIVEN);
        let (gf_ar, _) = pick(rng, GIVEN);
        let (fam_ar, fam_lat) = pick(rng, FAMILY);
        let (m_ar, _) = pick(rng, GIVEN);
        let full_ar = format!("{g_ar} {f_ar} {gf_ar} {fam_ar}");
        let latin: Vec<String> = (0..rng.random_range(1..=2usize))
            .map(|_| {
                format!(
                    "{} {} {}",
                    pick(rng, g_lat),
                    pick(rng, f_lat),
                    pick(rng, fam_lat)
                )
            })
            .collect();
        Names {
            full: full_ar.clone(),
            arabic: Some(full_ar),
            latin,
            given: Some(g_ar.to_string()),
            father: Some(f_ar.to_string()),
            grandfather: Some(gf_ar.to_string()),
            family: Some(fam_ar.to_string()),
            mother: rng
                .random_bool(0.6)
                .then(|| format!("{m_ar}ة").replace("ةة", "ة")),
        }
    } else {
        let given = pick(rng, FOREIGN_GIVEN);
        let family = pick(rng, FOREIGN_FAMILY);
        let full = format!("{given} {family}");
        Names {
            full: full.clone(),
            latin: vec![full],
            given: Some(given.to_string()),
            family: Some(family.to_string()),
            ..Names::default()
        }
    };
    let juvenile = rng.random_ratio(1, 60);
    let year = if juvenile {
        rng.random_range(2009..=2010u16)
    } else {
        rng.random_range(1960..=2004u16)
    };
    let birth_date = match rng.random_range(0..10) {
        0 => None,
        1..=4 => Some(PartialDate {
            year,
            month: None,
            day: None,
        }),
        5..=6 => Some(PartialDate {
            year,
            month: Some(rng.random_range(1..=12)),
            day: None,
        }),
        _ => Some(PartialDate {
            year,
            month: Some(rng.random_range(1..=12)),
            day: Some(rng.random_range(1..=28)),
        }),
    };
    let risk = match rng.random_range(0..100) {
        0..=19 => RiskLevel::High,
        20..=69 => RiskLevel::Medium,
        _ => RiskLevel::Low,
    };
    let risk_reason = Some(
        match risk {
            RiskLevel::High => "assessed senior operational role; prior escape attempt reported",
            RiskLevel::Medium => "assessed combatant; no incidents in detention",
            RiskLevel::Low => "assessed non-combatant role",
        }
        .to_string(),
    );
    let documents = if rng.random_ratio(1, 4) {
        vec![Document {
            kind: if arab { "national_id" } else { "passport" }.into(),
            number: format!(
                "{}{:08}",
                if arab { "N" } else { "P" },
                rng.random_range(0..100_000_000u32)
            ),
            issuer: nationalities.first().copied(),
        }]
    } else {
        vec![]
    };
    Detainee {
        record_id: format!("{origin}-{:06}", index + 1),
        record: PersonRecord {
            names,
            birth_date,
            birth_place: None,
            sex: Sex::Male,
            nationalities,
            documents,
            biometric_ref: rng
                .random_bool(0.9)
                .then(|| format!("BIO-{:09}", rng.random_range(0..1_000_000_000u32))),
            flags: Flags {
                juvenile,
                medical_needs: rng.random_ratio(1, 20),
            },
            risk,
            risk_reason,
            separation_groups: vec![],
        },
    }
}
