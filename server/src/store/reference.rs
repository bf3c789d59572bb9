//! Reference data in the database: written at `migrate`/`seed` time, read at start.

use sqlx::Row;

use app::domain::routing::RoutingRule;
use app::ssr::store::{CommuneRecord, DistrictRecord, ReferenceData, StoreResult};
use app::types::{
    Agency, AgencyId, AgencyKind, Category, CategoryGroup, CategoryId, CommuneCode, District, DistrictCode,
    SlaTarget, SlaUnit,
};

use super::{backend_err, SqlStore};
use crate::geodata::GeoData;

impl SqlStore {
    /// Writes (or updates) boundaries, agencies, categories and routing rules in one transaction.
    ///
    /// # Errors
    /// When the database refuses a write.
    pub async fn upsert_reference(&self, geo: &GeoData) -> StoreResult<()> {
        let mut tx = self.begin_write().await.map_err(backend_err)?;
        for d in &geo.districts {
            sqlx::query(
                "INSERT INTO districts (code, name_vi, full_name_vi, name_ascii, area_km2, population, population_year, label_lon, label_lat, geometry, geometry_simplified)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, full_name_vi = excluded.full_name_vi,
                   name_ascii = excluded.name_ascii, area_km2 = excluded.area_km2, population = excluded.population,
                   population_year = excluded.population_year, label_lon = excluded.label_lon, label_lat = excluded.label_lat,
                   geometry = excluded.geometry, geometry_simplified = excluded.geometry_simplified",
            )
            .bind(d.district.code.0)
            .bind(&d.district.name_vi)
            .bind(&d.district.full_name_vi)
            .bind(&d.district.name_ascii)
            .bind(d.district.area_km2)
            .bind(d.district.population)
            .bind(d.district.population_year as i64)
            .bind(d.label.0)
            .bind(d.label.1)
            .bind(&d.geometry)
            .bind(&d.geometry_simplified)
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?;
        }
        for c in &geo.communes {
            sqlx::query(
                "INSERT INTO communes (code, district_code, name_vi, full_name_vi, name_ascii, area_km2, label_lon, label_lat, geometry, geometry_simplified)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (code) DO UPDATE SET district_code = excluded.district_code, name_vi = excluded.name_vi,
                   full_name_vi = excluded.full_name_vi, name_ascii = excluded.name_ascii, area_km2 = excluded.area_km2,
                   label_lon = excluded.label_lon, label_lat = excluded.label_lat, geometry = excluded.geometry,
                   geometry_simplified = excluded.geometry_simplified",
            )
            .bind(c.code.0)
            .bind(c.district.0)
            .bind(&c.name_vi)
            .bind(&c.full_name_vi)
            .bind(&c.name_ascii)
            .bind(c.area_km2)
            .bind(c.label.0)
            .bind(c.label.1)
            .bind(&c.geometry)
            .bind(&c.geometry_simplified)
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?;
        }
        sqlx::query(
            "INSERT INTO province (code, name_vi, geometry_simplified) VALUES (74, 'Bình Dương', $1)
             ON CONFLICT (code) DO UPDATE SET geometry_simplified = excluded.geometry_simplified",
        )
        .bind(&geo.province_simplified)
        .execute(&mut *tx)
        .await
        .map_err(backend_err)?;

        for a in crate::reference::agencies() {
            sqlx::query(
                "INSERT INTO agencies (id, code, name_vi, name_en, kind, hotline, district_code) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET code = excluded.code, name_vi = excluded.name_vi, name_en = excluded.name_en,
                   kind = excluded.kind, hotline = excluded.hotline, district_code = excluded.district_code",
            )
            .bind(a.id.0)
            .bind(&a.code)
            .bind(&a.name_vi)
            .bind(&a.name_en)
            .bind(a.kind.as_str())
            .bind(a.hotline.clone())
            .bind(a.district.map(|d| d.0))
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?;
        }
        for (c, _) in crate::reference::categories() {
            sqlx::query(
                "INSERT INTO categories (id, code, name_vi, name_en, grp, priority, response_amount, response_unit, resolution_amount, resolution_unit)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (id) DO UPDATE SET code = excluded.code, name_vi = excluded.name_vi, name_en = excluded.name_en,
                   grp = excluded.grp, priority = excluded.priority, response_amount = excluded.response_amount,
                   response_unit = excluded.response_unit, resolution_amount = excluded.resolution_amount,
                   resolution_unit = excluded.resolution_unit",
            )
            .bind(c.id.0)
            .bind(&c.code)
            .bind(&c.name_vi)
            .bind(&c.name_en)
            .bind(c.group.as_str())
            .bind(c.priority as i64)
            .bind(c.response_target.amount as i64)
            .bind(c.response_target.unit.as_str())
            .bind(c.resolution_target.amount as i64)
            .bind(c.resolution_target.unit.as_str())
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?;
        }
        for r in crate::reference::routing_rules() {
            sqlx::query(
                "INSERT INTO routing_rules (id, category_id, district_code, commune_code, agency_id) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET category_id = excluded.category_id, district_code = excluded.district_code,
                   commune_code = excluded.commune_code, agency_id = excluded.agency_id",
            )
            .bind(r.id)
            .bind(r.category.map(|c| c.0))
            .bind(r.district.map(|d| d.0))
            .bind(r.commune.map(|c| c.0))
            .bind(r.agency.0)
            .execute(&mut *tx)
            .await
            .map_err(backend_err)?;
        }
        tx.commit().await.map_err(backend_err)
    }

    /// Whether boundaries have been loaded.
    pub async fn has_reference(&self) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM districts")
            .fetch_one(&self.pool)
            .await
            .map_err(backend_err)?;
        Ok(n > 0)
    }

    pub(crate) async fn read_reference(&self) -> StoreResult<ReferenceData> {
        let p = &self.pool;
        let agencies = sqlx::query(
            "SELECT id, code, name_vi, name_en, kind, hotline, district_code FROM agencies ORDER BY id",
        )
        .fetch_all(p)
        .await
        .map_err(backend_err)?
        .iter()
        .map(|r| Agency {
            id: AgencyId(r.get("id")),
            code: r.get("code"),
            name_vi: r.get("name_vi"),
            name_en: r.get("name_en"),
            kind: AgencyKind::parse(r.get::<String, _>("kind").as_str()).unwrap_or(AgencyKind::Department),
            hotline: r.get("hotline"),
            district: r.get::<Option<i64>, _>("district_code").map(DistrictCode),
        })
        .collect();
        let categories = sqlx::query("SELECT id, code, name_vi, name_en, grp, priority, response_amount, response_unit, resolution_amount, resolution_unit FROM categories ORDER BY id")
            .fetch_all(p)
            .await
            .map_err(backend_err)?
            .iter()
            .map(|r| {
                let target = |amount: &str, unit: &str| SlaTarget {
                    amount: r.get::<i64, _>(amount) as u32,
                    unit: SlaUnit::parse(r.get::<String, _>(unit).as_str()).unwrap_or(SlaUnit::WorkingDays),
                };
                Category {
                    id: CategoryId(r.get("id")),
                    code: r.get("code"),
                    name_vi: r.get("name_vi"),
                    name_en: r.get("name_en"),
                    group: CategoryGroup::parse(r.get::<String, _>("grp").as_str()).unwrap_or(CategoryGroup::FieldReport),
                    priority: r.get::<i64, _>("priority") as u8,
                    response_target: target("response_amount", "response_unit"),
                    resolution_target: target("resolution_amount", "resolution_unit"),
                }
            })
            .collect();
        let districts = sqlx::query("SELECT code, name_vi, full_name_vi, name_ascii, area_km2, population, population_year, label_lon, label_lat, geometry, geometry_simplified FROM districts ORDER BY code")
            .fetch_all(p)
            .await
            .map_err(backend_err)?
            .iter()
            .map(|r| DistrictRecord {
                district: District {
                    code: DistrictCode(r.get("code")),
                    name_vi: r.get("name_vi"),
                    full_name_vi: r.get("full_name_vi"),
                    name_ascii: r.get("name_ascii"),
                    area_km2: r.get("area_km2"),
                    population: r.get("population"),
                    population_year: r.get::<i64, _>("population_year") as i32,
                },
                label: (r.get("label_lon"), r.get("label_lat")),
                geometry: r.get("geometry"),
                geometry_simplified: r.get("geometry_simplified"),
            })
            .collect();
        let communes = sqlx::query("SELECT code, district_code, name_vi, full_name_vi, name_ascii, area_km2, label_lon, label_lat, geometry, geometry_simplified FROM communes ORDER BY code")
            .fetch_all(p)
            .await
            .map_err(backend_err)?
            .iter()
            .map(|r| CommuneRecord {
                code: CommuneCode(r.get("code")),
                district: DistrictCode(r.get("district_code")),
                name_vi: r.get("name_vi"),
                full_name_vi: r.get("full_name_vi"),
                name_ascii: r.get("name_ascii"),
                area_km2: r.get("area_km2"),
                label: (r.get("label_lon"), r.get("label_lat")),
                geometry: r.get("geometry"),
                geometry_simplified: r.get("geometry_simplified"),
            })
            .collect();
        let rules = sqlx::query(
            "SELECT id, category_id, district_code, commune_code, agency_id FROM routing_rules ORDER BY id",
        )
        .fetch_all(p)
        .await
        .map_err(backend_err)?
        .iter()
        .map(|r| RoutingRule {
            id: r.get("id"),
            category: r.get::<Option<i64>, _>("category_id").map(CategoryId),
            district: r.get::<Option<i64>, _>("district_code").map(DistrictCode),
            commune: r.get::<Option<i64>, _>("commune_code").map(CommuneCode),
            agency: AgencyId(r.get("agency_id")),
        })
        .collect();
        let province_simplified =
            sqlx::query_scalar("SELECT geometry_simplified FROM province WHERE code = 74")
                .fetch_optional(p)
                .await
                .map_err(backend_err)?;
        Ok(ReferenceData {
            agencies,
            categories,
            districts,
            communes,
            rules,
            province_simplified,
        })
    }
}
