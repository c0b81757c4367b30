//! Registers: public, read-only.

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::Query;
use atbalsts_store::registers::{Institution, LifeSituation, Location, Resource, Service};
use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::IntoParams;

#[utoipa::path(get, path = "/api/v1/institutions", tag = "registers",
    responses((status = 200, body = [Institution])))]
pub async fn institutions(State(s): State<AppState>) -> ApiResult<Json<Vec<Institution>>> {
    Ok(Json(s.store.institutions().await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ServiceQuery {
    /// Only services of this institution.
    #[param(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    institution: Option<String>,
    /// Only services of this life situation.
    #[param(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    life_situation: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/services", tag = "registers", params(ServiceQuery),
    responses((status = 200, body = [Service])))]
pub async fn services(
    State(s): State<AppState>,
    Query(q): Query<ServiceQuery>,
) -> ApiResult<Json<Vec<Service>>> {
    for (name, value) in [
        ("institution", &q.institution),
        ("life_situation", &q.life_situation),
    ] {
        if let Some(v) = value {
            crate::routes::tickets::param_code(name, v)?;
        }
    }
    Ok(Json(
        s.store
            .services(q.institution.as_deref(), q.life_situation.as_deref())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/services/{code}", tag = "registers",
    params(("code" = String, Path, description = "service code, e.g. PMLP-003")),
    responses((status = 200, body = Service), (status = 404, body = crate::error::Problem)))]
pub async fn service(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Service>> {
    Ok(Json(s.store.service(&code).await?))
}

#[utoipa::path(get, path = "/api/v1/life-situations", tag = "registers",
    responses((status = 200, body = [LifeSituation])))]
pub async fn life_situations(State(s): State<AppState>) -> ApiResult<Json<Vec<LifeSituation>>> {
    Ok(Json(s.store.life_situations().await?))
}

#[utoipa::path(get, path = "/api/v1/resources", tag = "registers",
    responses((status = 200, body = [Resource])))]
pub async fn resources(State(s): State<AppState>) -> ApiResult<Json<Vec<Resource>>> {
    Ok(Json(s.store.resources().await?))
}

#[utoipa::path(get, path = "/api/v1/locations", tag = "registers",
    responses((status = 200, body = [Location])))]
pub async fn locations(State(s): State<AppState>) -> ApiResult<Json<Vec<Location>>> {
    Ok(Json(s.store.locations().await?))
}
