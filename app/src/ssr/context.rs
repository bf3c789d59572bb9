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
