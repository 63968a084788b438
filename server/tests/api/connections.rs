//! Connections that cost nothing idle: a connection that sends no complete
//! request head within the idle timeout (200 idle from the start, 50 that
//! sent half a request, 5 idle after a request, one sending its headers a
//! line at a time) is closed; past the connection cap a new connection is
//! answered 503 with why, and served again once others close. On both
//! backends.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use rstest::rstest;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp, spawn_app_with};

const IDLE: &str = "2";
const CAP: usize = 40;

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address()).await.unwrap()
}

/// Reads until the server closes; how long that took and what it sent.
async fn until_closed(mut tcp: TcpStream, within: Duration) -> (Duration, String) {
    let start = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((start + within).into(), tcp.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("still open after {within:?}"),
        }
    }
    (start.elapsed(), String::from_utf8_lossy(&got).into_owned())
}

/// A request over a fresh connection: its status line.
async fn status_line(app: &TestApp) -> String {
    let mut tcp = connect(app).await;
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: baton\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (_, answer) = until_closed(tcp, Duration::from_secs(10)).await;
    answer.lines().next().unwrap_or_default().to_owned()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_closed_and_new_ones_answered(#[case] backend: Backend) {
    let app = spawn_app_with(backend, &["--idle-timeout", IDLE]).await;

    // Idle from the start, idle after a request, and a header a byte at a time.
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(connect(&app).await);
    }
    // Half-open: a request's first lines, and nothing more.
    for _ in 0..50 {
        let mut tcp = connect(&app).await;
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: baton\r\n")
            .await
            .unwrap();
        idle.push(tcp);
    }
    let mut kept_alive = Vec::new();
    for _ in 0..5 {
        let mut tcp = connect(&app).await;
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: baton\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "a first answer");
        kept_alive.push(tcp);
    }
    let slow = tokio::spawn({
        let address = app.address();
        async move {
            let mut tcp = TcpStream::connect(address).await.unwrap();
            let start = Instant::now();
            tcp.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
            for i in 0..40 {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let line = format!("X-Slow-{i}: a\r\n");
                if tcp.write_all(line.as_bytes()).await.is_err() {
                    return start.elapsed();
                }
                let mut buf = [0u8; 64];
                if let Ok(Ok(0) | Err(_)) =
                    tokio::time::timeout(Duration::from_millis(1), tcp.read(&mut buf)).await
                {
                    return start.elapsed();
                }
            }
            panic!("a header sent slowly for 10 s was not cut off");
        }
    });

    // Meanwhile a new request is answered at once.
    assert_eq!(status_line(&app).await, "HTTP/1.1 200 OK");
    for tcp in idle.into_iter().chain(kept_alive) {
        let (took, _) = until_closed(tcp, Duration::from_secs(6)).await;
        assert!(took <= Duration::from_secs(5), "closed after {took:?}");
    }
    let slow_for = slow.await.unwrap();
    assert!(
        slow_for < Duration::from_secs(5),
        "a slow header is cut off after the idle timeout, not kept alive by its trickle: {slow_for:?}"
    );
    assert_eq!(status_line(&app).await, "HTTP/1.1 200 OK");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("baton_connections_open "), "{metrics}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_cap_a_connection_is_refused_with_why_until_others_close(
    #[case] backend: Backend,
) {
    let cap = CAP.to_string();
    let app = spawn_app_with(
        backend,
        &["--idle-timeout", IDLE, "--max-connections", &cap],
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..CAP {
        held.push(connect(&app).await);
    }
    // Give the server a moment to take them all.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut tcp = connect(&app).await;
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: baton\r\n\r\n")
        .await
        .unwrap();
    let (_, answer) = until_closed(tcp, Duration::from_secs(5)).await;
    assert!(
        answer.starts_with("HTTP/1.1 503 Service Unavailable"),
        "{answer}"
    );
    assert!(answer.contains("retry-after: 5"), "{answer}");
    assert!(
        answer.contains(&format!("its limit of {CAP} connections")),
        "{answer}"
    );

    // The held ones close by the idle timeout; then all is served again.
    for tcp in held {
        until_closed(tcp, Duration::from_secs(6)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(status_line(&app).await, "HTTP/1.1 200 OK");
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), StatusCode::OK);
    let metrics = res.text().await.unwrap();
    let refused: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("baton_connections_refused_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(refused >= 1, "{metrics}");
}
