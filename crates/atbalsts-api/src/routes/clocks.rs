//! SLA policies and the Law on Submissions' rules: read by staff, changed by
//! the system administrator (a new target or amendment is a row, not a release).

use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiResult, Problem};
use crate::extract::Json;
use atbalsts_domain::{Channel, Kind, Priority};
use atbalsts_store::clocks::{LegalRuleRecord, PolicyRecord};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

/// The SLA policies; the most specific one matching a ticket sets its targets.
#[utoipa::path(get, path = "/api/v1/sla-policies", tag = "clocks",
    responses((status = 200, body = [PolicyRecord]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn policies(
    State(s): State<AppState>,
    Auth(actor): Auth,
) -> ApiResult<axum::Json<Vec<PolicyRecord>>> {
    auth::staff_only(&actor, "see the SLA policies")?;
    Ok(axum::Json(s.store.sla_policies().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    #[schema(min_length = 1, max_length = 200)]
    name_lv: String,
    #[schema(max_length = 200)]
    name_en: Option<String>,
    institution: Option<String>,
    service: Option<String>,
    kind: Option<Kind>,
    priority: Option<Priority>,
    channel: Option<Channel>,
    #[schema(minimum = 1, maximum = 525600)]
    first_response_minutes: Option<i64>,
    #[schema(minimum = 1, maximum = 525600)]
    next_response_minutes: Option<i64>,
    #[schema(minimum = 1, maximum = 525600)]
    resolution_minutes: Option<i64>,
    #[schema(minimum = 1, maximum = 100)]
    warn_percent: Option<i64>,
}

/// Create or replace a policy. New tickets get it; running clocks keep the targets they started with.
#[utoipa::path(put, path = "/api/v1/sla-policies/{id}", tag = "clocks", params(("id" = String, Path)),
    request_body = PolicyBody,
    responses((status = 204, description = "saved"), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn save_policy(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    Json(b): Json<PolicyBody>,
) -> ApiResult<StatusCode> {
    auth::system_administrator(&actor, "change SLA policies")?;
    crate::routes::tickets::param_code("id", &id)?;
    let record = PolicyRecord {
        id,
        name_lv: b.name_lv,
        name_en: b.name_en.filter(|n| !n.trim().is_empty()),
        institution: b.institution,
        service: b.service,
        kind: b.kind,
        priority: b.priority,
        channel: b.channel,
        first_response_minutes: b.first_response_minutes,
        next_response_minutes: b.next_response_minutes,
        resolution_minutes: b.resolution_minutes,
        warn_percent: b.warn_percent.unwrap_or(80),
    };
    s.store.save_sla_policy(&record).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The Law on Submissions' rules with the day each takes effect.
#[utoipa::path(get, path = "/api/v1/legal-rules", tag = "clocks",
    responses((status = 200, body = [LegalRuleRecord]), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn legal_rules(
    State(s): State<AppState>,
    Auth(actor): Auth,
) -> ApiResult<axum::Json<Vec<LegalRuleRecord>>> {
    auth::staff_only(&actor, "see the legal rules")?;
    Ok(axum::Json(s.store.legal_rules().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalRuleBody {
    /// `YYYY-MM-DD`: submissions received from this day on follow the rule.
    #[schema(min_length = 10, max_length = 10)]
    effective_from: String,
    #[schema(minimum = 1, maximum = 366)]
    answer_count: i64,
    /// `working_days` or `months`.
    #[schema(pattern = "^(working_days|months)$")]
    answer_unit: String,
    #[schema(minimum = 1, maximum = 366)]
    extended_count: i64,
    #[schema(pattern = "^(working_days|months)$")]
    extended_unit: String,
    #[schema(minimum = 1, maximum = 366)]
    forward_count: i64,
    #[schema(pattern = "^(working_days|months)$")]
    forward_unit: String,
    /// The law and amendment, for the record.
    #[schema(min_length = 1, max_length = 500)]
    source: String,
}

/// Add an amendment's rule.
#[utoipa::path(post, path = "/api/v1/legal-rules", tag = "clocks", request_body = LegalRuleBody,
    responses((status = 201, description = "added"), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_legal_rule(
    State(s): State<AppState>,
    Auth(actor): Auth,
    Json(b): Json<LegalRuleBody>,
) -> ApiResult<StatusCode> {
    auth::system_administrator(&actor, "add legal rules")?;
    let record = LegalRuleRecord {
        effective_from: b.effective_from,
        answer_count: b.answer_count,
        answer_unit: b.answer_unit,
        extended_count: b.extended_count,
        extended_unit: b.extended_unit,
        forward_count: b.forward_count,
        forward_unit: b.forward_unit,
        source: b.source,
    };
    s.store.add_legal_rule(&record).await?;
    Ok(StatusCode::CREATED)
}
