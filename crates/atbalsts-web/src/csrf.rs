//! Protection of the pages' forms against cross-site requests.
//!
//! Public forms use a double-submit token: a random value in a `SameSite=Strict`,
//! `HttpOnly` cookie that the form must repeat. Staff forms carry their session's
//! own token instead (see `staff`). Every state-changing request is also refused
//! when its `Origin` names another site.

use atbalsts_search::Lang;
use axum::extract::Request;
use axum::http::{Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use axum_extra::extract::{Form, FormRejection};

pub const COOKIE: &str = "atb_csrf";

/// The token a public form carries, and the cookie to set when it is new.
pub struct PublicToken {
    pub token: String,
    fresh: bool,
}

impl PublicToken {
    pub fn of(jar: &CookieJar) -> PublicToken {
        match jar.get(COOKIE).map(Cookie::value).filter(|v| v.len() >= 32) {
            Some(v) => PublicToken {
                token: v.to_string(),
                fresh: false,
            },
            None => PublicToken {
                token: atbalsts_store::tickets::new_secret(),
                fresh: true,
            },
        }
    }

    /// The jar with the cookie added when the token is new.
    pub fn save(&self, jar: CookieJar, secure: bool) -> CookieJar {
        if !self.fresh {
            return jar;
        }
        jar.add(cookie(COOKIE, self.token.clone(), secure))
    }

    /// Whether a submitted form's token is the cookie's.
    pub fn verify(jar: &CookieJar, submitted: &str) -> bool {
        jar.get(COOKIE)
            .is_some_and(|c| c.value().len() >= 32 && same(c.value(), submitted))
    }
}

/// A posted public form that repeats the cookie's token, or the page to
/// answer instead: 400 for a form that cannot be read, 403 for a token that
/// is not this browser's (the page and the form went stale, or another site
/// sent it).
// The error is the page itself, made at most once per request: boxing it
// would only add an allocation to every caller.
#[allow(clippy::result_large_err)]
pub fn public_form<F>(
    lang: Lang,
    uri: &Uri,
    jar: &CookieJar,
    form: Result<Form<F>, FormRejection>,
    token: impl Fn(&F) -> &str,
) -> Result<F, Response> {
    let Ok(Form(form)) = form else {
        return Err(crate::page::bad_form(lang, uri));
    };
    if !PublicToken::verify(jar, token(&form)) {
        return Err(crate::page::expired_form(lang, uri));
    }
    Ok(form)
}

/// A cookie with the flags every cookie of the product carries.
pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .build()
}

/// Compare secrets in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Refuse a state-changing request whose `Origin` is another site's.
pub async fn same_origin(request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let headers = request.headers();
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        if let Some(origin) = origin {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            if origin == "null" || origin_host != host {
                return (
                    StatusCode::FORBIDDEN,
                    "this form was sent from another site; open the page here and send it again",
                )
                    .into_response();
            }
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", "a"));
    }

    #[test]
    fn a_form_needs_the_cookie_it_was_given() {
        let fresh = PublicToken::of(&CookieJar::new());
        let jar = fresh.save(CookieJar::new(), true);
        assert!(PublicToken::verify(&jar, &fresh.token));
        assert!(!PublicToken::verify(&jar, "forged"));
        assert!(!PublicToken::verify(&CookieJar::new(), &fresh.token));
        let again = PublicToken::of(&jar);
        assert_eq!(again.token, fresh.token);
        let set = jar
            .get(COOKIE)
            .map(|c| (c.http_only(), c.secure(), c.same_site()));
        assert_eq!(set, Some((Some(true), Some(true), Some(SameSite::Strict))));
    }
}
