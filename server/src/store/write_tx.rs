//! A write transaction, and (on SQLite) this process's turn to write.
//!
//! SQLite lets one connection write at a time. When two of Baton's own
//! connections want to, the loser waits in SQLite's busy handler, which
//! sleeps in growing steps (up to 100 ms) however soon the lock is free:
//! a delivery batch could sleep tens of milliseconds behind a transaction
//! that took one. So on SQLite, Baton's writers first queue for a turn, in
//! order, on an async mutex; the busy handler is left for other processes.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use tokio::sync::{Mutex, OwnedMutexGuard};

/// The queue for turns at writing, shared by a store's clones.
#[derive(Debug, Clone, Default)]
pub struct WriteTurns(Arc<Mutex<()>>);

impl WriteTurns {
    /// Waits for this process's turn to write; it lasts as long as the guard.
    pub async fn take(&self) -> OwnedMutexGuard<()> {
        self.0.clone().lock_owned().await
    }
}

/// A transaction that writes; derefs to the `sqlx` transaction. Committing
/// or dropping it ends the turn, if it holds one.
pub struct WriteTx<DB: sqlx::Database> {
    tx: sqlx::Transaction<'static, DB>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl<DB: sqlx::Database> WriteTx<DB> {
    pub fn new(tx: sqlx::Transaction<'static, DB>, turn: Option<OwnedMutexGuard<()>>) -> Self {
        Self { tx, _turn: turn }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl<DB: sqlx::Database> Deref for WriteTx<DB> {
    type Target = sqlx::Transaction<'static, DB>;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl<DB: sqlx::Database> DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}
