//! Light, dark, or the system's choice. Kept in a cookie so the server
//! renders the chosen theme straight away: no flash of the wrong colours.

use leptos::prelude::*;

const COOKIE: &str = "baton_theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Follow the operating system's setting.
    Auto,
    Light,
    Dark,
}

impl Theme {
    /// The value of `<html data-theme>`: none for `Auto`, so CSS follows
    /// `prefers-color-scheme`.
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::Auto => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::Auto => "Auto",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    /// Auto → Light → Dark → Auto.
    pub fn next(self) -> Self {
        match self {
            Theme::Auto => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Auto,
        }
    }

    /// Reads the theme from a `Cookie` header value.
    pub fn from_cookies(cookies: &str) -> Self {
        cookies
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .map_or(Theme::Auto, |(_, value)| match value {
                "light" => Theme::Light,
                "dark" => Theme::Dark,
                _ => Theme::Auto,
            })
    }
}

/// The theme this request (on the server) or this page (in the browser)
/// asked for. Both read the same cookie, so hydration sees what was rendered.
pub fn request_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                let cookies = parts.headers.get_all(http::header::COOKIE);
                cookies
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .map(Theme::from_cookies)
                    .find(|t| *t != Theme::Auto)
            })
            .unwrap_or(Theme::Auto)
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        use wasm_bindgen::JsCast;
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
            .and_then(|d| d.cookie().ok())
            .map_or(Theme::Auto, |c| Theme::from_cookies(&c))
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Theme::Auto
    }
}

/// Applies and remembers the theme (in the browser; a no-op on the server).
pub fn apply_theme(theme: Theme) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if let Some(root) = document.document_element() {
            let _ = match theme.attribute() {
                Some(value) => root.set_attribute("data-theme", value),
                None => root.remove_attribute("data-theme"),
            };
        }
        if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
            let value = theme.attribute().unwrap_or("auto");
            let _ = html.set_cookie(&format!(
                "{COOKIE}={value}; Path=/; Max-Age=31536000; SameSite=Lax"
            ));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
}

/// The button that cycles through the themes.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(request_theme());
    let switch = move |_| {
        let next = theme.get_untracked().next();
        theme.set(next);
        apply_theme(next);
    };
    view! {
        <button
            type="button"
            class="theme-toggle"
            data-theme-choice=move || theme.get().label().to_lowercase()
            title=move || format!("Colour theme: {}. Select to switch to {}.", theme.get().label(), theme.get().next().label())
            on:click=switch
        >
            <span class="theme-toggle__icon" aria-hidden="true"></span>
            <span class="theme-toggle__prefix">"Theme: "</span>
            <span class="theme-toggle__value">{move || theme.get().label()}</span>
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_theme_cookie_among_others() {
        assert_eq!(
            Theme::from_cookies("a=1; baton_theme=dark; b=2"),
            Theme::Dark
        );
        assert_eq!(Theme::from_cookies("baton_theme=light"), Theme::Light);
        assert_eq!(Theme::from_cookies("baton_theme=auto"), Theme::Auto);
        assert_eq!(Theme::from_cookies("xbaton_theme=dark"), Theme::Auto);
        assert_eq!(Theme::from_cookies(""), Theme::Auto);
    }

    #[test]
    fn cycles_through_every_theme() {
        assert_eq!(Theme::Auto.next().next().next(), Theme::Auto);
        assert_eq!(Theme::Auto.attribute(), None);
        assert_eq!(Theme::Dark.attribute(), Some("dark"));
    }
}
