//! What people type into knowledge-base search and the assistant: the rotating query list of the
//! `kb-search` and `assistant` scenarios. Written for the benchmark: Latvian with and without
//! diacritics, in other inflections, misspelt, as whole questions, some English, a few service
//! filters, and some that no article answers (greetings, out of scope), as in real traffic.

/// One query. `lang` and `service` are sent as search parameters when set; the assistant gets `lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    pub q: &'static str,
    pub lang: Option<&'static str>,
    pub service: Option<&'static str>,
}

const fn q(q: &'static str) -> Query {
    Query {
        q,
        lang: None,
        service: None,
    }
}

const fn lang(q: &'static str, lang: &'static str) -> Query {
    Query {
        q,
        lang: Some(lang),
        service: None,
    }
}

const fn service(q: &'static str, service: &'static str) -> Query {
    Query {
        q,
        lang: None,
        service: Some(service),
    }
}

pub const QUERIES: &[Query] = &[
    // Written properly.
    q("deklarēt dzīvesvietu"),
    q("pases saņemšana"),
    q("personas apliecības derīguma termiņš"),
    q("gada ienākumu deklarācija"),
    q("attaisnotie izdevumi par ārstniecību"),
    q("vecuma pensijas pieprasīšana"),
    q("bērna kopšanas pabalsts"),
    q("bezdarbnieka statuss"),
    q("reģistrēt SIA"),
    q("vadītāja apliecības maiņa"),
    q("kadastrālā vērtība"),
    q("ģimenes ārsta maiņa"),
    q("eParaksts mobile"),
    q("bērnudārza rinda"),
    q("nekustamā īpašuma nodoklis"),
    q("rīdzinieka karte"),
    lang("PVN maksātāja reģistrācija", "lv"),
    q("izziņa par nodokļu parādiem"),
    // Without diacritics, as typed on a phone or a foreign keyboard.
    q("deklaret dzivesvietu"),
    q("gada ienakumu deklaracija termins"),
    q("berna piedzimsanas pabalsts"),
    q("vaditaja tiesibu atjaunosana"),
    q("nekustama ipasuma nodoklis atlaide"),
    q("eiropas veselibas apdrosinasanas karte"),
    q("gimenes arsts"),
    q("bernudarza rinda valmiera"),
    q("pensijas aprekins"),
    q("iesniegt algas nodokla gramatinu darba devejam"),
    // Other inflections and word forms than the articles use.
    q("dzīvesvietas deklarēšanai vajadzīgie dokumenti"),
    q("pazaudēju pasi"),
    q("pieteikties pensijai"),
    q("bezdarbnieka pabalstu apmēri"),
    q("pārreģistrēju automašīnu"),
    q("uzņēmumu reģistrā izdrukas"),
    q("kursi bezdarbniekiem"),
    q("apgādājamie algas grāmatiņā"),
    q("tehniskās apskates pieraksts"),
    q("kadastra datus apskatīt"),
    // Misspelt.
    q("deklarešana dzivesvietas"),
    q("pensjas pieprasisana"),
    q("bezdarbnieka pabalstss"),
    q("personas apleciba pazaudeta"),
    q("tehniska apskatte"),
    q("vaditaja aplieciba termins beidzies"),
    q("eparakts mobile neizdodas"),
    q("kadastralaa vertiba"),
    // Whole questions.
    q("Labdien, man beidzas pases derīguma termiņš, kur es varu pieteikties jaunai pasei?"),
    q("vai var iesniegt gada deklarāciju par vecākiem, ja viņi ir pensionāri"),
    q("cik ilgi jāgaida bezdarbnieka pabalsts pēc pieteikšanās"),
    q("kā mainīt deklarēto adresi, ja dzīvoju īrētā dzīvoklī"),
    q("kur var saņemt izziņu par sociālās apdrošināšanas iemaksām"),
    q("kas jādara, ja maksājums par valsts nodevu nav redzams sistēmā"),
    q("vai bērnu var pierakstīt bērnudārzā, ja deklarētā adrese ir citā novadā"),
    q("kāpēc nevaru pieslēgties latvija.gov.lv ar eParakstu?"),
    // Filtered by service.
    service("termiņš", "VID-001"),
    service("nepieciešamie dokumenti", "PMLP-001"),
    service("maksa", "CSDD-001"),
    service("pabalsta apmērs", "VSAA-005"),
    // English.
    q("how to declare my place of residence"),
    q("lost passport what to do"),
    lang("income tax return deadline", "en"),
    q("unemployment benefit amount"),
    q("register a company online"),
    lang("change family doctor", "en"),
    q("european health insurance card"),
    q("eParaksts mobile login problem"),
    // Nothing in the knowledge base answers these.
    q("labdien"),
    q("kāds būs laiks rīt"),
    q("cik maksā biļete uz koncertu"),
    q("thank you"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn queries_are_distinct_and_valid_parameters() {
        let mut seen = BTreeSet::new();
        for query in QUERIES {
            assert!(
                seen.insert((query.q, query.lang, query.service)),
                "{query:?} twice"
            );
            assert!(!query.q.trim().is_empty() && query.q.chars().count() <= 200);
            assert!(!query.q.chars().any(char::is_control));
            assert!(query.lang.is_none_or(|l| l == "lv" || l == "en"));
        }
        assert!(QUERIES.len() >= 60);
    }

    #[test]
    fn the_mix_covers_what_people_type() {
        let folded = |s: &str| s.is_ascii();
        let latvian_letters = QUERIES
            .iter()
            .filter(|x| x.q.chars().any(|c| "āčēģīķļņšūž".contains(c)))
            .count();
        // Diacritic-free queries that are Latvian (the English ones are ASCII too).
        let ascii = QUERIES.iter().filter(|x| folded(x.q)).count();
        assert!(latvian_letters >= 25, "{latvian_letters}");
        assert!(ascii >= 30, "{ascii}");
        assert!(QUERIES.iter().filter(|x| x.service.is_some()).count() >= 3);
        assert!(QUERIES.iter().any(|x| x.lang == Some("en")));
        assert!(QUERIES.iter().filter(|x| x.q.contains('?')).count() >= 2);
    }

    #[test]
    fn service_filters_name_demo_services() {
        let services = crate::kb::load_services(None).unwrap();
        for query in QUERIES {
            if let Some(code) = query.service {
                assert!(services.iter().any(|s| s.code == code), "{code}");
            }
        }
    }
}
