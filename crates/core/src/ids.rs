//! Identifiers. Each is a string newtype so that a person id can never be passed
//! where a custodian id is expected.
//!
//! Every id is short text an officer can read aloud: 1 to [`MAX_ID_LEN`]
//! ASCII letters, digits and `-`, starting with a letter or digit. Ids live in
//! separate namespaces told apart by their prefix: people `P-`, movements
//! `MV-`, discrepancies `D-`, cases `C-`, notifications `N-`, repatriations
//! `R-`, identity-match reviews `RV-`. A custodian registered by name (facility, hospital, foreign
//! representative) may not use any of these prefixes, so a facility can never
//! be called like a movement.
//!
//! Ids a node mints itself carry that node's short code ([`NodeCode`], the
//! node's name in capitals) and a number: `P-NSR1-000012`, `MV-NSR1-0050`,
//! `D-NSR1-000003`. Two nodes with different names therefore never mint the
//! same id, even offline. The number is the next one unused for that prefix
//! in the ledger ([`crate::State::allocator`]).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest id accepted.
pub const MAX_ID_LEN: usize = 64;
/// The longest node name accepted.
pub const MAX_NODE_NAME_LEN: usize = 16;

/// Why a text is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Empty.
    #[error("{what} id is empty")]
    Empty {
        /// What kind of id.
        what: &'static str,
    },
    /// Longer than allowed.
    #[error("{what} id is {len} characters long; at most {max} are allowed")]
    TooLong {
        /// What kind of id.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A character other than an ASCII letter, digit or `-`.
    #[error(
        "{what} id {shown} has {found:?} at position {at}; ids use ASCII letters, digits and `-`, starting with a letter or digit"
    )]
    BadChar {
        /// What kind of id.
        what: &'static str,
        /// The id, with anything unprintable escaped.
        shown: String,
        /// The character.
        found: char,
        /// Its position (in characters).
        at: usize,
    },
    /// Not in its namespace (wrong or missing prefix).
    #[error("{what} id {id} must start with {prefix}")]
    Namespace {
        /// What kind of id.
        what: &'static str,
        /// The id.
        id: String,
        /// The prefix it needs.
        prefix: &'static str,
    },
    /// A custodian name that uses another namespace's prefix or a built-in name.
    #[error("custodian id {id} is reserved: {why}")]
    Reserved {
        /// The id.
        id: String,
        /// Why.
        why: String,
    },
}

/// The namespaces of ids, each with its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Namespace {
    /// People: `P-`.
    Person,
    /// Movements: `MV-`.
    Movement,
    /// Discrepancies: `D-`.
    Discrepancy,
    /// Judicial cases: `C-`.
    Case,
    /// Notifications: `N-`.
    Notification,
    /// Repatriation requests: `R-`.
    Repatriation,
    /// Identity-match reviews (a roster row waiting for a person to decide): `RV-`.
    Review,
}

impl Namespace {
    /// Every namespace.
    pub const ALL: [Namespace; 7] = [
        Namespace::Person,
        Namespace::Movement,
        Namespace::Discrepancy,
        Namespace::Case,
        Namespace::Notification,
        Namespace::Repatriation,
        Namespace::Review,
    ];

    /// The prefix every id of this namespace starts with.
    pub fn prefix(self) -> &'static str {
        match self {
            Namespace::Person => "P-",
            Namespace::Movement => "MV-",
            Namespace::Discrepancy => "D-",
            Namespace::Case => "C-",
            Namespace::Notification => "N-",
            Namespace::Repatriation => "R-",
            Namespace::Review => "RV-",
        }
    }

    /// What the ids are called in messages.
    pub fn what(self) -> &'static str {
        match self {
            Namespace::Person => "person",
            Namespace::Movement => "movement",
            Namespace::Discrepancy => "discrepancy",
            Namespace::Case => "case",
            Namespace::Notification => "notification",
            Namespace::Repatriation => "repatriation",
            Namespace::Review => "review",
        }
    }

    /// Digits of the number in a minted id (more when it grows past them).
    fn width(self) -> usize {
        match self {
            Namespace::Movement => 4,
            _ => 6,
        }
    }

    /// The namespace an id's prefix puts it in, if any (case-insensitive,
    /// so `mv-1` is as reserved as `MV-1`).
    pub fn of(id: &str) -> Option<Namespace> {
        Namespace::ALL.into_iter().find(|ns| {
            let p = ns.prefix();
            id.len() >= p.len() && id[..p.len()].eq_ignore_ascii_case(p)
        })
    }

    /// The id minted as number `n` of this namespace by node `code`.
    pub fn mint(self, code: &NodeCode, n: u64) -> String {
        format!(
            "{}{}-{n:0width$}",
            self.prefix(),
            code.as_str(),
            width = self.width()
        )
    }

    /// The prefix of every id this namespace's ids minted by `code` share.
    pub fn minted_prefix(self, code: &NodeCode) -> String {
        format!("{}{}-", self.prefix(), code.as_str())
    }

    /// The number of an id minted by `code` in this namespace, if it is one.
    pub fn minted_number(self, code: &NodeCode, id: &str) -> Option<u64> {
        let digits = id.strip_prefix(&self.minted_prefix(code))?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }
}

fn shown(s: &str) -> String {
    let cut: String = s.chars().take(MAX_ID_LEN).collect();
    let mut out = cut.escape_default().to_string();
    if s.chars().count() > MAX_ID_LEN {
        out.push('…');
    }
    out
}

/// Whether `c` may stand at character `at` (from 0) of an id: an ASCII
/// letter or digit anywhere, `-` anywhere but first. The one rule of id
/// characters: [`check_syntax`] and [`crate::limits::id_problem`] (every id
/// in every event) both ask it.
pub fn is_id_char(c: char, at: usize) -> bool {
    c.is_ascii_alphanumeric() || (c == '-' && at > 0)
}

/// Checks the syntax every id shares: 1 to [`MAX_ID_LEN`] ASCII letters,
/// digits and `-`, starting with a letter or digit.
pub fn check_syntax(what: &'static str, s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty { what });
    }
    for (at, c) in s.chars().enumerate() {
        if !is_id_char(c, at) {
            return Err(IdError::BadChar {
                what,
                shown: shown(s),
                found: c,
                at,
            });
        }
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong {
            what,
            len: s.len(),
            max: MAX_ID_LEN,
        });
    }
    Ok(())
}

/// Checks an id of a namespace: the shared syntax and the namespace's prefix.
pub fn check_in(ns: Namespace, s: &str) -> Result<(), IdError> {
    check_syntax(ns.what(), s)?;
    if !s.starts_with(ns.prefix()) || s.len() == ns.prefix().len() {
        return Err(IdError::Namespace {
            what: ns.what(),
            id: s.to_string(),
            prefix: ns.prefix(),
        });
    }
    Ok(())
}

/// Checks the id of a custodian registered by name (facility, hospital,
/// foreign representative): the shared syntax, no namespace's prefix, and not
/// the built-in `released`.
pub fn check_custodian_name(s: &str) -> Result<(), IdError> {
    check_syntax("custodian", s)?;
    if let Some(ns) = Namespace::of(s) {
        return Err(IdError::Reserved {
            id: s.to_string(),
            why: format!("{} is the prefix of {} ids", ns.prefix(), ns.what()),
        });
    }
    if s.eq_ignore_ascii_case(RELEASED) {
        return Err(IdError::Reserved {
            id: s.to_string(),
            why: "it names the built-in custodian of released people".into(),
        });
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// Wraps a string as this kind of id without checking it (ids
            /// built by code; everything typed by a user goes through
            /// [`Self::parse`], and `apply` checks every new id).
            pub fn new(s: impl Into<String>) -> Self {
                Self(s.into())
            }
            /// Reads an id typed by a user, checking its syntax and namespace.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                let check: fn(&str) -> Result<(), IdError> = $check;
                check(s)?;
                Ok(Self(s.to_string()))
            }
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_string())
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
    };
}

id_type!(
    /// A person's internal id (assigned at registration, never reused): `P-…`.
    PersonId,
    |s| check_in(Namespace::Person, s)
);
id_type!(
    /// A custodian: a facility, a movement in progress, a hospital, a foreign
    /// state's representative, or the built-in `released`. Parsing accepts any
    /// id of the shared syntax (a movement is a custodian under its own id);
    /// registering one by name is checked by [`check_custodian_name`].
    CustodianId,
    |s| check_syntax("custodian", s)
);
id_type!(
    /// A planned convoy or flight: `MV-…`. A movement is also the custodian of
    /// the people on board while it is under way, under the same id.
    MovementId,
    |s| check_in(Namespace::Movement, s)
);
id_type!(
    /// A person's judicial case: `C-…`.
    CaseId,
    |s| check_in(Namespace::Case, s)
);
id_type!(
    /// A notification to family, consulate or monitor: `N-…`.
    NotificationId,
    |s| check_in(Namespace::Notification, s)
);
id_type!(
    /// A repatriation request: `R-…`.
    RepatriationId,
    |s| check_in(Namespace::Repatriation, s)
);
id_type!(
    /// An identity-match review: a roster row that matched registered
    /// people too uncertainly to decide automatically: `RV-…`.
    ReviewId,
    |s| check_in(Namespace::Review, s)
);
id_type!(
    /// A discrepancy: anything that breaks a guarantee and needs an owner: `D-…`.
    DiscrepancyId,
    |s| check_in(Namespace::Discrepancy, s)
);
id_type!(
    /// The user who recorded an event.
    UserId,
    |s| check_syntax("user", s)
);
id_type!(
    /// The Rollcall node (installation) that created an event: its name as
    /// given at `init --name` (see [`NodeCode`]).
    NodeId,
    |s| NodeCode::parse(s).map(|_| ())
);

impl From<&MovementId> for CustodianId {
    fn from(m: &MovementId) -> Self {
        CustodianId(m.0.clone())
    }
}

/// The built-in custodian of people who have been released.
pub const RELEASED: &str = "released";

/// A node's short code: its name in capitals, written into every id it mints.
/// A node name is 1 to [`MAX_NODE_NAME_LEN`] ASCII letters, digits and `-`,
/// starting with a letter; two nodes of one operation need names that differ
/// even ignoring case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeCode(String);

impl NodeCode {
    /// Checks a node name and gives its code.
    pub fn parse(name: &str) -> Result<NodeCode, IdError> {
        check_syntax("node", name)?;
        if name.len() > MAX_NODE_NAME_LEN {
            return Err(IdError::TooLong {
                what: "node",
                len: name.len(),
                max: MAX_NODE_NAME_LEN,
            });
        }
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(IdError::BadChar {
                what: "node",
                shown: shown(name),
                found: name.chars().next().unwrap_or(' '),
                at: 0,
            });
        }
        Ok(NodeCode(name.to_ascii_uppercase()))
    }

    /// The code as text (capitals).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for NodeCode {
    /// `LOCAL`: the code of a state that no node has claimed.
    fn default() -> Self {
        NodeCode("LOCAL".into())
    }
}

impl fmt::Display for NodeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_ids_read_back_their_number() {
        let code = NodeCode::parse("nsr1").unwrap();
        let id = Namespace::Person.mint(&code, 12);
        assert_eq!(id, "P-NSR1-000012");
        assert_eq!(Namespace::Person.minted_number(&code, &id), Some(12));
        assert_eq!(Namespace::Movement.mint(&code, 50), "MV-NSR1-0050");
        let other = NodeCode::parse("nsr").unwrap();
        assert_eq!(Namespace::Person.minted_number(&other, &id), None);
        assert!(PersonId::parse(&id).is_ok());
    }

    #[test]
    fn namespaces_are_separate() {
        assert!(check_custodian_name("IQ-NSR").is_ok());
        assert!(check_custodian_name("MV-0062").is_err());
        assert!(check_custodian_name("mv-0062").is_err());
        assert!(check_custodian_name("P-1").is_err());
        assert!(check_custodian_name("released").is_err());
        assert!(MovementId::parse("IQ-NSR").is_err());
        assert!(PersonId::parse("MV-1").is_err());
        assert!(PersonId::parse("P-").is_err());
    }

    #[test]
    fn syntax_refuses_what_cannot_be_read_aloud() {
        for bad in [
            "",
            "a b",
            "X'); DROP",
            "MV-X\nMV-Y",
            "XX-\u{202e}GBD",
            "-A",
            "a/b",
        ] {
            assert!(check_syntax("custodian", bad).is_err(), "{bad:?}");
        }
        assert!(check_syntax("custodian", &"A".repeat(MAX_ID_LEN + 1)).is_err());
        assert!(NodeCode::parse("1abc").is_err());
        assert!(NodeCode::parse("rollcall-demo").is_ok());
        assert!(NodeCode::parse(&"a".repeat(MAX_NODE_NAME_LEN + 1)).is_err());
    }
}
