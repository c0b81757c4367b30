//! The messages the desk itself writes to a requester on their ticket (a
//! transfer accepted, a legal term extended), in Latvian and then English, from
//! `locales/{lv,en}/notices.ftl`. Every face that performs these changes (the
//! JSON API, the workspace, the demo loader) words them here, so they match.

use crate::i18n::{Catalog, Lang};
use std::sync::LazyLock;

const LV: [&str; 1] = [include_str!("../locales/lv/notices.ftl")];
const EN: [&str; 1] = [include_str!("../locales/en/notices.ftl")];

static LATVIAN: LazyLock<Catalog> = LazyLock::new(|| Catalog::new(Lang::Lv, &LV));
static ENGLISH: LazyLock<Catalog> = LazyLock::new(|| Catalog::new(Lang::En, &EN));

fn both(key: &str, lv: &[(&str, &str)], en: &[(&str, &str)]) -> String {
    format!("{}\n\n{}", LATVIAN.t_args(key, lv), ENGLISH.t_args(key, en))
}

/// The message that tells the requester the institution (named in Latvian and English) handles the case now.
pub fn transfer_notice_text(lv: &str, en: &str) -> String {
    both(
        "transfer-accepted-notice",
        &[("institution", lv)],
        &[("institution", en)],
    )
}

/// The message that tells the requester which institution handles the case now.
pub async fn transfer_notice(store: &atbalsts_store::Store, institution: &str) -> String {
    let institutions = store.institutions().await.unwrap_or_default();
    let found = institutions.iter().find(|i| i.code == institution);
    let lv = found.map_or(institution, |i| i.name_lv.as_str());
    let en = found.and_then(|i| i.name_en.as_deref()).unwrap_or(lv);
    transfer_notice_text(lv, en)
}

/// The message that tells the requester of an extension (in Latvian, the
/// language of the institution's answer; English follows for those who wrote in it).
pub fn legal_term_notice(until: jiff::civil::Date, reason: &str) -> String {
    let date = until.strftime("%d.%m.%Y.").to_string();
    let args = [("date", date.as_str()), ("reason", reason)];
    both("legal-term-extended-notice", &args, &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_notice() {
        crate::i18n::check_files(&LV, &EN).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn notices_name_the_institution_and_the_date_in_both_languages() {
        let text = transfer_notice_text("Valsts ieņēmumu dienests", "State Revenue Service");
        assert!(text.starts_with("Jūsu pieprasījumu tagad izskata Valsts ieņēmumu dienests."));
        assert!(text.ends_with("Your request is now handled by State Revenue Service."));
        let date = jiff::civil::date(2026, 12, 28);
        let text = legal_term_notice(date, "vajag atzinumu");
        assert!(text.contains("28.12.2026."), "{text}");
        assert!(text.contains("Iemesls: vajag atzinumu"), "{text}");
        assert!(text.contains("Reason: vajag atzinumu"), "{text}");
    }
}
