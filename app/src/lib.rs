//! The 1022 operations center: pages, server functions, shared wire types and pure domain logic.
//!
//! Compiled twice: with `ssr` into the server binary, with `hydrate` into the browser's wasm.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod types;

#[cfg(feature = "ssr")]
pub mod ssr;
