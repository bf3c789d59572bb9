//! Wire types shared by server functions and browser components (serde only, no I/O).

pub mod dashboard;
pub mod ids;
pub mod reference;
pub mod ticket;

pub use dashboard::*;
pub use ids::*;
pub use reference::*;
pub use ticket::*;
