//! Staff accounts, their scopes, API tokens and support groups.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::now_micros;
use crate::tickets::{new_secret, token_hash};
use atbalsts_domain::refusal::Code;
use atbalsts_domain::{FieldError, Role, Scope, StaffActor};

/// A new staff account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub scopes: Vec<Scope>,
}

/// Field errors for scopes that name an unknown institution, or a service
/// that is not that institution's.
macro_rules! scope_errors {
    ($tx:expr, $scopes:expr) => {{
        let mut errors = Vec::new();
        for s in $scopes {
            let known: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM institutions WHERE code = $1")
                    .bind(&s.institution)
                    .fetch_one($tx)
                    .await?;
            if known == 0 {
                errors.push(FieldError::new(
                    "institution",
                    format!("no institution with code {}", s.institution),
                ));
            }
            if let Some(service) = &s.service {
                let owner: Option<String> =
                    sqlx::query_scalar("SELECT institution FROM services WHERE code = $1")
                        .bind(service)
                        .fetch_optional($tx)
                        .await?;
                match owner {
                    None => errors.push(FieldError::new(
                        "service",
                        format!("no service with code {service}"),
                    )),
                    Some(owner) if owner != s.institution => errors.push(FieldError::new(
                        "service",
                        format!("{service} is not a service of {}", s.institution),
                    )),
                    Some(_) => {}
                }
            }
        }
        errors
    }};
}
pub(crate) use scope_errors;

/// Build the actor from stored columns; `service = ''` means the whole institution.
pub(crate) fn staff_actor(
    user_id: i64,
    name: String,
    role: &str,
    scopes: Vec<(String, String)>,
) -> Result<StaffActor> {
    let role =
        Role::parse(role).ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?;
    let scopes = scopes
        .into_iter()
        .map(|(institution, service)| Scope {
            institution,
            service: (!service.is_empty()).then_some(service),
        })
        .collect();
    Ok(StaffActor {
        user_id,
        name,
        role,
        scopes,
    })
}

impl Store {
    /// Create a staff account with its scopes; fails if the e-mail is taken
    /// or a scope names an unknown institution or service.
    pub async fn create_user(&self, user: &NewUser) -> Result<i64> {
        let now = now_micros();
        Ok(in_tx!(self, |tx| {
            let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email = $1")
                .bind(&user.email)
                .fetch_one(&mut *tx)
                .await?;
            if taken > 0 {
                return Err(StoreError::conflict(
                    Code::AccountEmailTaken,
                    format!("a user with e-mail {} already exists", user.email),
                ));
            }
            let errors = scope_errors!(&mut *tx, &user.scopes);
            if !errors.is_empty() {
                return Err(StoreError::invalid(errors));
            }
            let id: i64 =
                sqlx::query_scalar("INSERT INTO users (email, name, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
                    .bind(&user.email)
                    .bind(&user.name)
                    .bind(user.role.as_str())
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
            for s in &user.scopes {
                sqlx::query(
                    "INSERT INTO user_scopes (user_id, institution, service) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(&s.institution)
                .bind(s.service.as_deref().unwrap_or(""))
                .execute(&mut *tx)
                .await?;
            }
            id
        }))
    }

    /// Issue a new API token for the user; only its hash is kept.
    pub async fn issue_token(&self, user_id: i64) -> Result<String> {
        let token = format!("atb_{}", new_secret());
        let hash = token_hash(&token);
        let now = now_micros();
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(user_id)
            .bind(&hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        });
        Ok(token)
    }

    /// The active staff member holding this API token.
    pub async fn staff_by_token(&self, token: &str) -> Result<Option<StaffActor>> {
        let hash = token_hash(token);
        let user: Option<(i64, String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT u.id, u.name, u.role FROM api_tokens k JOIN users u ON u.id = k.user_id \
                 WHERE k.token_hash = $1 AND u.active = TRUE",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await?
        });
        match user {
            Some((id, name, role)) => self.staff_with_scopes(id, name, &role).await.map(Some),
            None => Ok(None),
        }
    }

    /// The active staff member with this e-mail.
    pub async fn staff_by_email(&self, email: &str) -> Result<Option<StaffActor>> {
        let user: Option<(i64, String, String)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT id, name, role FROM users WHERE email = $1 AND active = TRUE")
                .bind(email)
                .fetch_optional(pool)
                .await?
        });
        match user {
            Some((id, name, role)) => self.staff_with_scopes(id, name, &role).await.map(Some),
            None => Ok(None),
        }
    }

    pub(crate) async fn staff_with_scopes(
        &self,
        id: i64,
        name: String,
        role: &str,
    ) -> Result<StaffActor> {
        let scopes: Vec<(String, String)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT institution, service FROM user_scopes WHERE user_id = $1 ORDER BY institution, service")
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        staff_actor(id, name, role, scopes)
    }

    pub async fn user_id_by_email(&self, email: &str) -> Result<Option<i64>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// Create or update a support group, and add members.
    pub async fn upsert_group(
        &self,
        code: &str,
        institution: &str,
        name_lv: &str,
        name_en: Option<&str>,
        level: i64,
        members: &[i64],
    ) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO support_groups (code, institution, name_lv, name_en, level) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (code) DO UPDATE SET institution = excluded.institution, name_lv = excluded.name_lv, \
                 name_en = excluded.name_en, level = excluded.level",
            )
            .bind(code)
            .bind(institution)
            .bind(name_lv)
            .bind(name_en)
            .bind(level)
            .execute(&mut *tx)
            .await?;
            for m in members {
                sqlx::query("INSERT INTO group_members (group_code, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(code)
                    .bind(m)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        // Routing reads groups from the cache; this node sees the change at once.
        self.clock_cache().invalidate();
        Ok(())
    }

    /// Support groups, of one institution or of all, by code.
    pub async fn groups(&self, institution: Option<&str>) -> Result<Vec<SupportGroup>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, SupportGroup>(
                "SELECT code, institution, name_lv, name_en, level FROM support_groups \
                 WHERE $1 IS NULL OR institution = $1 ORDER BY code",
            )
            .bind(institution)
            .fetch_all(pool)
            .await?
        }))
    }
}

/// A support group: who works an institution's tickets at one level.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SupportGroup {
    pub code: String,
    pub institution: String,
    pub name_lv: String,
    pub name_en: Option<String>,
    pub level: i64,
}
