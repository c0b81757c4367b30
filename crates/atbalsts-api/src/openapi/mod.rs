//! The OpenAPI 3 document, generated from the handlers' annotations and
//! completed with what the shared edge answers everywhere (`problems`).

mod problems;

use crate::routes::{
    assistant, attachments, calendars, clocks, connectors, contacts, groups, health, kb, mail,
    registers, requesters, search, tickets, webhooks,
};
use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "Atbalsts API", description = "Support desk for public services (PU2-16): registers, support requests, knowledge base and virtual assistant."),
    paths(
        registers::institutions, registers::services, registers::service, registers::life_situations,
        registers::resources, registers::locations, calendars::days, calendars::add_entry, calendars::remove_entry, clocks::policies, clocks::save_policy, clocks::legal_rules,
        clocks::add_legal_rule, groups::list, groups::save,
        tickets::create, tickets::list, tickets::get, tickets::messages, tickets::add_message, tickets::events,
        tickets::escalate, tickets::transfer, tickets::assign, tickets::resolve, tickets::reopen, tickets::close, tickets::extend_legal_term, tickets::accept_transfer, tickets::return_transfer,
        attachments::list, attachments::download,
        kb::articles, kb::article, kb::versions, kb::feedback,
        kb::create, kb::update, kb::status, kb::version, kb::diff, kb::restore, kb::stale,
        search::search, search::gaps, search::outcomes,
        assistant::query, assistant::handoff, assistant::helped,
        health::healthz, health::readyz, health::metrics,
        mail::inbound, mail::release, mail::delete_inbound, mail::outbox, mail::ticket_mail,
        mail::mailboxes, mail::add_mailbox, mail::remove_mailbox, mail::my_notifications,
        mail::set_my_notifications,
        webhooks::list, webhooks::create, webhooks::remove, webhooks::enable, webhooks::deliveries,
        requesters::list, requesters::get, requesters::update, requesters::merge, requesters::split,
        requesters::phone_call,
        contacts::record, contacts::list,
        connectors::list, connectors::create, connectors::set_active, connectors::deliveries,
        connectors::ticket_deliveries, connectors::inbound,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "registers", description = "Public state registers: institutions, services, life situations, resources, locations"),
        (name = "tickets", description = "Support requests"),
        (name = "knowledge base", description = "Articles (FAQ, how-tos, known errors, policies): reading, and editing with version history"),
        (name = "assistant", description = "The virtual assistant: answers from the knowledge base, hand-over to a person"),
        (name = "groups", description = "Support groups: who works which tickets, at which level, where and when"),
        (name = "calendars", description = "Business calendars: working days, holidays, transfers and shortened days"),
        (name = "clocks", description = "SLA policies and the legal terms of written submissions"),
        (name = "operations", description = "Health and metrics"),
        (name = "mail", description = "The e-mail channel: received mail and quarantine, the outbox, IMAP mailboxes"),
        (name = "requesters", description = "Requesters' records across channels (the CRM): search, contacts and tickets in scope, merge and split; the phone channel's screen pop"),
        (name = "connectors", description = "Connectors of social networks, messengers and mobile apps: conversations in, staff replies out"),
        (name = "webhooks", description = "Outgoing webhooks: institutions' subscriptions to ticket events, signed deliveries and their log"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// The whole document, as served.
pub fn spec() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    problems::complete(&mut doc);
    doc
}

static DOCUMENT: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(spec);

pub async fn document() -> Json<serde_json::Value> {
    Json(DOCUMENT.clone())
}
