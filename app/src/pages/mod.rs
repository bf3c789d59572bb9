//! Pages, one per route.

pub mod dashboard;
pub mod operator;
pub mod public;
pub mod ticket;
