//! The queues: mine, my groups', unassigned, waiting for the requester and
//! recently updated, each with its count and keyset paging.

use super::signed_in;
use crate::AppState;
use crate::i18n::t;
use crate::page::{Page, local_time, localized, render, unavailable};
use askama::Template;
use atbalsts_domain::{Actor, Status};
use atbalsts_search::Lang;
use atbalsts_store::tickets::{AssigneeFilter, Sort, TicketFilter};
use axum::extract::{Extension, OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

/// Rows on one page of a queue.
const PAGE_SIZE: u32 = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Mine,
    Groups,
    Unassigned,
    Waiting,
    Incoming,
    Recent,
}

impl Queue {
    const ALL: [Queue; 6] = [
        Queue::Mine,
        Queue::Groups,
        Queue::Unassigned,
        Queue::Waiting,
        Queue::Incoming,
        Queue::Recent,
    ];

    fn code(self) -> &'static str {
        match self {
            Queue::Mine => "mine",
            Queue::Groups => "groups",
            Queue::Unassigned => "unassigned",
            Queue::Waiting => "waiting",
            Queue::Incoming => "incoming",
            Queue::Recent => "recent",
        }
    }

    fn parse(s: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.code() == s)
    }

    fn filter(self, user_id: i64) -> TicketFilter {
        let open = TicketFilter {
            open_only: true,
            limit: PAGE_SIZE,
            ..TicketFilter::default()
        };
        match self {
            Queue::Mine => TicketFilter {
                assignee: AssigneeFilter::User(user_id),
                ..open
            },
            Queue::Groups => TicketFilter {
                member_of_groups: Some(user_id),
                ..open
            },
            Queue::Unassigned => TicketFilter {
                assignee: AssigneeFilter::Unassigned,
                ..open
            },
            Queue::Waiting => TicketFilter {
                status: Some(Status::PendingRequester),
                ..open
            },
            Queue::Incoming => TicketFilter {
                incoming_transfers: true,
                ..open
            },
            Queue::Recent => TicketFilter {
                sort: Sort::RecentlyUpdated,
                limit: PAGE_SIZE,
                ..TicketFilter::default()
            },
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueParams {
    queue: String,
    after: String,
}

struct Tab {
    href: String,
    label: String,
    count: i64,
    current: bool,
}

struct Row {
    href: String,
    number: String,
    subject: String,
    requester: String,
    status: String,
    level: u8,
    handler: String,
    updated: String,
    updated_iso: String,
    /// The earliest running SLA target, if any.
    due: Option<(String, String)>,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "staff_queues.html")]
struct QueuesPage {
    page: Page,
    tabs: Vec<Tab>,
    caption: String,
    rows: Vec<Row>,
    empty: String,
    h: Headings,
    next: Option<String>,
    next_label: String,
    first: Option<String>,
    first_label: String,
}

struct Headings {
    number: String,
    subject: String,
    requester: String,
    status: String,
    level: String,
    handler: String,
    updated: String,
    due: String,
    overdue: String,
}

pub async fn page(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
    params: Result<Query<QueueParams>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let session = match signed_in(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let user_id = session.staff.user_id;
    let queue = Queue::parse(&params.queue).unwrap_or(Queue::Mine);
    let actor = Actor::Staff(session.staff.clone());
    let base = localized(lang, "/staff");

    let mut filter = queue.filter(user_id);
    // The cursor: an id, or "updated.id" for the recently-updated queue.
    match queue {
        Queue::Recent => {
            filter.after_updated = params
                .after
                .split_once('.')
                .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, id.parse::<i64>().ok()?)));
        }
        _ => filter.after = params.after.parse::<i64>().ok(),
    }
    let counts = queue_counts(&s, &actor, user_id).await;
    let (counts, listed) = match (counts, s.store.list_tickets(&actor, &filter).await) {
        (Ok(c), Ok(p)) => (c, p),
        (Err(e), _) | (_, Err(e)) => return unavailable(lang, &uri, &e.to_string()),
    };
    let tabs = Queue::ALL
        .iter()
        .zip(counts)
        .map(|(q, count)| Tab {
            href: format!("{base}?queue={}", q.code()),
            label: t(lang, &format!("queue-{}", q.code())),
            count,
            current: *q == queue,
        })
        .collect();
    let next = match (queue, listed.next_after, listed.next_updated) {
        (Queue::Recent, _, Some((at, id))) => Some(format!("{base}?queue=recent&after={at}.{id}")),
        (Queue::Recent, _, None) => None,
        (q, Some(id), _) => Some(format!("{base}?queue={}&after={id}", q.code())),
        _ => None,
    };
    let rows = listed
        .items
        .into_iter()
        .map(|item| Row {
            href: localized(lang, &format!("/staff/tickets/{}", item.id)),
            number: item.number,
            subject: item.subject,
            requester: item.requester.name,
            status: t(lang, &format!("staff-status-{}", item.status.as_str())),
            level: item.level.number(),
            handler: match (item.assignee, item.group) {
                (Some(a), _) => a.name,
                (None, Some(g)) => g,
                (None, None) => "—".into(),
            },
            updated: local_time(lang, &item.updated_at),
            updated_iso: item.updated_at,
            due: item.sla_due.map(|d| (local_time(lang, &d), d)),
            overdue: item.sla_overdue,
        })
        .collect();
    let title = t(lang, &format!("queue-{}", queue.code()));
    render(
        StatusCode::OK,
        QueuesPage {
            page: Page::workspace(
                lang,
                format!("{} — {title}", t(lang, "queues-heading")),
                &uri,
                &session.staff,
                &session.csrf_token,
            ),
            tabs,
            caption: title,
            rows,
            empty: t(lang, "queue-empty"),
            h: Headings {
                number: t(lang, "col-number"),
                subject: t(lang, "col-subject"),
                requester: t(lang, "col-requester"),
                status: t(lang, "col-status"),
                level: t(lang, "col-level"),
                handler: t(lang, "col-handler"),
                updated: t(lang, "col-updated"),
                due: t(lang, "col-due"),
                overdue: t(lang, "sla-breached"),
            },
            next,
            next_label: t(lang, "queue-next"),
            first: (!params.after.is_empty()).then(|| format!("{base}?queue={}", queue.code())),
            first_label: t(lang, "queue-first"),
        },
    )
}

/// The count of every queue, for the tabs.
async fn queue_counts(
    s: &AppState,
    actor: &Actor,
    user_id: i64,
) -> Result<Vec<i64>, atbalsts_store::StoreError> {
    let mut counts = Vec::with_capacity(Queue::ALL.len());
    for q in Queue::ALL {
        let filter = q.filter(user_id);
        counts.push(if q == Queue::Recent {
            // "Recently updated" is every ticket in sight; its count says little.
            -1
        } else {
            s.store.count_tickets(actor, &filter).await?
        });
    }
    Ok(counts)
}
