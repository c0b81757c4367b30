//! `atbalsts demo`: a fresh instance filled with the bundled sample data
//! (Latvian institutions, services, staff of every role, tickets at every
//! level and status), built through the same operations the API uses.

use crate::scopes_for;
use anyhow::{Context, bail};
use atbalsts_domain::routing::{Assignment, GroupKind};
use atbalsts_domain::{Actor, Channel, DomainError, Kind, Level, Priority, Role, Status};
use atbalsts_store::groups::GroupConfig;
use atbalsts_store::registers::{FILES, RegisterBatch};
use atbalsts_store::tickets::{ChangeRequest, NewRequester, NewTicket};
use atbalsts_store::users::NewUser;
use atbalsts_store::{Store, StoreError};
use serde::Deserialize;
use std::path::PathBuf;

const REGISTERS: [(&str, &str); 5] = [
    (
        FILES[0],
        include_str!("../demo/registers/institutions.json"),
    ),
    (
        FILES[1],
        include_str!("../demo/registers/life_situations.json"),
    ),
    (FILES[2], include_str!("../demo/registers/resources.json")),
    (FILES[3], include_str!("../demo/registers/services.json")),
    (FILES[4], include_str!("../demo/registers/locations.json")),
];
const PEOPLE: &str = include_str!("../demo/people.json");
/// Knowledge-base articles written for the demo (Markdown with front matter).
static KB: include_dir::Dir<'static> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/demo/kb");

/// Where `demo` keeps its database by default.
pub const DEMO_DIR: &str = "./atbalsts-demo";
/// The search index's directory inside a data directory.
pub const SEARCH_INDEX: &str = "search-index";
/// The demo's central state help desk (takes hand-overs no service routes).
pub const CENTRAL_HELP_DESK: &str = "VDAA";
const TICKETS: &str = include_str!("../demo/tickets.json");

#[derive(Deserialize)]
struct People {
    groups: Vec<GroupData>,
    staff: Vec<StaffData>,
}

/// A row of the provider table: a support group and what it takes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupData {
    code: String,
    institution: String,
    name_lv: String,
    name_en: Option<String>,
    level: u8,
    #[serde(default)]
    kind: GroupKind,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    channels: Vec<Channel>,
    #[serde(default)]
    locations: Vec<String>,
    #[serde(default = "latvian")]
    languages: Vec<String>,
    hours: Option<String>,
    #[serde(default)]
    assignment: Assignment,
    #[serde(default)]
    email_addresses: Vec<String>,
}

fn latvian() -> Vec<String> {
    vec![atbalsts_domain::routing::DEFAULT_LANGUAGE.to_string()]
}

#[derive(Deserialize)]
struct StaffData {
    email: String,
    name: String,
    role: String,
    #[serde(default)]
    institutions: Vec<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    groups: Vec<String>,
}

#[derive(Deserialize)]
struct TicketData {
    institution: String,
    service: Option<String>,
    resource: Option<String>,
    life_situation: Option<String>,
    channel: Channel,
    location: Option<String>,
    kind: Kind,
    priority: Priority,
    subject: String,
    description: String,
    requester: RequesterData,
    created_by: Option<String>,
    level: u8,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default = "latvian_requester")]
    language: String,
    #[serde(default)]
    steps: Vec<Step>,
    expected_status: Status,
    expected_level: u8,
}

fn latvian_requester() -> String {
    atbalsts_domain::language::DEFAULT.to_string()
}

#[derive(Deserialize)]
struct RequesterData {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    /// A business customer's organisation, set on the record after the ticket.
    #[serde(default)]
    organisation: Option<OrganisationData>,
}

#[derive(Deserialize)]
struct OrganisationData {
    name: String,
    registration_number: Option<String>,
}

/// Who records organisations on the demo's requesters (sees every record).
const DEMO_ADMIN: &str = "admin@demo.atbalsts.lv";

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Step {
    Reply {
        by: String,
        body: String,
        #[serde(default)]
        await_requester: bool,
    },
    Note {
        by: String,
        body: String,
    },
    Assign {
        by: String,
        assignee: Option<String>,
        group: Option<String>,
    },
    Escalate {
        by: String,
        level: u8,
        reason: String,
    },
    Transfer {
        by: String,
        institution: String,
        reason: String,
    },
    AcceptTransfer {
        by: String,
    },
    ReturnTransfer {
        by: String,
        reason: String,
    },
    Resolve {
        by: String,
        resolution: String,
    },
    Reopen {
        by: String,
        reason: Option<String>,
    },
    Close {
        by: String,
    },
}

/// A login printed for the newcomer.
pub struct Login {
    pub email: String,
    pub role: Role,
    pub token: String,
}

pub struct Logins {
    pub staff: Vec<Login>,
    /// The password of every demo staff account, for the workspace.
    pub password: String,
    /// (ticket number, access token) of a requester's ticket.
    pub requester: Option<(String, i64, String)>,
}

/// An empty database: a removed-and-recreated SQLite directory, or an empty PostgreSQL.
pub async fn fresh_store(
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
) -> anyhow::Result<Store> {
    if let Some(url) = database_url {
        let store = Store::open(Some(&url), std::path::Path::new(".")).await?;
        store.migrate().await?;
        if !store.institutions().await?.is_empty() {
            bail!("the PostgreSQL database already holds data; give the demo an empty database");
        }
        return Ok(store);
    }
    let dir = data_dir.unwrap_or_else(|| PathBuf::from(DEMO_DIR));
    if dir.exists() {
        // Only ever delete what the demo itself made.
        let foreign = std::fs::read_dir(&dir)?.filter_map(Result::ok).any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            !name.starts_with("atbalsts.db")
                && name != SEARCH_INDEX
                && name != atbalsts_http::vectors::VECTORS_DIR
                && name != "objects"
        });
        if foreign {
            bail!(
                "{} holds files that are not a demo database; choose another --data-dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(&dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    let store = Store::open(None, &dir).await?;
    store.migrate().await?;
    Ok(store)
}

/// Load the bundled data; fails loudly if the data and the rules disagree.
pub async fn load(store: &Store) -> anyhow::Result<Logins> {
    let mut batch = RegisterBatch::default();
    for (file, text) in REGISTERS {
        batch.add_file(file, text);
    }
    store
        .import_registers(&batch)
        .await
        .context("importing the bundled registers")?;

    let people: People = serde_json::from_str(PEOPLE).context("demo/people.json")?;
    let mut logins = Logins {
        staff: Vec::new(),
        password: String::new(),
        requester: None,
    };
    let mut members: Vec<(String, i64)> = Vec::new();
    for p in &people.staff {
        let role =
            Role::parse(&p.role).with_context(|| format!("role {} of {}", p.role, p.email))?;
        let scopes = scopes_for(store, &p.institutions, &p.services).await?;
        let id = store
            .create_user(&NewUser {
                email: p.email.clone(),
                name: p.name.clone(),
                role,
                scopes,
            })
            .await
            .with_context(|| format!("staff member {}", p.email))?;
        for g in &p.groups {
            members.push((g.clone(), id));
        }
        logins.staff.push(Login {
            email: p.email.clone(),
            role,
            token: store.issue_token(id).await?,
        });
    }
    for g in &people.groups {
        let ids: Vec<i64> = members
            .iter()
            .filter(|(c, _)| c == &g.code)
            .map(|(_, id)| *id)
            .collect();
        let config = GroupConfig {
            code: g.code.clone(),
            institution: g.institution.clone(),
            name_lv: g.name_lv.clone(),
            name_en: g.name_en.clone(),
            kind: g.kind,
            level: Level::try_from(g.level).map_err(anyhow::Error::msg)?,
            services: g.services.clone(),
            channels: g.channels.clone(),
            locations: g.locations.clone(),
            languages: g.languages.clone(),
            hours: g.hours.clone(),
            assignment: g.assignment,
            members: ids,
            email_addresses: g.email_addresses.clone(),
        };
        store
            .save_group(&config)
            .await
            .map_err(|e| match e {
                StoreError::Domain(DomainError::Invalid(errors)) => anyhow::anyhow!(
                    "{}",
                    errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                other => other.into(),
            })
            .with_context(|| format!("demo/people.json: group {}", g.code))?;
    }

    let mut articles = Vec::new();
    let mut files: Vec<_> = KB
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort_by_key(|f| f.path());
    for f in files {
        let name = f.path().to_string_lossy().into_owned();
        let text = f
            .contents_utf8()
            .with_context(|| format!("demo/kb/{name} is not UTF-8"))?;
        match atbalsts_domain::kb::parse_article(&name, text) {
            Ok(a) => articles.push(a),
            Err(errors) => bail!(
                "demo/kb/{name}: {}",
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    }
    store
        .import_articles(&articles)
        .await
        .context("importing the bundled knowledge base")?;

    let tickets: Vec<TicketData> = serde_json::from_str(TICKETS).context("demo/tickets.json")?;
    for (i, t) in tickets.into_iter().enumerate() {
        load_ticket(store, t, &mut logins)
            .await
            .with_context(|| format!("demo/tickets.json[{i}]"))?;
    }
    Ok(logins)
}

async fn staff(store: &Store, email: &str) -> anyhow::Result<Actor> {
    match store.staff_by_email(email).await? {
        Some(s) => Ok(Actor::Staff(s)),
        None => bail!("no staff member {email}"),
    }
}

async fn load_ticket(store: &Store, t: TicketData, logins: &mut Logins) -> anyhow::Result<()> {
    let level = Level::try_from(t.level).map_err(anyhow::Error::msg)?;
    // Self-service records (level 0) are registered by staff.
    let creator = match (&t.created_by, level) {
        (Some(email), _) => staff(store, email).await?,
        (None, Level::Specialist) => Actor::Anonymous,
        (None, _) => bail!("a ticket at level {level} needs created_by"),
    };
    let organisation = t.requester.organisation;
    let new = NewTicket {
        institution: t.institution,
        service: t.service,
        resource: t.resource,
        life_situation: t.life_situation,
        channel: t.channel,
        location: t.location,
        kind: t.kind,
        priority: t.priority,
        level,
        subject: t.subject,
        description: t.description,
        tags: t.tags,
        requester: NewRequester {
            name: t.requester.name,
            email: t.requester.email,
            phone: t.requester.phone,
            personal_code: None,
        },
        language: t.language,
        group: None,
    };
    let created = store.create_ticket(&creator, new, None).await?;
    let id = created.ticket.id;
    if let Some(o) = organisation {
        let patch = atbalsts_store::requesters::RequesterPatch {
            organisation: Some(Some((o.name, o.registration_number))),
            ..Default::default()
        };
        store
            .update_requester(
                &staff(store, DEMO_ADMIN).await?,
                created.ticket.requester_id,
                patch,
            )
            .await?;
    }
    if let (None, Some(token)) = (&logins.requester, created.access_token) {
        logins.requester = Some((created.ticket.number.clone(), id, token));
    }
    let mut ticket = created.ticket;
    for step in t.steps {
        let by = |who: &str| {
            let who = who.to_string();
            async move {
                if who == "requester" {
                    Ok(Actor::Requester { ticket_id: id })
                } else {
                    staff(store, &who).await
                }
            }
        };
        let (actor, change) = match step {
            Step::Reply {
                by: who,
                body,
                await_requester,
            } => (
                by(&who).await?,
                ChangeRequest::Reply {
                    body,
                    await_requester,
                },
            ),
            Step::Note { by: who, body } => (by(&who).await?, ChangeRequest::Note { body }),
            Step::Assign {
                by: who,
                assignee,
                group,
            } => {
                let assignee = match assignee {
                    Some(email) => Some(
                        store
                            .user_id_by_email(&email)
                            .await?
                            .with_context(|| format!("assignee {email}"))?,
                    ),
                    None => None,
                };
                (by(&who).await?, ChangeRequest::Assign { assignee, group })
            }
            Step::Escalate {
                by: who,
                level,
                reason,
            } => {
                let to = Level::try_from(level).map_err(anyhow::Error::msg)?;
                (
                    by(&who).await?,
                    ChangeRequest::ChangeLevel {
                        to,
                        reason,
                        group: None,
                    },
                )
            }
            Step::Transfer {
                by: who,
                institution,
                reason,
            } => (
                by(&who).await?,
                ChangeRequest::Transfer {
                    institution,
                    reason,
                },
            ),
            Step::AcceptTransfer { by: who } => {
                let actor = by(&who).await?;
                let here = store.ticket(&actor, id).await?.institution;
                let institutions = store.institutions().await?;
                let found = institutions.iter().find(|i| i.code == here);
                let lv = found.map_or(here.as_str(), |i| i.name_lv.as_str());
                let en = found.and_then(|i| i.name_en.as_deref()).unwrap_or(lv);
                let notice = atbalsts_http::notices::transfer_notice_text(lv, en);
                (actor, ChangeRequest::AcceptTransfer { notice })
            }
            Step::ReturnTransfer { by: who, reason } => {
                (by(&who).await?, ChangeRequest::ReturnTransfer { reason })
            }
            Step::Resolve {
                by: who,
                resolution,
            } => (by(&who).await?, ChangeRequest::Resolve { resolution }),
            Step::Reopen { by: who, reason } => (by(&who).await?, ChangeRequest::Reopen { reason }),
            Step::Close { by: who } => (by(&who).await?, ChangeRequest::Close),
        };
        ticket = store.change_ticket(&actor, id, change).await?;
    }
    if ticket.status != t.expected_status || ticket.level.number() != t.expected_level {
        bail!(
            "ticket {} ended {} at level {}, but the data expects {} at level {}",
            ticket.number,
            ticket.status,
            ticket.level,
            t.expected_status,
            t.expected_level
        );
    }
    Ok(())
}

/// Give every demo staff account the same password, so the workspace can be tried.
pub async fn set_passwords(
    store: &Store,
    logins: &mut Logins,
    password: &str,
) -> anyhow::Result<()> {
    for l in &logins.staff {
        store
            .set_password(&l.email, password)
            .await
            .with_context(|| format!("the password of {}", l.email))?;
    }
    logins.password = password.to_string();
    Ok(())
}

pub fn print_welcome(url: &str, logins: &Logins) {
    println!();
    println!("Portal: {url}/ (English: {url}/en/)");
    println!(
        "Staff workspace: {url}/staff — sign in as any account below with the password {}",
        logins.password
    );
    println!("Demo ready. Open {url}/api/openapi.json for the API description.");
    println!("Staff API tokens (send as 'Authorization: Bearer <token>'):");
    let mut shown: Vec<Role> = Vec::new();
    for l in &logins.staff {
        if !shown.contains(&l.role) {
            shown.push(l.role);
            println!("  {:<18} {:<40} {}", l.role.as_str(), l.email, l.token);
        }
    }
    if let Some((number, id, token)) = &logins.requester {
        println!(
            "A citizen's request {number}: {url}/t/{token} (API: {url}/api/v1/tickets/{id}?access_token={token})"
        );
    }
    println!(
        "Try: curl -H 'Authorization: Bearer {}' {url}/api/v1/tickets",
        logins.staff.first().map_or("", |l| l.token.as_str())
    );
    println!("Stop with Ctrl-C.");
}
