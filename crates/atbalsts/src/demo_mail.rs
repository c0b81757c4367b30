//! The demo's e-mail: a few messages received as a mail server would hand them
//! over, so that the demo shows each outcome (a new request in Latvian and in
//! English, an auto-reply left unanswered, a message in quarantine, a request
//! with files attached).

use atbalsts_store::Store;
use atbalsts_store::mail::inbound::Arrival;

const MESSAGES: [(&str, &[u8]); 5] = [
    (
        "palidziba@vid.example.lv",
        include_bytes!("../demo/mail/01-question.eml"),
    ),
    (
        "palidziba@pmlp.example.lv",
        include_bytes!("../demo/mail/02-english.eml"),
    ),
    (
        "palidziba@pmlp.example.lv",
        include_bytes!("../demo/mail/03-out-of-office.eml"),
    ),
    (
        "palidziba@vid.example.lv",
        include_bytes!("../demo/mail/04-no-sender.eml"),
    ),
    (
        "palidziba@pmlp.example.lv",
        include_bytes!("../demo/mail/05-attachment.eml"),
    ),
];

/// Store the demo's messages; the node's workers take them in once it serves.
pub async fn load(store: &Store) -> anyhow::Result<()> {
    for (to, raw) in MESSAGES {
        let arrival = Arrival {
            source: "deliver",
            peer: None,
            envelope_from: None,
            envelope_to: vec![to.to_string()],
            group: None,
        };
        store.receive_mail(&arrival, raw).await?;
    }
    Ok(())
}
