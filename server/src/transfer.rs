//! Moving the catalog in and out: the inventory as CSV (import with a
//! preview of every row, export), orchestrations as CSV, and the whole
//! catalog as one JSON document that imports into another Baton.

use std::collections::HashMap;

use app::model::accounts::Actor;
use app::model::catalog::{Orchestration, OrchestrationDraft};
use app::model::errors::FieldErrors;
use app::model::inventory::{Automation, AutomationDraft, AutomationFields, InventoryFilter, Tool};
use app::model::transfer::{
    AutomationEntry, CATALOG_FORMAT, CATALOG_VERSION, CatalogDocument, CatalogImportCounts,
    DependencyEntry, INVENTORY_COLUMNS, ImportReport, NodeKey, OrchestrationEntry, PersonEntry,
    RowReport, RowStatus, TeamEntry,
};

use crate::audit::Author;
use crate::clock::Clock;
use crate::store::{
    AutomationWrite, CatalogPlan, Person, PlannedAutomation, PlannedOrchestration, Store,
    StoreError, Team,
};

/// Why a file could not be taken at all.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The file as a whole is unreadable: no header, an unknown column…
    #[error("{0}")]
    BadFile(String),
    /// Entries of a catalog document to correct, each named by its place.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// Something changed between reading and writing; nothing was written.
    #[error("{0}")]
    Changed(String),
    /// Only administrators import.
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Imports change many people's entries at once: administrators only.
pub fn only_admins(actor: &Actor) -> Result<(), TransferError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(TransferError::Forbidden(
            "only an administrator may import: ask one, or add your automations one at a time"
                .to_owned(),
        ))
    }
}

/// A tool by its name in files (`github_actions`) or by the name people
/// know it by (`GitHub Actions`), in any case.
fn parse_tool(text: &str) -> Option<Tool> {
    let text = text.trim();
    Tool::ALL
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(text) || t.label().eq_ignore_ascii_case(text))
}

/// What is already there, to match rows against and to name things by.
struct Catalog {
    people: Vec<Person>,
    teams: Vec<Team>,
    orchestrations: Vec<Orchestration>,
    automations: HashMap<(Tool, String), Automation>,
    emails: HashMap<String, i64>,
    email_of: HashMap<i64, String>,
    team_ids: HashMap<String, i64>,
    team_of: HashMap<i64, String>,
    orchestration_ids: HashMap<String, i64>,
    orchestration_of: HashMap<i64, String>,
}

impl Catalog {
    async fn load(store: &dyn Store) -> Result<Self, StoreError> {
        let automations = store
            .automations(&InventoryFilter::default(), u32::MAX, 0)
            .await?;
        let people = store.people().await?;
        let teams = store.teams().await?;
        let orchestrations = store.orchestrations().await?;
        Ok(Catalog {
            automations: automations
                .into_iter()
                .map(|a| ((a.fields.tool, a.fields.external_id.clone()), a))
                .collect(),
            emails: people
                .iter()
                .filter(|p| p.active)
                .map(|p| (p.email.clone(), p.id))
                .collect(),
            email_of: people.iter().map(|p| (p.id, p.email.clone())).collect(),
            team_ids: teams.iter().map(|t| (t.slug.clone(), t.id)).collect(),
            team_of: teams.iter().map(|t| (t.id, t.slug.clone())).collect(),
            orchestration_ids: orchestrations
                .iter()
                .map(|o| (o.fields.slug.clone(), o.id))
                .collect(),
            orchestration_of: orchestrations
                .iter()
                .map(|o| (o.id, o.fields.slug.clone()))
                .collect(),
            people,
            teams,
            orchestrations,
        })
    }
}

/// The columns of a file: where each known one is.
struct Columns(HashMap<&'static str, usize>);

impl Columns {
    fn read(header: &csv::StringRecord) -> Result<Self, TransferError> {
        let mut found = HashMap::new();
        for (at, name) in header.iter().enumerate() {
            let normal = name.trim().to_lowercase().replace([' ', '-'], "_");
            let Some(column) = INVENTORY_COLUMNS.iter().find(|c| **c == normal) else {
                return Err(TransferError::BadFile(format!(
                    "unknown column {name:?}: the columns are {}",
                    INVENTORY_COLUMNS.join(", ")
                )));
            };
            if found.insert(*column, at).is_some() {
                return Err(TransferError::BadFile(format!(
                    "the column {column:?} appears twice"
                )));
            }
        }
        let missing: Vec<&str> = ["tool", "external_id", "name"]
            .into_iter()
            .filter(|c| !found.contains_key(c))
            .collect();
        if !missing.is_empty() {
            return Err(TransferError::BadFile(format!(
                "the header must name the columns tool, external_id and name; missing: {}",
                missing.join(", ")
            )));
        }
        Ok(Columns(found))
    }

    /// The cell of `column`, trimmed and with a spreadsheet's guard taken
    /// off; `None` when the file has no such column.
    fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> Option<&'r str> {
        self.0
            .get(column)
            .map(|&at| crate::spreadsheet::unguarded(record.get(at).unwrap_or("").trim()))
    }
}

fn figure(
    cell: Option<&str>,
    column: &str,
    current: Option<f64>,
    reasons: &mut Vec<String>,
) -> Option<f64> {
    match cell {
        None => current,
        Some("") => None,
        Some(text) => match text.parse::<f64>() {
            Ok(value) => Some(value),
            Err(_) => {
                reasons.push(format!("{column}: {text:?} is not a number"));
                None
            }
        },
    }
}

fn reference(
    cell: Option<&str>,
    column: &str,
    current: Option<i64>,
    known: &HashMap<String, i64>,
    what: &str,
    reasons: &mut Vec<String>,
) -> Option<i64> {
    match cell {
        None => current,
        Some("") => None,
        Some(key) => {
            let found = known.get(&key.to_lowercase()).copied();
            if found.is_none() {
                reasons.push(format!("{column}: {what} {key:?}"));
            }
            found
        }
    }
}

fn text(cell: Option<&str>, current: Option<&str>) -> String {
    cell.or(current).unwrap_or("").to_owned()
}

/// The names of the fields that differ.
fn changes(old: &AutomationFields, new: &AutomationFields) -> Vec<String> {
    let mut changed = Vec::new();
    let mut check = |name: &str, differs: bool| {
        if differs {
            changed.push(name.to_owned());
        }
    };
    check("name", old.name != new.name);
    check("url", old.url != new.url);
    check("description", old.description != new.description);
    check("owner", old.owner_id != new.owner_id);
    check("team", old.team_id != new.team_id);
    check(
        "orchestration",
        old.orchestration_id != new.orchestration_id,
    );
    check("failure_mode", old.failure_mode != new.failure_mode);
    check(
        "minutes_saved_per_run",
        old.minutes_saved_per_run != new.minutes_saved_per_run,
    );
    check("runs_per_week", old.runs_per_week != new.runs_per_week);
    changed
}

/// Reads every row of an inventory CSV file and says what importing it
/// would do; the writes it would make come along.
async fn plan_inventory(
    store: &dyn Store,
    file: &[u8],
) -> Result<(ImportReport, Vec<AutomationWrite>), TransferError> {
    let catalog = Catalog::load(store).await?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let header = reader
        .headers()
        .map_err(|err| TransferError::BadFile(format!("cannot read the header: {err}")))?
        .clone();
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(TransferError::BadFile(
            "the file is empty: its first line must name the columns".to_owned(),
        ));
    }
    let columns = Columns::read(&header)?;
    let mut report = ImportReport::default();
    let mut writes = Vec::new();
    let mut seen: HashMap<(Tool, String), u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(err) => {
                report.push(RowReport {
                    row: line,
                    status: RowStatus::Error,
                    tool: String::new(),
                    external_id: String::new(),
                    name: String::new(),
                    changes: Vec::new(),
                    reasons: vec![format!("unreadable: {err}")],
                });
                continue;
            }
        }
        let row = record.position().map_or(line, |p| p.line());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let (report_row, write) = plan_row(&catalog, &columns, &record, row, &mut seen);
        report.push(report_row);
        writes.extend(write);
    }
    Ok((report, writes))
}

fn plan_row(
    catalog: &Catalog,
    columns: &Columns,
    record: &csv::StringRecord,
    row: u64,
    seen: &mut HashMap<(Tool, String), u64>,
) -> (RowReport, Option<AutomationWrite>) {
    let tool_cell = columns.get(record, "tool").unwrap_or("");
    let external_id = columns.get(record, "external_id").unwrap_or("").to_owned();
    let mut reasons = Vec::new();
    if record.len() != columns.0.len() {
        reasons.push(format!(
            "has {} cells where the header names {} columns",
            record.len(),
            columns.0.len()
        ));
    }
    let tool = parse_tool(tool_cell);
    let current = tool.and_then(|t| catalog.automations.get(&(t, external_id.clone())));
    let old = current.map(|a| &a.fields);
    let draft = AutomationDraft {
        tool: tool.map_or(tool_cell.to_owned(), |t| t.as_str().to_owned()),
        external_id: external_id.clone(),
        name: text(columns.get(record, "name"), old.map(|o| o.name.as_str())),
        url: text(columns.get(record, "url"), old.map(|o| o.url.as_str())),
        description: text(
            columns.get(record, "description"),
            old.map(|o| o.description.as_str()),
        ),
        failure_mode: text(
            columns.get(record, "failure_mode"),
            old.map(|o| o.failure_mode.as_str()),
        ),
        owner_id: reference(
            columns.get(record, "owner_email"),
            "owner_email",
            old.and_then(|o| o.owner_id),
            &catalog.emails,
            "no active person has the email",
            &mut reasons,
        ),
        team_id: reference(
            columns.get(record, "team"),
            "team",
            old.and_then(|o| o.team_id),
            &catalog.team_ids,
            "there is no team",
            &mut reasons,
        ),
        orchestration_id: reference(
            columns.get(record, "orchestration"),
            "orchestration",
            old.and_then(|o| o.orchestration_id),
            &catalog.orchestration_ids,
            "there is no orchestration with the slug",
            &mut reasons,
        ),
        minutes_saved_per_run: figure(
            columns.get(record, "minutes_saved_per_run"),
            "minutes_saved_per_run",
            old.and_then(|o| o.minutes_saved_per_run),
            &mut reasons,
        ),
        runs_per_week: figure(
            columns.get(record, "runs_per_week"),
            "runs_per_week",
            old.and_then(|o| o.runs_per_week),
            &mut reasons,
        ),
    };
    let name = draft.name.clone();
    let validated = draft.validate();
    if let Err(errors) = &validated {
        reasons.extend(
            errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message)),
        );
    }
    if let Some(tool) = tool
        && let Some(first) = seen.insert((tool, external_id.clone()), row)
    {
        reasons.push(format!(
            "external_id: {} {external_id:?} is already on line {first} of this file",
            tool.label()
        ));
    }
    let mut report = RowReport {
        row,
        status: RowStatus::Error,
        tool: tool.map_or(tool_cell.to_owned(), |t| t.as_str().to_owned()),
        external_id,
        name,
        changes: Vec::new(),
        reasons,
    };
    let fields = match validated {
        Ok(fields) if report.reasons.is_empty() => fields,
        _ => return (report, None),
    };
    match current {
        None => {
            report.status = RowStatus::New;
            (
                report,
                Some(AutomationWrite {
                    current: None,
                    fields,
                }),
            )
        }
        Some(existing) => {
            report.changes = changes(&existing.fields, &fields);
            if report.changes.is_empty() {
                report.status = RowStatus::Unchanged;
                (report, None)
            } else {
                report.status = RowStatus::Updated;
                (
                    report,
                    Some(AutomationWrite {
                        current: Some((existing.id, existing.version)),
                        fields,
                    }),
                )
            }
        }
    }
}

/// Previews (`commit` false) or imports an inventory CSV file: every good
/// row written in one transaction, no bad one. `progress` hears how many
/// rows are written so far.
pub async fn import_inventory(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    file: &[u8],
    commit: bool,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> Result<ImportReport, TransferError> {
    only_admins(actor)?;
    let (mut report, writes) = plan_inventory(store, file).await?;
    if commit {
        let summary = serde_json::json!({
            "new": report.new, "updated": report.updated,
            "unchanged": report.unchanged, "errors": report.errors,
        });
        let audit = Author::of(actor)
            .did(
                clock.now(),
                "inventory.imported",
                "inventory",
                None,
                "inventory CSV import",
            )
            .after(&summary);
        match store
            .write_automations(&writes, clock.now(), progress, &audit)
            .await
        {
            Ok(()) => report.committed = true,
            Err(StoreError::Conflict(_) | StoreError::NotFound) => {
                return Err(TransferError::Changed(
                    "the inventory changed while importing, so nothing was written: \
                     preview the file again"
                        .to_owned(),
                ));
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(report)
}

fn csv_bytes(
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, TransferError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |err: csv::Error| TransferError::Store(StoreError::Other(err.into()));
    writer.write_record(header).map_err(failed)?;
    for row in rows {
        writer
            .write_record(
                row.iter()
                    .map(|cell| crate::spreadsheet::guarded(cell).into_owned()),
            )
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|err| TransferError::Store(StoreError::Other(anyhow::anyhow!("{err}"))))
}

fn figure_text(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn lookup(map: &HashMap<i64, String>, id: Option<i64>) -> String {
    id.and_then(|id| map.get(&id).cloned()).unwrap_or_default()
}

/// The inventory as CSV, in the columns the import reads.
pub async fn export_inventory(store: &dyn Store) -> Result<Vec<u8>, TransferError> {
    let catalog = Catalog::load(store).await?;
    let mut automations: Vec<&Automation> = catalog.automations.values().collect();
    automations.sort_by(|a, b| {
        (a.fields.name.to_lowercase(), a.id).cmp(&(b.fields.name.to_lowercase(), b.id))
    });
    csv_bytes(
        &INVENTORY_COLUMNS,
        automations.into_iter().map(|a| {
            let f = &a.fields;
            vec![
                f.tool.as_str().to_owned(),
                f.external_id.clone(),
                f.name.clone(),
                f.url.clone(),
                f.description.clone(),
                lookup(&catalog.email_of, f.owner_id),
                lookup(&catalog.team_of, f.team_id),
                lookup(&catalog.orchestration_of, f.orchestration_id),
                f.failure_mode.clone(),
                figure_text(f.minutes_saved_per_run),
                figure_text(f.runs_per_week),
            ]
        }),
    )
}

/// The columns of the orchestrations CSV export.
pub const ORCHESTRATION_COLUMNS: [&str; 17] = [
    "slug",
    "name",
    "purpose",
    "owner_email",
    "backup_owner_email",
    "team",
    "inputs",
    "outputs",
    "failure_mode",
    "fallback",
    "tier",
    "lifecycle",
    "tags",
    "links",
    "minutes_saved_per_run",
    "expected_runs_per_week",
    "success_rate_target",
];

/// Every orchestration as CSV: tags joined by `; `, links as
/// `label <url>` joined by `; `.
pub async fn export_orchestrations(store: &dyn Store) -> Result<Vec<u8>, TransferError> {
    let catalog = Catalog::load(store).await?;
    csv_bytes(
        &ORCHESTRATION_COLUMNS,
        catalog.orchestrations.iter().map(|o| {
            let f = o.fields.clone();
            let links: Vec<String> = f
                .links
                .iter()
                .map(|l| format!("{} <{}>", l.label, l.url))
                .collect();
            vec![
                f.slug,
                f.name,
                f.purpose,
                lookup(&catalog.email_of, f.owner_id),
                lookup(&catalog.email_of, f.backup_owner_id),
                lookup(&catalog.team_of, f.team_id),
                f.inputs,
                f.outputs,
                f.failure_mode,
                f.fallback,
                f.tier.to_string(),
                f.lifecycle.as_str().to_owned(),
                f.tags.join("; "),
                links.join("; "),
                figure_text(f.minutes_saved_per_run),
                figure_text(f.expected_runs_per_week),
                figure_text(f.success_rate_target),
            ]
        }),
    )
}

/// The whole catalog as one document: teams, the people it names,
/// orchestrations, automations and dependencies, by natural keys.
pub async fn export_catalog(store: &dyn Store) -> Result<CatalogDocument, TransferError> {
    let catalog = Catalog::load(store).await?;
    let email = |id: Option<i64>| id.and_then(|id| catalog.email_of.get(&id).cloned());
    let team = |id: Option<i64>| id.and_then(|id| catalog.team_of.get(&id).cloned());
    let mut automations: Vec<&Automation> = catalog.automations.values().collect();
    automations.sort_by(|a, b| {
        (a.fields.tool.as_str(), &a.fields.external_id)
            .cmp(&(b.fields.tool.as_str(), &b.fields.external_id))
    });
    let automation_key: HashMap<i64, NodeKey> = automations
        .iter()
        .map(|a| {
            (
                a.id,
                NodeKey::Automation {
                    tool: a.fields.tool.as_str().to_owned(),
                    external_id: a.fields.external_id.clone(),
                },
            )
        })
        .collect();
    let node_key = |node: app::model::dependencies::NodeRef| match node.kind {
        app::model::dependencies::NodeKind::Automation => automation_key.get(&node.id).cloned(),
        app::model::dependencies::NodeKind::Orchestration => catalog
            .orchestration_of
            .get(&node.id)
            .cloned()
            .map(NodeKey::Orchestration),
    };
    let dependencies = store
        .dependencies()
        .await?
        .into_iter()
        .filter_map(|d| {
            Some(DependencyEntry {
                upstream: node_key(d.upstream.node)?,
                downstream: node_key(d.downstream.node)?,
                note: d.note,
            })
        })
        .collect();
    Ok(CatalogDocument {
        format: CATALOG_FORMAT.to_owned(),
        version: CATALOG_VERSION,
        teams: catalog
            .teams
            .iter()
            .map(|t| TeamEntry {
                slug: t.slug.clone(),
                name: t.name.clone(),
            })
            .collect(),
        people: catalog
            .people
            .iter()
            .filter_map(|p| {
                Some(PersonEntry {
                    role: serde_json::from_value(serde_json::Value::String(p.role.clone())).ok()?,
                    email: p.email.clone(),
                    display_name: p.display_name.clone(),
                })
            })
            .collect(),
        orchestrations: catalog
            .orchestrations
            .iter()
            .map(|o| {
                let f = o.fields.clone();
                OrchestrationEntry {
                    owner: email(f.owner_id),
                    backup_owner: email(f.backup_owner_id),
                    team: team(f.team_id),
                    slug: f.slug,
                    name: f.name,
                    purpose: f.purpose,
                    inputs: f.inputs,
                    outputs: f.outputs,
                    failure_mode: f.failure_mode,
                    fallback: f.fallback,
                    tier: Some(f.tier),
                    lifecycle: f.lifecycle.as_str().to_owned(),
                    tags: f.tags,
                    links: f.links,
                    minutes_saved_per_run: f.minutes_saved_per_run,
                    expected_runs_per_week: f.expected_runs_per_week,
                    success_rate_target: f.success_rate_target,
                }
            })
            .collect(),
        automations: automations
            .into_iter()
            .map(|a| {
                let f = &a.fields;
                AutomationEntry {
                    tool: f.tool.as_str().to_owned(),
                    external_id: f.external_id.clone(),
                    name: f.name.clone(),
                    url: f.url.clone(),
                    description: f.description.clone(),
                    owner: email(f.owner_id),
                    team: team(f.team_id),
                    orchestration: f
                        .orchestration_id
                        .and_then(|id| catalog.orchestration_of.get(&id).cloned()),
                    failure_mode: f.failure_mode.clone(),
                    minutes_saved_per_run: f.minutes_saved_per_run,
                    runs_per_week: f.runs_per_week,
                }
            })
            .collect(),
        dependencies,
    })
}

/// Checks every entry of a catalog document, reporting every problem
/// with its place (`orchestrations[2].name`), then writes it all in one
/// transaction.
pub async fn import_catalog(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    document: CatalogDocument,
) -> Result<CatalogImportCounts, TransferError> {
    only_admins(actor)?;
    if document.format != CATALOG_FORMAT || document.version != CATALOG_VERSION {
        return Err(TransferError::BadFile(format!(
            "this is not a Baton catalog: expected \"format\": \"{CATALOG_FORMAT}\" and \
             \"version\": {CATALOG_VERSION}"
        )));
    }
    let mut errors = FieldErrors::default();
    let mut plan = CatalogPlan {
        teams: document.teams,
        people: document.people,
        dependencies: document.dependencies,
        ..Default::default()
    };
    for (at, team) in plan.teams.iter().enumerate() {
        if team.slug.trim().is_empty() || team.name.trim().is_empty() {
            errors.add(&format!("teams[{at}]"), "a team needs a slug and a name");
        }
    }
    for (at, person) in plan.people.iter().enumerate() {
        if !person.email.contains('@') || person.display_name.trim().is_empty() {
            errors.add(
                &format!("people[{at}]"),
                "a person needs an email address and a display name",
            );
        }
    }
    for (at, entry) in document.orchestrations.into_iter().enumerate() {
        let (owner, backup_owner, team) = (
            email_key(&entry.owner),
            email_key(&entry.backup_owner),
            entry.team.clone(),
        );
        // The form refuses this by id; here people are named by email.
        if owner.is_some() && owner == backup_owner {
            errors.add(
                &format!("orchestrations[{at}].backup_owner"),
                "the backup owner must be someone other than the owner",
            );
        }
        match orchestration_draft(entry).validate() {
            Ok(fields) => plan.orchestrations.push(PlannedOrchestration {
                fields,
                owner,
                backup_owner,
                team,
            }),
            Err(found) => {
                for e in found.0 {
                    errors.add(&format!("orchestrations[{at}].{}", e.field), e.message);
                }
            }
        }
    }
    for (at, entry) in document.automations.into_iter().enumerate() {
        let (owner, team, orchestration) = (
            email_key(&entry.owner),
            entry.team.clone(),
            entry.orchestration.clone(),
        );
        match automation_draft(entry).validate() {
            Ok(fields) => plan.automations.push(PlannedAutomation {
                fields,
                owner,
                team,
                orchestration,
            }),
            Err(found) => {
                for e in found.0 {
                    errors.add(&format!("automations[{at}].{}", e.field), e.message);
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(TransferError::Invalid(errors));
    }
    let audit = Author::of(actor).did(
        clock.now(),
        "catalog.imported",
        "catalog",
        None,
        "catalog document import",
    );
    match store.import_catalog(&plan, clock.now(), &audit).await {
        Ok(Ok(counts)) => Ok(counts),
        Ok(Err(why)) => {
            let mut errors = FieldErrors::default();
            errors.add("document", why);
            Err(TransferError::Invalid(errors))
        }
        Err(StoreError::Conflict(why)) => Err(TransferError::Changed(format!(
            "nothing was written: {why}"
        ))),
        Err(other) => Err(other.into()),
    }
}

/// Emails are kept in lower case: match them so.
fn email_key(email: &Option<String>) -> Option<String> {
    email.as_ref().map(|e| e.trim().to_lowercase())
}

fn orchestration_draft(entry: OrchestrationEntry) -> OrchestrationDraft {
    OrchestrationDraft {
        name: entry.name,
        slug: entry.slug,
        purpose: entry.purpose,
        owner_id: None,
        backup_owner_id: None,
        team_id: None,
        inputs: entry.inputs,
        outputs: entry.outputs,
        failure_mode: entry.failure_mode,
        fallback: entry.fallback,
        tier: entry.tier,
        lifecycle: entry.lifecycle,
        tags: entry.tags,
        links: entry.links,
        minutes_saved_per_run: entry.minutes_saved_per_run,
        expected_runs_per_week: entry.expected_runs_per_week,
        success_rate_target: entry.success_rate_target,
    }
}

fn automation_draft(entry: AutomationEntry) -> AutomationDraft {
    AutomationDraft {
        tool: parse_tool(&entry.tool).map_or(entry.tool, |t| t.as_str().to_owned()),
        external_id: entry.external_id,
        url: entry.url,
        name: entry.name,
        description: entry.description,
        owner_id: None,
        team_id: None,
        failure_mode: entry.failure_mode,
        orchestration_id: None,
        minutes_saved_per_run: entry.minutes_saved_per_run,
        runs_per_week: entry.runs_per_week,
    }
}
