//! Command line and environment configuration of the `ioc` binary.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Bình Dương 1022 operations center.
#[derive(Parser, Debug)]
#[command(name = "ioc", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Database: `sqlite://path/to/file.db` (default) or `postgres://user:pass@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/ioc.db",
        global = true
    )]
    pub database_url: String,

    /// Folder with the Bình Dương boundary GeoJSON files (read at migrate/seed time).
    #[arg(
        long,
        env = "IOC_GEO_DIR",
        default_value = "../shared/data/geo",
        global = true
    )]
    pub geo_dir: PathBuf,

    /// Public holidays (YYYY-MM-DD, comma-separated) replacing the built-in Vietnamese list.
    #[arg(long, env = "IOC_HOLIDAYS", global = true)]
    pub holidays: Option<String>,

    /// Log format: `compact` or `json`.
    #[arg(long, env = "LOG_FORMAT", default_value = "compact", global = true)]
    pub log_format: String,

    #[command(flatten)]
    pub zalo: ZaloArgs,

    #[command(flatten)]
    pub rate: RateArgs,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options of `serve`, also accepted without the subcommand.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Serve the web application (the default).
    Serve(ServeArgs),
    /// Apply database migrations and load reference data (boundaries, agencies, categories, routing rules).
    Migrate,
    /// Generate deterministic demo tickets.
    Seed(SeedArgs),
    /// Manage the API keys of Open311 clients (only their SHA-256 is stored).
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
}

#[derive(Subcommand, Debug, Clone)]
pub enum ApiKeyCommand {
    /// Issue a key for a client and print it (shown only this once).
    Add {
        /// Who the key is for (an app, an agency's system).
        #[arg(long)]
        name: String,
    },
    /// List keys: ids, names, creation and revocation times (never the keys).
    List,
    /// Revoke a key: its client can no longer file requests.
    Revoke {
        /// The key's id (see `ioc api-key list`).
        #[arg(long)]
        id: i64,
    },
}

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Folder with the built site (`pkg/` with the wasm, JS and CSS; fonts; favicon).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,

    /// When the database holds no tickets, seed this many days of demo data first.
    #[arg(long, env = "IOC_DEMO_DAYS")]
    pub demo_days: Option<u32>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct SeedArgs {
    /// Number of local days to generate, ending today.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Contacts per day (the real 1022 took 3,000–5,000 a day in 2021).
    #[arg(long, default_value_t = 4000)]
    pub per_day: u32,
    /// Random seed: the same seed and `--until` give the same tickets.
    #[arg(long, default_value_t = 1022)]
    pub seed: u64,
    /// The simulated "now" as epoch milliseconds (default: the current time).
    #[arg(long)]
    pub until: Option<i64>,
    /// Delete every existing ticket first.
    #[arg(long)]
    pub replace: bool,
}

/// The Zalo Official Account channel (`POST /zalo/webhook` and its replies).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ZaloArgs {
    /// The OA's app id; when set, events for another app are refused.
    #[arg(long, env = "ZALO_APP_ID", global = true)]
    pub zalo_app_id: Option<String>,

    /// The OA secret key that signs webhook events; without it the webhook answers 503.
    #[arg(long, env = "ZALO_OA_SECRET", global = true, hide_env_values = true)]
    pub zalo_oa_secret: Option<String>,

    /// Send queued replies (off: they stay in the outbox).
    #[arg(
        long,
        env = "ZALO_SEND_ENABLED",
        global = true,
        value_parser = clap::builder::BoolishValueParser::new(),
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        default_value = "false",
        default_missing_value = "true"
    )]
    pub zalo_send_enabled: bool,

    /// Where replies are posted: `http://host[:port]/path` (Zalo's API through a TLS relay).
    #[arg(long, env = "ZALO_API_URL", global = true)]
    pub zalo_api_url: Option<String>,

    /// The OA access token sent with each reply (`access_token` header).
    #[arg(long, env = "ZALO_ACCESS_TOKEN", global = true, hide_env_values = true)]
    pub zalo_access_token: Option<String>,
}

impl ZaloArgs {
    /// The webhook secret, when one is configured (an empty value counts as none).
    pub fn secret(&self) -> Option<&str> {
        self.zalo_oa_secret.as_deref().filter(|s| !s.trim().is_empty())
    }
}

/// Abuse limits of the public endpoints (see `ratelimit.rs`).
#[derive(clap::Args, Debug, Clone)]
pub struct RateArgs {
    /// Public writes (web form, Open311 POST, status look-ups) per minute and client; 0: no limit.
    #[arg(long, env = "IOC_RATE_PUBLIC_PER_MIN", default_value_t = 30, global = true)]
    pub rate_public_per_min: u32,

    /// Public reads (status pages, Open311 GET) per minute and client; 0: no limit.
    #[arg(
        long,
        env = "IOC_RATE_PUBLIC_READS_PER_MIN",
        default_value_t = 300,
        global = true
    )]
    pub rate_public_reads_per_min: u32,

    /// Most clients tracked at once (memory stays under ~100 bytes each).
    #[arg(long, env = "IOC_RATE_MAX_CLIENTS", default_value_t = 100_000, global = true)]
    pub rate_max_clients: usize,

    /// Behind a reverse proxy: identify clients by the first X-Forwarded-For address.
    #[arg(
        long,
        env = "IOC_TRUST_PROXY",
        global = true,
        value_parser = clap::builder::BoolishValueParser::new(),
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        default_value = "false",
        default_missing_value = "true"
    )]
    pub trust_proxy: bool,
}

impl RateArgs {
    /// The limiter's configuration; `None` when both limits are off.
    pub fn config(&self) -> Option<crate::ratelimit::RateLimitConfig> {
        (self.rate_public_per_min > 0 || self.rate_public_reads_per_min > 0).then(|| {
            crate::ratelimit::RateLimitConfig {
                writes_per_min: self.rate_public_per_min,
                reads_per_min: self.rate_public_reads_per_min,
                trust_proxy: self.trust_proxy,
                max_clients: self.rate_max_clients.max(1),
            }
        })
    }
}
