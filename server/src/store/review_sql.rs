//! Reviews' SQL, shared by both backends like [`super::sql`].

pub const CADENCES: &str = "SELECT orchestration_id, cadence FROM review_cadences";

pub const UPSERT_CADENCE: &str = "\
INSERT INTO review_cadences (orchestration_id, cadence, set_at) VALUES ($1, $2, $3)
ON CONFLICT (orchestration_id) DO UPDATE SET cadence = excluded.cadence, set_at = excluded.set_at";

pub const CADENCE: &str = "SELECT cadence FROM review_cadences WHERE orchestration_id = $1";

macro_rules! review_columns {
    () => {
        "id, orchestration_id, state, decision, merge_into_id, notes, version, started_by,
started_label, started_at, updated_at, signed_by, signed_label, signed_at, answered"
    };
}

/// Each orchestration's newest signed review: when, and what it answered.
pub const LAST_REVIEWS: &str = "\
SELECT r.orchestration_id, r.signed_at, r.answered FROM reviews r
WHERE r.state = 'signed' AND r.id = (SELECT MAX(id) FROM reviews l
    WHERE l.orchestration_id = r.orchestration_id AND l.state = 'signed')";

pub const LAST_REVIEW: &str = "\
SELECT signed_at, answered FROM reviews
WHERE orchestration_id = $1 AND state = 'signed' ORDER BY id DESC LIMIT 1";

pub const REVIEWS_OF: &str = concat!(
    "SELECT ",
    review_columns!(),
    " FROM reviews WHERE orchestration_id = $1 ORDER BY id DESC"
);

pub const REVIEW_BY_ID: &str = concat!("SELECT ", review_columns!(), " FROM reviews WHERE id = $1");

/// Signed reviews that answered a due date from `$1` to `$2`, or were
/// signed from `$3` up to `$4`.
pub const SIGNED_BETWEEN: &str = concat!(
    "SELECT ",
    review_columns!(),
    " FROM reviews WHERE state = 'signed'
     AND ((answered >= $1 AND answered <= $2) OR (signed_at >= $3 AND signed_at < $4))
     ORDER BY signed_at, id"
);

pub const ANSWERS_OF_ORCHESTRATION: &str = "\
SELECT a.review_id, a.item, a.answer, a.note FROM review_answers a
JOIN reviews r ON r.id = a.review_id WHERE r.orchestration_id = $1";

pub const ANSWERS_OF_REVIEW: &str = "\
SELECT review_id, item, answer, note FROM review_answers WHERE review_id = $1";

pub const ANSWERS_SIGNED_BETWEEN: &str = "\
SELECT a.review_id, a.item, a.answer, a.note FROM review_answers a
JOIN reviews r ON r.id = a.review_id WHERE r.state = 'signed'
AND ((r.answered >= $1 AND r.answered <= $2) OR (r.signed_at >= $3 AND r.signed_at < $4))";

pub const DRAFTS: &str = "SELECT orchestration_id, id FROM reviews WHERE state = 'draft'";

pub const DRAFT_OF: &str = "SELECT id FROM reviews WHERE orchestration_id = $1 AND state = 'draft'";

pub const INSERT_REVIEW: &str = "\
INSERT INTO reviews (orchestration_id, state, started_by, started_label, started_at, updated_at)
VALUES ($1, 'draft', $2, $3, $4, $4) RETURNING id";

/// Saves a draft's content if it is still a draft at version `$6`.
pub const UPDATE_DRAFT: &str = "\
UPDATE reviews SET decision = $1, merge_into_id = $2, notes = $3, updated_at = $4,
    version = version + 1
WHERE id = $5 AND state = 'draft' AND version = $6
RETURNING version";

pub const SIGN: &str = "\
UPDATE reviews SET state = 'signed', signed_by = $1, signed_label = $2, signed_at = $3,
    answered = $4
WHERE id = $5 AND state = 'draft'";

pub const REVIEW_STATE: &str = "SELECT state, version, orchestration_id FROM reviews WHERE id = $1";

pub const DELETE_ANSWERS: &str = "DELETE FROM review_answers WHERE review_id = $1";

pub const INSERT_ANSWER: &str = "\
INSERT INTO review_answers (review_id, item, answer, note) VALUES ($1, $2, $3, $4)";

pub const DELETE_DRAFT: &str = "DELETE FROM reviews WHERE id = $1 AND state = 'draft'";

macro_rules! action_columns {
    () => {
        "SELECT a.id, a.orchestration_id, a.review_id, a.title, a.owner_id,
u.display_name AS owner_name, a.due_on, a.created_at, a.done_at, a.done_label
FROM review_actions a LEFT JOIN users u ON u.id = a.owner_id"
    };
}

/// Action items: of one orchestration (`$1`, or every one when `NULL`),
/// open ones only when `$2`.
pub const ACTIONS: &str = concat!(
    action_columns!(),
    " WHERE ($1 IS NULL OR a.orchestration_id = $1) AND (NOT $2 OR a.done_at IS NULL)
     ORDER BY a.due_on, a.id"
);

pub const ACTION_BY_ID: &str = concat!(action_columns!(), " WHERE a.id = $1");

pub const INSERT_ACTION: &str = "\
INSERT INTO review_actions (orchestration_id, review_id, title, owner_id, due_on, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";

pub const SET_ACTION_DONE: &str = "\
UPDATE review_actions SET done_at = $1, done_label = $2 WHERE id = $3";

pub const MARK_OVERDUE: &str = "\
INSERT INTO review_overdue (orchestration_id, due_on, noticed_at) VALUES ($1, $2, $3)
ON CONFLICT (orchestration_id, due_on) DO NOTHING";

pub const INSERT_NOTICE: &str = "\
INSERT INTO review_notices (orchestration_id, due_on, channel_id, channel_name, state,
    next_attempt_at, created_at)
VALUES ($1, $2, $3, $4, 'pending', $5, $5)";

macro_rules! notice_columns {
    () => {
        "SELECT id, orchestration_id, due_on, channel_id, channel_name, state, attempts,
last_error, created_at, sent_at FROM review_notices"
    };
}

pub const DUE_NOTICES: &str = concat!(
    notice_columns!(),
    " WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2"
);

pub const NOTICES_OF: &str = concat!(
    notice_columns!(),
    " WHERE orchestration_id = $1 ORDER BY id DESC"
);

pub const NOTICE_SENT: &str = "\
UPDATE review_notices SET state = 'sent', attempts = attempts + 1, sent_at = $2, payload = $3,
    last_error = ''
WHERE id = $1 AND state = 'pending'";
pub const NOTICE_RETRY: &str = "\
UPDATE review_notices SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3,
    payload = $4
WHERE id = $1 AND state = 'pending'";
pub const NOTICE_FAILED: &str = "\
UPDATE review_notices SET state = 'failed', attempts = attempts + 1, last_error = $2,
    payload = $3
WHERE id = $1 AND state = 'pending'";

/// The review queries, written once for both backends.
macro_rules! review_queries {
    ($db:ty, $pool:ty) => {
        use app::model::reviews::Cadence;
        use $crate::store::review_sql as rvsql;

        /// Every cadence set, by orchestration (the others are quarterly).
        pub async fn review_cadences(pool: &$pool) -> StoreResult<Vec<(i64, Cadence)>> {
            let rows = sqlx::query(rvsql::CADENCES).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    let text: String = row.try_get("cadence")?;
                    let cadence = Cadence::parse(&text).ok_or_else(|| {
                        $crate::store::StoreError::Other(anyhow::anyhow!(
                            "unknown review cadence {text:?} stored"
                        ))
                    })?;
                    Ok((row.try_get("orchestration_id")?, cadence))
                })
                .collect()
        }

        pub async fn set_review_cadence(
            tx: &mut sqlx::Transaction<'_, $db>,
            orchestration: i64,
            cadence: Cadence,
            now: DateTime<Utc>,
        ) -> StoreResult<()> {
            sqlx::query(rvsql::UPSERT_CADENCE)
                .bind(orchestration)
                .bind(cadence.as_str())
                .bind(now)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        /// The cadence set for one orchestration, if any.
        pub async fn review_cadence(
            pool: &$pool,
            orchestration: i64,
        ) -> StoreResult<Option<Cadence>> {
            let row = sqlx::query(rvsql::CADENCE)
                .bind(orchestration)
                .fetch_optional(pool)
                .await?;
            row.map(|row| {
                let text: String = row.try_get("cadence")?;
                Cadence::parse(&text).ok_or_else(|| {
                    $crate::store::StoreError::Other(anyhow::anyhow!(
                        "unknown review cadence {text:?} stored"
                    ))
                })
            })
            .transpose()
        }

        fn last_review_row(
            row: &<$db as sqlx::Database>::Row,
        ) -> StoreResult<app::model::reviews::LastReview> {
            let signed: DateTime<Utc> = row.try_get("signed_at")?;
            Ok(app::model::reviews::LastReview {
                signed_on: signed.date_naive(),
                answered: row.try_get("answered")?,
            })
        }

        pub async fn last_reviews(
            pool: &$pool,
        ) -> StoreResult<Vec<(i64, app::model::reviews::LastReview)>> {
            let rows = sqlx::query(rvsql::LAST_REVIEWS).fetch_all(pool).await?;
            rows.iter()
                .map(|row| Ok((row.try_get("orchestration_id")?, last_review_row(row)?)))
                .collect()
        }

        pub async fn draft_reviews(pool: &$pool) -> StoreResult<Vec<(i64, i64)>> {
            Ok(sqlx::query_as(rvsql::DRAFTS).fetch_all(pool).await?)
        }

        pub async fn last_review(
            pool: &$pool,
            orchestration: i64,
        ) -> StoreResult<Option<app::model::reviews::LastReview>> {
            let row = sqlx::query(rvsql::LAST_REVIEW)
                .bind(orchestration)
                .fetch_optional(pool)
                .await?;
            row.as_ref().map(last_review_row).transpose()
        }

        fn stored<T>(what: &str, text: &str, parsed: Option<T>) -> StoreResult<T> {
            parsed.ok_or_else(|| {
                $crate::store::StoreError::Other(anyhow::anyhow!("unknown {what} {text:?} stored"))
            })
        }

        fn review_row(
            row: &<$db as sqlx::Database>::Row,
        ) -> StoreResult<app::model::reviews::Review> {
            use app::model::reviews::{Decision, ReviewState};
            let state: String = row.try_get("state")?;
            let decision: Option<String> = row.try_get("decision")?;
            Ok(app::model::reviews::Review {
                id: row.try_get("id")?,
                orchestration_id: row.try_get("orchestration_id")?,
                state: stored("review state", &state, ReviewState::parse(&state))?,
                answers: Vec::new(),
                decision: decision
                    .map(|text| stored("decision", &text, Decision::parse(&text)))
                    .transpose()?,
                merge_into_id: row.try_get("merge_into_id")?,
                notes: row.try_get("notes")?,
                version: row.try_get("version")?,
                started_by_id: row.try_get("started_by")?,
                started_by: row.try_get("started_label")?,
                started_at: row.try_get("started_at")?,
                updated_at: row.try_get("updated_at")?,
                signed_by_id: row.try_get("signed_by")?,
                signed_by: row.try_get("signed_label")?,
                signed_at: row.try_get("signed_at")?,
                answered: row.try_get("answered")?,
            })
        }

        /// Puts each review's stored answers in, every item present.
        fn with_answers(
            mut reviews: Vec<app::model::reviews::Review>,
            rows: &[<$db as sqlx::Database>::Row],
        ) -> StoreResult<Vec<app::model::reviews::Review>> {
            use app::model::reviews::{Answer, CheckAnswer, CheckItem, Review};
            let mut by_review: std::collections::HashMap<i64, Vec<CheckAnswer>> =
                std::collections::HashMap::new();
            for row in rows {
                let item: String = row.try_get("item")?;
                let answer: Option<String> = row.try_get("answer")?;
                by_review
                    .entry(row.try_get("review_id")?)
                    .or_default()
                    .push(CheckAnswer {
                        item: stored("checklist item", &item, CheckItem::parse(&item))?,
                        answer: answer
                            .map(|text| stored("answer", &text, Answer::parse(&text)))
                            .transpose()?,
                        note: row.try_get("note")?,
                    });
            }
            for review in &mut reviews {
                review.answers =
                    Review::full_answers(by_review.remove(&review.id).unwrap_or_default());
            }
            Ok(reviews)
        }

        pub async fn reviews_of(
            pool: &$pool,
            orchestration: i64,
        ) -> StoreResult<Vec<app::model::reviews::Review>> {
            let rows = sqlx::query(rvsql::REVIEWS_OF)
                .bind(orchestration)
                .fetch_all(pool)
                .await?;
            let reviews = rows
                .iter()
                .map(review_row)
                .collect::<StoreResult<Vec<_>>>()?;
            let answers = sqlx::query(rvsql::ANSWERS_OF_ORCHESTRATION)
                .bind(orchestration)
                .fetch_all(pool)
                .await?;
            with_answers(reviews, &answers)
        }

        pub async fn review(pool: &$pool, id: i64) -> StoreResult<app::model::reviews::Review> {
            let row = sqlx::query(rvsql::REVIEW_BY_ID)
                .bind(id)
                .fetch_one(pool)
                .await?;
            let answers = sqlx::query(rvsql::ANSWERS_OF_REVIEW)
                .bind(id)
                .fetch_all(pool)
                .await?;
            let mut reviews = with_answers(vec![review_row(&row)?], &answers)?;
            reviews.pop().ok_or($crate::store::StoreError::NotFound)
        }

        pub async fn signed_reviews(
            pool: &$pool,
            from: chrono::NaiveDate,
            to: chrono::NaiveDate,
        ) -> StoreResult<Vec<app::model::reviews::Review>> {
            let start = from.and_time(chrono::NaiveTime::MIN).and_utc();
            let end = to
                .succ_opt()
                .unwrap_or(to)
                .and_time(chrono::NaiveTime::MIN)
                .and_utc();
            let rows = sqlx::query(rvsql::SIGNED_BETWEEN)
                .bind(from)
                .bind(to)
                .bind(start)
                .bind(end)
                .fetch_all(pool)
                .await?;
            let reviews = rows
                .iter()
                .map(review_row)
                .collect::<StoreResult<Vec<_>>>()?;
            let answers = sqlx::query(rvsql::ANSWERS_SIGNED_BETWEEN)
                .bind(from)
                .bind(to)
                .bind(start)
                .bind(end)
                .fetch_all(pool)
                .await?;
            with_answers(reviews, &answers)
        }

        /// Opens a draft; a `Conflict` naming the draft when there is one.
        pub async fn insert_review(
            tx: &mut sqlx::Transaction<'_, $db>,
            orchestration: i64,
            by_id: Option<i64>,
            by: &str,
            at: DateTime<Utc>,
        ) -> StoreResult<i64> {
            let draft: Option<i64> = sqlx::query_scalar(rvsql::DRAFT_OF)
                .bind(orchestration)
                .fetch_optional(&mut **tx)
                .await?;
            if let Some(draft) = draft {
                return Err($crate::store::StoreError::Conflict(format!(
                    "review {draft} is already open"
                )));
            }
            Ok(sqlx::query_scalar(rvsql::INSERT_REVIEW)
                .bind(orchestration)
                .bind(by_id)
                .bind(by)
                .bind(at)
                .fetch_one(&mut **tx)
                .await?)
        }

        /// Writes a draft's content (and signs it off with `sign`) if it is
        /// still a draft at `version`; its new version. `NotFound` without
        /// the review, `Conflict` when it was signed or saved meanwhile.
        pub async fn update_review(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            version: i64,
            write: &$crate::store::ReviewWrite,
        ) -> StoreResult<i64> {
            let row = sqlx::query(rvsql::REVIEW_STATE)
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
            let state: String = row.try_get("state")?;
            let stored_version: i64 = row.try_get("version")?;
            if state != "draft" {
                return Err($crate::store::StoreError::Conflict(
                    "it is signed off".to_owned(),
                ));
            }
            if stored_version != version {
                return Err($crate::store::StoreError::Conflict(format!(
                    "it was saved meanwhile: version {stored_version}, not {version}"
                )));
            }
            let new_version: i64 = sqlx::query_scalar(rvsql::UPDATE_DRAFT)
                .bind(write.decision.map(|d| d.as_str()))
                .bind(write.merge_into_id)
                .bind(&write.notes)
                .bind(write.at)
                .bind(id)
                .bind(version)
                .fetch_one(&mut **tx)
                .await?;
            sqlx::query(rvsql::DELETE_ANSWERS)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            for a in &write.answers {
                if a.answer.is_none() && a.note.is_empty() {
                    continue;
                }
                sqlx::query(rvsql::INSERT_ANSWER)
                    .bind(id)
                    .bind(a.item.as_str())
                    .bind(a.answer.map(|x| x.as_str()))
                    .bind(&a.note)
                    .execute(&mut **tx)
                    .await?;
            }
            if let Some(sign) = &write.sign {
                sqlx::query(rvsql::SIGN)
                    .bind(sign.by_id)
                    .bind(&sign.by)
                    .bind(write.at)
                    .bind(sign.answered)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(new_version)
        }

        /// Deletes a draft; `Conflict` when it is signed, `NotFound`
        /// without it.
        pub async fn delete_draft(tx: &mut sqlx::Transaction<'_, $db>, id: i64) -> StoreResult<()> {
            let state: String = sqlx::query_scalar("SELECT state FROM reviews WHERE id = $1")
                .bind(id)
                .fetch_one(&mut **tx)
                .await?;
            if state != "draft" {
                return Err($crate::store::StoreError::Conflict(
                    "it is signed off".to_owned(),
                ));
            }
            sqlx::query(rvsql::DELETE_DRAFT)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        fn action_row(
            row: &<$db as sqlx::Database>::Row,
        ) -> StoreResult<app::model::reviews::ActionItem> {
            Ok(app::model::reviews::ActionItem {
                id: row.try_get("id")?,
                orchestration_id: row.try_get("orchestration_id")?,
                review_id: row.try_get("review_id")?,
                title: row.try_get("title")?,
                owner_id: row.try_get("owner_id")?,
                owner: row.try_get("owner_name")?,
                due_on: row.try_get("due_on")?,
                created_at: row.try_get("created_at")?,
                done_at: row.try_get("done_at")?,
                done_by: row.try_get("done_label")?,
            })
        }

        pub async fn action_items(
            pool: &$pool,
            orchestration: Option<i64>,
            open_only: bool,
        ) -> StoreResult<Vec<app::model::reviews::ActionItem>> {
            let rows = sqlx::query(rvsql::ACTIONS)
                .bind(orchestration)
                .bind(open_only)
                .fetch_all(pool)
                .await?;
            rows.iter().map(action_row).collect()
        }

        pub async fn action_item(
            pool: &$pool,
            id: i64,
        ) -> StoreResult<app::model::reviews::ActionItem> {
            let row = sqlx::query(rvsql::ACTION_BY_ID)
                .bind(id)
                .fetch_one(pool)
                .await?;
            action_row(&row)
        }

        /// Adds an action item to a draft review; `Conflict` once it is
        /// signed off.
        pub async fn insert_action(
            tx: &mut sqlx::Transaction<'_, $db>,
            item: &$crate::store::NewActionItem,
        ) -> StoreResult<i64> {
            let state: String = sqlx::query_scalar("SELECT state FROM reviews WHERE id = $1")
                .bind(item.review_id)
                .fetch_one(&mut **tx)
                .await?;
            if state != "draft" {
                return Err($crate::store::StoreError::Conflict(
                    "the review is signed off".to_owned(),
                ));
            }
            Ok(sqlx::query_scalar(rvsql::INSERT_ACTION)
                .bind(item.orchestration_id)
                .bind(item.review_id)
                .bind(&item.title)
                .bind(item.owner_id)
                .bind(item.due_on)
                .bind(item.at)
                .fetch_one(&mut **tx)
                .await?)
        }

        pub async fn set_action_done(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            done: Option<(DateTime<Utc>, &str)>,
        ) -> StoreResult<()> {
            let result = sqlx::query(rvsql::SET_ACTION_DONE)
                .bind(done.map(|(at, _)| at))
                .bind(done.map(|(_, by)| by))
                .bind(id)
                .execute(&mut **tx)
                .await?;
            if result.rows_affected() == 0 {
                return Err($crate::store::StoreError::NotFound);
            }
            Ok(())
        }

        /// Marks `due_on` told for `orchestration` and queues a notice to
        /// each channel; `false` (nothing written) when it was told already.
        pub async fn queue_notices(
            tx: &mut sqlx::Transaction<'_, $db>,
            orchestration: i64,
            due_on: chrono::NaiveDate,
            channels: &[(i64, String)],
            now: DateTime<Utc>,
        ) -> StoreResult<bool> {
            let marked = sqlx::query(rvsql::MARK_OVERDUE)
                .bind(orchestration)
                .bind(due_on)
                .bind(now)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            if marked == 0 {
                return Ok(false);
            }
            for (id, name) in channels {
                sqlx::query(rvsql::INSERT_NOTICE)
                    .bind(orchestration)
                    .bind(due_on)
                    .bind(*id)
                    .bind(name)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(true)
        }

        fn notice_row(
            row: &<$db as sqlx::Database>::Row,
        ) -> StoreResult<app::model::reviews::ReviewNotice> {
            let attempts: i64 = row.try_get("attempts")?;
            Ok(app::model::reviews::ReviewNotice {
                id: row.try_get("id")?,
                orchestration_id: row.try_get("orchestration_id")?,
                due_on: row.try_get("due_on")?,
                channel_id: row.try_get("channel_id")?,
                channel: row.try_get("channel_name")?,
                state: row.try_get("state")?,
                attempts: i32::try_from(attempts).unwrap_or(i32::MAX),
                last_error: row.try_get("last_error")?,
                created_at: row.try_get("created_at")?,
                sent_at: row.try_get("sent_at")?,
            })
        }

        pub async fn due_review_notices(
            pool: &$pool,
            now: DateTime<Utc>,
            limit: i64,
        ) -> StoreResult<
            Vec<(
                app::model::reviews::ReviewNotice,
                Option<app::model::incidents::Channel>,
            )>,
        > {
            let rows = sqlx::query(rvsql::DUE_NOTICES)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            let mut due = Vec::with_capacity(rows.len());
            for row in &rows {
                let notice = notice_row(row)?;
                let found = match notice.channel_id {
                    Some(id) => match channel(pool, id).await {
                        Ok(c) => Some(c),
                        Err($crate::store::StoreError::NotFound) => None,
                        Err(other) => return Err(other),
                    },
                    None => None,
                };
                due.push((notice, found));
            }
            Ok(due)
        }

        pub async fn review_notices(
            pool: &$pool,
            orchestration: i64,
        ) -> StoreResult<Vec<app::model::reviews::ReviewNotice>> {
            let rows = sqlx::query(rvsql::NOTICES_OF)
                .bind(orchestration)
                .fetch_all(pool)
                .await?;
            rows.iter().map(notice_row).collect()
        }

        pub async fn review_notice_tried(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            outcome: &$crate::store::AlertTry,
        ) -> StoreResult<()> {
            outbox_tried(
                tx,
                [
                    rvsql::NOTICE_SENT,
                    rvsql::NOTICE_RETRY,
                    rvsql::NOTICE_FAILED,
                ],
                id,
                outcome,
            )
            .await
        }
    };
}

pub(crate) use review_queries;
