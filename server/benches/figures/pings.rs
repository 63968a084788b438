//! The ping load generator: many keep-alive connections on loopback, each
//! a minimal HTTP/1.1 client (so the generator costs little of the CPU the
//! server needs), sending a mix of GETs, POSTs with a body, and start /
//! finish pairs with a `rid`. Every request carries a unique mark; after the
//! run, every mark that got a 2xx must be in the delivery log.

use std::collections::HashSet;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use baton::store::SharedStore;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// What one connection saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    /// Marks of the requests answered 2xx.
    accepted: Vec<String>,
    refused: u64,
    /// Answers slower than [`SLOW`]: when each was due (wall clock, to
    /// match the server's log) and how long it took.
    slow: Vec<(chrono::DateTime<chrono::Utc>, Duration)>,
}

/// An answer this slow is listed with `BATON_BENCH_TRACE=1`.
const SLOW: Duration = Duration::from_millis(10);

/// Makes request `n` of connection `c` in run `run`: its bytes and mark.
/// Requests go in fours, and a connection stops only after a fourth.
pub type Requests = Arc<dyn Fn(u32, usize, usize) -> (Vec<u8>, String) + Send + Sync>;

/// Pings, spread over `keys`.
pub fn pings(keys: Vec<String>) -> Requests {
    Arc::new(move |run, c, n| request(run, c, n, &keys[c % keys.len()]))
}

/// GitHub `workflow_run` deliveries, each signed with `secret` like GitHub
/// signs them: a real payload (`template`) with its own run id, its
/// `X-GitHub-Delivery` and an `m=` mark in the URL. Runs are requested,
/// then completed, in pairs.
pub fn github(source_key: String, secret: String, template: serde_json::Value) -> Requests {
    use hmac::{KeyInit as _, Mac as _};
    Arc::new(move |run, c, n| {
        let mark = format!("r{run}c{c}n{n}");
        let mut payload = template.clone();
        let id = (u64::from(run) << 24) + ((c as u64) << 16) + (n as u64 / 2);
        payload["workflow_run"]["id"] = id.into();
        let (action, status, conclusion) = if n % 2 == 0 {
            ("requested", "queued", serde_json::Value::Null)
        } else {
            ("completed", "completed", "success".into())
        };
        payload["action"] = action.into();
        payload["workflow_run"]["status"] = status.into();
        payload["workflow_run"]["conclusion"] = conclusion;
        let body = serde_json::to_vec(&payload).unwrap();
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(&body);
        let signature: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut out = Vec::with_capacity(body.len() + 400);
        write!(
            out,
            "POST /hooks/github/{source_key}?m={mark} HTTP/1.1\r\nHost: bench\r\n\
             Content-Type: application/json\r\nX-GitHub-Event: workflow_run\r\n\
             X-GitHub-Delivery: {mark}\r\nX-Hub-Signature-256: sha256={signature}\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .unwrap();
        out.extend_from_slice(&body);
        (out, mark)
    })
}

/// The request `n` of connection `c` to `key`, and its mark.
fn request(run: u32, c: usize, n: usize, key: &str) -> (Vec<u8>, String) {
    let mark = format!("r{run}c{c}n{n}");
    let mut out = Vec::with_capacity(400);
    match n % 4 {
        0 => write!(out, "GET /ping/{key}?rid={mark} HTTP/1.1\r\nHost: bench\r\n\r\n"),
        1 => {
            let body = format!("{mark}: 200 lines copied, 0 errors; took 1.2 s; all good\n");
            write!(
                out,
                "POST /ping/{key}?rid={mark} HTTP/1.1\r\nHost: bench\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
        }
        // A start, then its finish with the same rid.
        2 => write!(out, "GET /ping/{key}/start?rid={mark} HTTP/1.1\r\nHost: bench\r\n\r\n"),
        _ => {
            let start = format!("r{run}c{c}n{}", n - 1);
            write!(
                out,
                "GET /ping/{key}/0?rid={start}&m={mark} HTTP/1.1\r\nHost: bench\r\n\r\n"
            )
        }
    }
    .unwrap();
    (out, mark)
}

/// Sends one request and reads its answer; the status.
async fn exchange(tcp: &mut TcpStream, buf: &mut Vec<u8>, request: &[u8]) -> u16 {
    tcp.write_all(request).await.unwrap();
    buf.clear();
    loop {
        let mut chunk = [0u8; 1024];
        let n = tcp.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the server closed the connection");
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = std::str::from_utf8(&buf[..end])
            .unwrap()
            .to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        if buf.len() >= end + 4 + length {
            return head[9..12].parse().unwrap();
        }
    }
}

/// `connections` connections send as fast as answered for `duration`
/// (`interval: None`), or each at a fixed pace (`Some`), timing each answer
/// from when it was due, so a stall counts against the server.
async fn load(
    addr: SocketAddr,
    requests: Requests,
    connections: usize,
    duration: Duration,
    interval: Option<Duration>,
    run: u32,
) -> (Tally, Duration) {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let requests = requests.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut tcp = TcpStream::connect(addr).await.unwrap();
                tcp.set_nodelay(true).unwrap();
                let mut tally = Tally::default();
                let mut buf = Vec::with_capacity(1024);
                // Spread the paced connections over one interval.
                let offset = interval.map_or(Duration::ZERO, |i| i * c as u32 / connections as u32);
                let mut due = Instant::now() + offset;
                let mut n = 0;
                // Stop only after a finish, so every start has its pair.
                while !(stop.load(Ordering::Relaxed) && n % 4 == 0) {
                    if interval.is_some() {
                        tokio::time::sleep_until(due.into()).await;
                    } else {
                        due = Instant::now();
                    }
                    let (bytes, mark) = requests(run, c, n);
                    let status = exchange(&mut tcp, &mut buf, &bytes).await;
                    let took = due.elapsed();
                    tally.latencies.push(took);
                    if took >= SLOW {
                        let late = chrono::TimeDelta::from_std(took).unwrap_or_default();
                        tally.slow.push((chrono::Utc::now() - late, took));
                    }
                    if (200..300).contains(&status) {
                        tally.accepted.push(mark);
                    } else {
                        tally.refused += 1;
                    }
                    if let Some(interval) = interval {
                        due += interval;
                    }
                    n += 1;
                }
                tally
            })
        })
        .collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Tally::default();
    for task in tasks {
        let tally = task.await.unwrap();
        all.latencies.extend(tally.latencies);
        all.accepted.extend(tally.accepted);
        all.refused += tally.refused;
        all.slow.extend(tally.slow);
    }
    (all, started.elapsed())
}

/// The figures of one load run.
pub struct Figures {
    pub rate: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub accepted: usize,
    pub refused: u64,
    pub missing: usize,
}

/// Runs the load and checks that every accepted ping was kept.
pub async fn run(
    store: &SharedStore,
    addr: SocketAddr,
    requests: Requests,
    connections: usize,
    duration: Duration,
    rate: Option<f64>,
) -> Figures {
    let interval = rate.map(|r| Duration::from_secs_f64(connections as f64 / r));
    // Marks are unique to this run: `r<run>c<connection>n<request>`.
    let run = rand::random::<u32>();
    let (mut tally, took) = load(addr, requests, connections, duration, interval, run).await;
    tally.latencies.sort();
    if std::env::var_os("BATON_BENCH_TRACE").is_some() {
        tally.slow.sort();
        eprintln!(
            "{} answers of {} took {SLOW:?} or more:",
            tally.slow.len(),
            tally.latencies.len()
        );
        for (due, took) in &tally.slow {
            eprintln!(
                "  slow answer due {} took {took:.1?}",
                due.format("%H:%M:%S%.3f")
            );
        }
    }
    let kept = kept_marks(store).await;
    let missing = tally.accepted.iter().filter(|m| !kept.contains(*m)).count();
    Figures {
        rate: tally.latencies.len() as f64 / took.as_secs_f64(),
        p50: super::percentile(&tally.latencies, 0.5),
        p99: super::percentile(&tally.latencies, 0.99),
        accepted: tally.accepted.len(),
        refused: tally.refused,
        missing,
    }
}

/// A load's three figures: flat out, at half that rate, and how long
/// processing took to turn them all into runs afterwards.
pub struct Measured {
    pub most: Figures,
    pub half: f64,
    pub paced: Figures,
    pub catch_up: Duration,
}

/// Runs `requests` from `connections` connections for 10 s flat out, then
/// 10 s at half that rate, then waits for processing to catch up.
pub async fn measure(
    store: &SharedStore,
    addr: SocketAddr,
    requests: Requests,
    connections: usize,
) -> Measured {
    let window = Duration::from_secs(10);
    let most = run(store, addr, requests.clone(), connections, window, None).await;
    let half = most.rate / 2.0;
    let paced = run(store, addr, requests, connections, window, Some(half)).await;
    let started = Instant::now();
    while store.count_pending_deliveries().await.unwrap() > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Measured {
        most,
        half,
        paced,
        catch_up: started.elapsed(),
    }
}

/// The mark of every ping in the delivery log (from its URL).
async fn kept_marks(store: &SharedStore) -> HashSet<String> {
    let mut marks = HashSet::new();
    let mut page = 1;
    loop {
        let filter = app::model::ingestion::DeliveryFilter::default();
        let rows = store
            .deliveries(&filter, 10_000, (page - 1) * 10_000)
            .await
            .unwrap();
        if rows.is_empty() {
            return marks;
        }
        for row in rows {
            let query = row.uri.split_once('?').map(|(_, q)| q).unwrap_or_default();
            let mark = query
                .split('&')
                .find_map(|p| p.strip_prefix("m="))
                .or_else(|| query.split('&').find_map(|p| p.strip_prefix("rid=")));
            if let Some(mark) = mark {
                marks.insert(mark.to_owned());
            }
        }
        page += 1;
    }
}

/// Median time to write 4 KiB and `fdatasync` it, in the folder `dir`.
pub fn fsync_latency(dir: &std::path::Path) -> Duration {
    let path = dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path).unwrap();
    let mut times = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        file.write_all(&[7u8; 4096]).unwrap();
        file.sync_data().unwrap();
        times.push(started.elapsed());
    }
    std::fs::remove_file(path).unwrap();
    times.sort();
    super::percentile(&times, 0.5)
}
