//! Open311 GeoReport v2 through the real router, on SQLite and PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use app::domain::time::format_iso_local;
use app::ssr::state::now_ms;
use app::ssr::store::{Store, TicketRecord};
use app::types::{Channel, HistoryEntry, TicketStatus};
use server::store::SqlStore;

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
const JSON_CT: &str = "application/json; charset=utf-8";
const XML_CT: &str = "text/xml; charset=utf-8";
/// A point in Thủ Dầu Một.
const LAT: &str = "10.98";
const LONG: &str = "106.65";
const NAME: &str = "Nguyễn Văn Bình";
const PHONE: &str = "0912345678";

struct Harness {
    app: axum::Router,
    store: SqlStore,
    key: String,
}

/// A router over a fresh database with one API key.
async fn harness(url: &str) -> Harness {
    let store = common::store(url).await;
    let _cal = app::domain::sla::WorkCalendar::vietnam_default();
    let (_, key) = server::open311::issue_api_key(&store, "test client", now_ms())
        .await
        .unwrap();
    let state = common::state(&store).await;
    Harness {
        app: server::router::router(state),
        store,
        key,
    }
}

/// `n` located tickets spread evenly over the last 10 days, newest first, every fifth one
/// closed, each with a reporter's name and phone.
/// A ticket like the fixture's, with the given code.
async fn record_like(store: &SqlStore, code: &str) -> TicketRecord {
    let reference = store.reference().await.unwrap();
    let c = &reference.categories[0];
    let now = now_ms();
    TicketRecord {
        code: code.into(),
        channel: Channel::Phone,
        category: c.id,
        priority: c.priority,
        description: "Cấp cứu tại nhà".into(),
        reporter_name: Some(NAME.into()),
        reporter_phone: None,
        lat: Some(10.98),
        lon: Some(106.65),
        address: None,
        district: None,
        commune: None,
        agency: None,
        status: TicketStatus::Assigned,
        created_at: now - 1000,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        response_due_at: None,
        resolution_due_at: None,
        updated_at: now - 1000,
        history: vec![],
    }
}

async fn fixture(store: &SqlStore, n: usize) {
    let reference = store.reference().await.unwrap();
    let now = now_ms();
    let step = 10 * 86_400_000 / n as i64;
    let tickets: Vec<TicketRecord> = (0..n)
        .map(|i| {
            let created = now - 60_000 - i as i64 * step;
            // Public categories only: emergencies are never published (tested separately).
            let public: Vec<_> = reference
                .categories
                .iter()
                .filter(|c| c.group != app::types::CategoryGroup::Emergency)
                .collect();
            let c = public[i % public.len()];
            let closed = i % 5 == 0;
            let status = if closed {
                TicketStatus::Closed
            } else {
                TicketStatus::Assigned
            };
            TicketRecord {
                code: format!("BD-T{i:04}-00000"),
                channel: Channel::Phone,
                category: c.id,
                priority: c.priority,
                description: format!("Phản ánh số {i}"),
                reporter_name: Some(NAME.into()),
                reporter_phone: Some(PHONE.into()),
                lat: Some(10.9 + (i % 10) as f64 * 0.01),
                lon: Some(106.6 + (i % 7) as f64 * 0.01),
                address: None,
                district: None,
                commune: None,
                agency: Some(reference.agencies[0].id),
                status,
                created_at: created,
                first_response_at: Some(created + 60_000),
                resolved_at: closed.then_some(created + 120_000),
                closed_at: closed.then_some(created + 180_000),
                response_due_at: Some(created + 3_600_000),
                resolution_due_at: Some(created + 86_400_000),
                updated_at: created + 180_000,
                history: vec![HistoryEntry {
                    at: created,
                    actor: "test".into(),
                    from: None,
                    to: status,
                    note: None,
                }],
            }
        })
        .collect();
    store.insert_tickets(&tickets).await.unwrap();
}

struct Res {
    status: StatusCode,
    ct: String,
    body: String,
}

impl Res {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The spec's error body: the first error's description, after checking its shape.
    fn error(&self, status: StatusCode) -> String {
        assert_eq!(self.status, status, "{}", self.body);
        if self.ct == XML_CT {
            assert!(self.body.starts_with(XML_DECL), "{}", self.body);
            assert!(self.body.contains("<errors><error><code>"), "{}", self.body);
            assert_eq!(tag(&self.body, "code").unwrap(), status.as_u16().to_string());
            return tag(&self.body, "description").unwrap();
        }
        assert_eq!(self.ct, JSON_CT, "{}", self.body);
        let v = self.json();
        let errors = v.as_array().expect("a list of errors");
        assert!(!errors.is_empty());
        assert_eq!(errors[0]["code"], u64::from(status.as_u16()), "{}", self.body);
        errors
            .iter()
            .map(|e| e["description"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

async fn send(app: &axum::Router, req: Request<Body>) -> Res {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Res {
        status,
        ct,
        body: String::from_utf8(body.to_vec()).expect("UTF-8 body"),
    }
}

async fn get(app: &axum::Router, uri: &str) -> Res {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn post(app: &axum::Router, uri: &str, pairs: &[(&str, &str)]) -> Res {
    post_raw(app, uri, form(pairs), &[]).await
}

async fn post_raw(app: &axum::Router, uri: &str, body: String, headers: &[(&str, &str)]) -> Res {
    let mut req =
        Request::post(uri).header("content-type", "application/x-www-form-urlencoded; charset=utf-8");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    send(app, req.body(Body::from(body)).unwrap()).await
}

/// The text of the first `<name>…</name>`.
fn tag(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(xml[start..end].to_string())
}

fn count(xml: &str, name: &str) -> usize {
    xml.matches(&format!("<{name}>")).count()
}

/// A complete, valid report.
fn report<'a>(key: &'a str, description: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("api_key", key),
        ("service_code", "infrastructure"),
        ("lat", LAT),
        ("long", LONG),
        ("address_string", "Đường Yersinia, Phú Cường, Thủ Dầu Một"),
        ("description", description),
        ("first_name", "Nguyễn Văn"),
        ("last_name", "Bình"),
        ("phone", PHONE),
        ("email", "binh@example.vn"),
        ("device_id", "device-1"),
    ]
}

fn with<'a>(mut pairs: Vec<(&'a str, &'a str)>, name: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    pairs.retain(|(k, _)| *k != name);
    pairs.push((name, value));
    pairs
}

fn without<'a>(mut pairs: Vec<(&'a str, &'a str)>, name: &str) -> Vec<(&'a str, &'a str)> {
    pairs.retain(|(k, _)| *k != name);
    pairs
}

#[tokio::test]
async fn discovery_services_and_definitions() {
    for url in common::urls().await {
        let h = harness(&url).await;

        let r = get(&h.app, "/open311/v2/discovery.json").await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        assert_eq!(r.ct, JSON_CT);
        let d = r.json();
        for f in ["changeset", "contact", "key_service"] {
            assert!(d[f].as_str().is_some_and(|s| !s.is_empty()), "{f}");
        }
        let ep = &d["endpoints"][0];
        assert_eq!(ep["specification"], "http://wiki.open311.org/GeoReport_v2");
        assert_eq!(ep["type"], "production");
        assert!(ep["url"].as_str().unwrap().ends_with("/open311/v2"));
        assert_eq!(ep["formats"], serde_json::json!(["text/xml", "application/json"]));

        let r = send(
            &h.app,
            Request::get("/open311/v2/discovery.xml")
                .header("host", "ioc.binhduong.gov.vn")
                .header("x-forwarded-proto", "https")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.ct, XML_CT);
        assert!(r.body.starts_with(XML_DECL));
        assert!(r.body.contains("<discovery><changeset>"));
        assert_eq!(
            tag(&r.body, "url").unwrap(),
            "https://ioc.binhduong.gov.vn/open311/v2"
        );
        assert!(r
            .body
            .contains("<formats><format>text/xml</format><format>application/json</format></formats>"));

        let r = get(&h.app, "/open311/v2/services.json").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.ct, JSON_CT);
        let list = r.json();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 18, "one service per category");
        let fire = list.iter().find(|s| s["service_code"] == "fire").unwrap();
        assert_eq!(fire["service_name"], "Cháy, nổ (114)");
        assert_eq!(fire["description"], "Fire, explosion (114)");
        assert_eq!(fire["metadata"], false);
        assert_eq!(fire["type"], "realtime");
        assert_eq!(fire["group"], "Cứu hộ khẩn cấp");
        assert!(fire["keywords"].as_str().unwrap().contains("chay"));
        assert!(list.iter().all(|s| s["service_code"].is_string()));

        let r = get(&h.app, "/open311/v2/services.xml").await;
        assert_eq!(r.ct, XML_CT);
        assert!(r.body.starts_with(XML_DECL));
        assert_eq!(count(&r.body, "service"), 18);
        assert_eq!(tag(&r.body, "metadata").unwrap(), "false");
        assert!(r.body.contains("<service_code>infrastructure</service_code>"));

        // Empty parameters count as absent; our own jurisdiction is accepted; others are 404.
        let r = get(&h.app, "/open311/v2/services.json?jurisdiction_id=").await;
        assert_eq!(r.status, StatusCode::OK);
        let r = get(
            &h.app,
            "/open311/v2/services.json?jurisdiction_id=binhduong.gov.vn",
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let r = get(&h.app, "/open311/v2/services.json?jurisdiction_id=sfgov.org").await;
        assert!(r.error(StatusCode::NOT_FOUND).contains("jurisdiction_id"));

        let r = get(&h.app, "/open311/v2/services/fire.json").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.json(),
            serde_json::json!({"service_code": "fire", "attributes": []})
        );
        let r = get(&h.app, "/open311/v2/services/fire.xml").await;
        assert_eq!(r.ct, XML_CT);
        assert!(r.body.contains(
            "<service_definition><service_code>fire</service_code><attributes></attributes></service_definition>"
        ));
        let r = get(&h.app, "/open311/v2/services/volcano.json").await;
        assert!(r.error(StatusCode::NOT_FOUND).contains("volcano"));
        let r = get(&h.app, "/open311/v2/services/volcano.xml").await;
        r.error(StatusCode::NOT_FOUND);

        // Unknown resources and formats: the spec's 404 body.
        get(&h.app, "/open311/v2/services.html")
            .await
            .error(StatusCode::NOT_FOUND);
        get(&h.app, "/open311/v2/nothing.json")
            .await
            .error(StatusCode::NOT_FOUND);
        get(&h.app, "/open311/v2/services/fire")
            .await
            .error(StatusCode::NOT_FOUND);
        let r = send(
            &h.app,
            Request::delete("/open311/v2/services.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        r.error(StatusCode::METHOD_NOT_ALLOWED);
    }
}

#[tokio::test]
async fn post_then_query_and_retry() {
    for url in common::urls().await {
        let h = harness(&url).await;
        let before = now_ms();

        let r = post(
            &h.app,
            "/open311/v2/requests.json",
            &report(&h.key, "Ổ gà lớn giữa đường"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{url}: {}", r.body);
        assert_eq!(r.ct, JSON_CT);
        let created = r.json();
        let created = created.as_array().unwrap();
        assert_eq!(created.len(), 1);
        let id = created[0]["service_request_id"].as_str().unwrap().to_string();
        assert!(id.starts_with("BD-"), "{id}");
        assert!(created[0]["service_notice"]
            .as_str()
            .unwrap()
            .contains("routed to"));
        assert!(created[0]["account_id"].is_null());
        assert!(created[0].get("token").is_none());

        // A client that timed out sends the same request again: same ticket, nothing new.
        let r = post(
            &h.app,
            "/open311/v2/requests.json",
            &report(&h.key, "Ổ gà lớn giữa đường"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()[0]["service_request_id"], id.as_str());
        // …also in XML.
        let r = post(
            &h.app,
            "/open311/v2/requests.xml",
            &report(&h.key, "Ổ gà lớn giữa đường"),
        )
        .await;
        assert_eq!(r.ct, XML_CT);
        assert!(r.body.starts_with(XML_DECL));
        assert!(r.body.contains("<service_requests><request><service_request_id>"));
        assert_eq!(tag(&r.body, "service_request_id").unwrap(), id);
        // A different report is a different ticket.
        let r = post(&h.app, "/open311/v2/requests.xml", &report(&h.key, "Cống bị vỡ")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id2 = tag(&r.body, "service_request_id").unwrap();
        assert_ne!(id2, id);

        // An explicit idempotency key (form field or header) wins over the derived one.
        let explicit = with(
            report(&h.key, "Đèn đường hỏng"),
            "idempotency_key",
            "client-req-1",
        );
        let r = post(&h.app, "/open311/v2/requests.json", &explicit).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id3 = r.json()[0]["service_request_id"].as_str().unwrap().to_string();
        let other_text = with(explicit.clone(), "description", "Đèn đường hỏng (gửi lại)");
        let r = post(&h.app, "/open311/v2/requests.json", &other_text).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()[0]["service_request_id"], id3.as_str());
        let body = form(&report(&h.key, "Cây đổ chắn đường"));
        let r = post_raw(
            &h.app,
            "/open311/v2/requests.json",
            body.clone(),
            &[("x-idempotency-key", "hdr-1")],
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let id4 = r.json()[0]["service_request_id"].as_str().unwrap().to_string();
        let r = post_raw(
            &h.app,
            "/open311/v2/requests.json",
            form(&with(report(&h.key, "Cây đổ"), "lat", "10.99")),
            &[("x-idempotency-key", "hdr-1")],
        )
        .await;
        assert_eq!(r.json()[0]["service_request_id"], id4.as_str());
        // Decimal commas, no description (the service's name stands in), an address only.
        let r = post(
            &h.app,
            "/open311/v2/requests.json",
            &without(with(report(&h.key, ""), "lat", "10,97"), "description"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id5 = r.json()[0]["service_request_id"].as_str().unwrap().to_string();
        let r = post(
            &h.app,
            "/open311/v2/requests.json",
            &without(without(report(&h.key, "Rác thải bừa bãi"), "lat"), "long"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

        // GET one, JSON.
        let r = get(&h.app, &format!("/open311/v2/requests/{id}.json")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.ct, JSON_CT);
        let one = r.json();
        let one = one.as_array().unwrap();
        assert_eq!(one.len(), 1, "a single request is still a list");
        let t = &one[0];
        assert_eq!(t["service_request_id"], id.as_str());
        assert_eq!(t["status"], "open");
        assert_eq!(t["status_notes"], "Đã chuyển · assigned");
        assert_eq!(t["service_code"], "infrastructure");
        assert!(t["service_name"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(t["description"], "Ổ gà lớn giữa đường");
        assert!(t["agency_responsible"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(t["address"], "Đường Yersinia, Phú Cường, Thủ Dầu Một");
        assert_eq!(t["lat"], 10.98);
        assert_eq!(t["long"], 106.65);
        let requested = t["requested_datetime"].as_str().unwrap();
        assert!(requested.ends_with("+07:00"), "{requested}");
        let at = server::open311::parse_w3c_datetime(requested).unwrap();
        assert!(at / 1000 >= before / 1000 - 1 && at <= now_ms(), "{requested}");
        assert!(t["updated_datetime"].as_str().unwrap().ends_with("+07:00"));
        let expected = server::open311::parse_w3c_datetime(t["expected_datetime"].as_str().unwrap()).unwrap();
        assert!(expected > at);
        // Lower-case ids are found too.
        let r = get(
            &h.app,
            &format!("/open311/v2/requests/{}.json", id.to_lowercase()),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let r = get(&h.app, &format!("/open311/v2/requests/{id5}.json")).await;
        assert_eq!(r.json()[0]["lat"], 10.97);
        assert_eq!(
            r.json()[0]["description"],
            "Hạ tầng giao thông, đô thị",
            "the service's name stands in for a missing description"
        );

        // GET one, XML.
        let r = get(&h.app, &format!("/open311/v2/requests/{id}.xml")).await;
        assert_eq!(r.ct, XML_CT);
        assert!(r.body.starts_with(XML_DECL));
        assert!(r.body.contains("<service_requests><request>"));
        assert_eq!(count(&r.body, "request"), 1);
        assert_eq!(tag(&r.body, "status").unwrap(), "open");
        assert_eq!(tag(&r.body, "lat").unwrap(), "10.98");
        assert_eq!(tag(&r.body, "long").unwrap(), "106.65");
        assert_eq!(tag(&r.body, "requested_datetime").unwrap(), requested);

        // Unknown ids.
        get(&h.app, "/open311/v2/requests/BD-00000-00000.json")
            .await
            .error(StatusCode::NOT_FOUND);
        get(&h.app, "/open311/v2/requests/BD-00000-00000.xml")
            .await
            .error(StatusCode::NOT_FOUND);

        // Lists and their filters.
        let ids = |r: &Res| -> Vec<String> {
            r.json()
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["service_request_id"].as_str().unwrap().to_string())
                .collect()
        };
        let r = get(&h.app, "/open311/v2/requests.json").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let all = ids(&r);
        assert_eq!(all.len(), 6, "{all:?}");
        assert_eq!(all.last().unwrap(), &id, "newest first");
        let r = get(
            &h.app,
            "/open311/v2/requests.json?service_request_id=&service_code=&start_date=&end_date=&status=",
        )
        .await;
        assert_eq!(ids(&r), all, "empty parameters behave as absent");
        let r = get(
            &h.app,
            &format!("/open311/v2/requests.json?service_request_id={id},{id2}"),
        )
        .await;
        let mut got = ids(&r);
        got.sort();
        let mut want = vec![id.clone(), id2.clone()];
        want.sort();
        assert_eq!(got, want);
        let r = get(
            &h.app,
            &format!("/open311/v2/requests.json?service_request_id={id}&status=closed&service_code=fire"),
        )
        .await;
        assert_eq!(ids(&r), vec![id.clone()], "ids override the other filters");
        let r = get(
            &h.app,
            "/open311/v2/requests.json?service_code=infrastructure,fire",
        )
        .await;
        assert_eq!(ids(&r).len(), 6);
        let r = get(&h.app, "/open311/v2/requests.json?service_code=fire").await;
        assert!(ids(&r).is_empty());
        let r = get(&h.app, "/open311/v2/requests.json?status=open").await;
        assert_eq!(ids(&r).len(), 6);
        let r = get(&h.app, "/open311/v2/requests.json?status=closed").await;
        assert!(ids(&r).is_empty());
        let r = get(&h.app, "/open311/v2/requests.json?status=open,closed").await;
        assert_eq!(ids(&r).len(), 6);
        let past = urlencode(&format_iso_local(before - 3_600_000));
        let future = urlencode(&format_iso_local(now_ms() + 3_600_000));
        let r = get(
            &h.app,
            &format!("/open311/v2/requests.json?start_date={past}&end_date={future}"),
        )
        .await;
        assert_eq!(ids(&r).len(), 6, "{}", r.body);
        let r = get(&h.app, &format!("/open311/v2/requests.json?start_date={future}")).await;
        assert!(ids(&r).is_empty());
        let r = get(&h.app, &format!("/open311/v2/requests.json?end_date={past}")).await;
        assert!(ids(&r).is_empty());
        let r = get(
            &h.app,
            "/open311/v2/requests.json?start_date=2020-01-01T00:00:00Z",
        )
        .await;
        assert!(ids(&r).is_empty(), "start_date alone opens a 90-day window");
        // An unencoded `+` in the offset arrives as a space and is still understood.
        let raw = format_iso_local(before - 3_600_000);
        let r = get(&h.app, &format!("/open311/v2/requests.json?start_date={raw}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(ids(&r).len(), 6);
        let r = get(&h.app, "/open311/v2/requests.xml?status=open").await;
        assert_eq!(r.ct, XML_CT);
        assert!(r
            .body
            .starts_with(&format!("{XML_DECL}\n<service_requests><request>")));
        assert_eq!(count(&r.body, "request"), 6);

        // No personal data in anything GET returns.
        for uri in [
            format!("/open311/v2/requests/{id}.json"),
            format!("/open311/v2/requests/{id}.xml"),
            "/open311/v2/requests.json".to_string(),
            "/open311/v2/requests.xml".to_string(),
        ] {
            let r = get(&h.app, &uri).await;
            for secret in [
                NAME,
                "Nguyễn Văn",
                PHONE,
                "345678",
                "binh@example.vn",
                "device-1",
                h.key.as_str(),
            ] {
                assert!(!r.body.contains(secret), "{uri} leaks {secret:?}");
            }
            for field in ["first_name", "last_name", "phone", "email", "reporter"] {
                assert!(!r.body.contains(field), "{uri} has a {field} field");
            }
        }

        // The ticket went through intake: Open311 channel, reporter kept internally, routed.
        let tid = h.store.ticket_id_by_code(&id).await.unwrap();
        let d = h.store.ticket_detail(tid).await.unwrap();
        assert_eq!(d.channel, app::types::Channel::Open311);
        assert_eq!(d.reporter_masked.as_deref(), Some("09•••••678"));
        assert!(d.agency_id.is_some());
        assert_eq!(d.history[0].actor, "Open311: test client");

        // A revoked key is refused.
        let keys = h.store.list_api_keys().await.unwrap();
        assert_eq!(keys.len(), 1);
        h.store.revoke_api_key(keys[0].id, now_ms()).await.unwrap();
        assert!(
            h.store.revoke_api_key(keys[0].id, now_ms()).await.is_err(),
            "twice"
        );
        let r = post(
            &h.app,
            "/open311/v2/requests.json",
            &report(&h.key, "Sau khi thu hồi"),
        )
        .await;
        assert!(r.error(StatusCode::FORBIDDEN).contains("revoked"));
        let r = post(
            &h.app,
            "/open311/v2/requests.xml",
            &report(&h.key, "Sau khi thu hồi"),
        )
        .await;
        r.error(StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn bad_input_gets_the_spec_error() {
    for url in common::urls().await {
        let h = harness(&url).await;
        let uri = "/open311/v2/requests.json";
        let base = || report(&h.key, "Ổ gà");

        // Keys: missing, empty, unknown.
        let r = post(&h.app, uri, &without(base(), "api_key")).await;
        assert!(r.error(StatusCode::FORBIDDEN).contains("api_key"), "{url}");
        post(&h.app, uri, &with(base(), "api_key", ""))
            .await
            .error(StatusCode::FORBIDDEN);
        let r = post(&h.app, uri, &with(base(), "api_key", "0123456789abcdef")).await;
        assert!(r.error(StatusCode::FORBIDDEN).contains("invalid"));
        // The key is checked before anything else.
        post(&h.app, uri, &[("service_code", "nope"), ("lat", "x")])
            .await
            .error(StatusCode::FORBIDDEN);

        // Services.
        let r = post(&h.app, uri, &without(base(), "service_code")).await;
        assert!(r.error(StatusCode::BAD_REQUEST).contains("service_code"));
        let r = post(&h.app, uri, &with(base(), "service_code", "volcano")).await;
        assert!(r.error(StatusCode::NOT_FOUND).contains("volcano"));
        let r = post(
            &h.app,
            "/open311/v2/requests.xml",
            &with(base(), "service_code", "volcano"),
        )
        .await;
        assert!(r.error(StatusCode::NOT_FOUND).contains("volcano"));
        let r = post(&h.app, uri, &with(base(), "jurisdiction_id", "sfgov.org")).await;
        r.error(StatusCode::NOT_FOUND);

        // Coordinates: each case names its field.
        for (lat, long, field) in [
            ("abc", LONG, "lat"),
            (LAT, "abc", "long"),
            ("NaN", LONG, "lat"),
            (LAT, "NaN", "long"),
            ("inf", LONG, "lat"),
            ("1,2.3", LONG, "lat"),
            ("91", LONG, "lat"),
            ("-90.5", LONG, "lat"),
            (LAT, "181", "long"),
            (LAT, "-180.01", "long"),
            ("106.65", "10.98", "lat"),
        ] {
            let r = post(&h.app, uri, &with(with(base(), "lat", lat), "long", long)).await;
            let d = r.error(StatusCode::BAD_REQUEST);
            assert!(d.starts_with(&format!("{field}:")), "lat={lat} long={long}: {d}");
        }
        let r = post(&h.app, uri, &without(base(), "long")).await;
        assert!(
            r.error(StatusCode::BAD_REQUEST).starts_with("long:"),
            "half a pair"
        );
        let r = post(&h.app, uri, &without(base(), "lat")).await;
        assert!(
            r.error(StatusCode::BAD_REQUEST).starts_with("lat:"),
            "half a pair"
        );
        let r = post(&h.app, uri, &with(base(), "long", "")).await;
        assert!(
            r.error(StatusCode::BAD_REQUEST).starts_with("long:"),
            "an empty value is absent"
        );
        let no_location = without(without(without(base(), "lat"), "long"), "address_string");
        let r = post(&h.app, uri, &no_location).await;
        assert!(r.error(StatusCode::BAD_REQUEST).contains("location"));

        // Other fields, each named with Open311's name.
        let long_text = "x".repeat(4001);
        let r = post(&h.app, uri, &with(base(), "description", &long_text)).await;
        assert!(r.error(StatusCode::BAD_REQUEST).starts_with("description:"));
        let r = post(&h.app, uri, &with(base(), "phone", "09x12")).await;
        assert!(r.error(StatusCode::BAD_REQUEST).starts_with("phone:"));
        let long_key = "k".repeat(201);
        let r = post(&h.app, uri, &with(base(), "idempotency_key", &long_key)).await;
        assert!(r.error(StatusCode::BAD_REQUEST).starts_with("idempotency_key:"));
        let r = post(&h.app, uri, &with(base(), "description", "a\u{7}b")).await;
        assert!(r.error(StatusCode::BAD_REQUEST).starts_with("description:"));

        // Bodies: wrong type, too large (declared, or streamed without a length).
        let r = send(
            &h.app,
            Request::post(uri)
                .header("content-type", "application/json")
                .body(Body::from("{\"api_key\":\"x\"}"))
                .unwrap(),
        )
        .await;
        assert!(r.error(StatusCode::BAD_REQUEST).contains("x-www-form-urlencoded"));
        let big = form(&with(base(), "description", &"a".repeat(70_000)));
        let r = post_raw(&h.app, uri, big.clone(), &[]).await;
        r.error(StatusCode::PAYLOAD_TOO_LARGE);
        let r = post_raw(&h.app, "/open311/v2/requests.xml", big.clone(), &[]).await;
        r.error(StatusCode::PAYLOAD_TOO_LARGE);
        let r = post_raw(&h.app, uri, String::new(), &[("content-length", "100000000")]).await;
        r.error(StatusCode::PAYLOAD_TOO_LARGE);
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            big.into_bytes().chunks(8192).map(|c| Ok(c.to_vec())).collect();
        let streamed = Body::from_stream(futures_util::stream::iter(chunks));
        let r = send(
            &h.app,
            Request::post(uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(streamed)
                .unwrap(),
        )
        .await;
        r.error(StatusCode::PAYLOAD_TOO_LARGE);

        // Query filters.
        let list = "/open311/v2/requests.json";
        for q in [
            "start_date=yesterday",
            "start_date=2026-12-03",
            "start_date=2026-12-03T10:00:00",
            "end_date=2026-02-30T10:00:00Z",
            "start_date=2026-12-03T10:00:00Z&end_date=2026-12-01T10:00:00Z",
            "start_date=2026-01-01T00:00:00Z&end_date=2026-12-01T00:00:00Z",
            "status=pending",
            "service_code=volcano",
        ] {
            let r = get(&h.app, &format!("{list}?{q}")).await;
            r.error(StatusCode::BAD_REQUEST);
        }
        let r = get(&h.app, &format!("{list}?start_date=2026-13-01T00:00:00Z")).await;
        assert!(r.error(StatusCode::BAD_REQUEST).starts_with("start_date:"));
        let r = get(&h.app, "/open311/v2/requests.xml?end_date=soon").await;
        assert!(r.error(StatusCode::BAD_REQUEST).starts_with("end_date:"));
        let many = vec!["BD-1"; 1001].join(",");
        get(&h.app, &format!("{list}?service_request_id={many}"))
            .await
            .error(StatusCode::BAD_REQUEST);

        // Nothing was filed by any of it.
        assert_eq!(h.store.count_tickets().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn lists_are_capped_newest_first_and_filtered() {
    for url in common::urls().await {
        let h = harness(&url).await;
        fixture(&h.store, 1100).await;
        let r = get(&h.app, "/open311/v2/requests.json").await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        let list = r.json();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1000, "at most 1000 results");
        // An emergency ticket (115) is filed but never published.
        let medical = h
            .store
            .reference()
            .await
            .unwrap()
            .categories
            .into_iter()
            .find(|c| c.code == "medical")
            .unwrap();
        let mut e = record_like(&h.store, "BD-EMERG-00001").await;
        e.category = medical.id;
        h.store.insert_tickets(&[e]).await.unwrap();
        get(&h.app, "/open311/v2/requests/BD-EMERG-00001.json")
            .await
            .error(StatusCode::NOT_FOUND);
        let r = get(&h.app, "/open311/v2/requests.json?service_code=medical").await;
        assert_eq!(
            r.json().as_array().unwrap().len(),
            0,
            "emergencies are not listed"
        );
        let r = get(
            &h.app,
            "/open311/v2/requests.json?service_request_id=BD-EMERG-00001",
        )
        .await;
        assert_eq!(r.json().as_array().unwrap().len(), 0);
        let times: Vec<i64> = list
            .iter()
            .map(|t| server::open311::parse_w3c_datetime(t["requested_datetime"].as_str().unwrap()).unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
        assert_eq!(list[0]["service_request_id"], "BD-T0000-00000");
        assert_eq!(list[999]["service_request_id"], "BD-T0999-00000");
        for t in list {
            for f in [
                "service_request_id",
                "status",
                "service_code",
                "requested_datetime",
            ] {
                assert!(t[f].is_string(), "{f} in {t}");
            }
            assert!(t["status"] == "open" || t["status"] == "closed");
        }

        for status in ["open", "closed"] {
            let r = get(
                &h.app,
                &format!("/open311/v2/requests.json?status={status}&service_code=information"),
            )
            .await;
            let list = r.json();
            let list = list.as_array().unwrap();
            assert!(!list.is_empty(), "{status}");
            assert!(list
                .iter()
                .all(|t| t["status"] == status && t["service_code"] == "information"));
            if status == "closed" {
                assert!(list.iter().all(|t| t["service_notice"].is_null()));
            }
        }

        // A day-long window holds only that day's tickets.
        let now = now_ms();
        let from = format_iso_local(now - 3 * 86_400_000);
        let to = format_iso_local(now - 2 * 86_400_000);
        let r = get(
            &h.app,
            &format!(
                "/open311/v2/requests.json?start_date={}&end_date={}",
                urlencode(&from),
                urlencode(&to)
            ),
        )
        .await;
        let list = r.json();
        let list = list.as_array().unwrap();
        assert!((100..=120).contains(&list.len()), "{}", list.len());
        let (lo, hi) = (
            server::open311::parse_w3c_datetime(&from).unwrap(),
            server::open311::parse_w3c_datetime(&to).unwrap(),
        );
        assert!(list.iter().all(|t| {
            let at = server::open311::parse_w3c_datetime(t["requested_datetime"].as_str().unwrap()).unwrap();
            (lo..=hi).contains(&at)
        }));

        // Nothing personal in a thousand tickets filed with a name and a phone number either.
        let r = get(&h.app, "/open311/v2/requests.xml").await;
        assert_eq!(count(&r.body, "request"), 1000);
        for secret in [NAME, PHONE, "345678", "reporter", "phone"] {
            assert!(!r.body.contains(secret), "{secret}");
        }
    }
}

/// sqlx 0.8.6's `Any` driver sends a NULL `f64` as a FLOAT4 parameter, and PostgreSQL's cached
/// statement then refuses a real `f64` in that place ("incorrect binary data format in bind
/// parameter"): once a connection has filed a ticket without coordinates, it cannot file one
/// with coordinates. The fix belongs in the store's ticket INSERTs (server/src/store).
#[tokio::test]
async fn address_only_reports_then_located_ones() {
    for url in common::urls().await {
        let h = harness(&url).await;
        let uri = "/open311/v2/requests.json";
        for i in 0..10 {
            let d = format!("Rác {i}");
            let r = post(&h.app, uri, &without(without(report(&h.key, &d), "lat"), "long")).await;
            assert_eq!(r.status, StatusCode::CREATED, "{url} {}", r.body);
        }
        for i in 0..10 {
            let d = format!("Ổ gà {i}");
            let r = post(&h.app, uri, &report(&h.key, &d)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{url} {}", r.body);
        }
    }
}
