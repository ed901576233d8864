//! Where a node's ledger lives, from `--data`: a directory is the embedded
//! SQLite store (`DIR/rollcall.db`, its key in `DIR/node.key`); a
//! `postgres://` or `postgresql://` URL is a PostgreSQL store, in the schema
//! named by its `schema` parameter (`rollcall` when absent), with its key in
//! the file `--node-key` names.

use std::fmt;
use std::path::{Path, PathBuf};

use rollcall_store::Store;
use rollcall_store_postgres::PgStore;
use rollcall_store_sqlite::SqliteStore;

use crate::{DB_FILE, NodeError, keyfile};

/// The schema a PostgreSQL URL without a `schema` parameter uses.
pub const DEFAULT_SCHEMA: &str = "rollcall";

/// A store of either backend, behind the one trait.
pub(crate) type AnyStore = Box<dyn Store + Send>;

/// Where a ledger lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A data directory holding an SQLite store.
    Dir(PathBuf),
    /// A schema of a PostgreSQL database.
    Postgres {
        /// The connection URL without the `schema` parameter (it may hold a password).
        url: String,
        /// The schema.
        schema: String,
    },
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// Shown in messages: a path, or the URL without its password.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Dir(p) => write!(f, "{}", p.display()),
            Location::Postgres { url, schema } => {
                write!(f, "{} (schema {schema})", redact(url))
            }
        }
    }
}

/// `url` with any password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

impl Location {
    /// Reads `--data`: a `postgres://` / `postgresql://` URL, else a directory.
    pub fn parse(data: &str) -> Result<Location, NodeError> {
        let lower = data.to_ascii_lowercase();
        if !(lower.starts_with("postgres://") || lower.starts_with("postgresql://")) {
            return Ok(Location::Dir(PathBuf::from(data)));
        }
        let (base, query) = match data.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (data, None),
        };
        let mut schema = None;
        let mut kept = Vec::new();
        for pair in query.into_iter().flat_map(|q| q.split('&')) {
            match pair.split_once('=') {
                Some(("schema", v)) => schema = Some(v.to_string()),
                _ if pair.is_empty() => {}
                _ => kept.push(pair),
            }
        }
        let schema = schema.unwrap_or_else(|| DEFAULT_SCHEMA.to_string());
        rollcall_store_postgres::check_schema_name(&schema)?;
        let url = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        Ok(Location::Postgres { url, schema })
    }

    /// A data directory, if this is one.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            Location::Dir(p) => Some(p),
            Location::Postgres { .. } => None,
        }
    }

    /// The key file a node here uses when `--node-key` names none: the
    /// directory's `node.key`; a PostgreSQL store has no default.
    pub fn default_key(&self) -> Option<PathBuf> {
        self.dir().map(|d| d.join(keyfile::KEY_FILE))
    }

    /// The number of events in the ledger here.
    pub fn size(&self) -> Result<u64, NodeError> {
        Ok(self.open_store()?.size()?)
    }

    /// Opens the existing store here ([`NodeError::NotInitialised`] if none).
    pub(crate) fn open_store(&self) -> Result<AnyStore, NodeError> {
        match self {
            Location::Dir(dir) => {
                let path = dir.join(DB_FILE);
                if !path.exists() {
                    return Err(NodeError::NotInitialised(self.to_string()));
                }
                Ok(Box::new(SqliteStore::open_existing(&path)?))
            }
            Location::Postgres { url, schema } => {
                let store = PgStore::connect_existing(url, schema).map_err(|e| match e {
                    rollcall_store::StoreError::Backend { ref message, .. }
                        if message.contains("holds no Rollcall store") =>
                    {
                        NodeError::NotInitialised(self.to_string())
                    }
                    other => other.into(),
                })?;
                if store.meta_get("origin")?.is_none() {
                    return Err(NodeError::NotInitialised(self.to_string()));
                }
                Ok(Box::new(store))
            }
        }
    }

    /// Creates the PostgreSQL store for `init`; refuses one that already
    /// holds a ledger.
    pub(crate) fn create_postgres(
        url: &str,
        schema: &str,
        shown: &str,
    ) -> Result<AnyStore, NodeError> {
        let store = PgStore::connect(url, schema)?;
        if store.size()? > 0 || store.meta_get("origin")?.is_some() {
            return Err(NodeError::AlreadyInitialised(shown.to_string()));
        }
        Ok(Box::new(store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_urls() {
        assert_eq!(
            Location::parse("rollcall-data").unwrap(),
            Location::Dir("rollcall-data".into())
        );
        assert_eq!(
            Location::parse("postgres://u@h/db").unwrap(),
            Location::Postgres {
                url: "postgres://u@h/db".into(),
                schema: DEFAULT_SCHEMA.into()
            }
        );
        assert_eq!(
            Location::parse("postgresql://u@h:5433/db?connect_timeout=3&schema=central_1").unwrap(),
            Location::Postgres {
                url: "postgresql://u@h:5433/db?connect_timeout=3".into(),
                schema: "central_1".into()
            }
        );
        assert!(Location::parse("postgres://u@h/db?schema=Bad-Name").is_err());
    }

    #[test]
    fn passwords_never_show() {
        let l = Location::parse("postgres://ops:hunter2@db.example:5432/rc?schema=a").unwrap();
        let shown = l.to_string();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(shown, "postgres://ops:***@db.example:5432/rc (schema a)");
        assert_eq!(format!("{l:?}"), shown);
        assert_eq!(
            redact("postgres://ops@h/rc"),
            "postgres://ops@h/rc",
            "no password, nothing hidden"
        );
    }
}
