//! Reusable view pieces.

pub mod agency_table;
pub mod headline;
pub mod latest;
pub mod nav;
pub mod pick_map;
pub mod ticket_detail;
pub mod ticket_map;
