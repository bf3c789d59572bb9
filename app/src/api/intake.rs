//! Intake: filing reports, looking up callers, places and likely duplicates.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::types::{Agency, AgencyId, Category, CategoryId, NewTicket, TicketCreated, TicketSummary};

/// The lists the intake forms need.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct IntakeRefs {
    pub categories: Vec<Category>,
    pub agencies: Vec<Agency>,
}

/// A caller's earlier tickets and whether the number is on the nuisance list.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CallerInfo {
    pub phone: String,
    pub tickets: Vec<TicketSummary>,
    pub nuisance_reason: Option<String>,
}

/// A district or commune found by name.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Place {
    /// "district" or "commune".
    pub kind: String,
    pub name: String,
    pub district_name: String,
    pub lat: f64,
    pub lon: f64,
}

/// Where a point is.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct PointInfo {
    pub inside: bool,
    pub district_name: Option<String>,
    pub commune_name: Option<String>,
}

#[server(endpoint = "intake/lists")]
pub async fn intake_lists() -> Result<IntakeRefs, AppError> {
    let state = crate::ssr::context::state()?;
    Ok(IntakeRefs {
        categories: state.reference.categories.clone(),
        agencies: state.reference.agencies.clone(),
    })
}

/// Files a report taken by an operator, with a child ticket for each agency in `also`.
#[server(endpoint = "intake/file")]
pub async fn file_ticket(
    ticket: NewTicket,
    // An Option: an empty list does not survive URL encoding, an absent one decodes as None.
    also: Option<Vec<AgencyId>>,
) -> Result<TicketCreated, AppError> {
    let also = also.unwrap_or_default();
    let state = crate::ssr::context::state()?;
    let now = crate::ssr::state::now_ms();
    let (mut parent, children) = state
        .create_with_children(ticket, &also, "Tổng đài viên 1022", now)
        .await?;
    parent.children = children.into_iter().map(|c| c.code).collect();
    Ok(parent)
}

/// A caller's history by phone number.
#[server(endpoint = "intake/caller")]
pub async fn caller_lookup(phone: String) -> Result<CallerInfo, AppError> {
    let state = crate::ssr::context::state()?;
    let phone = crate::domain::intake::normalise_phone(&phone)
        .map_err(|e| AppError::Validation(vec![e]))?
        .ok_or_else(|| AppError::field("phone", "Cần số điện thoại", "a phone number is required"))?;
    let (tickets, nuisance_reason) = state
        .store
        .caller_history(&phone, 10, crate::ssr::state::now_ms())
        .await?;
    Ok(CallerInfo {
        phone,
        tickets,
        nuisance_reason,
    })
}

/// Districts and communes whose name matches `q`, diacritics optional ("thu dau mot").
#[server(endpoint = "intake/places")]
pub async fn search_places(q: String) -> Result<Vec<Place>, AppError> {
    use crate::domain::text::fold;
    let state = crate::ssr::context::state()?;
    let q = fold(&q);
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let r = &state.reference;
    let district_name = |code| {
        r.districts
            .iter()
            .find(|d| d.district.code == code)
            .map(|d| d.district.name_vi.clone())
            .unwrap_or_default()
    };
    let mut out: Vec<(usize, Place)> = Vec::new();
    for d in &r.districts {
        let key = fold(&d.district.full_name_vi);
        if let Some(pos) = key.find(&q) {
            out.push((
                pos,
                Place {
                    kind: "district".into(),
                    name: d.district.full_name_vi.clone(),
                    district_name: d.district.name_vi.clone(),
                    lat: d.label.1,
                    lon: d.label.0,
                },
            ));
        }
    }
    for c in &r.communes {
        let key = fold(&c.full_name_vi);
        if let Some(pos) = key.find(&q) {
            out.push((
                pos + 1,
                Place {
                    kind: "commune".into(),
                    name: c.full_name_vi.clone(),
                    district_name: district_name(c.district),
                    lat: c.label.1,
                    lon: c.label.0,
                },
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.name.len().cmp(&b.1.name.len())));
    Ok(out.into_iter().take(12).map(|p| p.1).collect())
}

/// The district and commune of a point, or that it lies outside the province.
#[server(endpoint = "intake/locate")]
pub async fn locate_point(lat: f64, lon: f64) -> Result<PointInfo, AppError> {
    let state = crate::ssr::context::state()?;
    crate::domain::intake::check_position(Some(lat), Some(lon)).map_err(|e| AppError::Validation(vec![e]))?;
    let found = state.geo.locate(lon, lat);
    let r = &state.reference;
    Ok(PointInfo {
        inside: found.is_some(),
        district_name: found
            .and_then(|l| r.districts.iter().find(|d| d.district.code == l.district))
            .map(|d| d.district.full_name_vi.clone()),
        commune_name: found
            .and_then(|l| l.commune)
            .and_then(|c| r.communes.iter().find(|x| x.code == c))
            .map(|c| c.full_name_vi.clone()),
    })
}

/// Open tickets of the same category near the point in the last hours.
#[server(endpoint = "intake/duplicates")]
pub async fn likely_duplicates(
    category: CategoryId,
    lat: f64,
    lon: f64,
) -> Result<Vec<TicketSummary>, AppError> {
    let state = crate::ssr::context::state()?;
    crate::domain::intake::check_position(Some(lat), Some(lon)).map_err(|e| AppError::Validation(vec![e]))?;
    state
        .likely_duplicates(category, lat, lon, crate::ssr::state::now_ms())
        .await
}

/// Adds a caller's number to the nuisance list.
#[server(endpoint = "intake/nuisance")]
pub async fn flag_nuisance(phone: String, reason: String) -> Result<(), AppError> {
    let state = crate::ssr::context::state()?;
    let phone = crate::domain::intake::normalise_phone(&phone)
        .map_err(|e| AppError::Validation(vec![e]))?
        .ok_or_else(|| AppError::field("phone", "Cần số điện thoại", "a phone number is required"))?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(AppError::field(
            "reason",
            "Cần lý do (tối đa 300 ký tự)",
            "a reason of at most 300 characters is required",
        ));
    }
    Ok(state
        .store
        .flag_nuisance(&phone, reason, crate::ssr::state::now_ms())
        .await?)
}

/// A report from the public web form (no sign-in). The idempotency key makes a double
/// submission (a retry, a double click) file one ticket.
#[server(endpoint = "public/report")]
pub async fn submit_report(
    category: CategoryId,
    description: String,
    lat: Option<String>,
    lon: Option<String>,
    address: Option<String>,
    name: Option<String>,
    phone: Option<String>,
    idempotency_key: Option<String>,
) -> Result<TicketCreated, AppError> {
    use crate::domain::intake::parse_coordinate;
    let state = crate::ssr::context::state()?;
    let coord = |field: &str, v: Option<String>| -> Result<Option<f64>, AppError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => parse_coordinate(s).map(Some).ok_or_else(|| {
                AppError::field(
                    field,
                    "Tọa độ phải là số, ví dụ 10.98",
                    "a coordinate is a number, e.g. 10.98",
                )
            }),
        }
    };
    let ticket = NewTicket {
        channel: crate::types::Channel::Web,
        category,
        description,
        reporter_name: name,
        reporter_phone: phone,
        lat: coord("lat", lat)?,
        lon: coord("lon", lon)?,
        address,
        agency_override: None,
        duplicate_of: None,
        idempotency_key: idempotency_key.map(|k| format!("web:{k}")),
    };
    state
        .create_ticket(ticket, "Cổng thông tin", crate::ssr::state::now_ms())
        .await
}
