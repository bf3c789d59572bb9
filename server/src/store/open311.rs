//! Open311 GeoReport v2: API keys (stored as SHA-256 only) and the public request queries.

use sqlx::any::AnyRow;
use sqlx::Row;

use app::ssr::store::{ApiKeyRecord, ServiceRequestQuery, ServiceRequestRow, StoreError, StoreResult};
use app::types::{CategoryId, DistrictCode, TicketId, TicketStatus};

use super::{backend_err, SqlStore};

fn api_key(r: &AnyRow) -> StoreResult<ApiKeyRecord> {
    Ok(ApiKeyRecord {
        id: r.try_get("id").map_err(backend_err)?,
        name: r.try_get("name").map_err(backend_err)?,
        created_at: r.try_get("created_at").map_err(backend_err)?,
        revoked_at: r.try_get("revoked_at").map_err(backend_err)?,
    })
}

fn request_row(r: &AnyRow) -> StoreResult<ServiceRequestRow> {
    let s: String = r.try_get("status").map_err(backend_err)?;
    Ok(ServiceRequestRow {
        code: r.try_get("code").map_err(backend_err)?,
        status: TicketStatus::parse(&s)
            .ok_or_else(|| StoreError::Backend(format!("unknown status {s:?}").into()))?,
        category: CategoryId(r.try_get("category_id").map_err(backend_err)?),
        description: r.try_get("description").map_err(backend_err)?,
        agency_name_vi: r.try_get("agency_name_vi").map_err(backend_err)?,
        district: r
            .try_get::<Option<i64>, _>("district_code")
            .map_err(backend_err)?
            .map(DistrictCode),
        created_at: r.try_get("created_at").map_err(backend_err)?,
        updated_at: r.try_get("updated_at").map_err(backend_err)?,
        resolution_due_at: r.try_get("resolution_due_at").map_err(backend_err)?,
        address: r.try_get("address").map_err(backend_err)?,
        lat: r.try_get("lat").map_err(backend_err)?,
        lon: r.try_get("lon").map_err(backend_err)?,
    })
}

/// `$from, $from+1, …` for `n` values.
fn list(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(",")
}

impl SqlStore {
    /// Stores a new API key's hash under a client name; returns its id.
    ///
    /// # Errors
    /// `Conflict` when the hash already exists (a random 256-bit key never repeats).
    pub async fn add_api_key(&self, name: &str, key_hash: &str, now: i64) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO api_keys (name, key_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(key_hash)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(backend_err)
    }

    /// Every API key (without any secret), oldest first.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn list_api_keys(&self) -> StoreResult<Vec<ApiKeyRecord>> {
        sqlx::query("SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(backend_err)?
            .iter()
            .map(api_key)
            .collect()
    }

    /// Revokes a key. Revoking twice keeps the first revocation time.
    ///
    /// # Errors
    /// `NotFound` for an unknown id; `Invalid` when it is already revoked.
    pub async fn revoke_api_key(&self, id: i64, now: i64) -> StoreResult<()> {
        let done = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend_err)?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM api_keys WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_err)?;
        match exists {
            None => Err(StoreError::NotFound),
            Some(_) => Err(StoreError::Invalid(format!("API key {id} is already revoked"))),
        }
    }

    pub(crate) async fn api_key_by_hash_impl(&self, key_hash: &str) -> StoreResult<Option<ApiKeyRecord>> {
        sqlx::query("SELECT id, name, created_at, revoked_at FROM api_keys WHERE key_hash = $1")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_err)?
            .as_ref()
            .map(api_key)
            .transpose()
    }

    pub(crate) async fn ticket_by_idempotency_key_impl(&self, key: &str) -> StoreResult<Option<TicketId>> {
        Ok(
            sqlx::query_scalar::<_, i64>("SELECT ticket_id FROM idempotency_keys WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend_err)?
                .map(TicketId),
        )
    }

    pub(crate) async fn service_requests_impl(
        &self,
        q: &ServiceRequestQuery,
    ) -> StoreResult<Vec<ServiceRequestRow>> {
        let mut conditions = Vec::new();
        let mut n = 1;
        if !q.codes.is_empty() {
            conditions.push(format!("t.code IN ({})", list(n, q.codes.len())));
            n += q.codes.len();
        } else {
            conditions.push(format!("t.created_at >= ${} AND t.created_at <= ${}", n, n + 1));
            n += 2;
            if !q.categories.is_empty() {
                conditions.push(format!("t.category_id IN ({})", list(n, q.categories.len())));
                n += q.categories.len();
            }
            if !q.statuses.is_empty() {
                conditions.push(format!("t.status IN ({})", list(n, q.statuses.len())));
                n += q.statuses.len();
            }
        }
        let sql = format!(
            "SELECT t.code, t.status, t.category_id, t.description, a.name_vi AS agency_name_vi, t.district_code,
                    t.created_at, t.updated_at, t.resolution_due_at, t.address, t.lat, t.lon
             FROM tickets t
             LEFT JOIN agencies a ON a.id = t.agency_id
             WHERE {}
             ORDER BY t.created_at DESC, t.id DESC
             LIMIT ${n}",
            conditions.join(" AND ")
        );
        let mut query = sqlx::query(&sql);
        if !q.codes.is_empty() {
            for c in &q.codes {
                query = query.bind(c.clone());
            }
        } else {
            query = query.bind(q.created_from).bind(q.created_to);
            for c in &q.categories {
                query = query.bind(c.0);
            }
            for s in &q.statuses {
                query = query.bind(s.as_str());
            }
        }
        query
            .bind(q.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend_err)?
            .iter()
            .map(request_row)
            .collect()
    }
}
