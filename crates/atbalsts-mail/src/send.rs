//! Handing outgoing mail to the SMTP relay.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use percent_encoding::percent_decode_str;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain SMTP (`smtp://`): for a relay on the same host or a private network.
    None,
    /// STARTTLS required (`smtp://…?tls=starttls`); no fallback to plain.
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

/// Where and how to relay, from a URL: `smtp://host:port`, `smtp://host:port?tls=starttls`
/// or `smtps://host:port`, with optional percent-encoded `user:password@`. More query
/// parameters: `timeout=<seconds>` (default 30) and `helo=<name>` (default: this host's
/// name). The port defaults to 25 for smtp and 465 for smtps.
#[derive(Clone, PartialEq, Eq)]
pub struct RelayConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<String>,
    pub timeout: Duration,
    pub helo_name: Option<String>,
    /// Certificates (PEM) trusted besides the public roots: an institution's own CA
    /// that signed the relay's certificate. Set from a file, not from the URL.
    pub ca_pem: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayConfigError {
    #[error("the relay URL cannot be read: {0}")]
    Url(String),
    #[error("the relay URL's scheme is {0:?}; use smtp:// or smtps://")]
    Scheme(String),
    #[error("the relay URL has no host")]
    NoHost,
    #[error("the relay URL's parameter {name}={value:?} is not valid: {reason}")]
    Parameter {
        name: String,
        value: String,
        reason: &'static str,
    },
    #[error("the relay URL's parameter {0:?} is unknown (known: tls, timeout, helo)")]
    UnknownParameter(String),
    #[error("the relay URL's user or password is not valid UTF-8 when percent-decoded")]
    Userinfo,
}

impl FromStr for RelayConfig {
    type Err = RelayConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = url::Url::parse(s.trim()).map_err(|e| RelayConfigError::Url(e.to_string()))?;
        let mut tls = match url.scheme() {
            "smtp" => TlsMode::None,
            "smtps" => TlsMode::Implicit,
            other => return Err(RelayConfigError::Scheme(other.to_string())),
        };
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(RelayConfigError::NoHost)?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = url
            .port()
            .unwrap_or(if tls == TlsMode::Implicit { 465 } else { 25 });
        let mut timeout = Duration::from_secs(30);
        let mut helo_name = None;
        for (name, value) in url.query_pairs() {
            let bad = |reason| RelayConfigError::Parameter {
                name: name.to_string(),
                value: value.to_string(),
                reason,
            };
            match name.as_ref() {
                "tls" => {
                    tls = match (value.as_ref(), tls) {
                        ("starttls", TlsMode::None) => TlsMode::StartTls,
                        ("none" | "plain", TlsMode::None) => TlsMode::None,
                        (_, TlsMode::Implicit) => return Err(bad("smtps:// is already TLS")),
                        _ => return Err(bad("use tls=starttls or tls=none")),
                    }
                }
                "timeout" => {
                    let secs: u64 = value.parse().map_err(|_| bad("a number of seconds"))?;
                    if secs == 0 {
                        return Err(bad("at least one second"));
                    }
                    timeout = Duration::from_secs(secs);
                }
                "helo" if !value.is_empty() => helo_name = Some(value.to_string()),
                "helo" => return Err(bad("a host name")),
                other => return Err(RelayConfigError::UnknownParameter(other.to_string())),
            }
        }
        let decode = |s: &str| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|d| d.into_owned())
                .map_err(|_| RelayConfigError::Userinfo)
        };
        let username = Some(decode(url.username())?).filter(|u| !u.is_empty());
        let password = url.password().map(decode).transpose()?;
        Ok(RelayConfig {
            host,
            port,
            tls,
            username,
            password,
            timeout,
            helo_name,
            ca_pem: None,
        })
    }
}

/// The URL without the password (shown as `***` when there is one).
impl fmt::Display for RelayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls == TlsMode::Implicit {
            "smtps"
        } else {
            "smtp"
        };
        write!(f, "{scheme}://")?;
        if let Some(user) = &self.username {
            let user =
                percent_encoding::utf8_percent_encode(user, percent_encoding::NON_ALPHANUMERIC);
            write!(f, "{user}")?;
            if self.password.is_some() {
                write!(f, ":***")?;
            }
            write!(f, "@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        if self.tls == TlsMode::StartTls {
            write!(f, "?tls=starttls")?;
        }
        Ok(())
    }
}

impl fmt::Debug for RelayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RelayConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .field("helo_name", &self.helo_name)
            .field("ca_pem", &self.ca_pem.as_ref().map(Vec::len))
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("the relay cannot be set up: {0}")]
    Config(String),
    #[error("invalid envelope address {0:?}")]
    Address(String),
    #[error("no recipients")]
    NoRecipients,
    #[error("the relay refused the message ({code}): {message}")]
    Rejected { code: u16, message: String },
    #[error("the relay deferred the message ({code}): {message}")]
    Deferred { code: u16, message: String },
    #[error("timed out talking to the relay")]
    Timeout,
    #[error("could not talk to the relay: {0}")]
    Connection(String),
}

impl SendError {
    /// Whether sending again cannot help: the relay answered 5xx, or the message's own
    /// addresses are unusable. Connection failures, timeouts, 4xx and configuration
    /// problems (which an administrator can fix) are worth retrying.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            SendError::Rejected { .. } | SendError::Address(_) | SendError::NoRecipients
        )
    }
}

/// A client of one relay. Cheap to share; each send opens its own connection.
#[derive(Clone)]
pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    description: String,
}

impl fmt::Debug for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relay")
            .field("relay", &self.description)
            .finish()
    }
}

impl Relay {
    pub fn new(cfg: &RelayConfig) -> Result<Relay, SendError> {
        let tls_parameters = || {
            let mut builder = TlsParameters::builder(cfg.host.clone());
            if let Some(pem) = &cfg.ca_pem {
                crate::trust::certificates(pem).map_err(SendError::Config)?;
                let certificate = Certificate::from_pem(pem).map_err(|e| {
                    SendError::Config(format!("the trusted certificates are not PEM: {e}"))
                })?;
                builder = builder.add_root_certificate(certificate);
            }
            builder
                .build_rustls()
                .map_err(|e| SendError::Config(e.to_string()))
        };
        let tls = match cfg.tls {
            TlsMode::None => Tls::None,
            TlsMode::StartTls => Tls::Required(tls_parameters()?),
            TlsMode::Implicit => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.as_str())
                .port(cfg.port)
                .tls(tls)
                .timeout(Some(cfg.timeout));
        if let (Some(user), Some(password)) = (&cfg.username, &cfg.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        if let Some(name) = &cfg.helo_name {
            builder = builder.hello_name(ClientId::Domain(name.clone()));
        }
        Ok(Relay {
            transport: builder.build(),
            description: cfg.to_string(),
        })
    }

    /// Sends `raw` (e.g. from [`crate::compose`]) with the given envelope; an empty
    /// `envelope_from` (or `<>`) is the null sender. Returns the relay's reply.
    pub async fn send(
        &self,
        envelope_from: &str,
        to: &[String],
        raw: &[u8],
    ) -> Result<String, SendError> {
        let from = envelope_from
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        let from = if from.is_empty() {
            None
        } else {
            Some(
                from.parse()
                    .map_err(|_| SendError::Address(envelope_from.to_string()))?,
            )
        };
        let mut recipients = Vec::with_capacity(to.len());
        for rcpt in to {
            let clean = rcpt.trim().trim_start_matches('<').trim_end_matches('>');
            recipients.push(
                clean
                    .parse()
                    .map_err(|_| SendError::Address(rcpt.clone()))?,
            );
        }
        let envelope = Envelope::new(from, recipients).map_err(|_| SendError::NoRecipients)?;
        let response = self
            .transport
            .send_raw(&envelope, raw)
            .await
            .map_err(|e| classify_error(&e))?;
        let text: Vec<&str> = response.message().collect();
        Ok(format!("{} {}", u16::from(response.code()), text.join(" ")))
    }
}

fn classify_error(e: &lettre::transport::smtp::Error) -> SendError {
    let message = e.to_string();
    match e.status().map(u16::from) {
        Some(code) if e.is_permanent() => SendError::Rejected { code, message },
        Some(code) if e.is_transient() => SendError::Deferred { code, message },
        _ if e.is_timeout() => SendError::Timeout,
        _ => SendError::Connection(message),
    }
}
