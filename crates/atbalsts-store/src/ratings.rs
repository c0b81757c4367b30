//! The requester's rating of the support, with its audit event.

use crate::db::Store;
use crate::error::Result;
use crate::now_micros;
use atbalsts_domain::Actor;
use atbalsts_domain::rating::{self, Rating};

impl Store {
    /// Record (or change) the requester's rating of a resolved ticket.
    pub async fn rate_ticket(
        &self,
        actor: &Actor,
        id: i64,
        score: i64,
        comment: Option<&str>,
    ) -> Result<Rating> {
        let ticket = self.ticket(actor, id).await?;
        let checked = rating::check(actor, id, ticket.status, score, comment)?;
        let now = now_micros();
        let data = serde_json::json!({ "score": checked.score, "comment": checked.comment });
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO ticket_ratings (ticket_id, score, comment, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $4) ON CONFLICT (ticket_id) DO UPDATE SET \
                 score = excluded.score, comment = excluded.comment, updated_at = excluded.updated_at",
            )
            .bind(id)
            .bind(i64::from(checked.score))
            .bind(&checked.comment)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO ticket_events (ticket_id, at, actor_kind, actor_id, actor_name, kind, data) \
                 VALUES ($1, $2, 'requester', NULL, $3, 'rated', $4)",
            )
            .bind(id)
            .bind(now)
            .bind(&ticket.requester.name)
            .bind(data.to_string())
            .execute(&mut *tx)
            .await?;
        });
        Ok(checked)
    }

    /// The rating a ticket has been given, if any.
    pub async fn rating(&self, actor: &Actor, id: i64) -> Result<Option<Rating>> {
        self.ticket(actor, id).await?;
        let row: Option<(i64, Option<String>)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT score, comment FROM ticket_ratings WHERE ticket_id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(|(score, comment)| Rating {
            score: u8::try_from(score).unwrap_or(0),
            comment,
        }))
    }
}
