//! `atbalsts-bench`: closed-loop load generator for a local Atbalsts server.
//!
//! Each of `--clients` tasks sends its next request as soon as the previous one finishes, so the
//! numbers show what the server sustains at that concurrency, not at an arrival rate we chose.

mod api;
mod cli;
mod kb;
mod load;
mod queries;
mod report;
mod scenarios;

use anyhow::bail;
use api::{Api, Catalog};
use clap::Parser;
use cli::{Cli, Scenario};
use std::process::ExitCode;
use std::sync::Arc;

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line with the causes, rather than anyhow's Debug form (and a backtrace if RUST_BACKTRACE is set).
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Scenario::KbGenerate {
        count,
        out,
        seed,
        services,
    } = &cli.scenario
    {
        let services = kb::load_services(services.as_deref())?;
        return kb::generate(*seed, *count, out, &services);
    }
    let token = cli.token.as_deref().unwrap_or_default();
    if token.trim().is_empty() {
        bail!("no token; pass --token or set ATBALSTS_BENCH_TOKEN");
    }
    let target = cli::loopback_target(&cli.url).await?;
    let api = Arc::new(Api::new(&target, token, cli.clients)?);
    let catalog = Arc::new(Catalog::fetch(&api).await?);
    eprintln!(
        "atbalsts-bench → {}: {} clients, {}; {} services in {} institutions",
        target.base,
        cli.clients,
        cli.amount_label(),
        catalog.services.len(),
        catalog.institutions.len(),
    );

    let results = scenarios::run(&cli, &api, &catalog).await?;
    report::print_table(&results);
    if let Some(path) = &cli.json {
        report::write_json(path, &results)?;
        eprintln!("results written to {}", path.display());
    }
    Ok(())
}
