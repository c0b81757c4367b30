//! Support groups: who is a member (only people of the group's
//! institution), and a new group in an institution this administrator
//! administers. Routing and hours are set over the API.

use super::{admin_posted, administrator, institution_choices, staff_page};
use crate::AppState;
use crate::i18n::t;
use crate::page::{Page, Problems, in_lang, localized, not_found, render, unavailable};
use crate::staff::Choice;
use askama::Template;
use atbalsts_domain::StaffActor;
use atbalsts_domain::admin::authorize_group;
use atbalsts_domain::validate::MAX_NAME;
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::accounts::Account;
use atbalsts_store::signin::Session;
use atbalsts_store::users::SupportGroup;
use axum::extract::{Extension, OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff_admin_group.html")]
struct GroupPage {
    page: Page,
    action: String,
    csrf: String,
    level_label: String,
    level: String,
    members_legend: String,
    candidates: Vec<(i64, String, bool)>,
    submit: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GroupForm {
    csrf: String,
    member: Vec<i64>,
}

/// A group this administrator administers, with every account (the
/// candidates for membership are among them), or the page to show instead.
async fn group_of(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    staff: &StaffActor,
    code: &str,
) -> Result<(SupportGroup, Vec<Account>), Response> {
    let unavailable = |e: StoreError| unavailable(lang, uri, &e.to_string());
    let group = s
        .store
        .groups(None)
        .await
        .map_err(unavailable)?
        .into_iter()
        .find(|g| g.code == code && authorize_group(staff, &g.institution).is_ok())
        .ok_or_else(|| not_found(lang, uri))?;
    let accounts = s.store.accounts().await.map_err(unavailable)?;
    Ok((group, accounts))
}

pub async fn edit_group(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    jar: CookieJar,
) -> Response {
    let session = match administrator(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let (group, accounts) = match group_of(&s, lang, &uri, &session.staff, &code).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let name = in_lang(lang, &group.name_lv, group.name_en.as_deref());
    render(
        StatusCode::OK,
        GroupPage {
            page: staff_page(lang, format!("{} — {name}", group.code), &uri, &session),
            action: localized(lang, &format!("/staff/admin/groups/{}", group.code)),
            csrf: session.csrf_token.clone(),
            level_label: t(lang, "col-level"),
            level: t(lang, &format!("level-{}", group.level)),
            members_legend: t(lang, "admin-members"),
            candidates: accounts
                .iter()
                .filter(|a| {
                    a.scopes
                        .iter()
                        .any(|sc| sc.institution == group.institution)
                })
                .map(|a| {
                    (
                        a.id,
                        format!(
                            "{} ({})",
                            a.name,
                            t(lang, &format!("role-{}", a.role.as_str()))
                        ),
                        a.groups.contains(&group.code),
                    )
                })
                .collect(),
            submit: t(lang, "action-submit"),
        },
    )
}

pub async fn update_group(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
    jar: CookieJar,
    form: Result<Form<GroupForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, form) = match admin_posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let (group, accounts) = match group_of(&s, lang, &uri, &session.staff, &code).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    // Only people of the group's institution can be members.
    let members: Vec<i64> = form
        .member
        .into_iter()
        .filter(|id| {
            accounts.iter().any(|a| {
                a.id == *id
                    && a.scopes
                        .iter()
                        .any(|sc| sc.institution == group.institution)
            })
        })
        .collect();
    if let Err(e) = s.store.set_group_members(&group.code, &members).await {
        return unavailable(lang, &uri, &e.to_string());
    }
    Redirect::to(&localized(lang, "/staff/admin?done=group-updated")).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewGroupForm {
    csrf: String,
    code: String,
    institution: String,
    name_lv: String,
    name_en: String,
    level: String,
}

#[derive(Template)]
#[template(path = "staff_admin_new_group.html")]
struct NewGroupPage {
    page: Page,
    action: String,
    csrf: String,
    form: NewGroupForm,
    institutions: Vec<Choice>,
    l: Vec<String>,
    problems: Problems,
    problems_heading: String,
}

async fn new_group_page(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    session: &Session,
    form: NewGroupForm,
    problems: Problems,
) -> Response {
    let institutions = match s.store.institutions().await {
        Ok(list) => list,
        Err(e) => return unavailable(lang, uri, &e.to_string()),
    };
    let k = |key: &str| t(lang, key);
    render(
        problems.status(),
        NewGroupPage {
            page: staff_page(lang, k("admin-new-group"), uri, session),
            action: localized(lang, "/staff/admin/groups/new"),
            csrf: session.csrf_token.clone(),
            form,
            institutions: institution_choices(lang, &session.staff, institutions),
            l: [
                "admin-group-code",
                "admin-group-code-hint",
                "admin-institution",
                "admin-group-name-lv",
                "admin-group-name-en",
                "col-level",
                "level-1",
                "level-2",
                "action-submit",
            ]
            .iter()
            .map(|key| k(key))
            .collect(),
            problems,
            problems_heading: k("form-problems-heading"),
        },
    )
}

pub async fn new_group(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
) -> Response {
    let session = match administrator(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let form = NewGroupForm {
        level: "1".into(),
        ..NewGroupForm::default()
    };
    new_group_page(&s, lang, &uri, &session, form, Problems::default()).await
}

pub async fn create_group(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    form: Result<Form<NewGroupForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, form) = match admin_posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let mut p = Problems::default();
    let code = form.code.trim().to_uppercase();
    let code_ok = (2..=40).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !code_ok {
        p.add(lang, "code", "admin-error-group-code");
    }
    let institution = form.institution.trim().to_string();
    if authorize_group(&session.staff, &institution).is_err() {
        p.add(lang, "institution", "admin-error-institution");
    }
    let name_lv = form.name_lv.trim().to_string();
    if name_lv.is_empty() || name_lv.chars().count() > MAX_NAME {
        p.add(lang, "name_lv", "action-error-required");
    }
    let name_en = Some(form.name_en.trim().to_string()).filter(|n| !n.is_empty());
    if name_en
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NAME)
    {
        p.add(lang, "name_en", "action-error-long");
    }
    let level = match form.level.as_str() {
        "1" => 1,
        "2" => 2,
        _ => {
            p.add(lang, "level", "action-error-choose");
            0
        }
    };
    if p.is_empty() {
        match s.store.groups(None).await {
            Ok(groups) if groups.iter().any(|g| g.code == code) => {
                p.add(lang, "code", "admin-error-group-taken");
            }
            Ok(_) => {}
            Err(e) => return unavailable(lang, &uri, &e.to_string()),
        }
    }
    if !p.is_empty() {
        return new_group_page(&s, lang, &uri, &session, form, p).await;
    }
    if let Err(e) = s
        .store
        .upsert_group(
            &code,
            &institution,
            &name_lv,
            name_en.as_deref(),
            level,
            &[],
        )
        .await
    {
        return unavailable(lang, &uri, &e.to_string());
    }
    Redirect::to(&localized(lang, &format!("/staff/admin/groups/{code}"))).into_response()
}
