//! The staff workspace: sign-in and sign-out, queues, the ticket view with
//! its actions, and the quick registration of a phone, video or in-person
//! contact. Every page needs a live session (kept in the database, so any app
//! node serves it); every form carries the session's CSRF token.

mod admin;
mod contact;
mod kb;
mod queues;
mod refusal;
mod registers;
mod requesters;
mod reset;
mod signin;
mod ticket;
mod ticket_channels;

use super::csrf;
use super::page::localized;
use crate::AppState;
use atbalsts_search::Lang;
use atbalsts_store::signin::Session;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

pub const SESSION_COOKIE: &str = "atb_session";

/// One option of a select or radio group on a workspace form.
struct Choice {
    value: String,
    label: String,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff", get(queues::page))
        .route("/staff/sign-in", get(signin::form).post(signin::submit))
        .route("/staff/sign-out", post(signin::sign_out))
        .route(
            "/staff/password-reset",
            get(reset::ask_form).post(reset::ask),
        )
        .route(
            "/staff/password-reset/{token}",
            get(reset::new_form).post(reset::set_new),
        )
        .route("/staff/tickets/{id}", get(ticket::page))
        .route("/staff/tickets/{id}/contact", post(ticket_channels::record))
        .route("/staff/tickets/{id}/{action}", post(ticket::act))
        .route("/staff/tickets/{id}/files/{file}", get(ticket::file))
        .route(
            "/staff/contacts/new",
            get(contact::form).post(contact::submit),
        )
        .merge(requesters::routes())
        .merge(kb::routes())
        .merge(registers::routes())
        .merge(admin::routes())
}

/// The session cookie: like every cookie `HttpOnly` and `Secure`, but `Lax`
/// so that a link to a ticket in an e-mail opens it signed in. Forms are
/// protected by the session's own token, not by the cookie's site rule.
fn session_cookie(secret: String, secure: bool) -> Cookie<'static> {
    let mut c = csrf::cookie(SESSION_COOKIE, secret, secure);
    c.set_same_site(SameSite::Lax);
    c
}

/// The signed-in staff member, or the answer to give instead (to the sign-in page).
async fn signed_in(
    s: &AppState,
    jar: &CookieJar,
    lang: Lang,
    uri: &axum::http::Uri,
) -> Result<Session, Response> {
    let secret = jar.get(SESSION_COOKIE).map(Cookie::value).unwrap_or("");
    let session = if secret.len() >= 32 && secret.len() <= 100 {
        match s.store.session(secret).await {
            Ok(found) => found,
            Err(e) => {
                return Err(super::page::unavailable(lang, uri, &e.to_string()));
            }
        }
    } else {
        None
    };
    session.ok_or_else(|| {
        let next = uri.path_and_query().map_or("", |p| p.as_str());
        let target = format!(
            "{}?next={}",
            localized(lang, "/staff/sign-in"),
            urlencoding(next)
        );
        Redirect::to(&target).into_response()
    })
}

/// The session and the form, or the page to answer instead (sign-in, 400, 403).
pub(super) async fn posted<F>(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    jar: &CookieJar,
    form: Result<axum_extra::extract::Form<F>, axum_extra::extract::FormRejection>,
    token: impl Fn(&F) -> &str,
) -> Result<(Session, F), Response> {
    let session = signed_in(s, jar, lang, uri).await?;
    let Ok(axum_extra::extract::Form(form)) = form else {
        return Err(crate::page::bad_form(lang, uri));
    };
    if !csrf::same(&session.csrf_token, token(&form)) {
        return Err(crate::page::expired_form(lang, uri));
    }
    Ok((session, form))
}

/// Percent-encode a path for a query value.
fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Where to go after signing in: only a workspace path of this site.
fn safe_next(lang: Lang, next: &str) -> String {
    let ok = (next.starts_with("/staff") || next.starts_with("/en/staff"))
        && !next.contains("//")
        && !next.contains('\\')
        && next.len() <= 500;
    if ok {
        next.to_string()
    } else {
        localized(lang, "/staff")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_only_to_the_workspace() {
        assert_eq!(safe_next(Lang::Lv, "/staff/tickets/5"), "/staff/tickets/5");
        assert_eq!(
            safe_next(Lang::En, "/en/staff?queue=mine"),
            "/en/staff?queue=mine"
        );
        assert_eq!(safe_next(Lang::Lv, "https://evil.example/"), "/staff");
        assert_eq!(safe_next(Lang::Lv, "/staff//evil.example"), "/staff");
        assert_eq!(safe_next(Lang::En, "/"), "/en/staff");
    }

    #[test]
    fn next_is_encoded_for_the_query() {
        assert_eq!(
            urlencoding("/staff?queue=mine&after=5"),
            "/staff%3Fqueue%3Dmine%26after%3D5"
        );
    }
}
