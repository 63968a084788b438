//! Baton heals by itself and says so in few words: while PostgreSQL is
//! away its log holds a few lines, not one per request, and its return is
//! logged once; on SQLite a full disk makes pings 503 and `/readyz` 503,
//! and once space returns pings are taken again without a restart. The
//! real `baton` process in both.
//!
//! Each outage is the one its backend has: PostgreSQL goes away as a
//! server does (connections refused, then allowed); SQLite, a file,
//! fills its disk (a small tmpfs the test mounts, which needs root, as
//! this machine's tests run).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use baton::store::SharedStore;

use crate::helpers::{Backend, Process, TestDb, plain_client, serve_with, stored_automation};

async fn automation(store: &SharedStore) -> String {
    stored_automation(store, "Healing", None).await.1
}

/// Senders pinging (and asking for pages) until stopped; how many answers
/// of each status came back.
struct Load {
    stop: Arc<AtomicBool>,
    ok: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(addr: std::net::SocketAddr, key: &str, senders: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let ok = Arc::new(AtomicUsize::new(0));
        let refused = Arc::new(AtomicUsize::new(0));
        let tasks = (0..senders)
            .map(|s| {
                let (stop, ok, refused) = (stop.clone(), ok.clone(), refused.clone());
                let key = key.to_owned();
                tokio::spawn(async move {
                    let client = plain_client();
                    while !stop.load(Ordering::Relaxed) {
                        let request = if s % 4 == 3 {
                            client.get(format!("http://{addr}/sign-in"))
                        } else {
                            client
                                .post(format!("http://{addr}/ping/{key}"))
                                .body("x".repeat(2000))
                        };
                        let sent = request.timeout(Duration::from_secs(5)).send().await;
                        match sent {
                            Ok(res) if res.status().is_success() => {
                                ok.fetch_add(1, Ordering::Relaxed)
                            }
                            _ => refused.fetch_add(1, Ordering::Relaxed),
                        };
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                })
            })
            .collect();
        Self {
            stop,
            ok,
            refused,
            tasks,
        }
    }

    async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            task.await.unwrap();
        }
    }
}

fn log_lines(process: &Process) -> Vec<String> {
    process.log.lock().unwrap().clone()
}

fn is_warning(line: &str) -> bool {
    line.contains(" ERROR ") || line.contains(" WARN ")
}

async fn status(addr: std::net::SocketAddr, path: &str) -> u16 {
    plain_client()
        .get(format!("http://{addr}{path}"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

/// Waits up to `within` for `path` to answer `want`.
async fn answers(addr: std::net::SocketAddr, path: &str, want: u16, within: Duration) -> bool {
    let until = std::time::Instant::now() + within;
    while std::time::Instant::now() < until {
        if status(addr, path).await == want {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgresql_is_away_the_log_says_so_in_a_few_lines_and_its_return_once() {
    let db = TestDb::new(Backend::Postgres).await;
    let site = tempfile::tempdir().unwrap();
    let key = automation(&db.store().await).await;
    let baton = serve_with(&db.url(), site.path(), &[]);
    let load = Load::start(baton.addr, &key, 8);
    tokio::time::sleep(Duration::from_secs(1)).await;

    let before = log_lines(&baton).len();
    db.make_unreachable().await;
    tokio::time::sleep(Duration::from_secs(20)).await;
    let during = log_lines(&baton)[before..].to_vec();
    assert!(
        answers(baton.addr, "/readyz", 503, Duration::from_secs(2)).await,
        "not ready while the database is away"
    );
    db.restore().await;
    assert!(
        answers(
            baton.addr,
            &format!("/ping/{key}"),
            200,
            Duration::from_secs(15)
        )
        .await,
        "pings are taken again"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let refused = load.refused.load(Ordering::Relaxed);
    load.stop().await;

    let warnings: Vec<&String> = during.iter().filter(|l| is_warning(l)).collect();
    eprintln!(
        "{} lines logged in a 20 s outage ({} warnings or errors) while {refused} requests failed",
        during.len(),
        warnings.len()
    );
    assert!(
        refused > 100,
        "the load went on through the outage: {refused}"
    );
    // Each refused ping is counted, not logged (at info); pages asked for
    // meanwhile are logged as usual, one line each.
    let pings_logged = during
        .iter()
        .filter(|l| l.contains("path=/ping/") && l.contains("status=503"))
        .count();
    assert_eq!(pings_logged, 0, "a ping refused in an outage is not logged");
    assert!(
        warnings.len() <= 40,
        "{} warnings and errors in 20 s:\n{}",
        warnings.len(),
        warnings
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        during
            .iter()
            .any(|l| l.contains("the database does not answer")),
        "the outage is named"
    );
    let lines = log_lines(&baton);
    let back: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("the database answers again"))
        .collect();
    assert_eq!(back.len(), 1, "its return is logged once: {back:?}");
}

/// A tmpfs of `megabytes` mounted on a new folder; unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(
            mounted.success(),
            "this test mounts a small tmpfs to fill it: run the tests as root"
        );
        Self { dir }
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write as _;
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        // The last bytes, one by one.
        while file.write_all(&[0]).is_ok() {}
        let _ = file.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_full_disk_sqlite_takes_pings_again_without_a_restart() {
    let disk = SmallDisk::mount(24);
    let url = format!("sqlite://{}", disk.path().join("baton.db").display());
    let site = tempfile::tempdir().unwrap();
    let store = baton::store::connect(&url.parse().unwrap()).await.unwrap();
    store.migrate().await.unwrap();
    let key = automation(&store).await;
    let baton = serve_with(&url, site.path(), &[]);
    assert_eq!(status(baton.addr, &format!("/ping/{key}")).await, 200);

    let filler = disk.fill();
    let load = Load::start(baton.addr, &key, 4);
    let full = answers(
        baton.addr,
        &format!("/ping/{key}"),
        503,
        Duration::from_secs(20),
    )
    .await;
    assert!(full, "a full disk: pings get 503");
    assert!(
        answers(baton.addr, "/readyz", 503, Duration::from_secs(5)).await,
        "/readyz says Baton cannot keep deliveries"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;

    std::fs::remove_file(filler).unwrap();
    let taken = answers(
        baton.addr,
        &format!("/ping/{key}"),
        200,
        Duration::from_secs(15),
    )
    .await;
    if !taken {
        for line in log_lines(&baton).iter().filter(|l| is_warning(l)).take(30) {
            eprintln!("{line}");
        }
    }
    assert!(
        taken,
        "space is back: pings are taken again, without a restart"
    );
    assert!(answers(baton.addr, "/readyz", 200, Duration::from_secs(5)).await);
    let accepted_before = load.ok.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let accepted_after = load.ok.load(Ordering::Relaxed);
    load.stop().await;
    assert!(
        accepted_after > accepted_before + 20,
        "the load is taken again: {accepted_before} then {accepted_after}"
    );
    // What was taken becomes runs: nothing stays pending.
    let mut pending = u64::MAX;
    for _ in 0..100 {
        pending = store.count_pending_deliveries().await.unwrap();
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pending, 0, "every kept delivery is processed");
    let lines = log_lines(&baton);
    let stuck = lines
        .iter()
        .rev()
        .take(50)
        .filter(|l| l.contains("non-zero transaction depth"))
        .count();
    assert_eq!(stuck, 0, "no connection left in a broken transaction");
}
