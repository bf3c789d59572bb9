//! The only place server functions reach into Leptos context.

use leptos::prelude::use_context;

use crate::error::AppError;
use crate::ssr::state::AppState;

/// The shared state, provided by the router.
///
/// # Errors
/// `Internal` when called outside a request (a wiring bug).
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))
}

/// Sets the HTTP status of the response to match `e`, and returns it (for `map_err`).
pub fn fail(e: AppError) -> AppError {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(code) = axum::http::StatusCode::from_u16(e.status()) {
            resp.set_status(code);
        }
    }
    e
}
