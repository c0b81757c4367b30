//! The staff workspace as a browser without JavaScript uses it: sign-in
//! (sessions, throttling, sign-out), queues, the ticket view and its actions,
//! and registering a contact.

use crate::browser::{Browser, hidden, sign_in};
use crate::harness::TestApp;
use crate::on_every_backend;
use reqwest::{Method, StatusCode};

const PASSWORD: &str = "pareiza parole 2026";

async fn workspace_scenario(app: &TestApp) {
    let staff = app.staff().await;
    app.store
        .set_password("ilze@pmlp.lv", PASSWORD)
        .await
        .unwrap();
    app.store
        .set_password("janis@pmlp.lv", PASSWORD)
        .await
        .unwrap();
    let (id, token) = app
        .citizen_ticket("PMLP-003", "Nevaru deklarēt dzīvesvietu")
        .await;
    assert_eq!(id, 1, "the sign-in below returns to ticket 1");

    // Signed out: every workspace page sends to the sign-in page and back.
    let mut b = Browser::new();
    let (s, location, _) = b.get(app, "/staff?queue=unassigned").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/staff/sign-in?next=/staff%3Fqueue%3Dunassigned")
    );
    let (s, _, html) = b.get(app, "/staff/sign-in?next=/staff").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<label for=\"password\">Parole</label>"),
        "{html}"
    );

    // A wrong password: 401, a message that does not say which part was wrong.
    let (s, _, html) = sign_in(
        app,
        &mut b,
        "ilze@pmlp.lv",
        "nepareiza parole",
        "/staff/tickets/1",
    )
    .await;
    let set = b.set_cookies();
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        html.contains("E-pasta adrese vai parole nav pareiza."),
        "{html}"
    );
    assert!(set.is_empty(), "no session: {set:?}");
    let (s, _, html) = sign_in(app, &mut b, "nav@pmlp.lv", PASSWORD, "/staff/tickets/1").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(html.contains("E-pasta adrese vai parole nav pareiza."));

    // The right one: a session cookie with safe flags, back to where the person was going.
    let (s, location, _) = sign_in(app, &mut b, "Ilze@PMLP.lv", PASSWORD, "/staff/tickets/1").await;
    let set = b.set_cookies();
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/staff/tickets/1"));
    let session = set
        .iter()
        .find(|c| c.starts_with("atb_session="))
        .expect("session cookie");
    for flag in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(flag), "{flag}: {session}");
    }

    // The session lives in the database: another node serves the same person.
    let (other, _stop) = app.second_node().await;
    let on_other = b.request(Method::GET, &format!("{other}/staff?queue=unassigned"));
    assert_eq!(
        b.send(on_other).await.0,
        StatusCode::OK,
        "the second node knows the session"
    );

    // Queues: counts and the citizen's ticket among the unassigned.
    let (s, _, html) = b.get(app, "/staff?queue=unassigned").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Nepiešķirtie <span class=\"badge\">1</span>"),
        "{html}"
    );
    assert!(
        html.contains("Man piešķirtie <span class=\"badge\">0</span>"),
        "{html}"
    );
    assert!(html.contains("href=\"/staff/tickets/1\""), "{html}");
    assert!(
        html.contains("Darbinieks ilze@pmlp.lv"),
        "who is signed in: {html}"
    );
    let csrf = hidden(&html, "csrf");

    // The ticket: thread, requester, actions.
    let (s, _, html) = b.get(app, "/staff/tickets/1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Nevaru deklarēt dzīvesvietu"), "{html}");
    assert!(html.contains("Citi šī pieprasītāja pieprasījumi"));
    assert!(html.contains("action=\"/staff/tickets/1/reply\""));
    assert_eq!(
        b.get(app, "/staff/tickets/999").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.get(app, "/staff/tickets/abc").await.0,
        StatusCode::NOT_FOUND
    );

    // A form without the session's token is refused and changes nothing.
    let (s, _, _) = b
        .post(
            app,
            "/staff/tickets/1/reply",
            &[("csrf", "forged"), ("body", "x")],
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Take it, reply, note: each lands, the requester sees the reply but not the note.
    let (s, location, _) = b
        .post(app, "/staff/tickets/1/take", &[("csrf", &csrf)])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/staff/tickets/1?done=take"));
    let (s, _, _) = b
        .post(
            app,
            "/staff/tickets/1/reply",
            &[
                ("csrf", &csrf),
                ("body", "Lūdzu, atsūtiet kļūdas ekrānattēlu."),
                ("await_requester", "yes"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = b
        .post(
            app,
            "/staff/tickets/1/note",
            &[("csrf", &csrf), ("body", "Iespējams, E3007.")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, ticket) = app.get("/api/v1/tickets/1", Some(&staff.pmlp)).await;
    assert_eq!(ticket["status"], "pending_requester");
    assert_eq!(ticket["assignee"]["id"], staff.pmlp_id);
    let (_, seen) = app
        .get_as_requester("/api/v1/tickets/1/messages", &token)
        .await;
    let seen = seen.to_string();
    assert!(
        seen.contains("ekrānattēlu") && !seen.contains("E3007"),
        "{seen}"
    );
    let (_, _, html) = b.get(app, "/staff/tickets/1?done=take").await;
    assert!(
        html.contains("Pieprasījums piešķirts jums.") && !html.contains("/staff/tickets/1/take"),
        "taken: {html}"
    );
    let (_, _, html) = b.get(app, "/staff/tickets/1?done=bogus").await;
    assert!(
        !html.contains("done-bogus") && !html.contains("role=\"status\""),
        "{html}"
    );
    let (_, _, html) = b.get(app, "/staff/tickets/1?done=note").await;
    assert!(
        html.contains("Piezīme pievienota.") && html.contains("iekšēja piezīme"),
        "{html}"
    );

    // Escalating asks for a reason; with one, the ticket goes to level 2.
    let (s, _, html) = b
        .post(
            app,
            "/staff/tickets/1/level",
            &[("csrf", &csrf), ("level", "2"), ("reason", " ")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"level-reason-error\""), "{html}");
    assert!(
        html.contains("<details open>\n<summary>Nodot 2. līmenim"),
        "the form with the error is open: {html}"
    );
    let (s, _, _) = b
        .post(
            app,
            "/staff/tickets/1/level",
            &[
                ("csrf", &csrf),
                ("level", "2"),
                ("reason", "Vajag sistēmas žurnālus"),
                ("group", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, ticket) = app.get("/api/v1/tickets/1", Some(&staff.pmlp)).await;
    assert_eq!(ticket["level"], 2);

    // A rule that says no (a specialist resolving is allowed; resolving twice is not): 409 with the reason.
    let (s, _, _) = b
        .post(
            app,
            "/staff/tickets/1/resolve",
            &[("csrf", &csrf), ("resolution", "Novērsts.")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, html) = b
        .post(
            app,
            "/staff/tickets/1/resolve",
            &[("csrf", &csrf), ("resolution", "Vēlreiz.")],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(html.contains("Pieprasījums jau ir atrisināts."), "{html}");
    assert_eq!(
        b.post(app, "/staff/tickets/1/fly", &[("csrf", &csrf)])
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Register an in-person visit: the location is required; then one step makes a ticket.
    let (s, _, html) = b.get(app, "/staff/contacts/new").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("<option value=\"PMLP-003\""), "{html}");
    assert!(
        !html.contains("<option value=\"VID-001\""),
        "only services in scope: {html}"
    );
    let visit = [
        ("csrf", csrf.as_str()),
        ("channel", "in_person"),
        ("location", ""),
        ("service", "PMLP-003"),
        ("kind", "consultation"),
        ("subject", "Dzīvesvietas deklarēšana klātienē"),
        ("description", "Izskaidroju, kā aizpildīt iesniegumu."),
        ("name", "Pēteris Kalniņš"),
        ("email", ""),
        ("phone", ""),
        ("language", "en"),
        ("resolved", "yes"),
        ("resolution", "Iesniegums pieņemts."),
    ];
    let (s, _, html) = b.post(app, "/staff/contacts/new", &visit).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"location-error\""), "{html}");
    let (_, locations) = app.get("/api/v1/locations", None).await;
    let location_id = locations
        .as_array()
        .and_then(|l| l.first())
        .and_then(|l| l["id"].as_str())
        .expect("a location")
        .to_string();
    let mut visit = visit;
    visit[2] = ("location", &location_id);
    let (s, location, _) = b.post(app, "/staff/contacts/new", &visit).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{location:?}");
    let location = location.unwrap();
    let new_id: i64 = location
        .trim_start_matches("/staff/tickets/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (_, ticket) = app
        .get(&format!("/api/v1/tickets/{new_id}"), Some(&staff.pmlp))
        .await;
    assert_eq!(ticket["channel"], "in_person");
    assert_eq!(ticket["location"], location_id.as_str());
    assert_eq!(ticket["status"], "resolved");
    assert_eq!(ticket["language"], "en", "the language staff chose");
    let (_, _, html) = b.get(app, &location).await;
    assert!(
        html.contains("Saziņas valoda") && html.contains("angļu"),
        "the ticket page shows the language: {html}"
    );

    // English workspace.
    let (s, _, html) = b.get(app, "/en/staff?queue=recent").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<html lang=\"en\">") && html.contains("Recently updated"),
        "{html}"
    );

    // Sign out: the session ends in the database, so the old cookie opens nothing.
    let mut kept = b.clone();
    let (s, location, _) = b.post(app, "/staff/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/staff/sign-in?signed_out=1"));
    let (s, location, _) = kept.get(app, "/staff").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        location
            .as_deref()
            .is_some_and(|l| l.starts_with("/staff/sign-in")),
        "{location:?}"
    );

    // Throttling: after 5 failures for one account even the right password waits.
    let mut t = Browser::new();
    for _ in 0..5 {
        assert_eq!(
            sign_in(
                app,
                &mut t,
                "janis@pmlp.lv",
                "minējums minējums",
                "/staff/tickets/1"
            )
            .await
            .0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (s, _, html) = sign_in(app, &mut t, "janis@pmlp.lv", PASSWORD, "/staff/tickets/1").await;
    let set = t.set_cookies();
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        html.contains("Pārāk daudz neveiksmīgu mēģinājumu"),
        "{html}"
    );
    assert!(!set.iter().any(|c| c.starts_with("atb_session=")));
    // Other accounts are not affected.
    app.store
        .set_password("anna@vid.lv", PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        sign_in(app, &mut t, "anna@vid.lv", PASSWORD, "/staff/tickets/1")
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    // The VID member does not see PMLP's ticket.
    assert_eq!(
        t.get(app, "/staff/tickets/1").await.0,
        StatusCode::NOT_FOUND
    );
}
on_every_backend!(staff_sign_in_and_work_tickets, workspace_scenario);

async fn paging_scenario(app: &TestApp) {
    app.staff().await;
    app.store
        .set_password("ilze@pmlp.lv", PASSWORD)
        .await
        .unwrap();
    for n in 0..27 {
        app.citizen_ticket("PMLP-003", &format!("Jautājums {n:02}"))
            .await;
    }
    let mut b = Browser::new();
    sign_in(app, &mut b, "ilze@pmlp.lv", PASSWORD, "/staff/tickets/1").await;
    for queue in ["unassigned", "recent"] {
        let (s, _, html) = b.get(app, &format!("/staff?queue={queue}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            html.matches("<tr><td><a href=\"/staff/tickets/").count(),
            25,
            "{html}"
        );
        assert!(
            html.contains("Jautājums 26") && !html.contains("Jautājums 01"),
            "newest first: {html}"
        );
        let marker = "rel=\"next\"";
        let end = html.find(marker).expect("a next page");
        let start = html[..end].rfind("href=\"").unwrap() + 6;
        let next = html[start..end]
            .trim_end_matches("\" ")
            .replace("&#38;", "&");
        let (s, _, html) = b.get(app, &next).await;
        assert_eq!(s, StatusCode::OK, "{next}");
        assert_eq!(
            html.matches("<tr><td><a href=\"/staff/tickets/").count(),
            2,
            "{next}: {html}"
        );
        assert!(
            html.contains("Jautājums 01") && html.contains("Jautājums 00"),
            "{html}"
        );
        assert!(
            !html.contains(marker) && html.contains("Uz sākumu"),
            "{html}"
        );
    }
    let (_, _, html) = b.get(app, "/staff?queue=unassigned").await;
    assert!(
        html.contains("Nepiešķirtie <span class=\"badge\">27</span>"),
        "{html}"
    );
}
on_every_backend!(queues_page_by_keyset, paging_scenario);
