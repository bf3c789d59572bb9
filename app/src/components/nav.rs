//! The top navigation shared by staff pages. Links between pages are full page loads
//! (`rel="external"`): each page is rendered whole on the server, with its map layers.

use leptos::prelude::*;

#[component]
pub fn TopNav(
    /// The current page's path.
    current: &'static str,
) -> impl IntoView {
    let links = [
        ("/", "Bảng điều khiển", "Dashboard"),
        ("/operator", "Tiếp nhận", "Intake"),
        ("/report", "Gửi phản ánh", "Report"),
        ("/track", "Tra cứu", "Track"),
    ];
    view! {
        <nav class="topnav" aria-label="Trang · Pages">
            {links
                .into_iter()
                .map(|(href, vi, en)| {
                    view! {
                        <a href=href rel="external" class:active=current == href aria-current=(current == href).then_some("page")>
                            {vi}
                            <span class="en">{en}</span>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}
