//! The e-mail's texts, Latvian and English, from `locales/{lv,en}/mail.ftl`.

use atbalsts_i18n::{Catalog, Lang};
use std::sync::LazyLock;

const LV: [&str; 1] = [include_str!("../locales/lv/mail.ftl")];
const EN: [&str; 1] = [include_str!("../locales/en/mail.ftl")];

static LATVIAN: LazyLock<Catalog> = LazyLock::new(|| Catalog::new(Lang::Lv, &LV));
static ENGLISH: LazyLock<Catalog> = LazyLock::new(|| Catalog::new(Lang::En, &EN));

/// The catalog of `lang`.
pub fn catalog(lang: Lang) -> &'static Catalog {
    match lang {
        Lang::Lv => &LATVIAN,
        Lang::En => &ENGLISH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use atbalsts_domain::notice::Purpose;

    #[test]
    fn both_languages_have_every_text_and_every_purpose_has_its_own() {
        atbalsts_i18n::check_files(&LV, &EN).unwrap_or_else(|e| panic!("{e}"));
        for p in Purpose::ALL {
            for lang in [Lang::Lv, Lang::En] {
                for part in ["subject", "body"] {
                    let key = format!("mail-{part}-{}", p.as_str());
                    assert_ne!(catalog(lang).t(&key), key, "{key} missing in {lang:?}");
                }
            }
        }
    }
}
