//! Name normalisation: Arabic script and Latin spellings into one Latin key.
//!
//! A name is split into [`NameToken`]s. Articles (`al-`, `el`, `ad-`, `ال`)
//! and patronymic markers (`bin`, `ibn`, `ben`, `بن`) are dropped, compounds
//! with `Abd` (`Abd al-Rahman`, `Abdulrahman`, `Abdel Rahman`, `عبد الرحمن`)
//! become one token, a kunya (`Abu X`, `أبو X`) is one token marked
//! [`TokenKind::Kunya`], and a family name in nisba form (`al-Tikriti`) is
//! marked [`TokenKind::Nisba`].
//!
//! Each token gets a **key**: a consonant skeleton in Latin letters, with the
//! long vowels that Arabic script writes (`ي`, `و`) kept as `I` and `U`, a
//! word-initial vowel (alef or ain) as `a`, and a final alef or ta marbuta as
//! `a`. Latin spellings are read the same way: short vowels vanish, vowel
//! pairs (`ee`, `ei`, `ay`, `ou`) are long vowels, consonant variants fold
//! into one class (`q`/`k`/`g`, `dh`/`z`, `th`/`t`, `sh`/`ch`), and doubled
//! letters collapse. So `Mohammed`, `Muhammad` and `محمد` all give `mhmd`,
//! `Hussein`, `Husayn` and `حسين` give `hsIn`, while `Hassan` gives `hsn`.
//!
//! The **skeleton** drops the long vowels too and merges close consonant
//! classes; equal skeletons are the "phonetic" level of a comparison.

/// What a token is, as far as names go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// An ordinary name.
    Plain,
    /// `Abd` + a name (`Abd al-Rahman`), one token.
    Compound,
    /// `Abu` + a name: the kunya, not a given name.
    Kunya,
    /// A family name formed with the article and `-i` (`al-Tikriti`).
    Nisba,
}

/// One name token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameToken {
    /// The Latin key (see the module doc).
    pub key: String,
    /// The key without long vowels and with close classes merged.
    pub skeleton: String,
    /// The Latin spelling folded (vowels unified, doubles collapsed), when
    /// the token was written in Latin letters.
    pub latin: Option<String>,
    /// Whether the token was written in Arabic script.
    pub arabic: bool,
    /// What the token is.
    pub kind: TokenKind,
}

/// Is this character in one of the Arabic script blocks?
pub fn is_arabic(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// Folds Arabic script: diacritics and tatweel removed; alef forms to bare
/// alef; hamza on a seat removed (`ؤ`, `ئ`, `ء`); ta marbuta to `ه`; alef
/// maqsura kept apart from `ي` only at the end of a word (it is read as a
/// final alef); Persian and Urdu letter forms to Arabic; Arabic-Indic digits
/// to ASCII digits.
pub fn fold_arabic(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{06D6}'..='\u{06ED}' => {}
            'أ' | 'إ' | 'آ' | 'ٱ' => out.push('ا'),
            'ؤ' | 'ئ' | 'ء' => {}
            'ة' => out.push('ه'),
            'ی' | 'ې' => out.push('ي'),
            'ک' => out.push('ك'),
            'گ' => out.push('ق'),
            'پ' => out.push('ب'),
            'چ' => out.push('ش'),
            'ڤ' => out.push('ف'),
            '٠'..='٩' => out.push(char::from(b'0' + (c as u32 - '٠' as u32) as u8)),
            '۰'..='۹' => out.push(char::from(b'0' + (c as u32 - '۰' as u32) as u8)),
            _ => out.push(c),
        }
    }
    out
}

/// Folds Latin letters to lowercase ASCII: accents dropped, apostrophes and
/// ain/hamza signs removed; other characters kept.
fn fold_latin(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let mapped = match c {
            'à' | 'á' | 'â' | 'ä' | 'ā' | 'ã' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'ō' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
            'ç' => 'c',
            'ş' | 'š' | 'ṣ' => 's',
            'ḥ' => 'h',
            'ṭ' => 't',
            'ḍ' | 'ḏ' => 'd',
            'ẓ' | 'ž' => 'z',
            'ğ' => 'g',
            'ñ' => 'n',
            '\'' | '’' | '‘' | 'ʿ' | 'ʾ' | '`' => continue,
            other => other,
        };
        out.push(mapped);
    }
    out
}

const LATIN_ARTICLES: &[&str] = &[
    "al", "el", "ul", "il", "ad", "an", "ar", "as", "ash", "at", "az", "ath", "adh", "ed", "en",
    "er", "es", "et", "ez",
];
const PATRONYMIC: &[&str] = &[
    "bin", "ibn", "ben", "bint", "bn", "ould", "بن", "ابن", "بنت",
];
const ABU: &[&str] = &["abu", "abou", "abo", "ابو", "ابي"];
const ABD_ALONE: &[&str] = &[
    "abd", "abdul", "abdel", "abdal", "abdol", "abdoul", "abdu", "abdil", "abdi", "عبد",
];

/// Splits a name into tokens (see the module doc).
pub fn tokens(name: &str) -> Vec<NameToken> {
    let words = words(name);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (word, article) = &words[i];
        let arabic = word.chars().any(is_arabic);
        if PATRONYMIC.contains(&word.as_str()) && i + 1 < words.len() {
            i += 1;
            continue;
        }
        if (ABU.contains(&word.as_str()) || ABD_ALONE.contains(&word.as_str()))
            && i + 1 < words.len()
        {
            let kind = if ABU.contains(&word.as_str()) {
                TokenKind::Kunya
            } else {
                TokenKind::Compound
            };
            let prefix = if kind == TokenKind::Kunya {
                "abU"
            } else {
                "abd"
            };
            let rest = &words[i + 1].0;
            out.push(compound(prefix, rest, arabic, kind, word));
            i += 2;
            continue;
        }
        if let Some(rest) = glued_abd(word) {
            out.push(compound("abd", &rest, arabic, TokenKind::Compound, word));
            i += 1;
            continue;
        }
        let key = word_key(word);
        if key.is_empty() {
            i += 1;
            continue;
        }
        let kind = if *article && key.ends_with('I') && key.len() >= 3 {
            TokenKind::Nisba
        } else {
            TokenKind::Plain
        };
        out.push(NameToken {
            skeleton: skeleton(&key),
            latin: (!arabic).then(|| latin_form(word)),
            key,
            arabic,
            kind,
        });
        i += 1;
    }
    out
}

fn compound(prefix: &str, rest: &str, arabic: bool, kind: TokenKind, head: &str) -> NameToken {
    let rest = ["al", "el", "ال"]
        .iter()
        .find_map(|a| rest.strip_prefix(a).filter(|r| r.chars().count() >= 2))
        .unwrap_or(rest);
    let rest_key = word_key(rest);
    let key = format!("{prefix}{rest_key}");
    NameToken {
        skeleton: skeleton(&key),
        latin: (!arabic).then(|| {
            format!(
                "{}{}",
                latin_form(head).get(..3).unwrap_or("abd"),
                latin_form(rest)
            )
        }),
        key,
        arabic,
        kind,
    }
}

/// `Abdulrahman`, `Abdallah`, `Abdurrahman`, `عبدالله`: the name after the
/// `Abd` (and the article's `l`), when the word is such a compound.
fn glued_abd(word: &str) -> Option<String> {
    if let Some(rest) = word.strip_prefix("عبد") {
        let rest = rest.strip_prefix("ال").unwrap_or(rest);
        return (rest.chars().count() >= 2).then(|| rest.to_string());
    }
    let rest = word.strip_prefix("abd")?;
    if rest.len() < 3 {
        return None;
    }
    let rest = rest.trim_start_matches(['a', 'e', 'i', 'o', 'u']);
    let rest = rest.strip_prefix('l').unwrap_or(rest);
    (rest.len() >= 2).then(|| rest.to_string())
}

/// Lowercased, folded words with their article stripped, and whether each
/// had one.
fn words(name: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for raw in name.split(|c: char| c.is_whitespace() || c == ',' || c == '.') {
        if raw.is_empty() {
            continue;
        }
        let arabic = raw.chars().any(is_arabic);
        if arabic {
            let w: String = fold_arabic(raw).chars().filter(|c| is_arabic(*c)).collect();
            if w.is_empty() {
                continue;
            }
            if w == "ال" {
                mark_next_article(&mut out);
                continue;
            }
            match w.strip_prefix("ال") {
                Some(rest) if rest.chars().count() >= 2 && !w.starts_with("الله") => {
                    out.push((rest.to_string(), true))
                }
                _ => out.push((w, false)),
            }
            continue;
        }
        let folded = fold_latin(raw);
        let parts: Vec<&str> = folded.split('-').filter(|p| !p.is_empty()).collect();
        let mut article = false;
        for (n, part) in parts.iter().enumerate() {
            let letters: String = part.chars().filter(char::is_ascii_alphabetic).collect();
            if letters.is_empty() {
                continue;
            }
            let last = n + 1 == parts.len();
            if !last && LATIN_ARTICLES.contains(&letters.as_str()) {
                article = true;
                continue;
            }
            if parts.len() == 1 && (letters == "al" || letters == "el") {
                article = true;
                continue;
            }
            // `Aljubouri`, `Alshammari`: an article glued to a long name.
            if letters.len() >= 6
                && letters.starts_with("al")
                && !matches!(letters.as_bytes()[2], b'i' | b'l' | b'y')
            {
                out.push((letters[2..].to_string(), true));
                article = false;
                continue;
            }
            out.push((letters, article));
            article = false;
        }
        if article {
            mark_next_article(&mut out);
        }
    }
    // An article standing alone marks the word after it.
    let mut fixed: Vec<(String, bool)> = Vec::with_capacity(out.len());
    let mut pending = false;
    for (w, a) in out {
        if w == "\u{0}" {
            pending = true;
            continue;
        }
        fixed.push((w, a || pending));
        pending = false;
    }
    fixed
}

fn mark_next_article(out: &mut Vec<(String, bool)>) {
    out.push(("\u{0}".to_string(), false));
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// The key of one word, in either script.
pub fn word_key(word: &str) -> String {
    if word.chars().any(is_arabic) {
        arabic_key(&fold_arabic(word))
    } else {
        latin_key(&fold_latin(word))
    }
}

/// The key of a folded Arabic word.
fn arabic_key(word: &str) -> String {
    let chars: Vec<char> = word.chars().filter(|c| is_arabic(*c)).collect();
    let mut out = String::new();
    let n = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        let first = i == 0;
        let last = i + 1 == n;
        let piece: &str = match c {
            'ا' | 'ع' if first => "a",
            'ا' if last => "a",
            'ا' | 'ع' => "",
            'ى' if last => "a",
            'ى' => "I",
            'ه' if last && n > 1 => "a",
            'و' if first => "w",
            'و' => "U",
            'ي' if first => "y",
            'ي' => "I",
            'ب' => "b",
            'ت' | 'ط' | 'ث' => "t",
            'ج' => "j",
            'ح' | 'ه' => "h",
            'خ' => "x",
            'د' => "d",
            'ذ' | 'ز' | 'ظ' | 'ض' => "z",
            'ر' => "r",
            'س' | 'ص' => "s",
            'ش' => "S",
            'غ' => "g",
            'ف' => "f",
            'ق' | 'ك' => "k",
            'ل' => "l",
            'م' => "m",
            'ن' => "n",
            _ => "",
        };
        push_piece(&mut out, piece);
    }
    out
}

/// Appends a key piece, collapsing a repeated long vowel (`ay` + `y`).
fn push_piece(out: &mut String, piece: &str) {
    if (piece == "I" || piece == "U") && out.ends_with(piece) {
        return;
    }
    out.push_str(piece);
}

/// The key of a folded Latin word (lowercase ASCII letters).
fn latin_key(word: &str) -> String {
    let mut w: Vec<u8> = word.bytes().filter(u8::is_ascii_alphabetic).collect();
    if w.len() >= 3 && w.ends_with(b"ah") {
        w.pop();
    }
    let n = w.len();
    let mut out = String::new();
    let mut i = 0;
    let mut prev_consonant: Option<&str> = None;
    while i < n {
        let c = w[i];
        let next = w.get(i + 1).copied();
        let vowelish =
            |b: u8, at: usize| -> bool { is_vowel(b) || ((b == b'y' || b == b'w') && at > 0) };
        if vowelish(c, i) && !(i == 0 && (c == b'y' || c == b'w')) {
            let start = i;
            while i < n && vowelish(w[i], i) {
                i += 1;
            }
            let run = &w[start..i];
            let piece = if start == 0 {
                "a"
            } else if i == n {
                final_vowel(run)
            } else {
                medial_vowel(run)
            };
            push_piece(&mut out, piece);
            prev_consonant = None;
            continue;
        }
        let (piece, width): (&str, usize) = match (c, next) {
            (b'k', Some(b'h')) => ("x", 2),
            (b'g', Some(b'h')) => ("g", 2),
            (b's', Some(b'h')) | (b'c', Some(b'h')) => ("S", 2),
            (b't', Some(b'h')) => ("t", 2),
            (b'd', Some(b'h')) => ("z", 2),
            (b'p', Some(b'h')) => ("f", 2),
            (b'c', Some(b'k')) => ("k", 2),
            (b'q' | b'k' | b'c' | b'g', _) => ("k", 1),
            (b'x', _) => ("ks", 1),
            (b'p' | b'b', _) => ("b", 1),
            (b'v' | b'f', _) => ("f", 1),
            (b'y', _) => ("y", 1),
            (b'w', _) => ("w", 1),
            (b'd', _) => ("d", 1),
            (b'h', _) => ("h", 1),
            (b'j', _) => ("j", 1),
            (b'l', _) => ("l", 1),
            (b'm', _) => ("m", 1),
            (b'n', _) => ("n", 1),
            (b'r', _) => ("r", 1),
            (b's', _) => ("s", 1),
            (b't', _) => ("t", 1),
            (b'z', _) => ("z", 1),
            _ => ("", 1),
        };
        if prev_consonant != Some(piece) {
            out.push_str(piece);
        }
        prev_consonant = Some(piece);
        i += width;
    }
    out
}

fn medial_vowel(run: &[u8]) -> &'static str {
    if run.len() < 2 {
        return "";
    }
    if run.iter().any(|b| matches!(b, b'i' | b'y')) || run == b"ee" || run == b"ae" {
        "I"
    } else if run.iter().any(|b| matches!(b, b'u' | b'w')) || run == b"oo" {
        "U"
    } else {
        ""
    }
}

fn final_vowel(run: &[u8]) -> &'static str {
    match run.last() {
        Some(b'a') => {
            let before = &run[..run.len() - 1];
            if before.iter().any(|b| matches!(b, b'i' | b'y' | b'e')) {
                "Ia"
            } else if before.iter().any(|b| matches!(b, b'u' | b'w' | b'o')) {
                "Ua"
            } else {
                "a"
            }
        }
        Some(b'e') if run.len() == 1 => "a",
        Some(b'u' | b'o' | b'w') => "U",
        Some(_) => "I",
        None => "",
    }
}

/// The Latin spelling folded: `o`→`u`, `e`/`y`→`i`, doubled letters collapsed.
pub fn latin_form(word: &str) -> String {
    let mut out = String::new();
    for c in fold_latin(word).chars().filter(char::is_ascii_alphabetic) {
        let c = match c {
            'o' => 'u',
            'e' | 'y' => 'i',
            'q' => 'k',
            other => other,
        };
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// The key without long vowels or a final vowel, close classes merged
/// (`x`→`h`, `S`→`s`, `g`→`k`, `z`→`d`), repeats collapsed.
pub fn skeleton(key: &str) -> String {
    let mut out = String::new();
    let n = key.len();
    for (i, c) in key.chars().enumerate() {
        let c = match c {
            'I' | 'U' => continue,
            'a' if i > 0 && i + 1 == n => continue,
            'a' if i > 0 => continue,
            'x' => 'h',
            'S' => 's',
            'g' => 'k',
            'z' => 'd',
            other => other,
        };
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// The words a person is found by in a name search: the skeleton of every
/// token of every name they are recorded under — the full name, the Arabic
/// one, each Latin spelling, and the given, father's, grandfather's and
/// family names — once each. Skeletons, so that a Latin spelling finds the
/// Arabic record and the spellings that differ only in vowels
/// (`Husein`, `Hussein`, `حسين`) find one another; a search lists a few
/// near-names too (`Hassan`), which its reader tells apart. The mother's
/// name is left out: a search for a woman's name should not list her sons.
pub fn search_keys(names: &crate::person::Names) -> std::collections::BTreeSet<String> {
    let written = [Some(&names.full), names.arabic.as_ref()]
        .into_iter()
        .flatten()
        .chain(&names.latin)
        .chain(
            [
                &names.given,
                &names.father,
                &names.grandfather,
                &names.family,
            ]
            .into_iter()
            .flatten(),
        );
    written
        .flat_map(|name| tokens(&unassimilated(name)))
        .map(|t| t.skeleton)
        .filter(|k| !k.is_empty())
        .collect()
}

/// Sun letters, before which the article's `l` is pronounced as the letter
/// and often written so in Latin (`al-Lami` as `Allami`, `ar-Rawi` as
/// `Arrawi`, `as-Samarrai` as `Assamarrai`).
const SUN_LETTERS: &[u8] = b"tdrzsln";

/// `name` with every Latin word that looks like an assimilated article
/// glued to its name (a vowel, then a doubled sun letter, then at least
/// three letters) written with the article apart: `Allami` as `al-lami`.
/// For searches only: a name that merely looks so (`Allawi`) is then
/// found by its tail as well, which a search can afford and a match could
/// not.
fn unassimilated(name: &str) -> std::borrow::Cow<'_, str> {
    let looks = |w: &str| {
        let b = w.as_bytes();
        b.len() >= 6
            && b.iter().all(u8::is_ascii_alphabetic)
            && matches!(b[0].to_ascii_lowercase(), b'a' | b'e')
            && b[1].eq_ignore_ascii_case(&b[2])
            && SUN_LETTERS.contains(&b[1].to_ascii_lowercase())
    };
    if !name.split_whitespace().any(looks) {
        return std::borrow::Cow::Borrowed(name);
    }
    let words: Vec<String> = name
        .split_whitespace()
        .map(|w| {
            if looks(w) {
                format!("al-{}", &w[2..])
            } else {
                w.to_string()
            }
        })
        .collect();
    std::borrow::Cow::Owned(words.join(" "))
}

/// The skeletons a search for `text` looks for (see [`search_keys`]): the
/// people found hold every one of them. Empty when `text` has no name in it.
pub fn query_keys(text: &str) -> Vec<String> {
    let mut keys: Vec<String> = tokens(&unassimilated(text))
        .into_iter()
        .map(|t| t.skeleton)
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Consonant class, for the class-aware edit distance.
fn class(c: char) -> u8 {
    match c {
        't' | 'd' | 'z' => 1,
        's' | 'S' => 2,
        'k' | 'g' | 'x' | 'h' => 3,
        'I' | 'U' | 'a' | 'y' | 'w' => 4,
        _ => 0,
    }
}

/// Edit distance between two keys that knows Arabic letter classes: a
/// substitution within a class (`t`/`d`/`z`, `s`/`S`, `k`/`g`/`x`/`h`,
/// vowels) costs ½; inserting or dropping a long vowel costs
/// `vowel_indel` (½ when one side was written in Arabic script, where
/// Latin spellings cannot tell long vowels from short); anything else 1.
pub fn class_distance(a: &str, b: &str, vowel_indel: f32) -> f32 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let indel = |c: char| {
        if matches!(c, 'I' | 'U') {
            vowel_indel
        } else {
            1.0
        }
    };
    let mut prev: Vec<f32> = Vec::with_capacity(b.len() + 1);
    prev.push(0.0);
    for &cb in &b {
        let last = *prev.last().unwrap_or(&0.0);
        prev.push(last + indel(cb));
    }
    let mut cur = vec![0.0f32; b.len() + 1];
    for &ca in &a {
        cur[0] = prev[0] + indel(ca);
        for (j, &cb) in b.iter().enumerate() {
            let sub = if ca == cb {
                0.0
            } else if class(ca) != 0 && class(ca) == class(cb) {
                0.5
            } else {
                1.0
            };
            cur[j + 1] = (prev[j] + sub)
                .min(prev[j + 1] + indel(ca))
                .min(cur[j] + indel(cb));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_search_in_either_script_finds_the_record_in_the_other() {
        let names = crate::person::Names {
            full: "حسين علي الجبوري".into(),
            arabic: Some("حسين علي الجبوري".into()),
            latin: vec!["Hussein Ali al-Jubouri".into()],
            given: Some("حسين".into()),
            family: Some("الجبوري".into()),
            mother: Some("فاطمة".into()),
            ..Default::default()
        };
        let keys = search_keys(&names);
        for q in [
            "Husein al-Juburi",
            "HUSSAIN",
            "Ali Jubouri",
            "علي",
            "Husayn el Jubury",
        ] {
            let wanted = query_keys(q);
            assert!(!wanted.is_empty(), "{q}");
            assert!(
                wanted.iter().all(|k| keys.contains(k)),
                "{q}: {wanted:?} in {keys:?}"
            );
        }
        // The mother's name does not find him, nor another family.
        for q in ["Fatima", "Hussein al-Obeidi"] {
            assert!(!query_keys(q).iter().all(|k| keys.contains(k)), "{q}");
        }
        // An article assimilated and glued, in either direction.
        let lami = crate::person::Names {
            full: "عمر اللامي".into(),
            arabic: Some("عمر اللامي".into()),
            ..Default::default()
        };
        assert!(
            query_keys("Omar Allami")
                .iter()
                .all(|k| search_keys(&lami).contains(k))
        );
        let glued = crate::person::Names {
            full: "Omar Allami".into(),
            ..Default::default()
        };
        assert!(
            query_keys("عمر اللامي")
                .iter()
                .all(|k| search_keys(&glued).contains(k))
        );
        assert!(
            query_keys("Omar al-Lami")
                .iter()
                .all(|k| search_keys(&glued).contains(k))
        );
        // Only articles: nothing to search by.
        assert!(query_keys("al- el").is_empty());
    }
    use super::*;
    use proptest::prelude::*;

    const ARABIC_LETTERS: &str = "ابتثجحخدذرزسشصضطظعغفقكلمنهويةىأإآؤئء";
    const MARKS: [char; 9] = [
        '\u{064B}', '\u{064C}', '\u{064D}', '\u{064E}', '\u{064F}', '\u{0650}', '\u{0651}',
        '\u{0652}', '\u{0640}',
    ];

    proptest! {
        /// Diacritics and tatweel never change an Arabic name's key.
        #[test]
        fn arabic_marks_do_not_change_keys(
            letters in prop::collection::vec(0usize..36, 1..12),
            marks in prop::collection::vec(prop::option::of(0usize..9), 12),
        ) {
            let alphabet: Vec<char> = ARABIC_LETTERS.chars().collect();
            let plain: String = letters.iter().map(|&i| alphabet[i % alphabet.len()]).collect();
            let marked: String = letters
                .iter()
                .zip(&marks)
                .flat_map(|(&i, m)| [Some(alphabet[i % alphabet.len()]), m.map(|m| MARKS[m])])
                .flatten()
                .collect();
            prop_assert_eq!(word_key(&plain), word_key(&marked));
        }

        /// Letter case, accents and apostrophes never change a Latin key.
        #[test]
        fn latin_case_does_not_change_keys(name in "[a-z]{1,12}") {
            let upper = name.to_uppercase();
            let quoted = format!("{}'{}", &name[..1], &name[1..]);
            prop_assert_eq!(word_key(&name), word_key(&upper));
            prop_assert_eq!(word_key(&name), word_key(&quoted));
        }

        /// The class-aware distance is symmetric and zero only for equal keys.
        #[test]
        fn class_distance_is_a_distance(a in "[a-zIU]{0,8}", b in "[a-zIU]{0,8}") {
            let d = class_distance(&a, &b, 0.5);
            prop_assert_eq!(d, class_distance(&b, &a, 0.5));
            prop_assert_eq!(d == 0.0, a == b);
        }
    }

    fn key(s: &str) -> Vec<String> {
        tokens(s).into_iter().map(|t| t.key).collect()
    }

    #[test]
    fn spellings_of_one_name_share_a_key() {
        for group in [
            &["Mohammed", "Muhammad", "Mohamed", "Mohamad", "محمد", "مُحَمَّد"][..],
            &["Hussein", "Husayn", "Hussain", "Hussien", "حسين"],
            &["Hassan", "Hasan", "حسن"],
            &["Omar", "Umar", "عمر"],
            &["Khalid", "Khaled", "خالد"],
            &["Qasim", "Kassem", "قاسم"],
            &["Haidar", "Haider", "Hayder", "حيدر"],
            &["Faisal", "Faysal", "فيصل"],
            &["Ziad", "Ziyad", "زياد"],
            &["Kadhim", "Kazem", "كاظم"],
            &["Ali", "علي"],
            &["Alia", "Aliya", "علياء"],
            &["Mustafa", "مصطفى"],
            &["Saad", "Sa'ad", "سعد"],
        ] {
            let want = key(group[0]);
            for name in group {
                assert_eq!(key(name), want, "{name} vs {}", group[0]);
            }
        }
    }

    #[test]
    fn compound_names_meet() {
        let want = key("Abd al-Rahman");
        assert_eq!(want.len(), 1);
        for name in [
            "Abdulrahman",
            "Abdel Rahman",
            "Abdurrahman",
            "عبد الرحمن",
            "عبدالرحمن",
        ] {
            assert_eq!(key(name), want, "{name}");
        }
        let want = key("Abdullah");
        for name in ["Abdallah", "Abd Allah", "عبد الله", "عبدالله"] {
            assert_eq!(key(name), want, "{name}");
        }
        let want = key("Abdulaziz");
        for name in ["Abd al-Aziz", "Abdelaziz"] {
            assert_eq!(key(name), want, "{name}");
        }
        // Latin spellings do not say that the i of Aziz is long; Arabic does.
        let arabic = key("عبد العزيز");
        assert_eq!(class_distance(&arabic[0], &want[0], 0.5), 0.5);
        assert_eq!(tokens("Abd al-Rahman")[0].kind, TokenKind::Compound);
    }

    #[test]
    fn articles_and_family_names_meet() {
        let want = key("al-Obeidi");
        for name in ["Al Ubaidi", "El-Obaidy", "العبيدي", "al-Ubaydi"] {
            assert_eq!(key(name), want, "{name}");
        }
        let want = key("al-Shammari");
        for name in ["Alshammari", "ash-Shammari", "الشمري"] {
            assert_eq!(key(name), want, "{name}");
        }
    }

    #[test]
    fn kunya_and_nisba_are_recognised() {
        let t = tokens("Abu Bakr Ahmed bin Ali al-Tikriti");
        let kinds: Vec<TokenKind> = t.iter().map(|t| t.kind).collect();
        assert_eq!(
            kinds,
            [
                TokenKind::Kunya,
                TokenKind::Plain,
                TokenKind::Plain,
                TokenKind::Nisba
            ]
        );
        assert_eq!(tokens("أبو بكر")[0].key, t[0].key);
        assert_eq!(tokens("التكريتي")[0].kind, TokenKind::Nisba);
    }

    #[test]
    fn near_names_do_not_meet() {
        assert_ne!(key("Hassan"), key("Hussein"));
        assert_ne!(key("حسن"), key("حسين"));
        assert_ne!(key("Ali"), key("Alia"));
        assert_ne!(key("علي"), key("علياء"));
    }

    #[test]
    fn arabic_folding() {
        assert_eq!(fold_arabic("إبراهيم"), "ابراهيم");
        assert_eq!(fold_arabic("مـحـمـد"), "محمد");
        assert_eq!(fold_arabic("فاطمة"), "فاطمه");
        assert_eq!(fold_arabic("١٩٨٠"), "1980");
    }

    #[test]
    fn class_distance_prices_classes() {
        assert_eq!(class_distance("mhmd", "mhmd", 1.0), 0.0);
        assert_eq!(class_distance("kzm", "kdm", 1.0), 0.5);
        assert_eq!(class_distance("hsn", "hsIn", 0.5), 0.5);
        assert_eq!(class_distance("hsn", "hsIn", 1.0), 1.0);
        assert_eq!(class_distance("abc", "", 1.0), 3.0);
    }
}
