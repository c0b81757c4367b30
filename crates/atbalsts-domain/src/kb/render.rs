//! Markdown → HTML that is safe to put into a page.
//!
//! pulldown-cmark renders CommonMark (with tables and strikethrough); it passes
//! raw HTML in the Markdown through, so ammonia then keeps only an allow-list
//! of tags and attributes: no scripts, no event handlers, no `javascript:`
//! links, and every link gets `rel="noopener noreferrer"`.

use pulldown_cmark::{Options, Parser, html};

/// Render an article body to sanitised HTML.
pub fn render_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    ammonia::clean(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        let html = render_html(
            "## Soļi\n\n1. Pieslēdzieties **EDS**.\n\n[Portāls](https://latvija.gov.lv)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(html.contains("<h2>Soļi</h2>"), "{html}");
        assert!(html.contains("<strong>EDS</strong>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://latvija.gov.lv" rel="noopener noreferrer">"#),
            "{html}"
        );
    }

    #[test]
    fn raw_html_does_not_survive() {
        let html = render_html(
            "Teksts <script>alert('x')</script>\n\n<img src=\"x.png\" onerror=\"alert(1)\">\n\n<a href=\"javascript:alert(1)\">klikšķis</a>\n\n[saite](javascript:alert(2))",
        );
        for bad in ["<script", "alert('x')", "onerror", "javascript:"] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        assert!(html.contains("<img src=\"x.png\">"), "{html}");
        assert!(html.contains("klikšķis"), "{html}");
    }
}
