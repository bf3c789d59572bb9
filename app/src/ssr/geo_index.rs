//! Point-in-district and point-in-commune lookup over the real boundaries.
//!
//! Districts (gis.chinhphu.vn via dvhcvn) are authoritative for the district; the commune is
//! looked up among that district's communes (GADM), since the two sources' lines differ by
//! slivers of up to ~100 m. Each polygon keeps its bounding box so that a lookup tests only
//! the one or two candidates whose box holds the point.

use geo::{BoundingRect, Contains, Coord, LineString, MultiPolygon, Point, Polygon, Rect};
use serde_json::Value;

use crate::types::{CommuneCode, DistrictCode};

/// Parses a GeoJSON `Polygon` or `MultiPolygon` geometry object.
///
/// # Errors
/// A message naming what is wrong with the geometry.
pub fn parse_geometry(v: &Value) -> Result<MultiPolygon<f64>, String> {
    let kind = v
        .get("type")
        .and_then(Value::as_str)
        .ok_or("geometry without type")?;
    let coords = v.get("coordinates").ok_or("geometry without coordinates")?;
    match kind {
        "Polygon" => Ok(MultiPolygon(vec![parse_polygon(coords)?])),
        "MultiPolygon" => Ok(MultiPolygon(
            coords
                .as_array()
                .ok_or("MultiPolygon coordinates are not an array")?
                .iter()
                .map(parse_polygon)
                .collect::<Result<_, _>>()?,
        )),
        other => Err(format!("unsupported geometry type {other}")),
    }
}

/// Parses geometry stored as GeoJSON text.
///
/// # Errors
/// When the text is not JSON or not a polygonal geometry.
pub fn parse_geometry_text(text: &str) -> Result<MultiPolygon<f64>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    parse_geometry(&v)
}

fn parse_polygon(v: &Value) -> Result<Polygon<f64>, String> {
    let rings = v.as_array().ok_or("polygon is not an array of rings")?;
    let mut rings = rings.iter().map(parse_ring);
    let exterior = rings.next().ok_or("polygon without rings")??;
    let interiors = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

fn parse_ring(v: &Value) -> Result<LineString<f64>, String> {
    let pts = v.as_array().ok_or("ring is not an array")?;
    pts.iter()
        .map(|p| {
            let x = p.get(0).and_then(Value::as_f64).ok_or("bad coordinate")?;
            let y = p.get(1).and_then(Value::as_f64).ok_or("bad coordinate")?;
            Ok(Coord { x, y })
        })
        .collect::<Result<Vec<_>, String>>()
        .map(LineString::new)
}

struct Area<C> {
    code: C,
    bbox: Rect<f64>,
    shape: MultiPolygon<f64>,
    label: (f64, f64),
}

/// A commune to index: its code, district, label point and full-resolution shape.
pub struct CommuneShape {
    pub code: CommuneCode,
    pub district: DistrictCode,
    pub label: (f64, f64),
    pub shape: MultiPolygon<f64>,
}

/// The result of a lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Located {
    pub district: DistrictCode,
    pub commune: Option<CommuneCode>,
}

/// Spatial index of the province's districts and communes.
pub struct GeoIndex {
    districts: Vec<Area<DistrictCode>>,
    /// Communes grouped by district, in the order of `districts`.
    communes: Vec<Vec<Area<CommuneCode>>>,
}

impl GeoIndex {
    /// Builds the index from full-resolution shapes.
    pub fn new(
        districts: Vec<(DistrictCode, (f64, f64), MultiPolygon<f64>)>,
        communes: Vec<CommuneShape>,
    ) -> Self {
        let districts: Vec<Area<DistrictCode>> = districts
            .into_iter()
            .filter_map(|(code, label, shape)| {
                Some(Area {
                    code,
                    bbox: shape.bounding_rect()?,
                    shape,
                    label,
                })
            })
            .collect();
        let mut grouped: Vec<Vec<Area<CommuneCode>>> = districts.iter().map(|_| Vec::new()).collect();
        for c in communes {
            if let (Some(i), Some(bbox)) = (
                districts.iter().position(|d| d.code == c.district),
                c.shape.bounding_rect(),
            ) {
                grouped[i].push(Area {
                    code: c.code,
                    bbox,
                    shape: c.shape,
                    label: c.label,
                });
            }
        }
        Self {
            districts,
            communes: grouped,
        }
    }

    pub fn district_count(&self) -> usize {
        self.districts.len()
    }

    pub fn commune_count(&self) -> usize {
        self.communes.iter().map(Vec::len).sum()
    }

    /// The district and commune holding a WGS84 point, or `None` outside the province.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<Located> {
        if !lon.is_finite() || !lat.is_finite() {
            return None;
        }
        let p = Point::new(lon, lat);
        let c = Coord { x: lon, y: lat };
        let (i, d) = self
            .districts
            .iter()
            .enumerate()
            .find(|(_, d)| rect_holds(&d.bbox, c) && d.shape.contains(&p))?;
        let communes = &self.communes[i];
        let commune = communes
            .iter()
            .find(|a| rect_holds(&a.bbox, c) && a.shape.contains(&p))
            // Slivers between the two sources: take the commune whose label is nearest.
            .or_else(|| {
                communes
                    .iter()
                    .min_by(|a, b| dist2(a.label, (lon, lat)).total_cmp(&dist2(b.label, (lon, lat))))
            })
            .map(|a| a.code);
        Some(Located {
            district: d.code,
            commune,
        })
    }

    /// The label point of a district (for map labels and demo data).
    pub fn district_label(&self, code: DistrictCode) -> Option<(f64, f64)> {
        self.districts.iter().find(|d| d.code == code).map(|d| d.label)
    }
}

fn rect_holds(r: &Rect<f64>, c: Coord<f64>) -> bool {
    c.x >= r.min().x && c.x <= r.max().x && c.y >= r.min().y && c.y <= r.max().y
}

fn dist2(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)
}
