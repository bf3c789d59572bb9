//! District lookup on known points, over the real boundaries.

mod common;

use app::types::DistrictCode;

fn index() -> app::ssr::geo_index::GeoIndex {
    let geo = server::geodata::load(&common::geo_dir()).expect("boundary data");
    let reference = app::ssr::store::ReferenceData {
        districts: geo.districts,
        communes: geo.communes,
        ..Default::default()
    };
    app::ssr::state::build_geo_index(&reference).unwrap()
}

#[test]
fn known_points_fall_in_the_right_district() {
    let idx = index();
    assert_eq!(idx.district_count(), 9);
    assert_eq!(idx.commune_count(), 91);
    let at = |lat: f64, lon: f64| idx.locate(lon, lat).map(|l| l.district);
    assert_eq!(at(10.98, 106.65), Some(DistrictCode(718)), "Thủ Dầu Một centre");
    assert_eq!(at(10.90, 106.77), Some(DistrictCode(724)), "Dĩ An");
    assert_eq!(
        at(11.2725, 106.63472),
        Some(DistrictCode(719)),
        "Lai Uyên, Bàu Bàng"
    );
    assert_eq!(
        at(11.05083, 106.76361),
        Some(DistrictCode(723)),
        "Uyên Hưng, Tân Uyên"
    );
    assert_eq!(
        at(10.9733, 106.4932),
        None,
        "Củ Chi, Hồ Chí Minh City, is outside"
    );
    assert_eq!(
        at(10.776, 106.700),
        None,
        "Bến Thành, Hồ Chí Minh City, is outside"
    );
    assert_eq!(at(f64::NAN, 106.65), None);
}

#[test]
fn communes_resolve_within_their_district() {
    let idx = index();
    let l = idx.locate(106.6527, 10.9806).expect("inside");
    assert_eq!(l.district, DistrictCode(718));
    let commune = l.commune.expect("a commune").0;
    assert!(
        (25741..=25780).contains(&commune),
        "a Thủ Dầu Một ward: {commune}"
    );
}

#[test]
fn missing_data_dir_is_a_clear_error() {
    let err = server::geodata::load(std::path::Path::new("/nonexistent/geo"))
        .err()
        .unwrap();
    assert!(err.contains("IOC_GEO_DIR"), "{err}");
}
