//! Form fields with their message beside them, and the panels a save can
//! answer with: the other person's change, or a refusal.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::model::errors::FieldErrors;
use crate::model::forms::{FieldChange, SaveOutcome};

/// A click handler that asks `question` first and stops the click on a
/// no. (An inline `onclick` attribute would be refused by the pages'
/// Content-Security-Policy, which runs no script written in the markup.)
pub fn confirm_first(question: &'static str) -> impl Fn(leptos::ev::MouseEvent) + Clone + 'static {
    move |ev| {
        #[cfg(feature = "hydrate")]
        if !window().confirm_with_message(question).unwrap_or(false) {
            ev.prevent_default();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, question);
    }
}

/// The field errors in an outcome, if it is one.
pub fn errors_of(outcome: Option<&Result<SaveOutcome, ServerFnError>>) -> FieldErrors {
    match outcome {
        Some(Ok(SaveOutcome::Invalid(errors))) => errors.clone(),
        _ => FieldErrors::default(),
    }
}

/// What a save answers, as a form holds it.
pub type Outcome = Signal<Option<Result<SaveOutcome, ServerFnError>>>;

/// Follows a saved outcome to its page.
pub fn follow_saved(outcome: Outcome) {
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Saved { path })) = outcome.get() {
            navigate(&path, Default::default());
        }
    });
}

/// A form's save: the field errors its outcome holds, and the version the
/// next save names. A conflict moves that version onto the other person's,
/// so saving again is a deliberate choice to replace their change; a saved
/// outcome is followed to its page.
pub fn track_save(outcome: Outcome, opened_on: i64) -> (Signal<FieldErrors>, RwSignal<i64>) {
    let errors = Signal::derive(move || outcome.with(|o| errors_of(o.as_ref())));
    let version = RwSignal::new(opened_on);
    Effect::new(move |_| {
        if let Some(Ok(SaveOutcome::Conflict {
            version: theirs, ..
        })) = outcome.get()
        {
            version.set(theirs);
        }
    });
    follow_saved(outcome);
    (errors, version)
}

/// The end of a form: what the save answered, then Save and Cancel.
#[component]
pub fn FormFooter(
    outcome: Outcome,
    labels: &'static [(&'static str, &'static str)],
    pending: Signal<bool>,
    back: String,
) -> impl IntoView {
    view! {
        <SaveMessages outcome labels/>
        <div class="form__actions">
            <button type="submit" class="button button--primary" disabled=move || pending.get()>
                {move || if pending.get() { "Saving…" } else { "Save" }}
            </button>
            <a href=back>"Cancel"</a>
        </div>
    }
}

/// What the server said, without the framework's words around it.
pub fn server_words(err: &ServerFnError) -> String {
    match err {
        ServerFnError::ServerError(why) => why
            .strip_prefix(crate::services::REFUSAL)
            .unwrap_or(why)
            .to_owned(),
        other => format!("the server could not be reached ({other})"),
    }
}

/// Why the server refused, when it did because the person may not.
pub fn refusal(err: &ServerFnError) -> Option<String> {
    match err {
        ServerFnError::ServerError(why) => why
            .strip_prefix(crate::services::REFUSAL)
            .map(str::to_owned),
        _ => None,
    }
}

/// `why` as a sentence: its first letter a capital, a full stop at the end.
pub fn sentence(why: &str) -> String {
    let why = why.trim().trim_end_matches('.');
    let mut chars = why.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// What a page shows when its data could not be loaded: for a refusal,
/// why and who can help; else what failed, the server's reason, and what
/// to do.
pub fn load_failed(what: &str, err: ServerFnError) -> AnyView {
    if let Some(why) = refusal(&err) {
        return view! { <NotAllowed why/> }.into_any();
    }
    view! {
        <div class="card notice notice--error" role="alert">
            <h2>{what.to_owned()}</h2>
            <p>{sentence(&server_words(&err))}</p>
            <p>"Reload the page to try again."</p>
        </div>
    }
    .into_any()
}

/// A page the person's role may not open: why, in a sentence, and the
/// administrators who can help.
#[component]
pub fn NotAllowed(why: String) -> impl IntoView {
    let admins = Resource::new(
        || (),
        |()| crate::server_fns::account::load_administrators(),
    );
    view! {
        <div class="card notice notice--warning not-allowed" role="alert">
            <h2>"Not open to you"</h2>
            <p>{sentence(&why)}</p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match admins.await {
                        Ok(names) if !names.is_empty() => view! {
                            <p>{format!("Ask an administrator: {}.", names.join(", "))}</p>
                        }.into_any(),
                        _ => ().into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// Text a person wrote, or says it is not written yet.
pub fn text_or_missing(text: String) -> AnyView {
    if text.trim().is_empty() {
        view! { <span class="muted">"Not written yet"</span> }.into_any()
    } else {
        view! { <span class="prose">{text}</span> }.into_any()
    }
}

fn ids(key: &str) -> (String, String, String) {
    (
        format!("form[{key}]"),
        format!("field-{key}"),
        format!("field-{key}-message"),
    )
}

fn described_by(hint: &str, message: &str, has_hint: bool, has_error: bool) -> Option<String> {
    let ids: Vec<&str> = [(has_hint, hint), (has_error, message)]
        .into_iter()
        .filter_map(|(on, id)| on.then_some(id))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled text input or text area named `form[key]`; the server's
/// message for `key` appears under it and marks it invalid.
#[component]
pub fn TextField(
    label: &'static str,
    key: &'static str,
    value: String,
    errors: Signal<FieldErrors>,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] multiline: bool,
    #[prop(optional)] required: bool,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    let (name, id, message_id) = ids(key);
    let hint_id = format!("{id}-hint");
    let error = move || errors.with(|e| e.get(key).map(str::to_owned));
    let invalid = move || error().is_some().then_some("true");
    let describe = {
        let (hint_id, message_id) = (hint_id.clone(), message_id.clone());
        move || described_by(&hint_id, &message_id, !hint.is_empty(), error().is_some())
    };
    let control = if multiline {
        view! {
            <textarea id=id.clone() name=name rows="3" required=required
                aria-invalid=invalid aria-describedby=describe>{crate::escape::textarea_text(value)}</textarea>
        }
        .into_any()
    } else {
        view! {
            // Numbers are typed as text: a decimal comma is accepted, and a
            // mistake gets the server's message rather than silence.
            <input id=id.clone() name=name type=if kind == "number" { "text" } else { kind } value=value required=required
                inputmode=(kind == "number").then_some("decimal")
                aria-invalid=invalid aria-describedby=describe/>
        }
        .into_any()
    };
    view! {
        <div class="field field--form" class:field--invalid=move || error().is_some()>
            <label for=id>{label}{required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}</label>
            {(!hint.is_empty()).then(|| view! { <p class="field__hint" id=hint_id>{hint}</p> })}
            {control}
            {move || error().map(|text| view! { <p class="field__error" id=message_id.clone()>{text}</p> })}
        </div>
    }
}

/// A labelled select named `form[key]`, with an empty first choice when
/// `empty` is given.
#[component]
pub fn SelectField(
    label: &'static str,
    key: &'static str,
    value: String,
    options: Vec<(String, String)>,
    errors: Signal<FieldErrors>,
    #[prop(optional)] empty: Option<&'static str>,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let (name, id, message_id) = ids(key);
    let hint_id = format!("{id}-hint");
    let error = move || errors.with(|e| e.get(key).map(str::to_owned));
    let describe = {
        let (hint_id, message_id) = (hint_id.clone(), message_id.clone());
        move || described_by(&hint_id, &message_id, !hint.is_empty(), error().is_some())
    };
    let chosen = value.clone();
    view! {
        <div class="field field--form" class:field--invalid=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            {(!hint.is_empty()).then(|| view! { <p class="field__hint" id=hint_id>{hint}</p> })}
            <select id=id name=name aria-invalid=move || error().is_some().then_some("true") aria-describedby=describe>
                {empty.map(|text| view! { <option value="" selected=chosen.is_empty()>{text}</option> })}
                {options.into_iter().map(|(v, text)| {
                    let selected = v == value;
                    view! { <option value=v selected=selected>{text}</option> }
                }).collect_view()}
            </select>
            {move || error().map(|text| view! { <p class="field__error" id=message_id.clone()>{text}</p> })}
        </div>
    }
}

/// Ids and names as select options.
pub fn id_options(list: &[(i64, String)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect()
}

/// What the save answered, above the form: a summary of the field
/// errors, the other person's change, a refusal, or a failure.
#[component]
pub fn SaveMessages(
    outcome: Outcome,
    /// The form's fields, to name each in the summary.
    #[prop(optional)]
    labels: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    move || {
        match outcome.get() {
        Some(Ok(SaveOutcome::Invalid(errors))) => {
            let count = errors.0.len();
            view! {
                <div class="notice notice--error" role="alert">
                    <p><strong>{format!("Nothing was saved: {count} field{} need{} correcting.", if count == 1 { "" } else { "s" }, if count == 1 { "s" } else { "" })}</strong></p>
                    <ul>
                        {errors.0.into_iter().map(|e| {
                            let href = format!("#field-{}", e.field);
                            let label = labels.iter().find(|(key, _)| *key == e.field).map(|(_, label)| format!("{label}: "));
                            view! { <li><a href=href>{label}{e.message}</a></li> }
                        }).collect_view()}
                    </ul>
                </div>
            }
            .into_any()
        }
        Some(Ok(SaveOutcome::Conflict { changes, .. })) => view! { <ConflictPanel changes/> }.into_any(),
        Some(Ok(SaveOutcome::Refused(why))) => view! {
            <div class="notice notice--error" role="alert"><p>{why}</p></div>
        }
        .into_any(),
        Some(Err(err)) => match refusal(&err) {
            Some(why) => view! {
                <div class="notice notice--error" role="alert">
                    <p>{format!("Not saved: {}", sentence(&why))}</p>
                </div>
            }
            .into_any(),
            None => view! {
                <div class="notice notice--error" role="alert">
                    <p>{format!("Not saved: {} Nothing you typed is lost; try again.", sentence(&server_words(&err)))}</p>
                </div>
            }
            .into_any(),
        },
        _ => ().into_any(),
    }
    }
}

/// Someone else saved first: what they changed, beside what you typed.
#[component]
fn ConflictPanel(changes: Vec<FieldChange>) -> impl IntoView {
    view! {
        <div class="notice notice--warning conflict" role="alert">
            <h2>"Someone else saved this while you were editing"</h2>
            <p>"Nothing of yours was saved, and your text is still in the form. Where their version differs from yours:"</p>
            {if changes.is_empty() {
                view! { <p>"Their save changed nothing you typed differently."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <thead><tr><th scope="col">"Field"</th><th scope="col">"Theirs (saved)"</th><th scope="col">"Yours (not saved)"</th></tr></thead>
                        <tbody>
                            {changes.into_iter().map(|c| view! {
                                <tr><th scope="row">{c.label}</th><td class="prose">{c.theirs}</td><td class="prose">{c.yours}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <p>"Save again to replace their version with yours, or reload the page to start from theirs."</p>
        </div>
    }
}
