//! The article page every editor action answers with: the form and its
//! checks (the same as the JSON API's), and beside it the article as saved,
//! with its status moves, versions and translations. Opening, saving,
//! status changes and restores all render this one page, so that a refusal
//! shows up where the person was working.

use super::{Choice, Link, choices, editor_path, label, language_choices, local_day, may_edit};
use crate::i18n::t;
use crate::page::{FieldProblem, Page, Problems, article_href, local_time, localized, render};
use askama::Template;
use atbalsts_domain::FieldError;
use atbalsts_domain::kb::{self as rules, AUDIENCES, DraftInput, KINDS, LANGS, STATUSES, Snapshot};
use atbalsts_domain::validate::Errors;
use atbalsts_search::Lang;
use atbalsts_store::kb::Article;
use atbalsts_store::signin::Session;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ArticleForm {
    pub(super) csrf: String,
    /// `preview` or `save`.
    pub(super) action: String,
    /// The version the edit started from (existing articles).
    pub(super) version: String,
    /// The new article's id.
    pub(super) id: String,
    pub(super) lang: String,
    pub(super) translation_of: String,
    pub(super) title: String,
    pub(super) body: String,
    pub(super) tags: String,
    pub(super) services: String,
    pub(super) life_situations: String,
    pub(super) audience: String,
    pub(super) kind: String,
    pub(super) review_by: String,
    pub(super) note: String,
}

impl ArticleForm {
    pub(super) fn of(a: &Article) -> Self {
        ArticleForm {
            version: a.version.to_string(),
            id: a.id.clone(),
            lang: a.lang.clone(),
            translation_of: a.translation_of.clone().unwrap_or_default(),
            title: a.title.clone(),
            body: a.body.clone(),
            tags: a.tags.join(", "),
            services: a.services.join(", "),
            life_situations: a.life_situations.join(", "),
            audience: a.audience.clone(),
            kind: a.kind.clone(),
            review_by: a.review_by.clone().unwrap_or_default(),
            ..ArticleForm::default()
        }
    }
}

/// Comma-separated values (tags may contain spaces).
fn list_of(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// Codes separated by commas or spaces.
fn codes_of(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The form's control for a field the domain or the store named, and the text to show.
fn problem_for(lang: Lang, e: &FieldError) -> Option<FieldProblem> {
    let base = e.field.split('[').next().unwrap_or_default();
    let empty = e.message == "must not be empty";
    let (field, key): (&'static str, &str) = match base {
        "id" => ("id", "kb-error-id"),
        "lang" => ("lang", "kb-error-lang"),
        "translation_of" => ("translation_of", "kb-error-translation"),
        "title" if empty => ("title", "action-error-required"),
        "title" => ("title", "kb-error-title"),
        "body" if empty => ("body", "action-error-required"),
        "body" => ("body", "kb-error-body"),
        "services" => ("services", "kb-error-services"),
        "institution" => ("services", "kb-error-institution"),
        "life_situations" => ("life_situations", "kb-error-life-situations"),
        "tags" => ("tags", "kb-error-tags"),
        "audience" => ("audience", "action-error-choose"),
        "kind" => ("kind", "action-error-choose"),
        "review_by" => ("review_by", "kb-error-review-by"),
        "note" => ("note", "action-error-long"),
        _ => return None,
    };
    Some(FieldProblem {
        field,
        message: t(lang, key),
    })
}

/// Field errors as the form's problems, one per control.
pub(super) fn problems_of(lang: Lang, errors: &[FieldError]) -> Problems {
    let mut p = Problems::default();
    for e in errors {
        match problem_for(lang, e) {
            Some(found) if p.of(found.field).is_none() => p.0.push(found),
            Some(_) => {}
            None => {
                tracing::info!(field = %e.field, message = %e.message, "an article field error without a control")
            }
        }
    }
    p
}

/// Check the form as the JSON API checks its body; the id only for a new article.
pub(super) fn check(
    lang: Lang,
    form: &ArticleForm,
    new: bool,
) -> (Snapshot, Option<String>, Problems) {
    let mut e = Errors::default();
    if new {
        rules::slug(&mut e, "id", &form.id);
    }
    let (services, situations, tags) = (
        codes_of(&form.services),
        codes_of(&form.life_situations),
        list_of(&form.tags),
    );
    let content = rules::check_draft(
        &mut e,
        &DraftInput {
            lang: &form.lang,
            translation_of: Some(form.translation_of.as_str()),
            title: &form.title,
            body: &form.body,
            services: &services,
            tags: &tags,
            life_situations: &situations,
            audience: &form.audience,
            kind: &form.kind,
            review_by: Some(form.review_by.as_str()),
        },
        "draft",
    );
    let note = e.opt_text("note", Some(&form.note), rules::MAX_NOTE);
    (content, note, problems_of(lang, &e.0))
}

struct FormTexts {
    id: String,
    id_hint: String,
    lang: String,
    translation_of: String,
    translation_hint: String,
    title: String,
    body: String,
    body_hint: String,
    tags: String,
    tags_hint: String,
    services: String,
    services_hint: String,
    life_situations: String,
    life_situations_hint: String,
    audience: String,
    kind: String,
    review_by: String,
    review_hint: String,
    note: String,
    note_hint: String,
    preview: String,
    save: String,
    preview_heading: String,
    preview_note: String,
    details: String,
    status: String,
    version: String,
    updated: String,
    institution: String,
    status_heading: String,
    versions: String,
    translations: String,
    open_portal: String,
    read_only: String,
    none: String,
}

impl FormTexts {
    fn new(lang: Lang) -> Self {
        let k = |key: &str| t(lang, key);
        FormTexts {
            id: k("kb-field-id"),
            id_hint: k("kb-field-id-hint"),
            lang: k("kb-field-lang"),
            translation_of: k("kb-field-translation-of"),
            translation_hint: k("kb-field-translation-of-hint"),
            title: k("kb-field-title"),
            body: k("kb-field-body"),
            body_hint: k("kb-field-body-hint"),
            tags: k("kb-field-tags"),
            tags_hint: k("kb-field-tags-hint"),
            services: k("request-service"),
            services_hint: k("kb-field-services-hint"),
            life_situations: k("kb-field-life-situations"),
            life_situations_hint: k("kb-field-life-situations-hint"),
            audience: k("kb-field-audience"),
            kind: k("kb-field-kind"),
            review_by: k("kb-field-review-by"),
            review_hint: k("kb-field-review-by-hint"),
            note: k("kb-field-note"),
            note_hint: k("kb-field-note-hint"),
            preview: k("kb-preview"),
            save: k("kb-save"),
            preview_heading: k("kb-preview-heading"),
            preview_note: k("kb-preview-note"),
            details: k("kb-details"),
            status: k("col-status"),
            version: k("kb-version"),
            updated: k("col-updated"),
            institution: k("kb-institution"),
            status_heading: k("kb-status-heading"),
            versions: k("kb-versions-link"),
            translations: k("kb-translations"),
            open_portal: k("kb-open-portal"),
            read_only: k("kb-read-only"),
            none: k("staff-none"),
        }
    }
}

/// An existing article's side of the page.
struct Current {
    status: String,
    version: i64,
    updated: String,
    updated_iso: String,
    institution: String,
    /// The sanitised rendering, for the read-only view.
    html: String,
    portal_href: Option<String>,
    versions_href: String,
    status_action: String,
    /// The statuses it can be moved to: (value, button text).
    moves: Vec<Choice>,
    translations: Vec<Link>,
    create_translation: Option<Link>,
    facts: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "staff_kb_edit.html")]
struct EditPage {
    page: Page,
    l: FormTexts,
    notice: Option<String>,
    /// A conflict or refusal, with a link to what changed.
    error: Option<(String, Option<Link>)>,
    is_new: bool,
    editable: bool,
    action: String,
    csrf: String,
    form: ArticleForm,
    langs: Vec<Choice>,
    kinds: Vec<Choice>,
    audiences: Vec<Choice>,
    problems: Problems,
    problems_heading: String,
    preview: Option<String>,
    current: Option<Current>,
}

fn current_of(lang: Lang, a: &Article, editable: bool) -> Current {
    let k = |key: &str| t(lang, key);
    let other = LANGS
        .iter()
        .find(|l| **l != a.lang && !a.translations.iter().any(|tr| tr.lang == **l));
    let root = a.translation_of.clone().unwrap_or_else(|| a.id.clone());
    let create_translation = match other {
        Some(other) if editable => Some(Link {
            href: format!(
                "{}?translation_of={root}&lang={other}",
                localized(lang, "/staff/kb/new")
            ),
            text: format!(
                "{} ({})",
                k("kb-create-translation"),
                t(lang, &format!("kb-language-{other}"))
            ),
        }),
        _ => None,
    };
    let list = |v: &[String]| {
        if v.is_empty() {
            k("staff-none")
        } else {
            v.join(", ")
        }
    };
    Current {
        status: label(lang, "kb-status", &a.status),
        version: a.version,
        updated: local_time(lang, &a.updated_at),
        updated_iso: a.updated_at.clone(),
        institution: a.institution.clone().unwrap_or_else(|| k("staff-none")),
        html: a.html.clone(),
        portal_href: (a.status == "published" && a.audience == "public")
            .then(|| article_href(Lang::parse(&a.lang).unwrap_or(lang), &a.id)),
        versions_href: editor_path(lang, &a.id, "/versions"),
        status_action: editor_path(lang, &a.id, "/status"),
        moves: STATUSES
            .iter()
            .filter(|st| **st != a.status)
            .map(|st| Choice {
                value: (*st).to_string(),
                label: k(&format!("kb-move-{st}")),
            })
            .collect(),
        translations: a
            .translations
            .iter()
            .map(|tr| Link {
                href: editor_path(lang, &tr.id, ""),
                text: format!(
                    "{} ({})",
                    tr.id,
                    t(lang, &format!("kb-language-{}", tr.lang))
                ),
            })
            .collect(),
        create_translation,
        facts: vec![
            (k("kb-field-lang"), label(lang, "kb-language", &a.lang)),
            (k("kb-field-kind"), label(lang, "kb-kind", &a.kind)),
            (
                k("kb-field-audience"),
                label(lang, "kb-audience", &a.audience),
            ),
            (k("request-service"), list(&a.services)),
            (k("kb-field-life-situations"), list(&a.life_situations)),
            (k("kb-field-tags"), list(&a.tags)),
            (
                k("kb-field-review-by"),
                a.review_by
                    .as_deref()
                    .map_or_else(|| k("kb-review-none"), |d| local_day(lang, d)),
            ),
        ],
    }
}

/// What the edit page shows besides the form.
#[derive(Default)]
pub(super) struct Extras {
    pub(super) notice: Option<String>,
    pub(super) error: Option<(String, Option<Link>)>,
    pub(super) preview: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub(super) fn edit_page(
    lang: Lang,
    uri: &Uri,
    session: &Session,
    status: StatusCode,
    article: Option<&Article>,
    form: ArticleForm,
    problems: Problems,
    extras: Extras,
) -> Response {
    let k = |key: &str| t(lang, key);
    let editable = match article {
        Some(a) => may_edit(&session.staff, a),
        None => session.staff.role.edits_articles(),
    };
    let (title, action) = match article {
        Some(a) => (a.title.clone(), editor_path(lang, &a.id, "")),
        None => (k("kb-new"), localized(lang, "/staff/kb/new")),
    };
    render(
        status,
        EditPage {
            page: Page::workspace(lang, title, uri, &session.staff, &session.csrf_token),
            l: FormTexts::new(lang),
            notice: extras.notice,
            error: extras.error,
            is_new: article.is_none(),
            editable,
            action,
            csrf: session.csrf_token.clone(),
            form,
            langs: language_choices(lang),
            kinds: choices(lang, "kb-kind", &KINDS),
            audiences: choices(lang, "kb-audience", &AUDIENCES),
            problems,
            problems_heading: k("form-problems-heading"),
            preview: extras.preview,
            current: article.map(|a| current_of(lang, a, editable)),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_as_written() {
        assert_eq!(
            list_of("pase, ID karte ,, ceļošana"),
            ["pase", "ID karte", "ceļošana"]
        );
        assert_eq!(
            codes_of("PMLP-001, PMLP-003 VID-001"),
            ["PMLP-001", "PMLP-003", "VID-001"]
        );
    }

    #[test]
    fn field_errors_land_on_their_controls() {
        let p = problems_of(
            Lang::Lv,
            &[
                FieldError::new("services[1]", "bad"),
                FieldError::new("services", "no service with code X"),
                FieldError::new("title", "must not be empty"),
            ],
        );
        assert_eq!(p.0.len(), 2);
        assert_eq!(
            p.of("title"),
            Some(t(Lang::Lv, "action-error-required").as_str())
        );
        assert!(p.of("services").is_some());
    }
}
