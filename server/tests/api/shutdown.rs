//! Graceful shutdown of the real `baton` process: a download in flight when
//! SIGTERM or SIGINT arrives still completes; new connections are refused.

use std::process::Command;
use std::time::{Duration, Instant};

use rstest::rstest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

/// Large enough that it cannot sit whole in the sockets' buffers.
const FILE_SIZE: usize = 48 * 1024 * 1024;

struct Running {
    process: crate::helpers::Process,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Running {
    type Target = crate::helpers::Process;

    fn deref(&self) -> &Self::Target {
        &self.process
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.process
    }
}

/// Starts `baton serve` on a free port with a large static file to serve
/// (in the bundle's folder, which is served without signing in).
fn start_baton() -> Running {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg").join("big.bin"), vec![7u8; FILE_SIZE]).unwrap();
    let database = format!("sqlite://{}", dir.path().join("baton.db").display());
    Running {
        process: crate::helpers::serve(&database, &site),
        _dir: dir,
    }
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[rstest]
#[case::sigterm("TERM")]
#[case::sigint("INT")]
#[tokio::test]
async fn a_download_in_flight_completes_after_the_signal(#[case] sig: &str) {
    let mut baton = start_baton();
    let socket = TcpSocket::new_v4().unwrap();
    // A slow reader: small receive buffer, so the server is mid-response.
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(baton.addr).await.unwrap();
    stream
        .write_all(b"GET /pkg/big.bin HTTP/1.1\r\nHost: baton\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut received = vec![0u8; 64 * 1024];
    stream.read_exact(&mut received).await.unwrap();

    signal(baton.child.id(), sig);

    // Shutdown has begun: new connections are refused while ours goes on.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if tokio::net::TcpStream::connect(baton.addr).await.is_err() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still accepting connections after {sig}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        baton.child.try_wait().unwrap().is_none(),
        "exited with a request in flight"
    );

    stream.read_to_end(&mut received).await.unwrap();
    let header_end = received.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&received[..header_end]);
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {FILE_SIZE}")),
        "{head}"
    );
    assert_eq!(
        received.len() - header_end,
        FILE_SIZE,
        "the whole file arrived"
    );
    assert!(received[header_end..].iter().all(|b| *b == 7));

    // Then Baton exits, cleanly.
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = baton.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "baton did not exit after {sig}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}");
}
