//! The runbook screens: read (and print, download, verify), edit with a
//! live preview, the revision history, one old revision, and two compared.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::components::form::{SaveMessages, load_failed};
use crate::components::runbook::{DiffView, RunbookBadge, when};
use crate::model::runbooks::RevisionMeta;
use crate::pages::not_found::answer_not_found;
use crate::server_fns::runbooks::{
    RestoreRunbook, SaveRunbook, VerifyRunbook, compare_runbook, load_runbook,
    load_runbook_history, load_runbook_revision, open_runbook_editor,
};
use crate::services::{
    RevisionScreen, RunbookComparison, RunbookEditor, RunbookHistory, RunbookSaveOutcome,
    RunbookScreen,
};

fn slug_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("slug").unwrap_or_default()))
}

/// What a runbook page shows for an unknown orchestration or revision.
fn missing(what: &'static str) -> AnyView {
    answer_not_found();
    view! {
        <Title text="Not found"/>
        <section class="card" aria-labelledby="missing">
            <h1 id="missing">{what}</h1>
            <p><a href="/orchestrations">"See every orchestration"</a></p>
        </section>
    }
    .into_any()
}

/// The breadcrumb every runbook page starts with.
#[component]
fn Crumbs(slug: String, name: String, #[prop(optional)] runbook: bool) -> impl IntoView {
    let base = format!("/orchestrations/{slug}");
    view! {
        <p class="breadcrumb">
            <a href="/orchestrations">"Orchestrations"</a>" / "
            <a href=base.clone()>{name}</a>" / "
            {runbook.then(|| view! { <a href=format!("{base}/runbook")>"Runbook"</a>" / " })}
        </p>
    }
}

/// `/orchestrations/:slug/runbook`.
#[component]
pub fn RunbookPage() -> impl IntoView {
    let slug = slug_param();
    let page = Resource::new(move || slug.get(), load_runbook);
    let changed = Callback::new(move |()| page.refetch());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the runbook…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(screen)) => view! { <Runbook screen changed/> }.into_any(),
                    Ok(None) => missing("No such orchestration"),
                    Err(err) => load_failed("The runbook could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Runbook(screen: RunbookScreen, changed: Callback<()>) -> impl IntoView {
    let base = format!("/orchestrations/{}/runbook", screen.slug);
    let verify = ServerAction::<VerifyRunbook>::new();
    let verified = verify.value();
    Effect::new(move |_| {
        if let Some(Ok(crate::model::forms::SaveOutcome::Saved { .. })) = verified.get() {
            // Read again: the new standing shows.
            changed.run(());
        }
    });
    let status = screen.status.clone();
    let has_runbook = screen.current.is_some();
    let title = format!("Runbook · {}", screen.name);
    view! {
        <Title text=title/>
        <div class="page-header">
            <Crumbs slug=screen.slug.clone() name=screen.name.clone()/>
            <div class="title-row">
                <h1>{format!("Runbook: {}", screen.name)}</h1>
                <p class="actions no-print">
                    {screen.can_edit.then(|| view! {
                        <a class="button button--primary" href=format!("{base}/edit")>
                            {if has_runbook { "Edit" } else { "Write the runbook" }}
                        </a>
                    })}
                    {has_runbook.then(|| view! {
                        <a class="button" href=format!("{base}/revisions")>"Revisions"</a>
                        <a class="button" href=format!("/api/v1/orchestrations/{}/runbook.md", screen.slug) download="">"Download .md"</a>
                    })}
                </p>
            </div>
            <div class="runbook-status">
                <RunbookBadge freshness=status.freshness/>
                <span>{status.summary()}</span>
                {screen.current.as_ref().map(|c| view! {
                    <span class="muted">
                        {format!("Revision {}, saved by {} on {}.", c.number, c.author, when(c.created_at))}
                        {status.changed_since_verified().then_some(" Edited since it was verified.")}
                    </span>
                })}
            </div>
            {(screen.can_edit && has_runbook).then(|| view! {
                <ActionForm action=verify attr:class="inline-form no-print">
                    <input type="hidden" name="slug" value=screen.slug.clone()/>
                    <SaveMessages outcome=verified.into()/>
                    <button type="submit" class="button" disabled=move || verify.pending().get()>
                        "I checked it is still true: mark it verified"
                    </button>
                </ActionForm>
            })}
        </div>
        {if has_runbook {
            view! { <article class="card runbook prose-body" inner_html=screen.html></article> }.into_any()
        } else {
            view! {
                <section class="card">
                    <h2>"No runbook yet"</h2>
                    <p>"A runbook is what lets someone other than its author respond when this orchestration fails: what it does, what to do when a run fails, is missed or takes too long, how to re-run it, and whom to call."</p>
                    {if screen.can_edit {
                        view! { <p><a class="button button--primary" href=format!("{base}/edit")>"Write the runbook"</a>" It starts from a template filled from the product card."</p> }.into_any()
                    } else {
                        view! { <p class="muted">"Its owner, backup owner or an administrator can write it."</p> }.into_any()
                    }}
                </section>
            }.into_any()
        }}
    }
}

/// `/orchestrations/:slug/runbook/edit`.
#[component]
pub fn RunbookEditPage() -> impl IntoView {
    let slug = slug_param();
    let editor = Resource::new(move || slug.get(), open_runbook_editor);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the editor…"</p> }>
            {move || Suspend::new(async move {
                match editor.await {
                    Ok(Some(editor)) => view! { <Editor editor/> }.into_any(),
                    Ok(None) => missing("No such orchestration"),
                    Err(err) => load_failed("The editor could not be opened", err),
                }
            })}
        </Suspense>
    }
}

/// How long typing pauses before the preview is redrawn.
#[cfg(feature = "hydrate")]
const PREVIEW_PAUSE: std::time::Duration = std::time::Duration::from_millis(250);

#[component]
fn Editor(editor: RunbookEditor) -> impl IntoView {
    let save = ServerAction::<SaveRunbook>::new();
    let outcome = save.value();
    let body = RwSignal::new(editor.body.clone());
    let preview = RwSignal::new(editor.html.clone());
    let base = RwSignal::new(editor.base_revision);
    let navigate = use_navigate();
    Effect::new(move |_| match outcome.get() {
        Some(Ok(RunbookSaveOutcome::Saved { path, .. })) => navigate(&path, Default::default()),
        Some(Ok(RunbookSaveOutcome::Conflict { theirs, .. })) => base.set(theirs.number),
        _ => {}
    });
    // The preview follows the text once typing pauses.
    #[cfg(feature = "hydrate")]
    let pending: StoredValue<Option<leptos::prelude::TimeoutHandle>> = StoredValue::new(None);
    #[cfg(feature = "hydrate")]
    on_cleanup(move || {
        if let Some(handle) = pending.try_get_value().flatten() {
            handle.clear();
        }
    });
    let typed = move |text: String| {
        body.set(text);
        #[cfg(feature = "hydrate")]
        {
            if let Some(handle) = pending.get_value() {
                handle.clear();
            }
            let handle = set_timeout_with_handle(
                move || {
                    // The editor may be gone by now (saved, or left).
                    let Some(text) = body.try_get_untracked() else {
                        return;
                    };
                    leptos::task::spawn_local(async move {
                        if let Ok(html) = crate::server_fns::runbooks::preview_runbook(text).await {
                            preview.try_set(html);
                        }
                    });
                },
                PREVIEW_PAUSE,
            )
            .ok();
            pending.set_value(handle);
        }
    };
    let field_error = move |field: &'static str| {
        outcome.with(|o| match o {
            Some(Ok(RunbookSaveOutcome::Invalid(errors))) => errors.get(field).map(str::to_owned),
            _ => None,
        })
    };
    let runbook = format!("/orchestrations/{}/runbook", editor.slug);
    let title = if editor.base_revision == 0 {
        format!("Write the runbook · {}", editor.name)
    } else {
        format!("Edit the runbook · {}", editor.name)
    };
    let lede = move || {
        match base.get() {
        0 => "A new runbook starts from this template, filled from the product card. Replace the parts in italics; keep the sections the alerts link to (failed, missed, too long).".to_owned(),
        n => format!("Editing revision {n}. Saving makes a new revision; the earlier ones stay in the history."),
    }
    };
    view! {
        <Title text=title.clone()/>
        <div class="page-header">
            <Crumbs slug=editor.slug.clone() name=editor.name.clone() runbook=true/>
            <h1>{title}</h1>
            <p class="lede">{lede}</p>
        </div>
        <ActionForm action=save attr:class="form card runbook-editor" attr:novalidate=true>
            <input type="hidden" name="slug" value=editor.slug.clone()/>
            <input type="hidden" name="draft[base_revision]" value=move || base.get()/>
            {move || match outcome.get() {
                Some(Ok(RunbookSaveOutcome::Conflict { theirs, theirs_html, diff })) => {
                    let theirs_body = theirs.body.clone();
                    view! {
                        <div class="notice notice--warning conflict" role="alert">
                            <h2>{format!("{} saved revision {} while you were editing", theirs.author, theirs.number)}</h2>
                            <p>{format!("Saved {}{}. Nothing of yours was saved, and your text is still in the editor below. Below: how your text differs from theirs.", when(theirs.created_at), if theirs.note.is_empty() { String::new() } else { format!(" with the note “{}”", theirs.note) })}</p>
                            <DiffView diff caption=format!("From their revision {} to your text", theirs.number)/>
                            <details>
                                <summary>{format!("Their revision {} as it reads", theirs.number)}</summary>
                                <div class="runbook prose-body" inner_html=theirs_html></div>
                            </details>
                            <p>"Save again to make your text the next revision (theirs stays in the history), or start from theirs:"</p>
                            <button type="button" class="button" on:click=move |_| {
                                body.set(theirs_body.clone());
                            }>"Replace my text with theirs"</button>
                        </div>
                    }.into_any()
                }
                Some(Ok(RunbookSaveOutcome::Invalid(_))) => view! {
                    <div class="notice notice--error" role="alert"><p><strong>"Nothing was saved: see the messages below."</strong></p></div>
                }.into_any(),
                Some(Ok(RunbookSaveOutcome::Refused(why))) => view! {
                    <div class="notice notice--error" role="alert"><p>{why}</p></div>
                }.into_any(),
                Some(Err(err)) => view! {
                    <div class="notice notice--error" role="alert">
                        <p>{format!("Not saved: {} Nothing you typed is lost; try again.", crate::components::form::sentence(&crate::components::form::server_words(&err)))}</p>
                    </div>
                }.into_any(),
                _ => ().into_any(),
            }}
            <div class="runbook-editor__panes">
                <div class="field field--form runbook-editor__source">
                    <label for="field-body">"Markdown"</label>
                    <textarea
                        id="field-body"
                        name="draft[body]"
                        rows="28"
                        spellcheck="true"
                        aria-describedby="field-body-hint field-body-message"
                        aria-invalid=move || field_error("body").is_some().then_some("true")
                        prop:value=move || body.get()
                        on:input=move |ev| typed(event_target_value(&ev))
                    >{crate::escape::textarea_text(editor.body.clone())}</textarea>
                    <p id="field-body-hint" class="field__hint">"Headings, lists, tables, links and code work as in most markdown editors. Scripts and styles are removed when it is shown."</p>
                    <p id="field-body-message" class="field__error" role="status">{move || field_error("body")}</p>
                </div>
                <section class="runbook-editor__preview" aria-labelledby="preview-title">
                    <h2 id="preview-title" class="runbook-editor__label">"Preview"</h2>
                    <div class="runbook prose-body" inner_html=move || preview.get()></div>
                </section>
            </div>
            <div class="field field--form">
                <label for="field-note">"What changed (optional)"</label>
                <input id="field-note" name="draft[note]" maxlength="200" autocomplete="off"
                    aria-describedby="field-note-message"
                    aria-invalid=move || field_error("note").is_some().then_some("true")/>
                <p id="field-note-message" class="field__error" role="status">{move || field_error("note")}</p>
            </div>
            <div class="form__actions">
                <button type="submit" class="button button--primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
                <a href=runbook>"Cancel"</a>
            </div>
        </ActionForm>
    }
}

/// `/orchestrations/:slug/runbook/revisions`.
#[component]
pub fn RunbookHistoryPage() -> impl IntoView {
    let slug = slug_param();
    let page = Resource::new(move || slug.get(), load_runbook_history);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the revisions…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(history)) => view! { <History history/> }.into_any(),
                    Ok(None) => missing("No such orchestration"),
                    Err(err) => load_failed("The revisions could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

fn restored_note(r: &RevisionMeta) -> String {
    match (r.note.is_empty(), r.restored_from) {
        (true, Some(n)) => format!("Restored revision {n}"),
        (true, None) => "—".to_owned(),
        (false, _) => r.note.clone(),
    }
}

#[component]
fn History(history: RunbookHistory) -> impl IntoView {
    let base = format!("/orchestrations/{}/runbook", history.slug);
    let back = base.clone();
    let compare = format!("{base}/compare");
    let newest = history.revisions.first().map_or(0, |r| r.number);
    let second = history.revisions.get(1).map_or(newest, |r| r.number);
    let title = format!("Runbook revisions · {}", history.name);
    let count = history.revisions.len();
    view! {
        <Title text=title/>
        <div class="page-header">
            <Crumbs slug=history.slug.clone() name=history.name.clone() runbook=true/>
            <h1>"Revisions"</h1>
            <p class="lede">{format!("{count} revision{}, newest first. Choose two to compare; open one to read or restore it.", if count == 1 { "" } else { "s" })}</p>
        </div>
        {if history.revisions.is_empty() {
            view! {
                <section class="card"><p>"No runbook has been written yet. "<a href=base.clone()>"Back to the runbook"</a></p></section>
            }.into_any()
        } else {
            view! {
                <form class="card" method="get" action=compare>
                    <div class="table-wrap">
                        <table class="table">
                            <caption class="visually-hidden">"Revisions of the runbook, newest first"</caption>
                            <thead>
                                <tr>
                                    <th scope="col">"From"</th>
                                    <th scope="col">"To"</th>
                                    <th scope="col">"Revision"</th>
                                    <th scope="col">"Saved"</th>
                                    <th scope="col">"By"</th>
                                    <th scope="col">"Note"</th>
                                    <th scope="col" class="num">"Lines"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {history.revisions.into_iter().map(|r| {
                                    let n = r.number;
                                    let label = if n == newest { format!("{n} (current)") } else { n.to_string() };
                                    view! {
                                        <tr>
                                            <td><input type="radio" name="from" value=n checked=n == second aria-label=format!("Compare from revision {n}")/></td>
                                            <td><input type="radio" name="to" value=n checked=n == newest aria-label=format!("Compare to revision {n}")/></td>
                                            <td><a href=format!("{base}/revisions/{n}")>{label}</a></td>
                                            <td>{when(r.created_at)}</td>
                                            <td>{r.author.clone()}</td>
                                            <td>{restored_note(&r)}</td>
                                            <td class="num">{r.lines}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <div class="form__actions">
                        <button type="submit" class="button button--primary">"Compare the chosen revisions"</button>
                        <a href=back>"Back to the runbook"</a>
                    </div>
                </form>
            }.into_any()
        }}
    }
}

/// `/orchestrations/:slug/runbook/revisions/:number`.
#[component]
pub fn RunbookRevisionPage() -> impl IntoView {
    let slug = slug_param();
    let params = use_params_map();
    let number = Memo::new(move |_| {
        params.with(|p| {
            p.get("number")
                .and_then(|n| n.parse::<i64>().ok())
                .unwrap_or(0)
        })
    });
    let page = Resource::new(
        move || (slug.get(), number.get()),
        |(slug, number)| load_runbook_revision(slug, number),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the revision…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(screen)) => view! { <OldRevision screen/> }.into_any(),
                    Ok(None) => missing("No such revision"),
                    Err(err) => load_failed("The revision could not be loaded", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OldRevision(screen: RevisionScreen) -> impl IntoView {
    let restore = ServerAction::<RestoreRunbook>::new();
    let restored = restore.value();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(crate::model::forms::SaveOutcome::Saved { path })) = restored.get() {
            navigate(&path, Default::default());
        }
    });
    let r = screen.revision;
    let n = r.number;
    let base = format!("/orchestrations/{}/runbook", screen.slug);
    let is_current = n == screen.current;
    let title = format!("Runbook revision {n} · {}", screen.name);
    view! {
        <Title text=title/>
        <div class="page-header">
            <Crumbs slug=screen.slug.clone() name=screen.name.clone() runbook=true/>
            <div class="title-row">
                <h1>{if is_current { format!("Revision {n} (current)") } else { format!("Revision {n}") }}</h1>
                <p class="actions no-print">
                    <a class="button" href=format!("{base}/revisions")>"All revisions"</a>
                    {(!is_current).then(|| view! {
                        <a class="button" href=format!("{base}/compare?from={n}&to={}", screen.current)>"Compare with the current"</a>
                    })}
                </p>
            </div>
            <p class="muted">
                {format!("Saved by {} on {}.", r.author, when(r.created_at))}
                {(!r.note.is_empty()).then(|| format!(" “{}”", r.note))}
                {r.restored_from.map(|f| format!(" It restored revision {f}."))}
            </p>
            {(screen.can_edit && !is_current).then(|| view! {
                <ActionForm action=restore attr:class="inline-form no-print">
                    <input type="hidden" name="slug" value=screen.slug.clone()/>
                    <input type="hidden" name="number" value=n/>
                    <SaveMessages outcome=restored.into()/>
                    <button type="submit" class="button button--primary" disabled=move || restore.pending().get()>
                        {format!("Restore revision {n} as the current text")}
                    </button>
                    <span class="field__hint">" The current text stays in the history."</span>
                </ActionForm>
            })}
        </div>
        <article class="card runbook prose-body" inner_html=screen.html></article>
    }
}

/// `/orchestrations/:slug/runbook/compare?from=&to=`.
#[component]
pub fn RunbookComparePage() -> impl IntoView {
    let slug = slug_param();
    let query = use_query_map();
    let pair = Memo::new(move |_| {
        query.with(|q| {
            let read = |key: &str| q.get(key).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
            (read("from"), read("to"))
        })
    });
    let page = Resource::new(
        move || (slug.get(), pair.get()),
        |(slug, (from, to))| compare_runbook(slug, from, to),
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Comparing…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(comparison)) => view! { <Comparison comparison/> }.into_any(),
                    Ok(None) => missing("No such revisions to compare"),
                    Err(err) => load_failed("The revisions could not be compared", err),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Comparison(comparison: RunbookComparison) -> impl IntoView {
    let RunbookComparison {
        slug,
        name,
        diff,
        revisions,
    } = comparison;
    let base = format!("/orchestrations/{slug}/runbook");
    let (from, to) = (diff.from.number, diff.to.number);
    let title = format!("Runbook revisions {from} and {to} · {name}");
    let summary = format!(
        "{} line{} added, {} removed.",
        diff.diff.added,
        if diff.diff.added == 1 { "" } else { "s" },
        diff.diff.removed
    );
    let option = move |r: &RevisionMeta, chosen: i64| {
        let n = r.number;
        view! { <option value=n selected=n == chosen>{format!("{n} · {} · {}", when(r.created_at), r.author)}</option> }
    };
    let describe = |r: &RevisionMeta| {
        format!(
            "Revision {} by {}, {}{}",
            r.number,
            r.author,
            when(r.created_at),
            if r.note.is_empty() {
                String::new()
            } else {
                format!(": “{}”", r.note)
            }
        )
    };
    view! {
        <Title text=title/>
        <div class="page-header">
            <Crumbs slug=slug.clone() name=name.clone() runbook=true/>
            <h1>{format!("Revision {from} → revision {to}")}</h1>
            <ul class="plain muted">
                <li><span class="diff-key diff-key--removed">"− older"</span>" "{describe(&diff.from)}</li>
                <li><span class="diff-key diff-key--added">"+ newer"</span>" "{describe(&diff.to)}</li>
            </ul>
            <p><strong>{summary}</strong></p>
        </div>
        <form class="card compare-pick no-print" method="get" action=format!("{base}/compare")>
            <label for="compare-from">"From"</label>
            <select id="compare-from" name="from">
                {revisions.iter().map(|r| option(r, from)).collect_view()}
            </select>
            <label for="compare-to">"to"</label>
            <select id="compare-to" name="to">
                {revisions.iter().map(|r| option(r, to)).collect_view()}
            </select>
            <button type="submit" class="button">"Compare"</button>
            <a href=format!("{base}/revisions")>"All revisions"</a>
        </form>
        <section class="card" aria-label="Differences">
            <DiffView diff=diff.diff caption=format!("Changes from revision {from} to revision {to}")/>
        </section>
    }
}
