//! Moving monitors over from Healthchecks, Cronitor and Uptime Kuma in one
//! step: each monitor of the tool's own listing becomes an automation (its
//! name, description and tags, and its schedule: a period, or cron with a
//! time zone, and its grace), named `<origin>:<the monitor's id>` so that
//! importing the same listing again changes only what changed. A preview
//! says what each entry would do; a refused entry says why and is never
//! written. Each imported monitor's old ping URL is given with its new one.
//!
//! The shapes read are the tools' documented ones: Healthchecks' Management
//! API v3 check list, Cronitor's monitors API listing, and Uptime Kuma's
//! backup file (see `server/tests/fixtures/monitors/SOURCES.md`).

use std::collections::HashMap;

use app::model::ingestion::SourceTool;
use app::model::inventory::{AutomationDraft, AutomationFields, Tool};
use app::model::schedule::Schedule;
use app::model::transfer::{MonitorEntry, MonitorOrigin, MonitorReport, RowStatus};
use serde_json::Value;

use crate::audit::Author;
use crate::clock::Clock;
use crate::store::{AutomationWrite, Store, StoreError};
use crate::transfer::TransferError;

/// What `baton import` is told.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ImportArgs {
    /// healthchecks (an API v3 checks listing), cronitor (its monitors
    /// listing) or uptime-kuma (a backup file)
    #[arg(value_parser = parse_origin, value_name = "FROM")]
    pub origin: MonitorOrigin,
    /// The file to read (instead of --from-url)
    #[arg(value_name = "FILE", required_unless_present = "from_url")]
    pub file: Option<std::path::PathBuf>,
    /// Read the listing from the tool itself: its address, e.g.
    /// https://healthchecks.io or https://cronitor.io (with --api-key)
    #[arg(
        long,
        value_name = "URL",
        requires = "api_key",
        conflicts_with = "file"
    )]
    pub from_url: Option<String>,
    /// The tool's API key (Healthchecks: a project's read-only or
    /// read-write key; Cronitor: an API key)
    #[arg(long, env = "BATON_IMPORT_API_KEY", value_name = "KEY")]
    pub api_key: Option<String>,
    /// Cronitor: the key of a Baton ping source the jobs will send as
    /// Cronitor's API key (`/p/<key>/<monitor>`); each monitor's key becomes
    /// its automation's slug there
    #[arg(long, env = "BATON_CRONITOR_SOURCE_KEY", value_name = "KEY")]
    pub cronitor_source_key: Option<String>,
    /// Write what the preview shows (without it, nothing is written)
    #[arg(long)]
    pub apply: bool,
}

fn parse_origin(text: &str) -> Result<MonitorOrigin, String> {
    MonitorOrigin::parse(text).ok_or_else(|| {
        let names: Vec<&str> = MonitorOrigin::ALL.iter().map(|o| o.as_str()).collect();
        format!("one of {}", names.join(", "))
    })
}

/// The listing as the tool's API gives it: Healthchecks' checks (with
/// `X-Api-Key`), Cronitor's monitors (every page, the key as the basic
/// auth user). Uptime Kuma has no such API: its backup file is read.
pub async fn fetch(origin: MonitorOrigin, base: &str, key: &str) -> anyhow::Result<Vec<u8>> {
    let base = base.trim_end_matches('/');
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()?;
    let answer = |response: reqwest::Response| async move {
        let status = response.status();
        let body = response.bytes().await?;
        if !status.is_success() {
            anyhow::bail!(
                "the tool answered {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            );
        }
        anyhow::Ok(body)
    };
    match origin {
        MonitorOrigin::Healthchecks => {
            let url = format!("{base}/api/v3/checks/");
            let response = client.get(&url).header("X-Api-Key", key).send().await?;
            Ok(answer(response).await?.to_vec())
        }
        MonitorOrigin::Cronitor => {
            let mut monitors = Vec::new();
            for page in 1..=1000 {
                let url = format!("{base}/api/monitors?page={page}");
                let response = client.get(&url).basic_auth(key, Some("")).send().await?;
                let body: Value = serde_json::from_slice(&answer(response).await?)?;
                let listed = body
                    .get("monitors")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let size = body.get("page_size").and_then(Value::as_u64).unwrap_or(0);
                let done = listed.is_empty() || (listed.len() as u64) < size;
                monitors.extend(listed);
                if done {
                    break;
                }
            }
            Ok(serde_json::to_vec(
                &serde_json::json!({ "monitors": monitors }),
            )?)
        }
        MonitorOrigin::UptimeKuma => anyhow::bail!(
            "Uptime Kuma has no API for its monitors: export a backup (Settings → Backup) \
             and give its file"
        ),
    }
}

/// The report as `baton import` prints it: one line per entry, then the
/// URLs to change.
pub fn printed(report: &MonitorReport) -> String {
    let mut out = String::new();
    for e in &report.entries {
        let what = match e.status {
            RowStatus::New => "new".to_owned(),
            RowStatus::Updated => format!("updated ({})", e.changes.join(", ")),
            RowStatus::Unchanged => "unchanged".to_owned(),
            RowStatus::Error => "refused".to_owned(),
        };
        out.push_str(&format!("{:>3}. {} — {what}", e.position, e.name));
        if let Some(schedule) = &e.schedule {
            out.push_str(&format!("; {schedule}"));
        }
        out.push('\n');
        for why in &e.reasons {
            out.push_str(&format!("     refused: {why}\n"));
        }
        for note in &e.notes {
            out.push_str(&format!("     note: {note}\n"));
        }
    }
    out.push_str(&format!(
        "{}: {} new, {} updated, {} unchanged, {} refused{}\n",
        report.origin.label(),
        report.new,
        report.updated,
        report.unchanged,
        report.refused,
        if report.committed {
            ""
        } else {
            " (a preview: nothing was written; --apply writes it)"
        }
    ));
    let moved: Vec<&MonitorEntry> = report
        .entries
        .iter()
        .filter(|e| e.new_url.is_some())
        .collect();
    if !moved.is_empty() {
        if report.origin == MonitorOrigin::Cronitor
            && moved
                .iter()
                .any(|e| e.new_url.as_deref().is_some_and(|u| u.contains("/ping/")))
        {
            out.push_str(
                "\nCronitor's own clients (its CLI and SDKs) keep working unchanged but for the \
                 host if you import with --cronitor-source-key: a Baton ping source's key, \
                 which they send as their API key.\n",
            );
        }
        out.push_str("\nPing URLs, old → new:\n");
        for e in moved {
            out.push_str(&format!(
                "{}\n  {}\n→ {}\n",
                e.name,
                e.old_url.as_deref().unwrap_or("(not in the listing)"),
                e.new_url.as_deref().unwrap_or_default()
            ));
        }
    }
    out
}

/// Baton's shortest grace: a monitor's shorter one is raised to it.
const MIN_GRACE: i64 = 60;

/// One monitor as the other tool describes it, read into Baton's terms.
#[derive(Debug, Clone, PartialEq)]
struct Monitor {
    /// The tool's id for it: Healthchecks' uuid (or unique key), Cronitor's
    /// key, Uptime Kuma's push token.
    id: String,
    name: String,
    description: String,
    schedule: Option<Schedule>,
    old_url: Option<String>,
    notes: Vec<String>,
}

/// An entry of the file: the monitor, or its name and why it is refused.
type Read = Result<Monitor, (String, String, Vec<String>)>;

fn text<'v>(v: &'v Value, field: &str) -> &'v str {
    v.get(field).and_then(Value::as_str).unwrap_or("").trim()
}

fn seconds(v: &Value, field: &str) -> Option<i64> {
    v.get(field).and_then(|n| {
        n.as_i64()
            .or_else(|| n.as_f64().map(|f| f.round() as i64))
            .or_else(|| n.as_str().and_then(|s| s.trim().parse().ok()))
    })
}

/// What `each` makes of the items of `v`'s `tags` list, empty ones left out.
fn tag_list(v: &Value, each: impl Fn(&Value) -> String) -> Vec<String> {
    v.get("tags")
        .and_then(Value::as_array)
        .map(|tags| tags.iter().map(each).filter(|t| !t.is_empty()).collect())
        .unwrap_or_default()
}

/// `description`, then a line of tags when there are any.
fn described(description: &str, tags: &[String]) -> String {
    match (description.trim(), tags.is_empty()) {
        (d, true) => d.to_owned(),
        ("", false) => format!("Tags: {}", tags.join(", ")),
        (d, false) => format!("{d}\nTags: {}", tags.join(", ")),
    }
}

/// A grace of at least Baton's shortest, saying so when raised.
fn grace(seconds: Option<i64>, default: i64, notes: &mut Vec<String>) -> i64 {
    let given = seconds.unwrap_or(default);
    if given < MIN_GRACE {
        notes.push(format!(
            "grace raised from {given} s to Baton's shortest, 1 minute"
        ));
        MIN_GRACE
    } else {
        given
    }
}

/// A cron expression Baton reads, in `zone`; else why not.
fn cron(expression: &str, zone: &str, grace: i64) -> Result<Schedule, String> {
    let schedule = Schedule {
        period_seconds: None,
        cron: Some(expression.to_owned()),
        time_zone: if zone.is_empty() { "UTC" } else { zone }.to_owned(),
        grace_seconds: grace,
        max_duration_seconds: None,
        min_duration_seconds: None,
    };
    crate::schedule::check(&schedule)
        .map(|()| schedule)
        .map_err(|errors| {
            let why: Vec<String> = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            format!(
                "its schedule {expression:?} ({zone}) is not one Baton reads ({}): \
             Baton takes five-field cron expressions or a period",
                why.join("; ")
            )
        })
}

fn period(every: i64, grace: i64) -> Result<Schedule, String> {
    let schedule = Schedule {
        period_seconds: Some(every),
        cron: None,
        time_zone: "UTC".to_owned(),
        grace_seconds: grace,
        max_duration_seconds: None,
        min_duration_seconds: None,
    };
    crate::schedule::check(&schedule)
        .map(|()| schedule)
        .map_err(|errors| {
            let why: Vec<String> = errors
                .0
                .iter()
                .map(|e| match e.field.as_str() {
                    "every" => format!("its period of {every} s is outside {}", e.message),
                    "grace" => format!("its grace of {grace} s is outside {}", e.message),
                    _ => format!("{}: {}", e.field, e.message),
                })
                .collect();
            why.join("; ")
        })
}

/// The list of entries in `document` under `field`, or why the file is
/// not what the origin writes.
fn list<'v>(
    document: &'v Value,
    field: &str,
    origin: MonitorOrigin,
) -> Result<&'v Vec<Value>, TransferError> {
    document
        .get(field)
        .and_then(Value::as_array)
        .ok_or_else(|| {
            TransferError::BadFile(format!(
                "this is not {} listing: it has no {field:?} list",
                origin.label()
            ))
        })
}

/// A Healthchecks check (API v3): `uuid` (or, from a read-only key,
/// `unique_key`), `name`, `desc`, `tags` (space-separated), `timeout` or
/// `schedule` + `tz`, `grace`, `ping_url`.
fn healthchecks(check: &Value) -> Read {
    let id = [text(check, "uuid"), text(check, "unique_key")]
        .into_iter()
        .find(|id| !id.is_empty())
        .unwrap_or("")
        .to_owned();
    let name = [text(check, "name"), text(check, "slug"), id.as_str()]
        .into_iter()
        .find(|n| !n.is_empty())
        .unwrap_or("")
        .to_owned();
    let mut reasons = Vec::new();
    if id.is_empty() {
        reasons.push("it has neither a uuid nor a unique_key".to_owned());
    }
    let mut notes = Vec::new();
    let grace = grace(seconds(check, "grace"), 3600, &mut notes);
    let schedule = match (text(check, "schedule"), seconds(check, "timeout")) {
        ("", Some(timeout)) => period(timeout, grace),
        ("", None) => Err("it has neither a timeout nor a schedule".to_owned()),
        (expression, _) => cron(expression, text(check, "tz"), grace),
    };
    let schedule = schedule.map_err(|why| reasons.push(why)).ok();
    if !reasons.is_empty() {
        return Err((name, id, reasons));
    }
    if text(check, "uuid").is_empty() {
        notes.push(
            "listed with a read-only key (no uuid, no ping URL): import with the same kind \
             of key each time, or it is listed again"
                .to_owned(),
        );
    }
    let tags: Vec<String> = text(check, "tags")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    Ok(Monitor {
        description: described(text(check, "desc"), &tags),
        old_url: Some(text(check, "ping_url").to_owned()).filter(|u| !u.is_empty()),
        id,
        name,
        schedule,
        notes,
    })
}

/// Cronitor's `every N unit` schedules, as a period in seconds.
fn every(schedule: &str) -> Option<i64> {
    let words: Vec<&str> = schedule.split_whitespace().collect();
    let [first, count, unit] = words.as_slice() else {
        return None;
    };
    if !first.eq_ignore_ascii_case("every") {
        return None;
    }
    let count: i64 = count.parse().ok()?;
    let unit = unit.to_ascii_lowercase();
    let size = match unit.trim_end_matches('s') {
        "second" => 1,
        "minute" => 60,
        "hour" => 3600,
        "day" => 86_400,
        "week" => 604_800,
        _ => return None,
    };
    count.checked_mul(size)
}

/// A Cronitor monitor: `key`, `name`, `type` (`job`, `heartbeat` and
/// `event` report runs; `check` and `site` are probes), `schedule` (cron
/// or `every N unit`), `timezone`, `grace_seconds`, `tags`, `note`.
fn cronitor(monitor: &Value) -> Read {
    let id = text(monitor, "key").to_owned();
    let name = [text(monitor, "name"), id.as_str()]
        .into_iter()
        .find(|n| !n.is_empty())
        .unwrap_or("")
        .to_owned();
    let mut reasons = Vec::new();
    if id.is_empty() {
        reasons.push("it has no key".to_owned());
    }
    let kind = text(monitor, "type");
    if matches!(kind, "check" | "site") {
        reasons.push(format!(
            "its type is {kind}: Cronitor probes an address for it, and Baton takes reports \
             of runs and probes nothing, so keep it in Cronitor"
        ));
    }
    let mut notes = Vec::new();
    let grace = grace(seconds(monitor, "grace_seconds"), MIN_GRACE, &mut notes);
    let schedule = match text(monitor, "schedule") {
        "" => Ok(None),
        written => match every(written) {
            Some(seconds) => period(seconds, grace).map(Some),
            None => cron(written, text(monitor, "timezone"), grace).map(Some),
        },
    };
    let schedule = schedule.map_err(|why| reasons.push(why)).ok().flatten();
    if !reasons.is_empty() {
        return Err((name, id, reasons));
    }
    let tags = tag_list(monitor, |t| t.as_str().unwrap_or("").to_owned());
    Ok(Monitor {
        description: described(text(monitor, "note"), &tags),
        old_url: Some(format!("https://cronitor.link/p/<api-key>/{id}")),
        id,
        name,
        schedule,
        notes,
    })
}

/// An Uptime Kuma monitor of a backup: only `push` monitors report runs
/// (`pushToken`, `interval`, `retryInterval` × `maxretries` as grace);
/// `name`, `description`, `tags` (`name` and `value`).
fn uptime_kuma(monitor: &Value) -> Read {
    let id = text(monitor, "pushToken").to_owned();
    let name = text(monitor, "name").to_owned();
    let kind = text(monitor, "type");
    let mut reasons = Vec::new();
    if kind != "push" {
        let kind = if kind.is_empty() { "typeless" } else { kind };
        reasons.push(format!(
            "its type is {kind}: Uptime Kuma probes for it, and Baton takes reports of runs \
             (push monitors) and probes nothing, so keep it in Uptime Kuma"
        ));
    } else if id.is_empty() {
        reasons.push("a push monitor without a push token".to_owned());
    }
    if name.is_empty() {
        reasons.push("it has no name".to_owned());
    }
    let mut notes = Vec::new();
    let retries = seconds(monitor, "maxretries").unwrap_or(0).max(0);
    let retry = seconds(monitor, "retryInterval").unwrap_or(0).max(0);
    let grace = grace(Some(retries.saturating_mul(retry)), MIN_GRACE, &mut notes);
    let schedule = match seconds(monitor, "interval") {
        Some(interval) => period(interval, grace).map(Some),
        None => Ok(None),
    };
    let schedule = schedule.map_err(|why| reasons.push(why)).ok().flatten();
    if !reasons.is_empty() {
        return Err((name, id, reasons));
    }
    let tags = tag_list(monitor, |t| match (text(t, "name"), text(t, "value")) {
        (name, "") => name.to_owned(),
        (name, value) => format!("{name}:{value}"),
    });
    let active = monitor
        .get("active")
        .is_none_or(|a| a.as_bool().unwrap_or_else(|| a.as_i64() != Some(0)));
    if !active {
        notes.push(
            "paused in Uptime Kuma, but expected in Baton from now on: pause it in Baton if \
             it should stay quiet"
                .to_owned(),
        );
    }
    Ok(Monitor {
        description: described(text(monitor, "description"), &tags),
        old_url: Some(format!("/api/push/{id}?status=up&msg=OK&ping=")),
        id,
        name,
        schedule,
        notes,
    })
}

/// Every entry of an origin's file, each with its place (from 1).
fn read(origin: MonitorOrigin, file: &[u8]) -> Result<Vec<Read>, TransferError> {
    let document: Value = serde_json::from_slice(file)
        .map_err(|err| TransferError::BadFile(format!("this is not a JSON document: {err}")))?;
    let (field, entry): (&str, fn(&Value) -> Read) = match origin {
        MonitorOrigin::Healthchecks => ("checks", healthchecks),
        MonitorOrigin::Cronitor => ("monitors", cronitor),
        MonitorOrigin::UptimeKuma => ("monitorList", uptime_kuma),
    };
    Ok(list(&document, field, origin)?.iter().map(entry).collect())
}

/// What the entries are written into: the automation's tool and id.
fn identity(origin: MonitorOrigin, id: &str) -> (Tool, String) {
    let tool = match origin {
        MonitorOrigin::UptimeKuma => Tool::Other,
        MonitorOrigin::Healthchecks | MonitorOrigin::Cronitor => Tool::Cron,
    };
    (tool, format!("{}:{id}", origin.as_str()))
}

/// Where an imported monitor's job reports now, given its ping key and,
/// for Cronitor, the source whose key stands for Cronitor's API key.
fn new_url(how: &MonitorImport<'_>, key: &str, monitor: &str, source: Option<&NamedIn>) -> String {
    let public_url = how.public_url;
    match (how.origin, source) {
        (MonitorOrigin::Cronitor, Some(source)) => {
            format!("{public_url}/p/{}/{monitor}", source.key)
        }
        (MonitorOrigin::UptimeKuma, _) => {
            format!("{public_url}/api/push/{key}?status=up&msg=OK&ping=")
        }
        _ => format!("{public_url}/ping/{key}"),
    }
}

/// What is left to write for an entry once its automation exists.
struct Pending {
    /// Its place in the report.
    entry: usize,
    identity: (Tool, String),
    /// The schedule to set, when it changes.
    schedule: Option<Schedule>,
    /// The source to name it in (Cronitor), when its slug changes.
    slug: Option<i64>,
    /// The monitor's id in its tool (a Cronitor slug).
    monitor: String,
}

/// How an import runs: where from, and what it may write.
pub struct MonitorImport<'a> {
    pub origin: MonitorOrigin,
    pub file: &'a [u8],
    /// Write the good entries (else a preview).
    pub commit: bool,
    /// Baton's address, for the new URLs.
    pub public_url: &'a str,
    /// Cronitor only: the ping source whose key the jobs will send as
    /// Cronitor's API key; each monitor's key becomes its slug there.
    pub cronitor_source_key: Option<&'a str>,
}

/// The source Cronitor's monitors are named in: its id and current key.
struct NamedIn {
    id: i64,
    key: String,
}

/// The ping source whose `key` Cronitor's clients will send; its current
/// key (a rotated one still accepted would stop working).
async fn cronitor_source(
    store: &dyn Store,
    key: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<NamedIn, TransferError> {
    let found = store.source_by_key(key, now).await?.ok_or_else(|| {
        TransferError::BadFile(
            "no source has that key: add a ping source under Admin → Sources first".to_owned(),
        )
    })?;
    if found.tool != SourceTool::Ping {
        return Err(TransferError::BadFile(format!(
            "that is a {} source; Cronitor's clients report to a ping source",
            found.tool.label()
        )));
    }
    let key = store
        .sources()
        .await?
        .into_iter()
        .find(|s| s.source.id == found.id)
        .map_or_else(|| key.to_owned(), |s| s.key);
    Ok(NamedIn { id: found.id, key })
}

/// What importing one good monitor does, and what is left to write once
/// its automation exists.
struct Planned {
    entry: MonitorEntry,
    write: Option<AutomationWrite>,
    pending: Option<Pending>,
}

/// Plans one monitor against what is listed: refused (with why), new,
/// updated (and what changes) or unchanged.
async fn plan(
    store: &dyn Store,
    how: &MonitorImport<'_>,
    source: Option<&NamedIn>,
    current: Option<&app::model::inventory::Automation>,
    position: usize,
    monitor: Monitor,
) -> Result<Result<Planned, MonitorEntry>, TransferError> {
    let origin = how.origin;
    let (tool, external_id) = identity(origin, &monitor.id);
    let refuse = |why: String, monitor: Monitor| {
        refused(
            position,
            monitor.name,
            origin,
            &monitor.id,
            vec![why],
            monitor.old_url,
        )
    };
    if origin == MonitorOrigin::Cronitor && !crate::ingest::signals::is_monitor_key(&monitor.id) {
        let why = format!(
            "its key {:?} is not one Cronitor's clients can send to Baton: 1–100 letters, \
             digits, '-', '_' or '.'",
            monitor.id
        );
        return Ok(Err(refuse(why, monitor)));
    }
    if let Some(source) = source
        && let Some(other) = store.automation_by_slug(source.id, &monitor.id).await?
        && current.map(|c| c.id) != Some(other)
    {
        let why = format!(
            "the slug {:?} in that source already names automation {other} (it reported \
             before this import): claim or delete it, then import again",
            monitor.id
        );
        return Ok(Err(refuse(why, monitor)));
    }
    let draft = AutomationDraft {
        tool: tool.as_str().to_owned(),
        external_id: external_id.clone(),
        name: monitor.name.clone(),
        description: monitor.description.clone(),
        ..keep_rest(current.map(|a| &a.fields))
    };
    let fields = match draft.validate() {
        Ok(fields) => fields,
        Err(errors) => {
            let why = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            return Ok(Err(refuse(why, monitor)));
        }
    };
    let mut changes = Vec::new();
    let mut key = None;
    // What the listing says, with what only Baton sets (a run's longest
    // and shortest) kept as it is.
    let mut schedule = monitor.schedule.clone();
    let mut slug = source.map(|s| s.id);
    if let Some(current) = current {
        if current.fields.name != fields.name {
            changes.push("name".to_owned());
        }
        if current.fields.description != fields.description {
            changes.push("description".to_owned());
        }
        let stored = store.schedule(current.id).await?.map(|(s, _)| s);
        if let (Some(wanted), Some(stored)) = (&mut schedule, &stored) {
            wanted.max_duration_seconds = stored.max_duration_seconds;
            wanted.min_duration_seconds = stored.min_duration_seconds;
        }
        if schedule.is_some() && schedule != stored {
            changes.push("schedule".to_owned());
        } else {
            schedule = None;
        }
        if let Some(source) = source {
            if store.slug_of(current.id).await? == Some((source.id, monitor.id.clone())) {
                slug = None;
            } else {
                changes.push("slug".to_owned());
            }
        }
        key = store.ping_key(current.id).await?;
    }
    let status = match (current, changes.is_empty()) {
        (None, _) => RowStatus::New,
        (Some(_), true) => RowStatus::Unchanged,
        (Some(_), false) => RowStatus::Updated,
    };
    let fields_change = changes.iter().any(|c| c == "name" || c == "description");
    let write = (current.is_none() || fields_change).then(|| AutomationWrite {
        current: current.map(|a| (a.id, a.version)),
        fields,
    });
    let pending = (status != RowStatus::Unchanged).then(|| Pending {
        entry: 0,
        identity: (tool, external_id.clone()),
        schedule: schedule.clone(),
        slug,
        monitor: monitor.id.clone(),
    });
    let entry = MonitorEntry {
        position,
        status,
        name: monitor.name,
        external_id,
        schedule: monitor.schedule.as_ref().map(crate::schedule::describe),
        changes,
        reasons: Vec::new(),
        notes: monitor.notes,
        old_url: monitor.old_url,
        new_url: key.map(|key| new_url(how, &key, &monitor.id, source)),
    };
    Ok(Ok(Planned {
        entry,
        write,
        pending,
    }))
}

/// Previews or imports an origin's monitors: every good entry's automation
/// in one transaction, then their schedules (and Cronitor slugs). A step
/// after that transaction that fails is said on its entry, to finish by
/// importing again.
pub async fn import(
    store: &dyn Store,
    clock: &dyn Clock,
    author: &Author,
    how: MonitorImport<'_>,
) -> Result<MonitorReport, TransferError> {
    let origin = how.origin;
    let entries = read(origin, how.file)?;
    let now = clock.now();
    let source = match how.cronitor_source_key {
        Some(key) if origin == MonitorOrigin::Cronitor => {
            Some(cronitor_source(store, key, now).await?)
        }
        _ => None,
    };
    let known: HashMap<(Tool, String), app::model::inventory::Automation> = store
        .automations(&Default::default(), u32::MAX, 0)
        .await?
        .into_iter()
        .map(|a| ((a.fields.tool, a.fields.external_id.clone()), a))
        .collect();
    let mut report = MonitorReport::new(origin);
    let mut writes = Vec::new();
    let mut pending = Vec::new();
    let mut seen = HashMap::new();
    for (at, entry) in entries.into_iter().enumerate() {
        let position = at + 1;
        let monitor = match entry {
            Ok(monitor) => monitor,
            Err((name, id, reasons)) => {
                report.push(refused(position, name, origin, &id, reasons, None));
                continue;
            }
        };
        let identity = identity(origin, &monitor.id);
        if let Some(first) = seen.insert(identity.1.clone(), position) {
            let why = format!("the same monitor as entry {first} of this file");
            let (name, id) = (monitor.name, monitor.id);
            report.push(refused(position, name, origin, &id, vec![why], None));
            continue;
        }
        let current = known.get(&identity);
        match plan(store, &how, source.as_ref(), current, position, monitor).await? {
            Ok(planned) => {
                writes.extend(planned.write);
                if let Some(mut later) = planned.pending {
                    later.entry = report.entries.len();
                    pending.push(later);
                }
                report.push(planned.entry);
            }
            Err(refusal) => report.push(refusal),
        }
    }
    if !how.commit {
        return Ok(report);
    }
    let summary = serde_json::json!({
        "origin": origin.as_str(), "new": report.new, "updated": report.updated,
        "unchanged": report.unchanged, "refused": report.refused,
    });
    let audit = author
        .did(now, "monitors.imported", "inventory", None, origin.label())
        .after(&summary);
    match store.write_automations(&writes, now, &|_| {}, &audit).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_) | StoreError::NotFound) => {
            return Err(TransferError::Changed(
                "the inventory changed while importing, so nothing was written: preview again"
                    .to_owned(),
            ));
        }
        Err(other) => return Err(other.into()),
    }
    report.committed = true;
    finish(
        store,
        author,
        now,
        &how,
        source.as_ref(),
        &mut report,
        pending,
    )
    .await;
    Ok(report)
}

/// Once the automations exist: their schedules, slugs and new URLs. What
/// fails is said on its entry, not thrown: the automations are written.
async fn finish(
    store: &dyn Store,
    author: &Author,
    now: chrono::DateTime<chrono::Utc>,
    how: &MonitorImport<'_>,
    source: Option<&NamedIn>,
    report: &mut MonitorReport,
    pending: Vec<Pending>,
) {
    let again = "; import again to finish";
    let listed = store.automations(&Default::default(), u32::MAX, 0).await;
    let written: HashMap<(Tool, String), i64> = match listed {
        Ok(all) => all
            .into_iter()
            .map(|a| ((a.fields.tool, a.fields.external_id), a.id))
            .collect(),
        Err(err) => {
            let note = format!("written, but its schedule and new URL could not be read ({err})");
            for later in &pending {
                report.entries[later.entry]
                    .notes
                    .push(format!("{note}{again}"));
            }
            return;
        }
    };
    for later in pending {
        let entry = &mut report.entries[later.entry];
        let Some(&id) = written.get(&later.identity) else {
            continue;
        };
        if let Some(schedule) = &later.schedule {
            let about = author
                .did(
                    now,
                    "automation.schedule_set",
                    "automation",
                    Some(id),
                    &entry.name,
                )
                .after(schedule);
            if let Err(err) = store.set_schedule(id, Some(schedule), now, &about).await {
                entry.notes.push(format!(
                    "written, but its schedule could not be set ({err}){again}"
                ));
            }
        }
        if let Some(source_id) = later.slug {
            let named = author
                .did(
                    now,
                    "automation.slug_set",
                    "automation",
                    Some(id),
                    &entry.name,
                )
                .after(&serde_json::json!({ "source_id": source_id, "slug": later.monitor }));
            if let Err(err) = store
                .set_slug(id, Some((source_id, &later.monitor)), &named)
                .await
            {
                entry.notes.push(format!(
                    "written, but its slug could not be set ({err}){again}"
                ));
            }
        }
        match store.ping_key(id).await {
            Ok(Some(key)) => entry.new_url = Some(new_url(how, &key, &later.monitor, source)),
            Ok(None) => {}
            Err(err) => entry.notes.push(format!(
                "written, but its new URL could not be read ({err}){again}"
            )),
        }
    }
}

/// The fields an import does not set: as they are, or empty for a new one.
fn keep_rest(current: Option<&AutomationFields>) -> AutomationDraft {
    let Some(c) = current else {
        return AutomationDraft::default();
    };
    AutomationDraft {
        url: c.url.clone(),
        failure_mode: c.failure_mode.clone(),
        owner_id: c.owner_id,
        team_id: c.team_id,
        orchestration_id: c.orchestration_id,
        minutes_saved_per_run: c.minutes_saved_per_run,
        runs_per_week: c.runs_per_week,
        ..AutomationDraft::default()
    }
}

fn refused(
    position: usize,
    name: String,
    origin: MonitorOrigin,
    id: &str,
    reasons: Vec<String>,
    old_url: Option<String>,
) -> MonitorEntry {
    MonitorEntry {
        position,
        status: RowStatus::Error,
        name,
        external_id: if id.is_empty() {
            String::new()
        } else {
            identity(origin, id).1
        },
        schedule: None,
        changes: Vec::new(),
        reasons,
        notes: Vec::new(),
        old_url,
        new_url: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cronitor_periods_read_as_people_write_them() {
        assert_eq!(every("every 5 minutes"), Some(300));
        assert_eq!(every("Every 1 hour"), Some(3600));
        assert_eq!(every("every 2 days"), Some(172_800));
        assert_eq!(every("0 2 * * *"), None);
        assert_eq!(every("every fortnight"), None);
    }

    #[test]
    fn a_grace_under_a_minute_is_raised_and_said() {
        let mut notes = Vec::new();
        assert_eq!(grace(Some(0), 60, &mut notes), 60);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(grace(None, 3600, &mut notes), 3600);
        assert_eq!(notes.len(), 1);
    }
}
