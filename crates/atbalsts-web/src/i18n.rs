//! The interface's texts from the Fluent files in `locales/` (Latvian first,
//! English second), read by the shared [`Catalog`].

use atbalsts_http::i18n::{Catalog, Lang as TextLanguage};
use atbalsts_search::Lang;
use std::sync::LazyLock;

/// One file per area of the interface, in the same order for both languages.
macro_rules! locale_files {
    ($lang:literal) => {
        [
            include_str!(concat!("../locales/", $lang, "/main.ftl")),
            include_str!(concat!("../locales/", $lang, "/request.ftl")),
            include_str!(concat!("../locales/", $lang, "/assistant.ftl")),
            include_str!(concat!("../locales/", $lang, "/staff.ftl")),
            include_str!(concat!("../locales/", $lang, "/kb.ftl")),
            include_str!(concat!("../locales/", $lang, "/admin.ftl")),
            include_str!(concat!("../locales/", $lang, "/refusals.ftl")),
            include_str!(concat!("../locales/", $lang, "/files.ftl")),
            include_str!(concat!("../locales/", $lang, "/requesters.ftl")),
        ]
    };
}

const LV: [&str; 9] = locale_files!("lv");
const EN: [&str; 9] = locale_files!("en");

static LATVIAN: LazyLock<Catalog> = LazyLock::new(|| Catalog::new(TextLanguage::Lv, &LV));
static ENGLISH: LazyLock<Catalog> = LazyLock::new(|| Catalog::new(TextLanguage::En, &EN));

fn catalog(lang: Lang) -> &'static Catalog {
    match lang {
        Lang::Lv => &LATVIAN,
        Lang::En => &ENGLISH,
    }
}

/// The text `key` in `lang`, or the key itself when it is missing (tests catch that).
pub fn t(lang: Lang, key: &str) -> String {
    catalog(lang).t(key)
}

/// The text `key` with a count, in the plural form `lang` needs for it.
pub fn t_count(lang: Lang, key: &str, count: usize) -> String {
    catalog(lang).t_count(key, count)
}

/// The text `key` with named arguments filled in.
pub fn t_args(lang: Lang, key: &str, named: &[(&str, &str)]) -> String {
    catalog(lang).t_args(key, named)
}

/// Whether `key` has a text in `lang`.
pub fn has(lang: Lang, key: &str) -> bool {
    t(lang, key) != key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_text_and_parse() {
        atbalsts_http::i18n::check_files(&LV, &EN).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn latvian_plurals_follow_cldr() {
        assert_eq!(t_count(Lang::Lv, "results-count", 1), "Atrasts 1 raksts");
        assert_eq!(t_count(Lang::Lv, "results-count", 21), "Atrasts 21 raksts");
        assert_eq!(t_count(Lang::Lv, "results-count", 11), "Atrasti 11 raksti");
        assert_eq!(t_count(Lang::Lv, "results-count", 3), "Atrasti 3 raksti");
        assert_eq!(t_count(Lang::En, "results-count", 1), "1 article found");
        assert_eq!(t_count(Lang::En, "results-count", 2), "2 articles found");
    }
}
