//! Identifiers. Each is a string newtype so that a person id can never be passed
//! where a custodian id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// Wraps a string as this kind of id.
            pub fn new(s: impl Into<String>) -> Self {
                Self(s.into())
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
    };
}

id_type!(
    /// A person's internal id (assigned at registration, never reused).
    PersonId
);
id_type!(
    /// A custodian: a facility, a movement in progress, a hospital, a foreign
    /// state's representative, or the built-in `released`.
    CustodianId
);
id_type!(
    /// A planned convoy or flight. A movement is also the custodian of the
    /// people on board while it is under way, under the same id.
    MovementId
);
id_type!(
    /// A person's judicial case.
    CaseId
);
id_type!(
    /// A notification to family, consulate or monitor.
    NotificationId
);
id_type!(
    /// A repatriation request.
    RepatriationId
);
id_type!(
    /// A discrepancy: anything that breaks a guarantee and needs an owner.
    DiscrepancyId
);
id_type!(
    /// The user who recorded an event.
    UserId
);
id_type!(
    /// The Rollcall node (installation) that recorded an event.
    NodeId
);

impl From<&MovementId> for CustodianId {
    fn from(m: &MovementId) -> Self {
        CustodianId(m.0.clone())
    }
}

/// The built-in custodian of people who have been released.
pub const RELEASED: &str = "released";
