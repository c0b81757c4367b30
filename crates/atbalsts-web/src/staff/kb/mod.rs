//! The knowledge-base editor: the list of articles (with a status and
//! language filter) and those due for review, the article form with a
//! preview and optimistic concurrency, status changes, versions with diffs
//! and restore, and new articles and translations. Every write goes through
//! the same functions as the JSON API (`atbalsts_http::kb_edit`), so the same
//! rules apply and the search index is updated before the answer.
//!
//! The list stands alone (`list`); the article page (`form`) is what
//! writing (`edit`) and the history (`versions`) both answer with, so a
//! refusal shows on the page the person was working on.

mod edit;
mod form;
mod list;
mod versions;

use super::{Choice, posted, signed_in};
use crate::AppState;
use crate::i18n::t;
use crate::page::{localized, message, not_found, unavailable};
use atbalsts_domain::StaffActor;
use atbalsts_domain::access::{ArticleFacts, authorize_article_edit};
use atbalsts_domain::kb::LANGS;
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::kb::{Article, Viewer};
use atbalsts_store::signin::Session;
use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff/kb", get(list::list))
        .route("/staff/kb/new", get(edit::new_form).post(edit::create))
        .route("/staff/kb/{id}", get(edit::edit).post(edit::save))
        .route("/staff/kb/{id}/status", post(versions::status))
        .route("/staff/kb/{id}/versions", get(versions::versions))
        .route("/staff/kb/{id}/diff", get(versions::diff))
        .route("/staff/kb/{id}/restore", post(versions::restore))
}

/// An article id from a path: only what a slug or an imported id can be.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn editor_path(lang: Lang, id: &str, rest: &str) -> String {
    localized(lang, &format!("/staff/kb/{id}{rest}"))
}

/// Whether the domain rule lets this person edit the article.
fn may_edit(staff: &StaffActor, a: &Article) -> bool {
    authorize_article_edit(
        staff,
        ArticleFacts {
            institution: a.institution.as_deref(),
            services: &a.services,
        },
    )
    .is_ok()
}

/// After a change, back to the article with what was done (a reload does
/// not send the form again).
fn done(lang: Lang, id: &str, what: &str) -> Response {
    Redirect::to(&format!("{}?done={what}", editor_path(lang, id, ""))).into_response()
}

fn forbidden(lang: Lang, uri: &Uri) -> Response {
    message(
        lang,
        uri,
        StatusCode::FORBIDDEN,
        "kb-forbidden-heading",
        "kb-forbidden-text",
    )
}

/// A `YYYY-MM-DD` day as people read it: `30.06.2027.` or `30 Jun 2027`.
pub(super) fn local_day(lang: Lang, day: &str) -> String {
    match day.parse::<jiff::civil::Date>() {
        Ok(d) => match lang {
            Lang::Lv => d.strftime("%d.%m.%Y.").to_string(),
            Lang::En => d.strftime("%-d %b %Y").to_string(),
        },
        Err(_) => day.to_string(),
    }
}

/// The text for a wire value (`kb-status-draft`), or the value itself when there is none.
pub(super) fn label(lang: Lang, prefix: &str, value: &str) -> String {
    let key = format!("{prefix}-{value}");
    let text = t(lang, &key);
    if text == key { value.to_string() } else { text }
}

fn choices(lang: Lang, prefix: &str, values: &[&str]) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice {
            value: (*v).to_string(),
            label: label(lang, prefix, v),
        })
        .collect()
}

fn language_choices(lang: Lang) -> Vec<Choice> {
    LANGS
        .iter()
        .map(|v| Choice {
            value: (*v).to_string(),
            label: t(lang, &format!("kb-language-{v}")),
        })
        .collect()
}

struct Link {
    href: String,
    text: String,
}

/// The signed-in person and the article as they may see it, or the page to
/// answer instead.
async fn viewed(
    s: &AppState,
    jar: &CookieJar,
    lang: Lang,
    uri: &Uri,
    id: &str,
) -> Result<(Session, Article), Response> {
    let session = signed_in(s, jar, lang, uri).await?;
    let article = load(s, lang, uri, &session.staff, id).await?;
    Ok((session, article))
}

/// A posted form on an article the signed-in person may edit: the session,
/// the form and the article, or the page to answer instead.
async fn posted_edit<F>(
    s: &AppState,
    lang: Lang,
    uri: &Uri,
    jar: &CookieJar,
    id: &str,
    form: Result<Form<F>, axum_extra::extract::FormRejection>,
    token: impl Fn(&F) -> &str,
) -> Result<(Session, F, Article), Response> {
    let (session, form) = posted(s, lang, uri, jar, form, token).await?;
    let article = load(s, lang, uri, &session.staff, id).await?;
    if !may_edit(&session.staff, &article) {
        return Err(forbidden(lang, uri));
    }
    Ok((session, form, article))
}

/// The article as this person may see it (drafts only for its editors); no view counted.
async fn load(
    s: &AppState,
    lang: Lang,
    uri: &Uri,
    staff: &StaffActor,
    id: &str,
) -> Result<Article, Response> {
    if !valid_id(id) {
        return Err(not_found(lang, uri));
    }
    match s.store.article_unviewed(Viewer::Staff(staff), id).await {
        Ok(a) => Ok(a),
        Err(StoreError::NotFound(_)) => Err(not_found(lang, uri)),
        Err(e) => Err(unavailable(lang, uri, &e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_days_read_locally() {
        assert_eq!(local_day(Lang::Lv, "2027-06-30"), "30.06.2027.");
        assert_eq!(local_day(Lang::En, "2027-06-30"), "30 Jun 2027");
    }
}
