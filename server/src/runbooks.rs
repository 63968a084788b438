//! Runbooks' rules: who writes them, revisions that are never changed, a
//! save based on an old revision refused with both texts, verification
//! that goes stale; and turning markdown into HTML that is safe to show.

use std::collections::HashMap;
use std::sync::LazyLock;

use app::model::accounts::Actor;
use app::model::catalog::Orchestration;
use app::model::runbooks::{
    DiffLine, Freshness, Hunk, LineChange, Revision, RevisionDiff, RunbookDraft, RunbookStatus,
    TextDiff, Verification,
};
use chrono::{DateTime, TimeDelta, Utc};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::access;
use crate::audit::Author;
use crate::catalog::CatalogError;
use crate::clock::Clock;
use crate::store::{NewRevision, Store, StoreError};

/// Why a runbook change was refused.
#[derive(Debug, thiserror::Error)]
pub enum RunbookError {
    /// Invalid fields, not found, not allowed.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Someone saved since the text was opened: nothing was saved; their
    /// revision and how the text sent differs from it come back.
    #[error("revision {} was saved by {} since you opened revision {base}: nothing was saved; compare, then save again on theirs", theirs.number, theirs.author)]
    Conflict {
        base: i64,
        theirs: Box<Revision>,
        yours: String,
        diff: TextDiff,
    },
    /// The request makes no sense in the runbook's state; says why.
    #[error("{0}")]
    Refused(String),
}

impl From<StoreError> for RunbookError {
    fn from(err: StoreError) -> Self {
        RunbookError::Catalog(err.into())
    }
}

/// What the runbook screens and the API show of one runbook.
#[derive(Debug, Clone)]
pub struct Current {
    pub revision: Option<Revision>,
    pub status: RunbookStatus,
}

/// The runbook of `orchestration` with its standing at `now`.
pub async fn current(
    store: &dyn Store,
    orchestration: i64,
    stale_after_days: u32,
    now: DateTime<Utc>,
) -> Result<Current, StoreError> {
    let (revision, verification) = store.runbook(orchestration).await?;
    let meta = revision.as_ref().map(Revision::meta);
    Ok(Current {
        status: RunbookStatus::new(meta.as_ref(), verification, stale_after_days, now),
        revision,
    })
}

/// Each orchestration's runbook standing at `now`; those without a runbook
/// are absent (they are [`Freshness::Missing`]).
pub async fn freshness(
    store: &dyn Store,
    stale_after_days: u32,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Freshness>, StoreError> {
    let period = TimeDelta::days(i64::from(stale_after_days));
    Ok(store
        .runbook_marks()
        .await?
        .into_iter()
        .map(|mark| {
            let at = mark.verification.map(|v| v.at);
            (mark.orchestration_id, Freshness::of(true, at, period, now))
        })
        .collect())
}

/// Saves `draft` as the next revision, if it was edited from the newest.
pub async fn save(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    orchestration: &Orchestration,
    draft: RunbookDraft,
) -> Result<Revision, RunbookError> {
    access::check_orchestration(actor, orchestration)?;
    let valid = draft.validate().map_err(CatalogError::Invalid)?;
    write(
        store,
        clock,
        actor,
        orchestration,
        valid.base_revision,
        valid.body,
        valid.note,
        None,
    )
    .await
}

/// Brings revision `number` back as a new revision on top of the newest:
/// nothing in between is lost, it stays in the history.
pub async fn restore(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    orchestration: &Orchestration,
    number: i64,
) -> Result<Revision, RunbookError> {
    access::check_orchestration(actor, orchestration)?;
    let old = store.runbook_revision(orchestration.id, number).await?;
    let (newest, _) = store.runbook(orchestration.id).await?;
    let base = newest.as_ref().map_or(0, |r| r.number);
    if base == number {
        return Err(RunbookError::Refused(format!(
            "revision {number} is already the current one: there is nothing to restore"
        )));
    }
    write(
        store,
        clock,
        actor,
        orchestration,
        base,
        old.body,
        format!("Restored revision {number}"),
        Some(number),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn write(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    orchestration: &Orchestration,
    base: i64,
    body: String,
    note: String,
    restored_from: Option<i64>,
) -> Result<Revision, RunbookError> {
    let author = Author::of(actor);
    let now = clock.now();
    let new = NewRevision {
        body,
        note,
        author_id: Some(actor.id),
        author: actor.display_name.clone(),
        at: now,
        restored_from,
    };
    let action = if restored_from.is_some() {
        "runbook.restored"
    } else {
        "runbook.saved"
    };
    let audit = author
        .did(
            now,
            action,
            "orchestration",
            Some(orchestration.id),
            &orchestration.fields.name,
        )
        .after(&serde_json::json!({
            "revision": base + 1,
            "note": new.note,
            "restored_from": restored_from,
            "lines": new.body.lines().count(),
        }));
    match store
        .save_runbook(orchestration.id, base, &new, &audit)
        .await
    {
        Ok(number) => Ok(Revision {
            number,
            body: new.body,
            note: new.note,
            author_id: new.author_id,
            author: new.author,
            created_at: now,
            restored_from,
        }),
        Err(StoreError::Conflict(_)) => {
            let (theirs, _) = store.runbook(orchestration.id).await?;
            let Some(theirs) = theirs else {
                return Err(RunbookError::Refused(
                    "the runbook changed while saving; try again".to_owned(),
                ));
            };
            Err(RunbookError::Conflict {
                base,
                diff: diff(&theirs.body, &new.body),
                yours: new.body,
                theirs: Box::new(theirs),
            })
        }
        Err(other) => Err(other.into()),
    }
}

/// Marks the current revision verified by `actor` now.
pub async fn verify(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    orchestration: &Orchestration,
) -> Result<Verification, RunbookError> {
    access::check_orchestration(actor, orchestration)?;
    let (current, _) = store.runbook(orchestration.id).await?;
    let Some(current) = current else {
        return Err(RunbookError::Refused(
            "there is no runbook to verify yet: write it first".to_owned(),
        ));
    };
    let now = clock.now();
    let verification = Verification {
        revision: current.number,
        by_id: Some(actor.id),
        by: actor.display_name.clone(),
        at: now,
    };
    let audit = Author::of(actor)
        .did(
            now,
            "runbook.verified",
            "orchestration",
            Some(orchestration.id),
            &orchestration.fields.name,
        )
        .after(&serde_json::json!({ "revision": current.number }));
    store
        .verify_runbook(orchestration.id, &verification, &audit)
        .await?;
    Ok(verification)
}

/// Revisions `from` and `to` compared.
pub async fn compare(
    store: &dyn Store,
    orchestration: i64,
    from: i64,
    to: i64,
) -> Result<RevisionDiff, StoreError> {
    let older = store.runbook_revision(orchestration, from).await?;
    let newer = store.runbook_revision(orchestration, to).await?;
    Ok(RevisionDiff {
        diff: diff(&older.body, &newer.body),
        from: older.meta(),
        to: newer.meta(),
    })
}

/// Unchanged lines shown around each change.
const CONTEXT: usize = 3;

/// `old` and `new` compared line by line, with the changed words marked
/// inside changed lines.
pub fn diff(old: &str, new: &str) -> TextDiff {
    let text = similar::TextDiff::from_lines(old, new);
    let (mut added, mut removed) = (0, 0);
    for change in text.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    let hunks = text
        .grouped_ops(CONTEXT)
        .iter()
        .map(|group| Hunk {
            lines: group
                .iter()
                .flat_map(|op| text.iter_inline_changes(op))
                .map(|change| {
                    let mut parts: Vec<(bool, String)> = change
                        .iter_strings_lossy()
                        .map(|(marked, part)| (marked, part.into_owned()))
                        .collect();
                    if let Some((_, last)) = parts.last_mut() {
                        let trimmed = last.trim_end_matches(['\n', '\r']).len();
                        last.truncate(trimmed);
                    }
                    DiffLine {
                        change: match change.tag() {
                            similar::ChangeTag::Equal => LineChange::Same,
                            similar::ChangeTag::Insert => LineChange::Added,
                            similar::ChangeTag::Delete => LineChange::Removed,
                        },
                        old: change.old_index().map(|i| i + 1),
                        new: change.new_index().map(|i| i + 1),
                        parts,
                    }
                })
                .collect(),
        })
        .collect();
    TextDiff {
        added,
        removed,
        hunks,
    }
}

/// The sanitiser: ammonia's allow-list, plus heading ids (for the sections
/// alerts link to) and the disabled checkboxes of task lists.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            (_, "id") => is_anchor(value).then(|| value.into()),
            ("input", "type") => (value == "checkbox").then(|| value.into()),
            _ => Some(value.into()),
        })
        .link_rel(Some("noopener noreferrer nofollow"));
    for heading in ["h1", "h2", "h3", "h4", "h5", "h6"] {
        builder.add_tag_attributes(heading, ["id"]);
    }
    builder
});

/// An id a heading may carry: lower-case words joined by `-` or `_`.
fn is_anchor(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 80
        && id
            .chars()
            .all(|c| (c.is_alphanumeric() && !c.is_uppercase()) || c == '-' || c == '_')
}

/// A heading's anchor from its text: "Too long" → `too-long`.
pub fn anchor_of(text: &str) -> String {
    let mut anchor = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            anchor.push(c);
        } else if (c.is_whitespace() || c == '-' || c == '_') && !anchor.ends_with('-') {
            anchor.push('-');
        }
    }
    let anchor = anchor.trim_matches('-');
    anchor.chars().take(60).collect()
}

/// Markdown as HTML that is safe to put in a page: CommonMark with tables,
/// task lists, strikethrough and footnotes; headings get anchors (their
/// `{#id}`, else one made from their text); then everything goes through
/// the sanitiser, so no script, event handler, style or `javascript:` link
/// survives.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut events: Vec<Event> = Parser::new_ext(markdown, options).collect();
    let mut taken: HashMap<String, usize> = HashMap::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { id, .. }) = &events[i] {
            let wanted = match id {
                Some(id) if is_anchor(id) => id.to_string(),
                _ => {
                    let mut text = String::new();
                    for event in &events[i + 1..] {
                        match event {
                            Event::End(TagEnd::Heading(_)) => break,
                            Event::Text(t) | Event::Code(t) => text.push_str(t),
                            _ => {}
                        }
                    }
                    anchor_of(&text)
                }
            };
            if !wanted.is_empty() {
                let seen = taken.entry(wanted.clone()).or_default();
                let unique = if *seen == 0 {
                    wanted
                } else {
                    format!("{wanted}-{seen}")
                };
                *seen += 1;
                if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                    *id = Some(CowStr::from(unique));
                }
            }
        }
        i += 1;
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    CLEANER.clean(&html).to_string()
}

/// [`template`] for `orchestration`, with its people's and team's names.
pub async fn template_for(store: &dyn Store, o: &Orchestration) -> Result<String, StoreError> {
    let mut names = Vec::with_capacity(2);
    for id in [o.fields.owner_id, o.fields.backup_owner_id] {
        names.push(match id {
            Some(id) => store.person(id).await?.map(|p| p.display_name),
            None => None,
        });
    }
    let team = match o.fields.team_id {
        Some(id) => store
            .teams()
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .map(|t| t.name),
        None => None,
    };
    Ok(template(
        o,
        names[0].as_deref(),
        names[1].as_deref(),
        team.as_deref(),
    ))
}

/// A new runbook's text, filled from the product card: purpose, inputs and
/// outputs, a section for each planned error state (the alerts link to
/// them: `#failed`, `#missed`, `#too-long`) with its fallback, escalation,
/// how to re-run, and contacts.
pub fn template(
    orchestration: &Orchestration,
    owner: Option<&str>,
    backup: Option<&str>,
    team: Option<&str>,
) -> String {
    let f = &orchestration.fields;
    let or_todo = |text: &str, todo: &str| {
        let text = text.trim();
        if text.is_empty() {
            format!("_{todo}_")
        } else {
            text.to_owned()
        }
    };
    let owner = owner.unwrap_or("nobody yet");
    let backup = backup.unwrap_or("nobody yet");
    let team = team.unwrap_or("no team");
    let purpose = or_todo(&f.purpose, "Say what this orchestration is for.");
    let inputs = or_todo(&f.inputs, "What it takes in, and from where.");
    let outputs = or_todo(&f.outputs, "What it produces, and for whom.");
    let silent = or_todo(
        &f.failure_mode,
        "What goes wrong, and who notices, when it stops without telling anyone.",
    );
    let fallback = or_todo(&f.fallback, "What people do by hand until it works again.");
    let name = &f.name;
    format!(
        "# {name}: runbook

{purpose}

- **Owner:** {owner}
- **Backup owner:** {backup}
- **Team:** {team}
- **Tier:** {tier}

## What goes in and comes out {{#inputs-and-outputs}}

**Inputs.** {inputs}

**Outputs.** {outputs}

## When a run fails {{#failed}}

1. Open the failed run in Baton and read its log excerpt.
2. _Common causes and their fixes._
3. **Fallback:** {fallback}
4. **Escalation:** _who to call if it is not fixed within the hour, and how._

## When a run is missed {{#missed}}

Nothing reported in time: the tool may not have run at all.

- **If it fails silently:** {silent}
- _Where to check that the tool ran (its own run list, the host's cron log)._
- **Fallback:** {fallback}

## When a run takes too long {{#too-long}}

- _What a normal duration is, and what makes it slow._
- _When to stop it, and whether it is safe to run again._

## How to re-run {{#re-run}}

_The exact steps or command, and whether a re-run is safe (idempotent)._

## Contacts {{#contacts}}

- Owner: {owner}
- Backup owner: {backup}
- Team: {team}
",
        tier = f.tier,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_markdown_comes_out_harmless() {
        let hostile = "# Title\n\n\
            <script>alert('x')</script>\n\n\
            <img src=x onerror=\"alert(1)\">\n\n\
            [click](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=)\n\n\
            <a href=\"javascript:alert(2)\" onclick=\"alert(3)\">raw link</a>\n\n\
            <div style=\"position:fixed\" onmouseover=\"alert(4)\">styled</div>\n\n\
            <iframe src=\"https://evil.example\"></iframe>\n\n\
            <svg><script>alert(5)</script></svg>\n\n\
            <form action=\"https://evil.example\"><input type=\"text\" name=\"p\"></form>\n\n\
            [ok](https://example.com \"Example\") <b>bold</b>";
        let html = render(hostile);
        for bad in [
            "<script",
            "onerror",
            "onclick",
            "onmouseover",
            "javascript:",
            "data:text",
            "style=",
            "<iframe",
            "<svg",
            "<form",
            "type=\"text\"",
            "alert(1)",
        ] {
            assert!(!html.contains(bad), "{bad} survived in {html}");
        }
        assert!(html.contains(r#"<h1 id="title">Title</h1>"#), "{html}");
        assert!(
            html.contains(
                r#"<a href="https://example.com" title="Example" rel="noopener noreferrer nofollow">ok</a>"#
            ),
            "{html}"
        );
        assert!(html.contains("<b>bold</b>"), "{html}");
        assert!(html.contains("styled</div>"), "{html}");
    }

    #[test]
    fn headings_get_anchors_the_alerts_can_link_to() {
        let html = render(
            "## When a run fails {#failed}\n\n## Too long\n\n## Too long\n\n## Odd {#Not_Valid!}\n\n<h2 id=\"x y\">raw</h2>",
        );
        assert!(
            html.contains(r#"<h2 id="failed">When a run fails</h2>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<h2 id="too-long">Too long</h2>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<h2 id="too-long-1">Too long</h2>"#),
            "{html}"
        );
        assert!(html.contains(r#"<h2 id="odd">Odd</h2>"#), "{html}");
        assert!(html.contains("<h2>raw</h2>"), "{html}");
    }

    #[test]
    fn tables_and_task_lists_render() {
        let html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] to do\n\n~~old~~");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<td>1</td>"), "{html}");
        assert!(
            html.contains(r#"<input disabled="" type="checkbox" checked="">"#),
            "{html}"
        );
        assert!(html.contains("<del>old</del>"), "{html}");
    }

    #[test]
    fn a_diff_marks_lines_and_words() {
        let lines = |changed: &str, last: Option<&str>| {
            let mut text: Vec<String> = (1..=15).map(|n| format!("Line {n}.")).collect();
            text[4] = changed.to_owned();
            if let Some(last) = last {
                text.push(last.to_owned());
            }
            text.join("\n") + "\n"
        };
        let old = lines("Re-send the bank file.", None);
        let new = lines(
            "Re-send the bank file from the SFTP host.",
            Some("Call the bank."),
        );
        let d = diff(&old, &new);
        assert_eq!((d.added, d.removed), (2, 1));
        assert_eq!(d.hunks.len(), 2, "{d:?}");
        let first = &d.hunks[0].lines;
        assert_eq!(
            first.len(),
            8,
            "3 before, removed, added, 3 after: {first:?}"
        );
        assert_eq!((first[0].old, first[0].new), (Some(2), Some(2)));
        let removed = &first[3];
        assert_eq!(removed.change, LineChange::Removed);
        assert_eq!((removed.old, removed.new), (Some(5), None));
        let added = &first[4];
        assert_eq!(added.change, LineChange::Added);
        assert_eq!((added.old, added.new), (None, Some(5)));
        let marked: String = added
            .parts
            .iter()
            .filter(|(marked, _)| *marked)
            .map(|(_, text)| text.as_str())
            .collect();
        assert!(marked.contains("SFTP host"), "{added:?}");
        assert!(!marked.contains("Re-send"), "{added:?}");
        let last = d.hunks[1].lines.last().unwrap();
        assert_eq!((last.change, last.new), (LineChange::Added, Some(16)));
        assert_eq!(last.parts, vec![(false, "Call the bank.".to_owned())]);
        let same = diff("a\nb\n", "a\nb\n");
        assert!(same.hunks.is_empty());
        assert_eq!((same.added, same.removed), (0, 0));
    }

    #[test]
    fn anchors_are_made_from_words() {
        assert_eq!(anchor_of("Too long"), "too-long");
        assert_eq!(anchor_of("  How to re-run?  "), "how-to-re-run");
        assert_eq!(anchor_of("Étape 2 — contacts"), "étape-2-contacts");
        assert_eq!(anchor_of("!!!"), "");
    }
}
