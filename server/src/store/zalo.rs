//! Zalo Official Account: conversations, handled message ids, tickets filed from Zalo and the
//! outbox of replies (see `crate::zalo` for the webhook and the sender).
//!
//! Every event is applied in one transaction that first locks the user's conversation row
//! (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: `SELECT … FOR UPDATE`) and records the message id,
//! so a retried event changes nothing and two instances cannot interleave one user's events.
//! Filing a ticket happens between two such transactions (it has its own, through
//! `AppState::create_ticket`), idempotent on the message id.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use app::ssr::store::{StoreError, StoreResult};
use app::types::{CommuneCode, DistrictCode, TicketId, TicketStatus};

use super::{backend_err, Backend, SqlStore};

/// Most images kept pending before the report's text arrives (later ones are dropped).
pub const MAX_PENDING_IMAGES: usize = 20;
/// Longest pending caption text kept (characters).
pub const MAX_PENDING_TEXT: usize = 2000;
/// Attempts after which a reply stays unsent (visible in the outbox with its last error).
pub const MAX_ATTEMPTS: i64 = 10;

/// What a Zalo message carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    Text(String),
    /// A shared location, already checked and placed in the province (or not).
    Location {
        lat: f64,
        lon: f64,
        district: Option<DistrictCode>,
        commune: Option<CommuneCode>,
    },
    Image {
        url: String,
        caption: Option<String>,
    },
}

/// One message event from Zalo, verified and parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub msg_id: String,
    pub user: String,
    pub event_name: String,
    /// The event's timestamp (epoch ms).
    pub sent_at: i64,
    pub content: Content,
}

/// What a user sent before the text of their report: it goes into the ticket filed for it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pending {
    /// Captions of pending images.
    pub text: Option<String>,
    pub position: Option<(f64, f64)>,
    pub images: Vec<String>,
}

/// What an event did.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// This message id was handled before: nothing changed.
    Duplicate,
    /// Kept in the conversation until the report's text arrives.
    Pending,
    /// Added to the conversation's open ticket (a note, or its location).
    Attached(TicketId),
    /// A text with no open ticket in the conversation: file one with `Pending` and the text,
    /// then call `SqlStore::zalo_filed`. Nothing was stored yet.
    File(Pending),
    /// The ticket filed for this text is now the conversation's ticket.
    Filed(TicketId),
}

/// A queued (or sent) reply.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub zalo_user_id: String,
    pub ticket_id: Option<TicketId>,
    pub body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
}

/// The conversation row, locked for the transaction.
struct Conversation {
    ticket: Option<TicketId>,
    ticket_open: bool,
    pending: Pending,
    updated_at: i64,
}

fn outbox_row(r: &AnyRow) -> StoreResult<OutboxRow> {
    Ok(OutboxRow {
        id: r.try_get("id").map_err(backend_err)?,
        zalo_user_id: r.try_get("zalo_user_id").map_err(backend_err)?,
        ticket_id: r
            .try_get::<Option<i64>, _>("ticket_id")
            .map_err(backend_err)?
            .map(TicketId),
        body: r.try_get("body").map_err(backend_err)?,
        created_at: r.try_get("created_at").map_err(backend_err)?,
        sent_at: r.try_get("sent_at").map_err(backend_err)?,
        attempts: r.try_get("attempts").map_err(backend_err)?,
        next_attempt_at: r.try_get("next_attempt_at").map_err(backend_err)?,
        last_error: r.try_get("last_error").map_err(backend_err)?,
    })
}

const OUTBOX_COLUMNS: &str =
    "id, zalo_user_id, ticket_id, body, created_at, sent_at, attempts, next_attempt_at, last_error";

type Tx = Transaction<'static, Any>;

/// Adds an internal note to a ticket and marks the ticket changed.
async fn note(tx: &mut Tx, ticket: TicketId, at: i64, body: &str) -> StoreResult<()> {
    sqlx::query("INSERT INTO ticket_notes (ticket_id, at, actor, body, public) VALUES ($1, $2, $3, $4, 0)")
        .bind(ticket.0)
        .bind(at)
        .bind("Zalo OA")
        .bind(body)
        .execute(&mut **tx)
        .await
        .map_err(backend_err)?;
    sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
        .bind(at)
        .bind(ticket.0)
        .execute(&mut **tx)
        .await
        .map_err(backend_err)?;
    Ok(())
}

/// Moves a ticket to a new point (district and commune as resolved by the caller) and notes it.
async fn relocate(
    tx: &mut Tx,
    ticket: TicketId,
    at: i64,
    (lat, lon): (f64, f64),
    district: Option<DistrictCode>,
    commune: Option<CommuneCode>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE tickets SET lat = $1, lon = $2, district_code = $3, commune_code = $4, updated_at = $5 WHERE id = $6",
    )
    .persistent(false)
    .bind(lat)
    .bind(lon)
    .bind(district.map(|d| d.0))
    .bind(commune.map(|c| c.0))
    .bind(at)
    .bind(ticket.0)
    .execute(&mut **tx)
    .await
    .map_err(backend_err)?;
    let place = if district.is_some() {
        ""
    } else {
        " (ngoài Bình Dương · outside Bình Dương)"
    };
    note(
        tx,
        ticket,
        at,
        &format!("Vị trí gửi qua Zalo · location sent on Zalo: {lat}, {lon}{place}"),
    )
    .await
}

fn image_note(url: &str) -> String {
    format!("Ảnh gửi qua Zalo · image sent on Zalo: {url}")
}

/// Queues a reply to the Zalo user a ticket came from (nothing when it did not come from Zalo).
pub(crate) async fn queue_reply(tx: &mut Tx, ticket: TicketId, body: &str, at: i64) -> StoreResult<u64> {
    Ok(sqlx::query(
        "INSERT INTO zalo_outbox (zalo_user_id, ticket_id, body, created_at, attempts, next_attempt_at)
         SELECT zalo_user_id, ticket_id, $1, $2, 0, $2 FROM zalo_tickets WHERE ticket_id = $3",
    )
    .bind(body)
    .bind(at)
    .bind(ticket.0)
    .execute(&mut **tx)
    .await
    .map_err(backend_err)?
    .rows_affected())
}

impl SqlStore {
    /// Records the message id; `false` when it was recorded before (the caller then rolls back).
    async fn record_message(
        &self,
        tx: &mut Tx,
        m: &Message,
        ticket: Option<TicketId>,
        now: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO zalo_messages (msg_id, zalo_user_id, event_name, ticket_id, sent_at, received_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (msg_id) DO NOTHING",
        )
        .bind(m.msg_id.clone())
        .bind(m.user.clone())
        .bind(m.event_name.clone())
        .bind(ticket.map(|t| t.0))
        .bind(m.sent_at)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(backend_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn seen(&self, tx: &mut Tx, msg_id: &str) -> StoreResult<bool> {
        let row: Option<String> = sqlx::query_scalar("SELECT msg_id FROM zalo_messages WHERE msg_id = $1")
            .bind(msg_id)
            .fetch_optional(&mut **tx)
            .await
            .map_err(backend_err)?;
        Ok(row.is_some())
    }

    /// Creates the user's conversation row if needed and locks it for the transaction.
    async fn lock_conversation(&self, tx: &mut Tx, user: &str) -> StoreResult<Conversation> {
        sqlx::query(
            "INSERT INTO zalo_conversations (zalo_user_id, updated_at) VALUES ($1, 0) ON CONFLICT (zalo_user_id) DO NOTHING",
        )
        .bind(user)
        .execute(&mut **tx)
        .await
        .map_err(backend_err)?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT zalo_user_id FROM zalo_conversations WHERE zalo_user_id = $1 FOR UPDATE")
                .bind(user)
                .fetch_one(&mut **tx)
                .await
                .map_err(backend_err)?;
        }
        let r = sqlx::query(
            "SELECT c.ticket_id, c.pending_text, c.pending_lat, c.pending_lon, c.pending_images, c.updated_at,
                    t.status
             FROM zalo_conversations c LEFT JOIN tickets t ON t.id = c.ticket_id
             WHERE c.zalo_user_id = $1",
        )
        .bind(user)
        .fetch_one(&mut **tx)
        .await
        .map_err(backend_err)?;
        let status: Option<String> = r.try_get("status").map_err(backend_err)?;
        let lat: Option<f64> = r.try_get("pending_lat").map_err(backend_err)?;
        let lon: Option<f64> = r.try_get("pending_lon").map_err(backend_err)?;
        let images: Option<String> = r.try_get("pending_images").map_err(backend_err)?;
        Ok(Conversation {
            ticket: r
                .try_get::<Option<i64>, _>("ticket_id")
                .map_err(backend_err)?
                .map(TicketId),
            ticket_open: status
                .as_deref()
                .and_then(TicketStatus::parse)
                .is_some_and(TicketStatus::is_open),
            pending: Pending {
                text: r.try_get("pending_text").map_err(backend_err)?,
                position: lat.zip(lon),
                images: images
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
            updated_at: r.try_get("updated_at").map_err(backend_err)?,
        })
    }

    /// Stores what is pending (no ticket yet), replacing the conversation's state.
    async fn set_pending(&self, tx: &mut Tx, user: &str, p: &Pending, now: i64) -> StoreResult<()> {
        // A NULL double is bound as float4 by the Any driver on PostgreSQL: write NULL literally.
        let (sql, pos) = match p.position {
            Some(pos) => (
                "UPDATE zalo_conversations SET ticket_id = NULL, pending_text = $1, pending_images = $2,
                        updated_at = $3, pending_lat = $5, pending_lon = $6 WHERE zalo_user_id = $4",
                Some(pos),
            ),
            None => (
                "UPDATE zalo_conversations SET ticket_id = NULL, pending_text = $1, pending_images = $2,
                        updated_at = $3, pending_lat = NULL, pending_lon = NULL WHERE zalo_user_id = $4",
                None,
            ),
        };
        let images = (!p.images.is_empty()).then(|| p.images.join("\n"));
        let mut q = sqlx::query(sql)
            .bind(p.text.clone())
            .bind(images)
            .bind(now)
            .bind(user);
        if let Some((lat, lon)) = pos {
            q = q.bind(lat).bind(lon);
        }
        q.execute(&mut **tx).await.map_err(backend_err)?;
        Ok(())
    }

    /// Makes `ticket` the conversation's ticket, nothing pending, active from `now`.
    async fn set_ticket(&self, tx: &mut Tx, user: &str, ticket: TicketId, now: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE zalo_conversations SET ticket_id = $1, pending_text = NULL, pending_lat = NULL,
                    pending_lon = NULL, pending_images = NULL, updated_at = $2 WHERE zalo_user_id = $3",
        )
        .bind(ticket.0)
        .bind(now)
        .bind(user)
        .execute(&mut **tx)
        .await
        .map_err(backend_err)?;
        Ok(())
    }

    /// Applies one message to its user's conversation. Within `window_ms` of the conversation's
    /// last message, a location, image or text goes to the conversation's open ticket; without
    /// one, locations and images wait for the report's text, and a text asks the caller to file
    /// a ticket (`Outcome::File`). A message id seen before changes nothing.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn zalo_event(&self, m: &Message, now: i64, window_ms: i64) -> StoreResult<Outcome> {
        let mut tx = self.begin_write().await.map_err(backend_err)?;
        let conv = self.lock_conversation(&mut tx, &m.user).await?;
        if self.seen(&mut tx, &m.msg_id).await? {
            tx.rollback().await.map_err(backend_err)?;
            return Ok(Outcome::Duplicate);
        }
        let fresh = conv.updated_at >= now - window_ms;
        let active = conv.ticket.filter(|_| fresh && conv.ticket_open);
        let mut pending = if fresh && active.is_none() {
            conv.pending
        } else {
            Pending::default()
        };
        let outcome = match (&m.content, active) {
            (Content::Text(_), None) => {
                tx.rollback().await.map_err(backend_err)?;
                return Ok(Outcome::File(pending));
            }
            (Content::Text(text), Some(t)) => {
                note(&mut tx, t, now, &format!("Tin nhắn Zalo · Zalo message: {text}")).await?;
                Outcome::Attached(t)
            }
            (
                Content::Location {
                    lat,
                    lon,
                    district,
                    commune,
                },
                Some(t),
            ) => {
                relocate(&mut tx, t, now, (*lat, *lon), *district, *commune).await?;
                Outcome::Attached(t)
            }
            (Content::Image { url, caption }, Some(t)) => {
                let body = match caption {
                    Some(c) => format!("{} — {c}", image_note(url)),
                    None => image_note(url),
                };
                note(&mut tx, t, now, &body).await?;
                Outcome::Attached(t)
            }
            (Content::Location { lat, lon, .. }, None) => {
                pending.position = Some((*lat, *lon));
                Outcome::Pending
            }
            (Content::Image { url, caption }, None) => {
                if pending.images.len() < MAX_PENDING_IMAGES {
                    pending.images.push(url.clone());
                }
                if let Some(c) = caption {
                    let joined = match pending.text.take() {
                        Some(t) => format!("{t}\n{c}"),
                        None => c.clone(),
                    };
                    pending.text = Some(joined.chars().take(MAX_PENDING_TEXT).collect());
                }
                Outcome::Pending
            }
        };
        let ticket = match outcome {
            Outcome::Attached(t) => Some(t),
            _ => None,
        };
        if !self.record_message(&mut tx, m, ticket, now).await? {
            tx.rollback().await.map_err(backend_err)?;
            return Ok(Outcome::Duplicate);
        }
        match ticket {
            Some(t) => self.set_ticket(&mut tx, &m.user, t, now).await?,
            None => self.set_pending(&mut tx, &m.user, &pending, now).await?,
        }
        tx.commit().await.map_err(backend_err)?;
        Ok(outcome)
    }

    /// Completes a text event after its ticket was filed with `filed_with` (what was pending
    /// then): records the message, links the ticket to the Zalo user, attaches what arrived
    /// meanwhile or was not part of the ticket (images as notes, a newer location), and queues
    /// `reply` to the user. Returns `Duplicate` when the message was completed meanwhile.
    ///
    /// # Errors
    /// When the database fails.
    #[allow(clippy::too_many_arguments)]
    pub async fn zalo_filed(
        &self,
        m: &Message,
        ticket: TicketId,
        filed_with: &Pending,
        reply: &str,
        now: i64,
        window_ms: i64,
        locate: impl Fn(f64, f64) -> (Option<DistrictCode>, Option<CommuneCode>),
    ) -> StoreResult<Outcome> {
        let mut tx = self.begin_write().await.map_err(backend_err)?;
        let conv = self.lock_conversation(&mut tx, &m.user).await?;
        if !self.record_message(&mut tx, m, Some(ticket), now).await? {
            tx.rollback().await.map_err(backend_err)?;
            return Ok(Outcome::Duplicate);
        }
        let pending = if conv.updated_at >= now - window_ms && conv.ticket.is_none() {
            conv.pending
        } else {
            Pending::default()
        };
        for url in &pending.images {
            note(&mut tx, ticket, now, &image_note(url)).await?;
        }
        if let Some(pos) = pending.position.filter(|p| Some(*p) != filed_with.position) {
            let (district, commune) = locate(pos.0, pos.1);
            relocate(&mut tx, ticket, now, pos, district, commune).await?;
        }
        if let Some(text) = pending.text.filter(|t| Some(t) != filed_with.text.as_ref()) {
            note(
                &mut tx,
                ticket,
                now,
                &format!("Tin nhắn Zalo · Zalo message: {text}"),
            )
            .await?;
        }
        sqlx::query(
            "INSERT INTO zalo_tickets (ticket_id, zalo_user_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (ticket_id) DO NOTHING",
        )
        .bind(ticket.0)
        .bind(m.user.clone())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(backend_err)?;
        self.set_ticket(&mut tx, &m.user, ticket, now).await?;
        queue_reply(&mut tx, ticket, reply, now).await?;
        tx.commit().await.map_err(backend_err)?;
        Ok(Outcome::Filed(ticket))
    }

    /// The Zalo user a ticket came from, if it came from Zalo.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn zalo_user_of(&self, ticket: TicketId) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT zalo_user_id FROM zalo_tickets WHERE ticket_id = $1")
            .bind(ticket.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend_err)
    }

    /// Every reply queued for a ticket, oldest first (sent or not).
    ///
    /// # Errors
    /// When the database fails.
    pub async fn zalo_outbox(&self, ticket: TicketId) -> StoreResult<Vec<OutboxRow>> {
        sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM zalo_outbox WHERE ticket_id = $1 ORDER BY id"
        ))
        .bind(ticket.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_err)?
        .iter()
        .map(outbox_row)
        .collect()
    }

    /// Unsent replies due at `now` with attempts left, oldest first.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn zalo_due(&self, now: i64, limit: i64) -> StoreResult<Vec<OutboxRow>> {
        sqlx::query(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM zalo_outbox
             WHERE sent_at IS NULL AND next_attempt_at <= $1 AND attempts < $2
             ORDER BY next_attempt_at, id LIMIT $3"
        ))
        .bind(now)
        .bind(MAX_ATTEMPTS)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend_err)?
        .iter()
        .map(outbox_row)
        .collect()
    }

    /// Claims one attempt at sending a reply: counts it and sets the next attempt's time, only if
    /// nobody (another instance) claimed this attempt first. `false`: leave the row alone.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn zalo_claim(&self, row: &OutboxRow, next_attempt_at: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE zalo_outbox SET attempts = attempts + 1, next_attempt_at = $1
             WHERE id = $2 AND attempts = $3 AND sent_at IS NULL",
        )
        .bind(next_attempt_at)
        .bind(row.id)
        .bind(row.attempts)
        .execute(&self.pool)
        .await
        .map_err(backend_err)?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks a reply sent, or records why the attempt failed.
    ///
    /// # Errors
    /// When the database fails; `NotFound` for an unknown id.
    pub async fn zalo_attempted(&self, id: i64, result: Result<i64, &str>) -> StoreResult<()> {
        let q = match result {
            Ok(at) => sqlx::query("UPDATE zalo_outbox SET sent_at = $1, last_error = NULL WHERE id = $2")
                .bind(at)
                .bind(id),
            Err(e) => sqlx::query("UPDATE zalo_outbox SET last_error = $1 WHERE id = $2")
                .bind(e.chars().take(500).collect::<String>())
                .bind(id),
        };
        let done = q.execute(&self.pool).await.map_err(backend_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
