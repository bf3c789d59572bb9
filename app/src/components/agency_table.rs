//! Agency response times for the period: per agency the ticket count, median and 90th
//! percentile of time to first response and to resolution, and the shares within SLA.

use leptos::prelude::*;

use crate::domain::time::format_duration_vi;
use crate::error::AppError;
use crate::types::Dashboard;

fn dur(s: Option<f64>) -> String {
    s.map(format_duration_vi).unwrap_or_else(|| "—".into())
}

fn pct(s: Option<f64>) -> (String, &'static str) {
    match s {
        None => ("—".into(), ""),
        Some(v) => (
            format!("{:.1}%", v * 100.0),
            if v >= 0.9 {
                "good"
            } else if v >= 0.75 {
                "fair"
            } else {
                "poor"
            },
        ),
    }
}

#[component]
pub fn AgencyTable(data: Resource<Result<Dashboard, AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p>"…"</p> }>
            {move || {
                data.get()
                    .and_then(Result::ok)
                    .map(|d| {
                        view! {
                            <table class="agency-table" data-testid="agency-table" data-now=d.now data-from=d.from>
                                <thead>
                                    <tr>
                                        <th rowspan="2">"Cơ quan"<span class="en">"Agency"</span></th>
                                        <th rowspan="2" class="num">"Phiếu"<span class="en">"Tickets"</span></th>
                                        <th rowspan="2" class="num">"Đang mở"<span class="en">"Open"</span></th>
                                        <th colspan="2">"Phản hồi đầu tiên"<span class="en">"First response"</span></th>
                                        <th colspan="2">"Giải quyết"<span class="en">"Resolution"</span></th>
                                        <th colspan="2">"Đúng hạn (SLA)"<span class="en">"Within SLA"</span></th>
                                    </tr>
                                    <tr>
                                        <th class="num">"Trung vị"<span class="en">"Median"</span></th>
                                        <th class="num">"P90"</th>
                                        <th class="num">"Trung vị"<span class="en">"Median"</span></th>
                                        <th class="num">"P90"</th>
                                        <th class="num">"Phản hồi"<span class="en">"Response"</span></th>
                                        <th class="num">"Giải quyết"<span class="en">"Resolution"</span></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {d.agencies
                                        .into_iter()
                                        .map(|a| {
                                            let (rs, rc) = pct(a.response_within_sla);
                                            let (ss, sc) = pct(a.resolution_within_sla);
                                            view! {
                                                <tr data-testid="agency-row" data-agency=a.code.clone()>
                                                    <td class="name">
                                                        <span class="code">{a.code.clone()}</span>
                                                        {a.name_vi.clone()}
                                                    </td>
                                                    <td class="num" data-col="tickets">{a.tickets}</td>
                                                    <td class="num" data-col="open">{a.open}</td>
                                                    <td class="num" data-col="response-median" data-s=a.response_median_s.map(|v| format!("{v:.0}"))>{dur(a.response_median_s)}</td>
                                                    <td class="num" data-col="response-p90" data-s=a.response_p90_s.map(|v| format!("{v:.0}"))>{dur(a.response_p90_s)}</td>
                                                    <td class="num" data-col="resolution-median" data-s=a.resolution_median_s.map(|v| format!("{v:.0}"))>{dur(a.resolution_median_s)}</td>
                                                    <td class="num" data-col="resolution-p90" data-s=a.resolution_p90_s.map(|v| format!("{v:.0}"))>{dur(a.resolution_p90_s)}</td>
                                                    <td class=format!("num sla-{rc}") data-col="response-sla" data-v=a.response_within_sla.map(|v| format!("{v:.9}"))>{rs}</td>
                                                    <td class=format!("num sla-{sc}") data-col="resolution-sla" data-v=a.resolution_within_sla.map(|v| format!("{v:.9}"))>{ss}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            <p class="table-note">
                                "Trung vị và P90 theo nội suy tuyến tính; tỉ lệ đúng hạn tính trên phiếu đã rõ kết quả."
                                <span class="en">
                                    " Median and P90 by linear interpolation; SLA shares count tickets whose outcome is known (done, or past due)."
                                </span>
                            </p>
                        }
                    })
            }}
        </Transition>
    }
}
