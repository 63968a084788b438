//! The frame around every page: skip link, top bar with the main
//! navigation (a menu button at phone width), who is signed in with the
//! sign-out button, and the theme switch; footer.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::sections::Section;
use crate::theme::ThemeToggle;

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#content">"Skip to content"</a>
        <TopBar/>
        <main id="content" class="content" tabindex="-1">
            {children()}
        </main>
        <footer class="footer">
            <span>"Baton " {env!("CARGO_PKG_VERSION")}</span>
            <span class="footer__sep" aria-hidden="true">"·"</span>
            <span>"Process orchestrations, managed as products"</span>
        </footer>
    }
}

#[component]
fn TopBar() -> impl IntoView {
    let menu_open = RwSignal::new(false);
    let close_on_escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            menu_open.set(false);
        }
    };
    view! {
        <header class="topbar" on:keydown=close_on_escape>
            <a class="brand" href="/">
                <span class="brand__mark" aria-hidden="true"></span>
                <span class="brand__name">"Baton"</span>
            </a>
            // The navigation and the account only once someone is signed in.
            <Suspense fallback=|| ()>
                {move || crate::session::me().map(|me| view! {
                    <button
                        type="button"
                        class="menu-toggle"
                        aria-controls="main-nav"
                        aria-expanded=move || menu_open.get().to_string()
                        on:click=move |_| menu_open.update(|open| *open = !*open)
                    >
                        <span class="menu-toggle__bars" aria-hidden="true"></span>
                        {move || if menu_open.get() { "Close menu" } else { "Menu" }}
                    </button>
                    <nav
                        id="main-nav"
                        class="main-nav"
                        class:open=move || menu_open.get()
                        aria-label="Main"
                        // Following a link closes the menu.
                        on:click=move |_| menu_open.set(false)
                    >
                        <ul>
                            // Admin only for those who may use it.
                            {Section::ALL
                                .into_iter()
                                .filter(|section| *section != Section::Admin || me.is_admin())
                                .map(|section| view! {
                                    <li><A href=section.path() exact=true>{section.title()}</A></li>
                                })
                                .collect_view()}
                        </ul>
                    </nav>
                    <form class="account" method="post" action="/sign-out">
                        <a class="account__name" href="/account" title=format!("{}: your account and API tokens", me.email)>
                            {me.display_name.clone()}
                            <span class="account__role">{me.role.as_str()}</span>
                        </a>
                        <button type="submit" class="button button--small">"Sign out"</button>
                    </form>
                })}
            </Suspense>
            <ThemeToggle/>
        </header>
    }
}
