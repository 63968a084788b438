//! Signing in and the first run's setup. Both are plain HTML forms posted
//! to the server, so they work before (and without) the browser bundle;
//! what went wrong comes back in the address, never a password.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/sign-in`: email and password; `?next=` is where to go afterwards.
#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let read = move |key: &str| query.with_untracked(|q| q.get(key));
    let next = read("next").unwrap_or_else(|| "/".to_owned());
    let notice = if read("failed").is_some() {
        Some((
            "notice notice--error",
            "That email and password do not match an active account. Check both and try again.",
        ))
    } else if read("throttled").is_some() {
        Some((
            "notice notice--error",
            "Too many failed sign-ins. Wait five minutes, then try again.",
        ))
    } else if read("signed_out").is_some() {
        Some(("notice notice--ok", "You are signed out."))
    } else {
        None
    };
    view! {
        <Title text="Sign in"/>
        <div class="auth">
            <section class="card auth__card" aria-labelledby="sign-in-title">
                <h1 id="sign-in-title">"Sign in to Baton"</h1>
                {notice.map(|(class, text)| view! { <p class=class role="alert">{text}</p> })}
                <form class="form" method="post" action="/sign-in">
                    <input type="hidden" name="next" value=next/>
                    <div class="field field--form">
                        <label for="email">"Email"</label>
                        <input id="email" name="email" type="email" autocomplete="username"
                            required autofocus/>
                    </div>
                    <div class="field field--form">
                        <label for="password">"Password"</label>
                        <input id="password" name="password" type="password"
                            autocomplete="current-password" required/>
                    </div>
                    <div class="form__actions">
                        <button type="submit" class="button button--primary">"Sign in"</button>
                    </div>
                </form>
                <p class="muted">"No account yet? An administrator of this Baton creates it."</p>
            </section>
        </div>
    }
}

/// `/setup`: the first administrator, shown only while nobody exists.
#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let read = move |key: &str| query.with_untracked(|q| q.get(key)).unwrap_or_default();
    let errors = query
        .with_untracked(|q| q.get_all("error"))
        .unwrap_or_default();
    let problem = move |field: &'static str| {
        errors
            .iter()
            .filter_map(|e| e.strip_prefix(field)?.strip_prefix(": "))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let field = move |id: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      autocomplete: &'static str,
                      value: String| {
        let messages = problem(id);
        let invalid = !messages.is_empty();
        let message_id = format!("field-{id}-message");
        view! {
            <div class="field field--form" class:field--invalid=invalid>
                <label for=format!("field-{id}")>{label}</label>
                <input id=format!("field-{id}") name=id type=kind autocomplete=autocomplete
                    value=value required aria-invalid=invalid.to_string()
                    aria-describedby=invalid.then(|| message_id.clone())/>
                {invalid.then(|| view! {
                    <p class="field__error" id=message_id>{messages.join(" ")}</p>
                })}
            </div>
        }
    };
    view! {
        <Title text="Set up Baton"/>
        <div class="auth">
            <section class="card auth__card" aria-labelledby="setup-title">
                <h1 id="setup-title">"Set up Baton"</h1>
                <p>
                    "Nobody has an account yet. Create the first administrator: they can then "
                    "invite everyone else. This screen disappears once they exist."
                </p>
                <form class="form" method="post" action="/setup">
                    {field("email", "Email", "email", "username", read("email"))}
                    {field("display_name", "Your name", "text", "name", read("display_name"))}
                    {field("password", "Password (12 characters or more)", "password", "new-password", String::new())}
                    {field("password_again", "The password again", "password", "new-password", String::new())}
                    <div class="form__actions">
                        <button type="submit" class="button button--primary">"Create the administrator"</button>
                    </div>
                </form>
            </section>
        </div>
    }
}
