//! Business calendars: the data beyond the domain's rules.

use crate::db::Store;
use crate::error::{Result, StoreError};
use atbalsts_domain::calendar::{Calendar, CalendarData, Entry, Transfer};
use atbalsts_domain::refusal::Code;
use jiff::civil::Date;

/// A calendar's name and its data.
#[derive(Debug, Clone)]
pub struct StoredCalendar {
    pub id: String,
    pub name_lv: String,
    pub name_en: Option<String>,
    pub data: CalendarData,
}

fn day(raw: &str) -> Result<Date> {
    raw.parse::<Date>()
        .map_err(|e| StoreError::Corrupt(format!("calendar date {raw:?}: {e}")))
}

impl Store {
    /// The calendar `id` with its extra holidays, festival days and transfers.
    pub async fn calendar(&self, id: &str) -> Result<StoredCalendar> {
        let head: Option<(String, String, Option<String>)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT id, name_lv, name_en FROM calendars WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let Some((id, name_lv, name_en)) = head else {
            return Err(StoreError::NotFound(format!("no calendar {id:?}")));
        };
        let rows: Vec<(String, String, Option<String>, Option<String>)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT day, kind, worked_on, name FROM calendar_entries WHERE calendar = $1 ORDER BY day",
            )
            .bind(&id)
            .fetch_all(pool)
            .await?
        });
        let mut data = CalendarData::default();
        for (raw, kind, worked_on, name) in rows {
            let date = day(&raw)?;
            match (kind.as_str(), worked_on) {
                ("holiday", _) => data.extra_holidays.push((date, name.unwrap_or_default())),
                ("song_festival_closing", _) => data.song_festival_closings.push(date),
                ("transfer", Some(w)) => data.transfers.push(Transfer {
                    day_off: date,
                    worked_on: day(&w)?,
                }),
                _ => {
                    return Err(StoreError::Corrupt(format!(
                        "calendar entry {raw} of kind {kind:?} is incomplete"
                    )));
                }
            }
        }
        Ok(StoredCalendar {
            id,
            name_lv,
            name_en,
            data,
        })
    }
}

impl Store {
    /// Add a law's or the Cabinet's decision to calendar `id`, checked against it.
    pub async fn add_calendar_entry(&self, id: &str, entry: &Entry) -> Result<()> {
        let stored = self.calendar(id).await?;
        entry.check(&Calendar::new(stored.data))?;
        let (day, kind, worked_on, name) = match entry {
            Entry::Holiday { day, name } => (*day, "holiday", None, Some(name.trim().to_string())),
            Entry::SongFestivalClosing { day } => (*day, "song_festival_closing", None, None),
            Entry::Transfer { day_off, worked_on } => {
                (*day_off, "transfer", Some(worked_on.to_string()), None)
            }
        };
        let added = in_tx!(self, |tx| {
            let added = sqlx::query(
                "INSERT INTO calendar_entries (calendar, day, kind, worked_on, name) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(day.to_string())
            .bind(kind)
            .bind(worked_on)
            .bind(name)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            // Running clocks were planned on the old calendar.
            if added == 1 {
                crate::enqueue_job!(&mut *tx, &replan_job());
            }
            added
        });
        if added == 0 {
            return Err(StoreError::conflict(
                Code::CalendarEntryExists,
                format!("calendar {id} already has a {kind} entry on {day}"),
            ));
        }
        self.clock_cache().invalidate();
        Ok(())
    }

    /// Remove the entry of `kind` on `day`; false when there was none.
    pub async fn remove_calendar_entry(&self, id: &str, day: Date, kind: &str) -> Result<bool> {
        let n = in_tx!(self, |tx| {
            let n = sqlx::query(
                "DELETE FROM calendar_entries WHERE calendar = $1 AND day = $2 AND kind = $3",
            )
            .bind(id)
            .bind(day.to_string())
            .bind(kind)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n > 0 {
                crate::enqueue_job!(&mut *tx, &replan_job());
            }
            n
        });
        self.clock_cache().invalidate();
        Ok(n > 0)
    }
}

/// One replanning of the clocks, run soon after a calendar change.
fn replan_job() -> crate::jobs::NewJob {
    crate::jobs::NewJob::new(
        crate::sla_jobs::REPLAN_CLOCKS,
        serde_json::json!({}),
        crate::now_micros(),
    )
}
