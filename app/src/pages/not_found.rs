//! The page for an address that names nothing.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// Answers this request 404 (on the server; in the browser there is no
/// status to set). A page that names a missing thing calls it.
pub fn answer_not_found() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
}

/// Answers this request 403 (on the server): a page the person's role may
/// not open.
pub fn answer_forbidden() {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    answer_not_found();
    let path = use_location().pathname;
    view! {
        <Title text="Page not found"/>
        <div class="page-header error-page">
            <p class="error-page__code">"404"</p>
            <h1>"Page not found"</h1>
            <p class="lede">
                "There is no page at " <code>{move || path.get()}</code> ". "
                "It may have moved, or the link that brought you here may be mistyped."
            </p>
            <p><a class="button" href="/">"Go to the dashboard"</a></p>
        </div>
    }
}
