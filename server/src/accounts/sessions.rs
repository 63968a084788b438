//! Where sign-in sessions live: tower-sessions' [`SessionStore`] on Baton's
//! own [`Store`], so sessions sit in the same SQLite file or PostgreSQL
//! database as everything else, are shared by every instance, and can be
//! revoked. Expiry is read from Baton's [`Clock`].
//!
//! The store keeps a session under the SHA-256 of its id, and its record
//! without the id, so reading the database (or a backup of it) yields no
//! cookie that signs anyone in. A save only updates a session that is still
//! there: a request that was in flight when its session was ended (signed
//! out, its person deactivated) cannot write it back.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};

use crate::clock::SharedClock;
use crate::store::{SharedStore, StoredSession};

/// The key, in a session's data, of the signed-in person's id.
pub const USER_KEY: &str = "user_id";
/// When they signed in, by Baton's clock (Unix seconds): the absolute
/// timeout counts from it.
pub const SIGNED_IN_AT: &str = "signed_in_at";
/// When the session was last used, by Baton's clock (Unix seconds): the
/// idle timeout counts from it.
pub const SEEN_AT: &str = "seen_at";

/// Tries at a fresh id when a new one collides (128 random bits: never,
/// in practice).
const ID_TRIES: usize = 8;

#[derive(Clone)]
pub struct BatonSessions {
    store: SharedStore,
    clock: SharedClock,
    idle: TimeDelta,
    lifetime: TimeDelta,
}

impl std::fmt::Debug for BatonSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BatonSessions")
    }
}

impl BatonSessions {
    /// Sessions that end after 12 idle hours, or 7 days, whichever first.
    pub fn new(store: SharedStore, clock: SharedClock) -> Self {
        Self {
            store,
            clock,
            idle: TimeDelta::hours(12),
            lifetime: TimeDelta::days(7),
        }
    }

    /// Sets the idle and absolute timeouts.
    pub fn with_timeouts(self, idle: TimeDelta, lifetime: TimeDelta) -> Self {
        Self {
            idle,
            lifetime,
            ..self
        }
    }

    /// When a session ends: the layer's expiry, or sooner by the idle and
    /// absolute timeouts counted from what the session recorded.
    fn expires_at(&self, record: &Record) -> Result<DateTime<Utc>> {
        let layer = DateTime::from_timestamp(
            record.expiry_date.unix_timestamp(),
            record.expiry_date.nanosecond(),
        )
        .ok_or_else(|| Error::Encode("the expiry is out of range".to_owned()))?;
        let at = |key: &str| {
            record
                .data
                .get(key)
                .and_then(serde_json::Value::as_i64)
                .and_then(|secs| DateTime::from_timestamp(secs, 0))
        };
        let idle = at(SEEN_AT).map(|seen| seen + self.idle);
        let absolute = at(SIGNED_IN_AT).map(|since| since + self.lifetime);
        Ok([Some(layer), idle, absolute]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(layer))
    }

    fn stored(&self, record: &Record) -> Result<StoredSession> {
        let without_id = Record {
            id: Id(0),
            ..record.clone()
        };
        Ok(StoredSession {
            id: stored_id(&record.id),
            user_id: record
                .data
                .get(USER_KEY)
                .and_then(serde_json::Value::as_i64),
            record: serde_json::to_string(&without_id).map_err(|e| Error::Encode(e.to_string()))?,
            expires_at: self.expires_at(record)?,
        })
    }

    /// Forgets expired sessions; how many.
    pub async fn delete_expired(&self) -> crate::store::StoreResult<u64> {
        self.store.delete_expired_sessions(self.clock.now()).await
    }
}

/// What the store knows a session by: the SHA-256 of its id, in hex.
pub fn stored_id(id: &Id) -> String {
    crate::accounts::tokens::hash(&id.to_string())
}

fn backend(err: impl std::fmt::Display) -> Error {
    Error::Backend(err.to_string())
}

#[async_trait]
impl SessionStore for BatonSessions {
    async fn create(&self, record: &mut Record) -> Result<()> {
        for _ in 0..ID_TRIES {
            if self
                .store
                .insert_session(&self.stored(record)?)
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(Error::Backend("no free session id was found".to_owned()))
    }

    async fn save(&self, record: &Record) -> Result<()> {
        self.store
            .save_session(&self.stored(record)?)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(text) = self
            .store
            .load_session(&stored_id(id), self.clock.now())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let record: Record =
            serde_json::from_str(&text).map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, ..record }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        self.store
            .delete_session(&stored_id(id))
            .await
            .map_err(backend)
    }
}
