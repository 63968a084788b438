//! The review screens' side of the services: the same domain functions as
//! the API, answered with what a screen shows.

use app::model::forms::SaveOutcome;
use app::model::reviews::{ActionDraft, BoardFilter, Quarter, ReviewDraft, ReviewReport};
use app::services::{
    BoxFuture, CatalogService, ReviewActions, ReviewBoardScreen, ReviewHistory, ReviewScreen,
    ReviewService, ServiceError,
};

use super::{Catalog, unavailable};
use crate::catalog::CatalogError;
use crate::reviews::{self, ReviewError};
use crate::store::StoreError;

fn review_path(id: i64) -> String {
    format!("/reviews/{id}")
}

/// A refusal a form shows, or an error the screen reports.
fn refused(err: ReviewError) -> Result<SaveOutcome, ServiceError> {
    match err {
        ReviewError::Catalog(CatalogError::Forbidden(why)) => Err(ServiceError::Forbidden(why)),
        ReviewError::Catalog(CatalogError::Invalid(fields)) => Ok(SaveOutcome::Invalid(fields)),
        ReviewError::Catalog(CatalogError::NotFound) => Ok(SaveOutcome::Refused(
            "That review or orchestration does not exist (any more).".to_owned(),
        )),
        ReviewError::Catalog(CatalogError::Store(err)) => Err(unavailable(err)),
        ReviewError::Stale(current) => Ok(SaveOutcome::Conflict {
            version: current.version,
            changes: Vec::new(),
        }),
        ReviewError::Refused(why) => Ok(SaveOutcome::Refused(why)),
        other => Ok(SaveOutcome::Refused(other.to_string())),
    }
}

impl Catalog {
    /// The quarter named, or today's.
    fn quarter_or_current(&self, text: &str) -> Quarter {
        Quarter::parse(text).unwrap_or_else(|| {
            self.fiscal_calendar
                .quarter_of(self.clock.now().date_naive())
        })
    }
}

impl ReviewService for Catalog {
    fn review_board(
        &self,
        quarter: String,
        team: Option<i64>,
        owner: Option<i64>,
    ) -> BoxFuture<'_, Result<ReviewBoardScreen, ServiceError>> {
        Box::pin(async move {
            let today = self.clock.now().date_naive();
            let quarter = self.quarter_or_current(&quarter);
            let board = reviews::board(
                &*self.store,
                self.fiscal_calendar,
                quarter,
                today,
                BoardFilter {
                    team_id: team,
                    owner_id: owner,
                },
            )
            .await
            .map_err(unavailable)?;
            let teams = self
                .store
                .teams()
                .await
                .map_err(unavailable)?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect();
            Ok(ReviewBoardScreen {
                board,
                current: self.fiscal_calendar.quarter_of(today),
                teams,
                people: self.store.user_names().await.map_err(unavailable)?,
            })
        })
    }

    fn review(&self, id: i64) -> BoxFuture<'_, Result<Option<ReviewScreen>, ServiceError>> {
        Box::pin(async move {
            let detail = match reviews::detail(
                &*self.store,
                self.fiscal_calendar,
                self.runbook_stale_days,
                id,
                self.clock.now(),
            )
            .await
            {
                Ok(detail) => detail,
                Err(StoreError::NotFound) => return Ok(None),
                Err(other) => return Err(unavailable(other)),
            };
            let Some(page) = self.orchestration_page(detail.slug.clone()).await? else {
                return Ok(None);
            };
            let orchestrations = self
                .store
                .orchestrations()
                .await
                .map_err(unavailable)?
                .into_iter()
                .filter(|o| o.id != detail.review.orchestration_id)
                .map(|o| (o.fields.slug, o.fields.name))
                .collect();
            Ok(Some(ReviewScreen {
                can_edit: page.can_edit && !detail.review.is_signed(),
                people: self.store.user_names().await.map_err(unavailable)?,
                orchestrations,
                detail,
                page,
            }))
        })
    }

    fn review_actions(
        &self,
        id: i64,
    ) -> BoxFuture<'_, Result<Option<ReviewActions>, ServiceError>> {
        Box::pin(async move {
            let review = match self.store.review(id).await {
                Ok(review) => review,
                Err(StoreError::NotFound) => return Ok(None),
                Err(other) => return Err(unavailable(other)),
            };
            let o = self
                .store
                .orchestration(review.orchestration_id)
                .await
                .map_err(unavailable)?;
            let quarter =
                reviews::quarter_of(self.fiscal_calendar, &review, self.clock.now().date_naive());
            let (starts, _) = self.fiscal_calendar.bounds(quarter);
            let (actions, carried) = reviews::actions_of(&*self.store, &review, starts)
                .await
                .map_err(unavailable)?;
            let may_mark = crate::access::check_orchestration(&self.actor, &o).is_ok();
            Ok(Some(ReviewActions {
                actions,
                carried,
                can_add: may_mark && !review.is_signed(),
                may_mark,
                me: self.actor.may_create().then_some(self.actor.id),
            }))
        })
    }

    fn review_history(&self, slug: String) -> BoxFuture<'_, Result<ReviewHistory, ServiceError>> {
        Box::pin(async move {
            let o = match self.store.orchestration_by_slug(&slug).await {
                Ok(o) => o,
                Err(StoreError::NotFound) => {
                    return Ok(ReviewHistory {
                        reviews: Vec::new(),
                        can_edit: false,
                    });
                }
                Err(other) => return Err(unavailable(other)),
            };
            Ok(ReviewHistory {
                reviews: self.store.reviews(o.id).await.map_err(unavailable)?,
                can_edit: crate::access::check_orchestration(&self.actor, &o).is_ok(),
            })
        })
    }

    fn start_review(&self, slug: String) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            let o = match self.store.orchestration_by_slug(&slug).await {
                Ok(o) => o,
                Err(StoreError::NotFound) => {
                    return Ok(SaveOutcome::Refused(
                        "This orchestration no longer exists.".to_owned(),
                    ));
                }
                Err(other) => return Err(unavailable(other)),
            };
            match reviews::start(&*self.store, &*self.clock, &self.actor, &o).await {
                Ok(review) => Ok(SaveOutcome::Saved {
                    path: review_path(review.id),
                }),
                Err(err) => refused(err),
            }
        })
    }

    fn save_review(
        &self,
        id: i64,
        draft: ReviewDraft,
        sign: bool,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            match reviews::save(
                &*self.store,
                &*self.clock,
                self.fiscal_calendar,
                &self.actor,
                id,
                draft,
                sign,
            )
            .await
            {
                Ok(_) => Ok(SaveOutcome::Saved {
                    path: review_path(id),
                }),
                Err(err) => refused(err),
            }
        })
    }

    fn discard_review(&self, id: i64) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            match reviews::discard(&*self.store, &*self.clock, &self.actor, id).await {
                Ok(o) => Ok(SaveOutcome::Saved {
                    path: format!("/orchestrations/{}", o.fields.slug),
                }),
                Err(err) => refused(err),
            }
        })
    }

    fn add_review_action(
        &self,
        id: i64,
        draft: ActionDraft,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            match reviews::add_action(&*self.store, &*self.clock, &self.actor, id, draft).await {
                Ok(_) => Ok(SaveOutcome::Saved {
                    path: review_path(id),
                }),
                Err(err) => refused(err),
            }
        })
    }

    fn mark_review_action(
        &self,
        id: i64,
        done: bool,
    ) -> BoxFuture<'_, Result<SaveOutcome, ServiceError>> {
        Box::pin(async move {
            match reviews::set_action_done(&*self.store, &*self.clock, &self.actor, id, done).await
            {
                Ok(item) => Ok(SaveOutcome::Saved {
                    path: review_path(item.review_id),
                }),
                Err(err) => refused(err),
            }
        })
    }

    fn review_report(&self, quarter: String) -> BoxFuture<'_, Result<ReviewReport, ServiceError>> {
        Box::pin(async move {
            let quarter = self.quarter_or_current(&quarter);
            reviews::report(
                &*self.store,
                self.fiscal_calendar,
                quarter,
                self.clock.now(),
                self.runbook_stale_days,
            )
            .await
            .map_err(unavailable)
        })
    }
}
