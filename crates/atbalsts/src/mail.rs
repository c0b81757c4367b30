//! The e-mail channel's wiring: flags and settings, the node's channels (job
//! handlers, dispatcher, SMTP listener), and `atbalsts mail deliver` for an MTA.

use crate::settings::Settings;
use anyhow::Context;
use atbalsts_channels::{Channels, MailConfig, WebhookConfig};
use atbalsts_store::Store;
use clap::Args;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// E-mail flags shared by `serve` and `demo`.
#[derive(Args, Clone, Default)]
pub struct MailArgs {
    /// Relay for outgoing mail (smtp://host:port, ?tls=starttls, smtps://, user:password@); also ATBALSTS_SMTP_RELAY.
    #[arg(long, value_name = "URL")]
    pub smtp_relay: Option<String>,
    /// Address the desk writes from; also ATBALSTS_MAIL_FROM.
    #[arg(long, value_name = "ADDRESS")]
    pub mail_from: Option<String>,
    /// Run the built-in SMTP listener on ADDR (off by default); port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    pub smtp_listen: Option<String>,
    /// Let webhooks and connectors post to loopback and private networks; also ATBALSTS_OUTBOUND_ALLOW_PRIVATE.
    #[arg(long)]
    pub outbound_allow_private: bool,
}

impl MailArgs {
    /// Flags over settings.
    pub fn apply(&self, settings: &mut Settings) {
        if let Some(v) = &self.smtp_relay {
            settings.smtp_relay = Some(v.clone());
        }
        if let Some(v) = &self.mail_from {
            settings.mail_from = v.clone();
        }
        if let Some(v) = &self.smtp_listen {
            settings.smtp_listen = Some(v.clone());
        }
        if self.outbound_allow_private {
            settings.outbound_allow_private = true;
        }
    }
}

/// The node's channels from the settings.
pub fn channels(store: Store, settings: &Settings, site: &str) -> anyhow::Result<Channels> {
    let relay = match &settings.smtp_relay {
        Some(url) => Some(url.parse().context("smtp_relay")?),
        None => None,
    };
    let ca_pem = match &settings.mail_ca_file {
        Some(path) => {
            Some(std::fs::read(path).with_context(|| format!("mail_ca_file {}", path.display()))?)
        }
        None => None,
    };
    let config = MailConfig {
        relay,
        ca_pem,
        mail_from: settings.mail_from.clone(),
        public_url: settings
            .public_url
            .clone()
            .unwrap_or_else(|| site.to_string()),
        keep_days: settings.mail_keep_days,
        ..MailConfig::default()
    };
    Channels::new(store, config)
        .context("the mail relay")?
        .with_webhooks(WebhookConfig {
            allow_private_addresses: settings.outbound_allow_private,
            ..WebhookConfig::default()
        })
        .context("the HTTP client of webhooks and connectors")
}

/// The running e-mail side of a node.
pub struct Running {
    dispatcher: atbalsts_channels::background::Background,
    poller: atbalsts_channels::background::Background,
    listener: Option<(watch::Sender<bool>, tokio::task::JoinHandle<()>)>,
}

impl Running {
    pub async fn stop(self) {
        if let Some((stop, task)) = self.listener {
            let _ = stop.send(true);
            let _ = task.await;
        }
        self.poller.stop().await;
        self.dispatcher.stop().await;
    }
}

/// Start the dispatcher and, when configured, the SMTP listener (printing its address).
pub async fn start(channels: &Channels, settings: &Settings) -> anyhow::Result<Running> {
    let dispatcher = channels.spawn_dispatcher(Duration::from_millis(500));
    let poller = channels.spawn_poller(Duration::from_secs(settings.imap_poll_seconds.max(5)));
    let listener = match &settings.smtp_listen {
        None => None,
        Some(addr) => {
            let socket = TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen for SMTP on {addr}"))?;
            println!("SMTP listening on {}", socket.local_addr()?);
            let addresses = channels.desk_addresses().await.unwrap_or_default();
            if !addresses.is_empty() {
                println!("Mail to these addresses becomes requests of their groups:");
                for (address, group) in addresses {
                    println!("  {address:<36} {group}");
                }
            }
            let (stop, mut stopped) = watch::channel(false);
            let intake = Arc::new(channels.clone());
            let config = atbalsts_mail::ServerConfig {
                max_message_bytes: channels.config().max_message_bytes,
                ..atbalsts_mail::ServerConfig::default()
            };
            let task = tokio::spawn(async move {
                let shutdown = async move {
                    let _ = stopped.changed().await;
                };
                if let Err(e) = atbalsts_mail::serve(socket, config, intake, shutdown).await {
                    tracing::error!(error = %e, "the SMTP listener stopped");
                }
            });
            Some((stop, task))
        }
    };
    Ok(Running {
        dispatcher,
        poller,
        listener,
    })
}

/// EX_TEMPFAIL (sysexits.h): the MTA keeps the message and tries again.
const EX_TEMPFAIL: i32 = 75;

/// `atbalsts mail deliver`: store one message from standard input; exit 0 when
/// it is stored, 75 when it could not be, so that the MTA retries.
pub async fn deliver(store: anyhow::Result<Store>, recipient: &str, sender: Option<String>) -> i32 {
    let mut raw = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut raw) {
        eprintln!("could not read the message: {e}");
        return EX_TEMPFAIL;
    }
    let store = match store {
        Ok(s) => s,
        Err(e) => {
            eprintln!("the message was not stored: {e:#}");
            return EX_TEMPFAIL;
        }
    };
    let arrival = atbalsts_store::mail::inbound::Arrival {
        source: "deliver",
        peer: None,
        envelope_from: sender.filter(|s| !s.is_empty() && s != "<>"),
        envelope_to: vec![recipient.to_string()],
        group: None,
    };
    let code = match store.receive_mail(&arrival, &raw).await {
        Ok(id) => {
            println!("stored as {id}");
            0
        }
        Err(e) => {
            eprintln!("the message was not stored: {e}");
            EX_TEMPFAIL
        }
    };
    store.close().await;
    code
}
