//! The map of Bình Dương: real district boundaries drawn on the server, the period's tickets
//! as points coloured by category group, and the heat layer. Once hydrated: pan (drag), zoom
//! (wheel or buttons), hover and click a ticket for its details.

use leptos::prelude::*;

use crate::domain::projection::Projection;
use crate::domain::time::format_local;
use crate::error::AppError;
use crate::i18n::{group_en, group_vi};
use crate::types::{CategoryGroup, Dashboard, TicketId};

type ViewBox = (f64, f64, f64, f64);

use crate::components::pick_map::base_layers;

const MIN_ZOOM_W_DIVISOR: f64 = 16.0;

fn clamp_view(v: ViewBox, w: f64, h: f64) -> ViewBox {
    let vw = v.2.clamp(w / MIN_ZOOM_W_DIVISOR, w);
    let vh = vw * h / w;
    let x = v.0.clamp(-vw * 0.5, w - vw * 0.5);
    let y = v.1.clamp(-vh * 0.5, h - vh * 0.5);
    (x, y, vw, vh)
}

/// Converts a pointer position to map units, for an SVG with `preserveAspectRatio` meet.
#[cfg(feature = "hydrate")]
fn to_map(el: &leptos::web_sys::Element, cx: f64, cy: f64, v: ViewBox) -> (f64, f64, f64) {
    let r = el.get_bounding_client_rect();
    let scale = (r.width() / v.2).min(r.height() / v.3).max(1e-9);
    let ox = (r.width() - v.2 * scale) / 2.0;
    let oy = (r.height() - v.3 * scale) / 2.0;
    (
        v.0 + (cx - r.left() - ox) / scale,
        v.1 + (cy - r.top() - oy) / scale,
        scale,
    )
}

#[component]
pub fn TicketMap(
    data: Resource<Result<Dashboard, AppError>>,
    selected: RwSignal<Option<TicketId>>,
) -> impl IntoView {
    let proj = Projection::new();
    let (w, h) = proj.size();
    let (gw, gh, cell) = proj.heat_grid();
    let (under, lines, labels) = base_layers();
    let view_box = RwSignal::new((0.0, 0.0, w, h));
    let heat_on = RwSignal::new(true);
    let hovered = RwSignal::new(None::<(TicketId, CategoryGroup, i64, f64, f64)>);
    // Pointer drag state: start position, start view, whether it moved.
    let drag = StoredValue::new(None::<(f64, f64, ViewBox, bool)>);
    let dragged = StoredValue::new(false);

    let zoom_by = move |factor: f64, cx: f64, cy: f64| {
        view_box.update(|v| {
            let nw = (v.2 * factor).clamp(w / MIN_ZOOM_W_DIVISOR, w);
            let k = nw / v.2;
            *v = clamp_view((cx - (cx - v.0) * k, cy - (cy - v.1) * k, nw, nw * h / w), w, h);
        })
    };
    let zoom_center = move |factor: f64| {
        let v = view_box.get_untracked();
        zoom_by(factor, v.0 + v.2 / 2.0, v.1 + v.3 / 2.0);
    };
    let marker_r = move || 4.5 * (view_box.get().2 / w).sqrt();

    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            ev.prevent_default();
            let Some(el) = ev
                .current_target()
                .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
            else {
                return;
            };
            let v = view_box.get_untracked();
            let (mx, my, _) = to_map(&el, ev.client_x() as f64, ev.client_y() as f64, v);
            zoom_by(if ev.delta_y() > 0.0 { 1.25 } else { 0.8 }, mx, my);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_down = move |ev: leptos::ev::PointerEvent| {
        drag.set_value(Some((
            ev.client_x() as f64,
            ev.client_y() as f64,
            view_box.get_untracked(),
            false,
        )));
        dragged.set_value(false);
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let Some((sx, sy, v0, _)) = drag.get_value() else {
                return;
            };
            let (dx, dy) = (ev.client_x() as f64 - sx, ev.client_y() as f64 - sy);
            if dx.abs() + dy.abs() < 4.0 {
                return;
            }
            let Some(el) = ev
                .current_target()
                .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
            else {
                return;
            };
            let (_, _, scale) = to_map(&el, 0.0, 0.0, v0);
            dragged.set_value(true);
            view_box.set(clamp_view(
                (v0.0 - dx / scale, v0.1 - dy / scale, v0.2, v0.3),
                w,
                h,
            ));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_up = move |_| drag.set_value(None);

    let markers = move || {
        data.get().and_then(Result::ok).map(|d| {
            d.markers
                .into_iter()
                .map(|m| {
                    let id = m.id;
                    let (x, y) = (m.x as f64, m.y as f64);
                    let title = format!("{} · {}", group_vi(m.group), format_local(m.created_at));
                    view! {
                        <circle
                            cx=m.x
                            cy=m.y
                            r=marker_r
                            class=format!("marker {}{}", m.group.css(), if m.overdue { " overdue" } else { "" })
                            class:selected=move || selected.get() == Some(id)
                            data-testid="ticket-marker"
                            data-id=id.0
                            on:click=move |_| {
                                if !dragged.get_value() {
                                    selected.set(Some(id));
                                }
                            }
                            on:mouseenter=move |_| hovered.set(Some((id, m.group, m.created_at, x, y)))
                            on:mouseleave=move |_| hovered.set(None)
                        >
                            <title>{title}</title>
                        </circle>
                    }
                })
                .collect_view()
        })
    };

    view! {
        <div class="map-wrap">
            <svg
                class="map"
                data-testid="map"
                viewBox=move || {
                    let v = view_box.get();
                    format!("{:.2} {:.2} {:.2} {:.2}", v.0, v.1, v.2, v.3)
                }
                preserveAspectRatio="xMidYMid meet"
                role="img"
                aria-label="Bản đồ phiếu phản ánh · Map of tickets"
                on:wheel=on_wheel
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_up
                on:pointerleave=on_up
            >
                <g class="base" inner_html=under></g>
                <g class="heat" data-testid="heat-layer" class:off=move || !heat_on.get()>
                    <Transition fallback=|| ()>
                        {move || {
                            data.get()
                                .and_then(Result::ok)
                                .map(|d| {
                                    view! {
                                        <image
                                            href=d.heat_url
                                            x="0"
                                            y="0"
                                            width=gw as f64 * cell
                                            height=gh as f64 * cell
                                            preserveAspectRatio="none"
                                            clip-path="url(#province-clip)"
                                        ></image>
                                    }
                                })
                        }}
                    </Transition>
                </g>
                <g class="lines" inner_html=lines></g>
                <g class="markers">
                    <Transition fallback=|| ()>{markers}</Transition>
                </g>
                <g class="labels" inner_html=labels></g>
                {move || {
                    hovered.get().map(|(_, g, at, x, y)| {
                        let s = view_box.get().2 / w;
                        view! {
                            <g class="hover-tip" transform=format!("translate({x:.1},{y:.1}) scale({s:.3})")>
                                <rect x="8" y="-34" width="200" height="30" rx="4"></rect>
                                <text x="16" y="-14">{format!("{} · {}", group_vi(g), crate::domain::time::format_local_time(at))}</text>
                            </g>
                        }
                    })
                }}
            </svg>
            <div class="map-tools">
                <button type="button" title="Phóng to · Zoom in" data-testid="zoom-in" on:click=move |_| zoom_center(0.8)>"+"</button>
                <button type="button" title="Thu nhỏ · Zoom out" data-testid="zoom-out" on:click=move |_| zoom_center(1.25)>"−"</button>
                <button type="button" title="Toàn tỉnh · Whole province" data-testid="zoom-reset" on:click=move |_| view_box.set((0.0, 0.0, w, h))>"⤢"</button>
                <button
                    type="button"
                    class="heat-toggle"
                    data-testid="heat-toggle"
                    aria-pressed=move || heat_on.get().to_string()
                    on:click=move |_| heat_on.update(|v| *v = !*v)
                >
                    {move || if heat_on.get() { "Bản đồ nhiệt: bật · Heat on" } else { "Bản đồ nhiệt: tắt · Heat off" }}
                </button>
            </div>
        </div>
        <div class="map-legend">
                {CategoryGroup::ALL
                    .into_iter()
                    .map(|g| {
                        view! {
                            <span class="legend-item">
                                <i class=format!("dot {}", g.css())></i>
                                {group_vi(g)}
                                <span class="en">{group_en(g)}</span>
                            </span>
                        }
                    })
                    .collect_view()}
                <span class="legend-item"><i class="dot overdue-dot"></i>"Quá hạn"<span class="en">"Overdue"</span></span>
                <Transition fallback=|| ()>
                    {move || {
                        data.get()
                            .and_then(Result::ok)
                            .map(|d| {
                                view! {
                                    <span class="heat-legend" class:off=move || !heat_on.get()>
                                        <i class="ramp"></i>
                                        {format!("0 – {:.0} phiếu/km² · tickets/km²", d.heat_max_per_km2)}
                                    </span>
                                    <span class="legend-note" data-testid="marker-note">
                                        {format!(
                                            "Hiển thị {} phiếu mới nhất / {} phiếu có vị trí · {} newest of {} located tickets shown as points; heat shows all",
                                            d.markers.len(),
                                            d.located,
                                            d.markers.len(),
                                            d.located,
                                        )}
                                    </span>
                                }
                            })
                    }}
                </Transition>
            </div>
    }
    .into_any()
}
