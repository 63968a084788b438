//! Serving connections, with limits no client can wear down: a connection
//! that sends no complete request head within the idle timeout (idle
//! between requests, or sending its headers a byte at a time) is closed,
//! and at most `max_connections` are served at once; the next one is
//! answered 503 and closed, so it costs a moment, not a file descriptor
//! for good (and past a few hundred being answered, closed unanswered). Stopping stops accepting, lets requests in flight finish and
//! closes idle connections at once.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::Service as _;

/// Limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// How long a connection may go without sending a complete request
    /// head: between requests, and while sending one's headers.
    pub idle_timeout: Duration,
    /// Connections served at once; more are answered 503 and closed.
    pub max_connections: usize,
}

/// Connections open now, and refused for the cap since start, for
/// `/metrics`.
pub static OPEN: AtomicU64 = AtomicU64::new(0);
pub static REFUSED: AtomicU64 = AtomicU64::new(0);

/// Connections over the cap being answered 503 at once; past these, a
/// connection over the cap is closed without an answer, so a flood costs
/// no more than this many file descriptors beyond the cap.
const REFUSING_AT_ONCE: usize = 256;

/// How long accepting waits after the system refuses a connection (out of
/// file descriptors, say) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` until `stop` completes, then until every
/// connection has closed (requests in flight finish; idle connections
/// close at once).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()> + Send + 'static,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let refusing = Arc::new(Semaphore::new(REFUSING_AT_ONCE));
    // Dropped when stopping: every connection then shuts down gracefully.
    let (stopping_tx, stopping_rx) = watch::channel(());
    // Each connection holds a receiver; all gone: all closed.
    let (closed_tx, closed_rx) = watch::channel(());
    let mut stop = pin!(stop);
    loop {
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Logged once per ten seconds at most (see telemetry).
                    tracing::error!(%err, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        if let Err(err) = tcp.set_nodelay(true) {
            // Pages stream in parts; without it each later part waits.
            tracing::debug!(%err, "cannot set TCP_NODELAY on a connection");
        }
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            REFUSED.fetch_add(1, Ordering::Relaxed);
            // Dropping the connection closes it at once.
            if let Ok(answering) = Arc::clone(&refusing).try_acquire_owned() {
                tokio::spawn(async move {
                    refuse(tcp, limits.max_connections).await;
                    drop(answering);
                });
            }
            continue;
        };
        let router = router.clone();
        let mut stopping = stopping_rx.clone();
        let closed = closed_rx.clone();
        tokio::spawn(async move {
            OPEN.fetch_add(1, Ordering::Relaxed);
            serve_connection(tcp, remote, router, limits, &mut stopping).await;
            OPEN.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
            drop(closed);
        });
    }
    drop(listener);
    drop(stopping_tx);
    drop(closed_rx);
    closed_tx.closed().await;
}

async fn serve_connection(
    tcp: TcpStream,
    remote: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    stopping: &mut watch::Receiver<()>,
) {
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(remote));
        let mut router = router.clone();
        async move { Ok::<_, Infallible>(router.call(request).await.unwrap_or_else(|e| match e {})) }
    });
    // HTTP/1 alone: its header timer runs from the moment a connection
    // waits for a request, so it also closes one that never sends a byte.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout);
    let mut connection = pin!(builder.serve_connection(TokioIo::new(tcp), service));
    let mut told = false;
    loop {
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(err) = served {
                    tracing::debug!(%err, %remote, "connection ended");
                }
                return;
            }
            _ = stopping.changed(), if !told => {
                told = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Answers a connection over the cap with 503 and closes it, after reading
/// what it sent within a second (so the answer is not lost to a reset).
async fn refuse(mut tcp: TcpStream, cap: usize) {
    let mut sent = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(1), tcp.read(&mut sent)).await;
    let body =
        format!("Baton is serving its limit of {cap} connections; try again in a few seconds.\n");
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n\
         retry-after: 5\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let written = async {
        tcp.write_all(answer.as_bytes()).await?;
        tcp.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), written).await;
}
