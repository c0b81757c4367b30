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

/// The channels of one node: configuration, the relay, the store.
#[derive(Clone)]
pub struct Channels {
    pub(crate) store: Store,
    pub(crate) config: Arc<MailConfig>,
    pub(crate) relay: Option<Arc<Relay>>,
    pub(crate) webhooks: Arc<WebhookConfig>,
    pub(crate) http: reqwest::Client,
}

impl Channels {
    pub fn new(store: Store, config: MailConfig) -> Result<Channels, SetupError> {
        let relay = match &config.relay {
            Some(cfg) => Some(Arc::new(Relay::new(cfg)?)),
            None => None,
        };
        // A receiver's redirect is a failed delivery, not an order to post
        // the signed body somewhere else.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SetupError::Http(e.to_string()))?;
        Ok(Channels {
            store,
            config: Arc::new(config),
            relay,
            webhooks: Arc::new(WebhookConfig::default()),
            http,
        })
    }

    /// The same channels delivering webhooks by `config`.
    pub fn with_webhooks(mut self, config: WebhookConfig) -> Channels {
        self.webhooks = Arc::new(config);
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
                atbalsts_store::connectors::outbound::DELIVER_JOB,
                move |_store, job| {
                    let c = k.clone();
                    async move { c.deliver_to_connector(job).await }
                },
            )
    }
}
