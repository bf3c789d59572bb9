//! Dashboard benchmark: server-side render time, HTML size and memory with many tickets.
//!
//! Usage: `IOC_BENCH_DB=sqlite://target/bench/ioc.db cargo bench -p server --bench dashboard`
//! (scripts/bench.sh seeds that database with 1M tickets first). Prints figures; asserts nothing.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

use app::ssr::state::AppState;
use app::ssr::store::Store;
use server::config::ServeArgs;

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (p(0.5), p(0.9), v[v.len() - 1])
}

#[tokio::main]
async fn main() {
    let url = std::env::var("IOC_BENCH_DB").unwrap_or_else(|_| "sqlite://target/bench/ioc.db".into());
    let iterations: usize = std::env::var("IOC_BENCH_ITER")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let store = server::store::SqlStore::connect(&url)
        .await
        .expect("bench database");
    let n = store.count_tickets().await.expect("count");
    println!("database: {} with {n} tickets", server::store::redact(&url));
    let rss0 = rss_kib("VmRSS:");
    let t = Instant::now();
    let opts = server::run::leptos_options(&ServeArgs {
        addr: "127.0.0.1:0".parse().unwrap(),
        site_root: "target/site".into(),
        demo_days: None,
    });
    let state = AppState::load(
        opts,
        Arc::new(store),
        app::domain::sla::WorkCalendar::vietnam_default(),
    )
    .await
    .expect("load");
    println!(
        "index load: {:.0} ms; RSS {} → {} MiB",
        t.elapsed().as_secs_f64() * 1e3,
        rss0 / 1024,
        rss_kib("VmRSS:") / 1024
    );
    for period in [
        app::types::Period::Today,
        app::types::Period::Days7,
        app::types::Period::Days30,
    ] {
        let now = app::ssr::state::now_ms();
        let mut bin = Vec::new();
        let mut total = Vec::new();
        let mut points = 0.0;
        for _ in 0..iterations {
            let index = state.index.read().unwrap();
            let t = Instant::now();
            let grid = index.heat(period, now);
            bin.push(t.elapsed().as_secs_f64() * 1e3);
            points = grid.total();
            let _png = grid.render(index.projection());
            total.push(t.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "heat layer {:>5}: {points:>8.0} points  bin median {:6.2} ms  bin+blur+PNG median {:6.2} ms",
            period.as_str(),
            stats(bin).0,
            stats(total).0
        );
    }
    let app = server::router::router(state);

    for period in ["today", "7d", "30d"] {
        let uri = format!("/?period={period}");
        let mut times = Vec::with_capacity(iterations);
        let mut size = 0;
        for i in 0..iterations + 3 {
            let t = Instant::now();
            let res = app
                .clone()
                .oneshot(Request::get(&uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            let ms = t.elapsed().as_secs_f64() * 1e3;
            size = body.len();
            if i >= 3 {
                times.push(ms);
            }
        }
        let (p50, p90, max) = stats(times);
        println!(
            "GET {uri:<16} render median {p50:7.1} ms  p90 {p90:7.1} ms  max {max:7.1} ms  HTML {:.0} KB",
            size as f64 / 1024.0
        );
        let mut times = Vec::new();
        for _ in 0..iterations {
            let t = Instant::now();
            let res = app
                .clone()
                .oneshot(
                    Request::get(format!("/api/v1/heatmap.png?period={period}&v=x"))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await
                .unwrap();
            let _ = res.into_body().collect().await.unwrap();
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let (p50, _, _) = stats(times);
        println!("GET heatmap.png?period={period:<6} median {p50:6.2} ms (served from the cache)");
    }
    println!(
        "memory: RSS {} MiB, peak {} MiB",
        rss_kib("VmRSS:") / 1024,
        rss_kib("VmHWM:") / 1024
    );
}
