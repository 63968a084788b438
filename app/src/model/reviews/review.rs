//! One review of one orchestration: a checklist answered with notes, a
//! decision, free notes and action items. A review is a draft until it is
//! signed off; then it is read-only and the next one is due a period on.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::errors::FieldErrors;

/// Characters a checklist note may hold.
pub const MAX_ANSWER_NOTE: usize = 2_000;
/// Characters the review's notes may hold.
pub const MAX_NOTES: usize = 10_000;
/// Characters an action item's title may hold.
pub const MAX_ACTION_TITLE: usize = 200;

/// A question every review answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckItem {
    OwnerRight,
    BackupOwnerSet,
    RunbookVerified,
    FailureModeTrue,
    HealthWithinTarget,
    DependenciesCorrect,
}

impl CheckItem {
    pub const ALL: [CheckItem; 6] = [
        CheckItem::OwnerRight,
        CheckItem::BackupOwnerSet,
        CheckItem::RunbookVerified,
        CheckItem::FailureModeTrue,
        CheckItem::HealthWithinTarget,
        CheckItem::DependenciesCorrect,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckItem::OwnerRight => "owner_right",
            CheckItem::BackupOwnerSet => "backup_owner_set",
            CheckItem::RunbookVerified => "runbook_verified",
            CheckItem::FailureModeTrue => "failure_mode_true",
            CheckItem::HealthWithinTarget => "health_within_target",
            CheckItem::DependenciesCorrect => "dependencies_correct",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == text)
    }

    /// The question as the review screen asks it.
    pub fn question(self) -> &'static str {
        match self {
            CheckItem::OwnerRight => "Is the owner still the right person?",
            CheckItem::BackupOwnerSet => "Is a backup owner set, and do they know it?",
            CheckItem::RunbookVerified => "Was the runbook verified this quarter?",
            CheckItem::FailureModeTrue => "Is the written failure mode still true?",
            CheckItem::HealthWithinTarget => "Is health within its target?",
            CheckItem::DependenciesCorrect => "Are its dependencies still correct?",
        }
    }
}

/// A checklist answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Yes,
    No,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Yes => "yes",
            Answer::No => "no",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "yes" => Some(Answer::Yes),
            "no" => Some(Answer::No),
            _ => None,
        }
    }
}

/// One checklist item as answered so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckAnswer {
    pub item: CheckItem,
    /// `None` while unanswered.
    pub answer: Option<Answer>,
    pub note: String,
}

/// What a review decides for the orchestration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Keep,
    Redesign,
    Merge,
    Retire,
    Invest,
}

impl Decision {
    pub const ALL: [Decision; 5] = [
        Decision::Keep,
        Decision::Redesign,
        Decision::Merge,
        Decision::Retire,
        Decision::Invest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Keep => "keep",
            Decision::Redesign => "redesign",
            Decision::Merge => "merge",
            Decision::Retire => "retire",
            Decision::Invest => "invest",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::Keep => "Keep",
            Decision::Redesign => "Redesign",
            Decision::Merge => "Merge into another orchestration",
            Decision::Retire => "Retire",
            Decision::Invest => "Invest",
        }
    }

    /// What the decision means, as the review screen explains it.
    pub fn meaning(self) -> &'static str {
        match self {
            Decision::Keep => "It does its job: run it as it is until the next review.",
            Decision::Redesign => "It works, but its design costs too much: plan a redesign.",
            Decision::Merge => "Another orchestration does the same work: fold this one into it.",
            Decision::Retire => "It is no longer needed: switch it off and retire it.",
            Decision::Invest => "It pays off: give it more time, people or coverage.",
        }
    }
}

/// Whether a review can still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Draft,
    Signed,
}

impl ReviewState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewState::Draft => "draft",
            ReviewState::Signed => "signed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "draft" => Some(ReviewState::Draft),
            "signed" => Some(ReviewState::Signed),
            _ => None,
        }
    }
}

/// One review of one orchestration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: i64,
    pub orchestration_id: i64,
    pub state: ReviewState,
    /// Every checklist item, in [`CheckItem::ALL`]'s order.
    pub answers: Vec<CheckAnswer>,
    pub decision: Option<Decision>,
    /// With `merge`, the orchestration it goes into.
    pub merge_into_id: Option<i64>,
    pub notes: String,
    /// Goes up with every save, so two people's saves cannot overwrite
    /// each other unseen.
    pub version: i64,
    pub started_by_id: Option<i64>,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub signed_by_id: Option<i64>,
    pub signed_by: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    /// The due date it answered, fixed when it is signed off.
    pub answered: Option<NaiveDate>,
}

impl Review {
    pub fn is_signed(&self) -> bool {
        self.state == ReviewState::Signed
    }

    /// The answer to `item`.
    pub fn answer(&self, item: CheckItem) -> Option<&CheckAnswer> {
        self.answers.iter().find(|a| a.item == item)
    }

    /// Signed off by its due date.
    pub fn on_time(&self) -> Option<bool> {
        Some(self.signed_at?.date_naive() <= self.answered?)
    }

    /// Every item, unanswered where the stored answers lack it.
    pub fn full_answers(stored: Vec<CheckAnswer>) -> Vec<CheckAnswer> {
        CheckItem::ALL
            .into_iter()
            .map(|item| {
                stored
                    .iter()
                    .find(|a| a.item == item)
                    .cloned()
                    .unwrap_or(CheckAnswer {
                        item,
                        answer: None,
                        note: String::new(),
                    })
            })
            .collect()
    }
}

/// A task a review sets someone, with a due date, tracked to done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionItem {
    pub id: i64,
    pub orchestration_id: i64,
    /// The review that set it.
    pub review_id: i64,
    pub title: String,
    pub owner_id: Option<i64>,
    /// The owner's name as it is now.
    pub owner: Option<String>,
    pub due_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
}

impl ActionItem {
    pub fn is_open(&self) -> bool {
        self.done_at.is_none()
    }

    /// Still open after its due date.
    pub fn is_late(&self, today: NaiveDate) -> bool {
        self.is_open() && self.due_on < today
    }
}

/// A notice that an orchestration's review is overdue, sent to one alert
/// channel of its owner's (or team's), and retried like an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewNotice {
    pub id: i64,
    pub orchestration_id: i64,
    /// The due date that passed.
    pub due_on: NaiveDate,
    pub channel_id: Option<i64>,
    pub channel: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// One checklist answer as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnswerDraft {
    /// `yes`, `no`, or empty for not yet.
    pub answer: String,
    pub note: String,
}

/// A review's content as submitted (by a form or as JSON): every field a
/// string as typed, checklist answers by item name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewDraft {
    /// The version the edit started from.
    pub version: i64,
    pub answers: BTreeMap<String, AnswerDraft>,
    /// A decision's name, or empty.
    pub decision: String,
    /// With `merge`: the slug of the orchestration it goes into.
    pub merge_into: String,
    pub notes: String,
}

/// A review's content once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidReview {
    pub version: i64,
    /// Every item, in order.
    pub answers: Vec<CheckAnswer>,
    pub decision: Option<Decision>,
    /// A slug, with `merge`.
    pub merge_into: Option<String>,
    pub notes: String,
}

fn too_long(errors: &mut FieldErrors, field: &str, text: &str, max: usize) {
    if text.chars().count() > max {
        errors.add(field, format!("at most {max} characters"));
    }
}

impl ReviewDraft {
    /// Reads what was submitted: unknown items and choices, and text too
    /// long, are refused; anything may still be left unanswered.
    pub fn validate(self) -> Result<ValidReview, FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.version < 1 {
            errors.add("version", "the version the edit started from (1 or more)");
        }
        let mut answers = Vec::new();
        for (name, draft) in &self.answers {
            let field = format!("answers.{name}");
            let Some(item) = CheckItem::parse(name) else {
                let known: Vec<&str> = CheckItem::ALL.iter().map(|i| i.as_str()).collect();
                errors.add(
                    &field,
                    format!("no such checklist item; the items are {}", known.join(", ")),
                );
                continue;
            };
            let answer = match draft.answer.trim() {
                "" => None,
                text => match Answer::parse(text) {
                    Some(answer) => Some(answer),
                    None => {
                        errors.add(&field, "answer yes or no, or leave it empty");
                        None
                    }
                },
            };
            let note = draft.note.trim().replace("\r\n", "\n");
            too_long(
                &mut errors,
                &format!("{field}.note"),
                &note,
                MAX_ANSWER_NOTE,
            );
            answers.push(CheckAnswer { item, answer, note });
        }
        let decision = match self.decision.trim() {
            "" => None,
            text => Decision::parse(text).or_else(|| {
                errors.add(
                    "decision",
                    "keep, redesign, merge, retire or invest (or empty for not yet)",
                );
                None
            }),
        };
        let merge_into = Some(self.merge_into.trim().to_owned()).filter(|s| !s.is_empty());
        if merge_into.is_some() && decision != Some(Decision::Merge) {
            errors.add(
                "merge_into",
                "only a merge names the orchestration it goes into",
            );
        }
        let notes = self.notes.trim().replace("\r\n", "\n");
        too_long(&mut errors, "notes", &notes, MAX_NOTES);
        errors.into_result(ValidReview {
            version: self.version,
            answers: Review::full_answers(answers),
            decision,
            merge_into,
            notes,
        })
    }
}

impl ValidReview {
    /// What still stops a sign-off: an unanswered item, a "no" without a
    /// note saying why, no decision, a merge without its target.
    pub fn unfinished(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        for a in &self.answers {
            let field = format!("answers.{}", a.item.as_str());
            match a.answer {
                None => errors.add(&field, "answer yes or no before signing off"),
                Some(Answer::No) if a.note.is_empty() => {
                    errors.add(&field, "say in a note what is wrong and what will be done")
                }
                _ => {}
            }
        }
        match self.decision {
            None => errors.add("decision", "choose a decision before signing off"),
            Some(Decision::Merge) if self.merge_into.is_none() => {
                errors.add("merge_into", "name the orchestration this one merges into")
            }
            _ => {}
        }
        errors
    }
}

/// An action item as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionDraft {
    pub title: String,
    /// A person's id, or empty for nobody yet.
    pub owner_id: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
}

/// An action item once read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAction {
    pub title: String,
    pub owner_id: Option<i64>,
    pub due_on: NaiveDate,
}

impl ActionDraft {
    /// Reads it; `today` bounds the due date (not in the past).
    pub fn validate(self, today: NaiveDate) -> Result<ValidAction, FieldErrors> {
        let mut errors = FieldErrors::default();
        let title = self.title.trim().to_owned();
        if title.is_empty() {
            errors.add("title", "say what is to be done");
        } else if title.contains(['\n', '\r']) {
            errors.add("title", "one line only");
        }
        too_long(&mut errors, "title", &title, MAX_ACTION_TITLE);
        let owner_id = match self.owner_id.trim() {
            "" => None,
            text => text.parse().ok().or_else(|| {
                errors.add("owner_id", "choose one from the list");
                None
            }),
        };
        let due_on = match NaiveDate::parse_from_str(self.due_on.trim(), "%Y-%m-%d") {
            Ok(day) if day < today => {
                errors.add("due_on", format!("a day from {today} on"));
                today
            }
            Ok(day) => day,
            Err(_) => {
                errors.add("due_on", "a date such as 2027-01-31");
                today
            }
        };
        errors.into_result(ValidAction {
            title,
            owner_id,
            due_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn answered(pairs: &[(&str, &str, &str)]) -> BTreeMap<String, AnswerDraft> {
        pairs
            .iter()
            .map(|(item, answer, note)| {
                (
                    (*item).to_owned(),
                    AnswerDraft {
                        answer: (*answer).to_owned(),
                        note: (*note).to_owned(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_draft_may_be_unfinished_but_not_wrong() {
        let valid = ReviewDraft {
            version: 1,
            answers: answered(&[("owner_right", "yes", " fine \r\n ")]),
            ..ReviewDraft::default()
        }
        .validate()
        .unwrap();
        assert_eq!(valid.answers.len(), 6);
        assert_eq!(valid.answers[0].answer, Some(Answer::Yes));
        assert_eq!(valid.answers[0].note, "fine");
        assert!(valid.answers[1..].iter().all(|a| a.answer.is_none()));
        let unfinished = valid.unfinished();
        assert_eq!(
            unfinished.get("answers.backup_owner_set"),
            Some("answer yes or no before signing off")
        );
        assert_eq!(
            unfinished.get("decision"),
            Some("choose a decision before signing off")
        );
        assert_eq!(unfinished.get("answers.owner_right"), None);

        let errors = ReviewDraft {
            version: 0,
            answers: answered(&[("owner_ok", "yes", ""), ("owner_right", "maybe", "")]),
            decision: "scrap".into(),
            merge_into: "billing".into(),
            notes: "n".repeat(MAX_NOTES + 1),
        }
        .validate()
        .unwrap_err();
        assert!(errors.get("version").is_some());
        assert!(
            errors
                .get("answers.owner_ok")
                .unwrap()
                .starts_with("no such checklist item")
        );
        assert_eq!(
            errors.get("answers.owner_right"),
            Some("answer yes or no, or leave it empty")
        );
        assert!(errors.get("decision").is_some());
        assert_eq!(
            errors.get("merge_into"),
            Some("only a merge names the orchestration it goes into")
        );
        assert_eq!(errors.get("notes"), Some("at most 10000 characters"));
    }

    #[test]
    fn a_sign_off_needs_every_answer_a_reason_for_each_no_and_a_decision() {
        let all_yes: Vec<(&str, &str, &str)> = CheckItem::ALL
            .iter()
            .map(|i| (i.as_str(), "yes", ""))
            .collect();
        let mut pairs = all_yes.clone();
        pairs[2] = ("runbook_verified", "no", "");
        let valid = ReviewDraft {
            version: 3,
            answers: answered(&pairs),
            decision: "merge".into(),
            ..ReviewDraft::default()
        }
        .validate()
        .unwrap();
        let errors = valid.unfinished();
        assert_eq!(
            errors.get("answers.runbook_verified"),
            Some("say in a note what is wrong and what will be done")
        );
        assert_eq!(
            errors.get("merge_into"),
            Some("name the orchestration this one merges into")
        );
        assert_eq!(errors.0.len(), 2);
        let done = ReviewDraft {
            version: 3,
            answers: answered(&all_yes),
            decision: "keep".into(),
            ..ReviewDraft::default()
        }
        .validate()
        .unwrap();
        assert!(done.unfinished().is_empty());
    }

    #[test]
    fn an_action_item_needs_a_title_and_a_due_date_not_past() {
        let today = d(2026, 11, 27);
        let ok = ActionDraft {
            title: " Write the fallback ".into(),
            owner_id: "4".into(),
            due_on: "2027-01-15".into(),
        }
        .validate(today)
        .unwrap();
        assert_eq!(
            ok,
            ValidAction {
                title: "Write the fallback".into(),
                owner_id: Some(4),
                due_on: d(2027, 1, 15)
            }
        );
        let errors = ActionDraft {
            title: " ".into(),
            owner_id: "x".into(),
            due_on: "2026-11-26".into(),
        }
        .validate(today)
        .unwrap_err();
        assert_eq!(errors.get("title"), Some("say what is to be done"));
        assert_eq!(errors.get("owner_id"), Some("choose one from the list"));
        assert_eq!(errors.get("due_on"), Some("a day from 2026-11-27 on"));
        let errors = ActionDraft {
            title: "a\nb".into(),
            due_on: "15/01/2027".into(),
            ..ActionDraft::default()
        }
        .validate(today)
        .unwrap_err();
        assert_eq!(errors.get("title"), Some("one line only"));
        assert_eq!(errors.get("due_on"), Some("a date such as 2027-01-31"));
    }

    #[test]
    fn names_read_back() {
        for item in CheckItem::ALL {
            assert_eq!(CheckItem::parse(item.as_str()), Some(item));
        }
        for decision in Decision::ALL {
            assert_eq!(Decision::parse(decision.as_str()), Some(decision));
        }
        assert_eq!(
            ReviewState::parse(ReviewState::Signed.as_str()),
            Some(ReviewState::Signed)
        );
    }
}
