//! The operator's intake console: fast enough for a live call, usable from the keyboard.
//! Caller history and nuisance flag by phone, category search, location by map click, place
//! name (diacritics optional) or lat/lon, live district/commune, likely duplicates, Ctrl+Enter.

use leptos::prelude::*;

use crate::api::intake::{
    caller_lookup, file_ticket, flag_nuisance, intake_lists, likely_duplicates, locate_point, search_places,
};
use crate::components::nav::TopNav;
use crate::components::pick_map::PickMap;
use crate::domain::intake::parse_coordinate;
use crate::domain::text::fold;
use crate::domain::time::format_local;
use crate::i18n::{group_vi, status_vi};
use crate::types::{AgencyId, CategoryGroup, CategoryId, Channel, NewTicket, TicketId};

#[component]
pub fn OperatorPage() -> impl IntoView {
    let lists = Resource::new(|| (), |_| intake_lists());
    let phone = RwSignal::new(String::new());
    let phone_checked = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let cat_filter = RwSignal::new(String::new());
    let category = RwSignal::new(None::<CategoryId>);
    let description = RwSignal::new(String::new());
    let place_q = RwSignal::new(String::new());
    let lat_text = RwSignal::new(String::new());
    let lon_text = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let agency = RwSignal::new(None::<AgencyId>);
    let also = RwSignal::new(Vec::<AgencyId>::new());
    let duplicate_of = RwSignal::new(None::<TicketId>);

    let point = Memo::new(move |_| {
        let (a, b) = (lat_text.get(), lon_text.get());
        match (parse_coordinate(&a), parse_coordinate(&b)) {
            (Some(lat), Some(lon)) => Some((lat, lon)),
            _ => None,
        }
    });
    let caller = Resource::new(
        move || phone_checked.get(),
        |p| async move {
            if p.trim().len() >= 3 {
                Some(caller_lookup(p).await)
            } else {
                None
            }
        },
    );
    let places = Resource::new(
        move || place_q.get(),
        |q| async move {
            if q.trim().chars().count() >= 2 {
                search_places(q).await.unwrap_or_default()
            } else {
                Vec::new()
            }
        },
    );
    let where_ = Resource::new(
        move || point.get(),
        |p| async move {
            match p {
                Some((lat, lon)) => Some(locate_point(lat, lon).await),
                None => None,
            }
        },
    );
    let dups = Resource::new(
        move || (category.get(), point.get()),
        |(c, p)| async move {
            match (c, p) {
                (Some(c), Some((lat, lon))) => likely_duplicates(c, lat, lon).await.unwrap_or_default(),
                _ => Vec::new(),
            }
        },
    );
    let submit = Action::new(|(t, also): &(NewTicket, Vec<AgencyId>)| {
        let (t, also) = (t.clone(), also.clone());
        async move { file_ticket(t, Some(also).filter(|a| !a.is_empty())).await }
    });
    let flag = Action::new(|(p, r): &(String, String)| {
        let (p, r) = (p.clone(), r.clone());
        async move { flag_nuisance(p, r).await }
    });
    let idem = StoredValue::new(new_key());

    let build = move || NewTicket {
        channel: Channel::Phone,
        category: category.get_untracked().unwrap_or(CategoryId(0)),
        description: description.get_untracked(),
        reporter_name: Some(name.get_untracked()).filter(|s| !s.trim().is_empty()),
        reporter_phone: Some(phone.get_untracked()).filter(|s| !s.trim().is_empty()),
        lat: opt_coord(&lat_text.get_untracked()),
        lon: opt_coord(&lon_text.get_untracked()),
        address: Some(address.get_untracked()).filter(|s| !s.trim().is_empty()),
        agency_override: agency.get_untracked(),
        duplicate_of: duplicate_of.get_untracked(),
        idempotency_key: Some(idem.get_value()),
    };
    let save = move || {
        if !submit.pending().get_untracked() {
            submit.dispatch((build(), also.get_untracked()));
        }
    };
    // A successful save clears the form for the next call (and a new idempotency key).
    Effect::new(move |_| {
        if let Some(Ok(_)) = submit.value().get() {
            for s in [
                phone,
                phone_checked,
                name,
                cat_filter,
                description,
                place_q,
                lat_text,
                lon_text,
                address,
            ] {
                s.set(String::new());
            }
            category.set(None);
            agency.set(None);
            duplicate_of.set(None);
            also.set(Vec::new());
            idem.set_value(new_key());
        }
    });

    view! {
        <div class="page operator" data-testid="operator-page">
            <header class="topbar">
                <div class="brand">
                    <span class="badge-1022">"1022"</span>
                    <div>
                        <h1>"Tiếp nhận cuộc gọi"</h1>
                        <p class="en">"Call intake"</p>
                    </div>
                </div>
                <TopNav current="/operator"/>
            </header>
            <form
                class="intake"
                on:submit=move |ev| {
                    ev.prevent_default();
                    save();
                }
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                        ev.prevent_default();
                        save();
                    }
                }
            >
                <section class="panel">
                    <h2>"Người gọi"<span class="en">"Caller"</span></h2>
                    <label>
                        "Số điện thoại · Phone"
                        <input
                            type="tel"
                            name="phone"
                            autofocus
                            autocomplete="off"
                            data-testid="phone"
                            prop:value=phone
                            on:input=move |ev| phone.set(event_target_value(&ev))
                            on:change=move |ev| phone_checked.set(event_target_value(&ev))
                        />
                    </label>
                    <Transition fallback=|| ()>
                        {move || caller.get().flatten().map(|r| match r {
                            Ok(c) => {
                                let phone_v = c.phone.clone();
                                view! {
                                    <div class="caller" data-testid="caller-info">
                                        {c.nuisance_reason.clone().map(|r| view! {
                                            <p class="nuisance" role="alert" data-testid="nuisance-warning">
                                                {format!("⚠ Số gọi quấy rối: {r}")}
                                                <span class="en">"Flagged nuisance caller"</span>
                                            </p>
                                        })}
                                        <p>
                                            {format!("{} phiếu trước đó", c.tickets.len())}
                                            <span class="en">{format!("{} earlier tickets", c.tickets.len())}</span>
                                        </p>
                                        <ul class="mini-list">
                                            {c.tickets.iter().map(|t| view! {
                                                <li>
                                                    <a href=format!("/tickets/{}", t.id) rel="external">{t.code.clone()}</a>
                                                    " " {t.category_name_vi.clone()} " · " {status_vi(t.status)} " · " {format_local(t.created_at)}
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                        {c.nuisance_reason.is_none().then(|| view! {
                                            <button type="button" class="secondary" data-testid="flag-nuisance"
                                                on:click=move |_| { flag.dispatch((phone_v.clone(), "Gọi quấy rối / báo tin giả".into())); phone_checked.set(String::new()); }>
                                                "Đánh dấu số quấy rối · Flag as nuisance"
                                            </button>
                                        })}
                                    </div>
                                }.into_any()
                            }
                            Err(e) => view! { <p class="field-error">{e.user_message()}</p> }.into_any(),
                        })}
                    </Transition>
                    <label>
                        "Họ tên · Name"
                        <input type="text" name="name" autocomplete="off" data-testid="name" prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                    </label>
                </section>

                <section class="panel">
                    <h2>"Nội dung"<span class="en">"Report"</span></h2>
                    <label>
                        "Tìm loại phản ánh · Find category"
                        <input type="search" data-testid="category-filter" placeholder="vd: chay, cap cuu, ngap…" prop:value=cat_filter on:input=move |ev| cat_filter.set(event_target_value(&ev))/>
                    </label>
                    <Transition fallback=|| ()>
                        {move || lists.get().and_then(Result::ok).map(|l| {
                            let f = fold(&cat_filter.get());
                            let cats: Vec<_> = l.categories.into_iter().filter(|c| f.is_empty() || fold(&c.name_vi).contains(&f) || fold(&c.name_en).contains(&f) || c.code.contains(&f)).collect();
                            view! {
                                <select
                                    size="7"
                                    data-testid="category"
                                    aria-label="Loại phản ánh · Category"
                                    on:change=move |ev| category.set(event_target_value(&ev).parse().ok().map(CategoryId))
                                >
                                    {CategoryGroup::ALL.into_iter().map(|g| {
                                        let items: Vec<_> = cats.iter().filter(|c| c.group == g).cloned().collect();
                                        (!items.is_empty()).then(|| view! {
                                            <optgroup label=group_vi(g)>
                                                {items.into_iter().map(|c| view! {
                                                    <option value=c.id.0 selected=move || category.get() == Some(c.id)>{format!("{} · {}", c.name_vi, c.name_en)}</option>
                                                }).collect_view()}
                                            </optgroup>
                                        })
                                    }).collect_view()}
                                </select>
                            }
                        })}
                    </Transition>
                    <label>
                        "Mô tả · Description"
                        <textarea rows="4" name="description" data-testid="description" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    </label>
                </section>

                <section class="panel">
                    <h2>"Vị trí"<span class="en">"Location"</span></h2>
                    <label>
                        "Tìm phường, xã, huyện · Find a place"
                        <input type="search" data-testid="place-search" placeholder="vd: thu dau mot, di an…" prop:value=place_q on:input=move |ev| place_q.set(event_target_value(&ev))/>
                    </label>
                    <Transition fallback=|| ()>
                        <ul class="place-results" data-testid="place-results">
                            {move || places.get().unwrap_or_default().into_iter().map(|p| {
                                let (lat, lon) = (p.lat, p.lon);
                                view! {
                                    <li>
                                        <button type="button" on:click=move |_| { lat_text.set(format!("{lat:.6}")); lon_text.set(format!("{lon:.6}")); place_q.set(String::new()); }>
                                            {p.name.clone()}
                                            {(p.kind == "commune").then(|| format!(" · {}", p.district_name))}
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </Transition>
                    <div class="row">
                        <label>"Vĩ độ · Lat"<input type="text" inputmode="decimal" data-testid="lat" prop:value=lat_text on:input=move |ev| lat_text.set(event_target_value(&ev))/></label>
                        <label>"Kinh độ · Lon"<input type="text" inputmode="decimal" data-testid="lon" prop:value=lon_text on:input=move |ev| lon_text.set(event_target_value(&ev))/></label>
                    </div>
                    <Transition fallback=|| ()>
                        {move || where_.get().flatten().map(|r| match r {
                            Ok(info) if info.inside => view! {
                                <p class="resolved" data-testid="resolved-area">
                                    {[info.commune_name, info.district_name].into_iter().flatten().collect::<Vec<_>>().join(", ")}
                                </p>
                            }.into_any(),
                            Ok(_) => view! {
                                <p class="out-of-area" role="status" data-testid="out-of-area">
                                    "Ngoài tỉnh Bình Dương: phiếu vẫn được lưu vào hàng chờ phân loại của Trung tâm 1022."
                                    <span class="en">"Outside Bình Dương: the ticket is still saved, into the 1022 center's triage queue."</span>
                                </p>
                            }.into_any(),
                            Err(e) => view! { <p class="field-error" data-testid="position-error">{e.user_message()}</p> }.into_any(),
                        })}
                    </Transition>
                    <label>
                        "Địa chỉ · Address"
                        <input type="text" data-testid="address" prop:value=address on:input=move |ev| address.set(event_target_value(&ev))/>
                    </label>
                </section>

                <section class="panel">
                    <h2>"Chuyển xử lý"<span class="en">"Routing"</span></h2>
                    <label>
                        "Cơ quan · Agency"
                        <Transition fallback=|| ()>
                            {move || lists.get().and_then(Result::ok).map(|l| view! {
                                <select data-testid="agency-override" on:change=move |ev| agency.set(event_target_value(&ev).parse().ok().map(AgencyId))>
                                    <option value="" selected=move || agency.get().is_none()>"Tự động theo quy tắc · By routing rules"</option>
                                    {l.agencies.into_iter().map(|a| view! {
                                        <option value=a.id.0 selected=move || agency.get() == Some(a.id)>{format!("{} · {}", a.code, a.name_vi)}</option>
                                    }).collect_view()}
                                </select>
                            })}
                        </Transition>
                    </label>
                    <details class="also" data-testid="also-agencies">
                        <summary>"Cơ quan phối hợp (phiếu con) · Also send to (child tickets)"</summary>
                        <Transition fallback=|| ()>
                            {move || lists.get().and_then(Result::ok).map(|l| l.agencies.into_iter().map(|a| {
                                let id = a.id;
                                view! {
                                    <label class="inline">
                                        <input type="checkbox" data-testid=format!("also-{}", a.code)
                                            prop:checked=move || also.get().contains(&id)
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                also.update(|v| { v.retain(|x| *x != id); if on { v.push(id); } });
                                            }/>
                                        {format!("{} · {}", a.code, a.name_vi)}
                                    </label>
                                }
                            }).collect_view())}
                        </Transition>
                    </details>
                    <Transition fallback=|| ()>
                        {move || {
                            let list = dups.get().unwrap_or_default();
                            (!list.is_empty()).then(|| view! {
                                <div class="duplicates" data-testid="duplicates">
                                    <p>"Có thể trùng (cùng loại, gần đây, đang mở):"<span class="en">"Likely duplicates (same category, nearby, open):"</span></p>
                                    <ul>
                                        {list.into_iter().map(|t| {
                                            let id = t.id;
                                            view! {
                                                <li class:linked=move || duplicate_of.get() == Some(id)>
                                                    <span class="code">{t.code.clone()}</span>" "{format_local(t.created_at)}" · "{t.district_name.clone().unwrap_or_default()}
                                                    <button type="button" class="secondary" data-testid="link-duplicate"
                                                        on:click=move |_| duplicate_of.update(|d| *d = if *d == Some(id) { None } else { Some(id) })>
                                                        {move || if duplicate_of.get() == Some(id) { "Bỏ gộp · Unlink" } else { "Gộp vào phiếu này · Link as duplicate" }}
                                                    </button>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </div>
                            })
                        }}
                    </Transition>
                    <button type="submit" class="primary" data-testid="save" disabled=move || submit.pending().get()>
                        "Lưu phiếu · Save (Ctrl+Enter)"
                    </button>
                    {move || submit.value().get().map(|r| match r {
                        Ok(t) => view! {
                            <div class="saved" role="status" data-testid="saved">
                                <p>
                                    <strong>{format!("Đã tạo phiếu {}", t.code)}</strong>
                                    <span class="en">{if t.replayed { " (already saved)" } else { " created" }}</span>
                                </p>
                                <p data-testid="saved-agency">{format!("→ {}", t.agency_name_vi.clone().unwrap_or_else(|| "Trung tâm 1022 (phân loại)".into()))}</p>
                                {t.out_of_area.then(|| view! { <p class="out-of-area">"Ngoài tỉnh: hàng chờ phân loại · out of area: triage queue"</p> })}
                                {(!t.children.is_empty()).then(|| view! { <p data-testid="saved-children">{format!("Phiếu con · child tickets: {}", t.children.join(", "))}</p> })}
                                <p>{format!("Hạn phản hồi {} · hạn xử lý {}", format_local(t.response_due_at), format_local(t.resolution_due_at))}</p>
                                <a href=format!("/tickets/{}", t.id) rel="external">"Mở phiếu · Open ticket"</a>
                            </div>
                        }.into_any(),
                        Err(e) => view! { <div class="field-error" role="alert" data-testid="save-error">{e.user_message()}</div> }.into_any(),
                    })}
                </section>
            </form>
            <section class="panel pick">
                <PickMap point=point on_pick=Callback::new(move |(lat, lon): (f64, f64)| {
                    lat_text.set(format!("{lat:.6}"));
                    lon_text.set(format!("{lon:.6}"));
                })/>
            </section>
        </div>
    }
    .into_any()
}

fn opt_coord(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        // Unparsable text is sent as NaN so the server names the field in its answer.
        Some(parse_coordinate(t).unwrap_or(f64::NAN))
    }
}

/// A random idempotency key for one form submission (retries reuse it).
pub fn new_key() -> String {
    #[cfg(feature = "hydrate")]
    {
        let r = leptos::web_sys::js_sys::Math::random();
        let t = leptos::web_sys::js_sys::Date::now();
        format!("ui-{t:.0}-{:016x}", (r * u64::MAX as f64) as u64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        format!(
            "ui-{}",
            crate::domain::rng::Rng::new(std::process::id() as u64).next_u64()
        )
    }
}
