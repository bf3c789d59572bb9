//! Citizen pages, no sign-in: the report form and the status page by ticket code. The status
//! page never shows personal data or internal notes.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::intake::{intake_lists, submit_report};
use crate::api::lifecycle::track_ticket;
use crate::components::nav::TopNav;
use crate::components::pick_map::PickMap;
use crate::domain::intake::parse_coordinate;
use crate::domain::time::format_local;
use crate::i18n::{group_vi, status_en, status_vi};
use crate::pages::operator::new_key;
use crate::types::{CategoryGroup, CategoryId};

#[component]
pub fn ReportPage() -> impl IntoView {
    let lists = Resource::new(|| (), |_| intake_lists());
    let category = RwSignal::new(None::<CategoryId>);
    let description = RwSignal::new(String::new());
    let lat = RwSignal::new(String::new());
    let lon = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let key = StoredValue::new(new_key());
    let point = Signal::derive(
        move || match (parse_coordinate(&lat.get()), parse_coordinate(&lon.get())) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        },
    );
    let send = Action::new(move |_: &()| {
        let opt = |s: String| Some(s).filter(|s| !s.trim().is_empty());
        let args = (
            category.get_untracked().unwrap_or(CategoryId(0)),
            description.get_untracked(),
            opt(lat.get_untracked()),
            opt(lon.get_untracked()),
            opt(address.get_untracked()),
            opt(name.get_untracked()),
            opt(phone.get_untracked()),
            Some(key.get_value()),
        );
        async move { submit_report(args.0, args.1, args.2, args.3, args.4, args.5, args.6, args.7).await }
    });
    view! {
        <div class="page public" data-testid="report-page">
            <header class="topbar">
                <div class="brand"><span class="badge-1022">"1022"</span>
                    <div><h1>"Gửi phản ánh đến 1022"</h1><p class="en">"Report to 1022 Bình Dương"</p></div>
                </div>
                <TopNav current="/report"/>
            </header>
            <p class="emergency-note">"Trường hợp khẩn cấp hãy gọi 113, 114, 115 hoặc 1022. · In an emergency call 113, 114, 115 or 1022."</p>
            {move || match send.value().get() {
                Some(Ok(t)) => view! {
                    <section class="panel saved" data-testid="report-saved" role="status">
                        <h2>"Đã nhận phản ánh · Report received"</h2>
                        <p>"Mã phiếu của bạn · Your ticket code:"</p>
                        <p class="big-code" data-testid="report-code">{t.code.clone()}</p>
                        <a href=format!("/track/{}", t.code) rel="external">"Theo dõi phiếu · Follow your ticket"</a>
                    </section>
                }.into_any(),
                other => view! {
                    <form class="intake public-form" on:submit=move |ev| { ev.prevent_default(); send.dispatch(()); }>
                        <section class="panel">
                            <label>"Loại phản ánh · Category"
                                <Transition fallback=|| ()>
                                    {move || lists.get().and_then(Result::ok).map(|l| view! {
                                        <select data-testid="report-category" required on:change=move |ev| category.set(event_target_value(&ev).parse().ok().map(CategoryId))>
                                            <option value="">"— Chọn · Choose —"</option>
                                            {CategoryGroup::ALL.into_iter().map(|g| view! {
                                                <optgroup label=group_vi(g)>
                                                    {l.categories.iter().filter(|c| c.group == g).map(|c| view! { <option value=c.id.0>{format!("{} · {}", c.name_vi, c.name_en)}</option> }).collect_view()}
                                                </optgroup>
                                            }).collect_view()}
                                        </select>
                                    })}
                                </Transition>
                            </label>
                            <label>"Nội dung · What happened"
                                <textarea rows="5" data-testid="report-description" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                            </label>
                            <label>"Địa chỉ · Address"<input type="text" data-testid="report-address" prop:value=address on:input=move |ev| address.set(event_target_value(&ev))/></label>
                            <div class="row">
                                <label>"Vĩ độ · Lat"<input type="text" inputmode="decimal" data-testid="report-lat" prop:value=lat on:input=move |ev| lat.set(event_target_value(&ev))/></label>
                                <label>"Kinh độ · Lon"<input type="text" inputmode="decimal" data-testid="report-lon" prop:value=lon on:input=move |ev| lon.set(event_target_value(&ev))/></label>
                            </div>
                            <label>"Họ tên (không bắt buộc) · Name (optional)"<input type="text" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/></label>
                            <label>"Số điện thoại (không bắt buộc) · Phone (optional)"<input type="tel" data-testid="report-phone" prop:value=phone on:input=move |ev| phone.set(event_target_value(&ev))/></label>
                            <p class="privacy">"Họ tên và số điện thoại chỉ cán bộ xử lý được xem. · Your name and phone are seen only by the staff handling your report."</p>
                            <button type="submit" class="primary" data-testid="report-submit" disabled=move || send.pending().get()>"Gửi · Send"</button>
                            {other.and_then(Result::err).map(|e| view! { <p class="field-error" role="alert" data-testid="report-error">{e.user_message()}</p> })}
                        </section>
                        <section class="panel pick">
                            <p>"Bấm vào bản đồ để ghim vị trí · Click the map to pin the place"</p>
                            <PickMap point=point on_pick=Callback::new(move |(a, b): (f64, f64)| { lat.set(format!("{a:.6}")); lon.set(format!("{b:.6}")); })/>
                        </section>
                    </form>
                }.into_any(),
            }}
        </div>
    }
    .into_any()
}

#[component]
pub fn TrackPage() -> impl IntoView {
    let params = use_params_map();
    let code = Memo::new(move |_| params.read().get("code").unwrap_or_default());
    let ticket = Resource::new(
        move || code.get(),
        |c| async move {
            if c.trim().is_empty() {
                None
            } else {
                Some(track_ticket(c).await)
            }
        },
    );
    view! {
        <div class="page public" data-testid="track-page">
            <header class="topbar">
                <div class="brand"><span class="badge-1022">"1022"</span>
                    <div><h1>"Tra cứu phản ánh"</h1><p class="en">"Follow a report"</p></div>
                </div>
                <TopNav current="/track"/>
            </header>
            <form class="panel track-form" method="get" action="/track/go">
                <label>"Mã phiếu · Ticket code"<input type="text" name="code" data-testid="track-code" placeholder="BD-XXXXX-XXXXX" prop:value=move || code.get()/></label>
                <button type="submit" class="primary">"Tra cứu · Look up"</button>
            </form>
            <Suspense fallback=|| ()>
                {move || ticket.get().flatten().map(|r| match r {
                    Ok(t) => view! {
                        <section class="panel" data-testid="track-result">
                            <h2><span class="code">{t.code.clone()}</span>" · "{t.category_name_vi.clone()}</h2>
                            <p data-testid="track-status"><span class=format!("status s-{}", t.status.as_str())>{status_vi(t.status)}</span>{format!(" · {}", status_en(t.status))}</p>
                            <p>{format!("Tiếp nhận · Received {}", format_local(t.created_at))}</p>
                            {t.agency_name_vi.clone().map(|a| view! { <p>{format!("Cơ quan xử lý · Handled by: {a}")}</p> })}
                            {t.district_name.clone().map(|d| view! { <p>{format!("Địa bàn · Area: {d}")}</p> })}
                            <ol class="history">
                                {t.steps.iter().map(|(at, s)| view! { <li><time>{format_local(*at)}</time>" "<span class=format!("status s-{}", s.as_str())>{status_vi(*s)}</span></li> }).collect_view()}
                            </ol>
                            {(!t.public_notes.is_empty()).then(|| view! {
                                <h3>"Trả lời · Answers"</h3>
                                <ul class="notes">{t.public_notes.iter().map(|(at, n)| view! { <li><time>{format_local(*at)}</time><p>{n.clone()}</p></li> }).collect_view()}</ul>
                            })}
                        </section>
                    }.into_any(),
                    Err(e) => view! { <p class="panel field-error" role="alert" data-testid="track-error">{e.user_message()}</p> }.into_any(),
                })}
            </Suspense>
        </div>
    }
    .into_any()
}
