//! Moving the catalog in and out: what an inventory import found in each
//! row of a file, before and after it is written.

use serde::{Deserialize, Serialize};

/// The columns of an inventory CSV file, in the order Baton writes them.
/// `tool`, `external_id` and `name` are required; a column left out of a
/// file leaves that field as it is on automations already listed.
pub const INVENTORY_COLUMNS: [&str; 11] = [
    "tool",
    "external_id",
    "name",
    "url",
    "description",
    "owner_email",
    "team",
    "orchestration",
    "failure_mode",
    "minutes_saved_per_run",
    "runs_per_week",
];

/// What importing one row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Not listed yet: it is added.
    New,
    /// Listed, and the row changes it.
    Updated,
    /// Listed exactly as the row says.
    Unchanged,
    /// Cannot be imported; `reasons` say why. Never written.
    Error,
}

impl RowStatus {
    pub fn label(self) -> &'static str {
        match self {
            RowStatus::New => "new",
            RowStatus::Updated => "updated",
            RowStatus::Unchanged => "unchanged",
            RowStatus::Error => "error",
        }
    }
}

/// One data row of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowReport {
    /// The line of the file the row starts on (the header is line 1).
    pub row: u64,
    pub status: RowStatus,
    pub tool: String,
    pub external_id: String,
    pub name: String,
    /// With `updated`: the fields the row changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// With `error`: what is wrong, field by field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// The whole file: a count per status and every row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Whether the good rows were written (`false` for a preview).
    pub committed: bool,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: usize,
    pub rows: Vec<RowReport>,
}

impl ImportReport {
    pub fn push(&mut self, row: RowReport) {
        match row.status {
            RowStatus::New => self.new += 1,
            RowStatus::Updated => self.updated += 1,
            RowStatus::Unchanged => self.unchanged += 1,
            RowStatus::Error => self.errors += 1,
        }
        self.rows.push(row);
    }

    /// Rows that would be (or were) written.
    pub fn writes(&self) -> usize {
        self.new + self.updated
    }
}

/// The name in a catalog document's `format` field.
pub const CATALOG_FORMAT: &str = "baton-catalog";
pub const CATALOG_VERSION: u32 = 1;

/// The whole catalog as one JSON document, with people, teams and
/// orchestrations named by email and slug rather than by id, so it can be
/// imported into another Baton.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogDocument {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub teams: Vec<TeamEntry>,
    #[serde(default)]
    pub people: Vec<PersonEntry>,
    #[serde(default)]
    pub orchestrations: Vec<OrchestrationEntry>,
    #[serde(default)]
    pub automations: Vec<AutomationEntry>,
    #[serde(default)]
    pub dependencies: Vec<DependencyEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamEntry {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonEntry {
    pub email: String,
    pub display_name: String,
    pub role: crate::model::accounts::Role,
}

/// An orchestration, its people by email and its team by slug.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrchestrationEntry {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub purpose: String,
    pub owner: Option<String>,
    pub backup_owner: Option<String>,
    pub team: Option<String>,
    #[serde(default)]
    pub inputs: String,
    #[serde(default)]
    pub outputs: String,
    #[serde(default)]
    pub failure_mode: String,
    #[serde(default)]
    pub fallback: String,
    pub tier: Option<i32>,
    #[serde(default)]
    pub lifecycle: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub links: Vec<crate::model::catalog::Link>,
    pub minutes_saved_per_run: Option<f64>,
    pub expected_runs_per_week: Option<f64>,
    pub success_rate_target: Option<f64>,
}

/// An automation, its owner by email, its team and orchestration by slug.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutomationEntry {
    pub tool: String,
    pub external_id: String,
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub description: String,
    pub owner: Option<String>,
    pub team: Option<String>,
    pub orchestration: Option<String>,
    #[serde(default)]
    pub failure_mode: String,
    pub minutes_saved_per_run: Option<f64>,
    pub runs_per_week: Option<f64>,
}

/// One end of a dependency by its natural key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKey {
    /// By slug.
    Orchestration(String),
    /// By tool and external id.
    Automation { tool: String, external_id: String },
}

impl std::fmt::Display for NodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NodeKey::Orchestration(slug) => write!(f, "the orchestration {slug:?}"),
            NodeKey::Automation { tool, external_id } => {
                write!(f, "the automation {tool} {external_id:?}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyEntry {
    pub upstream: NodeKey,
    pub downstream: NodeKey,
    #[serde(default)]
    pub note: String,
}

/// What a catalog import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogImportCounts {
    pub teams: usize,
    pub people: usize,
    pub orchestrations: usize,
    pub automations: usize,
    pub dependencies: usize,
}

/// Where monitors are moved over from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MonitorOrigin {
    /// A Healthchecks API v3 checks listing (`GET /api/v3/checks/`).
    Healthchecks,
    /// Cronitor's monitors listing (`GET /api/monitors`).
    Cronitor,
    /// An Uptime Kuma backup (*Settings → Backup → Export*).
    UptimeKuma,
}

impl MonitorOrigin {
    pub const ALL: [MonitorOrigin; 3] = [
        MonitorOrigin::Healthchecks,
        MonitorOrigin::Cronitor,
        MonitorOrigin::UptimeKuma,
    ];

    /// As written on the command line and in external ids.
    pub fn as_str(self) -> &'static str {
        match self {
            MonitorOrigin::Healthchecks => "healthchecks",
            MonitorOrigin::Cronitor => "cronitor",
            MonitorOrigin::UptimeKuma => "uptime-kuma",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MonitorOrigin::Healthchecks => "Healthchecks",
            MonitorOrigin::Cronitor => "Cronitor",
            MonitorOrigin::UptimeKuma => "Uptime Kuma",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text.trim())
    }
}

/// What moving one monitor over does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorEntry {
    /// Its place in the file's list, from 1.
    pub position: usize,
    pub status: RowStatus,
    pub name: String,
    /// The automation's external id: `<origin>:<the monitor's id>`.
    pub external_id: String,
    /// How its schedule reads in Baton, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// With `updated`: the fields that change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// With `error`: why it is refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// What was adapted to fit Baton.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The URL its job called until now, when the file says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_url: Option<String>,
    /// The URL to call instead (known once its automation exists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_url: Option<String>,
}

/// Every monitor of a file, and a count per status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorReport {
    pub origin: MonitorOrigin,
    /// Whether the good entries were written (`false` for a preview).
    pub committed: bool,
    pub new: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub refused: usize,
    pub entries: Vec<MonitorEntry>,
}

impl MonitorReport {
    pub fn new(origin: MonitorOrigin) -> Self {
        Self {
            origin,
            committed: false,
            new: 0,
            updated: 0,
            unchanged: 0,
            refused: 0,
            entries: Vec::new(),
        }
    }

    pub fn push(&mut self, entry: MonitorEntry) {
        match entry.status {
            RowStatus::New => self.new += 1,
            RowStatus::Updated => self.updated += 1,
            RowStatus::Unchanged => self.unchanged += 1,
            RowStatus::Error => self.refused += 1,
        }
        self.entries.push(entry);
    }
}
