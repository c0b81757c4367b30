//! A light Latvian stemmer, after Kārlis Krēsliņš' stemming algorithm for
//! Latvian (Loughborough, 1996) in the "light" form that Lucene also uses:
//! one pass, one suffix removed, then palatalised consonants at the end of
//! the stem are restored, so that *lāčiem*, *lācis* and *lāča* meet at *lāc*.
//!
//! Input is one lower-cased word; other words (numbers, codes) pass through.

use atbalsts_domain::validate::fold;

/// An ending that may be cut: its text, how many vowels a word must have
/// *more* than this to allow the cut, and whether cutting it can leave a
/// palatalised consonant behind.
struct Ending {
    text: &'static str,
    vowels: usize,
    palatal: bool,
}

const fn e(text: &'static str, vowels: usize, palatal: bool) -> Ending {
    Ending {
        text,
        vowels,
        palatal,
    }
}

/// Checked in this order; the first ending that fits is the one cut.
const ENDINGS: &[Ending] = &[
    e("ajiem", 3, false),
    e("ajai", 3, false),
    e("ajam", 2, false),
    e("ajām", 2, false),
    e("ajos", 2, false),
    e("ajās", 2, false),
    e("iem", 2, true),
    e("ajā", 2, false),
    e("ais", 2, false),
    e("ai", 2, false),
    e("ei", 2, false),
    e("ām", 1, false),
    e("am", 1, false),
    e("ēm", 1, false),
    e("īm", 1, false),
    e("im", 1, false),
    e("um", 1, false),
    e("us", 1, true),
    e("as", 1, false),
    e("ās", 1, false),
    e("es", 1, false),
    e("os", 1, true),
    e("ij", 1, false),
    e("īs", 1, false),
    e("ēs", 1, false),
    e("is", 1, false),
    e("ie", 1, false),
    e("u", 1, true),
    e("a", 1, true),
    e("i", 1, true),
    e("e", 1, false),
    e("ā", 1, false),
    e("ē", 1, false),
    e("ī", 1, false),
    e("ū", 1, false),
    e("o", 1, false),
    e("s", 0, false),
    e("š", 0, false),
];

/// A stem keeps at least this many letters.
const MIN_STEM: usize = 3;

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'ā' | 'ē' | 'ī' | 'ū')
}

/// The stem of a lower-cased Latvian word.
pub fn stem(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let vowels = chars.iter().filter(|c| is_vowel(**c)).count();
    for ending in ENDINGS {
        let cut: Vec<char> = ending.text.chars().collect();
        if chars.len() < cut.len() + MIN_STEM || vowels <= ending.vowels || !chars.ends_with(&cut) {
            continue;
        }
        let mut stem = chars[..chars.len() - cut.len()].to_vec();
        if ending.palatal {
            restore_consonant(&mut stem, cut[0] == 'u');
        }
        return stem.into_iter().collect();
    }
    word.to_string()
}

/// The stem of a word typed without diacritics (already folded), using the
/// endings folded too: *eglem* → *egl* as *eglēm* → *egl*. Consonants cannot
/// be restored here; the folded stem of the diacritic form is already plain.
pub fn stem_folded(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let vowels = chars.iter().filter(|c| is_vowel(**c)).count();
    for ending in ENDINGS {
        let cut: Vec<char> = fold(ending.text).chars().collect();
        if chars.len() >= cut.len() + MIN_STEM && vowels > ending.vowels && chars.ends_with(&cut) {
            return chars[..chars.len() - cut.len()].iter().collect();
        }
    }
    word.to_string()
}

/// Undo the consonant change an ending caused (e.g. *akmeņ-i* → *akmen*).
/// The s/t→š and d/z→ž alternations are ambiguous and left alone.
fn restore_consonant(stem: &mut Vec<char>, after_u: bool) {
    let n = stem.len();
    let last2 = |s: &[char]| {
        if n >= 2 {
            Some((s[n - 2], s[n - 1]))
        } else {
            None
        }
    };
    if after_u {
        match last2(stem) {
            Some(('k', 'š')) => {
                stem[n - 1] = 's';
                stem.push('t');
                return;
            }
            Some(('ņ', 'ņ')) => {
                stem[n - 2] = 'n';
                stem[n - 1] = 'n';
                return;
            }
            _ => {}
        }
    }
    let pair = match last2(stem) {
        Some(('p' | 'b' | 'm' | 'v', 'j')) => {
            stem.pop();
            return;
        }
        Some(('š', 'ņ')) => Some(('s', 'n')),
        Some(('ž', 'ņ')) => Some(('z', 'n')),
        Some(('š', 'ļ')) => Some(('s', 'l')),
        Some(('ž', 'ļ')) => Some(('z', 'l')),
        Some(('ļ', 'ņ')) => Some(('l', 'n')),
        Some(('ļ', 'ļ')) => Some(('l', 'l')),
        _ => None,
    };
    if let Some((a, b)) = pair {
        stem[n - 2] = a;
        stem[n - 1] = b;
        return;
    }
    if let Some(last) = stem.last_mut() {
        *last = match *last {
            'č' => 'c',
            'ļ' => 'l',
            'ņ' => 'n',
            other => other,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::stem;

    /// The reference vectors listed in shared/research/latvia-domain.md §5.
    #[test]
    fn reference_vectors() {
        let cases = [
            ("tēviem", "tēv"),
            ("lāčiem", "lāc"),
            ("akmeņi", "akmen"),
            ("kurmjiem", "kurm"),
            ("egļu", "egl"),
            ("eglēm", "egl"),
            ("govij", "gov"),
            ("krāšņu", "krāsn"),
            ("zvaigžņu", "zvaigzn"),
            ("viļņu", "viln"),
            ("leļļu", "lell"),
            ("piņņu", "pinn"),
            ("rīkšu", "rīkst"),
            ("zilajiem", "zil"),
            ("zilo", "zil"),
            ("lietū", "liet"),
            ("usa", "usa"),
            ("60ms", "60ms"),
        ];
        for (word, expected) in cases {
            assert_eq!(stem(word), expected, "{word}");
        }
    }

    #[test]
    fn forms_of_one_word_meet() {
        for w in ["deklarēšana", "deklarēšanai", "deklarēšanu", "deklarēšanas"] {
            assert_eq!(stem(w), "deklarēšan", "{w}");
        }
        for w in ["dzīvesvieta", "dzīvesvietu", "dzīvesvietas", "dzīvesvietā"] {
            assert_eq!(stem(w), "dzīvesviet", "{w}");
        }
    }

    #[test]
    fn folded_words_stem_like_their_diacritic_forms() {
        use super::{fold, stem_folded};
        for w in [
            "eglēm",
            "dzīvesvietu",
            "deklarēšanai",
            "lāčiem",
            "zilajiem",
            "pabalstu",
        ] {
            assert_eq!(stem_folded(&fold(w)), fold(&stem(w)), "{w}");
        }
    }

    #[test]
    fn short_and_vowelless_words_pass_through() {
        for w in ["un", "ar", "pvn", "e", "", "eid"] {
            assert_eq!(stem(w), w);
        }
    }
}
