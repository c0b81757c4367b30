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
    word_spans(text).map(|(_, w)| w)
}

/// Words of `text` with their byte ranges, lower-cased.
pub fn word_spans(text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, String)> + '_ {
    let mut start = None;
    let mut chars = text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')));
    std::iter::from_fn(move || {
        for (i, c) in chars.by_ref() {
            match (c.is_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    start = None;
                    return Some((s..i, text[s..i].to_lowercase()));
                }
                _ => {}
            }
        }
        None
    })
}

/// Whether a lower-cased word is a Latvian function word.
pub fn is_latvian_stop_word(word: &str) -> bool {
    is_stop_word(&fold(word))
}

/// The terms one lower-cased Latvian word gives, most specific first: the
/// folded stem of the written form, the stem of the folded form when that
/// differs, and the word's root without derivational suffixes when that
/// differs again (*deklarēt*, *deklarēšana* and *deklarācija* meet at
/// *deklar*). Stop words give none.
pub fn latvian_variants(word: &str) -> Vec<String> {
    let folded = fold(word);
    if is_stop_word(&folded) {
        return Vec::new();
    }
    let written = fold(&stem(word));
    let mut terms = vec![written];
    let typed = stem_folded(&folded);
    if !terms.contains(&typed) {
        terms.push(typed);
    }
    let root = unprefixed(word, &root(&terms[0]));
    if !terms.contains(&root) {
        terms.push(root);
    }
    // Codes such as E3007 are also asked for by their number.
    let digits = folded.trim_start_matches(|c: char| c.is_alphabetic());
    if digits.len() >= 3
        && digits.len() < folded.len()
        && digits.chars().all(|c| c.is_ascii_digit())
    {
        terms.push(digits.to_string());
    }
    terms
}

/// Derivational suffixes cut from a folded stem to reach a shared root,
/// longest first: verbal nouns (*-šana*), infinitives, *-ācija*, *-ums*,
/// *-ība*, agent nouns (*-tājs*) and reflexives.
const DERIVATIONAL: &[&str] = &[
    "esanas", "asanas", "isanas", "osanas", "usanas", "esan", "asan", "isan", "osan", "usan",
    "ties", "acij", "ejum", "ajum", "ijum", "ojum", "sanas", "san", "taj", "um", "ib", "et", "at",
    "it", "ot", "ut", "ej", "aj", "oj", "ij", "t",
];

/// Verbal prefixes, written (with diacritics, so *pār-* is not *par-*):
/// *nomainīt* and *maiņa*, *pazaudēt* and *zaudēt* meet at their root.
/// *pa-* is left alone: too many nouns begin with it (*pabalsts*, *pase*).
const PREFIXES: &[(&str, &str)] = &[
    ("pār", "par"),
    ("pie", "pie"),
    ("aiz", "aiz"),
    ("no", "no"),
    ("iz", "iz"),
    ("at", "at"),
    ("ap", "ap"),
    ("ie", "ie"),
    ("sa", "sa"),
    ("uz", "uz"),
    ("ne", "ne"),
];

/// `root` without the verbal prefix the written `word` starts with, if the
/// rest is long enough to stay telling.
fn unprefixed(word: &str, root: &str) -> String {
    for (written, folded) in PREFIXES {
        if word.starts_with(written)
            && let Some(rest) = root.strip_prefix(folded)
            && rest.chars().count() >= MIN_ROOT
        {
            return rest.to_string();
        }
    }
    root.to_string()
}

/// A root keeps at least this many letters, so short words stay apart.
const MIN_ROOT: usize = 4;

/// The root of a folded stem (see [`latvian_variants`]).
pub fn root(stem: &str) -> String {
    let len = stem.chars().count();
    for suffix in DERIVATIONAL {
        if let Some(rest) = stem.strip_suffix(suffix)
            && len - suffix.chars().count() >= MIN_ROOT
        {
            return rest.to_string();
        }
    }
    stem.to_string()
}

/// Index terms of Latvian text, in order; stop words give none.
pub fn latvian_terms(text: &str) -> Vec<String> {
    words(text).flat_map(|w| latvian_variants(&w)).collect()
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
    fn derived_words_share_a_root() {
        let root_of = |w: &str| latvian_variants(w).last().cloned().unwrap_or_default();
        assert_eq!(root_of("deklarēt"), "deklar");
        assert_eq!(root_of("deklarēšana"), "deklar");
        assert_eq!(root_of("deklarācija"), "deklar");
        assert_eq!(root_of("pieteikums"), root_of("pieteikt"));
        // Short stems are not cut further.
        assert_eq!(root_of("pase"), "pas");
    }

    #[test]
    fn spans_point_into_the_text() {
        let text = "Kā deklarēt, ātri?";
        for (range, word) in word_spans(text) {
            assert_eq!(text[range].to_lowercase(), word);
        }
        assert_eq!(word_spans(text).count(), 3);
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
