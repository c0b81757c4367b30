//! Administration of staff accounts and support groups' members.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::users::scope_errors;
use atbalsts_domain::{FieldError, Role, Scope};

/// A staff account as administrators see it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub has_password: bool,
    pub scopes: Vec<Scope>,
    pub groups: Vec<String>,
}

type AccountRow = (i64, String, String, String, bool, Option<String>);

impl Store {
    /// Every account, by e-mail, with scopes and groups.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let rows: Vec<AccountRow> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT id, email, name, role, active, password_hash FROM users ORDER BY email",
            )
            .fetch_all(pool)
            .await?
        });
        let scopes: Vec<(i64, String, String)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT user_id, institution, service FROM user_scopes ORDER BY institution, service")
                .fetch_all(pool)
                .await?
        });
        let groups: Vec<(i64, String)> = on_pool!(self, |pool| {
            sqlx::query_as("SELECT user_id, group_code FROM group_members ORDER BY group_code")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(id, email, name, role, active, hash)| {
                Ok(Account {
                    role: Role::parse(&role)
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role:?}")))?,
                    scopes: scopes
                        .iter()
                        .filter(|(u, _, _)| *u == id)
                        .map(|(_, institution, service)| Scope {
                            institution: institution.clone(),
                            service: (!service.is_empty()).then(|| service.clone()),
                        })
                        .collect(),
                    groups: groups
                        .iter()
                        .filter(|(u, _)| *u == id)
                        .map(|(_, g)| g.clone())
                        .collect(),
                    id,
                    email,
                    name,
                    active,
                    has_password: hash.is_some(),
                })
            })
            .collect()
    }

    /// One account.
    pub async fn account(&self, id: i64) -> Result<Account> {
        self.accounts()
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("no staff account {id}")))
    }

    /// Change an account's role, scopes and whether it may sign in. A
    /// deactivated account's sessions end at once.
    pub async fn update_account(
        &self,
        id: i64,
        role: Role,
        scopes: &[Scope],
        active: bool,
    ) -> Result<()> {
        in_tx!(self, |tx| {
            let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            if found == 0 {
                return Err(StoreError::NotFound(format!("no staff account {id}")));
            }
            let errors = scope_errors!(&mut *tx, scopes);
            if !errors.is_empty() {
                return Err(StoreError::invalid(errors));
            }
            sqlx::query("UPDATE users SET role = $1, active = $2 WHERE id = $3")
                .bind(role.as_str())
                .bind(active)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM user_scopes WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for s in scopes {
                sqlx::query(
                    "INSERT INTO user_scopes (user_id, institution, service) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(&s.institution)
                .bind(s.service.as_deref().unwrap_or(""))
                .execute(&mut *tx)
                .await?;
            }
            if !active {
                sqlx::query("DELETE FROM staff_sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    /// Make `members` the whole membership of a group.
    pub async fn set_group_members(&self, code: &str, members: &[i64]) -> Result<()> {
        in_tx!(self, |tx| {
            sqlx::query("DELETE FROM group_members WHERE group_code = $1")
                .bind(code)
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
        Ok(())
    }
}
