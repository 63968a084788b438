//! Alert channels: a person's or a team's. Anyone may add and remove their
//! own; team channels, and anyone else's, are for administrators. A webhook
//! channel gets a Standard Webhooks secret, so its receiver can check that
//! an alert comes from Baton.

use app::model::accounts::Actor;
use app::model::errors::FieldErrors;
use app::model::incidents::{Channel, ChannelDraft, ChannelKind};
use base64::Engine as _;
use chrono::{DateTime, Utc};

use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::store::{NewChannel, Store};

/// The channels `actor` may see: all for an administrator, else their own.
pub async fn visible_channels(
    store: &dyn Store,
    actor: &Actor,
) -> Result<Vec<Channel>, CatalogError> {
    let all = store.channels().await?;
    Ok(all
        .into_iter()
        .filter(|c| actor.is_admin() || c.user_id == Some(actor.id))
        .collect())
}

fn new_secret() -> String {
    let bytes: [u8; 24] = rand::random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// Adds a channel: 422 per field for a bad draft or a person or team that
/// does not exist, 403 for someone else's channel unless an administrator.
pub async fn add_channel(
    store: &dyn Store,
    actor: &Actor,
    draft: ChannelDraft,
    now: DateTime<Utc>,
) -> Result<Channel, CatalogError> {
    let kind = draft.check().map_err(CatalogError::Invalid)?;
    if !actor.is_admin() && draft.user_id != Some(actor.id) {
        return Err(CatalogError::Forbidden(
            "only an administrator may add a channel for a team or for someone else".to_owned(),
        ));
    }
    let mut errors = FieldErrors::default();
    let belongs_to = if let Some(user) = draft.user_id {
        let people = store.people().await?;
        match people.iter().find(|p| p.id == user && p.active) {
            Some(p) => p.display_name.clone(),
            None => {
                errors.add("user_id", "No active person has this id.");
                String::new()
            }
        }
    } else if let Some(team) = draft.team_id {
        let teams = store.teams().await?;
        match teams.iter().find(|t| t.id == team) {
            Some(t) => t.name.clone(),
            None => {
                errors.add("team_id", "No team has this id.");
                String::new()
            }
        }
    } else {
        String::new()
    };
    if !errors.is_empty() {
        return Err(CatalogError::Invalid(errors));
    }
    let channel = NewChannel {
        name: draft.name.trim().to_owned(),
        kind,
        url: draft.url.trim().to_owned(),
        secret: (kind == ChannelKind::Webhook).then(new_secret),
        user_id: draft.user_id,
        team_id: draft.team_id,
        created_by: Some(actor.id),
        created_at: now,
    };
    let label = format!("{} ({belongs_to})", channel.name);
    // The address may carry a token (Slack's do): the audit keeps the name,
    // kind and whose, not the address.
    let audit = Author::of(actor)
        .did(now, "channel.added", "channel", None, &label)
        .after(&serde_json::json!({
            "name": channel.name,
            "kind": kind.as_str(),
            "user_id": channel.user_id,
            "team_id": channel.team_id,
        }));
    let id = store.add_channel(&channel, &audit).await?;
    Ok(store.channel(id).await?)
}

/// Removes a channel; alerts already queued to it fail with why.
pub async fn delete_channel(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), CatalogError> {
    let channel = store.channel(id).await?;
    if !actor.is_admin() && channel.user_id != Some(actor.id) {
        return Err(CatalogError::Forbidden(
            "only an administrator may remove a team's or someone else's channel".to_owned(),
        ));
    }
    let audit = Author::of(actor).did(
        now,
        "channel.removed",
        "channel",
        Some(id),
        format!("{} ({})", channel.name, channel.belongs_to),
    );
    store.delete_channel(id, &audit).await?;
    Ok(())
}
