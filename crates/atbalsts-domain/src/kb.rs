//! Knowledge-base articles as files: Markdown with a small YAML-like front
//! matter of `key: value` lines, quoted strings and one-line `[a, b]` lists.

use crate::error::FieldError;
use crate::validate::Errors;

/// An article read from a file, checked field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleFile {
    pub id: String,
    pub lang: String,
    pub translation_of: Option<String>,
    pub title: String,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    pub audience: String,
    pub kind: String,
    pub body: String,
}

pub const LANGS: [&str; 2] = ["lv", "en"];
pub const AUDIENCES: [&str; 2] = ["public", "internal"];
pub const KINDS: [&str; 4] = ["faq", "howto", "known_error", "policy"];

fn unquote(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2
        && (v.starts_with('"') && v.ends_with('"') || v.starts_with('\'') && v.ends_with('\''))
    {
        v[1..v.len() - 1].replace("\\\"", "\"")
    } else {
        v.to_string()
    }
}

fn list(v: &str) -> Option<Vec<String>> {
    let inner = v.trim().strip_prefix('[')?.strip_suffix(']')?;
    Some(
        inner
            .split(',')
            .map(unquote)
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

/// Parse one article file; `file` names it in the errors.
pub fn parse_article(file: &str, text: &str) -> Result<ArticleFile, Vec<FieldError>> {
    let fail = |m: &str| vec![FieldError::new(file, m)];
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---")
        .ok_or_else(|| fail("must start with a --- front matter block"))?;
    let (front, body) = rest
        .split_once("\n---")
        .ok_or_else(|| fail("the front matter has no closing ---"))?;
    let body = body.trim_start_matches(['-']).trim().to_string();
    let mut e = Errors::default();
    let field = |name: &str| -> Option<String> {
        front.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == name).then(|| v.trim().to_string())
        })
    };
    let id = field("id").map(|v| unquote(&v)).unwrap_or_default();
    let lang = field("lang").map(|v| unquote(&v)).unwrap_or_default();
    let translation_of = field("translation_of")
        .map(|v| unquote(&v))
        .filter(|v| !v.is_empty());
    let title = field("title").map(|v| unquote(&v)).unwrap_or_default();
    let audience = field("audience").map(|v| unquote(&v)).unwrap_or_default();
    let kind = field("kind").map(|v| unquote(&v)).unwrap_or_default();
    let services = field("services").map(|v| list(&v));
    let tags = field("tags").map(|v| list(&v));
    let at = |f: &str| format!("{file}.{f}");

    e.code(&at("id"), &id);
    if let Some(stem) = file.strip_suffix(".md")
        && stem != id
    {
        e.push(
            &at("id"),
            format!("\"{id}\" must equal the file name without .md (\"{stem}\")"),
        );
    }
    if !LANGS.contains(&lang.as_str()) {
        e.push(
            &at("lang"),
            format!("\"{lang}\" is not one of: {}", LANGS.join(", ")),
        );
    }
    if let Some(t) = &translation_of {
        e.code(&at("translation_of"), t);
    }
    e.text(&at("title"), &title, 300);
    if !AUDIENCES.contains(&audience.as_str()) {
        e.push(
            &at("audience"),
            format!("\"{audience}\" is not one of: {}", AUDIENCES.join(", ")),
        );
    }
    if !KINDS.contains(&kind.as_str()) {
        e.push(
            &at("kind"),
            format!("\"{kind}\" is not one of: {}", KINDS.join(", ")),
        );
    }
    let services = match services {
        None => Vec::new(),
        Some(Some(s)) => s.iter().map(|c| e.code(&at("services"), c)).collect(),
        Some(None) => {
            e.push(&at("services"), "must be a one-line list like [PMLP-003]");
            Vec::new()
        }
    };
    let tags = match tags {
        None => Vec::new(),
        Some(Some(t)) => e.tags(&at("tags"), &t),
        Some(None) => {
            e.push(&at("tags"), "must be a one-line list like [pase, eID]");
            Vec::new()
        }
    };
    e.text(&at("body"), &body, 100_000);
    e.finish(ArticleFile {
        id,
        lang,
        translation_of,
        title,
        services,
        tags,
        audience,
        kind,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "---\nid: pase\nlang: lv\ntitle: \"Kā saņemt pasi\"\nservices: [PMLP-001]\ntags: [pase, ceļošana]\naudience: public\nkind: howto\n---\n\nPasi var pieteikt klātienē.\n";

    #[test]
    fn parses_front_matter_and_body() {
        let a = parse_article("pase.md", GOOD).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(a.title, "Kā saņemt pasi");
        assert_eq!(a.services, ["PMLP-001"]);
        assert_eq!(a.tags, ["pase", "ceļošana"]);
        assert_eq!(a.body, "Pasi var pieteikt klātienē.");
        assert_eq!(a.translation_of, None);
    }

    #[test]
    fn reports_every_bad_field() {
        let bad = GOOD
            .replace("lang: lv", "lang: ru")
            .replace("kind: howto", "kind: poem")
            .replace("id: pase", "id: cits");
        let errors = parse_article("pase.md", &bad).err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["pase.md.id", "pase.md.lang", "pase.md.kind"]);
        assert!(parse_article("x.md", "no front matter").is_err());
    }
}
