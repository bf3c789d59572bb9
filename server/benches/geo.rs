//! District lookup benchmark: point-in-district/commune over the real boundaries.
//!
//! Usage: `cargo bench -p server --bench geo` (reads ../shared/data/geo). Prints figures.

use std::time::Instant;

use app::domain::rng::Rng;

fn main() {
    let dir = std::env::var_os("IOC_GEO_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/geo")
        });
    let geo = server::geodata::load(&dir).expect("boundary data");
    let reference = app::ssr::store::ReferenceData {
        districts: geo.districts,
        communes: geo.communes,
        ..Default::default()
    };
    let idx = app::ssr::state::build_geo_index(&reference).unwrap();
    // Points spread over the province's bounding box (about 65 % fall inside).
    let mut rng = Rng::new(7);
    let n = 1_000_000;
    let pts: Vec<(f64, f64)> = (0..n)
        .map(|_| (rng.range(106.3268, 106.9669), rng.range(10.8642, 11.5012)))
        .collect();
    for round in 0..3 {
        let t = Instant::now();
        let mut inside = 0usize;
        for (lon, lat) in &pts {
            if idx.locate(*lon, *lat).is_some() {
                inside += 1;
            }
        }
        let ns = t.elapsed().as_nanos() as f64 / n as f64;
        println!(
            "round {round}: {n} lookups, {inside} inside, {ns:.0} ns per point ({:.2} µs)",
            ns / 1000.0
        );
    }
}
