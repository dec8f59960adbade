//! The `switchboard` command: serve (the default), migrate, default-config, user create,
//! export and import (CSV, in `cli_csv`).

mod cli_csv;

use std::{io::Read, path::PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use crm_core::{
    Store,
    domain::{DepartmentId, DisplayName, Login, NewUser, Password, Role},
    service::{Accounts, ClientInfo},
};
use gateway::{Application, Settings, settings::EXAMPLE_CONFIG, store_options, telemetry};
use tokio_util::sync::CancellationToken;

/// glibc's allocator took a quarter of the server's CPU under inbound load (`perf`: `_int_malloc`,
/// `unlink_chunk`, `malloc_consolidate`, `_int_free`); see docs/BENCHMARKS.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "switchboard",
    version,
    about = "Self-hosted omnichannel messaging hub with a CRM"
)]
struct Cli {
    /// Configuration file; without it, ./switchboard.toml is read when present.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default when no command is given).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the documented default configuration.
    DefaultConfig,
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Export contacts, companies or deals as CSV.
    Export(cli_csv::ExportArgs),
    /// Import contacts, companies or deals from a CSV file.
    Import(cli_csv::ImportArgs),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account; prints a generated password unless --password-stdin is given.
    Create {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// admin, supervisor, operator or viewer
        #[arg(long, default_value = "operator")]
        role: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long, value_name = "ID")]
        department: Option<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn main() -> anyhow::Result<()> {
    // One TLS provider for the process (database, Redis, provider APIs): ring. Err means one
    // is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    if let Some(Command::DefaultConfig) = cli.command {
        print!("{EXAMPLE_CONFIG}");
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    telemetry::init(&settings.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate => migrate(&settings).await,
            Command::User { command } => user(&settings, command).await,
            Command::Export(args) => cli_csv::export(&settings, args).await,
            Command::Import(args) => cli_csv::import(&settings, args).await,
            Command::DefaultConfig => Ok(()),
        }
    })
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(?settings, "starting");
    let shutdown = CancellationToken::new();
    let address = std::net::SocketAddr::new(settings.http.host, settings.http.port);
    let app = Application::build(settings, shutdown.clone())
        .await
        .context("starting switchboard")?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("binding {address}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    println!("Switchboard is listening on http://{local}/");
    if let Some((login, password)) = app.bootstrap_admin().await? {
        println!("First administrator created. Log in once with these and change the password:");
        println!("  login:    {login}");
        println!("  password: {}", password.expose());
    }
    tokio::spawn(stop_on_signal(shutdown));
    app.serve(listener).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn stop_on_signal(shutdown: CancellationToken) {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(error.message = %error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => tracing::info!("SIGINT received; shutting down"),
        () = terminate => tracing::info!("SIGTERM received; shutting down"),
    }
    shutdown.cancel();
}

async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let store = Store::open(&store_options(settings))
        .await
        .context("migrating the database")?;
    println!("database is up to date ({})", store.backend().as_str());
    store.close().await;
    Ok(())
}

async fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Create {
        login,
        name,
        role,
        email,
        department,
        password_stdin,
    } = command;
    let (password, generated) = if password_stdin {
        let mut raw = String::new();
        std::io::stdin()
            .read_to_string(&mut raw)
            .context("reading the password from standard input")?;
        (Password::parse(raw.trim_end_matches(['\r', '\n']))?, false)
    } else {
        (Password::generate(), true)
    };
    let shown = generated.then(|| password.expose().to_owned());
    let new = NewUser {
        login: Login::parse(&login)?,
        display_name: DisplayName::parse(&name)?,
        email,
        role: Role::parse(&role)?,
        department_id: department
            .as_deref()
            .map(str::parse::<DepartmentId>)
            .transpose()?,
        password,
        must_change_password: generated,
    };
    let store = Store::open(&store_options(settings))
        .await
        .context("opening the database")?;
    let accounts = Accounts::new(store.clone(), 3600);
    let user = accounts
        .create_user(
            None,
            new,
            &ClientInfo {
                addr: Some("cli".into()),
                user_agent: None,
            },
        )
        .await?;
    println!("created {} ({}) with id {}", user.login, user.role, user.id);
    if let Some(password) = shown {
        println!("password: {password}  (must be changed at first login)");
    }
    store.close().await;
    Ok(())
}
