//! Rate limits for unauthenticated writes, per client address and per node.

use crate::HttpConfig;
use crate::error::ApiError;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;

pub struct Limits {
    public_writes: DefaultKeyedRateLimiter<IpAddr>,
    assistant: DefaultKeyedRateLimiter<IpAddr>,
    sign_ins: DefaultKeyedRateLimiter<IpAddr>,
    connectors: DefaultKeyedRateLimiter<i64>,
    connector_senders: DefaultKeyedRateLimiter<(i64, String)>,
}

/// Messages a connector may post per minute, all its users together.
pub const CONNECTOR_MESSAGES_PER_MINUTE: u32 = 600;
/// Messages one sender (a handle) of a connector may post per minute: a
/// person types a few; a loop or a flood is stopped here.
pub const SENDER_MESSAGES_PER_MINUTE: u32 = 20;

const fn nonzero(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    }
}

/// Sign-in attempts a client address may make per minute (every node counts
/// its own; the per-account pause in the store holds across nodes).
const SIGN_INS_PER_MINUTE: NonZeroU32 = match NonZeroU32::new(20) {
    Some(n) => n,
    None => NonZeroU32::MIN,
};

impl Limits {
    pub fn new(config: &HttpConfig) -> Self {
        let per_minute =
            NonZeroU32::new(config.public_creates_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let questions = NonZeroU32::new(config.assistant_questions_per_minute.max(1))
            .unwrap_or(NonZeroU32::MIN);
        Self {
            public_writes: RateLimiter::keyed(Quota::per_minute(per_minute)),
            assistant: RateLimiter::keyed(Quota::per_minute(questions)),
            sign_ins: RateLimiter::keyed(Quota::per_minute(SIGN_INS_PER_MINUTE)),
            connectors: RateLimiter::keyed(Quota::per_minute(nonzero(
                CONNECTOR_MESSAGES_PER_MINUTE,
            ))),
            connector_senders: RateLimiter::keyed(Quota::per_minute(nonzero(
                SENDER_MESSAGES_PER_MINUTE,
            ))),
        }
    }

    /// A connector's messages, per connector and per sender (on this node).
    pub fn connector_message(&self, connector: i64, sender: &str) -> Result<(), ApiError> {
        let refused = |whom: &str| {
            ApiError::TooManyRequests(format!(
                "too many messages {whom} this minute; send the rest a little later"
            ))
        };
        self.connectors
            .check_key(&connector)
            .map_err(|_| refused("from this connector"))?;
        self.connector_senders
            .check_key(&(connector, sender.to_string()))
            .map_err(|_| refused("from this sender"))?;
        if self.connector_senders.len() > 10_000 {
            self.connector_senders.retain_recent();
        }
        Ok(())
    }

    /// Without an account, a client address may ask the assistant only so
    /// many questions a minute (each one is kept with its conversation).
    pub fn assistant(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        check(&self.assistant, ip)
    }

    /// Password guessing from one address is slowed down whatever the account.
    pub fn sign_in(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        check(&self.sign_ins, ip)
    }

    /// Without an account, a client address may write (create tickets, rate
    /// articles) only so many times a minute.
    pub fn public_write(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        check(&self.public_writes, ip)
    }
}

fn check(limiter: &DefaultKeyedRateLimiter<IpAddr>, ip: Option<IpAddr>) -> Result<(), ApiError> {
    let key = ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    limiter.check_key(&key).map_err(|_| {
        ApiError::TooManyRequests(
            "too many requests were sent from your address; please wait a minute and try again"
                .into(),
        )
    })?;
    // Forget idle addresses now and then so the map stays small.
    if limiter.len() > 10_000 {
        limiter.retain_recent();
    }
    Ok(())
}
