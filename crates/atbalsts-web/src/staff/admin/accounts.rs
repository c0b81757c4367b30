//! Staff accounts: a new account with its role, scopes and first password,
//! and changes to an account this administrator looks after (role, scopes,
//! blocking, a new password). The domain decides which roles and scopes
//! this administrator may give.

use super::{admin_posted, administrator, in_care, institution_choices, staff_page};
use crate::AppState;
use crate::i18n::t;
use crate::page::{Page, Problems, localized, not_found, render, unavailable};
use crate::staff::Choice;
use askama::Template;
use atbalsts_domain::admin::authorize_account;
use atbalsts_domain::validate::{MAX_NAME, is_email};
use atbalsts_domain::{DomainError, Role, Scope, StaffActor};
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::accounts::Account;
use atbalsts_store::signin::{Session, check_new_password};
use atbalsts_store::users::NewUser;
use axum::extract::{Extension, OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

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
            institutions: institution_choices(lang, me, institutions),
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

pub async fn new_user(
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

pub async fn create_user(
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

pub async fn edit_user(
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

pub async fn update_user(
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
