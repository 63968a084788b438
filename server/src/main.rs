//! The `baton` command.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use baton::clock::SystemClock;
use baton::config::{Cli, Command, Config};
use baton::startup::{Application, shutdown_signal};
use baton::store;

/// Exit status for a configuration Baton cannot use (as clap uses for usage errors).
const EXIT_BAD_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_options(&cli.options, std::env::var("DATABASE_URL").ok()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("baton: {err}");
            return ExitCode::from(EXIT_BAD_CONFIG);
        }
    };
    baton::telemetry::init(&cli.options.log, cli.options.log_format);
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

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Migrate => {
            let store = store::connect(&config.database_url).await?;
            store.migrate().await?;
            tracing::info!(database = %config.database_url, "migrations applied");
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
