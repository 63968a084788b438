//! Baton's screens. Built twice: for the server (`ssr`), which renders every
//! page to HTML, and for the browser (`hydrate`), which makes that HTML
//! interactive without rendering it again.

#![recursion_limit = "256"]

pub mod components;
pub mod escape;
pub mod model;
pub mod pages;
pub mod sections;
pub mod server_fns;
pub mod services;
pub mod session;
pub mod theme;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use components::layout::Layout;
use pages::{
    account::{SetupPage, SignInPage},
    account_settings::AccountPage,
    audit::{AdminPage, AuditLogPage},
    automation::{AutomationPage, EditAutomationPage, NewAutomationPage},
    channels::ChannelsPage,
    dashboard::DashboardPage,
    deliveries::{DeliveriesPage, DeliveryPage},
    import::ImportPage,
    incidents::{IncidentPage, IncidentsPage},
    inventory::InventoryPage,
    leverage::LeveragePage,
    not_found::NotFound,
    orchestration::OrchestrationPage,
    orchestration_edit::{EditOrchestrationPage, NewOrchestrationPage},
    orchestrations::OrchestrationsPage,
    people::PeoplePage,
    reviews::{ReviewBoardPage, ReviewPage, ReviewReportPage},
    runbook::{
        RunbookComparePage, RunbookEditPage, RunbookHistoryPage, RunbookPage, RunbookRevisionPage,
    },
    sources::SourcesPage,
};

/// The name of the browser bundle under `/pkg`: `baton.js`, `baton_bg.wasm`, `baton.css`.
pub const OUTPUT_NAME: &str = "baton";

/// The HTML document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let theme = theme::request_theme();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-theme=theme.attribute()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: the layout and one route per screen.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    session::provide_me();
    mark_hydrated();
    view! {
        <Stylesheet id="baton" href="/pkg/baton.css"/>
        <Title formatter=|page: String| {
            escape::title_text(
                if page.is_empty() { "Baton".to_owned() } else { format!("{page} · Baton") },
            )
        }/>
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view=SignInPage/>
                    <Route path=path!("/setup") view=SetupPage/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                    // Catalog pages wait for their data before the HTML is sent,
                    // so they read completely without JavaScript.
                    <Route path=path!("/inventory") view=InventoryPage ssr=SsrMode::Async/>
                    <Route path=path!("/orchestrations") view=OrchestrationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/inventory/import") view=ImportPage ssr=SsrMode::Async/>
                    <Route path=path!("/orchestrations/new") view=NewOrchestrationPage ssr=SsrMode::Async/>
                    <Route path=path!("/orchestrations/:slug") view=OrchestrationPage ssr=SsrMode::Async/>
                    <Route path=path!("/orchestrations/:slug/edit") view=EditOrchestrationPage ssr=SsrMode::Async/>
                    <Route path=path!("/orchestrations/:slug/runbook") view=RunbookPage ssr=SsrMode::Async/>
                    <Route path=path!("/orchestrations/:slug/runbook/edit") view=RunbookEditPage ssr=SsrMode::Async/>
                    <Route path=path!("/orchestrations/:slug/runbook/revisions") view=RunbookHistoryPage ssr=SsrMode::Async/>
                    <Route path=path!("/orchestrations/:slug/runbook/revisions/:number") view=RunbookRevisionPage ssr=SsrMode::Async/>
                    <Route path=path!("/orchestrations/:slug/runbook/compare") view=RunbookComparePage ssr=SsrMode::Async/>
                    <Route path=path!("/automations/new") view=NewAutomationPage ssr=SsrMode::Async/>
                    <Route path=path!("/automations/:id") view=AutomationPage ssr=SsrMode::Async/>
                    <Route path=path!("/automations/:id/edit") view=EditAutomationPage ssr=SsrMode::Async/>
                    <Route path=path!("/leverage") view=LeveragePage ssr=SsrMode::Async/>
                    <Route path=path!("/reviews") view=ReviewBoardPage ssr=SsrMode::Async/>
                    <Route path=path!("/reviews/report") view=ReviewReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/reviews/:id") view=ReviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/deliveries") view=DeliveriesPage ssr=SsrMode::Async/>
                    <Route path=path!("/deliveries/:id") view=DeliveryPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents") view=IncidentsPage ssr=SsrMode::Async/>
                    <Route path=path!("/incidents/:id") view=IncidentPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/sources") view=SourcesPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=AuditLogPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/channels") view=ChannelsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/people") view=PeoplePage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}

/// Sets `data-hydrated` on `<html>` once the page is interactive, so tests
/// (and styles) can tell a server-rendered page from a live one.
fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-hydrated", "");
        }
    });
}

/// The browser's entry point: takes over the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
