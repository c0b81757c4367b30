//! What every operation can answer besides its own results, added to the
//! generated document from the shape of the operation, because the shared
//! edge answers it the same way everywhere:
//!
//! - a JSON body can be unreadable (400), too large (413) or have invalid
//!   fields (422);
//! - query parameters can be malformed or unknown (400);
//! - a numeric path id can be malformed (400), any path can name nothing (404);
//! - an operation that reads the caller answers 401 to a bad API token or
//!   access link; the public registers, calendars and health ignore both;
//! - anything under `/api/v1` can find the service busy (503).
//!
//! Every error is `application/problem+json` with the `Problem` schema, and
//! the description lists the stable codes a client may key on.

use atbalsts_domain::refusal::Code;
use atbalsts_http::error::{KIND_CODES, PROBLEM_JSON};
use serde_json::{Map, Value, json};

/// Operations that never look at the caller (no 401, no security).
const PUBLIC: [&str; 11] = [
    "institutions",
    "services",
    "service",
    "life_situations",
    "resources",
    "locations",
    "days",
    "helped",
    "healthz",
    "readyz",
    "metrics",
];

/// What each error status means, for the responses' descriptions.
fn meaning(status: &str) -> &'static str {
    match status {
        "400" => "The request cannot be read: malformed JSON or parameters (code `bad_request`).",
        "401" => "No valid API token or access link (code `unauthorized`).",
        "403" => "A rule refuses the caller (a refusal code, e.g. `access.role`).",
        "404" => "Not found, or not visible to the caller (code `not_found`).",
        "409" => "Not possible in the current state (a refusal code, e.g. `ticket.closed`).",
        "413" => "The request body is larger than the limit (code `too_large`).",
        "422" => "Invalid fields, each named in `errors` (code `invalid`).",
        "429" => "Too many requests from this address (code `too_many_requests`).",
        "503" => "The service is busy or search is down; try again shortly (code `unavailable`).",
        "200" => "OK",
        "201" => "Created",
        "204" => "Done; no content",
        _ => "",
    }
}

fn problem_response(status: &str) -> Value {
    json!({
        "description": meaning(status),
        "content": { PROBLEM_JSON: { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

/// Make the document tell every status and media type the API answers.
pub fn complete(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (_, op) in item.iter_mut() {
                if let Some(op) = op.as_object_mut() {
                    complete_operation(path, op);
                }
            }
        }
    }
    describe_codes(doc);
}

fn complete_operation(path: &str, op: &mut Map<String, Value>) {
    let id = op
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let params: Vec<Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let has = |place: &str| params.iter().any(|p| p["in"] == place);
    let numeric_path = params
        .iter()
        .any(|p| p["in"] == "path" && p["schema"]["type"] == "integer");
    let mut extra: Vec<&str> = vec![];
    if op.contains_key("requestBody") {
        extra.extend(["400", "413", "422"]);
    }
    if has("query") || numeric_path {
        extra.push("400");
    }
    if has("path") {
        extra.push("404");
    }
    let public = PUBLIC.contains(&id.as_str());
    if public {
        op.insert("security".into(), json!([]));
    } else {
        extra.push("401");
    }
    if path.starts_with("/api/v1/") {
        extra.push("503");
    }
    let responses = op
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    let Some(responses) = responses else {
        return;
    };
    for status in extra {
        responses
            .entry(status)
            .or_insert_with(|| problem_response(status));
    }
    for (status, response) in responses.iter_mut() {
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
            let problem = content
                .get("application/json")
                .is_some_and(|c| c["schema"]["$ref"] == "#/components/schemas/Problem");
            if problem && let Some(c) = content.remove("application/json") {
                content.insert(PROBLEM_JSON.into(), c);
            }
        }
        let empty = response
            .get("description")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        if empty {
            response.insert("description".into(), json!(meaning(status)));
        }
    }
}

/// The Problem schema's `code` lists every code with what it means.
fn describe_codes(doc: &mut Value) {
    let mut lines =
        vec!["What went wrong, as a stable code to key on. The kinds of problem:".to_string()];
    lines.extend(KIND_CODES.iter().map(|(c, m)| format!("- `{c}`: {m}")));
    lines.push("The rules' refusals (403, 409):".into());
    lines.extend(
        Code::ALL
            .iter()
            .map(|c| format!("- `{}`: {}", c.as_str(), c.meaning())),
    );
    let code = &mut doc["components"]["schemas"]["Problem"]["properties"]["code"];
    if code.is_object() {
        code["description"] = json!(lines.join("\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operations(doc: &Value) -> Vec<(String, Map<String, Value>)> {
        let mut all = vec![];
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                if let Some(op) = op.as_object() {
                    all.push((format!("{method} {path}"), op.clone()));
                }
            }
        }
        all
    }

    #[test]
    fn every_error_is_a_problem_document() {
        let doc = crate::openapi::spec();
        let ops = operations(&doc);
        assert!(ops.len() >= 50, "{}", ops.len());
        for (name, op) in &ops {
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                assert!(
                    !response["description"].as_str().unwrap_or("").is_empty(),
                    "{name} {status} has no description"
                );
                if status.as_str() >= "400" && name != "get /readyz" {
                    let types: Vec<&String> = response["content"]
                        .as_object()
                        .map(|c| c.keys().collect())
                        .unwrap_or_default();
                    assert_eq!(types, [PROBLEM_JSON], "{name} {status}");
                }
            }
        }
    }

    #[test]
    fn statuses_follow_the_shape_of_each_operation() {
        let doc = crate::openapi::spec();
        let ops = operations(&doc);
        let status = |name: &str, code: &str| {
            ops.iter()
                .find(|(n, _)| n == name)
                .is_some_and(|(_, op)| op["responses"].get(code).is_some())
        };
        for code in ["400", "401", "404", "413", "422", "503"] {
            assert!(status("post /api/v1/tickets/{id}/escalate", code), "{code}");
        }
        assert!(status("get /api/v1/tickets", "400"));
        assert!(!status("get /api/v1/institutions", "401"));
        assert!(!status("get /healthz", "503"));
        // Every public operation named here exists (a renamed handler would
        // otherwise quietly gain a 401 it never answers).
        let ids: Vec<&str> = ops
            .iter()
            .filter_map(|(_, op)| op["operationId"].as_str())
            .collect();
        for id in PUBLIC {
            assert!(ids.contains(&id), "{id}");
        }
    }

    #[test]
    fn the_problem_schema_lists_every_code() {
        let doc = crate::openapi::spec();
        let code = &doc["components"]["schemas"]["Problem"]["properties"]["code"];
        let text = code["description"].as_str().unwrap_or("");
        for c in Code::ALL {
            assert!(text.contains(&format!("`{}`", c.as_str())), "{c}");
        }
        for (c, _) in KIND_CODES {
            assert!(text.contains(&format!("`{c}`")), "{c}");
        }
        let required = doc["components"]["schemas"]["Problem"]["required"].to_string();
        assert!(required.contains("\"code\""), "{required}");
    }
}
