//! Business calendars: the data beyond the domain's rules.

use crate::db::Store;
use crate::error::{Result, StoreError};
use atbalsts_domain::calendar::{CalendarData, Transfer};
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
