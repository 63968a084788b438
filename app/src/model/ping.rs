//! An automation's ping URLs, ready to paste: where a job reports success,
//! its start, a failure, a log line or its exit status.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingUrls {
    /// The secret in every URL below.
    pub key: String,
    /// A success (also: any exit status 0).
    pub success: String,
    pub start: String,
    pub fail: String,
    /// A log line, without changing the run's state.
    pub log: String,
    /// `…/<status>` with the exit status 0–255 in place of `<status>`.
    pub exit_status: String,
}

impl PingUrls {
    /// The URLs under `public_url` (without a trailing slash) for `key`.
    pub fn new(public_url: &str, key: &str) -> Self {
        let base = format!("{public_url}/ping/{key}");
        Self {
            key: key.to_owned(),
            start: format!("{base}/start"),
            fail: format!("{base}/fail"),
            log: format!("{base}/log"),
            exit_status: format!("{base}/<status>"),
            success: base,
        }
    }

    /// A crontab line that reports the job's start and its exit status.
    pub fn cron_example(&self) -> String {
        format!(
            "curl -fsS -m 10 --retry 5 {start} && /path/to/job.sh; curl -fsS -m 10 --retry 5 {base}/$?",
            start = self.start,
            base = self.success
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_built_under_the_public_url() {
        let urls = PingUrls::new("https://baton.example.com/ops", "0123abcd");
        assert_eq!(urls.success, "https://baton.example.com/ops/ping/0123abcd");
        assert_eq!(
            urls.start,
            "https://baton.example.com/ops/ping/0123abcd/start"
        );
        assert_eq!(
            urls.exit_status,
            "https://baton.example.com/ops/ping/0123abcd/<status>"
        );
        assert!(urls.cron_example().ends_with("/ping/0123abcd/$?"));
    }
}
