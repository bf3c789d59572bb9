//! Filing and moving tickets: validation, geocoding, routing, SLA clocks, history, and the
//! in-memory index kept in step. Every channel (operator, web form, Open311, Zalo) comes here.

use crate::domain::intake::validate;
use crate::domain::routing::{evaluate, fallback};
use crate::domain::sla::due_at;
use crate::domain::time::HOUR_MS;
use crate::error::AppError;
use crate::ssr::state::AppState;
use crate::ssr::store::{NewNote, StatusChange, TicketLinks, TicketRecord};
use crate::types::{
    AgencyId, HistoryEntry, NewTicket, PublicTicket, TicketCreated, TicketDetail, TicketId, TicketStatus,
    TicketSummary,
};

/// Crockford base32 without I, L, O, U: readable over the phone.
const CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh public code `BD-XXXXX-XXXXX` (50 random bits).
pub fn new_code() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the OS random source");
    let mut v = u64::from_le_bytes(bytes);
    let mut s = String::with_capacity(14);
    s.push_str("BD-");
    for i in 0..10 {
        if i == 5 {
            s.push('-');
        }
        s.push(CODE_ALPHABET[(v & 31) as usize] as char);
        v >>= 5;
    }
    s
}

/// Open tickets of the same category within this distance are offered as duplicates.
pub const DUPLICATE_RADIUS_M: f64 = 500.0;
/// …filed within this many hours.
pub const DUPLICATE_HOURS: i64 = 6;

impl AppState {
    /// Files a report: validates it, resolves district and commune, routes it, starts its SLA
    /// clocks and writes it with its first history entries. A repeated idempotency key returns
    /// the earlier ticket and stores nothing.
    ///
    /// # Errors
    /// `Validation` naming each bad field; `NotFound` for an unknown category or agency.
    pub async fn create_ticket(
        &self,
        new: NewTicket,
        actor: &str,
        now: i64,
    ) -> Result<TicketCreated, AppError> {
        let valid = validate(&new).map_err(AppError::Validation)?;
        let category = self
            .reference
            .categories
            .iter()
            .find(|c| c.id == new.category)
            .ok_or_else(|| AppError::field("category", "Loại phản ánh không tồn tại", "unknown category"))?;
        if let Some(a) = new.agency_override {
            if !self.reference.agencies.iter().any(|x| x.id == a) {
                return Err(AppError::field(
                    "agency_override",
                    "Cơ quan không tồn tại",
                    "unknown agency",
                ));
            }
        }
        let key = new
            .idempotency_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty());
        if key.is_some_and(|k| k.len() > 200) {
            return Err(AppError::field(
                "idempotency_key",
                "Khóa quá dài",
                "idempotency key longer than 200 characters",
            ));
        }
        let located = valid.position.and_then(|(lat, lon)| self.geo.locate(lon, lat));
        let out_of_area = valid.position.is_some() && located.is_none();
        let district = located.map(|l| l.district);
        let commune = located.and_then(|l| l.commune);
        // A point outside the province goes to the fallback (the 1022 center's triage queue),
        // never to a provincial agency by category alone; a report without a position is
        // routed by category (and district when known).
        let routed = if out_of_area {
            fallback(&self.reference.rules)
        } else {
            evaluate(&self.reference.rules, category.id, district, commune)
        };
        let agency = new.agency_override.or(routed);
        let response_due = due_at(now, category.response_target, &self.calendar);
        let resolution_due = due_at(now, category.resolution_target, &self.calendar);
        let mut history = vec![HistoryEntry {
            at: now,
            actor: actor.into(),
            from: None,
            to: TicketStatus::New,
            note: None,
        }];
        let mut status = TicketStatus::New;
        if let Some(parent) = new.duplicate_of {
            self.store.ticket_detail(parent).await.map_err(|_| {
                AppError::field(
                    "duplicate_of",
                    "Phiếu gốc không tồn tại",
                    "the original ticket does not exist",
                )
            })?;
            history.push(HistoryEntry {
                at: now,
                actor: actor.into(),
                from: Some(TicketStatus::New),
                to: TicketStatus::Duplicate,
                note: Some(format!("Trùng với phiếu #{parent} · duplicate of #{parent}")),
            });
            status = TicketStatus::Duplicate;
        } else if let Some(a) = agency {
            let how = if new.agency_override.is_some() {
                "chỉ định của tổng đài viên · operator's choice"
            } else {
                "quy tắc định tuyến · routing rules"
            };
            history.push(HistoryEntry {
                at: now,
                actor: if new.agency_override.is_some() {
                    actor.into()
                } else {
                    "Định tuyến tự động".into()
                },
                from: Some(TicketStatus::New),
                to: TicketStatus::Assigned,
                note: Some(format!("{} ({how})", self.agency_code(a))),
            });
            status = TicketStatus::Assigned;
        }
        let record = TicketRecord {
            code: new_code(),
            channel: new.channel,
            category: category.id,
            priority: category.priority,
            description: valid.description,
            reporter_name: valid.reporter_name,
            reporter_phone: valid.reporter_phone,
            lat: valid.position.map(|p| p.0),
            lon: valid.position.map(|p| p.1),
            address: valid.address,
            district,
            commune,
            agency,
            status,
            created_at: now,
            first_response_at: None,
            resolved_at: None,
            closed_at: (status == TicketStatus::Duplicate).then_some(now),
            response_due_at: Some(response_due),
            resolution_due_at: Some(resolution_due),
            updated_at: now,
            history,
        };
        let links = TicketLinks {
            parent: None,
            duplicate_of: new.duplicate_of,
        };
        let (id, replayed) = self.store.create_ticket(&record, key, links).await?;
        if replayed {
            let d = self.store.ticket_detail(id).await?;
            return Ok(self.created(&d, true));
        }
        // Everything the answer and the index need is known already: no read-back.
        self.index_written(&[crate::ssr::store::FactRow {
            id: id.0,
            created_at: record.created_at,
            updated_at: record.updated_at,
            category: record.category,
            agency: record.agency,
            district: record.district,
            status: record.status,
            lon: record.lon,
            lat: record.lat,
            first_response_at: None,
            resolved_at: None,
            response_due_at: record.response_due_at,
            resolution_due_at: record.resolution_due_at,
        }]);
        tracing::info!(ticket = id.0, category = %category.code, channel = new.channel.as_str(), "ticket filed");
        let r = &self.reference;
        Ok(TicketCreated {
            id,
            code: record.code,
            agency_id: agency,
            agency_name_vi: agency
                .and_then(|a| r.agencies.iter().find(|x| x.id == a))
                .map(|a| a.name_vi.clone()),
            district_name: district
                .and_then(|d| r.districts.iter().find(|x| x.district.code == d))
                .map(|d| d.district.name_vi.clone()),
            commune_name: commune
                .and_then(|c| r.communes.iter().find(|x| x.code == c))
                .map(|c| c.full_name_vi.clone()),
            out_of_area,
            response_due_at: response_due,
            resolution_due_at: resolution_due,
            replayed: false,
            children: Vec::new(),
        })
    }

    fn created(&self, d: &TicketDetail, replayed: bool) -> TicketCreated {
        TicketCreated {
            id: d.id,
            code: d.code.clone(),
            agency_id: d.agency_id,
            agency_name_vi: d.agency_name_vi.clone(),
            district_name: d.district_name.clone(),
            commune_name: d.commune_name.clone(),
            out_of_area: d.lat.is_some() && d.district.is_none(),
            response_due_at: d.response_due_at.unwrap_or(d.created_at),
            resolution_due_at: d.resolution_due_at.unwrap_or(d.created_at),
            replayed,
            children: d.children.iter().map(|c| c.code.clone()).collect(),
        }
    }

    fn agency_code(&self, id: AgencyId) -> String {
        self.reference
            .agencies
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| id.to_string(), |a| a.code.clone())
    }

    /// Spawns a child ticket of `parent` for another agency (one report, several agencies: a
    /// fire that also needs the power company). The child copies the report and location, has
    /// its own SLA clocks from now, and is linked to the parent, whose page rolls the children
    /// up. With an idempotency key, a retry spawns nothing new.
    ///
    /// # Errors
    /// `NotFound` for an unknown parent; `Validation` for an unknown agency or a closed parent.
    pub async fn spawn_child(
        &self,
        parent: TicketId,
        agency: AgencyId,
        reason: Option<String>,
        key: Option<String>,
        actor: &str,
        now: i64,
    ) -> Result<TicketCreated, AppError> {
        let Some(a) = self.reference.agencies.iter().find(|x| x.id == agency) else {
            return Err(AppError::field(
                "agency",
                "Cơ quan không tồn tại",
                "unknown agency",
            ));
        };
        let p = self.store.ticket_record(parent).await?;
        if !p.status.is_open() {
            return Err(AppError::field(
                "parent",
                "Phiếu gốc đã đóng, hãy mở lại trước",
                "the parent ticket is closed; reopen it first",
            ));
        }
        let category = self
            .reference
            .categories
            .iter()
            .find(|c| c.id == p.category)
            .ok_or_else(|| AppError::internal("parent ticket with an unknown category"))?;
        let response_due = due_at(now, category.response_target, &self.calendar);
        let resolution_due = due_at(now, category.resolution_target, &self.calendar);
        let note = match reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => format!("{} — phối hợp với phiếu {}: {r}", a.code, p.code),
            None => format!(
                "{} — phối hợp với phiếu {} · coordinating with {}",
                a.code, p.code, p.code
            ),
        };
        let record = TicketRecord {
            code: new_code(),
            agency: Some(agency),
            status: TicketStatus::Assigned,
            created_at: now,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            response_due_at: Some(response_due),
            resolution_due_at: Some(resolution_due),
            updated_at: now,
            history: vec![
                HistoryEntry {
                    at: now,
                    actor: actor.into(),
                    from: None,
                    to: TicketStatus::New,
                    note: None,
                },
                HistoryEntry {
                    at: now,
                    actor: actor.into(),
                    from: Some(TicketStatus::New),
                    to: TicketStatus::Assigned,
                    note: Some(note),
                },
            ],
            ..p
        };
        let links = TicketLinks {
            parent: Some(parent),
            duplicate_of: None,
        };
        let (id, replayed) = self.store.create_ticket(&record, key.as_deref(), links).await?;
        if !replayed {
            self.index_written(&[self.store.ticket_fact(id).await?]);
        }
        let d = self.store.ticket_detail(id).await?;
        Ok(self.created(&d, replayed))
    }

    /// Files a report and, for each extra agency, a child ticket linked to it.
    ///
    /// # Errors
    /// As [`AppState::create_ticket`]; children are filed only once the parent is.
    pub async fn create_with_children(
        &self,
        new: NewTicket,
        also: &[AgencyId],
        actor: &str,
        now: i64,
    ) -> Result<(TicketCreated, Vec<TicketCreated>), AppError> {
        if let Some(bad) = also
            .iter()
            .find(|a| !self.reference.agencies.iter().any(|x| x.id == **a))
        {
            return Err(AppError::field(
                "also",
                "Cơ quan phối hợp không tồn tại",
                &format!("unknown agency {bad}"),
            ));
        }
        let key = new.idempotency_key.clone();
        let parent = self.create_ticket(new, actor, now).await?;
        let mut children = Vec::new();
        for a in also.iter().filter(|a| Some(**a) != parent.agency_id) {
            let child_key = key.as_ref().map(|k| format!("{k}:child:{a}"));
            children.push(
                self.spawn_child(parent.id, *a, None, child_key, actor, now)
                    .await?,
            );
        }
        Ok((parent, children))
    }

    /// Moves a ticket to another status (a transfer when `agency` is set).
    ///
    /// # Errors
    /// `Conflict` when the version is stale; `Validation` for an illegal transition; `NotFound`.
    pub async fn change_status(&self, id: TicketId, change: StatusChange) -> Result<TicketDetail, AppError> {
        if let Some(a) = change.agency {
            if !self.reference.agencies.iter().any(|x| x.id == a) {
                return Err(AppError::field(
                    "agency",
                    "Cơ quan không tồn tại",
                    "unknown agency",
                ));
            }
        }
        if change.note.as_deref().is_some_and(|n| n.chars().count() > 2000) {
            return Err(AppError::field(
                "note",
                "Ghi chú tối đa 2000 ký tự",
                "a note has at most 2000 characters",
            ));
        }
        let at = change.at;
        let fact = self.store.change_status(id, &change).await?;
        self.index_written(&[fact]);
        let detail = self.store.ticket_detail(id).await?;
        if let (Some(parent), true) = (
            detail.parent_id,
            matches!(detail.status, TicketStatus::Resolved | TicketStatus::Closed),
        ) {
            self.roll_up(parent, at).await?;
        }
        Ok(detail)
    }

    /// When every child of `parent` is done, the parent is resolved too (if its lifecycle
    /// allows it from where it stands; otherwise its page shows the roll-up and staff close it).
    async fn roll_up(&self, parent: TicketId, at: i64) -> Result<(), AppError> {
        let p = self.store.ticket_detail(parent).await?;
        let (done, total) = p.children_done();
        if total == 0
            || done < total
            || !crate::domain::lifecycle::can_transition(p.status, TicketStatus::Resolved)
        {
            return Ok(());
        }
        let change = StatusChange {
            to: TicketStatus::Resolved,
            at,
            actor: "Tổng hợp phiếu con".into(),
            note: Some(format!(
                "{done}/{total} cơ quan phối hợp đã xử lý · all {total} coordinating agencies done"
            )),
            agency: None,
            duplicate_of: None,
            expected_version: p.version,
        };
        match self.store.change_status(parent, &change).await {
            Ok(fact) => self.index_written(&[fact]),
            // Someone changed the parent meanwhile: their change stands.
            Err(crate::ssr::store::StoreError::Stale) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Adds an internal or public note.
    ///
    /// # Errors
    /// `Validation` for an empty or oversized note; `NotFound`.
    pub async fn add_note(&self, id: TicketId, note: NewNote) -> Result<TicketDetail, AppError> {
        let body = note.body.trim();
        if body.is_empty() || body.chars().count() > 2000 {
            return Err(AppError::field(
                "note",
                "Ghi chú cần 1–2000 ký tự",
                "a note has 1–2000 characters",
            ));
        }
        self.store
            .add_note(
                id,
                &NewNote {
                    body: body.to_string(),
                    ..note
                },
            )
            .await?;
        Ok(self.store.ticket_detail(id).await?)
    }

    /// The citizen's view of a ticket by its code.
    ///
    /// # Errors
    /// `NotFound` for an unknown code.
    pub async fn public_ticket(&self, code: &str) -> Result<PublicTicket, AppError> {
        let id = self.store.ticket_id_by_code(code).await?;
        Ok(PublicTicket::from_detail(&self.store.ticket_detail(id).await?))
    }

    /// Open tickets of `category` filed in the last hours within the duplicate radius.
    pub async fn likely_duplicates(
        &self,
        category: crate::types::CategoryId,
        lat: f64,
        lon: f64,
        now: i64,
    ) -> Result<Vec<TicketSummary>, AppError> {
        let ids = self.index.read().expect("index lock").near_open(
            category,
            lon,
            lat,
            DUPLICATE_RADIUS_M,
            now - DUPLICATE_HOURS * HOUR_MS,
            10,
        );
        Ok(self.store.ticket_summaries(&ids, now).await?)
    }
}
