//! Moving tickets through their lifecycle, notes, and the citizen's status page.

use leptos::prelude::*;

use crate::error::AppError;
use crate::types::{AgencyId, PublicTicket, TicketDetail, TicketId, TicketStatus};

/// Applies a status change made against `version` (refused with a conflict if stale).
#[server(endpoint = "tickets/status")]
pub async fn change_status(
    id: TicketId,
    version: i64,
    to: TicketStatus,
    note: Option<String>,
    agency: Option<AgencyId>,
    duplicate_of: Option<TicketId>,
) -> Result<TicketDetail, AppError> {
    let state = crate::ssr::context::state()?;
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if to == TicketStatus::Rejected && note.is_none() {
        return Err(AppError::field(
            "note",
            "Từ chối cần nêu lý do",
            "a rejection needs a reason",
        ));
    }
    if matches!(to, TicketStatus::Assigned) && agency.is_some() && note.is_none() {
        return Err(AppError::field(
            "note",
            "Chuyển cơ quan cần nêu lý do",
            "a transfer needs a reason",
        ));
    }
    if to == TicketStatus::Duplicate && duplicate_of.is_none() {
        return Err(AppError::field(
            "duplicate_of",
            "Cần phiếu gốc",
            "the original ticket is required",
        ));
    }
    let change = crate::ssr::store::StatusChange {
        to,
        at: crate::ssr::state::now_ms(),
        actor: "Tổng đài viên 1022".into(),
        note,
        agency,
        duplicate_of,
        expected_version: version,
    };
    state.change_status(id, change).await
}

/// Spawns a child ticket of `parent` for another agency; returns the parent with its children.
#[server(endpoint = "tickets/child")]
pub async fn spawn_child_ticket(
    parent: TicketId,
    agency: AgencyId,
    reason: Option<String>,
) -> Result<TicketDetail, AppError> {
    let state = crate::ssr::context::state()?;
    let now = crate::ssr::state::now_ms();
    state
        .spawn_child(parent, agency, reason, None, "Tổng đài viên 1022", now)
        .await?;
    Ok(state.store.ticket_detail(parent).await?)
}

/// Adds a note, internal or public.
#[server(endpoint = "tickets/note")]
pub async fn add_note(id: TicketId, body: String, public: bool) -> Result<TicketDetail, AppError> {
    let state = crate::ssr::context::state()?;
    let note = crate::ssr::store::NewNote {
        at: crate::ssr::state::now_ms(),
        actor: "Tổng đài viên 1022".into(),
        body,
        public,
    };
    state.add_note(id, note).await
}

/// What a citizen may see of a ticket, by its code.
#[server(endpoint = "public/track")]
pub async fn track_ticket(code: String) -> Result<PublicTicket, AppError> {
    let state = crate::ssr::context::state()?;
    let code = code.trim().to_uppercase();
    if code.is_empty() || code.len() > 20 {
        return Err(AppError::field(
            "code",
            "Mã phiếu không hợp lệ",
            "invalid ticket code",
        ));
    }
    state.public_ticket(&code).await
}
