//! The Zalo OA webhook through the real router, and its outbox, on SQLite and PostgreSQL.

mod common;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use app::ssr::state::{now_ms, AppState};
use app::ssr::store::{StatusChange, Store};
use app::types::{Channel, NewTicket, TicketDetail, TicketId, TicketStatus};
use server::router::RouterOptions;
use server::store::SqlStore;
use server::zalo::{signature_header, ReplySender, Webhook};

const APP_ID: &str = "3608465249409039670";
const SECRET: &str = "test-oa-secret-key";
/// A point in Thủ Dầu Một.
const LAT: f64 = 10.98;
const LON: f64 = 106.65;

struct Harness {
    app: axum::Router,
    state: AppState,
    store: SqlStore,
}

async fn state(store: &SqlStore) -> AppState {
    common::state(store).await
}

/// A router with the webhook configured (app id and secret) over a fresh database.
async fn harness(url: &str) -> Harness {
    let store = common::store(url).await;
    let state = state(&store).await;
    let hook = Webhook::new(store.clone(), Some(APP_ID.into()), SECRET.into());
    let app = server::router::router_with(
        state.clone(),
        RouterOptions {
            zalo: Some(Arc::new(hook)),
            ..RouterOptions::default()
        },
    );
    Harness { app, state, store }
}

fn event(name: &str, user: &str, msg_id: &str, ts: i64, mut message: Value) -> String {
    message["msg_id"] = json!(msg_id);
    json!({
        "app_id": APP_ID,
        "user_id_by_app": format!("app-{user}"),
        "event_name": name,
        "timestamp": ts.to_string(),
        "sender": { "id": user },
        "recipient": { "id": "579745863508352884" },
        "message": message,
    })
    .to_string()
}

fn text(user: &str, msg_id: &str, body: &str) -> String {
    event("user_send_text", user, msg_id, now_ms(), json!({ "text": body }))
}

fn location(user: &str, msg_id: &str, lat: f64, lon: f64) -> String {
    // Zalo sends the coordinates as strings.
    event(
        "user_send_location",
        user,
        msg_id,
        now_ms(),
        json!({ "attachments": [{ "type": "location", "payload": { "coordinates": {
            "latitude": lat.to_string(), "longitude": lon.to_string() } } }] }),
    )
}

fn image(user: &str, msg_id: &str, url: &str) -> String {
    event(
        "user_send_image",
        user,
        msg_id,
        now_ms(),
        json!({ "attachments": [{ "type": "image", "payload": {
            "thumbnail": format!("{url}?thumb"), "url": url } }] }),
    )
}

fn timestamp_of(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["timestamp"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Posts `body` signed as Zalo does.
async fn send(app: &axum::Router, body: &str) -> (StatusCode, Value) {
    let sig = signature_header(APP_ID, body.as_bytes(), &timestamp_of(body), SECRET);
    send_with(app, body.to_string(), &[("x-zevent-signature", &sig)]).await
}

async fn send_with(app: &axum::Router, body: String, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut req = Request::post("/zalo/webhook").header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
    (status, v)
}

fn assert_error(res: &(StatusCode, Value), status: StatusCode) {
    assert_eq!(res.0, status, "{}", res.1);
    assert_eq!(res.1["ok"], false, "{}", res.1);
    assert_eq!(res.1["code"], status.as_u16(), "{}", res.1);
    assert!(
        res.1["error"].as_str().is_some_and(|e| e.contains(" · ")),
        "bilingual: {}",
        res.1
    );
}

async fn detail(h: &Harness, code: &str) -> TicketDetail {
    let id = h.store.ticket_id_by_code(code).await.unwrap();
    h.store.ticket_detail(id).await.unwrap()
}

async fn count(store: &SqlStore, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&store.pool)
        .await
        .unwrap()
}

fn code_of(res: &(StatusCode, Value)) -> String {
    assert_eq!(res.0, StatusCode::OK, "{}", res.1);
    res.1["ticket"].as_str().expect("a ticket code").to_string()
}

#[tokio::test]
async fn text_then_location_then_image_make_one_ticket() {
    for url in common::urls().await {
        let h = harness(&url).await;
        let res = send(
            &h.app,
            &text("u1", "m1", "Cháy nhà ở hẻm 5 đường Yersin, cần hỗ trợ gấp"),
        )
        .await;
        assert_eq!(res.1["action"], "created", "{}", res.1);
        let code = code_of(&res);
        let d = detail(&h, &code).await;
        assert_eq!(d.channel, Channel::Zalo);
        assert_eq!(d.category_name_vi, "Cháy, nổ (114)", "fire from the keywords");
        assert_eq!(d.status, TicketStatus::Assigned, "routed at once");
        assert_eq!((d.lat, d.district), (None, None));

        let res = send(&h.app, &location("u1", "m2", LAT, LON)).await;
        assert_eq!(res.1["action"], "attached", "{}", res.1);
        assert_eq!(code_of(&res), code);
        let d = detail(&h, &code).await;
        assert_eq!((d.lat, d.lon), (Some(LAT), Some(LON)));
        assert_eq!(
            d.district_name.as_deref(),
            Some("Thủ Dầu Một"),
            "district resolved"
        );
        assert!(d.commune.is_some());
        assert!(
            d.notes.iter().any(|n| n.body.contains("10.98, 106.65")),
            "the move is noted: {:?}",
            d.notes
        );

        let photo = "https://photo-stal.zadn.vn/abc/chay.jpg";
        let res = send(&h.app, &image("u1", "m3", photo)).await;
        assert_eq!(
            (res.1["action"].as_str(), code_of(&res)),
            (Some("attached"), code.clone())
        );
        let d = detail(&h, &code).await;
        assert!(
            d.notes.iter().any(|n| n.body.contains(photo) && !n.public),
            "{:?}",
            d.notes
        );

        // A follow-up text joins the same ticket as a note.
        let res = send(&h.app, &text("u1", "m4", "Lửa đã lan sang nhà bên")).await;
        assert_eq!(
            (res.1["action"].as_str(), code_of(&res)),
            (Some("attached"), code.clone())
        );
        assert_eq!(
            h.store.count_tickets().await.unwrap(),
            1,
            "one ticket for the conversation"
        );
        assert_eq!(count(&h.store, "zalo_messages").await, 4);

        // Another user's messages are another conversation.
        let other = code_of(&send(&h.app, &text("u2", "m5", "Cho hỏi giờ làm việc của phường")).await);
        assert_ne!(other, code);
        let d2 = detail(&h, &other).await;
        assert_eq!(
            d2.category_name_vi, "Hỏi đáp, cung cấp thông tin",
            "no keyword: information"
        );

        // Filing queued the "received" reply with the code, for that user only.
        let out = h.store.zalo_outbox(d.id).await.unwrap();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].zalo_user_id, "u1");
        assert!(
            out[0].body.contains(&code) && out[0].sent_at.is_none(),
            "{:?}",
            out[0]
        );
    }
}

#[tokio::test]
async fn location_and_image_before_the_text_wait_for_it() {
    for url in common::urls().await {
        let h = harness(&url).await;
        let res = send(&h.app, &location("u1", "m1", LAT, LON)).await;
        assert_eq!(
            (res.0, res.1["action"].as_str()),
            (StatusCode::OK, Some("pending"))
        );
        let photo = "https://photo-stal.zadn.vn/abc/ngap.jpg";
        let mut with_caption: Value = serde_json::from_str(&image("u1", "m2", photo)).unwrap();
        with_caption["message"]["text"] = json!("nước ngập tới gối");
        let res = send(&h.app, &with_caption.to_string()).await;
        assert_eq!(res.1["action"], "pending", "{}", res.1);
        assert_eq!(h.store.count_tickets().await.unwrap(), 0);

        let code = code_of(&send(&h.app, &text("u1", "m3", "Đường trước chợ bị ngập sâu")).await);
        let d = detail(&h, &code).await;
        assert_eq!(d.category_name_vi, "Cấp thoát nước, ngập", "flooding keyword");
        assert_eq!(d.district_name.as_deref(), Some("Thủ Dầu Một"));
        assert!(
            d.description.contains("nước ngập tới gối"),
            "caption kept: {}",
            d.description
        );
        assert!(d.notes.iter().any(|n| n.body.contains(photo)), "{:?}", d.notes);
        assert!(d.agency_name_vi.is_some());

        // More than 30 minutes later the conversation is over: a location waits for a new report.
        sqlx::query("UPDATE zalo_conversations SET updated_at = updated_at - 1860000")
            .execute(&h.store.pool)
            .await
            .unwrap();
        let res = send(&h.app, &location("u1", "m4", 11.05, 106.70)).await;
        assert_eq!(res.1["action"], "pending", "{}", res.1);
        let again = detail(&h, &code).await;
        assert_eq!(
            (again.lat, again.lon),
            (Some(LAT), Some(LON)),
            "the old ticket is untouched"
        );
        let next = code_of(&send(&h.app, &text("u1", "m5", "Có người bất tỉnh bên đường")).await);
        assert_ne!(next, code);
        let d = detail(&h, &next).await;
        assert_eq!(d.category_name_vi, "Cấp cứu y tế (115)");
        assert_eq!((d.lat, d.lon), (Some(11.05), Some(106.70)));

        // A closed ticket does not take more messages: the next text is a new report.
        let version = d.version;
        h.state
            .change_status(
                d.id,
                StatusChange {
                    to: TicketStatus::Rejected,
                    at: now_ms(),
                    actor: "test".into(),
                    note: Some("nhầm".into()),
                    agency: None,
                    duplicate_of: None,
                    expected_version: version,
                },
            )
            .await
            .unwrap();
        let third = code_of(&send(&h.app, &text("u1", "m6", "Cho hỏi thủ tục cấp giấy phép")).await);
        assert_ne!(third, next);
        assert_eq!(h.store.count_tickets().await.unwrap(), 3);
    }
}

#[tokio::test]
async fn a_replayed_message_changes_nothing() {
    for url in common::urls().await {
        let h = harness(&url).await;
        let first = text("u1", "m1", "Cháy bãi rác");
        let code = code_of(&send(&h.app, &first).await);
        let loc = location("u1", "m2", LAT, LON);
        send(&h.app, &loc).await;
        let img = image("u1", "m3", "https://photo-stal.zadn.vn/x.jpg");
        send(&h.app, &img).await;
        let before = detail(&h, &code).await;
        let tables = [
            "tickets",
            "ticket_notes",
            "ticket_history",
            "zalo_messages",
            "zalo_outbox",
        ];
        let mut counts = Vec::new();
        for t in tables {
            counts.push(count(&h.store, t).await);
        }
        // Zalo retries each event with the same body and msg_id.
        for body in [&first, &loc, &img, &first] {
            let res = send(&h.app, body).await;
            assert_eq!(
                (res.0, res.1["action"].as_str()),
                (StatusCode::OK, Some("duplicate")),
                "{}",
                res.1
            );
        }
        // Even a different body under a used msg_id.
        let res = send(&h.app, &location("u1", "m2", 11.1, 106.6)).await;
        assert_eq!(res.1["action"], "duplicate");
        for (t, n) in tables.iter().zip(&counts) {
            assert_eq!(count(&h.store, t).await, *n, "{t}");
        }
        assert_eq!(detail(&h, &code).await, before);
    }
}

#[tokio::test]
async fn bad_signatures_and_timestamps_are_refused() {
    for url in common::urls().await {
        let h = harness(&url).await;
        let body = text("u1", "m1", "Cháy nhà");
        let ts = timestamp_of(&body);
        let good = signature_header(APP_ID, body.as_bytes(), &ts, SECRET);
        let wrong_secret = signature_header(APP_ID, body.as_bytes(), &ts, "other");
        let flipped = format!("{}{}", &good[..67], if good.ends_with('0') { "1" } else { "0" });
        for headers in [
            vec![],
            vec![("x-zevent-signature", wrong_secret.as_str())],
            vec![("x-zevent-signature", flipped.as_str())],
            vec![("x-zevent-signature", &good[4..])],
            vec![("x-zevent-signature", "mac=not-hex")],
        ] {
            let res = send_with(&h.app, body.clone(), &headers).await;
            assert_error(&res, StatusCode::UNAUTHORIZED);
        }
        // The signature covers the body: the same header on a changed body fails.
        let tampered = body.replace("Cháy nhà", "Cháy nhà to");
        let res = send_with(&h.app, tampered, &[("x-zevent-signature", &good)]).await;
        assert_error(&res, StatusCode::UNAUTHORIZED);

        // Correctly signed but stale, or from the future.
        let now = now_ms();
        for ts in [now - 6 * 60_000, now + 2 * 60_000] {
            let body = event("user_send_text", "u1", "m2", ts, json!({ "text": "Cháy nhà" }));
            let res = send(&h.app, &body).await;
            assert_error(&res, StatusCode::UNAUTHORIZED);
        }
        // Within the window (4 minutes old, 30 s ahead) is fine.
        for (i, ts) in [now - 4 * 60_000, now + 30_000].into_iter().enumerate() {
            let body = event(
                "user_send_text",
                &format!("ok{i}"),
                &format!("ok{i}"),
                ts,
                json!({ "text": "Hỏi" }),
            );
            assert_eq!(send(&h.app, &body).await.0, StatusCode::OK);
        }
        // Another OA's app id, even signed with our secret.
        let mut other: Value = serde_json::from_str(&text("u1", "m3", "Cháy")).unwrap();
        other["app_id"] = json!("999");
        let other = other.to_string();
        let sig = signature_header("999", other.as_bytes(), &timestamp_of(&other), SECRET);
        let res = send_with(&h.app, other, &[("x-zevent-signature", &sig)]).await;
        assert_error(&res, StatusCode::UNAUTHORIZED);

        assert_eq!(
            h.store.count_tickets().await.unwrap(),
            2,
            "only the two fresh events"
        );
        assert_eq!(count(&h.store, "zalo_messages").await, 2);
    }
}

#[tokio::test]
async fn malformed_oversized_and_unconfigured() {
    for url in common::urls().await {
        let h = harness(&url).await;
        for bad in ["{not json", "", "[1,2]", "\"text\""] {
            let res = send_with(&h.app, bad.to_string(), &[("x-zevent-signature", "mac=00")]).await;
            assert_error(&res, StatusCode::BAD_REQUEST);
        }
        // No timestamp, or not digits: nothing to verify against.
        for ts in [json!(null), json!("yesterday"), json!("-5")] {
            let mut v: Value = serde_json::from_str(&text("u1", "m1", "x")).unwrap();
            v["timestamp"] = ts;
            let res = send_with(&h.app, v.to_string(), &[]).await;
            assert_error(&res, StatusCode::BAD_REQUEST);
            assert_eq!(res.1["field"], "timestamp");
        }
        // Signed events with bad content name the field.
        let res = send(&h.app, &location("u1", "m2", 200.0, LON)).await;
        assert_error(&res, StatusCode::BAD_REQUEST);
        assert_eq!(
            res.1["field"],
            "message.attachments[0].payload.coordinates.latitude"
        );
        let res = send(&h.app, &image("u1", "m3", "javascript:alert(1)")).await;
        assert_error(&res, StatusCode::BAD_REQUEST);
        assert_eq!(res.1["field"], "message.attachments[0].payload.url");
        let res = send(&h.app, &text("u1", "m4", "   ")).await;
        assert_error(&res, StatusCode::BAD_REQUEST);
        assert_eq!(res.1["field"], "message.text");
        let mut no_sender: Value = serde_json::from_str(&text("u1", "m5", "Cháy")).unwrap();
        no_sender.as_object_mut().unwrap().remove("sender");
        let res = send(&h.app, &no_sender.to_string()).await;
        assert_eq!(res.1["field"], "sender.id", "{}", res.1);
        // Events we do not handle are acknowledged and ignored.
        let follow = event("follow", "u1", "m6", now_ms(), json!({}));
        let res = send(&h.app, &follow).await;
        assert_eq!(
            (res.0, res.1["action"].as_str()),
            (StatusCode::OK, Some("ignored"))
        );

        // Over 64 KiB: refused from Content-Length, and when streamed without one.
        let big = text("u1", "m7", &"a".repeat(70 * 1024));
        let len = big.len().to_string();
        let res = send_with(&h.app, big.clone(), &[("content-length", &len)]).await;
        assert_error(&res, StatusCode::PAYLOAD_TOO_LARGE);
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            big.as_bytes().chunks(8192).map(|c| Ok(c.to_vec())).collect();
        let req = Request::post("/zalo/webhook")
            .body(Body::from_stream(futures_util::stream::iter(chunks)))
            .unwrap();
        let res = h.app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(h.store.count_tickets().await.unwrap(), 0);

        // Without ZALO_OA_SECRET: 503, whatever is sent.
        let plain = server::router::router(h.state.clone());
        let res = send(&plain, &text("u1", "m8", "Cháy nhà")).await;
        assert_error(&res, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(h.store.count_tickets().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn a_status_change_queues_one_reply() {
    for url in common::urls().await {
        let h = harness(&url).await;
        let code = code_of(&send(&h.app, &text("u1", "m1", "Mất điện cả khu phố 3")).await);
        let d = detail(&h, &code).await;
        assert_eq!(
            h.store.zalo_outbox(d.id).await.unwrap().len(),
            1,
            "the received reply"
        );
        let change = |to, version| StatusChange {
            to,
            at: now_ms(),
            actor: "Điện lực".into(),
            note: Some("nội bộ".into()),
            agency: None,
            duplicate_of: None,
            expected_version: version,
        };
        let d = h
            .state
            .change_status(d.id, change(TicketStatus::Acknowledged, d.version))
            .await
            .unwrap();
        let out = h.store.zalo_outbox(d.id).await.unwrap();
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(
            out[1].body,
            format!("Phiếu {code} của bạn: Cơ quan chức năng đã tiếp nhận.")
        );
        assert_eq!(
            (out[1].zalo_user_id.as_str(), out[1].attempts, out[1].sent_at),
            ("u1", 0, None)
        );
        assert!(!out[1].body.contains("nội bộ"), "internal notes stay internal");

        let d = h
            .state
            .change_status(d.id, change(TicketStatus::InProgress, d.version))
            .await
            .unwrap();
        let out = h.store.zalo_outbox(d.id).await.unwrap();
        assert_eq!(out.len(), 3);
        assert!(out[2].body.contains("Đang xử lý"), "{}", out[2].body);

        // A refused change (stale version) queues nothing.
        assert!(h
            .state
            .change_status(d.id, change(TicketStatus::Resolved, d.version - 1))
            .await
            .is_err());
        assert_eq!(h.store.zalo_outbox(d.id).await.unwrap().len(), 3);

        // Tickets from other channels have no Zalo user to reply to.
        let web = h
            .state
            .create_ticket(
                NewTicket {
                    channel: Channel::Web,
                    category: d.category_id,
                    description: "Mất điện".into(),
                    reporter_name: None,
                    reporter_phone: None,
                    lat: None,
                    lon: None,
                    address: None,
                    agency_override: None,
                    duplicate_of: None,
                    idempotency_key: None,
                },
                "test",
                now_ms(),
            )
            .await
            .unwrap();
        let wd = h.store.ticket_detail(web.id).await.unwrap();
        h.state
            .change_status(web.id, change(TicketStatus::Acknowledged, wd.version))
            .await
            .unwrap();
        assert!(h.store.zalo_outbox(web.id).await.unwrap().is_empty());
        assert_eq!(count(&h.store, "zalo_outbox").await, 3);
    }
}

/// Records what it was asked to send; fails while `fail` is set.
#[derive(Default)]
struct FakeSender {
    sent: Mutex<Vec<(String, String)>>,
    fail: Mutex<bool>,
}

#[async_trait::async_trait]
impl ReplySender for FakeSender {
    async fn send(&self, user: &str, text: &str) -> Result<(), String> {
        if *self.fail.lock().unwrap() {
            return Err("network unreachable".into());
        }
        self.sent.lock().unwrap().push((user.into(), text.into()));
        Ok(())
    }
}

#[tokio::test]
async fn the_sender_empties_the_outbox_and_retries_failures() {
    for url in common::urls().await {
        let h = harness(&url).await;
        let code = code_of(&send(&h.app, &text("u1", "m1", "Có người đuối nước ở hồ")).await);
        let id: TicketId = h.store.ticket_id_by_code(&code).await.unwrap();
        let fake = FakeSender::default();
        *fake.fail.lock().unwrap() = true;
        let now = now_ms();
        let r = server::zalo::send_due(&h.store, &fake, now, 10).await.unwrap();
        assert_eq!((r.sent, r.failed), (0, 1));
        let row = &h.store.zalo_outbox(id).await.unwrap()[0];
        assert_eq!((row.attempts, row.sent_at), (1, None));
        assert_eq!(row.last_error.as_deref(), Some("network unreachable"));
        assert_eq!(row.next_attempt_at, now + 30_000, "backoff");
        // Not due again before its time.
        let r = server::zalo::send_due(&h.store, &fake, now + 1_000, 10)
            .await
            .unwrap();
        assert_eq!((r.sent, r.failed), (0, 0));

        *fake.fail.lock().unwrap() = false;
        let r = server::zalo::send_due(&h.store, &fake, now + 31_000, 10)
            .await
            .unwrap();
        assert_eq!((r.sent, r.failed), (1, 0));
        let sent = fake.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, "u1");
        assert!(sent[0].1.contains(&code));
        let row = &h.store.zalo_outbox(id).await.unwrap()[0];
        assert!(row.sent_at.is_some() && row.last_error.is_none(), "{row:?}");
        let r = server::zalo::send_due(&h.store, &fake, now + 3_600_000, 10)
            .await
            .unwrap();
        assert_eq!((r.sent, r.failed), (0, 0), "sent once");
    }
}

#[tokio::test]
async fn concurrent_deliveries_make_one_ticket() {
    for url in common::urls().await {
        let h = harness(&url).await;
        // Zalo may deliver the same event again before the first delivery was answered.
        let body = text("u1", "m1", "Tai nạn giao thông ở ngã tư");
        let results = futures_util::future::join_all((0..5).map(|_| send(&h.app, &body))).await;
        let actions: Vec<&str> = results.iter().map(|r| r.1["action"].as_str().unwrap()).collect();
        assert_eq!(
            actions.iter().filter(|a| **a == "created").count(),
            1,
            "{actions:?}"
        );
        assert_eq!(
            actions.iter().filter(|a| **a == "duplicate").count(),
            4,
            "{actions:?}"
        );
        assert_eq!(h.store.count_tickets().await.unwrap(), 1);

        // A text and a location from another user at the same moment end up in one ticket,
        // whichever is handled first.
        let (t, l) = (text("u2", "m2", "Cháy xe máy"), location("u2", "m3", LAT, LON));
        let (rt, rl) = tokio::join!(send(&h.app, &t), send(&h.app, &l));
        assert_eq!((rt.0, rl.0), (StatusCode::OK, StatusCode::OK));
        let code = code_of(&rt);
        let d = detail(&h, &code).await;
        assert_eq!(
            d.district_name.as_deref(),
            Some("Thủ Dầu Một"),
            "{} / {}",
            rt.1,
            rl.1
        );
        assert_eq!(h.store.count_tickets().await.unwrap(), 2);

        // Two instances (separate processes' locks and indexes) over one database.
        let other = server::router::router_with(
            state(&h.store).await,
            RouterOptions {
                zalo: Some(Arc::new(Webhook::new(h.store.clone(), None, SECRET.into()))),
                ..RouterOptions::default()
            },
        );
        let body = text("u3", "m4", "Có người đuối nước");
        let loc = location("u3", "m5", LAT, LON);
        let results = futures_util::future::join_all([
            send(&h.app, &body),
            send(&other, &body),
            send(&other, &loc),
            send(&h.app, &body),
            send(&other, &body),
            send(&h.app, &loc),
        ])
        .await;
        let actions: Vec<&str> = results.iter().map(|r| r.1["action"].as_str().unwrap()).collect();
        assert_eq!(
            actions.iter().filter(|a| **a == "created").count(),
            1,
            "{actions:?}"
        );
        assert_eq!(h.store.count_tickets().await.unwrap(), 3, "{actions:?}");
        let code = results
            .iter()
            .find(|r| r.1["action"] == "created")
            .map(code_of)
            .unwrap();
        assert_eq!(detail(&h, &code).await.lat, Some(LAT), "{actions:?}");
    }
}
