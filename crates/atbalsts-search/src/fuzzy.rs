//! Typo tolerance: a query term the index does not know is replaced by the
//! indexed terms closest to it in edit distance (one edit for shorter terms,
//! two for long ones), found by a scan of the vocabulary bucketed by length.

use crate::index::Result;
use std::collections::HashMap;
use tantivy::Searcher;
use tantivy::schema::Field;

/// Terms shorter than this are never corrected: too many neighbours.
const MIN_FUZZY: usize = 5;
/// From this length two edits are allowed.
const TWO_EDITS: usize = 9;

#[derive(Debug, Default)]
pub struct Vocabulary {
    /// Term → in how many documents (summed over the fields) it occurs.
    doc_freq: HashMap<String, u64>,
    /// Terms by their length in characters.
    by_len: Vec<Vec<(Vec<char>, String)>>,
}

impl Vocabulary {
    pub fn read(searcher: &Searcher, fields: &[Field]) -> Result<Vocabulary> {
        let mut doc_freq: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            for field in fields {
                let inverted = segment.inverted_index(*field)?;
                let mut stream = inverted
                    .terms()
                    .stream()
                    .map_err(tantivy::TantivyError::from)?;
                while stream.advance() {
                    if let Ok(term) = std::str::from_utf8(stream.key()) {
                        *doc_freq.entry(term.to_string()).or_insert(0) +=
                            u64::from(stream.value().doc_freq);
                    }
                }
            }
        }
        let mut by_len: Vec<Vec<(Vec<char>, String)>> = Vec::new();
        for term in doc_freq.keys() {
            let chars: Vec<char> = term.chars().collect();
            if chars.len() + 1 < MIN_FUZZY || chars.iter().any(|c| c.is_ascii_digit()) {
                continue;
            }
            if by_len.len() <= chars.len() {
                by_len.resize_with(chars.len() + 1, Vec::new);
            }
            by_len[chars.len()].push((chars, term.clone()));
        }
        Ok(Vocabulary { doc_freq, by_len })
    }

    pub fn doc_freq(&self, term: &str) -> u64 {
        self.doc_freq.get(term).copied().unwrap_or(0)
    }

    /// Indexed terms within the allowed distance of `term`, nearest and most
    /// frequent first, at most `limit`.
    pub fn nearest(&self, term: &str, limit: usize) -> Vec<(String, usize)> {
        let query: Vec<char> = term.chars().collect();
        if query.len() < MIN_FUZZY || query.iter().any(|c| c.is_ascii_digit()) {
            return Vec::new();
        }
        let max = if query.len() >= TWO_EDITS { 2 } else { 1 };
        let mut found: Vec<(usize, u64, &String)> = Vec::new();
        let lo = query.len().saturating_sub(max);
        let hi = (query.len() + max).min(self.by_len.len().saturating_sub(1));
        for bucket in self.by_len.get(lo..=hi).unwrap_or_default() {
            for (chars, text) in bucket {
                // A typo rarely hits the first letter; checking it first keeps the scan cheap.
                if chars.first() != query.first() {
                    continue;
                }
                if let Some(d) = distance_within(&query, chars, max) {
                    found.push((d, self.doc_freq(text), text));
                }
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
        found
            .into_iter()
            .take(limit)
            .map(|(d, _, t)| (t.clone(), d))
            .collect()
    }
}

/// Edit distance (insert, delete, substitute, swap neighbours) when it is at
/// most `max`.
pub fn distance_within(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut prev2 = vec![0usize; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur = vec![0usize; width];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str, max: usize) -> Option<usize> {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        distance_within(&a, &b, max)
    }

    #[test]
    fn distances() {
        assert_eq!(d("deklaret", "deklaret", 1), Some(0));
        assert_eq!(d("deklraet", "deklaret", 1), Some(1), "swapped neighbours");
        assert_eq!(d("dekaret", "deklaret", 1), Some(1), "missing letter");
        assert_eq!(d("deklarret", "deklaret", 1), Some(1), "extra letter");
        assert_eq!(d("deklorit", "deklaret", 1), None);
        assert_eq!(d("deklorit", "deklaret", 2), Some(2));
        assert_eq!(d("pase", "pasaule", 2), None);
    }
}
