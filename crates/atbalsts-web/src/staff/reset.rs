//! "Forgot your password?": a staff member asks for a one-time link by e-mail
//! and sets a new password with it. The request page answers the same whether
//! or not the address belongs to someone, so it tells nobody who works here.

use crate::AppState;
use crate::csrf::{PublicToken, public_form};
use crate::extract::ClientIp;
use crate::i18n::t;
use crate::page::{Page, Problems, localized, render, unavailable};
use askama::Template;
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use axum::extract::{Extension, OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff_password_reset.html")]
struct ResetPage {
    page: Page,
    action: String,
    csrf: String,
    intro: String,
    /// The request form (e-mail) or the new-password form.
    asking: bool,
    email_label: String,
    password_label: String,
    again_label: String,
    submit: String,
    notice: Option<String>,
    problems: Problems,
    problems_heading: String,
}

fn reset_page(
    lang: Lang,
    uri: &axum::http::Uri,
    csrf: &str,
    action: String,
    asking: bool,
    notice: Option<String>,
    problems: Problems,
) -> Response {
    let k = |key: &str| t(lang, key);
    let status = if notice.is_some() {
        StatusCode::OK
    } else {
        problems.status()
    };
    render(
        status,
        ResetPage {
            page: Page::new(lang, k("reset-heading"), uri),
            action,
            csrf: csrf.to_string(),
            intro: k(if asking {
                "reset-intro"
            } else {
                "reset-new-intro"
            }),
            asking,
            email_label: k("sign-in-email"),
            password_label: k("reset-password"),
            again_label: k("reset-password-again"),
            submit: k(if asking { "reset-submit" } else { "reset-set" }),
            notice,
            problems,
            problems_heading: k("form-problems-heading"),
        },
    )
}

pub async fn ask_form(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
) -> Response {
    let csrf = PublicToken::of(&jar);
    let page = reset_page(
        lang,
        &uri,
        &csrf.token,
        localized(lang, "/staff/password-reset"),
        true,
        None,
        Problems::default(),
    );
    (csrf.save(jar, s.secure_cookies), page).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AskForm {
    csrf: String,
    email: String,
}

pub async fn ask(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    form: Result<Form<AskForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let form = match public_form(lang, &uri, &jar, form, |f| &f.csrf) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let action = localized(lang, "/staff/password-reset");
    let mut p = Problems::default();
    if s.limits.sign_in(ip).is_err() {
        p.add(lang, "email", "sign-in-throttled");
        return reset_page(lang, &uri, &form.csrf, action, true, None, p);
    }
    if !atbalsts_domain::validate::is_email(form.email.trim()) {
        p.add(lang, "email", "request-error-email");
        return reset_page(lang, &uri, &form.csrf, action, true, None, p);
    }
    if let Err(e) = s.store.request_password_reset(&form.email).await {
        return unavailable(lang, &uri, &e.to_string());
    }
    let notice = Some(t(lang, "reset-sent"));
    reset_page(
        lang,
        &uri,
        &form.csrf,
        action,
        true,
        notice,
        Problems::default(),
    )
}

pub async fn new_form(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(token): Path<String>,
    jar: CookieJar,
) -> Response {
    match s.store.reset_link_valid(&token).await {
        Ok(true) => {}
        Ok(false) => return expired(lang, &uri),
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    }
    let csrf = PublicToken::of(&jar);
    let action = localized(lang, &format!("/staff/password-reset/{token}"));
    let page = reset_page(
        lang,
        &uri,
        &csrf.token,
        action,
        false,
        None,
        Problems::default(),
    );
    (csrf.save(jar, s.secure_cookies), page).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewPasswordForm {
    csrf: String,
    password: String,
    again: String,
}

pub async fn set_new(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(token): Path<String>,
    jar: CookieJar,
    form: Result<Form<NewPasswordForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let form = match public_form(lang, &uri, &jar, form, |f| &f.csrf) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let action = localized(lang, &format!("/staff/password-reset/{token}"));
    let mut p = Problems::default();
    if form.password != form.again {
        p.add(lang, "again", "reset-mismatch");
        return reset_page(lang, &uri, &form.csrf, action, false, None, p);
    }
    match s.store.reset_password(&token, &form.password).await {
        Ok(true) => Redirect::to(&localized(lang, "/staff/sign-in?reset=1")).into_response(),
        Ok(false) => expired(lang, &uri),
        Err(StoreError::Domain(_)) => {
            p.add(lang, "password", "reset-weak");
            reset_page(lang, &uri, &form.csrf, action, false, None, p)
        }
        Err(e) => unavailable(lang, &uri, &e.to_string()),
    }
}

fn expired(lang: Lang, uri: &axum::http::Uri) -> Response {
    crate::page::message(
        lang,
        uri,
        StatusCode::GONE,
        "reset-expired-heading",
        "reset-expired-text",
    )
}
