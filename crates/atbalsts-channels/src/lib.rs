//! The contact channels around the store. E-mail: messages received by the
//! built-in SMTP listener ([`listener`]) or piped in by an MTA are stored raw
//! first, then taken in by a job ([`intake`]): a new ticket, a reply threaded
//! into its ticket, mail that is never answered, or quarantine. Ticket events
//! are dispatched ([`dispatch`]) into notices ([`notify`]) that the outbox
//! delivers through the relay ([`outbox`]), or keeps when none is configured,
//! and into signed webhook deliveries to institutions' subscribers ([`webhooks`]);
//! staff replies on tickets of social and mobile connectors go back through
//! the connector's outbound address ([`connectors`]).

pub mod background;
pub mod connectors;
pub mod dispatch;
pub mod egress;
pub mod imap;
pub mod intake;
pub mod listener;
pub mod notify;
pub mod outbox;
mod reset;
mod texts;
pub mod webhooks;

use atbalsts_mail::{Relay, RelayConfig};
use atbalsts_store::Store;
use atbalsts_store::jobs::Handlers;
use std::sync::Arc;
pub use webhooks::WebhookConfig;

/// Why the channels could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Relay(#[from] atbalsts_mail::SendError),
    #[error("the webhooks' HTTP client cannot be set up: {0}")]
    Http(String),
}

/// How the desk's e-mail works on this node.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The relay outgoing mail goes through; `None` keeps it in the outbox.
    pub relay: Option<RelayConfig>,
    /// The address the desk writes from (envelope and `From`).
    pub mail_from: String,
    /// The name in `From` and in the signature.
    pub desk_name: String,
    /// Where people open their tickets, e.g. `https://atbalsts.example.lv`.
    pub public_url: String,
    /// Larger messages are refused by the listener and quarantined otherwise.
    pub max_message_bytes: usize,
    /// At most this many messages an hour from one sender become tickets or
    /// replies; the rest are quarantined (a flood stops, nothing is lost).
    pub per_sender_per_hour: i64,
    /// Days the outbox keeps a written message's bytes after it was written
    /// (the record stays); reset mail loses them within the hour.
    pub keep_days: u32,
    /// Certificates (PEM) trusted besides the public roots for the relay and the
    /// IMAP mailboxes (an institution's own CA).
    pub ca_pem: Option<Vec<u8>>,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            relay: None,
            mail_from: "atbalsts@localhost".into(),
            desk_name: "Atbalsts".into(),
            public_url: "http://127.0.0.1:8080".into(),
            max_message_bytes: 25 * 1024 * 1024,
            per_sender_per_hour: 30,
            keep_days: 30,
            ca_pem: None,
        }
    }
}

impl MailConfig {
    /// The domain of the desk's Message-IDs (that of `mail_from`).
    pub fn domain(&self) -> &str {
        self.mail_from
            .rsplit_once('@')
            .map_or("localhost", |(_, d)| d)
    }
}

/// The client of the desk's own HTTP requests. A receiver's redirect is a
/// failed delivery, not an order to post the signed body somewhere else (and
/// a redirect could lead past the address check); names resolve only to
/// addresses the policy allows.
fn http_client(config: &WebhookConfig) -> Result<reqwest::Client, SetupError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(egress::GuardedResolver {
            allow_private: config.allow_private_addresses,
        }))
        .build()
        .map_err(|e| SetupError::Http(e.to_string()))
}

/// The channels of one node: configuration, the relay, the store.
#[derive(Clone)]
pub struct Channels {
    pub(crate) store: Store,
    pub(crate) config: Arc<MailConfig>,
    pub(crate) relay: Option<Arc<Relay>>,
    pub(crate) webhooks: Arc<WebhookConfig>,
    pub(crate) http: reqwest::Client,
    /// Where received attachments are kept.
    pub(crate) objects: atbalsts_objects::Objects,
}

impl Channels {
    pub fn new(store: Store, config: MailConfig) -> Result<Channels, SetupError> {
        let relay = match &config.relay {
            Some(cfg) => {
                let mut cfg = cfg.clone();
                if cfg.ca_pem.is_none() {
                    cfg.ca_pem.clone_from(&config.ca_pem);
                }
                Some(Arc::new(Relay::new(&cfg)?))
            }
            None => None,
        };
        let webhooks = WebhookConfig::default();
        let http = http_client(&webhooks)?;
        Ok(Channels {
            store,
            config: Arc::new(config),
            relay,
            webhooks: Arc::new(webhooks),
            http,
            // Tests that do not look at files; a node always names its storage.
            objects: atbalsts_objects::Objects::memory(),
        })
    }

    /// The same channels sending their HTTP requests (webhooks, connectors) by `config`.
    pub fn with_webhooks(mut self, config: WebhookConfig) -> Result<Channels, SetupError> {
        self.http = http_client(&config)?;
        self.webhooks = Arc::new(config);
        Ok(self)
    }

    /// The same channels keeping received attachments in `objects`.
    pub fn with_objects(mut self, objects: atbalsts_objects::Objects) -> Channels {
        self.objects = objects;
        self
    }

    pub fn config(&self) -> &MailConfig {
        &self.config
    }

    /// The groups' addresses as (address, group), for the operator.
    pub async fn desk_addresses(
        &self,
    ) -> Result<Vec<(String, String)>, atbalsts_store::StoreError> {
        Ok(self
            .store
            .desk_addresses()
            .await?
            .into_iter()
            .map(|a| (a.address, a.group_code))
            .collect())
    }

    /// Add the channels' job handlers (intake, sending, the reset e-mail, webhooks, connectors) to `handlers`.
    pub fn register(&self, handlers: Handlers) -> Handlers {
        let (a, b, c, w) = (self.clone(), self.clone(), self.clone(), self.clone());
        let keep_days = self.config.keep_days;
        let k = self.clone();
        handlers
            .with(
                atbalsts_store::mail::inbound::INTAKE_JOB,
                move |_store, job| {
                    let c = a.clone();
                    async move { c.take_in(job).await }
                },
            )
            .with(
                atbalsts_store::mail::outbound::SEND_JOB,
                move |_store, job| {
                    let c = b.clone();
                    async move { c.send_queued(job).await }
                },
            )
            .with(
                atbalsts_store::password_reset::RESET_MAIL_JOB,
                move |_store, job| {
                    let c = c.clone();
                    async move { c.write_reset_mail(job).await }
                },
            )
            .with(atbalsts_store::webhooks::DELIVER_JOB, move |_store, job| {
                let c = w.clone();
                async move { c.deliver_webhook(job).await }
            })
            .with(
                atbalsts_store::mail::retention::PURGE_JOB,
                move |store, _job| {
                    let keep_days = keep_days;
                    async move {
                        let purged = store
                            .purge_outbound_content(atbalsts_store::now_micros(), keep_days)
                            .await?;
                        if purged.emptied + purged.expired > 0 {
                            tracing::info!(
                                emptied = purged.emptied,
                                expired = purged.expired,
                                keep_days,
                                "outbox content purged"
                            );
                        }
                        Ok(())
                    }
                },
            )
            .with(
                atbalsts_store::connectors::outbound::DELIVER_JOB,
                move |_store, job| {
                    let c = k.clone();
                    async move { c.deliver_to_connector(job).await }
                },
            )
    }

    /// The channels' periodic jobs, for the worker's configuration.
    pub fn periodic() -> Vec<(String, std::time::Duration)> {
        vec![(
            atbalsts_store::mail::retention::PURGE_JOB.to_string(),
            atbalsts_store::mail::retention::PURGE_EVERY,
        )]
    }
}
