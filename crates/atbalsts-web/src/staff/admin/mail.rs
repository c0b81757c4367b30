//! The e-mail channel for administrators: every received message with its
//! outcome (quarantine released or deleted here) — all of them for the system
//! administrator, those written to their institutions for an institution's
//! administrator — and, for the system administrator, the outbox.

use super::{admin_posted, administrator, staff_page};
use crate::AppState;
use crate::i18n::t;
use crate::page::{localized, message, render, unavailable};
use askama::Template;
use atbalsts_domain::admin::{MailScope, mail_scope};
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::mail::inbound::InboundStatus;
use atbalsts_store::signin::Session;
use axum::extract::{Extension, OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

struct Received {
    id: i64,
    when: String,
    from: String,
    subject: String,
    status: String,
    reason: String,
    ticket: Option<String>,
    quarantined: bool,
}

struct Sent {
    when: String,
    to: String,
    subject: String,
    status: String,
    error: String,
}

#[derive(Template)]
#[template(path = "staff_admin_mail.html")]
struct MailPage {
    page: crate::page::Page,
    intro: String,
    received_heading: String,
    outbox_heading: String,
    filter_label: String,
    filter_all: String,
    filter_submit: String,
    statuses: Vec<(String, String)>,
    chosen: String,
    received: Vec<Received>,
    sent: Vec<Sent>,
    show_outbox: bool,
    h_received: Vec<String>,
    h_sent: Vec<String>,
    release: String,
    delete: String,
    none: String,
    csrf: String,
    action_base: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MailQuery {
    status: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QuarantineForm {
    csrf: String,
}

/// The signed-in administrator and the mail they handle.
async fn mail_admin(
    s: &AppState,
    jar: &CookieJar,
    lang: Lang,
    uri: &axum::http::Uri,
) -> Result<(Session, MailScope), Response> {
    let session = administrator(s, jar, lang, uri).await?;
    match mail_scope(&session.staff) {
        Ok(scope) => Ok((session, scope)),
        Err(_) => Err(forbidden(lang, uri)),
    }
}

fn forbidden(lang: Lang, uri: &axum::http::Uri) -> Response {
    message(
        lang,
        uri,
        StatusCode::FORBIDDEN,
        "admin-forbidden-heading",
        "admin-mail-forbidden",
    )
}

pub async fn mail(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    query: Result<Query<MailQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (session, scope) = match mail_admin(&s, &jar, lang, &uri).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    // The outbox holds mail of every institution (and private links): the system administrator's.
    let show_outbox = scope == MailScope::All;
    let chosen = query.map(|Query(q)| q.status).unwrap_or_default();
    // An unknown status shows everything rather than an error page.
    let status = InboundStatus::parse(&chosen);
    let loaded = tokio::try_join!(s.store.list_inbound(&scope, status, None, 100), async {
        if show_outbox {
            s.store.outbox(None, 50).await
        } else {
            Ok(Vec::new())
        }
    });
    let (inbound, outbox) = match loaded {
        Ok(both) => both,
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let k = |key: &str| t(lang, key);
    let received = inbound
        .items
        .into_iter()
        .map(|m| Received {
            id: m.id,
            when: crate::page::local_time(lang, &m.received_at),
            from: m.from_address.or(m.envelope_from).unwrap_or_default(),
            subject: m.subject.unwrap_or_default(),
            status: k(&format!("admin-mail-status-{}", m.status.as_str())),
            reason: m.reason.unwrap_or_default(),
            ticket: m
                .ticket_id
                .map(|id| localized(lang, &format!("/staff/tickets/{id}"))),
            quarantined: m.status == InboundStatus::Quarantined,
        })
        .collect();
    let sent = outbox
        .into_iter()
        .map(|m| Sent {
            when: crate::page::local_time(lang, &m.created_at),
            to: m.recipient,
            subject: m.subject,
            status: k(&format!("staff-mail-status-{}", m.status)),
            error: m.last_error.unwrap_or_default(),
        })
        .collect();
    render(
        StatusCode::OK,
        MailPage {
            page: staff_page(lang, k("admin-mail"), &uri, &session),
            intro: k("admin-mail-intro"),
            received_heading: k("admin-mail-received"),
            outbox_heading: k("admin-mail-outbox"),
            filter_label: k("admin-mail-filter"),
            filter_all: k("admin-mail-filter-all"),
            filter_submit: k("admin-mail-filter-submit"),
            statuses: InboundStatus::ALL
                .iter()
                .map(|st| {
                    (
                        st.as_str().to_string(),
                        k(&format!("admin-mail-status-{}", st.as_str())),
                    )
                })
                .collect(),
            chosen,
            received,
            sent,
            show_outbox,
            h_received: [
                "admin-mail-when",
                "admin-mail-from",
                "admin-mail-subject",
                "admin-mail-outcome",
                "admin-mail-ticket",
            ]
            .iter()
            .map(|key| k(key))
            .collect(),
            h_sent: [
                "admin-mail-when",
                "admin-mail-to",
                "admin-mail-subject",
                "admin-mail-outcome",
            ]
            .iter()
            .map(|key| k(key))
            .collect(),
            release: k("admin-mail-release"),
            delete: k("admin-mail-delete"),
            none: k("staff-none"),
            csrf: session.csrf_token.clone(),
            action_base: localized(lang, "/staff/admin/mail"),
        },
    )
}

/// Release (`release`) or delete (`delete`) a quarantined message, then back to the list.
pub async fn quarantine(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path((id, what)): Path<(i64, String)>,
    jar: CookieJar,
    form: Result<Form<QuarantineForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, _) = match admin_posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let allowed = match mail_scope(&session.staff) {
        Ok(scope) => match s.store.inbound_record(id).await {
            Ok(record) => scope.covers(record.institution.as_deref()),
            Err(StoreError::NotFound(_)) => return crate::page::not_found(lang, &uri),
            Err(e) => return unavailable(lang, &uri, &e.to_string()),
        },
        Err(_) => false,
    };
    if !allowed {
        return forbidden(lang, &uri);
    }
    let done = match what.as_str() {
        "release" => s.store.release_mail(id).await,
        "delete" => s.store.delete_quarantined_mail(id).await,
        _ => return crate::page::not_found(lang, &uri),
    };
    match done {
        Ok(()) => {
            Redirect::to(&localized(lang, "/staff/admin/mail?status=quarantined")).into_response()
        }
        Err(StoreError::NotFound(_)) => crate::page::not_found(lang, &uri),
        Err(StoreError::Domain(_)) => message(
            lang,
            &uri,
            StatusCode::CONFLICT,
            "admin-mail-heading-not-quarantined",
            "refusal-mail-not-quarantined",
        ),
        Err(e) => unavailable(lang, &uri, &e.to_string()),
    }
}
