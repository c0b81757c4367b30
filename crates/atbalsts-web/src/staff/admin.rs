//! Administration: staff accounts with their roles and scopes, support
//! groups and their members, and the register import with a report of what
//! was wrong. Who may do what is decided by `atbalsts_domain::admin`.

use super::signed_in;
use crate::AppState;
use crate::csrf;
use crate::i18n::t;
use crate::page::{Page, Problems, localized, message, not_found, render, unavailable};
use askama::Template;
use atbalsts_domain::admin::{
    administers, authorize_account, authorize_group, authorize_register_import, is_administrator,
};
use atbalsts_domain::validate::{MAX_NAME, is_email};
use atbalsts_domain::{DomainError, Role, Scope, StaffActor};
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::accounts::Account;
use atbalsts_store::registers::{FILES, RegisterBatch};
use atbalsts_store::signin::{Session, check_new_password};
use atbalsts_store::users::NewUser;
use axum::Router;
use axum::extract::{Extension, Multipart, OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/admin", get(overview))
        .route("/staff/admin/users/new", get(new_user).post(create_user))
        .route("/staff/admin/users/{id}", get(edit_user).post(update_user))
        .route("/staff/admin/groups/new", get(new_group).post(create_group))
        .route(
            "/staff/admin/groups/{code}",
            get(edit_group).post(update_group),
        )
        .route("/staff/admin/import", get(import_form).post(import))
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

/// Accounts an administrator looks after: every one for the system
/// administrator, else those with a scope in an institution they administer.
fn in_care(staff: &StaffActor, account: &Account) -> bool {
    account
        .scopes
        .iter()
        .any(|s| administers(staff, &s.institution))
        || (account.scopes.is_empty() && administers(staff, ""))
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
    h: Vec<String>,
    g: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneParams {
    done: String,
}

async fn overview(
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
            name: match lang {
                Lang::En => g.name_en.clone().unwrap_or(g.name_lv.clone()),
                Lang::Lv => g.name_lv.clone(),
            },
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
                "admin-name",
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    csrf: String,
    email: String,
    name: String,
    role: String,
    institution: String,
    services: String,
    password: String,
    active: Option<String>,
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "staff_admin_user.html")]
struct UserPage {
    page: Page,
    action: String,
    csrf: String,
    creating: bool,
    form: UserForm,
    roles: Vec<Choice>,
    institutions: Vec<Choice>,
    l: Vec<String>,
    problems: Problems,
    problems_heading: String,
}

async fn user_page(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    session: &Session,
    id: Option<i64>,
    form: UserForm,
    problems: Problems,
) -> Response {
    let institutions = match s.store.institutions().await {
        Ok(list) => list,
        Err(e) => return unavailable(lang, uri, &e.to_string()),
    };
    let me = &session.staff;
    let k = |key: &str| t(lang, key);
    let title = match id {
        None => k("admin-new-user"),
        Some(_) => format!("{} {}", k("admin-edit-user"), form.email),
    };
    render(
        problems.status(),
        UserPage {
            page: staff_page(lang, title, uri, session),
            action: match id {
                None => localized(lang, "/staff/admin/users/new"),
                Some(id) => localized(lang, &format!("/staff/admin/users/{id}")),
            },
            csrf: session.csrf_token.clone(),
            creating: id.is_none(),
            roles: Role::ALL
                .iter()
                .map(|r| Choice {
                    value: r.as_str().into(),
                    label: t(lang, &format!("role-{}", r.as_str())),
                })
                .collect(),
            institutions: institutions
                .into_iter()
                .filter(|i| administers(me, &i.code))
                .map(|i| Choice {
                    label: format!(
                        "{} — {}",
                        i.code,
                        match lang {
                            Lang::En => i.name_en.unwrap_or(i.name_lv),
                            Lang::Lv => i.name_lv,
                        }
                    ),
                    value: i.code,
                })
                .collect(),
            form,
            l: [
                "admin-email",
                "admin-name",
                "admin-role",
                "admin-institution",
                "admin-services",
                "admin-services-hint",
                "admin-password",
                "admin-password-hint",
                "admin-active-label",
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

async fn new_user(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
) -> Response {
    let session = match administrator(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let form = UserForm {
        role: Role::Specialist.as_str().into(),
        active: Some("yes".into()),
        ..UserForm::default()
    };
    user_page(&s, lang, &uri, &session, None, form, Problems::default()).await
}

/// The role and scopes a user form asks for, or its problems.
fn access_of(lang: Lang, form: &UserForm, p: &mut Problems) -> (Option<Role>, Vec<Scope>) {
    let role = Role::parse(&form.role);
    if role.is_none() {
        p.add(lang, "role", "action-error-choose");
    }
    let institution = form.institution.trim();
    let services: Vec<String> = form
        .services
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let scopes = if institution.is_empty() {
        if !services.is_empty() {
            p.add(lang, "institution", "admin-error-institution");
        }
        Vec::new()
    } else if services.is_empty() {
        vec![Scope {
            institution: institution.into(),
            service: None,
        }]
    } else {
        services
            .into_iter()
            .map(|service| Scope {
                institution: institution.into(),
                service: Some(service),
            })
            .collect()
    };
    (role, scopes)
}

/// Put a refusal of the rules next to the field it concerns.
fn rule_problem(lang: Lang, p: &mut Problems, e: &DomainError) {
    match e {
        DomainError::Invalid(errors) if errors.iter().any(|f| f.field == "service") => {
            p.add(lang, "services", "admin-error-services");
        }
        DomainError::Invalid(errors) if errors.iter().any(|f| f.field == "email") => {
            p.add(lang, "email", "admin-error-email-taken");
        }
        DomainError::Invalid(_) => p.add(lang, "institution", "admin-error-institution"),
        DomainError::Forbidden(_) => p.add(lang, "role", "admin-error-not-yours"),
        DomainError::Conflict(_) => p.add(lang, "email", "admin-error-email-taken"),
    }
}

async fn create_user(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    form: Result<Form<UserForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, form) = match admin_posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let mut p = Problems::default();
    let email = form.email.trim().to_lowercase();
    if !is_email(&email) {
        p.add(lang, "email", "request-error-email");
    }
    let name = form.name.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        p.add(lang, "name", "request-error-name");
    }
    if check_new_password(&form.password).is_err() {
        p.add(lang, "password", "admin-error-password");
    }
    let (role, scopes) = access_of(lang, &form, &mut p);
    if let Some(role) = role
        && let Err(e) = authorize_account(&session.staff, role, &scopes)
    {
        rule_problem(lang, &mut p, &e);
    }
    let (Some(role), true) = (role, p.is_empty()) else {
        return user_page(&s, lang, &uri, &session, None, form, p).await;
    };
    let created = s
        .store
        .create_user(&NewUser {
            email: email.clone(),
            name,
            role,
            scopes,
        })
        .await;
    match created {
        Ok(_) => {}
        Err(StoreError::Domain(e)) => {
            rule_problem(lang, &mut p, &e);
            return user_page(&s, lang, &uri, &session, None, form, p).await;
        }
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    }
    if let Err(e) = s.store.set_password(&email, &form.password).await {
        return unavailable(lang, &uri, &e.to_string());
    }
    Redirect::to(&localized(lang, "/staff/admin?done=user-created")).into_response()
}

fn parse_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

/// The account, if this administrator looks after it.
async fn account_in_care(
    s: &AppState,
    staff: &StaffActor,
    id: &str,
) -> Result<Option<Account>, StoreError> {
    let Some(id) = parse_id(id) else {
        return Ok(None);
    };
    match s.store.account(id).await {
        Ok(a) if in_care(staff, &a) && authorize_account(staff, a.role, &a.scopes).is_ok() => {
            Ok(Some(a))
        }
        Ok(_) | Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn edit_user(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Response {
    let session = match administrator(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let account = match account_in_care(&s, &session.staff, &id).await {
        Ok(Some(a)) => a,
        Ok(None) => return not_found(lang, &uri),
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let form = UserForm {
        email: account.email.clone(),
        name: account.name.clone(),
        role: account.role.as_str().into(),
        institution: account
            .scopes
            .first()
            .map(|s| s.institution.clone())
            .unwrap_or_default(),
        services: account
            .scopes
            .iter()
            .filter_map(|s| s.service.clone())
            .collect::<Vec<_>>()
            .join(", "),
        active: account.active.then(|| "yes".into()),
        ..UserForm::default()
    };
    user_page(
        &s,
        lang,
        &uri,
        &session,
        Some(account.id),
        form,
        Problems::default(),
    )
    .await
}

async fn update_user(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    form: Result<Form<UserForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, mut form) = match admin_posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let account = match account_in_care(&s, &session.staff, &id).await {
        Ok(Some(a)) => a,
        Ok(None) => return not_found(lang, &uri),
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    // The e-mail and name are shown, not changed here.
    form.email = account.email.clone();
    form.name = account.name.clone();
    let mut p = Problems::default();
    let (role, scopes) = access_of(lang, &form, &mut p);
    if let Some(role) = role
        && let Err(e) = authorize_account(&session.staff, role, &scopes)
    {
        rule_problem(lang, &mut p, &e);
    }
    let new_password = !form.password.is_empty();
    if new_password && check_new_password(&form.password).is_err() {
        p.add(lang, "password", "admin-error-password");
    }
    if account.id == session.staff.user_id && form.active.is_none() {
        p.add(lang, "active", "admin-error-self");
    }
    let (Some(role), true) = (role, p.is_empty()) else {
        return user_page(&s, lang, &uri, &session, Some(account.id), form, p).await;
    };
    match s
        .store
        .update_account(account.id, role, &scopes, form.active.is_some())
        .await
    {
        Ok(()) => {}
        Err(StoreError::Domain(e)) => {
            rule_problem(lang, &mut p, &e);
            return user_page(&s, lang, &uri, &session, Some(account.id), form, p).await;
        }
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    }
    if new_password && let Err(e) = s.store.set_password(&account.email, &form.password).await {
        return unavailable(lang, &uri, &e.to_string());
    }
    Redirect::to(&localized(lang, "/staff/admin?done=user-updated")).into_response()
}

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

async fn group_of(
    s: &AppState,
    staff: &StaffActor,
    code: &str,
) -> Result<Option<atbalsts_store::users::SupportGroup>, StoreError> {
    Ok(s.store
        .groups(None)
        .await?
        .into_iter()
        .find(|g| g.code == code && authorize_group(staff, &g.institution).is_ok()))
}

async fn edit_group(
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
    let group = match group_of(&s, &session.staff, &code).await {
        Ok(Some(g)) => g,
        Ok(None) => return not_found(lang, &uri),
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let accounts = match s.store.accounts().await {
        Ok(a) => a,
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let name = match lang {
        Lang::En => group.name_en.clone().unwrap_or(group.name_lv.clone()),
        Lang::Lv => group.name_lv.clone(),
    };
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

async fn update_group(
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
    let group = match group_of(&s, &session.staff, &code).await {
        Ok(Some(g)) => g,
        Ok(None) => return not_found(lang, &uri),
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let accounts = match s.store.accounts().await {
        Ok(a) => a,
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
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
            institutions: institutions
                .into_iter()
                .filter(|i| administers(&session.staff, &i.code))
                .map(|i| Choice {
                    label: format!(
                        "{} — {}",
                        i.code,
                        match lang {
                            Lang::En => i.name_en.unwrap_or(i.name_lv),
                            Lang::Lv => i.name_lv,
                        }
                    ),
                    value: i.code,
                })
                .collect(),
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

async fn new_group(
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

async fn create_group(
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

struct ReportLine {
    file: String,
    created: usize,
    updated: usize,
    unchanged: usize,
}

#[derive(Template)]
#[template(path = "staff_admin_import.html")]
struct ImportPage {
    page: Page,
    action: String,
    csrf: String,
    intro: String,
    files_label: String,
    submit: String,
    report: Vec<ReportLine>,
    report_heading: String,
    errors: Vec<String>,
    errors_heading: String,
    h: Vec<String>,
}

fn import_page(
    lang: Lang,
    uri: &axum::http::Uri,
    session: &Session,
    status: StatusCode,
    report: Vec<ReportLine>,
    errors: Vec<String>,
) -> Response {
    let k = |key: &str| t(lang, key);
    render(
        status,
        ImportPage {
            page: staff_page(lang, k("admin-import"), uri, session),
            action: localized(lang, "/staff/admin/import"),
            csrf: session.csrf_token.clone(),
            intro: k("admin-import-intro"),
            files_label: k("admin-import-files"),
            submit: k("admin-import-submit"),
            report,
            report_heading: k("admin-import-done"),
            errors,
            errors_heading: k("admin-import-errors"),
            h: [
                "admin-import-file",
                "admin-created",
                "admin-updated",
                "admin-unchanged",
            ]
            .iter()
            .map(|key| k(key))
            .collect(),
        },
    )
}

async fn import_form(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
) -> Response {
    let session = match administrator(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    if authorize_register_import(&session.staff).is_err() {
        return message(
            lang,
            &uri,
            StatusCode::FORBIDDEN,
            "admin-forbidden-heading",
            "admin-import-forbidden",
        );
    }
    import_page(lang, &uri, &session, StatusCode::OK, Vec::new(), Vec::new())
}

async fn import(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let session = match administrator(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    if authorize_register_import(&session.staff).is_err() {
        return message(
            lang,
            &uri,
            StatusCode::FORBIDDEN,
            "admin-forbidden-heading",
            "admin-import-forbidden",
        );
    }
    let unreadable = |lang| crate::page::bad_form(lang, &uri);
    let Ok(mut multipart) = multipart else {
        return unreadable(lang);
    };
    let mut csrf_ok = false;
    let mut batch = RegisterBatch::default();
    let mut errors = Vec::new();
    let mut files = 0;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return unreadable(lang),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let Ok(bytes) = field.bytes().await else {
            return unreadable(lang);
        };
        match (name.as_str(), file_name) {
            ("csrf", _) => {
                csrf_ok = csrf::same(&session.csrf_token, &String::from_utf8_lossy(&bytes));
            }
            ("files", Some(file)) if !file.is_empty() => {
                let base = file.rsplit(['/', '\\']).next().unwrap_or(&file).to_string();
                if !FILES.contains(&base.as_str()) {
                    errors.push(format!("{base}: {}", t(lang, "admin-import-unknown-file")));
                    continue;
                }
                match std::str::from_utf8(&bytes) {
                    Ok(text) => {
                        files += 1;
                        batch.add_file(&base, text);
                    }
                    Err(_) => errors.push(format!("{base}: {}", t(lang, "admin-import-not-utf8"))),
                }
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return crate::page::expired_form(lang, &uri);
    }
    if files == 0 && errors.is_empty() {
        errors.push(t(lang, "admin-import-none"));
    }
    if !errors.is_empty() {
        return import_page(
            lang,
            &uri,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            errors,
        );
    }
    match s.store.import_registers(&batch).await {
        Ok(report) => {
            let mut names: Vec<&String> = report
                .created
                .keys()
                .chain(report.updated.keys())
                .chain(report.unchanged.keys())
                .collect();
            names.sort();
            names.dedup();
            let count = |m: &std::collections::BTreeMap<String, usize>, k: &String| {
                m.get(k).copied().unwrap_or(0)
            };
            let lines = names
                .into_iter()
                .map(|name| ReportLine {
                    file: name.clone(),
                    created: count(&report.created, name),
                    updated: count(&report.updated, name),
                    unchanged: count(&report.unchanged, name),
                })
                .collect();
            import_page(lang, &uri, &session, StatusCode::OK, lines, Vec::new())
        }
        Err(StoreError::Domain(DomainError::Invalid(field_errors))) => {
            let errors = field_errors
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            import_page(
                lang,
                &uri,
                &session,
                StatusCode::UNPROCESSABLE_ENTITY,
                Vec::new(),
                errors,
            )
        }
        Err(e) => unavailable(lang, &uri, &e.to_string()),
    }
}
