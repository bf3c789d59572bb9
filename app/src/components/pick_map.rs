//! A map to pick a point: the province's boundaries and a pin; a click sets lat/lon.

use leptos::prelude::*;

use crate::domain::projection::Projection;

/// The base map's SVG layers: filled in on the server, left as rendered on hydration.
pub fn base_layers() -> (String, String, String) {
    #[cfg(feature = "ssr")]
    {
        if let Some(state) = use_context::<crate::ssr::state::AppState>() {
            let b = &state.basemap;
            return (b.under.clone(), b.lines.clone(), b.labels.clone());
        }
    }
    Default::default()
}

#[component]
pub fn PickMap(
    /// The point to show, as (lat, lon).
    #[prop(into)]
    point: Signal<Option<(f64, f64)>>,
    /// Called with (lat, lon) when the user clicks the map.
    on_pick: Callback<(f64, f64)>,
) -> impl IntoView {
    let proj = Projection::new();
    let (w, h) = proj.size();
    let (under, lines, labels) = base_layers();
    let on_click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let Some(el) = ev
                .current_target()
                .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
            else {
                return;
            };
            let r = el.get_bounding_client_rect();
            let scale = (r.width() / w).min(r.height() / h);
            let ox = (r.width() - w * scale) / 2.0;
            let oy = (r.height() - h * scale) / 2.0;
            let x = (ev.client_x() as f64 - r.left() - ox) / scale;
            let y = (ev.client_y() as f64 - r.top() - oy) / scale;
            let (lon, lat) = proj.unproject(x, y);
            on_pick.run(((lat * 1e6).round() / 1e6, (lon * 1e6).round() / 1e6));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, on_pick);
    };
    view! {
        <svg
            class="map pick-map"
            data-testid="pick-map"
            viewBox=format!("0 0 {w:.0} {h:.0}")
            preserveAspectRatio="xMidYMid meet"
            role="img"
            aria-label="Bấm để chọn vị trí · Click to pick the location"
            on:click=on_click
        >
            <g class="base" inner_html=under></g>
            <g class="lines" inner_html=lines></g>
            <g class="labels" inner_html=labels></g>
            {move || {
                point.get().map(|(lat, lon)| {
                    let (x, y) = proj.project(lon, lat);
                    view! {
                        <g class="pin" data-testid="pin" transform=format!("translate({x:.1},{y:.1})")>
                            <circle r="9"></circle>
                            <circle r="3" class="pin-dot"></circle>
                        </g>
                    }
                })
            }}
        </svg>
    }
}
