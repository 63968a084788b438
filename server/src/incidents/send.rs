//! Sending alerts: each due alert is posted to its channel, as Baton's JSON
//! (signed per Standard Webhooks) or as a Slack-compatible message, with
//! `Idempotency-Key: baton-alert-<id>` on every try. A failed try is tried
//! again after 30 s, doubling up to an hour, eight tries in all; then the
//! alert is marked failed, with the last error, for people to see.

use std::time::Duration;

use app::model::catalog::Orchestration;
use app::model::incidents::{
    Alert, AlertKind, Channel, ChannelKind, ChannelTest, Incident, level_label,
};
use app::model::inventory::Automation;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use super::Settings;
use super::job::Round;
use crate::store::{AlertTry, Store, StoreError, StoreResult};

/// Alerts tried per round at most.
const PER_ROUND: i64 = 50;
/// Tries before an alert is given up.
pub const MAX_ATTEMPTS: i32 = 8;
const FIRST_RETRY: TimeDelta = TimeDelta::seconds(30);
const LONGEST_WAIT: TimeDelta = TimeDelta::hours(1);
const TIMEOUT: Duration = Duration::from_secs(10);

/// How long to wait after the `attempts`-th failed try.
fn backoff(attempts: i32) -> TimeDelta {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(0);
    (FIRST_RETRY * 2_i32.pow(doublings)).min(LONGEST_WAIT)
}

/// What one try of an outbox row (an alert, a review notice) came to,
/// counted in `out`: sent, to be tried again after the backoff, or given up
/// after [`MAX_ATTEMPTS`] tries (`attempts` is how many came before).
pub(crate) fn settle(
    posted: Result<(), String>,
    attempts: i32,
    payload: String,
    now: DateTime<Utc>,
    out: &mut Round,
) -> AlertTry {
    match posted {
        Ok(()) => {
            out.sent += 1;
            AlertTry::Sent { at: now, payload }
        }
        Err(error) if attempts + 1 >= MAX_ATTEMPTS => {
            out.failed += 1;
            AlertTry::Failed { error, payload }
        }
        Err(error) => {
            out.retried += 1;
            AlertTry::Retry {
                next_at: now + backoff(attempts + 1),
                error,
                payload,
            }
        }
    }
}

/// Posts alerts over HTTP(S): to public addresses only, unless private
/// targets are allowed (see [`super::targets`]).
#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    pub fn new(allow_private: bool) -> Self {
        let mut builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(concat!("Baton/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none());
        if !allow_private {
            // Every connection resolves its name through this, so a name
            // that now leads inside is refused whatever it led to before.
            builder = builder
                .dns_resolver(std::sync::Arc::new(super::targets::PublicOnly))
                .no_proxy();
        }
        let client = builder.build().unwrap_or_default();
        Self {
            client,
            allow_private,
        }
    }

    /// Posts one alert's body; `Err` says why it did not arrive.
    async fn post(&self, channel: &Channel, alert: i64, body: &str) -> Result<(), String> {
        self.post_keyed(channel, &format!("baton-alert-{alert}"), body)
            .await
    }

    /// Posts `body` to `channel` with `id` as its idempotency key (and, to
    /// a signed webhook, its `webhook-id`); `Err` unless it answered 2xx.
    pub(crate) async fn post_keyed(
        &self,
        channel: &Channel,
        id: &str,
        body: &str,
    ) -> Result<(), String> {
        let status = self.answer(channel, id, body).await?;
        if status.is_success() {
            return Ok(());
        }
        Err(format!("answered {status}"))
    }

    /// Posts a test message to `channel`, sent by `by`: what its receiver
    /// answered. Nothing is kept of it.
    pub async fn test(
        &self,
        channel: &Channel,
        by: &str,
        public_url: &str,
        now: DateTime<Utc>,
    ) -> ChannelTest {
        let text = format!(
            "Test from Baton, sent by {by}: alerts for “{}” ({}) arrive here.",
            channel.name, channel.belongs_to
        );
        let body = match channel.kind {
            ChannelKind::Slack => json!({
                "text": format!("{}\n<{public_url}|Open Baton>", slack_text(&text)),
            }),
            ChannelKind::Webhook => json!({
                "type": "test",
                "text": text,
                "channel": { "id": channel.id, "name": channel.name },
                "sent_at": now,
                "url": public_url,
            }),
        };
        let id = format!("baton-test-{}-{}", channel.id, now.timestamp_millis());
        match self.answer(channel, &id, &body.to_string()).await {
            Ok(status) => ChannelTest {
                reached: status.is_success(),
                answer: format!("answered {status}"),
            },
            Err(why) => ChannelTest {
                reached: false,
                answer: why,
            },
        }
    }

    /// Posts `body` to `channel`: the status it answered, or why there was
    /// no answer.
    async fn answer(
        &self,
        channel: &Channel,
        id: &str,
        body: &str,
    ) -> Result<reqwest::StatusCode, String> {
        let url = reqwest::Url::parse(&channel.url)
            .map_err(|_| "the channel's address is not a URL".to_owned())?;
        if !self.allow_private && super::targets::literal_is_internal(&url) {
            return Err("the channel's address is inside Baton's network: refused".to_owned());
        }
        let mut request = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", id)
            .body(body.to_owned());
        if let Some(key) = channel
            .secret
            .as_deref()
            .and_then(crate::ingest::verify::standard_key)
        {
            let timestamp = Utc::now().timestamp();
            let signature =
                crate::ingest::verify::sign_standard(&key, id, timestamp, body.as_bytes());
            request = request
                .header("webhook-id", id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature);
        }
        // What is kept of a failure is its kind and status: never the
        // answer's body nor the address (either may carry secrets, or what
        // an address inside the network said).
        let response = request.send().await.map_err(|err| {
            if err.is_timeout() {
                format!("no answer within {} s", TIMEOUT.as_secs())
            } else if err.is_connect() {
                let mut cause: Option<&dyn std::error::Error> = Some(&err);
                let mut inside = false;
                while let Some(c) = cause {
                    inside |= c.to_string().contains("inside the network");
                    cause = c.source();
                }
                if inside {
                    "the channel's address resolves only inside Baton's network: refused".to_owned()
                } else {
                    "could not connect to the channel's address".to_owned()
                }
            } else if err.is_request() {
                "the request could not be sent".to_owned()
            } else {
                "the request failed".to_owned()
            }
        })?;
        Ok(response.status())
    }

    /// Tries each due alert once, for at most the settings' send budget.
    pub async fn send_due(
        &self,
        store: &dyn Store,
        settings: &Settings,
        now: DateTime<Utc>,
        out: &mut Round,
    ) -> StoreResult<()> {
        let deadline = std::time::Instant::now() + settings.send_budget;
        for due in store.due_alerts(now, PER_ROUND).await? {
            if std::time::Instant::now() >= deadline {
                // The rest wait for the next round, so one slow channel
                // cannot hold the lease past its time.
                break;
            }
            let alert = due.alert;
            let Some(channel) = due.channel else {
                let outcome = AlertTry::Failed {
                    error: "its channel was removed".to_owned(),
                    payload: String::new(),
                };
                store.alert_tried(alert.id, &outcome).await?;
                out.failed += 1;
                continue;
            };
            let incident = store.incident(alert.incident_id).await?;
            let automation = store.automation(incident.automation_id).await?;
            let orchestration = match automation.fields.orchestration_id {
                Some(id) => match store.orchestration(id).await {
                    Ok(o) => Some(o),
                    Err(StoreError::NotFound) => None,
                    Err(other) => return Err(other),
                },
                None => None,
            };
            let body = payload(
                channel.kind,
                &alert,
                &incident,
                &automation,
                orchestration.as_ref(),
                &settings.public_url,
            )
            .to_string();
            let posted = self.post(&channel, alert.id, &body).await;
            let outcome = settle(posted, alert.attempts, body, now, out);
            if let AlertTry::Failed { error, .. } = &outcome {
                tracing::warn!(alert = alert.id, %error, "alert given up");
            }
            store.alert_tried(alert.id, &outcome).await?;
        }
        Ok(())
    }
}

/// The words of an alert, with the links as `(label, url)`.
fn words(alert: &Alert, incident: &Incident, orchestration: Option<&Orchestration>) -> String {
    let within = orchestration.map_or(String::new(), |o| format!(" ({})", o.fields.name));
    let headline = match alert.kind {
        AlertKind::Opened => format!("Incident #{}: {}{within}.", incident.id, incident.title()),
        AlertKind::Escalated => format!(
            "Still not acknowledged: incident #{}: {}{within}.",
            incident.id,
            incident.title()
        ),
        AlertKind::Released => format!(
            "Incident #{}: {}{within}; it is still failing now that its upstream recovered.",
            incident.id,
            incident.title()
        ),
        AlertKind::Recovered => format!(
            "Recovered: incident #{}: {}{within} is succeeding again.",
            incident.id, incident.automation
        ),
    };
    if alert.note.is_empty() {
        headline
    } else {
        format!("{headline} {}", alert.note)
    }
}

/// Text for a Slack-compatible message: `&`, `<` and `>` escaped as Slack
/// asks, so a stored name can neither mention everyone (`<!channel>`) nor
/// make a link of its own (`<https://…|…>`); everything else is literal.
pub(crate) fn slack_text(text: &str) -> String {
    app::escape::entities(text)
}

/// What an alert posts: Baton's JSON for a webhook channel, a message for a
/// Slack-compatible one. Links start with `public_url`.
pub fn payload(
    kind: ChannelKind,
    alert: &Alert,
    incident: &Incident,
    automation: &Automation,
    orchestration: Option<&Orchestration>,
    public_url: &str,
) -> Value {
    let incident_url = format!("{public_url}/incidents/{}", incident.id);
    let automation_url = format!("{public_url}/automations/{}", automation.id);
    let links = orchestration.map(|o| {
        let url = format!("{public_url}/orchestrations/{}", o.fields.slug);
        let runbook = format!("{url}/runbook#{}", incident.kind.anchor());
        (o, url, runbook)
    });
    let failure_mode = if automation.fields.failure_mode.is_empty() {
        orchestration.map_or("", |o| o.fields.failure_mode.as_str())
    } else {
        automation.fields.failure_mode.as_str()
    };
    let text = words(alert, incident, orchestration);
    match kind {
        ChannelKind::Slack => {
            let mut lines = vec![slack_text(&text)];
            if !failure_mode.is_empty() && alert.kind != AlertKind::Recovered {
                lines.push(format!("*Failure mode:* {}", slack_text(failure_mode)));
            }
            let mut refs = vec![
                format!("<{incident_url}|Incident #{}>", incident.id),
                format!("<{automation_url}|{}>", slack_text(&automation.fields.name)),
            ];
            if let Some((o, url, runbook)) = &links {
                refs.push(format!("<{url}|{}>", slack_text(&o.fields.name)));
                refs.push(format!("<{runbook}|Runbook>"));
            }
            lines.push(refs.join(" · "));
            json!({ "text": lines.join("\n") })
        }
        ChannelKind::Webhook => json!({
            "type": format!("incident.{}", alert.kind.as_str()),
            "alert_id": alert.id,
            "text": text,
            "note": alert.note,
            "incident": {
                "id": incident.id,
                "kind": incident.kind.as_str(),
                "state": incident.state(),
                "title": incident.title(),
                "opened_at": incident.opened_at,
                "resolved_at": incident.resolved_at,
                "troubles": incident.troubles,
                "told": level_label(incident.level),
                "acknowledged_by": incident.acknowledged_by,
                "url": incident_url,
            },
            "automation": {
                "id": automation.id,
                "name": automation.fields.name,
                "url": automation_url,
                "failure_mode": automation.fields.failure_mode,
            },
            "orchestration": links.map(|(o, url, runbook)| json!({
                "slug": o.fields.slug,
                "name": o.fields.name,
                "url": url,
                "runbook_url": runbook,
                "failure_mode": o.fields.failure_mode,
                "fallback": o.fields.fallback,
            })),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_text_cannot_mention_or_link() {
        assert_eq!(
            slack_text("<!channel> & <https://evil.example|click>"),
            "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;"
        );
        assert_eq!(slack_text("Nightly *export*"), "Nightly *export*");
    }

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        assert_eq!(backoff(1), TimeDelta::seconds(30));
        assert_eq!(backoff(2), TimeDelta::seconds(60));
        assert_eq!(backoff(4), TimeDelta::seconds(240));
        assert_eq!(backoff(8), TimeDelta::hours(1));
        assert_eq!(backoff(40), TimeDelta::hours(1));
    }
}
