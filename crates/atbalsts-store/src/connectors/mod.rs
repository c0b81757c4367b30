//! Connectors of social networks, messengers and mobile apps as data: who
//! they are (code, channel, institution), their inbound key (kept as its
//! SHA-256) and their outbound address with its signing secret. Taking their
//! messages in is in [`inbound`], sending staff replies back in [`outbound`].

pub mod inbound;
pub mod outbound;

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::model::rfc3339;
use crate::now_micros;
use crate::tickets::{new_secret, token_hash};
use atbalsts_domain::{Channel, FieldError};
use serde::Serialize;
use utoipa::ToSchema;

/// A connector as administrators see it: never with its key or secret.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Connector {
    pub id: i64,
    /// In the inbound address: `/api/v1/channels/{code}/messages`.
    pub code: String,
    pub name: String,
    /// `social` or `mobile_app`: the channel of the tickets it opens.
    pub channel: Channel,
    pub institution: String,
    /// Where staff replies are POSTed; none: replies are not sent back.
    pub outbound_url: Option<String>,
    pub active: bool,
    pub created_at: String,
}

#[derive(sqlx::FromRow)]
struct ConnectorRow {
    id: i64,
    code: String,
    name: String,
    channel: String,
    institution: String,
    outbound_url: Option<String>,
    active: bool,
    created_at: i64,
}

const COLUMNS: &str = "id, code, name, channel, institution, outbound_url, active, created_at";

impl TryFrom<ConnectorRow> for Connector {
    type Error = StoreError;
    fn try_from(r: ConnectorRow) -> Result<Self> {
        Ok(Connector {
            channel: Channel::parse(&r.channel)
                .ok_or_else(|| StoreError::Corrupt(format!("connector channel {:?}", r.channel)))?,
            id: r.id,
            code: r.code,
            name: r.name,
            institution: r.institution,
            outbound_url: r.outbound_url,
            active: r.active,
            created_at: rfc3339(r.created_at),
        })
    }
}

/// A connector to create (already checked by `domain::connector`).
#[derive(Debug, Clone)]
pub struct NewConnector {
    pub code: String,
    pub name: String,
    pub channel: Channel,
    pub institution: String,
    pub outbound_url: Option<String>,
    pub created_by: Option<i64>,
}

/// The secrets of a connector just created, shown once.
#[derive(Debug, Clone)]
pub struct ConnectorSecrets {
    /// The connector's `Authorization: Bearer` key for inbound messages.
    pub key: String,
    /// The key of the HMAC that signs outbound deliveries.
    pub outbound_secret: String,
}

impl Store {
    /// Create a connector with a fresh key and signing secret, returned here
    /// and never again.
    pub async fn create_connector(
        &self,
        c: &NewConnector,
    ) -> Result<(Connector, ConnectorSecrets)> {
        let secrets = ConnectorSecrets {
            key: format!("atbc_{}", new_secret()),
            outbound_secret: format!("whsec_{}", new_secret()),
        };
        let hash = token_hash(&secrets.key);
        let now = now_micros();
        let row: ConnectorRow = in_tx!(self, |tx| {
            let mut problems = Vec::new();
            let known: Option<String> =
                sqlx::query_scalar("SELECT code FROM institutions WHERE code = $1")
                    .bind(&c.institution)
                    .fetch_optional(&mut *tx)
                    .await?;
            if known.is_none() {
                problems.push(FieldError::new(
                    "institution",
                    format!("no institution {:?} in the register", c.institution),
                ));
            }
            let taken: Option<i64> =
                sqlx::query_scalar("SELECT id FROM connectors WHERE code = $1")
                    .bind(&c.code)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                problems.push(FieldError::new(
                    "code",
                    format!("the code {:?} is taken by another connector", c.code),
                ));
            }
            if !problems.is_empty() {
                return Err(StoreError::invalid(problems));
            }
            sqlx::query_as(&format!(
                "INSERT INTO connectors (code, name, channel, institution, key_hash, outbound_url, outbound_secret, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
            ))
            .bind(&c.code)
            .bind(&c.name)
            .bind(c.channel.as_str())
            .bind(&c.institution)
            .bind(&hash)
            .bind(&c.outbound_url)
            .bind(&secrets.outbound_secret)
            .bind(c.created_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        });
        Ok((row.try_into()?, secrets))
    }

    /// Connectors, of one institution or all, oldest first.
    pub async fn connectors(&self, institution: Option<&str>) -> Result<Vec<Connector>> {
        let rows: Vec<ConnectorRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM connectors WHERE ($1 IS NULL OR institution = $1) ORDER BY id"
            ))
            .bind(institution)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Connector::try_from).collect()
    }

    pub async fn connector(&self, id: i64) -> Result<Option<Connector>> {
        let row: Option<ConnectorRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM connectors WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(Connector::try_from).transpose()
    }

    /// The active connector `code` whose key this is; `None` for a wrong key,
    /// an unknown code or a connector switched off (the caller cannot tell which).
    pub async fn connector_by_key(&self, code: &str, key: &str) -> Result<Option<Connector>> {
        let row: Option<ConnectorRow> = on_pool!(self, |pool| {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM connectors WHERE key_hash = $1 AND code = $2 AND active = TRUE"
            ))
            .bind(token_hash(key))
            .bind(code)
            .fetch_optional(pool)
            .await?
        });
        row.map(Connector::try_from).transpose()
    }

    /// Switch a connector on or off: off, its key is refused and replies are
    /// not sent back.
    pub async fn set_connector_active(&self, id: i64, active: bool) -> Result<Option<Connector>> {
        let row: Option<ConnectorRow> = in_tx!(self, |tx| {
            sqlx::query_as(&format!(
                "UPDATE connectors SET active = $1 WHERE id = $2 RETURNING {COLUMNS}"
            ))
            .bind(active)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        });
        row.map(Connector::try_from).transpose()
    }

    /// The conversation a ticket belongs to, when it came through a connector:
    /// (connector, conversation id, the sender's handle).
    pub async fn ticket_connector(
        &self,
        ticket: i64,
    ) -> Result<Option<(Connector, String, String)>> {
        let row: Option<(i64, String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT connector_id, conversation, sender_handle FROM connector_tickets WHERE ticket_id = $1",
            )
            .bind(ticket)
            .fetch_optional(pool)
            .await?
        });
        let Some((id, conversation, handle)) = row else {
            return Ok(None);
        };
        Ok(self.connector(id).await?.map(|c| (c, conversation, handle)))
    }

    /// A ticket's number (what people quote), whoever asks.
    pub async fn ticket_number_of(&self, ticket: i64) -> Result<Option<String>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT number FROM tickets WHERE id = $1")
                .bind(ticket)
                .fetch_optional(pool)
                .await?
        }))
    }
}
