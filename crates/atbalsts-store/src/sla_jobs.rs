//! SLA warnings and breaches as durable jobs.
//!
//! Whenever a ticket's clocks are written, a warning job (at `warn_at`) and a
//! breach job (at `due`) are enqueued for each running clock in the same
//! transaction, keyed by ticket, clock and instant so that writing the same
//! plan twice enqueues nothing new. A job whose instant no longer matches the
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

/// The jobs the running clocks in `sla` (stored JSON) need.
pub(crate) fn jobs_for(ticket: i64, sla: Option<&str>) -> Result<Vec<NewJob>> {
    let Some(state) = crate::clocks::from_json::<SlaState>("sla", sla)? else {
        return Ok(Vec::new());
    };
    let mut jobs = Vec::new();
    for name in ClockName::ALL {
        let Some(c) = name.of(&state) else { continue };
        let plan = [
            (SLA_WARNING, c.warn_at.filter(|_| !c.warned)),
            (SLA_BREACH, c.due.filter(|_| !c.breached)),
        ];
        for (kind, at) in plan {
            if let Some(at) = at {
                let payload = json!(ClockJob {
                    ticket,
                    clock: name,
                    at
                });
                jobs.push(
                    NewJob::new(kind, payload, at)
                        .dedupe(format!("{kind}:{ticket}:{}:{at}", name.as_str())),
                );
            }
        }
    }
    Ok(jobs)
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
}
