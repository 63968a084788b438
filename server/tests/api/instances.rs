//! Two real `baton` processes on one PostgreSQL database catch up on
//! thousands of missed slots together; the one doing the work is SIGKILLed
//! halfway, and the other finishes: every slot is recorded, each once. Two
//! processes send each alert once, and when the one sending is killed the
//! other sends the next.

use std::time::Duration;

use app::model::ingestion::RunStatus;
use app::model::schedule::Schedule;
use chrono::{DurationRound as _, TimeDelta, Utc};

use crate::helpers::{Backend, TestDb, serve_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_loses_no_missed_run_and_none_is_recorded_twice() {
    let db = TestDb::new(Backend::Postgres).await;
    let site = tempfile::tempdir().unwrap();
    let store = db.store().await;
    let now = Utc::now().duration_trunc(TimeDelta::seconds(1)).unwrap();
    // Every minute, set two days ago and never run: 2,879 slots to catch
    // up, 500 a look, a look a second on whichever instance holds the lease.
    let set_at = now - TimeDelta::days(2);
    let automation = silent_automation(&store, "Every minute", None, set_at).await;
    let missed = || async {
        let runs = store.runs(automation, 100_000).await.unwrap();
        assert!(runs.iter().all(|r| r.status == RunStatus::Missed));
        runs
    };

    let options = ["--health-look-seconds", "1"];
    let mut instances = [
        serve_with(&db.url(), site.path(), &options),
        serve_with(&db.url(), site.path(), &options),
    ];
    // Wait for the first look, then kill whichever instance holds the lease.
    let mut recorded = 0;
    for _ in 0..600 {
        recorded = missed().await.len();
        if recorded > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(recorded > 0, "no instance looked");
    let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
    let holder: String =
        sqlx::query_scalar("SELECT holder FROM job_leases WHERE name = 'missed-runs'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let victim = instances
        .iter()
        .position(|p| holder.starts_with(&format!("baton-{}-", p.child.id())))
        .unwrap_or_else(|| panic!("{holder} is neither instance"));
    instances[victim].child.kill().unwrap();
    instances[victim].child.wait().unwrap();
    let at_kill = missed().await.len();
    let expected_at_kill = ((Utc::now() - set_at).num_seconds() - 60) / 60;
    assert!(
        (at_kill as i64) < expected_at_kill,
        "killed halfway: {at_kill} of {expected_at_kill} recorded"
    );

    // The other takes the lease over (3 s after the last renewal) and
    // finishes.
    let mut runs = Vec::new();
    for _ in 0..300 {
        runs = missed().await;
        let due = ((Utc::now() - set_at).num_seconds() - 60) / 60;
        if runs.len() as i64 >= due - 1 && runs.len() as i64 >= expected_at_kill {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    runs.reverse();
    assert!(
        runs.len() as i64 >= expected_at_kill,
        "{} of {expected_at_kill} recorded",
        runs.len()
    );
    // Every slot from the first on, each once, none skipped.
    for (k, run) in runs.iter().enumerate() {
        assert_eq!(
            run.at,
            set_at + TimeDelta::seconds(60 * (k as i64 + 1)),
            "slot {k}"
        );
    }
    let holder_now: String =
        sqlx::query_scalar("SELECT holder FROM job_leases WHERE name = 'missed-runs'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_ne!(holder_now, holder, "the survivor holds the lease");
    pool.close().await;
}

/// An automation (of `team`), expected every minute since `set_at` with a
/// minute of grace, never run.
async fn silent_automation(
    store: &baton::store::SharedStore,
    name: &str,
    team: Option<i64>,
    set_at: chrono::DateTime<Utc>,
) -> i64 {
    let (automation, _) = crate::helpers::stored_automation(store, name, team).await;
    let now = Utc::now();
    let author = baton::audit::Author::command_line();
    let schedule = Schedule {
        period_seconds: Some(60),
        cron: None,
        time_zone: "UTC".into(),
        grace_seconds: 60,
        max_duration_seconds: None,
        min_duration_seconds: None,
    };
    let audit = author.did(
        now,
        "automation.schedule_set",
        "automation",
        Some(automation),
        name,
    );
    store
        .set_schedule(automation, Some(&schedule), set_at, &audit)
        .await
        .unwrap();
    automation
}

/// Waits up to 30 s for `n` requests at `receiver`.
async fn arrived(receiver: &crate::incidents::Receiver, n: usize) {
    for _ in 0..300 {
        if receiver.count() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{} alert(s) arrived, not {n}", receiver.count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_send_each_alert_once_and_the_survivor_sends_the_next() {
    let db = TestDb::new(Backend::Postgres).await;
    let site = tempfile::tempdir().unwrap();
    let store = db.store().await;
    let receiver = crate::incidents::Receiver::start().await;
    let author = baton::audit::Author::command_line();
    let now = Utc::now();
    let team = store
        .create_team(
            "ops",
            "Ops",
            now,
            &author.did(now, "team.created", "team", None, "Ops"),
        )
        .await
        .unwrap();
    let channel = baton::store::NewChannel {
        name: "Ops room".into(),
        kind: app::model::incidents::ChannelKind::Slack,
        url: receiver.url("/ops"),
        secret: None,
        user_id: None,
        team_id: Some(team),
        created_by: None,
        created_at: now,
    };
    store
        .add_channel(
            &channel,
            &author.did(now, "channel.added", "channel", None, "Ops room"),
        )
        .await
        .unwrap();
    // Silent for ten minutes: several missed slots, one incident.
    silent_automation(
        &store,
        "Nightly export",
        Some(team),
        now - TimeDelta::minutes(10),
    )
    .await;

    let options = ["--health-look-seconds", "1", "--incident-look-seconds", "1"];
    let mut instances = [
        serve_with(&db.url(), site.path(), &options),
        serve_with(&db.url(), site.path(), &options),
    ];
    arrived(&receiver, 1).await;
    // Several more rounds on both instances: still one alert.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let got = receiver.got("/ops");
    assert_eq!(
        got.len(),
        1,
        "{:?}",
        got.iter().map(|r| r.json()).collect::<Vec<_>>()
    );
    let text = got[0].json()["text"].as_str().unwrap().to_owned();
    assert!(
        text.contains("Nightly export missed an expected run"),
        "{text}"
    );
    let open = store.open_incidents().await.unwrap();
    assert_eq!(open.len(), 1);
    assert!(
        open[0].troubles > 1,
        "later missed slots joined it: {:?}",
        open[0]
    );

    // Kill the instance that sends; the other sends the next alert, once.
    let pool = sqlx::PgPool::connect(&db.url()).await.unwrap();
    let holder: String =
        sqlx::query_scalar("SELECT holder FROM job_leases WHERE name = 'incidents'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let victim = instances
        .iter()
        .position(|p| holder.starts_with(&format!("baton-{}-", p.child.id())))
        .unwrap_or_else(|| panic!("{holder} is neither instance"));
    instances[victim].child.kill().unwrap();
    instances[victim].child.wait().unwrap();
    silent_automation(
        &store,
        "Invoice sync",
        Some(team),
        Utc::now() - TimeDelta::minutes(5),
    )
    .await;
    arrived(&receiver, 2).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = receiver.got("/ops");
    assert_eq!(got.len(), 2);
    assert!(
        got[1].json()["text"]
            .as_str()
            .unwrap()
            .contains("Invoice sync")
    );
    let keys: std::collections::HashSet<&str> =
        got.iter().map(|r| r.header("idempotency-key")).collect();
    assert_eq!(keys.len(), 2);
    pool.close().await;
}
