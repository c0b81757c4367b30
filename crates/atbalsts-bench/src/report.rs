//! Results: one row per scenario, as a table on stdout and optionally as JSON.

use crate::load::Tally;
use anyhow::Context;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub clients: u32,
    /// HTTP requests sent, errors included.
    pub requests: u64,
    /// Non-2xx responses and transport failures.
    pub errors: u64,
    pub duration_s: f64,
    /// Successful requests per second.
    pub throughput_rps: f64,
    /// Latency of successful requests; `null` when there were none.
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
}

impl Summary {
    pub fn new(scenario: &str, clients: u32, t: &Tally, elapsed: Duration) -> Self {
        let secs = elapsed.as_secs_f64();
        let ok = t.requests - t.errors;
        let ms = |micros: u64| (!t.hist.is_empty()).then(|| round(micros as f64 / 1000.0, 3));
        Self {
            scenario: scenario.to_string(),
            clients,
            requests: t.requests,
            errors: t.errors,
            duration_s: round(secs, 3),
            throughput_rps: if secs > 0.0 {
                round(ok as f64 / secs, 1)
            } else {
                0.0
            },
            p50_ms: ms(t.hist.value_at_quantile(0.50)),
            p95_ms: ms(t.hist.value_at_quantile(0.95)),
            p99_ms: ms(t.hist.value_at_quantile(0.99)),
            max_ms: ms(t.hist.max()),
        }
    }
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

const HEADERS: [&str; 10] = [
    "scenario",
    "clients",
    "requests",
    "errors",
    "duration_s",
    "throughput_rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
];

pub fn print_table(results: &[Summary]) {
    let ms = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.3}"));
    let rows: Vec<[String; 10]> = results
        .iter()
        .map(|r| {
            [
                r.scenario.clone(),
                r.clients.to_string(),
                r.requests.to_string(),
                r.errors.to_string(),
                format!("{:.3}", r.duration_s),
                format!("{:.1}", r.throughput_rps),
                ms(r.p50_ms),
                ms(r.p95_ms),
                ms(r.p99_ms),
                ms(r.max_ms),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..HEADERS.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([HEADERS[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let cells: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            // The scenario name reads best left-aligned, numbers right-aligned.
            .map(|(i, (c, &w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        println!("{}", cells.join("  "));
    };
    println!();
    line(&HEADERS.map(str::to_string));
    for row in &rows {
        line(row);
    }
    println!("\nthroughput counts successful requests; latencies exclude errors");
}

pub fn write_json(path: &Path, results: &[Summary]) -> anyhow::Result<()> {
    let mut json = serde_json::to_string_pretty(results)?;
    json.push('\n');
    std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))
}
