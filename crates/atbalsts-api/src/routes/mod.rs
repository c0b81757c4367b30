pub mod assistant;
pub mod attachments;
pub mod calendars;
pub mod clocks;
pub mod connector_files;
pub mod connectors;
pub mod contacts;
pub mod groups;
pub mod health;
pub mod kb;
pub mod mail;
pub mod registers;
pub mod requesters;
pub mod search;
pub mod tickets;
pub mod webhooks;

use crate::AppState;
use axum::Router;
use axum::routing::{delete, get, post, put};

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/institutions", get(registers::institutions))
        .route("/services", get(registers::services))
        .route("/services/{code}", get(registers::service))
        .route("/life-situations", get(registers::life_situations))
        .route("/resources", get(registers::resources))
        .route("/locations", get(registers::locations))
        .route("/calendars/{id}/days", get(calendars::days))
        .route("/calendars/{id}/entries", post(calendars::add_entry))
        .route("/sla-policies", get(clocks::policies))
        .route("/sla-policies/{id}", put(clocks::save_policy))
        .route(
            "/legal-rules",
            get(clocks::legal_rules).post(clocks::add_legal_rule),
        )
        .route(
            "/calendars/{id}/entries/{day}/{kind}",
            delete(calendars::remove_entry),
        )
        .route("/groups", get(groups::list))
        .route("/groups/{code}", put(groups::save))
        .route("/kb/articles", get(kb::articles).post(kb::create))
        .route("/kb/articles/{id}", get(kb::article).put(kb::update))
        .route("/kb/articles/{id}/versions", get(kb::versions))
        .route("/kb/articles/{id}/versions/{n}", get(kb::version))
        .route("/kb/articles/{id}/diff", get(kb::diff))
        .route("/kb/articles/{id}/status", post(kb::status))
        .route("/kb/articles/{id}/restore", post(kb::restore))
        .route("/kb/articles/{id}/feedback", post(kb::feedback))
        .route("/kb/stale", get(kb::stale))
        .route("/kb/search", get(search::search))
        .route("/kb/gaps", get(search::gaps))
        .route("/assistant/query", post(assistant::query))
        .route("/assistant/outcomes", get(search::outcomes))
        .route("/assistant/sessions/{id}/handoff", post(assistant::handoff))
        .route("/assistant/sessions/{id}/helped", post(assistant::helped))
        .route("/tickets", get(tickets::list).post(tickets::create))
        .route("/tickets/{id}", get(tickets::get))
        .route(
            "/tickets/{id}/messages",
            get(tickets::messages).post(tickets::add_message),
        )
        .route("/tickets/{id}/events", get(tickets::events))
        .route("/tickets/{id}/attachments", get(attachments::list))
        .route(
            "/tickets/{id}/attachments/{attachment}",
            get(attachments::download),
        )
        .route("/tickets/{id}/escalate", post(tickets::escalate))
        .route("/tickets/{id}/transfer", post(tickets::transfer))
        .route(
            "/tickets/{id}/transfer/accept",
            post(tickets::accept_transfer),
        )
        .route(
            "/tickets/{id}/transfer/return",
            post(tickets::return_transfer),
        )
        .route("/tickets/{id}/assign", post(tickets::assign))
        .route("/tickets/{id}/resolve", post(tickets::resolve))
        .route("/tickets/{id}/reopen", post(tickets::reopen))
        .route("/tickets/{id}/close", post(tickets::close))
        .route("/tickets/{id}/legal-term", post(tickets::extend_legal_term))
        .route("/tickets/{id}/mail", get(mail::ticket_mail))
        .route(
            "/tickets/{id}/contacts",
            get(contacts::list).post(contacts::record),
        )
        .route(
            "/tickets/{id}/connector-deliveries",
            get(connectors::ticket_deliveries),
        )
        .route(
            "/connectors",
            get(connectors::list).post(connectors::create),
        )
        .route("/connectors/{id}/active", put(connectors::set_active))
        .route("/connectors/{id}/deliveries", get(connectors::deliveries))
        .route("/channels/{connector}/messages", post(connectors::inbound))
        .route("/mail/inbound", get(mail::inbound))
        .route("/mail/inbound/{id}", delete(mail::delete_inbound))
        .route("/mail/inbound/{id}/release", post(mail::release))
        .route("/mail/outbox", get(mail::outbox))
        .route("/mailboxes", get(mail::mailboxes).post(mail::add_mailbox))
        .route("/mailboxes/{id}", delete(mail::remove_mailbox))
        .route(
            "/me/notifications",
            get(mail::my_notifications).put(mail::set_my_notifications),
        )
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/webhooks/{id}", delete(webhooks::remove))
        .route("/webhooks/{id}/enable", post(webhooks::enable))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/requesters", get(requesters::list))
        .route(
            "/requesters/{id}",
            get(requesters::get).patch(requesters::update),
        )
        .route("/requesters/{id}/merge", post(requesters::merge))
        .route("/requesters/{id}/split", post(requesters::split))
        .route("/channels/phone/calls", post(requesters::phone_call))
        .fallback(|| async { crate::ApiError::NotFound("this API path".into()) })
}
