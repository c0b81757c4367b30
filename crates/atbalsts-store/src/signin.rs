//! Staff sign-in: passwords (Argon2id), sessions kept in the database so any
//! app node can serve a signed-in person, and throttling of failed attempts.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::now_micros;
use crate::tickets::{new_secret, token_hash};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, password_hash::rand_core::OsRng};
use atbalsts_domain::{FieldError, StaffActor};
use std::sync::LazyLock;

/// How long a session lasts from sign-in.
pub const SESSION_MICROS: i64 = 10 * 3600 * 1_000_000;
/// Failed attempts for one e-mail within [`THROTTLE_WINDOW_MICROS`] before sign-in pauses.
pub const MAX_FAILURES: i64 = 5;
pub const THROTTLE_WINDOW_MICROS: i64 = 15 * 60 * 1_000_000;
/// Shortest password an administrator may set.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Argon2 reads at most this much; longer input is refused, not truncated.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hash a password with Argon2id and a fresh salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Corrupt(format!("hashing a password failed: {e}")))
}

/// Whether `password` matches the stored PHC hash.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash to check against when the e-mail is unknown, so that the answer
/// takes as long as for a known one and does not reveal who has an account.
static DECOY: LazyLock<String> =
    LazyLock::new(|| hash_password("decoy password, never matches").unwrap_or_default());

/// Check a new password against the policy.
pub fn check_new_password(password: &str) -> std::result::Result<(), FieldError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(FieldError::new(
            "password",
            format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// A signed-in staff member's session.
#[derive(Debug, Clone)]
pub struct Session {
    pub staff: StaffActor,
    /// The token every form of this session must carry.
    pub csrf_token: String,
    pub expires_at: i64,
}

/// What a sign-in attempt came to.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in: the session's secret (for the cookie) and the session.
    Ok { secret: String, session: Session },
    /// Wrong e-mail or password (never says which).
    Refused,
    /// Too many failures for this e-mail: try again after this many seconds.
    Throttled { retry_after_secs: i64 },
}

impl Store {
    /// Set a staff member's password (the administrator's CLI; later, the reset link).
    /// Ends the member's sessions, so an old password's sessions do not outlive it.
    pub async fn set_password(&self, email: &str, password: &str) -> Result<()> {
        check_new_password(password).map_err(|e| StoreError::invalid(vec![e]))?;
        let password = password.to_string();
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| StoreError::Corrupt(format!("hashing a password: {e}")))??;
        in_tx!(self, |tx| {
            let id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(id) = id else {
                return Err(StoreError::NotFound(format!("no staff member {email}")));
            };
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(&hash)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Check e-mail and password; on success open a session.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SignIn> {
        let email = email.trim().to_lowercase();
        let now = now_micros();
        let since = now - THROTTLE_WINDOW_MICROS;
        let failures: Vec<i64> = on_pool!(self, |pool| {
            sqlx::query_scalar(
                "SELECT at FROM signin_failures WHERE email = $1 AND at > $2 ORDER BY at",
            )
            .bind(&email)
            .bind(since)
            .fetch_all(pool)
            .await?
        });
        if failures.len() as i64 >= MAX_FAILURES {
            let oldest = failures.first().copied().unwrap_or(now);
            let retry = (oldest + THROTTLE_WINDOW_MICROS - now) / 1_000_000 + 1;
            return Ok(SignIn::Throttled {
                retry_after_secs: retry.max(1),
            });
        }
        let user: Option<(i64, Option<String>)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, password_hash FROM users WHERE lower(email) = $1 AND active = TRUE",
            )
            .bind(&email)
            .fetch_optional(pool)
            .await?
        });
        let stored = user
            .as_ref()
            .and_then(|(_, h)| h.clone())
            .unwrap_or_else(|| DECOY.clone());
        let attempt = password.to_string();
        let matches = password.len() <= MAX_PASSWORD_BYTES
            && tokio::task::spawn_blocking(move || verify_password(&attempt, &stored))
                .await
                .unwrap_or(false);
        let user_id = match (user, matches) {
            (Some((id, Some(_))), true) => id,
            _ => {
                in_tx!(self, |tx| {
                    sqlx::query("INSERT INTO signin_failures (email, at) VALUES ($1, $2)")
                        .bind(&email)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    // Old rows are no longer needed for any decision.
                    sqlx::query("DELETE FROM signin_failures WHERE at <= $1")
                        .bind(since)
                        .execute(&mut *tx)
                        .await?;
                });
                return Ok(SignIn::Refused);
            }
        };
        let secret = new_secret();
        let csrf_token = new_secret();
        let expires_at = now + SESSION_MICROS;
        in_tx!(self, |tx| {
            sqlx::query("DELETE FROM signin_failures WHERE email = $1")
                .bind(&email)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO staff_sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash(&secret))
            .bind(user_id)
            .bind(&csrf_token)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        });
        match self.session(&secret).await? {
            Some(session) => Ok(SignIn::Ok { secret, session }),
            None => Err(StoreError::Corrupt(
                "a new session could not be read".into(),
            )),
        }
    }

    /// The live session behind a cookie's secret, with its active staff member.
    pub async fn session(&self, secret: &str) -> Result<Option<Session>> {
        let now = now_micros();
        let row: Option<(i64, String, String, String, i64)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT u.id, u.name, u.role, s.csrf_token, s.expires_at FROM staff_sessions s \
                 JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = TRUE",
            )
            .bind(token_hash(secret))
            .bind(now)
            .fetch_optional(pool)
            .await?
        });
        let Some((id, name, role, csrf_token, expires_at)) = row else {
            return Ok(None);
        };
        let staff = self.staff_with_scopes(id, name, &role).await?;
        Ok(Some(Session {
            staff,
            csrf_token,
            expires_at,
        }))
    }

    /// End a session (sign-out).
    pub async fn end_session(&self, secret: &str) -> Result<()> {
        let hash = token_hash(secret);
        in_tx!(self, |tx| {
            sqlx::query("DELETE FROM staff_sessions WHERE token_hash = $1")
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("correct horse battery").unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert!(!verify_password("decoy password, never matches", ""));
    }

    #[test]
    fn the_policy_wants_twelve_characters() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("garš parole ā").is_ok());
        assert!(check_new_password(&"x".repeat(2000)).is_err());
    }
}
