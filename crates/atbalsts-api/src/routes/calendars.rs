//! Business calendars: each day with whether it is worked, its hours, and why.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use atbalsts_domain::calendar::{Calendar, DayKind};
use axum::Json;
use axum::extract::{Path, State};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Longest range one request lists, in days.
const MAX_DAYS: i32 = 366;
/// Hours of a full working day (40-hour week) and of a shortened one.
const FULL_DAY_HOURS: u8 = 8;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DaysQuery {
    /// First day, `YYYY-MM-DD`.
    from: String,
    /// Last day, `YYYY-MM-DD`; at most 366 days after `from`.
    to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`.
    date: String,
    working: bool,
    /// Working hours of the day (a shortened day has one hour less).
    hours: u8,
    /// `working`, `weekend`, `holiday`, `holiday_moved` (the day off after a moving
    /// holiday on a weekend), `transferred_off`, `transferred_working`.
    kind: &'static str,
    /// The holiday, for `holiday` and `holiday_moved`: e.g. `proclamation_day`, or `extra`.
    holiday: Option<&'static str>,
    /// An extra holiday's name, as the law gives it.
    name: Option<String>,
    /// For transfers: the Saturday worked instead, or the day given off.
    transfer_date: Option<String>,
    /// The working day before a holiday, one hour shorter.
    shortened: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDays {
    id: String,
    name_lv: String,
    name_en: Option<String>,
    days: Vec<CalendarDay>,
}

fn date(name: &str, raw: &str) -> ApiResult<Date> {
    raw.parse::<Date>().map_err(|_| {
        ApiError::BadRequest(format!(
            "{name} must be a date written YYYY-MM-DD, e.g. 2026-11-18"
        ))
    })
}

#[utoipa::path(get, path = "/api/v1/calendars/{id}/days", tag = "calendars",
    params(("id" = String, Path, description = "calendar id; `state` is the calendar of state institutions"), DaysQuery),
    responses((status = 200, body = CalendarDays), (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn days(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<DaysQuery>,
) -> ApiResult<Json<CalendarDays>> {
    crate::routes::tickets::param_code("id", &id)?;
    let (from, to) = (date("from", &q.from)?, date("to", &q.to)?);
    if to < from {
        return Err(ApiError::BadRequest("to must not be before from".into()));
    }
    let span = from
        .until(to)
        .map(|span| span.get_days())
        .map_err(|_| ApiError::BadRequest("the range is too long".into()))?;
    if span > MAX_DAYS {
        return Err(ApiError::BadRequest(format!(
            "list at most {MAX_DAYS} days at a time"
        )));
    }
    let stored = s.store.calendar(&id).await?;
    let calendar = Calendar::new(stored.data);
    let mut days = Vec::new();
    let mut d = from;
    loop {
        let day = calendar.day(d);
        let working = day.is_working();
        let (kind, holiday, transfer_date) = match &day.kind {
            DayKind::Working => ("working", None, None),
            DayKind::Weekend => ("weekend", None, None),
            DayKind::Holiday(h) => ("holiday", Some(h.code()), None),
            DayKind::HolidayMoved(h) => ("holiday_moved", Some(h.code()), None),
            DayKind::TransferredOff { worked_on } => {
                ("transferred_off", None, Some(worked_on.to_string()))
            }
            DayKind::TransferredWorking { day_off } => {
                ("transferred_working", None, Some(day_off.to_string()))
            }
        };
        days.push(CalendarDay {
            date: d.to_string(),
            working,
            hours: match (working, day.shortened) {
                (false, _) => 0,
                (true, true) => FULL_DAY_HOURS - 1,
                (true, false) => FULL_DAY_HOURS,
            },
            kind,
            holiday,
            name: day.name,
            transfer_date,
            shortened: day.shortened,
        });
        if d >= to {
            break;
        }
        d = d
            .tomorrow()
            .map_err(|_| ApiError::BadRequest("the range goes past the last date".into()))?;
    }
    Ok(Json(CalendarDays {
        id: stored.id,
        name_lv: stored.name_lv,
        name_en: stored.name_en,
        days,
    }))
}
