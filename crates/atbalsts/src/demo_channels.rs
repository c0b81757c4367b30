//! The demo's phone, video and visit contacts and its social-network
//! connector: contacts recorded on the sample tickets of those channels, and
//! a "Facebook" page of PMLP whose conversation of a few messages (with a
//! specialist's reply) is one ticket. The connector's key is printed so the
//! inbound address can be tried with curl.

use anyhow::Context;
use atbalsts_domain::connector::Inbound;
use atbalsts_domain::contact::{Contact, ContactOutcome, Direction};
use atbalsts_domain::{Actor, Channel};
use atbalsts_store::Store;
use atbalsts_store::connectors::NewConnector;
use atbalsts_store::tickets::{ChangeRequest, TicketFilter};

/// Who records the demo's contacts: a central help-desk agent sees every institution.
const RECORDER: &str = "laura.vitola@vdaa.demo.atbalsts.lv";
/// Who answers the Facebook conversation.
const SPECIALIST: &str = "ilze.berzina@pmlp.demo.atbalsts.lv";

/// The demo connector, for the welcome text.
pub struct DemoConnector {
    pub code: String,
    pub key: String,
    pub ticket_number: String,
}

/// (direction, seconds, outcome, summary) of the contacts on tickets of each channel, in turn.
const CALLS: [(Direction, i64, ContactOutcome, &str); 3] = [
    (
        Direction::Inbound,
        260,
        ContactOutcome::CallbackNeeded,
        "Zvanītājs izklāstīja jautājumu; jāpārbauda informācija un jāatzvana.",
    ),
    (
        Direction::Outbound,
        0,
        ContactOutcome::NoAnswer,
        "Atzvanījām norunātajā laikā, neviens neatbildēja.",
    ),
    (
        Direction::Outbound,
        410,
        ContactOutcome::Answered,
        "Atzvanījām un izskaidrojām nākamos soļus.",
    ),
];

const VIDEO: (Direction, i64, ContactOutcome, &str) = (
    Direction::Inbound,
    1_260,
    ContactOutcome::Resolved,
    "Videokonsultācijā kopā izgājām cauri e-pakalpojumam; jautājums atrisināts.",
);

const VISIT: (Direction, i64, ContactOutcome, &str) = (
    Direction::Inbound,
    900,
    ContactOutcome::Forwarded,
    "Apmeklētājs atnāca klātienē; dokumenti pieņemti un nodoti speciālistam.",
);

const CONVERSATION: [&str; 3] = [
    "Labdien! Pasūtīju pasi pirms divām nedēļām. Kā uzzināt, vai tā jau ir gatava?",
    "Pieteikumu iesniedzu Rīgā, Šmerļa ielas nodaļā.",
    "Paldies, rīt aiziešu!",
];

async fn staff(store: &Store, email: &str) -> anyhow::Result<Actor> {
    store
        .staff_by_email(email)
        .await?
        .map(Actor::Staff)
        .with_context(|| format!("no staff member {email}"))
}

/// Record the contacts and bring the Facebook conversation in.
pub async fn load(store: &Store) -> anyhow::Result<DemoConnector> {
    let recorder = staff(store, RECORDER).await?;
    let locations = store.locations().await?;
    for channel in [Channel::Phone, Channel::Video, Channel::InPerson] {
        let filter = TicketFilter {
            channel: Some(channel),
            limit: 3,
            ..TicketFilter::default()
        };
        let tickets = store.list_tickets(&recorder, &filter).await?.items;
        for (i, t) in tickets.iter().enumerate() {
            let (direction, seconds, outcome, summary) = match channel {
                Channel::Phone => CALLS[i % CALLS.len()],
                Channel::Video => VIDEO,
                _ => VISIT,
            };
            // Calls on a ticket follow each other: the first one opened it.
            let calls = if channel == Channel::Phone { i + 1 } else { 1 };
            let location = match channel {
                Channel::InPerson => store
                    .ticket(&recorder, t.id)
                    .await?
                    .location
                    .or_else(|| locations.first().map(|l| l.id.clone())),
                _ => None,
            };
            for n in 0..calls {
                let (direction, seconds, outcome, summary) = if n == 0 {
                    (direction, seconds, outcome, summary)
                } else {
                    CALLS[n % CALLS.len()]
                };
                let contact = Contact {
                    channel,
                    direction,
                    duration_seconds: seconds,
                    location: location.clone(),
                    outcome,
                    summary: summary.to_string(),
                };
                store
                    .record_contact(&recorder, t.id, &contact, None)
                    .await
                    .with_context(|| format!("a contact on ticket {}", t.number))?;
            }
        }
    }

    let (connector, secrets) = store
        .create_connector(&NewConnector {
            code: "facebook-pmlp".into(),
            name: "Facebook: PMLP lapa".into(),
            channel: Channel::Social,
            institution: "PMLP".into(),
            outbound_url: None,
            created_by: None,
        })
        .await
        .context("the demo connector")?;
    let message = |i: usize, text: &str| Inbound {
        conversation_id: "fb-t-1042".into(),
        message_id: format!("fb-m-{}", 1042 + i),
        sender_name: "Marta Liepa".into(),
        sender_handle: "fb:100042".into(),
        sender_email: None,
        sender_phone: None,
        text: text.into(),
        language: "lv".into(),
    };
    let first = store
        .take_connector_message(&connector, &message(0, CONVERSATION[0]), &[])
        .await?;
    store
        .take_connector_message(&connector, &message(1, CONVERSATION[1]), &[])
        .await?;
    let specialist = staff(store, SPECIALIST).await?;
    store
        .change_ticket(
            &specialist,
            first.ticket_id,
            ChangeRequest::Reply {
                body: "Labdien, Marta! Jūsu pase ir gatava; to var saņemt Šmerļa ielas nodaļā darba laikā, līdzi ņemot personu apliecinošu dokumentu.".into(),
                await_requester: false,
            },
        )
        .await?;
    store
        .take_connector_message(&connector, &message(2, CONVERSATION[2]), &[])
        .await?;
    Ok(DemoConnector {
        code: connector.code,
        key: secrets.key,
        ticket_number: store
            .ticket_number_of(first.ticket_id)
            .await?
            .unwrap_or_default(),
    })
}

pub fn print(url: &str, c: &DemoConnector) {
    println!(
        "Social connector {}: its conversation is request {}. Try it: curl -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' -d '{{\"conversation_id\":\"fb-t-1042\",\"message_id\":\"try-1\",\"sender\":{{\"handle\":\"fb:100042\"}},\"text\":\"Vēl viens jautājums\"}}' {url}/api/v1/channels/{}/messages",
        c.code, c.ticket_number, c.key, c.code
    );
}
