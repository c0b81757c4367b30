//! Routing: which support group a new ticket lands in, where an escalation
//! goes, and which member of the group works it.
//!
//! Providers are data. A support group belongs to an institution (a central
//! provider such as the state portal's help desk is an institution too) and
//! works one level. It may narrow what it takes: services (none = all of its
//! institution's services), channels (none = all), locations (in-person
//! groups at one-stop centres (VPVKAC) or an institution's customer service
//! centres) and languages (none = any).
//!
//! A VPVKAC serves many institutions' services at its counters, so its group
//! belongs to the centre's operator (a municipality) and names the other
//! institutions' services it accepts. Such a *foreign* group takes a ticket
//! only when it names both the ticket's service and its location: a
//! one-stop centre never receives an institution's remote tickets. An
//! in-person ticket without a service (not known yet) goes to the counter's
//! group of the ticket's own institution even if that group names services.
//!
//! [`route`] is deterministic and explainable. The candidates are the groups
//! at the ticket's level that accept its channel, location and service; among
//! them the most specific wins, compared in this order:
//!
//! 1. names the ticket's location (the person is standing at that counter);
//! 2. speaks the request's language (when some candidate does not);
//! 3. belongs to the ticket's institution;
//! 4. names the ticket's service (beats an all-services group);
//! 5. names the ticket's channel (beats an all-channels group);
//!
//! and the lowest code breaks a tie. [`Routed::by`] lists the criteria that
//! made the winner more specific, for the audit trail.
//!
//! [`escalation_group`] applies the same rules at the new level to the
//! ticket's own institution's groups only (a change of level keeps the
//! ticket in its institution): escalation lands in the service's level-2
//! group, else the institution's all-services one; de-escalation returns it
//! to the level-1 group routing would choose.
//!
//! [`pick_member`] assigns automatically: round robin (the next available
//! member after the last one assigned, by user id, wrapping) or least loaded
//! (fewest open tickets, then lowest id); manual leaves the ticket in the
//! group's queue.

use crate::access::StaffActor;
use crate::ticket::{Channel, Level};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::fmt;
use utoipa::ToSchema;

/// The language of a request when nothing says otherwise.
pub const DEFAULT_LANGUAGE: &str = crate::language::DEFAULT;

/// How a group's new tickets get a person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Assignment {
    /// Someone in the group takes the ticket from the queue.
    #[default]
    Manual,
    /// Members in turn, by user id.
    RoundRobin,
    /// The member with the fewest open tickets.
    LeastLoaded,
}

impl Assignment {
    pub const ALL: &'static [Assignment] = &[
        Assignment::Manual,
        Assignment::RoundRobin,
        Assignment::LeastLoaded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Assignment::Manual => "manual",
            Assignment::RoundRobin => "round_robin",
            Assignment::LeastLoaded => "least_loaded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.as_str() == s)
    }

    pub fn expected() -> String {
        names(Self::ALL.iter().map(|a| a.as_str()))
    }
}

impl fmt::Display for Assignment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What sort of provider a group is (the seed's provider table).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// An institution's remote help desk or expert group.
    #[default]
    HelpDesk,
    /// An institution's own customer service centre (in person).
    ServiceCentre,
    /// A one-stop centre (VPVKAC) serving many institutions' services in person.
    Vpvkac,
    /// The state services portal's central help desk (remote).
    CentralHelpDesk,
}

impl GroupKind {
    pub const ALL: &'static [GroupKind] = &[
        GroupKind::HelpDesk,
        GroupKind::ServiceCentre,
        GroupKind::Vpvkac,
        GroupKind::CentralHelpDesk,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::HelpDesk => "help_desk",
            GroupKind::ServiceCentre => "service_centre",
            GroupKind::Vpvkac => "vpvkac",
            GroupKind::CentralHelpDesk => "central_help_desk",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    pub fn expected() -> String {
        names(Self::ALL.iter().map(|k| k.as_str()))
    }

    /// Works at counters (and so at named locations) rather than remotely.
    pub fn in_person(self) -> bool {
        matches!(self, GroupKind::ServiceCentre | GroupKind::Vpvkac)
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn names<'a>(all: impl Iterator<Item = &'a str>) -> String {
    all.collect::<Vec<_>>().join(", ")
}

/// What routing needs to know of a group. Empty lists accept anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupProfile {
    pub code: String,
    pub institution: String,
    pub kind: GroupKind,
    pub level: Level,
    pub services: Vec<String>,
    pub channels: Vec<Channel>,
    pub locations: Vec<String>,
    pub languages: Vec<String>,
    pub assignment: Assignment,
}

/// The facts of a ticket that decide its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteRequest<'a> {
    pub institution: &'a str,
    pub service: Option<&'a str>,
    pub channel: Channel,
    pub location: Option<&'a str>,
    /// ISO 639-1 code of the requester's language, e.g. `lv`.
    pub language: &'a str,
    pub level: Level,
}

/// A criterion that made the chosen group more specific than another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    Location,
    Language,
    Service,
    Channel,
}

/// The group routing chose and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed<'g> {
    pub group: &'g GroupProfile,
    /// Empty: the institution's general group for the level.
    pub by: Vec<Criterion>,
}

impl Routed<'_> {
    /// `{"group": "PMLP-L1", "by": ["service"]}` for an event's data.
    pub fn to_json(&self) -> Value {
        json!({ "group": self.group.code, "by": self.by })
    }
}

fn names_it<T: PartialEq + ?Sized>(list: &[impl AsRef<T>], value: &T) -> bool {
    list.iter().any(|v| v.as_ref() == value)
}

impl GroupProfile {
    fn accepts_channel(&self, c: Channel) -> bool {
        self.channels.is_empty() || self.channels.contains(&c)
    }

    fn names_service(&self, service: Option<&str>) -> bool {
        service.is_some_and(|s| names_it::<str>(&self.services, s))
    }

    fn names_location(&self, location: Option<&str>) -> bool {
        location.is_some_and(|l| names_it::<str>(&self.locations, l))
    }

    fn speaks(&self, language: &str) -> bool {
        self.languages.is_empty() || names_it::<str>(&self.languages, language)
    }

    /// Whether the group takes the ticket at all, before preferences.
    fn takes(&self, req: &RouteRequest<'_>, own_only: bool) -> bool {
        let own = self.institution == req.institution;
        self.level == req.level
            && self.accepts_channel(req.channel)
            && (self.locations.is_empty() || self.names_location(req.location))
            && (self.services.is_empty()
                || self.names_service(req.service)
                // A visitor whose service is not known yet is registered by the
                // counter they came to.
                || (req.service.is_none() && self.names_location(req.location)))
            // Another institution's group (a VPVKAC) takes only the services it
            // names, and only at its own counters.
            && (own
                || (!own_only
                    && self.names_service(req.service)
                    && self.names_location(req.location)))
    }
}

fn choose<'g>(
    req: &RouteRequest<'_>,
    groups: &'g [GroupProfile],
    own_only: bool,
) -> Option<Routed<'g>> {
    let candidates: Vec<&GroupProfile> = groups.iter().filter(|g| g.takes(req, own_only)).collect();
    let language_decides = candidates.iter().any(|g| g.speaks(req.language))
        && candidates.iter().any(|g| !g.speaks(req.language));
    let key = |g: &GroupProfile| {
        (
            g.names_location(req.location),
            g.speaks(req.language),
            g.institution == req.institution,
            g.names_service(req.service),
            !g.channels.is_empty(),
        )
    };
    let best = candidates
        .into_iter()
        // Highest key first; among equals the lowest code.
        .min_by(|a, b| key(b).cmp(&key(a)).then_with(|| a.code.cmp(&b.code)))?;
    let (location, speaks, _, service, channel) = key(best);
    let by = [
        (location, Criterion::Location),
        (speaks && language_decides, Criterion::Language),
        (service, Criterion::Service),
        (channel, Criterion::Channel),
    ]
    .into_iter()
    .filter_map(|(hit, c)| hit.then_some(c))
    .collect();
    Some(Routed { group: best, by })
}

/// The group a new ticket lands in, or `None` when no group takes it (it then
/// waits in its institution's queue without a group).
pub fn route<'g>(req: &RouteRequest<'_>, groups: &'g [GroupProfile]) -> Option<Routed<'g>> {
    choose(req, groups, false)
}

/// The group of the ticket's institution at `req.level` (the level it moves
/// to): escalation to level 2 reaches the service's expert group, else the
/// institution's all-services one; de-escalation returns it to level 1.
pub fn escalation_group<'g>(
    req: &RouteRequest<'_>,
    groups: &'g [GroupProfile],
) -> Option<Routed<'g>> {
    choose(req, groups, true)
}

/// Whether `staff` may see the group in lists: groups of the institutions
/// in their scopes and the central providers' groups (they may hand tickets
/// over to them); central agents and system-wide administrators see all.
pub fn visible_to(staff: &StaffActor, group: &GroupProfile) -> bool {
    staff.sees_everything()
        || group.kind == GroupKind::CentralHelpDesk
        || staff
            .scopes
            .iter()
            .any(|s| s.institution == group.institution)
}

/// A member of a group, as automatic assignment sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberLoad {
    pub user_id: i64,
    /// Away members (leave, sick, off shift) are skipped.
    pub available: bool,
    /// Tickets assigned to them that are still being worked.
    pub open_tickets: i64,
}

/// Who gets the ticket under `rule`; `None` leaves it in the group's queue
/// (manual assignment, or nobody available).
pub fn pick_member(
    rule: Assignment,
    members: &[MemberLoad],
    last_assigned: Option<i64>,
) -> Option<i64> {
    let available = members.iter().filter(|m| m.available);
    match rule {
        Assignment::Manual => None,
        Assignment::RoundRobin => {
            let mut ids: Vec<i64> = available.map(|m| m.user_id).collect();
            ids.sort_unstable();
            let after = last_assigned.and_then(|last| ids.iter().find(|id| **id > last));
            after.or_else(|| ids.first()).copied()
        }
        Assignment::LeastLoaded => available
            .min_by_key(|m| (m.open_tickets, m.user_id))
            .map(|m| m.user_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(code: &str, institution: &str, level: u8) -> GroupProfile {
        GroupProfile {
            code: code.into(),
            institution: institution.into(),
            kind: GroupKind::HelpDesk,
            level: Level::try_from(level).unwrap_or(Level::Specialist),
            services: vec![],
            channels: vec![],
            locations: vec![],
            languages: vec!["lv".into()],
            assignment: Assignment::Manual,
        }
    }

    fn with(mut g: GroupProfile, f: impl FnOnce(&mut GroupProfile)) -> GroupProfile {
        f(&mut g);
        g
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn req<'a>(institution: &'a str, service: Option<&'a str>) -> RouteRequest<'a> {
        RouteRequest {
            institution,
            service,
            channel: Channel::Portal,
            location: None,
            language: "lv",
            level: Level::Specialist,
        }
    }

    fn provider_table() -> Vec<GroupProfile> {
        vec![
            group("PMLP-L1", "PMLP", 1),
            group("PMLP-L2", "PMLP", 2),
            with(group("PMLP-L2-RES", "PMLP", 2), |g| {
                g.services = strings(&["PMLP-003"])
            }),
            with(group("PMLP-RESIDENCE", "PMLP", 1), |g| {
                g.services = strings(&["PMLP-003"])
            }),
            with(group("PMLP-PHONE", "PMLP", 1), |g| {
                g.channels = vec![Channel::Phone]
            }),
            with(group("PMLP-L1-EN", "PMLP", 1), |g| {
                g.languages = strings(&["lv", "en"])
            }),
            with(group("PMLP-CENTRE", "PMLP", 1), |g| {
                g.kind = GroupKind::ServiceCentre;
                g.locations = strings(&["LOC-PMLP-RIGA"]);
                g.channels = vec![Channel::InPerson];
            }),
            with(group("VALMIERA-VPVKAC", "VALMIERA", 1), |g| {
                g.kind = GroupKind::Vpvkac;
                g.locations = strings(&["LOC-VPVKAC-VALMIERA"]);
                g.services = strings(&["PMLP-003", "VID-001", "VALMIERA-001"]);
                g.channels = vec![Channel::InPerson];
            }),
            group("VALMIERA-L1", "VALMIERA", 1),
            group("VID-L1", "VID", 1),
        ]
    }

    fn code(r: Option<Routed<'_>>) -> Option<&str> {
        r.map(|r| r.group.code.as_str())
    }

    #[test]
    fn a_portal_ticket_goes_to_the_services_group_over_the_general_one() {
        let groups = provider_table();
        let r = route(&req("PMLP", Some("PMLP-003")), &groups);
        assert_eq!(
            r.as_ref().map(|r| (r.group.code.as_str(), r.by.clone())),
            Some(("PMLP-RESIDENCE", vec![Criterion::Service]))
        );
        // Another service: the general group, without reasons.
        let r = route(&req("PMLP", Some("PMLP-001")), &groups);
        assert_eq!(
            r.as_ref().map(|r| (r.group.code.as_str(), r.by.is_empty())),
            Some(("PMLP-L1", true))
        );
        // No service at all: never a service-restricted group.
        assert_eq!(code(route(&req("PMLP", None), &groups)), Some("PMLP-L1"));
    }

    #[test]
    fn a_named_channel_beats_all_channels_but_not_a_named_service() {
        let groups = provider_table();
        let phone = RouteRequest {
            channel: Channel::Phone,
            ..req("PMLP", Some("PMLP-001"))
        };
        assert_eq!(code(route(&phone, &groups)), Some("PMLP-PHONE"));
        let phone_residence = RouteRequest {
            channel: Channel::Phone,
            ..req("PMLP", Some("PMLP-003"))
        };
        assert_eq!(
            code(route(&phone_residence, &groups)),
            Some("PMLP-RESIDENCE")
        );
        // A phone-only group never takes e-mail.
        let email = RouteRequest {
            channel: Channel::Email,
            ..req("PMLP", Some("PMLP-001"))
        };
        assert_eq!(code(route(&email, &groups)), Some("PMLP-L1"));
    }

    #[test]
    fn in_person_at_a_vpvkac_goes_to_the_centres_group_even_of_another_institution() {
        let groups = provider_table();
        let visit = RouteRequest {
            channel: Channel::InPerson,
            location: Some("LOC-VPVKAC-VALMIERA"),
            ..req("PMLP", Some("PMLP-003"))
        };
        let r = route(&visit, &groups);
        assert_eq!(
            r.as_ref().map(|r| (r.group.code.as_str(), r.by.clone())),
            Some((
                "VALMIERA-VPVKAC",
                vec![Criterion::Location, Criterion::Service, Criterion::Channel]
            ))
        );
        // A service the centre does not take stays with the institution.
        let other = RouteRequest {
            service: Some("PMLP-001"),
            ..visit
        };
        assert_eq!(code(route(&other, &groups)), Some("PMLP-L1"));
        // The centre never receives the institution's remote tickets.
        let remote = req("PMLP", Some("PMLP-003"));
        assert_eq!(code(route(&remote, &groups)), Some("PMLP-RESIDENCE"));
        // The operator's own tickets at the counter, without a service.
        let own = RouteRequest {
            channel: Channel::InPerson,
            location: Some("LOC-VPVKAC-VALMIERA"),
            ..req("VALMIERA", None)
        };
        assert_eq!(code(route(&own, &groups)), Some("VALMIERA-VPVKAC"));
        // Foreign groups need the service named: not for a ticket without one.
        let no_service = RouteRequest {
            service: None,
            ..visit
        };
        assert_eq!(code(route(&no_service, &groups)), Some("PMLP-L1"));
    }

    #[test]
    fn an_institution_centre_takes_visits_at_its_location_only() {
        let groups = provider_table();
        let at_centre = RouteRequest {
            channel: Channel::InPerson,
            location: Some("LOC-PMLP-RIGA"),
            ..req("PMLP", Some("PMLP-001"))
        };
        assert_eq!(code(route(&at_centre, &groups)), Some("PMLP-CENTRE"));
        let elsewhere = RouteRequest {
            location: Some("LOC-VPVKAC-CESIS"),
            ..at_centre
        };
        assert_eq!(code(route(&elsewhere, &groups)), Some("PMLP-L1"));
    }

    #[test]
    fn another_language_goes_to_a_group_that_speaks_it_when_there_is_one() {
        let groups = provider_table();
        let en = RouteRequest {
            language: "en",
            ..req("PMLP", Some("PMLP-001"))
        };
        let r = route(&en, &groups);
        assert_eq!(
            r.as_ref().map(|r| (r.group.code.as_str(), r.by.clone())),
            Some(("PMLP-L1-EN", vec![Criterion::Language]))
        );
        // Language outranks a named service: the residence group speaks only Latvian.
        let en_residence = RouteRequest {
            service: Some("PMLP-003"),
            ..en
        };
        assert_eq!(code(route(&en_residence, &groups)), Some("PMLP-L1-EN"));
        // Nobody speaks Russian at VID: the usual group, language not a reason.
        let ru = RouteRequest {
            language: "ru",
            ..req("VID", Some("VID-001"))
        };
        let r = route(&ru, &groups);
        assert_eq!(
            r.as_ref().map(|r| (r.group.code.as_str(), r.by.is_empty())),
            Some(("VID-L1", true))
        );
        // Latvian everywhere: language decides nothing, so it is not a reason.
        let lv = route(&req("PMLP", Some("PMLP-001")), &groups);
        assert_eq!(lv.map(|r| r.by), Some(vec![]));
    }

    #[test]
    fn ties_go_to_the_lowest_code_and_unknown_institutions_get_nothing() {
        let groups = vec![group("B-L1", "X", 1), group("A-L1", "X", 1)];
        assert_eq!(code(route(&req("X", None), &groups)), Some("A-L1"));
        assert_eq!(code(route(&req("Y", None), &groups)), None);
        let self_service = RouteRequest {
            level: Level::SelfService,
            ..req("X", None)
        };
        assert_eq!(code(route(&self_service, &groups)), None);
    }

    #[test]
    fn escalation_reaches_the_services_expert_group_and_de_escalation_returns() {
        let groups = provider_table();
        let up = RouteRequest {
            level: Level::Expert,
            ..req("PMLP", Some("PMLP-003"))
        };
        assert_eq!(code(escalation_group(&up, &groups)), Some("PMLP-L2-RES"));
        let up_other = RouteRequest {
            service: Some("PMLP-001"),
            ..up
        };
        assert_eq!(code(escalation_group(&up_other, &groups)), Some("PMLP-L2"));
        let down = RouteRequest {
            level: Level::Specialist,
            ..up
        };
        assert_eq!(
            code(escalation_group(&down, &groups)),
            Some("PMLP-RESIDENCE")
        );
        // No level-2 group at VID: none, rather than another institution's.
        let vid = RouteRequest {
            level: Level::Expert,
            ..req("VID", Some("VID-001"))
        };
        assert_eq!(code(escalation_group(&vid, &groups)), None);
        // Back from level 2 at a VPVKAC: the institution's own group, never the
        // centre of another institution (a level change keeps the institution).
        let visit_down = RouteRequest {
            channel: Channel::InPerson,
            location: Some("LOC-VPVKAC-VALMIERA"),
            ..req("PMLP", Some("PMLP-003"))
        };
        assert_eq!(
            code(escalation_group(&visit_down, &groups)),
            Some("PMLP-RESIDENCE")
        );
    }

    #[test]
    fn routed_explains_itself_as_json() {
        let groups = provider_table();
        let r = route(&req("PMLP", Some("PMLP-003")), &groups);
        assert_eq!(
            r.map(|r| r.to_json()),
            Some(json!({"group": "PMLP-RESIDENCE", "by": ["service"]}))
        );
    }

    fn m(user_id: i64, available: bool, open_tickets: i64) -> MemberLoad {
        MemberLoad {
            user_id,
            available,
            open_tickets,
        }
    }

    #[test]
    fn manual_picks_nobody() {
        let members = [m(1, true, 0)];
        assert_eq!(pick_member(Assignment::Manual, &members, None), None);
    }

    #[test]
    fn round_robin_takes_the_next_available_member_and_wraps() {
        let members = [m(7, true, 0), m(3, true, 9), m(5, false, 0), m(9, true, 0)];
        let rr = |last| pick_member(Assignment::RoundRobin, &members, last);
        assert_eq!(rr(None), Some(3));
        assert_eq!(rr(Some(3)), Some(7));
        // 5 is away: skipped.
        assert_eq!(rr(Some(4)), Some(7));
        assert_eq!(rr(Some(7)), Some(9));
        assert_eq!(rr(Some(9)), Some(3));
        // The last one assigned left the group: continue after their id.
        assert_eq!(rr(Some(8)), Some(9));
        let mut turns = Vec::new();
        let mut last = None;
        for _ in 0..4 {
            last = rr(last);
            turns.push(last);
        }
        assert_eq!(turns, vec![Some(3), Some(7), Some(9), Some(3)]);
        assert_eq!(
            pick_member(Assignment::RoundRobin, &[m(1, false, 0)], None),
            None
        );
    }

    #[test]
    fn least_loaded_takes_the_available_member_with_fewest_open_tickets() {
        let members = [m(4, true, 2), m(2, true, 3), m(6, false, 0), m(8, true, 2)];
        assert_eq!(
            pick_member(Assignment::LeastLoaded, &members, None),
            Some(4)
        );
        // The cursor does not matter to this rule.
        assert_eq!(
            pick_member(Assignment::LeastLoaded, &members, Some(4)),
            Some(4)
        );
        assert_eq!(pick_member(Assignment::LeastLoaded, &[], None), None);
    }

    #[test]
    fn staff_see_their_institutions_and_the_central_providers_groups() {
        use crate::access::{Role, Scope};
        let staff = |role, scopes: &[(&str, Option<&str>)]| StaffActor {
            user_id: 1,
            name: "A".into(),
            role,
            scopes: scopes
                .iter()
                .map(|(i, s)| Scope {
                    institution: i.to_string(),
                    service: s.map(str::to_string),
                })
                .collect(),
        };
        let central = with(group("VDAA-L1", "VDAA", 1), |g| {
            g.kind = GroupKind::CentralHelpDesk
        });
        let vdaa_experts = group("VDAA-L2", "VDAA", 2);
        let pmlp = group("PMLP-L1", "PMLP", 1);
        let vid = group("VID-L1", "VID", 1);
        let specialist = staff(Role::Specialist, &[("PMLP", None)]);
        let seen = |who: &StaffActor| {
            [&central, &vdaa_experts, &pmlp, &vid]
                .into_iter()
                .filter(|g| visible_to(who, g))
                .map(|g| g.code.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(seen(&specialist), vec!["VDAA-L1", "PMLP-L1"]);
        // A service scope still shows the institution's groups.
        let manager = staff(Role::ServiceManager, &[("VID", Some("VID-001"))]);
        assert_eq!(seen(&manager), vec!["VDAA-L1", "VID-L1"]);
        let admin = staff(Role::Administrator, &[]);
        assert_eq!(seen(&admin).len(), 4);
        let agent = staff(Role::CentralAgent, &[("VDAA", None)]);
        assert_eq!(seen(&agent).len(), 4);
    }

    #[test]
    fn wire_names_round_trip() {
        for a in Assignment::ALL {
            assert_eq!(Assignment::parse(a.as_str()), Some(*a));
        }
        for k in GroupKind::ALL {
            assert_eq!(GroupKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Assignment::parse("random"), None);
        assert!(GroupKind::Vpvkac.in_person() && !GroupKind::CentralHelpDesk.in_person());
    }
}
