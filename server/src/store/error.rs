//! The storage layer's errors: what callers branch on (`NotFound`,
//! `Conflict`), and everything else wrapped with its cause.

/// What a [`Store`](super::Store) call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or consistency rule refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database could not be reached or failed.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// Whether the database refused what was asked of it for what it held
    /// (a value it cannot store, out of range or too long for an index, a
    /// rule it breaks), as opposed to being unreachable, busy or out of
    /// space: the same write would fail again however often it is tried,
    /// while the database stays well for everything else.
    pub fn is_about_the_data(&self) -> bool {
        let db = match self {
            StoreError::NotFound | StoreError::Conflict(_) => return true,
            StoreError::Other(err) => match err.downcast_ref::<sqlx::Error>() {
                Some(sqlx::Error::Database(db)) => db,
                _ => return false,
            },
        };
        let code = db.code().unwrap_or_default();
        if db
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .is_some()
        {
            // SQLSTATE classes: 22 data exception (a NUL, a date out of
            // range), 23 integrity constraint, 54 program limit exceeded
            // (an index row too big).
            return ["22", "23", "54"]
                .iter()
                .any(|class| code.starts_with(class));
        }
        // SQLite's primary result codes (the low byte of an extended one):
        // TOOBIG, CONSTRAINT, MISMATCH, RANGE. BUSY, LOCKED, IOERR and
        // FULL are the database's own state, and pass.
        code.parse::<i32>()
            .is_ok_and(|code| matches!(code & 0xff, 18 | 19 | 20 | 25))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::Conflict("it refers to something that does not exist".to_owned())
            }
            _ => StoreError::Other(anyhow::Error::new(err)),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        StoreError::Other(anyhow::Error::new(err).context("database migration failed"))
    }
}
