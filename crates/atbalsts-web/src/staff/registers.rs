//! Register browsers: read-only tables of the institutions, services (with a
//! text filter), life situations and customer service locations, on one page
//! with a section for each.

use super::signed_in;
use crate::AppState;
use crate::i18n::{t, t_count};
use crate::page::{Page, localized, render, unavailable};
use askama::Template;
use atbalsts_domain::validate::fold;
use atbalsts_search::Lang;
use atbalsts_store::registers::{Location, Service};
use axum::Router;
use axum::extract::{Extension, OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/staff/registers", get(page))
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Params {
    /// Words every listed service must contain (code, name or institution).
    q: String,
}

struct InstitutionRow {
    code: String,
    name: String,
    kind: String,
    parent: String,
}

struct ServiceRow {
    code: String,
    href: String,
    name: String,
    institution: String,
    channels: String,
    fee: String,
    term: String,
}

struct SituationRow {
    code: String,
    name: String,
    services: String,
}

struct LocationRow {
    name: String,
    town: String,
    address: String,
    hours: String,
    services: usize,
}

struct Texts {
    intro: String,
    sections: String,
    institutions: String,
    services: String,
    situations: String,
    locations: String,
    code: String,
    name: String,
    kind: String,
    parent: String,
    institution: String,
    channels: String,
    fee: String,
    term: String,
    filter: String,
    filter_hint: String,
    filter_apply: String,
    filter_clear: String,
    shown: String,
    none: String,
    town: String,
    address: String,
    hours: String,
    services_count: String,
    related_services: String,
}

#[derive(Template)]
#[template(path = "staff_registers.html")]
struct RegistersPage {
    page: Page,
    l: Texts,
    action: String,
    q: String,
    institutions: Vec<InstitutionRow>,
    services: Vec<ServiceRow>,
    situations: Vec<SituationRow>,
    locations: Vec<LocationRow>,
}

fn pick(lang: Lang, lv: &str, en: Option<&str>) -> String {
    match lang {
        Lang::En => en.filter(|e| !e.is_empty()).unwrap_or(lv).to_string(),
        Lang::Lv => lv.to_string(),
    }
}

/// A fee as people in Latvia write it: `30,00 €` (Latvian) or `€30.00`.
fn fee(lang: Lang, euros: f64) -> String {
    if euros <= 0.0 {
        return t(lang, "service-free");
    }
    match lang {
        Lang::Lv => format!("{euros:.2} €").replace('.', ","),
        Lang::En => format!("€{euros:.2}"),
    }
}

fn term(lang: Lang, s: &Service) -> String {
    let days = s.deadline_days.and_then(|d| usize::try_from(d).ok());
    match (days, s.deadline_unit.as_deref()) {
        (Some(d), Some("working_days")) => t_count(lang, "working-days", d),
        (Some(d), Some("calendar_days")) => t_count(lang, "calendar-days", d),
        _ => "—".to_string(),
    }
}

/// Opening hours in one line: consecutive days with the same hours together,
/// e.g. `P–Pk 08:00–17:00; S–Sv slēgts`. A day not listed is closed.
fn hours_summary(lang: Lang, l: &Location) -> String {
    let of = |day: &str| {
        l.opening_hours
            .get(day)
            .filter(|h| !h.is_empty())
            .map_or_else(
                || t(lang, "opening-closed"),
                |h| h.join(", ").replace('-', "–"),
            )
    };
    let short = |day: &str| t(lang, &format!("registers-day-{day}"));
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < DAYS.len() {
        let hours = of(DAYS[i]);
        let mut j = i;
        while j + 1 < DAYS.len() && of(DAYS[j + 1]) == hours {
            j += 1;
        }
        let days = if i == j {
            short(DAYS[i])
        } else {
            format!("{}–{}", short(DAYS[i]), short(DAYS[j]))
        };
        parts.push(format!("{days} {hours}"));
        i = j + 1;
    }
    parts.join("; ")
}

/// Whether every word of the filter occurs in the service (diacritics and case folded).
fn matches(words: &[String], haystack: &str) -> bool {
    words.iter().all(|w| haystack.contains(w.as_str()))
}

pub async fn page(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    params: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let q: String = params
        .map(|Query(p)| p.q)
        .unwrap_or_default()
        .trim()
        .chars()
        .take(200)
        .collect();
    let loaded = tokio::try_join!(
        s.store.institutions(),
        s.store.services(None, None),
        s.store.life_situations(),
        s.store.locations(),
    );
    let (institutions, services, situations, locations) = match loaded {
        Ok(all) => all,
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let names: HashMap<&str, String> = institutions
        .iter()
        .map(|i| {
            (
                i.code.as_str(),
                pick(lang, &i.name_lv, i.name_en.as_deref()),
            )
        })
        .collect();
    let institution_name =
        |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
    let words: Vec<String> = fold(&q).split_whitespace().map(str::to_string).collect();
    let service_rows: Vec<ServiceRow> = services
        .iter()
        .filter(|sv| {
            words.is_empty()
                || matches(
                    &words,
                    &fold(&format!(
                        "{} {} {} {} {}",
                        sv.code,
                        sv.name_lv,
                        sv.name_en.as_deref().unwrap_or_default(),
                        sv.institution,
                        institution_name(&sv.institution)
                    )),
                )
        })
        .map(|sv| ServiceRow {
            code: sv.code.clone(),
            href: localized(lang, &format!("/services/{}", sv.code)),
            name: pick(lang, &sv.name_lv, sv.name_en.as_deref()),
            institution: institution_name(&sv.institution),
            channels: sv
                .channels
                .iter()
                .map(|c| t(lang, &format!("channel-{c}")))
                .collect::<Vec<_>>()
                .join(", "),
            fee: fee(lang, sv.fee_eur),
            term: term(lang, sv),
        })
        .collect();
    let k = |key: &str| t(lang, key);
    let shown = if words.is_empty() {
        String::new()
    } else {
        t_count(lang, "registers-services-shown", service_rows.len())
    };
    render(
        StatusCode::OK,
        RegistersPage {
            page: Page::workspace(
                lang,
                k("registers-heading"),
                &uri,
                &session.staff,
                &session.csrf_token,
            ),
            l: Texts {
                intro: k("registers-intro"),
                sections: k("registers-sections"),
                institutions: k("registers-institutions"),
                services: k("services-heading"),
                situations: k("life-situations-heading"),
                locations: k("registers-locations"),
                code: k("registers-code"),
                name: k("registers-name"),
                kind: k("registers-kind"),
                parent: k("registers-parent"),
                institution: k("kb-institution"),
                channels: k("registers-channels"),
                fee: k("service-fee"),
                term: k("registers-term"),
                filter: k("registers-filter"),
                filter_hint: k("registers-filter-hint"),
                filter_apply: k("registers-filter-apply"),
                filter_clear: k("registers-filter-clear"),
                shown,
                none: k("registers-none"),
                town: k("registers-town"),
                address: k("registers-address"),
                hours: k("registers-hours"),
                services_count: k("registers-services-count"),
                related_services: k("services-heading"),
            },
            action: localized(lang, "/staff/registers"),
            q,
            institutions: institutions
                .iter()
                .map(|i| InstitutionRow {
                    code: i.code.clone(),
                    name: pick(lang, &i.name_lv, i.name_en.as_deref()),
                    kind: super::kb::label(lang, "registers-kind", &i.kind),
                    parent: i
                        .parent
                        .as_deref()
                        .map_or_else(|| "—".to_string(), institution_name),
                })
                .collect(),
            services: service_rows,
            situations: situations
                .iter()
                .map(|ls| SituationRow {
                    code: ls.id.clone(),
                    name: pick(lang, &ls.name_lv, ls.name_en.as_deref()),
                    services: if ls.services.is_empty() {
                        "—".to_string()
                    } else {
                        ls.services.join(", ")
                    },
                })
                .collect(),
            locations: locations
                .iter()
                .map(|l| LocationRow {
                    name: l.name.clone(),
                    town: l.town.clone(),
                    address: l.address.clone(),
                    hours: hours_summary(lang, l),
                    services: l.services.len(),
                })
                .collect(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn opening_hours_fold_equal_days() {
        let mut opening_hours = BTreeMap::new();
        for day in ["mon", "tue", "wed", "thu", "fri"] {
            opening_hours.insert(day.to_string(), vec!["08:00-17:00".to_string()]);
        }
        opening_hours.insert("sat".to_string(), vec![]);
        let l = Location {
            id: "L".into(),
            name: "N".into(),
            kind: "vpvkac".into(),
            institution: None,
            operator_lv: None,
            town: "Cēsis".into(),
            address: "A".into(),
            opening_hours,
            services: vec![],
            equipment: vec![],
        };
        assert_eq!(hours_summary(Lang::Lv, &l), "P–Pk 08:00–17:00; S–Sv slēgts");
        assert_eq!(
            hours_summary(Lang::En, &l),
            "Mon–Fri 08:00–17:00; Sat–Sun closed"
        );
    }

    #[test]
    fn fees_are_written_locally() {
        assert_eq!(fee(Lang::Lv, 30.0), "30,00 €");
        assert_eq!(fee(Lang::En, 30.0), "€30.00");
    }
}
