//! Delivering the outbox (the `mail.send` job): through the relay with the
//! queue's retries, or kept `held` when no relay is configured. A delivery that
//! fails for good is `failed` with the relay's answer, on the ticket and in the
//! workspace.

use crate::Channels;
use atbalsts_store::jobs::{ClaimedJob, JobError};

#[derive(serde::Deserialize)]
struct Payload {
    mail: i64,
}

impl Channels {
    pub(crate) async fn send_queued(&self, job: ClaimedJob) -> Result<(), JobError> {
        let p: Payload = job.payload_as()?;
        let (mail, raw) = self
            .store
            .outbound_mail(p.mail)
            .await
            .map_err(|e| JobError::retry(e.to_string()))?;
        if mail.status != "queued" {
            return Ok(());
        }
        let mark = |status: &'static str, error: Option<String>| {
            let store = self.store.clone();
            async move {
                store
                    .mark_mail(p.mail, status, error.as_deref())
                    .await
                    .map_err(|e| JobError::retry(e.to_string()))
            }
        };
        let Some(relay) = &self.relay else {
            return mark("held", None).await;
        };
        match relay
            .send(&mail.sender, std::slice::from_ref(&mail.recipient), &raw)
            .await
        {
            Ok(_) => mark("sent", None).await,
            Err(e) if e.is_permanent() => {
                mark("failed", Some(e.to_string())).await?;
                Err(JobError::permanent(e.to_string()))
            }
            Err(e) if job.is_last_attempt() => {
                mark("failed", Some(e.to_string())).await?;
                Err(JobError::retry(e.to_string()))
            }
            Err(e) => {
                mark("queued", Some(e.to_string())).await?;
                Err(JobError::retry(e.to_string()))
            }
        }
    }
}
