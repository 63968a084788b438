//! A screen whose issue has not landed yet: it says what it will hold.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::sections::Section;

#[component]
pub fn Placeholder(section: Section) -> impl IntoView {
    view! {
        <Title text=section.title()/>
        <div class="page-header">
            <h1>{section.title()}</h1>
            <p class="lede">{section.purpose()}</p>
        </div>
        <section class="card card--placeholder" aria-labelledby="coming-soon">
            <h2 id="coming-soon">
                <span class="badge">"Coming soon"</span>
            </h2>
            <p>"This screen is being built. It will show:"</p>
            <ul class="checklist">
                {section.coming().iter().map(|item| view! { <li>{*item}</li> }).collect_view()}
            </ul>
        </section>
    }
}
