//! Server-only parts: state, store ports, the geographic index, the in-memory ticket index.

pub mod basemap;
pub mod context;
pub mod geo_index;
pub mod heat;
pub mod intake;
pub mod state;
pub mod store;
pub mod ticket_index;
