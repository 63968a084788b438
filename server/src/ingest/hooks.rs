//! What a CI tool's webhook says, read from its verified body: the run it
//! reports (or a job of a run), under which automation, with which status
//! and at what time of its own; or that Baton does not map it.
//!
//! One execution is one run (PRODUCT.md, "Run identity"): a GitHub
//! `workflow_run` is the run and its `workflow_job`s its jobs; GitHub
//! Actions' own `check_suite`/`check_run` events describe the same execution
//! and make nothing; a deployment is a run of its environment's deployment
//! automation; a GitLab pipeline is a run and its jobs are jobs; a Jenkins
//! build is a run. Each real delivery in `tests/fixtures/webhooks` maps as
//! its `manifest.json` says (tested below).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

use super::limits;

/// The tools whose webhooks Baton takes, by their `/hooks/<tool>/` path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Github,
    Gitlab,
    Jenkins,
    Generic,
}

impl Tool {
    pub const ALL: [Tool; 4] = [Tool::Github, Tool::Gitlab, Tool::Jenkins, Tool::Generic];

    pub fn parse(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == segment)
    }

    /// The kind of source that takes this tool's webhooks.
    pub fn source_tool(self) -> app::model::ingestion::SourceTool {
        use app::model::ingestion::SourceTool;
        match self {
            Tool::Github => SourceTool::Github,
            Tool::Gitlab => SourceTool::Gitlab,
            Tool::Jenkins => SourceTool::Jenkins,
            Tool::Generic => SourceTool::Generic,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Github => "github",
            Tool::Gitlab => "gitlab",
            Tool::Jenkins => "jenkins",
            Tool::Generic => "generic",
        }
    }
}

/// A run's or a job's status as a tool reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStatus {
    Started,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
    Skipped,
}

impl HookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HookStatus::Started => "started",
            HookStatus::Succeeded => "succeeded",
            HookStatus::Failed => "failed",
            HookStatus::Cancelled => "cancelled",
            HookStatus::TimedOut => "timed_out",
            HookStatus::Skipped => "skipped",
        }
    }

    pub fn is_finished(self) -> bool {
        self != HookStatus::Started
    }

    /// The generic body's names are Baton's own.
    fn parse(text: &str) -> Option<Self> {
        [
            HookStatus::Started,
            HookStatus::Succeeded,
            HookStatus::Failed,
            HookStatus::Cancelled,
            HookStatus::TimedOut,
            HookStatus::Skipped,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A run reported by a webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// The run's identity in its tool (its parts, as the tool gives them).
    pub key: Vec<Value>,
    /// The automation it is a run of, by the tool's own identity; `None`
    /// when the tool names none (a third-party check suite).
    pub automation: Option<Vec<Value>>,
    /// A readable name for a new automation.
    pub name: String,
    pub status: HookStatus,
    /// The event's own time, when the tool gives one.
    pub at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub url: Option<String>,
    pub message: Option<String>,
}

/// A job of a run reported by a webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct JobReport {
    /// The key of the run it belongs to.
    pub run_key: Vec<Value>,
    pub job_id: Value,
    pub name: String,
    pub status: HookStatus,
    pub at: Option<DateTime<Utc>>,
}

/// What a delivery comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Mapping {
    Run(RunReport),
    Job(JobReport),
    /// Kept, answered 200, and nothing more: why.
    Ignored(String),
}

/// Reads a delivery of `tool` (`event` from its event header). `Err`: a
/// mapped event that is malformed or lacks what identifies its run (a 400,
/// with the reason).
pub fn map(tool: Tool, event: Option<&str>, body: &[u8]) -> Result<Mapping, String> {
    let mapping = match tool {
        Tool::Github => github(event.unwrap_or_default(), body),
        Tool::Gitlab => gitlab(event, body),
        Tool::Jenkins => jenkins(&parse(body)?),
        Tool::Generic => generic(&parse(body)?),
    }?;
    Ok(tame(mapping))
}

/// Names, messages and links as Baton keeps them ([`limits`]): names
/// without control characters and cut, messages without NUL, links only
/// when they are web addresses that fit. Identifiers were checked as they
/// were read.
fn tame(mapping: Mapping) -> Mapping {
    match mapping {
        Mapping::Run(run) => Mapping::Run(RunReport {
            name: limits::name(&run.name),
            url: run.url.as_deref().and_then(limits::url),
            message: run
                .message
                .as_deref()
                .map(|m| app::model::received::keep(m.as_bytes()).into_owned()),
            ..run
        }),
        Mapping::Job(job) => Mapping::Job(JobReport {
            name: limits::name(&job.name),
            ..job
        }),
        Mapping::Ignored(why) => Mapping::Ignored(why),
    }
}

fn parse(body: &[u8]) -> Result<Value, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|err| format!("the body is not JSON: {err}"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err("the body is not a JSON object".to_owned())
    }
}

/// The value at a dotted path (`"workflow_run.id"`).
fn at_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(v, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

fn text<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    at_path(v, path).and_then(Value::as_str)
}

/// A field that identifies the run: present, a string or a number, and
/// an identifier Baton can keep ([`limits::identifier`]).
fn required(v: &Value, path: &str) -> Result<Value, String> {
    match at_path(v, path) {
        Some(found) => identity(path, found),
        None => Err(format!("{path} is missing: it identifies the run")),
    }
}

/// A field that identifies the run when present.
fn optional(v: &Value, path: &str) -> Result<Option<Value>, String> {
    at_path(v, path)
        .map(|found| identity(path, found))
        .transpose()
}

fn identity(path: &str, found: &Value) -> Result<Value, String> {
    match found {
        Value::String(text) => limits::identifier(path, text).map(|()| found.clone()),
        Value::Number(_) => Ok(found.clone()),
        _ => Err(format!("{path} is neither text nor a number")),
    }
}

/// Text that becomes part of an identifier (a check app's slug, a
/// deployment's environment).
fn identifying_text<'a>(v: &'a Value, path: &str) -> Result<Option<&'a str>, String> {
    text(v, path)
        .map(|found| limits::identifier(path, found).map(|()| found))
        .transpose()
}

/// A tool's time: RFC 3339 (GitHub), `2016-08-12 15:23:28 UTC` or
/// `2021-04-28 21:50:00 +0200` (GitLab).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S %z") {
        return Some(t.with_timezone(&Utc));
    }
    let naive = text.strip_suffix(" UTC")?;
    NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}

/// The first of `paths` that holds a readable time.
fn time(v: &Value, paths: &[&str]) -> Option<DateTime<Utc>> {
    paths.iter().find_map(|p| text(v, p).and_then(parse_time))
}

/// A value as people read it: text without its quotes, a number as is.
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn owned(v: &Value, path: &str) -> Option<String> {
    text(v, path).map(str::to_owned)
}

// ---- GitHub ----------------------------------------------------------

/// GitHub's conclusion of a finished run, job or check.
fn github_conclusion(conclusion: Option<&str>) -> Result<HookStatus, String> {
    match conclusion {
        Some("success" | "neutral") => Ok(HookStatus::Succeeded),
        Some("failure" | "startup_failure" | "action_required") => Ok(HookStatus::Failed),
        Some("cancelled") => Ok(HookStatus::Cancelled),
        Some("timed_out") => Ok(HookStatus::TimedOut),
        Some("skipped" | "stale") => Ok(HookStatus::Skipped),
        Some(other) => Err(format!("the conclusion {other:?} is not one Baton knows")),
        None => Err("a completed status comes without its conclusion".to_owned()),
    }
}

/// A status field (`queued`, `in_progress`, … or `completed`) with its
/// conclusion.
fn github_status(status: Option<&str>, conclusion: Option<&str>) -> Result<HookStatus, String> {
    match status {
        Some("completed") => github_conclusion(conclusion),
        Some("queued" | "waiting" | "in_progress" | "requested" | "pending") => {
            Ok(HookStatus::Started)
        }
        Some(other) => Err(format!("the status {other:?} is not one Baton knows")),
        None => Err("the status is missing".to_owned()),
    }
}

fn github(event: &str, body: &[u8]) -> Result<Mapping, String> {
    let mapped = [
        "workflow_run",
        "workflow_job",
        "check_suite",
        "check_run",
        "deployment_status",
    ];
    if !mapped.contains(&event) {
        let why = if event.is_empty() {
            "no X-GitHub-Event header: nothing to map".to_owned()
        } else {
            format!("Baton does not map GitHub {event:?} events")
        };
        return Ok(Mapping::Ignored(why));
    }
    let v = parse(body)?;
    let repo = required(&v, "repository.full_name")?;
    match event {
        "workflow_run" => github_workflow_run(&v, repo),
        "workflow_job" => github_workflow_job(&v, repo),
        "check_suite" | "check_run" => github_check(event, &v, repo),
        _ => github_deployment(&v, repo),
    }
}

fn github_workflow_run(v: &Value, repo: Value) -> Result<Mapping, String> {
    let run = at_path(v, "workflow_run").ok_or("workflow_run is missing")?;
    let id = required(run, "id").map_err(|e| format!("workflow_run.{e}"))?;
    // Payloads older than re-runs carry no attempt: the first.
    let attempt = optional(run, "run_attempt")
        .map_err(|e| format!("workflow_run.{e}"))?
        .unwrap_or(Value::from(1));
    let workflow = match optional(run, "path").map_err(|e| format!("workflow_run.{e}"))? {
        Some(path) => path,
        None => required(run, "workflow_id").map_err(|e| format!("workflow_run.{e}"))?,
    };
    let action = text(v, "action").unwrap_or_default();
    let status = text(run, "status");
    let conclusion = text(run, "conclusion");
    let status = match action {
        "completed" => github_conclusion(conclusion)?,
        "requested" | "in_progress" if status == Some("completed") && conclusion.is_some() => {
            github_conclusion(conclusion)?
        }
        "requested" | "in_progress" => HookStatus::Started,
        other => {
            return Ok(Mapping::Ignored(format!(
                "Baton does not map workflow_run {other:?} events"
            )));
        }
    };
    let name = text(run, "name")
        .filter(|n| !n.trim().is_empty())
        .map_or_else(|| plain(&workflow), str::to_owned);
    Ok(Mapping::Run(RunReport {
        key: vec![repo.clone(), id, attempt],
        automation: Some(vec![repo, workflow]),
        name,
        status,
        at: time(run, &["updated_at"]),
        started_at: time(run, &["run_started_at", "created_at"]),
        finished_at: status
            .is_finished()
            .then(|| time(run, &["updated_at"]))
            .flatten(),
        url: owned(run, "html_url"),
        message: owned(run, "display_title"),
    }))
}

fn github_workflow_job(v: &Value, repo: Value) -> Result<Mapping, String> {
    let job = at_path(v, "workflow_job").ok_or("workflow_job is missing")?;
    let run_id = required(job, "run_id").map_err(|e| format!("workflow_job.{e}"))?;
    let attempt = optional(job, "run_attempt")
        .map_err(|e| format!("workflow_job.{e}"))?
        .unwrap_or(Value::from(1));
    let job_id = required(job, "id").map_err(|e| format!("workflow_job.{e}"))?;
    let status = github_status(text(job, "status"), text(job, "conclusion"))?;
    Ok(Mapping::Job(JobReport {
        run_key: vec![repo, run_id, attempt],
        name: owned(job, "name").unwrap_or_else(|| plain(&job_id)),
        job_id,
        status,
        at: time(job, &["completed_at", "started_at", "created_at"]),
    }))
}

/// Checks: GitHub Actions' own are covered by `workflow_run`; another
/// app's check suite is a run and its check runs are its jobs.
fn github_check(event: &str, v: &Value, repo: Value) -> Result<Mapping, String> {
    let check = at_path(v, event).ok_or_else(|| format!("{event} is missing"))?;
    let slug = identifying_text(check, "app.slug").map_err(|e| format!("{event}.{e}"))?;
    if slug == Some("github-actions") {
        return Ok(Mapping::Ignored(format!(
            "GitHub Actions' {event} events describe the workflow run its workflow_run events report"
        )));
    }
    let status = github_status(text(check, "status"), text(check, "conclusion"))?;
    let app = match slug {
        Some(slug) => slug.to_owned(),
        None => optional(check, "app.id")
            .map_err(|e| format!("{event}.{e}"))?
            .map_or_else(|| "app".to_owned(), |id| plain(&id)),
    };
    if event == "check_suite" {
        let id = required(check, "id").map_err(|e| format!("check_suite.{e}"))?;
        let name = text(check, "app.name").map_or_else(|| app.clone(), str::to_owned);
        return Ok(Mapping::Run(RunReport {
            key: vec![repo.clone(), id],
            automation: Some(vec![repo, Value::from(format!("checks:{app}"))]),
            name,
            status,
            at: time(check, &["updated_at", "created_at"]),
            started_at: time(check, &["created_at"]),
            finished_at: status
                .is_finished()
                .then(|| time(check, &["updated_at"]))
                .flatten(),
            url: owned(check, "url"),
            message: owned(check, "head_commit.message"),
        }));
    }
    let suite = required(check, "check_suite.id").map_err(|e| format!("check_run.{e}"))?;
    let job_id = required(check, "id").map_err(|e| format!("check_run.{e}"))?;
    Ok(Mapping::Job(JobReport {
        run_key: vec![repo, suite],
        name: owned(check, "name").unwrap_or_else(|| plain(&job_id)),
        job_id,
        status,
        at: time(check, &["completed_at", "started_at"]),
    }))
}

fn github_deployment(v: &Value, repo: Value) -> Result<Mapping, String> {
    let id = required(v, "deployment.id")?;
    let environment = identifying_text(v, "deployment.environment")?
        .ok_or("deployment.environment is missing: it names the deployment automation")?;
    let status = match text(v, "deployment_status.state") {
        Some("pending" | "queued" | "in_progress") => HookStatus::Started,
        Some("success") => HookStatus::Succeeded,
        Some("failure" | "error") => HookStatus::Failed,
        Some("inactive") => {
            return Ok(Mapping::Ignored(
                "an inactive deployment status reports no run".to_owned(),
            ));
        }
        Some(other) => {
            return Err(format!(
                "the deployment state {other:?} is not one Baton knows"
            ));
        }
        None => return Err("deployment_status.state is missing".to_owned()),
    };
    let at = time(
        v,
        &[
            "deployment_status.updated_at",
            "deployment_status.created_at",
        ],
    );
    Ok(Mapping::Run(RunReport {
        key: vec![repo.clone(), id],
        automation: Some(vec![repo, Value::from(format!("deployment:{environment}"))]),
        name: format!("Deploy to {environment}"),
        status,
        at,
        started_at: time(v, &["deployment.created_at"]),
        finished_at: status.is_finished().then_some(at).flatten(),
        url: owned(v, "deployment_status.target_url")
            .filter(|u| !u.is_empty())
            .or_else(|| owned(v, "deployment.url")),
        message: owned(v, "deployment_status.description").filter(|d| !d.is_empty()),
    }))
}

// ---- GitLab ----------------------------------------------------------

fn gitlab_status(status: Option<&str>) -> Result<HookStatus, String> {
    match status {
        Some(
            "created"
            | "pending"
            | "running"
            | "waiting_for_resource"
            | "preparing"
            | "manual"
            | "scheduled",
        ) => Ok(HookStatus::Started),
        Some("success") => Ok(HookStatus::Succeeded),
        Some("failed") => Ok(HookStatus::Failed),
        Some("canceled" | "canceling") => Ok(HookStatus::Cancelled),
        Some("skipped") => Ok(HookStatus::Skipped),
        Some(other) => Err(format!("the status {other:?} is not one Baton knows")),
        None => Err("the status is missing".to_owned()),
    }
}

fn gitlab(event: Option<&str>, body: &[u8]) -> Result<Mapping, String> {
    let hook = match event {
        Some(hook) => hook.to_owned(),
        // No header: the body's kind says which hook it is.
        None => {
            let v = parse(body)?;
            match text(&v, "object_kind") {
                Some("pipeline") => "Pipeline Hook".to_owned(),
                Some("build") => "Job Hook".to_owned(),
                Some("deployment") => "Deployment Hook".to_owned(),
                Some(other) => format!("{other} hook"),
                None => {
                    return Ok(Mapping::Ignored(
                        "no X-Gitlab-Event header and no object_kind: nothing to map".to_owned(),
                    ));
                }
            }
        }
    };
    match hook.as_str() {
        "Pipeline Hook" => gitlab_pipeline(&parse(body)?),
        "Job Hook" => gitlab_job(&parse(body)?),
        "Deployment Hook" => gitlab_deployment(&parse(body)?),
        other => Ok(Mapping::Ignored(format!(
            "Baton does not map GitLab {other:?} events"
        ))),
    }
}

fn gitlab_pipeline(v: &Value) -> Result<Mapping, String> {
    let project = required(v, "project.id")?;
    let id = required(v, "object_attributes.id")?;
    let status = gitlab_status(text(v, "object_attributes.status"))?;
    let path = optional(v, "project.path_with_namespace")?.unwrap_or(project.clone());
    let finished_at = time(v, &["object_attributes.finished_at"]);
    let created_at = time(v, &["object_attributes.created_at"]);
    Ok(Mapping::Run(RunReport {
        key: vec![project, id],
        name: text(v, "project.name").map_or_else(|| plain(&path), str::to_owned),
        automation: Some(vec![path]),
        status,
        at: if status.is_finished() {
            finished_at.or(created_at)
        } else {
            created_at
        },
        started_at: created_at,
        finished_at: if status.is_finished() {
            finished_at
        } else {
            None
        },
        url: owned(v, "object_attributes.url"),
        message: owned(v, "commit.message").or_else(|| owned(v, "object_attributes.name")),
    }))
}

fn gitlab_job(v: &Value) -> Result<Mapping, String> {
    let project = required(v, "project_id")?;
    let pipeline = required(v, "pipeline_id")?;
    let job_id = required(v, "build_id")?;
    let status = gitlab_status(text(v, "build_status"))?;
    Ok(Mapping::Job(JobReport {
        run_key: vec![project, pipeline],
        name: owned(v, "build_name").unwrap_or_else(|| plain(&job_id)),
        job_id,
        status,
        at: time(
            v,
            &["build_finished_at", "build_started_at", "build_created_at"],
        ),
    }))
}

fn gitlab_deployment(v: &Value) -> Result<Mapping, String> {
    let project = required(v, "project.id")?;
    let id = required(v, "deployment_id")?;
    let environment = identifying_text(v, "environment")?
        .ok_or("environment is missing: it names the deployment automation")?;
    let status = match text(v, "status") {
        Some("running") => HookStatus::Started,
        Some(other) => gitlab_status(Some(other))?,
        None => return Err("status is missing".to_owned()),
    };
    let path = optional(v, "project.path_with_namespace")?.unwrap_or(project.clone());
    let at = time(v, &["status_changed_at"]);
    Ok(Mapping::Run(RunReport {
        key: vec![project, id],
        automation: Some(vec![path, Value::from(format!("deployment:{environment}"))]),
        name: format!("Deploy to {environment}"),
        status,
        at,
        started_at: None,
        finished_at: status.is_finished().then_some(at).flatten(),
        url: owned(v, "deployable_url"),
        message: owned(v, "commit_title"),
    }))
}

// ---- Jenkins ---------------------------------------------------------

/// The Notification plugin's body: `name`, `url`, `build.number`,
/// `build.phase`, `build.status`.
fn jenkins(v: &Value) -> Result<Mapping, String> {
    let name = required(v, "name")?;
    let number = required(v, "build.number")?;
    let status = match text(v, "build.phase") {
        Some("QUEUED") => {
            return Ok(Mapping::Ignored(
                "a queued build has not started: its STARTED notification opens the run".to_owned(),
            ));
        }
        // `build.status` then is the previous build's result.
        Some("STARTED") => HookStatus::Started,
        Some("COMPLETED" | "FINALIZED") => match text(v, "build.status") {
            Some("SUCCESS") => HookStatus::Succeeded,
            Some("FAILURE" | "UNSTABLE") => HookStatus::Failed,
            Some("ABORTED") => HookStatus::Cancelled,
            Some("NOT_BUILT") => HookStatus::Skipped,
            Some(other) => {
                return Err(format!("the build status {other:?} is not one Baton knows"));
            }
            None => return Err("build.status is missing from a finished build".to_owned()),
        },
        Some(other) => return Err(format!("the build phase {other:?} is not one Baton knows")),
        None => return Err("build.phase is missing".to_owned()),
    };
    Ok(Mapping::Run(RunReport {
        key: vec![name.clone(), number],
        name: name
            .as_str()
            .map_or_else(|| name.to_string(), str::to_owned),
        automation: Some(vec![name]),
        status,
        at: None,
        started_at: None,
        finished_at: None,
        url: owned(v, "build.full_url").or_else(|| owned(v, "url")),
        message: owned(v, "build.log").filter(|l| !l.is_empty()),
    }))
}

// ---- Generic ---------------------------------------------------------

/// Baton's own body: `automation`, `run_id`,
/// `status`, and optionally `name`, `started_at`, `finished_at`, `message`,
/// `url`, `metrics`.
fn generic(v: &Value) -> Result<Mapping, String> {
    let automation = required(v, "automation")?;
    let run_id = required(v, "run_id")?;
    let status = match text(v, "status") {
        Some(s) => HookStatus::parse(s).ok_or_else(|| {
            format!(
                "status {s:?} is not one of started, succeeded, failed, cancelled, timed_out, skipped"
            )
        })?,
        None => return Err("status is missing".to_owned()),
    };
    let read_time = |path: &str| match text(v, path) {
        Some(t) => parse_time(t)
            .map(Some)
            .ok_or_else(|| format!("{path} is not an RFC 3339 time: {t:?}")),
        None => Ok(None),
    };
    let started_at = read_time("started_at")?;
    let finished_at = read_time("finished_at")?;
    if let Some(metrics) = at_path(v, "metrics")
        && !metrics.is_object()
    {
        return Err("metrics must be an object of names and numbers".to_owned());
    }
    Ok(Mapping::Run(RunReport {
        key: vec![automation.clone(), run_id],
        name: owned(v, "name").unwrap_or_else(|| {
            automation
                .as_str()
                .map_or_else(|| automation.to_string(), str::to_owned)
        }),
        automation: Some(vec![automation]),
        status,
        at: finished_at.or(started_at),
        started_at,
        finished_at,
        url: owned(v, "url"),
        message: owned(v, "message"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/webhooks")
    }

    /// The body and event header of a manifest entry, as they are sent.
    fn delivery(entry: &Value) -> (Vec<u8>, Option<String>) {
        use base64::Engine as _;
        let file = entry["file"].as_str().unwrap_or_default();
        let bytes = std::fs::read(fixtures().join(file)).unwrap_or_default();
        let kind = entry["kind"].as_str().unwrap_or_default();
        let header = match kind {
            "github" => "x-github-event",
            "gitlab" => "x-gitlab-event",
            _ => "",
        };
        if entry["headers"]["from_file"] == Value::Bool(true) {
            let recorded: Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let body = base64::engine::general_purpose::STANDARD
                .decode(recorded["body_raw_base64"].as_str().unwrap_or_default())
                .unwrap_or_default();
            let event = recorded["headers"][header].as_str().map(str::to_owned);
            return (body, event);
        }
        let event = entry["headers"].as_object().and_then(|h| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(header))
                .and_then(|(_, v)| v.as_str().map(str::to_owned))
        });
        (bytes, event)
    }

    #[test]
    fn every_part_of_an_identity_is_checked() {
        // Found by the fuzzer: a check suite's app named only by a long id.
        let body = serde_json::json!({
            "action": "completed",
            "check_suite": {"id": 1, "status": "completed", "conclusion": "success",
                            "app": {"id": "x".repeat(3000)}},
            "repository": {"full_name": "acme/app"}
        });
        let why = map(
            Tool::Github,
            Some("check_suite"),
            body.to_string().as_bytes(),
        )
        .unwrap_err();
        assert!(
            why.contains("check_suite.app.id is 3000 bytes long"),
            "{why}"
        );
        let body = serde_json::json!({
            "deployment": {"id": 1, "environment": "a\nb"},
            "deployment_status": {"state": "success"},
            "repository": {"full_name": "acme/app"}
        });
        let why = map(
            Tool::Github,
            Some("deployment_status"),
            body.to_string().as_bytes(),
        )
        .unwrap_err();
        assert!(
            why.contains("deployment.environment holds a control character"),
            "{why}"
        );
    }

    #[test]
    fn every_fixture_maps_as_its_manifest_says() {
        let manifest: Value = serde_json::from_slice(
            &std::fs::read(fixtures().join("manifest.json")).unwrap_or_default(),
        )
        .unwrap_or_default();
        let entries = manifest["fixtures"].as_array().cloned().unwrap_or_default();
        assert_eq!(entries.len(), 27, "every fixture of the manifest is read");
        for entry in entries {
            let file = entry["file"].as_str().unwrap_or_default();
            let tool = Tool::parse(entry["kind"].as_str().unwrap_or_default())
                .unwrap_or_else(|| panic!("{file}: unknown kind"));
            let (body, event) = delivery(&entry);
            assert!(!body.is_empty(), "{file}: no body");
            let expect = &entry["expect"];
            let mapped = map(tool, event.as_deref(), &body);
            let (effect, status, key, automation) = match &mapped {
                Ok(Mapping::Run(run)) => (
                    "run",
                    Value::from(run.status.as_str()),
                    Value::from(run.key.clone()),
                    run.automation.clone().map_or(Value::Null, Value::from),
                ),
                Ok(Mapping::Job(job)) => (
                    "job",
                    Value::from(job.status.as_str()),
                    Value::from(job.run_key.clone()),
                    Value::Null,
                ),
                Ok(Mapping::Ignored(_)) => ("ignored", Value::Null, Value::Null, Value::Null),
                Err(_) => ("rejected", Value::Null, Value::Null, Value::Null),
            };
            assert_eq!(effect, expect["effect"], "{file}: {mapped:?}");
            assert_eq!(status, expect["status"], "{file}");
            assert_eq!(key, expect["run_key"], "{file}");
            // A null automation in the manifest is not asserted.
            if !expect["automation"].is_null() {
                assert_eq!(automation, expect["automation"], "{file}");
            }
        }
    }

    #[test]
    fn mapped_events_without_their_identity_are_refused_with_the_missing_field() {
        let cases: [(Tool, Option<&str>, &str, &str); 7] = [
            (
                Tool::Gitlab,
                Some("Pipeline Hook"),
                r#"{"project":{"id":1},"object_attributes":{"status":"success"}}"#,
                "object_attributes.id",
            ),
            (
                Tool::Gitlab,
                Some("Pipeline Hook"),
                r#"{"object_attributes":{"id":2,"status":"success"}}"#,
                "project.id",
            ),
            (
                Tool::Github,
                Some("workflow_run"),
                r#"{"action":"completed","workflow_run":{"id":1,"path":"a.yml","conclusion":"success"}}"#,
                "repository.full_name",
            ),
            (
                Tool::Jenkins,
                None,
                r#"{"build":{"number":1,"phase":"STARTED"}}"#,
                "name",
            ),
            (
                Tool::Generic,
                None,
                r#"{"automation":"nightly","status":"succeeded"}"#,
                "run_id",
            ),
            (
                Tool::Generic,
                None,
                r#"{"automation":"nightly","run_id":"7","status":"done"}"#,
                "status",
            ),
            (Tool::Github, Some("workflow_run"), "not json", "not JSON"),
        ];
        for (tool, event, body, why) in cases {
            let refused = map(tool, event, body.as_bytes()).unwrap_err();
            assert!(refused.contains(why), "{body}: {refused}");
        }
    }

    #[test]
    fn unmapped_events_are_ignored_whatever_their_body() {
        for (tool, event) in [
            (Tool::Github, Some("push")),
            (Tool::Github, Some("ping")),
            (Tool::Github, None),
            (Tool::Gitlab, Some("Note Hook")),
        ] {
            assert!(
                matches!(map(tool, event, b"<html>"), Ok(Mapping::Ignored(_))),
                "{event:?}"
            );
        }
    }

    #[test]
    fn the_generic_body_reads_baton_s_own_names_and_times() {
        let body = br#"{"automation":"nightly-export","run_id":"2026-11-26","status":"failed",
            "started_at":"2026-11-26T02:00:00Z","finished_at":"2026-11-26T02:03:10+01:00",
            "message":"disk full","metrics":{"rows":10}}"#;
        let Ok(Mapping::Run(run)) = map(Tool::Generic, None, body) else {
            panic!("not a run");
        };
        assert_eq!(run.status, HookStatus::Failed);
        assert_eq!(
            run.key,
            vec![Value::from("nightly-export"), Value::from("2026-11-26")]
        );
        assert_eq!(run.finished_at, parse_time("2026-11-26T01:03:10Z"));
        assert_eq!(run.at, run.finished_at);
        assert_eq!(run.message.as_deref(), Some("disk full"));
        let bad_time =
            br#"{"automation":"a","run_id":"1","status":"started","started_at":"yesterday"}"#;
        assert!(
            map(Tool::Generic, None, bad_time)
                .unwrap_err()
                .contains("started_at")
        );
    }

    #[test]
    fn tool_times_read_in_each_format() {
        let expected = parse_time("2016-08-12T15:23:28Z");
        assert!(expected.is_some());
        assert_eq!(parse_time("2016-08-12 15:23:28 UTC"), expected);
        assert_eq!(parse_time("2016-08-12 17:23:28 +0200"), expected);
        assert_eq!(parse_time("12/08/2016"), None);
    }
}
