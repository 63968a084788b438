//! The links between the pages of a long list, kept in the address.

use leptos::prelude::*;

/// How many pages `total` rows make at `per_page` a page (at least one).
pub fn page_count(total: u64, per_page: u32) -> u64 {
    total.div_ceil(u64::from(per_page.max(1))).max(1)
}

/// "Page 2 of 5" between the links to the neighbouring pages, which
/// `link` makes from a page number; `labels` name the two directions
/// (earlier pages first).
#[component]
pub fn Pager(
    page: u32,
    pages: u64,
    link: impl Fn(u32) -> String + 'static,
    labels: (&'static str, &'static str),
) -> impl IntoView {
    let previous = (page > 1).then(|| link(page - 1));
    let next = (u64::from(page) < pages).then(|| link(page + 1));
    view! {
        <nav class="pager" aria-label="Pages">
            {previous.map(|href| view! { <a href=href rel="prev">{labels.0}</a> })}
            <span>{format!("Page {page} of {pages}")}</span>
            {next.map(|href| view! { <a href=href rel="next">{labels.1}</a> })}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::page_count;

    #[test]
    fn an_empty_list_is_one_page() {
        assert_eq!(page_count(0, 50), 1);
        assert_eq!(page_count(50, 50), 1);
        assert_eq!(page_count(51, 50), 2);
    }
}
