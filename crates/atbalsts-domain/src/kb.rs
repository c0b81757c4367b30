//! Knowledge-base articles: the file format (Markdown with a small YAML-like
//! front matter of `key: value` lines, quoted strings and one-line `[a, b]`
//! lists), the checks of an edited article, its snapshot as kept in the
//! version history, rendering ([`render`]) and diffs between versions ([`diff`]).

pub mod diff;
pub mod render;

use crate::error::FieldError;
use crate::validate::Errors;

/// An article read from a file, checked field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleFile {
    pub id: String,
    pub lang: String,
    pub translation_of: Option<String>,
    pub title: String,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    /// Codes of the life situations the article answers (register ids like `LS-MOVE`).
    pub life_situations: Vec<String>,
    pub audience: String,
    pub kind: String,
    /// Review the article by this day, `YYYY-MM-DD`.
    pub review_by: Option<String>,
    pub body: String,
}

pub const LANGS: [&str; 2] = ["lv", "en"];
pub const AUDIENCES: [&str; 2] = ["public", "internal"];
pub const KINDS: [&str; 4] = ["faq", "howto", "known_error", "policy"];
pub const STATUSES: [&str; 3] = ["draft", "published", "archived"];
/// Titles are short: they are what search results and the assistant show.
pub const MAX_TITLE: usize = 300;
/// The Markdown body, in bytes (100 KiB).
pub const MAX_ARTICLE_BODY: usize = 100 * 1024;
/// Slugs of new articles: they fit wherever a register code does.
pub const MAX_SLUG: usize = 40;
/// The editor's change summary.
pub const MAX_NOTE: usize = 500;

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
    let review_by = field("review_by")
        .map(|v| unquote(&v))
        .filter(|v| !v.is_empty());
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
    one_of(&mut e, &at("lang"), &lang, &LANGS);
    if let Some(t) = &translation_of {
        e.code(&at("translation_of"), t);
    }
    let title = e.text(&at("title"), &title, MAX_TITLE);
    one_of(&mut e, &at("audience"), &audience, &AUDIENCES);
    one_of(&mut e, &at("kind"), &kind, &KINDS);
    let mut codes = |name: &str, example: &str| match field(name).map(|v| list(&v)) {
        None => Vec::new(),
        Some(Some(s)) => s.iter().map(|c| e.code(&at(name), c)).collect(),
        Some(None) => {
            e.push(
                &at(name),
                format!("must be a one-line list like [{example}]"),
            );
            Vec::new()
        }
    };
    let services = codes("services", "PMLP-003");
    let life_situations = codes("life_situations", "LS-MOVE");
    let tags = match field("tags").map(|v| list(&v)) {
        None => Vec::new(),
        Some(Some(t)) => e.tags(&at("tags"), &t),
        Some(None) => {
            e.push(&at("tags"), "must be a one-line list like [pase, eID]");
            Vec::new()
        }
    };
    if let Some(d) = &review_by {
        review_date(&mut e, &at("review_by"), d);
    }
    let body = article_body(&mut e, &at("body"), &body);
    e.finish(ArticleFile {
        id,
        lang,
        translation_of,
        title,
        services,
        tags,
        life_situations,
        audience,
        kind,
        review_by,
        body,
    })
}

fn one_of(e: &mut Errors, field: &str, value: &str, allowed: &[&str]) -> String {
    let v = value.trim();
    if !allowed.contains(&v) {
        e.push(
            field,
            format!("\"{v}\" is not one of: {}", allowed.join(", ")),
        );
    }
    v.to_string()
}

/// A Markdown body: not empty, no control characters, at most [`MAX_ARTICLE_BODY`] bytes.
fn article_body(e: &mut Errors, field: &str, value: &str) -> String {
    if value.len() > MAX_ARTICLE_BODY {
        e.push(
            field,
            format!(
                "is too long: at most {} KiB of text",
                MAX_ARTICLE_BODY / 1024
            ),
        );
        return String::new();
    }
    e.text(field, value, usize::MAX)
}

/// A day written `YYYY-MM-DD`.
pub fn review_date(e: &mut Errors, field: &str, value: &str) -> Option<jiff::civil::Date> {
    let v = value.trim();
    let date = (v.len() == 10)
        .then(|| v.parse::<jiff::civil::Date>().ok())
        .flatten()
        .filter(|d| (2000..=2999).contains(&d.year()));
    if date.is_none() {
        e.push(
            field,
            format!("\"{v}\" is not a date like 2026-06-30 (YYYY-MM-DD)"),
        );
    }
    date
}

/// The stable id of a new article: lower-case letters and digits in words
/// joined by single hyphens, e.g. `dzivesvietas-deklaresana`.
pub fn slug(e: &mut Errors, field: &str, value: &str) -> String {
    let v = value.trim();
    let words_ok = v.split('-').all(|w| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if !(2..=MAX_SLUG).contains(&v.len()) || !words_ok {
        e.push(
            field,
            format!(
                "\"{v}\" is not a slug: 2 to {MAX_SLUG} lower-case letters (a-z) and digits, words joined by single hyphens, e.g. dzivesvietas-deklaresana"
            ),
        );
    }
    v.to_string()
}

/// Everything about an article that an edit may change and a version keeps:
/// restoring a version brings all of it back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub lang: String,
    pub translation_of: Option<String>,
    pub title: String,
    pub body: String,
    pub services: Vec<String>,
    pub tags: Vec<String>,
    pub life_situations: Vec<String>,
    pub audience: String,
    pub kind: String,
    /// `draft`, `published` or `archived`.
    pub status: String,
    pub review_by: Option<String>,
}

impl Snapshot {
    /// The snapshot of an imported file, with the status it is to have.
    pub fn of_file(f: &ArticleFile, status: &str) -> Snapshot {
        Snapshot {
            lang: f.lang.clone(),
            translation_of: f.translation_of.clone(),
            title: f.title.clone(),
            body: f.body.clone(),
            services: f.services.clone(),
            tags: f.tags.clone(),
            life_situations: f.life_situations.clone(),
            audience: f.audience.clone(),
            kind: f.kind.clone(),
            status: status.to_string(),
            review_by: f.review_by.clone(),
        }
    }

    /// The article in its file format (without the id, plus its status):
    /// what the diff between two versions compares, so metadata changes show
    /// up as changed front-matter lines.
    pub fn to_text(&self) -> String {
        let list = |v: &[String]| format!("[{}]", v.join(", "));
        let mut out = String::from("---\n");
        out.push_str(&format!("lang: {}\n", self.lang));
        if let Some(t) = &self.translation_of {
            out.push_str(&format!("translation_of: {t}\n"));
        }
        out.push_str(&format!("title: \"{}\"\n", self.title.replace('"', "\\\"")));
        out.push_str(&format!("services: {}\n", list(&self.services)));
        out.push_str(&format!(
            "life_situations: {}\n",
            list(&self.life_situations)
        ));
        out.push_str(&format!("tags: {}\n", list(&self.tags)));
        out.push_str(&format!("audience: {}\n", self.audience));
        out.push_str(&format!("kind: {}\n", self.kind));
        out.push_str(&format!("status: {}\n", self.status));
        if let Some(d) = &self.review_by {
            out.push_str(&format!("review_by: {d}\n"));
        }
        out.push_str("---\n\n");
        out.push_str(&self.body);
        if !self.body.ends_with('\n') {
            out.push('\n');
        }
        out
    }
}

/// An article as an editor sends it, before any check.
#[derive(Debug, Clone, Default)]
pub struct DraftInput<'a> {
    pub lang: &'a str,
    pub translation_of: Option<&'a str>,
    pub title: &'a str,
    pub body: &'a str,
    pub services: &'a [String],
    pub tags: &'a [String],
    pub life_situations: &'a [String],
    pub audience: &'a str,
    pub kind: &'a str,
    pub review_by: Option<&'a str>,
}

/// Check an edited article field by field (the references — services, life
/// situations, the original of a translation — are the store's to check).
/// `status` is the status the article is to have. Every problem is reported.
pub fn check_draft(e: &mut Errors, d: &DraftInput<'_>, status: &str) -> Snapshot {
    let lang = one_of(e, "lang", d.lang, &LANGS);
    let translation_of = e.opt_code("translation_of", d.translation_of);
    let title = e.text("title", d.title, MAX_TITLE);
    let body = article_body(e, "body", d.body);
    let codes = |e: &mut Errors, field: &str, values: &[String]| {
        if values.len() > 50 {
            e.push(field, "too many: at most 50");
        }
        let mut out: Vec<String> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let v = e.code(&format!("{field}[{i}]"), v);
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out
    };
    let services = codes(e, "services", d.services);
    let life_situations = codes(e, "life_situations", d.life_situations);
    let tags = e.tags("tags", d.tags);
    let audience = one_of(e, "audience", d.audience, &AUDIENCES);
    let kind = one_of(e, "kind", d.kind, &KINDS);
    let status = one_of(e, "status", status, &STATUSES);
    let review_by = d.review_by.map(str::trim).filter(|v| !v.is_empty());
    if let Some(v) = review_by {
        review_date(e, "review_by", v);
    }
    Snapshot {
        lang,
        translation_of,
        title,
        body,
        services,
        tags,
        life_situations,
        audience,
        kind,
        status,
        review_by: review_by.map(str::to_string),
    }
}

/// A new status given on its own.
pub fn check_status(e: &mut Errors, status: &str) -> String {
    one_of(e, "status", status, &STATUSES)
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

    #[test]
    fn optional_life_situations_and_review_date() {
        let with = GOOD.replace(
            "audience: public",
            "life_situations: [LS-MOVE, LS-TAX]\nreview_by: 2026-12-31\naudience: public",
        );
        let a = parse_article("pase.md", &with).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(a.life_situations, ["LS-MOVE", "LS-TAX"]);
        assert_eq!(a.review_by.as_deref(), Some("2026-12-31"));
        let a = parse_article("pase.md", GOOD).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(a.life_situations.is_empty() && a.review_by.is_none());
        let bad = GOOD.replace(
            "audience: public",
            "life_situations: LS-MOVE\nreview_by: 31.12.2026\naudience: public",
        );
        let errors = parse_article("pase.md", &bad).err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["pase.md.life_situations", "pase.md.review_by"]);
    }

    fn draft<'a>(title: &'a str, body: &'a str, tags: &'a [String]) -> DraftInput<'a> {
        DraftInput {
            lang: "lv",
            title,
            body,
            tags,
            audience: "public",
            kind: "faq",
            ..DraftInput::default()
        }
    }

    #[test]
    fn a_good_draft_is_cleaned() {
        let tags = ["Pase".to_string(), "pase".to_string()];
        let services = ["PMLP-001".to_string(), "PMLP-001".to_string()];
        let mut e = Errors::default();
        let d = DraftInput {
            services: &services,
            review_by: Some(" 2027-01-15 "),
            translation_of: Some(""),
            ..draft("  Pase  ", "Teksts.\n", &tags)
        };
        let s = check_draft(&mut e, &d, "draft");
        assert!(e.is_empty(), "{:?}", e.0);
        assert_eq!(s.title, "Pase");
        assert_eq!(s.tags, ["pase"]);
        assert_eq!(s.services, ["PMLP-001"]);
        assert_eq!(s.review_by.as_deref(), Some("2027-01-15"));
        assert_eq!(s.translation_of, None);
        assert_eq!(s.status, "draft");
    }

    #[test]
    fn draft_checks_name_every_field() {
        let long_title = "x".repeat(MAX_TITLE + 1);
        let big_body = "a".repeat(MAX_ARTICLE_BODY + 1);
        let tags = ["".to_string()];
        let services = ["PMLP 001".to_string()];
        let mut e = Errors::default();
        let d = DraftInput {
            lang: "ru",
            audience: "everyone",
            kind: "poem",
            services: &services,
            translation_of: Some("a/b"),
            review_by: Some("2026-02-30"),
            ..draft(&long_title, &big_body, &tags)
        };
        check_draft(&mut e, &d, "deleted");
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "lang",
                "translation_of",
                "title",
                "body",
                "services[0]",
                "tags[0]",
                "audience",
                "kind",
                "status",
                "review_by"
            ]
        );
        let mut e = Errors::default();
        check_draft(&mut e, &draft("Virsraksts", "a\u{0}b", &[]), "published");
        assert_eq!(e.0.len(), 1, "control characters in the body");
        // Exactly at the limit is fine.
        let mut e = Errors::default();
        check_draft(
            &mut e,
            &draft("V", &"ā".repeat(MAX_ARTICLE_BODY / 2), &[]),
            "draft",
        );
        assert!(e.is_empty());
    }

    #[test]
    fn slugs() {
        for good in ["ab", "dzivesvietas-deklaresana", "eid-2", "a1"] {
            let mut e = Errors::default();
            slug(&mut e, "id", good);
            assert!(e.is_empty(), "{good}");
        }
        for bad in [
            "a",
            "Pase",
            "pase_1",
            "-pase",
            "pase-",
            "pa--se",
            "pasē",
            "a b",
            &"a".repeat(MAX_SLUG + 1),
        ] {
            let mut e = Errors::default();
            slug(&mut e, "id", bad);
            assert_eq!(e.0.len(), 1, "{bad}");
        }
    }

    #[test]
    fn snapshot_text_shows_metadata() {
        let tags = ["pase".to_string()];
        let mut e = Errors::default();
        let s = check_draft(&mut e, &draft("Kā \"pase\"", "Teksts.", &tags), "published");
        let text = s.to_text();
        assert!(
            text.starts_with("---\nlang: lv\ntitle: \"Kā \\\"pase\\\"\"\n"),
            "{text}"
        );
        assert!(text.contains("tags: [pase]\n") && text.contains("status: published\n"));
        assert!(text.ends_with("---\n\nTeksts.\n"), "{text}");
    }
}
