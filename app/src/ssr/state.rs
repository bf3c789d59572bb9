//! The server's shared state, handed to every request (and to Leptos as context).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::domain::sla::WorkCalendar;
use crate::error::AppError;
use crate::ssr::basemap::{self, BaseMap, DistrictDraw};
use crate::ssr::geo_index::{parse_geometry_text, CommuneShape, GeoIndex};
use crate::ssr::store::{ReferenceData, Store};
use crate::ssr::ticket_index::{Dictionaries, TicketIndex};
use crate::types::{Dashboard, Period, TicketId};

/// How many of the period's newest located tickets the map draws as points.
pub const MAX_MARKERS: usize = 400;
/// Length of the latest-tickets list.
pub const LATEST: usize = 12;
/// Other instances' writes are picked up at most this often (ms).
const REFRESH_EVERY_MS: i64 = 1_000;
/// Re-read rows changed this long before the watermark, to catch transactions that
/// committed out of order (ms).
const REFRESH_OVERLAP_MS: i64 = 5_000;

#[derive(Clone)]
struct HeatEntry {
    version: u64,
    minute: i64,
    png: Arc<Vec<u8>>,
    max_per_km2: f64,
}

/// Everything a request may need.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Arc<dyn Store>,
    pub reference: Arc<ReferenceData>,
    pub geo: Arc<GeoIndex>,
    pub basemap: Arc<BaseMap>,
    pub calendar: Arc<WorkCalendar>,
    pub index: Arc<RwLock<TicketIndex>>,
    heat: Arc<Mutex<HashMap<Period, HeatEntry>>>,
    last_refresh: Arc<AtomicI64>,
}

/// Builds the geographic index from reference data.
///
/// # Errors
/// When a stored geometry cannot be parsed.
pub fn build_geo_index(reference: &ReferenceData) -> Result<GeoIndex, String> {
    let districts = reference
        .districts
        .iter()
        .map(|d| Ok((d.district.code, d.label, parse_geometry_text(&d.geometry)?)))
        .collect::<Result<Vec<_>, String>>()?;
    let communes = reference
        .communes
        .iter()
        .map(|c| {
            Ok(CommuneShape {
                code: c.code,
                district: c.district,
                label: c.label,
                shape: parse_geometry_text(&c.geometry)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(GeoIndex::new(districts, communes))
}

fn build_basemap(reference: &ReferenceData) -> Result<BaseMap, String> {
    let shapes = reference
        .districts
        .iter()
        .map(|d| parse_geometry_text(&d.geometry_simplified))
        .collect::<Result<Vec<_>, String>>()?;
    let draws: Vec<DistrictDraw<'_>> = reference
        .districts
        .iter()
        .zip(&shapes)
        .map(|(d, shape)| DistrictDraw {
            code: d.district.code,
            name_vi: &d.district.name_vi,
            full_name_vi: &d.district.full_name_vi,
            label: d.label,
            shape,
        })
        .collect();
    let communes = reference
        .communes
        .iter()
        .map(|c| parse_geometry_text(&c.geometry_simplified))
        .collect::<Result<Vec<_>, String>>()?;
    let province = reference
        .province_simplified
        .as_deref()
        .map(parse_geometry_text)
        .transpose()?;
    let proj = crate::domain::projection::Projection::new();
    Ok(basemap::build(
        &draws,
        &communes.iter().collect::<Vec<_>>(),
        province.as_ref(),
        &proj,
    ))
}

/// Current time in epoch milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl AppState {
    /// Loads reference data and every ticket's facts from the store.
    ///
    /// # Errors
    /// When the store fails or stored geometry is corrupt.
    pub async fn load(
        leptos_options: LeptosOptions,
        store: Arc<dyn Store>,
        calendar: WorkCalendar,
    ) -> Result<Self, String> {
        let reference = store
            .reference()
            .await
            .map_err(|e| format!("reading reference data: {e}"))?;
        let geo = build_geo_index(&reference)?;
        let basemap = build_basemap(&reference)?;
        let mut index = TicketIndex::new(Dictionaries::new(&reference));
        // Page by page: a million tickets load in flat memory.
        let total = store
            .count_tickets()
            .await
            .map_err(|e| format!("counting tickets: {e}"))?;
        index.reserve_exact(total.max(0) as usize + 1024);
        let mut after = 0;
        loop {
            let page = store
                .facts_page(after, 50_000)
                .await
                .map_err(|e| format!("loading tickets: {e}"))?;
            let Some(last) = page.last() else { break };
            after = last.id;
            index.upsert(&page);
        }
        Ok(Self {
            leptos_options,
            store,
            reference: Arc::new(reference),
            geo: Arc::new(geo),
            basemap: Arc::new(basemap),
            calendar: Arc::new(calendar),
            index: Arc::new(RwLock::new(index)),
            heat: Arc::default(),
            last_refresh: Arc::new(AtomicI64::new(now_ms())),
        })
    }

    /// Picks up tickets written by other instances (at most once a second).
    pub async fn refresh(&self) -> Result<(), AppError> {
        let now = now_ms();
        let last = self.last_refresh.load(Ordering::Relaxed);
        if now - last < REFRESH_EVERY_MS
            || self
                .last_refresh
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
        {
            return Ok(());
        }
        let watermark = self.index.read().expect("index lock").watermark;
        let since = (watermark != i64::MIN).then(|| watermark - REFRESH_OVERLAP_MS);
        let rows = self.store.facts_since(since).await?;
        self.index.write().expect("index lock").upsert(&rows);
        Ok(())
    }

    /// Heat layer PNG of a period, cached until the data changes or the minute turns.
    pub fn heat(&self, period: Period, now: i64) -> (Arc<Vec<u8>>, f64, u64) {
        let minute = now / 60_000;
        let index = self.index.read().expect("index lock");
        let version = index.version;
        if let Some(e) = self.heat.lock().expect("heat lock").get(&period) {
            if e.version == version && e.minute == minute {
                return (e.png.clone(), e.max_per_km2, version);
            }
        }
        let grid = index.heat(period, now);
        let (png, max_per_km2) = grid.render(index.projection());
        drop(index);
        let png = Arc::new(png);
        self.heat.lock().expect("heat lock").insert(
            period,
            HeatEntry {
                version,
                minute,
                png: png.clone(),
                max_per_km2,
            },
        );
        (png, max_per_km2, version)
    }

    /// Everything the dashboard shows for `period` at `now`.
    pub async fn dashboard(&self, period: Period, now: i64) -> Result<Dashboard, AppError> {
        self.refresh().await?;
        let agg = self
            .index
            .read()
            .expect("index lock")
            .aggregate(period, now, MAX_MARKERS, LATEST);
        let (_, heat_max_per_km2, version) = self.heat(period, now);
        let latest: Vec<TicketId> = agg.latest;
        let latest = self.store.ticket_summaries(&latest, now).await?;
        let mut agencies = agg.agencies;
        agencies.retain(|a| a.tickets > 0);
        agencies.sort_by(|a, b| b.tickets.cmp(&a.tickets).then(a.code.cmp(&b.code)));
        Ok(Dashboard {
            period,
            now,
            from: agg.from,
            headline: agg.headline,
            markers: agg.markers,
            located: agg.located,
            agencies,
            districts: agg.districts,
            latest,
            heat_url: format!(
                "/api/v1/heatmap.png?period={}&v={}-{}",
                period.as_str(),
                version,
                now / 60_000
            ),
            heat_max_per_km2,
        })
    }

    /// Adds freshly written tickets to the index.
    pub fn index_written(&self, rows: &[crate::ssr::store::FactRow]) {
        self.index.write().expect("index lock").upsert(rows);
    }

    /// A ticket's detail, checking it exists.
    pub async fn ticket(&self, id: TicketId) -> Result<crate::types::TicketDetail, AppError> {
        Ok(self.store.ticket_detail(id).await?)
    }
}
