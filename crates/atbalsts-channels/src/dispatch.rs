//! The dispatcher: takes ticket events from `event_dispatch` in order and
//! writes what they cause. One loop per node; nodes taking the same event
//! write nothing twice (the outbox keeps one message per cause, webhooks one
//! delivery per subscription, event and kind, connectors one per event).

use crate::Channels;
use crate::background::Background;
use std::time::Duration;

impl Channels {
    /// Dispatch one batch; returns how many events were taken.
    pub async fn dispatch_once(&self) -> Result<usize, atbalsts_store::StoreError> {
        let events = self.store.pending_events(200).await?;
        let mut done = Vec::with_capacity(events.len());
        for e in &events {
            // Each is idempotent, so an event retried for one repeats nothing of the others.
            let outcome = match self.notify(e).await {
                Ok(_) => match self.fan_out_webhooks(e).await {
                    Ok(_) => self.fan_out_connector(e).await.map(|_| ()),
                    Err(err) => Err(err),
                },
                Err(err) => Err(err),
            };
            match outcome {
                Ok(_) => done.push(e.event_id),
                // Left for the next pass; one bad event does not hold the others.
                Err(err) => {
                    tracing::warn!(event = e.event_id, error = %err, "event not dispatched")
                }
            }
        }
        self.store.events_dispatched(&done).await?;
        Ok(done.len())
    }

    /// Run the dispatcher every `every` (at once again while there is work) until stopped.
    pub fn spawn_dispatcher(&self, every: Duration) -> Background {
        let me = self.clone();
        Background::every(every, move || {
            let me = me.clone();
            async move {
                match me.dispatch_once().await {
                    Ok(n) => n > 0,
                    Err(e) => {
                        tracing::warn!(error = %e, "dispatch failed");
                        false
                    }
                }
            }
        })
    }
}
