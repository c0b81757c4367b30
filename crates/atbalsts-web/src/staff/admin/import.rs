//! The register import: the system administrator uploads register files
//! (institutions, services, locations, …); all are checked before any is
//! written, and the page reports what was created, updated and unchanged, or
//! every problem found.

use super::{administrator, staff_page};
use crate::AppState;
use crate::csrf;
use crate::i18n::t;
use crate::page::{Page, localized, message, render, unavailable};
use askama::Template;
use atbalsts_domain::DomainError;
use atbalsts_domain::admin::authorize_register_import;
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::registers::{FILES, RegisterBatch};
use atbalsts_store::signin::Session;
use axum::extract::{Extension, Multipart, OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;

/// The signed-in administrator who may import registers (the system
/// administrator), or the page to show instead.
async fn importer(
    s: &AppState,
    jar: &CookieJar,
    lang: Lang,
    uri: &axum::http::Uri,
) -> Result<Session, Response> {
    let session = administrator(s, jar, lang, uri).await?;
    if authorize_register_import(&session.staff).is_err() {
        return Err(message(
            lang,
            uri,
            StatusCode::FORBIDDEN,
            "admin-forbidden-heading",
            "admin-import-forbidden",
        ));
    }
    Ok(session)
}

struct ReportLine {
    file: String,
    created: usize,
    updated: usize,
    unchanged: usize,
}

#[derive(Template)]
#[template(path = "staff_admin_import.html")]
struct ImportPage {
    page: Page,
    action: String,
    csrf: String,
    intro: String,
    files_label: String,
    submit: String,
    report: Vec<ReportLine>,
    report_heading: String,
    errors: Vec<String>,
    errors_heading: String,
    h: Vec<String>,
}

fn import_page(
    lang: Lang,
    uri: &axum::http::Uri,
    session: &Session,
    status: StatusCode,
    report: Vec<ReportLine>,
    errors: Vec<String>,
) -> Response {
    let k = |key: &str| t(lang, key);
    render(
        status,
        ImportPage {
            page: staff_page(lang, k("admin-import"), uri, session),
            action: localized(lang, "/staff/admin/import"),
            csrf: session.csrf_token.clone(),
            intro: k("admin-import-intro"),
            files_label: k("admin-import-files"),
            submit: k("admin-import-submit"),
            report,
            report_heading: k("admin-import-done"),
            errors,
            errors_heading: k("admin-import-errors"),
            h: [
                "admin-import-file",
                "admin-created",
                "admin-updated",
                "admin-unchanged",
            ]
            .iter()
            .map(|key| k(key))
            .collect(),
        },
    )
}

pub async fn import_form(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
) -> Response {
    let session = match importer(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    import_page(lang, &uri, &session, StatusCode::OK, Vec::new(), Vec::new())
}

pub async fn import(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let session = match importer(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let unreadable = |lang| crate::page::bad_form(lang, &uri);
    let Ok(mut multipart) = multipart else {
        return unreadable(lang);
    };
    let mut csrf_ok = false;
    let mut batch = RegisterBatch::default();
    let mut errors = Vec::new();
    let mut files = 0;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return unreadable(lang),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let Ok(bytes) = field.bytes().await else {
            return unreadable(lang);
        };
        match (name.as_str(), file_name) {
            ("csrf", _) => {
                csrf_ok = csrf::same(&session.csrf_token, &String::from_utf8_lossy(&bytes));
            }
            ("files", Some(file)) if !file.is_empty() => {
                let base = file.rsplit(['/', '\\']).next().unwrap_or(&file).to_string();
                if !FILES.contains(&base.as_str()) {
                    errors.push(format!("{base}: {}", t(lang, "admin-import-unknown-file")));
                    continue;
                }
                match std::str::from_utf8(&bytes) {
                    Ok(text) => {
                        files += 1;
                        batch.add_file(&base, text);
                    }
                    Err(_) => errors.push(format!("{base}: {}", t(lang, "admin-import-not-utf8"))),
                }
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return crate::page::expired_form(lang, &uri);
    }
    if files == 0 && errors.is_empty() {
        errors.push(t(lang, "admin-import-none"));
    }
    if !errors.is_empty() {
        return import_page(
            lang,
            &uri,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            Vec::new(),
            errors,
        );
    }
    match s.store.import_registers(&batch).await {
        Ok(report) => {
            let mut names: Vec<&String> = report
                .created
                .keys()
                .chain(report.updated.keys())
                .chain(report.unchanged.keys())
                .collect();
            names.sort();
            names.dedup();
            let count = |m: &std::collections::BTreeMap<String, usize>, k: &String| {
                m.get(k).copied().unwrap_or(0)
            };
            let lines = names
                .into_iter()
                .map(|name| ReportLine {
                    file: name.clone(),
                    created: count(&report.created, name),
                    updated: count(&report.updated, name),
                    unchanged: count(&report.unchanged, name),
                })
                .collect();
            import_page(lang, &uri, &session, StatusCode::OK, lines, Vec::new())
        }
        Err(StoreError::Domain(DomainError::Invalid(field_errors))) => {
            let errors = field_errors
                .into_iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            import_page(
                lang,
                &uri,
                &session,
                StatusCode::UNPROCESSABLE_ENTITY,
                Vec::new(),
                errors,
            )
        }
        Err(e) => unavailable(lang, &uri, &e.to_string()),
    }
}
