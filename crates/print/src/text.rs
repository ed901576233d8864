//! Text for the PDF's standard Type 1 fonts: WinAnsi encoding, Helvetica and
//! Helvetica-Bold glyph widths, and fitting text into a column (truncation
//! with "…", word wrapping).
//!
//! The PDF uses the standard fonts Helvetica and Helvetica-Bold with
//! `/WinAnsiEncoding` (no embedded font files), plus ZapfDingbats for the tick
//! mark and the arrow. Text that has no WinAnsi code (Arabic script, Cyrillic,
//! ...) is reported as `None` by [`encode`] and the caller substitutes it; it
//! is never written as raw UTF-8.

/// A font of the document, by resource name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    /// Helvetica, WinAnsiEncoding.
    Regular,
    /// Helvetica-Bold, WinAnsiEncoding.
    Bold,
    /// ZapfDingbats, built-in encoding (only the glyphs below are used).
    Dingbats,
}

/// ZapfDingbats code of the check mark "✓" (glyph a19).
pub(crate) const DINGBAT_CHECK: u8 = 0x33;
/// ZapfDingbats code of the right arrow "→" (glyph a161).
pub(crate) const DINGBAT_ARROW: u8 = 0xD5;
/// WinAnsi code of the horizontal ellipsis "…".
pub(crate) const ELLIPSIS: u8 = 0x85;

impl Font {
    /// Resource name used in the page resources and content streams.
    pub(crate) fn name(self) -> &'static [u8] {
        match self {
            Font::Regular => b"F1",
            Font::Bold => b"F2",
            Font::Dingbats => b"F3",
        }
    }

    /// Advance width of one encoded byte, in 1/1000 of the font size.
    pub(crate) fn glyph_width(self, byte: u8) -> u16 {
        match self {
            Font::Regular => winansi_width(&HELVETICA_WIDTHS, byte),
            Font::Bold => winansi_width(&HELVETICA_BOLD_WIDTHS, byte),
            Font::Dingbats => match byte {
                DINGBAT_CHECK => 755,
                DINGBAT_ARROW => 838,
                b' ' => 278,
                _ => 800,
            },
        }
    }

    /// Width of encoded text at `size` points.
    pub(crate) fn width(self, bytes: &[u8], size: f32) -> f32 {
        let units: u32 = bytes.iter().map(|&b| u32::from(self.glyph_width(b))).sum();
        units as f32 * size / 1000.0
    }
}

fn winansi_width(table: &[u16; 224], byte: u8) -> u16 {
    if byte < 32 {
        0
    } else {
        table[usize::from(byte - 32)]
    }
}

/// Encode `s` in WinAnsiEncoding (Windows-1252 as PDF defines it).
///
/// Latin letters with diacritics that WinAnsi lacks (common in
/// transliterations: "ā", "ḥ", "ş", "ğ", "ı", ...) are folded to the base
/// letter, combining marks and bidi/zero-width marks are dropped, and control
/// characters become spaces. Anything else without a WinAnsi code (Arabic,
/// Cyrillic, CJK, emoji, ...) makes the whole string unencodable: `None`.
pub(crate) fn encode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match c {
            ' '..='~' => out.push(c as u8),
            '\u{A0}'..='\u{FF}' => out.push(c as u32 as u8),
            '\t' | '\n' | '\r' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' => {
                out.push(b' ')
            }
            // Combining diacritics, zero-width and bidi control marks: drop.
            '\u{300}'..='\u{36F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' => {}
            '\u{2066}'..='\u{2069}' | '\u{FEFF}' => {}
            _ => {
                if let Some(b) = cp1252_high(c) {
                    out.push(b)
                } else if let Some(b) = fold(c) {
                    out.push(b)
                } else {
                    return None;
                }
            }
        }
    }
    Some(out)
}

/// The WinAnsi codes 0x80–0x9F that differ from Latin-1.
fn cp1252_high(c: char) -> Option<u8> {
    Some(match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    })
}

/// Fold Latin letters outside WinAnsi (Latin Extended-A and the dotted/
/// underlined letters of Arabic transliteration) to their base letter, and a
/// few lookalike punctuation marks to ASCII.
fn fold(c: char) -> Option<u8> {
    const GROUPS: [(&str, u8); 40] = [
        ("ĀĂĄǍ", b'A'),
        ("āăąǎ", b'a'),
        ("ĆĈĊČ", b'C'),
        ("ćĉċč", b'c'),
        ("ĎĐḌḎ", b'D'),
        ("ďđḍḏ", b'd'),
        ("ĒĔĖĘĚẸ", b'E'),
        ("ēĕėęěẹ", b'e'),
        ("ĜĞĠĢǦ", b'G'),
        ("ĝğġģǧ", b'g'),
        ("ĤĦḤḪ", b'H'),
        ("ĥħḥḫẖ", b'h'),
        ("ĨĪĬĮİǏ", b'I'),
        ("ĩīĭįıǐ", b'i'),
        ("Ĵ", b'J'),
        ("ĵǰ", b'j'),
        ("ĶḲ", b'K'),
        ("ķḳ", b'k'),
        ("ĹĻĽĿŁ", b'L'),
        ("ĺļľŀł", b'l'),
        ("ŃŅŇ", b'N'),
        ("ńņňŉ", b'n'),
        ("ŌŎŐǑỌ", b'O'),
        ("ōŏőǒọ", b'o'),
        ("ŔŖŘ", b'R'),
        ("ŕŗř", b'r'),
        ("ŚŜŞṢ", b'S'),
        ("śŝşṣ", b's'),
        ("ŢŤŦṬṮ", b'T'),
        ("ţťŧṭṯ", b't'),
        ("ŨŪŬŮŰŲǓ", b'U'),
        ("ũūŭůűųǔ", b'u'),
        ("Ŵ", b'W'),
        ("ŵ", b'w'),
        ("Ŷ", b'Y'),
        ("ŷ", b'y'),
        ("ŹŻẒ", b'Z'),
        ("źżẓ", b'z'),
        ("ʿʾʼʻ′", b'\''),
        ("‐‑‒−", b'-'),
    ];
    GROUPS
        .iter()
        .find(|(set, _)| set.contains(c))
        .map(|&(_, b)| b)
}

/// Cut `bytes` so that it fits in `max` points, ending in "…" when cut.
pub(crate) fn fit(bytes: &[u8], font: Font, size: f32, max: f32) -> Vec<u8> {
    if font.width(bytes, size) <= max {
        return bytes.to_vec();
    }
    let budget = max - font.width(&[ELLIPSIS], size);
    let mut used = 0.0;
    let mut end = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let w = f32::from(font.glyph_width(b)) * size / 1000.0;
        if used + w > budget {
            break;
        }
        used += w;
        end = i + 1;
    }
    let mut out = bytes[..end].to_vec();
    while out.last() == Some(&b' ') {
        out.pop();
    }
    if budget > 0.0 {
        out.push(ELLIPSIS);
    }
    out
}

/// Greedy word wrap into at most `max_lines` lines of `max` points; the last
/// line is cut with "…" if text remains.
pub(crate) fn wrap(
    bytes: &[u8],
    font: Font,
    size: f32,
    max: f32,
    max_lines: usize,
) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    let words: Vec<&[u8]> = bytes
        .split(|&b| b == b' ')
        .filter(|w| !w.is_empty())
        .collect();
    for (i, word) in words.iter().enumerate() {
        let mut candidate = line.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if line.is_empty() || font.width(&candidate, size) <= max {
            line = candidate;
            continue;
        }
        if lines.len() + 1 == max_lines {
            // Last allowed line: put the rest on it and cut.
            let rest = words[i..].join(&b' ');
            line.push(b' ');
            line.extend_from_slice(&rest);
            break;
        }
        lines.push(std::mem::take(&mut line));
        line.extend_from_slice(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
        .into_iter()
        .map(|l| fit(&l, font, size, max))
        .collect()
}

// Glyph advance widths of the standard Helvetica and Helvetica-Bold fonts for
// WinAnsiEncoding codes 0x20..=0xFF, in 1/1000 em, taken from Adobe's Core 14
// AFM metrics. Written out by hand: no small crate provides standard-14 font
// metrics, and these never change. Codes WinAnsi leaves undefined are 0.
#[rustfmt::skip]
pub(crate) const HELVETICA_WIDTHS: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0, // 0x70
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 578, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xF0
];

#[rustfmt::skip]
pub(crate) const HELVETICA_BOLD_WIDTHS: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0, // 0x70
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xF0
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_winansi_and_folds_transliteration() {
        assert_eq!(encode("Ahmed (al-Jubouri)").unwrap(), b"Ahmed (al-Jubouri)");
        assert_eq!(encode("Zoë – “x”").unwrap(), b"Zo\xEB \x96 \x93x\x94");
        assert_eq!(
            encode("Ḥusayn ʿAbd Şêxmûs").unwrap(),
            encode_latin1("Husayn 'Abd Sêxmûs")
        );
        assert_eq!(encode("e\u{301}\u{200F}"), Some(b"e".to_vec()));
        assert_eq!(encode("أحمد خالد"), None);
        assert_eq!(encode("Иван"), None);
    }

    fn encode_latin1(s: &str) -> Vec<u8> {
        s.chars().map(|c| c as u32 as u8).collect()
    }

    #[test]
    fn widths_match_afm() {
        assert_eq!(Font::Regular.glyph_width(b'A'), 667);
        assert_eq!(Font::Regular.glyph_width(b'@'), 1015);
        assert_eq!(Font::Bold.glyph_width(b'i'), 278);
        assert_eq!(Font::Regular.glyph_width(ELLIPSIS), 1000);
        assert!((Font::Regular.width(b"Hello", 10.0) - 22.78).abs() < 0.01);
    }

    #[test]
    fn fit_truncates_with_ellipsis() {
        let long = b"Ahmed Khalid Abdullah Mohammed al-Jubouri";
        let cut = fit(long, Font::Regular, 9.0, 80.0);
        assert_eq!(cut.last(), Some(&ELLIPSIS));
        assert!(Font::Regular.width(&cut, 9.0) <= 80.0);
        assert_eq!(fit(b"short", Font::Regular, 9.0, 80.0), b"short");
    }

    #[test]
    fn wrap_respects_width_and_line_limit() {
        let text = b"Sgt. Omar Haddad, Cpl. Lina Saleh, Pte. Yusuf Karim, Pte. Samir Aziz";
        let lines = wrap(text, Font::Regular, 9.0, 120.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| Font::Regular.width(l, 9.0) <= 120.0));
        assert_eq!(lines[1].last(), Some(&ELLIPSIS));
        assert_eq!(
            wrap(b"", Font::Regular, 9.0, 100.0, 3),
            vec![Vec::<u8>::new()]
        );
    }
}
