//! Synthetic knowledge-base articles for search benchmarks: `kb-generate` writes N Markdown
//! files with front matter (docs/kb.md) for `atbalsts import kb DIR`.
//!
//! Article `n` depends only on the seed and `n` (not on how many are generated), so the same
//! command always writes the same files. The text is made from a vocabulary of Latvian (and,
//! for one article in ten, English) public-service words and phrases written for this crate:
//! per-service topics in the cases the sentence templates need, documents, places, channels,
//! people, deadlines and fees, so the index gets a realistic spread of common and rare terms.

use crate::load::Rng;
use anyhow::{Context, bail};
use serde::Deserialize;
use std::fmt::Write as _;
use std::path::Path;

/// The demo's services register, used when `--services` is not given.
const DEMO_SERVICES: &str = include_str!("../../atbalsts/demo/registers/services.json");

/// Body length in words (headings and list items included).
pub const MIN_WORDS: usize = 150;
pub const MAX_WORDS: usize = 350;

/// One service from a register file (only what the articles need).
#[derive(Debug, Clone, Deserialize)]
pub struct Service {
    pub code: String,
    pub name_lv: String,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(default)]
    pub life_situations: Vec<String>,
}

/// Services from a register file, or the demo's when `path` is `None`.
pub fn load_services(path: Option<&Path>) -> anyhow::Result<Vec<Service>> {
    let text = match path {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?
        }
        None => DEMO_SERVICES.to_string(),
    };
    let services: Vec<Service> =
        serde_json::from_str(&text).context("the services file is not a services register")?;
    if services.is_empty() {
        bail!("the services register is empty");
    }
    Ok(services)
}

/// One generated article.
#[derive(Debug, Clone)]
pub struct Article {
    pub id: String,
    pub lang: &'static str,
    pub title: String,
    pub services: Vec<String>,
    pub life_situations: Vec<String>,
    pub tags: Vec<String>,
    pub audience: &'static str,
    pub kind: &'static str,
    pub review_by: Option<String>,
    pub body: String,
}

impl Article {
    /// The file name `atbalsts import kb` expects: the id plus `.md`.
    pub fn file_name(&self) -> String {
        format!("{}.md", self.id)
    }

    /// The article in the import format (docs/kb.md).
    pub fn to_markdown(&self) -> String {
        let mut s = String::with_capacity(self.body.len() + 400);
        s.push_str("---\n");
        let _ = writeln!(s, "id: {}", self.id);
        let _ = writeln!(s, "lang: {}", self.lang);
        let _ = writeln!(s, "title: \"{}\"", self.title.replace('"', "\\\""));
        let _ = writeln!(s, "services: [{}]", self.services.join(", "));
        let _ = writeln!(s, "life_situations: [{}]", self.life_situations.join(", "));
        let _ = writeln!(s, "tags: [{}]", self.tags.join(", "));
        let _ = writeln!(s, "audience: {}", self.audience);
        let _ = writeln!(s, "kind: {}", self.kind);
        if let Some(d) = &self.review_by {
            let _ = writeln!(s, "review_by: {d}");
        }
        s.push_str("---\n\n");
        s.push_str(&self.body);
        s.push('\n');
        s
    }
}

/// Words in a text, as the limits count them.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Article number `n` (0-based) of the set made with `seed`.
pub fn article(seed: u64, n: u64, services: &[Service]) -> Article {
    // Each article has its own stream, so it does not depend on the ones before it.
    let mut rng = Rng::seeded(seed ^ n.wrapping_mul(0xA076_1D64_78BD_642F));
    let fallback = Service {
        code: "VDAA-002".into(),
        name_lv: "Pieteikšanās portālā latvija.gov.lv".into(),
        name_en: None,
        life_situations: Vec::new(),
    };
    // Services in turn, so every service gets its share.
    let service = services
        .get(usize::try_from(n % services.len().max(1) as u64).unwrap_or(0))
        .unwrap_or(&fallback);
    let topic = topic_for(&service.code, &service.name_lv, service.name_en.as_deref());
    let english = n % 10 == 9;
    let mut codes = vec![service.code.clone()];
    // One article in five also answers a second service.
    if rng.below(5) == 0
        && let Some(other) = services.get(rng.below(services.len()))
        && other.code != service.code
    {
        codes.push(other.code.clone());
    }
    let life_situations = service
        .life_situations
        .iter()
        .take(1 + rng.below(2))
        .cloned()
        .collect();
    let (title, body, tags) = if english {
        english_article(&mut rng, &topic)
    } else {
        latvian_article(&mut rng, &topic, service)
    };
    Article {
        id: format!("bench-{n:05}"),
        lang: if english { "en" } else { "lv" },
        title,
        services: codes,
        life_situations,
        tags,
        audience: if rng.below(10) == 0 {
            "internal"
        } else {
            "public"
        },
        kind: rng_pick_str(
            &mut rng,
            &["howto", "howto", "faq", "faq", "known_error", "policy"],
        ),
        review_by: (rng.below(3) > 0)
            .then(|| format!("2027-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28))),
        body,
    }
}

/// Writes articles `0..count` into `out`, which must be empty or not exist yet.
pub fn generate(seed: u64, count: u64, out: &Path, services: &[Service]) -> anyhow::Result<()> {
    if out.exists() {
        let mut entries = std::fs::read_dir(out)
            .with_context(|| format!("cannot read the directory {}", out.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} is not empty; give a new directory, so that no other articles are imported with these",
                out.display()
            );
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (mut words, mut bytes) = (0usize, 0usize);
    for n in 0..count {
        let a = article(seed, n, services);
        let text = a.to_markdown();
        words += word_count(&a.body);
        bytes += text.len();
        let path = out.join(a.file_name());
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!(
        "kb-generate: wrote {count} articles ({} words on average, {:.1} MB) to {}",
        words / usize::try_from(count.max(1)).unwrap_or(1),
        bytes as f64 / 1e6,
        out.display()
    );
    Ok(())
}

/// What an article is about, in the forms the templates need.
struct Topic {
    /// Nominative, lower case: "dzīvesvietas deklarēšana".
    nom: String,
    /// Genitive: "dzīvesvietas deklarēšanas".
    gen_: String,
    /// Infinitive phrase: "deklarēt dzīvesvietu".
    verb: String,
    tags: Vec<String>,
    en_nom: String,
    en_verb: String,
    en_tags: Vec<String>,
}

/// (service code, nominative, genitive, infinitive phrase, tags, English noun phrase, English verb phrase, English tags)
type TopicRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static [&'static str],
);

#[rustfmt::skip]
const TOPICS: &[TopicRow] = &[
    ("PMLP-001", "pases izsniegšana", "pases izsniegšanas", "saņemt jaunu pasi", &["pase", "ceļošana", "personu apliecinošs dokuments"], "passport issue", "get a new passport", &["passport", "travel"]),
    ("PMLP-002", "personas apliecības saņemšana", "personas apliecības saņemšanas", "pieteikt eID karti", &["eid", "personas apliecība", "pin kodi"], "identity card issue", "apply for an eID card", &["eid", "identity card"]),
    ("PMLP-003", "dzīvesvietas deklarēšana", "dzīvesvietas deklarēšanas", "deklarēt dzīvesvietu", &["dzīvesvieta", "deklarēšana", "adrese"], "declaring a place of residence", "declare your place of residence", &["residence", "address"]),
    ("PMLP-004", "izziņa no Fizisko personu reģistra", "izziņas no Fizisko personu reģistra", "pieprasīt izziņu no reģistra", &["izziņa", "reģistrs", "personas dati"], "certificate from the population register", "request a register certificate", &["certificate", "register"]),
    ("PMLP-005", "nozaudēta dokumenta pieteikšana", "nozaudēta dokumenta pieteikšanas", "pieteikt nozaudētu pasi", &["nozaudēts dokuments", "pase", "zādzība"], "reporting a lost document", "report a lost passport", &["lost document", "theft"]),
    ("VID-001", "gada ienākumu deklarācija", "gada ienākumu deklarācijas", "iesniegt gada ienākumu deklarāciju", &["deklarācija", "eds", "iedzīvotāju ienākuma nodoklis"], "annual income tax return", "file the annual income return", &["tax return", "eds"]),
    ("VID-002", "apgādājamo reģistrēšana", "apgādājamo reģistrēšanas", "reģistrēt apgādājamo algas nodokļa grāmatiņā", &["apgādājamais", "algas nodokļa grāmatiņa", "atvieglojumi"], "registering dependants", "register a dependant", &["dependant", "payroll tax book"]),
    ("VID-003", "saimnieciskās darbības reģistrācija", "saimnieciskās darbības reģistrācijas", "reģistrēties kā saimnieciskās darbības veicējam", &["pašnodarbinātais", "saimnieciskā darbība", "nodokļi"], "registering as self-employed", "register as self-employed", &["self-employed", "business"]),
    ("VID-004", "izziņa par nodokļu parādu neesamību", "izziņas par nodokļu parādu neesamību", "saņemt izziņu par nodokļu parādiem", &["izziņa", "nodokļu parāds"], "certificate of no tax debts", "get a certificate of no tax debts", &["tax debt", "certificate"]),
    ("VID-005", "reģistrācija PVN maksātāju reģistrā", "reģistrācijas PVN maksātāju reģistrā", "reģistrēties kā PVN maksātājam", &["pvn", "pievienotās vērtības nodoklis"], "VAT registration", "register for VAT", &["vat", "registration"]),
    ("VSAA-001", "bērna piedzimšanas pabalsts", "bērna piedzimšanas pabalsta", "pieprasīt bērna piedzimšanas pabalstu", &["pabalsts", "jaundzimušais", "ģimene"], "childbirth benefit", "claim the childbirth benefit", &["benefit", "newborn"]),
    ("VSAA-002", "vecāku pabalsts", "vecāku pabalsta", "pieprasīt vecāku pabalstu", &["vecāku pabalsts", "bērna kopšana"], "parental benefit", "claim the parental benefit", &["parental benefit"]),
    ("VSAA-003", "bērna kopšanas pabalsts", "bērna kopšanas pabalsta", "saņemt bērna kopšanas pabalstu", &["bērna kopšana", "pabalsts"], "childcare benefit", "receive the childcare benefit", &["childcare", "benefit"]),
    ("VSAA-004", "vecuma pensijas pieprasīšana", "vecuma pensijas pieprasīšanas", "pieprasīt vecuma pensiju", &["pensija", "pensionārs", "apdrošināšanas stāžs"], "applying for an old-age pension", "apply for the old-age pension", &["pension", "retirement"]),
    ("VSAA-005", "bezdarbnieka pabalsts", "bezdarbnieka pabalsta", "saņemt bezdarbnieka pabalstu", &["bezdarbs", "pabalsts", "darba zaudēšana"], "unemployment benefit", "claim unemployment benefit", &["unemployment", "benefit"]),
    ("VSAA-006", "izziņa par sociālās apdrošināšanas iemaksām", "izziņas par sociālās apdrošināšanas iemaksām", "pasūtīt izziņu par sociālajām iemaksām", &["sociālās iemaksas", "izziņa", "stāžs"], "statement of social insurance contributions", "order a contributions statement", &["contributions", "statement"]),
    ("NVA-001", "bezdarbnieka statusa piešķiršana", "bezdarbnieka statusa piešķiršanas", "iegūt bezdarbnieka statusu", &["bezdarbnieks", "nva", "statuss"], "registering as unemployed", "register as unemployed", &["unemployed", "status"]),
    ("NVA-002", "vakanču portāla lietošana", "vakanču portāla lietošanas", "publicēt CV vakanču portālā", &["cv", "vakances", "darba meklēšana"], "using the vacancy portal", "publish a CV on the vacancy portal", &["cv", "vacancies"]),
    ("NVA-003", "profesionālā apmācība", "profesionālās apmācības", "pieteikties pārkvalifikācijas kursiem", &["kursi", "apmācība", "pārkvalifikācija"], "vocational training", "apply for retraining courses", &["training", "courses"]),
    ("UR-001", "SIA reģistrācija", "SIA reģistrācijas", "dibināt sabiedrību ar ierobežotu atbildību", &["sia", "uzņēmums", "dibināšana"], "registering a limited company", "found a limited company", &["company", "registration"]),
    ("UR-002", "izdruka no Uzņēmumu reģistra", "izdrukas no Uzņēmumu reģistra", "pieprasīt izdruku no Uzņēmumu reģistra", &["uzņēmumu reģistrs", "izdruka"], "extract from the Register of Enterprises", "request a register extract", &["extract", "enterprises"]),
    ("CSDD-001", "transportlīdzekļa īpašnieka maiņa", "transportlīdzekļa īpašnieka maiņas", "pārreģistrēt automašīnu uz jauno īpašnieku", &["auto", "pārreģistrācija", "transportlīdzeklis"], "change of vehicle owner", "re-register a car to a new owner", &["vehicle", "owner"]),
    ("CSDD-002", "vadītāja apliecības maiņa", "vadītāja apliecības maiņas", "nomainīt vadītāja apliecību", &["vadītāja apliecība", "tiesības", "medicīniskā izziņa"], "replacing a driving licence", "replace a driving licence", &["driving licence"]),
    ("CSDD-003", "valsts tehniskā apskate", "valsts tehniskās apskates", "pieteikties tehniskajai apskatei", &["tehniskā apskate", "auto", "pieraksts"], "vehicle roadworthiness test", "book a roadworthiness test", &["inspection", "vehicle"]),
    ("VZD-001", "kadastra datu apskate", "kadastra datu apskates", "apskatīt kadastra datus", &["kadastrs", "zeme", "nekustamais īpašums"], "viewing cadastre data", "look up cadastre data", &["cadastre", "property"]),
    ("VZD-002", "kadastrālā vērtība", "kadastrālās vērtības", "noskaidrot īpašuma kadastrālo vērtību", &["kadastrālā vērtība", "novērtēšana"], "cadastral value", "find out a cadastral value", &["cadastral value"]),
    ("NVD-001", "ģimenes ārsta maiņa", "ģimenes ārsta maiņas", "reģistrēties pie cita ģimenes ārsta", &["ģimenes ārsts", "veselība", "pieraksts"], "changing family doctor", "change your family doctor", &["family doctor", "health"]),
    ("NVD-002", "Eiropas veselības apdrošināšanas karte", "Eiropas veselības apdrošināšanas kartes", "pasūtīt Eiropas veselības apdrošināšanas karti", &["evak", "veselība", "ceļošana"], "European health insurance card", "order a European health insurance card", &["ehic", "travel"]),
    ("VDAA-001", "oficiālā e-adrese", "oficiālās e-adreses", "aktivizēt savu e-adresi", &["e-adrese", "saziņa ar iestādēm"], "official e-address", "activate your e-address", &["e-address"]),
    ("VDAA-002", "pieslēgšanās portālam latvija.gov.lv", "pieslēgšanās portālam latvija.gov.lv", "pieslēgties portālam latvija.gov.lv", &["portāls", "autentifikācija", "e-pakalpojumi"], "logging in to latvija.gov.lv", "log in to latvija.gov.lv", &["portal", "login"]),
    ("VDAA-003", "digitālā palīdzība", "digitālās palīdzības", "apgūt e-pakalpojumu lietošanu", &["digitālās prasmes", "konsultācija"], "digital assistance", "learn to use e-services", &["digital skills"]),
    ("LVRTC-001", "eParaksts mobile lietošana", "eParaksts mobile lietošanas", "parakstīt dokumentu ar eParaksts mobile", &["eparaksts", "elektroniskais paraksts", "mobilā lietotne"], "using eParaksts mobile", "sign a document with eParaksts mobile", &["e-signature", "mobile"]),
    ("RIGA-001", "bērna reģistrēšana bērnudārza rindā", "bērna reģistrēšanas bērnudārza rindā", "pierakstīt bērnu rindā uz bērnudārzu", &["bērnudārzs", "rinda", "pirmsskola"], "kindergarten waiting list", "put a child on the kindergarten list", &["kindergarten", "waiting list"]),
    ("RIGA-002", "nekustamā īpašuma nodoklis", "nekustamā īpašuma nodokļa", "samaksāt nekustamā īpašuma nodokli", &["nīn", "nodokļa atvieglojumi", "maksāšanas paziņojums"], "real estate tax", "pay the real estate tax", &["property tax", "relief"]),
    ("RIGA-003", "rīdzinieka karte", "rīdzinieka kartes", "pieteikt rīdzinieka karti", &["rīdzinieka karte", "sabiedriskais transports"], "Riga resident card", "apply for a Riga resident card", &["resident card", "transport"]),
    ("VALMIERA-001", "nekustamā īpašuma nodokļa maksāšana", "nekustamā īpašuma nodokļa maksāšanas", "nomaksāt nekustamā īpašuma nodokli", &["nīn", "valmiera", "maksājums"], "paying real estate tax", "pay real estate tax in Valmiera", &["property tax", "valmiera"]),
    ("VALMIERA-002", "pieteikšanās pirmsskolas izglītības iestādē", "pieteikšanās pirmsskolas izglītības iestādē", "pieteikt bērnu pirmsskolas izglītības iestādē", &["pirmsskola", "bērnudārzs", "valmiera"], "pre-school enrolment", "enrol a child in pre-school", &["pre-school", "valmiera"]),
    ("VALMIERA-003", "novada pabalsts par bērna piedzimšanu", "novada pabalsta par bērna piedzimšanu", "pieprasīt pašvaldības pabalstu jaundzimušajam", &["pabalsts", "jaundzimušais", "pašvaldība"], "municipal childbirth allowance", "claim the municipal childbirth allowance", &["allowance", "newborn"]),
];

fn topic_for(code: &str, name_lv: &str, name_en: Option<&str>) -> Topic {
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    match TOPICS.iter().find(|t| t.0 == code) {
        Some(&(_, nom, gen_, verb, tags, en_nom, en_verb, en_tags)) => Topic {
            nom: nom.into(),
            gen_: gen_.into(),
            verb: verb.into(),
            tags: owned(tags),
            en_nom: en_nom.into(),
            en_verb: en_verb.into(),
            en_tags: owned(en_tags),
        },
        // A service this vocabulary does not know: its register name, uninflected.
        None => {
            let nom = name_lv.to_lowercase();
            let en = name_en.unwrap_or(name_lv).to_lowercase();
            Topic {
                gen_: format!("pakalpojuma «{name_lv}»"),
                verb: format!("saņemt pakalpojumu «{name_lv}»"),
                tags: vec![nom.chars().take(40).collect()],
                en_verb: format!("use the service \"{en}\""),
                en_tags: vec![en.chars().take(40).collect()],
                nom,
                en_nom: en,
            }
        }
    }
}

/// Documents: (nominative, accusative).
const DOCS: &[(&str, &str)] = &[
    ("pase", "pasi"),
    ("personas apliecība", "personas apliecību"),
    ("iesniegums", "iesniegumu"),
    ("pilnvara", "pilnvaru"),
    ("dzimšanas apliecība", "dzimšanas apliecību"),
    ("laulības apliecība", "laulības apliecību"),
    ("īres līgums", "īres līgumu"),
    ("darba līgums", "darba līgumu"),
    ("maksājuma uzdevums", "maksājuma uzdevumu"),
    ("ārsta izziņa", "ārsta izziņu"),
    ("darbnespējas lapa", "darbnespējas lapu"),
    ("zemesgrāmatas apliecība", "zemesgrāmatas apliecību"),
    ("pirkuma līgums", "pirkuma līgumu"),
    ("reģistrācijas apliecība", "reģistrācijas apliecību"),
    ("izglītības dokuments", "izglītības dokumentu"),
    ("uzturēšanās atļauja", "uzturēšanās atļauju"),
    ("bankas konta izraksts", "bankas konta izrakstu"),
    ("izziņa par ienākumiem", "izziņu par ienākumiem"),
    ("tiesas nolēmums", "tiesas nolēmumu"),
    ("fotogrāfija", "fotogrāfiju"),
];

/// Where something is done (locative or adverbial).
const WHERE: &[&str] = &[
    "portālā latvija.gov.lv",
    "valsts un pašvaldību vienotajā klientu apkalpošanas centrā",
    "iestādes klientu apkalpošanas centrā",
    "Elektroniskās deklarēšanas sistēmā",
    "mobilajā lietotnē",
    "pa tālruni",
    "ar e-adreses starpniecību",
    "pa pastu",
    "pašvaldības apmeklētāju pieņemšanas centrā",
    "internetbankā",
    "klātienē",
    "iestādes tīmekļvietnē",
];

#[rustfmt::skip]
const TOWNS: &[&str] = &[
    "Rīgā", "Valmierā", "Liepājā", "Daugavpilī", "Jelgavā", "Ventspilī", "Rēzeknē", "Jēkabpilī",
    "Ogrē", "Tukumā", "Cēsīs", "Siguldā", "Kuldīgā", "Talsos", "Madonā", "Gulbenē",
    "Alūksnē", "Balvos", "Ludzā", "Krāslavā", "Preiļos", "Dobelē", "Bauskā", "Saldū",
    "Limbažos", "Smiltenē", "Valkā", "Aizkrauklē", "Ķekavā", "Salaspilī", "Olainē", "Jūrmalā",
    "Ādažos", "Mārupē", "Kandavā", "Aucē", "Rūjienā", "Mazsalacā", "Līvānos", "Viļānos",
];

/// People, nominative.
const WHO: &[&str] = &[
    "iesniedzējs",
    "pilngadīga persona",
    "viens no vecākiem",
    "likumiskais pārstāvis",
    "darba devējs",
    "pensionārs",
    "students",
    "uzņēmuma valdes loceklis",
    "īpašuma īpašnieks",
    "ārvalstnieks ar uzturēšanās atļauju",
    "aizbildnis",
    "pašnodarbinātā persona",
    "persona ar invaliditāti",
    "daudzbērnu ģimenes vecāks",
];

/// People, dative ("to whom").
const WHOM: &[&str] = &[
    "pensionāriem",
    "studentiem",
    "daudzbērnu ģimenēm",
    "personām ar invaliditāti",
    "jaunajiem vecākiem",
    "ārvalstniekiem",
    "uzņēmējiem",
    "trūcīgām un maznodrošinātām personām",
    "nepilngadīgajiem",
    "politiski represētajām personām",
];

#[rustfmt::skip]
const MONTHS_DATIVE: &[&str] = &[
    "janvārim", "februārim", "martam", "aprīlim", "maijam", "jūnijam",
    "jūlijam", "augustam", "septembrim", "oktobrim", "novembrim", "decembrim",
];

const HEADINGS: &[&str] = &[
    "Kas jāzina",
    "Nepieciešamie dokumenti",
    "Termiņi un maksa",
    "Kā pieteikties",
    "Biežāk pieļautās kļūdas",
    "Ja kaut kas neizdodas",
    "Kur saņemt palīdzību",
    "Izņēmumi",
    "Piemērs",
    "Pēc iesnieguma saņemšanas",
    "Tiesības un pienākumi",
    "Tehniskas problēmas",
];

/// Noun stems by declension: 1st (masculine `-s`), 4th (feminine `-a`), 5th (feminine `-e`).
/// Their case forms are made by `inflect`, so the index sees the many word forms real Latvian
/// text has, not only the few the templates spell out.
#[rustfmt::skip]
const STEMS_1: &[&str] = &[
    "iesniegum", "līgum", "maksājum", "dokument", "pabalst", "pakalpojum", "reģistr", "atvieglojum",
    "lēmum", "pieprasījum", "kont", "darbiniek", "uzņēmum", "pensionār", "student", "bērnudārz",
    "novad", "ciemat", "īpašniek", "mantiniek", "izdevum", "ienākum", "parād", "sod", "ārst",
    "pacient", "parakst", "sertifikāt", "pārlūk", "lietotāj", "portāl", "pieteikum", "status",
    "nolēmum", "pasūtījum", "pārskat", "gadījum", "apmēr", "aprēķin", "grozījum", "noteikum",
    "akt", "dienest", "centr", "klient", "vecāk", "bērn", "radiniek", "īrniek", "izīrētāj", "rēķin",
    "pielikum", "paziņojum", "pārvaldniek", "zvejniek", "lauksaimniek", "mežsaimniek", "pilsoņ",
    "nepilsoņ", "ārzemniek", "kursant", "bezdarbniek", "audžuvecāk", "aizbildņ", "kredīt", "depozīt",
];
#[rustfmt::skip]
const STEMS_4: &[&str] = &[
    "izziņ", "apliecīb", "pilnvar", "atļauj", "deklarācij", "pensij", "sistēm", "lietotn", "kart",
    "rind", "slimīb", "apdrošināšan", "kompensācij", "subsīdij", "stipendij", "veidlap", "procedūr",
    "instrukcij", "konsultācij", "sūdzīb", "prasīb", "saistīb", "priekšrocīb", "apmācīb", "programm",
    "nodev", "piemaks", "ēk", "māj", "dzīvesviet", "profesij", "kvalifikācij", "izglītīb", "skol",
    "bibliotēk", "pašvaldīb", "ministrij", "aģentūr", "komisij", "tiesīb", "atbildīb", "person",
    "mājaslap", "apskat", "reģistrācij", "anulēšan", "izsniegšan", "pagarināšan", "atjaunošan",
    "pārbaud", "vizīt", "pārcelšan", "nomaiņ", "izmaks", "kvot", "licencēšan", "auditorij", "zāl",
];
#[rustfmt::skip]
const STEMS_5: &[&str] = &[
    "iestād", "adres", "ģimen", "zem", "licenc", "atlaid", "invaliditāt", "vakanc", "universitāt",
    "kredītiestād", "pas", "vēstul", "rindiņ", "summ", "nodaļ", "filiāl", "tabul", "lapiņ",
];

/// A random case form of a random noun: (nominative singular, this form).
fn inflect(rng: &mut Rng) -> String {
    let which = rng.below(STEMS_1.len() + STEMS_4.len() + STEMS_5.len());
    let (stem, endings): (&str, &[&str]) = if which < STEMS_1.len() {
        (
            STEMS_1[which],
            &["s", "a", "am", "u", "ā", "i", "u", "iem", "us", "os"],
        )
    } else if which < STEMS_1.len() + STEMS_4.len() {
        (
            STEMS_4[which - STEMS_1.len()],
            &["a", "as", "ai", "u", "ā", "ām", "ās"],
        )
    } else {
        (
            STEMS_5[which - STEMS_1.len() - STEMS_4.len()],
            &["e", "es", "ei", "i", "ē", "ēm", "ēs"],
        )
    };
    format!("{stem}{}", rng_pick_str(rng, endings))
}

/// Sentence templates. Slots: {verb} {nom} {Nom} {gen} {service} {code} {doc} {doc_acc} {where}
/// {town} {aspect} {word} {who} {whom} {days} {fee} {date} {phone} {form} {year}.
const LV_SENTENCES: &[&str] = &[
    "Lai {verb_lai}, nepieciešams derīgs personu apliecinošs dokuments.",
    "{Nom} ir iespējama gan {where}, gan klātienē jebkurā klientu centrā.",
    "Iesniegumu var aizpildīt {where}, un atbildi parasti sniedz {days} darba dienu laikā.",
    "Ja {who} nevar ierasties pats, iesniegumu var iesniegt pilnvarota persona, uzrādot notariāli apliecinātu pilnvaru.",
    "Valsts nodeva par pakalpojumu ir {fee}, un to var samaksāt internetbankā vai ar maksājumu karti.",
    "Pakalpojums «{service}» ir pieejams arī {where}, ja esat pieslēdzies ar eParakstu vai internetbanku.",
    "Pievienojiet {doc_acc}, ja tas nav pieejams valsts reģistros.",
    "Iesniegumam jāpievieno {doc}, ja iestādei tā nav.",
    "Bieži iesniedzēji aizmirst norādīt kontaktinformāciju, tādēļ izskatīšana ieilgst.",
    "Termiņš {gen} pieteikšanai ir līdz {date}.",
    "Ja termiņš ir nokavēts, iestāde var piemērot soda naudu vai atteikt pakalpojumu.",
    "Atbilde tiek nosūtīta uz oficiālo e-adresi vai uz iesniegumā norādīto e-pasta adresi.",
    "{Nom} {whom} var būt bez maksas vai ar atlaidi, ja to paredz pašvaldības saistošie noteikumi.",
    "Klientu centrs {town} strādā darba dienās no plkst. 8.30 līdz 17.00, piektdienās līdz 15.00.",
    "Konsultāciju par jautājumu var saņemt pa tālruni {phone} darba dienās.",
    "Lai {verb_lai}, iepriekš nav jāpiesakās, taču rindas var būt garas mēneša sākumā.",
    "Ja sistēma rāda kļūdu, pārbaudiet, vai pārlūkprogramma ir atjaunināta, un mēģiniet vēlreiz.",
    "Pēc iesnieguma reģistrācijas tam tiek piešķirts numurs, pēc kura var sekot lietas virzībai.",
    "Iestāde pieņem lēmumu viena mēneša laikā, bet sarežģītos gadījumos termiņu var pagarināt līdz četriem mēnešiem.",
    "Lēmumu var apstrīdēt iestādes vadītājam mēneša laikā no tā spēkā stāšanās dienas.",
    "Ja dzīvojat ārzemēs, {verb} var arī Latvijas vēstniecībā vai konsulātā.",
    "Elektroniski parakstītu dokumentu var iesniegt, nosūtot to uz iestādes e-adresi.",
    "{Who} atbild par to, lai iesniegtās ziņas būtu patiesas un pilnīgas.",
    "Veidlapa {form} ir pieejama iestādes tīmekļvietnē un klientu centros.",
    "Ja iesniegumā ir nepilnības, iestāde lūgs tās novērst un izskatīšanas termiņš sāksies no jauna.",
    "Par pakalpojuma saņemšanu {town} iepriekš jāpiesakās pa tālruni vai tiešsaistē.",
    "Samaksa tiek pārbaudīta automātiski, tādēļ maksājuma uzdevums nav jāiesniedz.",
    "Ja maksājums nav redzams sistēmā, pagaidiet vienu darba dienu un pārbaudiet vēlreiz.",
    "{Nom} attiecas arī uz tiem, kuri {year}. gadā mainījuši dzīvesvietu vai darba vietu.",
    "Nepilngadīgas personas vārdā iesniegumu iesniedz viens no vecākiem vai aizbildnis.",
    "Pieteikumu nevar iesniegt, ja personai ir neizpildītas saistības pret valsti.",
    "Ja dokuments ir nozaudēts, vispirms par to jāpaziņo, un tikai pēc tam var {verb}.",
    "Lai paātrinātu izskatīšanu, pievienojiet {doc_acc} elektroniskā formā.",
    "Dati tiek nodoti citām valsts iestādēm tikai normatīvajos aktos noteiktajos gadījumos.",
    "Pēc lēmuma pieņemšanas naudu izmaksā uz iesniegumā norādīto bankas kontu.",
    "Pabalsta apmērs tiek aprēķināts no vidējās apdrošināšanas iemaksu algas.",
    "Ja jums nav pieejas internetam, palīdzību var saņemt tuvākajā bibliotēkā vai klientu centrā {town}.",
    "Sīkāka informācija par {gen} kārtību ir publicēta iestādes tīmekļvietnē.",
    "Ievērojiet, ka {doc} jāuzrāda oriģinālā, kopijas netiek pieņemtas.",
    "Atkārtoti iesniegt iesniegumu nav nepieciešams, ja saņemts apstiprinājums par tā reģistrāciju.",
    "Pakalpojuma kods ir {code}, un to var norādīt, sazinoties ar atbalsta dienestu.",
    "Daudziem klientiem palīdz soli pa solim instrukcija, kas pieejama {where}.",
    "Ja jūsu situācija neatbilst šeit aprakstītajai, sazinieties ar speciālistu, un tas palīdzēs izvērtēt iespējas.",
    "Sistēmā var būt īslaicīgi pārtraukumi tehnisko darbu dēļ, parasti naktī no sestdienas uz svētdienu.",
    "Ja saņēmāt atteikumu, iepazīstieties ar tā pamatojumu un, ja nepieciešams, iesniedziet trūkstošos dokumentus.",
    "Lai {verb_lai} bērna vārdā, vecākam jābūt reģistrētam kā bērna likumiskajam pārstāvim.",
    "Līdz {date} iesniegumus par {gen} jautājumiem izskata pēc iepriekšējās kārtības.",
    "Iesniegumu var iesniegt arī pa pastu, nosūtot to uz iestādes juridisko adresi.",
    "Saistītie jēdzieni: {word}, {word}, {word} un {word}.",
    "Skatiet arī: {word}, {word}, {word}.",
    "Jautājumos par {word} un {word} palīdz atbalsta dienests.",
];

const LV_TITLES: &[&str] = &[
    "Kā {verb}",
    "Kā {verb} tiešsaistē",
    "{Nom}: nepieciešamie dokumenti",
    "{Nom}: termiņi un maksa",
    "{Nom} {whom}",
    "Biežāk uzdotie jautājumi par {gen} kārtību",
    "Kļūda, mēģinot {verb}",
    "Ko darīt, ja neizdodas {verb}",
    "{Nom} {town}",
    "Vai var {verb} citas personas vārdā?",
    "{Nom}: pārejas periods līdz {date}",
    "{Service}: kā pieteikties",
    "{Nom}: {aspect}",
    "{Nom} {whom}: {aspect}",
    "{Nom} {town}: {aspect}",
    "{Service} — {aspect}",
];

/// What a title says the article is about (nominative).
const ASPECTS: &[&str] = &[
    "nepieciešamie dokumenti",
    "termiņi",
    "valsts nodeva",
    "pieteikšanās tiešsaistē",
    "pieteikšanās klātienē",
    "biežākās kļūdas",
    "lēmuma apstrīdēšana",
    "iesniegšana ar pilnvaru",
    "izmaiņas normatīvajos aktos",
    "statusa pārbaude",
    "atteikuma iemesli",
    "maksājuma problēmas",
    "tehniskas kļūdas sistēmā",
    "izņēmuma gadījumi",
    "atvieglojumi",
    "saziņa ar iestādi",
    "dokumentu saņemšana",
    "datu labošana",
];

#[rustfmt::skip]
const LV_TAGS: &[&str] = &[
    "termiņi", "maksa", "dokumenti", "e-pakalpojums", "klientu centrs", "pilnvara", "iesniegums",
    "kļūda", "atvieglojumi", "ģimene", "bērni", "izziņa", "eparaksts", "tiešsaiste",
];

const EN_SENTENCES: &[&str] = &[
    "To {verb}, you need a valid identity document.",
    "The {nom} service is available online and at any customer service centre.",
    "Applications submitted online are usually processed within {days} working days.",
    "If you cannot come in person, an authorised person may apply with a notarised power of attorney.",
    "The state fee is {fee}; it can be paid by card or through online banking.",
    "The answer is sent to your official e-address or to the e-mail address given in the application.",
    "If the system shows an error, update your browser and try again later.",
    "The decision can be appealed to the head of the institution within one month.",
    "Residents living abroad can also {verb} at a Latvian embassy or consulate.",
    "Please attach supporting documents in electronic form to speed up the review.",
    "If a payment does not appear in the system, wait one working day and check again.",
    "Further details about the {nom} procedure are published on the institution's website.",
    "The service code is {code}; quote it when contacting the support desk.",
    "Customer service in {town_en} is open on weekdays from 8:30 to 17:00.",
    "Consultations are available by phone at {phone} on working days.",
    "Incomplete applications are returned, and the processing time starts again once they are corrected.",
    "Parents or guardians apply on behalf of minors.",
    "Scheduled maintenance may interrupt the online service at night.",
];

const EN_TITLES: &[&str] = &[
    "How to {verb}",
    "How to {verb} online",
    "{Nom}: documents you need",
    "{Nom}: deadlines and fees",
    "Frequently asked questions about {nom}",
    "What to do if you cannot {verb}",
];

const EN_HEADINGS: &[&str] = &[
    "What you need to know",
    "Documents",
    "Deadlines and fees",
    "How to apply",
    "Common mistakes",
    "Getting help",
];

#[rustfmt::skip]
const EN_TOWNS: &[&str] = &[
    "Riga", "Valmiera", "Liepaja", "Daugavpils", "Jelgava", "Ventspils", "Cesis",
];

/// "deklarēt dzīvesvietu" → "deklarētu dzīvesvietu", "reģistrēties …" → "reģistrētos …":
/// the form that follows "lai".
fn conditional(verb: &str) -> String {
    let (first, rest) = verb.split_once(' ').unwrap_or((verb, ""));
    let first = if let Some(stem) = first.strip_suffix("ties") {
        format!("{stem}tos")
    } else if first.ends_with('t') {
        format!("{first}u")
    } else {
        first.to_string()
    };
    if rest.is_empty() {
        first
    } else {
        format!("{first} {rest}")
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Fills every slot of `template`; each slot draws afresh.
fn fill(rng: &mut Rng, template: &str, topic: &Topic, service: Option<&Service>) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let slot = &rest[start + 1..start + len];
        rest = &rest[start + len + 1..];
        let value = match slot {
            "verb" => topic.verb.clone(),
            "verb_lai" => conditional(&topic.verb),
            "nom" => topic.nom.clone(),
            "Nom" => capitalise(&topic.nom),
            "gen" => topic.gen_.clone(),
            "service" | "Service" => {
                service.map_or_else(|| capitalise(&topic.nom), |s| s.name_lv.clone())
            }
            "code" => service.map_or_else(String::new, |s| s.code.clone()),
            "doc" => rng.pick(DOCS).0.to_string(),
            "doc_acc" => rng.pick(DOCS).1.to_string(),
            "where" => rng.pick(WHERE).to_string(),
            "town" => rng.pick(TOWNS).to_string(),
            "aspect" => rng.pick(ASPECTS).to_string(),
            "word" => inflect(rng),
            "town_en" => rng.pick(EN_TOWNS).to_string(),
            "who" => rng.pick(WHO).to_string(),
            "Who" => capitalise(rng_pick_str(rng, WHO)),
            "whom" => rng.pick(WHOM).to_string(),
            "days" => (3 + rng.below(28)).to_string(),
            "fee" => format!("{},{:02} eiro", 1 + rng.below(60), 5 * rng.below(20)),
            "date" => format!("{}. {}", 1 + rng.below(28), rng.pick(MONTHS_DATIVE)),
            "phone" => format!("67{:06}", rng.below(1_000_000)),
            "form" => format!("Nr. {}-{}", 1 + rng.below(40), 1 + rng.below(12)),
            "year" => (2019 + rng.below(8)).to_string(),
            other => format!("{{{other}}}"),
        };
        out.push_str(&value);
    }
    out.push_str(rest);
    out
}

/// Body text: sections of sentences (and some lists) until a drawn length of 150–350 words.
fn body(
    rng: &mut Rng,
    topic: &Topic,
    service: Option<&Service>,
    sentences: &[&str],
    headings: &[&str],
    english: bool,
) -> String {
    let target = MIN_WORDS + rng.below(MAX_WORDS - MIN_WORDS + 1);
    let mut body = String::new();
    let mut words = 0;
    let mut headings_left: Vec<&str> = headings.to_vec();
    while words < target {
        let mut section = String::new();
        if !headings_left.is_empty() {
            let h = headings_left.swap_remove(rng.below(headings_left.len()));
            let _ = write!(section, "## {h}\n\n");
        }
        if !english && rng.below(4) == 0 {
            for _ in 0..2 + rng.below(3) {
                let (nom, _) = rng.pick(DOCS);
                let _ = writeln!(section, "- {};", capitalise(nom));
            }
            section.push('\n');
        }
        let mut paragraph = Vec::new();
        for _ in 0..2 + rng.below(4) {
            let template = rng_pick_str(rng, sentences);
            paragraph.push(fill(rng, template, topic, service));
        }
        section.push_str(&paragraph.join(" "));
        section.push_str("\n\n");
        let n = word_count(&section);
        if words + n > MAX_WORDS {
            // Trim the section to the sentences that still fit.
            let mut kept = String::new();
            let mut count = words;
            for s in section.split_inclusive(['.', '?', '\n']) {
                let w = word_count(s);
                if count + w > MAX_WORDS {
                    break;
                }
                kept.push_str(s);
                count += w;
            }
            body.push_str(&kept);
            break;
        }
        body.push_str(&section);
        words += n;
    }
    // A cut section may end in a heading or a list; never below the minimum.
    while word_count(&body) < MIN_WORDS {
        let template = rng_pick_str(rng, sentences);
        let s = fill(rng, template, topic, service);
        if word_count(&body) + word_count(&s) > MAX_WORDS {
            break;
        }
        body.push_str(&s);
        body.push(' ');
    }
    body.trim().to_string()
}

fn rng_pick_str<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len())]
}

fn tags(rng: &mut Rng, own: &[String], general: &[&str]) -> Vec<String> {
    let mut tags: Vec<String> = own
        .iter()
        .take(1 + rng.below(own.len().max(1)))
        .cloned()
        .collect();
    for _ in 0..1 + rng.below(3) {
        let t = rng.pick(general).to_string();
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    tags
}

fn latvian_article(
    rng: &mut Rng,
    topic: &Topic,
    service: &Service,
) -> (String, String, Vec<String>) {
    let template = rng_pick_str(rng, LV_TITLES);
    let title = fill(rng, template, topic, Some(service));
    let body = body(rng, topic, Some(service), LV_SENTENCES, HEADINGS, false);
    (title, body, tags(rng, &topic.tags, LV_TAGS))
}

fn english_article(rng: &mut Rng, topic: &Topic) -> (String, String, Vec<String>) {
    let en = Topic {
        nom: topic.en_nom.clone(),
        gen_: topic.en_nom.clone(),
        verb: topic.en_verb.clone(),
        tags: topic.en_tags.clone(),
        en_nom: topic.en_nom.clone(),
        en_verb: topic.en_verb.clone(),
        en_tags: topic.en_tags.clone(),
    };
    let template = rng_pick_str(rng, EN_TITLES);
    let title = fill(rng, template, &en, None);
    let body = body(rng, &en, None, EN_SENTENCES, EN_HEADINGS, true);
    let general = ["deadlines", "fees", "documents", "online", "help"];
    (title, body, tags(rng, &en.tags, &general))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn services() -> Vec<Service> {
        load_services(None).unwrap()
    }

    #[test]
    fn lai_takes_the_conditional() {
        assert_eq!(conditional("deklarēt dzīvesvietu"), "deklarētu dzīvesvietu");
        assert_eq!(
            conditional("reģistrēties kā PVN maksātājam"),
            "reģistrētos kā PVN maksātājam"
        );
        assert_eq!(conditional("saņemt"), "saņemtu");
    }

    #[test]
    fn the_demo_register_is_bundled() {
        let s = services();
        assert!(s.len() >= 30);
        // Every demo service has a topic written for it.
        for service in &s {
            assert!(
                TOPICS.iter().any(|t| t.0 == service.code),
                "no topic for {}",
                service.code
            );
        }
    }

    #[test]
    fn deterministic_and_independent_of_count() {
        let s = services();
        let a = article(7, 1234, &s).to_markdown();
        let b = article(7, 1234, &s).to_markdown();
        assert_eq!(a, b);
        assert_ne!(a, article(8, 1234, &s).to_markdown());
        assert_ne!(a, article(7, 1235, &s).to_markdown());
    }

    #[test]
    fn articles_are_valid_import_files() {
        let s = services();
        let codes: BTreeSet<&str> = s.iter().map(|x| x.code.as_str()).collect();
        let mut langs = BTreeSet::new();
        for n in 0..600 {
            let a = article(42, n, &s);
            let text = a.to_markdown();
            let parsed = atbalsts_domain::kb::parse_article(&a.file_name(), &text)
                .unwrap_or_else(|e| panic!("{}: {e:?}\n{text}", a.id));
            assert_eq!(parsed.id, a.id);
            assert_eq!(parsed.title, a.title);
            assert_eq!(parsed.services, a.services);
            assert_eq!(parsed.tags.len(), a.tags.len(), "{:?}", a.tags);
            assert!(a.services.iter().all(|c| codes.contains(c.as_str())));
            let words = word_count(&a.body);
            assert!(
                (MIN_WORDS..=MAX_WORDS).contains(&words),
                "{}: {words} words",
                a.id
            );
            assert!(!text.contains('{'), "unfilled slot in {}:\n{text}", a.id);
            langs.insert(a.lang);
        }
        assert_eq!(langs, BTreeSet::from(["en", "lv"]));
    }

    #[test]
    fn vocabulary_is_varied() {
        let s = services();
        let mut titles = BTreeSet::new();
        let mut words = BTreeSet::new();
        for n in 0..1000 {
            let a = article(1, n, &s);
            titles.insert(a.title.clone());
            words.extend(a.body.split_whitespace().map(str::to_lowercase));
        }
        assert!(titles.len() > 650, "{} distinct titles", titles.len());
        assert!(words.len() > 3000, "{} distinct words", words.len());
        // Real Latvian letters, not only ASCII.
        assert!(words.iter().any(|w| w.contains('ā')) && words.iter().any(|w| w.contains('ļ')));
    }

    #[test]
    fn an_unknown_service_still_makes_a_valid_article() {
        let s = vec![Service {
            code: "X-1".into(),
            name_lv: "Zvejas atļaujas izsniegšana".into(),
            name_en: None,
            life_situations: vec![],
        }];
        let a = article(3, 0, &s);
        assert!(atbalsts_domain::kb::parse_article(&a.file_name(), &a.to_markdown()).is_ok());
    }

    #[test]
    fn generate_refuses_a_directory_with_files() {
        let dir = std::env::temp_dir().join(format!("atbalsts-bench-kb-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        generate(5, 3, &dir, &services()).unwrap();
        let files = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(files, 3);
        assert!(generate(5, 3, &dir, &services()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
