//! Putting Baton together: open the store, migrate, bind, serve, and stop
//! gracefully. Tests build the same [`Application`] on port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::deliveries::DeliveryWriter;
use crate::ingest::{Ingestor, Limits};
use crate::store::{self, SharedStore};

/// What every handler and server function can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: SharedStore,
    pub clock: SharedClock,
    pub config: Arc<Config>,
    pub leptos: LeptosOptions,
    /// Turns `true` when shutdown starts: live streams end on it.
    pub shutting_down: watch::Receiver<bool>,
    /// Takes pings and webhooks in.
    pub ingest: Ingestor,
    /// When screens last had news, for live streams that open late.
    pub news: crate::http::live::LastNews,
}

/// Ingestion's handlers take only what they use: a clone per request of
/// the whole state would cost the hottest path for nothing.
impl FromRef<AppState> for Ingestor {
    fn from_ref(state: &AppState) -> Self {
        state.ingest.clone()
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

/// How long stopping waits for the background jobs to give up their leases.
const JOBS_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// A bound, migrated, ready-to-serve Baton.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    shutdown_tx: watch::Sender<bool>,
}

impl Application {
    /// Opens and migrates the database, then binds `config.addr` (port 0
    /// picks a free one: see [`Application::local_addr`]).
    pub async fn build(config: Config, clock: SharedClock) -> anyhow::Result<Self> {
        let store = store::connect(&config.database_url)
            .await
            .with_context(|| format!("cannot open the database {}", config.database_url))?;
        store.migrate().await?;
        Self::build_with_store(config, clock, store).await
    }

    /// Like [`Application::build`], on a store the caller opened and migrated.
    pub async fn build_with_store(
        config: Config,
        clock: SharedClock,
        store: SharedStore,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let leptos = LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_root(config.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(config.addr)
            .env(leptos::config::Env::PROD)
            .build();
        let (shutdown_tx, shutting_down) = watch::channel(false);
        let writer = DeliveryWriter::spawn(store.clone(), config.delivery_batch);
        let ingest = Ingestor::new(
            store.clone(),
            clock.clone(),
            writer,
            Limits {
                request_body: config.max_delivery,
                ping_body: config.ping_body_limit,
            },
        );
        let news = crate::http::live::LastNews::follow(&store, shutting_down.clone());
        let state = AppState {
            news,
            ingest,
            store,
            clock,
            config: Arc::new(config),
            leptos,
            shutting_down,
        };
        Ok(Self {
            listener,
            state,
            shutdown_tx,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `stop` completes, then lets in-flight requests finish,
    /// for at most the configured grace period.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let grace = self.state.config.shutdown_grace;
        let router = crate::http::router(self.state.clone());
        tokio::spawn(crate::http::auth::clean_up_periodically(
            self.state.clone(),
            std::time::Duration::from_secs(15 * 60),
        ));
        // The jobs that hold leases: awaited on stopping, so they give
        // their leases up before the process exits.
        let jobs = [
            tokio::spawn(crate::ingest::processor::run(
                self.state.store.clone(),
                self.state.clock.clone(),
                self.state.ingest.writer().clone(),
                self.state.config.ping_body_limit,
                self.state.config.delivery_retention,
                self.state.shutting_down.clone(),
            )),
            tokio::spawn(crate::health::watch(
                self.state.store.clone(),
                self.state.clock.clone(),
                self.state.config.health_look_every,
                self.state.config.run_retention,
                self.state.shutting_down.clone(),
            )),
            tokio::spawn(crate::incidents::watch(
                self.state.store.clone(),
                self.state.clock.clone(),
                crate::incidents::Settings {
                    escalate_after: self.state.config.escalate_after,
                    public_url: self.state.config.public_url.clone(),
                    cooldown: self.state.config.alert_cooldown,
                    send_budget: self.state.config.incident_look_every,
                    fiscal_calendar: self.state.config.fiscal_calendar,
                    allow_private_targets: self.state.config.allow_private_targets,
                },
                self.state.config.incident_look_every,
                self.state.shutting_down.clone(),
            )),
        ];
        tokio::spawn(checkpoint_periodically(
            self.state.store.clone(),
            self.state.ingest.writer().clone(),
            self.state.shutting_down.clone(),
        ));
        let shutdown_tx = self.shutdown_tx;
        let (stopping_tx, mut stopping_rx) = watch::channel(false);
        let limits = crate::http::serve::ConnectionLimits {
            idle_timeout: self.state.config.idle_timeout,
            max_connections: self.state.config.max_connections,
        };
        let serve = crate::http::serve::serve(self.listener, router, limits, async move {
            stop.await;
            tracing::info!("shutting down: finishing requests in flight");
            let _ = shutdown_tx.send(true);
            let _ = stopping_tx.send(true);
        });
        let deadline = async move {
            let _ = stopping_rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            () = serve => {}
            () = deadline => tracing::warn!(?grace, "requests still in flight after the grace period; stopping anyway"),
        }
        // A job busy with a batch finishes it first, within reason.
        let jobs_done = futures::future::join_all(jobs);
        if tokio::time::timeout(JOBS_GRACE, jobs_done).await.is_err() {
            tracing::warn!(
                ?JOBS_GRACE,
                "background jobs still busy; their leases will run out"
            );
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Runs the store's checkpoint every second until shutdown, and every
/// [`CHECKPOINT_BUSY`] while deliveries are being written. Each checkpoint
/// copies the log beside the commits, then holds the write turn only to
/// copy what came in meanwhile (see [`crate::store::Store::checkpoint`]);
/// under load, checkpoints close together each copy little, and the log
/// never grows long: a commit then writes over blocks the log already has
/// instead of growing it, and no single checkpoint has much to flush to
/// the disk every ping's commit waits on.
async fn checkpoint_periodically(
    store: SharedStore,
    writer: DeliveryWriter,
    mut stop: watch::Receiver<bool>,
) {
    let mut last = std::time::Instant::now();
    loop {
        tokio::select! {
            () = tokio::time::sleep(CHECKPOINT_BUSY) => {}
            _ = stop.wait_for(|stopping| *stopping) => return,
        }
        let every = if writer.busy() {
            CHECKPOINT_BUSY
        } else {
            CHECKPOINT_QUIET
        };
        if last.elapsed() < every {
            continue;
        }
        last = std::time::Instant::now();
        match store.checkpoint().await {
            Ok(()) => tracing::debug!(took = ?last.elapsed(), "database checkpointed"),
            Err(err) => tracing::warn!(%err, "cannot checkpoint the database"),
        }
    }
}

/// How often a busy Baton checkpoints.
const CHECKPOINT_BUSY: std::time::Duration = std::time::Duration::from_millis(200);
/// How often a quiet one does.
const CHECKPOINT_QUIET: std::time::Duration = std::time::Duration::from_secs(1);

/// Completes on the first SIGTERM or SIGINT (Ctrl-C).
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(err) => {
            tracing::error!(%err, "cannot listen for SIGTERM; only SIGINT will stop Baton");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    let mut int = match signal(SignalKind::interrupt()) {
        Ok(s) => s,
        Err(err) => {
            tracing::error!(%err, "cannot listen for SIGINT; only SIGTERM will stop Baton");
            term.recv().await;
            return;
        }
    };
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    tracing::info!(signal = name, "stop requested");
}
