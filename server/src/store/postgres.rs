//! PostgreSQL, for teams that run several Baton instances on one database.
//! Changes travel between instances by `LISTEN`/`NOTIFY`.

use std::time::Duration;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::sync::{broadcast, oneshot};

use super::write_tx::WriteTx;
use super::{Backend, CHANGE_CHANNEL_CAPACITY, Change, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

mod queries {
    crate::store::sql::shared_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::catalog_sql::catalog_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::inventory_sql::inventory_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::graph_sql::graph_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::transfer_sql::transfer_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::session_sql::session_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::audit_sql::audit_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::people_sql::people_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::ingest_sql::ingest_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::schedule_sql::schedule_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::health_sql::health_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::incident_sql::incident_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::runbook_sql::runbook_queries!(sqlx::Postgres, sqlx::PgPool);
    crate::store::review_sql::review_queries!(sqlx::Postgres, sqlx::PgPool);
}

/// The key of the advisory lock that serialises changes to the dependency
/// graph across every instance (any fixed number; the same in each).
const GRAPH_LOCK: i64 = 0x6261_746f_6e67;

/// The `NOTIFY` channel every instance listens on.
const CHANNEL: &str = "baton_changes";

/// What travels in a notification: the change, and which instance sent it,
/// so an instance does not hear its own changes twice.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    origin: String,
    change: Change,
}

/// A store in a PostgreSQL database.
#[derive(Debug)]
pub struct PgStore {
    pool: PgPool,
    instance: String,
    changes: broadcast::Sender<Change>,
    /// Dropped with the store, which ends the listener task.
    _stop_listener: oneshot::Sender<()>,
}

impl PgStore {
    /// Connects to the database at `url` and starts listening for changes
    /// published by other instances.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
            .context("cannot connect to PostgreSQL")?;
        let instance = format!("{:032x}", rand::random::<u128>());
        let (changes, _) = broadcast::channel(CHANGE_CHANNEL_CAPACITY);
        // Listen before returning, so nothing published after `connect`
        // returns can be missed.
        let listener = start_listening(url).await?;
        let (stop_tx, stop_rx) = oneshot::channel();
        tokio::spawn(relay_notifications(
            url.to_owned(),
            listener,
            instance.clone(),
            changes.clone(),
            stop_rx,
        ));
        Ok(Self {
            pool,
            instance,
            changes,
            _stop_listener: stop_tx,
        })
    }

    /// Closes every pooled connection and waits until they are closed.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The listener has a connection of its own, outside the pool, so closing
/// the pool never waits on it.
async fn start_listening(url: &str) -> StoreResult<PgListener> {
    let mut listener = PgListener::connect(url)
        .await
        .context("cannot open the PostgreSQL change listener")?;
    listener
        .listen(CHANNEL)
        .await
        .context("cannot LISTEN for changes")?;
    Ok(listener)
}

/// Forwards other instances' notifications to this instance's subscribers,
/// reconnecting with backoff when the connection drops, until `stop` fires.
async fn relay_notifications(
    url: String,
    mut listener: PgListener,
    instance: String,
    changes: broadcast::Sender<Change>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let received = tokio::select! {
            _ = &mut stop => return,
            received = listener.try_recv() => received,
        };
        match received {
            Ok(Some(notification)) => {
                backoff = Duration::from_millis(100);
                match serde_json::from_str::<Envelope>(notification.payload()) {
                    Ok(envelope) if envelope.origin != instance => {
                        let _ = changes.send(envelope.change);
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(%err, "ignoring a malformed change notification"),
                }
                continue;
            }
            Ok(None) => {
                tracing::warn!("the change listener lost its connection; reconnecting");
            }
            Err(err) => {
                tracing::warn!(err = %err, "the change listener failed; reconnecting");
            }
        }
        // Reconnect until it works or the store is dropped.
        loop {
            tokio::select! {
                _ = &mut stop => return,
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(10));
            match start_listening(&url).await {
                Ok(fresh) => {
                    listener = fresh;
                    break;
                }
                Err(err) => tracing::warn!(err = %err, "cannot reconnect the change listener"),
            }
        }
    }
}

impl PgStore {
    /// A transaction for writes.
    async fn begin_write(&self) -> StoreResult<WriteTx<sqlx::Postgres>> {
        Ok(WriteTx::new(self.pool.begin().await?, None))
    }

    /// A transaction holding the graph's advisory lock until it ends, so a
    /// cycle check and the write it allows are never interleaved with
    /// another instance's.
    async fn begin_graph_write(&self) -> StoreResult<WriteTx<sqlx::Postgres>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(GRAPH_LOCK)
            .execute(&mut *tx)
            .await?;
        Ok(WriteTx::new(tx, None))
    }
}

crate::store::impl_store::impl_store!(PgStore, {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn checkpoint(&self) -> StoreResult<()> {
        Ok(())
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn publish(&self, change: &Change) -> StoreResult<()> {
        let _ = self.changes.send(change.clone());
        let payload = serde_json::to_string(&Envelope {
            origin: self.instance.clone(),
            change: change.clone(),
        })
        .context("cannot encode a change notification")?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }
});
