//! Rate limits for unauthenticated writes, per client address and per node.

use crate::ApiConfig;
use crate::error::ApiError;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;

pub struct Limits {
    public_create: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limits {
    pub fn new(config: &ApiConfig) -> Self {
        let per_minute =
            NonZeroU32::new(config.public_creates_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            public_create: RateLimiter::keyed(Quota::per_minute(per_minute)),
        }
    }

    /// A requester without an account may create only so many tickets a minute.
    pub fn public_create(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let key = ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        self.public_create.check_key(&key).map_err(|_| {
            ApiError::TooManyRequests(
                "too many requests were sent from your address; please wait a minute and try again"
                    .into(),
            )
        })?;
        // Forget idle addresses now and then so the map stays small.
        if self.public_create.len() > 10_000 {
            self.public_create.retain_recent();
        }
        Ok(())
    }
}
