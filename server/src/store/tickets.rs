//! Tickets and their history, and the `Store` port implementation.

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::Row;

use app::domain::text::mask_phone;
use app::ssr::store::{
    ApiKeyRecord, FactRow, NewNote, ReferenceData, ServiceRequestQuery, ServiceRequestRow, StatusChange,
    Store, StoreError, StoreResult, TicketLinks, TicketRecord,
};
use app::types::{
    AgencyId, CategoryGroup, CategoryId, Channel, CommuneCode, DistrictCode, HistoryEntry, TicketDetail,
    TicketId, TicketStatus, TicketSummary,
};

use super::{backend_err, Backend, SqlStore};

/// Columns of `tickets` in insert order.
pub const TICKET_COLUMNS: &str = "id, code, channel, category_id, priority, description, reporter_name, reporter_phone, lat, lon, address, district_code, commune_code, agency_id, status, created_at, first_response_at, resolved_at, closed_at, response_due_at, resolution_due_at, updated_at";
/// Columns of `ticket_history` in insert order.
pub const HISTORY_COLUMNS: &str = "id, ticket_id, at, actor, from_status, to_status, note";

// Ticket INSERTs bind `lat`/`lon` as `Option<f64>`: sqlx 0.8's `Any` driver sends a NULL
// double as `float4` to PostgreSQL, which then caches the prepared statement with that type
// and refuses the next non-NULL double. Those statements are therefore not cached
// (`.persistent(false)`); tests file tickets without and then with coordinates on both engines.

/// Binds a ticket's columns after `id`, in `TICKET_COLUMNS` order (works on `query` and
/// `query_scalar` alike).
macro_rules! bind_ticket {
    ($q:expr, $t:expr) => {
        $q.bind($t.code.clone())
            .bind($t.channel.as_str())
            .bind($t.category.0)
            .bind($t.priority as i64)
            .bind($t.description.clone())
            .bind($t.reporter_name.clone())
            .bind($t.reporter_phone.clone())
            .bind($t.lat)
            .bind($t.lon)
            .bind($t.address.clone())
            .bind($t.district.map(|d| d.0))
            .bind($t.commune.map(|c| c.0))
            .bind($t.agency.map(|a| a.0))
            .bind($t.status.as_str())
            .bind($t.created_at)
            .bind($t.first_response_at)
            .bind($t.resolved_at)
            .bind($t.closed_at)
            .bind($t.response_due_at)
            .bind($t.resolution_due_at)
            .bind($t.updated_at)
    };
}
pub(crate) use bind_ticket;

/// Columns the in-memory index reads of each ticket.
pub const FACT_COLUMNS: &str = "id, created_at, updated_at, category_id, agency_id, district_code, status, lon, lat, first_response_at, resolved_at, response_due_at, resolution_due_at";

/// Rows per multi-row INSERT (22 columns × 500 rows stays under both engines' limits).
const BATCH: usize = 500;

pub(crate) fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

fn status(r: &AnyRow, col: &str) -> StoreResult<TicketStatus> {
    let s: String = r.try_get(col).map_err(backend_err)?;
    TicketStatus::parse(&s).ok_or_else(|| StoreError::Backend(format!("unknown status {s:?}").into()))
}

pub(crate) fn fact(r: &AnyRow) -> StoreResult<FactRow> {
    Ok(FactRow {
        id: r.try_get("id").map_err(backend_err)?,
        created_at: r.try_get("created_at").map_err(backend_err)?,
        updated_at: r.try_get("updated_at").map_err(backend_err)?,
        category: CategoryId(r.try_get("category_id").map_err(backend_err)?),
        agency: r
            .try_get::<Option<i64>, _>("agency_id")
            .map_err(backend_err)?
            .map(AgencyId),
        district: r
            .try_get::<Option<i64>, _>("district_code")
            .map_err(backend_err)?
            .map(DistrictCode),
        status: status(r, "status")?,
        lon: r.try_get("lon").map_err(backend_err)?,
        lat: r.try_get("lat").map_err(backend_err)?,
        first_response_at: r.try_get("first_response_at").map_err(backend_err)?,
        resolved_at: r.try_get("resolved_at").map_err(backend_err)?,
        response_due_at: r.try_get("response_due_at").map_err(backend_err)?,
        resolution_due_at: r.try_get("resolution_due_at").map_err(backend_err)?,
    })
}

impl SqlStore {
    /// Writes tickets with explicit ids (bulk loading: demo data, imports) in multi-row
    /// INSERTs inside one transaction, then moves PostgreSQL's id sequences past them.
    ///
    /// # Errors
    /// When the database refuses the batch; nothing of it is stored then.
    pub async fn insert_with_ids(
        &self,
        tickets: &[(i64, TicketRecord)],
        first_history_id: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await.map_err(backend_err)?;
        for chunk in tickets.chunks(BATCH) {
            let sql = format!(
                "INSERT INTO tickets ({TICKET_COLUMNS}) VALUES {}",
                placeholders(chunk.len(), 22)
            );
            let mut q = sqlx::query(&sql).persistent(false);
            for (id, t) in chunk {
                q = bind_ticket!(q.bind(*id), t);
            }
            q.execute(&mut *tx).await.map_err(backend_err)?;
        }
        let mut hid = first_history_id;
        let history: Vec<(i64, i64, &HistoryEntry)> = tickets
            .iter()
            .flat_map(|(id, t)| t.history.iter().map(move |h| (*id, h)))
            .map(|(tid, h)| {
                hid += 1;
                (hid - 1, tid, h)
            })
            .collect();
        for chunk in history.chunks(BATCH * 2) {
            let sql = format!(
                "INSERT INTO ticket_history ({HISTORY_COLUMNS}) VALUES {}",
                placeholders(chunk.len(), 7)
            );
            let mut q = sqlx::query(&sql);
            for (id, tid, h) in chunk {
                q = q
                    .bind(*id)
                    .bind(*tid)
                    .bind(h.at)
                    .bind(h.actor.clone())
                    .bind(h.from.map(|s| s.as_str()))
                    .bind(h.to.as_str())
                    .bind(h.note.clone());
            }
            q.execute(&mut *tx).await.map_err(backend_err)?;
        }
        if self.backend == Backend::Postgres {
            for table in ["tickets", "ticket_history"] {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                ))
                .execute(&mut *tx)
                .await
                .map_err(backend_err)?;
            }
        }
        tx.commit().await.map_err(backend_err)
    }

    /// Greatest ticket id and history id stored (0 when empty).
    pub async fn max_ids(&self) -> StoreResult<(i64, i64)> {
        let t: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM tickets")
            .fetch_one(&self.pool)
            .await
            .map_err(backend_err)?;
        let h: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM ticket_history")
            .fetch_one(&self.pool)
            .await
            .map_err(backend_err)?;
        Ok((t.unwrap_or(0), h.unwrap_or(0)))
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    async fn reference(&self) -> StoreResult<ReferenceData> {
        self.read_reference().await
    }

    async fn insert_tickets(&self, tickets: &[TicketRecord]) -> StoreResult<Vec<TicketId>> {
        // All or nothing: one transaction, each ticket written as a filing is (without a key).
        let mut tx = self.begin_write().await.map_err(backend_err)?;
        let mut ids = Vec::with_capacity(tickets.len());
        for t in tickets {
            let (id, _) = super::lifecycle::insert_one(&mut tx, t, None, TicketLinks::default()).await?;
            ids.push(id);
        }
        tx.commit().await.map_err(backend_err)?;
        Ok(ids)
    }

    async fn facts_since(&self, updated_after: Option<i64>) -> StoreResult<Vec<FactRow>> {
        let sql = format!("SELECT {FACT_COLUMNS} FROM tickets WHERE updated_at > $1 ORDER BY id");
        let mut rows = sqlx::query(&sql)
            .bind(updated_after.unwrap_or(i64::MIN))
            .fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(r) = rows.try_next().await.map_err(backend_err)? {
            out.push(fact(&r)?);
        }
        Ok(out)
    }

    async fn facts_page(&self, after_id: i64, limit: i64) -> StoreResult<Vec<FactRow>> {
        let sql = format!("SELECT {FACT_COLUMNS} FROM tickets WHERE id > $1 ORDER BY id LIMIT $2");
        let mut rows = sqlx::query(&sql).bind(after_id).bind(limit).fetch(&self.pool);
        let mut out = Vec::with_capacity(limit.clamp(0, 100_000) as usize);
        while let Some(r) = rows.try_next().await.map_err(backend_err)? {
            out.push(fact(&r)?);
        }
        Ok(out)
    }

    async fn ticket_detail(&self, id: TicketId) -> StoreResult<TicketDetail> {
        let r = sqlx::query(
            "SELECT t.id, t.code, t.channel, t.category_id, c.name_vi AS category_name_vi, c.name_en AS category_name_en,
                    c.grp, t.priority, t.description, t.reporter_phone, t.lat, t.lon, t.address,
                    t.district_code, d.name_vi AS district_name, t.commune_code, m.full_name_vi AS commune_name,
                    t.agency_id, a.name_vi AS agency_name_vi, t.status, t.created_at, t.first_response_at,
                    t.resolved_at, t.response_due_at, t.resolution_due_at, t.version, t.parent_id, t.duplicate_of
             FROM tickets t
             JOIN categories c ON c.id = t.category_id
             LEFT JOIN districts d ON d.code = t.district_code
             LEFT JOIN communes m ON m.code = t.commune_code
             LEFT JOIN agencies a ON a.id = t.agency_id
             WHERE t.id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend_err)?
        .ok_or(StoreError::NotFound)?;
        let history = sqlx::query(
            "SELECT at, actor, from_status, to_status, note FROM ticket_history WHERE ticket_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_err)?
        .iter()
        .map(|h| {
            Ok(HistoryEntry {
                at: h.try_get("at").map_err(backend_err)?,
                actor: h.try_get("actor").map_err(backend_err)?,
                from: h
                    .try_get::<Option<String>, _>("from_status")
                    .map_err(backend_err)?
                    .and_then(|s| TicketStatus::parse(&s)),
                to: status(h, "to_status")?,
                note: h.try_get("note").map_err(backend_err)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        let notes =
            sqlx::query("SELECT at, actor, body, public FROM ticket_notes WHERE ticket_id = $1 ORDER BY id")
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(backend_err)?
                .iter()
                .map(|n| {
                    Ok(app::types::Note {
                        at: n.try_get("at").map_err(backend_err)?,
                        actor: n.try_get("actor").map_err(backend_err)?,
                        body: n.try_get("body").map_err(backend_err)?,
                        public: n.try_get::<i64, _>("public").map_err(backend_err)? != 0,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
        let child_ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM tickets WHERE parent_id = $1 ORDER BY id")
                .bind(id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(backend_err)?;
        let child_ids: Vec<TicketId> = child_ids.into_iter().map(TicketId).collect();
        let children = self
            .ticket_summaries(&child_ids, app::ssr::state::now_ms())
            .await?;
        let g = |c: &str| r.try_get::<Option<i64>, _>(c).map_err(backend_err);
        Ok(TicketDetail {
            id: TicketId(r.try_get("id").map_err(backend_err)?),
            code: r.try_get("code").map_err(backend_err)?,
            channel: Channel::parse(&r.try_get::<String, _>("channel").map_err(backend_err)?)
                .unwrap_or(Channel::Phone),
            category_id: CategoryId(r.try_get("category_id").map_err(backend_err)?),
            category_name_vi: r.try_get("category_name_vi").map_err(backend_err)?,
            category_name_en: r.try_get("category_name_en").map_err(backend_err)?,
            group: CategoryGroup::parse(&r.try_get::<String, _>("grp").map_err(backend_err)?)
                .unwrap_or(CategoryGroup::FieldReport),
            priority: r.try_get::<i64, _>("priority").map_err(backend_err)? as u8,
            description: r.try_get("description").map_err(backend_err)?,
            // The dashboard never shows personal data: only a masked phone number.
            reporter_masked: r
                .try_get::<Option<String>, _>("reporter_phone")
                .map_err(backend_err)?
                .map(|p| mask_phone(&p)),
            lat: r.try_get("lat").map_err(backend_err)?,
            lon: r.try_get("lon").map_err(backend_err)?,
            address: r.try_get("address").map_err(backend_err)?,
            district: g("district_code")?.map(DistrictCode),
            district_name: r.try_get("district_name").map_err(backend_err)?,
            commune: g("commune_code")?.map(CommuneCode),
            commune_name: r.try_get("commune_name").map_err(backend_err)?,
            agency_id: g("agency_id")?.map(AgencyId),
            agency_name_vi: r.try_get("agency_name_vi").map_err(backend_err)?,
            status: status(&r, "status")?,
            created_at: r.try_get("created_at").map_err(backend_err)?,
            first_response_at: g("first_response_at")?,
            resolved_at: g("resolved_at")?,
            response_due_at: g("response_due_at")?,
            resolution_due_at: g("resolution_due_at")?,
            history,
            version: r.try_get("version").map_err(backend_err)?,
            notes,
            parent_id: g("parent_id")?.map(TicketId),
            duplicate_of: g("duplicate_of")?.map(TicketId),
            children,
        })
    }

    async fn ticket_record(&self, id: TicketId) -> StoreResult<TicketRecord> {
        let r = sqlx::query(&format!("SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_err)?
            .ok_or(StoreError::NotFound)?;
        let history = self.ticket_detail(id).await?.history;
        let g = |c: &str| r.try_get::<Option<i64>, _>(c).map_err(backend_err);
        Ok(TicketRecord {
            code: r.try_get("code").map_err(backend_err)?,
            channel: Channel::parse(&r.try_get::<String, _>("channel").map_err(backend_err)?)
                .unwrap_or(Channel::Phone),
            category: CategoryId(r.try_get("category_id").map_err(backend_err)?),
            priority: r.try_get::<i64, _>("priority").map_err(backend_err)? as u8,
            description: r.try_get("description").map_err(backend_err)?,
            reporter_name: r.try_get("reporter_name").map_err(backend_err)?,
            reporter_phone: r.try_get("reporter_phone").map_err(backend_err)?,
            lat: r.try_get("lat").map_err(backend_err)?,
            lon: r.try_get("lon").map_err(backend_err)?,
            address: r.try_get("address").map_err(backend_err)?,
            district: g("district_code")?.map(DistrictCode),
            commune: g("commune_code")?.map(CommuneCode),
            agency: g("agency_id")?.map(AgencyId),
            status: status(&r, "status")?,
            created_at: r.try_get("created_at").map_err(backend_err)?,
            first_response_at: g("first_response_at")?,
            resolved_at: g("resolved_at")?,
            closed_at: g("closed_at")?,
            response_due_at: g("response_due_at")?,
            resolution_due_at: g("resolution_due_at")?,
            updated_at: r.try_get("updated_at").map_err(backend_err)?,
            history,
        })
    }

    async fn ticket_summaries(&self, ids: &[TicketId], now: i64) -> StoreResult<Vec<TicketSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = (1..=ids.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT t.id, t.code, c.name_vi AS category_name_vi, c.grp, d.name_vi AS district_name, a.code AS agency_code,
                    t.status, t.created_at, t.resolution_due_at
             FROM tickets t
             JOIN categories c ON c.id = t.category_id
             LEFT JOIN districts d ON d.code = t.district_code
             LEFT JOIN agencies a ON a.id = t.agency_id
             WHERE t.id IN ({list})"
        );
        let mut q = sqlx::query(&sql);
        for id in ids {
            q = q.bind(id.0);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(backend_err)?;
        let mut out = rows
            .iter()
            .map(|r| {
                let st = status(r, "status")?;
                let due: Option<i64> = r.try_get("resolution_due_at").map_err(backend_err)?;
                Ok(TicketSummary {
                    id: TicketId(r.try_get("id").map_err(backend_err)?),
                    code: r.try_get("code").map_err(backend_err)?,
                    category_name_vi: r.try_get("category_name_vi").map_err(backend_err)?,
                    group: CategoryGroup::parse(&r.try_get::<String, _>("grp").map_err(backend_err)?)
                        .unwrap_or(CategoryGroup::FieldReport),
                    district_name: r.try_get("district_name").map_err(backend_err)?,
                    agency_code: r.try_get("agency_code").map_err(backend_err)?,
                    status: st,
                    created_at: r.try_get("created_at").map_err(backend_err)?,
                    overdue: st.is_open() && due.is_some_and(|d| now > d),
                    resolution_due_at: due,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by_key(|s| ids.iter().position(|i| *i == s.id));
        Ok(out)
    }

    async fn count_tickets(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
            .fetch_one(&self.pool)
            .await
            .map_err(backend_err)
    }

    async fn create_ticket(
        &self,
        t: &TicketRecord,
        key: Option<&str>,
        links: TicketLinks,
    ) -> StoreResult<(TicketId, bool)> {
        self.create_ticket_impl(t, key, links).await
    }

    async fn change_status(&self, id: TicketId, change: &StatusChange) -> StoreResult<FactRow> {
        self.change_status_impl(id, change).await
    }

    async fn ticket_fact(&self, id: TicketId) -> StoreResult<FactRow> {
        let r = sqlx::query(&format!("SELECT {FACT_COLUMNS} FROM tickets WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_err)?
            .ok_or(StoreError::NotFound)?;
        fact(&r)
    }

    async fn add_note(&self, id: TicketId, note: &NewNote) -> StoreResult<()> {
        self.add_note_impl(id, note).await
    }

    async fn ticket_id_by_code(&self, code: &str) -> StoreResult<TicketId> {
        self.ticket_id_by_code_impl(code).await
    }

    async fn caller_history(
        &self,
        phone: &str,
        limit: i64,
        now: i64,
    ) -> StoreResult<(Vec<TicketSummary>, Option<String>)> {
        self.caller_history_impl(phone, limit, now).await
    }

    async fn flag_nuisance(&self, phone: &str, reason: &str, at: i64) -> StoreResult<()> {
        self.flag_nuisance_impl(phone, reason, at).await
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        self.api_key_by_hash_impl(key_hash).await
    }

    async fn service_requests(&self, q: &ServiceRequestQuery) -> StoreResult<Vec<ServiceRequestRow>> {
        self.service_requests_impl(q).await
    }

    async fn ticket_by_idempotency_key(&self, key: &str) -> StoreResult<Option<TicketId>> {
        self.ticket_by_idempotency_key_impl(key).await
    }
}
