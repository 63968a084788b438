//! Incidents' and alerts' SQL, shared by both backends like [`super::sql`]:
//! the runs that may open or join an incident, incidents with their
//! timeline and alerts, the alert outbox, and channels.

use super::types::IncidentFilter;

/// Runs that may open or join an incident, written since `$1` and not yet
/// seen, oldest first, at most `$2` (found through the `runs_trouble`
/// partial index).
pub const TROUBLE_RUNS: &str = "\
SELECT r.id, r.automation_id, r.status, r.flag, r.at, r.exit_status
FROM runs r
WHERE r.updated_at >= $1
  AND (r.status IN ('failed', 'timed_out', 'missed') OR r.flag = 'too_long')
  AND NOT EXISTS (SELECT 1 FROM incident_runs s WHERE s.run_id = r.id)
ORDER BY r.at, r.id
LIMIT $2";

pub const SEEN_RUN: &str = "\
INSERT INTO incident_runs (run_id, incident_id) VALUES ($1, $2)
ON CONFLICT (run_id) DO NOTHING";

const INCIDENT_SELECT: &str = "\
SELECT i.id, i.automation_id, a.name AS automation, o.slug AS orchestration_slug,
       o.name AS orchestration_name, i.kind, i.opened_at, i.last_trouble_at, i.troubles,
       i.level, i.level_at, i.acknowledged_at, u.display_name AS acknowledged_by,
       i.held_by, i.resolved_at,
       (SELECT COUNT(DISTINCT t.channel_name) FROM alerts t
         WHERE t.incident_id = i.id AND t.kind <> 'recovered' AND t.state = 'sent') AS told_sent,
       (SELECT t.channel_name FROM alerts t
         WHERE t.incident_id = i.id AND t.kind <> 'recovered' AND t.state = 'sent'
         ORDER BY t.sent_at, t.id LIMIT 1) AS told_first,
       (SELECT MIN(t.sent_at) FROM alerts t
         WHERE t.incident_id = i.id AND t.kind <> 'recovered' AND t.state = 'sent') AS told_first_at,
       (SELECT COUNT(*) FROM alerts t
         WHERE t.incident_id = i.id AND t.kind <> 'recovered' AND t.state = 'pending') AS told_sending,
       (SELECT COUNT(*) FROM alerts t
         WHERE t.incident_id = i.id AND t.kind <> 'recovered' AND t.state = 'held') AS told_held,
       (SELECT COUNT(*) FROM alerts t
         WHERE t.incident_id = i.id AND t.kind <> 'recovered' AND t.state = 'failed') AS told_failed
FROM incidents i
JOIN automations a ON a.id = i.automation_id
LEFT JOIN orchestrations o ON o.id = a.orchestration_id
LEFT JOIN users u ON u.id = i.acknowledged_by";

pub fn open_incidents() -> String {
    format!("{INCIDENT_SELECT} WHERE i.resolved_at IS NULL ORDER BY i.id")
}

/// Incidents opened or resolved at `$1` or later, oldest first.
pub fn incidents_since() -> String {
    format!("{INCIDENT_SELECT} WHERE i.opened_at >= $1 OR i.resolved_at >= $1 ORDER BY i.id")
}

pub fn incident() -> String {
    format!("{INCIDENT_SELECT} WHERE i.id = $1")
}

/// The filter's conditions; its ids are numbers, written in the text.
fn filtered(filter: &IncidentFilter) -> String {
    let mut text = String::from(" WHERE 1 = 1");
    match filter.open {
        Some(true) => text.push_str(" AND i.resolved_at IS NULL"),
        Some(false) => text.push_str(" AND i.resolved_at IS NOT NULL"),
        None => {}
    }
    if let Some(id) = filter.automation_id {
        text.push_str(&format!(" AND i.automation_id = {id}"));
    }
    if let Some(id) = filter.orchestration_id {
        text.push_str(&format!(" AND a.orchestration_id = {id}"));
    }
    text
}

/// Incidents matching the filter, newest first; `$1` limit, `$2` offset.
pub fn incidents(filter: &IncidentFilter) -> String {
    format!(
        "{INCIDENT_SELECT}{} ORDER BY i.opened_at DESC, i.id DESC LIMIT $1 OFFSET $2",
        filtered(filter)
    )
}

pub fn count_incidents(filter: &IncidentFilter) -> String {
    format!(
        "SELECT COUNT(*) AS n FROM incidents i JOIN automations a ON a.id = i.automation_id{}",
        filtered(filter)
    )
}

pub const INSERT_INCIDENT: &str = "\
INSERT INTO incidents (automation_id, kind, opened_at, last_trouble_at, troubles, level,
    level_at, held_by)
VALUES ($1, $2, $3, $3, 1, 0, $3, $4)
RETURNING id";
/// Another alerting run at `$2`, on an open incident.
pub const JOIN_INCIDENT: &str = "\
UPDATE incidents SET troubles = troubles + 1,
    last_trouble_at = CASE WHEN $2 > last_trouble_at THEN $2 ELSE last_trouble_at END
WHERE id = $1 AND resolved_at IS NULL";
pub const SET_LEVEL: &str = "UPDATE incidents SET level = $2, level_at = $3 WHERE id = $1";
pub const ACKNOWLEDGE: &str = "\
UPDATE incidents SET acknowledged_at = $2, acknowledged_by = $3
WHERE id = $1 AND acknowledged_at IS NULL AND resolved_at IS NULL";
pub const SET_HELD_BY: &str = "UPDATE incidents SET held_by = $2 WHERE id = $1";
pub const REOPEN: &str = "\
UPDATE incidents SET resolved_at = NULL WHERE id = $1 AND resolved_at IS NOT NULL";
pub const WITHDRAW_RECOVERY: &str = "\
UPDATE alerts SET state = 'withheld'
WHERE incident_id = $1 AND state = 'pending' AND kind = 'recovered'";
pub const RESOLVE: &str = "\
UPDATE incidents SET resolved_at = $2 WHERE id = $1 AND resolved_at IS NULL";
pub const INSERT_EVENT: &str = "\
INSERT INTO incident_events (incident_id, at, kind, detail, actor_id)
VALUES ($1, $2, $3, $4, $5)";
pub const EVENTS: &str = "\
SELECT e.at, e.kind, e.detail, u.display_name AS actor
FROM incident_events e LEFT JOIN users u ON u.id = e.actor_id
WHERE e.incident_id = $1 ORDER BY e.id";

const ALERT_COLUMNS: &str = "id, incident_id, channel_id, channel_name, kind, note, state, \
    attempts, next_attempt_at, last_error, sent_at, created_at";

pub const INSERT_ALERT: &str = "\
INSERT INTO alerts (incident_id, channel_id, channel_name, kind, note, state,
    next_attempt_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
/// Held alerts sent after all, with a note.
pub const RELEASE_ALERTS: &str = "\
UPDATE alerts SET state = 'pending', kind = 'released', note = $2, next_attempt_at = $3
WHERE incident_id = $1 AND state = 'held'";
pub const WITHHOLD_ALERTS: &str = "\
UPDATE alerts SET state = 'withheld' WHERE incident_id = $1 AND state = 'held'";

pub fn incident_alerts() -> String {
    format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE incident_id = $1 ORDER BY id")
}

/// Alerts due at `$1`, at most `$2`, oldest first.
pub fn due_alerts() -> String {
    format!(
        "SELECT {ALERT_COLUMNS} FROM alerts WHERE state = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2"
    )
}

/// Alerts that gave up, newest first, at most `$1`.
pub fn failed_alerts() -> String {
    format!(
        "SELECT {ALERT_COLUMNS} FROM alerts WHERE state = 'failed' \
         ORDER BY created_at DESC, id DESC LIMIT $1"
    )
}

pub const ALERT_SENT: &str = "\
UPDATE alerts SET state = 'sent', attempts = attempts + 1, sent_at = $2, payload = $3,
    last_error = ''
WHERE id = $1 AND state = 'pending'";
pub const ALERT_RETRY: &str = "\
UPDATE alerts SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, payload = $4
WHERE id = $1 AND state = 'pending'";
pub const ALERT_FAILED: &str = "\
UPDATE alerts SET state = 'failed', attempts = attempts + 1, last_error = $2, payload = $3
WHERE id = $1 AND state = 'pending'";

const CHANNEL_SELECT: &str = "\
SELECT c.id, c.name, c.kind, c.url, c.secret, c.user_id, c.team_id,
       COALESCE(u.display_name, t.name, '') AS belongs_to, c.created_at
FROM channels c
LEFT JOIN users u ON u.id = c.user_id
LEFT JOIN teams t ON t.id = c.team_id";

pub fn channels() -> String {
    format!("{CHANNEL_SELECT} ORDER BY belongs_to, c.name, c.id")
}

pub fn channel() -> String {
    format!("{CHANNEL_SELECT} WHERE c.id = $1")
}

pub const INSERT_CHANNEL: &str = "\
INSERT INTO channels (name, kind, url, secret, user_id, team_id, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id";
pub const DELETE_CHANNEL: &str = "DELETE FROM channels WHERE id = $1";

/// The incident queries, written once for both backends.
macro_rules! incident_queries {
    ($db:ty, $pool:ty) => {
        use app::model::incidents::{
            Alert, AlertKind, AlertState, Channel, ChannelKind, Incident, IncidentEvent,
            IncidentKind, Told,
        };
        use $crate::store::incident_sql as incsql;

        fn corrupt(what: &str, text: &str) -> $crate::store::StoreError {
            $crate::store::StoreError::Other(anyhow::anyhow!("unknown {what} {text:?} stored"))
        }

        pub async fn trouble_runs(
            pool: &$pool,
            since: DateTime<Utc>,
            limit: i64,
        ) -> StoreResult<Vec<$crate::store::TroubleRun>> {
            let rows = sqlx::query(incsql::TROUBLE_RUNS)
                .bind(since)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    Ok($crate::store::TroubleRun {
                        run_id: row.try_get("id")?,
                        automation_id: row.try_get("automation_id")?,
                        status: row.try_get("status")?,
                        flag: row.try_get("flag")?,
                        at: row.try_get("at")?,
                        exit_status: row.try_get("exit_status")?,
                    })
                })
                .collect()
        }

        fn incident_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Incident> {
            let kind: String = row.try_get("kind")?;
            let slug: Option<String> = row.try_get("orchestration_slug")?;
            let name: Option<String> = row.try_get("orchestration_name")?;
            Ok(Incident {
                id: row.try_get("id")?,
                automation_id: row.try_get("automation_id")?,
                automation: row.try_get("automation")?,
                orchestration: slug.zip(name),
                kind: IncidentKind::parse(&kind).ok_or_else(|| corrupt("incident kind", &kind))?,
                opened_at: row.try_get("opened_at")?,
                last_trouble_at: row.try_get("last_trouble_at")?,
                troubles: row.try_get("troubles")?,
                level: row.try_get("level")?,
                level_at: row.try_get("level_at")?,
                acknowledged_at: row.try_get("acknowledged_at")?,
                acknowledged_by: row.try_get("acknowledged_by")?,
                held_by: row.try_get("held_by")?,
                resolved_at: row.try_get("resolved_at")?,
                told: Told {
                    sent: row.try_get("told_sent")?,
                    first: {
                        let channel: Option<String> = row.try_get("told_first")?;
                        let at: Option<DateTime<Utc>> = row.try_get("told_first_at")?;
                        channel.zip(at)
                    },
                    sending: row.try_get("told_sending")?,
                    held: row.try_get("told_held")?,
                    failed: row.try_get("told_failed")?,
                },
            })
        }

        pub async fn open_incidents(pool: &$pool) -> StoreResult<Vec<Incident>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(incsql::open_incidents()))
                .fetch_all(pool)
                .await?;
            rows.iter().map(incident_row).collect()
        }

        pub async fn incidents_since(
            pool: &$pool,
            since: chrono::DateTime<chrono::Utc>,
        ) -> StoreResult<Vec<Incident>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(incsql::incidents_since()))
                .bind(since)
                .fetch_all(pool)
                .await?;
            rows.iter().map(incident_row).collect()
        }

        pub async fn incident(pool: &$pool, id: i64) -> StoreResult<Incident> {
            let row = sqlx::query(sqlx::AssertSqlSafe(incsql::incident()))
                .bind(id)
                .fetch_one(pool)
                .await?;
            incident_row(&row)
        }

        pub async fn incidents(
            pool: &$pool,
            filter: &$crate::store::IncidentFilter,
            limit: u32,
            offset: u32,
        ) -> StoreResult<(Vec<Incident>, u64)> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(incsql::incidents(filter)))
                .bind(i64::from(limit))
                .bind(i64::from(offset))
                .fetch_all(pool)
                .await?;
            let total: i64 = sqlx::query(sqlx::AssertSqlSafe(incsql::count_incidents(filter)))
                .fetch_one(pool)
                .await?
                .try_get("n")?;
            let list = rows.iter().map(incident_row).collect::<StoreResult<_>>()?;
            Ok((list, u64::try_from(total).unwrap_or_default()))
        }

        pub async fn incident_events(pool: &$pool, id: i64) -> StoreResult<Vec<IncidentEvent>> {
            let rows = sqlx::query(incsql::EVENTS).bind(id).fetch_all(pool).await?;
            rows.iter()
                .map(|row| {
                    Ok(IncidentEvent {
                        at: row.try_get("at")?,
                        kind: row.try_get("kind")?,
                        detail: row.try_get("detail")?,
                        actor: row.try_get("actor")?,
                    })
                })
                .collect()
        }

        fn alert_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Alert> {
            let kind: String = row.try_get("kind")?;
            let state: String = row.try_get("state")?;
            Ok(Alert {
                id: row.try_get("id")?,
                incident_id: row.try_get("incident_id")?,
                channel_id: row.try_get("channel_id")?,
                channel: row.try_get("channel_name")?,
                kind: AlertKind::parse(&kind).ok_or_else(|| corrupt("alert kind", &kind))?,
                note: row.try_get("note")?,
                state: AlertState::parse(&state).ok_or_else(|| corrupt("alert state", &state))?,
                attempts: row.try_get("attempts")?,
                next_attempt_at: row.try_get("next_attempt_at")?,
                last_error: row.try_get("last_error")?,
                sent_at: row.try_get("sent_at")?,
                created_at: row.try_get("created_at")?,
            })
        }

        pub async fn incident_alerts(pool: &$pool, id: i64) -> StoreResult<Vec<Alert>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(incsql::incident_alerts()))
                .bind(id)
                .fetch_all(pool)
                .await?;
            rows.iter().map(alert_row).collect()
        }

        pub async fn due_alerts(
            pool: &$pool,
            now: DateTime<Utc>,
            limit: i64,
        ) -> StoreResult<Vec<$crate::store::DueAlert>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(incsql::due_alerts()))
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            let mut due = Vec::with_capacity(rows.len());
            for row in &rows {
                let alert = alert_row(row)?;
                let channel = match alert.channel_id {
                    Some(id) => match channel(pool, id).await {
                        Ok(c) => Some(c),
                        Err($crate::store::StoreError::NotFound) => None,
                        Err(other) => return Err(other),
                    },
                    None => None,
                };
                due.push($crate::store::DueAlert { alert, channel });
            }
            Ok(due)
        }

        pub async fn failed_alerts(pool: &$pool, limit: i64) -> StoreResult<Vec<Alert>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(incsql::failed_alerts()))
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter().map(alert_row).collect()
        }

        pub async fn alert_tried(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
            outcome: &$crate::store::AlertTry,
        ) -> StoreResult<()> {
            outbox_tried(
                tx,
                [
                    incsql::ALERT_SENT,
                    incsql::ALERT_RETRY,
                    incsql::ALERT_FAILED,
                ],
                id,
                outcome,
            )
            .await
        }

        /// Records one try of an outbox row (an alert, a review notice)
        /// with its statements for sent, retried and failed, each binding
        /// the id first.
        pub async fn outbox_tried(
            tx: &mut sqlx::Transaction<'_, $db>,
            [sent, retry, failed]: [&'static str; 3],
            id: i64,
            outcome: &$crate::store::AlertTry,
        ) -> StoreResult<()> {
            use $crate::store::AlertTry;
            let query = match outcome {
                AlertTry::Sent { at, payload } => {
                    sqlx::query(sent).bind(id).bind(*at).bind(payload.as_str())
                }
                AlertTry::Retry {
                    next_at,
                    error,
                    payload,
                } => sqlx::query(retry)
                    .bind(id)
                    .bind(*next_at)
                    .bind(error.as_str())
                    .bind(payload.as_str()),
                AlertTry::Failed { error, payload } => sqlx::query(failed)
                    .bind(id)
                    .bind(error.as_str())
                    .bind(payload.as_str()),
            };
            query.execute(&mut **tx).await?;
            Ok(())
        }

        fn channel_row(row: &<$db as sqlx::Database>::Row) -> StoreResult<Channel> {
            let kind: String = row.try_get("kind")?;
            Ok(Channel {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                kind: ChannelKind::parse(&kind).ok_or_else(|| corrupt("channel kind", &kind))?,
                url: row.try_get("url")?,
                secret: row.try_get("secret")?,
                user_id: row.try_get("user_id")?,
                team_id: row.try_get("team_id")?,
                belongs_to: row.try_get("belongs_to")?,
                created_at: row.try_get("created_at")?,
            })
        }

        pub async fn channels(pool: &$pool) -> StoreResult<Vec<Channel>> {
            let rows = sqlx::query(sqlx::AssertSqlSafe(incsql::channels()))
                .fetch_all(pool)
                .await?;
            rows.iter().map(channel_row).collect()
        }

        pub async fn channel(pool: &$pool, id: i64) -> StoreResult<Channel> {
            let row = sqlx::query(sqlx::AssertSqlSafe(incsql::channel()))
                .bind(id)
                .fetch_one(pool)
                .await?;
            channel_row(&row)
        }

        pub async fn insert_channel(
            tx: &mut sqlx::Transaction<'_, $db>,
            c: &$crate::store::NewChannel,
        ) -> StoreResult<i64> {
            Ok(sqlx::query(incsql::INSERT_CHANNEL)
                .bind(c.name.as_str())
                .bind(c.kind.as_str())
                .bind(c.url.as_str())
                .bind(c.secret.as_deref())
                .bind(c.user_id)
                .bind(c.team_id)
                .bind(c.created_by)
                .bind(c.created_at)
                .fetch_one(&mut **tx)
                .await?
                .try_get("id")?)
        }

        pub async fn delete_channel(
            tx: &mut sqlx::Transaction<'_, $db>,
            id: i64,
        ) -> StoreResult<()> {
            let done = sqlx::query(incsql::DELETE_CHANNEL)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err($crate::store::StoreError::NotFound);
            }
            Ok(())
        }

        pub async fn seen_run(
            tx: &mut sqlx::Transaction<'_, $db>,
            run: i64,
            incident: Option<i64>,
        ) -> StoreResult<()> {
            sqlx::query(incsql::SEEN_RUN)
                .bind(run)
                .bind(incident)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }

        /// Applies one change to an incident; its id. A second open
        /// incident for one automation is a conflict; so is acknowledging
        /// or resolving one that is not open (or already acknowledged).
        pub async fn write_incident(
            tx: &mut sqlx::Transaction<'_, $db>,
            w: &$crate::store::IncidentWrite,
            now: DateTime<Utc>,
        ) -> StoreResult<i64> {
            use $crate::store::{HeldAlerts, IncidentTarget, StoreError};
            let (id, new) = match &w.target {
                IncidentTarget::New(n) => {
                    let id: i64 = sqlx::query(incsql::INSERT_INCIDENT)
                        .bind(n.automation_id)
                        .bind(n.kind.as_str())
                        .bind(n.opened_at)
                        .bind(n.held_by)
                        .fetch_one(&mut **tx)
                        .await?
                        .try_get("id")?;
                    (id, true)
                }
                IncidentTarget::Existing(id) => (*id, false),
            };
            if w.reopen {
                let done = sqlx::query(incsql::REOPEN)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict("the incident is open".to_owned()));
                }
                sqlx::query(incsql::WITHDRAW_RECOVERY)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
            }
            if let Some((run, at)) = w.run {
                sqlx::query(incsql::SEEN_RUN)
                    .bind(run)
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                if !new {
                    let done = sqlx::query(incsql::JOIN_INCIDENT)
                        .bind(id)
                        .bind(at)
                        .execute(&mut **tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::Conflict("the incident is closed".to_owned()));
                    }
                }
            }
            if let Some((level, at)) = w.level {
                sqlx::query(incsql::SET_LEVEL)
                    .bind(id)
                    .bind(level)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
            }
            if let Some((at, by)) = w.acknowledged {
                let done = sqlx::query(incsql::ACKNOWLEDGE)
                    .bind(id)
                    .bind(at)
                    .bind(by)
                    .execute(&mut **tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(
                        "the incident is already acknowledged or resolved".to_owned(),
                    ));
                }
            }
            if let Some(held_by) = w.held_by {
                sqlx::query(incsql::SET_HELD_BY)
                    .bind(id)
                    .bind(held_by)
                    .execute(&mut **tx)
                    .await?;
            }
            if let Some(at) = w.resolved_at {
                let done = sqlx::query(incsql::RESOLVE)
                    .bind(id)
                    .bind(at)
                    .execute(&mut **tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(
                        "the incident is already resolved".to_owned(),
                    ));
                }
            }
            match &w.held_alerts {
                Some(HeldAlerts::Release(note)) => {
                    sqlx::query(incsql::RELEASE_ALERTS)
                        .bind(id)
                        .bind(note.as_str())
                        .bind(now)
                        .execute(&mut **tx)
                        .await?;
                }
                Some(HeldAlerts::Withhold) => {
                    sqlx::query(incsql::WITHHOLD_ALERTS)
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                }
                None => {}
            }
            for e in &w.events {
                sqlx::query(incsql::INSERT_EVENT)
                    .bind(id)
                    .bind(e.at)
                    .bind(e.kind)
                    .bind(e.detail.as_str())
                    .bind(e.actor_id)
                    .execute(&mut **tx)
                    .await?;
            }
            for a in &w.alerts {
                let state = if a.held { "held" } else { "pending" };
                sqlx::query(incsql::INSERT_ALERT)
                    .bind(id)
                    .bind(a.channel_id)
                    .bind(a.channel_name.as_str())
                    .bind(a.kind.as_str())
                    .bind(a.note.as_str())
                    .bind(state)
                    .bind(now + a.delay)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
            }
            if let Some(audit) = &w.audit {
                insert_audit(tx, audit, None).await?;
            }
            Ok(id)
        }
    };
}

pub(crate) use incident_queries;
