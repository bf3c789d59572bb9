//! The detail panel of the ticket picked on the map or in the list.

use leptos::prelude::*;

use crate::domain::sla::{sla_state, SlaState};
use crate::domain::time::{format_duration_vi, format_local};
use crate::error::AppError;
use crate::i18n::{channel_vi, status_en, status_vi};
use crate::types::{TicketDetail, TicketId};

fn sla_line(label: &'static str, done: Option<i64>, due: Option<i64>, now: i64) -> impl IntoView {
    due.map(|due| {
        let (class, text) = match sla_state(done, due, now) {
            SlaState::Met => ("ok", "đúng hạn · on time".to_string()),
            SlaState::MissedDone => ("late", "trễ hạn · late".to_string()),
            SlaState::Breached { overdue_ms } => (
                "late",
                format!(
                    "quá hạn {} · overdue",
                    format_duration_vi(overdue_ms as f64 / 1000.0)
                ),
            ),
            SlaState::Running { left_ms } => (
                "running",
                format!("còn {} · left", format_duration_vi(left_ms as f64 / 1000.0)),
            ),
        };
        view! {
            <div class=format!("sla {class}")>
                <span>{label}</span>
                <span>{format!("hạn {} — {}", format_local(due), text)}</span>
            </div>
        }
    })
}

#[component]
pub fn TicketDetailPanel(
    detail: Resource<Result<Option<TicketDetail>, AppError>>,
    selected: RwSignal<Option<TicketId>>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || {
                detail.get().map(|r| match r {
                    Ok(Some(t)) => {
                        let now = js_now().unwrap_or(t.created_at);
                        view! {
                            <section class="detail" data-testid="ticket-detail">
                                <header>
                                    <h2>
                                        <i class=format!("dot {}", t.group.css())></i>
                                        <span data-testid="detail-code">{t.code.clone()}</span>
                                    </h2>
                                    <button type="button" class="close" title="Đóng · Close" on:click=move |_| selected.set(None)>"×"</button>
                                </header>
                                <p class="what">
                                    <strong>{t.category_name_vi.clone()}</strong>
                                    <span class="en">{format!(" · {}", t.category_name_en)}</span>
                                </p>
                                <p class="desc">{t.description.clone()}</p>
                                <dl>
                                    <dt>"Trạng thái · Status"</dt>
                                    <dd><span class=format!("status s-{}", t.status.as_str())>{status_vi(t.status)}</span>{format!(" · {}", status_en(t.status))}</dd>
                                    <dt>"Cơ quan · Agency"</dt>
                                    <dd data-testid="detail-agency">{t.agency_name_vi.clone().unwrap_or_else(|| "—".into())}</dd>
                                    <dt>"Địa bàn · Area"</dt>
                                    <dd>{[t.commune_name.clone(), t.district_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ")}</dd>
                                    <dt>"Địa chỉ · Address"</dt>
                                    <dd>{t.address.clone().unwrap_or_else(|| "—".into())}</dd>
                                    <dt>"Kênh · Channel"</dt>
                                    <dd>{channel_vi(t.channel)}</dd>
                                    <dt>"Người báo · Reporter"</dt>
                                    <dd>{t.reporter_masked.clone().unwrap_or_else(|| "—".into())}</dd>
                                    <dt>"Tiếp nhận · Received"</dt>
                                    <dd>{format_local(t.created_at)}</dd>
                                </dl>
                                {sla_line("Phản hồi · Response", t.first_response_at, t.response_due_at, now)}
                                {sla_line("Giải quyết · Resolution", t.resolved_at, t.resolution_due_at, now)}
                                <ol class="history" data-testid="detail-history">
                                    {t.history
                                        .iter()
                                        .map(|h| {
                                            view! {
                                                <li>
                                                    <time>{format_local(h.at)}</time>
                                                    <span class=format!("status s-{}", h.to.as_str())>{status_vi(h.to)}</span>
                                                    <span class="actor">{h.actor.clone()}</span>
                                                    {h.note.clone().map(|n| view! { <span class="note">{n}</span> })}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ol>
                            </section>
                        }
                            .into_any()
                    }
                    Ok(None) => ().into_any(),
                    Err(e) => view! { <section class="detail error" role="alert">{e.user_message()}</section> }.into_any(),
                })
            }}
        </Transition>
    }
}

/// The browser's clock (the panel only renders after a click, so never during SSR).
fn js_now() -> Option<i64> {
    #[cfg(feature = "hydrate")]
    {
        Some(leptos::web_sys::js_sys::Date::now() as i64)
    }
    #[cfg(all(feature = "ssr", not(feature = "hydrate")))]
    {
        Some(crate::ssr::state::now_ms())
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        None
    }
}
