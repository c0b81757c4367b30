//! Line diffs between two versions of an article (the `similar` crate's
//! Myers diff): a unified diff for people and tools, and the same hunks as
//! data for a user interface.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};
use std::time::Duration;
use utoipa::ToSchema;

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// What happened to one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineOp {
    Equal,
    Delete,
    Insert,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DiffLine {
    pub op: LineOp,
    /// The line without its line break.
    pub text: String,
}

/// One block of changes with its context, numbered as in a unified diff
/// (lines count from 1; a count of 0 means the hunk is empty on that side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DiffHunk {
    pub old_start: usize,
    pub old_lines: usize,
    pub new_start: usize,
    pub new_lines: usize,
    pub lines: Vec<DiffLine>,
}

/// The difference between two texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TextChanges {
    /// A unified diff (`--- old`, `+++ new`, `@@` hunks); empty when the texts are equal.
    pub unified: String,
    pub hunks: Vec<DiffHunk>,
}

/// Compare `old` and `new` line by line; `old_name` and `new_name` head the unified diff.
pub fn line_diff(old_name: &str, old: &str, new_name: &str, new: &str) -> TextChanges {
    // Myers is O(ND); the deadline bounds pathological inputs (the result stays
    // a correct, if less minimal, diff).
    let diff = TextDiff::configure()
        .timeout(Duration::from_secs(1))
        .diff_lines(old, new);
    let unified = diff
        .unified_diff()
        .context_radius(CONTEXT)
        .header(old_name, new_name)
        .to_string();
    let hunks = diff
        .grouped_ops(CONTEXT)
        .into_iter()
        .filter_map(|ops| {
            let (first, last) = (ops.first()?, ops.last()?);
            let old_range = first.old_range().start..last.old_range().end;
            let new_range = first.new_range().start..last.new_range().end;
            let lines = ops
                .iter()
                .flat_map(|op| diff.iter_changes(op))
                .map(|c| DiffLine {
                    op: match c.tag() {
                        ChangeTag::Equal => LineOp::Equal,
                        ChangeTag::Delete => LineOp::Delete,
                        ChangeTag::Insert => LineOp::Insert,
                    },
                    text: c
                        .value()
                        .trim_end_matches('\n')
                        .trim_end_matches('\r')
                        .to_string(),
                })
                .collect();
            // Unified numbering: an empty side starts at the line before it.
            let start = |r: &std::ops::Range<usize>| {
                if r.is_empty() { r.start } else { r.start + 1 }
            };
            Some(DiffHunk {
                old_start: start(&old_range),
                old_lines: old_range.len(),
                new_start: start(&new_range),
                new_lines: new_range.len(),
                lines,
            })
        })
        .collect();
    TextChanges { unified, hunks }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_and_structured_agree() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
        let new = "a\nb\nc\nD\ne\nf\ng\nh\ni\nj\n";
        let d = line_diff("v1", old, "v2", new);
        assert!(
            d.unified.starts_with("--- v1\n+++ v2\n@@ -1,9 +1,10 @@\n"),
            "{}",
            d.unified
        );
        assert!(d.unified.contains("-d\n+D\n"), "{}", d.unified);
        assert_eq!(d.hunks.len(), 1);
        let h = &d.hunks[0];
        assert_eq!(
            (h.old_start, h.old_lines, h.new_start, h.new_lines),
            (1, 9, 1, 10)
        );
        let changed: Vec<(LineOp, &str)> = h
            .lines
            .iter()
            .filter(|l| l.op != LineOp::Equal)
            .map(|l| (l.op, l.text.as_str()))
            .collect();
        assert_eq!(
            changed,
            [
                (LineOp::Delete, "d"),
                (LineOp::Insert, "D"),
                (LineOp::Insert, "j")
            ]
        );
    }

    #[test]
    fn separate_hunks_and_no_change() {
        let old: String = (1..=20).map(|i| format!("line{i}\n")).collect();
        let new = old
            .replace("line2\n", "line two\n")
            .replace("line19\n", "line nineteen\n");
        let d = line_diff("a", &old, "b", &new);
        assert_eq!(d.hunks.len(), 2);
        assert_eq!((d.hunks[1].old_start, d.hunks[1].old_lines), (16, 5));
        let same = line_diff("a", &old, "b", &old);
        assert!(same.unified.is_empty() && same.hunks.is_empty());
    }

    #[test]
    fn added_to_empty() {
        let d = line_diff("a", "", "b", "x\n");
        assert_eq!(
            (
                d.hunks[0].old_start,
                d.hunks[0].old_lines,
                d.hunks[0].new_start
            ),
            (0, 0, 1)
        );
        assert!(d.unified.contains("@@ -0,0 +1 @@"), "{}", d.unified);
    }
}
