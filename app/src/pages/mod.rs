//! Pages, one per route.

pub mod dashboard;
