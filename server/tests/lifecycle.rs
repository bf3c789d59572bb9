//! Filing, transitions, conflicts and bad input through HTTP, on SQLite and PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use app::domain::lifecycle::can_transition;
use app::types::{TicketCreated, TicketDetail, TicketStatus};

async fn app(url: &str) -> axum::Router {
    let store = common::store(url).await;
    let state = common::state(&store).await;
    server::router::router(state)
}

async fn post(app: &axum::Router, uri: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let req = Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(body))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let res = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn report(app: &axum::Router, extra: &[(&str, &str)]) -> (StatusCode, String) {
    let mut form: Vec<(&str, &str)> = [
        ("category", "1"),
        ("description", "Cháy nhà dân trên đường 30 Tháng 4"),
    ]
    .into_iter()
    .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
    .collect();
    form.extend_from_slice(extra);
    post(app, "/api/public/report", &form).await
}

fn field_of(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    v["Validation"][0]["field"].as_str().unwrap_or("").to_string()
}

async fn status(
    app: &axum::Router,
    t: &TicketDetail,
    to: TicketStatus,
    extra: &[(&str, &str)],
) -> (StatusCode, String) {
    let (id, version) = (t.id.0.to_string(), t.version.to_string());
    let mut form = vec![
        ("id", id.as_str()),
        ("version", version.as_str()),
        ("to", to.as_str()),
    ];
    form.extend_from_slice(extra);
    post(app, "/api/tickets/status", &form).await
}

async fn detail(app: &axum::Router, id: i64) -> TicketDetail {
    let (s, body) = post(app, "/api/ticket", &[("id", &id.to_string())]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn filing_from_the_web_form() {
    for url in common::urls().await {
        let app = app(&url).await;
        let (s, body) = report(
            &app,
            &[("lat", "10.98"), ("lon", "106.65"), ("idempotency_key", "k-1")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let t: TicketCreated = serde_json::from_str(&body).unwrap();
        assert!(t.code.starts_with("BD-") && t.code.len() == 14, "{}", t.code);
        assert_eq!(t.district_name.as_deref(), Some("Thủ Dầu Một"));
        assert_eq!(
            t.agency_name_vi.as_deref(),
            Some("Phòng Cảnh sát PCCC và CNCH – Công an tỉnh"),
            "fire → PCCC"
        );
        assert!(!t.replayed && !t.out_of_area);

        // A retry with the same key gives the same ticket and stores nothing new.
        let (_, again) = report(
            &app,
            &[("lat", "10.98"), ("lon", "106.65"), ("idempotency_key", "k-1")],
        )
        .await;
        let again: TicketCreated = serde_json::from_str(&again).unwrap();
        assert_eq!((again.id, again.replayed), (t.id, true));

        // Comma decimals are fine; a point in Củ Chi (Hồ Chí Minh City) is kept, for triage.
        let (s, body) = report(&app, &[("lat", "10,9733"), ("lon", "106,4932")]).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let out: TicketCreated = serde_json::from_str(&body).unwrap();
        assert!(out.out_of_area);
        assert_eq!(
            out.agency_name_vi.as_deref(),
            Some("Trung tâm 1022 – Sở Thông tin và Truyền thông")
        );

        // Markup is stored as text and shown inert.
        let (_, body) = report(&app, &[("description", "<script>alert('x')</script> khói")]).await;
        let x: TicketCreated = serde_json::from_str(&body).unwrap();
        let d = detail(&app, x.id.0).await;
        assert!(d.description.starts_with("<script>"), "{}", d.description);
        let (_, page) = get(&app, &format!("/track/{}", x.code)).await;
        assert!(!page.contains("<script>alert"), "the status page escapes markup");

        // The citizen's status page shows no personal data.
        let (_, body) = report(&app, &[("name", "Trần Thị Bình"), ("phone", "0987654321")]).await;
        let p: TicketCreated = serde_json::from_str(&body).unwrap();
        let (s, page) = get(&app, &format!("/track/{}", p.code)).await;
        assert_eq!(s, StatusCode::OK);
        assert!(page.contains(&p.code));
        assert!(!page.contains("Trần Thị Bình") && !page.contains("0987654321") && !page.contains("321<"));
        let (s, _) = post(&app, "/api/public/track", &[("code", "BD-00000-00000")]).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named() {
    for url in common::urls().await {
        let app = app(&url).await;
        let before = count(&app).await;
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("lat", "10.98")], "lon"),
            (&[("lon", "106.65")], "lat"),
            (&[("lat", "abc"), ("lon", "106.65")], "lat"),
            (&[("lat", "NaN"), ("lon", "106.65")], "lat"),
            (&[("lat", "95"), ("lon", "106.65")], "lat"),
            (&[("lat", "10.9"), ("lon", "-181")], "lon"),
            (&[("lat", "106.65"), ("lon", "10.98")], "lat"),
            (&[("description", "   ")], "description"),
            (&[("phone", "09-abc-123")], "reporter_phone"),
        ];
        for (extra, field) in cases {
            let (s, body) = report(&app, extra).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{extra:?}: {body}");
            assert_eq!(field_of(&body), *field, "{extra:?}: {body}");
        }
        let (s, body) = post(
            &app,
            "/api/public/report",
            &[("category", "999"), ("description", "x")],
        )
        .await;
        assert_eq!(
            (s, field_of(&body).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "category"),
            "{body}"
        );
        let (s, _) = post(
            &app,
            "/api/public/report",
            &[("category", "one"), ("description", "x")],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // An oversized body is refused from its Content-Length (413), before it is read.
        let big = format!("category=1&description={}", "x".repeat(server::router::MAX_BODY));
        let req = Request::post("/api/public/report")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("content-length", big.len().to_string())
            .body(Body::from(big))
            .unwrap();
        assert_eq!(
            app.clone().oneshot(req).await.unwrap().status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
        let long = "x".repeat(4001);
        let (s, body) = report(&app, &[("description", &long)]).await;
        assert_eq!(
            (s, field_of(&body).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "description")
        );
        assert_eq!(count(&app).await, before, "nothing stored by refused requests");
    }
}

async fn count(app: &axum::Router) -> u64 {
    let (_, body) = post(app, "/api/dashboard", &[("period", "today")]).await;
    let d: app::types::Dashboard = serde_json::from_str(&body).unwrap();
    d.headline.today
}

#[tokio::test]
async fn the_lifecycle_with_history_conflicts_and_illegal_moves() {
    use TicketStatus::*;
    for url in common::urls().await {
        let app = app(&url).await;
        let (_, body) = report(&app, &[("lat", "10.90"), ("lon", "106.77")]).await;
        let c: TicketCreated = serde_json::from_str(&body).unwrap();
        let mut t = detail(&app, c.id.0).await;
        assert_eq!(t.status, Assigned);
        assert_eq!(
            t.history.iter().map(|h| h.to).collect::<Vec<_>>(),
            vec![New, Assigned]
        );

        for to in [Acknowledged, InProgress, Resolved, Closed, Reopened, Resolved] {
            let (s, body) = status(&app, &t, to, &[("note", "ok")]).await;
            assert_eq!(s, StatusCode::OK, "{:?} → {to:?}: {body}", t.status);
            let next: TicketDetail = serde_json::from_str(&body).unwrap();
            assert_eq!(next.status, to);
            assert_eq!(next.version, t.version + 1);
            assert_eq!(
                next.history.len(),
                t.history.len() + 1,
                "one immutable entry per change"
            );
            assert_eq!(
                next.history.last().unwrap().to,
                next.status,
                "status equals the latest entry"
            );
            assert_eq!(next.history.last().unwrap().from, Some(t.status));
            assert_eq!(
                &next.history[..t.history.len()],
                &t.history[..],
                "earlier entries unchanged"
            );
            t = next;
        }
        assert!(t.first_response_at.is_some() && t.resolved_at.is_some());

        // A change against a stale version is refused and changes nothing.
        let stale = TicketDetail {
            version: t.version - 1,
            ..t.clone()
        };
        let (s, body) = status(&app, &stale, Closed, &[]).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        assert_eq!(detail(&app, t.id.0).await, t);

        // Illegal transitions are refused.
        for to in [InProgress, Acknowledged, New] {
            assert!(!can_transition(Resolved, to));
            let (s, _) = status(&app, &t, to, &[]).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "resolved → {to:?}");
        }
        assert_eq!(detail(&app, t.id.0).await.version, t.version);

        // Rejection needs a reason; a transfer needs an agency and a reason.
        let (_, body) = report(&app, &[]).await;
        let r: TicketCreated = serde_json::from_str(&body).unwrap();
        let rt = detail(&app, r.id.0).await;
        let (s, body) = status(&app, &rt, Rejected, &[]).await;
        assert_eq!(
            (s, field_of(&body).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "note")
        );
        let (s, body) = status(&app, &rt, Assigned, &[("agency", "2")]).await;
        assert_eq!(
            (s, field_of(&body).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "note")
        );
        let (s, body) = status(
            &app,
            &rt,
            Assigned,
            &[("agency", "2"), ("note", "Thuộc thẩm quyền công an")],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let moved: TicketDetail = serde_json::from_str(&body).unwrap();
        assert_eq!(moved.agency_id.map(|a| a.0), Some(2));
        let (s, body) = status(&app, &moved, Duplicate, &[("duplicate_of", &t.id.0.to_string())]).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let dup: TicketDetail = serde_json::from_str(&body).unwrap();
        assert_eq!(dup.duplicate_of, Some(t.id));
        let (s, _) = status(&app, &dup, Reopened, &[]).await;
        assert_eq!(s, StatusCode::OK);

        // Notes: public ones reach the citizen's page, internal ones do not.
        let id = t.id.0.to_string();
        let (s, _) = post(
            &app,
            "/api/tickets/note",
            &[("id", &id), ("body", "Đã khắc phục xong"), ("public", "true")],
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = post(
            &app,
            "/api/tickets/note",
            &[("id", &id), ("body", "Ghi chú nội bộ"), ("public", "false")],
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, body) = post(
            &app,
            "/api/tickets/note",
            &[("id", &id), ("body", " "), ("public", "false")],
        )
        .await;
        assert_eq!(
            (s, field_of(&body).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "note")
        );
        let (_, page) = get(&app, &format!("/track/{}", t.code)).await;
        assert!(page.contains("Đã khắc phục xong") && !page.contains("Ghi chú nội bộ"));
        let (s, _) = post(
            &app,
            "/api/tickets/status",
            &[("id", "999999"), ("version", "1"), ("to", "closed")],
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn concurrent_changes_on_one_version_apply_once() {
    for url in common::urls().await {
        let app = app(&url).await;
        let (_, body) = report(&app, &[]).await;
        let c: TicketCreated = serde_json::from_str(&body).unwrap();
        let t = detail(&app, c.id.0).await;
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (app, t) = (app.clone(), t.clone());
                tokio::spawn(async move { status(&app, &t, TicketStatus::Acknowledged, &[]).await.0 })
            })
            .collect();
        let mut codes = Vec::new();
        for task in tasks {
            codes.push(task.await.unwrap());
        }
        assert_eq!(
            codes.iter().filter(|s| **s == StatusCode::OK).count(),
            1,
            "{codes:?}"
        );
        assert!(
            codes
                .iter()
                .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
            "{codes:?}"
        );
        let after = detail(&app, c.id.0).await;
        assert_eq!(after.history.len(), t.history.len() + 1);
    }
}

#[tokio::test]
async fn one_report_for_several_agencies_rolls_up_to_the_parent() {
    use TicketStatus::*;
    for url in common::urls().await {
        let app = app(&url).await;
        // The operator files a fire that also needs the power company (child tickets at once).
        let form = [
            ("ticket[channel]", "phone"),
            ("ticket[category]", "1"),
            ("ticket[description]", "Cháy trạm biến áp"),
            ("ticket[lat]", "10.98"),
            ("ticket[lon]", "106.65"),
            ("ticket[idempotency_key]", "op-77"),
            ("also[0]", "11"),
        ];
        let (s, body) = post(&app, "/api/intake/file", &form).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let c: TicketCreated = serde_json::from_str(&body).unwrap();
        assert_eq!(c.children.len(), 1);
        // A retry files nothing new, children included.
        let (_, again) = post(&app, "/api/intake/file", &form).await;
        let again: TicketCreated = serde_json::from_str(&again).unwrap();
        assert_eq!(
            (again.id, again.replayed, &again.children),
            (c.id, true, &c.children)
        );

        // Staff add the water company from the ticket page.
        let (s, body) = post(
            &app,
            "/api/tickets/child",
            &[
                ("parent", &c.id.0.to_string()),
                ("agency", "12"),
                ("reason", "Cần nước chữa cháy"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let parent: TicketDetail = serde_json::from_str(&body).unwrap();
        assert_eq!(parent.children.len(), 2);
        assert_eq!(parent.children_done(), (0, 2));
        let (s, _) = post(
            &app,
            "/api/tickets/child",
            &[("parent", &c.id.0.to_string()), ("agency", "999")],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // The parent is acknowledged; each child is worked and resolved; the parent follows.
        let (_, body) = status(&app, &parent, Acknowledged, &[]).await;
        let parent: TicketDetail = serde_json::from_str(&body).unwrap();
        for (i, child) in parent.children.iter().enumerate() {
            let mut t = detail(&app, child.id.0).await;
            assert_eq!(t.parent_id, Some(parent.id));
            assert!(t.description.contains("Cháy trạm biến áp"));
            for to in [Acknowledged, InProgress, Resolved] {
                let (s, body) = status(&app, &t, to, &[]).await;
                assert_eq!(s, StatusCode::OK, "{body}");
                t = serde_json::from_str(&body).unwrap();
            }
            let p = detail(&app, parent.id.0).await;
            if i == 0 {
                assert_eq!(
                    p.status, Acknowledged,
                    "one of two children done: the parent waits"
                );
            } else {
                assert_eq!(p.status, Resolved, "all children done: the parent is resolved");
                assert_eq!(p.history.last().unwrap().actor, "Tổng hợp phiếu con");
                assert_eq!(p.children_done(), (2, 2));
            }
        }
        let p = detail(&app, parent.id.0).await;
        let (s, _) = status(&app, &p, Closed, &[]).await;
        assert_eq!(s, StatusCode::OK);
        let (s, body) = post(
            &app,
            "/api/tickets/child",
            &[("parent", &p.id.0.to_string()), ("agency", "2")],
        )
        .await;
        assert_eq!(
            (s, field_of(&body).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "parent"),
            "closed parent"
        );
    }
}

/// From each state a ticket can reach through the API, every one of the nine targets:
/// legal moves answer 200 and append one history entry; illegal ones answer 422 and change nothing.
#[tokio::test]
async fn every_transition_from_every_reachable_state() {
    use TicketStatus::*;
    // How to reach each state from a fresh (assigned) ticket, and what a move there needs.
    let paths: &[(TicketStatus, &[TicketStatus])] = &[
        (Assigned, &[]),
        (Acknowledged, &[Acknowledged]),
        (InProgress, &[Acknowledged, InProgress]),
        (Resolved, &[Acknowledged, Resolved]),
        (Closed, &[Acknowledged, Resolved, Closed]),
        (Rejected, &[Rejected]),
        (Duplicate, &[Duplicate]),
        (Reopened, &[Acknowledged, Resolved, Reopened]),
    ];
    for url in common::urls().await {
        let app = app(&url).await;
        let (_, body) = report(&app, &[("lat", "10.98"), ("lon", "106.65")]).await;
        let original: TicketCreated = serde_json::from_str(&body).unwrap();
        let original = original.id.0.to_string();
        let needs = |to: TicketStatus| -> Vec<(&'static str, String)> {
            match to {
                Rejected => vec![("note", "Cuộc gọi quấy rối".into())],
                Duplicate => vec![("duplicate_of", original.clone())],
                Assigned => vec![("agency", "2".into()), ("note", "Chuyển công an".into())],
                _ => vec![],
            }
        };
        let mut checked = 0;
        for (from, path) in paths {
            for to in TicketStatus::ALL {
                let (_, body) = report(&app, &[("lat", "10.98"), ("lon", "106.65")]).await;
                let c: TicketCreated = serde_json::from_str(&body).unwrap();
                let mut t = detail(&app, c.id.0).await;
                for step in *path {
                    let extra = needs(*step);
                    let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let (s, body) = status(&app, &t, *step, &extra).await;
                    assert_eq!(s, StatusCode::OK, "reaching {from:?} via {step:?}: {body}");
                    t = serde_json::from_str(&body).unwrap();
                }
                assert_eq!(t.status, *from);
                let extra = needs(to);
                let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let (s, body) = status(&app, &t, to, &extra).await;
                if can_transition(*from, to) {
                    assert_eq!(s, StatusCode::OK, "{from:?} → {to:?} is legal: {body}");
                    let after: TicketDetail = serde_json::from_str(&body).unwrap();
                    assert_eq!(after.status, to);
                    assert_eq!(after.history.len(), t.history.len() + 1);
                } else {
                    assert_eq!(
                        s,
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "{from:?} → {to:?} is illegal: {body}"
                    );
                    assert_eq!(detail(&app, c.id.0).await, t, "an illegal move changes nothing");
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 72);
    }
}
