//! Server functions: thin wrappers that fetch state, check input, and call the domain and store.

pub mod dashboard;
pub mod intake;
pub mod lifecycle;
pub mod tickets;
