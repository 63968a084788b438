//! The page for an address that names nothing.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

#[component]
pub fn NotFound() -> impl IntoView {
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
