//! One store contract, run against SQLite and PostgreSQL.

mod common;

use app::domain::time::{local_to_utc, MINUTE_MS};
use app::ssr::store::{Store, StoreError, TicketRecord};
use app::types::{
    AgencyId, CategoryId, Channel, CommuneCode, DistrictCode, HistoryEntry, TicketId, TicketStatus,
};
use server::config::SeedArgs;
use server::store::SqlStore;

fn record(code: &str, created: i64) -> TicketRecord {
    TicketRecord {
        code: code.into(),
        channel: Channel::Phone,
        category: CategoryId(1),
        priority: 1,
        description: "Cháy nhà dân <script>alert(1)</script> trên đường 30 Tháng 4".into(),
        reporter_name: Some("Nguyễn Văn An".into()),
        reporter_phone: Some("0912345678".into()),
        lat: Some(10.98),
        lon: Some(106.65),
        address: Some("12 đường 30 Tháng 4, Phường Phú Cường".into()),
        district: Some(DistrictCode(718)),
        commune: Some(CommuneCode(25747)),
        agency: Some(AgencyId(3)),
        status: TicketStatus::Acknowledged,
        created_at: created,
        first_response_at: Some(created + 3 * MINUTE_MS),
        resolved_at: None,
        closed_at: None,
        response_due_at: Some(created + 5 * MINUTE_MS),
        resolution_due_at: Some(created + 120 * MINUTE_MS),
        updated_at: created + 3 * MINUTE_MS,
        history: vec![
            HistoryEntry {
                at: created,
                actor: "Tổng đài viên 1022".into(),
                from: None,
                to: TicketStatus::New,
                note: None,
            },
            HistoryEntry {
                at: created + 20_000,
                actor: "Định tuyến tự động".into(),
                from: Some(TicketStatus::New),
                to: TicketStatus::Assigned,
                note: None,
            },
            HistoryEntry {
                at: created + 3 * MINUTE_MS,
                actor: "PCCC".into(),
                from: Some(TicketStatus::Assigned),
                to: TicketStatus::Acknowledged,
                note: Some("Đã điều xe".into()),
            },
        ],
    }
}

async fn reference_is_loaded(s: &SqlStore) {
    let r = s.reference().await.unwrap();
    assert_eq!(r.districts.len(), 9, "{}", s.backend());
    assert_eq!(r.communes.len(), 91);
    assert_eq!(r.agencies.len(), 21);
    assert_eq!(r.categories.len(), 18);
    assert!(r.rules.len() > 18);
    assert!(r.province_simplified.is_some());
    let tdm = r
        .districts
        .iter()
        .find(|d| d.district.code == DistrictCode(718))
        .unwrap();
    assert_eq!(tdm.district.name_vi, "Thủ Dầu Một");
    assert_eq!(tdm.district.population, 331_652);
    // Loading again is idempotent.
    let geo = server::geodata::load(&common::geo_dir()).unwrap();
    s.upsert_reference(&geo).await.unwrap();
    assert_eq!(s.reference().await.unwrap().communes.len(), 91);
}

async fn ticket_round_trip(s: &SqlStore) {
    let t0 = local_to_utc(2026, 12, 3, 9, 0);
    let ids = s
        .insert_tickets(&[record("BD-AAAAA-00001", t0), record("BD-AAAAA-00002", t0 + 1000)])
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert!(ids[1].0 > ids[0].0);
    let d = s.ticket_detail(ids[0]).await.unwrap();
    assert_eq!(d.code, "BD-AAAAA-00001");
    assert_eq!(
        d.description, "Cháy nhà dân <script>alert(1)</script> trên đường 30 Tháng 4",
        "text is stored as text"
    );
    assert_eq!(d.reporter_masked.as_deref(), Some("09•••••678"));
    assert_eq!(d.district_name.as_deref(), Some("Thủ Dầu Một"));
    assert_eq!(
        d.agency_name_vi.as_deref(),
        Some("Phòng Cảnh sát PCCC và CNCH – Công an tỉnh")
    );
    assert_eq!(d.status, TicketStatus::Acknowledged);
    assert_eq!(d.history.len(), 3);
    assert_eq!(
        d.history.last().unwrap().to,
        d.status,
        "current status equals the latest history entry"
    );
    assert_eq!(d.history[2].note.as_deref(), Some("Đã điều xe"));
    assert!(matches!(
        s.ticket_detail(TicketId(999_999)).await,
        Err(StoreError::NotFound)
    ));

    let sums = s
        .ticket_summaries(&[ids[1], ids[0]], t0 + 200 * MINUTE_MS)
        .await
        .unwrap();
    assert_eq!(
        sums.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![ids[1], ids[0]],
        "in the order asked"
    );
    assert!(sums[0].overdue, "open and past its resolution due time");
    assert!(!s.ticket_summaries(&[ids[0]], t0).await.unwrap()[0].overdue);
}

async fn facts_follow_updates(s: &SqlStore) {
    let t0 = local_to_utc(2026, 12, 1, 8, 0);
    let before = s.facts_since(None).await.unwrap().len();
    let first = s.insert_tickets(&[record("BD-BBBBB-00001", t0)]).await.unwrap()[0];
    let mut late = record("BD-BBBBB-00002", t0 + 60 * MINUTE_MS);
    late.updated_at = t0 + 90 * MINUTE_MS;
    let second = s.insert_tickets(&[late]).await.unwrap()[0];
    let all = s.facts_since(None).await.unwrap();
    assert_eq!(all.len(), before + 2);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "ordered by id");
    let newer: Vec<_> = s.facts_since(Some(t0 + 60 * MINUTE_MS)).await.unwrap();
    assert!(
        newer.iter().any(|f| f.id == second.0),
        "changed after the watermark"
    );
    assert!(
        !newer.iter().any(|f| f.id == first.0),
        "unchanged since the watermark"
    );
    let f = newer.iter().find(|f| f.id == second.0).unwrap();
    assert_eq!(f.agency, Some(AgencyId(3)));
    assert_eq!(f.lon, Some(106.65));
    assert_eq!(f.updated_at, t0 + 90 * MINUTE_MS);
}

async fn duplicate_code_is_refused_whole(s: &SqlStore) {
    let t0 = local_to_utc(2026, 12, 2, 8, 0);
    s.insert_tickets(&[record("BD-CCCCC-00001", t0)]).await.unwrap();
    let before = s.count_tickets().await.unwrap();
    let (_, hist_before) = s.max_ids().await.unwrap();
    let err = s
        .insert_tickets(&[record("BD-CCCCC-00002", t0), record("BD-CCCCC-00001", t0)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(
        s.count_tickets().await.unwrap(),
        before,
        "nothing of the failed batch is stored"
    );
    assert_eq!(s.max_ids().await.unwrap().1, hist_before, "no orphan history");
}

async fn bulk_ids_then_generated_ids(s: &SqlStore) {
    let t0 = local_to_utc(2026, 11, 20, 8, 0);
    let batch: Vec<_> = (0..3)
        .map(|i| (100 + i, record(&format!("BD-DDDDD-0000{i}"), t0 + i * 1000)))
        .collect();
    s.insert_with_ids(&batch, 1000).await.unwrap();
    assert_eq!(s.max_ids().await.unwrap(), (102, 1008));
    let ids = s.insert_tickets(&[record("BD-DDDDD-00009", t0)]).await.unwrap();
    assert!(ids[0].0 > 102, "generated ids continue after bulk-loaded ones");
}

async fn seed_is_deterministic(url_a: &str, url_b: &str) {
    let until = local_to_utc(2026, 12, 3, 15, 30);
    let args = SeedArgs {
        days: 3,
        per_day: 150,
        seed: 42,
        until: Some(until),
        replace: false,
    };
    let cal = app::domain::sla::WorkCalendar::vietnam_default();
    let (a, b) = (common::store(url_a).await, common::store(url_b).await);
    server::run::seed(&a, &cal, &args).await.unwrap();
    server::run::seed(&b, &cal, &args).await.unwrap();
    let codes = |s: SqlStore| async move {
        sqlx::query_scalar::<_, String>("SELECT code FROM tickets ORDER BY id")
            .fetch_all(&s.pool)
            .await
            .unwrap()
    };
    let (ca, cb) = (codes(a.clone()).await, codes(b.clone()).await);
    assert!(ca.len() > 300, "three days of ~150 contacts: {}", ca.len());
    assert_eq!(
        ca,
        cb,
        "same seed and until give the same tickets ({} vs {})",
        a.backend(),
        b.backend()
    );
    // Nothing happens after `until`, and every ticket's status equals its latest history entry.
    let facts = a.facts_since(None).await.unwrap();
    assert!(facts
        .iter()
        .all(|f| f.created_at <= until && f.updated_at <= until));
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets t WHERE t.status <> (SELECT h.to_status FROM ticket_history h WHERE h.ticket_id = t.id ORDER BY h.id DESC LIMIT 1)",
    )
    .fetch_one(&a.pool)
    .await
    .unwrap();
    assert_eq!(mismatched, 0);
    // Seeding again without --replace is refused and changes nothing.
    let n = a.count_tickets().await.unwrap();
    assert!(server::run::seed(&a, &cal, &args)
        .await
        .unwrap_err()
        .contains("--replace"));
    assert_eq!(a.count_tickets().await.unwrap(), n);
}

async fn group_commit_keeps_each_filing_whole(s: &SqlStore) {
    use app::ssr::store::TicketLinks;
    let t0 = local_to_utc(2026, 12, 2, 10, 0);
    let before = s.count_tickets().await.unwrap();
    // 40 filings at once, 10 of them retries of one key, one with a code already taken.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let (code, key) = match i {
                0..=9 => (format!("BD-GROUP-K{i:04}"), Some("same-key".to_string())),
                10 => ("BD-AAAAA-00001".to_string(), None), // taken by ticket_round_trip
                _ => (format!("BD-GROUP-{i:05}"), Some(format!("key-{i}"))),
            };
            s.create_ticket(&record(&code, t0 + i), key.as_deref(), TicketLinks::default())
                .await
        }));
    }
    let mut ok = Vec::new();
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(r) => ok.push(r),
            Err(StoreError::Conflict { .. }) => conflicts += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(conflicts, 1, "the taken code is refused alone");
    let same: std::collections::HashSet<_> = ok.iter().take(10).map(|r| r.0).collect();
    assert_eq!(same.len(), 1, "ten retries of one key are one ticket");
    assert_eq!(
        ok.iter().take(10).filter(|r| !r.1).count(),
        1,
        "exactly one of them was new"
    );
    assert_eq!(
        s.count_tickets().await.unwrap(),
        before + 1 + 29,
        "one + 29 distinct tickets stored"
    );
}

#[tokio::test]
async fn contract_on_sqlite_and_postgres() {
    for url in common::urls().await {
        let s = common::store(&url).await;
        reference_is_loaded(&s).await;
        ticket_round_trip(&s).await;
        facts_follow_updates(&s).await;
        duplicate_code_is_refused_whole(&s).await;
        bulk_ids_then_generated_ids(&s).await;
        group_commit_keeps_each_filing_whole(&s).await;
    }
}

#[tokio::test]
async fn seed_gives_the_same_tickets_on_both_engines() {
    let urls = common::urls().await;
    let b = urls.last().unwrap().clone();
    let a = if urls.len() > 1 {
        urls[0].clone()
    } else {
        common::sqlite_url()
    };
    seed_is_deterministic(&a, &b).await;
}
