//! Business calendars: each day with whether it is worked, its hours, and why.

use crate::AppState;
use crate::auth;
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
    #[param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    from: String,
    /// Last day, `YYYY-MM-DD`; at most 366 days after `from`.
    #[param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
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

/// A law's or the Cabinet's decision to add to a calendar.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    /// `holiday` (a law adds a holiday), `song_festival_closing`, or `transfer`
    /// (a working day given off, worked on a Saturday instead).
    #[schema(pattern = "^(holiday|song_festival_closing|transfer)$")]
    kind: String,
    /// The holiday, the festival's closing day, or the working day given off; `YYYY-MM-DD`.
    #[schema(min_length = 10, max_length = 10)]
    day: String,
    /// For a transfer: the Saturday worked instead, `YYYY-MM-DD`.
    worked_on: Option<String>,
    /// For a holiday: its name as the law states it.
    #[schema(max_length = 200)]
    name: Option<String>,
}

/// Add a holiday, a festival closing day or a transferred working day; the
/// calendar's days (and the clocks counted on them from now on) follow.
#[utoipa::path(post, path = "/api/v1/calendars/{id}/entries", tag = "calendars",
    params(("id" = String, Path, description = "calendar id")), request_body = NewEntry,
    responses((status = 201, description = "added"), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
pub async fn add_entry(
    State(s): State<AppState>,
    crate::auth::Auth(actor): crate::auth::Auth,
    Path(id): Path<String>,
    crate::extract::Json(b): crate::extract::Json<NewEntry>,
) -> ApiResult<axum::http::StatusCode> {
    auth::system_administrator(&actor, "change business calendars")?;
    crate::routes::tickets::param_code("id", &id)?;
    let mut errors = Vec::new();
    let mut day = |field: &str, raw: Option<&str>| match raw.map(str::trim).map(str::parse::<Date>)
    {
        Some(Ok(d)) => Some(d),
        _ => {
            errors.push(atbalsts_domain::FieldError::new(
                field,
                "give a date written YYYY-MM-DD, e.g. 2027-05-03",
            ));
            None
        }
    };
    let first = day("day", Some(&b.day));
    let entry = match b.kind.as_str() {
        "holiday" => {
            let mut shape = atbalsts_domain::validate::Errors::default();
            let name = shape.text("name", b.name.as_deref().unwrap_or_default(), 200);
            errors.extend(shape.0);
            first.map(|day| atbalsts_domain::calendar::Entry::Holiday { day, name })
        }
        "song_festival_closing" => {
            first.map(|day| atbalsts_domain::calendar::Entry::SongFestivalClosing { day })
        }
        "transfer" => {
            let worked_on = day("worked_on", b.worked_on.as_deref());
            first.zip(worked_on).map(|(day_off, worked_on)| {
                atbalsts_domain::calendar::Entry::Transfer { day_off, worked_on }
            })
        }
        _ => {
            errors.push(atbalsts_domain::FieldError::new(
                "kind",
                "kind must be holiday, song_festival_closing or transfer",
            ));
            None
        }
    };
    match entry {
        Some(entry) if errors.is_empty() => {
            s.store.add_calendar_entry(&id, &entry).await?;
            Ok(axum::http::StatusCode::CREATED)
        }
        _ => Err(ApiError::Invalid(errors)),
    }
}

/// Remove an entry added by mistake.
#[utoipa::path(delete, path = "/api/v1/calendars/{id}/entries/{day}/{kind}", tag = "calendars",
    params(("id" = String, Path), ("day" = String, Path, description = "YYYY-MM-DD"),
        ("kind" = String, Path, description = "holiday, song_festival_closing or transfer")),
    responses((status = 204, description = "removed"), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn remove_entry(
    State(s): State<AppState>,
    crate::auth::Auth(actor): crate::auth::Auth,
    Path((id, day, kind)): Path<(String, String, String)>,
) -> ApiResult<axum::http::StatusCode> {
    auth::system_administrator(&actor, "change business calendars")?;
    crate::routes::tickets::param_code("id", &id)?;
    let day = date("day", &day)?;
    if !["holiday", "song_festival_closing", "transfer"].contains(&kind.as_str()) {
        return Err(ApiError::BadRequest(
            "kind must be holiday, song_festival_closing or transfer".into(),
        ));
    }
    if s.store.remove_calendar_entry(&id, day, &kind).await? {
        Ok(axum::http::StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!(
            "a {kind} entry on {day} in calendar {id}"
        )))
    }
}
