//! Support groups (staff): who works which institution's tickets, at which
//! level, for which services, channels, locations and languages, and when.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Query;
use atbalsts_domain::hours::WeeklyHours;
use atbalsts_domain::routing::{Assignment, GroupKind, visible_to};
use atbalsts_domain::{Actor, Channel, Level};
use atbalsts_store::StoreError;
use atbalsts_store::groups::GroupDetails;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GroupsQuery {
    /// Only groups of this institution, e.g. `PMLP`.
    institution: Option<String>,
}

/// One day's working hours, Riga time.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayHours {
    /// `mon` … `sun`.
    pub day: String,
    /// `HH:MM`.
    pub open: String,
    /// `HH:MM`; `24:00` is midnight at the end of the day.
    pub close: String,
}

/// A group's own working hours.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupHours {
    /// As configured, e.g. `mon-fri 08:30-17:00; sat 10:00-14:00`.
    pub text: String,
    /// The days it works, Monday first; days not listed are off.
    pub days: Vec<DayHours>,
    /// Works on public holidays too.
    pub holidays: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupportGroup {
    pub code: String,
    /// The institution whose tickets the group works.
    pub institution: String,
    pub name_lv: String,
    pub name_en: Option<String>,
    pub kind: GroupKind,
    /// 1 support specialists, 2 experts.
    #[schema(value_type = u8, minimum = 1, maximum = 2)]
    pub level: Level,
    /// The services it takes; empty: all of its institution's.
    pub services: Vec<String>,
    /// The channels it takes; empty: all.
    pub channels: Vec<Channel>,
    /// Where an in-person group works.
    pub locations: Vec<String>,
    /// Languages it answers in (ISO 639-1); empty: any.
    pub languages: Vec<String>,
    /// `null`: the institution's usual hours.
    pub hours: Option<GroupHours>,
    /// How new tickets get a person.
    pub assignment: Assignment,
    /// How many people are in the group.
    pub members: i64,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Per-day windows from the normalised text `WeeklyHours` prints
/// (`mon-thu 08:30-17:00; fri 08:30-15:30; holidays`): the type does not
/// expose its closing times.
fn days_of(hours: &WeeklyHours) -> (Vec<DayHours>, bool) {
    let mut days = Vec::new();
    let mut holidays = false;
    for part in hours.to_string().split("; ") {
        if part == "holidays" {
            holidays = true;
            continue;
        }
        let Some((which, times)) = part.split_once(' ') else {
            continue;
        };
        let Some((open, close)) = times.split_once('-') else {
            continue;
        };
        let (first, last) = which.split_once('-').unwrap_or((which, which));
        let index = |d: &str| DAYS.iter().position(|n| *n == d);
        if let (Some(a), Some(b)) = (index(first), index(last)) {
            for day in &DAYS[a..=b] {
                days.push(DayHours {
                    day: (*day).to_string(),
                    open: open.to_string(),
                    close: close.to_string(),
                });
            }
        }
    }
    (days, holidays)
}

fn shaped(g: GroupDetails) -> ApiResult<SupportGroup> {
    let hours = match g.hours {
        None => None,
        Some(text) => {
            let parsed = WeeklyHours::parse(&text).map_err(|e| {
                StoreError::Corrupt(format!("hours {text:?} of group {}: {e}", g.code))
            })?;
            let (days, holidays) = days_of(&parsed);
            Some(GroupHours {
                text,
                days,
                holidays,
            })
        }
    };
    Ok(SupportGroup {
        code: g.code,
        institution: g.institution,
        name_lv: g.name_lv,
        name_en: g.name_en,
        kind: g.kind,
        level: g.level,
        services: g.services,
        channels: g.channels,
        locations: g.locations,
        languages: g.languages,
        hours,
        assignment: g.assignment,
        members: g.members,
    })
}

/// The support groups the caller may see: those of the institutions in their
/// scopes and the central providers'; central agents and system-wide
/// administrators see all.
#[utoipa::path(get, path = "/api/v1/groups", operation_id = "list_groups", tag = "groups", params(GroupsQuery),
    responses((status = 200, body = [SupportGroup]), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Query(q): Query<GroupsQuery>,
) -> ApiResult<Json<Vec<SupportGroup>>> {
    let staff = match &actor {
        Actor::Staff(staff) => staff,
        Actor::Requester { .. } => {
            return Err(ApiError::Forbidden(
                "only support staff can see the support groups".into(),
            ));
        }
        Actor::Anonymous => {
            return Err(ApiError::Unauthorized(
                "sign in with an API token to see the support groups".into(),
            ));
        }
    };
    if let Some(v) = &q.institution {
        crate::routes::tickets::param_code("institution", v)?;
    }
    let groups = s
        .store
        .groups_with_details(q.institution.as_deref())
        .await?;
    let visible = groups
        .into_iter()
        .filter(|g| visible_to(staff, &g.profile()))
        .map(shaped)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(visible))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_become_days() {
        let hours = WeeklyHours::parse("mon-wed 08:30-17:00; fri 09:00-24:00; holidays")
            .unwrap_or_default();
        let (days, holidays) = days_of(&hours);
        let flat: Vec<String> = days
            .iter()
            .map(|d| format!("{} {}-{}", d.day, d.open, d.close))
            .collect();
        assert_eq!(
            flat,
            vec![
                "mon 08:30-17:00",
                "tue 08:30-17:00",
                "wed 08:30-17:00",
                "fri 09:00-24:00"
            ]
        );
        assert!(holidays);
        let (_, holidays) = days_of(&WeeklyHours::default());
        assert!(!holidays);
    }
}
