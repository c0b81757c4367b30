//! A loop on its own task (the dispatcher, the mailbox poller) that a node stops
//! cleanly: it finishes the pass it is in.

use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;

/// A running loop; [`Background::stop`] ends it after its current pass.
pub struct Background {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Background {
    /// Run `pass` every `period`; a pass that returns true (more work waits) runs again at once.
    pub fn every<F, Fut>(period: Duration, pass: F) -> Background
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = bool> + Send,
    {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                if *stopped.borrow() {
                    break;
                }
                if pass().await {
                    continue;
                }
                tokio::select! {
                    _ = tokio::time::sleep(period) => {}
                    _ = stopped.changed() => break,
                }
            }
        });
        Background { stop, task }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}
