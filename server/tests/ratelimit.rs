//! Abuse limits on the public endpoints, through the real router (SQLite; the limiter keeps no
//! state in the database).

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use app::ssr::state::now_ms;
use server::ratelimit::RateLimitConfig;
use server::router::RouterOptions;

/// A router over a fresh SQLite database with these limits.
async fn harness(config: RateLimitConfig) -> (axum::Router, String) {
    let store = common::store(&common::sqlite_url()).await;
    let (_, key) = server::open311::issue_api_key(&store, "test", now_ms())
        .await
        .unwrap();
    let state = common::state(&store).await;
    let app = server::router::router_with(
        state,
        RouterOptions {
            rate_limit: Some(config),
            ..RouterOptions::default()
        },
    );
    (app, key)
}

struct Res {
    status: StatusCode,
    retry_after: Option<String>,
    ct: String,
    body: String,
}

/// Sends a request from `client` (`None`: no connection info, as in a plain `oneshot`).
async fn send(
    app: &axum::Router,
    method: &str,
    uri: &str,
    form: &str,
    client: Option<&str>,
    headers: &[(&str, &str)],
) -> Res {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::from(form.to_string())).unwrap();
    if let Some(ip) = client {
        let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_string());
    let retry_after = header("retry-after");
    let ct = header("content-type").unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Res {
        status,
        retry_after,
        ct,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn report(i: usize) -> String {
    format!("category=6&description=C%C3%A2u+h%E1%BB%8Fi+s%E1%BB%91+{i}&address=Th%E1%BB%A7+D%E1%BA%A7u+M%E1%BB%99t")
}

fn limits(writes: u32, reads: u32) -> RateLimitConfig {
    RateLimitConfig {
        writes_per_min: writes,
        reads_per_min: reads,
        ..RateLimitConfig::default()
    }
}

#[tokio::test]
async fn posts_beyond_the_burst_get_429_with_retry_after() {
    // 30 writes a minute: a burst of 10, then one every 2 seconds.
    let (app, _) = harness(limits(30, 300)).await;
    for i in 0..10 {
        let r = send(&app, "POST", "/api/public/report", &report(i), None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "report {i}: {}", r.body);
    }
    let r = send(&app, "POST", "/api/public/report", &report(10), None, &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert_eq!(r.retry_after.as_deref(), Some("2"));
    // The page's server-function client reads the error as an AppError.
    let e: app::error::AppError = serde_json::from_str(&r.body).expect("an AppError body");
    let msg = e.user_message();
    assert!(
        msg.contains("Quá nhiều yêu cầu") && msg.contains("too many requests"),
        "{msg}"
    );
    // The status look-up is a write (a POST) from the same client, so it is refused too…
    let r = send(
        &app,
        "POST",
        "/api/public/track",
        "code=BD-00000-00000",
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // …while reads have their own bucket: the status page still answers.
    let r = send(&app, "GET", "/track/BD-00000-00000", "", None, &[]).await;
    assert_ne!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // Reads are limited the same way, with a plain-text message on pages.
    let (app, _) = harness(limits(30, 3)).await;
    assert_ne!(
        send(&app, "GET", "/track", "", None, &[]).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let r = send(&app, "GET", "/track/BD-00000-00000", "", None, &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.retry_after.as_deref(), Some("20"));
    assert!(r.ct.starts_with("text/plain"), "{}", r.ct);
    assert!(
        r.body.contains("Quá nhiều yêu cầu") && r.body.contains("retry in 20 s"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn operator_and_liaison_traffic_is_never_limited() {
    let (app, _) = harness(limits(3, 3)).await;
    // Use up the public buckets of this (unknown) client first.
    send(&app, "POST", "/api/public/report", &report(0), None, &[]).await;
    send(&app, "GET", "/track", "", None, &[]).await;
    assert_eq!(
        send(&app, "POST", "/api/public/report", &report(1), None, &[])
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    for i in 0..20 {
        for (method, uri, form) in [
            ("POST", "/api/dashboard", "period=today"),
            ("POST", "/api/intake/lists", ""),
            ("POST", "/api/intake/caller", "phone=0912345678"),
            (
                "POST",
                "/api/tickets/status",
                "id=999999&version=1&to=acknowledged",
            ),
            ("POST", "/api/ticket", "id=1"),
            ("GET", "/api/v1/heatmap.png?period=today", ""),
            // Signed, so exempt (here unconfigured: 503, never 429).
            ("POST", "/zalo/webhook", "{}"),
        ] {
            let r = send(&app, method, uri, form, None, &[]).await;
            assert_ne!(r.status, StatusCode::TOO_MANY_REQUESTS, "{method} {uri} #{i}");
            assert!(r.retry_after.is_none());
        }
    }
    let r = send(&app, "GET", "/", "", None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "the dashboard page");
}

#[tokio::test]
async fn clients_are_independent() {
    let (app, _) = harness(limits(3, 300)).await;
    let a = Some("203.0.113.7");
    let b = Some("198.51.100.20");
    let post = |client, headers: &'static [(&'static str, &'static str)]| {
        let app = app.clone();
        async move {
            send(&app, "POST", "/api/public/report", &report(0), client, headers)
                .await
                .status
        }
    };
    assert_eq!(post(a, &[]).await, StatusCode::OK);
    assert_eq!(post(a, &[]).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        post(b, &[]).await,
        StatusCode::OK,
        "another address has its own bucket"
    );
    assert_eq!(post(b, &[]).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        post(None, &[]).await,
        StatusCode::OK,
        "no connection info: one client, unknown"
    );
    // Without IOC_TRUST_PROXY a forwarded address is not believed.
    let spoof: &'static [(&str, &str)] = &[("x-forwarded-for", "192.0.2.99")];
    assert_eq!(post(a, spoof).await, StatusCode::TOO_MANY_REQUESTS);

    // Behind a trusted proxy, the first X-Forwarded-For address is the client.
    let (app, _) = harness(RateLimitConfig {
        trust_proxy: true,
        ..limits(3, 300)
    })
    .await;
    let proxy = Some("10.0.0.1");
    let via = |first: &'static str| {
        let app = app.clone();
        async move {
            let xff = format!("{first}, 10.0.0.1");
            send(
                &app,
                "POST",
                "/api/public/report",
                &report(0),
                proxy,
                &[("x-forwarded-for", &xff)],
            )
            .await
            .status
        }
    };
    assert_eq!(via("192.0.2.1").await, StatusCode::OK);
    assert_eq!(via("192.0.2.1").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        via("192.0.2.2").await,
        StatusCode::OK,
        "another client behind the same proxy"
    );
}

#[tokio::test]
async fn open311_429_uses_the_standard_error_body() {
    let (app, key) = harness(limits(6, 3)).await;
    let form = format!("api_key={key}&service_code=information&address_string=Th%E1%BB%A7+D%E1%BA%A7u+M%E1%BB%99t&description=H%E1%BB%8Fi");
    // Burst of 2 writes (6 a minute): JSON then XML share the client's bucket.
    for _ in 0..2 {
        let r = send(&app, "POST", "/open311/v2/requests.json", &form, None, &[]).await;
        assert!(r.status.is_success(), "{} {}", r.status, r.body);
    }
    let r = send(&app, "POST", "/open311/v2/requests.json", &form, None, &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.retry_after.as_deref(), Some("10"));
    assert_eq!(r.ct, "application/json; charset=utf-8");
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v[0]["code"], 429, "{}", r.body);
    let d = v[0]["description"].as_str().unwrap();
    assert!(
        d.contains("Quá nhiều yêu cầu") && d.contains("too many requests"),
        "{d}"
    );

    let r = send(&app, "POST", "/open311/v2/requests.xml", &form, None, &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.ct, "text/xml; charset=utf-8");
    assert!(
        r.body.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<errors><error><code>429</code><description>"
        ),
        "{}",
        r.body
    );

    // GETs draw on the (here smaller) read bucket, with the same body.
    let r = send(&app, "GET", "/open311/v2/services.json", "", None, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(&app, "GET", "/open311/v2/services.xml", "", None, &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.retry_after.as_deref(), Some("20"));
    assert!(r.body.contains("<code>429</code>"), "{}", r.body);
}
