//! Reviews from the screens: the board, one review (save, sign off,
//! discard, action items), an orchestration's history, the report.

use leptos::prelude::*;

use crate::model::forms::SaveOutcome;
use crate::model::reviews::{ActionDraft, ReviewDraft, ReviewReport};
use crate::services::{ReviewActions, ReviewBoardScreen, ReviewHistory, ReviewScreen};

/// The board of `quarter` (empty: the current one).
#[server(prefix = "/rpc", endpoint = "reviews/board")]
pub async fn load_review_board(
    quarter: String,
    team: Option<i64>,
    owner: Option<i64>,
) -> Result<ReviewBoardScreen, ServerFnError> {
    super::reviews()?
        .review_board(quarter, team, owner)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "reviews/one")]
pub async fn load_review(id: i64) -> Result<Option<ReviewScreen>, ServerFnError> {
    super::reviews()?.review(id).await.map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "reviews/actions")]
pub async fn load_review_actions(id: i64) -> Result<Option<ReviewActions>, ServerFnError> {
    super::reviews()?
        .review_actions(id)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "reviews/history")]
pub async fn load_review_history(slug: String) -> Result<ReviewHistory, ServerFnError> {
    super::reviews()?
        .review_history(slug)
        .await
        .map_err(super::refused)
}

/// Opens a review of the orchestration `slug`.
#[server(prefix = "/rpc", endpoint = "reviews/start")]
pub async fn start_review(slug: String) -> Result<SaveOutcome, ServerFnError> {
    super::reviews()?
        .start_review(slug)
        .await
        .map_err(super::refused)
}

/// Saves a draft review; with `sign`, signs it off.
#[server(prefix = "/rpc", endpoint = "reviews/save")]
pub async fn save_review(
    id: i64,
    draft: ReviewDraft,
    #[server(default)] sign: bool,
) -> Result<SaveOutcome, ServerFnError> {
    super::reviews()?
        .save_review(id, draft, sign)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "reviews/discard")]
pub async fn discard_review(id: i64) -> Result<SaveOutcome, ServerFnError> {
    super::reviews()?
        .discard_review(id)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "reviews/action")]
pub async fn add_review_action(id: i64, draft: ActionDraft) -> Result<SaveOutcome, ServerFnError> {
    super::reviews()?
        .add_review_action(id, draft)
        .await
        .map_err(super::refused)
}

/// Marks an action item done (`done`) or open again.
#[server(prefix = "/rpc", endpoint = "reviews/action/mark")]
pub async fn mark_review_action(id: i64, done: bool) -> Result<SaveOutcome, ServerFnError> {
    super::reviews()?
        .mark_review_action(id, done)
        .await
        .map_err(super::refused)
}

#[server(prefix = "/rpc", endpoint = "reviews/report")]
pub async fn load_review_report(quarter: String) -> Result<ReviewReport, ServerFnError> {
    super::reviews()?
        .review_report(quarter)
        .await
        .map_err(super::refused)
}
