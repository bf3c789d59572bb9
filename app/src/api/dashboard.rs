//! The dashboard's data for one period.

use leptos::prelude::*;

use crate::error::AppError;
use crate::types::{Dashboard, Period};

/// Headline figures, map points, agency response times and latest tickets for `period`.
#[server(endpoint = "dashboard")]
pub async fn get_dashboard(period: Period) -> Result<Dashboard, AppError> {
    let state = crate::ssr::context::state()?;
    state.dashboard(period, crate::ssr::state::now_ms()).await
}
