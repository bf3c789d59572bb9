//! A ticket for staff: details, SLA clocks, history and notes, and the lifecycle actions
//! (acknowledge, start, resolve, close, reject, reopen, transfer, note). Every change is made
//! against the version shown; a stale one is refused and the page says to reload.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::intake::intake_lists;
use crate::api::lifecycle::{add_note, change_status, spawn_child_ticket};
use crate::api::tickets::get_ticket;
use crate::components::nav::TopNav;
use crate::domain::lifecycle::next_statuses;
use crate::domain::time::format_local;
use crate::i18n::{channel_vi, status_en, status_vi};
use crate::types::{AgencyId, TicketDetail, TicketId, TicketStatus};

#[component]
pub fn TicketPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .map(TicketId)
    });
    let ticket = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_ticket(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let lists = Resource::new(|| (), |_| intake_lists());
    let current = RwSignal::new(None::<TicketDetail>);
    let note = RwSignal::new(String::new());
    let public = RwSignal::new(false);
    let transfer_to = RwSignal::new(None::<AgencyId>);
    let dup_of = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);

    let change = Action::new(move |(t, to): &(TicketDetail, TicketStatus)| {
        let (t, to) = (t.clone(), *to);
        let n = Some(note.get_untracked()).filter(|s| !s.trim().is_empty());
        let agency = (to == TicketStatus::Assigned)
            .then(|| transfer_to.get_untracked())
            .flatten();
        let dup = (to == TicketStatus::Duplicate)
            .then(|| dup_of.get_untracked().trim().parse::<i64>().ok().map(TicketId))
            .flatten();
        async move { change_status(t.id, t.version, to, n, agency, dup).await }
    });
    let child_agency = RwSignal::new(None::<AgencyId>);
    let spawning = Action::new(move |t: &TicketDetail| {
        let id = t.id;
        let agency = child_agency.get_untracked();
        let reason = Some(note.get_untracked()).filter(|s| !s.trim().is_empty());
        async move {
            match agency {
                Some(a) => spawn_child_ticket(id, a, reason).await,
                None => Err(crate::error::AppError::field(
                    "agency",
                    "Chọn cơ quan",
                    "choose an agency",
                )),
            }
        }
    });
    let noting = Action::new(move |t: &TicketDetail| {
        let id = t.id;
        let (body, p) = (note.get_untracked(), public.get_untracked());
        async move { add_note(id, body, p).await }
    });
    for result in [change.value(), noting.value(), spawning.value()] {
        Effect::new(move |_| match result.get() {
            Some(Ok(t)) => {
                current.set(Some(t));
                note.set(String::new());
                error.set(None);
            }
            Some(Err(e)) => error.set(Some(e.user_message())),
            None => {}
        });
    }

    view! {
        <div class="page ticket-page">
            <header class="topbar">
                <div class="brand">
                    <span class="badge-1022">"1022"</span>
                    <div><h1>"Phiếu"</h1><p class="en">"Ticket"</p></div>
                </div>
                <TopNav current="/tickets"/>
            </header>
            <Transition fallback=|| view! { <p>"…"</p> }>
                {move || ticket.get().map(|r| match r {
                    Ok(Some(t0)) => {
                        let t = current.get().filter(|c| c.id == t0.id).unwrap_or(t0);
                        let tt = t.clone();
                        let actions = next_statuses(t.status);
                        view! {
                            <article class="panel ticket-full" data-testid="ticket-page" data-version=t.version>
                                <h2><span class="code" data-testid="ticket-code">{t.code.clone()}</span>" · "{t.category_name_vi.clone()}</h2>
                                <p class="desc" data-testid="ticket-description">{t.description.clone()}</p>
                                <dl>
                                    <dt>"Trạng thái · Status"</dt>
                                    <dd data-testid="ticket-status"><span class=format!("status s-{}", t.status.as_str())>{status_vi(t.status)}</span>{format!(" · {}", status_en(t.status))}</dd>
                                    <dt>"Cơ quan · Agency"</dt><dd data-testid="ticket-agency">{t.agency_name_vi.clone().unwrap_or_else(|| "—".into())}</dd>
                                    <dt>"Địa bàn · Area"</dt><dd>{[t.commune_name.clone(), t.district_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ")}</dd>
                                    <dt>"Địa chỉ · Address"</dt><dd>{t.address.clone().unwrap_or_else(|| "—".into())}</dd>
                                    <dt>"Kênh · Channel"</dt><dd>{channel_vi(t.channel)}</dd>
                                    <dt>"Người báo · Reporter"</dt><dd>{t.reporter_masked.clone().unwrap_or_else(|| "—".into())}</dd>
                                    <dt>"Tiếp nhận · Received"</dt><dd>{format_local(t.created_at)}</dd>
                                    <dt>"Hạn phản hồi · Response due"</dt><dd>{t.response_due_at.map(format_local)}</dd>
                                    <dt>"Hạn xử lý · Resolution due"</dt><dd>{t.resolution_due_at.map(format_local)}</dd>
                                    {t.duplicate_of.map(|d| view! { <dt>"Trùng với · Duplicate of"</dt><dd><a href=format!("/tickets/{d}") rel="external">{format!("#{d}")}</a></dd> })}
                                </dl>
                                <div class="actions" data-testid="actions">
                                    <label>"Ghi chú / lý do · Note / reason"
                                        <textarea rows="2" data-testid="note" prop:value=note on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                                    </label>
                                    <label class="inline"><input type="checkbox" data-testid="note-public" prop:checked=public on:change=move |ev| public.set(event_target_checked(&ev))/>"Công khai cho người dân · Public"</label>
                                    <button type="button" class="secondary" data-testid="add-note" on:click={let tt = tt.clone(); move |_| { noting.dispatch(tt.clone()); }}>"Thêm ghi chú · Add note"</button>
                                    {actions.contains(&TicketStatus::Assigned).then(|| view! {
                                        <label>"Chuyển cho cơ quan · Transfer to"
                                            <select data-testid="transfer-agency" on:change=move |ev| transfer_to.set(event_target_value(&ev).parse().ok().map(AgencyId))>
                                                <option value="">"—"</option>
                                                {move || lists.get().and_then(Result::ok).map(|l| l.agencies.into_iter().map(|a| view! { <option value=a.id.0>{format!("{} · {}", a.code, a.name_vi)}</option> }).collect_view())}
                                            </select>
                                        </label>
                                    })}
                                    {actions.contains(&TicketStatus::Duplicate).then(|| view! {
                                        <label>"Trùng với phiếu số · Duplicate of #"<input type="text" inputmode="numeric" data-testid="duplicate-of" prop:value=dup_of on:input=move |ev| dup_of.set(event_target_value(&ev))/></label>
                                    })}
                                    <div class="buttons">
                                        {actions.into_iter().map(|to| {
                                            let tt = tt.clone();
                                            view! {
                                                <button type="button" class=format!("status-btn s-{}", to.as_str()) data-testid=format!("to-{}", to.as_str())
                                                    disabled=move || change.pending().get()
                                                    on:click=move |_| { change.dispatch((tt.clone(), to)); }>
                                                    {status_vi(to)}<span class="en">{status_en(to)}</span>
                                                </button>
                                            }
                                        }).collect_view()}
                                    </div>
                                    {move || error.get().map(|e| view! { <p class="field-error" role="alert" data-testid="action-error">{e}</p> })}
                                </div>
                                {(!t.children.is_empty() || t.parent_id.is_some()).then(|| {
                                    let (done, total) = t.children_done();
                                    view! {
                                        <section class="children" data-testid="children">
                                            {t.parent_id.map(|p| view! { <p>"Phiếu gốc · Parent: "<a href=format!("/tickets/{p}") rel="external">{format!("#{p}")}</a></p> })}
                                            {(total > 0).then(|| view! {
                                                <h3 data-testid="rollup">{format!("Phiếu con: {done}/{total} cơ quan đã xử lý · {done} of {total} agencies done")}</h3>
                                            })}
                                            <ul>
                                                {t.children.iter().map(|c| view! {
                                                    <li data-testid="child">
                                                        <a href=format!("/tickets/{}", c.id) rel="external">{c.code.clone()}</a>
                                                        " · " {c.agency_code.clone().unwrap_or_default()} " · "
                                                        <span class=format!("status s-{}", c.status.as_str())>{status_vi(c.status)}</span>
                                                    </li>
                                                }).collect_view()}
                                            </ul>
                                        </section>
                                    }
                                })}
                                {t.status.is_open().then(|| {
                                    let tt = tt.clone();
                                    view! {
                                        <div class="spawn">
                                            <label>"Thêm cơ quan phối hợp (phiếu con) · Add a coordinating agency (child ticket)"
                                                <select data-testid="child-agency" on:change=move |ev| child_agency.set(event_target_value(&ev).parse().ok().map(AgencyId))>
                                                    <option value="">"—"</option>
                                                    {move || lists.get().and_then(Result::ok).map(|l| l.agencies.into_iter().map(|a| view! { <option value=a.id.0>{format!("{} · {}", a.code, a.name_vi)}</option> }).collect_view())}
                                                </select>
                                            </label>
                                            <button type="button" class="secondary" data-testid="spawn-child" on:click=move |_| { spawning.dispatch(tt.clone()); }>"Tạo phiếu con · Spawn child ticket"</button>
                                        </div>
                                    }
                                })}
                                <h3>"Lịch sử · History"</h3>
                                <ol class="history" data-testid="history">
                                    {t.history.iter().map(|h| view! {
                                        <li><time>{format_local(h.at)}</time>
                                            {h.from.map(|f| format!("{} → ", status_vi(f)))}
                                            <span class=format!("status s-{}", h.to.as_str())>{status_vi(h.to)}</span>
                                            <span class="actor">{h.actor.clone()}</span>
                                            {h.note.clone().map(|n| view! { <span class="note">{n}</span> })}
                                        </li>
                                    }).collect_view()}
                                </ol>
                                <h3>"Ghi chú · Notes"</h3>
                                <ul class="notes" data-testid="notes">
                                    {t.notes.iter().map(|n| view! {
                                        <li class:public=n.public><time>{format_local(n.at)}</time>" "{if n.public { "Công khai" } else { "Nội bộ" }}" · "<span class="actor">{n.actor.clone()}</span><p>{n.body.clone()}</p></li>
                                    }).collect_view()}
                                </ul>
                            </article>
                        }.into_any()
                    }
                    Ok(None) => view! { <p class="panel">"Mã phiếu không hợp lệ · Invalid ticket id"</p> }.into_any(),
                    Err(e) => view! { <p class="panel field-error" role="alert">{e.user_message()}</p> }.into_any(),
                })}
            </Transition>
        </div>
    }
    .into_any()
}
