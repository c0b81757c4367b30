//! Which ticket a Message-ID belongs to: the desk's own messages and those it
//! received, so that an answer's `In-Reply-To` or `References` finds its ticket.

use crate::db::Store;
use crate::error::Result;

impl Store {
    /// The ticket of the first of `message_ids` the desk knows.
    pub async fn ticket_of_message_ids(&self, message_ids: &[String]) -> Result<Option<i64>> {
        for id in message_ids.iter().filter(|id| !id.is_empty()).take(50) {
            let found: Option<i64> = on_pool!(self, |pool| {
                sqlx::query_scalar("SELECT ticket_id FROM mail_threads WHERE message_id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await?
            });
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// The Message-IDs of a ticket's conversation, oldest first (at most the last `limit`).
    pub async fn thread_of_ticket(&self, ticket: i64, limit: u32) -> Result<Vec<String>> {
        let mut ids: Vec<String> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT message_id FROM mail_threads WHERE ticket_id = $1 ORDER BY at DESC, message_id LIMIT $2",
            )
            .bind(ticket)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        ids.reverse();
        Ok(ids)
    }

    /// Remember that `message_id` belongs to `ticket` (a repeat is a no-op).
    pub async fn remember_message_id(&self, message_id: &str, ticket: i64) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO mail_threads (message_id, ticket_id, at) VALUES ($1, $2, $3) \
                 ON CONFLICT (message_id) DO NOTHING",
            )
            .bind(message_id)
            .bind(ticket)
            .bind(crate::now_micros())
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }
}
