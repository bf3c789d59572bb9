//! The HTTP surface through the real router, on SQLite and PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use app::domain::time::local_to_utc;
use app::ssr::state::now_ms;
use server::config::SeedArgs;

async fn app(url: &str) -> axum::Router {
    let store = common::store(url).await;
    let cal = app::domain::sla::WorkCalendar::vietnam_default();
    let args = SeedArgs {
        days: 10,
        per_day: 200,
        seed: 3,
        until: Some(now_ms()),
        replace: false,
    };
    server::run::seed(&store, &cal, &args).await.unwrap();
    let state = common::state(&store).await;
    server::router::router(state)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let res = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, ct, body)
}

async fn post_form(app: &axum::Router, uri: &str, form: &str) -> (StatusCode, String) {
    let req = Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(form.to_string()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

const DISTRICTS: [&str; 9] = [
    "Thủ Dầu Một",
    "Bàu Bàng",
    "Dầu Tiếng",
    "Bến Cát",
    "Phú Giáo",
    "Tân Uyên",
    "Dĩ An",
    "Thuận An",
    "Bắc Tân Uyên",
];

#[tokio::test]
async fn dashboard_and_api_on_sqlite_and_postgres() {
    for url in common::urls().await {
        let app = app(&url).await;

        let (status, ct, body) = get(&app, "/").await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert!(ct.starts_with("text/html"));
        let html = String::from_utf8(body).unwrap();
        for d in DISTRICTS {
            assert!(
                html.contains(&format!(">{d}</text>")),
                "district label {d} in the HTML"
            );
        }
        let markers = html.matches("data-testid=\"ticket-marker\"").count();
        assert!(
            markers > 100 && markers <= 400,
            "markers in the server-rendered HTML: {markers}"
        );
        assert!(html.contains("dvhcvn"), "attribution");
        assert!(html.contains("data-testid=\"agency-row\""));
        assert!(html.len() < 300_000, "HTML stays small: {} bytes", html.len());
        assert!(
            !html.contains("09•") && !html.contains("reporter_phone"),
            "no personal data on the page"
        );

        let (status, _, body) = get(&app, "/?period=today").await;
        assert_eq!(status, StatusCode::OK);
        assert!(String::from_utf8(body).unwrap().contains("aria-current=\"page\""));

        let (status, ct, png) = get(&app, "/api/v1/heatmap.png?period=7d").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ct, "image/png");
        assert_eq!(&png[1..4], b"PNG");
        let (status, _, body) = get(&app, "/api/v1/heatmap.png?period=forever").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(String::from_utf8(body).unwrap().contains("period"));

        let (status, json) = post_form(&app, "/api/dashboard", "period=7d").await;
        assert_eq!(status, StatusCode::OK, "{json}");
        let d: app::types::Dashboard = serde_json::from_str(&json).unwrap();
        assert_eq!(d.period, app::types::Period::Days7);
        assert!(d.headline.in_period > 1000);
        assert_eq!(d.headline.by_group.iter().sum::<u64>(), d.headline.in_period);
        let total: u64 = d.agencies.iter().map(|a| a.tickets).sum();
        let located: u64 = d.districts.iter().map(|x| x.tickets).sum();
        assert!(total <= d.headline.in_period && located <= d.headline.in_period);

        let (status, body) = post_form(&app, "/api/dashboard", "period=1y").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "bad period: {body}");
        assert!(body.contains("arguments"), "{body}");

        let id = d.latest[0].id.0;
        let (status, json) = post_form(&app, "/api/ticket", &format!("id={id}")).await;
        assert_eq!(status, StatusCode::OK, "{json}");
        let t: app::types::TicketDetail = serde_json::from_str(&json).unwrap();
        assert_eq!(t.id.0, id);
        assert_eq!(t.history.last().unwrap().to, t.status);
        let (status, _) = post_form(&app, "/api/ticket", "id=987654321").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, _, _) = get(&app, "/no/such/page").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn bad_configuration_is_one_clear_line() {
    let e = server::store::SqlStore::connect("mysql://nope")
        .await
        .err()
        .unwrap();
    assert!(e.contains("DATABASE_URL"), "{e}");
    let e = server::store::SqlStore::connect("sqlite:///proc/no-such-dir/ioc.db")
        .await
        .err()
        .unwrap();
    assert!(e.contains("data directory"), "{e}");
    // A port already in use ends `ioc serve` with one line, before any slow work.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut cli = common::cli(&common::sqlite_url());
    cli.command = None;
    cli.serve.addr = addr.parse().unwrap();
    let e = server::run::run(cli).await.unwrap_err();
    assert!(
        e.starts_with(&format!("cannot listen on {addr}")) && !e.contains('\n'),
        "{e}"
    );
    let e = server::run::calendar(Some("2026-01-01,2026-13-01")).unwrap_err();
    assert!(e.contains("2026-13-01"), "{e}");
    let _ = local_to_utc(2026, 1, 1, 0, 0);
}
