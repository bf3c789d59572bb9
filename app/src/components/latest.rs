//! The latest tickets of the period.

use leptos::prelude::*;

use crate::domain::time::format_local;
use crate::error::AppError;
use crate::i18n::{status_en, status_vi};
use crate::types::{Dashboard, TicketId};

#[component]
pub fn LatestTickets(
    data: Resource<Result<Dashboard, AppError>>,
    selected: RwSignal<Option<TicketId>>,
) -> impl IntoView {
    view! {
        <section class="latest">
            <h2>"Phiếu mới nhất"<span class="en">" · Latest tickets"</span></h2>
            <Transition fallback=|| ()>
                {move || {
                    data.get()
                        .and_then(Result::ok)
                        .map(|d| {
                            view! {
                                <ul class="latest-list" data-testid="latest-list">
                                    {d.latest
                                        .into_iter()
                                        .map(|t| {
                                            let id = t.id;
                                            let clock = t.sla_label(d.now);
                                            view! {
                                                <li
                                                    class:overdue=t.overdue
                                                    class:selected=move || selected.get() == Some(id)
                                                    data-testid="latest-item"
                                                >
                                                    <button type="button" on:click=move |_| selected.set(Some(id))>
                                                        <i class=format!("dot {}", t.group.css())></i>
                                                        <span class="code">{t.code}</span>
                                                        <span class="what">{t.category_name_vi}</span>
                                                        <span class="where">{t.district_name.unwrap_or_else(|| "Ngoài tỉnh".into())}</span>
                                                        <span class=format!("status s-{}", t.status.as_str()) title=status_en(t.status)>
                                                            {status_vi(t.status)}
                                                        </span>
                                                        <time>{format_local(t.created_at)}</time>
                                                        {clock.map(|(text, late)| view! { <span class="sla-clock" class:late=late data-testid="sla-clock">{text}</span> })}
                                                    </button>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                        })
                }}
            </Transition>
        </section>
    }
}
