//! Alert channels: a person's or a team's. Anyone may add and remove their
//! own; an editor, their teams'; administrators, anyone's. A webhook
//! channel gets a Standard Webhooks secret, so its receiver can check that
//! an alert comes from Baton. A channel's address must be public unless the
//! operator allows private targets ([`super::targets`]). An address often
//! carries a token (Slack's do): only administrators see addresses whole;
//! everyone else sees them cut to scheme and host, their own included. A
//! webhook's signing secret is shown whole to administrators and to the
//! person whose channel it is (their receiver checks signatures with it),
//! and masked to anyone else.

use app::model::accounts::Actor;
use app::model::errors::FieldErrors;
use app::model::incidents::{Channel, ChannelDraft, ChannelKind, ChannelTest};
use base64::Engine as _;
use chrono::{DateTime, Utc};

use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::store::{NewChannel, Store};

/// The channels `actor` may see: all for an administrator, else their own,
/// masked.
pub async fn visible_channels(
    store: &dyn Store,
    actor: &Actor,
) -> Result<Vec<Channel>, CatalogError> {
    let all = store.channels().await?;
    Ok(all
        .into_iter()
        .filter(|c| actor.is_admin() || c.user_id == Some(actor.id))
        .map(|c| masked_for(actor, c))
        .collect())
}

/// The channel as `actor` may see it: whole for an administrator; else its
/// address cut to scheme and host, and its secret whole only if it is the
/// actor's own channel.
pub fn masked_for(actor: &Actor, mut channel: Channel) -> Channel {
    if actor.is_admin() {
        return channel;
    }
    channel.url = mask_url(&channel.url);
    if channel.user_id != Some(actor.id) {
        channel.secret = channel
            .secret
            .map(|s| format!("{}…", s.chars().take(10).collect::<String>()));
    }
    channel
}

/// `scheme://host[:port]/…`: where alerts go, without the path and query
/// that hold its token.
pub fn mask_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => {
            let host = parsed.host_str().unwrap_or_default();
            let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("{}://{host}{port}/…", parsed.scheme())
        }
        Err(_) => "…".to_owned(),
    }
}

/// Whether `actor` may add or remove a channel of this person or team:
/// their own; as an editor, a team's they are a member of; as an admin,
/// anyone's.
async fn may_manage(
    store: &dyn Store,
    actor: &Actor,
    user: Option<i64>,
    team: Option<i64>,
) -> Result<bool, CatalogError> {
    if actor.is_admin() || (user.is_some() && user == Some(actor.id)) {
        return Ok(true);
    }
    let Some(team) = team.filter(|_| actor.may_create()) else {
        return Ok(false);
    };
    Ok(store.team_members().await?.contains(&(team, actor.id)))
}

/// Channel `id`, if `actor` may manage it; else why not, for what they
/// meant to `do_` with it ("remove", "test").
async fn managed(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    do_: &str,
) -> Result<Channel, CatalogError> {
    let channel = store.channel(id).await?;
    if may_manage(store, actor, channel.user_id, channel.team_id).await? {
        Ok(channel)
    } else {
        Err(CatalogError::Forbidden(format!(
            "you may {do_} your own channels, and as an editor your teams'; \
             only an administrator may {do_} another team's or someone else's"
        )))
    }
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
    allow_private: bool,
) -> Result<Channel, CatalogError> {
    let kind = draft.check().map_err(CatalogError::Invalid)?;
    if !may_manage(store, actor, draft.user_id, draft.team_id).await? {
        return Err(CatalogError::Forbidden(
            "you may add channels for yourself, and as an editor for your own teams; \
             only an administrator may add one for another team or someone else"
                .to_owned(),
        ));
    }
    let mut errors = FieldErrors::default();
    if let Some(why) = super::targets::refusal(draft.url.trim(), allow_private).await {
        errors.add("url", why);
    }
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
    Ok(masked_for(actor, store.channel(id).await?))
}

/// Removes a channel; alerts already queued to it fail with why.
pub async fn delete_channel(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), CatalogError> {
    let channel = managed(store, actor, id, "remove").await?;
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

/// Sends a test message to a channel and says what its receiver answered:
/// anyone who may remove the channel may test it (its person, editors of
/// its team, administrators).
pub async fn test_channel(
    store: &dyn Store,
    sender: &super::Sender,
    actor: &Actor,
    id: i64,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<ChannelTest, CatalogError> {
    let channel = managed(store, actor, id, "test").await?;
    Ok(sender
        .test(&channel, &actor.display_name, public_url, now)
        .await)
}
