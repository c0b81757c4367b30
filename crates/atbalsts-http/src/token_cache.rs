//! A short-lived cache of staff API tokens, so that a burst of requests with
//! one token does not repeat the same two lookups. A revoked token or a
//! changed scope takes effect within [`TTL`].

use atbalsts_domain::StaffActor;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct TokenCache {
    entries: RwLock<HashMap<String, (StaffActor, Instant)>>,
}

impl TokenCache {
    pub fn get(&self, token: &str) -> Option<StaffActor> {
        let entries = self.entries.read().ok()?;
        let (staff, at) = entries.get(token)?;
        (at.elapsed() < TTL).then(|| staff.clone())
    }

    pub fn put(&self, token: &str, staff: &StaffActor) {
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.retain(|_, (_, at)| at.elapsed() < TTL);
            }
            if entries.len() < MAX_ENTRIES {
                entries.insert(token.to_string(), (staff.clone(), Instant::now()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use atbalsts_domain::Role;

    #[test]
    fn remembers_then_forgets() {
        let cache = TokenCache::default();
        let staff = StaffActor {
            user_id: 1,
            name: "Ilze".into(),
            role: Role::Specialist,
            scopes: vec![],
        };
        assert!(cache.get("t").is_none());
        cache.put("t", &staff);
        assert_eq!(cache.get("t").map(|s| s.user_id), Some(1));
        if let Ok(mut e) = cache.entries.write() {
            e.insert("t".into(), (staff, Instant::now() - TTL));
        }
        assert!(cache.get("t").is_none(), "expired entries are not served");
    }
}
