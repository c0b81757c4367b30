//! The accessibility statement that Latvian public bodies' websites must
//! publish (Cabinet Regulation No. 445 of 2020; EN 301 549 / WCAG 2.1 AA):
//! what it targets, how it is checked, what is known not to work, how to
//! report a problem and where to turn next.

use super::i18n::t;
use super::page::{Page, localized, render};
use askama::Template;
use atbalsts_search::Lang;
use axum::extract::{Extension, OriginalUri};
use axum::http::StatusCode;
use axum::response::Response;

/// When the statement was prepared (year, month, day).
const PREPARED: (u16, u8, u8) = (2026, 11, 29);

struct Section {
    id: &'static str,
    heading: String,
    paragraphs: Vec<String>,
    items: Vec<String>,
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct StatementPage {
    page: Page,
    intro: String,
    sections: Vec<Section>,
    report_heading: String,
    report_text: String,
    report_href: String,
    report_link: String,
    complaint_heading: String,
    complaint_text: String,
    date_heading: String,
    date_text: String,
    date_iso: String,
    date: String,
}

/// A date written out as people read it: `2026. gada 29. novembris` or `29 November 2026`.
fn long_date(lang: Lang, (year, month, day): (u16, u8, u8)) -> String {
    const LV: [&str; 12] = [
        "janvāris",
        "februāris",
        "marts",
        "aprīlis",
        "maijs",
        "jūnijs",
        "jūlijs",
        "augusts",
        "septembris",
        "oktobris",
        "novembris",
        "decembris",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let index = usize::from(month.clamp(1, 12)) - 1;
    match lang {
        Lang::Lv => format!("{year}. gada {day}. {}", LV[index]),
        Lang::En => format!("{day} {} {year}", EN[index]),
    }
}

pub async fn page(Extension(lang): Extension<Lang>, OriginalUri(uri): OriginalUri) -> Response {
    let tr = |key: &str| t(lang, key);
    let sections = vec![
        Section {
            id: "status",
            heading: tr("a11y-status-heading"),
            paragraphs: vec![tr("a11y-status-text"), tr("a11y-status-partial")],
            items: vec![],
        },
        Section {
            id: "checks",
            heading: tr("a11y-checks-heading"),
            paragraphs: vec![],
            items: vec![
                tr("a11y-check-automated"),
                tr("a11y-check-keyboard"),
                tr("a11y-check-manual"),
            ],
        },
        Section {
            id: "limits",
            heading: tr("a11y-limits-heading"),
            paragraphs: vec![],
            items: vec![
                tr("a11y-limit-articles"),
                tr("a11y-limit-attachments"),
                tr("a11y-limit-automation"),
                tr("a11y-alternative"),
            ],
        },
    ];
    let (year, month, day) = PREPARED;
    render(
        StatusCode::OK,
        StatementPage {
            page: Page::new(lang, tr("a11y-title"), &uri),
            intro: tr("a11y-intro"),
            sections,
            report_heading: tr("a11y-report-heading"),
            report_text: tr("a11y-report-text"),
            report_href: localized(lang, "/requests/new"),
            report_link: tr("a11y-report-link"),
            complaint_heading: tr("a11y-complaint-heading"),
            complaint_text: tr("a11y-complaint-text"),
            date_heading: tr("a11y-date-heading"),
            date_text: tr("a11y-date-text"),
            date_iso: format!("{year:04}-{month:02}-{day:02}"),
            date: long_date(lang, PREPARED),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_the_local_way() {
        assert_eq!(long_date(Lang::Lv, PREPARED), "2026. gada 29. novembris");
        assert_eq!(long_date(Lang::En, PREPARED), "29 November 2026");
        assert_eq!(long_date(Lang::Lv, (2027, 1, 5)), "2027. gada 5. janvāris");
    }
}
