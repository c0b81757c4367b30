//! Registering a contact in one step: a phone call, a video consultation or
//! a visit at a customer service centre's visitor workstation becomes a
//! ticket, already resolved when the question was answered on the spot. The
//! contact itself (direction, duration, outcome) is recorded with it.

use super::ticket_channels::{ContactFieldValues, ContactFields, check_contact};
use super::{Choice, posted, signed_in};
use crate::AppState;
use crate::i18n::t;
use crate::page::{Page, Problems, in_lang, localized, render, unavailable};
use askama::Template;
use atbalsts_domain::validate::{MAX_BODY, MAX_NAME, MAX_SUBJECT, is_email};
use atbalsts_domain::{Actor, Channel, DomainError, Kind, Level, Priority};
use atbalsts_search::Lang;
use atbalsts_store::StoreError;
use atbalsts_store::signin::Session;
use atbalsts_store::tickets::{ChangeRequest, NewRequester, NewTicket};
use axum::extract::{Extension, OriginalUri, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

/// The channels a contact is registered for (the portal and e-mail register themselves).
const CHANNELS: [Channel; 4] = [
    Channel::Phone,
    Channel::Video,
    Channel::InPerson,
    Channel::Social,
];

/// The languages the desk writes to people in (its texts exist in these).
const LANGUAGES: [&str; 2] = ["lv", "en"];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    csrf: String,
    channel: String,
    location: String,
    service: String,
    kind: String,
    subject: String,
    description: String,
    name: String,
    email: String,
    phone: String,
    language: String,
    resolved: Option<String>,
    resolution: String,
    #[serde(flatten)]
    contact: ContactFieldValues,
}

#[derive(Template)]
#[template(path = "staff_contact.html")]
struct ContactPage {
    page: Page,
    action: String,
    csrf: String,
    form: ContactForm,
    channels: Vec<Choice>,
    locations: Vec<Choice>,
    services: Vec<Choice>,
    kinds: Vec<Choice>,
    languages: Vec<Choice>,
    cf: ContactFields,
    l: Labels,
    problems: Problems,
    problems_heading: String,
}

struct Labels {
    intro: String,
    channel: String,
    location: String,
    location_hint: String,
    service: String,
    kind: String,
    subject: String,
    description: String,
    name: String,
    email: String,
    phone: String,
    language: String,
    resolved: String,
    resolution: String,
    submit: String,
}

/// What a screen pop or a requester's record fills in for the person.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Prefill {
    name: String,
    email: String,
    phone: String,
}

/// A prefilled value: short, printable text, or nothing.
fn prefilled(value: &str, max: usize) -> String {
    let v = value.trim();
    if v.chars().count() > max || v.chars().any(char::is_control) {
        String::new()
    } else {
        v.to_string()
    }
}

pub async fn form(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    prefill: Result<axum::extract::Query<Prefill>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let prefill = prefill.map(|q| q.0).unwrap_or_default();
    let form = ContactForm {
        name: prefilled(&prefill.name, MAX_NAME),
        email: prefilled(&prefill.email, 254),
        phone: prefilled(&prefill.phone, 30),
        channel: Channel::Phone.as_str().into(),
        kind: Kind::Consultation.as_str().into(),
        language: atbalsts_domain::language::DEFAULT.into(),
        contact: ContactFieldValues {
            direction: "inbound".into(),
            minutes: String::new(),
            outcome: "answered".into(),
        },
        ..ContactForm::default()
    };
    contact_page(&s, lang, &uri, &session, form, Problems::default()).await
}

async fn contact_page(
    s: &AppState,
    lang: Lang,
    uri: &axum::http::Uri,
    session: &Session,
    form: ContactForm,
    problems: Problems,
) -> Response {
    let (services, locations) =
        match tokio::try_join!(s.store.services(None, None), s.store.locations()) {
            Ok(both) => both,
            Err(e) => return unavailable(lang, uri, &e.to_string()),
        };
    // Only what this member may register: the services of their scopes.
    let services = services
        .into_iter()
        .filter(|sv| session.staff.covers(&sv.institution, Some(&sv.code)))
        .map(|sv| Choice {
            label: format!(
                "{} — {}",
                sv.code,
                in_lang(lang, &sv.name_lv, sv.name_en.as_deref())
            ),
            value: sv.code,
        })
        .collect();
    let k = |key: &str| t(lang, key);
    render(
        problems.status(),
        ContactPage {
            page: Page::workspace(
                lang,
                k("contact-heading"),
                uri,
                &session.staff,
                &session.csrf_token,
            ),
            action: localized(lang, "/staff/contacts/new"),
            csrf: session.csrf_token.clone(),
            cf: ContactFields::new(lang, form.contact.clone()),
            form,
            channels: CHANNELS
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
            services,
            kinds: [
                Kind::Consultation,
                Kind::Information,
                Kind::TechnicalAccess,
                Kind::Incident,
                Kind::Complaint,
                Kind::Suggestion,
            ]
            .iter()
            .map(|kind| Choice {
                value: kind.as_str().into(),
                label: k(&format!("request-kind-{}", kind.as_str())),
            })
            .collect(),
            languages: LANGUAGES
                .iter()
                .map(|code| Choice {
                    value: (*code).into(),
                    label: k(&format!("language-{code}")),
                })
                .collect(),
            l: Labels {
                intro: k("contact-intro"),
                channel: k("contact-channel"),
                location: k("contact-location"),
                location_hint: k("contact-location-hint"),
                service: k("request-service"),
                kind: k("staff-kind"),
                subject: k("request-subject"),
                description: k("contact-description"),
                name: k("request-name"),
                email: k("request-email"),
                phone: k("request-phone"),
                language: k("contact-language"),
                resolved: k("contact-resolved"),
                resolution: k("action-resolution"),
                submit: k("contact-submit"),
            },
            problems,
            problems_heading: k("form-problems-heading"),
        },
    )
}

pub async fn submit(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    form: Result<Form<ContactForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, form) = match posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let mut p = Problems::default();
    let channel = CHANNELS
        .iter()
        .copied()
        .find(|c| c.as_str() == form.channel);
    if channel.is_none() {
        p.add(lang, "channel", "action-error-choose");
    }
    let location = Some(form.location.trim().to_string()).filter(|l| !l.is_empty());
    if channel == Some(Channel::InPerson) && location.is_none() {
        p.add(lang, "location", "contact-error-location");
    }
    let kind = Kind::parse(&form.kind);
    if kind.is_none() {
        p.add(lang, "kind", "action-error-choose");
    }
    let service = match s.store.service(form.service.trim()).await {
        Ok(sv) if session.staff.covers(&sv.institution, Some(&sv.code)) => Some(sv),
        Ok(_) | Err(StoreError::NotFound(_)) => {
            p.add(lang, "service", "action-error-choose");
            None
        }
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    for (field, value, max, key) in [
        (
            "subject",
            &form.subject,
            MAX_SUBJECT,
            "request-error-subject",
        ),
        (
            "description",
            &form.description,
            MAX_BODY,
            "request-error-description",
        ),
        ("name", &form.name, MAX_NAME, "request-error-name"),
    ] {
        let v = value.trim();
        if v.is_empty() {
            p.add(lang, field, key);
        } else if v.chars().count() > max {
            p.add(lang, field, "action-error-long");
        } else if atbalsts_domain::validate::has_control_chars(v) {
            p.add(lang, field, "form-error-control");
        }
    }
    let email = Some(form.email.trim().to_string()).filter(|e| !e.is_empty());
    if email.as_deref().is_some_and(|e| !is_email(e)) {
        p.add(lang, "email", "request-error-email");
    }
    let phone = Some(form.phone.trim().to_string()).filter(|e| !e.is_empty());
    // A form from before the field existed means the default language.
    let language = match form.language.trim() {
        "" => Some(&LANGUAGES[0]),
        code => LANGUAGES.iter().find(|c| **c == code),
    };
    if language.is_none() {
        p.add(lang, "language", "action-error-choose");
    }
    let resolved = form.resolved.is_some();
    if resolved && form.resolution.trim().is_empty() {
        p.add(lang, "resolution", "action-error-required");
    }
    // Phone, video and visits are contacts recorded with the ticket; a
    // social-network message registered here is not.
    let contact = match channel {
        Some(c) if atbalsts_domain::contact::CHANNELS.contains(&c) => {
            // A form from before these fields existed: an inbound contact,
            // answered (or resolved, when it says so).
            let mut values = form.contact.clone();
            if values.direction.trim().is_empty() {
                values.direction = "inbound".into();
            }
            if values.outcome.trim().is_empty() {
                values.outcome = if resolved { "resolved" } else { "answered" }.into();
            }
            let summary = form.description.trim();
            let recorded = check_contact(
                lang,
                c.as_str(),
                location.as_deref(),
                if summary.is_empty() { "-" } else { summary },
                &values,
                &["location", "summary"],
                &mut p,
            );
            recorded.map(Some)
        }
        _ => Some(None),
    };
    let (Some(channel), Some(kind), Some(service), Some(language), Some(contact), true) =
        (channel, kind, service, language, contact, p.is_empty())
    else {
        return contact_page(&s, lang, &uri, &session, form, p).await;
    };
    let actor = Actor::Staff(session.staff.clone());
    let new = NewTicket {
        institution: service.institution.clone(),
        service: Some(service.code.clone()),
        resource: None,
        life_situation: None,
        channel,
        location: if channel == Channel::InPerson {
            location
        } else {
            None
        },
        kind,
        priority: Priority::Normal,
        level: Level::Specialist,
        subject: form.subject.trim().into(),
        description: form.description.trim().into(),
        tags: Vec::new(),
        requester: NewRequester {
            name: form.name.trim().into(),
            email,
            phone,
            personal_code: None,
        },
        language: (*language).into(),
        group: None,
    };
    let created = match s.store.create_ticket(&actor, new, None).await {
        Ok(c) => c,
        Err(StoreError::Domain(e @ (DomainError::Invalid(_) | DomainError::Forbidden(_)))) => {
            tracing::info!(detail = %e.detail(), "contact registration refused");
            p.add(lang, "service", "action-error-choose");
            return contact_page(&s, lang, &uri, &session, form, p).await;
        }
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let id = created.ticket.id;
    if let Some(contact) = &contact
        && let Err(e) = s.store.record_contact(&actor, id, contact, None).await
    {
        tracing::warn!(error = %e, id, "a registered contact's record could not be written");
    }
    if resolved {
        let change = ChangeRequest::Resolve {
            resolution: form.resolution.trim().into(),
        };
        if let Err(e) = s.store.change_ticket(&actor, id, change).await {
            tracing::warn!(error = %e, id, "a registered contact could not be resolved at once");
        }
    }
    Redirect::to(&format!(
        "{}?done=registered",
        localized(lang, &format!("/staff/tickets/{id}"))
    ))
    .into_response()
}
