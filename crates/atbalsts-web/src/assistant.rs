//! The virtual assistant as a chat page. Without JavaScript the question
//! form posts here and the page comes back with the conversation so far (read
//! from the store; the conversation's id travels in a hidden field). With
//! JavaScript, `chat.js` sends the question to the JSON API and appends the
//! answer in place. When the assistant cannot answer, the page offers a
//! person: the hand-over form creates a chat ticket and leads to its private
//! page. Answering and handing over are the JSON API's own functions.

use super::csrf::PublicToken;
use super::i18n::t;
use super::page::{Page, article_href, in_lang, localized, message, render};
use crate::extract::ClientIp;
use crate::{ApiError, AppState};
use askama::Template;
use atbalsts_domain::{DomainError, FieldError, validate};
use atbalsts_http::assistant::{HandoffBody, answer, hand_over};
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::assistant::PastTurn;
use axum::extract::{Extension, OriginalUri, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use axum_extra::extract::{Form, FormRejection};
use serde::Deserialize;

const SCRIPT: &str = include_str!("../static/chat.js");

/// Longest question the page accepts, in characters.
const MAX_QUESTION: usize = 1000;
/// Longest note for the specialist, in characters.
const MAX_MESSAGE: usize = validate::MAX_REASON;

/// An article the assistant cited, as a portal link.
struct Source {
    href: String,
    title: String,
}

/// A question and its reply on the page.
struct TurnView {
    question: String,
    reply: String,
    /// The reply's language (a question in English gets an English reply).
    reply_lang: &'static str,
    sources: Vec<Source>,
}

/// An error of the page's forms: next to its field (and linked from the
/// summary), or in the summary only.
struct Problem {
    field: Option<&'static str>,
    message: String,
}

/// What the person typed into the hand-over form, shown back on errors.
#[derive(Default)]
struct HandoffValues {
    name: String,
    email: String,
    message: String,
    service: String,
    consent: bool,
}

#[derive(Template)]
#[template(path = "assistant.html")]
struct AssistantPage {
    page: Page,
    lang: Lang,
    action: String,
    handoff_action: String,
    csrf: String,
    /// The open conversation's id; empty before the first question.
    session: String,
    turns: Vec<TurnView>,
    problems: Vec<Problem>,
    /// The question shown back when it could not be asked.
    question: String,
    show_helped: bool,
    show_handoff: bool,
    thanked: bool,
    handoff: HandoffValues,
    /// Services to choose from in the hand-over form: (code, name).
    services: Vec<(String, String)>,
}

impl AssistantPage {
    fn new(lang: Lang, uri: &Uri, csrf: String) -> AssistantPage {
        AssistantPage {
            page: Page::new(lang, t(lang, "assistant-title"), uri),
            lang,
            action: localized(lang, "/assistant"),
            handoff_action: localized(lang, "/assistant/handoff"),
            csrf,
            session: String::new(),
            turns: Vec::new(),
            problems: Vec::new(),
            question: String::new(),
            show_helped: false,
            show_handoff: false,
            thanked: false,
            handoff: HandoffValues::default(),
            services: Vec::new(),
        }
    }

    /// An interface text in the page's language.
    fn tr(&self, key: &str) -> String {
        t(self.lang, key)
    }

    /// The error of `field`, if it has one.
    fn error_of(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|p| p.field == Some(field))
            .map(|p| p.message.as_str())
    }

    /// The `aria-describedby` of `field`: its hint (if any) and its error.
    fn described_by(&self, field: &str, hint: Option<&str>) -> String {
        let error = self.error_of(field).map(|_| format!("{field}-error"));
        [hint.map(str::to_string), error]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn problem(&mut self, field: Option<&'static str>, key: &str) {
        self.problems.push(Problem {
            field,
            message: t(self.lang, key),
        });
    }

    fn with_turns(mut self, turns: Vec<PastTurn>) -> Self {
        let lang = self.lang;
        self.turns = turns
            .into_iter()
            .map(|turn| TurnView {
                reply_lang: atbalsts_search::assistant::detect_language(&turn.reply)
                    .unwrap_or(lang)
                    .code(),
                question: turn.question,
                reply: turn.reply,
                sources: turn
                    .articles
                    .into_iter()
                    .map(|a| Source {
                        href: article_href(lang, &a.id),
                        title: a.title,
                    })
                    .collect(),
            })
            .collect();
        self
    }

    /// Fill the hand-over form's list of services, the conversation's own first.
    async fn with_services(mut self, s: &AppState) -> Self {
        let lang = self.lang;
        match s.store.services(None, None).await {
            Ok(list) => {
                self.services = list
                    .into_iter()
                    .map(|sv| {
                        let name = in_lang(lang, &sv.name_lv, sv.name_en.as_deref());
                        (sv.code, name)
                    })
                    .collect();
                self.services.sort_by(|a, b| a.1.cmp(&b.1));
            }
            // The list only helps to route; the form works without it.
            Err(e) => tracing::warn!(error = %e, "services for the hand-over form"),
        }
        self
    }
}

/// The question form, the "this helped" buttons and the "talk to a person" button.
#[derive(Debug, Default, Deserialize)]
pub struct AskForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    session: String,
    #[serde(default)]
    q: String,
    /// `ask` (the default), `helped` or `person`.
    #[serde(default)]
    intent: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct HandoffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    session: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    service: String,
    consent: Option<String>,
}

/// A conversation id as the API makes them (anything else is a forged form).
fn is_session(id: &str) -> bool {
    (16..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn bad_form(lang: Lang, uri: &Uri) -> Response {
    message(
        lang,
        uri,
        StatusCode::BAD_REQUEST,
        "bad-request-heading",
        "assistant-bad-form-text",
    )
}

fn forbidden(lang: Lang, uri: &Uri) -> Response {
    message(
        lang,
        uri,
        StatusCode::FORBIDDEN,
        "assistant-csrf-heading",
        "assistant-csrf-text",
    )
}

/// The empty chat page.
pub async fn page(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
) -> (CookieJar, Response) {
    let token = PublicToken::of(&jar);
    let view = AssistantPage::new(lang, &uri, token.token.clone());
    (
        token.save(jar, s.secure_cookies),
        render(StatusCode::OK, view),
    )
}

/// A question without JavaScript, "this helped", or "talk to a person".
pub async fn ask(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    form: Result<Form<AskForm>, FormRejection>,
) -> (CookieJar, Response) {
    let Ok(Form(form)) = form else {
        return (jar, bad_form(lang, &uri));
    };
    if !PublicToken::verify(&jar, &form.csrf) {
        return (jar, forbidden(lang, &uri));
    }
    let session = form.session.trim();
    if !session.is_empty() && !is_session(session) {
        return (jar, bad_form(lang, &uri));
    }
    let mut view = AssistantPage::new(lang, &uri, form.csrf.clone());
    let response = match form.intent.as_str() {
        "helped" if !session.is_empty() => helped(&s, view, session).await,
        "person" if !session.is_empty() => person(&s, view, session).await,
        "" | "ask" => {
            view.session = session.to_string();
            question(&s, view, ip, &form.q).await
        }
        _ => bad_form(lang, &uri),
    };
    (jar, response)
}

async fn question(
    s: &AppState,
    mut view: AssistantPage,
    ip: Option<std::net::IpAddr>,
    text: &str,
) -> Response {
    // Browsers send a text area's line breaks as CR LF.
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    view.question = text.to_string();
    let problem = if text.is_empty() {
        Some("assistant-error-question-empty")
    } else if text.chars().count() > MAX_QUESTION {
        Some("assistant-error-question-long")
    } else if text.chars().any(|c| c.is_control() && c != '\n') {
        Some("assistant-error-question-control")
    } else {
        None
    };
    let session = (!view.session.is_empty()).then(|| view.session.clone());
    if let Some(key) = problem {
        view.problem(Some("question"), key);
        return conversation(
            s,
            view,
            session.as_deref(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match answer(s, false, ip, text, Some(view.lang), session.as_deref()).await {
        Ok(reply) => {
            view.question.clear();
            view.session = reply.session.clone();
            view.show_handoff = reply.handoff_offered;
            view.show_helped = reply.answer && !reply.results.is_empty() && !reply.handoff_offered;
            if view.show_handoff {
                view.handoff.service = reply.service.clone().unwrap_or_default();
                view = view.with_services(s).await;
            }
            conversation(s, view, Some(&reply.session), StatusCode::OK).await
        }
        Err(ApiError::TooManyRequests(_)) => {
            view.problem(Some("question"), "assistant-error-busy");
            conversation(s, view, session.as_deref(), StatusCode::TOO_MANY_REQUESTS).await
        }
        Err(ApiError::NotFound(_))
        | Err(ApiError::Store(StoreError::NotFound(_)))
        | Err(ApiError::Store(StoreError::Domain(DomainError::Conflict(_)))) => {
            // The conversation has ended (or never was): the next question starts a new one.
            view.session.clear();
            view.problem(Some("question"), "assistant-error-ended");
            render(StatusCode::CONFLICT, view)
        }
        Err(e) => {
            tracing::warn!(error = %e, "the assistant page could not answer");
            view.problem(Some("question"), "assistant-error-unavailable");
            render(StatusCode::SERVICE_UNAVAILABLE, view)
        }
    }
}

/// The page with the conversation `session` read back from the store.
async fn conversation(
    s: &AppState,
    view: AssistantPage,
    session: Option<&str>,
    status: StatusCode,
) -> Response {
    let Some(id) = session else {
        return render(status, view);
    };
    match s.store.assistant_turns(id).await {
        Ok(turns) => render(status, view.with_turns(turns)),
        Err(e) => {
            tracing::warn!(error = %e, "reading a conversation for the assistant page");
            render(status, view)
        }
    }
}

async fn helped(s: &AppState, mut view: AssistantPage, session: &str) -> Response {
    match s.store.mark_helped(session).await {
        Ok(_) => {
            view.thanked = true;
            render(StatusCode::OK, view)
        }
        Err(StoreError::NotFound(_)) => {
            view.problem(Some("question"), "assistant-error-ended");
            render(StatusCode::NOT_FOUND, view)
        }
        Err(StoreError::Domain(DomainError::Conflict(_))) => {
            view.problem(Some("question"), "assistant-error-handed");
            render(StatusCode::CONFLICT, view)
        }
        Err(e) => {
            tracing::warn!(error = %e, "marking a conversation helped");
            view.problem(Some("question"), "assistant-error-unavailable");
            render(StatusCode::SERVICE_UNAVAILABLE, view)
        }
    }
}

/// The conversation with the hand-over form, when the person asks for it.
async fn person(s: &AppState, mut view: AssistantPage, session: &str) -> Response {
    match s.store.assistant_session(session).await {
        Ok(found) if found.outcome == "open" => {
            view.session = session.to_string();
            view.show_handoff = true;
            view.handoff.service = found.service.unwrap_or_default();
            let view = view.with_services(s).await;
            conversation(s, view, Some(session), StatusCode::OK).await
        }
        Ok(_) | Err(StoreError::NotFound(_)) => {
            view.problem(Some("question"), "assistant-error-ended");
            render(StatusCode::CONFLICT, view)
        }
        Err(e) => {
            tracing::warn!(error = %e, "reading a conversation for the assistant page");
            view.problem(Some("question"), "assistant-error-unavailable");
            render(StatusCode::SERVICE_UNAVAILABLE, view)
        }
    }
}

/// The hand-over form: a chat ticket for a person, then its private page.
pub async fn handoff(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    form: Result<Form<HandoffForm>, FormRejection>,
) -> (CookieJar, Response) {
    let Ok(Form(form)) = form else {
        return (jar, bad_form(lang, &uri));
    };
    if !PublicToken::verify(&jar, &form.csrf) {
        return (jar, forbidden(lang, &uri));
    }
    let session = form.session.trim().to_string();
    if !is_session(&session) {
        return (jar, bad_form(lang, &uri));
    }
    let response = hand_over_page(&s, lang, &uri, ip, form, session).await;
    (jar, response)
}

async fn hand_over_page(
    s: &AppState,
    lang: Lang,
    uri: &Uri,
    ip: Option<std::net::IpAddr>,
    form: HandoffForm,
    session: String,
) -> Response {
    let mut view = AssistantPage::new(lang, uri, form.csrf.clone());
    view.session = session.clone();
    view.show_handoff = true;
    view.handoff = HandoffValues {
        name: form.name.trim().to_string(),
        email: form.email.trim().to_string(),
        message: form.message.replace("\r\n", "\n").trim().to_string(),
        service: form.service.trim().to_string(),
        consent: form.consent.is_some(),
    };
    let name = &view.handoff.name;
    if name.is_empty()
        || name.chars().count() > validate::MAX_NAME
        || name.chars().any(char::is_control)
    {
        view.problem(Some("handoff-name"), "assistant-error-name");
    }
    if !validate::is_email(&view.handoff.email) {
        view.problem(Some("handoff-email"), "assistant-error-email");
    }
    let service = &view.handoff.service;
    if !service.is_empty() && !super::page::is_code(service) {
        view.problem(Some("handoff-service"), "assistant-error-service");
    }
    let note = &view.handoff.message;
    if note.chars().count() > MAX_MESSAGE
        || note
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        view.problem(Some("handoff-message"), "assistant-error-message");
    }
    if !view.handoff.consent {
        view.problem(Some("handoff-consent"), "assistant-error-consent");
    }
    if !view.problems.is_empty() {
        let view = view.with_services(s).await;
        return conversation(s, view, Some(&session), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let body = HandoffBody {
        name: view.handoff.name.clone(),
        email: Some(view.handoff.email.clone()),
        phone: None,
        message: (!view.handoff.message.is_empty()).then(|| view.handoff.message.clone()),
        service: (!view.handoff.service.is_empty()).then(|| view.handoff.service.clone()),
    };
    let status = match hand_over(s, false, ip, &session, body).await {
        Ok(created) => {
            return match created.access_token {
                Some(token) => {
                    Redirect::to(&localized(lang, &format!("/t/{token}"))).into_response()
                }
                None => message(
                    lang,
                    uri,
                    StatusCode::CREATED,
                    "assistant-handed-heading",
                    "assistant-handed-text",
                ),
            };
        }
        Err(ApiError::Invalid(fields))
        | Err(ApiError::Store(StoreError::Domain(DomainError::Invalid(fields)))) => {
            for FieldError { field, .. } in &fields {
                match field.as_str() {
                    "name" => view.problem(Some("handoff-name"), "assistant-error-name"),
                    "email" => view.problem(Some("handoff-email"), "assistant-error-email"),
                    "message" => view.problem(Some("handoff-message"), "assistant-error-message"),
                    _ => view.problem(Some("handoff-service"), "assistant-error-service"),
                }
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ApiError::TooManyRequests(_)) => {
            view.problem(None, "assistant-error-busy");
            StatusCode::TOO_MANY_REQUESTS
        }
        Err(ApiError::NotFound(_))
        | Err(ApiError::Store(StoreError::NotFound(_)))
        | Err(ApiError::Store(StoreError::Domain(DomainError::Conflict(_)))) => {
            view.show_handoff = false;
            view.session.clear();
            view.problem(Some("question"), "assistant-error-handed");
            StatusCode::CONFLICT
        }
        Err(e) => {
            tracing::warn!(error = %e, "handing a conversation over from the assistant page");
            view.problem(None, "assistant-error-unavailable");
            StatusCode::SERVICE_UNAVAILABLE
        }
    };
    let view = if view.show_handoff {
        view.with_services(s).await
    } else {
        view
    };
    conversation(s, view, Some(&session), status).await
}

/// The chat page's script: questions without a page reload.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_ids_are_checked() {
        assert!(is_session("abcdefghijklmnop"));
        assert!(is_session(&atbalsts_store::tickets::new_secret()));
        assert!(!is_session("short"));
        assert!(!is_session("../../../etc/passwd/xxxxxxxx"));
    }

    #[test]
    fn errors_are_tied_to_their_fields() {
        let uri = Uri::from_static("/assistant");
        let mut view = AssistantPage::new(Lang::Lv, &uri, "x".into());
        assert_eq!(
            view.described_by("question", Some("question-hint")),
            "question-hint"
        );
        view.problem(Some("question"), "assistant-error-question-empty");
        assert_eq!(
            view.described_by("question", Some("question-hint")),
            "question-hint question-error"
        );
        assert_eq!(view.described_by("handoff-email", None), "");
        assert_eq!(
            view.error_of("question"),
            Some(t(Lang::Lv, "assistant-error-question-empty").as_str())
        );
    }
}
