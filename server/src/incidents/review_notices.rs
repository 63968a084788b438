//! Overdue review notices, sent with the alerts: once an hour the round
//! looks for reviews whose due date has passed, and tells each owner once
//! per due date through their own alert channels (without one, through
//! their team's); then it sends the notices due, retried with the alerts'
//! backoff and given up after as many tries.

use app::model::incidents::{Channel, ChannelKind};
use app::model::reviews::{ReviewNotice, Subject, next_due};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};

use super::Settings;
use super::job::Round;
use super::send::{Sender, settle};
use crate::audit::Author;
use crate::store::{AlertTry, Store, StoreResult};

/// The round's mark for its last look at the reviews.
const LOOKED: &str = "review-notices";
/// How often the reviews are looked at.
const LOOK_EVERY: TimeDelta = TimeDelta::hours(1);
/// Notices tried per round at most.
const PER_ROUND: i64 = 50;

/// The review part of an alerts round at `now`.
pub async fn step(
    store: &dyn Store,
    sender: &Sender,
    settings: &Settings,
    now: DateTime<Utc>,
    out: &mut Round,
) -> StoreResult<()> {
    let last = store
        .job_rounds()
        .await?
        .into_iter()
        .find(|(name, _)| name == LOOKED)
        .map(|(_, at)| at);
    if last.is_none_or(|at| now - at >= LOOK_EVERY || at > now) {
        queue_overdue(store, settings, now, out).await?;
        store.job_round_done(LOOKED, now).await?;
    }
    send_due(store, sender, settings, now, out).await
}

/// The channels an owner is told through: their own, else their team's.
fn channels_for(s: &Subject, channels: &[Channel]) -> Vec<(i64, String)> {
    let pick = |keep: &dyn Fn(&Channel) -> bool| -> Vec<(i64, String)> {
        channels
            .iter()
            .filter(|c| keep(c))
            .map(|c| (c.id, c.name.clone()))
            .collect()
    };
    let own = match s.owner_id {
        Some(owner) => pick(&|c| c.user_id == Some(owner)),
        None => Vec::new(),
    };
    if !own.is_empty() {
        return own;
    }
    match s.team_id {
        Some(team) => pick(&|c| c.team_id == Some(team)),
        None => Vec::new(),
    }
}

/// Queues a notice for each review that turned overdue and was not told.
async fn queue_overdue(
    store: &dyn Store,
    settings: &Settings,
    now: DateTime<Utc>,
    out: &mut Round,
) -> StoreResult<()> {
    let today = now.date_naive();
    let subjects = crate::reviews::subjects(store).await?;
    let channels = store.channels().await?;
    for s in &subjects {
        let due = next_due(
            settings.fiscal_calendar,
            s.cadence.unwrap_or_default(),
            s.registered,
            s.last,
        );
        if due >= today {
            continue;
        }
        let to = channels_for(s, &channels);
        let names: Vec<&str> = to.iter().map(|(_, n)| n.as_str()).collect();
        let audit = Author::alerts()
            .did(
                now,
                "review.overdue_noticed",
                "orchestration",
                Some(s.id),
                &s.name,
            )
            .after(&json!({ "due_on": due, "channels": names }));
        if store
            .queue_review_notices(s.id, due, &to, now, &audit)
            .await?
        {
            out.review_notices += u64::try_from(to.len()).unwrap_or(0);
        }
    }
    Ok(())
}

/// What a notice posts: Baton's JSON for a webhook channel, a message for
/// a Slack-compatible one.
pub fn payload(
    kind: ChannelKind,
    notice: &ReviewNotice,
    slug: &str,
    name: &str,
    owner: Option<&str>,
    today: NaiveDate,
    public_url: &str,
) -> Value {
    let page = format!("{public_url}/orchestrations/{slug}#reviews");
    let board = format!("{public_url}/reviews");
    let days = (today - notice.due_on).num_days();
    let text = format!(
        "The review of {name} is overdue: it was due by {} ({days} day{} ago).",
        notice.due_on,
        if days == 1 { "" } else { "s" }
    );
    match kind {
        ChannelKind::Slack => json!({
            "text": format!(
                "{}\n<{page}|Start the review> · <{board}|Review board>",
                super::send::slack_text(&text)
            )
        }),
        ChannelKind::Webhook => json!({
            "type": "review.overdue",
            "notice_id": notice.id,
            "text": text,
            "due_on": notice.due_on,
            "days_overdue": days,
            "orchestration": { "slug": slug, "name": name, "url": page, "owner": owner },
            "board_url": board,
        }),
    }
}

/// Tries each notice due once.
async fn send_due(
    store: &dyn Store,
    sender: &Sender,
    settings: &Settings,
    now: DateTime<Utc>,
    out: &mut Round,
) -> StoreResult<()> {
    let deadline = std::time::Instant::now() + settings.send_budget;
    let due = store.due_review_notices(now, PER_ROUND).await?;
    if due.is_empty() {
        return Ok(());
    }
    let people: std::collections::HashMap<i64, String> =
        store.user_names().await?.into_iter().collect();
    for (notice, channel) in due {
        if std::time::Instant::now() >= deadline {
            break;
        }
        let Some(channel) = channel else {
            let outcome = AlertTry::Failed {
                error: "its channel was removed".to_owned(),
                payload: String::new(),
            };
            store.review_notice_tried(notice.id, &outcome).await?;
            out.failed += 1;
            continue;
        };
        let o = match store.orchestration(notice.orchestration_id).await {
            Ok(o) => o,
            Err(crate::store::StoreError::NotFound) => continue,
            Err(other) => return Err(other),
        };
        let owner = o.fields.owner_id.and_then(|id| people.get(&id).cloned());
        let body = payload(
            channel.kind,
            &notice,
            &o.fields.slug,
            &o.fields.name,
            owner.as_deref(),
            now.date_naive(),
            &settings.public_url,
        )
        .to_string();
        let key = format!("baton-review-notice-{}", notice.id);
        let posted = sender.post_keyed(&channel, &key, &body).await;
        let outcome = settle(posted, notice.attempts, body, now, out);
        if let AlertTry::Failed { error, .. } = &outcome {
            tracing::warn!(notice = notice.id, %error, "review notice given up");
        }
        store.review_notice_tried(notice.id, &outcome).await?;
    }
    Ok(())
}
