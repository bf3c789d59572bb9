//! Reading tickets.

use leptos::prelude::*;

use crate::error::AppError;
use crate::types::{TicketDetail, TicketId};

/// One ticket with its history. Personal data comes masked.
#[server(endpoint = "ticket")]
pub async fn get_ticket(id: TicketId) -> Result<TicketDetail, AppError> {
    let state = crate::ssr::context::state()?;
    state.ticket(id).await
}
