//! Polling a mailbox over IMAP, for desks whose mail lands at a provider's mailbox
//! rather than at the built-in SMTP listener.
//!
//! Delivery is at least once: a message is flagged `\Seen` only after the caller has taken
//! it, so a connection lost between the two brings it again on the next poll. Callers
//! recognise repeats by their Message-ID.

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

/// How the connection to the IMAP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapTls {
    /// Plain IMAP: only for a server on the same host or a private network.
    None,
    /// STARTTLS required before logging in; no fallback to plain.
    StartTls,
    /// TLS from the first byte (IMAPS, usually port 993).
    Implicit,
}

/// The mailbox to poll.
#[derive(Clone, PartialEq, Eq)]
pub struct MailboxConfig {
    pub host: String,
    pub port: u16,
    pub tls: ImapTls,
    pub user: String,
    pub secret: String,
    /// The folder to take mail from, e.g. `INBOX`.
    pub folder: String,
    /// The longest wait for any one network step (connecting, TLS, each command).
    pub timeout: Duration,
    /// Certificates (PEM) trusted besides the public roots: an institution's own CA.
    pub ca_pem: Option<Vec<u8>>,
}

/// Configurations end up in logs; the secret must not.
impl fmt::Debug for MailboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailboxConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("secret", &"***")
            .field("folder", &self.folder)
            .field("timeout", &self.timeout)
            .field("ca_pem", &self.ca_pem.as_ref().map(Vec::len))
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImapError {
    #[error("cannot connect to the IMAP server {addr}: {source}")]
    Connect {
        addr: String,
        #[source]
        source: io::Error,
    },
    #[error("the IMAP server did not answer {during} within {after:?}")]
    Timeout {
        during: &'static str,
        after: Duration,
    },
    #[error("{host:?} cannot be used as a TLS server name")]
    ServerName { host: String },
    #[error("{0}")]
    Trust(String),
    #[error("TLS with the IMAP server failed: {0}")]
    Tls(#[source] io::Error),
    #[error("the IMAP server does not allow STARTTLS: {0}")]
    StartTls(String),
    #[error("the IMAP server refused the login of {user:?}: {detail}")]
    Auth { user: String, detail: String },
    #[error("the IMAP folder {folder:?} cannot be opened: {detail}")]
    Folder { folder: String, detail: String },
    #[error("the IMAP connection broke during {during}: {detail}")]
    Connection {
        during: &'static str,
        detail: String,
    },
    #[error("the IMAP server refused {during}: {detail}")]
    Refused {
        during: &'static str,
        detail: String,
    },
    #[error("the IMAP server's answer to {during} was not understood: {detail}")]
    Protocol {
        during: &'static str,
        detail: String,
    },
}

impl ImapError {
    /// Whether the next poll may well succeed without anyone changing the configuration:
    /// the network, the server's load or a passing server-side condition. Refused
    /// credentials, a missing folder, a certificate or protocol mismatch need a person.
    pub fn is_temporary(&self) -> bool {
        match self {
            ImapError::Connect { .. }
            | ImapError::Timeout { .. }
            | ImapError::Connection { .. }
            | ImapError::Refused { .. } => true,
            // rustls reports certificate and protocol problems as its own error inside
            // io::Error; anything else (a reset, an early close) is the network's.
            ImapError::Tls(e) => e.get_ref().is_none_or(|inner| !inner.is::<rustls::Error>()),
            ImapError::ServerName { .. }
            | ImapError::Trust(_)
            | ImapError::StartTls(_)
            | ImapError::Auth { .. }
            | ImapError::Folder { .. }
            | ImapError::Protocol { .. } => false,
        }
    }
}

/// Fetch messages not yet taken (UNSEEN and not marked deleted) from the folder, oldest
/// first, at most `limit`; for each, call `take(raw_bytes)`. When it returns `Ok(())` the
/// message is flagged `\Seen`, so a message is marked only after the caller has stored it
/// durably. If `take` fails, its error is logged, the message stays unseen for the next
/// poll and polling of this batch stops. Returns how many messages were taken.
///
/// On an error after some messages were taken those stay taken; the count is lost but
/// nothing else is.
pub async fn poll_mailbox<F, Fut, E>(
    cfg: &MailboxConfig,
    limit: usize,
    mut take: F,
) -> Result<usize, ImapError>
where
    F: FnMut(Vec<u8>) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: fmt::Display,
{
    if limit == 0 {
        return Ok(0);
    }
    let mut session = open(cfg).await?;
    let outcome = take_unseen(&mut session, cfg, limit, &mut take).await;
    // Logging out only spares the server a dangling session; what was taken stands
    // either way. After a network failure it would just wait out another timeout.
    let broken = matches!(
        outcome,
        Err(ImapError::Connection { .. } | ImapError::Timeout { .. })
    );
    if !broken {
        let logout = step(cfg.timeout, "LOGOUT", session.logout()).await;
        if let Err(e) = logout.and_then(|r| r.map_err(|e| command_error("LOGOUT", e))) {
            tracing::debug!(host = %cfg.host, error = %e, "IMAP logout failed");
        }
    }
    outcome
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug> Io for T {}

/// One type for plain and TLS connections, so the session code exists once.
type Stream = Box<dyn Io>;

async fn take_unseen<F, Fut, E>(
    session: &mut Session<Stream>,
    cfg: &MailboxConfig,
    limit: usize,
    take: &mut F,
) -> Result<usize, ImapError>
where
    F: FnMut(Vec<u8>) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: fmt::Display,
{
    let t = cfg.timeout;
    step(t, "SELECT", session.select(&cfg.folder))
        .await?
        .map_err(|e| folder_error(cfg, e))?;
    let found = step(t, "UID SEARCH", session.uid_search("UNSEEN UNDELETED"))
        .await?
        .map_err(|e| command_error("UID SEARCH", e))?;
    // UIDs grow in the order messages arrived in the folder.
    let mut uids: Vec<u32> = found.into_iter().collect();
    uids.sort_unstable();
    uids.truncate(limit);

    let mut taken = 0;
    for uid in uids {
        // Another client may have expunged it since the search.
        let Some(raw) = fetch_raw(session, t, uid).await? else {
            continue;
        };
        if let Err(e) = take(raw).await {
            tracing::warn!(
                host = %cfg.host, folder = %cfg.folder, uid, error = %e,
                "an IMAP message was not taken; it stays unseen for the next poll"
            );
            break;
        }
        let flagged = step(t, "UID STORE", async {
            session
                .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
        flagged.map_err(|e| command_error("UID STORE", e))?;
        taken += 1;
    }
    Ok(taken)
}

async fn fetch_raw(
    session: &mut Session<Stream>,
    t: Duration,
    uid: u32,
) -> Result<Option<Vec<u8>>, ImapError> {
    // BODY.PEEK so that fetching alone does not set \Seen: only a taken message is marked.
    let fetches = step(t, "UID FETCH", async {
        session
            .uid_fetch(uid.to_string(), "BODY.PEEK[]")
            .await?
            .try_collect::<Vec<_>>()
            .await
    })
    .await?
    .map_err(|e| command_error("UID FETCH", e))?;
    // The server may slip in unsolicited FETCH responses about other messages.
    Ok(fetches
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.body())
        .map(<[u8]>::to_vec))
}

async fn open(cfg: &MailboxConfig) -> Result<Session<Stream>, ImapError> {
    let t = cfg.timeout;
    let addr = format!("{}:{}", cfg.host, cfg.port);
    let tcp = step(
        t,
        "connecting",
        TcpStream::connect((cfg.host.as_str(), cfg.port)),
    )
    .await?
    .map_err(|source| ImapError::Connect { addr, source })?;
    let stream: Stream = match cfg.tls {
        ImapTls::Implicit => Box::new(tls(cfg, tcp).await?),
        ImapTls::None | ImapTls::StartTls => Box::new(tcp),
    };
    let mut client = Client::new(stream);
    greeting(&mut client, t).await?;
    if cfg.tls == ImapTls::StartTls {
        step(
            t,
            "STARTTLS",
            client.run_command_and_check_ok("STARTTLS", None),
        )
        .await?
        .map_err(|e| match e {
            async_imap::error::Error::No(d) | async_imap::error::Error::Bad(d) => {
                ImapError::StartTls(d)
            }
            other => command_error("STARTTLS", other),
        })?;
        // No greeting follows STARTTLS (RFC 3501, 6.2.1); the client starts afresh.
        let tcp = client.into_inner();
        client = Client::new(Box::new(tls(cfg, tcp).await?));
    }
    let login = step(t, "LOGIN", client.login(&cfg.user, &cfg.secret)).await?;
    login.map_err(|(e, _client)| {
        let auth = |detail| ImapError::Auth {
            user: cfg.user.clone(),
            detail,
        };
        match e {
            async_imap::error::Error::No(detail) | async_imap::error::Error::Bad(detail) => {
                auth(detail)
            }
            async_imap::error::Error::Validate(v) => auth(format!("cannot be sent: {v}")),
            other => command_error("LOGIN", other),
        }
    })
}

async fn greeting(client: &mut Client<Stream>, t: Duration) -> Result<(), ImapError> {
    use async_imap::imap_proto::{Response, Status};
    let greeting = step(t, "the greeting", client.read_response())
        .await?
        .map_err(|e| command_error("the greeting", e.into()))?
        .ok_or_else(|| ImapError::Connection {
            during: "the greeting",
            detail: "closed before greeting".to_string(),
        })?;
    match greeting.parsed() {
        Response::Data {
            status: Status::Ok, ..
        } => Ok(()),
        // A BYE greeting is a busy or closing server; PREAUTH would skip our login and
        // the credentials we were given, so it is not accepted either.
        other => Err(ImapError::Refused {
            during: "the greeting",
            detail: format!("{other:?}"),
        }),
    }
}

/// Wraps a TCP connection in TLS, checked against the public web PKI roots and the
/// configured extra certificates.
async fn tls<S>(cfg: &MailboxConfig, tcp: S) -> Result<TlsStream<S>, ImapError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + fmt::Debug,
{
    let name = ServerName::try_from(cfg.host.clone()).map_err(|_| ImapError::ServerName {
        host: cfg.host.clone(),
    })?;
    // Built per poll: polls are minutes apart, and this keeps no global state.
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(pem) = &cfg.ca_pem {
        let certificates = crate::trust::certificates(pem).map_err(ImapError::Trust)?;
        for certificate in certificates {
            roots
                .add(certificate)
                .map_err(|e| ImapError::Tls(io::Error::other(e)))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::Tls(io::Error::other(e)))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    step(
        cfg.timeout,
        "the TLS handshake",
        TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await?
    .map_err(ImapError::Tls)
}

fn folder_error(cfg: &MailboxConfig, e: async_imap::error::Error) -> ImapError {
    match e {
        async_imap::error::Error::No(detail) | async_imap::error::Error::Bad(detail) => {
            ImapError::Folder {
                folder: cfg.folder.clone(),
                detail,
            }
        }
        async_imap::error::Error::Validate(v) => ImapError::Folder {
            folder: cfg.folder.clone(),
            detail: v.to_string(),
        },
        other => command_error("SELECT", other),
    }
}

fn command_error(during: &'static str, e: async_imap::error::Error) -> ImapError {
    use async_imap::error::Error;
    match e {
        Error::Io(e) => ImapError::Connection {
            during,
            detail: e.to_string(),
        },
        Error::ConnectionLost => ImapError::Connection {
            during,
            detail: "connection lost".to_string(),
        },
        Error::No(detail) => ImapError::Refused { during, detail },
        other => ImapError::Protocol {
            during,
            detail: other.to_string(),
        },
    }
}

async fn step<T>(
    after: Duration,
    during: &'static str,
    fut: impl Future<Output = T>,
) -> Result<T, ImapError> {
    tokio::time::timeout(after, fut)
        .await
        .map_err(|_| ImapError::Timeout { during, after })
}
