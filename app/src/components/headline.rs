//! Headline figures: tickets today, open, overdue, and the period's mix by group.

use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::{group_en, group_vi};
use crate::types::{CategoryGroup, Dashboard};

fn fmt_int(n: u64) -> String {
    // Vietnamese groups thousands with a dot: 12.345.
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[component]
pub fn HeadlineCards(data: Resource<Result<Dashboard, AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <div class="cards loading">"…"</div> }>
            {move || {
                data.get()
                    .and_then(Result::ok)
                    .map(|d| {
                        let h = d.headline;
                        let total = h.in_period.max(1) as f64;
                        view! {
                            <div class="cards">
                                <div class="card" data-testid="kpi-today">
                                    <span class="value">{fmt_int(h.today)}</span>
                                    <span class="label">"Phiếu hôm nay"<span class="en">"Tickets today"</span></span>
                                </div>
                                <div class="card" data-testid="kpi-open">
                                    <span class="value">{fmt_int(h.open)}</span>
                                    <span class="label">"Đang mở"<span class="en">"Open"</span></span>
                                </div>
                                <div class="card" class:alert={h.overdue > 0} data-testid="kpi-overdue">
                                    <span class="value">{fmt_int(h.overdue)}</span>
                                    <span class="label">"Quá hạn"<span class="en">"Overdue"</span></span>
                                </div>
                            </div>
                            <div class="mix" data-testid="group-mix">
                                <div class="mix-title">
                                    {format!("{} phiếu trong kỳ", fmt_int(h.in_period))}
                                    <span class="en">{format!("{} tickets in period", h.in_period)}</span>
                                </div>
                                {CategoryGroup::ALL
                                    .into_iter()
                                    .map(|g| {
                                        let n = h.by_group[g.index()];
                                        let pct = n as f64 * 100.0 / total;
                                        view! {
                                            <div class="mix-row">
                                                <span class="mix-name">{group_vi(g)}<span class="en">{group_en(g)}</span></span>
                                                <span class="mix-bar"><i class=g.css() style=format!("width:{pct:.1}%")></i></span>
                                                <span class="mix-n">{fmt_int(n)}</span>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        }
                    })
            }}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands() {
        assert_eq!(super::fmt_int(0), "0");
        assert_eq!(super::fmt_int(1234567), "1.234.567");
        assert_eq!(super::fmt_int(999), "999");
    }
}
