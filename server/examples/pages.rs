//! How fast a real `baton serve` renders its two busiest pages on a seeded
//! database (see `examples/seed.rs`), and how much memory it holds while
//! doing so:
//!
//! ```text
//! cargo xtask bench-pages --database sqlite://data/seeded.db
//! ```
//!
//! It starts the release server on a free port, signs in as the seeded
//! administrator, then asks for the dashboard and for orchestration pages
//! (each time another one) one after another: the first dashboard (which
//! builds its basis) on its own, then 200 of each. A time is from sending
//! the request to the last byte of the server-rendered page. It reads the
//! server's resident memory (now and at its peak) from `/proc`, and the
//! browser bundle's size, raw and gzipped. Not a test: nothing here passes
//! or fails on speed.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

const ROUNDS: usize = 200;

struct Options {
    database: String,
    baton: String,
    site: String,
}

fn options() -> anyhow::Result<Options> {
    let mut o = Options {
        database: "sqlite://data/seeded.db".to_owned(),
        baton: "target/release/baton".to_owned(),
        site: "target/site".to_owned(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--database" => o.database = value,
            "--baton" => o.baton = value,
            "--site" => o.site = value,
            other => bail!("unknown option {other}: use --database, --baton, --site"),
        }
    }
    Ok(o)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Resident memory of `pid` now and at its peak, in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn timed(client: &reqwest::Client, url: &str) -> anyhow::Result<(Duration, usize)> {
    let started = Instant::now();
    let res = client.get(url).send().await?;
    let status = res.status();
    let body = res.text().await?;
    let took = started.elapsed();
    if !status.is_success() {
        bail!("{url}: {status}");
    }
    Ok((took, body.len()))
}

fn report(name: &str, times: &mut [Duration], bytes: usize) {
    times.sort_unstable();
    println!(
        "{name:<22} median {:>6.1} ms  p95 {:>6.1} ms  max {:>6.1} ms  ({} pages of {} KiB)",
        quantile(times, 0.5),
        quantile(times, 0.95),
        quantile(times, 1.0),
        times.len(),
        bytes / 1024
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let o = options()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(&o.baton)
            .arg("serve")
            .env("BATON_ADDR", format!("127.0.0.1:{port}"))
            .env("BATON_DATABASE_URL", &o.database)
            .env("BATON_SITE_ROOT", &o.site)
            .env("BATON_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", o.baton))?,
    );
    let pid = server.0.id();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(120))
        .build()?;
    for _ in 0..600 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let signed_in = client
        .post(format!("{base}/sign-in"))
        .header("origin", &base)
        .header("accept", "application/json")
        .form(&[
            ("email", "admin@example.com"),
            ("password", "correct horse battery staple"),
        ])
        .send()
        .await?;
    if !signed_in.status().is_success() {
        bail!(
            "cannot sign in as the seeded administrator: {}",
            signed_in.status()
        );
    }
    let (idle, _) = memory(pid);

    let slugs: Vec<String> = {
        let list: serde_json::Value = client
            .get(format!("{base}/api/v1/orchestrations"))
            .send()
            .await?
            .json()
            .await?;
        let items = list
            .as_array()
            .or_else(|| list["orchestrations"].as_array());
        items
            .context("no orchestration list")?
            .iter()
            .filter_map(|o| o["slug"].as_str().map(str::to_owned))
            .collect()
    };
    if slugs.is_empty() {
        bail!("the database has no orchestration: seed it first");
    }

    let (first, bytes) = timed(&client, &format!("{base}/")).await?;
    println!(
        "first dashboard (builds its basis): {:.0} ms, {} KiB",
        first.as_secs_f64() * 1000.0,
        bytes / 1024
    );
    let mut dashboard = Vec::with_capacity(ROUNDS);
    let mut dashboard_bytes = 0;
    for _ in 0..ROUNDS {
        let (took, bytes) = timed(&client, &format!("{base}/")).await?;
        dashboard.push(took);
        dashboard_bytes = bytes;
    }
    let mut filtered = Vec::with_capacity(ROUNDS);
    let mut filtered_bytes = 0;
    for round in 0..ROUNDS {
        let (took, bytes) = timed(&client, &format!("{base}/?tier={}", 1 + round % 3)).await?;
        filtered.push(took);
        filtered_bytes = bytes;
    }
    let mut pages = Vec::with_capacity(ROUNDS);
    let mut page_bytes = 0;
    for round in 0..ROUNDS {
        let slug = &slugs[(round * 7919) % slugs.len()];
        let (took, bytes) = timed(&client, &format!("{base}/orchestrations/{slug}")).await?;
        pages.push(took);
        page_bytes = bytes;
    }
    let (now, peak) = memory(pid);

    println!(
        "{} orchestrations; {ROUNDS} requests each, one at a time",
        slugs.len()
    );
    report("dashboard", &mut dashboard, dashboard_bytes);
    report("dashboard, one tier", &mut filtered, filtered_bytes);
    report("orchestration page", &mut pages, page_bytes);
    println!(
        "server memory: {idle:.0} MiB after start, {now:.0} MiB after, {peak:.0} MiB at its peak (VmHWM)"
    );

    let wasm = std::path::Path::new(&o.site).join("pkg/baton.wasm");
    let raw = std::fs::metadata(&wasm)
        .with_context(|| format!("no bundle at {}", wasm.display()))?
        .len();
    let gzipped = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&wasm)
        .output()
        .map(|out| out.stdout.len())
        .unwrap_or(0);
    println!(
        "browser bundle: {:.0} KiB raw, {:.0} KiB gzipped (gzip -9)",
        raw as f64 / 1024.0,
        gzipped as f64 / 1024.0
    );
    drop(server);
    Ok(())
}
