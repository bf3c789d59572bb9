//! Zalo Official Account channel: `POST /zalo/webhook` and the outbox sender.
//!
//! - **Signature.** Zalo signs each event with the header `X-ZEvent-Signature: mac=<hex>`, the
//!   SHA-256 of `app_id + raw body + timestamp + OA secret key`, where `app_id` and `timestamp`
//!   (epoch ms, a string of digits) are the body's fields. The digest is compared in constant
//!   time. A bad or missing signature, an `app_id` other than `ZALO_APP_ID` (when set), and a
//!   timestamp older than 5 minutes or more than 1 minute ahead are refused with 401; a body
//!   that is not JSON with those fields is a 400; a body over 64 KiB is a 413 (from
//!   `Content-Length` before reading, or as soon as the limit is crossed); without
//!   `ZALO_OA_SECRET` the webhook answers 503 and reads nothing. Errors are JSON:
//!   `{"ok":false,"code":401,"error":"… · …"}` (plus `"field"` for a bad field).
//! - **Conversations.** `user_send_text`, `user_send_location` and `user_send_image` from one
//!   Zalo user (`sender.id`) build one ticket: locations and images sent first wait in
//!   `zalo_conversations`; the text files the ticket (`AppState::create_ticket`,
//!   `Channel::Zalo`) with the pending location and image captions, and the images become
//!   notes. For 30 minutes after the conversation's last message, while the ticket is open, a
//!   location moves the ticket there (district and commune re-resolved), an image or another
//!   text becomes an internal note; after that, the next text opens a new ticket. The category
//!   comes from the keywords in [`KEYWORDS`], else `information`.
//! - **Retries.** A `message.msg_id` handled before is answered 200 and changes nothing; the
//!   ticket a text files is idempotent on its message id too, so a retry after a crash between
//!   filing and recording still yields one ticket. Other events (follow, stickers, …) are
//!   acknowledged with 200 and ignored.
//! - **Replies.** Filing queues "đã tiếp nhận" with the ticket code; every later status change
//!   queues one reply in the same transaction (store/lifecycle.rs). A background task sends
//!   the outbox when `ZALO_SEND_ENABLED` is on, through a [`ReplySender`]; the one provided
//!   posts Zalo OA's message API shape to `ZALO_API_URL` over plain HTTP (a TLS egress relay is
//!   needed for `https://openapi.zalo.me`).

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use futures_util::StreamExt;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use app::domain::intake::{check_position, parse_coordinate};
use app::domain::text::fold;
use app::domain::time::{HOUR_MS, MINUTE_MS};
use app::error::AppError;
use app::ssr::state::{now_ms, AppState};
use app::types::{CategoryId, Channel, NewTicket, TicketId, TicketStatus};

use crate::store::zalo::{Content, Message, Outcome, Pending};
use crate::store::SqlStore;

/// Largest webhook body accepted (bytes).
pub const MAX_BODY: usize = 64 * 1024;
/// Oldest event timestamp accepted, behind the server's clock.
pub const MAX_AGE_MS: i64 = 5 * MINUTE_MS;
/// Furthest event timestamp accepted ahead of the server's clock.
pub const MAX_AHEAD_MS: i64 = MINUTE_MS;
/// Messages this close to the conversation's last one join its ticket.
pub const CONVERSATION_WINDOW_MS: i64 = 30 * MINUTE_MS;
/// The header carrying Zalo's signature.
pub const SIGNATURE_HEADER: &str = "x-zevent-signature";
/// Longest image URL accepted (characters).
const MAX_URL: usize = 2000;
/// Longest id (user or message) accepted (characters).
const MAX_ID: usize = 128;
/// Actor of history entries written for Zalo reports.
const ACTOR: &str = "Zalo OA";

// ---------------------------------------------------------------------------------------------
// Signature.

/// SHA-256 of `app_id + body + timestamp + secret`.
pub fn mac(app_id: &str, body: &[u8], timestamp: &str, secret: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(app_id.as_bytes());
    h.update(body);
    h.update(timestamp.as_bytes());
    h.update(secret.as_bytes());
    h.finalize().into()
}

/// The `X-ZEvent-Signature` value Zalo sends for a body: `mac=` and the lowercase hex digest.
pub fn signature_header(app_id: &str, body: &[u8], timestamp: &str, secret: &str) -> String {
    let digest = mac(app_id, body, timestamp, secret);
    let mut s = String::with_capacity(68);
    s.push_str("mac=");
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Decodes `mac=<64 hex digits>` (hex in either case).
fn parse_signature(value: &str) -> Option<[u8; 32]> {
    let v = value.trim();
    let hex = v
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("mac="))
        .map(|_| &v[4..])?;
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

/// Equality that takes the same time wherever the first difference is.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------------------------------------
// Errors and answers.

struct HookError {
    status: StatusCode,
    field: Option<String>,
    message: String,
}

impl HookError {
    fn new(status: StatusCode, vi: &str, en: &str) -> Self {
        Self {
            status,
            field: None,
            message: format!("{vi} · {en}"),
        }
    }

    fn field(field: &str, vi: &str, en: &str) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(StatusCode::BAD_REQUEST, vi, en)
        }
    }

    fn unauthorized(vi: &str, en: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, vi, en)
    }

    fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("Nội dung quá lớn (tối đa {} KiB)", MAX_BODY / 1024),
            &format!("body larger than {} KiB", MAX_BODY / 1024),
        )
    }

    /// An error from filing the ticket, with the event's field names.
    fn from_app(e: AppError) -> Self {
        match e {
            AppError::Validation(errs) => {
                let field = errs.first().map(|e| match e.field.as_str() {
                    "description" => "message.text".to_string(),
                    "lat" | "lon" => "message.attachments[0].payload.coordinates".to_string(),
                    other => other.to_string(),
                });
                Self {
                    status: StatusCode::BAD_REQUEST,
                    field,
                    message: errs
                        .iter()
                        .map(|e| format!("{} · {}", e.message_vi, e.message_en))
                        .collect::<Vec<_>>()
                        .join("; "),
                }
            }
            other => Self {
                status: StatusCode::from_u16(other.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                field: None,
                message: other.user_message(),
            },
        }
    }

    fn into_response(self) -> Response {
        let mut body = json!({
            "ok": false,
            "code": self.status.as_u16(),
            "error": self.message,
        });
        if let Some(f) = self.field {
            body["field"] = Value::String(f);
        }
        (self.status, axum::Json(body)).into_response()
    }
}

fn ok(action: &str, ticket: Option<&str>) -> Response {
    let mut body = json!({ "ok": true, "action": action });
    if let Some(code) = ticket {
        body["ticket"] = Value::String(code.into());
    }
    (StatusCode::OK, axum::Json(body)).into_response()
}

// ---------------------------------------------------------------------------------------------
// Events.

/// A verified event: a message to handle, or something to acknowledge and ignore.
enum Event {
    Message(Message),
    Ignored,
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// An id: present, 1–128 printable characters.
fn id_at(v: &Value, pointer: &str, field: &str) -> Result<String, HookError> {
    match v.pointer(pointer) {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            let s = s.trim();
            if s.chars().count() > MAX_ID || s.chars().any(char::is_control) {
                return Err(HookError::field(field, "Mã không hợp lệ", "invalid id"));
            }
            Ok(s.to_string())
        }
        Some(Value::Number(n)) => Ok(n.to_string()),
        _ => Err(HookError::field(
            field,
            "Thiếu trường bắt buộc",
            "required field missing",
        )),
    }
}

/// A coordinate sent as a number or as a string.
fn coordinate_at(v: &Value, pointer: &str, field: &str) -> Result<f64, HookError> {
    let parsed = match v.pointer(pointer) {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => parse_coordinate(s),
        None | Some(Value::Null) => {
            return Err(HookError::field(field, "Thiếu tọa độ", "coordinate missing"));
        }
        Some(_) => None,
    };
    parsed.ok_or_else(|| HookError::field(field, "Tọa độ phải là số", "a coordinate is a number"))
}

/// Reads the message of a verified event.
fn parse_event(v: &Value, sent_at: i64, state: &AppState) -> Result<Event, HookError> {
    let Some(name) = str_at(v, "/event_name") else {
        return Err(HookError::field(
            "event_name",
            "Thiếu event_name",
            "event_name is required",
        ));
    };
    if !matches!(name, "user_send_text" | "user_send_location" | "user_send_image") {
        return Ok(Event::Ignored);
    }
    let user = id_at(v, "/sender/id", "sender.id")?;
    let msg_id = id_at(v, "/message/msg_id", "message.msg_id")?;
    let caption = str_at(v, "/message/text")
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let content = match name {
        "user_send_text" => {
            let text = caption.ok_or_else(|| {
                HookError::field(
                    "message.text",
                    "Tin nhắn không có nội dung",
                    "the message has no text",
                )
            })?;
            Content::Text(text.to_string())
        }
        "user_send_location" => {
            let base = "/message/attachments/0/payload/coordinates";
            let field = "message.attachments[0].payload.coordinates";
            let lat = coordinate_at(v, &format!("{base}/latitude"), &format!("{field}.latitude"))?;
            let lon = coordinate_at(v, &format!("{base}/longitude"), &format!("{field}.longitude"))?;
            let (lat, lon) = check_position(Some(lat), Some(lon))
                .map_err(|e| {
                    let which = if e.field == "lon" { "longitude" } else { "latitude" };
                    HookError::field(&format!("{field}.{which}"), &e.message_vi, &e.message_en)
                })?
                .expect("both halves given");
            let located = state.geo.locate(lon, lat);
            Content::Location {
                lat,
                lon,
                district: located.map(|l| l.district),
                commune: located.and_then(|l| l.commune),
            }
        }
        _ => {
            let field = "message.attachments[0].payload.url";
            let url = str_at(v, "/message/attachments/0/payload/url")
                .map(str::trim)
                .ok_or_else(|| HookError::field(field, "Thiếu địa chỉ ảnh", "image url missing"))?;
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://"))
                || url.chars().count() > MAX_URL
                || url.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(HookError::field(
                    field,
                    "Địa chỉ ảnh không hợp lệ",
                    "not an http(s) URL",
                ));
            }
            Content::Image {
                url: url.to_string(),
                caption: caption.map(|c| c.chars().take(1000).collect()),
            }
        }
    };
    Ok(Event::Message(Message {
        msg_id,
        user,
        event_name: name.to_string(),
        sent_at,
        content,
    }))
}

// ---------------------------------------------------------------------------------------------
// Categories from keywords.

/// Category codes and the words that pick them, tried in this order; anything else is
/// `information`. Words with Vietnamese diacritics match the text as typed (so "cháy", fire,
/// is not confused with "chạy", to run); words without match the text with its diacritics
/// removed, for citizens who type without them, and are chosen not to be ambiguous.
pub const KEYWORDS: &[(&str, &[&str])] = &[
    (
        "fire",
        &[
            "cháy",
            "hỏa hoạn",
            "hoả hoạn",
            "vụ nổ",
            "phát nổ",
            "nổ lớn",
            "nổ bình gas",
            "114",
            "hoa hoan",
            "chay nha",
            "boc chay",
            "dam chay",
            "vu chay",
            "chay lon",
            "chay rung",
        ],
    ),
    (
        "medical",
        &[
            "cấp cứu",
            "bất tỉnh",
            "ngất",
            "đột quỵ",
            "khó thở",
            "co giật",
            "ngộ độc",
            "chảy máu",
            "đau tim",
            "điện giật",
            "115",
            "cap cuu",
            "bat tinh",
            "dot quy",
            "kho tho",
            "co giat",
            "ngo doc",
            "dau tim",
        ],
    ),
    (
        "rescue",
        &[
            "đuối nước",
            "chết đuối",
            "mắc kẹt",
            "cứu hộ",
            "cứu nạn",
            "sập nhà",
            "sạt lở",
            "duoi nuoc",
            "chet duoi",
            "mac ket",
            "cuu ho",
            "cuu nan",
            "sap nha",
            "sat lo",
        ],
    ),
    (
        "traffic_accident",
        &[
            "tai nạn",
            "đâm xe",
            "tông xe",
            "va chạm",
            "lật xe",
            "tai nan",
            "dam xe",
            "tong xe",
            "va cham",
            "lat xe",
        ],
    ),
    (
        "security",
        &[
            "cướp",
            "trộm",
            "đánh nhau",
            "ẩu đả",
            "đâm chém",
            "gây rối",
            "113",
            "an cuop",
            "danh nhau",
            "au da",
            "dam chem",
            "trom cap",
            "gay roi",
        ],
    ),
    (
        "water",
        &[
            "ngập",
            "lụt",
            "vỡ ống nước",
            "mất nước",
            "triều cường",
            "ngap",
            "ngap nuoc",
            "ngap lut",
            "mat nuoc",
            "vo ong nuoc",
            "trieu cuong",
        ],
    ),
    (
        "power",
        &[
            "mất điện",
            "cúp điện",
            "chập điện",
            "dây điện",
            "mat dien",
            "cup dien",
            "chap dien",
            "day dien",
        ],
    ),
    (
        "environment",
        &[
            "ô nhiễm",
            "xả thải",
            "mùi hôi",
            "nước thải",
            "khói bụi",
            "o nhiem",
            "xa thai",
            "mui hoi",
            "nuoc thai",
        ],
    ),
    (
        "infrastructure",
        &[
            "ổ gà",
            "ổ voi",
            "sụt lún",
            "đèn đường",
            "hư đường",
            "o ga",
            "o voi",
            "sut lun",
            "den duong",
        ],
    ),
];

/// The category code for a report's text: the first of [`KEYWORDS`] it mentions, else `information`.
pub fn category_for(text: &str) -> &'static str {
    let lower = text.to_lowercase();
    let typed: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let folded_text = fold(text);
    let folded: Vec<&str> = folded_text.split(' ').filter(|w| !w.is_empty()).collect();
    let has = |words: &[&str], phrase: &str| {
        let p: Vec<&str> = phrase.split(' ').collect();
        words.windows(p.len()).any(|w| w == p.as_slice())
    };
    KEYWORDS
        .iter()
        .find(|(_, words)| {
            words.iter().any(|k| {
                if k.is_ascii() {
                    has(&folded, k)
                } else {
                    has(&typed, k)
                }
            })
        })
        .map_or("information", |(code, _)| code)
}

fn category_id(state: &AppState, code: &str) -> Option<CategoryId> {
    let cats = &state.reference.categories;
    cats.iter()
        .find(|c| c.code == code)
        .or_else(|| cats.iter().find(|c| c.code == "information"))
        .map(|c| c.id)
}

// ---------------------------------------------------------------------------------------------
// Replies.

/// The reply queued when a report becomes a ticket.
pub fn received_reply(code: &str) -> String {
    format!(
        "Tổng đài 1022 Bình Dương đã tiếp nhận phản ánh của bạn. Mã phiếu: {code}. \
         Bạn sẽ nhận tin nhắn khi phiếu được cập nhật."
    )
}

/// The reply queued when a ticket from Zalo changes status.
pub fn status_reply(code: &str, to: TicketStatus) -> String {
    let what = match to {
        TicketStatus::New => "Mới tiếp nhận",
        TicketStatus::Assigned => "Đã chuyển đến cơ quan xử lý",
        TicketStatus::Acknowledged => "Cơ quan chức năng đã tiếp nhận",
        TicketStatus::InProgress => "Đang xử lý",
        TicketStatus::Resolved => "Đã xử lý xong",
        TicketStatus::Closed => "Đã đóng phiếu",
        TicketStatus::Rejected => "Không được tiếp nhận (phản ánh không hợp lệ)",
        TicketStatus::Duplicate => "Trùng với một phiếu đã có, được xử lý cùng phiếu đó",
        TicketStatus::Reopened => "Được mở lại để xử lý tiếp",
    };
    format!("Phiếu {code} của bạn: {what}.")
}

// ---------------------------------------------------------------------------------------------
// The webhook.

/// A configured webhook: the OA's secret, its app id, and the store for conversations.
pub struct Webhook {
    app_id: Option<String>,
    secret: String,
    store: SqlStore,
    /// One user's events are handled one at a time (striped by user id, bounded memory).
    locks: Vec<tokio::sync::Mutex<()>>,
}

impl Webhook {
    /// `secret` is `ZALO_OA_SECRET`; `app_id`, when set, is the only app accepted.
    pub fn new(store: SqlStore, app_id: Option<String>, secret: String) -> Self {
        Self {
            app_id: app_id.filter(|a| !a.trim().is_empty()),
            secret,
            store,
            locks: (0..64).map(|_| tokio::sync::Mutex::new(())).collect(),
        }
    }

    fn lock_for(&self, user: &str) -> &tokio::sync::Mutex<()> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        user.hash(&mut h);
        &self.locks[(h.finish() % self.locks.len() as u64) as usize]
    }
}

#[derive(Clone)]
struct HookState {
    app: AppState,
    hook: Option<Arc<Webhook>>,
}

/// The webhook route, to nest under `/zalo`. Without a `Webhook` (no secret) it answers 503.
pub fn router(app: AppState, hook: Option<Arc<Webhook>>) -> Router<AppState> {
    Router::new()
        .route("/webhook", post(webhook))
        .with_state(HookState { app, hook })
}

/// Reads a body, refusing it as soon as it passes `limit` bytes.
async fn read_limited(body: Body, limit: usize) -> Result<Vec<u8>, HookError> {
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| {
            HookError::new(
                StatusCode::BAD_REQUEST,
                "Không đọc được nội dung",
                "the body could not be read",
            )
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(HookError::too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

async fn webhook(State(s): State<HookState>, headers: HeaderMap, body: Body) -> Response {
    let Some(hook) = s.hook.clone() else {
        return HookError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Kênh Zalo chưa được cấu hình",
            "the Zalo webhook is not configured (ZALO_OA_SECRET)",
        )
        .into_response();
    };
    handle(&s.app, &hook, &headers, body)
        .await
        .unwrap_or_else(HookError::into_response)
}

async fn handle(
    state: &AppState,
    hook: &Webhook,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, HookError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(HookError::too_large());
    }
    let raw = read_limited(body, MAX_BODY).await?;
    let v: Value = serde_json::from_slice(&raw).map_err(|e| {
        HookError::new(
            StatusCode::BAD_REQUEST,
            "Nội dung không phải JSON hợp lệ",
            &format!("the body is not valid JSON: {e}"),
        )
    })?;
    if !v.is_object() {
        return Err(HookError::new(
            StatusCode::BAD_REQUEST,
            "Nội dung phải là một đối tượng JSON",
            "the body must be a JSON object",
        ));
    }
    let app_id = id_at(&v, "/app_id", "app_id")?;
    let timestamp = match v.get("timestamp") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let sent_at =
        (!timestamp.is_empty() && timestamp.len() <= 16 && timestamp.bytes().all(|b| b.is_ascii_digit()))
            .then(|| timestamp.parse::<i64>().ok())
            .flatten()
            .ok_or_else(|| {
                HookError::field(
                    "timestamp",
                    "timestamp phải là số mili giây",
                    "timestamp must be epoch milliseconds (digits)",
                )
            })?;
    if hook.app_id.as_deref().is_some_and(|a| a != app_id) {
        return Err(HookError::unauthorized(
            "app_id không đúng",
            "app_id does not match ZALO_APP_ID",
        ));
    }
    let presented = headers
        .get(SIGNATURE_HEADER)
        .and_then(|h| h.to_str().ok())
        .and_then(parse_signature);
    let expected = mac(&app_id, &raw, &timestamp, &hook.secret);
    if !presented.is_some_and(|p| constant_time_eq(&p, &expected)) {
        return Err(HookError::unauthorized(
            "Chữ ký X-ZEvent-Signature không hợp lệ",
            "missing or invalid X-ZEvent-Signature",
        ));
    }
    let now = now_ms();
    if sent_at < now - MAX_AGE_MS {
        return Err(HookError::unauthorized(
            "Sự kiện quá cũ (quá 5 phút)",
            "stale event: timestamp more than 5 minutes old",
        ));
    }
    if sent_at > now + MAX_AHEAD_MS {
        return Err(HookError::unauthorized(
            "Thời điểm sự kiện ở tương lai",
            "timestamp more than 1 minute in the future",
        ));
    }
    let m = match parse_event(&v, sent_at, state)? {
        Event::Ignored => return Ok(ok("ignored", None)),
        Event::Message(m) => m,
    };
    let _turn = hook.lock_for(&m.user).lock().await;
    let store = &hook.store;
    let outcome = store
        .zalo_event(&m, now, CONVERSATION_WINDOW_MS)
        .await
        .map_err(|e| HookError::from_app(e.into()))?;
    let (action, ticket) = match outcome {
        Outcome::Duplicate => ("duplicate", None),
        Outcome::Pending => ("pending", None),
        Outcome::Attached(t) => ("attached", Some(t)),
        Outcome::Filed(t) => ("created", Some(t)),
        Outcome::File(pending) => file(state, store, &m, pending, now).await?,
    };
    let code = match ticket {
        Some(t) => {
            // The ticket's location or notes changed: keep the in-memory index in step.
            let fact = state
                .store
                .ticket_fact(t)
                .await
                .map_err(|e| HookError::from_app(e.into()))?;
            state.index_written(&[fact]);
            Some(state.ticket(t).await.map_err(HookError::from_app)?.code)
        }
        None => None,
    };
    tracing::info!(event = %m.event_name, action, "zalo event");
    Ok(ok(action, code.as_deref()))
}

/// Files the ticket for a text with what the conversation had pending, then records it.
async fn file(
    state: &AppState,
    store: &SqlStore,
    m: &Message,
    pending: Pending,
    now: i64,
) -> Result<(&'static str, Option<TicketId>), HookError> {
    let Content::Text(text) = &m.content else {
        unreachable!("only a text files a ticket")
    };
    let description = match &pending.text {
        Some(captions) => format!("{text}\n\nChú thích ảnh · image captions: {captions}"),
        None => text.clone(),
    };
    let category = category_id(state, category_for(&description)).ok_or_else(|| {
        HookError::from_app(AppError::internal("no categories loaded (information missing)"))
    })?;
    let new = NewTicket {
        channel: Channel::Zalo,
        category,
        description,
        reporter_name: None,
        reporter_phone: None,
        lat: pending.position.map(|p| p.0),
        lon: pending.position.map(|p| p.1),
        address: None,
        agency_override: None,
        duplicate_of: None,
        idempotency_key: Some(format!("zalo:{}", m.msg_id)),
    };
    let t = state
        .create_ticket(new, ACTOR, now)
        .await
        .map_err(HookError::from_app)?;
    let geo = state.geo.clone();
    let outcome = store
        .zalo_filed(
            m,
            t.id,
            &pending,
            &received_reply(&t.code),
            now,
            CONVERSATION_WINDOW_MS,
            move |lat, lon| {
                let l = geo.locate(lon, lat);
                (l.map(|l| l.district), l.and_then(|l| l.commune))
            },
        )
        .await
        .map_err(|e| HookError::from_app(e.into()))?;
    Ok(match outcome {
        Outcome::Duplicate => ("duplicate", None),
        _ => ("created", Some(t.id)),
    })
}

// ---------------------------------------------------------------------------------------------
// Sending the outbox.

/// Delivers one reply to a Zalo user.
#[async_trait]
pub trait ReplySender: Send + Sync {
    /// # Errors
    /// Why the reply was not delivered (it is tried again later).
    async fn send(&self, zalo_user_id: &str, text: &str) -> Result<(), String>;
}

/// Posts Zalo OA's customer-service message shape
/// (`{"recipient":{"user_id":…},"message":{"text":…}}`, header `access_token`) to a URL,
/// over plain HTTP/1.0; Zalo answers `{"error":0,…}` on success.
pub struct HttpSender {
    host: String,
    port: u16,
    path: String,
    access_token: Option<String>,
}

impl HttpSender {
    /// # Errors
    /// A URL that is not `http://host[:port][/path]` (HTTPS needs a TLS egress relay).
    pub fn new(url: &str, access_token: Option<String>) -> Result<Self, String> {
        let bad = || {
            format!("ZALO_API_URL must be http://host[:port]/path (got {url:?}); for https://openapi.zalo.me put a TLS egress relay in front")
        };
        let rest = url.strip_prefix("http://").ok_or_else(bad)?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
            None => (authority, 80),
        };
        // A host name or an IPv4 address; no user info, no IPv6 literal.
        if host.is_empty()
            || host.contains(['@', '[', ']', ':'])
            || path.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad());
        }
        Ok(Self {
            host: host.to_string(),
            port,
            path: path.to_string(),
            access_token: access_token.filter(|t| !t.trim().is_empty()),
        })
    }

    async fn post(&self, body: &[u8]) -> Result<(u16, Vec<u8>), String> {
        let addr = format!("{}:{}", self.host, self.port);
        let mut stream = tokio::net::TcpStream::connect(&addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let mut req = format!(
            "POST {} HTTP/1.0\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.path,
            self.host,
            body.len()
        );
        if let Some(t) = &self.access_token {
            req.push_str(&format!("access_token: {t}\r\n"));
        }
        req.push_str("\r\n");
        stream
            .write_all(req.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        stream.write_all(body).await.map_err(|e| e.to_string())?;
        let mut res = Vec::new();
        // HTTP/1.0: the server closes the connection after the (unchunked) body.
        stream
            .take(MAX_BODY as u64)
            .read_to_end(&mut res)
            .await
            .map_err(|e| e.to_string())?;
        let status = std::str::from_utf8(res.get(..12).unwrap_or_default())
            .ok()
            .and_then(|l| l.strip_prefix("HTTP/1."))
            .and_then(|l| l.get(2..5))
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or("not an HTTP response")?;
        let body_at = res
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(res.len(), |i| i + 4);
        Ok((status, res[body_at..].to_vec()))
    }
}

#[async_trait]
impl ReplySender for HttpSender {
    async fn send(&self, zalo_user_id: &str, text: &str) -> Result<(), String> {
        let body = json!({ "recipient": { "user_id": zalo_user_id }, "message": { "text": text } });
        let (status, res) =
            tokio::time::timeout(Duration::from_secs(10), self.post(body.to_string().as_bytes()))
                .await
                .map_err(|_| "timed out after 10 s".to_string())??;
        if !(200..300).contains(&status) {
            return Err(format!("HTTP {status}"));
        }
        match serde_json::from_slice::<Value>(&res)
            .ok()
            .and_then(|v| v.get("error").cloned())
        {
            Some(Value::Number(n)) if n.as_i64() != Some(0) => Err(format!(
                "Zalo error {n}: {}",
                String::from_utf8_lossy(&res)
                    .chars()
                    .take(200)
                    .collect::<String>()
            )),
            _ => Ok(()),
        }
    }
}

/// What one pass over the outbox did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: u32,
    pub failed: u32,
}

/// Delay before the next attempt after `attempts` failed ones: 30 s doubling, at most an hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    (30_000i64 << attempts.clamp(0, 7)).min(HOUR_MS)
}

/// Sends up to `limit` due replies once; each attempt is claimed first, so two instances never
/// send the same attempt.
///
/// # Errors
/// When the database fails (a failed delivery is recorded on its row, not an error).
pub async fn send_due(
    store: &SqlStore,
    sender: &dyn ReplySender,
    now: i64,
    limit: i64,
) -> Result<SendReport, app::ssr::store::StoreError> {
    let mut report = SendReport::default();
    for row in store.zalo_due(now, limit).await? {
        if !store.zalo_claim(&row, now + backoff_ms(row.attempts)).await? {
            continue;
        }
        match sender.send(&row.zalo_user_id, &row.body).await {
            Ok(()) => {
                store.zalo_attempted(row.id, Ok(now_ms())).await?;
                report.sent += 1;
            }
            Err(e) => {
                tracing::warn!(outbox = row.id, attempt = row.attempts + 1, error = %e, "zalo reply not sent");
                store.zalo_attempted(row.id, Err(&e)).await?;
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

/// Runs [`send_due`] every `every` until the runtime stops.
pub fn spawn_sender(
    store: SqlStore,
    sender: Arc<dyn ReplySender>,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match send_due(&store, sender.as_ref(), now_ms(), 100).await {
                Ok(r) if r.sent + r.failed > 0 => {
                    tracing::info!(sent = r.sent, failed = r.failed, "zalo outbox")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "zalo outbox: database error"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        let h = signature_header("app", b"{}", "1700000000000", "secret");
        assert!(h.starts_with("mac="));
        assert_eq!(h.len(), 68);
        let d = parse_signature(&h).unwrap();
        assert!(constant_time_eq(
            &d,
            &mac("app", b"{}", "1700000000000", "secret")
        ));
        assert_eq!(
            parse_signature(&h.to_uppercase().replacen("MAC=", "mac=", 1)),
            Some(d)
        );
        assert!(!constant_time_eq(
            &d,
            &mac("app", b"{} ", "1700000000000", "secret")
        ));
        for bad in ["", "mac=", "mac=zz", &h[4..], &h[..66], &format!("{h}00")] {
            assert_eq!(parse_signature(bad), None, "{bad:?}");
        }
        // A known vector: sha256("a" + "b" + "1" + "s") = sha256("ab1s").
        let mut expect = Sha256::new();
        expect.update(b"ab1s");
        assert_eq!(mac("a", b"b", "1", "s"), <[u8; 32]>::from(expect.finalize()));
    }

    #[test]
    fn keywords() {
        assert_eq!(category_for("Cháy nhà ở hẻm 12"), "fire");
        assert_eq!(category_for("co chay nha o hem 12"), "fire");
        assert_eq!(
            category_for("Xe chạy quá tốc độ"),
            "information",
            "chạy is not cháy"
        );
        assert_eq!(category_for("Người già bất tỉnh cần cấp cứu"), "medical");
        assert_eq!(category_for("nguoi gia bat tinh"), "medical");
        assert_eq!(category_for("Đường ngập sâu sau mưa"), "water");
        assert_eq!(category_for("duong ngap nuoc"), "water");
        assert_eq!(category_for("Tai nạn xe máy ở ngã tư"), "traffic_accident");
        assert_eq!(category_for("Mất điện cả khu phố"), "power");
        assert_eq!(category_for("Khói bụi từ nhà máy, ô nhiễm"), "environment");
        assert_eq!(category_for("Ổ gà lớn trước số 12"), "infrastructure");
        assert_eq!(category_for("Cho hỏi giờ làm việc của phường"), "information");
        assert_eq!(category_for("gọi 114 giúp"), "fire");
    }

    #[test]
    fn replies_and_backoff() {
        assert_eq!(
            status_reply("BD-12345-ABCDE", TicketStatus::InProgress),
            "Phiếu BD-12345-ABCDE của bạn: Đang xử lý."
        );
        assert!(received_reply("BD-1").contains("BD-1"));
        assert_eq!(backoff_ms(0), 30_000);
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(20), HOUR_MS);
    }

    #[test]
    fn sender_urls() {
        let s = HttpSender::new("http://relay.local:8080/v3.0/oa/message/cs", None).unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.path.as_str()),
            ("relay.local", 8080, "/v3.0/oa/message/cs")
        );
        let s = HttpSender::new("http://relay", Some("t".into())).unwrap();
        assert_eq!((s.port, s.path.as_str()), (80, "/"));
        assert!(HttpSender::new("https://openapi.zalo.me/v3.0/oa/message/cs", None).is_err());
        assert!(HttpSender::new("http://:80/x", None).is_err());
        assert!(HttpSender::new("http://h:notaport/x", None).is_err());
    }
}
