//! The scenarios: what load to run, in which order, and what each one reports.

use crate::api::{Api, Catalog};
use crate::cli::{Amount, Cli, Scenario};
use crate::load::{self, Phase, Tally, Workload};
use crate::queries::QUERIES;
use crate::report::Summary;
use anyhow::bail;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

/// Pages of 200 read from the queue when `get` has no tickets of its own.
const SAMPLE_PAGES: usize = 5;

pub async fn run(
    cli: &Cli,
    api: &Arc<Api>,
    catalog: &Arc<Catalog>,
) -> anyhow::Result<Vec<Summary>> {
    let create = Workload::Create(Arc::clone(catalog));
    let list = Workload::List(catalog.institutions.clone().into());
    Ok(match &cli.scenario {
        Scenario::Create => vec![measure(cli, api, "create", &create).await?.0],
        Scenario::Get => vec![
            measure(cli, api, "get", &read_ids(api, Vec::new()).await?)
                .await?
                .0,
        ],
        Scenario::List => vec![measure(cli, api, "list", &list).await?.0],
        Scenario::All => {
            let (created, ids) = measure(cli, api, "create", &create).await?;
            let (got, _) = measure(cli, api, "get", &read_ids(api, ids).await?).await?;
            let (listed, _) = measure(cli, api, "list", &list).await?;
            vec![created, got, listed]
        }
        Scenario::Prefill { count } => vec![prefill(api, &create, cli.clients, *count).await?],
        Scenario::KbSearch => {
            probe_search(api).await?;
            let work = Workload::Search(Arc::new(AtomicU64::new(0)));
            vec![measure(cli, api, "kb-search", &work).await?.0]
        }
        Scenario::Assistant => {
            probe_assistant(api).await?;
            let work = Workload::Assistant(Arc::new(AtomicU64::new(0)));
            vec![measure(cli, api, "assistant", &work).await?.0]
        }
        Scenario::Portal => {
            let work = Workload::Portal(Arc::new(AtomicU64::new(0)));
            vec![measure(cli, api, "portal", &work).await?.0]
        }
        Scenario::KbGenerate { .. } => bail!("kb-generate is not a load scenario"),
    })
}

/// Each query once, untimed: shows that the index is loaded and how many queries find something.
async fn probe_search(api: &Api) -> anyhow::Result<()> {
    let mut t = Tally::new()?;
    let (mut found, mut results) = (0, 0);
    for query in QUERIES {
        if let Some(n) = api.search(query, &mut t).await {
            found += usize::from(n > 0);
            results += n;
        }
    }
    if t.errors > 0 {
        bail!("{} of {} searches failed", t.errors, QUERIES.len());
    }
    eprintln!(
        "kb-search: {found} of {} queries find articles ({results} results in all)",
        QUERIES.len()
    );
    Ok(())
}

/// Each question once, untimed, in new conversations: how many the assistant answers.
async fn probe_assistant(api: &Api) -> anyhow::Result<()> {
    let mut t = Tally::new()?;
    let (mut answered, mut cited) = (0, 0);
    for query in QUERIES {
        if let Some(reply) = api.ask(query, None, &mut t).await {
            answered += usize::from(reply.answer);
            cited += usize::from(!reply.results.is_empty());
        }
    }
    if t.errors > 0 {
        bail!(
            "{} of {} questions failed (anonymous callers are rate-limited: use a staff token)",
            t.errors,
            QUERIES.len()
        );
    }
    eprintln!(
        "assistant: {answered} of {} questions answered, {cited} with articles shown",
        QUERIES.len()
    );
    Ok(())
}

/// Warm-up (unmeasured), then the measured phase. Returns the ids of tickets created in both.
async fn measure(
    cli: &Cli,
    api: &Arc<Api>,
    name: &str,
    work: &Workload,
) -> anyhow::Result<(Summary, Vec<i64>)> {
    let mut ids = Vec::new();
    if !cli.warmup.is_zero() {
        eprintln!("{name}: warming up for {:?}", cli.warmup);
        let (warm, _) = load::run(
            api,
            work,
            cli.clients,
            &Phase::new(Amount::Time(cli.warmup)),
        )
        .await?;
        ids = warm.ids;
    }
    eprintln!("{name}: measuring");
    let (mut tally, elapsed) = load::run(api, work, cli.clients, &Phase::new(cli.amount())).await?;
    let summary = Summary::new(name, cli.clients, &tally, elapsed);
    ids.append(&mut tally.ids);
    Ok((summary, ids))
}

/// Reads go to tickets this run created; failing that, to whatever the queue holds.
async fn read_ids(api: &Api, created: Vec<i64>) -> anyhow::Result<Workload> {
    let ids = if created.is_empty() {
        api.sample_ids(SAMPLE_PAGES).await?
    } else {
        created
    };
    if ids.is_empty() {
        bail!("no tickets to read: run `create` or `prefill` first");
    }
    Ok(Workload::Get(ids.into()))
}

/// Creates `count` more tickets (errors count towards it, so a broken server cannot keep it going forever).
async fn prefill(
    api: &Arc<Api>,
    create: &Workload,
    clients: u32,
    count: u64,
) -> anyhow::Result<Summary> {
    let phase = Phase::new(Amount::Requests(count));
    let progress = tokio::spawn(report_progress(Arc::clone(&phase), count));
    let result = load::run(api, create, clients, &phase).await;
    progress.abort();
    let (tally, elapsed) = result?;
    let created = tally.requests - tally.errors;
    eprintln!(
        "prefill: created {created} tickets in {} ({:.0}/s), {} errors",
        clock(elapsed),
        created as f64 / elapsed.as_secs_f64().max(1e-9),
        tally.errors
    );
    Ok(Summary::new("prefill", clients, &tally, elapsed))
}

/// A line every ~5% of the way: current and average rate, errors, time left.
async fn report_progress(phase: Arc<Phase>, count: u64) {
    let step = (count / 20).max(1);
    let start = Instant::now();
    let (mut next, mut last_at, mut last_done) = (step, start, 0);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tick.tick().await;
        let (done, failed) = phase.progress();
        if done < next {
            continue;
        }
        next = (done / step + 1) * step;
        let now = Instant::now();
        let rate_now = (done - last_done) as f64 / (now - last_at).as_secs_f64().max(1e-9);
        let rate_avg = done as f64 / (now - start).as_secs_f64().max(1e-9);
        let left = Duration::from_secs_f64(count.saturating_sub(done) as f64 / rate_avg.max(1e-9));
        eprintln!(
            "prefill {:>3}%  {done}/{count}  {rate_now:.0}/s now, {rate_avg:.0}/s average, {failed} errors, {} left",
            done * 100 / count,
            clock(left)
        );
        (last_at, last_done) = (now, done);
    }
}

/// `1h02m03s`, `2m03s` or `3.4s`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s / 60 % 60) {
        (0, 0) => format!("{:.1}s", d.as_secs_f64()),
        (0, m) => format!("{m}m{:02}s", s % 60),
        (h, m) => format!("{h}h{m:02}m{:02}s", s % 60),
    }
}
