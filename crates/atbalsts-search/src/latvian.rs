//! A light Latvian stemmer, after Kārlis Krēsliņš' stemming algorithm for
//! Latvian (Loughborough, 1996) in the "light" form that Lucene also uses:
//! one pass, one suffix removed, then palatalised consonants at the end of
//! the stem are restored, so that *lāčiem*, *lācis* and *lāča* meet at *lāc*.
//!
//! Input is one lower-cased word; other words (numbers, codes) pass through.

/// An ending that may be cut: its text, how many vowels a word must have
/// *more* than this to allow the cut, and whether cutting it can leave a
/// palatalised consonant behind.
struct Ending {
    text: &'static str,
    /// The ending as typed without diacritics.
    folded: &'static str,
    vowels: usize,
    palatal: bool,
}

const fn e(text: &'static str, folded: &'static str, vowels: usize, palatal: bool) -> Ending {
    Ending {
        text,
        folded,
        vowels,
        palatal,
    }
}

/// Checked in this order; the first ending that fits is the one cut.
const ENDINGS: &[Ending] = &[
    e("ajiem", "ajiem", 3, false),
    e("ajai", "ajai", 3, false),
    e("ajam", "ajam", 2, false),
    e("ajām", "ajam", 2, false),
    e("ajos", "ajos", 2, false),
    e("ajās", "ajas", 2, false),
    e("iem", "iem", 2, true),
    e("ajā", "aja", 2, false),
    e("ais", "ais", 2, false),
    e("ai", "ai", 2, false),
    e("ei", "ei", 2, false),
    e("ām", "am", 1, false),
    e("am", "am", 1, false),
    e("ēm", "em", 1, false),
    e("īm", "im", 1, false),
    e("im", "im", 1, false),
    e("um", "um", 1, false),
    e("us", "us", 1, true),
    e("as", "as", 1, false),
    e("ās", "as", 1, false),
    e("es", "es", 1, false),
    e("os", "os", 1, true),
    e("ij", "ij", 1, false),
    e("īs", "is", 1, false),
    e("ēs", "es", 1, false),
    e("is", "is", 1, false),
    e("ie", "ie", 1, false),
    e("u", "u", 1, true),
    e("a", "a", 1, true),
    e("i", "i", 1, true),
    e("e", "e", 1, false),
    e("ā", "a", 1, false),
    e("ē", "e", 1, false),
    e("ī", "i", 1, false),
    e("ū", "u", 1, false),
    e("o", "o", 1, false),
    e("s", "s", 0, false),
    e("š", "s", 0, false),
];

/// A stem keeps at least this many letters.
const MIN_STEM: usize = 3;

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'ā' | 'ē' | 'ī' | 'ū')
}

/// The stem of a lower-cased Latvian word.
pub fn stem(word: &str) -> String {
    let letters = word.chars().count();
    let vowels = word.chars().filter(|c| is_vowel(*c)).count();
    for ending in ENDINGS {
        let cut = ending.text.chars().count();
        if letters < cut + MIN_STEM || vowels <= ending.vowels || !word.ends_with(ending.text) {
            continue;
        }
        let kept = &word[..word.len() - ending.text.len()];
        if !ending.palatal {
            return kept.to_string();
        }
        let mut stem: Vec<char> = kept.chars().collect();
        restore_consonant(&mut stem, ending.text.starts_with('u'));
        return stem.into_iter().collect();
    }
    word.to_string()
}

/// The stem of a word typed without diacritics (already folded), using the
/// endings folded too: *eglem* → *egl* as *eglēm* → *egl*. Consonants cannot
/// be restored here; the folded stem of the diacritic form is already plain.
pub fn stem_folded(word: &str) -> String {
    let letters = word.chars().count();
    let vowels = word.chars().filter(|c| is_vowel(*c)).count();
    for ending in ENDINGS {
        let cut = ending.folded;
        if letters >= cut.chars().count() + MIN_STEM
            && vowels > ending.vowels
            && word.ends_with(cut)
        {
            return word[..word.len() - cut.len()].to_string();
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

    #[test]
    fn folded_endings_are_the_endings_folded() {
        for ending in super::ENDINGS {
            assert_eq!(atbalsts_domain::validate::fold(ending.text), ending.folded);
        }
    }

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
        use super::stem_folded;
        use atbalsts_domain::validate::fold;
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
