//! Polling the IMAP mailboxes configured as data: each message is stored (with
//! its intake job) before the mailbox marks it seen, so a crash in between
//! fetches it again, and intake recognises the repeat by its Message-ID.

use crate::Channels;
use crate::background::Background;
use atbalsts_mail::imap::{ImapTls, MailboxConfig, poll_mailbox};
use std::time::Duration;

/// At most this many messages per mailbox and pass: one busy mailbox does not starve the others.
const BATCH: usize = 50;

impl Channels {
    /// Poll every active mailbox once; returns how many messages were taken.
    pub async fn poll_mailboxes_once(&self) -> usize {
        let boxes = match self.store.mailboxes_to_poll().await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "mailboxes not read");
                return 0;
            }
        };
        let mut taken = 0;
        for access in boxes {
            let m = &access.mailbox;
            let cfg = MailboxConfig {
                host: m.host.clone(),
                port: u16::try_from(m.port).unwrap_or(143),
                tls: match m.tls.as_str() {
                    "none" => ImapTls::None,
                    "starttls" => ImapTls::StartTls,
                    _ => ImapTls::Implicit,
                },
                user: m.username.clone(),
                secret: access.secret.clone(),
                folder: m.folder.clone(),
                timeout: Duration::from_secs(30),
                ca_pem: self.config.ca_pem.clone(),
            };
            let peer = format!("imap://{}:{}/{}", m.host, m.port, m.folder);
            let result = poll_mailbox(&cfg, BATCH, |raw| {
                let (me, peer, group) = (self.clone(), peer.clone(), m.group.clone());
                async move {
                    me.receive("imap", Some(peer), None, Vec::new(), Some(group), &raw)
                        .await
                        .map(|_| ())
                }
            })
            .await;
            let error = match result {
                Ok(n) => {
                    taken += n;
                    None
                }
                Err(e) => {
                    tracing::warn!(mailbox = m.id, error = %e, "mailbox not polled");
                    Some(e.to_string())
                }
            };
            if let Err(e) = self.store.mailbox_polled(m.id, error.as_deref()).await {
                tracing::warn!(mailbox = m.id, error = %e, "poll not recorded");
            }
        }
        taken
    }

    /// Poll the mailboxes every `every` until stopped.
    pub fn spawn_poller(&self, every: Duration) -> Background {
        let me = self.clone();
        Background::every(every, move || {
            let me = me.clone();
            async move { me.poll_mailboxes_once().await >= BATCH }
        })
    }
}
