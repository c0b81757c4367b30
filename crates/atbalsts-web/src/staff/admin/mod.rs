//! Administration: staff accounts with their roles and scopes, support
//! groups and their members, and the register import with a report of what
//! was wrong, the e-mail channel, and the connectors of social networks and
//! mobile apps. Who may do what is decided by `atbalsts_domain::admin`.
//!
//! Every page passes the same gate (an administrator, signed in); behind it
//! each job has its own module: the overview of what this administrator
//! looks after, accounts, groups, and the register import.

mod accounts;
mod connectors;
mod groups;
mod import;
mod mail;
mod overview;

use super::{Choice, signed_in};
use crate::AppState;
use crate::page::{Page, in_lang, message};
use atbalsts_domain::StaffActor;
use atbalsts_domain::admin::{administers, is_administrator};
use atbalsts_search::Lang;
use atbalsts_store::accounts::Account;
use atbalsts_store::registers::Institution;
use atbalsts_store::signin::Session;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/admin", get(overview::overview))
        .route(
            "/staff/admin/users/new",
            get(accounts::new_user).post(accounts::create_user),
        )
        .route(
            "/staff/admin/users/{id}",
            get(accounts::edit_user).post(accounts::update_user),
        )
        .route(
            "/staff/admin/groups/new",
            get(groups::new_group).post(groups::create_group),
        )
        .route(
            "/staff/admin/groups/{code}",
            get(groups::edit_group).post(groups::update_group),
        )
        .route(
            "/staff/admin/import",
            get(import::import_form).post(import::import),
        )
        .route("/staff/admin/mail", get(mail::mail))
        .route("/staff/admin/connectors", get(connectors::list))
        .route(
            "/staff/admin/connectors/{id}/active",
            axum::routing::post(connectors::set_active),
        )
        .route(
            "/staff/admin/mail/{id}/{what}",
            axum::routing::post(mail::quarantine),
        )
}

/// The signed-in administrator, or the page to show instead.
async fn administrator(
    s: &AppState,
    jar: &CookieJar,
    lang: Lang,
    uri: &axum::http::Uri,
) -> Result<Session, Response> {
    let session = signed_in(s, jar, lang, uri).await?;
    if is_administrator(&session.staff) {
        Ok(session)
    } else {
        Err(not_administrator(lang, uri))
    }
}

fn not_administrator(lang: Lang, uri: &axum::http::Uri) -> Response {
    message(
        lang,
        uri,
        StatusCode::FORBIDDEN,
        "admin-forbidden-heading",
        "admin-forbidden-text",
    )
}

/// The administrator and the form, or the page to answer instead.
async fn admin_posted<F>(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    jar: &CookieJar,
    form: Result<Form<F>, axum_extra::extract::FormRejection>,
    token: impl Fn(&F) -> &str,
) -> Result<(Session, F), Response> {
    let (session, form) = super::posted(s, lang, uri, jar, form, token).await?;
    if is_administrator(&session.staff) {
        Ok((session, form))
    } else {
        Err(not_administrator(lang, uri))
    }
}

fn staff_page(lang: Lang, title: String, uri: &axum::http::Uri, session: &Session) -> Page {
    Page::workspace(lang, title, uri, &session.staff, &session.csrf_token)
}

/// Accounts an administrator looks after: every one for the system
/// administrator, else those with a scope in an institution they administer.
fn in_care(staff: &StaffActor, account: &Account) -> bool {
    account
        .scopes
        .iter()
        .any(|s| administers(staff, &s.institution))
        || (account.scopes.is_empty() && administers(staff, ""))
}

/// The institutions this administrator may put accounts and groups in, as
/// `CODE — name` choices.
fn institution_choices(lang: Lang, staff: &StaffActor, all: Vec<Institution>) -> Vec<Choice> {
    all.into_iter()
        .filter(|i| administers(staff, &i.code))
        .map(|i| Choice {
            label: format!(
                "{} — {}",
                i.code,
                in_lang(lang, &i.name_lv, i.name_en.as_deref())
            ),
            value: i.code,
        })
        .collect()
}
