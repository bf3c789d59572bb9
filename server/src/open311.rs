//! Open311 GeoReport v2 under `/open311/v2/` (see ../shared/docs/open311.md).
//!
//! - Formats by path suffix: `.json` (`application/json; charset=utf-8`) and `.xml`
//!   (`text/xml; charset=utf-8`, with an XML declaration). Both are built from one value tree,
//!   so the JSON is the mechanical mapping of the XML the standard asks for (lists are arrays).
//! - Services are the categories: `service_code` is the category code.
//! - `POST requests` needs an API key (`ioc api-key add`); only the key's SHA-256 is stored.
//!   Tickets go through `AppState::create_ticket` with `Channel::Open311`.
//! - **Retries.** A client whose POST timed out may send it again and gets the same ticket:
//!   - with an explicit `idempotency_key` form field (or an `Idempotency-Key` /
//!     `X-Idempotency-Key` header), that key (scoped to the API key) always maps to the same ticket;
//!   - otherwise the key is a SHA-256 of (API key id, service_code, lat, long, description,
//!     phone, device_id) and the 24-hour period of the request: the same report from the same
//!     client is one ticket for at least 24 hours (the current and the previous period are
//!     checked), while an identical report days later is a new ticket, not lost in an old one.
//! - Errors use the standard's body (`[{"code":400,"description":"…"}]`): 403 for a missing,
//!   unknown or revoked API key, 404 for unknown resources, 413 for bodies over 64 KiB
//!   (refused from `Content-Length` before reading, or once the limit is crossed), 400 for
//!   any other bad input. An unknown `service_code` in a POST is a 404, as the standard's POST
//!   section says ("service_code … not found"). Never 500 for bad input.
//! - Emergency-rescue tickets (113 security, 114 fire and rescue, 115 medical) are never
//!   published through the public GET endpoints: their places and descriptions concern people in
//!   distress at home. They can still be filed through POST; GET by their id answers 404.
//! - `jurisdiction_id` is optional (single jurisdiction); when sent it must be
//!   `binhduong.gov.vn`, else 404.
//! - Published request fields never include the reporter's name or phone number.

use std::fmt::Write as _;

use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use sha2::{Digest, Sha256};

use app::domain::intake::{check_position, parse_coordinate};
use app::domain::time::{days_from_civil, format_iso_local, DAY_MS, HOUR_MS, MINUTE_MS};
use app::error::{AppError, FieldError};
use app::i18n::{group_en, group_vi, status_vi};
use app::ssr::state::{now_ms, AppState};
use app::ssr::store::{ServiceRequestQuery, ServiceRequestRow, StoreError};
use app::types::{Category, Channel, NewTicket, TicketStatus};

use crate::store::SqlStore;

/// Largest request body accepted (bytes).
pub const MAX_BODY: usize = 64 * 1024;
/// Most requests one `GET requests` returns.
pub const MAX_RESULTS: i64 = 1000;
/// Default and largest `start_date`…`end_date` span.
pub const WINDOW_MS: i64 = 90 * DAY_MS;
/// The jurisdiction this server serves.
pub const JURISDICTION: &str = "binhduong.gov.vn";
/// Marker of the last change to this API's description (discovery `changeset`).
pub const CHANGESET: &str = "2026-12-03T00:00:00+07:00";
/// Longest explicit idempotency key accepted (characters).
const MAX_IDEMPOTENCY_KEY: usize = 200;
/// Longest `description` published (the standard's limit, characters).
const MAX_DESCRIPTION: usize = 4000;

// ---------------------------------------------------------------------------------------------
// Formats and the value tree both formats are written from.

/// The response format, chosen by the path suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    fn ext(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Xml => "xml",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json; charset=utf-8",
            Self::Xml => "text/xml; charset=utf-8",
        }
    }

    /// Splits `name.json` / `name.xml` into the name and the format.
    fn split(file: &str) -> Option<(&str, Self)> {
        let (stem, ext) = file.rsplit_once('.')?;
        let fmt = match ext {
            "json" => Self::Json,
            "xml" => Self::Xml,
            _ => return None,
        };
        (!stem.is_empty()).then_some((stem, fmt))
    }

    /// The format a path asks for; XML (the standard's mandatory format) when it names none.
    fn of_path(path: &str) -> Self {
        if path.ends_with(".json") {
            Self::Json
        } else {
            Self::Xml
        }
    }
}

/// A value of a response. `List` carries the XML tag of its items.
#[derive(Clone, Debug, PartialEq)]
enum V {
    Null,
    Bool(bool),
    Int(i64),
    Num(f64),
    Str(String),
    Obj(Vec<(&'static str, V)>),
    List(&'static str, Vec<V>),
}

fn s(v: impl Into<String>) -> V {
    V::Str(v.into())
}

fn opt_s(v: Option<impl Into<String>>) -> V {
    v.map_or(V::Null, |x| V::Str(x.into()))
}

fn write_json(v: &V, out: &mut String) {
    match v {
        V::Null => out.push_str("null"),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Int(i) => {
            let _ = write!(out, "{i}");
        }
        V::Num(f) if f.is_finite() => {
            let _ = write!(out, "{f}");
        }
        V::Num(_) => out.push_str("null"),
        V::Str(t) => out.push_str(&serde_json::to_string(t).unwrap_or_else(|_| "\"\"".into())),
        V::Obj(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(k);
                out.push_str("\":");
                write_json(v, out);
            }
            out.push('}');
        }
        V::List(_, items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(v, out);
            }
            out.push(']');
        }
    }
}

/// Escapes text for XML and drops the characters XML 1.0 cannot carry.
fn xml_text(t: &str, out: &mut String) {
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

fn write_xml(tag: &str, v: &V, out: &mut String) {
    out.push('<');
    out.push_str(tag);
    out.push('>');
    match v {
        V::Null => {}
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Int(i) => {
            let _ = write!(out, "{i}");
        }
        V::Num(f) if f.is_finite() => {
            let _ = write!(out, "{f}");
        }
        V::Num(_) => {}
        V::Str(t) => xml_text(t, out),
        V::Obj(fields) => {
            for (k, v) in fields {
                write_xml(k, v, out);
            }
        }
        V::List(item, items) => {
            for v in items {
                write_xml(item, v, out);
            }
        }
    }
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// A whole document: the root element (dropped in JSON) and its value.
fn render(fmt: Format, root: &str, v: &V) -> String {
    let mut out = String::with_capacity(1024);
    match fmt {
        Format::Json => write_json(v, &mut out),
        Format::Xml => {
            out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            write_xml(root, v, &mut out);
            out.push('\n');
        }
    }
    out
}

fn reply(fmt: Format, status: StatusCode, root: &str, v: &V) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, fmt.content_type())],
        render(fmt, root, v),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------------
// Errors.

/// An error response: an HTTP status and one or more descriptions.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    descriptions: Vec<String>,
}

impl ApiError {
    fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Self {
            status,
            descriptions: vec![description.into()],
        }
    }

    fn bad(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }

    fn forbidden(description: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, description)
    }

    fn not_found(description: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, description)
    }

    fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Nội dung yêu cầu quá lớn (tối đa {} KiB) · request body larger than {} KiB",
                MAX_BODY / 1024,
                MAX_BODY / 1024
            ),
        )
    }

    /// Field errors from validation, one error each, with Open311's field names.
    fn fields(errors: &[FieldError]) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            descriptions: errors
                .iter()
                .map(|e| format!("{}: {} · {}", open311_field(&e.field), e.message_vi, e.message_en))
                .collect(),
        }
    }

    fn from_app(e: AppError) -> Self {
        match e {
            AppError::Validation(errs) => Self::fields(&errs),
            AppError::Internal { ref_id } => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Lỗi hệ thống (mã {ref_id}) · internal error (ref {ref_id})"),
            ),
            other => Self::bad(other.user_message()),
        }
    }

    fn from_store(e: StoreError) -> Self {
        Self::from_app(e.into())
    }

    fn into_response(self, fmt: Format) -> Response {
        let code = i64::from(self.status.as_u16());
        let list = V::List(
            "error",
            self.descriptions
                .into_iter()
                .map(|d| V::Obj(vec![("code", V::Int(code)), ("description", V::Str(d))]))
                .collect(),
        );
        reply(fmt, self.status, "errors", &list)
    }
}

/// Our validation's field names as an Open311 client knows them.
fn open311_field(field: &str) -> &str {
    match field {
        "lon" => "long",
        "reporter_phone" => "phone",
        "reporter_name" => "first_name/last_name",
        "address" => "address_string",
        "category" => "service_code",
        other => other,
    }
}

type ApiResult<T> = Result<T, ApiError>;

// ---------------------------------------------------------------------------------------------
// Parameters.

/// Query or form parameters. An empty value counts as absent, as the standard requires;
/// a repeated name keeps its first non-empty value.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    }

    /// A comma-separated list, empty items dropped.
    fn list(&self, name: &str) -> Vec<&str> {
        self.get(name)
            .map(|v| v.split(',').map(str::trim).filter(|x| !x.is_empty()).collect())
            .unwrap_or_default()
    }

    /// `jurisdiction_id` is optional here; when sent it must be ours.
    fn check_jurisdiction(&self) -> ApiResult<()> {
        match self.get("jurisdiction_id") {
            Some(j) if !j.eq_ignore_ascii_case(JURISDICTION) && !j.eq_ignore_ascii_case(&format!("www.{JURISDICTION}")) => {
                Err(ApiError::not_found(format!(
                    "jurisdiction_id không tồn tại (máy chủ này phục vụ {JURISDICTION}) · unknown jurisdiction_id (this server serves {JURISDICTION})"
                )))
            }
            _ => Ok(()),
        }
    }
}

/// Parses a W3C date-time (the ISO 8601 profile Open311 uses): `YYYY-MM-DDThh:mm[:ss[.s+]]`
/// followed by a mandatory `Z` or `±hh:mm`. A space where the offset's `+` belongs is read
/// as `+` (an unencoded `+` in a query string arrives as a space). Returns epoch ms.
pub fn parse_w3c_datetime(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0i64, |a, d| a * 10 + i64::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let year = num(0, 4)?;
    if !(at(4, b'-') && at(7, b'-') && (at(10, b'T') || at(10, b't')) && at(13, b':')) {
        return None;
    }
    let (month, day, hour, minute) = (num(5, 2)?, num(8, 2)?, num(11, 2)?, num(14, 2)?);
    let mut i = 16;
    let mut second = 0;
    let mut millis = 0;
    if at(i, b':') {
        second = num(i + 1, 2)?;
        i += 3;
        if at(i, b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
            let frac = &b[start..i.min(start + 3)];
            millis = frac.iter().fold(0i64, |a, d| a * 10 + i64::from(d - b'0'))
                * 10i64.pow(3 - frac.len() as u32);
        }
    }
    let offset_ms = match b.get(i) {
        Some(b'Z' | b'z') if b.len() == i + 1 => 0,
        Some(&sign @ (b'+' | b'-' | b' ')) if b.len() == i + 6 && at(i + 3, b':') => {
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * HOUR_MS + om * MINUTE_MS;
            if sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if year < 1 || day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year as i32, month as u32, day as u32);
    Some(days * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * 1000 + millis - offset_ms)
}

fn date_param(p: &Params, name: &str) -> ApiResult<Option<i64>> {
    match p.get(name) {
        None => Ok(None),
        Some(v) => parse_w3c_datetime(v).map(Some).ok_or_else(|| {
            ApiError::bad(format!(
                "{name}: ngày giờ không hợp lệ, cần dạng W3C có múi giờ, ví dụ 2026-12-03T10:00:00+07:00 · not a W3C date-time with a time zone, e.g. 2026-12-03T10:00:00+07:00"
            ))
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Resources.

fn category_by_code<'a>(state: &'a AppState, code: &str) -> Option<&'a Category> {
    state.reference.categories.iter().find(|c| c.code == code)
}

fn service(c: &Category) -> V {
    let keywords = [
        c.code.replace('_', " "),
        app::domain::text::fold(&c.name_vi),
        c.name_en.to_lowercase(),
        group_en(c.group).to_lowercase(),
    ]
    .join(", ");
    V::Obj(vec![
        ("service_code", s(&c.code)),
        ("service_name", s(&c.name_vi)),
        ("description", s(&c.name_en)),
        ("metadata", V::Bool(false)),
        ("type", s("realtime")),
        ("keywords", s(keywords)),
        ("group", s(group_vi(c.group))),
    ])
}

/// What the citizen-facing client may show about where the request went.
fn service_notice(agency: Option<&str>, due: Option<i64>, out_of_area: bool, open: bool) -> Option<String> {
    if !open {
        return None;
    }
    if out_of_area {
        return Some(
            "Vị trí nằm ngoài tỉnh Bình Dương; Trung tâm 1022 sẽ phân loại · the location is outside Bình Dương; the 1022 center will triage it"
                .into(),
        );
    }
    Some(match (agency, due) {
        (Some(a), Some(d)) => format!(
            "Đã chuyển đến {a}, hạn xử lý {} · routed to {a}, resolution due {}",
            app::domain::time::format_local(d),
            format_iso_local(d)
        ),
        (Some(a), None) => format!("Đã chuyển đến {a} · routed to {a}"),
        _ => "Trung tâm 1022 đã tiếp nhận · received by the 1022 center".into(),
    })
}

fn request(state: &AppState, r: &ServiceRequestRow) -> V {
    let category = state.reference.categories.iter().find(|c| c.id == r.category);
    let open = r.status.is_open();
    let description: String = r.description.chars().take(MAX_DESCRIPTION).collect();
    let notice = service_notice(
        r.agency_name_vi.as_deref(),
        r.resolution_due_at,
        r.lat.is_some() && r.district.is_none(),
        open,
    );
    V::Obj(vec![
        ("service_request_id", s(&r.code)),
        ("status", s(if open { "open" } else { "closed" })),
        (
            "status_notes",
            s(format!("{} · {}", status_vi(r.status), r.status.as_str())),
        ),
        ("service_name", opt_s(category.map(|c| c.name_vi.clone()))),
        ("service_code", opt_s(category.map(|c| c.code.clone()))),
        ("description", s(description)),
        ("agency_responsible", opt_s(r.agency_name_vi.clone())),
        ("service_notice", opt_s(notice)),
        ("requested_datetime", s(format_iso_local(r.created_at))),
        ("updated_datetime", s(format_iso_local(r.updated_at))),
        (
            "expected_datetime",
            opt_s(r.resolution_due_at.map(format_iso_local)),
        ),
        ("address", opt_s(r.address.clone())),
        ("address_id", V::Null),
        ("zipcode", V::Null),
        ("lat", r.lat.map_or(V::Null, V::Num)),
        ("long", r.lon.map_or(V::Null, V::Num)),
        ("media_url", V::Null),
    ])
}

/// This endpoint's public URL, from the request's `Host` (and `X-Forwarded-Proto`).
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        });
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or("http");
    match host {
        Some(h) => format!("{proto}://{h}/open311/v2"),
        None => "/open311/v2".into(),
    }
}

fn discovery(fmt: Format, headers: &HeaderMap) -> Response {
    let endpoint = V::Obj(vec![
        ("specification", s("http://wiki.open311.org/GeoReport_v2")),
        ("url", s(base_url(headers))),
        ("changeset", s(CHANGESET)),
        ("type", s("production")),
        (
            "formats",
            V::List("format", vec![s("text/xml"), s("application/json")]),
        ),
    ]);
    let doc = V::Obj(vec![
        ("changeset", s(CHANGESET)),
        (
            "contact",
            s("Trung tâm Giám sát, điều hành đô thị thông minh tỉnh Bình Dương, tổng đài 1022 · Bình Dương 1022 operations center, hotline 1022"),
        ),
        (
            "key_service",
            s("Khóa API do Trung tâm 1022 cấp theo yêu cầu; chỉ cần cho POST requests · API keys are issued by the 1022 operations center on request; only POST requests needs one"),
        ),
        ("endpoints", V::List("endpoint", vec![endpoint])),
    ]);
    reply(fmt, StatusCode::OK, "discovery", &doc)
}

fn services(fmt: Format, state: &AppState, p: &Params) -> ApiResult<Response> {
    p.check_jurisdiction()?;
    let list = V::List(
        "service",
        state.reference.categories.iter().map(service).collect(),
    );
    Ok(reply(fmt, StatusCode::OK, "services", &list))
}

async fn service_definition(
    State(state): State<AppState>,
    Path(file): Path<String>,
    q: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some((code, fmt)) = Format::split(&file) else {
        return not_found_path(&file);
    };
    let run = || -> ApiResult<Response> {
        let p = Params(q.map_err(|e| ApiError::bad(e.body_text()))?.0);
        p.check_jurisdiction()?;
        let c = category_by_code(&state, code).ok_or_else(|| {
            ApiError::not_found(format!(
                "service_code {code:?} không tồn tại · unknown service_code {code:?}"
            ))
        })?;
        let def = V::Obj(vec![
            ("service_code", s(&c.code)),
            ("attributes", V::List("attribute", Vec::new())),
        ]);
        Ok(reply(fmt, StatusCode::OK, "service_definition", &def))
    };
    run().unwrap_or_else(|e| e.into_response(fmt))
}

async fn list_requests(fmt: Format, state: &AppState, p: &Params) -> ApiResult<Response> {
    p.check_jurisdiction()?;
    let codes: Vec<String> = p
        .list("service_request_id")
        .into_iter()
        .map(str::to_uppercase)
        .collect();
    if codes.len() > MAX_RESULTS as usize {
        return Err(ApiError::bad(format!(
            "service_request_id: tối đa {MAX_RESULTS} mã · at most {MAX_RESULTS} ids"
        )));
    }
    let mut categories = Vec::new();
    for code in p.list("service_code") {
        let c = category_by_code(state, code).ok_or_else(|| {
            ApiError::bad(format!(
                "service_code: {code:?} không tồn tại · unknown service_code {code:?}"
            ))
        })?;
        categories.push(c.id);
    }
    // Emergency tickets are never published (see the module notes).
    let public_categories: Vec<_> = state
        .reference
        .categories
        .iter()
        .filter(|c| c.group != app::types::CategoryGroup::Emergency)
        .map(|c| c.id)
        .collect();
    let asked_for = !categories.is_empty();
    if asked_for {
        categories.retain(|c| public_categories.contains(c));
    } else {
        categories = public_categories;
    }
    let only_emergencies = asked_for && categories.is_empty() && codes.is_empty();
    let mut want_open = false;
    let mut want_closed = false;
    for st in p.list("status") {
        match st.to_ascii_lowercase().as_str() {
            "open" => want_open = true,
            "closed" => want_closed = true,
            _ => {
                return Err(ApiError::bad(format!(
                    "status: {st:?} không hợp lệ, chỉ open hoặc closed · status must be open or closed, not {st:?}"
                )))
            }
        }
    }
    let statuses: Vec<TicketStatus> = if want_open == want_closed {
        Vec::new()
    } else {
        TicketStatus::ALL
            .into_iter()
            .filter(|s| s.is_open() == want_open)
            .collect()
    };
    let start = date_param(p, "start_date")?;
    let end = date_param(p, "end_date")?;
    let (from, to) = match (start, end) {
        (None, None) => {
            let now = now_ms();
            (now - WINDOW_MS, now)
        }
        (Some(s), None) => (s, s + WINDOW_MS),
        (None, Some(e)) => (e - WINDOW_MS, e),
        (Some(s), Some(e)) => {
            if e < s {
                return Err(ApiError::bad(
                    "end_date: phải sau start_date · end_date is before start_date",
                ));
            }
            if e - s > WINDOW_MS {
                return Err(ApiError::bad(
                    "end_date: khoảng thời gian tối đa 90 ngày · start_date to end_date may not exceed 90 days",
                ));
            }
            (s, e)
        }
    };
    let rows = if only_emergencies {
        Vec::new()
    } else {
        state
            .store
            .service_requests(&ServiceRequestQuery {
                codes,
                categories: categories.clone(),
                created_from: from,
                created_to: to,
                statuses,
                limit: MAX_RESULTS,
            })
            .await
            .map_err(ApiError::from_store)?
    };
    // Looked up by id, the other filters are ignored: drop emergencies here too.
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|r| is_public(state, r.category))
        .collect();
    let list = V::List("request", rows.iter().map(|r| request(state, r)).collect());
    Ok(reply(fmt, StatusCode::OK, "service_requests", &list))
}

/// Whether tickets of a category may be published (emergencies never are).
fn is_public(state: &AppState, category: app::types::CategoryId) -> bool {
    state
        .reference
        .categories
        .iter()
        .any(|c| c.id == category && c.group != app::types::CategoryGroup::Emergency)
}

async fn one_request(
    State(state): State<AppState>,
    Path(file): Path<String>,
    q: Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some((id, fmt)) = Format::split(&file) else {
        return not_found_path(&file);
    };
    let run = async {
        let p = Params(q.map_err(|e| ApiError::bad(e.body_text()))?.0);
        p.check_jurisdiction()?;
        let code = id.trim().to_uppercase();
        let rows = state
            .store
            .service_requests(&ServiceRequestQuery {
                codes: vec![code.clone()],
                limit: 1,
                ..Default::default()
            })
            .await
            .map_err(ApiError::from_store)?;
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|r| is_public(&state, r.category))
            .collect();
        if rows.is_empty() {
            return Err(ApiError::not_found(format!(
                "Không có yêu cầu {code} · service request {code} not found"
            )));
        }
        let list = V::List("request", rows.iter().map(|r| request(&state, r)).collect());
        Ok::<_, ApiError>(reply(fmt, StatusCode::OK, "service_requests", &list))
    };
    run.await.unwrap_or_else(|e| e.into_response(fmt))
}

// ---------------------------------------------------------------------------------------------
// POST requests.

fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The idempotency key of a request without an explicit one, for one 24-hour period.
fn derived_key(key_id: i64, period: i64, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let hex = h.finalize().iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    format!("open311:{key_id}:d{period}:{hex}")
}

fn coordinate(p: &Params, name: &str, vi: &str) -> ApiResult<Option<f64>> {
    match p.get(name) {
        None => Ok(None),
        Some(v) => parse_coordinate(v)
            .map(Some)
            .ok_or_else(|| ApiError::bad(format!("{name}: {vi} không phải là số · {name} is not a number"))),
    }
}

async fn post_request(
    fmt: Format,
    state: &AppState,
    headers: &HeaderMap,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> ApiResult<Response> {
    let p = match form {
        Ok(Form(pairs)) => Params(pairs),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(ApiError::too_large()),
        Err(FormRejection::InvalidFormContentType(_)) => {
            return Err(ApiError::bad(
                "Nội dung phải là application/x-www-form-urlencoded · the body must be application/x-www-form-urlencoded",
            ))
        }
        Err(e) => return Err(ApiError::bad(e.body_text())),
    };
    // Authentication first: nothing else is looked at without a valid key.
    let Some(presented) = p.get("api_key") else {
        return Err(ApiError::forbidden("Thiếu api_key · api_key is required"));
    };
    let key = state
        .store
        .api_key_by_hash(&sha256_hex(presented.as_bytes()))
        .await
        .map_err(ApiError::from_store)?
        .ok_or_else(|| ApiError::forbidden("api_key không hợp lệ · invalid api_key"))?;
    if key.revoked_at.is_some() {
        return Err(ApiError::forbidden(
            "api_key đã bị thu hồi · api_key has been revoked",
        ));
    }
    p.check_jurisdiction()?;
    let Some(service_code) = p.get("service_code") else {
        return Err(ApiError::bad("Thiếu service_code · service_code is required"));
    };
    let category = category_by_code(state, service_code).ok_or_else(|| {
        ApiError::not_found(format!(
            "service_code {service_code:?} không tồn tại · unknown service_code {service_code:?}"
        ))
    })?;
    let lat = coordinate(&p, "lat", "vĩ độ")?;
    let lon = coordinate(&p, "long", "kinh độ")?;
    let position = check_position(lat, lon).map_err(|e| ApiError::fields(&[e]))?;
    let address = p.get("address_string");
    if position.is_none() && address.is_none() && p.get("address_id").is_none() {
        return Err(ApiError::bad(
            "Cần vị trí: lat và long, hoặc address_string · a location is required: lat and long, or address_string",
        ));
    }
    let description = p.get("description");
    let phone = p.get("phone");
    let device_id = p.get("device_id");
    let name = [p.get("first_name"), p.get("last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let explicit = p.get("idempotency_key").or_else(|| {
        ["idempotency-key", "x-idempotency-key"]
            .iter()
            .find_map(|h| headers.get(*h)?.to_str().ok())
            .map(str::trim)
            .filter(|k| !k.is_empty())
    });
    if explicit.is_some_and(|k| k.chars().count() > MAX_IDEMPOTENCY_KEY) {
        return Err(ApiError::bad(format!(
            "idempotency_key: tối đa {MAX_IDEMPOTENCY_KEY} ký tự · at most {MAX_IDEMPOTENCY_KEY} characters"
        )));
    }
    let now = now_ms();
    let idempotency_key = match explicit {
        Some(k) => format!("open311:{}:k:{}", key.id, sha256_hex(k.as_bytes())),
        None => {
            let (lat_s, lon_s) = position.map_or((String::new(), String::new()), |(a, o)| {
                (a.to_string(), o.to_string())
            });
            let parts = [
                service_code,
                &lat_s,
                &lon_s,
                description.unwrap_or(""),
                phone.unwrap_or(""),
                device_id.unwrap_or(""),
            ];
            let period = now.div_euclid(DAY_MS);
            let previous = derived_key(key.id, period - 1, &parts);
            if let Some(id) = state
                .store
                .ticket_by_idempotency_key(&previous)
                .await
                .map_err(ApiError::from_store)?
            {
                let d = state.ticket(id).await.map_err(ApiError::from_app)?;
                let notice = service_notice(
                    d.agency_name_vi.as_deref(),
                    d.resolution_due_at,
                    d.lat.is_some() && d.district.is_none(),
                    d.status.is_open(),
                );
                return Ok(created(fmt, StatusCode::OK, &d.code, notice));
            }
            derived_key(key.id, period, &parts)
        }
    };
    let new = NewTicket {
        channel: Channel::Open311,
        category: category.id,
        // The standard makes the description optional; ours needs one: the service's name.
        description: description.unwrap_or(&category.name_vi).to_string(),
        reporter_name: (!name.is_empty()).then_some(name),
        reporter_phone: phone.map(str::to_string),
        lat: position.map(|p| p.0),
        lon: position.map(|p| p.1),
        address: address.map(str::to_string),
        agency_override: None,
        duplicate_of: None,
        idempotency_key: Some(idempotency_key),
    };
    let t = state
        .create_ticket(new, &format!("Open311: {}", key.name), now)
        .await
        .map_err(ApiError::from_app)?;
    let notice = service_notice(
        t.agency_name_vi.as_deref(),
        Some(t.resolution_due_at),
        t.out_of_area,
        true,
    );
    let status = if t.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(created(fmt, status, &t.code, notice))
}

fn created(fmt: Format, status: StatusCode, code: &str, notice: Option<String>) -> Response {
    let list = V::List(
        "request",
        vec![V::Obj(vec![
            ("service_request_id", s(code)),
            ("service_notice", opt_s(notice)),
            ("account_id", V::Null),
        ])],
    );
    reply(fmt, status, "service_requests", &list)
}

// ---------------------------------------------------------------------------------------------
// Router.

fn not_found_path(path: &str) -> Response {
    ApiError::not_found(
        "Không có tài nguyên Open311 này · no such Open311 resource (paths end in .json or .xml)",
    )
    .into_response(Format::of_path(path))
}

async fn fallback(uri: Uri) -> Response {
    not_found_path(uri.path())
}

async fn method_not_allowed(uri: Uri) -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Phương thức không được hỗ trợ · method not allowed",
    )
    .into_response(Format::of_path(uri.path()))
}

/// Refuses a declared body over the limit before reading any of it.
async fn content_length_guard(req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return ApiError::too_large().into_response(Format::of_path(req.uri().path()));
    }
    next.run(req).await
}

/// An error in the standard's body, in the format `path` asks for (for layers in front of
/// this router that answer Open311 paths, like the rate limiter).
pub fn error_response(path: &str, status: StatusCode, description: impl Into<String>) -> Response {
    ApiError::new(status, description).into_response(Format::of_path(path))
}

type QueryResult = Result<Query<Vec<(String, String)>>, axum::extract::rejection::QueryRejection>;

fn query_params(q: QueryResult) -> ApiResult<Params> {
    q.map(|Query(v)| Params(v))
        .map_err(|e| ApiError::bad(e.body_text()))
}

/// The Open311 routes, to nest under `/open311/v2`.
pub fn router() -> Router<AppState> {
    let mut r = Router::new();
    for fmt in [Format::Json, Format::Xml] {
        let ext = fmt.ext();
        r = r
            .route(
                &format!("/discovery.{ext}"),
                get(move |headers: HeaderMap| async move { discovery(fmt, &headers) }),
            )
            .route(
                &format!("/services.{ext}"),
                get(move |State(state): State<AppState>, q: QueryResult| async move {
                    query_params(q)
                        .and_then(|p| services(fmt, &state, &p))
                        .unwrap_or_else(|e| e.into_response(fmt))
                }),
            )
            .route(
                &format!("/requests.{ext}"),
                get(move |State(state): State<AppState>, q: QueryResult| async move {
                    match query_params(q) {
                        Ok(p) => list_requests(fmt, &state, &p).await,
                        Err(e) => Err(e),
                    }
                    .unwrap_or_else(|e| e.into_response(fmt))
                })
                .post(
                    move |State(state): State<AppState>,
                          headers: HeaderMap,
                          form: Result<Form<Vec<(String, String)>>, FormRejection>| async move {
                        post_request(fmt, &state, &headers, form)
                            .await
                            .unwrap_or_else(|e| e.into_response(fmt))
                    },
                ),
            );
    }
    r.route("/services/{file}", get(service_definition))
        .route("/requests/{file}", get(one_request))
        .fallback(fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(content_length_guard))
}

// ---------------------------------------------------------------------------------------------
// `ioc api-key …`

/// A new random API key: 32 bytes from the OS, as 64 hex digits.
///
/// # Errors
/// When the OS has no random source.
pub fn new_api_key() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random source: {e}"))?;
    Ok(bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

/// The stored form of a key: its SHA-256, lowercase hex.
pub fn hash_api_key(key: &str) -> String {
    sha256_hex(key.trim().as_bytes())
}

/// Issues a key for `name`; returns (id, key). Only the hash is stored.
///
/// # Errors
/// An empty or overlong name, or a failed write.
pub async fn issue_api_key(store: &SqlStore, name: &str, now: i64) -> Result<(i64, String), String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err("--name must be 1–100 printable characters".into());
    }
    let key = new_api_key()?;
    let id = store
        .add_api_key(name, &hash_api_key(&key), now)
        .await
        .map_err(|e| format!("storing the API key: {e}"))?;
    Ok((id, key))
}

/// Runs `ioc api-key add|list|revoke`; returns what to print on stdout.
///
/// # Errors
/// One line for the operator.
pub async fn api_key_command(
    store: &SqlStore,
    cmd: &crate::config::ApiKeyCommand,
    now: i64,
) -> Result<String, String> {
    use crate::config::ApiKeyCommand;
    match cmd {
        ApiKeyCommand::Add { name } => {
            let (id, key) = issue_api_key(store, name, now).await?;
            eprintln!(
                "API key {id} issued to {:?}. It is shown only this once: give it to the client now.",
                name.trim()
            );
            Ok(key)
        }
        ApiKeyCommand::List => {
            let keys = store
                .list_api_keys()
                .await
                .map_err(|e| format!("reading API keys: {e}"))?;
            let mut out = format!("{:>4}  {:<25}  {:<25}  {}", "id", "created", "revoked", "name");
            for k in keys {
                let _ = write!(
                    out,
                    "\n{:>4}  {:<25}  {:<25}  {}",
                    k.id,
                    format_iso_local(k.created_at),
                    k.revoked_at.map_or_else(|| "-".to_string(), format_iso_local),
                    k.name
                );
            }
            Ok(out)
        }
        ApiKeyCommand::Revoke { id } => match store.revoke_api_key(*id, now).await {
            Ok(()) => Ok(format!("API key {id} revoked")),
            Err(StoreError::NotFound) => Err(format!("no API key with id {id}")),
            Err(StoreError::Invalid(m)) => Err(m),
            Err(e) => Err(format!("revoking API key {id}: {e}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w3c_dates() {
        let base = parse_w3c_datetime("2026-12-03T03:00:00Z").unwrap();
        assert_eq!(parse_w3c_datetime("2026-12-03T10:00:00+07:00"), Some(base));
        assert_eq!(
            parse_w3c_datetime("2026-12-03T10:00:00 07:00"),
            Some(base),
            "+ decoded as space"
        );
        assert_eq!(parse_w3c_datetime("2026-12-02T22:00:00-05:00"), Some(base));
        assert_eq!(parse_w3c_datetime("2026-12-03T10:00+07:00"), Some(base));
        assert_eq!(parse_w3c_datetime("2026-12-03T03:00:00.250Z"), Some(base + 250));
        assert_eq!(parse_w3c_datetime("2026-12-03T03:00:00.5Z"), Some(base + 500));
        for bad in [
            "",
            "2026-12-03",
            "2026-12-03T10:00:00",
            "2026-13-03T10:00:00Z",
            "2026-02-29T10:00:00Z",
            "2026-12-03T24:00:00Z",
            "2026-12-03T10:00:00+0700",
            "2026-12-03T10:00:00+07:00x",
            "2026-12-03T10:00:00.Z",
            "yesterday",
            "2026-12-03T10:00:00+24:00",
        ] {
            assert_eq!(parse_w3c_datetime(bad), None, "{bad:?}");
        }
        assert!(parse_w3c_datetime("2024-02-29T00:00:00Z").is_some());
    }

    #[test]
    fn json_and_xml_from_one_tree() {
        let v = V::List(
            "request",
            vec![V::Obj(vec![
                ("service_request_id", s("BD-1")),
                ("description", s("a < b & \"c\"\u{1}")),
                ("lat", V::Num(10.98)),
                ("account_id", V::Null),
            ])],
        );
        assert_eq!(
            render(Format::Json, "service_requests", &v),
            r#"[{"service_request_id":"BD-1","description":"a < b & \"c\"\u0001","lat":10.98,"account_id":null}]"#
        );
        assert_eq!(
            render(Format::Xml, "service_requests", &v),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<service_requests><request><service_request_id>BD-1</service_request_id><description>a &lt; b &amp; &quot;c&quot;</description><lat>10.98</lat><account_id></account_id></request></service_requests>\n"
        );
    }

    #[test]
    fn formats_and_keys() {
        assert_eq!(Format::split("services.json"), Some(("services", Format::Json)));
        assert_eq!(Format::split("BD-1.xml"), Some(("BD-1", Format::Xml)));
        assert_eq!(Format::split("x.html"), None);
        assert_eq!(Format::split(".json"), None);
        let k = new_api_key().unwrap();
        assert_eq!(k.len(), 64);
        assert_ne!(k, new_api_key().unwrap());
        assert_eq!(
            hash_api_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(
            derived_key(1, 5, &["ab", "c"]),
            derived_key(1, 5, &["a", "bc"]),
            "fields cannot run into each other"
        );
    }
}
