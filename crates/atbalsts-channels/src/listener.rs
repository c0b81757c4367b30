//! The built-in SMTP listener's side of the desk: a recipient is one of the
//! groups' addresses or refused at RCPT; a message is answered 250 only once it
//! is stored with its intake job. Also what `atbalsts mail deliver` uses.

use crate::Channels;
use atbalsts_mail::{DeliverError, Envelope, Intake, RecipientCheck};
use atbalsts_store::mail::inbound::Arrival;
use std::net::SocketAddr;

impl Channels {
    /// Store a message that arrived by `source` (`smtp`, `deliver`, `imap`).
    pub async fn receive(
        &self,
        source: &'static str,
        peer: Option<String>,
        mail_from: Option<String>,
        rcpt_to: Vec<String>,
        group: Option<String>,
        raw: &[u8],
    ) -> Result<i64, atbalsts_store::StoreError> {
        let arrival = Arrival {
            source,
            peer,
            envelope_from: mail_from,
            envelope_to: rcpt_to,
            group,
        };
        self.store.receive_mail(&arrival, raw).await
    }
}

impl Intake for Channels {
    async fn check_recipient(&self, rcpt: &str) -> RecipientCheck {
        match self.store.group_for_address(rcpt).await {
            Ok(Some(_)) => RecipientCheck::Accept,
            Ok(None) => RecipientCheck::Unknown,
            Err(_) => RecipientCheck::TryLater,
        }
    }

    async fn check_sender(
        &self,
        _from: Option<&str>,
        _peer: SocketAddr,
    ) -> Result<(), DeliverError> {
        // Floods are stopped at intake (per sender, by the From it carries), where
        // nothing already accepted can be lost.
        Ok(())
    }

    async fn deliver(&self, envelope: Envelope, raw: Vec<u8>) -> Result<String, DeliverError> {
        self.receive(
            "smtp",
            Some(envelope.peer.to_string()),
            envelope.mail_from,
            envelope.rcpt_to,
            None,
            &raw,
        )
        .await
        .map(|id| format!("stored as {id}"))
        .map_err(|e| DeliverError::TryLater(format!("not stored: {e}")))
    }
}
