//! Fills an empty Baton database with a large, plausible catalog and its
//! history, for benchmarks and for seeing Baton at scale:
//!
//! ```text
//! cargo xtask seed --database sqlite://data/seeded.db
//! cargo xtask seed --database postgres://root@127.0.0.1/baton_seeded \
//!     --orchestrations 1000 --automations 10000 --runs 10000000
//! ```
//!
//! It creates an administrator (`admin@example.com`, password `correct
//! horse battery staple`), 8 teams and 40 people, the orchestrations and
//! their automations (through the catalog import, as an administrator
//! would), then the runs of the last 89 days straight into the `runs`
//! table, oldest first, so that the database's own triggers keep the
//! health rollups exactly as live ingestion would. Most automations
//! succeed; some fail now and then, a few are failing now, a few miss runs.

#![expect(
    clippy::unwrap_used,
    reason = "a seeding tool that cannot go on must stop"
)]

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context as _, bail};
use app::model::accounts::Role;
use app::model::transfer::CatalogDocument;
use baton::accounts::password::Password;
use baton::accounts::{NewAccount, sign_in};
use baton::clock::SystemClock;
use baton::config::DatabaseUrl;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use sqlx::{AssertSqlSafe, Executor as _};

const TEAMS: usize = 8;
const PEOPLE: usize = 40;
const DAYS: i64 = 89;
const ROWS_PER_INSERT: usize = 500;

struct Options {
    database: String,
    orchestrations: usize,
    automations: usize,
    runs: u64,
}

fn options() -> anyhow::Result<Options> {
    let mut o = Options {
        database: "sqlite://data/seeded.db".to_owned(),
        orchestrations: 1_000,
        automations: 10_000,
        runs: 10_000_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--database" => o.database = value,
            "--orchestrations" => o.orchestrations = value.parse()?,
            "--automations" => o.automations = value.parse()?,
            "--runs" => o.runs = value.parse()?,
            other => bail!(
                "unknown option {other}: use --database, --orchestrations, --automations, --runs"
            ),
        }
    }
    if o.orchestrations == 0 || o.automations < o.orchestrations {
        bail!("give at least one orchestration, and at least as many automations");
    }
    Ok(o)
}

/// A small, fast, reproducible generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0.0..1.0`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

const WORDS: [&str; 16] = [
    "billing", "payroll", "invoices", "orders", "stock", "refunds", "leads", "tickets", "reports",
    "backups", "shipping", "pricing", "ledger", "churn", "signups", "renewals",
];
const TOOLS: [&str; 6] = [
    "cron",
    "github_actions",
    "jenkins",
    "airflow",
    "zapier",
    "n8n",
];

fn catalog(o: &Options) -> CatalogDocument {
    let teams: Vec<_> = (0..TEAMS)
        .map(|t| json!({"slug": format!("team-{t}"), "name": format!("Team {}", WORDS[t])}))
        .collect();
    let people: Vec<_> = (0..PEOPLE)
        .map(|p| {
            json!({"email": format!("person{p}@example.com"),
                   "display_name": format!("Person {p}"), "role": "editor"})
        })
        .collect();
    let person = |n: usize| format!("person{}@example.com", n % PEOPLE);
    let orchestrations: Vec<_> = (0..o.orchestrations)
        .map(|i| {
            let word = WORDS[i % WORDS.len()];
            json!({
                "slug": format!("{word}-{i}"),
                "name": format!("{} flow {i}", word[..1].to_uppercase() + &word[1..]),
                "purpose": format!("Keeps the {word} of unit {i} moving"),
                // One in twenty has no owner: a gap the dashboard shows.
                "owner": (i % 20 != 7).then(|| person(i)),
                "backup_owner": (i % 3 == 0).then(|| person(i + 1)),
                "team": format!("team-{}", i % TEAMS),
                "inputs": "the previous day's records",
                "outputs": "an updated report",
                "failure_mode": if i % 10 == 4 { String::new() } else { format!("the {word} report goes stale") },
                "fallback": "run it by hand",
                "tier": 1 + (i % 3) as i32,
                "lifecycle": "active",
                "minutes_saved_per_run": 5.0 + (i % 40) as f64,
                "expected_runs_per_week": 7.0,
            })
        })
        .collect();
    let automations: Vec<_> = (0..o.automations)
        .map(|a| {
            let i = a % o.orchestrations;
            let word = WORDS[i % WORDS.len()];
            json!({
                "tool": TOOLS[a % TOOLS.len()],
                "external_id": format!("{word}-{i}-step-{a}"),
                "name": format!("{word} step {a}"),
                "owner": (a % 25 != 3).then(|| person(a)),
                "team": format!("team-{}", i % TEAMS),
                "orchestration": format!("{word}-{i}"),
                "failure_mode": if a % 8 == 5 { String::new() } else { format!("{word} step {a} data is missing") },
                "minutes_saved_per_run": 2.0 + (a % 10) as f64,
            })
        })
        .collect();
    serde_json::from_value(json!({
        "format": app::model::transfer::CATALOG_FORMAT,
        "version": app::model::transfer::CATALOG_VERSION,
        "teams": teams, "people": people,
        "orchestrations": orchestrations, "automations": automations,
    }))
    .unwrap()
}

/// How an automation behaves.
#[derive(Clone, Copy)]
struct Habit {
    /// Chance that a run fails.
    failure: f64,
    /// Chance that an expected run never comes.
    missed: f64,
    /// Its typical duration, in milliseconds.
    duration_ms: f64,
    /// Its last run failed (it is failing now).
    failing_now: bool,
}

fn habit(a: usize, rng: &mut Rng) -> Habit {
    Habit {
        failure: match a % 37 {
            0 => 0.2,
            1..=3 => 0.04,
            _ => 0.003,
        },
        missed: if a.is_multiple_of(53) { 0.05 } else { 0.0 },
        duration_ms: 200.0 * (rng.unit() * 9.0).exp(),
        failing_now: a.is_multiple_of(97),
    }
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let o = options()?;
    let url: DatabaseUrl = o.database.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let store = baton::store::connect(&url).await?;
    store.migrate().await?;
    if store.count_users().await? > 0 {
        bail!("{} is not empty: seed a new database", o.database);
    }
    let started = Instant::now();
    let clock = SystemClock;
    let admin = sign_in::set_up(
        &*store,
        &clock,
        NewAccount {
            email: "admin@example.com".to_owned(),
            display_name: "Ada Admin".to_owned(),
            role: Role::Admin,
            password: Password::new("correct horse battery staple"),
        },
    )
    .await?
    .context("the database already has people")?;
    let counts = baton::transfer::import_catalog(&*store, &clock, &admin, catalog(&o))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!(
        "seed: catalog imported in {:.1} s: {counts:?}",
        started.elapsed().as_secs_f64()
    );

    let ids: Vec<i64> = match &url {
        DatabaseUrl::Sqlite(_) => {
            let pool = sqlite_pool(&o.database).await?;
            sqlx::query_scalar("SELECT id FROM automations ORDER BY id")
                .fetch_all(&pool)
                .await?
        }
        DatabaseUrl::Postgres(_) => {
            let pool = sqlx::PgPool::connect(&o.database).await?;
            sqlx::query_scalar("SELECT id FROM automations ORDER BY id")
                .fetch_all(&pool)
                .await?
        }
    };
    drop(store);
    let runs_started = Instant::now();
    let written = match &url {
        DatabaseUrl::Sqlite(_) => {
            let pool = sqlite_pool(&o.database).await?;
            let written = write_runs(&o, &ids, |sql| {
                let pool = pool.clone();
                async move {
                    pool.execute(AssertSqlSafe(sql)).await?;
                    Ok(())
                }
            })
            .await?;
            pool.execute("PRAGMA optimize").await?;
            written
        }
        DatabaseUrl::Postgres(_) => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("SET synchronous_commit = off").await?;
                        Ok(())
                    })
                })
                .connect(&o.database)
                .await?;
            let written = write_runs(&o, &ids, |sql| {
                let pool = pool.clone();
                async move {
                    pool.execute(AssertSqlSafe(sql)).await?;
                    Ok(())
                }
            })
            .await?;
            pool.execute("ANALYZE").await?;
            written
        }
    };
    let took = runs_started.elapsed().as_secs_f64();
    eprintln!(
        "seed: {written} runs in {took:.0} s ({:.0} runs/s); {:.0} s in all",
        written as f64 / took,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn sqlite_pool(url: &str) -> anyhow::Result<sqlx::SqlitePool> {
    use std::str::FromStr as _;
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .foreign_keys(true);
    Ok(sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?)
}

/// Writes the runs day by day, oldest first, each day in one transaction
/// of multi-row inserts; how many.
async fn write_runs<F, Fut>(o: &Options, ids: &[i64], execute: F) -> anyhow::Result<u64>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut rng = Rng(0x00BA_7070);
    let habits: Vec<Habit> = (0..ids.len()).map(|a| habit(a, &mut rng)).collect();
    let per_automation = o.runs / ids.len() as u64;
    let extra = (o.runs % ids.len() as u64) as usize;
    let now = Utc::now();
    let first_day = (now - TimeDelta::days(DAYS)).date_naive();
    let mut written = 0_u64;
    let mut next_report = Instant::now();
    for day in 0..DAYS {
        let mut rows: Vec<String> = Vec::new();
        for (a, id) in ids.iter().enumerate() {
            let total = per_automation + u64::from(a < extra);
            // This automation's runs that fall on this day.
            let (from, to) = (
                total * day as u64 / DAYS as u64,
                total * (day as u64 + 1) / DAYS as u64,
            );
            let n = to - from;
            let h = habits[a];
            for k in 0..n {
                let seconds = (86_400 * k + 86_400 / 2) / n.max(1) + rng.next() % 60;
                let at = first_day.and_hms_opt(0, 0, 0).unwrap().and_utc()
                    + TimeDelta::days(day)
                    + TimeDelta::seconds(seconds as i64);
                if at > now {
                    continue;
                }
                let last = day == DAYS - 1 && k + 1 == n;
                let roll = rng.unit();
                let status = if last && h.failing_now {
                    "failed"
                } else if roll < h.missed {
                    "missed"
                } else if roll < h.missed + h.failure {
                    "failed"
                } else {
                    "succeeded"
                };
                let row = if status == "missed" {
                    format!(
                        "({id}, 'missed', '{at}', NULL, NULL, NULL, NULL, 'expected; none came', '{at}')",
                        at = stamp(at)
                    )
                } else {
                    let ms = (h.duration_ms * (0.5 + rng.unit())) as i64;
                    let end = at + TimeDelta::milliseconds(ms);
                    format!(
                        "({id}, '{status}', '{at}', '{at}', '{end}', {ms}, {code}, 'run {k} of day {day}: {status}', '{end}')",
                        at = stamp(at),
                        end = stamp(end),
                        code = i32::from(status == "failed"),
                    )
                };
                rows.push(row);
            }
        }
        let mut sql = String::from("BEGIN;");
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let _ = write!(
                sql,
                "INSERT INTO runs (automation_id, status, at, started_at, finished_at, \
                 duration_ms, exit_status, log, updated_at) VALUES {};",
                chunk.join(",")
            );
        }
        sql.push_str("COMMIT;");
        execute(sql).await?;
        written += rows.len() as u64;
        if next_report.elapsed().as_secs() >= 10 || day == DAYS - 1 {
            eprintln!("seed: day {}/{DAYS}, {written} runs", day + 1);
            next_report = Instant::now();
        }
    }
    Ok(written)
}
