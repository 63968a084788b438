//! Importing the inventory from a CSV file: choose the file, read the
//! preview of every row, then import the good rows in one go, with
//! progress. The browser sends the file to the public API
//! (`POST /api/v1/import/inventory`), the same door scripts use.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::form::NotAllowed;
use crate::model::transfer::{INVENTORY_COLUMNS, ImportReport, RowReport, RowStatus};
use crate::pages::not_found::answer_forbidden;

/// Rows of a preview drawn in the table (errors are always all drawn).
const ROWS_SHOWN: usize = 500;

/// Where an import stands. Only the browser moves it on.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Stage {
    Choosing,
    Previewing,
    Previewed(ImportReport),
    Importing { written: usize, total: usize },
    Imported(ImportReport),
    Failed(String),
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let stage = RwSignal::new(Stage::Choosing);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let preview = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = chosen(file_input) else {
                stage.set(Stage::Failed("Choose a CSV file first.".to_owned()));
                return;
            };
            stage.set(Stage::Previewing);
            leptos::task::spawn_local(async move {
                let result = client::send(&file, false, |_| {}).await;
                stage.set(match result {
                    Ok(report) => Stage::Previewed(report),
                    Err(why) => Stage::Failed(why),
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (file_input, stage);
    };
    let commit = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let total = match stage.get_untracked() {
                Stage::Previewed(report) => report.new + report.updated + report.unchanged,
                _ => 0,
            };
            let Some(file) = chosen(file_input) else {
                stage.set(Stage::Failed("Choose the CSV file again.".to_owned()));
                return;
            };
            stage.set(Stage::Importing { written: 0, total });
            leptos::task::spawn_local(async move {
                let result = client::send(&file, true, move |written| {
                    stage.set(Stage::Importing { written, total });
                })
                .await;
                stage.set(match result {
                    Ok(report) => Stage::Imported(report),
                    Err(why) => Stage::Failed(why),
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (file_input, stage);
    };
    let busy = move || matches!(stage.get(), Stage::Previewing | Stage::Importing { .. });
    let content = move || {
        view! {
            <section class="card" aria-labelledby="file-title">
                <h2 id="file-title">"1. Choose the file"</h2>
                <p>
                    "Columns, with a header row: "
                    {INVENTORY_COLUMNS.iter().enumerate().map(|(i, c)| view! { {(i > 0).then_some(", ")}<code>{*c}</code> }).collect_view()}
                    ". "<code>"tool"</code>", "<code>"external_id"</code>" and "<code>"name"</code>" are required; a row is matched to an automation already listed by tool and external id, so importing the same file twice changes nothing. "
                    <a href="/samples/inventory.csv" download>"Download a sample file"</a>"."
                </p>
                <div class="form__row">
                    <div class="field field--form">
                        <label for="import-file">"CSV file"</label>
                        <input id="import-file" type="file" accept=".csv,text/csv" node_ref=file_input
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
                    let good = report.new + report.updated + report.unchanged;
                    let writes = report.new + report.updated;
                    view! {
                        <section class="card" aria-labelledby="preview-title">
                            <h2 id="preview-title">"2. Check the preview"</h2>
                            <Counts report=report.clone()/>
                            <p>{if writes == 0 {
                                "Nothing to write: every good row is already in the inventory as it says.".to_owned()
                            } else {
                                format!("Importing writes {writes} row{} in one go{}.", if writes == 1 { "" } else { "s" },
                                    if report.errors > 0 { "; the rows with errors are left out — correct them and import the file again" } else { "" })
                            }}</p>
                            <p class="actions">
                                <button type="button" class="button button--primary" on:click=commit disabled=move || writes == 0 || busy()>
                                    {format!("Import {good} good row{}", if good == 1 { "" } else { "s" })}
                                </button>
                            </p>
                            <RowTable rows=report.rows/>
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
                Stage::Imported(report) => view! {
                    <section class="card notice notice--ok" aria-labelledby="done-title" role="status">
                        <h2 id="done-title">"Imported"</h2>
                        <Counts report=report.clone()/>
                        <p><a href="/inventory">"See the inventory"</a></p>
                    </section>
                }
                .into_any(),
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
        <Title text="Import the inventory"/>
        <div class="page-header">
            <p class="breadcrumb"><a href="/inventory">"Inventory"</a>" / "</p>
            <h1>"Import the inventory"</h1>
            <p class="lede">"Add or update many automations from a CSV file. You see what each row will do before anything is written."</p>
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

#[component]
fn Counts(report: ImportReport) -> impl IntoView {
    view! {
        <ul class="counts">
            <li><strong>{report.new}</strong>" new"</li>
            <li><strong>{report.updated}</strong>" updated"</li>
            <li><strong>{report.unchanged}</strong>" unchanged"</li>
            <li class:counts--bad={report.errors > 0}><strong>{report.errors}</strong>" with errors"</li>
        </ul>
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

    use crate::model::transfer::ImportReport;

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

    /// Sends `file`; a preview unless `commit`. While committing, `progress`
    /// hears how many rows are written.
    pub async fn send(
        file: &web_sys::File,
        commit: bool,
        progress: impl Fn(usize),
    ) -> Result<ImportReport, String> {
        let window = web_sys::window().ok_or("no window")?;
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(file);
        let headers = web_sys::Headers::new().map_err(text)?;
        headers.set("content-type", "text/csv").map_err(text)?;
        let accept = if commit {
            "application/x-ndjson"
        } else {
            "application/json"
        };
        headers.set("accept", accept).map_err(text)?;
        init.set_headers(&headers);
        let url = if commit {
            format!("{URL}?commit=true")
        } else {
            URL.to_owned()
        };
        let response: web_sys::Response =
            JsFuture::from(window.fetch_with_str_and_init(&url, &init))
                .await
                .map_err(text)?
                .dyn_into()
                .map_err(text)?;
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
