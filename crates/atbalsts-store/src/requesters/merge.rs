//! Merging two requesters' records and splitting a merge back.
//!
//! A merge moves the other record's tickets, addresses and numbers to the
//! survivor and marks the other record merged into it (never deleted). Its
//! event on the survivor lists exactly what moved, and the split reads that
//! list to move the same things back, so a split restores what the merge
//! changed. Each moved ticket gets a `requester_changed` event.

/// The ticket's own record of a changed requester (every change to a ticket
/// appends one event in its transaction).
macro_rules! ticket_event {
    ($tx:expr, $ticket:expr, $at:expr, $staff:expr, $data:expr) => {
        sqlx::query(
            "INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, actor_name, kind, data) \
             VALUES ($1, $2, 'staff', $3, $4, 'requester_changed', $5)",
        )
        .bind($ticket)
        .bind($at)
        .bind($staff.user_id)
        .bind(&$staff.name)
        .bind($data)
        .execute(&mut *$tx)
        .await?
    };
}

use super::{RequesterDetail, not_found, staff_of};
use crate::db::Store;
use crate::error::Result;
use crate::now_micros;
use atbalsts_domain::Actor;
use atbalsts_domain::requester::{self, RecordFacts};
use serde::{Deserialize, Serialize};

/// What a merge moved, as its event records it.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Moved {
    /// The record merged into this one.
    other: i64,
    tickets: Vec<i64>,
    emails: Vec<String>,
    phones: Vec<String>,
    /// The survivor had no primary address or number and took the other's.
    filled_email: Option<String>,
    filled_phone: Option<String>,
}

type State = (Option<i64>, Option<String>, Option<String>);

impl Store {
    /// Merge record `other` into `survivor`.
    pub async fn merge_requesters(
        &self,
        actor: &Actor,
        survivor: i64,
        other: i64,
    ) -> Result<RequesterDetail> {
        let staff = staff_of(actor)?;
        for id in [survivor, other] {
            if !self.may_see_requester(staff, id).await? {
                return Err(not_found(id));
            }
        }
        requester::authorize_change(staff)?;
        let now = now_micros();
        in_tx!(self, |tx| {
            // The update takes both rows' locks first (PostgreSQL), so two merges
            // of the same records queue instead of interleaving.
            sqlx::query("UPDATE contacts SET updated_at = $1 WHERE id IN ($2, $3)")
                .bind(now)
                .bind(survivor)
                .bind(other)
                .execute(&mut *tx)
                .await?;
            let mut states: Vec<State> = Vec::new();
            for id in [survivor, other] {
                let s: Option<State> =
                    sqlx::query_as("SELECT merged_into, email, phone FROM contacts WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await?;
                states.push(s.ok_or_else(|| not_found(id))?);
            }
            requester::check_merge(
                RecordFacts {
                    id: survivor,
                    merged_into: states[0].0,
                },
                RecordFacts {
                    id: other,
                    merged_into: states[1].0,
                },
            )?;
            let mut moved = Moved {
                other,
                ..Moved::default()
            };
            moved.tickets =
                sqlx::query_scalar("SELECT id FROM tickets WHERE requester_id = $1 ORDER BY id")
                    .bind(other)
                    .fetch_all(&mut *tx)
                    .await?;
            moved.emails = sqlx::query_scalar(
                "SELECT address FROM contact_emails WHERE contact_id = $1 ORDER BY address",
            )
            .bind(other)
            .fetch_all(&mut *tx)
            .await?;
            moved.phones = sqlx::query_scalar(
                "SELECT number FROM contact_phones WHERE contact_id = $1 ORDER BY number",
            )
            .bind(other)
            .fetch_all(&mut *tx)
            .await?;
            if states[0].1.is_none() {
                moved.filled_email = states[1].1.clone();
            }
            if states[0].2.is_none() {
                moved.filled_phone = states[1].2.clone();
            }
            for sql in [
                "UPDATE tickets SET requester_id = $1 WHERE requester_id = $2",
                "UPDATE contact_emails SET contact_id = $1 WHERE contact_id = $2",
                "UPDATE contact_phones SET contact_id = $1 WHERE contact_id = $2",
                "UPDATE contacts SET merged_into = $1 WHERE id = $2",
            ] {
                sqlx::query(sql)
                    .bind(survivor)
                    .bind(other)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "UPDATE contacts SET email = COALESCE(email, $1), phone = COALESCE(phone, $2) WHERE id = $3",
            )
            .bind(&moved.filled_email)
            .bind(&moved.filled_phone)
            .bind(survivor)
            .execute(&mut *tx)
            .await?;
            let data = serde_json::to_string(&moved)
                .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
            let event: i64 = sqlx::query_scalar(
                "INSERT INTO contact_events (contact_id, at, actor_id, actor_name, kind, data) \
                 VALUES ($1, $2, $3, $4, 'merged', $5) RETURNING id",
            )
            .bind(survivor)
            .bind(now)
            .bind(staff.user_id)
            .bind(&staff.name)
            .bind(&data)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO contact_events (contact_id, at, actor_id, actor_name, kind, data) \
                 VALUES ($1, $2, $3, $4, 'merged_into', $5)",
            )
            .bind(other)
            .bind(now)
            .bind(staff.user_id)
            .bind(&staff.name)
            .bind(serde_json::json!({ "survivor": survivor, "event": event }).to_string())
            .execute(&mut *tx)
            .await?;
            let change = serde_json::json!({ "requester": { "from": other, "to": survivor }, "merge": event })
                .to_string();
            for ticket in &moved.tickets {
                ticket_event!(tx, *ticket, now, staff, &change);
            }
        });
        self.requester(actor, survivor).await
    }

    /// Undo the merge recorded by `event` on record `survivor`: the tickets,
    /// addresses and numbers it moved go back, and the other record is live again.
    pub async fn split_requester(
        &self,
        actor: &Actor,
        survivor: i64,
        event: i64,
    ) -> Result<RequesterDetail> {
        let staff = staff_of(actor)?;
        if !self.may_see_requester(staff, survivor).await? {
            return Err(not_found(survivor));
        }
        requester::authorize_change(staff)?;
        let now = now_micros();
        in_tx!(self, |tx| {
            // Locks the event (PostgreSQL), so a split runs once.
            let found: Option<(String, String, Option<i64>)> = sqlx::query_as(
                "UPDATE contact_events SET undone_by = undone_by WHERE id = $1 AND contact_id = $2 \
                 RETURNING kind, data, undone_by",
            )
            .bind(event)
            .bind(survivor)
            .fetch_optional(&mut *tx)
            .await?;
            let (kind, data, undone) = found.ok_or_else(|| {
                crate::StoreError::NotFound(format!("event {event} of requester {survivor}"))
            })?;
            requester::check_split(&kind, undone.is_some())?;
            let merged_into: Option<i64> =
                sqlx::query_scalar("SELECT merged_into FROM contacts WHERE id = $1")
                    .bind(survivor)
                    .fetch_one(&mut *tx)
                    .await?;
            // The survivor was merged on since: that later merge is split first.
            requester::check_merge(
                RecordFacts {
                    id: survivor,
                    merged_into,
                },
                RecordFacts {
                    id: -1,
                    merged_into: None,
                },
            )?;
            let moved: Moved = serde_json::from_str(&data)
                .map_err(|e| crate::StoreError::Corrupt(format!("merge event {event}: {e}")))?;
            let other = moved.other;
            for ticket in &moved.tickets {
                let n = sqlx::query(
                    "UPDATE tickets SET requester_id = $1 WHERE id = $2 AND requester_id = $3",
                )
                .bind(other)
                .bind(*ticket)
                .bind(survivor)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 1 {
                    let change = serde_json::json!({ "requester": { "from": survivor, "to": other }, "split": event })
                        .to_string();
                    ticket_event!(tx, *ticket, now, staff, &change);
                }
            }
            for address in &moved.emails {
                sqlx::query("UPDATE contact_emails SET contact_id = $1 WHERE address = $2 AND contact_id = $3")
                    .bind(other)
                    .bind(address)
                    .bind(survivor)
                    .execute(&mut *tx)
                    .await?;
            }
            for number in &moved.phones {
                sqlx::query("UPDATE contact_phones SET contact_id = $1 WHERE number = $2 AND contact_id = $3")
                    .bind(other)
                    .bind(number)
                    .bind(survivor)
                    .execute(&mut *tx)
                    .await?;
            }
            // A primary taken from the other record is given back unless staff changed it since.
            sqlx::query(
                "UPDATE contacts SET email = CASE WHEN email = $1 THEN NULL ELSE email END, \
                 phone = CASE WHEN phone = $2 THEN NULL ELSE phone END, updated_at = $3 WHERE id = $4",
            )
            .bind(&moved.filled_email)
            .bind(&moved.filled_phone)
            .bind(now)
            .bind(survivor)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE contacts SET merged_into = NULL, updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(other)
                .execute(&mut *tx)
                .await?;
            let data = serde_json::json!({ "merge": event, "other": other }).to_string();
            let split: i64 = sqlx::query_scalar(
                "INSERT INTO contact_events (contact_id, at, actor_id, actor_name, kind, data) \
                 VALUES ($1, $2, $3, $4, 'split', $5) RETURNING id",
            )
            .bind(survivor)
            .bind(now)
            .bind(staff.user_id)
            .bind(&staff.name)
            .bind(&data)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO contact_events (contact_id, at, actor_id, actor_name, kind, data) \
                 VALUES ($1, $2, $3, $4, 'split', $5)",
            )
            .bind(other)
            .bind(now)
            .bind(staff.user_id)
            .bind(&staff.name)
            .bind(serde_json::json!({ "merge": event, "survivor": survivor }).to_string())
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE contact_events SET undone_by = $1 WHERE id = $2")
                .bind(split)
                .bind(event)
                .execute(&mut *tx)
                .await?;
        });
        self.requester(actor, survivor).await
    }
}
