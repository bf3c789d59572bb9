//! Test databases: a fresh SQLite file or a fresh PostgreSQL database per test.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use server::config::{Cli, Command};
use server::store::SqlStore;

static N: AtomicU32 = AtomicU32::new(0);

/// The boundary data (../shared/data/geo from the repository root).
pub fn geo_dir() -> PathBuf {
    std::env::var_os("IOC_GEO_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/geo"))
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A URL for a new, empty SQLite database.
pub fn sqlite_url() -> String {
    let dir = std::env::temp_dir().join("ioc-tests");
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite://{}/{}.db", dir.display(), unique("t"))
}

/// A URL for a new, empty PostgreSQL database, or `None` when no server is configured.
/// With `IOC_REQUIRE_PG=1` (set by scripts/test.sh) a missing server is a failure, not a skip.
pub async fn postgres_url() -> Option<String> {
    let Ok(admin) = std::env::var("TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("IOC_REQUIRE_PG").is_err(),
            "TEST_POSTGRES_URL is required"
        );
        eprintln!("TEST_POSTGRES_URL not set: skipping the PostgreSQL half of this test");
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = unique("ioc_t");
    let pool = sqlx::AnyPool::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .expect("create database");
    pool.close().await;
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    Some(format!("{base}/{name}"))
}

/// Both engines' URLs for a test (PostgreSQL only when configured).
pub async fn urls() -> Vec<String> {
    let mut v = vec![sqlite_url()];
    if let Some(pg) = postgres_url().await {
        v.push(pg);
    }
    v
}

pub fn cli(url: &str) -> Cli {
    use clap::Parser;
    let mut cli = Cli::parse_from(["ioc"]);
    cli.database_url = url.to_string();
    cli.geo_dir = geo_dir();
    cli.command = Some(Command::Migrate);
    cli
}

/// A migrated store with reference data loaded.
pub async fn store(url: &str) -> SqlStore {
    server::run::open(&cli(url), true).await.expect("open test store")
}

/// The app state over a store, as `ioc serve` builds it (Vietnamese holiday calendar).
pub async fn state(store: &SqlStore) -> app::ssr::state::AppState {
    let opts = server::run::leptos_options(&server::config::ServeArgs {
        addr: "127.0.0.1:0".parse().unwrap(),
        site_root: "target/site".into(),
        demo_days: None,
    });
    let calendar = app::domain::sla::WorkCalendar::vietnam_default();
    app::ssr::state::AppState::load(opts, std::sync::Arc::new(store.clone()), calendar)
        .await
        .expect("app state")
}
