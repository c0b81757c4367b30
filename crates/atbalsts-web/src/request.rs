//! Contacting support from the portal: the request form, and the private
//! ticket page behind the link it returns (thread, reply, rating).
//!
//! The link carries the ticket's access token; the page is sent with
//! `Referrer-Policy: same-origin` and `Cache-Control: no-store` so the token
//! does not leak to other sites or shared caches.

use super::csrf::{PublicToken, public_form};
use super::files::{self, FileLink, WithFiles};
use super::i18n::t;
use super::page::{
    Page, Problems, in_lang, iso_time, local_time, localized, message, not_found, render,
    unavailable,
};
use crate::AppState;
use crate::extract::ClientIp;
use askama::Template;
use atbalsts_domain::validate::{self, is_email};
use atbalsts_domain::{Actor, Channel, DomainError, Kind, Level, Priority, Status};
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::tickets::{ChangeRequest, IdempotencyKey, NewRequester, NewTicket};
use axum::Router;
use axum::extract::{Extension, OriginalUri, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests/new", get(new_form).post(submit))
        .route("/t/{token}", get(ticket_page))
        .route("/t/{token}/reply", post(reply))
        .route("/t/{token}/rate", post(rate))
        .route("/t/{token}/files/{file}", get(requester_file))
}

/// The ways a requester may ask to be answered.
const PREFERRED: [&str; 3] = ["email", "phone", "portal"];
/// What a request can be about, as the form offers it.
const KINDS: [Kind; 4] = [
    Kind::Consultation,
    Kind::Incident,
    Kind::Complaint,
    Kind::Suggestion,
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    csrf: String,
    form_id: String,
    service: String,
    kind: String,
    subject: String,
    description: String,
    name: String,
    email: String,
    phone: String,
    preferred: String,
    consent: Option<String>,
}

struct RequestTexts {
    intro: String,
    service: String,
    service_hint: String,
    service_unknown: String,
    subject: String,
    description: String,
    description_hint: String,
    name: String,
    email: String,
    phone: String,
    preferred: String,
    consent: String,
    submit: String,
    files: String,
    files_hint: String,
}

impl RequestTexts {
    fn new(lang: Lang) -> Self {
        Self {
            intro: t(lang, "request-intro"),
            service: t(lang, "request-service"),
            service_hint: t(lang, "request-service-hint"),
            service_unknown: t(lang, "request-service-unknown"),
            subject: t(lang, "request-subject"),
            description: t(lang, "request-description"),
            description_hint: t(lang, "request-description-hint"),
            name: t(lang, "request-name"),
            email: t(lang, "request-email"),
            phone: t(lang, "request-phone"),
            preferred: t(lang, "request-preferred"),
            consent: t(lang, "request-consent"),
            submit: t(lang, "request-submit"),
            files: t(lang, "files-label"),
            files_hint: t(lang, "files-hint"),
        }
    }
}

#[derive(Template)]
#[template(path = "request_new.html")]
struct RequestPage {
    page: Page,
    t: RequestTexts,
    action: String,
    csrf: String,
    form: RequestForm,
    /// Institution name → its services (code, name).
    services: Vec<(String, Vec<(String, String)>)>,
    preferred: Vec<(&'static str, String)>,
    kinds: Vec<(&'static str, String)>,
    kind_label: String,
    problems: Problems,
    problems_heading: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewParams {
    service: String,
}

async fn new_form(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    params: Result<Query<NewParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let csrf = PublicToken::of(&jar);
    let form = RequestForm {
        service: params.map(|Query(p)| p.service).unwrap_or_default(),
        form_id: atbalsts_store::tickets::new_secret(),
        preferred: "email".into(),
        kind: Kind::Consultation.as_str().into(),
        ..RequestForm::default()
    };
    let page = request_page(&s, lang, &uri, &csrf.token, form, Problems::default()).await;
    (csrf.save(jar, s.secure_cookies), page).into_response()
}

async fn request_page(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    csrf: &str,
    form: RequestForm,
    problems: Problems,
) -> Response {
    let (services, institutions) =
        match tokio::try_join!(s.store.services(None, None), s.store.institutions()) {
            Ok(both) => both,
            Err(e) => return unavailable(lang, uri, &e.to_string()),
        };
    let mut groups: Vec<(String, Vec<(String, String)>)> = institutions
        .iter()
        .map(|i| {
            let list = services
                .iter()
                .filter(|sv| sv.institution == i.code)
                .map(|sv| {
                    (
                        sv.code.clone(),
                        in_lang(lang, &sv.name_lv, sv.name_en.as_deref()),
                    )
                })
                .collect();
            (in_lang(lang, &i.name_lv, i.name_en.as_deref()), list)
        })
        .filter(|(_, list): &(String, Vec<_>)| !list.is_empty())
        .collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let status = problems.status();
    let mut title = t(lang, "request-heading");
    if !problems.is_empty() {
        title = format!("{} — {title}", t(lang, "form-has-errors"));
    }
    render(
        status,
        RequestPage {
            page: Page::new(lang, title, uri),
            t: RequestTexts::new(lang),
            action: localized(lang, "/requests/new"),
            csrf: csrf.to_string(),
            form,
            services: groups,
            preferred: PREFERRED
                .iter()
                .map(|p| (*p, t(lang, &format!("request-preferred-{p}"))))
                .collect(),
            kinds: KINDS
                .iter()
                .map(|k| (k.as_str(), t(lang, &format!("request-kind-{}", k.as_str()))))
                .collect(),
            kind_label: t(lang, "request-kind"),
            problems,
            problems_heading: t(lang, "form-problems-heading"),
        },
    )
}

/// Check the form as a person filled it in; every problem is reported at once.
fn check_request(lang: Lang, f: &RequestForm) -> Problems {
    let mut p = Problems::default();
    let subject = f.subject.trim();
    if subject.is_empty() {
        p.add(lang, "subject", "request-error-subject");
    } else if subject.chars().count() > validate::MAX_SUBJECT {
        p.add(lang, "subject", "request-error-subject-long");
    } else if validate::has_control_chars(subject) {
        p.add(lang, "subject", "form-error-control");
    }
    let description = f.description.trim();
    if description.is_empty() {
        p.add(lang, "description", "request-error-description");
    } else if description.chars().count() > validate::MAX_BODY {
        p.add(lang, "description", "request-error-description-long");
    } else if validate::has_control_chars(description) {
        p.add(lang, "description", "form-error-control");
    }
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > validate::MAX_NAME {
        p.add(lang, "name", "request-error-name");
    } else if validate::has_control_chars(name) {
        p.add(lang, "name", "form-error-control");
    }
    let email = f.email.trim();
    let phone = f.phone.trim();
    if !email.is_empty() && !is_email(email) {
        p.add(lang, "email", "request-error-email");
    }
    if !phone.is_empty() && !is_phone(phone) {
        p.add(lang, "phone", "request-error-phone");
    }
    match f.preferred.as_str() {
        "email" if email.is_empty() => p.add(lang, "email", "request-error-email-needed"),
        "phone" if phone.is_empty() => p.add(lang, "phone", "request-error-phone-needed"),
        "portal" if email.is_empty() && phone.is_empty() => {
            p.add(lang, "email", "request-error-contact-needed");
        }
        "email" | "phone" | "portal" => {}
        _ => p.add(lang, "preferred", "request-error-preferred"),
    }
    if !KINDS.iter().any(|k| k.as_str() == f.kind) {
        p.add(lang, "kind", "request-error-kind");
    }
    if f.consent.as_deref() != Some("yes") {
        p.add(lang, "consent", "request-error-consent");
    }
    p
}

/// Digits with an optional leading `+`, spaces and dashes allowed between.
fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && s.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || c == ' ' || c == '-' || (c == '+' && i == 0))
}

async fn submit(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    WithFiles {
        form,
        files,
        breach,
    }: WithFiles<RequestForm>,
) -> Response {
    let mut form = match public_form(lang, &uri, &jar, form, |f| &f.csrf) {
        Ok(form) => form,
        Err(response) => return response,
    };
    if s.limits.public_write(ip).is_err() {
        return message(
            lang,
            &uri,
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-heading",
            "too-many-text",
        );
    }
    let csrf = form.csrf.clone();
    let mut problems = check_request(lang, &form);
    if let Some(b) = &breach {
        files::breach_problem(lang, &mut problems, "files", b);
    }
    // The service decides the institution; without one the central help desk takes it.
    let service = form.service.trim().to_string();
    let institution = if service.is_empty() {
        s.handoff_institution.clone()
    } else {
        match s.store.service(&service).await {
            Ok(sv) => Some(sv.institution),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return unavailable(lang, &uri, &e.to_string()),
        }
    };
    if institution.is_none() {
        problems.add(
            lang,
            "service",
            if service.is_empty() {
                "request-error-service-needed"
            } else {
                "request-error-service"
            },
        );
    }
    let (Some(institution), true) = (institution, problems.is_empty()) else {
        return request_page(&s, lang, &uri, &csrf, form, problems).await;
    };
    let non_empty = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let new = NewTicket {
        institution,
        service: non_empty(&service),
        resource: None,
        life_situation: None,
        channel: Channel::Portal,
        location: None,
        kind: Kind::parse(&form.kind).unwrap_or(Kind::Consultation),
        priority: Priority::Normal,
        level: Level::Specialist,
        subject: form.subject.trim().to_string(),
        description: form.description.trim().to_string(),
        tags: vec![format!("answer-by-{}", form.preferred)],
        requester: NewRequester {
            name: form.name.trim().to_string(),
            email: non_empty(&form.email),
            phone: non_empty(&form.phone),
            personal_code: None,
        },
        // The page's language is the one the person chose to write in.
        language: lang.code().to_string(),
        group: None,
    };
    // A form sent twice (a double click, a reload) makes one ticket, not two.
    let idem = (form.form_id.len() >= 16 && form.form_id.len() <= 100).then(|| IdempotencyKey {
        actor: "portal-form".into(),
        key: form.form_id.clone(),
        request_hash: atbalsts_store::tickets::token_hash(&format!(
            "{}\u{1f}{}\u{1f}{}",
            new.subject, new.description, new.requester.name
        )),
    });
    let stored = match files::store(&s, files).await {
        Ok(stored) => stored,
        Err(e) => return unavailable(lang, &uri, &e),
    };
    let created = s
        .store
        .create_ticket_with(&Actor::Anonymous, new, idem, stored.clone())
        .await;
    if created.as_ref().map_or(true, |c| c.replayed) {
        files::discard(&s, &stored).await;
    }
    match created {
        Ok(created) => match created.access_token {
            Some(token) => Redirect::to(&format!(
                "{}?new=1",
                localized(lang, &format!("/t/{token}"))
            ))
            .into_response(),
            None => unavailable(lang, &uri, "a new request got no access token"),
        },
        Err(StoreError::Domain(DomainError::Invalid(errors))) => {
            for e in errors {
                tracing::info!(field = %e.field, message = %e.message, "request form refused");
            }
            form.service.clear();
            problems.add(lang, "service", "request-error-service");
            request_page(&s, lang, &uri, &csrf, form, problems).await
        }
        Err(StoreError::Domain(DomainError::Conflict(_))) => {
            // The same form id with other content: show the form again with a fresh id.
            form.form_id = atbalsts_store::tickets::new_secret();
            problems.add(lang, "subject", "request-error-resent");
            request_page(&s, lang, &uri, &csrf, form, problems).await
        }
        Err(e) => unavailable(lang, &uri, &e.to_string()),
    }
}

struct TicketTexts {
    number: String,
    status: String,
    handled_by: String,
    service: String,
    created: String,
    answer_by: String,
    resolution: String,
    thread: String,
    rate_heading: String,
    rate_question: String,
    rate_comment: String,
    rate_submit: String,
    reply_heading: String,
    reply_label: String,
    reply_reopens: String,
    reply_submit: String,
    closed_text: String,
}

impl TicketTexts {
    fn new(lang: Lang) -> Self {
        Self {
            number: t(lang, "ticket-number"),
            status: t(lang, "ticket-status"),
            handled_by: t(lang, "ticket-handled-by"),
            service: t(lang, "ticket-service"),
            created: t(lang, "ticket-created"),
            answer_by: t(lang, "ticket-answer-by"),
            resolution: t(lang, "ticket-resolution"),
            thread: t(lang, "ticket-thread"),
            rate_heading: t(lang, "rate-heading"),
            rate_question: t(lang, "rate-question"),
            rate_comment: t(lang, "rate-comment"),
            rate_submit: t(lang, "rate-submit"),
            reply_heading: t(lang, "reply-heading"),
            reply_label: t(lang, "reply-label"),
            reply_reopens: t(lang, "reply-reopens"),
            reply_submit: t(lang, "reply-submit"),
            closed_text: t(lang, "ticket-closed-text"),
        }
    }
}

struct Notice {
    heading: String,
    text: String,
    link: Option<String>,
    link_label: String,
}

struct ThreadItem {
    author: String,
    from_staff: bool,
    when: String,
    iso: String,
    body: String,
    files: Vec<FileLink>,
}

#[derive(Template)]
#[template(path = "ticket_private.html")]
struct TicketPage {
    page: Page,
    t: TicketTexts,
    notice: Option<Notice>,
    number: String,
    status: String,
    institution: String,
    service: Option<String>,
    created: String,
    created_iso: String,
    /// The last day of the legal answer term, while the submission waits for its answer.
    answer_by: Option<String>,
    resolution: Option<String>,
    thread: Vec<ThreadItem>,
    can_reply: bool,
    resolved: bool,
    can_rate: bool,
    rating: Option<String>,
    scores: Vec<(u8, String, bool)>,
    csrf: String,
    reply_action: String,
    rate_action: String,
    problems: Problems,
    problems_heading: String,
    files_label: String,
    files_hint: String,
    files_heading: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TicketParams {
    new: Option<String>,
    done: Option<String>,
}

/// The requester of the ticket an access token opens and that ticket, or the
/// page to answer instead (404 for a token that is malformed or unknown).
async fn requester(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    token: &str,
) -> Result<(Actor, i64), Response> {
    let well_formed = (32..=100).contains(&token.len())
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !well_formed {
        return Err(not_found(lang, uri));
    }
    match s.store.ticket_id_by_access_token(token).await {
        Ok(Some(ticket_id)) => Ok((Actor::Requester { ticket_id }, ticket_id)),
        Ok(None) => Err(not_found(lang, uri)),
        Err(e) => Err(unavailable(lang, uri, &e.to_string())),
    }
}

/// The full address of `path` on this site, for the person to keep. A proxy's
/// `X-Forwarded-Proto` wins; otherwise HTTPS is assumed when cookies are Secure,
/// except on loopback, where the demo runs on plain HTTP.
fn absolute(headers: &axum::http::HeaderMap, secure: bool, path: &str) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(host) = header("host").filter(|h| {
        h.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    }) else {
        return path.to_string();
    };
    let loopback =
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
    let scheme = match header("x-forwarded-proto") {
        Some("https") => "https",
        Some("http") => "http",
        _ if secure && !loopback => "https",
        _ => "http",
    };
    format!("{scheme}://{host}{path}")
}

/// Responses that show the secret link must not be cached or leak it to other sites.
fn private(response: Response) -> Response {
    let mut response = response;
    let headers = response.headers_mut();
    // Not `no-referrer`: with it Chromium sends `Origin: null` on the page's own
    // forms, which the same-origin check must refuse. `same-origin` keeps the
    // address (the token) from every other site all the same.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn ticket_page(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    params: Result<Query<TicketParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let notice = if params.new.is_some() {
        let path = localized(lang, &format!("/t/{token}"));
        Some(Notice {
            heading: t(lang, "request-received-heading"),
            text: t(lang, "request-received-text"),
            link: Some(absolute(&headers, s.secure_cookies, &path)),
            link_label: t(lang, "request-received-link"),
        })
    } else {
        params.done.as_deref().and_then(|done| {
            let key = match done {
                "reply" => "reply-sent",
                "rate" => "rate-thanks",
                _ => return None,
            };
            Some(Notice {
                heading: t(lang, key),
                text: String::new(),
                link: None,
                link_label: String::new(),
            })
        })
    };
    let csrf = PublicToken::of(&jar);
    let page = show_ticket(
        &s,
        lang,
        &uri,
        &token,
        &csrf.token,
        notice,
        Problems::default(),
    )
    .await;
    private((csrf.save(jar, s.secure_cookies), page).into_response())
}

async fn show_ticket(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    token: &str,
    csrf: &str,
    notice: Option<Notice>,
    problems: Problems,
) -> Response {
    let (actor, ticket_id) = match requester(s, lang, uri, token).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let loaded = tokio::try_join!(
        s.store.ticket(&actor, ticket_id),
        s.store.messages(&actor, ticket_id),
        s.store.rating(&actor, ticket_id),
        s.store.institutions(),
    );
    let (ticket, messages, rating, institutions) = match loaded {
        Ok(all) => all,
        Err(e) => return unavailable(lang, uri, &e.to_string()),
    };
    let institution = institutions
        .iter()
        .find(|i| i.code == ticket.institution)
        .map_or_else(
            || ticket.institution.clone(),
            |i| in_lang(lang, &i.name_lv, i.name_en.as_deref()),
        );
    let service = match &ticket.service {
        Some(code) => s
            .store
            .service(code)
            .await
            .ok()
            .map(|sv| in_lang(lang, &sv.name_lv, sv.name_en.as_deref())),
        None => None,
    };
    let base = files::requester_base(lang, token);
    let mut thread = vec![ThreadItem {
        author: t(lang, "thread-you"),
        from_staff: false,
        when: local_time(lang, &ticket.created_at),
        iso: ticket.created_at.clone(),
        body: ticket.description.clone(),
        files: files::request_files(s, &actor, ticket_id, &base).await,
    }];
    thread.extend(messages.into_iter().map(|m| {
        let from_staff = m.author_kind == "staff";
        ThreadItem {
            author: if from_staff {
                format!("{} ({})", m.author_name, t(lang, "thread-support"))
            } else {
                t(lang, "thread-you")
            },
            from_staff,
            when: local_time(lang, &m.created_at),
            iso: iso_time(m.created_micros),
            body: m.body,
            files: files::links(m.attachments, &base),
        }
    }));
    let resolved = ticket.status == Status::Resolved;
    let can_rate = matches!(ticket.status, Status::Resolved | Status::Closed);
    let current = rating.as_ref().map(|r| r.score);
    let path = |action: &str| localized(lang, &format!("/t/{token}/{action}"));
    render(
        problems.status(),
        TicketPage {
            page: Page::new(lang, ticket.subject.clone(), uri),
            t: TicketTexts::new(lang),
            notice,
            number: ticket.number.clone(),
            status: t(lang, &format!("status-{}", ticket.status.as_str())),
            institution,
            service,
            created: local_time(lang, &ticket.created_at),
            created_iso: ticket.created_at.clone(),
            answer_by: ticket
                .legal
                .as_ref()
                .filter(|l| l.answered_at.is_none())
                .and_then(|l| l.due_date.parse::<jiff::civil::Date>().ok())
                .map(|d| match lang {
                    Lang::Lv => d.strftime("%d.%m.%Y.").to_string(),
                    Lang::En => d.strftime("%-d %B %Y").to_string(),
                }),
            resolution: ticket.resolution.clone(),
            thread,
            can_reply: ticket.status != Status::Closed,
            resolved,
            can_rate,
            rating: rating.map(|r| super::i18n::t_count(lang, "rate-given", usize::from(r.score))),
            scores: (1..=5u8)
                .rev()
                .map(|n| (n, t(lang, &format!("rate-score-{n}")), current == Some(n)))
                .collect(),
            csrf: csrf.to_string(),
            reply_action: path("reply"),
            rate_action: path("rate"),
            problems,
            problems_heading: t(lang, "form-problems-heading"),
            files_label: t(lang, "files-label"),
            files_hint: t(lang, "files-hint"),
            files_heading: t(lang, "files-heading"),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReplyForm {
    csrf: String,
    body: String,
}

async fn reply(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    jar: CookieJar,
    WithFiles {
        form,
        files,
        breach,
    }: WithFiles<ReplyForm>,
) -> Response {
    let form = match public_form(lang, &uri, &jar, form, |f| &f.csrf) {
        Ok(form) => form,
        Err(response) => return response,
    };
    if s.limits.public_write(ip).is_err() {
        return message(
            lang,
            &uri,
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-heading",
            "too-many-text",
        );
    }
    let (actor, ticket_id) = match requester(&s, lang, &uri, &token).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let body = form.body.trim().to_string();
    let mut problems = Problems::default();
    if body.is_empty() {
        problems.add(lang, "body", "reply-error-empty");
    } else if body.chars().count() > validate::MAX_BODY {
        problems.add(lang, "body", "reply-error-long");
    } else if validate::has_control_chars(&body) {
        problems.add(lang, "body", "form-error-control");
    }
    if let Some(b) = &breach {
        files::breach_problem(lang, &mut problems, "files", b);
    }
    if problems.is_empty() {
        let change = ChangeRequest::Reply {
            body,
            await_requester: false,
        };
        let stored = match files::store(&s, files).await {
            Ok(stored) => stored,
            Err(e) => return unavailable(lang, &uri, &e),
        };
        let changed = s
            .store
            .change_ticket_with(&actor, ticket_id, change, &stored)
            .await;
        if changed.is_err() {
            files::discard(&s, &stored).await;
        }
        match changed {
            Ok(_) => return done(lang, &token, "reply"),
            Err(StoreError::Domain(DomainError::Conflict(_))) => {
                problems.add(lang, "body", "reply-error-closed");
            }
            Err(StoreError::Domain(DomainError::Invalid(_))) => {
                problems.add(lang, "body", "reply-error-empty");
            }
            Err(e) => return unavailable(lang, &uri, &e.to_string()),
        }
    }
    private(show_ticket(&s, lang, &uri, &token, &form.csrf, None, problems).await)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RateForm {
    csrf: String,
    score: String,
    comment: String,
}

async fn rate(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(token): Path<String>,
    jar: CookieJar,
    form: Result<Form<RateForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let form = match public_form(lang, &uri, &jar, form, |f| &f.csrf) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let (actor, ticket_id) = match requester(&s, lang, &uri, &token).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let mut problems = Problems::default();
    let score = form.score.trim().parse::<i64>().unwrap_or(0);
    let comment = Some(form.comment.as_str());
    match s.store.rate_ticket(&actor, ticket_id, score, comment).await {
        Ok(_) => return done(lang, &token, "rate"),
        Err(StoreError::Domain(DomainError::Invalid(errors))) => {
            for e in errors {
                if e.field == "comment" {
                    problems.add(lang, "comment", "rate-error-comment");
                } else {
                    problems.add(lang, "score", "rate-error-score");
                }
            }
        }
        Err(StoreError::Domain(DomainError::Conflict(_) | DomainError::Forbidden(_))) => {
            problems.add(lang, "score", "rate-error-not-yet");
        }
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    }
    private(show_ticket(&s, lang, &uri, &token, &form.csrf, None, problems).await)
}

/// A file of the ticket the link opens (never an internal note's).
async fn requester_file(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path((token, file)): Path<(String, String)>,
) -> Response {
    match requester(&s, lang, &uri, &token).await {
        Ok((actor, ticket)) => {
            private(files::download(&s, lang, &uri, &actor, ticket, &file).await)
        }
        Err(response) => response,
    }
}

/// After a change, back to the ticket (a reload does not send the form again).
fn done(lang: Lang, token: &str, what: &str) -> Response {
    private(
        Redirect::to(&format!(
            "{}?done={what}",
            localized(lang, &format!("/t/{token}"))
        ))
        .into_response(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_as_people_write_them() {
        assert!(is_phone("+371 2000 0000"));
        assert!(is_phone("67 123-456"));
        assert!(!is_phone("12 34"));
        assert!(!is_phone("2000 0000+"));
        assert!(!is_phone("call me"));
    }

    #[test]
    fn the_form_reports_every_problem_at_once() {
        let empty = RequestForm::default();
        let p = check_request(Lang::Lv, &empty);
        for field in [
            "subject",
            "description",
            "name",
            "preferred",
            "kind",
            "consent",
        ] {
            assert!(p.of(field).is_some(), "{field}");
        }
        let ok = RequestForm {
            subject: "Nevaru pieteikties".into(),
            description: "Portāls rāda kļūdu".into(),
            name: "Anna Bērziņa".into(),
            email: "anna@example.lv".into(),
            preferred: "email".into(),
            kind: "incident".into(),
            consent: Some("yes".into()),
            ..RequestForm::default()
        };
        assert!(check_request(Lang::Lv, &ok).is_empty());
        let by_phone_without_one = RequestForm {
            preferred: "phone".into(),
            ..ok
        };
        assert!(
            check_request(Lang::En, &by_phone_without_one)
                .of("phone")
                .is_some()
        );
    }
}
