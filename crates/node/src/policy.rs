//! Who may read whose record: the principal, the roles of DESIGN.md, and the
//! one function ([`authorize`]) every read of personal data asks.
//!
//! The policy sees only facts about each subject ([`Subject`]), never the
//! record itself, and answers per subject. A subject the principal may not
//! see is dropped by the reader exactly as if it did not exist.

use rollcall_core::Country;
use serde::Serialize;

/// The role a principal acts in, with its scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "role", content = "scope")]
pub enum Role {
    /// Whoever runs the `rollcall` binary on the node's own data directory:
    /// they hold the file and the signing key, so the policy does not pretend
    /// to narrow what they can read; every read is still recorded. The
    /// console gives its users the narrower roles below.
    Operator,
    /// Imports rosters and registers people: identities at their facility.
    Registrar(String),
    /// Builds the transfer plan: the whole operation.
    Planner,
    /// Runs one movement: the people on its manifest.
    EscortOfficer(String),
    /// Admits and releases at one facility: people held there and people
    /// on a movement bound for it.
    FacilityOfficer(String),
    /// An investigative committee: people with a case before it.
    Investigator(String),
    /// A foreign state's consular officer: only people holding that nationality.
    ConsularOfficer(Country),
    /// A monitor (e.g. humanitarian): everything, read-only.
    Monitor,
    /// Users, keys, facilities, backups: no detainee data.
    Admin,
    /// Aggregate figures only.
    Public,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Role::Operator => write!(f, "operator"),
            Role::Registrar(s) => write!(f, "registrar({s})"),
            Role::Planner => write!(f, "planner"),
            Role::EscortOfficer(s) => write!(f, "escort-officer({s})"),
            Role::FacilityOfficer(s) => write!(f, "facility-officer({s})"),
            Role::Investigator(s) => write!(f, "investigator({s})"),
            Role::ConsularOfficer(c) => write!(f, "consular-officer({})", c.alpha3()),
            Role::Monitor => write!(f, "monitor"),
            Role::Admin => write!(f, "admin"),
            Role::Public => write!(f, "public"),
        }
    }
}

/// Who is reading, in which role, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// The user name they gave or were authenticated as.
    pub user: String,
    /// The identity behind it that the node can vouch for: for the CLI the
    /// operating-system account (`uid 1000`), for the console its session.
    pub account: String,
    /// The role and its scope.
    pub role: Role,
    /// The stated reason for this session's reads, if any.
    pub reason: Option<String>,
}

impl Principal {
    /// The local operator of the CLI: `user` as given, with the OS account
    /// the process runs as.
    pub fn local_operator(user: &str) -> Principal {
        Principal {
            user: user.to_string(),
            account: os_account(),
            role: Role::Operator,
            reason: None,
        }
    }
}

/// The operating-system account this process runs as (`uid N`), read from
/// the owner of `/proc/self` on Linux; `unknown` where that is unavailable.
pub fn os_account() -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(m) = std::fs::metadata("/proc/self") {
            return format!("uid {}", m.uid());
        }
    }
    "unknown".into()
}

/// What a read is for; recorded with every access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// One person's whole record and history (`person show`).
    PersonShow,
    /// A listing of people (`people`).
    PeopleList,
    /// Escort records on a movement.
    EscortRecord,
    /// A printed movement manifest.
    Manifest,
    /// An inclusion proof whose leaf is an event about a person.
    InclusionProof,
    /// Discrepancies that name people.
    Discrepancies,
    /// A movement with its manifest, boarded and admitted lists.
    MovementShow,
    /// Named (by id) in an event of another person's history, whose proof
    /// carries the whole event (`person show --json`); their record is not shown.
    NamedInHistory,
    /// The access log itself (`audit`).
    AccessLog,
    /// The people a transfer plan is made for (`plan --from-store`): who
    /// they are, where they are held, how they must travel.
    TransferPlan,
    /// The registered people an imported roster row was matched to, shown
    /// by id with the match (`import roster`): the operator and registrars.
    ImportMatch,
    /// A border-post check of someone stopped (`screen`): the candidates
    /// shown, and the check itself under `post:POST`.
    Screen,
    /// An identity-match review: the waiting roster row (recorded under the
    /// review's id) and its candidates (`review list`, `review show`).
    ReviewShow,
}

impl Purpose {
    /// The name written in the access log.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::PersonShow => "person.show",
            Purpose::PeopleList => "people.list",
            Purpose::EscortRecord => "escort-record.show",
            Purpose::Manifest => "movement.manifest",
            Purpose::InclusionProof => "prove.inclusion",
            Purpose::Discrepancies => "discrepancies.list",
            Purpose::MovementShow => "movement.show",
            Purpose::NamedInHistory => "person.show.named",
            Purpose::AccessLog => "audit.read",
            Purpose::TransferPlan => "plan.from-store",
            Purpose::ImportMatch => "import.match",
            Purpose::ReviewShow => "review.show",
            Purpose::Screen => "screen",
        }
    }
}

/// The facts about one person the policy decides on.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The person's id.
    pub person: &'a str,
    /// Nationalities as recorded.
    pub nationalities: &'a [Country],
    /// Current custodian.
    pub custodian: &'a str,
    /// The open movement whose manifest they are on.
    pub movement: Option<&'a str>,
    /// That movement's destination.
    pub inbound_to: Option<&'a str>,
    /// Committees with a case about them.
    pub committees: &'a [String],
}

/// The policy's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The role may not make this kind of read at all.
    Denied(String),
    /// Per subject, in order: may the principal see it.
    Visible(Vec<bool>),
}

impl Decision {
    /// Whether subject `i` may be seen.
    pub fn allows(&self, i: usize) -> bool {
        match self {
            Decision::Denied(_) => false,
            Decision::Visible(v) => v.get(i).copied().unwrap_or(false),
        }
    }
}

/// The one policy function: may `principal` make a read for `purpose` of
/// each of `subjects`.
pub fn authorize(principal: &Principal, purpose: Purpose, subjects: &[Subject<'_>]) -> Decision {
    use Role::*;
    if purpose == Purpose::AccessLog {
        return match principal.role {
            Operator | Monitor | Admin => Decision::Visible(vec![true; subjects.len()]),
            _ => Decision::Denied(format!(
                "role {} may not read the access log",
                principal.role
            )),
        };
    }
    if purpose == Purpose::TransferPlan && !matches!(principal.role, Operator | Planner) {
        return Decision::Denied(format!("role {} does not plan transfers", principal.role));
    }
    if purpose == Purpose::ImportMatch && !matches!(principal.role, Operator | Registrar(_)) {
        return Decision::Denied(format!("role {} does not import rosters", principal.role));
    }
    if matches!(principal.role, Admin | Public) {
        return Decision::Denied(format!("role {} sees no detainee records", principal.role));
    }
    Decision::Visible(
        subjects
            .iter()
            .map(|s| may_see(&principal.role, s))
            .collect(),
    )
}

/// Whether `role` may see `s`'s record.
fn may_see(role: &Role, s: &Subject<'_>) -> bool {
    match role {
        Role::Operator | Role::Planner | Role::Monitor => true,
        Role::Registrar(f) => s.custodian == f,
        Role::EscortOfficer(m) => s.movement == Some(m.as_str()),
        Role::FacilityOfficer(f) => s.custodian == f || s.inbound_to == Some(f.as_str()),
        Role::Investigator(c) => s.committees.iter().any(|x| x == c),
        Role::ConsularOfficer(c) => s.nationalities.contains(c),
        Role::Admin | Role::Public => false,
    }
}
