//! The administration overview: the accounts and groups this administrator
//! looks after, and the way to the register import for whoever may use it.

use super::{administrator, in_care, staff_page};
use crate::AppState;
use crate::i18n::t;
use crate::page::{Page, in_lang, localized, render, unavailable};
use askama::Template;
use atbalsts_domain::Scope;
use atbalsts_domain::admin::{administers, authorize_register_import};
use atbalsts_search::Lang;
use axum::extract::{Extension, OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

fn scopes_text(scopes: &[Scope]) -> String {
    if scopes.is_empty() {
        return "—".into();
    }
    scopes
        .iter()
        .map(|s| match &s.service {
            Some(service) => format!("{} ({service})", s.institution),
            None => s.institution.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

struct UserRow {
    href: String,
    email: String,
    name: String,
    role: String,
    scopes: String,
    groups: String,
    state: String,
}

struct GroupRow {
    href: String,
    code: String,
    name: String,
    institution: String,
    level: i64,
    members: usize,
}

#[derive(Template)]
#[template(path = "staff_admin.html")]
struct OverviewPage {
    page: Page,
    notice: Option<String>,
    users_heading: String,
    new_user: String,
    new_user_href: String,
    new_group: String,
    new_group_href: String,
    users: Vec<UserRow>,
    groups_heading: String,
    groups: Vec<GroupRow>,
    import: Option<(String, String)>,
    mail: Option<(String, String)>,
    connectors: (String, String),
    h: Vec<String>,
    g: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneParams {
    done: String,
}

pub async fn overview(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    params: Result<Query<DoneParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match administrator(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let (accounts, groups) = match tokio::try_join!(s.store.accounts(), s.store.groups(None)) {
        Ok(both) => both,
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let me = &session.staff;
    let done = params.map(|Query(p)| p.done).unwrap_or_default();
    let notice = (!done.is_empty()
        && done.len() < 30
        && done.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
    .then(|| t(lang, &format!("admin-done-{done}")));
    let users = accounts
        .iter()
        .filter(|a| in_care(me, a))
        .map(|a| UserRow {
            href: localized(lang, &format!("/staff/admin/users/{}", a.id)),
            email: a.email.clone(),
            name: a.name.clone(),
            role: t(lang, &format!("role-{}", a.role.as_str())),
            scopes: scopes_text(&a.scopes),
            groups: if a.groups.is_empty() {
                "—".into()
            } else {
                a.groups.join(", ")
            },
            state: if !a.active {
                t(lang, "admin-inactive")
            } else if a.has_password {
                t(lang, "admin-active")
            } else {
                t(lang, "admin-no-password")
            },
        })
        .collect();
    let groups = groups
        .into_iter()
        .filter(|g| administers(me, &g.institution))
        .map(|g| GroupRow {
            href: localized(lang, &format!("/staff/admin/groups/{}", g.code)),
            members: accounts
                .iter()
                .filter(|a| a.groups.contains(&g.code))
                .count(),
            name: in_lang(lang, &g.name_lv, g.name_en.as_deref()),
            code: g.code,
            institution: g.institution,
            level: g.level,
        })
        .collect();
    let k = |key: &str| t(lang, key);
    render(
        StatusCode::OK,
        OverviewPage {
            page: staff_page(lang, k("admin-heading"), &uri, &session),
            notice,
            users_heading: k("admin-users"),
            new_user: k("admin-new-user"),
            new_user_href: localized(lang, "/staff/admin/users/new"),
            new_group: k("admin-new-group"),
            new_group_href: localized(lang, "/staff/admin/groups/new"),
            users,
            groups_heading: k("admin-groups"),
            groups,
            import: authorize_register_import(me)
                .is_ok()
                .then(|| (localized(lang, "/staff/admin/import"), k("admin-import"))),
            mail: atbalsts_domain::admin::mail_scope(me)
                .is_ok()
                .then(|| (localized(lang, "/staff/admin/mail"), k("admin-mail"))),
            connectors: (
                localized(lang, "/staff/admin/connectors"),
                k("admin-connectors"),
            ),
            h: [
                "admin-email",
                "admin-name",
                "admin-role",
                "admin-scopes",
                "admin-groups",
                "admin-state",
            ]
            .iter()
            .map(|key| k(key))
            .collect(),
            g: [
                "admin-group-code",
                "admin-title",
                "admin-institution",
                "col-level",
                "admin-members",
            ]
            .iter()
            .map(|key| k(key))
            .collect(),
        },
    )
}
