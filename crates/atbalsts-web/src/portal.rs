//! The public portal's reading pages: home (search box and life situations),
//! search results, articles, life situations and services.

use super::csrf::{PublicToken, public_form};
use super::i18n::{t, t_count};
use super::page::{
    Page, article_href, in_lang, is_code, localized, message, not_found, render, unavailable,
};
use crate::AppState;
use crate::extract::ClientIp;
use askama::Template;
use atbalsts_search::Lang;
use axum::extract::{Extension, OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

/// Longest search text the portal accepts, in characters.
const MAX_QUERY: usize = 500;

struct Situation {
    href: String,
    name: String,
    services: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    heading: String,
    search_label: String,
    search_placeholder: String,
    search_button: String,
    query: String,
    situations_heading: String,
    situations: Vec<Situation>,
}

pub async fn home(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
) -> Response {
    let situations = match s.store.life_situations().await {
        Ok(list) => list,
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let situations = situations
        .into_iter()
        .map(|ls| Situation {
            href: localized(lang, &format!("/life-situations/{}", ls.id)),
            name: in_lang(lang, &ls.name_lv, ls.name_en.as_deref()),
            services: t_count(lang, "life-situation-services", ls.services.len()),
        })
        .collect();
    render(
        StatusCode::OK,
        HomePage {
            page: Page::new(lang, t(lang, "site-tagline"), &uri),
            heading: t(lang, "site-tagline"),
            search_label: t(lang, "search-label"),
            search_placeholder: t(lang, "search-placeholder"),
            search_button: t(lang, "search-button"),
            query: String::new(),
            situations_heading: t(lang, "life-situations-heading"),
            situations,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
}

struct ResultItem {
    href: String,
    lang: String,
    title: String,
    /// Escaped text with `<mark>` around matches (made by the index).
    snippet: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    page: Page,
    heading: String,
    search_label: String,
    search_placeholder: String,
    search_button: String,
    query: String,
    summary: String,
    results: Vec<ResultItem>,
}

struct ServiceLink {
    href: String,
    name: String,
    institution: String,
}

#[derive(Template)]
#[template(path = "life_situation.html")]
struct LifeSituationPage {
    page: Page,
    services_heading: String,
    services: Vec<ServiceLink>,
}

pub async fn life_situation(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
) -> Response {
    if !is_code(&id) {
        return not_found(lang, &uri);
    }
    let (situations, services, institutions) = match tokio::try_join!(
        s.store.life_situations(),
        s.store.services(None, Some(&id)),
        s.store.institutions()
    ) {
        Ok(all) => all,
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let Some(situation) = situations.into_iter().find(|ls| ls.id == id) else {
        return not_found(lang, &uri);
    };
    let services = services
        .into_iter()
        .map(|sv| ServiceLink {
            href: localized(lang, &format!("/services/{}", sv.code)),
            institution: institutions
                .iter()
                .find(|i| i.code == sv.institution)
                .map(|i| in_lang(lang, &i.name_lv, i.name_en.as_deref()))
                .unwrap_or(sv.institution),
            name: in_lang(lang, &sv.name_lv, sv.name_en.as_deref()),
        })
        .collect();
    render(
        StatusCode::OK,
        LifeSituationPage {
            page: Page::new(
                lang,
                in_lang(lang, &situation.name_lv, situation.name_en.as_deref()),
                &uri,
            ),
            services_heading: t(lang, "services-heading"),
            services,
        },
    )
}

struct LocationCard {
    name: String,
    address: String,
    hours: Vec<(String, String)>,
}

struct ArticleLink {
    href: String,
    title: String,
}

#[derive(Template)]
#[template(path = "service.html")]
struct ServicePage {
    page: Page,
    description: Option<String>,
    channels_label: String,
    channels: String,
    fee_label: String,
    fee: String,
    term_label: String,
    term: Option<String>,
    locations_heading: String,
    locations: Vec<LocationCard>,
    articles_heading: String,
    articles: Vec<ArticleLink>,
    no_articles: String,
    help_heading: String,
    ask_href: String,
    ask_label: String,
    contact_href: String,
    contact_label: String,
}

/// A fee as people in Latvia write it: `30,00 €` (Latvian) or `€30.00`.
fn fee(lang: Lang, euros: f64) -> String {
    if euros <= 0.0 {
        return t(lang, "service-free");
    }
    match lang {
        Lang::Lv => format!("{:.2} €", euros).replace('.', ","),
        Lang::En => format!("€{euros:.2}"),
    }
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

pub async fn service(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(code): Path<String>,
) -> Response {
    if !is_code(&code) {
        return not_found(lang, &uri);
    }
    let service = match s.store.service(&code).await {
        Ok(sv) => sv,
        Err(atbalsts_store::StoreError::NotFound(_)) => return not_found(lang, &uri),
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let (locations, articles) = match tokio::try_join!(
        s.store.locations(),
        s.store.articles(false, Some(lang.code()), Some(&code))
    ) {
        Ok(both) => both,
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let channels = service
        .channels
        .iter()
        .map(|c| t(lang, &format!("channel-{c}")))
        .collect::<Vec<_>>()
        .join(", ");
    let term = service.deadline_days.and_then(|days| {
        let days = usize::try_from(days).ok()?;
        match service.deadline_unit.as_deref() {
            Some("working_days") => Some(t_count(lang, "working-days", days)),
            Some("calendar_days") => Some(t_count(lang, "calendar-days", days)),
            _ => None,
        }
    });
    let locations = locations
        .into_iter()
        .filter(|l| l.services.contains(&code))
        .map(|l| LocationCard {
            address: format!("{}, {}", l.address, l.town),
            name: l.name,
            hours: DAYS
                .iter()
                .map(|day| {
                    let hours = l
                        .opening_hours
                        .get(*day)
                        .filter(|h| !h.is_empty())
                        .map_or_else(
                            || t(lang, "opening-closed"),
                            |h| h.join(", ").replace('-', "–"),
                        );
                    (t(lang, &format!("day-{day}")), hours)
                })
                .collect(),
        })
        .collect();
    let (title, description) = match lang {
        Lang::En => (
            service.name_en.clone().unwrap_or(service.name_lv.clone()),
            service
                .description_en
                .clone()
                .or(service.description_lv.clone()),
        ),
        Lang::Lv => (service.name_lv.clone(), service.description_lv.clone()),
    };
    render(
        StatusCode::OK,
        ServicePage {
            page: Page::new(lang, title, &uri),
            description,
            channels_label: t(lang, "service-channels"),
            channels,
            fee_label: t(lang, "service-fee"),
            fee: fee(lang, service.fee_eur),
            term_label: t(lang, "service-term"),
            term,
            locations_heading: t(lang, "service-locations"),
            locations,
            articles_heading: t(lang, "service-articles"),
            articles: articles
                .into_iter()
                .map(|a| ArticleLink {
                    href: article_href(lang, &a.id),
                    title: a.title,
                })
                .collect(),
            no_articles: t(lang, "service-no-articles"),
            help_heading: t(lang, "service-help"),
            ask_href: localized(lang, "/assistant"),
            ask_label: t(lang, "nav-assistant"),
            contact_href: localized(lang, &format!("/requests/new?service={code}")),
            contact_label: t(lang, "nav-contact"),
        },
    )
}

pub async fn search(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(params)) = params else {
        return message(
            lang,
            &uri,
            StatusCode::BAD_REQUEST,
            "bad-request-heading",
            "not-found-text",
        );
    };
    let query = params.q.trim().to_string();
    if query.chars().count() > MAX_QUERY || query.chars().any(char::is_control) {
        return message(
            lang,
            &uri,
            StatusCode::BAD_REQUEST,
            "bad-request-heading",
            "results-none",
        );
    }
    let mut results = Vec::new();
    if !query.is_empty() {
        let found = s
            .search
            .articles(crate::search::ArticleQuery {
                lang: atbalsts_search::assistant::detect_language(&query).unwrap_or(lang),
                text: query.clone(),
                only_lang: None,
                service: None,
                staff: false,
                limit: 20,
            })
            .await;
        match found {
            Ok(found) => {
                if found.hits.is_empty() {
                    s.search.note_gap(&query, lang.code(), "portal");
                }
                results = found
                    .hits
                    .into_iter()
                    .map(|h| ResultItem {
                        href: article_href(lang, &h.id),
                        lang: h.lang,
                        title: h.title,
                        snippet: h.snippet,
                    })
                    .collect();
            }
            Err(e) => return unavailable(lang, &uri, &e.to_string()),
        }
    }
    let summary = if results.is_empty() {
        t(lang, "results-none")
    } else {
        t_count(lang, "results-count", results.len())
    };
    render(
        StatusCode::OK,
        SearchPage {
            page: Page::new(lang, t(lang, "results-heading"), &uri),
            heading: t(lang, "results-heading"),
            search_label: t(lang, "search-label"),
            search_placeholder: t(lang, "search-placeholder"),
            search_button: t(lang, "search-button"),
            query,
            summary,
            results,
        },
    )
}

struct TranslationLink {
    href: String,
    lang: String,
}

#[derive(Template)]
#[template(path = "article.html")]
struct ArticlePage {
    page: Page,
    article_lang: String,
    updated_label: String,
    updated_at: String,
    updated_day: String,
    /// Rendered from Markdown and sanitised by the store.
    html: String,
    translation: Option<TranslationLink>,
    translation_label: String,
    feedback: FeedbackTexts,
    feedback_action: String,
    csrf: String,
    thanks: bool,
}

struct FeedbackTexts {
    question: String,
    yes: String,
    no: String,
    comment: String,
    thanks: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ArticleParams {
    feedback: String,
}

/// An article id from a path: letters, digits, `-` and `_`.
fn is_article_id(id: &str) -> bool {
    is_code(id)
}

pub async fn article(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    params: Result<Query<ArticleParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if !is_article_id(&id) {
        return not_found(lang, &uri);
    }
    let article = match s.store.article(false, &id).await {
        Ok(a) => a,
        Err(atbalsts_store::StoreError::NotFound(_)) => return not_found(lang, &uri),
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let translation = article
        .translations
        .iter()
        .find(|tr| tr.lang != article.lang)
        .map(|tr| TranslationLink {
            href: article_href(Lang::parse(&tr.lang).unwrap_or(lang), &tr.id),
            lang: tr.lang.clone(),
        });
    let translation_label = match translation.as_ref().map(|tr| tr.lang.as_str()) {
        Some("lv") => t(Lang::En, "article-translation"),
        _ => t(Lang::Lv, "article-translation"),
    };
    let updated_day = article.updated_at.get(..10).unwrap_or_default().to_string();
    let csrf = PublicToken::of(&jar);
    let page = render(
        StatusCode::OK,
        ArticlePage {
            page: Page::new(lang, article.title.clone(), &uri),
            article_lang: article.lang.clone(),
            updated_label: t(lang, "article-updated"),
            updated_at: article.updated_at.clone(),
            updated_day,
            html: article.html,
            translation,
            translation_label,
            feedback: FeedbackTexts {
                question: t(lang, "feedback-question"),
                yes: t(lang, "feedback-yes"),
                no: t(lang, "feedback-no"),
                comment: t(lang, "feedback-comment"),
                thanks: t(lang, "feedback-thanks"),
            },
            feedback_action: article_href(lang, &format!("{id}/feedback")),
            csrf: csrf.token.clone(),
            thanks: params.is_ok_and(|Query(p)| p.feedback == "thanks"),
        },
    );
    (csrf.save(jar, s.secure_cookies), page).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FeedbackForm {
    csrf: String,
    helpful: String,
    comment: String,
}

/// "Was this helpful?" from the article page; back to the article with thanks.
pub async fn article_feedback(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    jar: CookieJar,
    form: Result<Form<FeedbackForm>, axum_extra::extract::FormRejection>,
) -> Response {
    if !is_article_id(&id) {
        return not_found(lang, &uri);
    }
    let form = match public_form(lang, &uri, &jar, form, |f| &f.csrf) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let helpful = match form.helpful.as_str() {
        "yes" => true,
        "no" => false,
        _ => {
            return crate::page::bad_form(lang, &uri);
        }
    };
    let comment = form.comment.trim();
    if comment.chars().count() > atbalsts_domain::validate::MAX_REASON
        || comment
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return message(
            lang,
            &uri,
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad-request-heading",
            "feedback-error-comment",
        );
    }
    if s.limits.public_write(ip).is_err() {
        return message(
            lang,
            &uri,
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-heading",
            "too-many-text",
        );
    }
    let comment = (!comment.is_empty()).then_some(comment);
    match s.store.article_feedback(false, &id, helpful, comment).await {
        Ok(_) => {
            Redirect::to(&format!("{}?feedback=thanks", article_href(lang, &id))).into_response()
        }
        Err(atbalsts_store::StoreError::NotFound(_)) => not_found(lang, &uri),
        Err(e) => unavailable(lang, &uri, &e.to_string()),
    }
}
