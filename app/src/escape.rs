//! Text that Leptos writes into the server's HTML without escaping it, and
//! so must be escaped before Leptos gets it. In the browser the same text is
//! set as text (a DOM text node, `document.title`), so there it passes
//! unchanged: escaping it there would show `&lt;` to people.
//!
//! Each is pinned by a test that reads the served HTML
//! (`server/tests/api/escaping.rs`) and fails if the escape is removed.

/// The text of a `<textarea>`: tachys 0.2.19 (Leptos 0.8) declares the
/// element's children as not to be escaped (as for `<script>`), so a stored
/// `</textarea><script>` would end the field and run.
pub fn textarea_text(text: String) -> String {
    server_escaped(text)
}

/// A page's `<title>`: leptos_meta 0.8.7 writes the formatted title into
/// the head as it is.
pub fn title_text(text: String) -> String {
    server_escaped(text)
}

/// `text` with `&`, `<` and `>` written as entities: safe as HTML text
/// (and as Slack's message text, which follows the same three rules).
pub fn entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(feature = "ssr")]
fn server_escaped(text: String) -> String {
    if text.contains(['&', '<', '>']) {
        entities(&text)
    } else {
        text
    }
}

#[cfg(not(feature = "ssr"))]
fn server_escaped(text: String) -> String {
    text
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn markup_in_raw_text_is_escaped_on_the_server() {
        assert_eq!(
            textarea_text("a</textarea><script>x & y</script>".to_owned()),
            "a&lt;/textarea&gt;&lt;script&gt;x &amp; y&lt;/script&gt;"
        );
        assert_eq!(title_text("plain".to_owned()), "plain");
    }
}
