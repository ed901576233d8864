//! Noisy rosters with ground truth, for testing and benchmarking identity
//! matching.
//!
//! People are drawn once (given, father's, grandfather's and family names,
//! mother's name, date and place of birth, nationality, a document for some)
//! and then written onto roster rows the way different authorities write
//! them: in Arabic script or in one of several Latin spellings, with the
//! patronymics in their own columns or folded into the full name (sometimes
//! with `bin`), a kunya for some, dates of birth year-only, with day and month
//! swapped or a year off, fields missing, the odd typing slip, and the same
//! person listed twice. Every row carries the index of the person it was
//! drawn from, which is the ground truth.
//!
//! Given names are skewed the way real rosters are: a handful (Mohammed,
//! Ahmed, Ali …) cover most people, so a matcher cannot block on them alone.
//! Deterministic from the seed; no I/O beyond the [`Write`] handed in.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use std::io::{self, Write};

/// (Arabic, Latin spellings). Earlier entries are drawn far more often.
const GIVEN: &[(&str, &[&str])] = &[
    (
        "محمد",
        &["Mohammed", "Muhammad", "Mohamed", "Mohamad", "Mohammad"],
    ),
    ("أحمد", &["Ahmed", "Ahmad"]),
    ("علي", &["Ali"]),
    ("حسين", &["Hussein", "Husayn", "Hussain", "Hussien"]),
    ("عمر", &["Omar", "Umar"]),
    ("حسن", &["Hassan", "Hasan"]),
    (
        "عبد الله",
        &["Abdullah", "Abdallah", "Abd Allah", "Abdulla"],
    ),
    ("خالد", &["Khalid", "Khaled"]),
    ("إبراهيم", &["Ibrahim", "Ebrahim", "Ibraheem"]),
    ("يوسف", &["Yousef", "Yusuf", "Youssef"]),
    (
        "عبد الرحمن",
        &[
            "Abd al-Rahman",
            "Abdulrahman",
            "Abdel Rahman",
            "Abdurrahman",
        ],
    ),
    ("محمود", &["Mahmoud", "Mahmud"]),
    ("مصطفى", &["Mustafa", "Moustafa", "Mostafa"]),
    ("سعد", &["Saad", "Sa'ad"]),
    ("عبد العزيز", &["Abdulaziz", "Abd al-Aziz", "Abdelaziz"]),
    ("عمار", &["Ammar", "Amar"]),
    ("بلال", &["Bilal", "Belal"]),
    ("طارق", &["Tariq", "Tarek", "Tareq"]),
    ("زياد", &["Ziad", "Ziyad"]),
    ("قاسم", &["Qasim", "Kassem", "Qassim"]),
    ("وليد", &["Walid", "Waleed"]),
    ("سالم", &["Salim", "Salem"]),
    ("فيصل", &["Faisal", "Faysal"]),
    ("جاسم", &["Jasim", "Jassem", "Jassim"]),
    ("ياسر", &["Yasir", "Yasser"]),
    ("نبيل", &["Nabil", "Nabeel"]),
    ("حمزة", &["Hamza", "Hamzah"]),
    ("عثمان", &["Othman", "Uthman", "Osman"]),
    ("صالح", &["Saleh", "Salih"]),
    ("عادل", &["Adel", "Adil"]),
    ("كريم", &["Karim", "Kareem"]),
    ("رشيد", &["Rashid", "Rasheed", "Rachid"]),
    ("جمال", &["Jamal", "Gamal"]),
    ("ناصر", &["Nasser", "Nasir"]),
    ("ماجد", &["Majid", "Majed"]),
    ("سامي", &["Sami", "Samy"]),
    ("هاشم", &["Hashim", "Hashem"]),
    ("رياض", &["Riyadh", "Riad"]),
    ("منذر", &["Munther", "Mundhir"]),
    ("فاضل", &["Fadhil", "Fadel"]),
    ("ضياء", &["Dhiya", "Diaa", "Ziya"]),
    ("عدنان", &["Adnan"]),
    ("مروان", &["Marwan"]),
    ("صدام", &["Saddam"]),
    ("عباس", &["Abbas"]),
    ("جعفر", &["Jafar", "Jaafar"]),
    ("كاظم", &["Kadhim", "Kazem", "Kazim"]),
    ("حيدر", &["Haidar", "Haider", "Hayder"]),
    ("مهدي", &["Mahdi", "Mehdi"]),
    ("رعد", &["Raad", "Ra'ad"]),
    ("نوري", &["Nouri", "Nuri"]),
    ("شاكر", &["Shakir", "Chaker", "Shaker"]),
    ("غازي", &["Ghazi"]),
    ("ثامر", &["Thamer", "Thamir", "Tamer"]),
    ("ذياب", &["Dhiyab", "Diab", "Thiab"]),
    ("خليل", &["Khalil", "Khaleel"]),
    ("إسماعيل", &["Ismail", "Ismael", "Esmail"]),
    ("أنس", &["Anas"]),
    ("أيمن", &["Ayman", "Aiman"]),
    ("منصور", &["Mansour", "Mansur"]),
];

/// Family, tribal or place names (with the article), many of them nisbas.
const FAMILY: &[(&str, &[&str])] = &[
    (
        "الجبوري",
        &["al-Jubouri", "al-Juburi", "Aljubouri", "Al Jbouri"],
    ),
    ("الدليمي", &["al-Dulaimi", "al-Dulaymi", "ad-Dulaimi"]),
    (
        "العبيدي",
        &["al-Obeidi", "al-Ubaydi", "Al Ubaidi", "El-Obaidy"],
    ),
    ("الشمري", &["al-Shammari", "Alshammari", "ash-Shammari"]),
    ("التميمي", &["al-Tamimi", "Altamimi", "at-Tamimi"]),
    ("الجنابي", &["al-Janabi", "Aljanabi"]),
    ("الزبيدي", &["al-Zubaidi", "al-Zubaydi", "az-Zubaidi"]),
    ("الراوي", &["al-Rawi", "ar-Rawi"]),
    ("العاني", &["al-Ani", "Al Aani"]),
    ("الحمداني", &["al-Hamdani", "Alhamdani"]),
    ("العكيدي", &["al-Okaidi", "al-Ukaydi", "al-Egaidi"]),
    ("البكاري", &["al-Bakkari", "al-Bakari"]),
    ("التكريتي", &["al-Tikriti", "Tikriti", "at-Tikriti"]),
    ("الموصلي", &["al-Mosuli", "al-Mawsili"]),
    ("الكبيسي", &["al-Kubaisi", "al-Kubaysi", "Alkubaisi"]),
    ("الفهداوي", &["al-Fahdawi", "Alfahdawi"]),
    ("المشهداني", &["al-Mashhadani", "al-Mashadani"]),
    ("الساعدي", &["al-Saadi", "as-Saadi", "al-Sa'adi"]),
    ("الخزرجي", &["al-Khazraji", "al-Khazarji"]),
    ("الحلبي", &["al-Halabi", "Halabi"]),
    ("الحمصي", &["al-Homsi", "al-Himsi"]),
    ("الديري", &["al-Deiri", "al-Dairi"]),
    ("العنزي", &["al-Anazi", "al-Enezi", "Alanazi"]),
    ("القحطاني", &["al-Qahtani", "al-Kahtani", "Alqahtani"]),
    ("الحربي", &["al-Harbi", "Alharbi"]),
    ("العتيبي", &["al-Otaibi", "al-Utaybi"]),
    ("البغدادي", &["al-Baghdadi", "Albaghdadi"]),
    ("الأنصاري", &["al-Ansari", "Alansari"]),
    ("الهاشمي", &["al-Hashimi", "al-Hashemi"]),
    ("الكعبي", &["al-Kaabi", "al-Ka'bi"]),
    ("السامرائي", &["al-Samarrai", "as-Samarrai", "al-Samaraie"]),
    ("النعيمي", &["al-Nuaimi", "an-Nuaimi", "al-Naimi"]),
    ("الحديثي", &["al-Hadithi", "Alhadithi"]),
    ("الفلاحي", &["al-Falahi", "al-Fallahi"]),
    ("المحمدي", &["al-Mohammadi", "al-Muhammadi"]),
    ("الكرخي", &["al-Karkhi"]),
    ("الطائي", &["al-Tai", "at-Taie"]),
    ("الربيعي", &["al-Rubaie", "al-Rubai", "ar-Rubaie"]),
    ("اللامي", &["al-Lami", "Allami"]),
    ("الخفاجي", &["al-Khafaji", "Alkhafaji"]),
    ("البدري", &["al-Badri", "Albadri"]),
    ("السلطاني", &["al-Sultani", "as-Sultani"]),
    ("الشيخلي", &["al-Sheikhli", "al-Shaikhli"]),
    ("الكردي", &["al-Kurdi", "Kurdi"]),
    ("الحسيني", &["al-Husseini", "al-Husayni"]),
    ("الحسني", &["al-Hassani", "al-Hasani"]),
    ("الدوري", &["al-Douri", "al-Duri"]),
    ("العزاوي", &["al-Azzawi", "al-Azawi"]),
    ("الجميلي", &["al-Jumaili", "al-Jumayli"]),
    ("الحيالي", &["al-Hayali", "al-Hiyali"]),
];

/// Mothers' names.
const MOTHER: &[(&str, &[&str])] = &[
    ("فاطمة", &["Fatima", "Fatma", "Fatimah"]),
    ("زينب", &["Zainab", "Zaynab", "Zeinab"]),
    ("مريم", &["Maryam", "Mariam"]),
    ("خديجة", &["Khadija", "Khadijah"]),
    ("عائشة", &["Aisha", "Aysha", "Aicha"]),
    ("سعاد", &["Suad", "Souad"]),
    ("نادية", &["Nadia", "Nadiya"]),
    ("هدى", &["Huda", "Houda"]),
    ("أمل", &["Amal"]),
    ("سميرة", &["Samira", "Sameera"]),
    ("ليلى", &["Layla", "Leila"]),
    ("علياء", &["Alia", "Aliya"]),
    ("رقية", &["Ruqaya", "Roqaya"]),
    ("حليمة", &["Halima", "Halimah"]),
    ("نور", &["Nour", "Noor"]),
    ("وفاء", &["Wafaa", "Wafa"]),
];

/// Places of birth.
const PLACES: &[(&str, &[&str])] = &[
    ("بغداد", &["Baghdad"]),
    ("الموصل", &["Mosul", "al-Mawsil"]),
    ("الرمادي", &["Ramadi", "al-Ramadi"]),
    ("الفلوجة", &["Fallujah", "Falluja"]),
    ("تكريت", &["Tikrit"]),
    ("كركوك", &["Kirkuk"]),
    ("البصرة", &["Basra", "Basrah"]),
    ("حلب", &["Aleppo", "Halab"]),
    ("دير الزور", &["Deir ez-Zor", "Deir al-Zour"]),
    ("الرقة", &["Raqqa", "al-Raqqah"]),
    ("حمص", &["Homs"]),
    ("دمشق", &["Damascus", "Dimashq"]),
];

/// Nationalities with weights: mostly Iraqi and Syrian.
const NATIONALITY: &[(&str, u32)] = &[
    ("IQ", 560),
    ("SY", 300),
    ("SA", 25),
    ("JO", 20),
    ("TN", 20),
    ("MA", 15),
    ("EG", 15),
    ("LB", 10),
    ("TR", 10),
    ("YE", 8),
    ("KW", 5),
];

/// The roster columns, as `rollcall import roster` reads them.
pub const ROSTER_HEADER: &str = "record_id,full_name,given_name,father_name,grandfather_name,family_name,mother_name,birth_date,birth_place,sex,nationality,document_type,document_number,source";

/// One person drawn for a roster.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Person {
    given: usize,
    father: usize,
    grandfather: usize,
    family: usize,
    mother: Option<usize>,
    year: u16,
    month: u8,
    day: u8,
    place: Option<usize>,
    nationality: Option<&'static str>,
    document: Option<String>,
    kunya: Option<usize>,
}

/// One roster row: the 14 cells in [`ROSTER_HEADER`] order, and the person it
/// was drawn from (the ground truth).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoisyRow {
    /// Cells in roster column order.
    pub cells: [String; 14],
    /// Index of the person this row describes.
    pub person: u32,
}

/// How noisy the rosters are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// Share of rows written in Arabic script (the rest in Latin spellings).
    pub arabic: f64,
    /// Share of people listed twice on a deduplication roster.
    pub duplicates: f64,
    /// Share of Latin names with one typing slip.
    pub typos: f64,
}

impl Default for Noise {
    fn default() -> Noise {
        Noise {
            arabic: 0.3,
            duplicates: 0.15,
            typos: 0.05,
        }
    }
}

/// Two rosters for linkage: `left` lists `size` people once each; `right`
/// lists `size` rows, `overlap` of them the same people as the first
/// `overlap` on the left (in another order, written independently), the rest
/// people not on the left.
pub fn linkage(
    seed: u64,
    size: usize,
    overlap: usize,
    noise: Noise,
) -> (Vec<NoisyRow>, Vec<NoisyRow>) {
    linkage_between(seed, size, overlap, (noise, noise))
}

/// [`linkage`] with each roster written with its own noise (say, the left
/// one all in Latin spellings and the right one all in Arabic script).
pub fn linkage_between(
    seed: u64,
    size: usize,
    overlap: usize,
    (left_noise, right_noise): (Noise, Noise),
) -> (Vec<NoisyRow>, Vec<NoisyRow>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let overlap = overlap.min(size);
    let people: Vec<Person> = (0..2 * size - overlap).map(|_| person(&mut rng)).collect();
    let left = (0..size)
        .map(|i| row(&mut rng, &people[i], i, "L", i, left_noise))
        .collect();
    let mut right_people: Vec<usize> = (0..overlap).chain(size..2 * size - overlap).collect();
    shuffle(&mut rng, &mut right_people);
    let right = right_people
        .iter()
        .enumerate()
        .map(|(n, &i)| row(&mut rng, &people[i], i, "R", n, right_noise))
        .collect();
    (left, right)
}

/// One roster of `rows` rows for deduplication: people listed once, and
/// `noise.duplicates` of them twice (a second, independently noisy row),
/// in shuffled order.
pub fn dedupe(seed: u64, rows: usize, noise: Noise) -> Vec<NoisyRow> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let people_count =
        (((rows as f64) / (1.0 + noise.duplicates)).round() as usize).clamp(1, rows.max(1));
    let people: Vec<Person> = (0..people_count).map(|_| person(&mut rng)).collect();
    let mut order: Vec<usize> = (0..people_count).collect();
    let mut i = 0;
    while order.len() < rows {
        order.push(i % people_count);
        i += 1;
    }
    order.truncate(rows);
    shuffle(&mut rng, &mut order);
    order
        .iter()
        .enumerate()
        .map(|(n, &p)| row(&mut rng, &people[p], p, "D", n, noise))
        .collect()
}

/// Writes rows as a roster CSV (header first).
pub fn write_roster(mut out: impl Write, rows: &[NoisyRow]) -> io::Result<()> {
    writeln!(out, "{ROSTER_HEADER}")?;
    for row in rows {
        let mut first = true;
        for cell in &row.cells {
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            if cell.contains([',', '"', '\n', '\r']) {
                write!(out, "\"{}\"", cell.replace('"', "\"\""))?;
            } else {
                out.write_all(cell.as_bytes())?;
            }
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes the ground truth: `record_id,person` for every row.
pub fn write_truth(mut out: impl Write, rows: &[NoisyRow]) -> io::Result<()> {
    writeln!(out, "record_id,person")?;
    for row in rows {
        writeln!(out, "{},{}", row.cells[0], row.person)?;
    }
    Ok(())
}

fn shuffle<T>(rng: &mut ChaCha8Rng, xs: &mut [T]) {
    for i in (1..xs.len()).rev() {
        let j = rng.random_range(0..=i);
        xs.swap(i, j);
    }
}

/// An index skewed towards the start of the table: about a third of the
/// draws fall in the first eighth, one in eight on the first entry of sixty.
fn skewed(rng: &mut ChaCha8Rng, len: usize) -> usize {
    let u: f64 = rng.random_range(0.0..1.0);
    ((u * u) * len as f64) as usize % len
}

fn weighted(rng: &mut ChaCha8Rng, table: &[(&'static str, u32)]) -> &'static str {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut r = rng.random_range(0..total);
    for (code, w) in table {
        if r < *w {
            return code;
        }
        r -= w;
    }
    table[0].0
}

fn person(rng: &mut ChaCha8Rng) -> Person {
    Person {
        given: skewed(rng, GIVEN.len()),
        father: skewed(rng, GIVEN.len()),
        grandfather: skewed(rng, GIVEN.len()),
        family: rng.random_range(0..FAMILY.len()),
        mother: rng
            .random_bool(0.7)
            .then(|| rng.random_range(0..MOTHER.len())),
        year: rng.random_range(1955..=2006),
        month: rng.random_range(1..=12),
        day: rng.random_range(1..=28),
        place: rng
            .random_bool(0.6)
            .then(|| rng.random_range(0..PLACES.len())),
        nationality: rng.random_bool(0.95).then(|| weighted(rng, NATIONALITY)),
        document: rng
            .random_bool(0.35)
            .then(|| format!("A{:08}", rng.random_range(0..100_000_000u32))),
        kunya: rng
            .random_bool(0.08)
            .then(|| rng.random_range(0..GIVEN.len())),
    }
}

/// A name in the row's script: Arabic, or one Latin spelling (with the odd slip).
fn spell(rng: &mut ChaCha8Rng, entry: &(&str, &[&str]), arabic: bool, typos: f64) -> String {
    if arabic {
        return entry.0.to_string();
    }
    let mut s = entry.1[rng.random_range(0..entry.1.len())].to_string();
    if rng.random_bool(typos) {
        s = typo(rng, &s);
    }
    s
}

/// One slip: a letter dropped, doubled or swapped with the next.
fn typo(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() < 4 {
        return s.to_string();
    }
    let i = rng.random_range(1..chars.len() - 1);
    match rng.random_range(0..3) {
        0 => {
            chars.remove(i);
        }
        1 => chars.insert(i, chars[i]),
        _ => chars.swap(i, i + 1),
    }
    chars.into_iter().collect()
}

fn row(
    rng: &mut ChaCha8Rng,
    p: &Person,
    person: usize,
    prefix: &str,
    n: usize,
    noise: Noise,
) -> NoisyRow {
    let arabic = rng.random_bool(noise.arabic);
    let typos = noise.typos;
    let given = spell(rng, &GIVEN[p.given], arabic, typos);
    let father = spell(rng, &GIVEN[p.father], arabic, typos);
    let grandfather = spell(rng, &GIVEN[p.grandfather], arabic, typos);
    let family = spell(rng, &FAMILY[p.family], arabic, typos);
    let kunya = p.kunya.filter(|_| rng.random_bool(0.5)).map(|k| {
        let name = spell(rng, &GIVEN[k], arabic, 0.0);
        if arabic {
            format!("أبو {name}")
        } else {
            format!("{} {name}", ["Abu", "Abou", "Abu"][rng.random_range(0..3)])
        }
    });
    let with_grandfather = rng.random_bool(0.5);
    let bin = !arabic && rng.random_bool(0.15);
    let mut full: Vec<String> = Vec::new();
    if let Some(k) = &kunya {
        full.push(k.clone());
    }
    full.push(given.clone());
    if bin {
        full.push("bin".to_string());
    }
    full.push(father.clone());
    if with_grandfather {
        full.push(grandfather.clone());
    }
    full.push(family.clone());
    // Some authorities fill the name parts, others only the full name.
    let parts = rng.random_bool(0.55);
    let part = |s: &String, keep: bool| {
        if parts && keep {
            s.clone()
        } else {
            String::new()
        }
    };
    let date = match rng.random_range(0..100) {
        0..=39 => format!("{:04}-{:02}-{:02}", p.year, p.month, p.day),
        40..=69 => format!("{:04}", p.year),
        70..=77 if p.day <= 12 => format!("{:04}-{:02}-{:02}", p.year, p.day, p.month),
        78..=83 => {
            let y = if rng.random_bool(0.5) {
                p.year + 1
            } else {
                p.year - 1
            };
            format!("{y:04}")
        }
        84..=89 => format!("{:04}-{:02}", p.year, p.month),
        _ => String::new(),
    };
    let mother = p
        .mother
        .filter(|_| rng.random_bool(0.6))
        .map(|m| spell(rng, &MOTHER[m], arabic, typos))
        .unwrap_or_default();
    let place = p
        .place
        .filter(|_| rng.random_bool(0.6))
        .map(|m| spell(rng, &PLACES[m], arabic, 0.0))
        .unwrap_or_default();
    let nationality = p
        .nationality
        .filter(|_| rng.random_bool(0.9))
        .unwrap_or_default()
        .to_string();
    let (doc_type, doc) = match &p.document {
        Some(d) if rng.random_bool(0.7) => ("national_id".to_string(), d.clone()),
        _ => (String::new(), String::new()),
    };
    NoisyRow {
        person: person as u32,
        cells: [
            format!("{prefix}-{:07}", n + 1),
            full.join(" "),
            part(&given, true),
            part(&father, true),
            part(&grandfather, with_grandfather),
            part(&family, true),
            mother,
            date,
            place,
            "M".to_string(),
            nationality,
            doc_type,
            doc,
            format!("{prefix}-authority"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_rosters() {
        assert_eq!(
            dedupe(7, 500, Noise::default()),
            dedupe(7, 500, Noise::default())
        );
        assert_ne!(
            dedupe(7, 500, Noise::default()),
            dedupe(8, 500, Noise::default())
        );
    }

    #[test]
    fn dedupe_has_the_asked_rows_and_duplicates() {
        let rows = dedupe(1, 1150, Noise::default());
        assert_eq!(rows.len(), 1150);
        let mut people: Vec<u32> = rows.iter().map(|r| r.person).collect();
        people.sort_unstable();
        people.dedup();
        assert_eq!(people.len(), 1000);
    }

    #[test]
    fn linkage_overlap_is_the_ground_truth() {
        let (left, right) = linkage(3, 400, 300, Noise::default());
        assert_eq!((left.len(), right.len()), (400, 400));
        let on_left: std::collections::HashSet<u32> = left.iter().map(|r| r.person).collect();
        assert_eq!(
            right.iter().filter(|r| on_left.contains(&r.person)).count(),
            300
        );
    }

    #[test]
    fn csv_has_a_header_and_fourteen_cells_a_row() {
        let rows = dedupe(2, 50, Noise::default());
        let mut out = Vec::new();
        write_roster(&mut out, &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(ROSTER_HEADER));
        assert_eq!(lines.count(), 50);
    }
}
