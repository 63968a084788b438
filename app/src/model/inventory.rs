//! The automation inventory: every running thing in every tool, who owns
//! it, and what happens if it fails silently.

use serde::{Deserialize, Serialize};

use super::catalog::{MAX_NAME, MAX_TEXT, check_figure, check_length, is_http_url};
use super::errors::FieldErrors;

const MAX_EXTERNAL_ID: usize = 200;

/// The tool an automation runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    GithubActions,
    GitlabCi,
    Jenkins,
    Zapier,
    N8n,
    Make,
    Airflow,
    Cron,
    Other,
}

impl Tool {
    pub const ALL: [Tool; 9] = [
        Tool::GithubActions,
        Tool::GitlabCi,
        Tool::Jenkins,
        Tool::Zapier,
        Tool::N8n,
        Tool::Make,
        Tool::Airflow,
        Tool::Cron,
        Tool::Other,
    ];

    /// The name used in URLs, JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::GithubActions => "github_actions",
            Tool::GitlabCi => "gitlab_ci",
            Tool::Jenkins => "jenkins",
            Tool::Zapier => "zapier",
            Tool::N8n => "n8n",
            Tool::Make => "make",
            Tool::Airflow => "airflow",
            Tool::Cron => "cron",
            Tool::Other => "other",
        }
    }

    /// The name people know it by.
    pub fn label(self) -> &'static str {
        match self {
            Tool::GithubActions => "GitHub Actions",
            Tool::GitlabCi => "GitLab CI",
            Tool::Jenkins => "Jenkins",
            Tool::Zapier => "Zapier",
            Tool::N8n => "n8n",
            Tool::Make => "Make",
            Tool::Airflow => "Airflow",
            Tool::Cron => "cron",
            Tool::Other => "Other",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

impl TryFrom<String> for Tool {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Tool::parse(&text).ok_or_else(|| format!("unknown tool {text:?}"))
    }
}

/// An automation as stored: its fields, and what the store keeps about
/// them. In JSON the fields sit beside `id` and `version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Automation {
    pub id: i64,
    #[serde(flatten)]
    pub fields: AutomationFields,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl Automation {
    /// Belongs to no orchestration.
    pub fn is_loose(&self) -> bool {
        self.fields.orchestration_id.is_none()
    }

    pub fn is_unowned(&self) -> bool {
        self.fields.owner_id.is_none()
    }

    pub fn lacks_failure_mode(&self) -> bool {
        self.fields.failure_mode.trim().is_empty()
    }
}

/// What a person submits to add or change an automation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutomationDraft {
    pub tool: String,
    pub external_id: String,
    pub url: String,
    pub name: String,
    pub description: String,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub failure_mode: String,
    pub orchestration_id: Option<i64>,
    pub minutes_saved_per_run: Option<f64>,
    pub runs_per_week: Option<f64>,
}

/// An automation's fields once validated and trimmed: what is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutomationFields {
    pub tool: Tool,
    pub external_id: String,
    pub url: String,
    pub name: String,
    pub description: String,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub failure_mode: String,
    pub orchestration_id: Option<i64>,
    pub minutes_saved_per_run: Option<f64>,
    pub runs_per_week: Option<f64>,
}

impl AutomationDraft {
    /// Checks every field and reports every problem at once. References
    /// (owner, team, orchestration) are checked by the server.
    pub fn validate(self) -> Result<AutomationFields, FieldErrors> {
        let mut errors = FieldErrors::default();
        let tool = Tool::parse(self.tool.trim());
        if tool.is_none() {
            let names: Vec<&str> = Tool::ALL.iter().map(|t| t.as_str()).collect();
            errors.add("tool", format!("the tool is one of {}", names.join(", ")));
        }
        let external_id = self.external_id.trim().to_owned();
        if external_id.is_empty() {
            errors.add(
                "external_id",
                "give the tool's own id for it (workflow path, Zap id, job name…)",
            );
        }
        check_length(&mut errors, "external_id", &external_id, MAX_EXTERNAL_ID);
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errors.add("name", "give the automation a name");
        }
        check_length(&mut errors, "name", &name, MAX_NAME);
        let url = self.url.trim().to_owned();
        if !url.is_empty() && !is_http_url(&url) {
            errors.add("url", "give an http(s) address, or leave it empty");
        }
        check_length(&mut errors, "description", &self.description, MAX_TEXT);
        check_length(&mut errors, "failure_mode", &self.failure_mode, MAX_TEXT);
        check_figure(
            &mut errors,
            "minutes_saved_per_run",
            self.minutes_saved_per_run,
        );
        check_figure(&mut errors, "runs_per_week", self.runs_per_week);
        let Some(tool) = tool else {
            return Err(errors);
        };
        errors.into_result(AutomationFields {
            tool,
            external_id,
            url,
            name,
            description: self.description.trim().to_owned(),
            owner_id: self.owner_id,
            team_id: self.team_id,
            failure_mode: self.failure_mode.trim().to_owned(),
            orchestration_id: self.orchestration_id,
            minutes_saved_per_run: self.minutes_saved_per_run,
            runs_per_week: self.runs_per_week,
        })
    }
}

/// The orders the inventory can be listed in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InventorySort {
    /// By name, A to Z.
    #[default]
    Name,
    /// By tool, then name.
    Tool,
    /// The most recently changed first.
    Updated,
}

impl InventorySort {
    pub const ALL: [InventorySort; 3] = [
        InventorySort::Name,
        InventorySort::Tool,
        InventorySort::Updated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InventorySort::Name => "name",
            InventorySort::Tool => "tool",
            InventorySort::Updated => "updated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InventorySort::Name => "Name",
            InventorySort::Tool => "Tool",
            InventorySort::Updated => "Recently changed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Which automations to list, and in which order. Empty fields do not
/// filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InventoryFilter {
    /// Words found in the name, external id, description, failure mode,
    /// the tool's name or the owner's name or email.
    pub q: Option<String>,
    pub tool: Option<Tool>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub orchestration_id: Option<i64>,
    /// Only those in no orchestration.
    pub loose: bool,
    /// Only those with no owner.
    pub unowned: bool,
    /// Only those with no failure mode written.
    pub no_failure_mode: bool,
    /// Only those in this health state (the screens' drill-down from the
    /// dashboard; the list is then read whole and narrowed by state).
    pub health: Option<crate::model::health::HealthState>,
    pub sort: InventorySort,
}

impl InventoryFilter {
    /// The filter and page (from 1) a screen's query string asks for;
    /// what does not parse is ignored, as a browser's address bar may hold
    /// anything.
    pub fn from_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> (Self, u32) {
        let mut filter = InventoryFilter::default();
        let mut page = 1;
        for (key, value) in pairs {
            let value = value.trim();
            let id = || value.parse::<i64>().ok();
            match key {
                "q" if !value.is_empty() => filter.q = Some(value.to_owned()),
                "tool" => filter.tool = Tool::parse(value),
                "owner" => filter.owner_id = id(),
                "team" => filter.team_id = id(),
                "orchestration" => filter.orchestration_id = id(),
                "loose" => filter.loose = value == "1" || value == "on" || value == "true",
                "unowned" => filter.unowned = value == "1" || value == "on" || value == "true",
                "no_failure_mode" => {
                    filter.no_failure_mode = value == "1" || value == "on" || value == "true";
                }
                "health" => filter.health = crate::model::health::HealthState::parse(value),
                "sort" => filter.sort = InventorySort::parse(value).unwrap_or_default(),
                "page" => page = value.parse::<u32>().ok().filter(|p| *p >= 1).unwrap_or(1),
                _ => {}
            }
        }
        (filter, page)
    }

    /// The query string (without `?`) that asks for this filter and page.
    pub fn to_query(&self, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(q) = &self.q {
            pairs.push(("q", q.clone()));
        }
        if let Some(tool) = self.tool {
            pairs.push(("tool", tool.as_str().to_owned()));
        }
        for (key, id) in [
            ("owner", self.owner_id),
            ("team", self.team_id),
            ("orchestration", self.orchestration_id),
        ] {
            if let Some(id) = id {
                pairs.push((key, id.to_string()));
            }
        }
        for (key, on) in [
            ("loose", self.loose),
            ("unowned", self.unowned),
            ("no_failure_mode", self.no_failure_mode),
        ] {
            if on {
                pairs.push((key, "1".to_owned()));
            }
        }
        if let Some(state) = self.health {
            pairs.push(("health", state.as_str().to_owned()));
        }
        if self.sort != InventorySort::Name {
            pairs.push(("sort", self.sort.as_str().to_owned()));
        }
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Whether anything narrows the list.
    pub fn is_narrowed(&self) -> bool {
        let InventoryFilter { sort: _, .. } = self;
        InventoryFilter {
            sort: InventorySort::Name,
            ..self.clone()
        } != InventoryFilter::default()
    }
}

/// Percent-encodes a query string value.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char);
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_draft_is_trimmed() {
        let valid = AutomationDraft {
            tool: "github_actions".into(),
            external_id: " acme/billing:.github/workflows/invoice.yml ".into(),
            name: " Invoice run ".into(),
            url: "https://github.com/acme/billing/actions".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(valid.tool, Tool::GithubActions);
        assert_eq!(
            valid.external_id,
            "acme/billing:.github/workflows/invoice.yml"
        );
        assert_eq!(valid.name, "Invoice run");
    }

    #[test]
    fn every_problem_is_reported() {
        let errors = AutomationDraft {
            tool: "bash".into(),
            url: "ftp://x".into(),
            runs_per_week: Some(f64::NAN),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        for field in ["tool", "external_id", "name", "url", "runs_per_week"] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
        assert!(
            errors
                .get("tool")
                .unwrap()
                .contains("github_actions, gitlab_ci")
        );
    }

    #[test]
    fn a_filter_round_trips_through_its_query_string() {
        let filter = InventoryFilter {
            q: Some("crm & co".into()),
            tool: Some(Tool::Zapier),
            owner_id: Some(3),
            loose: true,
            sort: InventorySort::Updated,
            ..Default::default()
        };
        let query = filter.to_query(2);
        assert_eq!(
            query,
            "q=crm+%26+co&tool=zapier&owner=3&loose=1&sort=updated&page=2"
        );
        let pairs = [
            ("q", "crm & co"),
            ("tool", "zapier"),
            ("owner", "3"),
            ("loose", "1"),
            ("sort", "updated"),
            ("page", "2"),
        ];
        assert_eq!(InventoryFilter::from_query(pairs), (filter, 2));
        let (junk, page) =
            InventoryFilter::from_query([("tool", "bash"), ("page", "0"), ("owner", "x")]);
        assert_eq!((junk, page), (InventoryFilter::default(), 1));
    }

    #[test]
    fn tools_round_trip_through_their_names() {
        for tool in Tool::ALL {
            assert_eq!(Tool::parse(tool.as_str()), Some(tool));
            assert_eq!(
                serde_json::to_string(&tool).unwrap(),
                format!("\"{}\"", tool.as_str())
            );
        }
    }
}
