//! The HTML shell, the root component and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

use crate::pages::dashboard::DashboardPage;
use crate::pages::operator::OperatorPage;
use crate::pages::public::{ReportPage, TrackPage};
use crate::pages::ticket::TicketPage;

/// The document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="vi">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application's root.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/ioc.css"/>
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml"/>
        <Meta name="color-scheme" content="dark"/>
        <Title text="Trung tâm điều hành 1022 · Bình Dương"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("") view=DashboardPage ssr=SsrMode::Async/>
                <Route path=path!("/operator") view=OperatorPage ssr=SsrMode::Async/>
                <Route path=path!("/tickets/:id") view=TicketPage ssr=SsrMode::Async/>
                <Route path=path!("/report") view=ReportPage ssr=SsrMode::Async/>
                <Route path=path!("/track") view=TrackPage ssr=SsrMode::Async/>
                <Route path=path!("/track/:code") view=TrackPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <main class="not-found">
            <h1>"404"</h1>
            <p>"Không tìm thấy trang · Page not found"</p>
            <a href="/">"Về bảng điều khiển · Back to the dashboard"</a>
        </main>
    }
}
