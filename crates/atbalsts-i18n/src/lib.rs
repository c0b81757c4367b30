//! Texts from Fluent files, Latvian first and English second, with CLDR
//! plural rules for each language. Each part keeps its own files (the web
//! its interface, `atbalsts-http` the notices every face sends, the channels
//! their e-mail); this is the one way all of them read them.

pub use atbalsts_domain::language::TextLanguage as Lang;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The texts of one language, from one or more Fluent files.
pub struct Catalog {
    bundle: FluentBundle<FluentResource>,
}

impl Catalog {
    /// A catalog of `sources` (Fluent files' text) in `lang`. A broken entry is
    /// skipped (each face's tests check that its files parse), the rest works.
    pub fn new(lang: Lang, sources: &[&str]) -> Self {
        let id = match lang {
            Lang::Lv => unic_langid::langid!("lv"),
            Lang::En => unic_langid::langid!("en"),
        };
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Isolation marks around arguments would end up inside attributes and tests.
        bundle.set_use_isolating(false);
        for source in sources {
            match FluentResource::try_new(source.to_string()) {
                Ok(resource) | Err((resource, _)) => {
                    let _ = bundle.add_resource(resource);
                }
            }
        }
        Self { bundle }
    }

    /// The text `key`, or the key itself when it is missing (tests catch that).
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The text `key` with a count, in the plural form the language needs for it.
    pub fn t_count(&self, key: &str, count: usize) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(count));
        self.format(key, Some(&args))
    }

    /// The text `key` with named text arguments.
    pub fn t_args(&self, key: &str, named: &[(&str, &str)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in named {
            args.set(*name, FluentValue::from(*value));
        }
        self.format(key, Some(&args))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            return key.to_string();
        };
        let mut errors = Vec::new();
        self.bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }
}

/// The message keys a Fluent file defines (for tests that compare languages).
pub fn keys(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '*', '[']) && l.contains(" = "))
        .filter_map(|l| l.split(" = ").next().map(str::to_string))
        .collect()
}

/// Check that two languages' files (in the same order) parse, define the same
/// keys, give a text for each, and that no key is defined twice across files.
/// Each face's tests call this on its own files.
pub fn check_files(lv: &[&str], en: &[&str]) -> Result<(), String> {
    let (lv_catalog, en_catalog) = (Catalog::new(Lang::Lv, lv), Catalog::new(Lang::En, en));
    for (lv_file, en_file) in lv.iter().zip(en.iter()) {
        for file in [lv_file, en_file] {
            if let Err((_, errors)) = FluentResource::try_new(file.to_string()) {
                return Err(format!("a Fluent file does not parse: {errors:?}"));
            }
        }
        let (mut lv_keys, mut en_keys) = (keys(lv_file), keys(en_file));
        lv_keys.sort();
        en_keys.sort();
        if lv_keys != en_keys {
            return Err(format!(
                "the languages define different keys: lv {lv_keys:?}, en {en_keys:?}"
            ));
        }
        for key in &lv_keys {
            if lv_catalog.t(key) == *key || en_catalog.t(key) == *key {
                return Err(format!("{key} has no text"));
            }
        }
    }
    let mut all: Vec<String> = lv.iter().flat_map(|f| keys(f)).collect();
    let count = all.len();
    all.sort();
    all.dedup();
    if all.len() != count {
        return Err("a key is defined twice".into());
    }
    Ok(())
}
