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
