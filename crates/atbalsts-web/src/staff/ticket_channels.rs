//! The channels' part of a ticket's page: the contacts recorded on it with
//! the form to record one more (a phone call, a video call, a visit), and,
//! for a ticket that came through a connector, its conversation and the
//! deliveries of staff replies (a failed one shown as a problem). The
//! direction, duration and outcome fields are shared with the one-step
//! registration page.

use super::{Choice, posted};
use crate::AppState;
use crate::i18n::t;
use crate::page::{Problems, local_time, localized, not_found, unavailable};
use atbalsts_domain::contact::{self, Contact, ContactOutcome, Direction, RawContact};
use atbalsts_domain::{Actor, Channel, DomainError, FieldError};
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::model::Ticket;
use axum::extract::{Extension, OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

/// The direction, duration and outcome of a contact, as a form holds them.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct ContactFieldValues {
    pub direction: String,
    pub minutes: String,
    pub outcome: String,
}

/// The shared fields' choices, texts and values.
pub struct ContactFields {
    pub directions: Vec<Choice>,
    pub outcomes: Vec<Choice>,
    pub values: ContactFieldValues,
    pub direction_label: String,
    pub minutes_label: String,
    pub minutes_hint: String,
    pub outcome_label: String,
}

impl ContactFields {
    pub fn new(lang: Lang, values: ContactFieldValues) -> Self {
        let k = |key: &str| t(lang, key);
        ContactFields {
            directions: Direction::ALL
                .iter()
                .map(|d| Choice {
                    value: d.as_str().into(),
                    label: k(&format!("contact-direction-{}", d.as_str())),
                })
                .collect(),
            outcomes: ContactOutcome::ALL
                .iter()
                .map(|o| Choice {
                    value: o.as_str().into(),
                    label: k(&format!("contact-outcome-{}", o.as_str())),
                })
                .collect(),
            values,
            direction_label: k("contact-direction"),
            minutes_label: k("contact-minutes"),
            minutes_hint: k("contact-minutes-hint"),
            outcome_label: k("contact-outcome"),
        }
    }
}

/// Whole minutes as the form gives them, in seconds; unreadable is `None`.
fn seconds(minutes: &str) -> Option<i64> {
    let m = minutes.trim();
    if m.is_empty() {
        return Some(0);
    }
    m.parse::<i64>().ok().and_then(|m| m.checked_mul(60))
}

/// Check a contact from a page; problems are put under the page's field
/// names (`contact-…`), except those `skip` names (the page checks them itself).
pub fn check_contact(
    lang: Lang,
    channel: &str,
    location: Option<&str>,
    summary: &str,
    values: &ContactFieldValues,
    skip: &[&str],
    p: &mut Problems,
) -> Option<Contact> {
    let Some(duration) = seconds(&values.minutes) else {
        p.add(lang, "contact-minutes", "contact-error-duration");
        return None;
    };
    match contact::check(&RawContact {
        channel,
        direction: &values.direction,
        duration_seconds: duration,
        location,
        outcome: &values.outcome,
        summary,
    }) {
        Ok(c) => Some(c),
        Err(errors) => {
            for FieldError { field, .. } in errors {
                if skip.contains(&field.as_str()) {
                    continue;
                }
                let (name, key) = match field.as_str() {
                    "channel" => ("contact-channel", "action-error-choose"),
                    "direction" => ("contact-direction", "action-error-choose"),
                    "duration_seconds" => ("contact-minutes", "contact-error-duration"),
                    "location" => ("contact-location", "contact-error-location"),
                    "outcome" => ("contact-outcome", "action-error-choose"),
                    _ => ("contact-summary", "action-error-required"),
                };
                p.add(lang, name, key);
            }
            None
        }
    }
}

pub struct ContactLine {
    pub when: String,
    pub iso: String,
    pub who: String,
    pub what: String,
    pub summary: String,
}

pub struct DeliveryLine {
    pub when: String,
    pub iso: String,
    pub status: String,
    pub failed: bool,
    pub error: Option<String>,
}

/// The section's data and the record form.
pub struct ChannelsSection {
    pub contacts: Vec<ContactLine>,
    /// The connector and conversation, for a ticket that came through one.
    pub connector: Option<String>,
    pub deliveries: Vec<DeliveryLine>,
    pub channels: Vec<Choice>,
    pub locations: Vec<Choice>,
    pub fields: ContactFields,
    pub form: RecordForm,
    pub texts: SectionTexts,
}

pub struct SectionTexts {
    pub heading: String,
    pub record: String,
    pub channel: String,
    pub location: String,
    pub location_hint: String,
    pub summary: String,
    pub connector: String,
    pub deliveries: String,
    pub none: String,
}

/// A contact's line in the list and in the history: "phone call, inbound, 4 min: callback needed".
pub fn describe(lang: Lang, channel: &str, direction: &str, seconds: i64, outcome: &str) -> String {
    let minutes = (seconds + 59) / 60;
    format!(
        "{}, {}, {} {}: {}",
        t(lang, &format!("contact-kind-{channel}")),
        t(lang, &format!("contact-direction-{direction}")),
        minutes,
        t(lang, "contact-minutes-short"),
        t(lang, &format!("contact-outcome-{outcome}"))
    )
}

/// Load the section for `ticket`.
pub async fn section(
    s: &AppState,
    lang: Lang,
    actor: &Actor,
    ticket: &Ticket,
    form: RecordForm,
) -> Result<ChannelsSection, StoreError> {
    let (contacts, connector, deliveries, locations) = tokio::try_join!(
        s.store.contacts_of(actor, ticket.id),
        s.store.ticket_connector(ticket.id),
        s.store.ticket_connector_deliveries(ticket.id),
        s.store.locations(),
    )?;
    let k = |key: &str| t(lang, key);
    Ok(ChannelsSection {
        contacts: contacts
            .into_iter()
            .rev()
            .map(|c| ContactLine {
                when: local_time(lang, &c.occurred_at),
                iso: c.occurred_at.clone(),
                who: c.recorded_by_name,
                what: describe(
                    lang,
                    &c.channel,
                    &c.direction,
                    c.duration_seconds,
                    &c.outcome,
                ),
                summary: c.summary,
            })
            .collect(),
        connector: connector.map(|(c, conversation, handle)| {
            format!("{} ({}) · {conversation} · {handle}", c.name, c.code)
        }),
        deliveries: deliveries
            .into_iter()
            .rev()
            .map(|d| DeliveryLine {
                when: local_time(lang, &d.created_at),
                iso: d.created_at.clone(),
                status: k(&format!("connector-delivery-{}", d.status)),
                failed: d.status == "failed" || d.status == "skipped",
                error: d.last_error.filter(|_| d.status != "delivered"),
            })
            .collect(),
        channels: contact::CHANNELS
            .iter()
            .map(|c| Choice {
                value: c.as_str().into(),
                label: k(&format!("contact-channel-{}", c.as_str())),
            })
            .collect(),
        locations: locations
            .into_iter()
            .map(|l| Choice {
                label: format!("{}, {}", l.name, l.town),
                value: l.id,
            })
            .collect(),
        fields: ContactFields::new(lang, form.fields.clone()),
        form,
        texts: SectionTexts {
            heading: k("contact-recorded-heading"),
            record: k("contact-record"),
            channel: k("contact-channel"),
            location: k("contact-location"),
            location_hint: k("contact-location-hint"),
            summary: k("contact-summary"),
            connector: k("connector-conversation"),
            deliveries: k("connector-deliveries"),
            none: k("staff-none"),
        },
    })
}

/// The record form as posted (and shown again with its problems).
#[derive(Debug, Deserialize, Clone)]
#[serde(default)]
pub struct RecordForm {
    pub csrf: String,
    pub channel: String,
    pub location: String,
    pub summary: String,
    #[serde(flatten)]
    pub fields: ContactFieldValues,
}

impl Default for RecordForm {
    fn default() -> Self {
        RecordForm {
            csrf: String::new(),
            channel: Channel::Phone.as_str().into(),
            location: String::new(),
            summary: String::new(),
            fields: ContactFieldValues {
                direction: Direction::Inbound.as_str().into(),
                minutes: String::new(),
                outcome: ContactOutcome::Answered.as_str().into(),
            },
        }
    }
}

/// `POST /staff/tickets/{id}/contact`: record a contact, then back to the ticket.
pub async fn record(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    form: Result<Form<RecordForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, form) = match posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let Some(id) = id.parse::<i64>().ok().filter(|id| *id > 0) else {
        return not_found(lang, &uri);
    };
    let mut p = Problems::default();
    let location = Some(form.location.trim()).filter(|l| !l.is_empty());
    let checked = check_contact(
        lang,
        &form.channel,
        location,
        &form.summary,
        &form.fields,
        &[],
        &mut p,
    );
    let Some(contact) = checked else {
        return super::ticket::show_with_contact(&s, lang, &uri, &session, id, p, form).await;
    };
    let actor = Actor::Staff(session.staff.clone());
    match s.store.record_contact(&actor, id, &contact, None).await {
        Ok(_) => Redirect::to(&format!(
            "{}?done=contact",
            localized(lang, &format!("/staff/tickets/{id}"))
        ))
        .into_response(),
        Err(StoreError::NotFound(_)) => not_found(lang, &uri),
        Err(StoreError::Domain(DomainError::Invalid(_))) => {
            p.add(lang, "contact-location", "action-error-choose");
            super::ticket::show_with_contact(&s, lang, &uri, &session, id, p, form).await
        }
        Err(StoreError::Domain(DomainError::Forbidden(_))) => not_found(lang, &uri),
        Err(e) => unavailable(lang, &uri, &e.to_string()),
    }
}
