//! Field-by-field comparison of two prepared records, each field giving a
//! graded level (or nothing when either side does not know the field).

use crate::normalise::class_distance;
use crate::prepare::{Prepared, Vocab};
use rollcall_core::person::PartialDate;
use std::collections::HashMap;

/// The fields compared, in comparison-vector order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Given name.
    Given,
    /// Father's name.
    Father,
    /// Grandfather's name.
    Grandfather,
    /// Family or nisba name.
    Family,
    /// Date of birth.
    BirthDate,
    /// Nationality.
    Nationality,
    /// Document number.
    Document,
    /// Mother's name.
    Mother,
    /// Place of birth.
    BirthPlace,
}

/// Every field, in vector order.
pub const FIELDS: [Field; N_FIELDS] = [
    Field::Given,
    Field::Father,
    Field::Grandfather,
    Field::Family,
    Field::BirthDate,
    Field::Nationality,
    Field::Document,
    Field::Mother,
    Field::BirthPlace,
];

/// Levels per field (nothing known is not a level).
pub const LEVELS: [usize; N_FIELDS] = [5, 5, 5, 5, 6, 2, 3, 5, 2];

/// How many fields are compared.
pub const N_FIELDS: usize = 9;

/// A comparison vector: one level per field, `None` where unknown.
pub type Vector = [Option<u8>; N_FIELDS];

impl Field {
    /// The roster column the field compares (`given_name`, `birth_date`, …).
    pub fn column(self) -> &'static str {
        match self {
            Field::Given => "given_name",
            Field::Father => "father_name",
            Field::Grandfather => "grandfather_name",
            Field::Family => "family_name",
            Field::BirthDate => "birth_date",
            Field::Nationality => "nationality",
            Field::Document => "document_number",
            Field::Mother => "mother_name",
            Field::BirthPlace => "birth_place",
        }
    }

    /// The field's position in a [`Vector`].
    pub fn index(self) -> usize {
        FIELDS.iter().position(|f| *f == self).unwrap_or(0)
    }

    /// The name of a level of this field.
    pub fn level_name(self, level: u8) -> &'static str {
        match self {
            Field::Given | Field::Father | Field::Grandfather | Field::Family | Field::Mother => [
                "exact",
                "close",
                "phonetic",
                "elsewhere in the name",
                "different",
            ][level as usize % 5],
            Field::BirthDate => [
                "exact",
                "same year and month",
                "day and month swapped",
                "a year apart",
                "different",
                "same year",
            ][level as usize % 6],
            Field::Nationality => ["shared", "different"][level as usize % 2],
            Field::Document => ["same", "one character apart", "different"][level as usize % 3],
            Field::BirthPlace => ["same", "different"][level as usize % 2],
        }
    }
}

/// Name levels.
pub const EXACT: u8 = 0;
/// Close spelling.
pub const CLOSE: u8 = 1;
/// Same skeleton.
pub const PHONETIC: u8 = 2;
/// Not in this place, but in the other record's name (names in another
/// order, patronymics added, dropped or folded into the full name).
pub const ELSEWHERE: u8 = 3;
/// Unrelated.
pub const DIFFERENT: u8 = 4;

/// Compares two tokens: exact (same key), close (Jaro-Winkler on the Latin
/// spellings, or the class-aware edit distance on the keys), phonetic (same
/// skeleton), or different.
pub fn compare_tokens(vocab: &Vocab, a: u32, b: u32) -> u8 {
    if a == b {
        return EXACT;
    }
    let (ta, tb) = (vocab.token(a), vocab.token(b));
    if ta.key == tb.key {
        return EXACT;
    }
    let (ka, kb) = (vocab.key(ta.key), vocab.key(tb.key));
    let same_end = ka.chars().last() == kb.chars().last();
    let vowel_indel = if ta.arabic != tb.arabic { 0.5 } else { 1.0 };
    let close_latin = match (&ta.latin, &tb.latin) {
        (Some(la), Some(lb)) => {
            same_end && ka.len().abs_diff(kb.len()) <= 1 && strsim::jaro_winkler(la, lb) >= 0.92
        }
        _ => false,
    };
    if close_latin || (ka.len().min(kb.len()) >= 3 && class_distance(ka, kb, vowel_indel) <= 0.5) {
        return CLOSE;
    }
    if ta.skeleton == tb.skeleton {
        return PHONETIC;
    }
    DIFFERENT
}

/// Date level: the same full date.
pub const DATE_EXACT: u8 = 0;
/// Date level: same year and month, the day unknown on one side.
pub const DATE_YEAR_MONTH: u8 = 1;
/// Date level: same year, the month unknown on one side. Kept apart from
/// [`DATE_YEAR_MONTH`] because two strangers share a year twelve times as
/// often as a year and month: one level for both over-weighed a bare year
/// and under-weighed a month (the level is last so that the other levels
/// keep their numbers).
pub const DATE_YEAR: u8 = 5;

/// Compares partial dates of birth.
pub fn compare_dates(a: &PartialDate, b: &PartialDate) -> u8 {
    if a.year == b.year {
        let full = |d: &PartialDate| d.month.is_some() && d.day.is_some();
        if a == b && full(a) {
            return DATE_EXACT;
        }
        let agree = |x: Option<u8>, y: Option<u8>| x.is_none() || y.is_none() || x == y;
        if agree(a.month, b.month) && agree(a.day, b.day) {
            return if a.month.is_some() && b.month.is_some() {
                DATE_YEAR_MONTH
            } else {
                DATE_YEAR
            };
        }
        if full(a) && full(b) && a.month == b.day && a.day == b.month {
            return 2;
        }
        return 4;
    }
    if a.year.abs_diff(b.year) == 1 { 3 } else { 4 }
}

fn one_apart(a: &str, b: &str) -> bool {
    if a.len() == b.len() {
        let diffs: Vec<usize> = a
            .bytes()
            .zip(b.bytes())
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .map(|(i, _)| i)
            .collect();
        return diffs.len() == 1
            || (diffs.len() == 2
                && diffs[1] == diffs[0] + 1
                && a.as_bytes()[diffs[0]] == b.as_bytes()[diffs[1]]
                && a.as_bytes()[diffs[1]] == b.as_bytes()[diffs[0]]);
    }
    strsim::levenshtein(a, b) == 1
}

/// Compares two records field by field. `memo` caches token comparisons
/// (keep one per thread).
pub fn compare(vocab: &Vocab, a: &Prepared, b: &Prepared, memo: &mut Memo) -> Vector {
    let mut tok = |i: usize| -> Option<u8> {
        let (x, y) = (a.name(i)?, b.name(i)?);
        if a.keys[i] == b.keys[i] {
            return Some(EXACT);
        }
        let level = memo.tokens(vocab, x, y);
        let (sa, sb) = (a.skeletons[i], b.skeletons[i]);
        if level >= PHONETIC && sa != sb && (b.holds(sa) || a.holds(sb)) {
            return Some(ELSEWHERE);
        }
        Some(level)
    };
    let given = tok(0);
    let father = tok(1);
    let grandfather = tok(2);
    let family = tok(3);
    let mother = tok(4);
    let birth = match (&a.birth, &b.birth) {
        (Some(x), Some(y)) => Some(compare_dates(x, y)),
        _ => None,
    };
    let nationality = match (a.nationality[0], b.nationality[0]) {
        (Some(_), Some(_)) => Some(
            if a.nationality
                .iter()
                .flatten()
                .any(|c| b.nationality.contains(&Some(*c)))
            {
                0
            } else {
                1
            },
        ),
        _ => None,
    };
    let document = match (a.document, b.document) {
        (Some(x), Some(y)) if x == y => Some(0),
        (Some(x), Some(y)) => Some(if one_apart(vocab.document(x), vocab.document(y)) {
            1
        } else {
            2
        }),
        _ => None,
    };
    let place = match (a.place, b.place) {
        (Some(x), Some(y)) => Some(u8::from(x != y)),
        _ => None,
    };
    [
        given,
        father,
        grandfather,
        family,
        birth,
        nationality,
        document,
        mother,
        place,
    ]
}

/// A cache of token comparisons.
#[derive(Debug, Default)]
pub struct Memo {
    tokens: HashMap<u64, u8, crate::par::FxBuild>,
}

impl Memo {
    fn tokens(&mut self, vocab: &Vocab, a: u32, b: u32) -> u8 {
        if a == b {
            return EXACT;
        }
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        let k = (u64::from(lo) << 32) | u64::from(hi);
        *self
            .tokens
            .entry(k)
            .or_insert_with(|| compare_tokens(vocab, lo, hi))
    }
}

/// Packs a vector into one number (mixed radix, `0` = unknown).
pub fn encode(v: &Vector) -> u32 {
    let mut code = 0u32;
    for (level, n) in v.iter().zip(LEVELS) {
        code = code * (n as u32 + 1) + level.map_or(0, |l| u32::from(l) + 1);
    }
    code
}

/// Unpacks [`encode`].
pub fn decode(mut code: u32) -> Vector {
    let mut v: Vector = [None; N_FIELDS];
    for i in (0..N_FIELDS).rev() {
        let base = LEVELS[i] as u32 + 1;
        let digit = code % base;
        code /= base;
        v[i] = digit.checked_sub(1).map(|l| l as u8);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prepare::{Vocab, prepare_all};
    use rollcall_core::person::{Names, PersonRecord};

    fn rec(full: &str) -> PersonRecord {
        PersonRecord {
            names: Names {
                full: full.to_string(),
                ..Names::default()
            },
            ..PersonRecord::default()
        }
    }

    fn given_level(a: &str, b: &str) -> Option<u8> {
        let mut vocab = Vocab::default();
        let p = prepare_all(&mut vocab, &[rec(a), rec(b)], 1);
        compare(&vocab, &p[0], &p[1], &mut Memo::default())[0]
    }

    #[test]
    fn name_levels() {
        assert_eq!(given_level("Mohammed", "محمد"), Some(EXACT));
        assert_eq!(given_level("Mahmoud", "Mahmud"), Some(CLOSE));
        assert_eq!(given_level("Walid", "وليد"), Some(CLOSE));
        assert_eq!(given_level("Yusuf", "Youssef"), Some(PHONETIC));
        assert_eq!(given_level("Omar", "Khalid"), Some(DIFFERENT));
        // Father and grandfather swapped between two rosters.
        let mut vocab = Vocab::default();
        let p = prepare_all(
            &mut vocab,
            &[
                rec("Ali Omar Khalid al-Rawi"),
                rec("Ali Khalid Omar al-Rawi"),
            ],
            1,
        );
        let v = compare(&vocab, &p[0], &p[1], &mut Memo::default());
        assert_eq!((v[1], v[2]), (Some(ELSEWHERE), Some(ELSEWHERE)));
    }

    #[test]
    fn near_names_are_neither_exact_nor_close() {
        for (a, b) in [
            ("Hassan", "Hussein"),
            ("Ali", "Alia"),
            ("حسن", "حسين"),
            ("علي", "علياء"),
        ] {
            let level = given_level(a, b);
            assert!(
                level >= Some(PHONETIC) && level != Some(EXACT),
                "{a} / {b}: {level:?}"
            );
        }
    }

    #[test]
    fn date_levels() {
        let d = |s: &str| PartialDate::parse(s).unwrap();
        assert_eq!(compare_dates(&d("1980-03-04"), &d("1980-03-04")), 0);
        assert_eq!(compare_dates(&d("1980"), &d("1980-03-04")), DATE_YEAR);
        assert_eq!(compare_dates(&d("1980"), &d("1980")), DATE_YEAR);
        assert_eq!(
            compare_dates(&d("1980-03"), &d("1980-03-04")),
            DATE_YEAR_MONTH
        );
        assert_eq!(compare_dates(&d("1980-03"), &d("1980-04")), 4);
        assert_eq!(compare_dates(&d("1980-04-03"), &d("1980-03-04")), 2);
        assert_eq!(compare_dates(&d("1981"), &d("1980-03-04")), 3);
        assert_eq!(compare_dates(&d("1975"), &d("1980-03-04")), 4);
    }

    #[test]
    fn vector_codes_round_trip() {
        let v: Vector = [
            Some(0),
            None,
            Some(3),
            Some(1),
            Some(4),
            Some(1),
            None,
            Some(0),
            Some(1),
        ];
        assert_eq!(decode(encode(&v)), v);
        assert_eq!(decode(encode(&[None; N_FIELDS])), [None; N_FIELDS]);
    }
}
