//! Importing the inventory from a CSV file, or monitors from Healthchecks,
//! Cronitor or Uptime Kuma: choose what the file is and the file, read the
//! preview of every row, then import the good rows in one go (with
//! progress for a CSV file; each monitor's old and new ping URLs after).
//! The browser sends the file to the public API
//! (`POST /api/v1/import/inventory`, `/api/v1/import/monitors/{from}`),
//! the same doors scripts use.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::form::NotAllowed;
use crate::model::ingestion::SourceTool;
use crate::model::transfer::{
    INVENTORY_COLUMNS, ImportReport, MonitorEntry, MonitorOrigin, MonitorReport, RowReport,
    RowStatus,
};
use crate::pages::not_found::answer_forbidden;

/// Rows of a preview drawn in the table (errors are always all drawn).
const ROWS_SHOWN: usize = 500;

/// Where an import stands. Only the browser moves it on.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Stage {
    Choosing,
    Previewing,
    Previewed(Report),
    Importing { written: usize, total: usize },
    Imported(Report),
    Failed(String),
}

/// What the file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Inventory,
    Monitors(MonitorOrigin),
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Inventory,
        Kind::Monitors(MonitorOrigin::Healthchecks),
        Kind::Monitors(MonitorOrigin::Cronitor),
        Kind::Monitors(MonitorOrigin::UptimeKuma),
    ];

    fn value(self) -> &'static str {
        match self {
            Kind::Inventory => "inventory",
            Kind::Monitors(origin) => origin.as_str(),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Inventory => "Baton's inventory (CSV)",
            Kind::Monitors(MonitorOrigin::Healthchecks) => "Healthchecks checks (JSON)",
            Kind::Monitors(MonitorOrigin::Cronitor) => "Cronitor monitors (JSON)",
            Kind::Monitors(MonitorOrigin::UptimeKuma) => "Uptime Kuma backup (JSON)",
        }
    }

    fn parse(value: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.value() == value)
            .unwrap_or(Kind::Inventory)
    }
}

/// A preview's or an import's report.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Report {
    Inventory(ImportReport),
    Monitors(MonitorReport),
}

impl Report {
    /// Entries that would be written, and good ones in all.
    fn writes_and_good(&self) -> (usize, usize) {
        match self {
            Report::Inventory(r) => (r.new + r.updated, r.new + r.updated + r.unchanged),
            Report::Monitors(r) => (r.new + r.updated, r.new + r.updated + r.unchanged),
        }
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let stage = RwSignal::new(Stage::Choosing);
    let kind = RwSignal::new(Kind::Inventory);
    let source = RwSignal::new(None::<i64>);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let preview = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = chosen(file_input) else {
                stage.set(Stage::Failed("Choose a file first.".to_owned()));
                return;
            };
            stage.set(Stage::Previewing);
            let (kind, source) = (kind.get_untracked(), source.get_untracked());
            leptos::task::spawn_local(async move {
                let result = match kind {
                    Kind::Inventory => client::send(&file, false, |_| {})
                        .await
                        .map(Report::Inventory),
                    Kind::Monitors(origin) => client::send_monitors(&file, origin, false, source)
                        .await
                        .map(Report::Monitors),
                };
                stage.set(match result {
                    Ok(report) => Stage::Previewed(report),
                    Err(why) => Stage::Failed(why),
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (file_input, stage, kind, source);
    };
    let commit = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let total = match stage.get_untracked() {
                Stage::Previewed(report) => report.writes_and_good().1,
                _ => 0,
            };
            let Some(file) = chosen(file_input) else {
                stage.set(Stage::Failed("Choose the file again.".to_owned()));
                return;
            };
            stage.set(Stage::Importing { written: 0, total });
            let (kind, source) = (kind.get_untracked(), source.get_untracked());
            leptos::task::spawn_local(async move {
                let result = match kind {
                    Kind::Inventory => client::send(&file, true, move |written| {
                        stage.set(Stage::Importing { written, total });
                    })
                    .await
                    .map(Report::Inventory),
                    Kind::Monitors(origin) => client::send_monitors(&file, origin, true, source)
                        .await
                        .map(Report::Monitors),
                };
                stage.set(match result {
                    Ok(report) => Stage::Imported(report),
                    Err(why) => Stage::Failed(why),
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (file_input, stage, kind, source);
    };
    let busy = move || matches!(stage.get(), Stage::Previewing | Stage::Importing { .. });
    let content = move || {
        view! {
            <section class="card" aria-labelledby="file-title">
                <h2 id="file-title">"1. Choose the file"</h2>
                <div class="form__row">
                    <div class="field field--form">
                        <label for="import-kind">"What the file is"</label>
                        <select id="import-kind" on:change=move |ev| {
                            kind.set(Kind::parse(&event_target_value(&ev)));
                            stage.set(Stage::Choosing);
                        }>
                            {Kind::ALL.into_iter().map(|k| view! {
                                <option value=k.value() selected=move || kind.get() == k>{k.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                {move || match kind.get() {
                    Kind::Inventory => view! {
                        <p>
                            "Columns, with a header row: "
                            {INVENTORY_COLUMNS.iter().enumerate().map(|(i, c)| view! { {(i > 0).then_some(", ")}<code>{*c}</code> }).collect_view()}
                            ". "<code>"tool"</code>", "<code>"external_id"</code>" and "<code>"name"</code>" are required; a row is matched to an automation already listed by tool and external id, so importing the same file twice changes nothing. "
                            <a href="/samples/inventory.csv" download>"Download a sample file"</a>"."
                        </p>
                    }.into_any(),
                    Kind::Monitors(origin) => view! {
                        <p>{monitor_help(origin)}</p>
                        <p>"Each monitor becomes an automation with its name, description, tags and schedule (a period, or cron in its time zone, with its grace); importing the same file again changes only what changed. Monitors that probe addresses stay where they are: Baton takes reports of runs."</p>
                        {(origin == MonitorOrigin::Cronitor).then(|| view! { <CronitorSource source/> })}
                    }.into_any(),
                }}
                <div class="form__row">
                    <div class="field field--form">
                        <label for="import-file">"File"</label>
                        <input id="import-file" type="file" accept=move || if kind.get() == Kind::Inventory { ".csv,text/csv" } else { ".json,application/json" } node_ref=file_input
                            on:change=move |_| stage.set(Stage::Choosing)/>
                    </div>
                </div>
                <p class="actions">
                    <button type="button" class="button button--primary" on:click=preview disabled=busy>"Preview"</button>
                </p>
            </section>
            {move || match stage.get() {
                Stage::Choosing => ().into_any(),
                Stage::Previewing => view! { <p class="muted" role="status">"Reading every row…"</p> }.into_any(),
                Stage::Previewed(report) => {
                    let (writes, good) = report.writes_and_good();
                    let refused = match &report { Report::Inventory(r) => r.errors, Report::Monitors(r) => r.refused };
                    let noun = if matches!(report, Report::Inventory(_)) { "row" } else { "monitor" };
                    view! {
                        <section class="card" aria-labelledby="preview-title">
                            <h2 id="preview-title">"2. Check the preview"</h2>
                            <ReportCounts report=report.clone()/>
                            <p>{if writes == 0 {
                                format!("Nothing to write: every good {noun} is already in the inventory as it says.")
                            } else {
                                format!("Importing writes {writes} {noun}{} in one go{}.", if writes == 1 { "" } else { "s" },
                                    if refused > 0 { format!("; the {noun}s refused are left out, each says why") } else { String::new() })
                            }}</p>
                            <p class="actions">
                                <button type="button" class="button button--primary" on:click=commit disabled=move || writes == 0 || busy()>
                                    {format!("Import {good} good {noun}{}", if good == 1 { "" } else { "s" })}
                                </button>
                            </p>
                            <ReportTable report/>
                        </section>
                    }
                    .into_any()
                }
                Stage::Importing { written, total } => view! {
                    <section class="card" aria-labelledby="progress-title">
                        <h2 id="progress-title">"3. Importing"</h2>
                        <progress max=total.max(1) value=written aria-describedby="progress-text"></progress>
                        <p id="progress-text" role="status">{format!("{written} of {total} rows written…")}</p>
                    </section>
                }
                .into_any(),
                Stage::Imported(report) => {
                    let monitors = matches!(report, Report::Monitors(_));
                    view! {
                        <section class="card notice notice--ok" aria-labelledby="done-title" role="status">
                            <h2 id="done-title">"Imported"</h2>
                            <ReportCounts report=report.clone()/>
                            <p><a href="/inventory">"See the inventory"</a></p>
                        </section>
                        {monitors.then(|| view! {
                            <section class="card" aria-labelledby="urls-title">
                                <h2 id="urls-title">"3. Point each job at Baton"</h2>
                                <p>"Replace each old ping URL with its new one (in the crontab line, script or client settings); its runs then appear in Baton."</p>
                                {match report.clone() {
                                    Report::Monitors(r) => view! { <UrlTable entries=r.entries/> }.into_any(),
                                    Report::Inventory(_) => ().into_any(),
                                }}
                            </section>
                        })}
                    }
                    .into_any()
                }
                Stage::Failed(why) => view! {
                    <div class="card notice notice--error" role="alert">
                        <h2>"Nothing was imported"</h2>
                        <p>{why}</p>
                    </div>
                }
                .into_any(),
            }}
        }
    };
    view! {
        <Title text="Import"/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/inventory">"Inventory"</a>" / "</p>
            <h1>"Import"</h1>
            <p class="lede">"Add or update many automations from a CSV file, or move your monitors over from Healthchecks, Cronitor or Uptime Kuma. You see what each entry will do before anything is written."</p>
        </div>
        // Importing writes many at once: administrators only.
        <Suspense fallback=|| ()>
            {move || crate::session::me().map(|me| if me.is_admin() {
                content().into_any()
            } else {
                answer_forbidden();
                view! {
                    <NotAllowed why="only an administrator may import the inventory".to_owned()/>
                }.into_any()
            })}
        </Suspense>
    }
}

/// Where a monitor listing comes from, and how to get it.
fn monitor_help(origin: MonitorOrigin) -> &'static str {
    match origin {
        MonitorOrigin::Healthchecks => {
            "Healthchecks' list of checks as its API gives it: GET /api/v3/checks/ with your project's API key (read-only is enough), saved as a file. From a shell: curl -H \"X-Api-Key: KEY\" https://healthchecks.io/api/v3/checks/ > checks.json. The command line reads it from Healthchecks directly: baton import healthchecks --from-url URL --api-key KEY."
        }
        MonitorOrigin::Cronitor => {
            "Cronitor's list of monitors as its API gives it: GET https://cronitor.io/api/monitors with your API key, saved as a file (baton import cronitor --from-url https://cronitor.io --api-key KEY reads every page)."
        }
        MonitorOrigin::UptimeKuma => {
            "An Uptime Kuma backup: Settings → Backup → Export, as JSON. Its push monitors move; the others probe from Uptime Kuma and stay there."
        }
    }
}

/// For Cronitor: the ping source whose key its own clients will send as
/// their API key, so they keep working with only the host changed.
#[component]
fn CronitorSource(source: RwSignal<Option<i64>>) -> impl IntoView {
    let sources = Resource::new(|| (), |_| crate::server_fns::ingestion::load_sources());
    view! {
        <Suspense fallback=|| ()>
            {move || sources.get().map(|found| {
                let pings: Vec<(i64, String)> = found
                    .map(|s| s.sources.into_iter()
                        .filter(|d| d.source.tool == SourceTool::Ping)
                        .map(|d| (d.source.id, d.source.name))
                        .collect())
                    .unwrap_or_default();
                view! {
                    <div class="form__row">
                        <div class="field field--form">
                            <label for="import-source">"Ping source for Cronitor's clients"</label>
                            <select id="import-source" aria-describedby="import-source-help" on:change=move |ev| {
                                source.set(event_target_value(&ev).parse().ok());
                            }>
                                <option value="">"None: new ping URLs per automation"</option>
                                {pings.into_iter().map(|(id, name)| view! {
                                    <option value=id.to_string()>{name}</option>
                                }).collect_view()}
                            </select>
                            <p class="field__help" id="import-source-help">"With a source, each monitor's key becomes its automation's slug there, and Cronitor's CLI and SDKs keep working with only the host changed and the source's key as their API key. Admin → Sources adds one."</p>
                        </div>
                    </div>
                }
            })}
        </Suspense>
    }
}

#[component]
fn ReportCounts(report: Report) -> impl IntoView {
    let (new, updated, unchanged, bad, bad_label) = match &report {
        Report::Inventory(r) => (r.new, r.updated, r.unchanged, r.errors, " with errors"),
        Report::Monitors(r) => (r.new, r.updated, r.unchanged, r.refused, " refused"),
    };
    view! {
        <ul class="counts">
            <li><strong>{new}</strong>" new"</li>
            <li><strong>{updated}</strong>" updated"</li>
            <li><strong>{unchanged}</strong>" unchanged"</li>
            <li class:counts--bad={bad > 0}><strong>{bad}</strong>{bad_label}</li>
        </ul>
    }
}

#[component]
fn ReportTable(report: Report) -> impl IntoView {
    match report {
        Report::Inventory(r) => view! { <RowTable rows=r.rows/> }.into_any(),
        Report::Monitors(r) => view! { <MonitorTable entries=r.entries/> }.into_any(),
    }
}

/// Each imported monitor's old ping URL beside its new one, to copy.
#[component]
fn UrlTable(entries: Vec<MonitorEntry>) -> impl IntoView {
    let moved: Vec<MonitorEntry> = entries
        .into_iter()
        .filter(|e| e.new_url.is_some())
        .collect();
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption>{format!("{} monitor{} to point at Baton", moved.len(), if moved.len() == 1 { "" } else { "s" })}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Old ping URL"</th>
                        <th scope="col">"New ping URL"</th>
                    </tr>
                </thead>
                <tbody>
                    {moved.into_iter().map(|e| view! {
                        <tr>
                            <th scope="row">{e.name}</th>
                            <td data-label="Old" class="mono url">{e.old_url.unwrap_or_else(|| "not in the file".to_owned())}</td>
                            <td data-label="New" class="mono url"><code>{e.new_url}</code></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Every monitor in file order: what it becomes, or why not, and its URLs.
#[component]
fn MonitorTable(entries: Vec<MonitorEntry>) -> impl IntoView {
    let total = entries.len();
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption>{format!("Every monitor ({total}), in the file's order")}</caption>
                <thead>
                    <tr>
                        <th scope="col" class="num">"#"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Expected"</th>
                        <th scope="col">"What it changes, or why not"</th>
                        <th scope="col">"Ping URL: old, then new"</th>
                    </tr>
                </thead>
                <tbody>
                    {entries.into_iter().map(|e| {
                        let label = if e.status == RowStatus::Error { "refused" } else { e.status.label() };
                        let mut detail = if e.status == RowStatus::Error { e.reasons.clone() } else { e.changes.clone() };
                        detail.extend(e.notes.iter().cloned());
                        view! {
                            <tr class:row--error={e.status == RowStatus::Error}>
                                <td class="num" data-label="#">{e.position}</td>
                                <td data-label="Status"><span class=format!("status status--{}", e.status.label())>{label}</span></td>
                                <td data-label="Name">{e.name}<span class="table__sub mono">{e.external_id}</span></td>
                                <td data-label="Expected">{e.schedule.unwrap_or_else(|| "—".to_owned())}</td>
                                <td data-label="Detail">{detail.join("; ")}</td>
                                <td data-label="Ping URL" class="mono">
                                    {e.old_url.map(|old| view! { <span class="table__sub">{old}</span> })}
                                    {match e.new_url {
                                        Some(new) => view! { <code>{new}</code> }.into_any(),
                                        None if e.status == RowStatus::Error => ().into_any(),
                                        None => view! { <span class="muted">"given once imported"</span> }.into_any(),
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Errors first, then the other rows in file order, up to [`ROWS_SHOWN`].
#[component]
fn RowTable(rows: Vec<RowReport>) -> impl IntoView {
    let total = rows.len();
    let (mut shown, rest): (Vec<RowReport>, Vec<RowReport>) =
        rows.into_iter().partition(|r| r.status == RowStatus::Error);
    let room = ROWS_SHOWN.saturating_sub(shown.len());
    shown.extend(rest.into_iter().take(room));
    let hidden = total - shown.len();
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption>{if hidden > 0 { format!("Errors first; {} of {total} rows shown", shown.len()) } else { format!("Every row ({total}), errors first") }}</caption>
                <thead>
                    <tr>
                        <th scope="col" class="num">"Line"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Tool"</th>
                        <th scope="col">"External id"</th>
                        <th scope="col">"Name"</th>
                        <th scope="col">"What it changes, or why not"</th>
                    </tr>
                </thead>
                <tbody>
                    {shown.into_iter().map(|r| {
                        let detail = if r.status == RowStatus::Error { r.reasons.join("; ") } else { r.changes.join(", ") };
                        view! {
                            <tr class:row--error={r.status == RowStatus::Error}>
                                <td class="num" data-label="Line">{r.row}</td>
                                <td data-label="Status"><span class=format!("status status--{}", r.status.label())>{r.status.label()}</span></td>
                                <td data-label="Tool">{r.tool}</td>
                                <td data-label="External id" class="mono">{r.external_id}</td>
                                <td data-label="Name">{r.name}</td>
                                <td data-label="Detail">{detail}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(feature = "hydrate")]
fn chosen(input: NodeRef<leptos::html::Input>) -> Option<web_sys::File> {
    input.get_untracked()?.files()?.get(0)
}

#[cfg(feature = "hydrate")]
mod client {
    //! The file sent with `fetch`, the answer read line by line.

    use serde::Deserialize;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use crate::model::transfer::{ImportReport, MonitorOrigin, MonitorReport};

    const URL: &str = "/api/v1/import/inventory";

    #[derive(Deserialize)]
    struct ErrorBody {
        error: String,
    }

    /// One line of the progress stream.
    #[derive(Deserialize)]
    struct Line {
        written: Option<usize>,
        report: Option<ImportReport>,
        error: Option<ErrorBody>,
    }

    fn text(err: JsValue) -> String {
        err.as_string()
            .unwrap_or_else(|| format!("the browser could not reach Baton ({err:?})"))
    }

    /// Sends a monitor listing; a preview unless `commit`.
    pub async fn send_monitors(
        file: &web_sys::File,
        origin: MonitorOrigin,
        commit: bool,
        source: Option<i64>,
    ) -> Result<MonitorReport, String> {
        let mut url = format!(
            "/api/v1/import/monitors/{}?commit={commit}",
            origin.as_str()
        );
        if let Some(source) = source {
            url.push_str(&format!("&source_id={source}"));
        }
        let response = post(&url, file, "application/json", "application/json").await?;
        let body = JsFuture::from(response.text().map_err(text)?)
            .await
            .map_err(text)?
            .as_string()
            .unwrap_or_default();
        if !response.ok() {
            return Err(serde_json::from_str::<ErrorBody>(&body)
                .map(|e| e.error)
                .unwrap_or_else(|_| format!("Baton answered {}", response.status())));
        }
        serde_json::from_str(&body).map_err(|e| format!("unreadable answer: {e}"))
    }

    /// Posts `file` to `url`.
    async fn post(
        url: &str,
        file: &web_sys::File,
        content_type: &str,
        accept: &str,
    ) -> Result<web_sys::Response, String> {
        let window = web_sys::window().ok_or("no window")?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(file);
        let headers = web_sys::Headers::new().map_err(text)?;
        headers.set("content-type", content_type).map_err(text)?;
        headers.set("accept", accept).map_err(text)?;
        init.set_headers(&headers);
        JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .map_err(text)?
            .dyn_into()
            .map_err(text)
    }

    /// Sends `file`; a preview unless `commit`. While committing, `progress`
    /// hears how many rows are written.
    pub async fn send(
        file: &web_sys::File,
        commit: bool,
        progress: impl Fn(usize),
    ) -> Result<ImportReport, String> {
        let accept = if commit {
            "application/x-ndjson"
        } else {
            "application/json"
        };
        let url = if commit {
            format!("{URL}?commit=true")
        } else {
            URL.to_owned()
        };
        let response = post(&url, file, "text/csv", accept).await?;
        if !commit || !response.ok() {
            let body = JsFuture::from(response.text().map_err(text)?)
                .await
                .map_err(text)?
                .as_string()
                .unwrap_or_default();
            if !response.ok() {
                return Err(serde_json::from_str::<ErrorBody>(&body)
                    .map(|e| e.error)
                    .unwrap_or_else(|_| format!("Baton answered {}", response.status())));
            }
            return serde_json::from_str(&body).map_err(|e| format!("unreadable answer: {e}"));
        }
        let stream = response.body().ok_or("the answer had no body")?;
        let reader: web_sys::ReadableStreamDefaultReader = stream
            .get_reader()
            .dyn_into()
            .map_err(|o: js_sys::Object| text(o.into()))?;
        let mut pending = Vec::new();
        loop {
            let chunk = JsFuture::from(reader.read()).await.map_err(text)?;
            let done = js_sys::Reflect::get(&chunk, &"done".into())
                .map_err(text)?
                .as_bool()
                .unwrap_or(true);
            if done {
                break;
            }
            let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(text)?;
            pending.extend(js_sys::Uint8Array::new(&value).to_vec());
            while let Some(end) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                let line: Line =
                    serde_json::from_slice(&line).map_err(|e| format!("unreadable answer: {e}"))?;
                if let Some(written) = line.written {
                    progress(written);
                }
                if let Some(report) = line.report {
                    return Ok(report);
                }
                if let Some(error) = line.error {
                    return Err(error.error);
                }
            }
        }
        Err(format!(
            "the answer ended early (status {})",
            response.status()
        ))
    }
}
