//! API tokens: 256 random bits shown once, kept as a SHA-256 hash (a token
//! is not a password: it is long and random, so a fast hash is enough and
//! lets every API call check it cheaply), read-only or read-write, revoked
//! by their person or an admin.

use app::model::accounts::{Actor, ApiToken, NewToken, TokenScope};
use app::model::errors::FieldErrors;
use sha2::{Digest, Sha256};

use super::sign_in;
use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::clock::Clock;
use crate::store::{Store, StoreError, TokenDraft};

/// What every token starts with, so a leaked one is recognisable.
const PREFIX: &str = "baton_";
/// Longest token name accepted.
const MAX_NAME: usize = 80;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash a token is kept as.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Makes a token for `user_id`, named so its person knows what uses it.
pub async fn create(
    store: &dyn Store,
    clock: &dyn Clock,
    author: &Author,
    user_id: i64,
    name: &str,
    scope: TokenScope,
) -> Result<NewToken, CatalogError> {
    let name = name.trim();
    let mut errors = FieldErrors::default();
    if name.is_empty() {
        errors.add(
            "name",
            "name it after what will use it, such as “nightly export”",
        );
    } else if name.chars().count() > MAX_NAME {
        errors.add("name", format!("keep the name to {MAX_NAME} characters"));
    }
    if !errors.is_empty() {
        return Err(CatalogError::Invalid(errors));
    }
    let token = format!("{PREFIX}{}", hex(&rand::random::<[u8; 32]>()));
    let draft = TokenDraft {
        user_id,
        name,
        scope,
        hash: &hash(&token),
        prefix: &token[..PREFIX.len() + 8],
    };
    let audit = author
        .did(clock.now(), "token.created", "token", None, name)
        .after(&serde_json::json!({
            "user_id": user_id, "name": name, "scope": scope, "prefix": draft.prefix,
        }));
    let id = store.create_api_token(&draft, clock.now(), &audit).await?;
    Ok(NewToken {
        details: store.api_token(id).await?,
        token,
    })
}

/// Who a presented token acts for, and what it may do; `None` for a token
/// that is unknown, revoked, or whose person is deactivated.
pub async fn authenticate(
    store: &dyn Store,
    clock: &dyn Clock,
    token: &str,
) -> Result<Option<(Actor, TokenScope)>, StoreError> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(found) = store.api_token_by_hash(&hash(token)).await? else {
        return Ok(None);
    };
    let Some(scope) = TokenScope::parse(&found.scope) else {
        return Ok(None);
    };
    let Some(actor) = store.person(found.user_id).await?.and_then(sign_in::actor) else {
        return Ok(None);
    };
    // A write only when the last use noted is a minute old: reading the
    // API with a token does not take the database's write lock each time.
    let now = clock.now();
    if found
        .last_used_at
        .is_none_or(|used| now - used >= chrono::TimeDelta::minutes(1))
    {
        store.touch_api_token(found.id, now).await?;
    }
    Ok(Some((actor, scope)))
}

/// The tokens `actor` sees: their own.
pub async fn list(store: &dyn Store, actor: &Actor) -> Result<Vec<ApiToken>, StoreError> {
    store.api_tokens(Some(actor.id)).await
}

/// Revokes a token: its person's, or any for an admin.
pub async fn revoke(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
) -> Result<ApiToken, CatalogError> {
    let token = store.api_token(id).await?;
    if token.user_id != actor.id && !actor.is_admin() {
        return Err(CatalogError::Forbidden(
            "only the token's person or an administrator may revoke it".to_owned(),
        ));
    }
    let audit = Author::of(actor)
        .did(clock.now(), "token.revoked", "token", Some(id), &token.name)
        .before(&token);
    store.revoke_api_token(id, clock.now(), &audit).await?;
    Ok(store.api_token(id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_kept_as_their_sha256() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
