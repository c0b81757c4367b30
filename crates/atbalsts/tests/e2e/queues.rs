use crate::harness::{TestApp, new_ticket};
use crate::on_every_backend;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashSet;

async fn filters_and_paging(app: &TestApp) {
    let staff = app.staff().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut body = new_ticket(
            "PMLP",
            if i % 2 == 0 { "PMLP-003" } else { "PMLP-001" },
            &format!("Jautājums {i}"),
        );
        if i == 3 {
            body["subject"] = json!("Dzīvesvietas deklarēšana Ķekavā");
            body["channel"] = json!("email");
        }
        let (s, t) = app.post("/api/v1/tickets", Some(&staff.pmlp), body).await;
        assert_eq!(s, StatusCode::CREATED);
        ids.push(t["id"].as_i64().unwrap());
    }
    app.post(
        &format!("/api/v1/tickets/{}/escalate", ids[1]),
        Some(&staff.pmlp),
        json!({"level": 2, "reason": "sarežģīti"}),
    )
    .await;
    app.post(
        &format!("/api/v1/tickets/{}/resolve", ids[2]),
        Some(&staff.pmlp),
        json!({"resolution": "atbildēts"}),
    )
    .await;

    // Keyset pages: newest first, no overlaps, a last page without a cursor.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/tickets?institution=PMLP&limit=3&cursor={c}"),
            None => "/api/v1/tickets?institution=PMLP&limit=3".to_string(),
        };
        let (s, page) = app.get(&path, Some(&staff.pmlp)).await;
        assert_eq!(s, StatusCode::OK);
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(seen, expected);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);

    let q = |query: &'static str| ids_of(app, staff.pmlp.clone(), query);
    assert_eq!(q("level=2").await, [ids[1]]);
    assert_eq!(q("status=resolved").await, [ids[2]]);
    assert_eq!(q("channel=email").await, [ids[3]]);
    assert_eq!(q("service=PMLP-001").await, [ids[5], ids[3], ids[1]]);
    assert_eq!(
        q("q=kekava%20deklaresana").await,
        [ids[3]],
        "every word, in any order"
    );
    assert_eq!(
        q("q=kekava%20pase").await,
        Vec::<i64>::new(),
        "every word must appear"
    );
    assert_eq!(q("q=kekav").await, [ids[3]], "diacritics are optional");
    assert_eq!(q("q=%C4%B6EKAV").await, [ids[3]], "and case too");
    assert_eq!(
        q("q=100%25").await,
        Vec::<i64>::new(),
        "LIKE wildcards are literal"
    );
    assert_eq!(
        q("status=new&service=PMLP-003").await,
        [ids[6], ids[4], ids[0]]
    );

    for bad in [
        "status=lost",
        "level=7",
        "channel=fax",
        "limit=0",
        "limit=500",
        "cursor=zzz",
        "assignee=someone",
        "sort=up",
    ] {
        let (s, p) = app
            .get(&format!("/api/v1/tickets?{bad}"), Some(&staff.pmlp))
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {p}");
    }
}
async fn ids_of(app: &TestApp, token: String, query: &str) -> Vec<i64> {
    let (s, page) = app
        .get(&format!("/api/v1/tickets?{query}"), Some(&token))
        .await;
    assert_eq!(s, StatusCode::OK, "{query}: {page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}
on_every_backend!(queue_filters_and_keyset_paging, filters_and_paging);
