//! Support groups (staff): who works which institution's tickets, at which
//! level, for which services, channels, locations and languages, and when.

use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiResult, Problem};
use crate::extract::Query;
use atbalsts_domain::hours::WeeklyHours;
use atbalsts_domain::routing::{Assignment, GroupKind, visible_to};
use atbalsts_domain::{Channel, Level};
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
    #[param(pattern = "^[A-Za-z0-9_-]{1,40}$")]
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
    /// Where people write to the group; mail about its tickets goes out from the first.
    pub email_addresses: Vec<String>,
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
        email_addresses: g.email_addresses,
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
    let staff = auth::staff_only(&actor, "see the support groups")?;
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

/// A group's configuration, as an administrator saves it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    /// The institution whose tickets the group works.
    #[schema(min_length = 1, max_length = 40)]
    institution: String,
    #[schema(min_length = 1, max_length = 200)]
    name_lv: String,
    #[schema(max_length = 200)]
    name_en: Option<String>,
    #[serde(default)]
    kind: GroupKind,
    /// 1 support specialists, 2 experts.
    #[schema(value_type = u8, minimum = 1, maximum = 2)]
    level: Level,
    /// Service codes; empty: all of the institution's.
    #[serde(default)]
    services: Vec<String>,
    /// Empty: every channel.
    #[serde(default)]
    channels: Vec<Channel>,
    /// Location ids; required for in-person groups.
    #[serde(default)]
    locations: Vec<String>,
    /// ISO 639-1 codes, e.g. `["lv", "en"]`; empty: any.
    #[serde(default)]
    languages: Vec<String>,
    /// `mon-fri 08:30-17:00; sat 10:00-14:00`; null: the usual hours.
    hours: Option<String>,
    #[serde(default)]
    assignment: Assignment,
    /// Staff ids to add as members.
    #[serde(default)]
    members: Vec<i64>,
    /// Addresses the group receives e-mail at (each belongs to one group).
    #[serde(default)]
    email_addresses: Vec<String>,
}

/// Create or change a support group: its services, channels, locations,
/// languages, hours and assignment rule. An institution's administrator
/// manages its own groups; the system administrator all.
#[utoipa::path(put, path = "/api/v1/groups/{code}", operation_id = "save_group", tag = "groups",
    params(("code" = String, Path)), request_body = GroupBody,
    responses((status = 204, description = "saved"), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn save(
    State(s): State<AppState>,
    Auth(actor): Auth,
    axum::extract::Path(code): axum::extract::Path<String>,
    crate::extract::Json(b): crate::extract::Json<GroupBody>,
) -> ApiResult<axum::http::StatusCode> {
    let staff = auth::staff_only(&actor, "change support groups")?;
    crate::routes::tickets::param_code("code", &code)?;
    crate::routes::tickets::param_code("institution", &b.institution)?;
    atbalsts_domain::admin::authorize_group(staff, &b.institution).map_err(StoreError::from)?;
    // A group of another institution is not taken over by saving it under one's own.
    let existing = s.store.groups_with_details(None).await?;
    if let Some(g) = existing.iter().find(|g| g.code == code) {
        atbalsts_domain::admin::authorize_group(staff, &g.institution).map_err(StoreError::from)?;
    }
    let config = atbalsts_store::groups::GroupConfig {
        code,
        institution: b.institution,
        name_lv: b.name_lv,
        name_en: b.name_en.filter(|n| !n.trim().is_empty()),
        kind: b.kind,
        level: b.level,
        services: b.services,
        channels: b.channels,
        locations: b.locations,
        languages: b.languages,
        hours: b.hours.filter(|h| !h.trim().is_empty()),
        assignment: b.assignment,
        members: b.members,
        email_addresses: b.email_addresses,
    };
    s.store.save_group(&config).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
