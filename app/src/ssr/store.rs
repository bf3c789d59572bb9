//! Storage ports. The sqlx adapters (SQLite and PostgreSQL) live in the `server` crate.

use async_trait::async_trait;

use crate::domain::routing::RoutingRule;
use crate::types::{
    Agency, AgencyId, Category, CategoryId, Channel, CommuneCode, District, DistrictCode, HistoryEntry,
    TicketDetail, TicketId, TicketStatus, TicketSummary,
};

/// Errors a store reports.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or foreign-key constraint refused the write.
    #[error("constraint {constraint} violated")]
    Conflict { constraint: String },
    /// An optimistic-concurrency check failed: someone else changed the row first.
    #[error("stale version")]
    Stale,
    /// The change is not allowed from the row's current state.
    #[error("{0}")]
    Invalid(String),
    #[error("database: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<StoreError> for crate::error::AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict { constraint } => Self::Conflict(constraint),
            StoreError::Stale => Self::Conflict(
                "phiếu vừa được người khác cập nhật, hãy tải lại · the ticket was changed by someone else; reload it".into(),
            ),
            StoreError::Invalid(m) => Self::field("status", &m, &m),
            StoreError::Backend(b) => Self::internal(b),
        }
    }
}

/// A district with its boundaries as GeoJSON geometry text.
#[derive(Clone, Debug)]
pub struct DistrictRecord {
    pub district: District,
    pub label: (f64, f64),
    pub geometry: String,
    pub geometry_simplified: String,
}

/// A commune with its boundaries as GeoJSON geometry text.
#[derive(Clone, Debug)]
pub struct CommuneRecord {
    pub code: CommuneCode,
    pub district: DistrictCode,
    pub name_vi: String,
    pub full_name_vi: String,
    pub name_ascii: String,
    pub area_km2: f64,
    pub label: (f64, f64),
    pub geometry: String,
    pub geometry_simplified: String,
}

/// All reference data the app keeps in memory.
#[derive(Clone, Debug, Default)]
pub struct ReferenceData {
    pub agencies: Vec<Agency>,
    pub categories: Vec<Category>,
    pub districts: Vec<DistrictRecord>,
    pub communes: Vec<CommuneRecord>,
    pub rules: Vec<RoutingRule>,
    /// The province outline (simplified) as GeoJSON geometry text, when loaded.
    pub province_simplified: Option<String>,
}

/// A whole ticket as written: every timestamp and its history (oldest first).
#[derive(Clone, Debug, PartialEq)]
pub struct TicketRecord {
    pub code: String,
    pub channel: Channel,
    pub category: CategoryId,
    pub priority: u8,
    pub description: String,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub address: Option<String>,
    pub district: Option<DistrictCode>,
    pub commune: Option<CommuneCode>,
    pub agency: Option<AgencyId>,
    pub status: TicketStatus,
    pub created_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub response_due_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
    pub updated_at: i64,
    pub history: Vec<HistoryEntry>,
}

/// The columns the in-memory index keeps of each ticket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FactRow {
    pub id: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub category: CategoryId,
    pub agency: Option<AgencyId>,
    pub district: Option<DistrictCode>,
    pub status: TicketStatus,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub response_due_at: Option<i64>,
    pub resolution_due_at: Option<i64>,
}

/// A status change to apply, checked against the version the user saw.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusChange {
    pub to: TicketStatus,
    pub at: i64,
    pub actor: String,
    pub note: Option<String>,
    /// A transfer: the agency that takes the ticket over.
    pub agency: Option<AgencyId>,
    /// For `duplicate`: the ticket this one repeats.
    pub duplicate_of: Option<TicketId>,
    pub expected_version: i64,
}

/// A note on a ticket; public notes show on the citizen's status page.
#[derive(Clone, Debug, PartialEq)]
pub struct NewNote {
    pub at: i64,
    pub actor: String,
    pub body: String,
    pub public: bool,
}

/// Links of a new ticket to others.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TicketLinks {
    pub parent: Option<TicketId>,
    pub duplicate_of: Option<TicketId>,
}

/// An Open311 client's API key as stored (only the key's SHA-256 is kept, never the key).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// Filters of an Open311 `GET requests` query, already validated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceRequestQuery {
    /// Ticket codes; when not empty, every other filter is ignored (as the standard says).
    pub codes: Vec<String>,
    /// Categories to keep; empty keeps all.
    pub categories: Vec<CategoryId>,
    /// `created_at` window, inclusive, epoch ms.
    pub created_from: i64,
    pub created_to: i64,
    /// Statuses to keep; empty keeps all.
    pub statuses: Vec<TicketStatus>,
    pub limit: i64,
}

/// What Open311 publishes of a ticket: no reporter name or phone.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRequestRow {
    pub code: String,
    pub status: TicketStatus,
    pub category: CategoryId,
    pub description: String,
    pub agency_name_vi: Option<String>,
    pub district: Option<DistrictCode>,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolution_due_at: Option<i64>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// The store behind the app. One implementation serves SQLite and PostgreSQL.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    /// Reference data: agencies, categories, districts, communes, routing rules.
    async fn reference(&self) -> StoreResult<ReferenceData>;

    /// Writes tickets with their history in as few statements as the backend allows.
    /// Returns the ids given to them, in order.
    async fn insert_tickets(&self, tickets: &[TicketRecord]) -> StoreResult<Vec<TicketId>>;

    /// Facts of up to `limit` tickets with ids above `after_id`, by id (for loading the index
    /// page by page, so memory stays flat).
    async fn facts_page(&self, after_id: i64, limit: i64) -> StoreResult<Vec<FactRow>>;

    /// Facts of every ticket changed after `updated_after` (all when `None`), by id.
    async fn facts_since(&self, updated_after: Option<i64>) -> StoreResult<Vec<FactRow>>;

    /// One ticket with its history (reporter masked).
    async fn ticket_detail(&self, id: TicketId) -> StoreResult<TicketDetail>;

    /// Lines for the latest-tickets list, in the order of `ids`.
    async fn ticket_summaries(&self, ids: &[TicketId], now: i64) -> StoreResult<Vec<TicketSummary>>;

    /// Number of tickets stored.
    async fn count_tickets(&self) -> StoreResult<i64>;

    /// Files one ticket with its history. With an idempotency key already used, stores nothing
    /// and returns the earlier ticket's id with `true`.
    async fn create_ticket(
        &self,
        t: &TicketRecord,
        idempotency_key: Option<&str>,
        links: TicketLinks,
    ) -> StoreResult<(TicketId, bool)>;

    /// Applies a status change if `expected_version` is current and the transition is legal;
    /// appends the history entry in the same transaction. Returns the ticket's new facts.
    async fn change_status(&self, id: TicketId, change: &StatusChange) -> StoreResult<FactRow>;

    /// A whole ticket as stored (server side only: it carries the reporter's contact).
    async fn ticket_record(&self, id: TicketId) -> StoreResult<TicketRecord>;

    /// The index facts of one ticket.
    async fn ticket_fact(&self, id: TicketId) -> StoreResult<FactRow>;

    /// Adds a note.
    async fn add_note(&self, id: TicketId, note: &NewNote) -> StoreResult<()>;

    /// A ticket by its public code.
    async fn ticket_id_by_code(&self, code: &str) -> StoreResult<TicketId>;

    /// The newest tickets filed from a phone number, and the nuisance-list reason if listed.
    async fn caller_history(
        &self,
        phone: &str,
        limit: i64,
        now: i64,
    ) -> StoreResult<(Vec<TicketSummary>, Option<String>)>;

    /// Adds a number to the nuisance-caller list (or updates its reason).
    async fn flag_nuisance(&self, phone: &str, reason: &str, at: i64) -> StoreResult<()>;

    /// The API key whose SHA-256 (lowercase hex) is `key_hash`, revoked or not.
    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKeyRecord>>;

    /// Tickets for Open311 `GET requests`, newest first, at most `q.limit`.
    async fn service_requests(&self, q: &ServiceRequestQuery) -> StoreResult<Vec<ServiceRequestRow>>;

    /// The ticket an idempotency key was used for, if any.
    async fn ticket_by_idempotency_key(&self, key: &str) -> StoreResult<Option<TicketId>>;
}
