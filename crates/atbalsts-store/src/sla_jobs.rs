//! SLA warnings and breaches as durable jobs.
//!
//! Whenever a ticket's clocks are written, one job is enqueued in the same
//! transaction for the earliest mark still to come (a clock's warning at
//! `warn_at` or its breach at `due`), keyed by ticket, clock, kind and instant
//! so that writing the same plan twice enqueues nothing new; recording a mark
//! enqueues the next one. One row per ticket keeps creates fast. A job whose instant no longer matches the
//! clock (the clock paused, stopped or was planned again) does nothing: the
//! plan that replaced it has its own jobs. Recording sets the clock's
//! `warned`/`breached` flag and writes an event, once, with a compare-and-set
//! on the stored clocks so that a change racing the job is never overwritten.

use crate::db::Store;
use crate::error::Result;
use crate::jobs::{ClaimedJob, Handlers, JobError, NewJob};
use atbalsts_domain::sla::{Clock, SlaState};
use serde::{Deserialize, Serialize};
use serde_json::json;

pub const SLA_WARNING: &str = "sla_warning";
pub const SLA_BREACH: &str = "sla_breach";
/// Plan running clocks again after the calendar changed.
pub const REPLAN_CLOCKS: &str = "replan_clocks";

/// Open tickets replanned per read.
const REPLAN_BATCH: i64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockName {
    FirstResponse,
    NextResponse,
    Resolution,
}

impl ClockName {
    const ALL: [ClockName; 3] = [
        ClockName::FirstResponse,
        ClockName::NextResponse,
        ClockName::Resolution,
    ];

    fn as_str(self) -> &'static str {
        match self {
            ClockName::FirstResponse => "first_response",
            ClockName::NextResponse => "next_response",
            ClockName::Resolution => "resolution",
        }
    }

    fn of(self, s: &SlaState) -> Option<&Clock> {
        match self {
            ClockName::FirstResponse => s.first_response.as_ref(),
            ClockName::NextResponse => s.next_response.as_ref(),
            ClockName::Resolution => s.resolution.as_ref(),
        }
    }

    fn of_mut(self, s: &mut SlaState) -> Option<&mut Clock> {
        match self {
            ClockName::FirstResponse => s.first_response.as_mut(),
            ClockName::NextResponse => s.next_response.as_mut(),
            ClockName::Resolution => s.resolution.as_mut(),
        }
    }
}

/// What a clock job refers to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClockJob {
    pub ticket: i64,
    pub clock: ClockName,
    /// The instant planned when the job was made (microseconds).
    pub at: i64,
}

/// The job the running clocks in `sla` (stored JSON) need next: one per
/// ticket, for the earliest warning or breach still to come. Recording a mark
/// plans the one after it; a change that moves the clocks plans anew.
pub(crate) fn jobs_for(ticket: i64, sla: Option<&str>) -> Result<Vec<NewJob>> {
    let Some(state) = crate::clocks::from_json::<SlaState>("sla", sla)? else {
        return Ok(Vec::new());
    };
    let mut next: Option<(i64, &'static str, ClockName)> = None;
    for name in ClockName::ALL {
        let Some(c) = name.of(&state) else { continue };
        let marks = [
            (c.warn_at.filter(|_| !c.warned), SLA_WARNING),
            (c.due.filter(|_| !c.breached), SLA_BREACH),
        ];
        for (at, kind) in marks {
            if let Some(at) = at
                && next.is_none_or(|(t, _, _)| at < t)
            {
                next = Some((at, kind, name));
            }
        }
    }
    Ok(next
        .map(|(at, kind, name)| {
            let payload = json!(ClockJob {
                ticket,
                clock: name,
                at
            });
            NewJob::new(kind, payload, at).dedupe(format!("{kind}:{ticket}:{}:{at}", name.as_str()))
        })
        .into_iter()
        .collect())
}

/// Which mark a job records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Warning,
    Breach,
}

impl Store {
    /// Record a warning or breach for `job` if the clock is still as planned.
    /// Returns whether anything was recorded.
    pub async fn record_clock_mark(&self, job: &ClockJob, mark: Mark, now: i64) -> Result<bool> {
        let raw: Option<Option<String>> = on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT sla FROM tickets WHERE id = $1")
                .bind(job.ticket)
                .fetch_optional(pool)
                .await?
        });
        let Some(raw) = raw.flatten() else {
            return Ok(false);
        };
        let Some(mut state) = crate::clocks::from_json::<SlaState>("sla", Some(&raw))? else {
            return Ok(false);
        };
        let Some(clock) = job.clock.of_mut(&mut state) else {
            return Ok(false);
        };
        let (kind, due) = match mark {
            Mark::Warning if clock.warn_at == Some(job.at) && !clock.warned => {
                clock.warned = true;
                clock.warn_at = None;
                ("sla_warning", clock.due)
            }
            Mark::Breach if clock.due == Some(job.at) && !clock.breached => {
                clock.breached = true;
                ("sla_breached", clock.due)
            }
            _ => return Ok(false),
        };
        let new = serde_json::to_string(&state)
            .map_err(|e| crate::error::StoreError::Corrupt(e.to_string()))?;
        let next_jobs = jobs_for(job.ticket, Some(&new))?;
        let data = json!({
            "clock": job.clock.as_str(),
            "due": due.map(crate::clocks::riga_rfc3339),
        });
        let written = in_tx!(self, |tx| {
            // Compare-and-set: a change that moved the clocks meanwhile wins; this job then finds
            // its instant outdated on the retry.
            let n = sqlx::query("UPDATE tickets SET sla = $1 WHERE id = $2 AND sla = $3")
                .bind(&new)
                .bind(job.ticket)
                .bind(&raw)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n == 1 {
                sqlx::query(
                    "INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, actor_name, kind, data) \
                     VALUES ($1, $2, 'system', NULL, 'Atbalsts', $3, $4)",
                )
                .bind(job.ticket)
                .bind(now)
                .bind(kind)
                .bind(data.to_string())
                .execute(&mut *tx)
                .await?;
                for next in &next_jobs {
                    crate::enqueue_job!(&mut *tx, next);
                }
            }
            n == 1
        });
        if !written {
            return Err(crate::error::StoreError::conflict(
                "the ticket's clocks changed while recording; retrying",
            ));
        }
        Ok(true)
    }
}

impl Store {
    /// Plan the running clocks of open tickets again on the calendar as it is
    /// now, with their groups' hours; returns how many tickets' plans changed.
    /// Each ticket is written with a compare-and-set, so a change racing this
    /// one wins (and has planned with the new calendar itself).
    pub async fn replan_clocks(&self, now: i64) -> Result<u64> {
        use atbalsts_domain::calendar::Calendar;
        use atbalsts_domain::hours::{BusinessTime, WeeklyHours};
        let calendar = Calendar::new(self.calendar(crate::clocks::CALENDAR).await?.data);
        let at = jiff::Timestamp::from_microsecond(now)
            .map_err(|e| crate::error::StoreError::Corrupt(e.to_string()))?;
        let mut hours: std::collections::HashMap<Option<String>, WeeklyHours> =
            std::collections::HashMap::new();
        let (mut after, mut changed) = (0_i64, 0_u64);
        loop {
            let rows: Vec<(i64, Option<String>, String)> = on_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT id, group_code, sla FROM tickets WHERE sla IS NOT NULL AND sla_due IS NOT NULL \
                     AND status NOT IN ('resolved', 'closed') AND id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(REPLAN_BATCH)
                .fetch_all(pool)
                .await?
            });
            let Some(last) = rows.last().map(|r| r.0) else {
                break;
            };
            after = last;
            for (id, group, raw) in rows {
                let Some(mut state) = crate::clocks::from_json::<SlaState>("sla", Some(&raw))?
                else {
                    continue;
                };
                if !hours.contains_key(&group) {
                    let h = self.group_hours(group.as_deref()).await?;
                    hours.insert(group.clone(), h);
                }
                let h = hours.get(&group).cloned().unwrap_or_default();
                let dues = |s: &SlaState| ClockName::ALL.map(|n| n.of(s).and_then(|c| c.due));
                let before = dues(&state);
                state.checkpoint(at, &BusinessTime::new(&calendar, &h));
                let new = serde_json::to_string(&state)
                    .map_err(|e| crate::error::StoreError::Corrupt(e.to_string()))?;
                let jobs = jobs_for(id, Some(&new))?;
                let due = state.next_due();
                let written = in_tx!(self, |tx| {
                    let n = sqlx::query(
                        "UPDATE tickets SET sla = $1, sla_due = $2 WHERE id = $3 AND sla = $4",
                    )
                    .bind(&new)
                    .bind(due)
                    .bind(id)
                    .bind(&raw)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if n == 1 {
                        for job in &jobs {
                            crate::enqueue_job!(&mut *tx, job);
                        }
                    }
                    n
                });
                if written == 1 && dues(&state) != before {
                    changed += 1;
                }
            }
        }
        Ok(changed)
    }
}

async fn replan(store: Store, _job: ClaimedJob) -> std::result::Result<(), JobError> {
    let n = store
        .replan_clocks(crate::now_micros())
        .await
        .map_err(|e| JobError::retry(e.to_string()))?;
    tracing::info!(tickets = n, "clocks planned again on the changed calendar");
    Ok(())
}

async fn run(store: Store, job: ClaimedJob, mark: Mark) -> std::result::Result<(), JobError> {
    let clock: ClockJob = job.payload_as()?;
    store
        .record_clock_mark(&clock, mark, crate::now_micros())
        .await
        .map(|_| ())
        .map_err(|e| JobError::retry(e.to_string()))
}

pub async fn sla_warning(store: Store, job: ClaimedJob) -> std::result::Result<(), JobError> {
    run(store, job, Mark::Warning).await
}

pub async fn sla_breach(store: Store, job: ClaimedJob) -> std::result::Result<(), JobError> {
    run(store, job, Mark::Breach).await
}

/// Add the SLA handlers to `handlers`.
pub fn register(handlers: Handlers) -> Handlers {
    handlers
        .with(SLA_WARNING, sla_warning)
        .with(SLA_BREACH, sla_breach)
        .with(REPLAN_CLOCKS, replan)
}
