//! Requesters' records in the workspace: search, a record with its tickets
//! in the viewer's scope across channels and institutions, merging another
//! record in and splitting a merge back; and the screen pop of a phone call
//! (`/staff/calls?number=…`). The same store operations and domain rules as
//! the API's `/api/v1/requesters` and `/api/v1/channels/phone/calls`.

use super::refusal;
use super::{posted, signed_in, urlencoding};
use crate::AppState;
use crate::i18n::{t, t_args};
use crate::page::{
    Page, Problems, iso_time, local_time, localized, not_found, render, unavailable,
};
use askama::Template;
use atbalsts_domain::Actor;
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::model::TicketSummary;
use atbalsts_store::requesters::{Consent, RequesterDetail, RequesterEvent};
use atbalsts_store::signin::Session;
use axum::Router;
use axum::extract::{Extension, OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/requesters", get(search))
        .route("/staff/requesters/{id}", get(record))
        .route("/staff/requesters/{id}/merge", post(merge))
        .route("/staff/requesters/{id}/split", post(split))
        .route("/staff/calls", get(call))
}

struct Fact {
    label: String,
    value: String,
}

struct Link {
    href: String,
    text: String,
}

/// A ticket in a record's or a call's list.
struct TicketRow {
    href: String,
    number: String,
    subject: String,
    institution: String,
    channel: String,
    status: String,
    updated: String,
    updated_iso: String,
}

struct TicketHeads {
    number: String,
    subject: String,
    institution: String,
    channel: String,
    status: String,
    updated: String,
}

fn heads(lang: Lang) -> TicketHeads {
    TicketHeads {
        number: t(lang, "col-number"),
        subject: t(lang, "col-subject"),
        institution: t(lang, "col-institution"),
        channel: t(lang, "col-channel"),
        status: t(lang, "col-status"),
        updated: t(lang, "col-updated"),
    }
}

fn rows(lang: Lang, tickets: &[TicketSummary]) -> Vec<TicketRow> {
    tickets
        .iter()
        .map(|tk| TicketRow {
            href: localized(lang, &format!("/staff/tickets/{}", tk.id)),
            number: tk.number.clone(),
            subject: tk.subject.clone(),
            institution: tk.institution.clone(),
            channel: t(lang, &format!("channel-{}", tk.channel.as_str())),
            status: t(lang, &format!("staff-status-{}", tk.status.as_str())),
            updated: local_time(lang, &tk.updated_at),
            updated_iso: iso_time(tk.updated_micros),
        })
        .collect()
}

/// The contact registration form, prefilled for this person.
fn register_href(lang: Lang, name: &str, phone: Option<&str>, email: Option<&str>) -> String {
    let mut q = vec![format!("name={}", urlencoding(name))];
    if let Some(p) = phone {
        q.push(format!("phone={}", urlencoding(p)));
    }
    if let Some(e) = email {
        q.push(format!("email={}", urlencoding(e)));
    }
    format!("{}?{}", localized(lang, "/staff/contacts/new"), q.join("&"))
}

// --- search ---------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    q: String,
    after: Option<i64>,
}

struct ResultRow {
    href: String,
    name: String,
    email: String,
    phone: String,
    organisation: String,
}

#[derive(Template)]
#[template(path = "staff_requesters.html")]
struct SearchPage {
    page: Page,
    intro: String,
    action: String,
    label: String,
    button: String,
    q: String,
    caption: String,
    results: Vec<ResultRow>,
    empty: String,
    h_name: String,
    h_email: String,
    h_phone: String,
    h_organisation: String,
    next: Option<Link>,
}

async fn search(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let q: String = params.q.trim().chars().take(200).collect();
    let q = if q.chars().any(char::is_control) {
        String::new()
    } else {
        q
    };
    let actor = Actor::Staff(session.staff.clone());
    let page = match s
        .store
        .list_requesters(&actor, Some(&q), params.after.filter(|a| *a > 0), 50)
        .await
    {
        Ok(page) => page,
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let base = localized(lang, "/staff/requesters");
    let dash = || "—".to_string();
    render(
        StatusCode::OK,
        SearchPage {
            page: Page::workspace(
                lang,
                t(lang, "requesters-heading"),
                &uri,
                &session.staff,
                &session.csrf_token,
            ),
            intro: t(lang, "requesters-intro"),
            action: base.clone(),
            label: t(lang, "requesters-search"),
            button: t(lang, "requesters-search-button"),
            caption: t(lang, "requesters-heading"),
            results: page
                .items
                .iter()
                .map(|r| ResultRow {
                    href: localized(lang, &format!("/staff/requesters/{}", r.id)),
                    name: r.name.clone(),
                    email: r.email.clone().unwrap_or_else(dash),
                    phone: r.phone.clone().unwrap_or_else(dash),
                    organisation: r.organisation.clone().unwrap_or_else(dash),
                })
                .collect(),
            empty: t(lang, "requesters-none"),
            h_name: t(lang, "col-name"),
            h_email: t(lang, "col-email"),
            h_phone: t(lang, "col-phone"),
            h_organisation: t(lang, "col-organisation"),
            next: page.next_after.map(|after| Link {
                href: format!("{base}?q={}&after={after}", urlencoding(&q)),
                text: t(lang, "requesters-next"),
            }),
            q,
        },
    )
}

// --- a record ---------------------------------------------------------------

struct PointLine {
    value: String,
    note: String,
}

struct HistoryLine {
    when: String,
    iso: String,
    who: String,
    what: String,
    /// A merge not yet undone: its event id for the split form.
    split: Option<i64>,
    undone: bool,
}

#[derive(Template)]
#[template(path = "staff_requester.html")]
struct RecordPage {
    page: Page,
    notice: Option<String>,
    error: Option<String>,
    facts: Vec<Fact>,
    emails: Vec<PointLine>,
    phones: Vec<PointLine>,
    tickets: Vec<TicketRow>,
    h: TicketHeads,
    history: Vec<HistoryLine>,
    register: Link,
    csrf: String,
    merge_action: String,
    split_action: String,
    other: String,
    problems: Problems,
    problems_heading: String,
    l: RecordTexts,
}

struct RecordTexts {
    details: String,
    emails: String,
    phones: String,
    tickets: String,
    tickets_scope: String,
    no_tickets: String,
    history: String,
    split: String,
    split_done: String,
    merge_heading: String,
    merge_intro: String,
    merge_other: String,
    merge_button: String,
    none: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RecordParams {
    done: String,
}

fn parse_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

async fn record(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    params: Result<Query<RecordParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Some(id) = parse_id(&id) else {
        return not_found(lang, &uri);
    };
    let done = params.map(|Query(p)| p.done).unwrap_or_default();
    let notice = ["merged", "split"]
        .contains(&done.as_str())
        .then(|| t(lang, &format!("requester-done-{done}")));
    show(
        &s,
        lang,
        &uri,
        &session,
        id,
        notice,
        None,
        Problems::default(),
        String::new(),
    )
    .await
}

fn consent_text(lang: Lang, c: &Option<Consent>) -> String {
    match c {
        None => t(lang, "requester-consent-unknown"),
        Some(c) => t_args(
            lang,
            if c.given {
                "requester-consent-given"
            } else {
                "requester-consent-refused"
            },
            &[("at", &local_time(lang, &c.at)), ("how", &c.how)],
        ),
    }
}

fn history_line(lang: Lang, e: &RequesterEvent) -> HistoryLine {
    let arg = |k: &str| e.data.get(k).map(|v| v.to_string()).unwrap_or_default();
    let what = match e.kind.as_str() {
        "merged" => t_args(lang, "requester-event-merged", &[("other", &arg("other"))]),
        "merged_into" => t_args(
            lang,
            "requester-event-merged_into",
            &[("survivor", &arg("survivor"))],
        ),
        "split" => t(lang, "requester-event-split"),
        _ => t(lang, "requester-event-edited"),
    };
    HistoryLine {
        when: local_time(lang, &e.at),
        iso: e.at.clone(),
        who: e.actor_name.clone(),
        what,
        split: (e.kind == "merged" && e.undone_by.is_none()).then_some(e.id),
        undone: e.kind == "merged" && e.undone_by.is_some(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn show(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    session: &Session,
    id: i64,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
    problems: Problems,
    other: String,
) -> Response {
    let actor = Actor::Staff(session.staff.clone());
    let detail: RequesterDetail = match s.store.requester(&actor, id).await {
        Ok(d) => d,
        Err(StoreError::NotFound(_)) => return not_found(lang, uri),
        Err(e) => return unavailable(lang, uri, &e.to_string()),
    };
    let r = &detail.requester;
    let unknown = || t(lang, "requester-unknown");
    let mut facts = vec![
        Fact {
            label: t(lang, "requester-language"),
            value: r
                .language
                .as_deref()
                .map(|l| {
                    let key = format!("language-{l}");
                    let text = t(lang, &key);
                    if text == key { l.to_string() } else { text }
                })
                .unwrap_or_else(unknown),
        },
        Fact {
            label: t(lang, "requester-preferred-channel"),
            value: r
                .preferred_channel
                .map(|c| t(lang, &format!("channel-{}", c.as_str())))
                .unwrap_or_else(unknown),
        },
        Fact {
            label: t(lang, "requester-consent-email"),
            value: consent_text(lang, &r.consent_email),
        },
        Fact {
            label: t(lang, "requester-consent-phone"),
            value: consent_text(lang, &r.consent_phone),
        },
    ];
    if let Some(o) = &r.organisation {
        facts.push(Fact {
            label: t(lang, "requester-organisation"),
            value: o.name.clone(),
        });
        if let Some(n) = &o.registration_number {
            facts.push(Fact {
                label: t(lang, "requester-registration-number"),
                value: n.clone(),
            });
        }
    }
    if let Some(into) = r.merged_into {
        facts.push(Fact {
            label: t(lang, "requester-merged-into"),
            value: format!("#{into}"),
        });
    }
    let points = |list: &[atbalsts_store::requesters::ContactPoint]| {
        list.iter()
            .map(|p| PointLine {
                value: p.value.clone(),
                note: {
                    let source = t_args(lang, "requester-source", &[("source", &p.source)]);
                    if p.primary {
                        format!("{}, {source}", t(lang, "requester-primary"))
                    } else {
                        source
                    }
                },
            })
            .collect()
    };
    let base = localized(lang, &format!("/staff/requesters/{id}"));
    let (status, error) = match error {
        Some((status, text)) => (status, Some(text)),
        None => (problems.status(), None),
    };
    render(
        status,
        RecordPage {
            page: Page::workspace(
                lang,
                format!("{} (#{})", r.name, r.id),
                uri,
                &session.staff,
                &session.csrf_token,
            ),
            notice,
            error,
            facts,
            emails: points(&r.emails),
            phones: points(&r.phones),
            tickets: rows(lang, &detail.tickets),
            h: heads(lang),
            history: detail
                .events
                .iter()
                .map(|e| history_line(lang, e))
                .collect(),
            register: Link {
                href: register_href(
                    lang,
                    &r.name,
                    r.phones
                        .iter()
                        .find(|p| p.primary)
                        .or(r.phones.first())
                        .map(|p| p.value.as_str()),
                    r.emails
                        .iter()
                        .find(|p| p.primary)
                        .or(r.emails.first())
                        .map(|p| p.value.as_str()),
                ),
                text: t(lang, "requester-register-contact"),
            },
            csrf: session.csrf_token.clone(),
            merge_action: format!("{base}/merge"),
            split_action: format!("{base}/split"),
            other,
            problems,
            problems_heading: t(lang, "form-problems-heading"),
            l: RecordTexts {
                details: t(lang, "requester-details"),
                emails: t(lang, "requester-emails"),
                phones: t(lang, "requester-phones"),
                tickets: t(lang, "requester-tickets"),
                tickets_scope: t(lang, "requester-tickets-scope"),
                no_tickets: t(lang, "requester-no-tickets"),
                history: t(lang, "requester-history"),
                split: t(lang, "requester-split"),
                split_done: t(lang, "requester-split-done"),
                merge_heading: t(lang, "requester-merge-heading"),
                merge_intro: t(lang, "requester-merge-intro"),
                merge_other: t(lang, "requester-merge-other"),
                merge_button: t(lang, "requester-merge-button"),
                none: t(lang, "requester-unknown"),
            },
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MergeForm {
    csrf: String,
    other: String,
}

async fn merge(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    form: Result<Form<MergeForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, form) = match posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let Some(id) = parse_id(&id) else {
        return not_found(lang, &uri);
    };
    let other_text = form.other.trim().trim_start_matches('#').to_string();
    let mut p = Problems::default();
    let Some(other) = parse_id(&other_text) else {
        p.add(lang, "other", "requester-merge-error-number");
        return show(&s, lang, &uri, &session, id, None, None, p, other_text).await;
    };
    let actor = Actor::Staff(session.staff.clone());
    match s.store.merge_requesters(&actor, id, other).await {
        Ok(_) => Redirect::to(&format!(
            "{}?done=merged",
            localized(lang, &format!("/staff/requesters/{id}"))
        ))
        .into_response(),
        Err(StoreError::NotFound(what)) if what == format!("requester {other}") => {
            p.add(lang, "other", "requester-merge-error-missing");
            show(&s, lang, &uri, &session, id, None, None, p, other_text).await
        }
        Err(StoreError::NotFound(_)) => not_found(lang, &uri),
        Err(StoreError::Domain(e)) => {
            let status = match e {
                atbalsts_domain::DomainError::Forbidden(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::CONFLICT,
            };
            let text = refusal::text(lang, &e);
            show(
                &s,
                lang,
                &uri,
                &session,
                id,
                None,
                Some((status, text)),
                p,
                other_text,
            )
            .await
        }
        Err(e) => unavailable(lang, &uri, &e.to_string()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SplitForm {
    csrf: String,
    event: String,
}

async fn split(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    form: Result<Form<SplitForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, form) = match posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let (Some(id), Some(event)) = (parse_id(&id), parse_id(form.event.trim())) else {
        return not_found(lang, &uri);
    };
    let actor = Actor::Staff(session.staff.clone());
    match s.store.split_requester(&actor, id, event).await {
        Ok(_) => Redirect::to(&format!(
            "{}?done=split",
            localized(lang, &format!("/staff/requesters/{id}"))
        ))
        .into_response(),
        Err(StoreError::NotFound(_)) => not_found(lang, &uri),
        Err(StoreError::Domain(e)) => {
            let status = match e {
                atbalsts_domain::DomainError::Forbidden(_) => StatusCode::FORBIDDEN,
                _ => StatusCode::CONFLICT,
            };
            let text = refusal::text(lang, &e);
            let p = Problems::default();
            show(
                &s,
                lang,
                &uri,
                &session,
                id,
                None,
                Some((status, text)),
                p,
                String::new(),
            )
            .await
        }
        Err(e) => unavailable(lang, &uri, &e.to_string()),
    }
}

// --- the screen pop of a call --------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallParams {
    number: String,
}

#[derive(Template)]
#[template(path = "staff_calls.html")]
struct CallPage {
    page: Page,
    intro: String,
    action: String,
    label: String,
    button: String,
    number: String,
    problems: Problems,
    problems_heading: String,
    /// Set once a number was looked up.
    looked_up: bool,
    unknown: String,
    requester: Option<Link>,
    requester_facts: Vec<Fact>,
    open_heading: String,
    open: Vec<TicketRow>,
    recent_heading: String,
    recent: Vec<TicketRow>,
    none: String,
    h: TicketHeads,
    register: Link,
}

async fn call(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    params: Result<Query<CallParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let typed: String = params
        .map(|Query(p)| p.number)
        .unwrap_or_default()
        .trim()
        .chars()
        .take(64)
        .collect();
    let mut problems = Problems::default();
    let actor = Actor::Staff(session.staff.clone());
    let pop = if typed.is_empty() {
        None
    } else {
        match s.store.screen_pop(&actor, &typed).await {
            Ok(pop) => Some(pop),
            Err(e) => return unavailable(lang, &uri, &e.to_string()),
        }
    };
    if pop.as_ref().is_some_and(|p| p.number.is_none()) {
        problems.add(lang, "number", "calls-error-number");
    }
    let number = pop.as_ref().and_then(|p| p.number.clone());
    let found = pop.as_ref().and_then(|p| p.requester.as_ref());
    let register = Link {
        href: register_href(
            lang,
            found.map_or("", |r| r.name.as_str()),
            number
                .as_deref()
                .or(Some(typed.as_str()))
                .filter(|n| !n.is_empty()),
            found.and_then(|r| r.email.as_deref()),
        ),
        text: t(lang, "calls-register"),
    };
    let mut requester_facts = Vec::new();
    if let Some(r) = found {
        for (key, value) in [
            ("col-email", &r.email),
            ("col-phone", &r.phone),
            ("col-organisation", &r.organisation),
        ] {
            if let Some(v) = value {
                requester_facts.push(Fact {
                    label: t(lang, key),
                    value: v.clone(),
                });
            }
        }
    }
    render(
        problems.status(),
        CallPage {
            page: Page::workspace(
                lang,
                t(lang, "calls-heading"),
                &uri,
                &session.staff,
                &session.csrf_token,
            ),
            intro: t(lang, "calls-intro"),
            action: localized(lang, "/staff/calls"),
            label: t(lang, "calls-number"),
            button: t(lang, "calls-button"),
            looked_up: pop.as_ref().is_some_and(|p| p.number.is_some()),
            unknown: t(lang, "calls-unknown"),
            requester: found.map(|r| Link {
                href: localized(lang, &format!("/staff/requesters/{}", r.id)),
                text: r.name.clone(),
            }),
            requester_facts,
            open_heading: t(lang, "calls-open"),
            open: pop
                .as_ref()
                .map(|p| rows(lang, &p.open_tickets))
                .unwrap_or_default(),
            recent_heading: t(lang, "calls-recent"),
            recent: pop
                .as_ref()
                .map(|p| rows(lang, &p.recent_tickets))
                .unwrap_or_default(),
            none: t(lang, "requester-no-tickets"),
            h: heads(lang),
            register,
            number: number.unwrap_or(typed),
            problems,
            problems_heading: t(lang, "form-problems-heading"),
        },
    )
}
