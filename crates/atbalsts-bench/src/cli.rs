//! Command line, and the guard that keeps the load on this machine.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use reqwest::Url;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "atbalsts-bench",
    version,
    about = "Load generator for a local Atbalsts server: throughput and latency percentiles."
)]
pub struct Cli {
    /// Server base URL; loopback only (127.0.0.0/8, ::1, localhost).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,

    /// Staff API token (not needed by kb-generate).
    #[arg(long, env = "ATBALSTS_BENCH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Concurrent clients; each sends its next request when the previous one has finished.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub clients: u32,

    /// How long each scenario is measured, e.g. 10s, 500ms, 2m.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Measure this many HTTP requests per scenario instead of a duration.
    #[arg(long, conflicts_with = "duration", value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: Option<u64>,

    /// Unmeasured load before each scenario, so connections and caches are warm (0s to skip).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub warmup: Duration,

    /// Also write the results to this file as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    #[command(subcommand)]
    pub scenario: Scenario,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Scenario {
    /// POST /api/v1/tickets with varied, valid tickets.
    Create,
    /// GET /api/v1/tickets/{id} on tickets created in this run, or else from the queue's first pages.
    Get,
    /// GET /api/v1/tickets queues (status=new, limit=50); half also follow next_cursor once.
    List,
    /// create, then get on the tickets it created, then list.
    All,
    /// Create COUNT more tickets as fast as the clients can, with progress (no warm-up; ignores --duration/--requests).
    Prefill {
        #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
        count: u64,
    },
    /// GET /api/v1/kb/search with a rotating list of Latvian and English queries.
    KbSearch,
    /// POST /api/v1/assistant/query with the same queries; every fourth continues a conversation.
    Assistant,
    /// The portal's HTML pages: the search results page for the same queries in turn, and
    /// every fourth request the home page (life situations).
    Portal,
    /// Write COUNT synthetic knowledge-base articles as Markdown files for `atbalsts import kb OUT`
    /// (offline: no server, no token).
    KbGenerate {
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=99_999))]
        count: u64,
        /// A new or empty directory.
        #[arg(long)]
        out: PathBuf,
        /// The same seed writes the same articles.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A services register file (services.json) whose codes the articles use; by default
        /// the demo's, bundled in this binary.
        #[arg(long, value_name = "FILE")]
        services: Option<PathBuf>,
    },
}

/// How much measured load each scenario gets.
#[derive(Debug, Clone, Copy)]
pub enum Amount {
    Time(Duration),
    Requests(u64),
}

impl Cli {
    pub fn amount(&self) -> Amount {
        match self.requests {
            Some(n) => Amount::Requests(n),
            None => Amount::Time(self.duration),
        }
    }

    pub fn amount_label(&self) -> String {
        match (&self.scenario, self.amount()) {
            (Scenario::Prefill { count }, _) => format!("{count} tickets to create"),
            (Scenario::KbGenerate { count, .. }, _) => format!("{count} articles to write"),
            (_, amount) => {
                let measured = match amount {
                    Amount::Time(d) => format!("{d:?}"),
                    Amount::Requests(n) => format!("{n} requests"),
                };
                let warmup = if self.warmup.is_zero() {
                    "no warm-up".to_string()
                } else {
                    format!("{:?} warm-up", self.warmup)
                };
                format!("{measured} per scenario after {warmup}")
            }
        }
    }
}

/// Accepts `10s`, `500ms`, `2m`, `1h`, `1.5s`; a bare number means seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("{s:?} is not a duration like 10s, 500ms or 2m");
    let (number, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = number.trim().parse().map_err(|_| bad())?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

/// A base URL that was checked to point at this machine.
pub struct Target {
    /// Without a trailing slash, so paths can be appended.
    pub base: String,
    /// For `localhost`: the loopback addresses it resolved to, pinned so the client cannot resolve it elsewhere.
    pub pinned: Option<(String, Vec<SocketAddr>)>,
}

/// Benchmarks must never load another machine: only loopback addresses, and `localhost` only if
/// every address it resolves to is loopback.
pub async fn loopback_target(raw: &str) -> anyhow::Result<Target> {
    let url = Url::parse(raw).with_context(|| format!("--url {raw:?} is not a URL"))?;
    if url.scheme() != "http" {
        bail!(
            "--url {raw:?}: only plain http:// is supported; the benchmark talks to a server on this machine"
        );
    }
    let refuse = || {
        anyhow::anyhow!(
            "refusing --url {raw:?}: benchmarks must never hit other machines; \
             use a loopback address (127.0.0.0/8, [::1] or localhost)"
        )
    };
    let host = url.host_str().ok_or_else(refuse)?;
    let port = url.port_or_known_default().unwrap_or(80);
    // The URL parser keeps IPv6 hosts in brackets and has already normalised forms like `127.1`.
    let pinned = match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(ip) if ip.to_canonical().is_loopback() => None,
        Ok(_) => return Err(refuse()),
        Err(_) if host.eq_ignore_ascii_case("localhost") => {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
                .await
                .with_context(|| format!("cannot resolve {host}"))?
                .collect();
            if addrs.is_empty() || !addrs.iter().all(|a| a.ip().to_canonical().is_loopback()) {
                bail!(
                    "refusing --url {raw:?}: {host} resolves to {addrs:?}, which is not only loopback"
                );
            }
            Some((host.to_string(), addrs))
        }
        Err(_) => return Err(refuse()),
    };
    Ok(Target {
        base: url.as_str().trim_end_matches('/').to_string(),
        pinned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        for bad in ["", "s", "10x", "-1s", "inf", "1e3s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn only_loopback() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3/",
            "http://[::1]:8080",
            "http://127.1:9000",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(loopback_target(ok).await.is_ok(), "{ok}");
        }
        for bad in [
            "http://10.0.0.1:8080",
            "http://example.com",
            "http://[::2]/",
            "http://0.0.0.0:8080",
            "https://127.0.0.1",
            "http://localhost.example.com",
            "not a url",
        ] {
            assert!(loopback_target(bad).await.is_err(), "{bad}");
        }
        let t = loopback_target("http://127.0.0.1:8080/").await.unwrap();
        assert_eq!(t.base, "http://127.0.0.1:8080");
    }
}
