//! The HTTP surface: Leptos pages and server functions, the heat-map image, static assets.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use serde::Deserialize;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use app::app::{shell, App};
use app::ssr::state::{now_ms, AppState};
use app::types::Period;

#[derive(Deserialize)]
struct HeatQuery {
    period: Option<String>,
}

async fn heatmap(State(state): State<AppState>, Query(q): Query<HeatQuery>) -> Response {
    let period = match q.period.as_deref() {
        None | Some("") => Period::default(),
        Some(p) => match Period::parse(p) {
            Some(p) => p,
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    "period must be one of today, 7d, 30d · kỳ phải là today, 7d hoặc 30d",
                )
                    .into_response()
            }
        },
    };
    if let Err(e) = state.refresh().await {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.user_message()).into_response();
    }
    let (png, _, _) = state.heat(period, now_ms());
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        png.as_ref().clone(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct TrackQuery {
    code: Option<String>,
}

/// The status-page form works without JavaScript: `/track/go?code=X` redirects to `/track/X`.
async fn track_go(Query(q): Query<TrackQuery>) -> Response {
    let code: String = q
        .code
        .unwrap_or_default()
        .trim()
        .to_uppercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(20)
        .collect();
    let to = if code.is_empty() {
        "/track".to_string()
    } else {
        format!("/track/{code}")
    };
    axum::response::Redirect::to(&to).into_response()
}

/// Gives server-function errors the HTTP status of their `AppError` (server_fn answers 500 for all).
async fn server_fn_status(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR || !res.headers().contains_key("serverfnerror") {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    if let Ok(e) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        parts.status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// What the router adds around the application, configured at start.
#[derive(Default)]
pub struct RouterOptions {
    /// Limits on the public endpoints; `None`: no limits.
    pub rate_limit: Option<crate::ratelimit::RateLimitConfig>,
    /// The Zalo webhook; `None`: `/zalo/webhook` answers 503 (not configured).
    pub zalo: Option<std::sync::Arc<crate::zalo::Webhook>>,
}

/// The application router without rate limits or Zalo (what tests of other features use).
pub fn router(state: AppState) -> Router {
    router_with(state, RouterOptions::default())
}

/// The whole application router.
pub fn router_with(state: AppState, options: RouterOptions) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let mut app = Router::new()
        .route("/api/v1/heatmap.png", get(heatmap))
        .route("/track/go", get(track_go))
        .nest("/open311/v2", crate::open311::router())
        .nest("/zalo", crate::zalo::router(state.clone(), options.zalo))
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(server_fn_status));
    if let Some(config) = options.rate_limit {
        let limiter = std::sync::Arc::new(crate::ratelimit::RateLimiter::new(config));
        app = app.layer(axum::middleware::from_fn_with_state(
            limiter,
            crate::ratelimit::limit,
        ));
    }
    app.layer(axum::middleware::from_fn(body_limit))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Largest request body accepted by pages and server functions (Open311 and Zalo have their
/// own 64 KiB limit and error formats).
pub const MAX_BODY: usize = 256 * 1024;

/// No request body the app accepts comes near [`MAX_BODY`] (a report is at most 4,000
/// characters): a larger Content-Length gets 413 before anything is read, and a body without
/// one is cut off at the limit.
async fn body_limit(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/open311/") || path.starts_with("/zalo/") {
        return next.run(req).await;
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        let e = app::error::AppError::field(
            "body",
            "Nội dung gửi quá lớn (tối đa 256 KiB)",
            "the request body is larger than 256 KiB",
        );
        let body = serde_json::to_string(&e).unwrap_or_default();
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    let (parts, body) = req.into_parts();
    let limited = axum::body::Body::new(http_body_util::Limited::new(body, MAX_BODY));
    next.run(axum::extract::Request::from_parts(parts, limited)).await
}
