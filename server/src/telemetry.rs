//! Logging: `tracing` with an env filter (RUST_LOG) and a compact or JSON format.
//! Personal data (names, phone numbers) is never logged: request logs carry method, path
//! and status only.

use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let registry = tracing_subscriber::registry().with(filter);
    if format == "json" {
        let _ = registry.with(fmt::layer().json()).try_init();
    } else {
        let _ = registry.with(fmt::layer().compact()).try_init();
    }
}
