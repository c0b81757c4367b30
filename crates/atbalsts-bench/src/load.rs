//! The closed loop: `clients` tasks share one HTTP client and each keeps exactly one request in flight.

use crate::api::{Api, Catalog};
use crate::cli::Amount;
use crate::queries::{QUERIES, Query};
use anyhow::Context;
use hdrhistogram::Histogram;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// What each client does in a loop.
#[derive(Clone)]
pub enum Workload {
    Create(Arc<Catalog>),
    /// Ticket ids to read at random; never empty.
    Get(Arc<[i64]>),
    /// Institutions whose queues to list at random; never empty.
    List(Arc<[String]>),
    /// Knowledge-base searches: the query list in turn, from a counter all clients share.
    Search(Arc<AtomicU64>),
    /// Assistant questions, in turn like `Search`; every fourth question of a client continues
    /// that client's last conversation, the others start a new one.
    Assistant(Arc<AtomicU64>),
    /// Portal pages: search results for the query list in turn, every fourth the home page.
    Portal(Arc<AtomicU64>),
}

/// The next query of the rotating list.
pub fn next_query(counter: &AtomicU64) -> &'static Query {
    let n = counter.fetch_add(1, Ordering::Relaxed);
    let len = QUERIES.len().max(1) as u64;
    QUERIES
        .get(usize::try_from(n % len).unwrap_or(0))
        .unwrap_or(&FALLBACK_QUERY)
}

const FALLBACK_QUERY: Query = Query {
    q: "deklarēt dzīvesvietu",
    lang: None,
    service: None,
};

/// When a phase ends, and how far it has got (for progress output).
pub struct Phase {
    deadline: Option<Instant>,
    budget: Option<u64>,
    taken: AtomicU64,
    done: AtomicU64,
    failed: AtomicU64,
}

impl Phase {
    /// The clock of a timed phase starts now.
    pub fn new(amount: Amount) -> Arc<Self> {
        let (deadline, budget) = match amount {
            Amount::Time(d) => (Some(Instant::now() + d), None),
            Amount::Requests(n) => (None, Some(n)),
        };
        Arc::new(Self {
            deadline,
            budget,
            taken: AtomicU64::new(0),
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        })
    }

    /// May one more request be sent? A request budget is shared by all clients.
    fn take(&self) -> bool {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        self.budget
            .is_none_or(|b| self.taken.fetch_add(1, Ordering::Relaxed) < b)
    }

    /// Requests finished so far, and how many of them failed.
    pub fn progress(&self) -> (u64, u64) {
        (
            self.done.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
}

/// One client's results; merged into one at the end, so the hot path touches no shared histogram.
pub struct Tally {
    /// Latency of successful requests, in microseconds.
    pub hist: Histogram<u64>,
    pub requests: u64,
    pub errors: u64,
    /// Tickets created, for `get` to read afterwards.
    pub ids: Vec<i64>,
}

impl Tally {
    pub fn new() -> anyhow::Result<Self> {
        // 1 µs to 60 s (beyond the client's timeout) at 3 significant digits: ~130 KB per client.
        let hist = Histogram::new_with_bounds(1, 60_000_000, 3)
            .context("cannot make a latency histogram")?;
        Ok(Self {
            hist,
            requests: 0,
            errors: 0,
            ids: Vec::new(),
        })
    }

    pub fn ok(&mut self, micros: u64) {
        self.requests += 1;
        self.hist.saturating_record(micros.max(1));
    }

    pub fn error(&mut self) {
        self.requests += 1;
        self.errors += 1;
    }

    fn merge(&mut self, other: Tally) -> anyhow::Result<()> {
        self.hist
            .add(&other.hist)
            .context("cannot merge latency histograms")?;
        self.requests += other.requests;
        self.errors += other.errors;
        self.ids.extend(other.ids);
        Ok(())
    }
}

/// Runs `clients` copies of the workload until the phase ends; returns the merged tally and the
/// wall time until the last in-flight request finished.
pub async fn run(
    api: &Arc<Api>,
    work: &Workload,
    clients: u32,
    phase: &Arc<Phase>,
) -> anyhow::Result<(Tally, Duration)> {
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for i in 0..clients {
        tasks.spawn(client(
            Arc::clone(api),
            work.clone(),
            Arc::clone(phase),
            Rng::new(i),
        ));
    }
    let mut total = Tally::new()?;
    while let Some(joined) = tasks.join_next().await {
        total.merge(joined.context("a client task failed")??)?;
    }
    Ok((total, start.elapsed()))
}

async fn client(
    api: Arc<Api>,
    work: Workload,
    phase: Arc<Phase>,
    mut rng: Rng,
) -> anyhow::Result<Tally> {
    let mut t = Tally::new()?;
    let mut asked: u64 = 0;
    let mut session: Option<String> = None;
    while phase.take() {
        let before = (t.requests, t.errors);
        match &work {
            Workload::Create(catalog) => {
                if let Some(id) = api.create(&catalog.next_ticket(), &mut t).await {
                    t.ids.push(id);
                }
            }
            Workload::Get(ids) => {
                let Some(&id) = ids.get(rng.below(ids.len())) else {
                    break;
                };
                api.get(id, &mut t).await;
            }
            Workload::List(institutions) => {
                let Some(institution) = institutions.get(rng.below(institutions.len())) else {
                    break;
                };
                // Half the readers look at the second page too: paging has a cost of its own.
                if let Some(Some(cursor)) = api.list(institution, None, &mut t).await
                    && rng.coin()
                    && phase.take()
                {
                    api.list(institution, Some(&cursor), &mut t).await;
                }
            }
            Workload::Search(counter) => {
                api.search(next_query(counter), &mut t).await;
            }
            Workload::Portal(counter) => {
                // The counter also turns the query list: each query comes round in turn.
                let query = next_query(counter);
                if counter.load(Ordering::Relaxed) % 4 == 0 {
                    api.page("/", &[], &mut t).await;
                } else {
                    api.page("/search", &[("q", query.q)], &mut t).await;
                }
            }
            Workload::Assistant(counter) => {
                asked += 1;
                let follow_up = if asked.is_multiple_of(4) {
                    session.as_deref()
                } else {
                    None
                };
                let reply = api.ask(next_query(counter), follow_up, &mut t).await;
                if let Some(reply) = reply {
                    session = Some(reply.session);
                }
            }
        }
        phase
            .done
            .fetch_add(t.requests - before.0, Ordering::Relaxed);
        phase
            .failed
            .fetch_add(t.errors - before.1, Ordering::Relaxed);
    }
    Ok(t)
}

/// SplitMix64, seeded from the process's random hasher keys: good enough for picking ids and
/// institutions, and keeps the dependency list (and Cargo.lock) as it is.
pub struct Rng(u64);

impl Rng {
    pub fn new(stream: u32) -> Self {
        Self(RandomState::new().hash_one(stream))
    }

    /// A fixed stream: the same seed gives the same numbers on every machine and build.
    pub fn seeded(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform enough in `0..n` (n is tiny next to 2^64); 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n).unwrap_or(0)
        }
    }

    /// One of `items`, which must not be empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_budget_is_shared_and_exact() {
        let phase = Phase::new(Amount::Requests(3));
        let taken = (0..10).filter(|_| phase.take()).count();
        assert_eq!(taken, 3);
    }

    #[test]
    fn queries_rotate_through_the_whole_list() {
        let counter = AtomicU64::new(0);
        let first: Vec<&str> = (0..QUERIES.len()).map(|_| next_query(&counter).q).collect();
        let again: Vec<&str> = (0..QUERIES.len()).map(|_| next_query(&counter).q).collect();
        assert_eq!(first, again);
        assert_eq!(first, QUERIES.iter().map(|x| x.q).collect::<Vec<_>>());
    }

    #[test]
    fn seeded_rng_is_fixed() {
        let mut a = Rng::seeded(99);
        let mut b = Rng::seeded(99);
        let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
        assert_eq!(xs, (0..5).map(|_| b.next()).collect::<Vec<_>>());
        // SplitMix64's published first output for seed 0.
        assert_eq!(Rng::seeded(0).next(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn rng_covers_the_range() {
        let mut rng = Rng::new(7);
        let mut seen = [0u32; 5];
        for _ in 0..5_000 {
            seen[rng.below(5)] += 1;
        }
        assert!(seen.iter().all(|&n| n > 800), "{seen:?}");
        assert_eq!(rng.below(0), 0);
    }
}
