//! Requesters as records (the desk's CRM): reading and searching them within
//! the viewer's scope, editing their fields, and filling in the rows that
//! existed before records had addresses and numbers of their own. Merging
//! and splitting are in `merge.rs`; recognition of a new contact is part of
//! the ticket writer (`writer.rs`).

mod merge;

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::model::{TicketSummary, rfc3339};
use crate::now_micros;
use crate::tickets::{Sort, TicketFilter};
use atbalsts_domain::access::{StaffActor, TicketFacts};
use atbalsts_domain::requester::{self, normalize_email, normalize_phone};
use atbalsts_domain::validate::fold;
use atbalsts_domain::{Actor, Channel, DomainError};
use serde::Serialize;
use utoipa::ToSchema;

/// An e-mail address or phone number of a requester.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactPoint {
    /// Normalised: a lower-case address, or a number in E.164 (`+37126123456`).
    pub value: String,
    /// The one the desk writes to or calls first.
    pub primary: bool,
    /// The channel it was first seen on (`email`, `phone`, `portal`, …, or `migrated`).
    pub source: String,
    pub added_at: String,
}

/// Whether the person agreed to be contacted this way, when and how that was recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Consent {
    pub given: bool,
    pub at: String,
    /// How it was given, e.g. "portal form", "on the phone".
    pub how: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organisation {
    pub name: String,
    /// The register number of a business customer (Lursoft/UR), if known.
    pub registration_number: Option<String>,
}

/// A requester's record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequesterRecord {
    pub id: i64,
    pub name: String,
    pub emails: Vec<ContactPoint>,
    pub phones: Vec<ContactPoint>,
    /// Preferred language, ISO 639-1.
    #[schema(pattern = "^[a-z]{2}$", example = "lv")]
    pub language: Option<String>,
    pub preferred_channel: Option<Channel>,
    /// Consent to be contacted by e-mail; absent when never asked.
    pub consent_email: Option<Consent>,
    /// Consent to be contacted by phone; absent when never asked.
    pub consent_phone: Option<Consent>,
    /// For business customers.
    pub organisation: Option<Organisation>,
    /// Set when this record was merged into another one (its tickets are there).
    pub merged_into: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// One line of a requester list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequesterSummary {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub organisation: Option<String>,
}

/// What happened to a record: `edited`, `merged` (another record into this one,
/// with what moved), `merged_into`, `split`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequesterEvent {
    pub id: i64,
    pub at: String,
    pub actor_name: String,
    pub kind: String,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// For a merge: the split that undid it.
    pub undone_by: Option<i64>,
}

/// A record with the tickets of it that the viewer may see, across channels and institutions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequesterDetail {
    pub requester: RequesterRecord,
    /// Newest first; only those in the viewer's scope (at most 200).
    pub tickets: Vec<TicketSummary>,
    pub events: Vec<RequesterEvent>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequesterPage {
    pub items: Vec<RequesterSummary>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_after: Option<i64>,
}

/// A change of consent as staff record it.
#[derive(Debug, Clone)]
pub struct ConsentChange {
    pub given: bool,
    pub how: String,
}

/// Validated changes to a record; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct RequesterPatch {
    pub name: Option<String>,
    pub language: Option<Option<String>>,
    pub preferred_channel: Option<Option<Channel>>,
    pub consent_email: Option<ConsentChange>,
    pub consent_phone: Option<ConsentChange>,
    pub organisation: Option<Option<(String, Option<String>)>>,
}

/// The caller's screen pop for an incoming call.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreenPop {
    /// The caller's number in E.164, when it is one.
    pub number: Option<String>,
    /// The recognised requester, if their record is within the caller's scope.
    pub requester: Option<RequesterSummary>,
    /// Their tickets still being worked (in the caller's scope), newest first.
    pub open_tickets: Vec<TicketSummary>,
    /// Their resolved or closed tickets, most recently changed first (at most 5).
    pub recent_tickets: Vec<TicketSummary>,
}

/// (id, name, primary e-mail, primary phone, organisation) of a list line.
type SummaryRow = (i64, String, Option<String>, Option<String>, Option<String>);

#[derive(sqlx::FromRow)]
struct RecordRow {
    id: i64,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    language: Option<String>,
    preferred_channel: Option<String>,
    consent_email: Option<bool>,
    consent_email_at: Option<i64>,
    consent_email_how: Option<String>,
    consent_phone: Option<bool>,
    consent_phone_at: Option<i64>,
    consent_phone_how: Option<String>,
    organisation_name: Option<String>,
    organisation_reg_no: Option<String>,
    merged_into: Option<i64>,
    created_at: i64,
    updated_at: Option<i64>,
}

const RECORD_COLUMNS: &str = "id, name, email, phone, language, preferred_channel, consent_email, \
    consent_email_at, consent_email_how, consent_phone, consent_phone_at, consent_phone_how, \
    organisation_name, organisation_reg_no, merged_into, created_at, updated_at FROM contacts";

fn consent(given: Option<bool>, at: Option<i64>, how: Option<String>) -> Option<Consent> {
    Some(Consent {
        given: given?,
        at: rfc3339(at.unwrap_or_default()),
        how: how.unwrap_or_default(),
    })
}

/// Staff only: the record is personal data, and requesters reach a ticket, not a record.
pub(crate) fn staff_of(actor: &Actor) -> Result<&StaffActor> {
    match actor {
        Actor::Staff(s) => Ok(s),
        _ => Err(DomainError::forbidden(
            atbalsts_domain::refusal::Code::AccessStaffOnly,
            "only support staff can see requesters' records",
        )
        .into()),
    }
}

pub(crate) fn not_found(id: i64) -> StoreError {
    StoreError::NotFound(format!("requester {id}"))
}

/// `AND EXISTS (a ticket of c in the staff member's scopes)`, or nothing for
/// those who see everything; `None` when they see nothing.
fn scope_sql(staff: &StaffActor, args: &mut Vec<String>) -> Option<String> {
    let Some(scopes) = staff.visible_scopes() else {
        return Some(String::new());
    };
    if scopes.is_empty() {
        return None;
    }
    let mut sql =
        String::from(" AND EXISTS (SELECT 1 FROM tickets t WHERE t.requester_id = c.id AND (");
    for (i, scope) in scopes.iter().enumerate() {
        if i > 0 {
            sql.push_str(" OR ");
        }
        args.push(scope.institution.clone());
        sql.push_str(&format!("(t.institution = ${}", args.len()));
        if let Some(service) = &scope.service {
            args.push(service.clone());
            sql.push_str(&format!(" AND t.service = ${}", args.len()));
        }
        sql.push(')');
    }
    sql.push_str("))");
    Some(sql)
}

impl Store {
    async fn record_row(&self, id: i64) -> Result<Option<RecordRow>> {
        let sql = format!("SELECT {RECORD_COLUMNS} WHERE id = $1");
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, RecordRow>(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Whether `staff` may see record `id` (`domain::requester::may_see` over
    /// its tickets; a merged record is seen through the one it was merged into).
    pub(crate) async fn may_see_requester(&self, staff: &StaffActor, id: i64) -> Result<bool> {
        if staff.sees_everything() {
            return Ok(true);
        }
        let tickets: Vec<(String, Option<String>)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT DISTINCT t.institution, t.service FROM tickets t JOIN contacts c \
                 ON t.requester_id = COALESCE(c.merged_into, c.id) WHERE c.id = $1",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(requester::may_see(
            staff,
            tickets.iter().map(|(institution, service)| TicketFacts {
                id: 0,
                institution,
                service: service.as_deref(),
            }),
        ))
    }

    /// The record, if `actor` may see it (otherwise not found, like a ticket).
    pub async fn requester_record(&self, actor: &Actor, id: i64) -> Result<RequesterRecord> {
        let staff = staff_of(actor)?;
        if !self.may_see_requester(staff, id).await? {
            return Err(not_found(id));
        }
        let row = self.record_row(id).await?.ok_or_else(|| not_found(id))?;
        type Point = (String, String, i64);
        let (emails, phones): (Vec<Point>, Vec<Point>) = on_pool!(self, |pool| {
            (
                sqlx::query_as(
                    "SELECT address, source, added_at FROM contact_emails WHERE contact_id = $1 ORDER BY added_at, address",
                )
                .bind(id)
                .fetch_all(pool)
                .await?,
                sqlx::query_as(
                    "SELECT number, source, added_at FROM contact_phones WHERE contact_id = $1 ORDER BY added_at, number",
                )
                .bind(id)
                .fetch_all(pool)
                .await?,
            )
        });
        let points = |list: Vec<Point>, primary: Option<&str>| {
            list.into_iter()
                .map(|(value, source, at)| ContactPoint {
                    primary: primary == Some(value.as_str()),
                    value,
                    source,
                    added_at: rfc3339(at),
                })
                .collect()
        };
        Ok(RequesterRecord {
            id: row.id,
            emails: points(emails, row.email.as_deref()),
            phones: points(phones, row.phone.as_deref()),
            name: row.name,
            language: row.language,
            preferred_channel: row.preferred_channel.as_deref().and_then(Channel::parse),
            consent_email: consent(
                row.consent_email,
                row.consent_email_at,
                row.consent_email_how,
            ),
            consent_phone: consent(
                row.consent_phone,
                row.consent_phone_at,
                row.consent_phone_how,
            ),
            organisation: row.organisation_name.map(|name| Organisation {
                name,
                registration_number: row.organisation_reg_no,
            }),
            merged_into: row.merged_into,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at.unwrap_or(row.created_at)),
        })
    }

    /// The record with its tickets in the viewer's scope and its history.
    pub async fn requester(&self, actor: &Actor, id: i64) -> Result<RequesterDetail> {
        let requester = self.requester_record(actor, id).await?;
        let tickets = self
            .list_tickets(
                actor,
                &TicketFilter {
                    requester: Some(id),
                    limit: 200,
                    ..TicketFilter::default()
                },
            )
            .await?
            .items;
        let events = self.requester_events(id).await?;
        Ok(RequesterDetail {
            requester,
            tickets,
            events,
        })
    }

    async fn requester_events(&self, id: i64) -> Result<Vec<RequesterEvent>> {
        type Row = (i64, i64, String, String, String, Option<i64>);
        let rows: Vec<Row> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, at, actor_name, kind, data, undone_by FROM contact_events \
                 WHERE contact_id = $1 ORDER BY id DESC LIMIT 100",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(id, at, actor_name, kind, data, undone_by)| RequesterEvent {
                    id,
                    at: rfc3339(at),
                    actor_name,
                    kind,
                    data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
                    undone_by,
                },
            )
            .collect())
    }

    /// Records `actor` may see, newest first, optionally matching `q`: a phone
    /// number (in any way of writing it) matches exactly, text with `@` the
    /// start of an address, anything else every word of the name or organisation.
    pub async fn list_requesters(
        &self,
        actor: &Actor,
        q: Option<&str>,
        after: Option<i64>,
        limit: u32,
    ) -> Result<RequesterPage> {
        let staff = staff_of(actor)?;
        let mut args: Vec<String> = Vec::new();
        let Some(scope) = scope_sql(staff, &mut args) else {
            return Ok(RequesterPage {
                items: Vec::new(),
                next_after: None,
            });
        };
        let mut sql = format!(
            "SELECT c.id, c.name, c.email, c.phone, c.organisation_name FROM contacts c \
             WHERE c.merged_into IS NULL{scope}"
        );
        if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
            if let Some(number) = normalize_phone(q) {
                args.push(number);
                sql.push_str(&format!(
                    " AND c.id IN (SELECT contact_id FROM contact_phones WHERE number = ${})",
                    args.len()
                ));
            } else if q.contains('@') {
                let address = normalize_email(q).unwrap_or_else(|| q.to_lowercase());
                args.push(format!("{}%", escape_like(&address)));
                sql.push_str(&format!(
                    " AND c.id IN (SELECT contact_id FROM contact_emails WHERE address LIKE ${} ESCAPE '\\')",
                    args.len()
                ));
            } else {
                for word in fold(q).split_whitespace().take(8) {
                    args.push(format!("%{}%", escape_like(word)));
                    sql.push_str(&format!(
                        " AND c.search_text LIKE ${} ESCAPE '\\'",
                        args.len()
                    ));
                }
            }
        }
        let limit = limit.clamp(1, 200);
        let after = after.unwrap_or(i64::MAX);
        sql.push_str(&format!(
            " AND c.id < {after} ORDER BY c.id DESC LIMIT {}",
            limit + 1
        ));
        let rows: Vec<SummaryRow> = on_pool!(self, |pool| {
            let mut query = sqlx::query_as::<_, SummaryRow>(&sql);
            for a in &args {
                query = query.bind(a);
            }
            query.fetch_all(pool).await?
        });
        let more = rows.len() > limit as usize;
        let items: Vec<RequesterSummary> = rows
            .into_iter()
            .take(limit as usize)
            .map(|(id, name, email, phone, organisation)| RequesterSummary {
                id,
                name,
                email,
                phone,
                organisation,
            })
            .collect();
        Ok(RequesterPage {
            next_after: items.last().filter(|_| more).map(|r| r.id),
            items,
        })
    }

    /// Edit a record's fields, with an `edited` event naming what changed.
    pub async fn update_requester(
        &self,
        actor: &Actor,
        id: i64,
        patch: RequesterPatch,
    ) -> Result<RequesterRecord> {
        let staff = staff_of(actor)?;
        if !self.may_see_requester(staff, id).await? {
            return Err(not_found(id));
        }
        requester::authorize_change(staff)?;
        let row = self.record_row(id).await?.ok_or_else(|| not_found(id))?;
        let now = now_micros();
        let name = patch.name.clone().unwrap_or(row.name);
        let language = patch.language.clone().unwrap_or(row.language);
        let channel = match patch.preferred_channel {
            Some(c) => c.map(|c| c.as_str().to_string()),
            None => row.preferred_channel,
        };
        let (org, reg) = match patch.organisation.clone() {
            Some(Some((n, r))) => (Some(n), r),
            Some(None) => (None, None),
            None => (row.organisation_name, row.organisation_reg_no),
        };
        let ce = match &patch.consent_email {
            Some(c) => (Some(c.given), Some(now), Some(c.how.clone())),
            None => (
                row.consent_email,
                row.consent_email_at,
                row.consent_email_how,
            ),
        };
        let cp = match &patch.consent_phone {
            Some(c) => (Some(c.given), Some(now), Some(c.how.clone())),
            None => (
                row.consent_phone,
                row.consent_phone_at,
                row.consent_phone_how,
            ),
        };
        let mut changed: Vec<&str> = Vec::new();
        for (field, set) in [
            ("name", patch.name.is_some()),
            ("language", patch.language.is_some()),
            ("preferred_channel", patch.preferred_channel.is_some()),
            ("consent_email", patch.consent_email.is_some()),
            ("consent_phone", patch.consent_phone.is_some()),
            ("organisation", patch.organisation.is_some()),
        ] {
            if set {
                changed.push(field);
            }
        }
        if changed.is_empty() {
            return self.requester_record(actor, id).await;
        }
        let search = fold(&format!("{name} {}", org.as_deref().unwrap_or_default()));
        let data = serde_json::json!({ "fields": changed }).to_string();
        let actor_name = staff.name.clone();
        in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE contacts SET name = $1, language = $2, preferred_channel = $3, consent_email = $4, \
                 consent_email_at = $5, consent_email_how = $6, consent_phone = $7, consent_phone_at = $8, \
                 consent_phone_how = $9, organisation_name = $10, organisation_reg_no = $11, search_text = $12, \
                 updated_at = $13 WHERE id = $14",
            )
            .bind(&name)
            .bind(&language)
            .bind(&channel)
            .bind(ce.0)
            .bind(ce.1)
            .bind(&ce.2)
            .bind(cp.0)
            .bind(cp.1)
            .bind(&cp.2)
            .bind(&org)
            .bind(&reg)
            .bind(&search)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO contact_events (contact_id, at, actor_id, actor_name, kind, data) VALUES ($1, $2, $3, $4, 'edited', $5)",
            )
            .bind(id)
            .bind(now)
            .bind(staff.user_id)
            .bind(&actor_name)
            .bind(&data)
            .execute(&mut *tx)
            .await?;
        });
        self.requester_record(actor, id).await
    }

    /// The screen pop of an incoming call: who is calling (by the number in
    /// any way of writing it), and their open and recent tickets, all within
    /// the caller's scope. A record outside it is answered as unknown.
    pub async fn screen_pop(&self, actor: &Actor, caller: &str) -> Result<ScreenPop> {
        let staff = staff_of(actor)?;
        let number = normalize_phone(caller);
        let mut pop = ScreenPop {
            number: number.clone(),
            requester: None,
            open_tickets: Vec::new(),
            recent_tickets: Vec::new(),
        };
        let Some(number) = number else {
            return Ok(pop);
        };
        let found: Option<SummaryRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT c.id, c.name, c.email, c.phone, c.organisation_name FROM contact_phones p \
                     JOIN contacts c ON c.id = p.contact_id WHERE p.number = $1",
            )
            .bind(&number)
            .fetch_optional(pool)
            .await?
        });
        let Some((id, name, email, phone, organisation)) = found else {
            return Ok(pop);
        };
        if !self.may_see_requester(staff, id).await? {
            return Ok(pop);
        }
        pop.requester = Some(RequesterSummary {
            id,
            name,
            email,
            phone,
            organisation,
        });
        let base = TicketFilter {
            requester: Some(id),
            limit: 50,
            ..TicketFilter::default()
        };
        pop.open_tickets = self
            .list_tickets(
                actor,
                &TicketFilter {
                    open_only: true,
                    ..base.clone()
                },
            )
            .await?
            .items;
        pop.recent_tickets = self
            .list_tickets(
                actor,
                &TicketFilter {
                    sort: Sort::RecentlyUpdated,
                    ..base
                },
            )
            .await?
            .items
            .into_iter()
            .filter(|t| {
                matches!(
                    t.status,
                    atbalsts_domain::Status::Resolved | atbalsts_domain::Status::Closed
                )
            })
            .take(5)
            .collect();
        Ok(pop)
    }

    /// Give the rows from before requesters were records their normalised
    /// address and number (by the domain's rules, which SQL cannot repeat) and
    /// their search text. Runs after the migrations; a no-op once done.
    pub(crate) async fn backfill_requesters(&self) -> Result<()> {
        loop {
            type Row = (i64, String, Option<String>, Option<String>, i64);
            let rows: Vec<Row> = on_pool!(self, |pool| {
                sqlx::query_as(
                    "SELECT id, name, email, phone, created_at FROM contacts WHERE search_text IS NULL ORDER BY id LIMIT 500",
                )
                .fetch_all(pool)
                .await?
            });
            if rows.is_empty() {
                return Ok(());
            }
            in_tx!(self, |tx| {
                for (id, name, email, phone, created) in &rows {
                    // The oldest record with an address keeps it (rows are in id order).
                    if let Some(address) = email.as_deref().and_then(normalize_email) {
                        sqlx::query(
                            "INSERT INTO contact_emails (address, contact_id, source, added_at) VALUES ($1, $2, 'migrated', $3) \
                             ON CONFLICT (address) DO NOTHING",
                        )
                        .bind(address)
                        .bind(*id)
                        .bind(*created)
                        .execute(&mut *tx)
                        .await?;
                    }
                    if let Some(number) = phone.as_deref().and_then(normalize_phone) {
                        sqlx::query(
                            "INSERT INTO contact_phones (number, contact_id, source, added_at) VALUES ($1, $2, 'migrated', $3) \
                             ON CONFLICT (number) DO NOTHING",
                        )
                        .bind(number)
                        .bind(*id)
                        .bind(*created)
                        .execute(&mut *tx)
                        .await?;
                    }
                    sqlx::query(
                        "UPDATE contacts SET search_text = $1, updated_at = COALESCE(updated_at, created_at) WHERE id = $2",
                    )
                    .bind(fold(name))
                    .bind(*id)
                    .execute(&mut *tx)
                    .await?;
                }
            });
        }
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
