//! The base map drawn once on the server from the simplified boundaries: district fills,
//! commune and district lines, district labels, and the province outline used to clip heat.
//!
//! The SVG fragments are injected with `inner_html`; on hydration Leptos keeps the server's
//! markup, so the geometry crosses the wire once, as HTML, and never as JSON.

use std::fmt::Write;

use geo::MultiPolygon;

use crate::domain::projection::Projection;
use crate::types::DistrictCode;

/// A district to draw.
pub struct DistrictDraw<'a> {
    pub code: DistrictCode,
    pub name_vi: &'a str,
    pub full_name_vi: &'a str,
    pub label: (f64, f64),
    pub shape: &'a MultiPolygon<f64>,
}

/// The base map's SVG layers.
#[derive(Clone, Debug, Default)]
pub struct BaseMap {
    /// `<defs>` (province clip path) and the district fills.
    pub under: String,
    /// Commune lines and district borders, drawn above the heat layer.
    pub lines: String,
    /// District labels, drawn above the markers.
    pub labels: String,
}

fn path_data(out: &mut String, shape: &MultiPolygon<f64>, proj: &Projection) {
    for poly in shape {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            let mut first = true;
            let mut last = (f64::NAN, f64::NAN);
            for c in ring.coords() {
                let (x, y) = proj.project(c.x, c.y);
                let (x, y) = ((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0);
                if (x, y) == last {
                    continue;
                }
                last = (x, y);
                let _ = write!(out, "{}{x} {y}", if first { "M" } else { " " });
                first = false;
            }
            out.push('Z');
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Draws the base map.
pub fn build(
    districts: &[DistrictDraw<'_>],
    communes: &[&MultiPolygon<f64>],
    province: Option<&MultiPolygon<f64>>,
    proj: &Projection,
) -> BaseMap {
    let mut under = String::from("<defs><clipPath id=\"province-clip\"><path d=\"");
    match province {
        Some(p) => path_data(&mut under, p, proj),
        None => districts
            .iter()
            .for_each(|d| path_data(&mut under, d.shape, proj)),
    }
    under.push_str("\"/></clipPath></defs>");
    for (i, d) in districts.iter().enumerate() {
        let _ = write!(
            under,
            "<path class=\"district d{}\" data-district=\"{}\" d=\"",
            i % 3,
            d.code
        );
        path_data(&mut under, d.shape, proj);
        let _ = write!(under, "\"><title>{}</title></path>", escape(d.full_name_vi));
    }

    let mut lines = String::from("<path class=\"communes\" d=\"");
    for c in communes {
        path_data(&mut lines, c, proj);
    }
    lines.push_str("\"/><path class=\"district-borders\" d=\"");
    for d in districts {
        path_data(&mut lines, d.shape, proj);
    }
    lines.push_str("\"/>");

    let mut labels = String::new();
    for d in districts {
        let (x, y) = proj.project(d.label.0, d.label.1);
        let _ = write!(
            labels,
            "<text class=\"district-label\" data-testid=\"district-label\" data-district=\"{}\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            d.code,
            x,
            y,
            escape(d.name_vi)
        );
    }
    BaseMap { under, lines, labels }
}
