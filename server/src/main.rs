//! The `baton` command.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;

use baton::accounts::password::Password;
use baton::accounts::{AccountError, NewAccount, create_account};
use baton::audit::Author;
use baton::clock::SystemClock;
use baton::config::{Cli, Command, Config, TokenCommand, UserCommand};
use baton::startup::{Application, shutdown_signal};
use baton::store;

/// Exit status for a configuration Baton cannot use (as clap uses for usage errors).
const EXIT_BAD_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Exec(args)) = cli.command {
        // A client: no configuration of a server, no log of its own.
        return exec(args);
    }
    let config = match Config::from_options(&cli.options, std::env::var("DATABASE_URL").ok()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("baton: {err}");
            return ExitCode::from(EXIT_BAD_CONFIG);
        }
    };
    baton::telemetry::init(&cli.options.log, cli.options.log_format);
    // Before the runtime starts its threads, which would each take an arena.
    baton::allocator::tune();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("baton: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let command = cli.command.unwrap_or(Command::Serve);
    match runtime.block_on(run(command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "baton stopped on an error");
            eprintln!("baton: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `baton exec`: ends as the command did.
fn exec(args: baton::exec::ExecArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("baton exec: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(baton::exec::run(args)) {
        baton::exec::Ending::Code(code) => ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1)),
        baton::exec::Ending::Signal(number) => {
            drop(runtime);
            baton::exec::end_by(number)
        }
    }
}

/// A new password: asked for twice at a terminal, else the first line of
/// standard input (for scripts: `printf '%s\n' "$PASSWORD" | baton user create …`).
fn read_new_password() -> anyhow::Result<Password> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("The same password again: ")?;
        anyhow::ensure!(
            first == again,
            "the two passwords differ; nothing was created"
        );
        return Ok(Password::new(first));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']);
    anyhow::ensure!(
        !password.is_empty(),
        "no password on standard input; nothing was created"
    );
    Ok(Password::new(password))
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        // `main` runs it before any configuration is read; never here.
        Command::Exec(_) => anyhow::bail!("baton exec is not run with a server's configuration"),
        Command::Migrate => {
            let store = store::connect(&config.database_url).await?;
            store.migrate().await?;
            tracing::info!(database = %config.database_url, "migrations applied");
            Ok(())
        }
        Command::User(UserCommand::Create { email, name, role }) => {
            let password = read_new_password()?;
            let store = store::connect(&config.database_url).await?;
            store.migrate().await?;
            let display_name =
                name.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
            let role = role.into();
            let account = NewAccount {
                email: email.clone(),
                display_name,
                role,
                password,
            };
            match create_account(&*store, &SystemClock, &Author::command_line(), account).await {
                Ok(id) => {
                    println!(
                        "Created {} {} (user {id}).",
                        role.as_str(),
                        email.trim().to_lowercase()
                    );
                    Ok(())
                }
                Err(AccountError::Invalid(fields)) => {
                    let lines: Vec<String> = fields
                        .0
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message))
                        .collect();
                    anyhow::bail!("the user was not created: {}", lines.join("; "))
                }
                Err(AccountError::Other(err)) => Err(err),
            }
        }
        Command::Token(TokenCommand::Create { user, scope, name }) => {
            let store = store::connect(&config.database_url).await?;
            store.migrate().await?;
            let email = user.trim().to_lowercase();
            let person = match store.credentials(&email).await? {
                Some(found) if found.active => found,
                Some(_) => anyhow::bail!("{email} is deactivated: no token was made"),
                None => anyhow::bail!("nobody has the email {email}: no token was made"),
            };
            let made = baton::accounts::tokens::create(
                &*store,
                &SystemClock,
                &Author::command_line(),
                person.id,
                &name,
                scope.into(),
            )
            .await
            .map_err(|err| anyhow::anyhow!("no token was made: {err}"))?;
            eprintln!(
                "Made {} token {} for {email}; it is shown only now:",
                made.details.scope.as_str(),
                made.details.id
            );
            println!("{}", made.token);
            Ok(())
        }
        Command::Import(args) => {
            let file = match (&args.file, &args.from_url) {
                (Some(path), _) => std::fs::read(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
                (None, Some(url)) => {
                    if url.trim().to_ascii_lowercase().starts_with("http://") {
                        eprintln!(
                            "baton import: {url} is not https: the API key travels unencrypted"
                        );
                    }
                    baton::monitors::fetch(args.origin, url, args.api_key.as_deref().unwrap_or(""))
                        .await
                        .with_context(|| format!("cannot read the listing from {url}"))?
                }
                (None, None) => anyhow::bail!("give a file, or --from-url with --api-key"),
            };
            let store = store::connect(&config.database_url).await?;
            store.migrate().await?;
            let report = baton::monitors::import(
                &*store,
                &SystemClock,
                &Author::command_line(),
                baton::monitors::MonitorImport {
                    origin: args.origin,
                    file: &file,
                    commit: args.apply,
                    public_url: &config.public_url,
                    cronitor_source_key: args.cronitor_source_key.as_deref(),
                },
            )
            .await
            .map_err(|err| anyhow::anyhow!("nothing was imported: {err}"))?;
            // Steps after the automations were written say on their entry
            // what is left; the report says it.
            print!("{}", baton::monitors::printed(&report));
            Ok(())
        }
        Command::Serve => {
            let app = Application::build(config, Arc::new(SystemClock)).await?;
            let addr = app.local_addr()?;
            tracing::info!(
                %addr,
                database = %app.state().config.database_url,
                public_url = %app.state().config.public_url,
                "Baton is listening on http://{addr}"
            );
            app.run_until(shutdown_signal()).await
        }
    }
}
