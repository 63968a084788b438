//! Runbooks: an orchestration's markdown document for whoever answers when
//! it fails. Every save is a numbered revision; the owner marks it
//! verified, and a verification older than the set period is stale.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::errors::FieldErrors;

/// The longest runbook kept, in bytes of markdown.
pub const MAX_BODY: usize = 200_000;
/// The longest note a revision carries, in characters.
pub const MAX_NOTE: usize = 200;
/// How long a verification holds unless configured otherwise.
pub const DEFAULT_STALE_AFTER_DAYS: u32 = 90;

/// One saved version of a runbook, with its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// 1 for the first save, then one more at every save.
    pub number: i64,
    pub body: String,
    /// What the author said of the change; may be empty.
    pub note: String,
    pub author_id: Option<i64>,
    /// The author's name as it was when they saved.
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// The revision this one brought back, when it was a restore.
    pub restored_from: Option<i64>,
}

impl Revision {
    /// The revision without its text, as the history lists it.
    pub fn meta(&self) -> RevisionMeta {
        RevisionMeta {
            number: self.number,
            note: self.note.clone(),
            author_id: self.author_id,
            author: self.author.clone(),
            created_at: self.created_at,
            restored_from: self.restored_from,
            lines: self.body.lines().count(),
        }
    }
}

/// A revision as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionMeta {
    pub number: i64,
    pub note: String,
    pub author_id: Option<i64>,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub restored_from: Option<i64>,
    /// Lines of markdown.
    pub lines: usize,
}

/// Who last said the runbook is true, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// The revision that was current when it was verified.
    pub revision: i64,
    pub by_id: Option<i64>,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Whether a runbook can be relied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Freshness {
    /// Nobody has written one.
    Missing,
    /// Written, never verified.
    Unverified,
    /// Verified within the period.
    Verified,
    /// Verified longer ago than the period.
    Stale,
}

impl Freshness {
    /// Whoever answers an alert can rely on it.
    pub fn is_reliable(self) -> bool {
        self == Freshness::Verified
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Freshness::Missing => "missing",
            Freshness::Unverified => "unverified",
            Freshness::Verified => "verified",
            Freshness::Stale => "stale",
        }
    }

    /// In a word, for a badge.
    pub fn label(self) -> &'static str {
        match self {
            Freshness::Missing => "No runbook",
            Freshness::Unverified => "Never verified",
            Freshness::Verified => "Verified",
            Freshness::Stale => "Stale",
        }
    }

    /// As a warning beside other flags.
    pub fn flag(self) -> &'static str {
        match self {
            Freshness::Missing => "No runbook",
            Freshness::Unverified => "Runbook never verified",
            Freshness::Verified => "Runbook verified",
            Freshness::Stale => "Runbook stale",
        }
    }

    /// Where a runbook with this `verification` stands at `now`, when
    /// verifications hold for `stale_after`.
    pub fn of(
        has_runbook: bool,
        verified_at: Option<DateTime<Utc>>,
        stale_after: TimeDelta,
        now: DateTime<Utc>,
    ) -> Self {
        match (has_runbook, verified_at) {
            (false, _) => Freshness::Missing,
            (true, None) => Freshness::Unverified,
            (true, Some(at)) if now - at > stale_after => Freshness::Stale,
            (true, Some(_)) => Freshness::Verified,
        }
    }
}

/// A runbook's standing: how current and how verified it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookStatus {
    pub freshness: Freshness,
    /// The current revision's number and time; `None` without a runbook.
    pub revision: Option<i64>,
    pub updated_at: Option<DateTime<Utc>>,
    pub verification: Option<Verification>,
    /// When the verification runs out (or ran out).
    pub verified_until: Option<DateTime<Utc>>,
    /// How many days a verification holds.
    pub stale_after_days: u32,
}

impl RunbookStatus {
    /// Its standing at `now` from what the store keeps.
    pub fn new(
        current: Option<&RevisionMeta>,
        verification: Option<Verification>,
        stale_after_days: u32,
        now: DateTime<Utc>,
    ) -> Self {
        let stale_after = TimeDelta::days(i64::from(stale_after_days));
        Self {
            freshness: Freshness::of(
                current.is_some(),
                verification.as_ref().map(|v| v.at),
                stale_after,
                now,
            ),
            revision: current.map(|c| c.number),
            updated_at: current.map(|c| c.created_at),
            verified_until: verification.as_ref().map(|v| v.at + stale_after),
            verification,
            stale_after_days,
        }
    }

    /// The current revision was saved after the one verified.
    pub fn changed_since_verified(&self) -> bool {
        matches!((&self.verification, self.revision), (Some(v), Some(r)) if r > v.revision)
    }

    /// A sentence for the runbook's page and the orchestration's card.
    pub fn summary(&self) -> String {
        let day = |at: DateTime<Utc>| at.format("%Y-%m-%d").to_string();
        match (self.freshness, &self.verification) {
            (Freshness::Missing, _) => "No runbook has been written yet.".to_owned(),
            (Freshness::Unverified, _) | (_, None) => {
                "Written, but nobody has verified it yet.".to_owned()
            }
            (Freshness::Verified, Some(v)) => format!(
                "Verified by {} on {}; good until {}.",
                v.by,
                day(v.at),
                self.verified_until.map(day).unwrap_or_default()
            ),
            (Freshness::Stale, Some(v)) => format!(
                "Stale: last verified by {} on {}, more than {} days ago.",
                v.by,
                day(v.at),
                self.stale_after_days
            ),
        }
    }
}

/// What a person submits to save a runbook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunbookDraft {
    pub body: String,
    pub note: String,
    /// The revision the text was edited from; 0 when writing the first.
    pub base_revision: i64,
}

/// A draft once checked: the text as typed (line endings made `\n`), the
/// note trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidDraft {
    pub body: String,
    pub note: String,
    pub base_revision: i64,
}

impl RunbookDraft {
    pub fn validate(self) -> Result<ValidDraft, FieldErrors> {
        let mut errors = FieldErrors::default();
        let body = self.body.replace("\r\n", "\n");
        if body.trim().is_empty() {
            errors.add("body", "write the runbook: it is empty");
        } else if body.len() > MAX_BODY {
            errors.add(
                "body",
                format!(
                    "the runbook is {} KB; at most {} KB is kept: link longer material instead",
                    body.len().div_ceil(1000),
                    MAX_BODY / 1000
                ),
            );
        }
        let note = self.note.trim().to_owned();
        if note.chars().count() > MAX_NOTE {
            errors.add("note", format!("at most {MAX_NOTE} characters"));
        } else if note.contains(['\n', '\r']) {
            errors.add("note", "one line only");
        }
        if self.base_revision < 0 {
            errors.add(
                "base_revision",
                "the revision you edited from is 0 (none yet) or more",
            );
        }
        errors.into_result(ValidDraft {
            body,
            note,
            base_revision: self.base_revision,
        })
    }
}

/// How a line of a comparison changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineChange {
    Same,
    Added,
    Removed,
}

/// One line of a comparison, cut into runs of words; `true` marks the
/// words that changed within a changed line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    pub change: LineChange,
    /// Its number in the older text (none for an added line).
    pub old: Option<usize>,
    /// Its number in the newer text (none for a removed line).
    pub new: Option<usize>,
    pub parts: Vec<(bool, String)>,
}

/// A stretch of changed lines with a little unchanged context around them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hunk {
    pub lines: Vec<DiffLine>,
}

/// Two texts compared line by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextDiff {
    pub added: usize,
    pub removed: usize,
    /// Empty when the texts are the same.
    pub hunks: Vec<Hunk>,
}

/// Two revisions compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionDiff {
    pub from: RevisionMeta,
    pub to: RevisionMeta,
    pub diff: TextDiff,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, day, 12, 0, 0).unwrap()
    }

    #[test]
    fn freshness_follows_the_verification_and_the_period() {
        let period = TimeDelta::days(10);
        assert_eq!(
            Freshness::of(false, None, period, at(1)),
            Freshness::Missing
        );
        assert_eq!(
            Freshness::of(false, Some(at(1)), period, at(2)),
            Freshness::Missing
        );
        assert_eq!(
            Freshness::of(true, None, period, at(1)),
            Freshness::Unverified
        );
        assert_eq!(
            Freshness::of(true, Some(at(1)), period, at(11)),
            Freshness::Verified
        );
        assert_eq!(
            Freshness::of(true, Some(at(1)), period, at(11) + TimeDelta::seconds(1)),
            Freshness::Stale
        );
    }

    #[test]
    fn a_draft_must_have_text_within_limits() {
        let empty = RunbookDraft {
            body: " \n".into(),
            note: "a\nb".into(),
            base_revision: -1,
        };
        let errors = empty.validate().unwrap_err();
        assert_eq!(errors.get("body"), Some("write the runbook: it is empty"));
        assert_eq!(errors.get("note"), Some("one line only"));
        assert!(errors.get("base_revision").is_some());

        let long = RunbookDraft {
            body: "x".repeat(MAX_BODY + 1),
            note: "n".repeat(MAX_NOTE + 1),
            base_revision: 0,
        };
        let errors = long.validate().unwrap_err();
        assert!(errors.get("body").unwrap().contains("at most 200 KB"));
        assert_eq!(errors.get("note"), Some("at most 200 characters"));

        let fine = RunbookDraft {
            body: "# Title\r\nText\r\n".into(),
            note: "  first  ".into(),
            base_revision: 3,
        }
        .validate()
        .unwrap();
        assert_eq!(fine.body, "# Title\nText\n");
        assert_eq!(fine.note, "first");
    }

    #[test]
    fn the_status_says_when_the_verification_runs_out() {
        let current = RevisionMeta {
            number: 3,
            note: String::new(),
            author_id: Some(1),
            author: "Ann".into(),
            created_at: at(5),
            restored_from: None,
            lines: 10,
        };
        let verified = Verification {
            revision: 2,
            by_id: Some(1),
            by: "Ann".into(),
            at: at(2),
        };
        let status = RunbookStatus::new(Some(&current), Some(verified), 90, at(6));
        assert_eq!(status.freshness, Freshness::Verified);
        assert!(status.changed_since_verified());
        assert_eq!(
            status.summary(),
            "Verified by Ann on 2026-01-02; good until 2026-04-02."
        );
        let missing = RunbookStatus::new(None, None, 90, at(6));
        assert_eq!(missing.freshness, Freshness::Missing);
        assert!(!missing.changed_since_verified());
    }
}
