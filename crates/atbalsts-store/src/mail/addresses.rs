//! Support groups' e-mail addresses: the recipient picks the group.

use crate::db::Store;
use crate::error::Result;
use crate::mail::normalise_address;

/// The group an address belongs to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AddressedGroup {
    pub address: String,
    pub group_code: String,
    pub institution: String,
}

impl Store {
    /// The group that answers at `address`, if any.
    pub async fn group_for_address(&self, address: &str) -> Result<Option<AddressedGroup>> {
        let address = normalise_address(address);
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, AddressedGroup>(
                "SELECT a.address, a.group_code, g.institution FROM group_email_addresses a \
                 JOIN support_groups g ON g.code = a.group_code WHERE a.address = $1",
            )
            .bind(&address)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// A group by its code, with its first address ("" when it has none).
    pub async fn addressed_group(&self, code: &str) -> Result<Option<AddressedGroup>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, AddressedGroup>(
                "SELECT COALESCE((SELECT MIN(a.address) FROM group_email_addresses a WHERE a.group_code = g.code), '') \
                 AS address, g.code AS group_code, g.institution FROM support_groups g WHERE g.code = $1",
            )
            .bind(code)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Every address of every group: the desk's own addresses (mail from them is a loop).
    pub async fn desk_addresses(&self) -> Result<Vec<AddressedGroup>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_as::<_, AddressedGroup>(
                "SELECT a.address, a.group_code, g.institution FROM group_email_addresses a \
                 JOIN support_groups g ON g.code = a.group_code ORDER BY a.address",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// A group's addresses, first (alphabetically) first: the first is the one it writes from.
    pub async fn group_addresses(&self, group: &str) -> Result<Vec<String>> {
        Ok(on_pool!(self, |pool| {
            sqlx::query_scalar::<_, String>(
                "SELECT address FROM group_email_addresses WHERE group_code = $1 ORDER BY address",
            )
            .bind(group)
            .fetch_all(pool)
            .await?
        }))
    }
}

/// A group's addresses as given: each checked, normalised, without repeats.
/// Problems go to `errors` under `email_addresses`.
pub(crate) fn checked(
    given: &[String],
    errors: &mut Vec<atbalsts_domain::FieldError>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in given {
        let a = normalise_address(a);
        if !atbalsts_domain::validate::is_email(&a) {
            errors.push(atbalsts_domain::FieldError::new(
                "email_addresses",
                format!("\"{a}\" is not an e-mail address like palidziba@iestade.lv"),
            ));
        } else if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// Push an error for each of `$addresses` that another group than `$code` answers at.
macro_rules! check_owners {
    ($ex:expr, $code:expr, $addresses:expr, $errors:expr) => {
        for a in $addresses {
            let owner: Option<String> = sqlx::query_scalar(
                "SELECT group_code FROM group_email_addresses WHERE address = $1",
            )
            .bind(a)
            .fetch_optional($ex)
            .await?;
            if let Some(owner) = owner.filter(|o| o != $code) {
                $errors.push(atbalsts_domain::FieldError::new(
                    "email_addresses",
                    format!("{a} is the address of group {owner} already"),
                ));
            }
        }
    };
}
pub(crate) use check_owners;
