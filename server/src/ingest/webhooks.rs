//! Taking a CI tool's webhook in: `/hooks/<tool>/<source-key>` finds its
//! source, the raw body is verified with the source's secrets (401, and
//! only a count, when it fails), read as [`hooks::map`] says (400 with the
//! reason when a mapped event lacks what identifies its run), and kept as
//! a delivery before the answer. The processor later applies it through
//! [`effect`]: the run (found again by its key in the source) or the job,
//! under the automation the tool's identity names, created into the claim
//! queue when new.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use app::model::ingestion::{RunStatus, Source};
use app::model::inventory::{AutomationFields, Tool as InventoryTool};
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::hooks::{self, HookStatus, Mapping, Tool};
use super::limits;
use super::verify::{self, StandardHeaders};
use super::{Answer, Family, Incoming, Ingestor, MAX_IDEMPOTENCY_KEY, Refusal, Rejection};
use crate::audit::Author;
use crate::runs::cut;
use crate::store::{
    Delivery, Effect, HookAutomation, HookEffect, HookJob, HookReport, HookRun, NewDelivery,
    SourceMatch,
};

/// The header that names the event, per tool.
fn event_header(tool: Tool) -> Option<&'static str> {
    match tool {
        Tool::Github => Some("x-github-event"),
        Tool::Gitlab => Some("x-gitlab-event"),
        Tool::Jenkins | Tool::Generic => None,
    }
}

/// The headers that carry the tool's own delivery id, in order of
/// preference: a redelivery repeats it, and it is counted once.
const DELIVERY_ID_HEADERS: [&str; 4] = [
    "x-github-delivery",
    "x-gitlab-event-uuid",
    "webhook-id",
    "idempotency-key",
];

/// What the answer to a kept webhook says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookReceipt {
    /// `run`, `job` or `ignored`.
    pub mapped: &'static str,
    /// Why it is ignored.
    pub reason: Option<String>,
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn refused(tool: Tool, source: Option<&SourceMatch>, refusal: Refusal) -> Rejection {
    Rejection {
        refusal,
        family: Family::Hook(tool),
        scope: source.map_or_else(String::new, |s| super::source_scope(s.id)),
        source_id: source.map(|s| s.id),
        automation_id: None,
    }
}

impl Ingestor {
    /// The source a webhook URL opens: its key must be a source's, for
    /// this tool. Nothing is written.
    pub async fn hook_source(&self, tool: Tool, key: &str) -> Result<SourceMatch, Rejection> {
        match self.source(key).await {
            Ok(Some(source)) if source.tool == tool.source_tool() => Ok(source),
            Ok(_) => Err(refused(tool, None, Refusal::NotFound)),
            Err(rejection) => Err(Rejection {
                family: Family::Hook(tool),
                ..rejection
            }),
        }
    }

    /// Checks the raw body against the source's secrets. `headers` are
    /// as received (a GitLab token is redacted only after this). A failure
    /// is counted on the source, and nothing else is written.
    pub async fn verify_hook(
        &self,
        tool: Tool,
        source: &SourceMatch,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> Result<(), verify::Unverified> {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let verified = match tool {
            Tool::Github => verify::github(get("x-hub-signature-256"), body, &source.secrets),
            Tool::Gitlab => verify::gitlab(get("x-gitlab-token"), &source.secrets),
            Tool::Generic => verify::standard(
                StandardHeaders {
                    id: get("webhook-id"),
                    timestamp: get("webhook-timestamp"),
                    signature: get("webhook-signature"),
                },
                body,
                &source.secrets,
                self.clock.now(),
            ),
            // The notification plugin signs nothing: its source's key in
            // the URL is the secret.
            Tool::Jenkins => Ok(()),
        };
        if verified.is_err() {
            self.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
            if let Err(err) = self
                .store
                .count_rejected_hook(source.id, self.clock.now())
                .await
            {
                tracing::warn!(%err, "cannot count a refused webhook");
            }
        }
        verified
    }

    /// Reads a verified webhook and keeps it: a mapped event that cannot be
    /// read is refused (400, noted with a capped body); the rest is kept
    /// before the answer, an unmapped event as well (it will be ignored).
    pub async fn keep_hook(
        &self,
        tool: Tool,
        source: &SourceMatch,
        incoming: &Incoming,
        body: Vec<u8>,
    ) -> (Answer, Option<HookReceipt>) {
        let event = event_header(tool).and_then(|h| header(&incoming.headers, h));
        let mapped = hooks::map(tool, event, &body).and_then(|mapping| {
            check_generic_slug(tool, &mapping)?;
            Ok(mapping)
        });
        let receipt = match mapped {
            Ok(Mapping::Run(_)) => HookReceipt {
                mapped: "run",
                reason: None,
            },
            Ok(Mapping::Job(_)) => HookReceipt {
                mapped: "job",
                reason: None,
            },
            Ok(Mapping::Ignored(why)) => HookReceipt {
                mapped: "ignored",
                reason: Some(why),
            },
            Err(why) => {
                let rejection = refused(tool, Some(source), Refusal::Bad(why));
                return (self.reject(incoming, rejection, &body).await, None);
            }
        };
        let external_id = DELIVERY_ID_HEADERS
            .iter()
            .find_map(|name| header(&incoming.headers, name));
        if let Some(id) = external_id
            && (id.is_empty() || id.len() > MAX_IDEMPOTENCY_KEY)
        {
            let rejection = refused(
                tool,
                Some(source),
                Refusal::Bad(format!(
                    "the delivery id must be 1 to {MAX_IDEMPOTENCY_KEY} characters"
                )),
            );
            return (self.reject(incoming, rejection, &body).await, None);
        }
        let delivery = NewDelivery {
            received_at: self.clock.now(),
            endpoint: tool.as_str().to_owned(),
            scope: super::source_scope(source.id),
            source_id: Some(source.id),
            automation_id: None,
            external_id: external_id.map(str::to_owned),
            method: incoming.method.clone(),
            uri: incoming.uri.clone(),
            headers: incoming.headers.clone(),
            body_size: i64::try_from(body.len()).unwrap_or(i64::MAX),
            body,
            remote_addr: incoming.remote_addr.clone(),
            rejected: None,
        };
        let family = Family::Hook(tool);
        let answer = match self.writer.keep(delivery).await {
            Ok(receipt) => Answer::Kept {
                family,
                created: false,
                receipt,
            },
            Err(err) => super::unavailable_answer(family, &err),
        };
        self.counters.count(&answer);
        (answer, Some(receipt))
    }
}

/// Generic JSON names its automation by a slug in the source, as pings do.
fn check_generic_slug(tool: Tool, mapping: &Mapping) -> Result<(), String> {
    if tool != Tool::Generic {
        return Ok(());
    }
    if let Mapping::Run(run) = mapping {
        let slug = run
            .automation
            .as_ref()
            .and_then(|parts| parts.first())
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !super::signals::is_slug(slug) {
            return Err(format!(
                "automation must be the automation's slug in this source \
                 (a-z, 0-9, '-' and '_', at most 100): {slug:?} is not one"
            ));
        }
    }
    Ok(())
}

fn status(status: HookStatus) -> RunStatus {
    match status {
        HookStatus::Started => RunStatus::Started,
        HookStatus::Succeeded => RunStatus::Succeeded,
        HookStatus::Failed => RunStatus::Failed,
        HookStatus::Cancelled => RunStatus::Cancelled,
        HookStatus::TimedOut => RunStatus::TimedOut,
        HookStatus::Skipped => RunStatus::Skipped,
    }
}

/// A key as kept: compact JSON of its parts (`["o/r",12,1]`).
fn key_text(parts: &[Value]) -> String {
    Value::from(parts.to_vec()).to_string()
}

/// The automation a run belongs to, by its tool's identity, and what a new
/// one is made of.
fn automation(
    tool: Tool,
    source: &Source,
    identity: &[Value],
    run_name: &str,
    at: DateTime<Utc>,
) -> HookAutomation {
    let parts: Vec<String> = identity.iter().map(hooks::plain).collect();
    let (inventory_tool, slug, external_id, name, url) = match tool {
        Tool::Github => {
            let repo = parts.first().cloned().unwrap_or_default();
            let what = parts.get(1).cloned().unwrap_or_default();
            let url = what
                .strip_prefix(".github/workflows/")
                .map(|file| format!("https://github.com/{repo}/actions/workflows/{file}"))
                .unwrap_or_default();
            let inventory_tool = if what.starts_with("checks:") {
                InventoryTool::Other
            } else {
                InventoryTool::GithubActions
            };
            let name = format!("{run_name} ({repo})");
            (inventory_tool, None, parts.join("/"), name, url)
        }
        Tool::Gitlab => {
            let name = match parts.get(1) {
                Some(_) => format!("{run_name} ({})", parts[0]),
                None => run_name.to_owned(),
            };
            (
                InventoryTool::GitlabCi,
                None,
                parts.join("/"),
                name,
                String::new(),
            )
        }
        Tool::Jenkins => (
            InventoryTool::Jenkins,
            None,
            parts.join("/"),
            run_name.to_owned(),
            String::new(),
        ),
        Tool::Generic => {
            let slug = parts.first().cloned().unwrap_or_default();
            (
                InventoryTool::Other,
                Some(slug.clone()),
                format!("{}/{slug}", source.slug),
                run_name.to_owned(),
                String::new(),
            )
        }
    };
    let fields = AutomationFields {
        tool: inventory_tool,
        external_id,
        url,
        name: cut(&name, 200).to_owned(),
        description: format!(
            "Created by {} to the source {}.",
            match tool {
                Tool::Github => "a GitHub webhook",
                Tool::Gitlab => "a GitLab webhook",
                Tool::Jenkins => "a Jenkins notification",
                Tool::Generic => "a generic JSON webhook",
            },
            source.name
        ),
        owner_id: None,
        team_id: Some(source.team_id),
        failure_mode: String::new(),
        orchestration_id: None,
        minutes_saved_per_run: None,
        runs_per_week: None,
    };
    let audit = Author::ingestion()
        .did(
            at,
            "automation.created_by_webhook",
            "automation",
            None,
            &fields.name,
        )
        .after(&fields);
    HookAutomation {
        slug,
        fields,
        audit,
    }
}

/// What a kept webhook delivery comes to, read again from its body.
/// `sources` holds at least the delivery's source.
pub fn effect(
    tool: Tool,
    delivery: &Delivery,
    sources: &HashMap<i64, Source>,
    log_limit: usize,
) -> Effect {
    let Some(source) = delivery.source_id.and_then(|id| sources.get(&id)) else {
        return Effect::Ignored("its source was deleted".to_owned());
    };
    let event = event_header(tool).and_then(|h| header(&delivery.headers, h));
    let mapping = match hooks::map(tool, event, &delivery.body)
        .and_then(|m| check_generic_slug(tool, &m).map(|()| m))
    {
        Ok(mapping) => mapping,
        Err(why) => return Effect::Failed(why),
    };
    let received = delivery.received_at;
    let mut notes = Vec::new();
    let mut within = |field: &str, at: Option<DateTime<Utc>>| {
        at.map(|at| {
            let (at, why) = limits::time(field, at, received);
            notes.push(why);
            at
        })
    };
    let (report, status_at) = match mapping {
        Mapping::Ignored(why) => return Effect::Ignored(why),
        Mapping::Run(run) => {
            let Some(identity) = &run.automation else {
                return Effect::Failed("it names no automation".to_owned());
            };
            let status_at = within("the event's time", run.at).unwrap_or(received);
            let hook_run = HookRun {
                run_key: key_text(&run.key),
                automation: automation(tool, source, identity, &run.name, received),
                status: status(run.status),
                started_at: within("the start time", run.started_at),
                finished_at: within("the finish time", run.finished_at),
                url: run.url.clone(),
                message: run
                    .message
                    .as_deref()
                    .map(|m| app::model::received::cut(m, log_limit).to_owned()),
            };
            (HookReport::Run(Box::new(hook_run)), status_at)
        }
        Mapping::Job(job) => (
            HookReport::Job(HookJob {
                run_key: key_text(&job.run_key),
                job_key: hooks::plain(&job.job_id),
                name: job.name.clone(),
                status: status(job.status),
            }),
            within("the job's time", job.at).unwrap_or(received),
        ),
    };
    Effect::Hook(HookEffect {
        source_id: source.id,
        report,
        status_at,
        note: limits::join_notes(notes),
    })
}
