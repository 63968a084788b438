//! The embedded default: one SQLite file in WAL mode with `synchronous=FULL`,
//! so an acknowledged write survives a power cut.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::broadcast;

use super::write_tx::{WriteTurns, WriteTx};
use super::{Backend, CHANGE_CHANNEL_CAPACITY, Change, StoreResult};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

mod queries {
    crate::store::sql::shared_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::catalog_sql::catalog_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::inventory_sql::inventory_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::graph_sql::graph_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::transfer_sql::transfer_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::session_sql::session_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::audit_sql::audit_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::people_sql::people_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::ingest_sql::ingest_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::schedule_sql::schedule_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::health_sql::health_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::incident_sql::incident_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::runbook_sql::runbook_queries!(sqlx::Sqlite, sqlx::SqlitePool);
    crate::store::review_sql::review_queries!(sqlx::Sqlite, sqlx::SqlitePool);
}

/// A store in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
    /// Device and inode of the file opened, to notice it being removed or
    /// replaced underneath a running Baton (open handles would hide that).
    file_id: (u64, u64),
    changes: broadcast::Sender<Change>,
    turns: WriteTurns,
}

impl SqliteStore {
    /// Opens (creating when missing, with its folder) the database at `path`.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
            // Checkpoints run in the background (`checkpoint`); this is only
            // the backstop should they stop: about 400 MB of log.
            .pragma("wal_autocheckpoint", "100000")
            // A page cache of 1 MiB per connection, not SQLite's 2 MiB: with
            // the pool's eight connections that is up to 8 MiB less resident
            // memory. What the pages read beyond it comes from the system's
            // file cache.
            .pragma("cache_size", "-1024");
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .after_release(|conn, _| Box::pin(still_usable(conn)))
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the SQLite database {}", path.display()))?;
        let file_id = file_id(path)
            .with_context(|| format!("cannot read the SQLite database {}", path.display()))?;
        let (changes, _) = broadcast::channel(CHANGE_CHANNEL_CAPACITY);
        Ok(Self {
            pool,
            path: path.to_owned(),
            file_id,
            changes,
            turns: WriteTurns::default(),
        })
    }

    /// The file this store writes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Whether a connection given back to the pool can be used again. A COMMIT
/// that fails on a full disk leaves SQLite rolled back on its own while
/// `sqlx` (0.9) still counts the transaction open, and its rollback on drop
/// then fails: such a connection could never begin again ("attempted to call
/// begin_with at non-zero transaction depth"), so it is closed and the pool
/// opens a fresh one. A rollback queued on drop runs before the ping, so a
/// transaction merely dropped is seen closed.
async fn still_usable(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection as _;
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    conn.ping().await?;
    let usable = !conn.is_in_transaction();
    if !usable {
        tracing::warn!(
            "a connection left in a failed transaction is closed; the pool opens another"
        );
    }
    Ok(usable)
}

/// A passive checkpoint: (frames in the log, frames copied to the database).
async fn wal_checkpoint(pool: &SqlitePool) -> StoreResult<(i64, i64)> {
    let (_busy, log, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    Ok((log, copied))
}

fn file_id(path: &Path) -> std::io::Result<(u64, u64)> {
    let meta = std::fs::metadata(path)?;
    Ok((meta.dev(), meta.ino()))
}

impl SqliteStore {
    /// A transaction for writes. `BEGIN IMMEDIATE` takes the write lock up front, so a
    /// busy database waits on `busy_timeout` instead of failing half-way.
    /// It waits first for this process's turn to write (see [`WriteTurns`]).
    async fn begin_write(&self) -> StoreResult<WriteTx<sqlx::Sqlite>> {
        let turn = self.turns.take().await;
        Ok(WriteTx::new(
            self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Some(turn),
        ))
    }

    /// A transaction that reads the dependency graph and changes it: SQLite
    /// has one writer at a time, so the write lock already serialises them.
    async fn begin_graph_write(&self) -> StoreResult<WriteTx<sqlx::Sqlite>> {
        self.begin_write().await
    }
}

crate::store::impl_store::impl_store!(SqliteStore, {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> StoreResult<()> {
        match tokio::fs::metadata(&self.path).await {
            Ok(meta) if (meta.dev(), meta.ino()) == self.file_id => {}
            Ok(_) => {
                return Err(anyhow::anyhow!(
                    "the database file {} was replaced by another file",
                    self.path.display()
                )
                .into());
            }
            Err(err) => {
                return Err(anyhow::Error::new(err)
                    .context(format!("the database file {} is gone", self.path.display()))
                    .into());
            }
        }
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn checkpoint(&self) -> StoreResult<()> {
        // Twice. First beside Baton's commits: most of the log is copied
        // and the database file synced while pings go on being kept.
        let (log, copied) = wal_checkpoint(&self.pool).await?;
        // Then in a turn of its own, for what was committed meanwhile (a few
        // milliseconds' worth), so that no commit adds to the log while it is
        // copied: the whole log gets copied (unless a reader still needs
        // part of it), and the next commit starts the log over from its
        // beginning. Commits then write over blocks the log file already
        // has, which the disk syncs faster than a growing file (on ext4 each
        // sync of a grown file also commits the journal). Copying the whole
        // log in the turn made every commit behind it wait for all of it.
        let _turn = self.turns.take().await;
        let (rest, rest_copied) = wal_checkpoint(&self.pool).await?;
        tracing::debug!(
            log,
            copied,
            rest,
            rest_copied,
            "SQLite log copied to the database"
        );
        Ok(())
    }

    async fn publish(&self, change: &Change) -> StoreResult<()> {
        // No subscriber is not an error: nobody is listening right now.
        let _ = self.changes.send(change.clone());
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }
});
