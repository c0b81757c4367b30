//! The HTTP side: one shared client, the registers the load is built from, and timed requests.

use crate::cli::Target;
use crate::load::Tally;
use crate::queries::Query;
use anyhow::{Context, bail};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Client, RequestBuilder, redirect};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Error responses printed in full; after that they are only counted.
const SHOWN_ERRORS: usize = 5;

pub struct Api {
    http: Client,
    tickets: String,
    services: String,
    kb_search: String,
    /// The server's address, for pages.
    base: String,
    assistant: String,
    shown_errors: AtomicUsize,
}

impl Api {
    pub fn new(target: &Target, token: &str, clients: u32) -> anyhow::Result<Self> {
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.trim()))
            .context("the token has characters that cannot go in an HTTP header")?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        let mut builder = Client::builder()
            .user_agent(concat!("atbalsts-bench/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            // Neither a proxy from the environment nor a redirect may carry the load off this machine.
            .no_proxy()
            .redirect(redirect::Policy::none())
            // Every client keeps its connection between requests, so we measure requests, not handshakes.
            .pool_max_idle_per_host(usize::try_from(clients).unwrap_or(usize::MAX))
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30));
        if let Some((host, addrs)) = &target.pinned {
            builder = builder.resolve_to_addrs(host, addrs);
        }
        Ok(Self {
            http: builder.build().context("cannot build the HTTP client")?,
            tickets: format!("{}/api/v1/tickets", target.base),
            services: format!("{}/api/v1/services", target.base),
            kb_search: format!("{}/api/v1/kb/search", target.base),
            base: target.base.clone(),
            assistant: format!("{}/api/v1/assistant/query", target.base),
            shown_errors: AtomicUsize::new(0),
        })
    }

    /// POST a ticket; returns its id.
    pub async fn create(&self, ticket: &NewTicket<'_>, t: &mut Tally) -> Option<i64> {
        let body = self
            .timed(
                "POST /api/v1/tickets",
                self.http.post(&self.tickets).json(ticket),
                t,
            )
            .await?;
        match serde_json::from_slice::<IdOnly>(&body) {
            Ok(created) => Some(created.id),
            Err(e) => {
                self.show_error("POST /api/v1/tickets", || {
                    format!("2xx without a ticket id ({e}): {}", snippet(&body))
                });
                None
            }
        }
    }

    pub async fn get(&self, id: i64, t: &mut Tally) {
        self.timed(
            "GET /api/v1/tickets/{id}",
            self.http.get(format!("{}/{id}", self.tickets)),
            t,
        )
        .await;
    }

    /// One page of an institution's new tickets; returns `Some(next_cursor)` on success.
    pub async fn list(
        &self,
        institution: &str,
        cursor: Option<&str>,
        t: &mut Tally,
    ) -> Option<Option<String>> {
        let mut req = self.http.get(&self.tickets).query(&[
            ("institution", institution),
            ("status", "new"),
            ("limit", "50"),
        ]);
        if let Some(c) = cursor {
            req = req.query(&[("cursor", c)]);
        }
        let body = self.timed("GET /api/v1/tickets", req, t).await?;
        match serde_json::from_slice::<Page<serde::de::IgnoredAny>>(&body) {
            Ok(page) => Some(page.next_cursor),
            Err(e) => {
                self.show_error("GET /api/v1/tickets", || {
                    format!("2xx that is not a page ({e}): {}", snippet(&body))
                });
                None
            }
        }
    }

    /// One knowledge-base search; returns how many articles it found.
    pub async fn search(&self, query: &Query, t: &mut Tally) -> Option<usize> {
        let mut req = self.http.get(&self.kb_search).query(&[("q", query.q)]);
        if let Some(lang) = query.lang {
            req = req.query(&[("lang", lang)]);
        }
        if let Some(service) = query.service {
            req = req.query(&[("service", service)]);
        }
        let body = self.timed("GET /api/v1/kb/search", req, t).await?;
        match serde_json::from_slice::<SearchResults>(&body) {
            Ok(found) => Some(found.results.len()),
            Err(e) => {
                self.show_error("GET /api/v1/kb/search", || {
                    format!("2xx that is not a result list ({e}): {}", snippet(&body))
                });
                None
            }
        }
    }

    /// A portal page as a browser asks for it; its size in bytes.
    pub async fn page(&self, path: &str, query: &[(&str, &str)], t: &mut Tally) -> Option<usize> {
        let req = self
            .http
            .get(format!("{}{path}", self.base))
            .query(query)
            .header("accept", "text/html");
        self.timed(path, req, t).await.map(|body| body.len())
    }

    /// One question to the assistant, in a new conversation or continuing `session`.
    pub async fn ask(
        &self,
        query: &Query,
        session: Option<&str>,
        t: &mut Tally,
    ) -> Option<AssistantReply> {
        let question = Question {
            q: query.q,
            lang: query.lang,
            session,
        };
        let req = self.http.post(&self.assistant).json(&question);
        let body = self.timed("POST /api/v1/assistant/query", req, t).await?;
        match serde_json::from_slice::<AssistantReply>(&body) {
            Ok(reply) => Some(reply),
            Err(e) => {
                self.show_error("POST /api/v1/assistant/query", || {
                    format!(
                        "2xx that is not an assistant reply ({e}): {}",
                        snippet(&body)
                    )
                });
                None
            }
        }
    }

    /// Ids from the first pages of the caller's whole queue, for `get` when this run created none.
    pub async fn sample_ids(&self, pages: usize) -> anyhow::Result<Vec<i64>> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..pages {
            let mut req = self.http.get(&self.tickets).query(&[("limit", "200")]);
            if let Some(c) = &cursor {
                req = req.query(&[("cursor", c)]);
            }
            let page: Page<IdOnly> = fetch_json(req)
                .await
                .context("cannot read the ticket queue")?;
            ids.extend(page.items.iter().map(|i| i.id));
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        Ok(ids)
    }

    /// Sends one request and records its latency, body included; errors are counted, not timed.
    async fn timed(&self, what: &str, req: RequestBuilder, t: &mut Tally) -> Option<Vec<u8>> {
        let start = Instant::now();
        let result = match req.send().await {
            Ok(resp) => {
                let status = resp.status();
                // Vec::from(Bytes) does not copy a uniquely owned buffer.
                resp.bytes().await.map(|body| (status, Vec::from(body)))
            }
            Err(e) => Err(e),
        };
        let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        match result {
            Ok((status, body)) if status.is_success() => {
                t.ok(micros);
                Some(body)
            }
            Ok((status, body)) => {
                t.error();
                self.show_error(what, || format!("HTTP {status}: {}", snippet(&body)));
                None
            }
            Err(e) => {
                t.error();
                self.show_error(what, || error_chain(&e));
                None
            }
        }
    }

    fn show_error(&self, what: &str, message: impl FnOnce() -> String) {
        let n = self.shown_errors.fetch_add(1, Ordering::Relaxed);
        if n < SHOWN_ERRORS {
            eprintln!("error: {what}: {}", message());
        } else if n == SHOWN_ERRORS {
            eprintln!("error: (further errors are only counted)");
        }
    }
}

/// Everything the created tickets are built from: real (institution, service) pairs from the server.
pub struct Catalog {
    pub services: Vec<ServiceRef>,
    /// Institutions that have services: the queues `list` reads.
    pub institutions: Vec<String>,
    /// Numbers the tickets of this run, across scenarios and clients.
    seq: AtomicU64,
}

#[derive(Debug, Deserialize)]
pub struct ServiceRef {
    pub code: String,
    pub institution: String,
}

impl Catalog {
    pub async fn fetch(api: &Api) -> anyhow::Result<Self> {
        let services: Vec<ServiceRef> = fetch_json(api.http.get(&api.services))
            .await
            .context("cannot read the services register")?;
        if services.is_empty() {
            bail!("the server has no services; load the registers before benchmarking");
        }
        let institutions: BTreeSet<&str> =
            services.iter().map(|s| s.institution.as_str()).collect();
        let institutions = institutions.into_iter().map(str::to_string).collect();
        Ok(Self {
            services,
            institutions,
            seq: AtomicU64::new(0),
        })
    }

    /// The next ticket: services in turn, and every channel × kind combination as `n` grows.
    pub fn next_ticket(&self) -> NewTicket<'_> {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let pick = |len: usize, k: u64| usize::try_from(k % len as u64).unwrap_or(0);
        let service = &self.services[pick(self.services.len(), n)];
        let fill = |template: &str| {
            template
                .replace("{n}", &n.to_string())
                .replace("{service}", &service.code)
        };
        NewTicket {
            institution: &service.institution,
            service: &service.code,
            channel: CHANNELS[pick(CHANNELS.len(), n)],
            kind: KINDS[pick(KINDS.len(), n / CHANNELS.len() as u64)],
            subject: fill(SUBJECTS[pick(SUBJECTS.len(), n)]),
            description: fill(DESCRIPTIONS[pick(DESCRIPTIONS.len(), n)]),
            requester: Requester {
                name: NAMES[pick(NAMES.len(), n)],
                email: format!("bench+{n}@example.lv"),
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct NewTicket<'a> {
    institution: &'a str,
    service: &'a str,
    channel: &'static str,
    kind: &'static str,
    subject: String,
    description: String,
    requester: Requester,
}

#[derive(Debug, Serialize)]
struct Requester {
    name: &'static str,
    email: String,
}

#[derive(Debug, Serialize)]
struct Question<'a> {
    q: &'a str,
    lang: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct SearchResults {
    results: Vec<serde::de::IgnoredAny>,
}

/// The parts of the assistant's reply the load generator uses.
#[derive(Debug, Deserialize)]
pub struct AssistantReply {
    pub answer: bool,
    pub session: String,
    pub results: Vec<serde::de::IgnoredAny>,
}

#[derive(Debug, Deserialize)]
struct IdOnly {
    id: i64,
}

#[derive(Debug, Deserialize)]
struct Page<T> {
    items: Vec<T>,
    next_cursor: Option<String>,
}

// `in_person` is left out: it needs a customer service location.
const CHANNELS: [&str; 7] = [
    "portal",
    "email",
    "phone",
    "video",
    "chat",
    "social",
    "mobile_app",
];
const KINDS: [&str; 7] = [
    "information",
    "consultation",
    "training",
    "technical_access",
    "incident",
    "complaint",
    "suggestion",
];
const NAMES: [&str; 7] = [
    "Anna Bērziņa",
    "Jānis Kalniņš",
    "Līga Ozola",
    "Mārtiņš Liepiņš",
    "Ilze Krūmiņa",
    "Edgars Zariņš",
    "Dace Vītola",
];
const SUBJECTS: [&str; 6] = [
    "Nevaru pieteikties portālā (#{n})",
    "Jautājums par pakalpojumu {service} (#{n})",
    "Kā pagarināt dokumenta derīguma termiņu? #{n}",
    "Samaksa nav redzama sistēmā, #{n}",
    "Lūdzu konsultāciju par iesnieguma statusu #{n}",
    "Kļūda, augšupielādējot pielikumu (#{n})",
];
const DESCRIPTIONS: [&str; 5] = [
    "Labdien! Vakar iesniedzu pieteikumu pakalpojumam {service}, bet statuss joprojām nav mainījies. Lūdzu, pārbaudiet. Pieprasījums {n}.",
    "Mēģinot autentificēties ar eParakstu, parādās kļūdas paziņojums. Pārlūks — Firefox, operētājsistēma — Linux. Pieprasījums {n}.",
    "Vēlos noskaidrot, kādi dokumenti jāpievieno pakalpojumam {service} un cik ilgi jāgaida atbilde. Pieprasījums {n}.",
    "Samaksāju valsts nodevu, taču sistēmā maksājums nav atspoguļots. Maksājuma uzdevumu varu atsūtīt. Pieprasījums {n}.",
    "Lūdzu palīdzību: pielikuma augšupielāde pārtrūkst pie 90 %, faila izmērs ir 4 MB. Pieprasījums {n}.",
];

/// For setup requests, which are not timed: any failure stops the run.
async fn fetch_json<T: serde::de::DeserializeOwned>(req: RequestBuilder) -> anyhow::Result<T> {
    let resp = req
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(error_chain(&e)))?;
    let status = resp.status();
    let body = resp.bytes().await?;
    if !status.is_success() {
        bail!("HTTP {status}: {}", snippet(&body));
    }
    serde_json::from_slice(&body)
        .with_context(|| format!("unexpected response: {}", snippet(&body)))
}

/// reqwest's own message hides the cause ("error sending request"), so show the whole chain.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.chars().take(300).collect();
    if text.chars().nth(300).is_some() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assistant_questions_match_the_api() {
        let new = Question {
            q: "deklarēt dzīvesvietu",
            lang: None,
            session: None,
        };
        assert_eq!(
            serde_json::to_value(&new).unwrap(),
            serde_json::json!({"q": "deklarēt dzīvesvietu", "lang": null})
        );
        let follow_up = Question {
            q: "how much",
            lang: Some("en"),
            session: Some("abcdefghijklmnop"),
        };
        assert_eq!(
            serde_json::to_value(&follow_up).unwrap(),
            serde_json::json!({"q": "how much", "lang": "en", "session": "abcdefghijklmnop"})
        );
        let reply: AssistantReply = serde_json::from_str(
            r#"{"answer": true, "reply": "…", "lang": "lv", "results": [{"id": "a"}],
                "session": "s1", "handoff_offered": false, "clarify": false,
                "verdict": "answered", "service": null}"#,
        )
        .unwrap();
        assert!(reply.answer && reply.results.len() == 1 && reply.session == "s1");
    }

    #[test]
    fn tickets_vary_and_stay_valid() {
        let catalog = Catalog {
            services: vec![
                ServiceRef {
                    code: "PMLP-003".into(),
                    institution: "PMLP".into(),
                },
                ServiceRef {
                    code: "VID-001".into(),
                    institution: "VID".into(),
                },
            ],
            institutions: vec!["PMLP".into(), "VID".into()],
            seq: AtomicU64::new(0),
        };
        let tickets: Vec<_> = (0..49).map(|_| catalog.next_ticket()).collect();
        let combos: BTreeSet<_> = tickets.iter().map(|t| (t.channel, t.kind)).collect();
        assert_eq!(combos.len(), 49);
        assert!(
            tickets
                .iter()
                .all(|t| t.channel != "in_person" && t.subject.chars().count() <= 200)
        );
        let json = serde_json::to_value(&tickets[1]).unwrap();
        assert_eq!(json["institution"], "VID");
        assert_eq!(json["service"], "VID-001");
        assert_eq!(json["requester"]["email"], "bench+1@example.lv");
        assert!(!json["subject"].as_str().unwrap().contains('{'));
    }
}
