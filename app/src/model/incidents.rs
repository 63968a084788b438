//! Incidents and alerts: an automation's open failure (failed, missed or too
//! long) from the first alerting run until a success closes it, who has been
//! told, and the channels alerts go to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::catalog::Orchestration;
use super::errors::FieldErrors;
use super::inventory::Automation;

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

/// The people an automation's alerts are for: its owner (the
/// automation's, else its orchestration's), its orchestration's backup
/// owner, and its team (the automation's, else its orchestration's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Concerned {
    pub owner: Option<i64>,
    pub backup: Option<i64>,
    pub team: Option<i64>,
}

impl Concerned {
    /// Those concerned by an automation in orchestration `o` (or loose).
    pub fn of(a: &Automation, o: Option<&Orchestration>) -> Self {
        Concerned {
            owner: a.fields.owner_id.or(o.and_then(|o| o.fields.owner_id)),
            backup: o.and_then(|o| o.fields.backup_owner_id),
            team: a.fields.team_id.or(o.and_then(|o| o.fields.team_id)),
        }
    }

    /// Those concerned by an orchestration as a whole.
    pub fn of_orchestration(o: &Orchestration) -> Self {
        Concerned {
            owner: o.fields.owner_id,
            backup: o.fields.backup_owner_id,
            team: o.fields.team_id,
        }
    }

    fn channels(channels: &[Channel], user: Option<i64>, team: Option<i64>) -> Vec<&Channel> {
        channels
            .iter()
            .filter(|c| {
                (user.is_some() && c.user_id == user) || (team.is_some() && c.team_id == team)
            })
            .collect()
    }

    /// Whose channels an alert at `level` goes to, and in words whom: 0 the
    /// owner (covered by the team when the owner has no channel), 1 the
    /// backup owner, 2 and on the team.
    pub fn recipients<'c>(
        &self,
        channels: &'c [Channel],
        level: i32,
    ) -> (Vec<&'c Channel>, &'static str) {
        match level {
            0 => {
                let theirs = Self::channels(channels, self.owner, None);
                if theirs.is_empty() {
                    (
                        Self::channels(channels, None, self.team),
                        "the team (the owner has no channel)",
                    )
                } else {
                    (theirs, "the owner")
                }
            }
            1 => (
                Self::channels(channels, self.backup, None),
                "the backup owner",
            ),
            _ => (Self::channels(channels, None, self.team), "the team"),
        }
    }

    /// Whether a failure would reach nobody, however far it escalates.
    pub fn reach_nobody(&self, channels: &[Channel]) -> bool {
        (0..LEVELS.len() as i32).all(|level| self.recipients(channels, level).0.is_empty())
    }
}

/// Who a failure would tell, before anything fails: each level of
/// escalation with its channels, and the automations whose failure would
/// reach nobody at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertPlan {
    /// The owner, the backup owner, the team, in that order.
    pub steps: Vec<AlertStep>,
    /// Automations (by name) whose failure would alert nobody.
    pub unheard: Vec<String>,
}

/// One level of escalation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertStep {
    /// Whom, in words: "the owner", "the team (the owner has no channel)".
    pub whom: String,
    /// Their name, when they have one.
    pub who: Option<String>,
    /// The channels it reaches, by name; empty when it reaches nobody.
    pub channels: Vec<String>,
}

impl AlertPlan {
    /// The plan of orchestration `o` with `members`, given every channel;
    /// `person` and `team` name people and teams.
    pub fn of(
        o: &Orchestration,
        members: &[Automation],
        channels: &[Channel],
        person: impl Fn(i64) -> Option<String>,
        team: impl Fn(i64) -> Option<String>,
    ) -> Self {
        let concerned = Concerned::of_orchestration(o);
        let steps = (0..LEVELS.len() as i32)
            .map(|level| {
                let (reached, whom) = concerned.recipients(channels, level);
                let who = match level {
                    0 if whom == "the owner" => concerned.owner.and_then(&person),
                    0 => concerned.team.and_then(&team),
                    1 => concerned.backup.and_then(&person),
                    _ => concerned.team.and_then(&team),
                };
                AlertStep {
                    whom: whom.to_owned(),
                    who,
                    channels: reached.iter().map(|c| c.name.clone()).collect(),
                }
            })
            .collect();
        let unheard = if members.is_empty() {
            Vec::new()
        } else {
            members
                .iter()
                .filter(|a| Concerned::of(a, Some(o)).reach_nobody(channels))
                .map(|a| a.fields.name.clone())
                .collect()
        };
        AlertPlan { steps, unheard }
    }

    /// Whether a failure of the orchestration itself would reach nobody.
    pub fn reaches_nobody(&self) -> bool {
        self.steps.iter().all(|s| s.channels.is_empty())
    }
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
    /// What its alerts did: who was really told.
    #[serde(default)]
    pub told: Told,
}

/// What an incident's alerts of its trouble (recovery notices aside) did,
/// as it happened: the facts behind "who was told".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Told {
    /// Alerts that reached their channel.
    pub sent: i64,
    /// The first channel reached, and when.
    pub first: Option<(String, DateTime<Utc>)>,
    /// Alerts queued or being retried.
    pub sending: i64,
    /// Alerts held while an upstream incident is open.
    pub held: i64,
    /// Alerts every try of which failed.
    pub failed: i64,
}

/// Who was told, in one word: what a badge shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToldState {
    /// At least one channel was reached.
    Told,
    /// Nobody yet: alerts are on their way.
    Sending,
    /// Nobody yet, on purpose: held for an upstream incident.
    Held,
    /// Nobody: no one concerned has a channel.
    NoChannel,
    /// Nobody: every alert failed.
    AllFailed,
}

impl ToldState {
    /// Whether nobody was told and nothing is on its way: the red state.
    pub fn is_nobody(self) -> bool {
        matches!(self, ToldState::NoChannel | ToldState::AllFailed)
    }
}

impl Told {
    pub fn state(&self) -> ToldState {
        if self.sent > 0 {
            ToldState::Told
        } else if self.sending > 0 {
            ToldState::Sending
        } else if self.held > 0 {
            ToldState::Held
        } else if self.failed > 0 {
            ToldState::AllFailed
        } else {
            ToldState::NoChannel
        }
    }

    /// Who was told, in a sentence: "Told Ops on-call at 13:22 UTC and 1
    /// more channel.", "Nobody was told: …".
    pub fn summary(&self) -> String {
        let failed = match self.failed {
            0 => String::new(),
            1 => " 1 alert failed.".to_owned(),
            n => format!(" {n} alerts failed."),
        };
        match self.state() {
            ToldState::Told => {
                let (channel, at) = self.first.clone().unwrap_or_default();
                let more = match self.sent - 1 {
                    n if n <= 0 => String::new(),
                    1 => " and 1 more channel".to_owned(),
                    n => format!(" and {n} more channels"),
                };
                format!(
                    "Told “{channel}” at {}{more}.{failed}",
                    at.format("%Y-%m-%d %H:%M UTC")
                )
            }
            ToldState::Sending if self.sending == 1 => {
                format!("Nobody yet: an alert is on its way (queued or being retried).{failed}")
            }
            ToldState::Sending => format!(
                "Nobody yet: {} alerts are on their way (queued or being retried).{failed}",
                self.sending
            ),
            ToldState::Held => {
                "Nobody yet, on purpose: the alerts are held while an upstream incident is open."
                    .to_owned()
            }
            ToldState::NoChannel => {
                "Nobody was told: neither the owner, the backup owner nor the team has an alert channel."
                    .to_owned()
            }
            ToldState::AllFailed if self.failed == 1 => {
                "Nobody was told: the alert failed after every try.".to_owned()
            }
            ToldState::AllFailed => format!(
                "Nobody was told: all {} alerts failed after every try.",
                self.failed
            ),
        }
    }

    /// What to do when nobody was told; `None` otherwise.
    pub fn remedy(&self) -> Option<&'static str> {
        match self.state() {
            ToldState::NoChannel => Some(
                "Add an alert channel: the owner adds their own under Account, an administrator adds the team's under Admin → Channels. Then send it a test.",
            ),
            ToldState::AllFailed => Some(
                "Each alert below says what its channel answered. Check the channel's address and send it a test under Account (or Admin → Channels for a team's).",
            ),
            _ => None,
        }
    }

    /// A few words for a table cell: "Ops on-call", "nobody: no channel".
    pub fn short(&self) -> String {
        match self.state() {
            ToldState::Told => {
                let (channel, _) = self.first.clone().unwrap_or_default();
                match self.sent - 1 {
                    n if n <= 0 => channel,
                    n => format!("{channel} +{n}"),
                }
            }
            ToldState::Sending => "on its way".to_owned(),
            ToldState::Held => "held".to_owned(),
            ToldState::NoChannel => "nobody: no channel".to_owned(),
            ToldState::AllFailed => "nobody: alerts failed".to_owned(),
        }
    }
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
    /// `opened`, `joined` (a failed run), `missed`, `too_long`, `held`,
    /// `released`, `escalated`, `acknowledged`, `resolved`, `no_channel`.
    pub kind: String,
    pub detail: String,
    pub actor: Option<String>,
}

/// The trouble a run that joined an open incident had: `failed`, `missed`
/// or `too_long`; `None` for other events. Events written before missed
/// runs had a kind of their own say so in their words.
pub fn trouble_of(event: &IncidentEvent) -> Option<&'static str> {
    match event.kind.as_str() {
        "missed" => Some("missed"),
        "too_long" => Some("too_long"),
        "joined" if event.detail.contains(" missed the run due at ") => Some("missed"),
        "joined" => Some("failed"),
        _ => None,
    }
}

/// A line of an incident's timeline as people read it: runs with the
/// same trouble, one after another, are one line.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineLine {
    pub at: DateTime<Utc>,
    /// When the last of the runs it stands for was taken in (collapsed
    /// lines only).
    pub until: Option<DateTime<Utc>>,
    /// The event's kind; for runs, their trouble (`failed`, `missed`,
    /// `too_long`).
    pub kind: String,
    /// How many runs it stands for (1 for every other event).
    pub count: usize,
    /// The event's words; for collapsed runs, the last run's.
    pub detail: String,
    pub actor: Option<String>,
}

impl TimelineLine {
    /// What happened, in a few words: "Opened", "Missed again",
    /// "Missed 6 more runs".
    pub fn label(&self) -> String {
        match (self.kind.as_str(), self.count) {
            ("failed", 1) => "Failed again".to_owned(),
            ("failed", n) => format!("Failed {n} more times"),
            ("missed", 1) => "Missed again".to_owned(),
            ("missed", n) => format!("Missed {n} more runs"),
            ("too_long", 1) => "Ran long again".to_owned(),
            ("too_long", n) => format!("Ran long {n} more times"),
            ("opened", _) => "Opened".to_owned(),
            ("alerted", _) => "Alerted".to_owned(),
            ("held", _) => "Held".to_owned(),
            ("released", _) => "Released".to_owned(),
            ("escalated", _) => "Escalated".to_owned(),
            ("acknowledged", _) => "Acknowledged".to_owned(),
            ("resolved", _) => "Resolved".to_owned(),
            ("reopened", _) => "Reopened".to_owned(),
            ("no_channel", _) => "Nobody told".to_owned(),
            _ => "Note".to_owned(),
        }
    }
}

/// An incident's events as lines people read: consecutive runs with the
/// same trouble collapse into one ("Missed 6 more runs, 13:22–13:27"), so
/// an automation missing a run a minute does not bury what was done about
/// it.
pub fn timeline(events: Vec<IncidentEvent>) -> Vec<TimelineLine> {
    let mut lines: Vec<TimelineLine> = Vec::new();
    for event in events {
        let trouble = trouble_of(&event);
        if let (Some(trouble), Some(last)) = (trouble, lines.last_mut())
            && last.kind == trouble
        {
            last.count += 1;
            last.until = Some(event.at);
            last.detail = event.detail;
            continue;
        }
        lines.push(TimelineLine {
            at: event.at,
            until: None,
            kind: trouble.map_or(event.kind, str::to_owned),
            count: 1,
            detail: event.detail,
            actor: event.actor,
        });
    }
    lines
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
    /// The failing runs it took in, newest first (at most
    /// [`RUNS_SHOWN`]), each with its delivery.
    #[serde(default)]
    pub runs: Vec<super::ingestion::HistoryRun>,
}

/// Failing runs an incident's page lists at most.
pub const RUNS_SHOWN: u32 = 50;

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

/// What a channel's receiver answered a test message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelTest {
    /// Whether it arrived (the receiver answered 2xx).
    pub reached: bool,
    /// The receiver's answer ("answered 204 No Content") or why nothing
    /// arrived ("could not connect to the channel's address").
    pub answer: String,
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

    fn at_minute(m: u32, kind: &str, detail: &str) -> IncidentEvent {
        IncidentEvent {
            at: DateTime::from_timestamp(1_800_000_000 + i64::from(m) * 60, 0).unwrap_or_default(),
            kind: kind.to_owned(),
            detail: detail.to_owned(),
            actor: None,
        }
    }

    #[test]
    fn repeats_collapse_and_a_missed_run_is_never_called_failed() {
        let mut events = vec![
            at_minute(0, "opened", "Backup missed the run due at 13:21."),
            at_minute(0, "alerted", "Told Ada."),
        ];
        for m in 1..=6 {
            events.push(at_minute(
                m,
                "missed",
                &format!("Backup missed the run due at 13:2{m}."),
            ));
        }
        events.push(at_minute(7, "acknowledged", "On it."));
        // Written before missed runs had a kind of their own.
        events.push(at_minute(
            8,
            "joined",
            "Backup missed the run due at 13:28.",
        ));
        events.push(at_minute(9, "joined", "Backup failed (exit 1) at 13:29."));
        events.push(at_minute(10, "joined", "Backup failed (exit 1) at 13:30."));
        let lines = timeline(events);
        let labels: Vec<String> = lines.iter().map(TimelineLine::label).collect();
        assert_eq!(
            labels,
            [
                "Opened",
                "Alerted",
                "Missed 6 more runs",
                "Acknowledged",
                "Missed again",
                "Failed 2 more times"
            ]
        );
        let missed = &lines[2];
        assert_eq!(missed.count, 6);
        assert_eq!(missed.at, at_minute(1, "", "").at);
        assert_eq!(missed.until, Some(at_minute(6, "", "").at));
        assert_eq!(missed.detail, "Backup missed the run due at 13:26.");
        assert_eq!(lines[4].until, None);
    }

    #[test]
    fn who_was_told_is_what_the_alerts_did() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let nobody = Told::default();
        assert_eq!(nobody.state(), ToldState::NoChannel);
        assert!(nobody.state().is_nobody());
        assert!(
            nobody
                .summary()
                .starts_with("Nobody was told: neither the owner")
        );
        assert!(nobody.remedy().unwrap().contains("Add an alert channel"));

        let failed = Told {
            failed: 2,
            ..Told::default()
        };
        assert_eq!(failed.state(), ToldState::AllFailed);
        assert_eq!(
            failed.summary(),
            "Nobody was told: all 2 alerts failed after every try."
        );
        assert_eq!(failed.short(), "nobody: alerts failed");

        let retrying = Told {
            sending: 1,
            failed: 1,
            ..Told::default()
        };
        assert_eq!(retrying.state(), ToldState::Sending);
        assert!(!retrying.state().is_nobody());
        assert_eq!(
            retrying.summary(),
            "Nobody yet: an alert is on its way (queued or being retried). 1 alert failed."
        );
        assert_eq!(retrying.remedy(), None);

        let held = Told {
            held: 1,
            ..Told::default()
        };
        assert_eq!(held.state(), ToldState::Held);

        let told = Told {
            sent: 3,
            first: Some(("Ops on-call".to_owned(), at)),
            failed: 1,
            ..Told::default()
        };
        assert_eq!(told.state(), ToldState::Told);
        assert_eq!(
            told.summary(),
            "Told “Ops on-call” at 2027-01-15 08:00 UTC and 2 more channels. 1 alert failed."
        );
        assert_eq!(told.short(), "Ops on-call +2");
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
            told: Told::default(),
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
