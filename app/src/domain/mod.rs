//! Pure domain logic: no I/O, no feature flags; compiles for the server and the browser.

pub mod intake;
pub mod lifecycle;
pub mod projection;
pub mod rng;
pub mod routing;
pub mod sla;
pub mod stats;
pub mod text;
pub mod time;
