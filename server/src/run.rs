//! What each `ioc` command does.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use leptos::prelude::LeptosOptions;

use app::domain::sla::WorkCalendar;
use app::ssr::state::{build_geo_index, now_ms, AppState};
use app::ssr::store::Store;

use crate::config::{Cli, Command, SeedArgs, ServeArgs};
use crate::seed::{Generator, SeedOptions, SqliteBulkWriter};
use crate::store::{sqlite_path, Backend, SqlStore};

/// Runs the command; an `Err` is one line for the operator.
///
/// # Errors
/// Bad configuration, an unreachable database, a port in use, a failed migration.
pub async fn run(cli: Cli) -> Result<(), String> {
    let calendar = calendar(cli.holidays.as_deref())?;
    match cli.command.clone() {
        None => serve(&cli, cli.serve.clone(), calendar).await,
        Some(Command::Serve(args)) => serve(&cli, args, calendar).await,
        Some(Command::Migrate) => {
            let store = open(&cli, true).await?;
            println!(
                "migrated {} database; reference data loaded from {}",
                store.backend(),
                cli.geo_dir.display()
            );
            Ok(())
        }
        Some(Command::ApiKey(cmd)) => {
            let store = SqlStore::connect(&cli.database_url).await?;
            store.migrate().await?;
            println!(
                "{}",
                crate::open311::api_key_command(&store, &cmd, now_ms()).await?
            );
            Ok(())
        }
        Some(Command::Seed(args)) => {
            let store = open(&cli, false).await?;
            let report = seed(&store, &calendar, &args).await?;
            println!("{report}");
            Ok(())
        }
    }
}

/// The working-day calendar from `IOC_HOLIDAYS`, or the built-in list.
///
/// # Errors
/// Names the first entry that is not a date.
pub fn calendar(holidays: Option<&str>) -> Result<WorkCalendar, String> {
    match holidays {
        None => Ok(WorkCalendar::vietnam_default()),
        Some(list) => WorkCalendar::from_dates(list.split(',').filter(|s| !s.trim().is_empty()))
            .map_err(|d| format!("IOC_HOLIDAYS: {d:?} is not a YYYY-MM-DD date")),
    }
}

/// Connects, migrates, and loads reference data (always when `reload`, else when missing).
///
/// # Errors
/// One line naming what failed.
pub async fn open(cli: &Cli, reload: bool) -> Result<SqlStore, String> {
    let store = SqlStore::connect(&cli.database_url).await?;
    store.migrate().await?;
    if reload || !store.has_reference().await.map_err(|e| e.to_string())? {
        let geo = crate::geodata::load(&cli.geo_dir)?;
        store
            .upsert_reference(&geo)
            .await
            .map_err(|e| format!("loading reference data: {e}"))?;
    }
    Ok(store)
}

/// Generates demo tickets.
///
/// # Errors
/// When the database already holds tickets (without `--replace`) or a write fails.
pub async fn seed(store: &SqlStore, calendar: &WorkCalendar, args: &SeedArgs) -> Result<String, String> {
    let existing = store.count_tickets().await.map_err(|e| e.to_string())?;
    if existing > 0 && !args.replace {
        return Err(format!(
            "the database already holds {existing} tickets; pass --replace to delete them and seed again"
        ));
    }
    if args.replace {
        for table in [
            "zalo_outbox",
            "zalo_messages",
            "zalo_tickets",
            "zalo_conversations",
            "idempotency_keys",
            "ticket_notes",
            "ticket_history",
            "tickets",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&store.pool)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    let reference = store.reference().await.map_err(|e| e.to_string())?;
    let geo = build_geo_index(&reference)?;
    let opts = SeedOptions {
        days: args.days,
        per_day: args.per_day,
        seed: args.seed,
        until: args.until.unwrap_or_else(now_ms),
    };
    let mut generator = Generator::new(&reference, &geo, calendar, opts)?;
    let (max_t, max_h) = store.max_ids().await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let (tickets, history) = match store.backend {
        Backend::Sqlite => {
            let path =
                sqlite_path(&store.url).ok_or("seeding needs a SQLite file, not an in-memory database")?;
            let mut writer = SqliteBulkWriter::open(&path, max_t, max_h, true)?;
            // Generation and writing run on two threads, a day at a time.
            let days: Vec<i64> = generator.days().collect();
            std::thread::scope(|scope| {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<app::ssr::store::TicketRecord>>(4);
                scope.spawn(move || {
                    for day in days {
                        if tx.send(generator.day(day)).is_err() {
                            break;
                        }
                    }
                });
                for batch in rx {
                    for t in &batch {
                        writer.write(t)?;
                    }
                }
                Ok::<_, String>(())
            })?;
            writer.finish()?
        }
        Backend::Postgres => {
            let (mut next_t, mut next_h) = (max_t + 1, max_h + 1);
            let (mut n, mut h) = (0u64, 0u64);
            for day in generator.days() {
                let batch: Vec<_> = generator
                    .day(day)
                    .into_iter()
                    .map(|t| {
                        next_t += 1;
                        (next_t - 1, t)
                    })
                    .collect();
                let hist: usize = batch.iter().map(|(_, t)| t.history.len()).sum();
                store
                    .insert_with_ids(&batch, next_h)
                    .await
                    .map_err(|e| e.to_string())?;
                next_h += hist as i64;
                n += batch.len() as u64;
                h += hist as u64;
            }
            (n, h)
        }
    };
    let secs = started.elapsed().as_secs_f64();
    Ok(format!(
        "seeded {tickets} tickets and {history} history entries over {} days in {secs:.2} s ({:.0} tickets/s) into {}",
        args.days,
        tickets as f64 / secs.max(1e-9),
        store.backend()
    ))
}

/// Leptos settings from the environment, with this project's defaults.
pub fn leptos_options(args: &ServeArgs) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "ioc".into()))
        .site_root(args.site_root.clone())
        .site_pkg_dir(std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".into()))
        .site_addr(args.addr)
        .build()
}

async fn serve(cli: &Cli, args: ServeArgs, calendar: WorkCalendar) -> Result<(), String> {
    // Bind first: a port in use should fail before any slow work.
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    let sender = zalo_sender(cli)?;
    let store = open(cli, false).await?;
    if let Some(days) = args.demo_days {
        if store.count_tickets().await.map_err(|e| e.to_string())? == 0 {
            let seed_args = SeedArgs {
                days,
                per_day: 4000,
                seed: 1022,
                until: None,
                replace: false,
            };
            let report = seed(&store, &calendar, &seed_args).await?;
            println!("{report}");
        }
    }
    let started = Instant::now();
    let zalo = zalo(cli, &store, sender);
    let state = AppState::load(leptos_options(&args), Arc::new(store), calendar).await?;
    tracing::info!(
        tickets = state.index.read().map(|i| i.len()).unwrap_or(0),
        ms = started.elapsed().as_millis() as u64,
        "ticket index loaded"
    );
    let options = crate::router::RouterOptions {
        rate_limit: cli.rate.config(),
        zalo,
    };
    let app = crate::router::router_with(state, options);
    println!("ioc: listening on http://{}", args.addr);
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| format!("server error: {e}"))
}

/// The outbox sender when `ZALO_SEND_ENABLED` is on (checked before any slow work).
///
/// # Errors
/// Sending enabled without a usable `ZALO_API_URL`.
fn zalo_sender(cli: &Cli) -> Result<Option<crate::zalo::HttpSender>, String> {
    let z = &cli.zalo;
    if !z.zalo_send_enabled {
        return Ok(None);
    }
    let url = z
        .zalo_api_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .ok_or("ZALO_SEND_ENABLED is on but ZALO_API_URL is not set")?;
    crate::zalo::HttpSender::new(url.trim(), z.zalo_access_token.clone()).map(Some)
}

/// Starts the outbox sender if configured; the webhook when `ZALO_OA_SECRET` is set.
fn zalo(
    cli: &Cli,
    store: &SqlStore,
    sender: Option<crate::zalo::HttpSender>,
) -> Option<Arc<crate::zalo::Webhook>> {
    match sender {
        Some(sender) => {
            crate::zalo::spawn_sender(store.clone(), Arc::new(sender), std::time::Duration::from_secs(5));
            tracing::info!("zalo replies: sending");
        }
        None => tracing::info!("zalo replies: sending off (ZALO_SEND_ENABLED), replies stay queued"),
    }
    let z = &cli.zalo;
    let hook = z.secret().map(|secret| {
        Arc::new(crate::zalo::Webhook::new(
            store.clone(),
            z.zalo_app_id.clone(),
            secret.to_string(),
        ))
    });
    if hook.is_none() {
        tracing::info!("zalo webhook: not configured (ZALO_OA_SECRET), answers 503");
    }
    hook
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
