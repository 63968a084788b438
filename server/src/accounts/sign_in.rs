//! Signing in: a password checked against its account, with the same work
//! done whether the account exists or not, and guessing slowed down per
//! account at each client address, and per client address.

use std::net::IpAddr;

use app::model::accounts::Actor;
use chrono::TimeDelta;

use super::password::{self, Password};
use super::{AccountError, NewAccount, checked};
use crate::audit::Author;
use crate::clock::Clock;
use crate::store::{Person, Store, StoreError};

/// How far back failed attempts count.
pub const WINDOW: TimeDelta = TimeDelta::minutes(5);
/// Failures within [`WINDOW`] after which an account waits, at the address
/// they came from (elsewhere its owner may still sign in).
pub const ACCOUNT_LIMIT: u64 = 5;
/// Failures within [`WINDOW`] after which a client address waits (higher:
/// an office behind one address holds many people).
pub const ADDRESS_LIMIT: u64 = 20;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong email or password, or a deactivated account: one answer for all.
    #[error("that email and password do not match an active account")]
    Refused,
    #[error("too many failed sign-ins: wait a few minutes and try again")]
    Throttled,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<StoreError> for SignInError {
    fn from(err: StoreError) -> Self {
        SignInError::Other(err.into())
    }
}

/// Who a stored person acts as, unless deactivated.
pub fn actor(person: Person) -> Option<Actor> {
    if !person.active {
        return None;
    }
    Some(Actor {
        id: person.id,
        role: person.role.parse().ok()?,
        email: person.email,
        display_name: person.display_name,
    })
}

/// Checks `password` for `email`, from `client`. Every attempt that is not
/// throttled verifies a hash, a dummy one when there is no such account, so
/// the answer's timing does not tell which emails have accounts.
///
/// The attempt is noted as a failure before the password is checked, and
/// the counts read after: of many attempts made at once, each counts every
/// one noted before it, so no more than the limit get to guess (counted
/// after the check, they all read the count before any was noted). A
/// success takes its note back.
pub async fn sign_in(
    store: &dyn Store,
    clock: &dyn Clock,
    email: &str,
    password: Password,
    client: IpAddr,
) -> Result<Actor, SignInError> {
    let email = super::normalise_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
    let client = client.to_string();
    let now = clock.now();
    store.record_sign_in_failure(&email, &client, now).await?;
    let (by_account, by_address) = store
        .sign_in_failures(&email, &client, now - WINDOW)
        .await?;
    if by_account > ACCOUNT_LIMIT || by_address > ADDRESS_LIMIT {
        let audit = Author::typed(&email)
            .did(now, "user.sign_in_throttled", "user", None, &email)
            .from_client(&client);
        store.record_audit(&audit).await?;
        return Err(SignInError::Throttled);
    }
    let credentials = store.credentials(&email).await?;
    let (stored, id) = match credentials {
        Some(c) => (c.password_hash, Some(c.id)),
        None => (None, None),
    };
    let matches = password::verify(password, stored).await?;
    let signed_in = match id {
        Some(id) if matches => store.person(id).await?.and_then(actor),
        _ => None,
    };
    match signed_in {
        Some(actor) => {
            store.forget_sign_in_failures(&email, &client).await?;
            let audit = Author::of(&actor)
                .did(now, "user.signed_in", "user", Some(actor.id), &email)
                .from_client(&client);
            store.record_audit(&audit).await?;
            Ok(actor)
        }
        None => {
            let audit = Author::typed(&email)
                .did(now, "user.sign_in_failed", "user", id, &email)
                .from_client(&client);
            store.record_audit(&audit).await?;
            Err(SignInError::Refused)
        }
    }
}

/// The first run's setup: the first administrator, only while nobody
/// exists. `Ok(None)` when someone already does (nothing written).
pub async fn set_up(
    store: &dyn Store,
    clock: &dyn Clock,
    account: NewAccount,
) -> Result<Option<Actor>, AccountError> {
    let (email, name) = checked(&account)?;
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let hash = password::hash(account.password).await?;
    let audit = Author {
        id: None,
        label: format!("{name} <{email}>"),
    }
    .did(clock.now(), "user.created_at_setup", "user", None, &email)
    .after(&serde_json::json!({"email": email, "display_name": name, "role": "admin"}));
    let Some(id) = store
        .create_first_admin(&email, &name, &hash, clock.now(), &audit)
        .await?
    else {
        return Ok(None);
    };
    Ok(store.person(id).await?.and_then(actor))
}
