//! `baton exec`, the real binary wrapping real commands: what each leaves
//! in Baton (on both backends), and that the command's exit status, output
//! and signals stay its own, with Baton up, down or silent.

use std::os::unix::process::ExitStatusExt as _;
use std::process::Output;
use std::time::{Duration, Instant};

use rstest::rstest;
use serde_json::Value;

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::ingestion::{automation, runs};

fn baton_exec(url: &str, key: &str, extra: &[&str], command: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"));
    cmd.env_remove("BATON_URL")
        .env_remove("BATON_PING_KEY")
        .args(["exec", "--url", url, "--key", key])
        .args(extra)
        .arg("--")
        .args(command);
    cmd
}

async fn exec(url: &str, key: &str, extra: &[&str], command: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = baton_exec(url, key, extra, command).output().await.unwrap();
    (out, started.elapsed())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The newest run of automation `id`.
async fn newest(app: &TestApp, id: i64) -> Value {
    runs(app, id).await.last().cloned().unwrap_or(Value::Null)
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn baton_exec_reports_what_the_command_did_and_changes_nothing_of_it(
    #[case] backend: Backend,
) {
    let app = spawn_app_with(backend, &["--ping-body-limit", "1000"]).await;
    let (id, key) = automation(&app, "wrapped-job").await;
    let url = app.base.as_str();

    // A success: output passed through byte for byte, nothing added.
    let (out, _) = exec(
        url,
        &key,
        &[],
        &["sh", "-c", "echo out; echo err >&2; sleep 1"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "out\n");
    assert_eq!(text(&out.stderr), "err\n");
    let run = newest(&app, id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["exit_status"], 0);
    let log = run["log"].as_str().unwrap();
    assert!(log.contains("out") && log.contains("err"), "{log}");
    assert_eq!(run["rid"].as_str().unwrap().len(), 36, "a UUID per run");
    assert!(
        run["duration_ms"].is_i64(),
        "the end found its start: {run}"
    );
    assert_eq!(
        runs(&app, id).await.len(),
        1,
        "the start and end are one run"
    );

    // A failure keeps its exit status, for the shell and for Baton.
    let (out, _) = exec(url, &key, &[], &["sh", "-c", "echo broken; exit 3"]).await;
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(text(&out.stdout), "broken\n");
    let run = newest(&app, id).await;
    assert_eq!(
        (run["status"].clone(), run["exit_status"].clone()),
        ("failed".into(), 3.into())
    );
    assert_eq!(run["log"], "broken\n");

    // Killed by a signal: baton exec ends by the same signal.
    let (out, _) = exec(url, &key, &[], &["sh", "-c", "echo dying; kill -TERM $$"]).await;
    assert_eq!(out.status.signal(), Some(15), "{:?}", out.status);
    let run = newest(&app, id).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(run["exit_status"], 128 + 15);
    assert!(
        run["log"].as_str().unwrap().contains("killed by signal 15"),
        "{run}"
    );

    // Output over the limit: all of it passed through, the last part kept.
    let script = "head -c 5000 /dev/zero | tr '\\0' a; printf END";
    let (out, _) = exec(url, &key, &[], &["sh", "-c", script]).await;
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout.len(), 5003);
    let log = newest(&app, id).await["log"].as_str().unwrap().to_owned();
    assert_eq!(log.len(), 1000, "Baton's Ping-Body-Limit is kept to");
    assert!(log.ends_with("aaaEND"), "the last part: {log}");

    // A command that cannot run: 127, as a shell says, and a failure.
    let (out, _) = exec(url, &key, &[], &["/nonexistent/job"]).await;
    assert_eq!(out.status.code(), Some(127));
    assert!(
        text(&out.stderr).contains("cannot run"),
        "{}",
        text(&out.stderr)
    );
    let run = newest(&app, id).await;
    assert_eq!(
        (run["status"].clone(), run["exit_status"].clone()),
        ("failed".into(), 127.into())
    );

    // SIGTERM sent to baton exec alone reaches the command, which decides.
    let mut child = baton_exec(
        url,
        &key,
        &[],
        &[
            "sh",
            "-c",
            "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.1; done",
        ],
    )
    .stdout(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    while !text(&seen).contains("ready") {
        let mut buf = [0u8; 64];
        let n = tokio::io::AsyncReadExt::read(&mut stdout, &mut buf)
            .await
            .unwrap();
        assert!(n > 0, "the command said nothing");
        seen.extend_from_slice(&buf[..n]);
    }
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().await.unwrap();
    let mut rest = Vec::new();
    tokio::io::AsyncReadExt::read_to_end(&mut stdout, &mut rest)
        .await
        .unwrap();
    assert_eq!(
        status.code(),
        Some(7),
        "the command's own answer to SIGTERM"
    );
    assert!(text(&rest).contains("got-term"), "{}", text(&rest));
    let run = newest(&app, id).await;
    assert_eq!(
        (run["status"].clone(), run["exit_status"].clone()),
        ("failed".into(), 7.into())
    );
    assert_eq!(runs(&app, id).await.len(), 6, "one run per command");
}

#[tokio::test]
async fn baton_exec_never_waits_long_on_a_baton_that_is_down_or_silent() {
    // Down: nothing listens on the port.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let down = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    // Silent: it takes connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut kept = Vec::new();
        while let Ok((tcp, _)) = silent.accept().await {
            kept.push(tcp);
        }
    });
    let key = "0123456789abcdef0123456789abcdef";
    for url in [&down, &silent_url] {
        let (out, took) = exec(url, key, &[], &["sh", "-c", "echo hi; echo oh >&2; exit 4"]).await;
        assert_eq!(out.status.code(), Some(4), "{url}");
        assert_eq!(text(&out.stdout), "hi\n", "{url}");
        let stderr = text(&out.stderr);
        assert!(stderr.lines().any(|l| l == "oh"), "{url}: {stderr}");
        assert!(stderr.contains("could not report"), "{url}: {stderr}");
        assert!(
            !stderr.contains(key),
            "the key stays out of the message: {stderr}"
        );
        // 2 s for the start and 5 s for the end at most, whatever happens.
        assert!(took < Duration::from_secs(10), "{url}: {took:?}");
        let (out, _) = exec(url, key, &["--quiet"], &["sh", "-c", "echo oh >&2"]).await;
        assert_eq!(text(&out.stderr), "oh\n", "--quiet: the command's own only");
        assert_eq!(out.status.code(), Some(0));
    }
    held.abort();
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn baton_exec_says_once_when_baton_refuses_its_key(#[case] backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let (out, _) = exec(
        &app.base,
        "0123456789abcdef0123456789abcdef",
        &[],
        &["true"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr.matches("could not report").count(),
        2,
        "the start and the end, each once, not retried: {stderr}"
    );
    assert!(stderr.contains("404"), "{stderr}");
    app.settle().await;
    let refused = app.get_json("/api/v1/deliveries?outcome=rejected").await;
    assert_eq!(refused["total"], 2, "a 404 is not retried: {refused}");
}
