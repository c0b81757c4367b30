//! The desk's own HTTP requests (webhooks, connectors) go only where
//! [`atbalsts_domain::egress`] allows. Names are checked where they are
//! resolved, in the client's resolver, so the address checked is the
//! address connected to (a name that resolves to a public address at
//! subscription time and to 127.0.0.1 at delivery time is still refused);
//! addresses written as IP literals never reach a resolver and are checked
//! before the request by [`check_url`].

use atbalsts_domain::egress::may_connect;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};

/// A resolver that keeps only the addresses the policy allows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuardedResolver {
    pub allow_private: bool,
}

/// Why a destination is refused; the text goes into the delivery log.
#[derive(Debug, thiserror::Error)]
#[error(
    "{host} is an address in a private or reserved network; the desk does not send there \
     unless the operator allows private receivers (setting outbound_allow_private)"
)]
pub struct Refused {
    host: String,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| may_connect(a.ip(), allow_private))
                .collect();
            if allowed.is_empty() && !found.is_empty() {
                return Err(Box::new(Refused { host }) as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Refuse an address whose host is an IP literal the policy does not allow
/// (names are left to the resolver).
pub fn check_url(url: &str, allow_private: bool) -> Result<(), Refused> {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return Ok(()); // the client reports a malformed address itself
    };
    let host = parsed.host_str().unwrap_or_default();
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    let Ok(ip) = literal.parse::<IpAddr>() else {
        return Ok(());
    };
    if may_connect(ip, allow_private) {
        Ok(())
    } else {
        Err(Refused {
            host: ip.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_literals_are_checked_before_the_request() {
        assert!(check_url("http://127.0.0.1:9/hook", false).is_err());
        assert!(check_url("http://[::1]:9/hook", false).is_err());
        assert!(check_url("http://169.254.169.254/latest", false).is_err());
        assert!(check_url("http://127.0.0.1:9/hook", true).is_ok());
        assert!(check_url("https://93.184.215.14/hook", false).is_ok());
        assert!(check_url("https://hooks.example.lv/x", false).is_ok());
    }

    #[tokio::test]
    async fn names_of_private_addresses_are_refused_when_resolved() {
        let guarded = GuardedResolver {
            allow_private: false,
        };
        let name: Name = "localhost".parse().expect("a name");
        assert!(guarded.resolve(name).await.is_err());
        let open = GuardedResolver {
            allow_private: true,
        };
        let name: Name = "localhost".parse().expect("a name");
        let addrs: Vec<SocketAddr> = open.resolve(name).await.expect("resolves").collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());
    }
}
