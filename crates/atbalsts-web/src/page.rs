//! The frame every page shares (header, language switch, footer), rendering,
//! message pages and portal paths.

use super::i18n::t;
use askama::Template;
use atbalsts_search::Lang;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// What every page's frame needs.
pub struct Page {
    pub lang: &'static str,
    pub title: String,
    pub site_name: String,
    pub tagline: String,
    pub skip: String,
    pub home: &'static str,
    pub search_action: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: String,
    pub other_lang_href: String,
    pub footer: String,
    pub nav_label: String,
    pub nav: Vec<NavLink>,
    /// Set on staff pages: who is signed in, and the sign-out form.
    pub signed_in: Option<SignedIn>,
    pub accessibility_href: String,
    pub accessibility_label: String,
}

pub struct NavLink {
    pub href: String,
    pub label: String,
    pub current: bool,
}

pub struct SignedIn {
    pub name: String,
    pub csrf: String,
    pub sign_out_action: String,
    pub sign_out_label: String,
}

impl Page {
    pub fn new(lang: Lang, title: String, uri: &axum::http::Uri) -> Page {
        let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
        let (home, search_action, other_lang, other_lang_href) = match lang {
            Lang::Lv => ("/", "/search", "en", format!("/en{path_and_query}")),
            Lang::En => (
                "/en/",
                "/en/search",
                "lv",
                match path_and_query.strip_prefix("/en") {
                    Some("") | None => "/".to_string(),
                    Some(rest) => rest.to_string(),
                },
            ),
        };
        Page {
            lang: lang.code(),
            title,
            site_name: t(lang, "site-name"),
            tagline: t(lang, "site-tagline"),
            skip: t(lang, "skip-to-content"),
            home,
            search_action,
            other_lang,
            other_lang_name: t(lang, "language-switch"),
            other_lang_href,
            footer: t(lang, "footer-text"),
            nav_label: t(lang, "nav-label"),
            nav: Self::links(
                lang,
                uri.path(),
                &[
                    ("/assistant", "nav-assistant"),
                    ("/requests/new", "nav-contact"),
                    ("/staff", "nav-staff"),
                ],
            ),
            signed_in: None,
            accessibility_href: localized(lang, "/accessibility"),
            accessibility_label: t(lang, "nav-accessibility"),
        }
    }

    /// A staff page: the workspace's links and the sign-out form instead of the portal's.
    fn staff(lang: Lang, title: String, uri: &axum::http::Uri, name: String, csrf: String) -> Page {
        let mut page = Page::new(lang, title, uri);
        page.home = match lang {
            Lang::Lv => "/staff",
            Lang::En => "/en/staff",
        };
        page.nav = Self::links(
            lang,
            uri.path(),
            &[
                ("/staff", "nav-queues"),
                ("/staff/contacts/new", "nav-register-contact"),
                ("/staff/calls", "nav-calls"),
                ("/staff/requesters", "nav-requesters"),
                ("/staff/kb", "nav-kb"),
                ("/staff/registers", "nav-registers"),
                ("/staff/admin", "nav-admin"),
                ("/", "nav-portal"),
            ],
        );
        page.signed_in = Some(SignedIn {
            name,
            csrf,
            sign_out_action: localized(lang, "/staff/sign-out"),
            sign_out_label: t(lang, "sign-out"),
        });
        page
    }

    /// A workspace page for this staff member: administration is linked for administrators only.
    pub fn workspace(
        lang: Lang,
        title: String,
        uri: &axum::http::Uri,
        staff: &atbalsts_domain::StaffActor,
        csrf: &str,
    ) -> Page {
        let mut page = Page::staff(lang, title, uri, staff.name.clone(), csrf.to_string());
        if !atbalsts_domain::admin::is_administrator(staff) {
            let admin = localized(lang, "/staff/admin");
            page.nav.retain(|l| l.href != admin);
        }
        page
    }

    fn links(lang: Lang, path: &str, items: &[(&str, &str)]) -> Vec<NavLink> {
        items
            .iter()
            .map(|(href, key)| {
                let href = localized(lang, href);
                NavLink {
                    current: path == href,
                    href,
                    label: t(lang, key),
                }
            })
            .collect()
    }
}

pub fn render(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be shown",
            )
                .into_response()
        }
    }
}

/// A portal path in `lang` (Latvian at the root, English under `/en`).
pub fn localized(lang: Lang, path: &str) -> String {
    match lang {
        Lang::Lv => path.to_string(),
        Lang::En => format!("/en{path}"),
    }
}

/// A register name in `lang`: the English one when there is one, else the Latvian.
pub fn in_lang(lang: Lang, lv: &str, en: Option<&str>) -> String {
    match lang {
        Lang::En => en.unwrap_or(lv).to_string(),
        Lang::Lv => lv.to_string(),
    }
}

pub fn article_href(lang: Lang, id: &str) -> String {
    localized(lang, &format!("/articles/{id}"))
}

/// A register code from a path: letters, digits, `-` and `_`.
pub fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 100
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    page: Page,
    text: String,
    home_label: String,
}

pub fn message(
    lang: Lang,
    uri: &axum::http::Uri,
    status: StatusCode,
    heading: &str,
    text: &str,
) -> Response {
    render(
        status,
        MessagePage {
            page: Page::new(lang, t(lang, heading), uri),
            text: t(lang, text),
            home_label: t(lang, "nav-home"),
        },
    )
}

/// A form whose body could not be read (400).
pub fn bad_form(lang: Lang, uri: &axum::http::Uri) -> Response {
    message(
        lang,
        uri,
        StatusCode::BAD_REQUEST,
        "bad-request-heading",
        "form-unreadable-text",
    )
}

/// A form without a valid CSRF token (403): open the page again and resend.
pub fn expired_form(lang: Lang, uri: &axum::http::Uri) -> Response {
    message(
        lang,
        uri,
        StatusCode::FORBIDDEN,
        "form-expired-heading",
        "form-expired-text",
    )
}

pub fn not_found(lang: Lang, uri: &axum::http::Uri) -> Response {
    message(
        lang,
        uri,
        StatusCode::NOT_FOUND,
        "not-found-heading",
        "not-found-text",
    )
}

pub fn unavailable(lang: Lang, uri: &axum::http::Uri, error: &str) -> Response {
    tracing::error!(error, "a portal page failed");
    message(
        lang,
        uri,
        StatusCode::SERVICE_UNAVAILABLE,
        "bad-request-heading",
        "results-none",
    )
}

/// A moment as people in Latvia read it, in Riga time: `29.11.2026. 10:15`
/// (Latvian) or `29 Nov 2026, 10:15` (English).
pub fn local_time(lang: Lang, rfc3339: &str) -> String {
    let Ok(ts) = rfc3339.parse::<jiff::Timestamp>() else {
        return rfc3339.to_string();
    };
    let z = ts.to_zoned(atbalsts_domain::hours::riga());
    match lang {
        Lang::Lv => z.strftime("%d.%m.%Y. %H:%M").to_string(),
        Lang::En => z.strftime("%-d %b %Y, %H:%M").to_string(),
    }
}

/// The same moment as a machine-readable `datetime` attribute.
pub fn iso_time(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// A form field's error, shown next to it and in the summary at the top.
pub struct FieldProblem {
    /// The control's `id`, for the summary's link.
    pub field: &'static str,
    pub message: String,
}

/// The problems of one form, looked up by field in the template.
#[derive(Default)]
pub struct Problems(pub Vec<FieldProblem>);

impl Problems {
    pub fn add(&mut self, lang: Lang, field: &'static str, key: &str) {
        self.0.push(FieldProblem {
            field,
            message: t(lang, key),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The page's status: 422 when the form has problems.
    pub fn status(&self) -> StatusCode {
        if self.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// The message for `field`, if it has one.
    /// Whether a field whose name starts with `prefix` has a problem (its form is shown open).
    pub fn any_prefixed(&self, prefix: &str) -> bool {
        self.0.iter().any(|p| p.field.starts_with(prefix))
    }

    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.message.as_str())
    }
}
