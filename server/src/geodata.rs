//! Loads the real boundaries of Bình Dương from ../shared/data/geo (third-party data, read
//! where it lies and never copied into the repository; see its SOURCES.md for licences).

use std::path::Path;

use serde_json::Value;

use app::ssr::store::{CommuneRecord, DistrictRecord};
use app::types::{CommuneCode, District, DistrictCode};

use crate::reference::{POPULATION_2024, POPULATION_YEAR};

pub const DISTRICTS_FULL: &str = "binhduong_districts_2020_2025.geojson";
pub const DISTRICTS_SIMPLIFIED: &str = "binhduong_districts_2020_2025.simplified.geojson";
pub const COMMUNES_FULL: &str = "binhduong_communes_2020_2025_gadm.geojson";
pub const COMMUNES_SIMPLIFIED: &str = "binhduong_communes_2020_2025_gadm.simplified.geojson";
pub const PROVINCE_SIMPLIFIED: &str = "binhduong_province.simplified.geojson";

/// The boundaries read from the data directory.
pub struct GeoData {
    pub districts: Vec<DistrictRecord>,
    pub communes: Vec<CommuneRecord>,
    pub province_simplified: String,
}

fn read(dir: &Path, name: &str) -> Result<Vec<Value>, String> {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "cannot read boundary file {} ({e}); set IOC_GEO_DIR to the folder holding the Bình Dương GeoJSON files",
            path.display()
        )
    })?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    v.get("features")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| format!("{} is not a FeatureCollection", path.display()))
}

fn prop<'a>(f: &'a Value, key: &str) -> Option<&'a Value> {
    f.get("properties").and_then(|p| p.get(key))
}

fn prop_str(f: &Value, key: &str) -> Result<String, String> {
    prop(f, key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("feature without {key}"))
}

fn prop_f64(f: &Value, key: &str) -> Result<f64, String> {
    prop(f, key)
        .and_then(Value::as_f64)
        .ok_or_else(|| format!("feature without {key}"))
}

fn code(f: &Value, key: &str) -> Result<i64, String> {
    prop_str(f, key)?
        .parse()
        .map_err(|_| format!("feature with a non-numeric {key}"))
}

fn geometry_text(f: &Value) -> Result<String, String> {
    let g = f.get("geometry").ok_or("feature without geometry")?;
    app::ssr::geo_index::parse_geometry(g)?; // validate now, not at serve time
    Ok(g.to_string())
}

fn simplified_for(features: &[Value], key: &str, code_value: i64) -> Result<String, String> {
    let f = features
        .iter()
        .find(|f| code(f, key).ok() == Some(code_value))
        .ok_or_else(|| format!("no simplified geometry for {code_value}"))?;
    geometry_text(f)
}

/// Reads districts, communes and the province outline.
///
/// # Errors
/// A message naming the missing or malformed file.
pub fn load(dir: &Path) -> Result<GeoData, String> {
    let dfull = read(dir, DISTRICTS_FULL)?;
    let dsimp = read(dir, DISTRICTS_SIMPLIFIED)?;
    let cfull = read(dir, COMMUNES_FULL)?;
    let csimp = read(dir, COMMUNES_SIMPLIFIED)?;
    let province = read(dir, PROVINCE_SIMPLIFIED)?;

    let districts = dfull
        .iter()
        .map(|f| {
            let c = code(f, "code")?;
            let population = POPULATION_2024.iter().find(|(d, _)| *d == c).map_or(0, |p| p.1);
            Ok(DistrictRecord {
                district: District {
                    code: DistrictCode(c),
                    name_vi: prop_str(f, "name_vi")?,
                    full_name_vi: prop_str(f, "full_name_vi")?,
                    name_ascii: prop_str(f, "name_ascii")?,
                    area_km2: prop_f64(f, "area_km2")?,
                    population,
                    population_year: POPULATION_YEAR,
                },
                label: (prop_f64(f, "label_lon")?, prop_f64(f, "label_lat")?),
                geometry: geometry_text(f)?,
                geometry_simplified: simplified_for(&dsimp, "code", c)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let communes = cfull
        .iter()
        .map(|f| {
            let c = code(f, "code")?;
            Ok(CommuneRecord {
                code: CommuneCode(c),
                district: DistrictCode(code(f, "district_code")?),
                name_vi: prop_str(f, "name_vi")?,
                full_name_vi: prop_str(f, "full_name_vi")?,
                name_ascii: prop_str(f, "name_ascii")?,
                area_km2: prop_f64(f, "area_km2")?,
                label: (prop_f64(f, "label_lon")?, prop_f64(f, "label_lat")?),
                geometry: geometry_text(f)?,
                geometry_simplified: simplified_for(&csimp, "code", c)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let province_simplified = province
        .first()
        .map(geometry_text)
        .ok_or("empty province file")??;
    Ok(GeoData {
        districts,
        communes,
        province_simplified,
    })
}

/// The default location of the boundary data: ../shared/data/geo from the working directory.
pub fn default_dir() -> std::path::PathBuf {
    std::path::PathBuf::from("../shared/data/geo")
}
