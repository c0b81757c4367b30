//! The workspace shows the clocks on the ticket and in the queues, extends
//! the legal term and takes in transferred cases.

use crate::browser::{Browser, hidden, sign_in};
use crate::harness::TestApp;
use crate::on_every_backend;
use reqwest::StatusCode;
use serde_json::json;

const PASSWORD: &str = "pareiza parole 2026";

async fn scenario(app: &TestApp) {
    let staff = app.staff().await;
    for email in ["ilze@pmlp.lv", "anna@vid.lv"] {
        app.store.set_password(email, PASSWORD).await.unwrap();
    }
    let (id, token) = app.citizen_ticket("PMLP-003", "Termiņi lapā").await;
    let mut b = Browser::new();
    let (s, _, _) = sign_in(app, &mut b, "ilze@pmlp.lv", PASSWORD, "/staff").await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // The ticket shows each clock and the legal term; the queue shows the earliest target.
    let page = format!("/staff/tickets/{id}");
    let (s, _, html) = b.get(app, &page).await;
    assert_eq!(s, StatusCode::OK);
    for text in [
        "<dt>Pirmā atbilde</dt><dd>līdz ",
        "<dt>Atrisināšana</dt><dd>līdz ",
        "<dt>Atbilde pēc Iesniegumu likuma līdz</dt>",
    ] {
        assert!(html.contains(text), "{text} in {html}");
    }
    let (_, _, queue) = b.get(app, "/staff?queue=unassigned").await;
    assert!(queue.contains("<th scope=\"col\">Termiņš</th>"), "{queue}");

    // Control characters in a form field are a problem to fix, not a server error.
    let csrf0 = hidden(&html, "csrf");
    let (s, _, _) = b
        .post(
            app,
            &format!("{page}/note"),
            &[("csrf", &csrf0), ("body", "a\u{0}b")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = b
        .post(
            app,
            &format!("{page}/legal-term"),
            &[
                ("csrf", &csrf0),
                ("until", "2026-12-20"),
                ("reason", "x\u{0}"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Extending the term needs a date and a reason; then the requester is told.
    let csrf = hidden(&html, "csrf");
    let (s, _, bad) = b
        .post(
            app,
            &format!("{page}/legal-term"),
            &[("csrf", &csrf), ("until", "rīt"), ("reason", "")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Ievadiet datumu"), "{bad}");
    let (_, v) = app
        .get(&format!("/api/v1/tickets/{id}"), Some(staff.pmlp.as_str()))
        .await;
    let latest = v["legal"]["extendable_to"].as_str().unwrap().to_string();
    assert!(html.contains(&format!("max=\"{latest}\"")), "{html}");
    let (s, location, _) = b
        .post(
            app,
            &format!("{page}/legal-term"),
            &[
                ("csrf", &csrf),
                ("until", &latest),
                ("reason", "Nepieciešams eksperta atzinums"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{location:?}");
    let (_, _, html) = b.get(app, &page).await;
    assert!(
        html.contains("pagarināts: Nepieciešams eksperta atzinums"),
        "{html}"
    );
    let (_, _, private) = b.get(app, &format!("/t/{token}")).await;
    assert!(
        private.contains("Nepieciešams eksperta atzinums"),
        "{private}"
    );
    // The requester's own reply with a control character is a problem to fix too.
    let public_csrf = hidden(&private, "csrf");
    let (s, _, _) = b
        .post(
            app,
            &format!("/t/{token}/reply"),
            &[("csrf", &public_csrf), ("body", "x\u{7}y")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // The requester sees the (extended) last day of the answer term.
    let last_day: jiff::civil::Date = latest.parse().unwrap();
    let shown = format!(
        "<dt>Atbildi sniegsim ne vēlāk kā</dt><dd>{}</dd>",
        last_day.strftime("%d.%m.%Y.")
    );
    assert!(private.contains(&shown), "{shown} in {private}");

    // Transferred to VID: VID sees it among the cases to accept, and accepts it.
    let (s, v) = app
        .post(
            &format!("/api/v1/tickets/{id}/transfer"),
            Some(staff.pmlp.as_str()),
            json!({"institution": "VID", "reason": "Nodokļi"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut vid = Browser::new();
    sign_in(app, &mut vid, "anna@vid.lv", PASSWORD, "/staff").await;
    let (_, _, incoming) = vid.get(app, "/staff?queue=incoming").await;
    assert!(incoming.contains("Termiņi lapā"), "{incoming}");
    let (_, _, html) = vid.get(app, &page).await;
    assert!(
        html.contains("Šis gadījums pārsūtīts no iestādes:"),
        "{html}"
    );
    let csrf = hidden(&html, "csrf");
    let (s, _, _) = vid
        .post(app, &format!("{page}/accept-transfer"), &[("csrf", &csrf)])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, html) = vid.get(app, &page).await;
    assert!(
        !html.contains("Šis gadījums pārsūtīts no iestādes:"),
        "{html}"
    );
    let (_, _, incoming) = vid.get(app, "/staff?queue=incoming").await;
    assert!(!incoming.contains("Termiņi lapā"), "{incoming}");
}
on_every_backend!(workspace_shows_clocks_and_takes_in_transfers, scenario);
