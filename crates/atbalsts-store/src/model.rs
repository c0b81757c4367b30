//! Read models: what the store returns, shaped for the API.

use crate::clocks::{LegalView, SlaView, end_of_day, from_json, riga_rfc3339};
use crate::error::{Result, StoreError};
use atbalsts_domain::change::TicketState;
use atbalsts_domain::legal::LegalState;
use atbalsts_domain::sla::SlaState;
use atbalsts_domain::{Channel, Kind, Level, Priority, Status};
use serde::Serialize;
use utoipa::ToSchema;

/// RFC 3339 in UTC from the schema's microsecond timestamps.
pub fn rfc3339(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn opt_rfc3339(micros: Option<i64>) -> Option<String> {
    micros.map(rfc3339)
}

/// A person, as shown on a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Requester {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A support request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ticket {
    pub id: i64,
    /// The number people quote, e.g. `2026-000123`.
    pub number: String,
    /// The institution that handles it now.
    pub institution: String,
    /// The institution where it was first registered.
    pub origin_institution: String,
    pub service: Option<String>,
    pub resource: Option<String>,
    pub life_situation: Option<String>,
    pub channel: Channel,
    pub location: Option<String>,
    pub kind: Kind,
    /// 0 self-service, 1 support specialist, 2 expert.
    #[schema(value_type = u8, minimum = 0, maximum = 2)]
    pub level: Level,
    pub priority: Priority,
    pub status: Status,
    pub assignee: Option<PersonRef>,
    pub group: Option<String>,
    pub subject: String,
    pub description: String,
    pub tags: Vec<String>,
    /// The requester's record (`GET /api/v1/requesters/{id}`); the same as `requester.id`.
    pub requester_id: i64,
    pub requester: Requester,
    /// The requester's language, ISO 639-1 (`lv`, `en`, …): routing and the desk's messages use it.
    #[schema(pattern = "^[a-z]{2}$", example = "lv")]
    pub language: String,
    pub resolution: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    /// Service-level clocks in business time; absent when no policy applies.
    pub sla: Option<SlaView>,
    /// The legal answer term of a written submission: the end of its due day,
    /// RFC 3339 with the Riga offset.
    pub legal_due: Option<String>,
    pub legal: Option<LegalView>,
    /// Transferred from this institution, waiting for the handling one to accept or return it.
    pub transfer_pending_from: Option<String>,
}

/// The columns selected by [`TICKET_COLUMNS`].
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct TicketRow {
    pub id: i64,
    pub number: String,
    pub institution: String,
    pub origin_institution: String,
    pub service: Option<String>,
    pub resource: Option<String>,
    pub life_situation: Option<String>,
    pub channel: String,
    pub location: Option<String>,
    pub kind: String,
    pub level: i64,
    pub priority: String,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub group_code: Option<String>,
    pub subject: String,
    pub description: String,
    pub tags: String,
    pub requester_id: i64,
    pub requester_name: String,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    pub language: String,
    pub resolution: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub sla: Option<String>,
    pub legal: Option<String>,
    pub transfer_from: Option<String>,
}

pub(crate) const TICKET_COLUMNS: &str = "t.id, t.number, t.institution, t.origin_institution, t.service, \
    t.resource, t.life_situation, t.channel, t.location, t.kind, t.level, t.priority, t.status, \
    t.assignee_id, u.name AS assignee_name, t.group_code, t.subject, t.description, t.tags, \
    t.requester_id, c.name AS requester_name, c.email AS requester_email, c.phone AS requester_phone, \
    t.language, t.resolution, t.created_at, t.updated_at, t.resolved_at, t.closed_at, t.sla, t.legal, t.transfer_from \
    FROM tickets t JOIN contacts c ON c.id = t.requester_id LEFT JOIN users u ON u.id = t.assignee_id";

fn level(n: i64) -> Result<Level> {
    Level::from_number(n).ok_or_else(|| StoreError::Corrupt(format!("level {n}")))
}

/// The assignee, when the ticket has one (the join gives id and name together).
fn person(id: Option<i64>, name: Option<String>) -> Option<PersonRef> {
    match (id, name) {
        (Some(id), Some(name)) => Some(PersonRef { id, name }),
        _ => None,
    }
}

fn parse<T>(what: &str, value: &str, f: fn(&str) -> Option<T>) -> Result<T> {
    f(value).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} {value:?}")))
}

impl TicketRow {
    pub fn state(&self) -> Result<TicketState> {
        Ok(TicketState {
            id: self.id,
            institution: self.institution.clone(),
            service: self.service.clone(),
            level: level(self.level)?,
            status: parse("status", &self.status, Status::parse)?,
            assignee: self.assignee_id,
            group: self.group_code.clone(),
            transfer_from: self.transfer_from.clone(),
        })
    }

    pub fn sla_state(&self) -> Result<Option<SlaState>> {
        from_json("sla", self.sla.as_deref())
    }

    pub fn legal_state(&self) -> Result<Option<LegalState>> {
        from_json("legal", self.legal.as_deref())
    }

    pub fn into_ticket(self) -> Result<Ticket> {
        let state = self.state()?;
        let now = jiff::Timestamp::now();
        let sla = self.sla_state()?.map(|s| SlaView::of(&s, now));
        let legal = self.legal_state()?;
        Ok(Ticket {
            sla,
            legal_due: legal.as_ref().map(|l| end_of_day(l.due())),
            legal: legal.as_ref().map(|l| LegalView::of(l, now)),
            transfer_pending_from: self.transfer_from.clone(),
            channel: parse("channel", &self.channel, Channel::parse)?,
            kind: parse("kind", &self.kind, Kind::parse)?,
            priority: parse("priority", &self.priority, Priority::parse)?,
            level: state.level,
            status: state.status,
            assignee: person(self.assignee_id, self.assignee_name),
            tags: serde_json::from_str(&self.tags)
                .map_err(|e| StoreError::Corrupt(format!("tags: {e}")))?,
            requester_id: self.requester_id,
            requester: Requester {
                id: self.requester_id,
                name: self.requester_name,
                email: self.requester_email,
                phone: self.requester_phone,
            },
            language: self.language,
            id: self.id,
            number: self.number,
            institution: self.institution,
            origin_institution: self.origin_institution,
            service: self.service,
            resource: self.resource,
            life_situation: self.life_situation,
            location: self.location,
            group: self.group_code,
            subject: self.subject,
            description: self.description,
            resolution: self.resolution,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
            resolved_at: opt_rfc3339(self.resolved_at),
            closed_at: opt_rfc3339(self.closed_at),
        })
    }
}

/// A ticket as a queue shows it: what is needed to pick it, without the
/// description and the requester's contact details (`GET /tickets/{id}` has them).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketSummary {
    pub id: i64,
    pub number: String,
    pub institution: String,
    pub service: Option<String>,
    pub channel: Channel,
    pub kind: Kind,
    #[schema(value_type = u8, minimum = 0, maximum = 2)]
    pub level: Level,
    pub priority: Priority,
    pub status: Status,
    pub assignee: Option<PersonRef>,
    pub group: Option<String>,
    pub subject: String,
    pub requester: PersonRef,
    pub created_at: String,
    pub updated_at: String,
    /// `updated_at` as stored, for keyset paging by update.
    #[serde(skip)]
    pub updated_micros: i64,
    /// The earliest running SLA target (RFC 3339, Riga offset).
    pub sla_due: Option<String>,
    /// That target is already missed.
    pub sla_overdue: bool,
}

/// The columns selected by [`SUMMARY_COLUMNS`].
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SummaryRow {
    pub id: i64,
    pub number: String,
    pub institution: String,
    pub service: Option<String>,
    pub channel: String,
    pub kind: String,
    pub level: i64,
    pub priority: String,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub group_code: Option<String>,
    pub subject: String,
    pub requester_id: i64,
    pub requester_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub sla_due: Option<i64>,
}

pub(crate) const SUMMARY_COLUMNS: &str = "t.id, t.number, t.institution, t.service, t.channel, t.kind, t.level, \
    t.priority, t.status, t.assignee_id, u.name AS assignee_name, t.group_code, t.subject, t.requester_id, \
    c.name AS requester_name, t.created_at, t.updated_at, t.sla_due \
    FROM tickets t JOIN contacts c ON c.id = t.requester_id LEFT JOIN users u ON u.id = t.assignee_id";

impl SummaryRow {
    pub fn into_summary(self) -> Result<TicketSummary> {
        Ok(TicketSummary {
            channel: parse("channel", &self.channel, Channel::parse)?,
            kind: parse("kind", &self.kind, Kind::parse)?,
            priority: parse("priority", &self.priority, Priority::parse)?,
            status: parse("status", &self.status, Status::parse)?,
            level: level(self.level)?,
            assignee: person(self.assignee_id, self.assignee_name),
            requester: PersonRef {
                id: self.requester_id,
                name: self.requester_name,
            },
            id: self.id,
            number: self.number,
            institution: self.institution,
            service: self.service,
            group: self.group_code,
            subject: self.subject,
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
            updated_micros: self.updated_at,
            sla_due: self.sla_due.map(riga_rfc3339),
            sla_overdue: self
                .sla_due
                .is_some_and(|d| d <= jiff::Timestamp::now().as_microsecond()),
        })
    }
}

/// A public reply or an internal note.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    /// `staff` or `requester`.
    pub author_kind: String,
    pub author_name: String,
    pub internal: bool,
    pub channel: String,
    pub body: String,
    #[serde(skip)]
    #[sqlx(rename = "created_at")]
    pub created_micros: i64,
    #[sqlx(skip)]
    pub created_at: String,
    /// The files that came with it (those the caller may see).
    #[sqlx(skip)]
    pub attachments: Vec<crate::attachments::Attachment>,
}

/// One entry of a ticket's audit trail.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    pub id: i64,
    pub at: String,
    /// `staff`, `requester` or `system`.
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// e.g. `created`, `replied`, `escalated`, `transferred`, `resolved`.
    pub kind: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct EventRow {
    pub id: i64,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub kind: String,
    pub data: String,
}

impl EventRow {
    pub fn into_event(self) -> Result<Event> {
        Ok(Event {
            id: self.id,
            at: rfc3339(self.at),
            data: serde_json::from_str(&self.data)
                .map_err(|e| StoreError::Corrupt(format!("event data: {e}")))?,
            actor_kind: self.actor_kind,
            actor_id: self.actor_id,
            actor_name: self.actor_name,
            kind: self.kind,
        })
    }
}
