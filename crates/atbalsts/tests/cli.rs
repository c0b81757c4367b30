//! The binary as a person uses it: commands, output, exit codes, settings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

fn atbalsts() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_atbalsts"));
    c.env_remove("ATBALSTS_DATABASE_URL")
        .env_remove("ATBALSTS_DATA_DIR")
        .env_remove("ATBALSTS_LISTEN");
    c.env("ATBALSTS_LOG", "warn");
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("run atbalsts")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write_registers(dir: &Path, services: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("institutions.json"),
        r#"[{"id":"PMLP","name_lv":"Pilsonības un migrācijas lietu pārvalde","name_en":"Office of Citizenship and Migration Affairs","kind":"state","parent":"IEM"},
            {"id":"IEM","name_lv":"Iekšlietu ministrija","name_en":"Ministry of the Interior","kind":"state","parent":null}]"#,
    )
    .unwrap();
    std::fs::write(dir.join("services.json"), services).unwrap();
}

const GOOD_SERVICES: &str = r#"[{"code":"PMLP-001","institution":"PMLP","name_lv":"Pases izsniegšana","name_en":"Issuing a passport","channels":["in_person"],"fee_eur":30,"deadline_days":10,"deadline_unit":"working_days"}]"#;

#[test]
fn import_reports_each_bad_record_and_imports_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let regs = tmp.path().join("bad");
    write_registers(
        &regs,
        r#"[{"code":"PMLP-001","institution":"PMLP","name_lv":"Pase","channels":["in_person"],"deadline_days":null,"deadline_unit":null},
            {"code":"PMLP-002","institution":"XXX","name_lv":"eID","channels":["pigeon"],"deadline_days":null,"deadline_unit":null},
            {"code":"PMLP-003"}]"#,
    );
    let out = run(atbalsts()
        .args(["import", "registers"])
        .arg(&regs)
        .arg("--data-dir")
        .arg(&data));
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("Nothing was imported"), "{err}");
    assert!(
        err.contains("services.json[1] (PMLP-002).institution"),
        "{err}"
    );
    assert!(
        err.contains("services.json[1] (PMLP-002).channels[0]"),
        "{err}"
    );
    assert!(err.contains("services.json[2] (PMLP-003)"), "{err}");

    let good = tmp.path().join("good");
    write_registers(&good, GOOD_SERVICES);
    let out = run(atbalsts()
        .args(["import", "registers"])
        .arg(&good)
        .arg("--data-dir")
        .arg(&data));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "institutions: 2 created\nservices: 1 created\n"
    );
    let again = run(atbalsts()
        .args(["import", "registers"])
        .arg(&good)
        .arg("--data-dir")
        .arg(&data));
    assert_eq!(
        text(&again.stdout),
        "institutions: 2 updated\nservices: 1 updated\n"
    );
}

#[test]
fn user_add_prints_the_token_last_and_refuses_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    write_registers(&tmp.path().join("regs"), GOOD_SERVICES);
    assert!(
        run(atbalsts()
            .args(["import", "registers"])
            .arg(tmp.path().join("regs"))
            .arg("--data-dir")
            .arg(&data))
        .status
        .success()
    );

    let out = run(atbalsts()
        .args([
            "user",
            "add",
            "--email",
            "ilze@pmlp.lv",
            "--name",
            "Ilze Bērziņa",
            "--role",
            "service_manager",
            "--service",
            "PMLP-001",
        ])
        .arg("--data-dir")
        .arg(&data));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let token = stdout.lines().last().unwrap();
    assert!(token.starts_with("atb_") && token.len() > 40, "{stdout}");

    let dup = run(atbalsts()
        .args([
            "user",
            "add",
            "--email",
            "ilze@pmlp.lv",
            "--name",
            "X",
            "--role",
            "expert",
        ])
        .arg("--data-dir")
        .arg(&data));
    assert!(!dup.status.success());
    assert!(text(&dup.stderr).contains("already exists"));
    let role = run(atbalsts()
        .args([
            "user", "add", "--email", "a@b.lv", "--name", "X", "--role", "boss",
        ])
        .arg("--data-dir")
        .arg(&data));
    assert!(!role.status.success());
    assert!(text(&role.stderr).contains("unknown role"));
    let inst = run(atbalsts()
        .args([
            "user",
            "add",
            "--email",
            "a@b.lv",
            "--name",
            "X",
            "--role",
            "expert",
            "--institution",
            "NOPE",
        ])
        .arg("--data-dir")
        .arg(&data));
    assert!(!inst.status.success());
    assert!(
        text(&inst.stderr).contains("no institution with code NOPE"),
        "{}",
        text(&inst.stderr)
    );
}

#[test]
fn settings_layer_file_then_environment_then_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("atbalsts.toml");
    let dir = |name: &str| tmp.path().join(name);
    std::fs::write(
        &config,
        format!("data_dir = {:?}\n", dir("from-file").to_string_lossy()),
    )
    .unwrap();
    let migrate = |c: &mut Command| {
        assert!(
            run(c.arg("--config").arg(&config).arg("migrate"))
                .status
                .success()
        )
    };

    migrate(&mut atbalsts());
    assert!(dir("from-file").join("atbalsts.db").exists());
    migrate(atbalsts().env("ATBALSTS_DATA_DIR", dir("from-env")));
    assert!(dir("from-env").join("atbalsts.db").exists());
    let mut c = atbalsts();
    c.env("ATBALSTS_DATA_DIR", dir("from-env2"))
        .arg("--config")
        .arg(&config)
        .args(["migrate", "--data-dir"])
        .arg(dir("from-flag"));
    assert!(run(&mut c).status.success());
    assert!(dir("from-flag").join("atbalsts.db").exists());
    assert!(!dir("from-env2").exists());

    let bad = run(atbalsts().args(["migrate", "--database-url", "mysql://x"]));
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("unsupported database URL"));
}

/// A server started by the test, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn demo_serves_populated_data_with_printed_logins() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = atbalsts()
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(tmp.path().join("demo"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let mut url = String::new();
    let mut tokens = Vec::new();
    let mut citizen_link = String::new();
    let mut password = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(u) = line.strip_prefix("Atbalsts listening on ") {
            url = u.to_string();
        } else if line.starts_with("  ") {
            let parts: Vec<&str> = line.split_whitespace().collect();
            tokens.push((parts[0].to_string(), parts[2].to_string()));
        } else if line.starts_with("A citizen's request") {
            citizen_link = line.split_whitespace().nth(4).unwrap().to_string();
        } else if line.starts_with("Staff workspace:") {
            password = line.rsplit(' ').next().unwrap().to_string();
        } else if line.starts_with("Stop with") {
            break;
        }
    }
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let roles: Vec<&str> = tokens.iter().map(|(r, _)| r.as_str()).collect();
    for role in [
        "specialist",
        "expert",
        "service_manager",
        "resource_manager",
        "portfolio_manager",
        "partner_agent",
        "central_agent",
        "administrator",
    ] {
        assert!(roles.contains(&role), "no {role} login printed: {roles:?}");
    }
    let admin = &tokens.iter().find(|(r, _)| r == "administrator").unwrap().1;
    let client = reqwest::blocking::Client::new();
    let mut statuses = std::collections::HashSet::new();
    let mut levels = std::collections::HashSet::new();
    let page: serde_json::Value = client
        .get(format!("{url}/api/v1/tickets?limit=200"))
        .bearer_auth(admin)
        .send()
        .unwrap()
        .json()
        .unwrap();
    for t in page["items"].as_array().unwrap() {
        statuses.insert(t["status"].as_str().unwrap().to_string());
        levels.insert(t["level"].as_i64().unwrap());
    }
    assert_eq!(statuses.len(), 5, "{statuses:?}");
    assert_eq!(levels.len(), 3, "{levels:?}");
    // The demo's mail with files becomes a ticket that has them, kept in the demo's directory.
    let mut with_files = None;
    for _ in 0..100 {
        let inbound: serde_json::Value = client
            .get(format!("{url}/api/v1/mail/inbound?status=ticket_created"))
            .bearer_auth(admin)
            .send()
            .unwrap()
            .json()
            .unwrap();
        with_files = inbound["items"].as_array().unwrap().iter().find_map(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.contains("īres līgums"))
                .then(|| m["ticket_id"].as_i64().unwrap())
        });
        if with_files.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let ticket = with_files.expect("the demo's mail with files became a ticket");
    let files: serde_json::Value = client
        .get(format!("{url}/api/v1/tickets/{ticket}/attachments"))
        .bearer_auth(admin)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(files[0]["file_name"], "īres-līgums.pdf", "{files}");
    assert_eq!(files[0]["content_type"], "application/pdf");
    let pdf = client
        .get(format!("{url}{}", files[0]["href"].as_str().unwrap()))
        .bearer_auth(admin)
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(tmp.path().join("demo/objects/att").is_dir());
    // The channels: a social conversation of several messages in one ticket, recorded contacts.
    let get = |path: &str| -> serde_json::Value {
        client
            .get(format!("{url}{path}"))
            .bearer_auth(admin)
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let connectors = get("/api/v1/connectors");
    assert_eq!(connectors[0]["code"], "facebook-pmlp", "{connectors}");
    let with_contacts = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| ["phone", "video", "in_person"].contains(&t["channel"].as_str().unwrap()))
        .filter(|t| {
            get(&format!("/api/v1/tickets/{}/contacts", t["id"]))
                .as_array()
                .is_some_and(|c| !c.is_empty())
        })
        .count();
    assert!(with_contacts >= 5, "{with_contacts} tickets with contacts");
    let social = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("Labdien! Pasūtīju pasi"))
        })
        .expect("the Facebook conversation's ticket");
    let messages = get(&format!("/api/v1/tickets/{}/messages", social["id"]));
    assert_eq!(messages.as_array().map(Vec::len), Some(3), "{messages}");
    let res = client.get(&citizen_link).send().unwrap();
    assert_eq!(res.status(), 200, "{citizen_link}");
    assert!(
        citizen_link.contains("/t/"),
        "the private page: {citizen_link}"
    );
    assert!(res.text().unwrap().contains("<html lang=\"lv\">"));

    // The printed password opens the staff workspace.
    let browser = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = browser.get(format!("{url}/staff/sign-in")).send().unwrap();
    let cookie = form.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let html = form.text().unwrap();
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = html[start..].split('"').next().unwrap().to_string();
    let signed_in = browser
        .post(format!("{url}/staff/sign-in"))
        .header("cookie", cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("next", "/staff"),
            ("email", "ilze.berzina@pmlp.demo.atbalsts.lv"),
            ("password", password.as_str()),
        ])
        .send()
        .unwrap();
    assert_eq!(signed_in.status(), 303, "password {password:?}");
    let session = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let queues = browser
        .get(format!("{url}/staff?queue=unassigned"))
        .header("cookie", session)
        .send()
        .unwrap();
    assert_eq!(queues.status(), 200);
    assert!(
        queues.text().unwrap().contains("/staff/tickets/"),
        "the workspace shows tickets"
    );

    // The bundled knowledge base is searchable and the assistant answers from it.
    let found: serde_json::Value = client
        .get(format!("{url}/api/v1/kb/search?q=deklaret%20dzivesvietu"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        found["results"][0]["id"], "dzivesvietas-deklaresana",
        "{found}"
    );
    let reply: serde_json::Value = client
        .post(format!("{url}/api/v1/assistant/query"))
        .json(&serde_json::json!({"q": "How do I declare my new address?"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(reply["lang"], "en", "{reply}");
    assert_eq!(
        reply["results"][0]["id"], "dzivesvietas-deklaresana-en",
        "{reply}"
    );
}

#[test]
fn reindex_rebuilds_with_progress_and_refuses_beside_a_server() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let regs = tmp.path().join("registers");
    write_registers(&regs, GOOD_SERVICES);
    let kb = tmp.path().join("kb");
    std::fs::create_dir_all(&kb).unwrap();
    std::fs::write(
        kb.join("pases-sanemsana.md"),
        "---\nid: pases-sanemsana\nlang: lv\ntitle: \"Kā saņemt pasi\"\nservices: [PMLP-001]\ntags: [pase]\naudience: public\nkind: howto\n---\n\nPasi piesaka klātienē.\n",
    )
    .unwrap();
    for (what, dir) in [("registers", &regs), ("kb", &kb)] {
        let out = run(atbalsts()
            .args(["import", what])
            .arg(dir)
            .arg("--data-dir")
            .arg(&data));
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    // One article and the service in both languages.
    let out = run(atbalsts().arg("reindex").arg("--data-dir").arg(&data));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Indexed 3 documents"),
        "{}",
        text(&out.stdout)
    );

    // A running server holds the index: reindex says so instead of corrupting it.
    let mut child = atbalsts()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let mut url = String::new();
    for line in BufReader::new(stdout).lines() {
        if let Some(u) = line.unwrap().strip_prefix("Atbalsts listening on ") {
            url = u.to_string();
            break;
        }
    }
    let found: serde_json::Value = reqwest::blocking::get(format!("{url}/api/v1/kb/search?q=pase"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(found["results"][0]["id"], "pases-sanemsana", "{found}");
    let out = run(atbalsts().arg("reindex").arg("--data-dir").arg(&data));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("is a server running"),
        "{}",
        text(&out.stderr)
    );
}
