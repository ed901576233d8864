//! Person records made ready for matching: names split into tokens and the
//! tokens interned in a [`Vocab`], so that comparing two records compares
//! small integers and each distinct pair of spellings is worked out once.

use crate::normalise::{NameToken, TokenKind, skeleton, tokens};
use crate::par::FxBuild;
use rollcall_core::Country;
use rollcall_core::person::{PartialDate, PersonRecord};
use std::collections::HashMap;

/// Every distinct token seen, and the keys and skeletons they map to.
#[derive(Debug, Clone, Default)]
pub struct Vocab {
    tokens: Vec<TokenInfo>,
    by_token: HashMap<(String, Option<String>, bool), u32, FxBuild>,
    keys: Vec<String>,
    by_key: HashMap<String, u32, FxBuild>,
    by_skeleton: HashMap<String, u32, FxBuild>,
    documents: HashMap<String, u32, FxBuild>,
    document_text: Vec<String>,
}

/// One interned token.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// Interned key.
    pub key: u32,
    /// Interned skeleton.
    pub skeleton: u32,
    /// The Latin spelling folded, if written in Latin.
    pub latin: Option<String>,
    /// Written in Arabic script.
    pub arabic: bool,
}

impl Vocab {
    /// The token behind an id.
    pub fn token(&self, id: u32) -> &TokenInfo {
        &self.tokens[id as usize]
    }

    /// The key string behind a key id.
    pub fn key(&self, id: u32) -> &str {
        &self.keys[id as usize]
    }

    /// How many distinct keys there are (key ids are below this).
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// The document number behind a document id.
    pub fn document(&self, id: u32) -> &str {
        &self.document_text[id as usize]
    }

    fn key_id(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.by_key.get(key) {
            return id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(key.to_string());
        self.by_key.insert(key.to_string(), id);
        id
    }

    fn skeleton_id(&mut self, skel: &str) -> u32 {
        let next = self.by_skeleton.len() as u32;
        *self.by_skeleton.entry(skel.to_string()).or_insert(next)
    }

    fn intern(&mut self, t: NameToken) -> u32 {
        let lookup = (t.key, t.latin, t.arabic);
        if let Some(&id) = self.by_token.get(&lookup) {
            return id;
        }
        let (key, latin, arabic) = lookup;
        let info = TokenInfo {
            key: self.key_id(&key),
            skeleton: self.skeleton_id(&t.skeleton),
            latin: latin.clone(),
            arabic,
        };
        let id = self.tokens.len() as u32;
        self.tokens.push(info);
        self.by_token.insert((key, latin, arabic), id);
        id
    }

    fn document_id(&mut self, number: &str) -> Option<u32> {
        let norm: String = number
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if norm.is_empty() {
            return None;
        }
        if let Some(&id) = self.documents.get(&norm) {
            return Some(id);
        }
        let id = self.document_text.len() as u32;
        self.document_text.push(norm.clone());
        self.documents.insert(norm, id);
        Some(id)
    }
}

/// A record ready for matching. Name fields are token ids in a [`Vocab`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prepared {
    /// Given name (first token of the given-name cell, or of the full name).
    pub given: Option<u32>,
    /// Father's name.
    pub father: Option<u32>,
    /// Grandfather's name.
    pub grandfather: Option<u32>,
    /// Family, tribal or nisba name.
    pub family: Option<u32>,
    /// Mother's name.
    pub mother: Option<u32>,
    /// Key ids of the five name fields in [`NAME_FIELDS`] order
    /// ([`NONE`] where unknown), kept inline so that comparing two records
    /// finds exact name matches without looking anything up.
    pub keys: [u32; 5],
    /// Skeleton ids of the five name fields, likewise.
    pub skeletons: [u32; 5],
    /// Skeleton ids of every name token, sorted and without repeats.
    pub name_set: Vec<u32>,
    /// A 64-bit signature of `name_set` (one bit per skeleton), so that
    /// most "is this name anywhere in the other record" questions are
    /// answered without reading `name_set`.
    pub name_bits: u64,
    /// Date of birth, as far as known.
    pub birth: Option<PartialDate>,
    /// Up to two nationalities.
    pub nationality: [Option<Country>; 2],
    /// First document number, normalised and interned.
    pub document: Option<u32>,
    /// Place of birth (interned key of its tokens).
    pub place: Option<u32>,
    /// The record's position in the caller's input; the last tie-break
    /// wherever records are ordered, so that results do not depend on
    /// the order the matcher keeps them in internally.
    pub row: u32,
}

/// Marks an unknown field in [`Prepared::keys`] and [`Prepared::skeletons`].
pub const NONE: u32 = u32::MAX;

/// The name fields held inline, in order: given, father, grandfather,
/// family, mother (the first five comparison fields).
pub const NAME_FIELDS: usize = 5;

fn name_bit(skeleton: u32) -> u64 {
    1u64 << (skeleton.wrapping_mul(0x9E37_79B9) >> 26)
}

impl Prepared {
    /// Whether any of the record's name tokens has this skeleton.
    pub fn holds(&self, skeleton: u32) -> bool {
        self.name_bits & name_bit(skeleton) != 0 && self.name_set.binary_search(&skeleton).is_ok()
    }

    /// The token of name field `i` (in [`NAME_FIELDS`] order).
    pub fn name(&self, i: usize) -> Option<u32> {
        match i {
            0 => self.given,
            1 => self.father,
            2 => self.grandfather,
            3 => self.family,
            4 => self.mother,
            _ => None,
        }
    }
}

/// The tokens of one record before interning.
#[derive(Debug, Clone, Default)]
pub struct Tokenised {
    full: Vec<NameToken>,
    given: Option<NameToken>,
    father: Option<NameToken>,
    grandfather: Option<NameToken>,
    family: Option<NameToken>,
    mother: Option<NameToken>,
    place: Option<String>,
}

/// The tokens of short cells already seen on this thread (given, father's,
/// family names and places repeat across a roster far more than full names).
#[derive(Debug, Default)]
pub struct CellCache {
    cells: HashMap<String, Vec<NameToken>, FxBuild>,
}

impl CellCache {
    /// Largest number of distinct cells kept.
    const LIMIT: usize = 1 << 16;

    fn tokens(&mut self, cell: &str) -> Vec<NameToken> {
        if let Some(t) = self.cells.get(cell) {
            return t.clone();
        }
        let t = tokens(cell);
        if self.cells.len() < Self::LIMIT {
            self.cells.insert(cell.to_string(), t.clone());
        }
        t
    }

    fn first(&mut self, cell: Option<&String>) -> Option<NameToken> {
        let mut t = self.tokens(cell?);
        let pos = t.iter().position(|t| t.kind != TokenKind::Kunya)?;
        Some(t.swap_remove(pos))
    }

    fn last(&mut self, cell: Option<&String>) -> Option<NameToken> {
        self.tokens(cell?).pop()
    }
}

/// Splits a record's names into tokens (the part that can run on any thread).
pub fn tokenise(r: &PersonRecord) -> Tokenised {
    tokenise_cached(r, &mut CellCache::default())
}

/// [`tokenise`], reusing the tokens of cells seen before.
pub fn tokenise_cached(r: &PersonRecord, cache: &mut CellCache) -> Tokenised {
    let full = tokens(&r.names.full);
    let plain: Vec<&NameToken> = full.iter().filter(|t| t.kind != TokenKind::Kunya).collect();
    let from_full = |i: usize, min: usize| (plain.len() >= min).then(|| plain[i].clone());
    let n = plain.len();
    Tokenised {
        given: cache
            .first(r.names.given.as_ref())
            .or_else(|| from_full(0, 1)),
        father: cache
            .first(r.names.father.as_ref())
            .or_else(|| from_full(1, 3)),
        grandfather: cache
            .first(r.names.grandfather.as_ref())
            .or_else(|| from_full(2, 4)),
        family: cache
            .last(r.names.family.as_ref())
            .or_else(|| (n >= 2).then(|| plain[n - 1].clone())),
        mother: cache.first(r.names.mother.as_ref()),
        place: r.birth_place.as_ref().map(|p| {
            cache
                .tokens(p)
                .iter()
                .map(|t| skeleton(&t.key))
                .collect::<Vec<_>>()
                .join(" ")
        }),
        full,
    }
}

/// Interns a tokenised record.
pub fn intern(vocab: &mut Vocab, r: &PersonRecord, t: Tokenised) -> Prepared {
    let mut name_set: Vec<u32> = Vec::with_capacity(t.full.len() + 2);
    let mut add = |vocab: &mut Vocab, tok: Option<NameToken>| -> Option<u32> {
        let id = vocab.intern(tok?);
        name_set.push(vocab.token(id).skeleton);
        Some(id)
    };
    for tok in t.full {
        add(vocab, Some(tok));
    }
    let given = add(vocab, t.given);
    let father = add(vocab, t.father);
    let grandfather = add(vocab, t.grandfather);
    let family = add(vocab, t.family);
    let mother = t.mother.map(|m| vocab.intern(m));
    name_set.sort_unstable();
    name_set.dedup();
    let name_bits = name_set.iter().fold(0, |bits, &s| bits | name_bit(s));
    let mut keys = [NONE; NAME_FIELDS];
    let mut skeletons = [NONE; NAME_FIELDS];
    for (i, t) in [given, father, grandfather, family, mother]
        .iter()
        .enumerate()
    {
        if let Some(t) = t {
            keys[i] = vocab.token(*t).key;
            skeletons[i] = vocab.token(*t).skeleton;
        }
    }
    let place = t.place.filter(|p| !p.is_empty()).map(|p| vocab.key_id(&p));
    let mut nationality = [None, None];
    for (slot, c) in nationality.iter_mut().zip(&r.nationalities) {
        *slot = Some(*c);
    }
    Prepared {
        given,
        father,
        grandfather,
        family,
        mother,
        keys,
        skeletons,
        name_set,
        name_bits,
        birth: r.birth_date,
        nationality,
        document: r
            .documents
            .first()
            .and_then(|d| vocab.document_id(&d.number)),
        place,
        row: 0,
    }
}

/// Prepares records, tokenising on `threads` threads and interning in order.
pub fn prepare_all(vocab: &mut Vocab, records: &[PersonRecord], threads: usize) -> Vec<Prepared> {
    let tokenised: Vec<Tokenised> = crate::par::chunks(records, threads, |chunk| {
        let mut cache = CellCache::default();
        chunk
            .iter()
            .map(|r| tokenise_cached(r, &mut cache))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    records
        .iter()
        .zip(tokenised)
        .enumerate()
        .map(|(row, (r, t))| Prepared {
            row: row as u32,
            ..intern(vocab, r, t)
        })
        .collect()
}
