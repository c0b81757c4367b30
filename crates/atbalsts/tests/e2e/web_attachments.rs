//! Files on the pages: the portal's request form and the requester's reply
//! take them, the staff's reply and note too; both ticket pages list them
//! and serve them as downloads under the ticket's rules. A file over the
//! limit re-shows the form with the problem in its summary.

use crate::browser::{Browser, hidden, open, sign_in};
use crate::harness::TestApp;
use crate::on_every_backend;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};

const PASSWORD: &str = "pareiza parole 2026";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

fn form(fields: &[(&str, &str)]) -> Form {
    fields.iter().fold(Form::new(), |f, (k, v)| {
        f.text(k.to_string(), v.to_string())
    })
}

fn file(name: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_string())
        .mime_str("application/octet-stream")
        .unwrap()
}

/// The first link under `prefix` in `html`.
fn link(html: &str, prefix: &str) -> Option<String> {
    let start = html.find(&format!("href=\"{prefix}"))? + "href=\"".len();
    Some(html[start..].split('"').next()?.to_string())
}

async fn post_form(
    app: &TestApp,
    b: &mut Browser,
    path: &str,
    form: Form,
) -> (StatusCode, Option<String>, String) {
    let req = b.request(Method::POST, &app.url(path)).multipart(form);
    b.send(req).await
}

async fn pages_scenario(app: &TestApp) {
    let staff = app.staff().await;
    for who in ["ilze@pmlp.lv", "anna@vid.lv"] {
        app.store.set_password(who, PASSWORD).await.unwrap();
    }
    let (mut citizen, html) = open(app, "/requests/new?service=PMLP-003").await;
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    assert!(html.contains("<label for=\"files\">Pielikumi"), "{html}");
    let fields = |csrf: &str, form_id: &str| {
        form(&[
            ("csrf", csrf),
            ("form_id", form_id),
            ("service", "PMLP-003"),
            ("kind", "incident"),
            ("subject", "Izziņa par dzīvesvietu"),
            ("description", "Pielikumā izziņa."),
            ("name", "Anna Bērziņa"),
            ("email", "anna@example.lv"),
            ("preferred", "email"),
            ("consent", "yes"),
        ])
    };
    let (csrf, form_id) = (hidden(&html, "csrf"), hidden(&html, "form_id"));

    // Too large: the form again, the problem in its summary, no ticket.
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let (s, _, html) = post_form(
        app,
        &mut citizen,
        "/requests/new",
        fields(&csrf, &form_id).part("files", file("liels.txt", big)),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("href=\"#files\""),
        "summary links the field: {html}"
    );
    assert!(html.contains("lielāks par 10 MiB"), "{html}");
    assert!(html.contains("aria-invalid=\"true\""), "{html}");
    let (_, listed) = app.get("/api/v1/tickets", Some(&staff.pmlp)).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0));
    // A form without its token is refused even with files.
    let (s, _, _) = post_form(
        app,
        &mut Browser::new(),
        "/requests/new",
        fields(&csrf, &form_id).part("files", file("a.pdf", PDF.to_vec())),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    let (s, location, html) = post_form(
        app,
        &mut citizen,
        "/requests/new",
        fields(&csrf, &form_id).part("files", file("izziņa.pdf", PDF.to_vec())),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    let page = location.unwrap().replace("?new=1", "");
    let token = page.trim_start_matches("/t/").to_string();
    let (s, _, html) = citizen.get(app, &page).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(">izziņa.pdf</a>") && html.contains("application/pdf"),
        "{html}"
    );
    let href = link(&html, &format!("/t/{token}/files/")).expect("a link to the file");
    let (s, _, bytes) = citizen.get(app, &href).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(bytes.as_bytes(), PDF);
    assert!(
        citizen
            .header("content-disposition")
            .starts_with("attachment; ")
    );
    assert_eq!(citizen.header("x-content-type-options"), "nosniff");
    assert!(
        citizen
            .header("content-security-policy")
            .starts_with("sandbox")
    );
    assert_eq!(citizen.header("cache-control"), "no-store");

    // The requester's reply with a file.
    let (s, _, _) = post_form(
        app,
        &mut citizen,
        &format!("{page}/reply"),
        form(&[("csrf", &csrf), ("body", "Vēl viens dokuments.")])
            .part("files", file("otrs.txt", b"teksts\n".to_vec())),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // The staff see both, and add a note with a file of their own.
    let mut agent = Browser::new();
    let (_, _, _) = sign_in(app, &mut agent, "ilze@pmlp.lv", PASSWORD, "/staff").await;
    let (_, listed) = app.get("/api/v1/tickets", Some(&staff.pmlp)).await;
    let id = listed["items"][0]["id"].as_i64().unwrap();
    let ticket_page = format!("/staff/tickets/{id}");
    let (s, _, html) = agent.get(app, &ticket_page).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(">izziņa.pdf</a>") && html.contains(">otrs.txt</a>"),
        "{html}"
    );
    assert!(
        html.contains("<label for=\"reply-files\">") && html.contains("<label for=\"note-files\">")
    );
    let staff_csrf = hidden(&html, "csrf");
    let (s, _, html) = post_form(
        app,
        &mut agent,
        &format!("{ticket_page}/note"),
        form(&[("csrf", &staff_csrf), ("body", "Pārbaudīts reģistrā.")])
            .part("files", file("reģistrs.txt", b"izraksts\n".to_vec())),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    let (_, _, html) = agent.get(app, &ticket_page).await;
    let note_file = html
        .split("href=\"")
        .filter_map(|h| h.split('"').next())
        .filter(|h| h.starts_with(&format!("/staff/tickets/{id}/files/")))
        .last()
        .unwrap()
        .to_string();
    assert!(html.contains(">reģistrs.txt</a>"), "{html}");
    let (s, _, bytes) = agent.get(app, &note_file).await;
    assert_eq!((s, bytes.as_str()), (StatusCode::OK, "izraksts\n"));
    // Too many files on a staff reply: the reply form again with the problem.
    let mut many = form(&[("csrf", &staff_csrf), ("body", "Daudz.")]);
    for i in 0..11 {
        many = many.part("files", file(&format!("{i}.txt"), b"x".to_vec()));
    }
    let (s, _, html) = post_form(app, &mut agent, &format!("{ticket_page}/reply"), many).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("href=\"#reply-files\""), "{html}");

    // The note's file is not the requester's, nor another institution's.
    let (_, _, html) = citizen.get(app, &page).await;
    assert!(!html.contains("reģistrs.txt"), "{html}");
    let note_id = note_file.rsplit('/').next().unwrap();
    let (s, _, _) = citizen.get(app, &format!("{page}/files/{note_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let mut vid = Browser::new();
    sign_in(app, &mut vid, "anna@vid.lv", PASSWORD, "/staff").await;
    let (s, _, _) = vid.get(app, &note_file).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = Browser::new().get(app, &note_file).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "to the sign-in page");
}
on_every_backend!(files_on_the_pages, pages_scenario);
