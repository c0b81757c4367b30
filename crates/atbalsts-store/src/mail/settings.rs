//! Which notices a staff member gets by e-mail. Every kind is on until the
//! person switches it off.

use crate::db::Store;
use crate::error::Result;

/// The notices staff can switch.
pub const STAFF_NOTICES: [&str; 4] = ["assigned", "requester_reply", "sla_warning", "sla_breach"];

impl Store {
    /// The notices `user` has switched off.
    pub async fn notices_off(&self, user: i64) -> Result<Vec<String>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(
                "SELECT kind FROM notification_settings WHERE user_id = $1 AND enabled = FALSE ORDER BY kind",
            )
            .bind(user)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Whether `user` gets notice `kind` by e-mail.
    pub async fn wants_notice(&self, user: i64, kind: &str) -> Result<bool> {
        Ok(!self.notices_off(user).await?.iter().any(|k| k == kind))
    }

    /// Switch notice `kind` on or off for `user`.
    pub async fn set_notice(&self, user: i64, kind: &str, enabled: bool) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO notification_settings (user_id, kind, enabled) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, kind) DO UPDATE SET enabled = excluded.enabled",
            )
            .bind(user)
            .bind(kind)
            .bind(enabled)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }
}
