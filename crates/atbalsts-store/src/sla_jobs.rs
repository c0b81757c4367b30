//! SLA warnings and breaches, recorded by a periodic sweep job.
//!
//! Every write of a ticket's clocks also writes `sla_mark`, the earliest
//! warning or breach still to record, in the same transaction. The sweep (a
//! job the workers schedule every half minute; its dedupe key names the
//! period, so one node runs each) reads the tickets whose mark has come by the
//! index on `sla_mark`, records each warning or breach once as an event, and
//! writes the next mark, with a compare-and-set on the stored clocks so that a
//! change racing the sweep is never overwritten (the sweep meets that ticket
//! again next time). Nothing per ticket is queued: a create writes no job row.
//!
//! A calendar change enqueues a replanning job in its own transaction: every
//! running clock is counted up to then and planned on the new calendar.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::jobs::{ClaimedJob, Handlers, JobError};
use atbalsts_domain::sla::SlaState;
use serde_json::json;
use std::time::Duration;

/// Record the warnings and breaches whose time has come.
pub const SLA_SWEEP: &str = "sla_sweep";
/// Plan running clocks again after the calendar changed.
pub const REPLAN_CLOCKS: &str = "replan_clocks";
/// How often the sweep runs: a warning or breach is recorded at most this late.
pub const SWEEP_EVERY: Duration = Duration::from_secs(30);

/// Tickets read per page by the sweep and the replanning.
const BATCH: i64 = 200;

/// Write `new` (JSON of `state`) over `old` if nobody changed it meanwhile,
/// with the events given; true when written.
macro_rules! write_clocks {
    ($store:expr, $id:expr, $old:expr, $new:expr, $state:expr, $events:expr, $now:expr) => {{
        let state: &SlaState = $state;
        in_tx!($store, |tx| {
            let n = sqlx::query(
                "UPDATE tickets SET sla = $1, sla_due = $2, sla_mark = $3 WHERE id = $4 AND sla = $5",
            )
            .bind($new)
            .bind(state.next_due())
            .bind(state.next_mark())
            .bind($id)
            .bind($old)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                for (kind, data) in $events {
                    sqlx::query(
                        "INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, actor_name, kind, data) \
                         VALUES ($1, $2, 'system', NULL, 'Atbalsts', $3, $4)",
                    )
                    .bind($id)
                    .bind($now)
                    .bind(kind)
                    .bind(data.to_string())
                    .execute(&mut *tx)
                    .await?;
                }
            }
            n == 1
        })
    }};
}

fn serialise(state: &SlaState) -> Result<String> {
    serde_json::to_string(state).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// Record every warning and breach due by `now`; returns how many were recorded.
    pub async fn sweep_clocks(&self, now: i64) -> Result<u64> {
        let (mut after, mut recorded) = (0_i64, 0_u64);
        loop {
            let rows: Vec<(i64, String)> = on_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT id, sla FROM tickets WHERE sla_mark <= $1 AND id > $2 ORDER BY id LIMIT $3",
                )
                .bind(now)
                .bind(after)
                .bind(BATCH)
                .fetch_all(pool)
                .await?
            });
            let Some(last) = rows.last().map(|r| r.0) else {
                break;
            };
            after = last;
            for (id, raw) in rows {
                let Some(mut state) = crate::clocks::from_json::<SlaState>("sla", Some(&raw))?
                else {
                    continue;
                };
                let marks = state.record_marks(now);
                let events: Vec<(&str, serde_json::Value)> = marks
                    .iter()
                    .map(|(clock, mark, due)| {
                        let due = due.map(crate::clocks::riga_rfc3339);
                        (mark.event(), json!({ "clock": clock, "due": due }))
                    })
                    .collect();
                let new = serialise(&state)?;
                if write_clocks!(self, id, &raw, &new, &state, events, now) {
                    recorded += marks.len() as u64;
                }
            }
        }
        Ok(recorded)
    }

    /// Plan the running clocks of open tickets again on the calendar as it is
    /// now, with their groups' hours; returns how many tickets' plans changed.
    pub async fn replan_clocks(&self, now: i64) -> Result<u64> {
        use atbalsts_domain::hours::BusinessTime;
        // Read afresh, not from the cache: the calendar has just changed.
        let setup = self.clock_setup().await?;
        let at = jiff::Timestamp::from_microsecond(now)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (mut after, mut changed) = (0_i64, 0_u64);
        loop {
            let rows: Vec<(i64, Option<String>, String)> = on_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT id, group_code, sla FROM tickets WHERE sla IS NOT NULL AND sla_due IS NOT NULL \
                     AND status NOT IN ('resolved', 'closed') AND id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(BATCH)
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
                let h = setup.hours_of(group.as_deref());
                let dues = |s: &SlaState| {
                    [&s.first_response, &s.next_response, &s.resolution]
                        .map(|c| c.as_ref().and_then(|c| c.due))
                };
                let before = dues(&state);
                state.checkpoint(at, &BusinessTime::new(&setup.calendar, &h));
                let new = serialise(&state)?;
                let none: Vec<(&str, serde_json::Value)> = Vec::new();
                if write_clocks!(self, id, &raw, &new, &state, none, now) && dues(&state) != before
                {
                    changed += 1;
                }
            }
        }
        Ok(changed)
    }
}

async fn sweep(store: Store, _job: ClaimedJob) -> std::result::Result<(), JobError> {
    let n = store
        .sweep_clocks(crate::now_micros())
        .await
        .map_err(|e| JobError::retry(e.to_string()))?;
    if n > 0 {
        tracing::info!(marks = n, "SLA warnings and breaches recorded");
    }
    Ok(())
}

async fn replan(store: Store, _job: ClaimedJob) -> std::result::Result<(), JobError> {
    let n = store
        .replan_clocks(crate::now_micros())
        .await
        .map_err(|e| JobError::retry(e.to_string()))?;
    tracing::info!(tickets = n, "clocks planned again on the changed calendar");
    Ok(())
}

/// Add the SLA handlers to `handlers`.
pub fn register(handlers: Handlers) -> Handlers {
    handlers.with(SLA_SWEEP, sweep).with(REPLAN_CLOCKS, replan)
}
