//! What a delivery may make stored, decided before it is answered: every
//! value a ping or webhook turns into a stored field has a limit and a
//! form here, the same on SQLite and PostgreSQL (whose NUL, range and
//! index-size rules are the stricter, so they set them). docs/reporting-runs.md's
//! "Limits of what is taken in" lists them for people.
//!
//! Identifiers are refused when they do not fit (cutting one would merge
//! two runs); names and messages are tamed (control characters dropped,
//! cut); a time outside the window is replaced by the receive time, and
//! the delivery says so.

use chrono::{DateTime, Utc};

use crate::runs::cut;

/// The longest identifier kept, in bytes: a run id, job id, repository,
/// workflow path, project path, Jenkins job, monitor or environment.
/// Longer ones are refused (400): PostgreSQL indexes them, and an index
/// entry has to fit in a third of a page.
pub const MAX_ID: usize = 200;
/// The longest name kept, in bytes: longer ones are cut at a character.
pub const MAX_NAME: usize = 200;
/// The longest link kept, in bytes: longer ones are dropped.
pub const MAX_URL: usize = 2048;
/// The longest duration a tool may report: a year (longer is refused).
pub const MAX_DURATION_MS: i64 = 366 * 24 * 3600 * 1000;
pub use app::model::window::YEARS_AHEAD;

/// Checks one identifier; `Err` says which field and why (a 400).
pub fn identifier(field: &str, text: &str) -> Result<(), String> {
    if text.is_empty() {
        Err(format!("{field} is empty: it identifies the run"))
    } else if text.len() > MAX_ID {
        Err(format!(
            "{field} is {} bytes long: an identifier may have at most {MAX_ID}",
            text.len()
        ))
    } else if text.chars().any(char::is_control) {
        Err(format!(
            "{field} holds a control character (NUL, a line break or another): an identifier may not"
        ))
    } else {
        Ok(())
    }
}

/// A name as kept: control characters become spaces (NUL is dropped),
/// spaces at either end go, and it is cut to [`MAX_NAME`] bytes.
pub fn name(text: &str) -> String {
    let plain: String = text
        .chars()
        .filter(|c| *c != '\0')
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cut(plain.trim(), MAX_NAME).trim_end().to_owned()
}

/// A link as kept: a web address of at most [`MAX_URL`] bytes without
/// control characters, spaces at either end dropped; anything else is
/// dropped (never linked to).
pub fn url(text: &str) -> Option<String> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    (web && text.len() <= MAX_URL && !text.chars().any(char::is_control)).then(|| text.to_owned())
}

/// A reported time, if it lies between 1970 and [`YEARS_AHEAD`] years
/// after `received`; else the receive time and why (kept with the
/// delivery's outcome).
pub fn time(
    field: &str,
    at: DateTime<Utc>,
    received: DateTime<Utc>,
) -> (DateTime<Utc>, Option<String>) {
    if !app::model::window::contains(at, received) {
        let why = format!(
            "{field} {} is outside 1970 to {} years ahead: the receive time was used",
            at.to_rfc3339(),
            YEARS_AHEAD
        );
        (received, Some(why))
    } else {
        (at, None)
    }
}

/// Notes joined into one outcome detail.
pub fn join_notes(notes: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    let notes: Vec<String> = notes.into_iter().flatten().collect();
    (!notes.is_empty()).then(|| notes.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_refused_when_they_would_not_fit() {
        assert_eq!(identifier("run_id", "42"), Ok(()));
        assert_eq!(identifier("run_id", &"é".repeat(100)), Ok(()));
        let long = identifier("run_id", &"x".repeat(3000)).unwrap_err();
        assert!(long.contains("run_id is 3000 bytes long"), "{long}");
        assert!(identifier("run_id", &"é".repeat(101)).is_err(), "202 bytes");
        assert!(
            identifier("run_id", "a\0b")
                .unwrap_err()
                .contains("control")
        );
        assert!(identifier("run_id", "a\nb").is_err());
        assert!(identifier("run_id", "").unwrap_err().contains("empty"));
    }

    #[test]
    fn names_are_tamed_not_refused() {
        assert_eq!(name("Nightly\0 backup"), "Nightly backup");
        assert_eq!(name(" a\tb\nc "), "a b c");
        assert_eq!(name(&"ü".repeat(300)).len(), 200);
    }

    #[test]
    fn links_are_web_addresses_that_fit() {
        assert_eq!(
            url("https://ci.example/1").as_deref(),
            Some("https://ci.example/1")
        );
        assert_eq!(url("javascript:alert(1)"), None);
        assert_eq!(url("https://x/\0"), None);
        assert_eq!(url(&format!("https://x/{}", "a".repeat(3000))), None);
    }

    #[test]
    fn times_outside_the_window_become_the_receive_time() {
        let received = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let fine = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        assert_eq!(time("stamp", fine, received), (fine, None));
        let far = DateTime::from_timestamp(299_000_000_000, 0).unwrap(); // year 11476
        let (at, why) = time("stamp", far, received);
        assert_eq!(at, received);
        assert!(why.unwrap().contains("outside 1970 to 100 years ahead"));
        let before = DateTime::from_timestamp(-1, 0).unwrap();
        assert_eq!(time("stamp", before, received).0, received);
        assert_eq!(
            join_notes([None, Some("a".into()), Some("b".into())]).as_deref(),
            Some("a; b")
        );
        assert_eq!(join_notes([None, None]), None);
    }
}
