//! The operations dashboard: the map of Bình Dương with tickets and heat, headline figures,
//! the latest tickets, and agency response times for the selected period.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::dashboard::get_dashboard;
use crate::api::tickets::get_ticket;
use crate::components::agency_table::AgencyTable;
use crate::components::headline::HeadlineCards;
use crate::components::latest::LatestTickets;
use crate::components::nav::TopNav;
use crate::components::ticket_detail::TicketDetailPanel;
use crate::components::ticket_map::TicketMap;
use crate::domain::time::format_local;
use crate::i18n::{MAP_ATTRIBUTION, MAP_CAPTION};
use crate::types::{Period, TicketId};

fn period_label(p: Period) -> (&'static str, &'static str) {
    match p {
        Period::Today => ("Hôm nay", "Today"),
        Period::Days7 => ("7 ngày", "7 days"),
        Period::Days30 => ("30 ngày", "30 days"),
    }
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let query = use_query_map();
    let period = Memo::new(move |_| {
        query
            .read()
            .get("period")
            .and_then(|p| Period::parse(&p))
            .unwrap_or_default()
    });
    let data = Resource::new(move || period.get(), get_dashboard);
    let selected = RwSignal::new(None::<TicketId>);
    let detail = Resource::new(
        move || selected.get(),
        |id| async move {
            match id {
                Some(id) => get_ticket(id).await.map(Some),
                None => Ok(None),
            }
        },
    );

    view! {
        <div class="dash" data-testid="dashboard">
            <header class="topbar">
                <div class="brand">
                    <span class="badge-1022">"1022"</span>
                    <div>
                        <h1>"Trung tâm điều hành 1022 · Bình Dương"</h1>
                        <p class="en">"Bình Dương 1022 operations center"</p>
                    </div>
                </div>
                <TopNav current="/"/>
                <nav class="periods" aria-label="Kỳ · Period">
                    {Period::ALL
                        .into_iter()
                        .map(|p| {
                            let (vi, en) = period_label(p);
                            view! {
                                <a
                                    href=format!("?period={}", p.as_str())
                                    class:active=move || period.get() == p
                                    aria-current=move || (period.get() == p).then_some("page")
                                    data-testid=format!("period-{}", p.as_str())
                                >
                                    {vi}
                                    <span class="en">{en}</span>
                                </a>
                            }
                        })
                        .collect_view()}
                </nav>
                <div class="asof">
                    <Transition fallback=|| ()>
                        {move || {
                            data.get()
                                .and_then(Result::ok)
                                .map(|d| {
                                    view! {
                                        <span>"Cập nhật · Updated "</span>
                                        <time>{format_local(d.now)}</time>
                                    }
                                })
                        }}
                    </Transition>
                </div>
            </header>

            <Transition fallback=|| ()>
                {move || {
                    data.get()
                        .and_then(Result::err)
                        .map(|e| {
                            view! {
                                <div class="error-banner" role="alert">
                                    {e.user_message()}
                                </div>
                            }
                        })
                }}
            </Transition>

            <section class="map-panel">
                <TicketMap data selected/>
                <p class="map-caption">
                    {MAP_CAPTION}
                    <span class="en">" · Districts before the 1 July 2025 merger"</span>
                </p>
            </section>

            <aside class="side">
                <HeadlineCards data/>
                <TicketDetailPanel detail selected/>
                <LatestTickets data selected/>
            </aside>

            <section class="agencies">
                <h2>
                    "Thời gian phản hồi theo cơ quan"
                    <span class="en">" · Agency response times — "</span>
                    {move || {
                        let (vi, en) = period_label(period.get());
                        format!("{vi} / {en}")
                    }}
                </h2>
                <AgencyTable data/>
            </section>

            <footer class="attribution" data-testid="attribution">
                <p>{MAP_ATTRIBUTION}</p>
                <p class="en">
                    "Demo data generated by `ioc seed`, calibrated on published 1022 figures (2021)."
                </p>
            </footer>
        </div>
    }
    .into_any()
}
