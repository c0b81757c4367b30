//! Connectors of social networks and mobile apps for their institutions'
//! administrators: each with its inbound address, where replies go, whether
//! it is on, and its last deliveries' trouble; switched on or off here.
//! Creating one (its key is shown once) is the API's (`POST /api/v1/connectors`).

use super::{admin_posted, administrator, staff_page};
use crate::AppState;
use crate::i18n::t;
use crate::page::{localized, not_found, render, unavailable};
use askama::Template;
use atbalsts_domain::admin::administers;
use atbalsts_search::Lang;
use axum::extract::{Extension, OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

struct Row {
    id: i64,
    name: String,
    code: String,
    channel: String,
    institution: String,
    inbound: String,
    outbound: String,
    active: bool,
    state: String,
    failed: usize,
}

#[derive(Template)]
#[template(path = "staff_admin_connectors.html")]
struct ConnectorsPage {
    page: crate::page::Page,
    intro: String,
    rows: Vec<Row>,
    h: Vec<String>,
    none: String,
    switch_on: String,
    switch_off: String,
    failed_label: String,
    csrf: String,
    action_base: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActiveForm {
    csrf: String,
    active: String,
}

pub async fn list(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    jar: CookieJar,
) -> Response {
    let session = match administrator(&s, &jar, lang, &uri).await {
        Ok(session) => session,
        Err(response) => return response,
    };
    let connectors = match s.store.connectors(None).await {
        Ok(all) => all,
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    let k = |key: &str| t(lang, key);
    let mut rows = Vec::new();
    for c in connectors
        .into_iter()
        .filter(|c| administers(&session.staff, &c.institution))
    {
        let failed = match s.store.connector_deliveries(c.id, None, 50).await {
            Ok(log) => log.iter().filter(|d| d.status == "failed").count(),
            Err(e) => return unavailable(lang, &uri, &e.to_string()),
        };
        rows.push(Row {
            inbound: format!("/api/v1/channels/{}/messages", c.code),
            outbound: c.outbound_url.clone().unwrap_or_else(|| k("staff-none")),
            channel: k(&format!("channel-{}", c.channel.as_str())),
            state: k(if c.active {
                "admin-connector-on"
            } else {
                "admin-connector-off"
            }),
            id: c.id,
            name: c.name,
            code: c.code,
            institution: c.institution,
            active: c.active,
            failed,
        });
    }
    render(
        StatusCode::OK,
        ConnectorsPage {
            page: staff_page(lang, k("admin-connectors"), &uri, &session),
            intro: k("admin-connectors-intro"),
            rows,
            h: [
                "admin-title",
                "admin-connector-code",
                "admin-connector-channel",
                "admin-institution",
                "admin-connector-inbound",
                "admin-connector-outbound",
                "admin-state",
            ]
            .iter()
            .map(|key| k(key))
            .collect(),
            none: k("staff-none"),
            switch_on: k("admin-connector-switch-on"),
            switch_off: k("admin-connector-switch-off"),
            failed_label: k("admin-connector-failed"),
            csrf: session.csrf_token.clone(),
            action_base: localized(lang, "/staff/admin/connectors"),
        },
    )
}

pub async fn set_active(
    State(s): State<AppState>,
    Extension(lang): Extension<Lang>,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    jar: CookieJar,
    form: Result<Form<ActiveForm>, axum_extra::extract::FormRejection>,
) -> Response {
    let (session, form) = match admin_posted(&s, lang, &uri, &jar, form, |f| &f.csrf).await {
        Ok(both) => both,
        Err(response) => return response,
    };
    let Some(id) = id.parse::<i64>().ok().filter(|id| *id > 0) else {
        return not_found(lang, &uri);
    };
    let connector = match s.store.connector(id).await {
        Ok(Some(c)) if administers(&session.staff, &c.institution) => c,
        Ok(_) => return not_found(lang, &uri),
        Err(e) => return unavailable(lang, &uri, &e.to_string()),
    };
    if let Err(e) = s
        .store
        .set_connector_active(connector.id, form.active == "yes")
        .await
    {
        return unavailable(lang, &uri, &e.to_string());
    }
    Redirect::to(&localized(lang, "/staff/admin/connectors")).into_response()
}
