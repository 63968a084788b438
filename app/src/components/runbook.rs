//! Runbook pieces other screens show: its standing as a badge, the card on
//! the orchestration page, and a comparison of two texts.

use leptos::prelude::*;

use crate::model::runbooks::{Freshness, LineChange, RunbookStatus, TextDiff};

/// When something happened, to the minute.
pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A runbook's standing in a word, its colour as a border (never colour
/// alone).
#[component]
pub fn RunbookBadge(freshness: Freshness) -> impl IntoView {
    view! {
        <span class=format!("runbook-badge runbook-badge--{}", freshness.as_str())>{freshness.label()}</span>
    }
}

/// The orchestration page's card: how far the runbook can be relied on,
/// and the way to it.
#[component]
pub fn RunbookCard(slug: String, status: RunbookStatus, can_edit: bool) -> impl IntoView {
    let base = format!("/orchestrations/{slug}/runbook");
    let missing = status.freshness == Freshness::Missing;
    let revision = status
        .revision
        .zip(status.updated_at)
        .map(|(n, at)| format!("Revision {n}, saved {}.", when(at)));
    let changed = status
        .changed_since_verified()
        .then_some("It has been edited since it was verified.");
    view! {
        <section class="card" aria-labelledby="runbook-card-title">
            <div class="title-row">
                <h2 id="runbook-card-title">"Runbook"</h2>
                <RunbookBadge freshness=status.freshness/>
            </div>
            <p>{status.summary()}</p>
            {revision.map(|r| view! { <p class="muted">{r}" "{changed}</p> })}
            <p class="actions">
                {if missing {
                    if can_edit {
                        view! { <a class="button button--primary" href=format!("{base}/edit")>"Write the runbook"</a> }.into_any()
                    } else {
                        view! { <span class="muted">"Its owner has not written one yet."</span> }.into_any()
                    }
                } else {
                    view! {
                        <a class="button" href=base.clone()>"Open the runbook"</a>
                        <a href=format!("{base}/revisions")>"Its revisions"</a>
                    }.into_any()
                }}
            </p>
        </section>
    }
}

/// Two texts compared: each changed stretch with three lines around it,
/// old and new line numbers, `+`/`−` markers as well as colour, and the
/// changed words marked inside a changed line.
#[component]
pub fn DiffView(diff: TextDiff, caption: String) -> impl IntoView {
    if diff.hunks.is_empty() {
        return view! { <p class="muted">"The two texts are the same."</p> }.into_any();
    }
    let hunks = diff.hunks.len();
    view! {
        <div class="diff-wrap">
            <table class="diff">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col" class="diff__num">"Old"</th>
                        <th scope="col" class="diff__num">"New"</th>
                        <th scope="col" class="diff__mark"><span class="visually-hidden">"Change"</span></th>
                        <th scope="col">"Text"</th>
                    </tr>
                </thead>
                {diff.hunks.into_iter().enumerate().map(|(i, hunk)| view! {
                    <tbody class="diff__hunk">
                        {hunk.lines.into_iter().map(|line| {
                            let (class, mark, said) = match line.change {
                                LineChange::Same => ("diff__line", " ", "unchanged"),
                                LineChange::Added => ("diff__line diff__line--added", "+", "added"),
                                LineChange::Removed => ("diff__line diff__line--removed", "−", "removed"),
                            };
                            let number = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_default();
                            let parts = line.parts.into_iter().map(|(marked, text)| {
                                if marked {
                                    view! { <mark class="diff__word">{text}</mark> }.into_any()
                                } else {
                                    view! { <span>{text}</span> }.into_any()
                                }
                            }).collect_view();
                            let text = match line.change {
                                LineChange::Added => view! { <ins>{parts}</ins> }.into_any(),
                                LineChange::Removed => view! { <del>{parts}</del> }.into_any(),
                                LineChange::Same => view! { <span>{parts}</span> }.into_any(),
                            };
                            view! {
                                <tr class=class>
                                    <td class="diff__num">{number(line.old)}</td>
                                    <td class="diff__num">{number(line.new)}</td>
                                    <td class="diff__mark" aria-hidden="true">{mark}</td>
                                    <td class="diff__text"><span class="visually-hidden">{format!("{said}: ")}</span>{text}</td>
                                </tr>
                            }
                        }).collect_view()}
                        {(i + 1 < hunks).then(|| view! {
                            <tr class="diff__gap"><td colspan="4">"⋯ unchanged lines ⋯"</td></tr>
                        })}
                    </tbody>
                }).collect_view()}
            </table>
        </div>
    }
    .into_any()
}
