//! Incidents and alerts: an automation's open failure (failed, missed or too
//! long) from the first alerting run until a success closes it, who has been
//! told, and the channels alerts go to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::errors::FieldErrors;

/// What opened an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    Failed,
    Missed,
    TooLong,
}

impl IncidentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::Failed => "failed",
            IncidentKind::Missed => "missed",
            IncidentKind::TooLong => "too_long",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            IncidentKind::Failed,
            IncidentKind::Missed,
            IncidentKind::TooLong,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    /// What happened, after the automation's name: "Backup failed".
    pub fn verb(self) -> &'static str {
        match self {
            IncidentKind::Failed => "failed",
            IncidentKind::Missed => "missed an expected run",
            IncidentKind::TooLong => "ran too long",
        }
    }

    /// The runbook section for this state (`#failed`, `#missed`,
    /// `#too-long`).
    pub fn anchor(self) -> &'static str {
        match self {
            IncidentKind::Failed => "failed",
            IncidentKind::Missed => "missed",
            IncidentKind::TooLong => "too-long",
        }
    }
}

/// Who has been told: the owner, then also the backup owner, then also
/// the team.
pub const LEVELS: [&str; 3] = ["owner", "backup owner", "team"];

/// Who a level tells, in words.
pub fn level_label(level: i32) -> &'static str {
    usize::try_from(level)
        .ok()
        .and_then(|l| LEVELS.get(l))
        .copied()
        .unwrap_or("team")
}

/// One incident, as lists and its page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: i64,
    pub automation_id: i64,
    pub automation: String,
    /// Its orchestration's slug and name, when it has one.
    pub orchestration: Option<(String, String)>,
    pub kind: IncidentKind,
    pub opened_at: DateTime<Utc>,
    /// The newest alerting run's time.
    pub last_trouble_at: DateTime<Utc>,
    /// Alerting runs it took in, the first included.
    pub troubles: i64,
    /// 0 the owner told, 1 also the backup owner, 2 also the team.
    pub level: i32,
    pub level_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    /// The upstream incident its alerts are held for.
    pub held_by: Option<i64>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl Incident {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }

    /// Its state in a word: open, acknowledged, held or resolved.
    pub fn state(&self) -> &'static str {
        if self.resolved_at.is_some() {
            "resolved"
        } else if self.held_by.is_some() {
            "held"
        } else if self.acknowledged_at.is_some() {
            "acknowledged"
        } else {
            "open"
        }
    }

    /// "Nightly backup failed", "… missed an expected run".
    pub fn title(&self) -> String {
        format!("{} {}", self.automation, self.kind.verb())
    }
}

/// A line of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentEvent {
    pub at: DateTime<Utc>,
    /// `opened`, `joined`, `held`, `released`, `escalated`,
    /// `acknowledged`, `resolved`, `no_channel`.
    pub kind: String,
    pub detail: String,
    pub actor: Option<String>,
}

/// Why an alert is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    Opened,
    Escalated,
    Released,
    Recovered,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Opened => "opened",
            AlertKind::Escalated => "escalated",
            AlertKind::Released => "released",
            AlertKind::Recovered => "recovered",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            AlertKind::Opened,
            AlertKind::Escalated,
            AlertKind::Released,
            AlertKind::Recovered,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// Where an alert is on its way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Waiting for its (next) try.
    Pending,
    /// Held while an upstream incident is open.
    Held,
    Sent,
    /// Every try failed; it is not tried again.
    Failed,
    /// Held, then not needed: it recovered before its upstream did.
    Withheld,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Held => "held",
            AlertState::Sent => "sent",
            AlertState::Failed => "failed",
            AlertState::Withheld => "withheld",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            AlertState::Pending,
            AlertState::Held,
            AlertState::Sent,
            AlertState::Failed,
            AlertState::Withheld,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// One alert to one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: i64,
    pub incident_id: i64,
    pub channel_id: Option<i64>,
    pub channel: String,
    pub kind: AlertKind,
    pub note: String,
    pub state: AlertState,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// An incident with its timeline and alerts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentDetail {
    #[serde(flatten)]
    pub incident: Incident,
    pub events: Vec<IncidentEvent>,
    pub alerts: Vec<Alert>,
    /// The upstream incident's title, when it is held.
    pub held_for: Option<String>,
}

/// How a channel is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// A JSON POST signed per Standard Webhooks.
    Webhook,
    /// A Slack-compatible incoming webhook (`{"text": …}`).
    Slack,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Slack => "slack",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [ChannelKind::Webhook, ChannelKind::Slack]
            .into_iter()
            .find(|k| k.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "JSON webhook",
            ChannelKind::Slack => "Slack-compatible webhook",
        }
    }
}

/// A place alerts go, of a person or of a team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    pub url: String,
    /// The Standard Webhooks secret of a webhook channel (shown to those
    /// who manage it, to verify what Baton sends).
    pub secret: Option<String>,
    pub user_id: Option<i64>,
    pub team_id: Option<i64>,
    /// The person's or the team's name.
    pub belongs_to: String,
    pub created_at: DateTime<Utc>,
}

pub const MAX_CHANNEL_NAME: usize = 100;
pub const MAX_CHANNEL_URL: usize = 2_000;

/// What someone submits to add a channel: exactly one of a person or a team.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelDraft {
    pub name: String,
    pub kind: String,
    pub url: String,
    #[serde(default)]
    pub user_id: Option<i64>,
    #[serde(default)]
    pub team_id: Option<i64>,
}

impl ChannelDraft {
    /// The kind it asks for, or every field that is wrong.
    pub fn check(&self) -> Result<ChannelKind, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add("name", "Give the channel a name, like “Ops on-call”.");
        } else if name.chars().count() > MAX_CHANNEL_NAME {
            errors.add(
                "name",
                format!("Keep the name to {MAX_CHANNEL_NAME} characters."),
            );
        }
        let kind = ChannelKind::parse(&self.kind);
        if kind.is_none() {
            errors.add("kind", "Choose webhook or slack.");
        }
        let url = self.url.trim();
        let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
        if !scheme_ok || url.len() <= "https://".len() || url.contains(char::is_whitespace) {
            errors.add(
                "url",
                "Give the full address the alerts are posted to, starting with https:// (or http://).",
            );
        } else if url.len() > MAX_CHANNEL_URL {
            errors.add(
                "url",
                format!("Keep the address to {MAX_CHANNEL_URL} characters."),
            );
        }
        match (self.user_id, self.team_id) {
            (Some(_), Some(_)) => {
                errors.add("team_id", "A channel is a person's or a team's, not both.")
            }
            (None, None) => errors.add("user_id", "Say whose channel it is: a person or a team."),
            _ => {}
        }
        match kind {
            Some(kind) if errors.is_empty() => Ok(kind),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ChannelDraft {
        ChannelDraft {
            name: "Ops".to_owned(),
            kind: "slack".to_owned(),
            url: "https://hooks.example.com/T1/B2/x".to_owned(),
            user_id: Some(1),
            team_id: None,
        }
    }

    #[test]
    fn a_channel_draft_says_every_wrong_field() {
        assert_eq!(draft().check(), Ok(ChannelKind::Slack));
        let bad = ChannelDraft {
            name: " ".to_owned(),
            kind: "email".to_owned(),
            url: "ftp://x".to_owned(),
            user_id: Some(1),
            team_id: Some(2),
        };
        let errors = bad.check().unwrap_err();
        for field in ["name", "kind", "url", "team_id"] {
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        let nobody = ChannelDraft {
            user_id: None,
            ..draft()
        };
        assert!(nobody.check().unwrap_err().get("user_id").is_some());
        let spaced = ChannelDraft {
            url: "https://a b".to_owned(),
            ..draft()
        };
        assert!(spaced.check().unwrap_err().get("url").is_some());
    }

    #[test]
    fn an_incident_says_its_state_and_title() {
        let now = Utc::now();
        let mut i = Incident {
            id: 1,
            automation_id: 2,
            automation: "Backup".to_owned(),
            orchestration: None,
            kind: IncidentKind::Missed,
            opened_at: now,
            last_trouble_at: now,
            troubles: 1,
            level: 0,
            level_at: now,
            acknowledged_at: None,
            acknowledged_by: None,
            held_by: None,
            resolved_at: None,
        };
        assert_eq!(i.title(), "Backup missed an expected run");
        assert_eq!(i.state(), "open");
        i.held_by = Some(9);
        assert_eq!(i.state(), "held");
        i.held_by = None;
        i.acknowledged_at = Some(now);
        assert_eq!(i.state(), "acknowledged");
        i.resolved_at = Some(now);
        assert_eq!(i.state(), "resolved");
        assert_eq!(level_label(1), "backup owner");
        assert_eq!(level_label(7), "team");
        for k in ["failed", "missed", "too_long"] {
            assert_eq!(IncidentKind::parse(k).unwrap().as_str(), k);
        }
    }
}
