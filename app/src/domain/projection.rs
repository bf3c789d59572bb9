//! The map projection: lon/lat (WGS84) to map units of the dashboard's SVG.
//!
//! Bình Dương spans 0.64° of longitude and latitude around 11.2° N, so an equirectangular
//! projection scaled by cos(latitude) at the centre keeps shapes and areas within 0.2 % of
//! true across the province, and is cheap and identical on server and browser.

/// Bounding box of the province (from the boundary data), padded on every side.
pub const LON_MIN: f64 = 106.31;
pub const LON_MAX: f64 = 106.99;
pub const LAT_MIN: f64 = 10.85;
pub const LAT_MAX: f64 = 11.52;

/// Width of the map in map units; the height follows from the projection.
pub const MAP_WIDTH: f64 = 1000.0;

/// Kilometres per degree of latitude (mean Earth radius 6,371 km).
pub const KM_PER_DEG: f64 = 111.194_9;

/// Width of the heat grid in cells; its height follows the map's aspect ratio.
pub const HEAT_GRID_W: usize = 240;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    k: f64,
    cos_lat: f64,
}

impl Default for Projection {
    fn default() -> Self {
        Self::new()
    }
}

impl Projection {
    pub fn new() -> Self {
        let cos_lat = ((LAT_MIN + LAT_MAX) / 2.0).to_radians().cos();
        let k = MAP_WIDTH / ((LON_MAX - LON_MIN) * cos_lat);
        Self { k, cos_lat }
    }

    /// Map width and height in map units.
    pub fn size(&self) -> (f64, f64) {
        (MAP_WIDTH, (LAT_MAX - LAT_MIN) * self.k)
    }

    /// Projects a point; y grows southwards as in SVG.
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - LON_MIN) * self.cos_lat * self.k, (LAT_MAX - lat) * self.k)
    }

    /// Inverse of [`Projection::project`].
    pub fn unproject(&self, x: f64, y: f64) -> (f64, f64) {
        (LON_MIN + x / (self.cos_lat * self.k), LAT_MAX - y / self.k)
    }

    /// The heat grid: cells across, cells down, and the cell size in map units.
    pub fn heat_grid(&self) -> (usize, usize, f64) {
        let (w, h) = self.size();
        let cell = w / HEAT_GRID_W as f64;
        (HEAT_GRID_W, (h / cell).ceil() as usize, cell)
    }

    /// Kilometres per map unit.
    pub fn km_per_unit(&self) -> f64 {
        KM_PER_DEG / self.k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_scale() {
        let p = Projection::new();
        let (x, y) = p.project(106.65, 10.98);
        let (lon, lat) = p.unproject(x, y);
        assert!((lon - 106.65).abs() < 1e-9 && (lat - 10.98).abs() < 1e-9);
        let (w, h) = p.size();
        assert_eq!(w, 1000.0);
        assert!(h > 900.0 && h < 1100.0, "height {h}");
        // The province is ~70 km across: about 0.07 km per unit.
        assert!((p.km_per_unit() - 0.0734).abs() < 0.002, "{}", p.km_per_unit());
    }
}
