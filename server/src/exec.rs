//! `baton exec --key KEY --url BASE -- command args…`: runs a command as
//! given and reports it to Baton as a Healthchecks client would: a start,
//! then its exit status with the last part of its output as the log, the
//! two paired by a run id made for this run.
//!
//! What it never does: change the command's exit status (a command killed
//! by a signal ends `baton exec` by the same signal), its output (passed
//! through as it comes; only a copy of the tail is kept), or wait on a
//! Baton that does not answer longer than a few seconds. A report that
//! fails is retried with backoff until its deadline, then given up with
//! one line on standard error (unless `--quiet`).

use std::collections::VecDeque;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::mpsc;

/// What `baton exec` is told.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ExecArgs {
    /// The automation's ping key (on its page in Baton)
    #[arg(long, env = "BATON_PING_KEY", value_name = "KEY")]
    pub key: String,
    /// Baton's address, e.g. https://baton.example.com
    #[arg(long, env = "BATON_URL", value_name = "URL")]
    pub url: String,
    /// The run id pairing the start with its end (a new UUID per run by default)
    #[arg(long, value_name = "RID")]
    pub rid: Option<String>,
    /// Say nothing on standard error when a report cannot be made
    #[arg(long)]
    pub quiet: bool,
    /// The command and its arguments, after `--`
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

/// How long the start may hold up the command.
const START_BUDGET: Duration = Duration::from_secs(2);
/// How long the end report may hold up `baton exec`'s exit.
const END_BUDGET: Duration = Duration::from_secs(5);
/// One attempt's limit, connecting included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// The first wait before trying again; it doubles each time.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Bytes of output kept for the log when Baton has not said its limit.
const DEFAULT_LOG_LIMIT: usize = 100_000;
/// The exit status a shell gives a command it cannot run.
const CANNOT_RUN: i32 = 127;

/// How `baton exec` ends: as the command did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Code(i32),
    /// Killed by this signal: `baton exec` ends by the same one.
    Signal(i32),
}

/// Runs the command, reporting it; how the command ended.
pub async fn run(args: ExecArgs) -> Ending {
    let reporter = Reporter::new(&args);
    let log_limit = reporter.start().await.unwrap_or(DEFAULT_LOG_LIMIT);
    let started = Instant::now();
    let (ending, tail) = match spawn(&args.command) {
        Ok(child) => supervise(child, log_limit).await,
        Err(err) => {
            let why = format!("baton exec: cannot run {:?}: {err}", args.command[0]);
            eprintln!("{why}");
            (Ending::Code(CANNOT_RUN), why.into_bytes())
        }
    };
    let mut log = tail;
    let status = match ending {
        Ending::Code(code) => code.clamp(0, 255),
        Ending::Signal(signal) => {
            let line = format!("\n[baton exec] killed by signal {signal}");
            log.extend_from_slice(line.as_bytes());
            128 + signal
        }
    };
    reporter
        .end(status, started.elapsed(), trim_front(log, log_limit))
        .await;
    ending
}

/// Keeps the last `limit` bytes.
fn trim_front(mut bytes: Vec<u8>, limit: usize) -> Vec<u8> {
    if bytes.len() > limit {
        bytes.drain(..bytes.len() - limit);
    }
    bytes
}

fn spawn(command: &[String]) -> std::io::Result<tokio::process::Child> {
    tokio::process::Command::new(&command[0])
        .args(&command[1..])
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
}

/// Passes the child's output through as it comes, keeping a copy of its
/// last `limit` bytes (both streams, in the order they came), passes on
/// the signals sent to `baton exec` alone, and waits for the child.
async fn supervise(mut child: tokio::process::Child, limit: usize) -> (Ending, Vec<u8>) {
    let (chunks_tx, mut chunks_rx) = mpsc::channel::<Vec<u8>>(64);
    let mut pumps = Vec::new();
    if let Some(out) = child.stdout.take() {
        pumps.push(tokio::spawn(pump(
            out,
            tokio::io::stdout(),
            chunks_tx.clone(),
        )));
    }
    if let Some(err) = child.stderr.take() {
        pumps.push(tokio::spawn(pump(
            err,
            tokio::io::stderr(),
            chunks_tx.clone(),
        )));
    }
    drop(chunks_tx);
    let keep = tokio::spawn(async move {
        let mut tail: VecDeque<u8> = VecDeque::new();
        while let Some(chunk) = chunks_rx.recv().await {
            tail.extend(chunk);
            let over = tail.len().saturating_sub(limit);
            tail.drain(..over);
        }
        Vec::from(tail)
    });
    let status = signals::forwarding(&mut child).await;
    for pump in pumps {
        let _ = pump.await;
    }
    let tail = keep.await.unwrap_or_default();
    let ending = match status {
        Ok(status) => ending_of(status),
        Err(err) => {
            eprintln!("baton exec: lost the command: {err}");
            Ending::Code(CANNOT_RUN)
        }
    };
    (ending, tail)
}

fn ending_of(status: ExitStatus) -> Ending {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => Ending::Code(code),
        (None, Some(signal)) => Ending::Signal(signal),
        (None, None) => Ending::Code(1),
    }
}

/// Copies `from` to `to` chunk by chunk, flushing each, and sends a copy
/// of each chunk on.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    copies: mpsc::Sender<Vec<u8>>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                // Output goes on even if nobody reads it here any more.
                let _ = to.write_all(&buffer[..n]).await;
                let _ = to.flush().await;
                let _ = copies.send(buffer[..n].to_vec()).await;
            }
        }
    }
}

/// Sends the reports, each within its budget.
struct Reporter {
    client: reqwest::Client,
    base: String,
    rid: String,
    quiet: bool,
}

impl Reporter {
    fn new(args: &ExecArgs) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(ATTEMPT_TIMEOUT)
            .timeout(ATTEMPT_TIMEOUT)
            .user_agent(concat!("baton-exec/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self {
            client,
            base: format!("{}/ping/{}", args.url.trim_end_matches('/'), args.key),
            rid: args.rid.clone().unwrap_or_else(new_rid),
            quiet: args.quiet,
        }
    }

    /// Reports the start; the log limit Baton advertises, when it answered.
    async fn start(&self) -> Option<usize> {
        let url = format!("{}/start?rid={}", self.base, self.rid);
        let answer = self.send(&url, Vec::new(), START_BUDGET).await?;
        answer
            .headers()
            .get("ping-body-limit")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }

    /// Reports the end: the exit status, how long it took (used when the
    /// start never arrived) and the log.
    async fn end(&self, status: i32, took: Duration, log: Vec<u8>) {
        let url = format!(
            "{}/{status}?rid={}&duration={:.3}",
            self.base,
            self.rid,
            took.as_secs_f64()
        );
        self.send(&url, log, END_BUDGET).await;
    }

    /// POSTs `body` to `url`, trying again after a failure that may pass
    /// (no answer, 5xx, 429) until `budget` is spent.
    async fn send(&self, url: &str, body: Vec<u8>, budget: Duration) -> Option<reqwest::Response> {
        let deadline = Instant::now() + budget;
        let mut wait = FIRST_BACKOFF;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let attempt = self
                .client
                .post(url)
                .timeout(left.min(ATTEMPT_TIMEOUT))
                .body(body.clone())
                .send()
                .await;
            let why = match attempt {
                Ok(answer) if answer.status().is_success() => return Some(answer),
                Ok(answer) => {
                    let status = answer.status();
                    let passing = status.is_server_error() || status.as_u16() == 429;
                    let text = answer.text().await.unwrap_or_default();
                    let why = format!("Baton answered {status}: {}", text.trim());
                    if !passing {
                        self.warn(&why);
                        return None;
                    }
                    why
                }
                Err(err) => format!("Baton did not answer: {}", causes(err)),
            };
            if Instant::now() + wait >= deadline {
                self.warn(&why);
                return None;
            }
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    }

    fn warn(&self, why: &str) {
        if !self.quiet {
            eprintln!(
                "baton exec: could not report to {}: {why}",
                self.base_masked()
            );
        }
    }

    /// The ping URL with its key hidden (standard error may end up in a
    /// mail or a log that others read).
    fn base_masked(&self) -> String {
        match self.base.rsplit_once('/') {
            Some((before, _key)) => format!("{before}/…"),
            None => self.base.clone(),
        }
    }
}

/// An error and what caused it, in one line, without its URL (which
/// holds the key).
fn causes(err: reqwest::Error) -> String {
    let err = err.without_url();
    let mut line = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

/// A random UUID (version 4), as Healthchecks' clients make run ids.
fn new_rid() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Signals: those sent to `baton exec` alone are passed to the command;
/// those a terminal sends to the whole foreground group (interrupt, quit)
/// already reach the command, so `baton exec` only outlives them to report.
mod signals {
    use tokio::signal::unix::{SignalKind, signal};

    /// Waits for the child, passing on SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2.
    pub async fn forwarding(
        child: &mut tokio::process::Child,
    ) -> std::io::Result<std::process::ExitStatus> {
        let passed = [
            SignalKind::terminate(),
            SignalKind::hangup(),
            SignalKind::user_defined1(),
            SignalKind::user_defined2(),
        ];
        let mut streams = Vec::new();
        for kind in passed {
            if let Ok(stream) = signal(kind) {
                streams.push((kind.as_raw_value(), stream));
            }
        }
        // Outlived, not passed on: the terminal sent them to the child too.
        let _interrupt = signal(SignalKind::interrupt());
        let _quit = signal(SignalKind::quit());
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let listeners: Vec<_> = streams
            .into_iter()
            .map(|(number, mut stream)| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    while stream.recv().await.is_some() {
                        if tx.send(number).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let status = loop {
            tokio::select! {
                status = child.wait() => break status,
                Some(number) = rx.recv() => {
                    if let Some(pid) = child.id() {
                        send(pid, number);
                    }
                }
            }
        };
        for listener in listeners {
            listener.abort();
        }
        status
    }

    #[allow(unsafe_code)]
    fn send(pid: u32, number: i32) {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return;
        };
        // SAFETY: kill(2) with a child's pid and a valid signal number
        // touches no memory of this process.
        unsafe {
            libc::kill(pid, number);
        }
    }

    /// Ends this process by `number`, as the command was ended: the
    /// default action restored, then the signal raised.
    #[allow(unsafe_code)]
    pub fn end_by(number: i32) -> ! {
        // SAFETY: restoring a signal's default action and raising it
        // touch no memory of this process.
        unsafe {
            libc::signal(number, libc::SIG_DFL);
            libc::raise(number);
        }
        // A signal whose default is not to end (none of those that kill
        // a command are): end as a shell would say it.
        std::process::exit(128 + number)
    }
}

pub use signals::end_by;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_version_4_uuids() {
        let rid = new_rid();
        assert_eq!(rid.len(), 36);
        assert_eq!(&rid[14..15], "4");
        assert!(matches!(&rid[19..20], "8" | "9" | "a" | "b"), "{rid}");
        assert_ne!(rid, new_rid());
    }

    #[test]
    fn the_log_keeps_the_last_part() {
        assert_eq!(trim_front(b"abcdef".to_vec(), 4), b"cdef");
        assert_eq!(trim_front(b"ab".to_vec(), 4), b"ab");
    }
}
