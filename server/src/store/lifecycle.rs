//! Filing tickets (idempotently), status changes with optimistic concurrency, notes, callers.

use sqlx::Row;

use app::domain::lifecycle::can_transition;
use app::ssr::store::{FactRow, NewNote, StatusChange, StoreError, StoreResult, TicketLinks, TicketRecord};
use app::types::{AgencyId, CategoryId, Channel, DistrictCode, TicketId, TicketStatus, TicketSummary};

use super::tickets::{bind_ticket, placeholders, FACT_COLUMNS, TICKET_COLUMNS};
use super::{backend_err, SqlStore};

impl SqlStore {
    pub(crate) async fn create_ticket_impl(
        &self,
        t: &TicketRecord,
        key: Option<&str>,
        links: TicketLinks,
    ) -> StoreResult<(TicketId, bool)> {
        if let Some(writer) = &self.writer {
            let (reply, answer) = tokio::sync::oneshot::channel();
            let job = CreateJob {
                record: t.clone(),
                key: key.map(str::to_string),
                links,
                reply,
            };
            if writer.send(job).await.is_ok() {
                if let Ok(result) = answer.await {
                    return result;
                }
            }
            return Err(StoreError::Backend("the ticket writer has stopped".into()));
        }
        let mut tx = self.begin_write().await.map_err(backend_err)?;
        match insert_one(&mut tx, t, key, links).await {
            Ok(r) => {
                tx.commit().await.map_err(backend_err)?;
                Ok(r)
            }
            Err(StoreError::Stale) => {
                // A concurrent retry with the same key committed first: keep its ticket, drop ours.
                tx.rollback().await.map_err(backend_err)?;
                existing_for_key(&self.pool, key.unwrap_or_default()).await
            }
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn change_status_impl(&self, id: TicketId, c: &StatusChange) -> StoreResult<FactRow> {
        let mut tx = self.begin_write().await.map_err(backend_err)?;
        let row = sqlx::query(
            "SELECT status, version, first_response_at, resolved_at, closed_at, agency_id, channel, code
             FROM tickets WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend_err)?
        .ok_or(StoreError::NotFound)?;
        let version: i64 = row.try_get("version").map_err(backend_err)?;
        if version != c.expected_version {
            return Err(StoreError::Stale);
        }
        let from_s: String = row.try_get("status").map_err(backend_err)?;
        let from = TicketStatus::parse(&from_s)
            .ok_or_else(|| StoreError::Invalid(format!("unknown status {from_s}")))?;
        if !can_transition(from, c.to) {
            return Err(StoreError::Invalid(format!(
                "không thể chuyển từ {} sang {} · cannot go from {} to {}",
                from.as_str(),
                c.to.as_str(),
                from.as_str(),
                c.to.as_str()
            )));
        }
        if c.to == TicketStatus::Assigned && from != TicketStatus::New && c.agency.is_none() {
            return Err(StoreError::Invalid(
                "chuyển tiếp cần cơ quan nhận · a transfer needs the receiving agency".into(),
            ));
        }
        let mut first_response: Option<i64> = row.try_get("first_response_at").map_err(backend_err)?;
        let mut resolved: Option<i64> = row.try_get("resolved_at").map_err(backend_err)?;
        let mut closed: Option<i64> = row.try_get("closed_at").map_err(backend_err)?;
        let agency: Option<i64> = row.try_get("agency_id").map_err(backend_err)?;
        use TicketStatus::*;
        if matches!(c.to, Acknowledged | InProgress | Resolved | Rejected) && first_response.is_none() {
            first_response = Some(c.at);
        }
        match c.to {
            Resolved => resolved = Some(c.at),
            Closed | Rejected | Duplicate => closed = Some(c.at),
            Reopened => {
                resolved = None;
                closed = None;
            }
            _ => {}
        }
        let agency = c.agency.map(|a| a.0).or(agency);
        let done = sqlx::query(
            "UPDATE tickets SET status = $1, version = version + 1, updated_at = $2, first_response_at = $3,
                    resolved_at = $4, closed_at = $5, agency_id = $6, duplicate_of = COALESCE($7, duplicate_of)
             WHERE id = $8 AND version = $9",
        )
        .bind(c.to.as_str())
        .bind(c.at)
        .bind(first_response)
        .bind(resolved)
        .bind(closed)
        .bind(agency)
        .bind(c.duplicate_of.map(|d| d.0))
        .bind(id.0)
        .bind(c.expected_version)
        .execute(&mut *tx)
        .await
        .map_err(backend_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Stale);
        }
        sqlx::query("INSERT INTO ticket_history (ticket_id, at, actor, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.0)
            .bind(c.at)
            .bind(c.actor.clone())
            .bind(from.as_str())
            .bind(c.to.as_str())
            .bind(c.note.clone())
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?;
        // A ticket filed through Zalo: queue the reply telling its citizen, in this transaction.
        let channel: String = row.try_get("channel").map_err(backend_err)?;
        if channel == Channel::Zalo.as_str() {
            let code: String = row.try_get("code").map_err(backend_err)?;
            let reply = crate::zalo::status_reply(&code, c.to);
            super::zalo::queue_reply(&mut tx, id, &reply, c.at).await?;
        }
        let f = sqlx::query(&format!("SELECT {FACT_COLUMNS} FROM tickets WHERE id = $1"))
            .bind(id.0)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend_err)?;
        let fact = super::tickets::fact(&f)?;
        tx.commit().await.map_err(backend_err)?;
        Ok(fact)
    }

    pub(crate) async fn add_note_impl(&self, id: TicketId, n: &NewNote) -> StoreResult<()> {
        let mut tx = self.begin_write().await.map_err(backend_err)?;
        let done = sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
            .bind(n.at)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO ticket_notes (ticket_id, at, actor, body, public) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.0)
        .bind(n.at)
        .bind(n.actor.clone())
        .bind(n.body.clone())
        .bind(n.public as i64)
        .execute(&mut *tx)
        .await
        .map_err(backend_err)?;
        tx.commit().await.map_err(backend_err)
    }

    pub(crate) async fn caller_history_impl(
        &self,
        phone: &str,
        limit: i64,
        now: i64,
    ) -> StoreResult<(Vec<TicketSummary>, Option<String>)> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM tickets WHERE reporter_phone = $1 ORDER BY id DESC LIMIT $2")
                .bind(phone)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(backend_err)?;
        let ids: Vec<TicketId> = ids.into_iter().map(TicketId).collect();
        let list = app::ssr::store::Store::ticket_summaries(self, &ids, now).await?;
        let reason: Option<String> =
            sqlx::query_scalar("SELECT reason FROM nuisance_numbers WHERE phone = $1")
                .bind(phone)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend_err)?;
        Ok((list, reason))
    }

    pub(crate) async fn flag_nuisance_impl(&self, phone: &str, reason: &str, at: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO nuisance_numbers (phone, reason, added_at) VALUES ($1, $2, $3)
             ON CONFLICT (phone) DO UPDATE SET reason = excluded.reason",
        )
        .bind(phone)
        .bind(reason)
        .bind(at)
        .execute(&self.pool)
        .await
        .map_err(backend_err)?;
        Ok(())
    }

    pub(crate) async fn ticket_id_by_code_impl(&self, code: &str) -> StoreResult<TicketId> {
        sqlx::query_scalar::<_, i64>("SELECT id FROM tickets WHERE code = $1")
            .bind(code.trim().to_uppercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_err)?
            .map(TicketId)
            .ok_or(StoreError::NotFound)
    }
}

/// Unused-import guard for types used only in signatures above.
#[allow(dead_code)]
fn _types(_: AgencyId, _: CategoryId, _: DistrictCode) {}

/// A ticket waiting for the group-commit writer.
pub(crate) struct CreateJob {
    record: TicketRecord,
    key: Option<String>,
    links: TicketLinks,
    reply: tokio::sync::oneshot::Sender<StoreResult<(TicketId, bool)>>,
}

/// Most tickets one group commit writes.
const MAX_BATCH: usize = 256;

/// The single writer of new tickets: takes whatever requests are waiting (up to `MAX_BATCH`),
/// writes them in one transaction with a savepoint each (a refused ticket does not take the
/// others down), commits once and answers each request. Concurrent filings thus share one
/// commit instead of queueing for the write lock one by one.
pub(crate) async fn run_writer(store: SqlStore, mut jobs: tokio::sync::mpsc::Receiver<CreateJob>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        match write_batch(&store, &batch).await {
            Ok(results) => {
                for (job, r) in batch.into_iter().zip(results) {
                    let _ = job.reply.send(r);
                }
            }
            Err(e) => {
                let msg = e.to_string();
                for job in batch {
                    let _ = job.reply.send(Err(StoreError::Backend(msg.clone().into())));
                }
            }
        }
    }
}

async fn write_batch(
    store: &SqlStore,
    batch: &[CreateJob],
) -> Result<Vec<StoreResult<(TicketId, bool)>>, sqlx::Error> {
    let mut tx = store.begin_write().await?;
    let mut out = Vec::with_capacity(batch.len());
    for job in batch {
        sqlx::query("SAVEPOINT ticket").execute(&mut *tx).await?;
        let r = insert_one(&mut tx, &job.record, job.key.as_deref(), job.links).await;
        match r {
            Ok(v) => {
                sqlx::query("RELEASE SAVEPOINT ticket").execute(&mut *tx).await?;
                out.push(Ok(v));
            }
            Err(e) => {
                sqlx::query("ROLLBACK TO SAVEPOINT ticket")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("RELEASE SAVEPOINT ticket").execute(&mut *tx).await?;
                out.push(match e {
                    StoreError::Stale => {
                        let id: i64 =
                            sqlx::query_scalar("SELECT ticket_id FROM idempotency_keys WHERE key = $1")
                                .bind(job.key.clone().unwrap_or_default())
                                .fetch_one(&mut *tx)
                                .await?;
                        Ok((TicketId(id), true))
                    }
                    other => Err(other),
                });
            }
        }
    }
    tx.commit().await?;
    Ok(out)
}

async fn existing_for_key(pool: &sqlx::AnyPool, key: &str) -> StoreResult<(TicketId, bool)> {
    let id: i64 = sqlx::query_scalar("SELECT ticket_id FROM idempotency_keys WHERE key = $1")
        .bind(key)
        .fetch_one(pool)
        .await
        .map_err(backend_err)?;
    Ok((TicketId(id), true))
}

/// Writes one ticket, its history and its idempotency key on `conn` (inside a transaction).
/// A key already stored answers `(its ticket, true)`; a key stored concurrently by someone
/// else answers `Stale` (the caller rolls back and reads the winner).
pub(crate) async fn insert_one(
    conn: &mut sqlx::AnyConnection,
    t: &TicketRecord,
    key: Option<&str>,
    links: TicketLinks,
) -> StoreResult<(TicketId, bool)> {
    if let Some(key) = key {
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT ticket_id FROM idempotency_keys WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut *conn)
                .await
                .map_err(backend_err)?;
        if let Some(id) = existing {
            return Ok((TicketId(id), true));
        }
    }
    let cols = format!("{}, parent_id, duplicate_of", &TICKET_COLUMNS[4..]);
    let sql = format!(
        "INSERT INTO tickets ({cols}) VALUES {} RETURNING id",
        placeholders(1, 23)
    );
    let id: i64 = bind_ticket!(sqlx::query_scalar(&sql).persistent(false), t)
        .bind(links.parent.map(|p| p.0))
        .bind(links.duplicate_of.map(|p| p.0))
        .fetch_one(&mut *conn)
        .await
        .map_err(backend_err)?;
    if !t.history.is_empty() {
        let sql = format!(
            "INSERT INTO ticket_history (ticket_id, at, actor, from_status, to_status, note) VALUES {}",
            placeholders(t.history.len(), 6)
        );
        let mut q = sqlx::query(&sql);
        for h in &t.history {
            q = q
                .bind(id)
                .bind(h.at)
                .bind(h.actor.clone())
                .bind(h.from.map(|s| s.as_str()))
                .bind(h.to.as_str())
                .bind(h.note.clone());
        }
        q.execute(&mut *conn).await.map_err(backend_err)?;
    }
    if let Some(key) = key {
        let done = sqlx::query(
                "INSERT INTO idempotency_keys (key, ticket_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(id)
            .bind(t.created_at)
            .execute(&mut *conn)
            .await
            .map_err(backend_err)?;
        if done.rows_affected() == 0 {
            // Someone else stored this key first (PostgreSQL, concurrent retries).
            return Err(StoreError::Stale);
        }
    }
    Ok((TicketId(id), false))
}
