//! Signing in with e-mail and password, and signing out.

use super::{SESSION_COOKIE, safe_next, session_cookie, signed_in};
use crate::AppState;
use crate::csrf::{self, PublicToken, public_form};
use crate::extract::ClientIp;
use crate::i18n::t;
use crate::page::{Page, Problems, localized, render, unavailable};
use askama::Template;
use atbalsts_search::Lang;
use atbalsts_store::signin::SignIn;
use axum::extract::{Extension, OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff_sign_in.html")]
struct SignInPage {
    page: Page,
    action: String,
    csrf: String,
    next: String,
    email: String,
    email_label: String,
    password_label: String,
    submit: String,
    notice: Option<String>,
    problems: Problems,
    problems_heading: String,
    forgot: String,
    forgot_href: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInParams {
    next: String,
    signed_out: Option<String>,
    reset: Option<String>,
}

pub async fn form(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    params: Result<Query<SignInParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let params = params.map(|Query(p)| p).unwrap_or_default();
    // Already signed in: straight on.
    if let Ok(_session) = signed_in(&s, &jar, lang, &uri).await {
        return Redirect::to(&safe_next(lang, &params.next)).into_response();
    }
    let csrf = PublicToken::of(&jar);
    let notice = match (&params.signed_out, &params.reset) {
        (_, Some(_)) => Some(t(lang, "sign-in-reset-done")),
        (Some(_), None) => Some(t(lang, "signed-out")),
        (None, None) => None,
    };
    let page = sign_in_page(
        lang,
        &uri,
        &csrf.token,
        &params.next,
        String::new(),
        notice,
        Problems::default(),
        StatusCode::OK,
    );
    (csrf.save(jar, s.secure_cookies), page).into_response()
}

#[allow(clippy::too_many_arguments)]
fn sign_in_page(
    lang: Lang,
    uri: &axum::http::Uri,
    csrf: &str,
    next: &str,
    email: String,
    notice: Option<String>,
    problems: Problems,
    status: StatusCode,
) -> Response {
    render(
        status,
        SignInPage {
            page: Page::new(lang, t(lang, "sign-in-heading"), uri),
            action: localized(lang, "/staff/sign-in"),
            csrf: csrf.to_string(),
            next: next.to_string(),
            email,
            email_label: t(lang, "sign-in-email"),
            password_label: t(lang, "sign-in-password"),
            submit: t(lang, "sign-in-submit"),
            notice,
            problems,
            problems_heading: t(lang, "form-problems-heading"),
            forgot: t(lang, "sign-in-forgot"),
            forgot_href: localized(lang, "/staff/password-reset"),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    csrf: String,
    next: String,
    email: String,
    password: String,
}

pub async fn submit(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    form: Result<Form<SignInForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let form = match public_form(lang, &uri, &jar, form, |f| &f.csrf) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let again = |problems: Problems, status: StatusCode| {
        sign_in_page(
            lang,
            &uri,
            &form.csrf,
            &form.next,
            form.email.clone(),
            None,
            problems,
            status,
        )
    };
    if s.limits.sign_in(ip).is_err() {
        let mut p = Problems::default();
        p.add(lang, "email", "sign-in-throttled");
        return again(p, StatusCode::TOO_MANY_REQUESTS);
    }
    let mut problems = Problems::default();
    if form.email.trim().is_empty() {
        problems.add(lang, "email", "sign-in-error-email");
    }
    if form.password.is_empty() {
        problems.add(lang, "password", "sign-in-error-password");
    }
    if !problems.is_empty() {
        return again(problems, StatusCode::UNPROCESSABLE_ENTITY);
    }
    match s.store.sign_in(&form.email, &form.password).await {
        Ok(SignIn::Ok { secret, .. }) => {
            let jar = jar.add(session_cookie(secret, s.secure_cookies));
            (jar, Redirect::to(&safe_next(lang, &form.next))).into_response()
        }
        Ok(SignIn::Refused) => {
            let mut p = Problems::default();
            p.add(lang, "email", "sign-in-refused");
            again(p, StatusCode::UNAUTHORIZED)
        }
        Ok(SignIn::Throttled { retry_after_secs }) => {
            tracing::warn!(retry_after_secs, "sign-in paused after repeated failures");
            let mut p = Problems::default();
            p.add(lang, "email", "sign-in-throttled");
            again(p, StatusCode::TOO_MANY_REQUESTS)
        }
        Err(e) => unavailable(lang, &uri, &e.to_string()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignOutForm {
    csrf: String,
}

pub async fn sign_out(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    form: Result<Form<SignOutForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        // Not signed in (any more): nothing to end.
        Err(_) => {
            return Redirect::to(&localized(lang, "/staff/sign-in?signed_out=1")).into_response();
        }
    };
    let token = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if !csrf::same(&session.csrf_token, &token) {
        return crate::page::expired_form(lang, &uri);
    }
    let secret = jar
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if let Err(e) = s.store.end_session(&secret).await {
        return unavailable(lang, &uri, &e.to_string());
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    (
        jar,
        Redirect::to(&localized(lang, "/staff/sign-in?signed_out=1")),
    )
        .into_response()
}
