//! Sources and how automations are reached through them: admins add
//! sources (each owned by a team, with a key that rotates like a ping key);
//! whoever may edit an automation names it by a slug within a source; an
//! editor claims what pings created into an orchestration.

use app::model::accounts::Actor;
use app::model::catalog::slugify;
use app::model::errors::FieldErrors;
use app::model::ingestion::{
    DeliveryDetails, DeliveryFilter, DeliveryPage, DeliverySummary, Source, SourceDetails,
    SourceDraft, SourceTool, SourceUrls, mask_keys,
};
use app::model::window;

use crate::access;
use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::clock::Clock;
use crate::ingest::signals::is_slug;
use crate::store::{NewSource, Store, StoreError};

const MAX_SOURCE_NAME: usize = 100;

fn invalid(field: &str, message: impl Into<String>) -> CatalogError {
    let mut errors = FieldErrors::default();
    errors.add(field, message);
    CatalogError::Invalid(errors)
}

/// Every source with its key and URLs under `public_url` (admins only:
/// the keys are secrets).
pub async fn sources(
    store: &dyn Store,
    actor: &Actor,
    public_url: &str,
) -> Result<Vec<SourceDetails>, CatalogError> {
    access::require_admin(actor, "see source keys")?;
    Ok(store
        .sources()
        .await?
        .into_iter()
        .map(|row| SourceDetails {
            urls: SourceUrls::new(public_url, row.source.tool, &row.key),
            source: row.source,
            key: row.key,
            secret: row.secret,
        })
        .collect())
}

/// The sources' names, for anyone who reads (no keys).
pub async fn source_names(store: &dyn Store) -> Result<Vec<Source>, CatalogError> {
    Ok(store
        .sources()
        .await?
        .into_iter()
        .map(|row| row.source)
        .collect())
}

/// Adds a source with a fresh key (admins only).
pub async fn create_source(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    draft: SourceDraft,
) -> Result<i64, CatalogError> {
    access::require_admin(actor, "add sources")?;
    let mut errors = FieldErrors::default();
    let name = draft.name.trim().to_owned();
    if name.is_empty() {
        errors.add("name", "give the source a name");
    } else if name.chars().count() > MAX_SOURCE_NAME {
        errors.add(
            "name",
            format!("keep the name to {MAX_SOURCE_NAME} characters"),
        );
    }
    let slug = match draft.slug.trim() {
        "" => slugify(&name),
        given => given.to_owned(),
    };
    if !is_slug(&slug) {
        errors.add("slug", "use a-z, 0-9, '-' and '_' (at most 100)");
    }
    let tool = draft.tool;
    let secret = match (draft.secret, tool.signs()) {
        (None, true) => Some(new_secret(tool)),
        (None, false) => None,
        (Some(_), false) => {
            errors.add(
                "secret",
                format!("{} are not signed: leave the secret out", tool.label()),
            );
            None
        }
        (Some(given), true) => {
            if let Err(why) = check_secret(tool, &given) {
                errors.add("secret", why);
            }
            Some(given)
        }
    };
    match draft.team_id {
        None => errors.add("team_id", "choose the team that owns the source"),
        Some(team) if !store.team_exists(team).await? => {
            errors.add("team_id", format!("there is no team {team}"));
        }
        Some(_) => {}
    }
    if !errors.0.is_empty() {
        return Err(CatalogError::Invalid(errors));
    }
    let team = draft.team_id.unwrap_or_default();
    let now = clock.now();
    let audit = Author::of(actor)
        .did(now, "source.created", "source", None, &name)
        .after(&serde_json::json!({
            "slug": slug, "name": name, "team_id": team, "tool": tool.as_str(),
        }));
    let new = NewSource {
        slug: slug.clone(),
        name,
        team_id: team,
        tool,
        key: crate::store::new_ping_key(),
        secret,
    };
    match store.create_source(&new, now, &audit).await {
        Err(StoreError::Conflict(_)) => Err(invalid(
            "slug",
            format!("{slug:?} is taken by another source: choose another slug"),
        )),
        other => Ok(other?),
    }
}

async fn source(store: &dyn Store, id: i64) -> Result<Source, CatalogError> {
    Ok(store
        .sources()
        .await?
        .into_iter()
        .find(|r| r.source.id == id)
        .ok_or(CatalogError::NotFound)?
        .source)
}

/// Gives a source a new key; the old one keeps working for `overlap`. The
/// key, and the source's tool (its URLs depend on it).
pub async fn rotate_source_key(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
    overlap: chrono::TimeDelta,
) -> Result<(String, SourceTool), CatalogError> {
    access::require_admin(actor, "rotate source keys")?;
    let now = clock.now();
    let source = source(store, id).await?;
    let audit = Author::of(actor)
        .did(now, "source.key_rotated", "source", Some(id), &source.name)
        .after(&serde_json::json!({"old_key_accepted_until": now + overlap}));
    let key = crate::store::new_ping_key();
    store
        .rotate_source_key(id, &key, now, now + overlap, &audit)
        .await?;
    Ok((key, source.tool))
}

/// Gives a signing source a new secret; deliveries signed with the old one
/// are still accepted for `overlap`, while the tool is moved over.
pub async fn rotate_source_secret(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
    overlap: chrono::TimeDelta,
) -> Result<String, CatalogError> {
    access::require_admin(actor, "rotate source secrets")?;
    let now = clock.now();
    let source = source(store, id).await?;
    if !source.tool.signs() {
        return Err(StoreError::Conflict(format!(
            "{} takes {}, which are not signed: it has no secret",
            source.name,
            source.tool.label()
        ))
        .into());
    }
    let audit = Author::of(actor)
        .did(
            now,
            "source.secret_rotated",
            "source",
            Some(id),
            &source.name,
        )
        .after(&serde_json::json!({"old_secret_accepted_until": now + overlap}));
    let secret = new_secret(source.tool);
    store
        .rotate_source_secret(id, &secret, now, now + overlap, &audit)
        .await?;
    Ok(secret)
}

/// The shortest secret taken from someone: shorter ones can be guessed.
const MIN_SECRET: usize = 16;
const MAX_SECRET: usize = 200;

/// Whether a secret someone gives will do for `tool`.
fn check_secret(tool: SourceTool, secret: &str) -> Result<(), String> {
    let length = secret.chars().count();
    if !(MIN_SECRET..=MAX_SECRET).contains(&length) {
        return Err(format!(
            "a secret is {MIN_SECRET} to {MAX_SECRET} characters long"
        ));
    }
    if secret.trim() != secret || secret.chars().any(char::is_control) {
        return Err(
            "the secret starts or ends with a space, or holds a control character: \
             paste it again"
                .to_owned(),
        );
    }
    if tool == SourceTool::Generic && crate::ingest::verify::standard_key(secret).is_none() {
        return Err(
            "a Standard Webhooks secret is whsec_ followed by base64 (as its libraries make them)"
                .to_owned(),
        );
    }
    Ok(())
}

/// A fresh secret in the form the tool expects: Standard Webhooks'
/// `whsec_` and base64 of 24 random bytes for generic JSON; 32 random
/// bytes in hex for GitHub and GitLab (who take any text).
pub fn new_secret(tool: SourceTool) -> String {
    use base64::Engine as _;
    let bytes = rand::random::<[u8; 32]>();
    match tool {
        SourceTool::Generic => format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(&bytes[..24])
        ),
        _ => bytes.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// Names an automation `slug` within a source, or (`None`) no longer.
pub async fn set_slug(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    automation: i64,
    slug: Option<(i64, String)>,
) -> Result<(), CatalogError> {
    let current = store.automation(automation).await?;
    access::check_automation(store, actor, &current).await?;
    if let Some((source, slug)) = &slug {
        if !is_slug(slug) {
            return Err(invalid("slug", "use a-z, 0-9, '-' and '_' (at most 100)"));
        }
        if !store
            .sources()
            .await?
            .iter()
            .any(|r| r.source.id == *source)
        {
            return Err(invalid("source_id", format!("there is no source {source}")));
        }
    }
    let audit = Author::of(actor)
        .did(
            clock.now(),
            "automation.slug_set",
            "automation",
            Some(automation),
            &current.fields.name,
        )
        .before(&store.slug_of(automation).await?)
        .after(&slug);
    let named = slug.as_ref().map(|(source, slug)| (*source, slug.as_str()));
    match store.set_slug(automation, named, &audit).await {
        Err(StoreError::Conflict(why)) => Err(invalid("slug", why)),
        other => Ok(other?),
    }
}

/// Claims a queued automation: the claimer becomes its owner, and it joins
/// `orchestration` (or stays loose). Editors only.
pub async fn claim(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    automation: i64,
    orchestration: Option<i64>,
) -> Result<(), CatalogError> {
    access::require_editor(actor)?;
    let current = store.automation(automation).await?;
    if let Some(id) = orchestration
        && !store.orchestration_exists(id).await?
    {
        return Err(invalid(
            "orchestration_id",
            format!("there is no orchestration {id}"),
        ));
    }
    access::check_joining(store, actor, orchestration).await?;
    let now = clock.now();
    let audit = Author::of(actor)
        .did(
            now,
            "automation.claimed",
            "automation",
            Some(automation),
            &current.fields.name,
        )
        .after(&serde_json::json!({"owner_id": actor.id, "orchestration_id": orchestration}));
    if store
        .claim_automation(automation, actor.id, orchestration, now, &audit)
        .await?
    {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "{} is not in the claim queue: it has been claimed already",
            current.fields.name
        ))
        .into())
    }
}

/// Deliveries shown a page at a time.
pub const PER_PAGE: u32 = 50;

/// A page (from 1) of the delivery log, newest first; keys in URLs are
/// masked except for admins.
pub async fn deliveries(
    store: &dyn Store,
    actor: &Actor,
    filter: &DeliveryFilter,
    page: u32,
) -> Result<DeliveryPage, CatalogError> {
    let page = page.max(1);
    let filter = &DeliveryFilter {
        since: filter.since.map(window::bound),
        until: filter.until.map(window::bound),
        ..filter.clone()
    };
    let mut deliveries = store
        .deliveries(filter, PER_PAGE, (page - 1).saturating_mul(PER_PAGE))
        .await?;
    if !actor.is_admin() {
        for delivery in &mut deliveries {
            delivery.uri = mask_keys(&delivery.uri);
        }
    }
    Ok(DeliveryPage {
        deliveries,
        total: store.count_deliveries(filter).await?,
        page,
        per_page: PER_PAGE,
    })
}

/// One delivery with its headers and body; keys masked except for admins.
pub async fn delivery(
    store: &dyn Store,
    actor: &Actor,
    id: i64,
) -> Result<DeliveryDetails, CatalogError> {
    let d = store.delivery(id).await?;
    let uri = if actor.is_admin() {
        d.uri
    } else {
        mask_keys(&d.uri)
    };
    Ok(DeliveryDetails {
        summary: DeliverySummary {
            id: d.id,
            received_at: d.received_at,
            endpoint: d.endpoint,
            source_id: d.source_id,
            automation_id: d.automation_id,
            method: d.method,
            uri,
            body_size: d.body_size,
            remote_addr: d.remote_addr,
            outcome: d.outcome,
            outcome_detail: d.outcome_detail,
            run_id: d.run_id,
            duplicate_of: d.duplicate_of,
        },
        headers: d.headers,
        body_kept: i64::try_from(d.body.len()).unwrap_or(i64::MAX),
        body: String::from_utf8_lossy(&d.body).into_owned(),
        processed_at: d.processed_at,
    })
}

/// A delivery's body as it was received (as far as it was kept), byte
/// for byte: what a tool sent, for anyone who may read the delivery log.
pub async fn delivery_body(store: &dyn Store, id: i64) -> Result<Vec<u8>, CatalogError> {
    Ok(store.delivery(id).await?.body)
}

/// Sends a settled delivery through processing again (admins only).
pub async fn replay(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    id: i64,
) -> Result<(), CatalogError> {
    access::require_admin(actor, "replay deliveries")?;
    let delivery = store.delivery(id).await?;
    let audit = Author::of(actor).did(
        clock.now(),
        "delivery.replayed",
        "delivery",
        Some(id),
        format!("{} {}", delivery.method, mask_keys(&delivery.uri)),
    );
    if store.replay_delivery(id, &audit).await? {
        crate::ingest::announce(store, id).await;
        Ok(())
    } else {
        Err(StoreError::Conflict(match delivery.outcome {
            app::model::ingestion::DeliveryOutcome::Pending => {
                "it is being processed now: nothing to replay yet".to_owned()
            }
            app::model::ingestion::DeliveryOutcome::Duplicate => format!(
                "it repeats delivery {}: replay that one",
                delivery.duplicate_of.unwrap_or_default()
            ),
            _ => "it was refused when it arrived: there is nothing to replay".to_owned(),
        })
        .into())
    }
}
