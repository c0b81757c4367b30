//! A connector's message taken in: once per external message id (a repeat
//! is answered with the first outcome and writes nothing), threaded into its
//! conversation's open ticket, or opening a ticket when the conversation has
//! none (or only closed ones).

use super::Connector;
use crate::attachments::NewAttachment;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::now_micros;
use crate::tickets::{ChangeRequest, IdempotencyKey, NewRequester, NewTicket};
use atbalsts_domain::connector::{Inbound, subject_of};
use atbalsts_domain::refusal::Code;
use atbalsts_domain::{Actor, DomainError, Kind, Level, Priority, Status};

/// A claim on a message id older than this is taken over: its request died
/// between claiming and finishing (the work it did is idempotent).
const STALE_CLAIM_MICROS: i64 = 60 * 1_000_000;

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TakenAs {
    TicketCreated,
    Threaded,
}

impl TakenAs {
    pub fn as_str(self) -> &'static str {
        match self {
            TakenAs::TicketCreated => "ticket_created",
            TakenAs::Threaded => "threaded",
        }
    }

    fn parse(s: &str) -> Option<TakenAs> {
        match s {
            "ticket_created" => Some(TakenAs::TicketCreated),
            "threaded" => Some(TakenAs::Threaded),
            _ => None,
        }
    }
}

/// The answer to a connector's message.
#[derive(Debug, Clone)]
pub struct Taken {
    /// The record of the message (its id at the desk).
    pub id: i64,
    pub ticket_id: i64,
    pub as_: TakenAs,
    /// This message id was taken in before; nothing was written now.
    pub replayed: bool,
}

impl Store {
    /// Take in one message from `connector` with its files (their objects
    /// already stored; a repeat records none of them, so the caller removes
    /// them when the answer is `replayed` or an error). Messages are claimed
    /// by their external id first, so a repeat — sequential or concurrent —
    /// never writes a second message or ticket.
    pub async fn take_connector_message(
        &self,
        connector: &Connector,
        msg: &Inbound,
        files: &[NewAttachment],
    ) -> Result<Taken> {
        let now = now_micros();
        let claim: Option<i64> = in_tx!(self, |tx| {
            sqlx::query_scalar(
                "INSERT INTO connector_messages (connector_id, external_id, conversation, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (connector_id, external_id) DO NOTHING RETURNING id",
            )
            .bind(connector.id)
            .bind(&msg.message_id)
            .bind(&msg.conversation_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?
        });
        let claim = match claim {
            Some(id) => id,
            None => match self
                .earlier_message(connector.id, &msg.message_id, now)
                .await?
            {
                Earlier::Done(taken) => return Ok(taken),
                Earlier::TakenOver(id) => id,
            },
        };
        match self.thread_or_open(connector, msg, files).await {
            Ok((ticket_id, as_)) => {
                in_tx!(self, |tx| {
                    sqlx::query(
                        "UPDATE connector_messages SET ticket_id = $1, outcome = $2 WHERE id = $3",
                    )
                    .bind(ticket_id)
                    .bind(as_.as_str())
                    .bind(claim)
                    .execute(&mut *tx)
                    .await?;
                });
                Ok(Taken {
                    id: claim,
                    ticket_id,
                    as_,
                    replayed: false,
                })
            }
            Err(e) => {
                // Let the connector's retry take it in afresh.
                let released: Result<()> = async {
                    in_tx!(self, |tx| {
                        sqlx::query(
                            "DELETE FROM connector_messages WHERE id = $1 AND ticket_id IS NULL",
                        )
                        .bind(claim)
                        .execute(&mut *tx)
                        .await?;
                    });
                    Ok(())
                }
                .await;
                if let Err(r) = released {
                    tracing::warn!(error = %r, claim, "a connector message's claim was not released");
                }
                Err(e)
            }
        }
    }

    /// The message id was claimed before: its outcome, or the claim itself
    /// when the request that made it died (compare-and-set on its instant).
    async fn earlier_message(&self, connector: i64, external: &str, now: i64) -> Result<Earlier> {
        let row: Option<(i64, Option<i64>, Option<String>, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, ticket_id, outcome, created_at FROM connector_messages \
                 WHERE connector_id = $1 AND external_id = $2",
            )
            .bind(connector)
            .bind(external)
            .fetch_optional(pool)
            .await?
        });
        let in_progress = || {
            StoreError::conflict(
                Code::ConnectorMessageInProgress,
                "a message with this message_id is being taken in; send it again in a minute",
            )
        };
        let Some((id, ticket, outcome, claimed_at)) = row else {
            // Released by a failed first attempt a moment ago.
            return Err(in_progress());
        };
        if let (Some(ticket_id), Some(as_)) = (ticket, outcome.as_deref().and_then(TakenAs::parse))
        {
            return Ok(Earlier::Done(Taken {
                id,
                ticket_id,
                as_,
                replayed: true,
            }));
        }
        if now - claimed_at < STALE_CLAIM_MICROS {
            return Err(in_progress());
        }
        let took: u64 = in_tx!(self, |tx| {
            sqlx::query(
                "UPDATE connector_messages SET created_at = $1 WHERE id = $2 AND created_at = $3 AND ticket_id IS NULL",
            )
            .bind(now)
            .bind(id)
            .bind(claimed_at)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        });
        if took == 1 {
            Ok(Earlier::TakenOver(id))
        } else {
            Err(in_progress())
        }
    }

    /// Add the message to its conversation's open ticket, or open one.
    async fn thread_or_open(
        &self,
        connector: &Connector,
        msg: &Inbound,
        files: &[NewAttachment],
    ) -> Result<(i64, TakenAs)> {
        let current: Option<(i64, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT c.ticket_id, t.status FROM connector_tickets c JOIN tickets t ON t.id = c.ticket_id \
                 WHERE c.connector_id = $1 AND c.conversation = $2 ORDER BY c.ticket_id DESC LIMIT 1",
            )
            .bind(connector.id)
            .bind(&msg.conversation_id)
            .fetch_optional(pool)
            .await?
        });
        if let Some((ticket, status)) = &current
            && status != Status::Closed.as_str()
            && self
                .reply_from_conversation(*ticket, connector, msg, files)
                .await?
        {
            return Ok((*ticket, TakenAs::Threaded));
        }
        // Messages of a new conversation racing each other, on any node, meet
        // in one ticket: its creation is idempotent per conversation and the
        // ticket it follows.
        let after = current.map_or(0, |(t, _)| t);
        let key = format!("conversation:{}:after:{after}", msg.conversation_id);
        let new = NewTicket {
            institution: connector.institution.clone(),
            service: None,
            resource: None,
            life_situation: None,
            channel: connector.channel,
            location: None,
            kind: Kind::Consultation,
            priority: Priority::Normal,
            level: Level::Specialist,
            subject: subject_of(&msg.text),
            description: msg.text.clone(),
            tags: Vec::new(),
            requester: NewRequester {
                name: msg.sender_name.clone(),
                email: msg.sender_email.clone(),
                phone: msg.sender_phone.clone(),
                personal_code: None,
            },
            language: msg.language.clone(),
            group: None,
        };
        let idem = IdempotencyKey {
            actor: format!("connector:{}", connector.id),
            request_hash: key.clone(),
            key,
        };
        let created = self
            .create_ticket_with(&Actor::Anonymous, new, Some(idem), files.to_vec())
            .await?;
        let ticket = created.ticket.id;
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO connector_tickets (ticket_id, connector_id, conversation, sender_handle, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ticket_id) DO NOTHING",
            )
            .bind(ticket)
            .bind(connector.id)
            .bind(&msg.conversation_id)
            .bind(&msg.sender_handle)
            .bind(now_micros())
            .execute(&mut *tx)
            .await?;
        });
        if created.replayed {
            // Another message of this conversation opened the ticket; this one follows it.
            if self
                .reply_from_conversation(ticket, connector, msg, files)
                .await?
            {
                return Ok((ticket, TakenAs::Threaded));
            }
            return Err(StoreError::conflict(
                Code::ConnectorMessageInProgress,
                "the conversation's ticket was closed while this message arrived; send it again",
            ));
        }
        Ok((ticket, TakenAs::TicketCreated))
    }

    /// The requester's reply on `ticket`; `false` when the ticket is closed.
    async fn reply_from_conversation(
        &self,
        ticket: i64,
        connector: &Connector,
        msg: &Inbound,
        files: &[NewAttachment],
    ) -> Result<bool> {
        let reply = ChangeRequest::Reply {
            body: msg.text.clone(),
            await_requester: false,
        };
        match self
            .change_ticket_via(
                &Actor::Requester { ticket_id: ticket },
                ticket,
                reply,
                files,
                Some(connector.channel),
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(StoreError::Domain(DomainError::Conflict(r))) if r.code == Code::TicketClosed => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }
}

enum Earlier {
    Done(Taken),
    TakenOver(i64),
}
