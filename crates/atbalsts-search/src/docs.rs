//! Index documents from articles and register services, the same way for
//! the server (which reads the database) and the evaluation tools (which
//! read files).

use crate::index::{DocKind, IndexDoc};
use std::collections::HashMap;

/// What the index needs of a register service.
#[derive(Debug, Clone, Default)]
pub struct ServiceText {
    pub code: String,
    pub name_lv: String,
    pub name_en: Option<String>,
    pub description_lv: Option<String>,
    pub description_en: Option<String>,
    /// Register version of the service (changes when it is re-imported).
    pub version: i64,
}

/// What the index needs of an article.
#[derive(Debug, Clone, Default)]
pub struct ArticleText {
    pub id: String,
    pub version: i64,
    pub lang: String,
    pub translation_of: Option<String>,
    pub audience: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub services: Vec<String>,
}

/// Prefix of service documents' ids, so they never collide with article slugs.
pub const SERVICE_PREFIX: &str = "service:";

pub fn article_doc(a: ArticleText, services: &HashMap<String, ServiceText>) -> IndexDoc {
    let english = a.lang == "en";
    let context = a
        .services
        .iter()
        .filter_map(|code| services.get(code))
        .map(|s| {
            if english {
                s.name_en.clone().unwrap_or_default()
            } else {
                s.name_lv.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(". ");
    IndexDoc {
        group: a.translation_of.clone().unwrap_or_else(|| a.id.clone()),
        id: a.id,
        version: a.version,
        kind: DocKind::Article,
        lang: a.lang,
        audience: a.audience,
        title: a.title,
        body: a.body,
        tags: a.tags,
        services: a.services,
        context,
    }
}

/// A service as two documents, Latvian and (when named) English.
pub fn service_docs(s: &ServiceText) -> Vec<IndexDoc> {
    let doc = |lang: &str, name: &str, description: Option<&String>| IndexDoc {
        id: format!("{SERVICE_PREFIX}{}:{lang}", s.code),
        version: s.version,
        kind: DocKind::Service,
        lang: lang.to_string(),
        audience: "public".into(),
        title: name.to_string(),
        body: description.cloned().unwrap_or_default(),
        tags: Vec::new(),
        services: vec![s.code.clone()],
        context: String::new(),
        group: format!("{SERVICE_PREFIX}{}", s.code),
    };
    let mut docs = vec![doc("lv", &s.name_lv, s.description_lv.as_ref())];
    if let Some(name) = &s.name_en {
        docs.push(doc("en", name, s.description_en.as_ref()));
    }
    docs
}
