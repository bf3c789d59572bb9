//! Identifier newtypes. Always `i64` on the wire: wasm32 and the 64-bit server disagree on `usize`.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Database id of a ticket (internal; citizens use the public code).
    TicketId
);
id_type!(
    /// Database id of an agency.
    AgencyId
);
id_type!(
    /// Database id of a category.
    CategoryId
);
id_type!(
    /// Official GSO code of a district-level unit (718–726 for Bình Dương).
    DistrictCode
);
id_type!(
    /// Official 5-digit GSO code of a commune-level unit.
    CommuneCode
);
