//! CSV cells that a spreadsheet opens as text: a cell starting with `=`,
//! `+`, `-`, `@`, a tab or a carriage return would be read as a formula
//! (which can fetch URLs or run commands when someone opens an export), so
//! every CSV Baton writes guards it with a leading apostrophe, which
//! spreadsheets show as text. The inventory import takes the apostrophe off
//! again, so an export imports back to exactly what was exported.

use std::borrow::Cow;

const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `text`, once its leading apostrophes are set aside, would start
/// a formula: such a cell is written with one more apostrophe, so that a
/// value that itself starts with an apostrophe also reads back unchanged.
fn needs_guard(text: &str) -> bool {
    text.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// The cell as written to a CSV file.
pub fn guarded(text: &str) -> Cow<'_, str> {
    if needs_guard(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The value a cell read from a CSV file stands for: [`guarded`] undone.
pub fn unguarded(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_written_as_text_and_read_back_as_they_were() {
        for (value, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=already", "''=already"),
            ("plain", "plain"),
            ("'quoted", "'quoted"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(guarded(value), written, "{value:?}");
            assert_eq!(unguarded(&guarded(value)), value, "{value:?}");
        }
    }
}
