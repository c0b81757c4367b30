//! A browser without JavaScript for the page tests: it keeps cookies, does
//! not follow redirects, and signs staff in through the sign-in form.

use crate::harness::TestApp;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};

pub struct Browser {
    client: Client,
    cookies: Vec<(String, String)>,
    /// The `Set-Cookie` headers of the last answer.
    pub last_set: Vec<String>,
}

impl Browser {
    pub fn new() -> Self {
        Browser {
            client: Client::builder()
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
            last_set: Vec::new(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, res: &reqwest::Response) {
        let mut raw = Vec::new();
        for set in res.headers().get_all(SET_COOKIE) {
            let set = set.to_str().unwrap().to_string();
            let pair = set.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() {
                self.cookies.push((k.to_string(), v.to_string()));
            }
            raw.push(set);
        }
        self.last_set = raw;
    }

    pub async fn get(&mut self, app: &TestApp, path: &str) -> (StatusCode, Option<String>, String) {
        let res = self
            .client
            .get(app.url(path))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&res);
        let location = res
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        (res.status(), location, res.text().await.unwrap())
    }

    pub async fn post(
        &mut self,
        app: &TestApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Option<String>, String) {
        let res = self
            .client
            .post(app.url(path))
            .header(COOKIE, self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&res);
        let location = res
            .headers()
            .get(LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        (res.status(), location, res.text().await.unwrap())
    }
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("{name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub async fn sign_in(
    app: &TestApp,
    b: &mut Browser,
    email: &str,
    password: &str,
) -> (StatusCode, Option<String>, String) {
    let (_, _, html) = b.get(app, "/staff/sign-in").await;
    let csrf = hidden(&html, "csrf");
    b.post(
        app,
        "/staff/sign-in",
        &[
            ("csrf", &csrf),
            ("next", "/staff/tickets/1"),
            ("email", email),
            ("password", password),
        ],
    )
    .await
}
