//! Support groups as data: what each takes (for routing), their details (for
//! the API), validated saving, and automatic assignment of new tickets.
//!
//! Routing reads the groups of the ticket's institution and those at its
//! location on every create (and on every level change without a named
//! group): the tables are small, and reading them keeps every node right the
//! moment a group changes, with no cache to invalidate.
//!
//! Automatic assignment runs in its own transaction after the create has
//! committed (creates are written in batches by the writer task, which must
//! not wait on group locks). If the process dies in between, or the
//! assignment fails, the ticket simply waits unassigned in its group's queue,
//! where anyone in the group can take it; nothing is lost or half-written.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::model::{PersonRef, Ticket, rfc3339};
use crate::now_micros;
use crate::tickets::NewTicket;
use atbalsts_domain::hours::WeeklyHours;
use atbalsts_domain::lifecycle::{Operation, next_status};
use atbalsts_domain::routing::{
    self, Assignment, DEFAULT_LANGUAGE, GroupKind, GroupProfile, MemberLoad, RouteRequest,
};
use atbalsts_domain::validate::{self, Errors};
use atbalsts_domain::{Channel, FieldError, Level, Status};
use serde_json::json;
use std::collections::HashSet;

/// A support group as configured: who it is, what it takes, when it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    pub code: String,
    pub institution: String,
    pub name_lv: String,
    pub name_en: Option<String>,
    pub kind: GroupKind,
    pub level: Level,
    /// None: all of the institution's services. Another institution's
    /// services only for an in-person group with locations (a VPVKAC).
    pub services: Vec<String>,
    /// None: every channel.
    pub channels: Vec<Channel>,
    /// Required for in-person groups, refused for remote ones.
    pub locations: Vec<String>,
    /// ISO 639-1 codes; none: any language.
    pub languages: Vec<String>,
    /// `mon-fri 08:30-17:00; sat 10:00-14:00`; `None`: the institution's usual hours.
    pub hours: Option<String>,
    pub assignment: Assignment,
    /// Added to the group (members are never removed here; see `set_group_members`).
    pub members: Vec<i64>,
    /// Where people write to the group; mail about its tickets goes out from the first.
    pub email_addresses: Vec<String>,
}

impl GroupConfig {
    /// A remote level group that takes everything of its institution, assigned by hand.
    pub fn new(code: &str, institution: &str, name_lv: &str, level: Level) -> Self {
        GroupConfig {
            code: code.into(),
            institution: institution.into(),
            name_lv: name_lv.into(),
            name_en: None,
            kind: GroupKind::HelpDesk,
            level,
            services: Vec::new(),
            channels: Vec::new(),
            locations: Vec::new(),
            languages: vec![DEFAULT_LANGUAGE.into()],
            hours: None,
            assignment: Assignment::Manual,
            members: Vec::new(),
            email_addresses: Vec::new(),
        }
    }
}

/// A group with everything about it, as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDetails {
    pub code: String,
    pub institution: String,
    pub name_lv: String,
    pub name_en: Option<String>,
    pub kind: GroupKind,
    pub level: Level,
    pub services: Vec<String>,
    pub channels: Vec<Channel>,
    pub locations: Vec<String>,
    pub languages: Vec<String>,
    /// `None`: the institution's usual hours.
    pub hours: Option<String>,
    pub assignment: Assignment,
    /// How many people are in the group.
    pub members: i64,
    /// Its e-mail addresses, in alphabetical order.
    pub email_addresses: Vec<String>,
}

impl GroupDetails {
    pub fn profile(&self) -> GroupProfile {
        GroupProfile {
            code: self.code.clone(),
            institution: self.institution.clone(),
            kind: self.kind,
            level: self.level,
            services: self.services.clone(),
            channels: self.channels.clone(),
            locations: self.locations.clone(),
            languages: self.languages.clone(),
            assignment: self.assignment,
        }
    }
}

/// Who automatic assignment gave a new ticket to.
#[derive(Debug, Clone)]
pub struct AutoAssigned {
    pub assignee: PersonRef,
    pub status: Status,
    pub group: String,
    pub rule: Assignment,
    /// Microseconds since the epoch.
    pub at: i64,
}

pub(crate) type GroupRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    Option<String>,
    String,
    i64,
);

/// The columns of a [`GroupRow`], from `support_groups g`.
macro_rules! group_columns {
    () => {
        "g.code, g.institution, g.name_lv, g.name_en, g.kind, g.level, g.languages, g.hours, g.assignment, \
         (SELECT COUNT(*) FROM group_members m WHERE m.group_code = g.code)"
    };
}

/// Every link of the groups chosen by `$where` (a condition on `g`), as
/// (group, which, value) with which = `s`ervice, `c`hannel, `l`ocation or `e`-mail address.
macro_rules! links_sql {
    ($where:expr) => {
        concat!(
            "SELECT x.group_code, 's', x.service FROM group_services x JOIN support_groups g ON g.code = x.group_code WHERE ",
            $where,
            " UNION ALL SELECT x.group_code, 'c', x.channel FROM group_channels x JOIN support_groups g ON g.code = x.group_code WHERE ",
            $where,
            " UNION ALL SELECT x.group_code, 'l', x.location FROM group_locations x JOIN support_groups g ON g.code = x.group_code WHERE ",
            $where,
            " UNION ALL SELECT x.group_code, 'e', x.address FROM group_email_addresses x JOIN support_groups g ON g.code = x.group_code WHERE ",
            $where,
        )
    };
}

/// The groups that could take a ticket of institution `$1` at location `$2`:
/// the institution's own, and those working at the location (a VPVKAC).
macro_rules! routable_where {
    () => {
        "(g.institution = $1 OR g.code IN (SELECT group_code FROM group_locations WHERE location = $2))"
    };
}

pub(crate) const ROUTABLE_GROUPS: &str = concat!(
    "SELECT ",
    group_columns!(),
    " FROM support_groups g WHERE ",
    routable_where!(),
    " ORDER BY g.code"
);
pub(crate) const ROUTABLE_LINKS: &str = links_sql!(routable_where!());

/// The profiles of the groups that could take a ticket of `$institution` at
/// `$location`, read through `$ex` (a pool or an open transaction).
macro_rules! routable_groups {
    ($ex:expr, $institution:expr, $location:expr) => {{
        let rows: Vec<crate::groups::GroupRow> = sqlx::query_as(crate::groups::ROUTABLE_GROUPS)
            .bind($institution)
            .bind($location)
            .fetch_all($ex)
            .await?;
        let links: Vec<(String, String, String)> = sqlx::query_as(crate::groups::ROUTABLE_LINKS)
            .bind($institution)
            .bind($location)
            .fetch_all($ex)
            .await?;
        crate::groups::assemble(rows, links)?
            .iter()
            .map(crate::groups::GroupDetails::profile)
            .collect::<Vec<_>>()
    }};
}
pub(crate) use routable_groups;

fn corrupt(what: &str, code: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value:?} of group {code}"))
}

/// Rows and links → groups, in the rows' order.
pub(crate) fn assemble(
    rows: Vec<GroupRow>,
    links: Vec<(String, String, String)>,
) -> Result<Vec<GroupDetails>> {
    rows.into_iter()
        .map(
            |(
                code,
                institution,
                name_lv,
                name_en,
                kind,
                level,
                languages,
                hours,
                assignment,
                members,
            )| {
                let mut services = Vec::new();
                let mut channels = Vec::new();
                let mut locations = Vec::new();
                let mut email_addresses = Vec::new();
                for (_, which, value) in links.iter().filter(|(g, _, _)| *g == code) {
                    match which.as_str() {
                        "s" => services.push(value.clone()),
                        "c" => channels.push(
                            Channel::parse(value)
                                .ok_or_else(|| corrupt("channel", &code, value))?,
                        ),
                        "e" => email_addresses.push(value.clone()),
                        _ => locations.push(value.clone()),
                    }
                }
                services.sort();
                email_addresses.sort();
                channels.sort_by_key(|c| c.as_str());
                locations.sort();
                Ok(GroupDetails {
                    kind: GroupKind::parse(&kind).ok_or_else(|| corrupt("kind", &code, &kind))?,
                    level: Level::from_number(level)
                        .ok_or_else(|| corrupt("level", &code, &level.to_string()))?,
                    languages: serde_json::from_str(&languages)
                        .map_err(|_| corrupt("languages", &code, &languages))?,
                    assignment: Assignment::parse(&assignment)
                        .ok_or_else(|| corrupt("assignment", &code, &assignment))?,
                    code,
                    institution,
                    name_lv,
                    name_en,
                    services,
                    channels,
                    locations,
                    hours,
                    members,
                    email_addresses,
                })
            },
        )
        .collect()
}

/// The routing facts of a ticket.
pub(crate) fn route_request<'a>(
    institution: &'a str,
    service: Option<&'a str>,
    channel: Channel,
    location: Option<&'a str>,
    language: &'a str,
    level: Level,
) -> RouteRequest<'a> {
    RouteRequest {
        institution,
        service,
        channel,
        location,
        language,
        level,
    }
}

/// The support group a level change without a named group moves the ticket to,
/// read inside the change's transaction `$tx`. Evaluates to `Option<change::Group>`.
macro_rules! escalation_target {
    ($tx:expr, $row:expr, $to:expr) => {{
        let row = &$row;
        let groups = crate::groups::routable_groups!($tx, &row.institution, &row.location);
        let channel = atbalsts_domain::Channel::parse(&row.channel).ok_or_else(|| {
            crate::error::StoreError::Corrupt(format!("channel {:?}", row.channel))
        })?;
        let req = crate::groups::route_request(
            &row.institution,
            row.service.as_deref(),
            channel,
            row.location.as_deref(),
            &row.language,
            $to,
        );
        atbalsts_domain::routing::escalation_group(&req, &groups).map(|r| {
            atbalsts_domain::change::Group {
                code: r.group.code.clone(),
                institution: r.group.institution.clone(),
            }
        })
    }};
}
pub(crate) use escalation_target;

/// Where routing put a new ticket, and how the group assigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoutedTicket {
    pub group: String,
    pub assignment: Assignment,
    /// The group and the criteria that chose it, for the `created` event.
    pub reason: serde_json::Value,
}

impl Store {
    /// Every group as routing sees it, by code.
    pub async fn group_profiles(&self) -> Result<Vec<GroupProfile>> {
        Ok(self
            .groups_with_details(None)
            .await?
            .iter()
            .map(GroupDetails::profile)
            .collect())
    }

    /// Groups with what they take, of one institution or of all, by code.
    pub async fn groups_with_details(
        &self,
        institution: Option<&str>,
    ) -> Result<Vec<GroupDetails>> {
        let sql = concat!(
            "SELECT ",
            group_columns!(),
            " FROM support_groups g WHERE $1 IS NULL OR g.institution = $1 ORDER BY g.code"
        );
        let (rows, links): (Vec<GroupRow>, Vec<(String, String, String)>) =
            on_pool!(self, |pool| {
                let rows = sqlx::query_as(sql)
                    .bind(institution)
                    .fetch_all(pool)
                    .await?;
                let links = sqlx::query_as(links_sql!("($1 IS NULL OR g.institution = $1)"))
                    .bind(institution)
                    .fetch_all(pool)
                    .await?;
                (rows, links)
            });
        assemble(rows, links)
    }

    /// The group a new ticket lands in (see [`atbalsts_domain::routing::route`]).
    pub(crate) async fn route_new_ticket(
        &self,
        new: &NewTicket,
        level: Level,
    ) -> Result<Option<RoutedTicket>> {
        // Groups change a few times a year; routing reads them from the cache.
        let setup = self.cached_clock_setup().await?;
        let groups = &setup.profiles;
        if let Some(code) = &new.group
            && let Some(g) = groups
                .iter()
                .find(|g| &g.code == code && g.institution == new.institution)
        {
            return Ok(Some(RoutedTicket {
                group: g.code.clone(),
                assignment: g.assignment,
                reason: serde_json::json!({"group": g.code, "criteria": ["addressed"]}),
            }));
        }
        let req = route_request(
            &new.institution,
            new.service.as_deref(),
            new.channel,
            new.location.as_deref(),
            &new.language,
            level,
        );
        Ok(routing::route(&req, groups).map(|r| RoutedTicket {
            group: r.group.code.clone(),
            assignment: r.group.assignment,
            reason: r.to_json(),
        }))
    }

    /// After a create: give the ticket to a member by its group's rule and
    /// update the returned read model. A failure is logged, not returned: the
    /// ticket exists and waits in its group's queue (see the module docs).
    pub(crate) async fn assign_new_ticket(&self, routed: &RoutedTicket, ticket: &mut Ticket) {
        if routed.assignment == Assignment::Manual {
            return;
        }
        match self.assign_by_rule(ticket.id).await {
            Ok(Some(a)) => {
                ticket.assignee = Some(a.assignee);
                ticket.status = a.status;
                ticket.updated_at = rfc3339(a.at);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(
                ticket = ticket.id, group = %routed.group, error = %e,
                "automatic assignment failed; the ticket waits in its group's queue"
            ),
        }
    }

    /// Give a new, unassigned ticket to a member of its group by the group's
    /// rule, in one transaction with its `assigned` event. `None` when the
    /// rule is manual, nobody is available, or the ticket was already taken.
    pub async fn assign_by_rule(&self, ticket_id: i64) -> Result<Option<AutoAssigned>> {
        // Two nodes assigning in one group at once must not both take the same
        // turn: PostgreSQL locks the group's row; SQLite has a single writer.
        let lock = match self {
            Store::Postgres { .. } => " FOR UPDATE",
            Store::Sqlite { .. } => "",
        };
        let ticket_sql = format!(
            "SELECT status, assignee_id, group_code, institution, service FROM tickets WHERE id = $1{lock}"
        );
        let group_sql =
            format!("SELECT assignment, last_assigned FROM support_groups WHERE code = $1{lock}");
        let now = now_micros();
        Ok(in_tx!(self, |tx| {
            type TicketFacts = (String, Option<i64>, Option<String>, String, Option<String>);
            let facts: Option<TicketFacts> = sqlx::query_as(&ticket_sql)
                .bind(ticket_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((status, assignee, Some(group), institution, service)) = facts else {
                return Ok(None);
            };
            if status != Status::New.as_str() || assignee.is_some() {
                return Ok(None);
            }
            let rule: Option<(String, Option<i64>)> = sqlx::query_as(&group_sql)
                .bind(&group)
                .fetch_optional(&mut *tx)
                .await?;
            let Some((rule, last_assigned)) = rule else {
                return Ok(None);
            };
            let rule =
                Assignment::parse(&rule).ok_or_else(|| corrupt("assignment", &group, &rule))?;
            if rule == Assignment::Manual {
                return Ok(None);
            }
            // Only the least-loaded rule needs each member's open tickets counted.
            let load = if rule == Assignment::LeastLoaded {
                "(SELECT COUNT(*) FROM tickets o WHERE o.assignee_id = m.user_id \
                 AND o.status IN ('new', 'open', 'pending_requester'))"
            } else {
                "CAST(0 AS BIGINT)"
            };
            let members_sql = format!(
                "SELECT m.user_id, u.name, u.role, m.available, {load} \
                 FROM group_members m JOIN users u ON u.id = m.user_id \
                 WHERE m.group_code = $1 AND u.active = TRUE ORDER BY m.user_id"
            );
            let members: Vec<(i64, String, String, bool, i64)> = sqlx::query_as(&members_sql)
                .bind(&group)
                .fetch_all(&mut *tx)
                .await?;
            let scopes: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT s.user_id, s.institution, s.service FROM user_scopes s \
                 JOIN group_members m ON m.user_id = s.user_id WHERE m.group_code = $1",
            )
            .bind(&group)
            .fetch_all(&mut *tx)
            .await?;
            let mut loads = Vec::with_capacity(members.len());
            for (id, name, role, available, open_tickets) in &members {
                let own: Vec<(String, String)> = scopes
                    .iter()
                    .filter(|(u, _, _)| u == id)
                    .map(|(_, i, s)| (i.clone(), s.clone()))
                    .collect();
                let staff = crate::users::staff_actor(*id, name.clone(), role, own)?;
                loads.push(MemberLoad {
                    user_id: *id,
                    // Someone who could not even see the ticket cannot work it.
                    available: *available && staff.covers(&institution, service.as_deref()),
                    open_tickets: *open_tickets,
                });
            }
            let Some(chosen) = routing::pick_member(rule, &loads, last_assigned) else {
                return Ok(None);
            };
            let name = members
                .iter()
                .find(|m| m.0 == chosen)
                .map(|m| m.1.clone())
                .unwrap_or_default();
            let to = next_status(Status::New, Operation::Assign)?;
            let updated = sqlx::query(
                "UPDATE tickets SET assignee_id = $1, status = $2, updated_at = $3 \
                 WHERE id = $4 AND assignee_id IS NULL AND status = 'new'",
            )
            .bind(chosen)
            .bind(to.as_str())
            .bind(now)
            .bind(ticket_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Ok(None);
            }
            sqlx::query("UPDATE support_groups SET last_assigned = $1 WHERE code = $2")
                .bind(chosen)
                .bind(&group)
                .execute(&mut *tx)
                .await?;
            let data = json!({
                "assignee": {"id": chosen, "name": name},
                "group": group,
                "rule": rule,
                "status": {"from": Status::New, "to": to},
            });
            sqlx::query(
                "INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, actor_name, kind, data) \
                 VALUES ($1, $2, 'system', NULL, 'Atbalsts', 'assigned', $3)",
            )
            .bind(ticket_id)
            .bind(now)
            .bind(data.to_string())
            .execute(&mut *tx)
            .await?;
            Some(AutoAssigned {
                assignee: PersonRef { id: chosen, name },
                status: to,
                group,
                rule,
                at: now,
            })
        }))
    }

    /// Create or update a group with what it takes, after checking every
    /// reference; all problems are reported together. Members are added.
    pub async fn save_group(&self, g: &GroupConfig) -> Result<()> {
        let mut e = Errors::default();
        e.code("code", &g.code);
        e.text("name_lv", &g.name_lv, validate::MAX_NAME);
        e.opt_text("name_en", g.name_en.as_deref(), validate::MAX_NAME);
        if g.level == Level::SelfService {
            e.push(
                "level",
                "support groups work level 1 or 2; level 0 is self-service",
            );
        }
        if let Some(h) = &g.hours
            && let Err(err) = WeeklyHours::parse(h)
        {
            e.push("hours", err.to_string());
        }
        for l in &g.languages {
            if l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase()) {
                e.push(
                    "languages",
                    format!("\"{l}\" is not a two-letter language code such as lv, en or ru"),
                );
            }
        }
        match (g.kind.in_person(), g.locations.is_empty()) {
            (true, true) => e.push(
                "locations",
                format!("a {} group works at locations: name at least one", g.kind),
            ),
            (false, false) => e.push(
                "locations",
                format!("a {} group works remotely and has no locations", g.kind),
            ),
            _ => {}
        }
        // Codes that would reach the database are checked for shape first:
        // malformed ones (PostgreSQL refuses NUL bytes in text) are reported
        // with the rest instead of being looked up.
        let mut shape = Errors::default();
        shape.code("institution", &g.institution);
        for s in &g.services {
            shape.code("services", s);
        }
        for l in &g.locations {
            shape.code("locations", l);
        }
        const MAX_LINKS: usize = 500;
        for (field, n) in [
            ("services", g.services.len()),
            ("locations", g.locations.len()),
            ("languages", g.languages.len()),
            ("members", g.members.len()),
            ("email_addresses", g.email_addresses.len()),
        ] {
            if n > MAX_LINKS {
                shape.push(field, format!("at most {MAX_LINKS} entries"));
            }
        }
        if !shape.is_empty() {
            e.0.extend(shape.0);
            return Err(StoreError::invalid(e.0));
        }
        let mut errors = e.0;
        let addresses = crate::mail::addresses::checked(&g.email_addresses, &mut errors);
        let languages = serde_json::to_string(&dedup(&g.languages))
            .map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let services = dedup(&g.services);
        let locations = dedup(&g.locations);
        let mut channels = g.channels.clone();
        channels.sort_by_key(|c| c.as_str());
        channels.dedup();

        in_tx!(self, |tx| {
            let known: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM institutions WHERE code = $1")
                    .bind(&g.institution)
                    .fetch_one(&mut *tx)
                    .await?;
            if known == 0 {
                errors.push(FieldError::new(
                    "institution",
                    format!("no institution with code {}", g.institution),
                ));
            }
            for s in &services {
                let owner: Option<String> =
                    sqlx::query_scalar("SELECT institution FROM services WHERE code = $1")
                        .bind(s)
                        .fetch_optional(&mut *tx)
                        .await?;
                match owner {
                    None => errors.push(FieldError::new(
                        "services",
                        format!("no service with code {s}"),
                    )),
                    Some(owner) if owner != g.institution && locations.is_empty() => {
                        errors.push(FieldError::new(
                            "services",
                            format!(
                                "{s} is a service of {owner}; only an in-person group at locations \
                                 (a one-stop centre) takes another institution's services"
                            ),
                        ))
                    }
                    Some(_) => {}
                }
            }
            for l in &locations {
                let found: Option<(String, Option<String>)> =
                    sqlx::query_as("SELECT kind, institution FROM locations WHERE id = $1")
                        .bind(l)
                        .fetch_optional(&mut *tx)
                        .await?;
                let problem = match found {
                    None => Some(format!("no location with id {l}")),
                    Some((kind, _)) if g.kind == GroupKind::Vpvkac && kind != "vpvkac" => {
                        Some(format!("{l} is not a one-stop centre (VPVKAC)"))
                    }
                    Some((kind, owner))
                        if g.kind == GroupKind::ServiceCentre
                            && (kind != "institution_centre"
                                || owner.as_deref() != Some(g.institution.as_str())) =>
                    {
                        Some(format!(
                            "{l} is not a customer service centre of {}",
                            g.institution
                        ))
                    }
                    Some(_) => None,
                };
                if let Some(p) = problem {
                    errors.push(FieldError::new("locations", p));
                }
            }
            for m in &g.members {
                let active: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM users WHERE id = $1 AND active = TRUE",
                )
                .bind(m)
                .fetch_one(&mut *tx)
                .await?;
                if active == 0 {
                    errors.push(FieldError::new(
                        "members",
                        format!("no active staff member with id {m}"),
                    ));
                }
            }
            crate::mail::addresses::check_owners!(&mut *tx, g.code.trim(), &addresses, errors);
            if !errors.is_empty() {
                return Err(StoreError::invalid(errors));
            }
            sqlx::query(
                "INSERT INTO support_groups (code, institution, name_lv, name_en, level, kind, hours, assignment, languages) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (code) DO UPDATE SET institution = excluded.institution, name_lv = excluded.name_lv, \
                 name_en = excluded.name_en, level = excluded.level, kind = excluded.kind, hours = excluded.hours, \
                 assignment = excluded.assignment, languages = excluded.languages",
            )
            .bind(g.code.trim())
            .bind(&g.institution)
            .bind(g.name_lv.trim())
            .bind(g.name_en.as_deref().map(str::trim).filter(|n| !n.is_empty()))
            .bind(i64::from(g.level.number()))
            .bind(g.kind.as_str())
            .bind(g.hours.as_deref().map(str::trim).filter(|h| !h.is_empty()))
            .bind(g.assignment.as_str())
            .bind(&languages)
            .execute(&mut *tx)
            .await?;
            let code = g.code.trim();
            for table in [
                "group_services",
                "group_channels",
                "group_locations",
                "group_email_addresses",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE group_code = $1"))
                    .bind(code)
                    .execute(&mut *tx)
                    .await?;
            }
            for s in &services {
                sqlx::query("INSERT INTO group_services (group_code, service) VALUES ($1, $2)")
                    .bind(code)
                    .bind(s)
                    .execute(&mut *tx)
                    .await?;
            }
            for c in &channels {
                sqlx::query("INSERT INTO group_channels (group_code, channel) VALUES ($1, $2)")
                    .bind(code)
                    .bind(c.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            for l in &locations {
                sqlx::query("INSERT INTO group_locations (group_code, location) VALUES ($1, $2)")
                    .bind(code)
                    .bind(l)
                    .execute(&mut *tx)
                    .await?;
            }
            for a in &addresses {
                sqlx::query(
                    "INSERT INTO group_email_addresses (address, group_code) VALUES ($1, $2)",
                )
                .bind(a)
                .bind(code)
                .execute(&mut *tx)
                .await?;
            }
            for m in &g.members {
                sqlx::query(
                    "INSERT INTO group_members (group_code, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(code)
                .bind(m)
                .execute(&mut *tx)
                .await?;
            }
        });
        // Routing reads groups from the cache; this node sees the change at once.
        self.clock_cache().invalidate();
        Ok(())
    }

    /// Mark a member away (skipped by automatic assignment) or back.
    pub async fn set_member_available(
        &self,
        group: &str,
        user_id: i64,
        available: bool,
    ) -> Result<()> {
        let changed = in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE group_members SET available = $1 WHERE group_code = $2 AND user_id = $3",
            )
            .bind(available)
            .bind(group)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        if changed == 0 {
            return Err(StoreError::NotFound(format!(
                "member {user_id} of group {group}"
            )));
        }
        Ok(())
    }
}

/// Trimmed, without repeats, in the given order.
fn dedup(values: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    values
        .iter()
        .map(|v| v.trim().to_string())
        .filter(|v| seen.insert(v.clone()))
        .collect()
}
