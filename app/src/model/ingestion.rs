//! What tools report and what Baton keeps of it: sources, runs, and the
//! delivery log as the Deliveries screen shows it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which tool a source takes deliveries from: pings (Healthchecks,
/// Cronitor, Uptime Kuma conventions) or one CI tool's webhooks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceTool {
    #[default]
    Ping,
    Github,
    Gitlab,
    Jenkins,
    /// Signed JSON in Baton's own documented body (Standard Webhooks).
    Generic,
}

impl SourceTool {
    pub const ALL: [SourceTool; 5] = [
        SourceTool::Ping,
        SourceTool::Github,
        SourceTool::Gitlab,
        SourceTool::Jenkins,
        SourceTool::Generic,
    ];

    /// The name in URLs (`/hooks/<tool>/…`), JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceTool::Ping => "ping",
            SourceTool::Github => "github",
            SourceTool::Gitlab => "gitlab",
            SourceTool::Jenkins => "jenkins",
            SourceTool::Generic => "generic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SourceTool::Ping => "Pings (cron, Healthchecks, Cronitor, Uptime Kuma)",
            SourceTool::Github => "GitHub webhooks",
            SourceTool::Gitlab => "GitLab webhooks",
            SourceTool::Jenkins => "Jenkins (Notification plugin)",
            SourceTool::Generic => "Generic JSON (signed, Standard Webhooks)",
        }
    }

    /// Whether its deliveries are signed with a secret Baton keeps.
    pub fn signs(self) -> bool {
        matches!(
            self,
            SourceTool::Github | SourceTool::Gitlab | SourceTool::Generic
        )
    }

    /// Whether it takes webhooks at `/hooks/<tool>/<key>`.
    pub fn takes_hooks(self) -> bool {
        self != SourceTool::Ping
    }
}

impl std::str::FromStr for SourceTool {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SourceTool::ALL
            .into_iter()
            .find(|tool| tool.as_str() == s)
            .ok_or_else(|| {
                format!("unknown source tool {s:?}: ping, github, gitlab, jenkins or generic")
            })
    }
}

impl TryFrom<String> for SourceTool {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// An ingestion endpoint owned by a team, with its own key: the ping URLs
/// by slug (`/ping/<source-key>/<slug>`), Cronitor's telemetry and, for a
/// CI tool's source, its webhook URL (`/hooks/<tool>/<source-key>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub team_id: i64,
    #[serde(default)]
    pub tool: SourceTool,
    pub created_at: DateTime<Utc>,
    /// Webhooks refused for a missing or wrong signature (only counted).
    #[serde(default)]
    pub rejected_count: i64,
    #[serde(default)]
    pub last_rejected_at: Option<DateTime<Utc>>,
}

/// A source with its current key, secret and ready-to-paste URLs (for
/// admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceDetails {
    #[serde(flatten)]
    pub source: Source,
    pub key: String,
    /// The secret its tool signs deliveries with (GitHub, GitLab, generic).
    pub secret: Option<String>,
    pub urls: SourceUrls,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceUrls {
    /// `…/ping/<key>/<slug>`: a success for the automation with that slug.
    pub by_slug: String,
    /// The same, creating the automation in the claim queue when unknown.
    pub auto_create: String,
    /// Cronitor's telemetry URL for a monitor.
    pub cronitor: String,
    /// `…/hooks/<tool>/<key>`: the URL to paste into the tool's webhook
    /// settings (CI tools' sources only).
    pub hook: Option<String>,
}

impl SourceUrls {
    pub fn new(public_url: &str, tool: SourceTool, key: &str) -> Self {
        Self {
            by_slug: format!("{public_url}/ping/{key}/<slug>"),
            auto_create: format!("{public_url}/ping/{key}/<slug>?create=1"),
            cronitor: format!("{public_url}/p/{key}/<monitor>?state=run"),
            hook: tool
                .takes_hooks()
                .then(|| format!("{public_url}/hooks/{}/{key}", tool.as_str())),
        }
    }
}

/// What a person submits to add a source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SourceDraft {
    pub name: String,
    /// Derived from the name when empty.
    pub slug: String,
    pub team_id: Option<i64>,
    pub tool: SourceTool,
    /// A signing secret already set in the tool (a GitHub App's, say);
    /// Baton makes one when it is not given.
    pub secret: Option<String>,
}

/// An automation a ping created, waiting for an owner to claim it into an
/// orchestration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimItem {
    pub automation_id: i64,
    pub name: String,
    pub tool: String,
    pub source_id: Option<i64>,
    pub slug: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Started,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
    /// The tool decided not to run it (a skipped workflow, a build not
    /// built): neither a success nor a failure.
    Skipped,
    Missed,
}

impl RunStatus {
    pub const ALL: [RunStatus; 7] = [
        RunStatus::Started,
        RunStatus::Succeeded,
        RunStatus::Failed,
        RunStatus::Cancelled,
        RunStatus::TimedOut,
        RunStatus::Skipped,
        RunStatus::Missed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Started => "started",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::TimedOut => "timed_out",
            RunStatus::Skipped => "skipped",
            RunStatus::Missed => "missed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RunStatus::Started => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::TimedOut => "timed out",
            RunStatus::Skipped => "skipped",
            RunStatus::Missed => "missed",
        }
    }
}

impl std::str::FromStr for RunStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RunStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("unknown run status {s:?}"))
    }
}

/// A job of a run a CI tool reported (a GitHub workflow job, a GitLab
/// job). Jobs never set their run's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: i64,
    /// The tool's id of the job within its run.
    pub job_key: String,
    pub name: String,
    pub status: RunStatus,
    /// The tool's own time of that status.
    pub status_at: DateTime<Utc>,
}

/// One execution of an automation, however many events told of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub id: i64,
    pub automation_id: i64,
    /// The tool's run id (`rid`, Cronitor's `series`), when it sent one.
    pub rid: Option<String>,
    pub status: RunStatus,
    /// When it began as far as Baton knows: its start, or its end when no
    /// start was reported.
    pub at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub exit_status: Option<i32>,
    /// What the tool sent along (a ping's body, a message), truncated at
    /// the ping body limit. Kept as [`crate::model::received`] says; sent
    /// with bytes that were not text marked `�` (the exact bytes:
    /// `/api/v1/runs/{id}/log`).
    #[serde(serialize_with = "crate::model::received::serialize_readable")]
    pub log: String,
    /// Where the tool shows this run (a CI tool's run page).
    #[serde(default)]
    pub url: Option<String>,
    /// Its jobs, as its tool reported them (CI tools' runs).
    #[serde(default)]
    pub jobs: Vec<Job>,
    /// Longer or shorter than its schedule allows.
    #[serde(default)]
    pub flag: Option<RunFlag>,
}

/// What an orchestration's run history is narrowed to (the page's
/// address keeps it: `automation`, `outcome`, `page`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunFilter {
    pub automation_id: Option<i64>,
    pub status: Option<RunStatus>,
}

/// A run in a history that spans several automations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRun {
    pub run: Run,
    pub automation_name: String,
    /// The newest delivery that told of it (none for a missed run, or
    /// when the delivery is past its retention).
    pub delivery_id: Option<i64>,
}

/// A page of an orchestration's runs, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunHistory {
    pub runs: Vec<HistoryRun>,
    /// How many match the filter.
    pub total: u64,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

/// Runs a page of an orchestration's history shows.
pub const HISTORY_PER_PAGE: u32 = 25;

/// What is wrong with a run's duration, by its schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunFlag {
    /// It took (or has been going) longer than the longest a run may take.
    TooLong,
    /// It ended sooner than the shortest a run may take.
    TooShort,
}

impl RunFlag {
    pub fn as_str(self) -> &'static str {
        match self {
            RunFlag::TooLong => "too_long",
            RunFlag::TooShort => "too_short",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RunFlag::TooLong => "too long",
            RunFlag::TooShort => "too short",
        }
    }
}

impl std::str::FromStr for RunFlag {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [RunFlag::TooLong, RunFlag::TooShort]
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown run flag {s:?}"))
    }
}

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// Kept; its run is being written.
    Pending,
    /// Turned into (part of) a run.
    Recorded,
    /// The same delivery id came before: kept, counted once.
    Duplicate,
    /// Nothing to record (an event Baton does not map).
    Ignored,
    /// Refused (unknown key, bad input, too large): no run written.
    Rejected,
    /// Could not be turned into a run; the detail says why.
    Failed,
}

impl DeliveryOutcome {
    pub const ALL: [DeliveryOutcome; 6] = [
        DeliveryOutcome::Pending,
        DeliveryOutcome::Recorded,
        DeliveryOutcome::Duplicate,
        DeliveryOutcome::Ignored,
        DeliveryOutcome::Rejected,
        DeliveryOutcome::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Pending => "pending",
            DeliveryOutcome::Recorded => "recorded",
            DeliveryOutcome::Duplicate => "duplicate",
            DeliveryOutcome::Ignored => "ignored",
            DeliveryOutcome::Rejected => "rejected",
            DeliveryOutcome::Failed => "failed",
        }
    }
}

impl std::str::FromStr for DeliveryOutcome {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeliveryOutcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == s)
            .ok_or_else(|| format!("unknown delivery outcome {s:?}"))
    }
}

impl TryFrom<String> for DeliveryOutcome {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

/// A line of the Deliveries screen: the request without its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySummary {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    /// Which URL family took it: `ping`, `ping_slug`, `cronitor`, `uptime_kuma`.
    pub endpoint: String,
    pub source_id: Option<i64>,
    pub automation_id: Option<i64>,
    pub method: String,
    /// Path and query, keys masked unless the reader is an admin.
    pub uri: String,
    pub body_size: i64,
    pub remote_addr: Option<String>,
    pub outcome: DeliveryOutcome,
    pub outcome_detail: Option<String>,
    pub run_id: Option<i64>,
    pub duplicate_of: Option<i64>,
}

/// A delivery with what it carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryDetails {
    #[serde(flatten)]
    pub summary: DeliverySummary,
    pub headers: Vec<(String, String)>,
    /// The body as text (bytes that are not UTF-8 shown as U+FFFD); for a
    /// rejected request, or a ping over the delivery cap, only its first
    /// bytes were kept. `GET /api/v1/deliveries/{id}/body` gives the bytes.
    pub body: String,
    /// How many bytes of the body were kept (`body_size` is how many were
    /// sent).
    pub body_kept: i64,
    pub processed_at: Option<DateTime<Utc>>,
}

/// A page of the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPage {
    pub deliveries: Vec<DeliverySummary>,
    /// How many match the filter.
    pub total: u64,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
}

/// What the Deliveries screen and `/api/v1/deliveries` narrow the log to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliveryFilter {
    pub source_id: Option<i64>,
    pub automation_id: Option<i64>,
    pub outcome: Option<DeliveryOutcome>,
    /// Received at or after.
    pub since: Option<DateTime<Utc>>,
    /// Received before.
    pub until: Option<DateTime<Utc>>,
}

/// Hides all but the first characters of the key in an ingestion URL's
/// path, for people who may see the log but not use the keys, and for the
/// request log. The key is the first non-empty segment after the family's
/// prefix (after the tool's name for `/hooks/`), so empty segments
/// (`/ping//<key>`) hide nothing.
pub fn mask_keys(uri: &str) -> String {
    let (path, query) = uri
        .split_once('?')
        .map_or((uri, None), |(p, q)| (p, Some(q)));
    let mut parts: Vec<String> = path.split('/').map(str::to_owned).collect();
    let segment = |i: usize| parts.get(i).map(String::as_str);
    let key_from = match segment(1) {
        Some("ping" | "p") => Some(2),
        Some("hooks") => {
            let named_tool = parts
                .iter()
                .skip(2)
                .find(|s| !s.is_empty())
                .is_some_and(|s| SourceTool::ALL.iter().any(|t| t.as_str() == s));
            // The key comes after the tool's name; without one, the first
            // segment may be the key itself.
            Some(if named_tool {
                parts
                    .iter()
                    .skip(2)
                    .position(|s| !s.is_empty())
                    .map_or(2, |p| p + 3)
            } else {
                2
            })
        }
        Some("api") if segment(2) == Some("push") => Some(3),
        _ => None,
    };
    let key_at = key_from.and_then(|from| {
        parts
            .iter()
            .skip(from)
            .position(|s| !s.is_empty())
            .map(|p| p + from)
    });
    if let Some(key) = key_at.and_then(|i| parts.get_mut(i)) {
        let shown: String = key.chars().take(4).collect();
        *key = format!("{shown}…");
    }
    let path = parts.join("/");
    match query {
        Some(q) => format!("{path}?{q}"),
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_masked_in_every_url_family() {
        assert_eq!(
            mask_keys("/ping/0123456789abcdef/start?rid=1"),
            "/ping/0123…/start?rid=1"
        );
        assert_eq!(
            mask_keys("/p/abcdef/nightly?state=run"),
            "/p/abcd…/nightly?state=run"
        );
        assert_eq!(
            mask_keys("/api/push/abcdef?status=up"),
            "/api/push/abcd…?status=up"
        );
        assert_eq!(
            mask_keys("/hooks/github/0123456789abcdef"),
            "/hooks/github/0123…"
        );
        assert_eq!(mask_keys("/hooks/other"), "/hooks/othe…");
        assert_eq!(mask_keys("/hooks/0123456789abcdef"), "/hooks/0123…");
        assert_eq!(
            mask_keys("/hooks//github//0123456789abcdef"),
            "/hooks//github//0123…"
        );
        assert_eq!(
            mask_keys("/ping//0123456789abcdef/nightly"),
            "/ping//0123…/nightly"
        );
        assert_eq!(mask_keys("/ping/"), "/ping/");
        assert_eq!(mask_keys("/orchestrations/ping"), "/orchestrations/ping");
    }

    #[test]
    fn statuses_and_outcomes_read_back_what_they_write() {
        for status in RunStatus::ALL {
            assert_eq!(status.as_str().parse::<RunStatus>(), Ok(status));
        }
        for outcome in DeliveryOutcome::ALL {
            assert_eq!(outcome.as_str().parse::<DeliveryOutcome>(), Ok(outcome));
        }
        assert!("processed".parse::<DeliveryOutcome>().is_err());
    }
}
