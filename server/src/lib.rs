#![recursion_limit = "256"]
//! The `ioc` server: configuration, storage adapters, demo data and the HTTP router.

pub mod config;
pub mod geodata;
pub mod open311;
pub mod ratelimit;
pub mod reference;
pub mod router;
pub mod run;
pub mod seed;
pub mod store;
pub mod telemetry;
pub mod zalo;
