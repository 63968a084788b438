//! People with accounts: creating one (with its password checked and
//! hashed), and the rules a person's details follow.

pub mod password;
pub mod sessions;
pub mod sign_in;
pub mod tokens;

use app::model::accounts::Role;
use app::model::errors::FieldErrors;

use crate::audit::Author;
use crate::clock::Clock;
use crate::store::{Store, StoreError};
use password::Password;

/// Longest display name accepted.
const MAX_NAME: usize = 120;
/// Longest email accepted (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;

/// A person to create, as typed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password: Password,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<StoreError> for AccountError {
    fn from(err: StoreError) -> Self {
        AccountError::Other(err.into())
    }
}

/// An email as Baton keeps it (trimmed, lower-case), or why it is not one.
pub fn normalise_email(email: &str) -> Result<String, String> {
    let email = email.trim().to_lowercase();
    let shaped = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    });
    if !shaped || email.chars().any(char::is_whitespace) {
        Err("give an email address, such as ada@example.com".to_owned())
    } else if email.len() > MAX_EMAIL {
        Err(format!("keep the email to {MAX_EMAIL} characters"))
    } else {
        Ok(email)
    }
}

/// The email and display name as kept, or every field's problem at once.
pub(crate) fn checked(account: &NewAccount) -> Result<(String, String), AccountError> {
    let mut errors = FieldErrors::default();
    let email = normalise_email(&account.email).unwrap_or_else(|why| {
        errors.add("email", why);
        String::new()
    });
    let name = account.display_name.trim().to_owned();
    if name.is_empty() {
        errors.add("display_name", "give the name people know them by");
    } else if name.chars().count() > MAX_NAME {
        errors.add(
            "display_name",
            format!("keep the name to {MAX_NAME} characters"),
        );
    }
    if let Some(why) = account.password.weakness() {
        errors.add("password", why);
    }
    if errors.is_empty() {
        Ok((email, name))
    } else {
        Err(AccountError::Invalid(errors))
    }
}

/// Creates a person who can sign in: every field checked at once, the
/// password hashed, then one insert. An email already in use is refused.
pub async fn create_account(
    store: &dyn Store,
    clock: &dyn Clock,
    author: &Author,
    account: NewAccount,
) -> Result<i64, AccountError> {
    let (email, name) = checked(&account)?;
    let hash = password::hash(account.password).await?;
    let audit = author
        .did(clock.now(), "user.created", "user", None, &email)
        .after(&serde_json::json!({
            "email": email, "display_name": name, "role": account.role,
        }));
    match store
        .create_account(&email, &name, account.role, &hash, clock.now(), &audit)
        .await
    {
        Err(StoreError::Conflict(_)) => {
            let mut errors = FieldErrors::default();
            errors.add("email", format!("{email} already has an account"));
            Err(AccountError::Invalid(errors))
        }
        other => Ok(other?),
    }
}
