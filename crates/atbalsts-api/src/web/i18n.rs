//! Interface texts from the Fluent files in `locales/` (Latvian first,
//! English second), with CLDR plural rules for each language.

use atbalsts_search::Lang;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::LazyLock;

/// One file per area of the interface, in the same order for both languages.
macro_rules! locale_files {
    ($lang:literal) => {
        [
            include_str!(concat!("../../locales/", $lang, "/main.ftl")),
            include_str!(concat!("../../locales/", $lang, "/request.ftl")),
            include_str!(concat!("../../locales/", $lang, "/assistant.ftl")),
            include_str!(concat!("../../locales/", $lang, "/staff.ftl")),
            include_str!(concat!("../../locales/", $lang, "/kb.ftl")),
            include_str!(concat!("../../locales/", $lang, "/admin.ftl")),
        ]
    };
}

const LV: [&str; 6] = locale_files!("lv");
const EN: [&str; 6] = locale_files!("en");

fn bundle(lang: unic_langid::LanguageIdentifier, sources: &[&str]) -> FluentBundle<FluentResource> {
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // Isolation marks around arguments would end up inside attributes and tests.
    bundle.set_use_isolating(false);
    for source in sources {
        match FluentResource::try_new(source.to_string()) {
            Ok(resource) | Err((resource, _)) => {
                // A broken entry is reported by the test below; the rest still works.
                let _ = bundle.add_resource(resource);
            }
        }
    }
    bundle
}

static LATVIAN: LazyLock<FluentBundle<FluentResource>> =
    LazyLock::new(|| bundle(unic_langid::langid!("lv"), &LV));
static ENGLISH: LazyLock<FluentBundle<FluentResource>> =
    LazyLock::new(|| bundle(unic_langid::langid!("en"), &EN));

fn bundle_for(lang: Lang) -> &'static FluentBundle<FluentResource> {
    match lang {
        Lang::Lv => &LATVIAN,
        Lang::En => &ENGLISH,
    }
}

/// The text `key` in `lang`, or the key itself when it is missing (tests catch that).
pub fn t(lang: Lang, key: &str) -> String {
    format(lang, key, None)
}

/// The text `key` with a count, in the plural form `lang` needs for it.
pub fn t_count(lang: Lang, key: &str, count: usize) -> String {
    let mut args = FluentArgs::new();
    args.set("count", FluentValue::from(count));
    format(lang, key, Some(&args))
}

/// The text `key` with named text arguments.
pub fn t_args(lang: Lang, key: &str, named: &[(&str, &str)]) -> String {
    let mut args = FluentArgs::new();
    for (name, value) in named {
        args.set(*name, FluentValue::from(*value));
    }
    format(lang, key, Some(&args))
}

fn format(lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
    let bundle = bundle_for(lang);
    let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
        return key.to_string();
    };
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, args, &mut errors)
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|l| !l.starts_with([' ', '#', '*', '[']) && l.contains(" = "))
            .filter_map(|l| l.split(" = ").next().map(str::to_string))
            .collect()
    }

    #[test]
    fn both_languages_have_every_text_and_parse() {
        for (lv_file, en_file) in LV.iter().zip(EN.iter()) {
            assert!(FluentResource::try_new(lv_file.to_string()).is_ok());
            assert!(FluentResource::try_new(en_file.to_string()).is_ok());
            let (mut lv, mut en) = (keys(lv_file), keys(en_file));
            lv.sort();
            en.sort();
            assert_eq!(lv, en);
            for key in &lv {
                assert_ne!(t(Lang::Lv, key), *key, "lv {key}");
                assert_ne!(t(Lang::En, key), *key, "en {key}");
            }
        }
        // A key defined in two files would silently lose one of its texts.
        let mut all: Vec<String> = LV.iter().flat_map(|f| keys(f)).collect();
        let count = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), count, "a key is defined twice");
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
