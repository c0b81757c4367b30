//! From text to index terms, the same way for documents and for queries.
//!
//! Each Latvian word gives the folded stem of its written form, plus the stem
//! of its folded form when that differs, so `deklaret dzivesvietu` and
//! `deklarēt dzīvesvietu` meet on the same terms.

use crate::latvian::{stem, stem_folded};
use atbalsts_domain::validate::fold;

/// Common Latvian function words (prepositions, conjunctions, particles and
/// forms of *būt*), written without diacritics because they are compared folded.
const STOP_WORDS: &[&str] = &[
    "aiz", "ap", "apaks", "ar", "ari", "bet", "bez", "bija", "biji", "biju", "bijam", "bijat",
    "bus", "busi", "busim", "busit", "busu", "but", "caur", "del", "esam", "esat", "esi", "esmu",
    "gan", "gar", "ir", "iz", "ja", "jau", "jeb", "jo", "ka", "kad", "kam", "kas", "kops", "kur",
    "lai", "lidz", "ne", "nedz", "nevis", "no", "nu", "pa", "par", "pec", "pie", "pirms", "pret",
    "prieks", "sis", "si", "so", "ta", "tad", "tak", "tam", "tas", "te", "tik", "tikai", "tiek",
    "tika", "tiks", "to", "tomer", "un", "uz", "vai", "var", "vel", "vien", "zem",
];

fn is_stop_word(folded: &str) -> bool {
    STOP_WORDS.contains(&folded)
}

/// Words of `text`, lower-cased: runs of letters and digits.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Index terms of Latvian text, in order; stop words give none.
pub fn latvian_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for word in words(text) {
        let folded = fold(&word);
        if is_stop_word(&folded) {
            continue;
        }
        let written = fold(&stem(&word));
        let typed = stem_folded(&folded);
        if typed != written {
            terms.push(typed);
        }
        terms.push(written);
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str) -> std::collections::BTreeSet<String> {
        latvian_terms(text).into_iter().collect()
    }

    #[test]
    fn typed_without_diacritics_meets_the_written_form() {
        assert_eq!(
            set("Kā deklarēt dzīvesvietu?"),
            set("ka deklaret dzivesvietu")
        );
        assert!(set("eglem").contains("egl") && set("eglēm").contains("egl"));
        assert!(!set("pabalsts bērnam").is_disjoint(&set("pabalstu bernam")));
    }

    #[test]
    fn stop_words_are_dropped() {
        assert!(latvian_terms("un ar par uz").is_empty());
        assert_eq!(latvian_terms("pase un eID"), ["pas", "eid"]);
    }

    #[test]
    fn words_split_on_punctuation() {
        let w: Vec<String> = words("E-adrese, PVN: 21%!").collect();
        assert_eq!(w, ["e", "adrese", "pvn", "21"]);
    }
}

#[cfg(test)]
mod stop_word_list {
    #[test]
    fn is_folded_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for w in super::STOP_WORDS {
            assert_eq!(
                atbalsts_domain::validate::fold(w),
                *w,
                "{w} must be written folded"
            );
            assert!(seen.insert(w), "{w} twice");
        }
    }
}
