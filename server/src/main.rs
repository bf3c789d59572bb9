//! `ioc`: the Bình Dương 1022 operations center.
//!
//! `ioc serve` (default) | `ioc migrate` | `ioc seed --days 30 --per-day 4000 --seed 1022`.

use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = server::config::Cli::parse();
    server::telemetry::init(&cli.log_format);
    if let Err(e) = server::run::run(cli).await {
        eprintln!("ioc: {e}");
        std::process::exit(1);
    }
}
