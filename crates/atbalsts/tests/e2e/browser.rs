//! A browser without JavaScript for the page tests: it keeps cookies, does
//! not follow redirects, and signs staff in through the sign-in form. What
//! the page tests read from a page (hidden fields, input values) is read
//! here, so that every test reads forms the same way.

use crate::harness::TestApp;
use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use reqwest::{Client, Method, RequestBuilder, StatusCode, redirect};

/// Cloning gives a second browser with the same cookies (another tab, or the
/// cookies someone kept from before a sign-out).
#[derive(Clone)]
pub struct Browser {
    client: Client,
    cookies: Vec<(String, String)>,
    /// The headers of the last answer.
    last: HeaderMap,
}

impl Browser {
    pub fn new() -> Self {
        Browser {
            client: Client::builder()
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
            last: HeaderMap::new(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A request with this browser's cookies, for what `get` and `post` do not
    /// send: other headers, other bodies, another node's address.
    pub fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.client
            .request(method, url)
            .header(COOKIE, self.cookie_header())
    }

    /// Send a request from `request` and keep the cookies of the answer:
    /// (status, `Location`, body). No page may answer with a server error.
    pub async fn send(&mut self, request: RequestBuilder) -> (StatusCode, Option<String>, String) {
        let res = request.send().await.unwrap();
        let status = res.status();
        self.last = res.headers().clone();
        for set in self.set_cookies() {
            let pair = set.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        let location = self
            .last
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let body = res.text().await.unwrap();
        assert!(!status.is_server_error(), "{status} {body}");
        (status, location, body)
    }

    pub async fn get(&mut self, app: &TestApp, path: &str) -> (StatusCode, Option<String>, String) {
        self.send(self.request(Method::GET, &app.url(path))).await
    }

    /// Post a form; a field may repeat.
    pub async fn post(
        &mut self,
        app: &TestApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Option<String>, String) {
        self.send(self.request(Method::POST, &app.url(path)).form(form))
            .await
    }

    /// A header of the last answer, or "" when it had none.
    pub fn header(&self, name: &str) -> String {
        self.last
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    /// The `Set-Cookie` headers of the last answer.
    pub fn set_cookies(&self) -> Vec<String> {
        self.last
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }
}

/// A page as a browser that has never been to the site gets it:
/// (status, content type, body).
pub async fn page(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let mut b = Browser::new();
    let (status, _, body) = b.get(app, path).await;
    (status, b.header("content-type"), body)
}

/// A new browser opens a public page with a form: the page, and the CSRF
/// cookie it must set, with the flags every cookie carries.
pub async fn open(app: &TestApp, path: &str) -> (Browser, String) {
    let mut b = Browser::new();
    let (status, _, html) = b.get(app, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {html}");
    let set = b.set_cookies();
    let csrf = set
        .iter()
        .find(|c| c.starts_with("atb_csrf="))
        .unwrap_or_else(|| panic!("{path} sets the CSRF cookie: {set:?}"));
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(csrf.contains(flag), "{flag} in {csrf}");
    }
    (b, html)
}

/// The value of the field `name="…" value="…"` (a hidden field's shape).
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The value of a text input, whatever attributes stand between its name and value.
pub fn value_of(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {html}"));
    let rest = &html[start..];
    let v = rest.find("value=\"").unwrap() + "value=\"".len();
    rest[v..].split('"').next().unwrap().to_string()
}

/// Sign in through the sign-in form, asking to go on to `next`.
pub async fn sign_in(
    app: &TestApp,
    b: &mut Browser,
    email: &str,
    password: &str,
    next: &str,
) -> (StatusCode, Option<String>, String) {
    let (_, _, html) = b.get(app, "/staff/sign-in").await;
    let csrf = hidden(&html, "csrf");
    b.post(
        app,
        "/staff/sign-in",
        &[
            ("csrf", csrf.as_str()),
            ("next", next),
            ("email", email),
            ("password", password),
        ],
    )
    .await
}
