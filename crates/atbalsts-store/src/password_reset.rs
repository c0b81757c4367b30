//! Password reset by e-mail: a one-time link of limited life. The request
//! writes the link's hash and queues the e-mail job (carrying the secret, as
//! the e-mail itself must) in one transaction; the reset checks the link,
//! sets the password, spends the link and ends the member's sessions at once.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::jobs::NewJob;
use crate::now_micros;
use crate::signin::{check_new_password, hash_password};
use crate::tickets::{new_secret, token_hash};

/// The job kind that writes the reset e-mail.
pub const RESET_MAIL_JOB: &str = "mail.password_reset";
/// How long a link works.
pub const RESET_LIFETIME_MICROS: i64 = 30 * 60 * 1_000_000;
/// At most this many links per person an hour: the form cannot be used to flood a mailbox.
const PER_HOUR: i64 = 3;

impl Store {
    /// Send a reset link to the active staff member with `email`, if there is one.
    /// Says nothing about whether there is: the answer to the form is the same either way.
    pub async fn request_password_reset(&self, email: &str) -> Result<()> {
        let email = email.trim().to_lowercase();
        let now = now_micros();
        let token = new_secret();
        in_tx!(self, |tx| {
            let user: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM users WHERE LOWER(email) = $1 AND active = TRUE",
            )
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(user) = user else {
                return Ok(());
            };
            let recent: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND created_at > $2",
            )
            .bind(user)
            .bind(now - 3_600_000_000)
            .fetch_one(&mut *tx)
            .await?;
            if recent >= PER_HOUR {
                return Ok(());
            }
            sqlx::query(
                "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash(&token))
            .bind(user)
            .bind(now)
            .bind(now + RESET_LIFETIME_MICROS)
            .execute(&mut *tx)
            .await?;
            let job = NewJob::new(
                RESET_MAIL_JOB,
                serde_json::json!({ "user": user, "token": token }),
                now,
            );
            crate::enqueue_job!(&mut *tx, &job);
        });
        Ok(())
    }

    /// Whether a reset link still works (to show the form or say it expired).
    pub async fn reset_link_valid(&self, token: &str) -> Result<bool> {
        let now = now_micros();
        let n: i64 = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash(token))
            .bind(now)
            .fetch_one(pool)
            .await?
        });
        Ok(n == 1)
    }

    /// Set a new password with a reset link. `false` when the link is unknown,
    /// used or expired; the password is checked first (a field error).
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<bool> {
        check_new_password(password).map_err(|e| StoreError::invalid(vec![e]))?;
        let password = password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| StoreError::Corrupt(format!("hashing a password: {e}")))??;
        let now = now_micros();
        Ok(in_tx!(self, |tx| {
            let user: Option<i64> = sqlx::query_scalar(
                "UPDATE password_resets SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL \
                 AND expires_at > $2 RETURNING user_id",
            )
            .bind(token_hash(token))
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            match user {
                None => false,
                Some(user) => {
                    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                        .bind(&hash)
                        .bind(user)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1")
                        .bind(user)
                        .execute(&mut *tx)
                        .await?;
                    // The other links of the person are spent too: the one used was enough.
                    sqlx::query(
                        "UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
                    )
                    .bind(user)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    true
                }
            }
        }))
    }
}
