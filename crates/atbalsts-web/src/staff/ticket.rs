//! One ticket as staff work it: the thread with notes, the requester and
//! their other tickets, related articles, the audit trail, and the actions
//! (reply, note, take, group, level, transfer, resolve, reopen). Every action
//! goes through the same store call as the API, so the same rules apply.

use super::{Choice, posted, signed_in};
use crate::AppState;
use crate::files::{self, FileLink, WithFiles};
use crate::i18n::t;
use crate::page::{
    Page, Problems, in_lang, iso_time, local_time, localized, not_found, render, unavailable,
};
use crate::search::ArticleQuery;
use askama::Template;
use atbalsts_domain::{Actor, DomainError, Level, Status};
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::signin::Session;
use atbalsts_store::tickets::{ChangeRequest, TicketFilter};
use axum::extract::{Extension, OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

struct ThreadItem {
    author: String,
    class: &'static str,
    label: Option<String>,
    /// The channel a requester's message came on, as one history spans several.
    via: Option<String>,
    when: String,
    iso: String,
    body: String,
    files: Vec<FileLink>,
}

struct Fact {
    label: String,
    value: String,
}

struct Link {
    href: String,
    text: String,
}

struct EventLine {
    when: String,
    iso: String,
    who: String,
    what: String,
}

/// A message the desk wrote about the ticket, with its delivery.
struct MailLine {
    when: String,
    iso: String,
    to: String,
    subject: String,
    status: String,
    /// Not delivered (failed or bounced): shown as a problem.
    failed: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "staff_ticket.html")]
struct TicketPage {
    page: Page,
    a: ActionTexts,
    notice: Option<String>,
    error: Option<String>,
    facts: Vec<Fact>,
    thread: Vec<ThreadItem>,
    requester: Vec<Fact>,
    /// The requester's record (every ticket of theirs in scope, across channels).
    requester_link: Link,
    other_tickets: Vec<Link>,
    articles: Vec<Link>,
    events: Vec<EventLine>,
    mail: Vec<MailLine>,
    /// Recorded contacts and their form; a connector's conversation and deliveries.
    ch: super::ticket_channels::ChannelsSection,
    csrf: String,
    action_base: String,
    open: bool,
    resolved: bool,
    /// The latest day the legal term may be extended to, while it can be.
    legal_extendable: Option<String>,
    /// Transferred here from this institution (its name), waiting to be accepted or returned.
    transfer_pending: Option<String>,
    /// Assigned to the person looking: no "take it".
    mine: bool,
    level: u8,
    groups: Vec<Choice>,
    institutions: Vec<Choice>,
    problems: Problems,
    problems_heading: String,
}

/// The texts of the page's sections and forms.
struct ActionTexts {
    thread: String,
    requester: String,
    other_tickets: String,
    none: String,
    articles: String,
    history: String,
    mail: String,
    actions: String,
    reply: String,
    reply_label: String,
    await_requester: String,
    note: String,
    note_label: String,
    take: String,
    group: String,
    group_label: String,
    level_up: String,
    level_down: String,
    reason: String,
    transfer: String,
    transfer_to: String,
    resolve: String,
    resolution: String,
    reopen: String,
    submit: String,
    extend_term: String,
    extend_until: String,
    extend_hint: String,
    transfer_pending: String,
    accept_transfer: String,
    return_transfer: String,
    files: String,
    files_hint: String,
    files_heading: String,
}

impl ActionTexts {
    fn new(lang: Lang) -> Self {
        let k = |key: &str| t(lang, key);
        Self {
            thread: k("ticket-thread"),
            requester: k("staff-requester"),
            other_tickets: k("staff-other-tickets"),
            none: k("staff-none"),
            articles: k("staff-related-articles"),
            history: k("staff-history"),
            mail: k("staff-mail"),
            actions: k("staff-actions"),
            reply: k("action-reply"),
            reply_label: k("action-reply-label"),
            await_requester: k("action-await-requester"),
            note: k("action-note"),
            note_label: k("action-note-label"),
            take: k("action-take"),
            group: k("action-group"),
            group_label: k("action-group-label"),
            level_up: k("action-escalate"),
            level_down: k("action-deescalate"),
            reason: k("action-reason"),
            transfer: k("action-transfer"),
            transfer_to: k("action-transfer-to"),
            resolve: k("action-resolve"),
            resolution: k("action-resolution"),
            reopen: k("action-reopen"),
            extend_term: k("action-extend-term"),
            extend_until: k("action-extend-until"),
            extend_hint: k("action-extend-hint"),
            files: k("files-label"),
            files_hint: k("files-hint"),
            files_heading: k("files-heading"),
            transfer_pending: k("transfer-pending"),
            accept_transfer: k("action-accept-transfer"),
            return_transfer: k("action-return-transfer"),
            submit: k("action-submit"),
        }
    }
}

/// What `?done=` may report: the actions, a registered and a recorded contact.
const DONE: [&str; 10] = [
    "reply",
    "note",
    "take",
    "group",
    "level",
    "transfer",
    "resolve",
    "reopen",
    "registered",
    "contact",
];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ViewParams {
    done: String,
}

fn parse_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

pub async fn page(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    params: Result<Query<ViewParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Some(id) = parse_id(&id) else {
        return not_found(lang, &uri);
    };
    let done = params.map(|Query(p)| p.done).unwrap_or_default();
    let notice = DONE
        .contains(&done.as_str())
        .then(|| t(lang, &format!("done-{done}")));
    show(
        &s,
        lang,
        &uri,
        &session,
        id,
        notice,
        None,
        Problems::default(),
    )
    .await
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
) -> Response {
    let record = super::ticket_channels::RecordForm::default();
    show_all(s, lang, uri, session, id, notice, error, problems, record).await
}

/// The page again with the contact form as it was posted, and its problems.
pub(super) async fn show_with_contact(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    session: &Session,
    id: i64,
    problems: Problems,
    record: super::ticket_channels::RecordForm,
) -> Response {
    show_all(s, lang, uri, session, id, None, None, problems, record).await
}

#[allow(clippy::too_many_arguments)]
async fn show_all(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    session: &Session,
    id: i64,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
    problems: Problems,
    record: super::ticket_channels::RecordForm,
) -> Response {
    let actor = Actor::Staff(session.staff.clone());
    let ticket = match s.store.ticket(&actor, id).await {
        Ok(t) => t,
        Err(StoreError::NotFound(_)) => return not_found(lang, uri),
        Err(StoreError::Domain(DomainError::Forbidden(_))) => return not_found(lang, uri),
        Err(e) => return unavailable(lang, uri, &e.to_string()),
    };
    let others = TicketFilter {
        requester: Some(ticket.requester.id),
        limit: 10,
        ..TicketFilter::default()
    };
    let loaded = tokio::try_join!(
        s.store.messages(&actor, id),
        s.store.events(&actor, id),
        s.store.list_tickets(&actor, &others),
        s.store.groups(Some(&ticket.institution)),
        s.store.institutions(),
        s.store.ticket_mail(id),
    );
    let (messages, events, others, groups, institutions, mail) = match loaded {
        Ok(all) => all,
        Err(e) => return unavailable(lang, uri, &e.to_string()),
    };
    let ch = match super::ticket_channels::section(s, lang, &actor, &ticket, record).await {
        Ok(section) => section,
        Err(e) => return unavailable(lang, uri, &e.to_string()),
    };
    // Related articles: what the knowledge base says about the subject (staff see internal ones).
    let articles = s
        .search
        .articles(ArticleQuery {
            text: format!(
                "{} {}",
                ticket.subject,
                ticket.description.chars().take(300).collect::<String>()
            ),
            lang: atbalsts_search::assistant::detect_language(&ticket.subject).unwrap_or(lang),
            only_lang: None,
            service: None,
            staff: true,
            limit: 5,
        })
        .await
        .map(|found| {
            found
                .hits
                .into_iter()
                .map(|h| Link {
                    // The editor's view: internal articles have no portal page.
                    href: localized(lang, &format!("/staff/kb/{}", h.id)),
                    text: h.title,
                })
                .collect()
        })
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "related articles could not be searched");
            Vec::new()
        });
    let institution_name = |code: &str| {
        institutions.iter().find(|i| i.code == code).map_or_else(
            || code.to_string(),
            |i| in_lang(lang, &i.name_lv, i.name_en.as_deref()),
        )
    };
    let mut facts = vec![
        Fact {
            label: t(lang, "ticket-number"),
            value: ticket.number.clone(),
        },
        Fact {
            label: t(lang, "ticket-status"),
            value: t(lang, &format!("staff-status-{}", ticket.status.as_str())),
        },
        Fact {
            label: t(lang, "col-level"),
            value: t(lang, &format!("level-{}", ticket.level.number())),
        },
        Fact {
            label: t(lang, "ticket-handled-by"),
            value: institution_name(&ticket.institution),
        },
        Fact {
            label: t(lang, "staff-channel"),
            value: t(lang, &format!("channel-{}", ticket.channel.as_str())),
        },
        Fact {
            label: t(lang, "contact-language"),
            value: match ticket.language.as_str() {
                code @ ("lv" | "en") => t(lang, &format!("language-{code}")),
                other => other.to_string(),
            },
        },
        Fact {
            label: t(lang, "staff-kind"),
            value: t(lang, &format!("request-kind-{}", ticket.kind.as_str())),
        },
        Fact {
            label: t(lang, "col-handler"),
            value: match (&ticket.assignee, &ticket.group) {
                (Some(a), Some(g)) => format!("{} ({g})", a.name),
                (Some(a), None) => a.name.clone(),
                (None, Some(g)) => g.clone(),
                (None, None) => "—".into(),
            },
        },
        Fact {
            label: t(lang, "ticket-created"),
            value: local_time(lang, &ticket.created_at),
        },
    ];
    if let Some(code) = &ticket.service {
        let name = match s.store.service(code).await {
            Ok(sv) => format!(
                "{code} — {}",
                in_lang(lang, &sv.name_lv, sv.name_en.as_deref())
            ),
            Err(_) => code.clone(),
        };
        facts.insert(
            4,
            Fact {
                label: t(lang, "ticket-service"),
                value: name,
            },
        );
    }
    if let Some(sla) = &ticket.sla {
        for (key, clock) in [
            ("sla-first-response", &sla.first_response),
            ("sla-next-response", &sla.next_response),
            ("sla-resolution", &sla.resolution),
        ] {
            if let Some(value) = clock.as_ref().map(|c| clock_text(lang, c)) {
                facts.push(Fact {
                    label: t(lang, key),
                    value,
                });
            }
        }
    }
    if let Some(legal) = &ticket.legal {
        facts.push(Fact {
            label: t(lang, "legal-due"),
            value: legal_text(lang, legal),
        });
    }
    if ticket.origin_institution != ticket.institution {
        facts.push(Fact {
            label: t(lang, "staff-origin"),
            value: institution_name(&ticket.origin_institution),
        });
    }
    if let Some(r) = &ticket.resolution {
        facts.push(Fact {
            label: t(lang, "ticket-resolution"),
            value: r.clone(),
        });
    }
    let base = localized(lang, &format!("/staff/tickets/{id}/files"));
    let mut thread = vec![ThreadItem {
        author: ticket.requester.name.clone(),
        class: "",
        label: None,
        via: Some(t(lang, &format!("channel-{}", ticket.channel.as_str()))),
        when: local_time(lang, &ticket.created_at),
        iso: ticket.created_at.clone(),
        body: ticket.description.clone(),
        files: files::request_files(s, &actor, id, &base).await,
    }];
    thread.extend(messages.into_iter().map(|m| ThreadItem {
        class: match (m.internal, m.author_kind.as_str()) {
            (true, _) => "internal",
            (false, "staff") => "from-staff",
            _ => "",
        },
        label: m.internal.then(|| t(lang, "staff-internal-note")),
        via: (m.author_kind == "requester").then(|| t(lang, &format!("channel-{}", m.channel))),
        author: m.author_name,
        when: local_time(lang, &m.created_at),
        iso: iso_time(m.created_micros),
        body: m.body,
        files: files::links(m.attachments, &base),
    }));
    let mut requester = vec![Fact {
        label: t(lang, "request-name"),
        value: ticket.requester.name.clone(),
    }];
    if let Some(email) = &ticket.requester.email {
        requester.push(Fact {
            label: t(lang, "request-email"),
            value: email.clone(),
        });
    }
    if let Some(phone) = &ticket.requester.phone {
        requester.push(Fact {
            label: t(lang, "request-phone"),
            value: phone.clone(),
        });
    }
    let other_tickets = others
        .items
        .into_iter()
        .filter(|o| o.id != id)
        .map(|o| Link {
            href: localized(lang, &format!("/staff/tickets/{}", o.id)),
            text: format!(
                "{} · {} · {}",
                o.number,
                o.subject,
                t(lang, &format!("staff-status-{}", o.status.as_str()))
            ),
        })
        .collect();
    let events = events
        .into_iter()
        .rev()
        .map(|e| EventLine {
            when: local_time(lang, &e.at),
            iso: e.at.clone(),
            who: e.actor_name,
            what: describe_event(lang, &e.kind, &e.data),
        })
        .collect();
    let mail = mail
        .into_iter()
        .rev()
        .map(|m| MailLine {
            when: local_time(lang, &m.created_at),
            iso: m.created_at.clone(),
            to: m.recipient,
            subject: m.subject,
            status: t(lang, &format!("staff-mail-status-{}", m.status)),
            failed: m.status == "failed" || m.status == "bounced",
            error: m.last_error.filter(|_| m.status != "sent"),
        })
        .collect();
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None if problems.is_empty() => (StatusCode::OK, None),
        None => (StatusCode::UNPROCESSABLE_ENTITY, None),
    };
    render(
        status,
        TicketPage {
            page: Page::workspace(
                lang,
                format!("{} {}", ticket.number, ticket.subject),
                uri,
                &session.staff,
                &session.csrf_token,
            ),
            a: ActionTexts::new(lang),
            notice,
            error,
            facts,
            thread,
            requester,
            requester_link: Link {
                href: localized(lang, &format!("/staff/requesters/{}", ticket.requester_id)),
                text: t(lang, "requester-open-record"),
            },
            other_tickets,
            articles,
            events,
            mail,
            ch,
            csrf: session.csrf_token.clone(),
            action_base: localized(lang, &format!("/staff/tickets/{id}")),
            open: ticket.status != Status::Closed,
            resolved: ticket.status == Status::Resolved,
            transfer_pending: ticket
                .transfer_pending_from
                .as_deref()
                .map(institution_name),
            legal_extendable: ticket
                .legal
                .as_ref()
                .filter(|l| l.answered_at.is_none() && l.extendable_to > l.due_date)
                .map(|l| l.extendable_to.clone()),
            mine: ticket.assignee.as_ref().map(|a| a.id) == Some(session.staff.user_id),
            level: ticket.level.number(),
            groups: groups
                .into_iter()
                .map(|g| Choice {
                    label: format!(
                        "{} ({})",
                        in_lang(lang, &g.name_lv, g.name_en.as_deref()),
                        t(lang, &format!("level-{}", g.level))
                    ),
                    value: g.code,
                })
                .collect(),
            institutions: institutions
                .iter()
                .filter(|i| i.code != ticket.institution)
                .map(|i| Choice {
                    value: i.code.clone(),
                    label: in_lang(lang, &i.name_lv, i.name_en.as_deref()),
                })
                .collect(),
            problems,
            problems_heading: t(lang, "form-problems-heading"),
        },
    )
}

/// One line of the audit trail in the page's language.
fn describe_event(lang: Lang, kind: &str, data: &serde_json::Value) -> String {
    if kind == "contact_recorded" {
        let text = |k: &str| data[k].as_str().unwrap_or_default();
        return format!(
            "{}: {}",
            t(lang, "event-contact_recorded"),
            super::ticket_channels::describe(
                lang,
                text("channel"),
                text("direction"),
                data["duration_seconds"].as_i64().unwrap_or_default(),
                text("outcome"),
            )
        );
    }
    let what = t(lang, &format!("event-{kind}"));
    let what = if what == format!("event-{kind}") {
        kind.to_string()
    } else {
        what
    };
    let detail = ["reason", "resolution", "to_institution", "institution"]
        .iter()
        .find_map(|k| data.get(*k).and_then(|v| v.as_str()).map(str::to_string))
        .or_else(|| data.get("to").map(|v| v.to_string()))
        .or_else(|| data.get("score").map(|v| format!("{v}/5")));
    match detail {
        Some(d) if !d.is_empty() => format!("{what}: {d}"),
        _ => what,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActionForm {
    csrf: String,
    body: String,
    await_requester: Option<String>,
    group: String,
    level: String,
    reason: String,
    institution: String,
    resolution: String,
    until: String,
}

pub async fn act(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path((id, action)): Path<(String, String)>,
    jar: CookieJar,
    WithFiles {
        form,
        files,
        breach,
    }: WithFiles<ActionForm>,
) -> Response {
    let (session, form) = match posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let Some(id) = parse_id(&id) else {
        return not_found(lang, &uri);
    };
    let mut problems = Problems::default();
    let text = |v: &str| v.trim().to_string();
    let required = |problems: &mut Problems, field: &'static str, v: &str, max: usize| {
        let v = v.trim();
        if v.is_empty() {
            problems.add(lang, field, "action-error-required");
        } else if v.chars().count() > max {
            problems.add(lang, field, "action-error-long");
        } else if atbalsts_domain::validate::has_control_chars(v) {
            problems.add(lang, field, "form-error-control");
        }
    };
    use atbalsts_domain::validate::{MAX_BODY, MAX_REASON};
    let change = match action.as_str() {
        "reply" => {
            required(&mut problems, "reply-body", &form.body, MAX_BODY);
            ChangeRequest::Reply {
                body: text(&form.body),
                await_requester: form.await_requester.is_some(),
            }
        }
        "note" => {
            required(&mut problems, "note-body", &form.body, MAX_BODY);
            ChangeRequest::Note {
                body: text(&form.body),
            }
        }
        "take" => ChangeRequest::Assign {
            assignee: Some(session.staff.user_id),
            group: None,
        },
        "group" => {
            if form.group.trim().is_empty() {
                problems.add(lang, "group", "action-error-choose");
            }
            ChangeRequest::Assign {
                assignee: None,
                group: Some(text(&form.group)),
            }
        }
        "level" => {
            required(&mut problems, "level-reason", &form.reason, MAX_REASON);
            let to = match form.level.as_str() {
                "1" => Level::Specialist,
                "2" => Level::Expert,
                _ => {
                    problems.add(lang, "level-reason", "action-error-choose");
                    Level::Specialist
                }
            };
            ChangeRequest::ChangeLevel {
                to,
                reason: text(&form.reason),
                group: Some(text(&form.group)).filter(|g| !g.is_empty()),
            }
        }
        "transfer" => {
            if form.institution.trim().is_empty() {
                problems.add(lang, "institution", "action-error-choose");
            }
            required(&mut problems, "transfer-reason", &form.reason, MAX_REASON);
            ChangeRequest::Transfer {
                institution: text(&form.institution),
                reason: text(&form.reason),
            }
        }
        "resolve" => {
            required(&mut problems, "resolution", &form.resolution, MAX_BODY);
            ChangeRequest::Resolve {
                resolution: text(&form.resolution),
            }
        }
        "reopen" => {
            required(&mut problems, "reopen-reason", &form.reason, MAX_REASON);
            ChangeRequest::Reopen {
                reason: Some(text(&form.reason)),
            }
        }
        "accept-transfer" => {
            let actor = Actor::Staff(session.staff.clone());
            let Ok(ticket) = s.store.ticket(&actor, id).await else {
                return not_found(lang, &uri);
            };
            ChangeRequest::AcceptTransfer {
                notice: atbalsts_http::notices::transfer_notice(&s.store, &ticket.institution)
                    .await,
            }
        }
        "return-transfer" => {
            required(&mut problems, "return-reason", &form.reason, MAX_REASON);
            ChangeRequest::ReturnTransfer {
                reason: text(&form.reason),
            }
        }
        "legal-term" => {
            let until = form.until.trim().parse::<jiff::civil::Date>().ok();
            if until.is_none() {
                problems.add(lang, "legal-until", "action-error-date");
            }
            required(&mut problems, "legal-reason", &form.reason, MAX_REASON);
            let until = until.unwrap_or_default();
            ChangeRequest::ExtendLegalTerm {
                until,
                reason: text(&form.reason),
                notice: atbalsts_http::notices::legal_term_notice(until, form.reason.trim()),
            }
        }
        _ => return not_found(lang, &uri),
    };
    // Only a reply or a note carries files; other actions never store them.
    let takes_files = matches!(action.as_str(), "reply" | "note");
    if let (Some(b), true) = (&breach, takes_files) {
        let field = if action == "reply" {
            "reply-files"
        } else {
            "note-files"
        };
        files::breach_problem(lang, &mut problems, field, b);
    }
    if !problems.is_empty() {
        return show(&s, lang, &uri, &session, id, None, None, problems).await;
    }
    let actor = Actor::Staff(session.staff.clone());
    let stored = if takes_files && !files.is_empty() {
        // Nothing is stored for a ticket out of the staff member's sight.
        if s.store.ticket(&actor, id).await.is_err() {
            return not_found(lang, &uri);
        }
        match files::store(&s, files).await {
            Ok(stored) => stored,
            Err(e) => return unavailable(lang, &uri, &e),
        }
    } else {
        Vec::new()
    };
    let changed = s
        .store
        .change_ticket_with(&actor, id, change, &stored)
        .await;
    if changed.is_err() {
        files::discard(&s, &stored).await;
    }
    match changed {
        Ok(after) => {
            // A transfer can take the ticket out of sight: back to the queues then.
            let target = match s.store.ticket(&actor, after.id).await {
                Ok(_) => format!(
                    "{}?done={action}",
                    localized(lang, &format!("/staff/tickets/{id}"))
                ),
                Err(_) => localized(lang, "/staff?queue=recent"),
            };
            Redirect::to(&target).into_response()
        }
        Err(StoreError::NotFound(_)) => not_found(lang, &uri),
        Err(StoreError::Domain(e)) => {
            let status = match &e {
                DomainError::Forbidden(_) => StatusCode::FORBIDDEN,
                DomainError::Conflict(_) => StatusCode::CONFLICT,
                DomainError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let message = super::refusal::text(lang, &e);
            show(
                &s,
                lang,
                &uri,
                &session,
                id,
                None,
                Some((status, message)),
                problems,
            )
            .await
        }
        Err(e) => unavailable(lang, &uri, &e.to_string()),
    }
}

/// A file of a ticket in the staff member's scope.
pub async fn file(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path((id, file)): Path<(String, String)>,
    jar: CookieJar,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let Some(id) = parse_id(&id) else {
        return not_found(lang, &uri);
    };
    let actor = Actor::Staff(session.staff.clone());
    crate::files::download(&s, lang, &uri, &actor, id, &file).await
}

/// An SLA clock in words: met, paused with time left, or due (and whether missed).
fn clock_text(lang: Lang, c: &atbalsts_store::clocks::ClockView) -> String {
    let late = if c.breached {
        format!(" — {}", t(lang, "sla-breached"))
    } else {
        String::new()
    };
    if let Some(met) = &c.met_at {
        return format!("{} {}{late}", t(lang, "sla-met"), local_time(lang, met));
    }
    if c.paused {
        let left = c.remaining_minutes.unwrap_or_default().max(0);
        let left = format!("{} h {:02} min", left / 60, left % 60);
        return format!("{} ({left}){late}", t(lang, "sla-paused"));
    }
    match &c.due {
        Some(due) => format!("{} {}{late}", t(lang, "sla-due"), local_time(lang, due)),
        None => "—".into(),
    }
}

/// The Law on Submissions' term in words.
fn legal_text(lang: Lang, l: &atbalsts_store::clocks::LegalView) -> String {
    let day = |d: &str| {
        d.parse::<jiff::civil::Date>().map_or_else(
            |_| d.to_string(),
            |d| match lang {
                Lang::Lv => d.strftime("%d.%m.%Y.").to_string(),
                Lang::En => d.strftime("%-d %b %Y").to_string(),
            },
        )
    };
    let mut text = day(&l.due_date);
    if let Some(reason) = &l.extension_reason {
        text.push_str(&format!(" ({}: {reason})", t(lang, "legal-extended")));
    }
    if let Some(answered) = &l.answered_at {
        text.push_str(&format!(
            " — {} {}",
            t(lang, "legal-answered"),
            local_time(lang, answered)
        ));
    }
    if l.breached {
        text.push_str(&format!(" — {}", t(lang, "sla-breached")));
    }
    text
}
