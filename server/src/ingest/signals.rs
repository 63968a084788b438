//! Reading what a ping means from its URL and query, per family: the same
//! reading decides the answer (a bad exit status is a 400 before anything
//! is kept) and, later, the run the kept delivery becomes.

use chrono::{DateTime, TimeZone as _, Utc};

use super::limits;
use crate::store::Signal;

/// The URL families Baton answers, each a tool's convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Healthchecks by check key: `/ping/<automation-key>[/<suffix>]`.
    Ping,
    /// Healthchecks by slug: `/ping/<source-key>/<slug>[/<suffix>]`.
    PingSlug,
    /// Cronitor telemetry: `/p/<source-key>/<monitor>?state=…`, or
    /// `/ping/<source-key>/<monitor>?state=…`.
    Cronitor,
    /// Uptime Kuma's push monitor: `/api/push/<automation-key>?status=…`.
    UptimeKuma,
    /// A CI tool's webhook: `/hooks/<tool>/<source-key>`.
    Hook(super::hooks::Tool),
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Ping => "ping",
            Family::PingSlug => "ping_slug",
            Family::Cronitor => "cronitor",
            Family::UptimeKuma => "uptime_kuma",
            Family::Hook(tool) => tool.as_str(),
        }
    }

    pub fn parse(endpoint: &str) -> Option<Self> {
        [
            Family::Ping,
            Family::PingSlug,
            Family::Cronitor,
            Family::UptimeKuma,
        ]
        .into_iter()
        .find(|f| f.as_str() == endpoint)
        .or_else(|| super::hooks::Tool::parse(endpoint).map(Family::Hook))
    }
}

/// Why a request is refused; each maps to one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 404 "not found": an unknown key, slug or suffix.
    NotFound,
    /// 400 with the reason.
    Bad(String),
    /// 413: the body is over the request limit.
    TooLarge(usize),
    /// 503: the database could not be asked; try again.
    Unavailable,
}

impl Refusal {
    pub fn reason(&self) -> String {
        match self {
            Refusal::NotFound => "not found".to_owned(),
            Refusal::Bad(why) => why.clone(),
            Refusal::TooLarge(limit) => format!("the request body is over the {limit}-byte limit"),
            Refusal::Unavailable => "cannot keep deliveries right now; try again".to_owned(),
        }
    }
}

/// What a ping says about its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub signal: Signal,
    pub rid: Option<String>,
    pub exit_status: Option<i32>,
    /// When it happened, when the tool says (Cronitor's `stamp`).
    pub at: Option<DateTime<Utc>>,
    /// A duration the tool measured (Cronitor's `duration`, Kuma's `ping`).
    pub duration_ms: Option<i64>,
    /// A message sent in the query (`msg`), kept instead of the body.
    pub message: Option<String>,
    /// What else the tool said about the run (Cronitor's `host`, `env` and
    /// counts), as one line the run's log starts with (so no cut loses it).
    pub context: Option<String>,
}

impl Reading {
    fn of(signal: Signal) -> Self {
        Self {
            signal,
            rid: None,
            exit_status: None,
            at: None,
            duration_ms: None,
            message: None,
            context: None,
        }
    }
}

/// A query string's pairs, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(query: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every value of `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The signal a Healthchecks suffix names: none is a success, `start`,
/// `fail`, `log`, or an exit status 0–255 (0 a success, else a failure).
pub fn read_suffix(suffix: Option<&str>) -> Result<(Signal, Option<i32>), Refusal> {
    match suffix {
        None => Ok((Signal::Success, None)),
        Some("start") => Ok((Signal::Start, None)),
        Some("fail") => Ok((Signal::Failure, None)),
        Some("log") => Ok((Signal::Log, None)),
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            match digits.parse::<u16>() {
                Ok(0) => Ok((Signal::Success, Some(0))),
                Ok(status @ 1..=255) => Ok((Signal::Failure, Some(i32::from(status)))),
                _ => Err(Refusal::Bad(format!(
                    "the exit status {digits} is out of range: use 0 to 255"
                ))),
            }
        }
        Some(_) => Err(Refusal::NotFound),
    }
}

/// A run id as tools send it: 1–64 of letters, digits, `.`, `_`, `:`, `-`
/// (a Healthchecks UUID, in lower case; a Cronitor series).
pub fn read_rid(name: &str, value: Option<&str>) -> Result<Option<String>, Refusal> {
    let Some(rid) = value else {
        return Ok(None);
    };
    let fine = (1..=64).contains(&rid.len())
        && rid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    if fine {
        Ok(Some(if is_uuid(rid) {
            rid.to_ascii_lowercase()
        } else {
            rid.to_owned()
        }))
    } else {
        Err(Refusal::Bad(format!(
            "the {name} {rid:?} is not a run id: use 1 to 64 letters, digits, '.', '_', ':' or '-'"
        )))
    }
}

/// Whether `rid` is a UUID (8-4-4-4-12 hexadecimal digits): such run ids
/// pair whatever their case, as in Healthchecks, so they are kept in lower
/// case. Any other run id is kept as sent.
fn is_uuid(rid: &str) -> bool {
    rid.len() == 36
        && rid.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// A Healthchecks ping: the suffix and `?rid=`, and Baton's own
/// `?duration=` (seconds, as `baton exec` measures it): the run's duration
/// when its start never arrived.
pub fn read_healthchecks(suffix: Option<&str>, query: &Query) -> Result<Reading, Refusal> {
    let (signal, exit_status) = read_suffix(suffix)?;
    let duration_ms = read_duration(query)?;
    Ok(Reading {
        rid: read_rid("rid", query.get("rid"))?,
        exit_status,
        duration_ms,
        ..Reading::of(signal)
    })
}

/// A Healthchecks slug: `a-z`, `0-9`, `-` and `_`.
pub fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 100
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_'))
}

/// A Cronitor monitor key: 1–100 of letters, digits, `-`, `_` and `.`.
pub fn is_monitor_key(key: &str) -> bool {
    (1..=100).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Cronitor's telemetry: `state` (run, complete, fail, ok; none is a
/// completion), `series` (the run id), `status_code`, `msg` or `message`,
/// `stamp` (Unix seconds: the event time), `duration` (seconds), `metric`
/// (`duration:N` in seconds, used when `duration` is not sent; `count:N`
/// and `error_count:N`, kept with `host` and `env` in the run's log). `try`
/// (the SDKs' attempt number) is deliberately ignored.
pub fn read_cronitor(query: &Query) -> Result<Reading, Refusal> {
    let signal = match query.get("state") {
        None | Some("complete" | "ok") => Signal::Success,
        Some("run") => Signal::Start,
        Some("fail") => Signal::Failure,
        Some(other) => {
            return Err(Refusal::Bad(format!(
                "the state {other:?} is not one of run, complete, fail, ok"
            )));
        }
    };
    let exit_status = match query.get("status_code") {
        None => None,
        Some(code) => Some(code.parse::<i32>().map_err(|_| {
            Refusal::Bad(format!("the status_code {code:?} is not a whole number"))
        })?),
    };
    let at = match query.get("stamp") {
        None => None,
        Some(stamp) => Some(
            seconds(stamp)
                .and_then(|s| {
                    Utc.timestamp_millis_opt((s * 1000.0).round() as i64)
                        .single()
                })
                .ok_or_else(|| {
                    Refusal::Bad(format!("the stamp {stamp:?} is not a Unix time in seconds"))
                })?,
        ),
    };
    let mut duration_ms = read_duration(query)?;
    let mut context: Vec<String> = ["host", "env"]
        .into_iter()
        .filter_map(|name| {
            let value = query.get(name).filter(|v| !v.trim().is_empty())?;
            Some(format!("{name}: {}", value.trim()))
        })
        .collect();
    for metric in query.all("metric") {
        let refuse = || {
            Refusal::Bad(format!(
                "the metric {metric:?} is not one of count:N, duration:N or error_count:N"
            ))
        };
        let (name, value) = metric.split_once(':').ok_or_else(refuse)?;
        let number = seconds(value).ok_or_else(refuse)?;
        match name {
            "duration" => {
                // A number already: only "over a year" can be said of it.
                let ms = duration(Some(number * 1000.0), String::new, || {
                    format!("the metric {metric:?} is over a year")
                })?;
                duration_ms.get_or_insert(ms);
            }
            "count" | "error_count" => context.push(format!("{name}: {value}")),
            _ => return Err(refuse()),
        }
    }
    Ok(Reading {
        rid: read_rid("series", query.get("series"))?,
        exit_status,
        at,
        duration_ms,
        message: query.get("msg").or(query.get("message")).map(str::to_owned),
        context: (!context.is_empty()).then(|| context.join(" · ")),
        ..Reading::of(signal)
    })
}

/// Uptime Kuma's push: `status` (up, down; none is up), `msg`, and `ping`
/// (milliseconds, taken as the run's duration).
pub fn read_uptime_kuma(query: &Query) -> Result<Reading, Refusal> {
    let signal = match query.get("status") {
        None | Some("up") => Signal::Success,
        Some("down") => Signal::Failure,
        Some(other) => {
            return Err(Refusal::Bad(format!(
                "the status {other:?} is not up or down"
            )));
        }
    };
    let duration_ms = match query.get("ping").filter(|p| !p.is_empty()) {
        None => None,
        Some(ping) => Some(duration(
            seconds(ping),
            || format!("the ping {ping:?} is not a number of milliseconds"),
            || format!("the ping {ping:?} is over a year"),
        )?),
    };
    Ok(Reading {
        duration_ms,
        message: query
            .get("msg")
            .filter(|m| !m.is_empty())
            .map(str::to_owned),
        ..Reading::of(signal)
    })
}

/// `?duration=` (seconds) in milliseconds, if sent.
fn read_duration(query: &Query) -> Result<Option<i64>, Refusal> {
    query
        .get("duration")
        .map(|d| {
            duration(
                seconds(d).map(|s| s * 1000.0),
                || format!("the duration {d:?} is not a number of seconds"),
                || format!("the duration {d:?} is over a year"),
            )
        })
        .transpose()
}

/// A duration in milliseconds within [`limits::MAX_DURATION_MS`].
fn duration(
    ms: Option<f64>,
    not_a_number: impl FnOnce() -> String,
    too_long: impl FnOnce() -> String,
) -> Result<i64, Refusal> {
    let ms = ms.ok_or_else(|| Refusal::Bad(not_a_number()))?;
    if ms > limits::MAX_DURATION_MS as f64 {
        return Err(Refusal::Bad(too_long()));
    }
    // In range, so nothing is cut.
    Ok(ms.round() as i64)
}

/// A finite, non-negative number.
fn seconds(text: &str) -> Option<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str) -> Query {
        Query::parse(Some(q))
    }

    #[test]
    fn suffixes_name_signals_and_exit_statuses() {
        assert_eq!(read_suffix(None), Ok((Signal::Success, None)));
        assert_eq!(read_suffix(Some("start")), Ok((Signal::Start, None)));
        assert_eq!(read_suffix(Some("0")), Ok((Signal::Success, Some(0))));
        assert_eq!(read_suffix(Some("255")), Ok((Signal::Failure, Some(255))));
        assert!(
            matches!(read_suffix(Some("256")), Err(Refusal::Bad(why)) if why.contains("0 to 255"))
        );
        assert!(matches!(
            read_suffix(Some("99999999999")),
            Err(Refusal::Bad(_))
        ));
        assert_eq!(read_suffix(Some("finish")), Err(Refusal::NotFound));
        assert_eq!(read_suffix(Some("-1")), Err(Refusal::NotFound));
    }

    #[test]
    fn run_ids_are_checked() {
        let reading =
            read_healthchecks(None, &query("rid=5b5f0a9e-3f1d-4a52-9c2b-0d5d3b2f7a10")).unwrap();
        assert_eq!(
            reading.rid.as_deref(),
            Some("5b5f0a9e-3f1d-4a52-9c2b-0d5d3b2f7a10")
        );
        assert!(matches!(
            read_healthchecks(None, &query("rid=")),
            Err(Refusal::Bad(_))
        ));
        assert!(matches!(
            read_healthchecks(None, &query("rid=a%20b")),
            Err(Refusal::Bad(_))
        ));
        assert!(read_healthchecks(None, &query(&format!("rid={}", "x".repeat(65)))).is_err());
        let upper = read_healthchecks(None, &query("rid=5B5F0A9E-3F1D-4A52-9C2B-0D5D3B2F7A10"));
        assert_eq!(
            upper.unwrap().rid.as_deref(),
            Some("5b5f0a9e-3f1d-4a52-9c2b-0d5d3b2f7a10"),
            "a UUID pairs whatever its case"
        );
        let series = read_cronitor(&query("series=Nightly-A")).unwrap();
        assert_eq!(
            series.rid.as_deref(),
            Some("Nightly-A"),
            "other ids are kept"
        );
        assert!(!is_uuid("5b5f0a9e+3f1d-4a52-9c2b-0d5d3b2f7a10"));
        assert!(!is_uuid("5b5f0a9e-3f1d-4a52-9c2b-0d5d3b2f7a1g"));
    }

    #[test]
    fn cronitor_telemetry_is_read_whole() {
        let reading = read_cronitor(&query(
            "state=complete&series=abc&status_code=0&msg=done&stamp=1795000000.5&duration=2.25",
        ))
        .unwrap();
        assert_eq!(reading.signal, Signal::Success);
        assert_eq!(reading.rid.as_deref(), Some("abc"));
        assert_eq!(reading.exit_status, Some(0));
        assert_eq!(reading.message.as_deref(), Some("done"));
        assert_eq!(reading.at.unwrap().timestamp_millis(), 1_795_000_000_500);
        assert_eq!(reading.duration_ms, Some(2250));
        assert_eq!(
            read_cronitor(&query("state=run")).unwrap().signal,
            Signal::Start
        );
        assert_eq!(
            read_cronitor(&query("state=fail&message=x"))
                .unwrap()
                .message
                .as_deref(),
            Some("x")
        );
        assert!(matches!(
            read_cronitor(&query("state=paused")),
            Err(Refusal::Bad(_))
        ));
        assert!(matches!(
            read_cronitor(&query("stamp=yesterday")),
            Err(Refusal::Bad(_))
        ));
    }

    #[test]
    fn cronitor_metrics_hosts_and_environments_are_kept() {
        let reading = read_cronitor(&query(
            "state=complete&host=app-01&env=production\
             &metric=count:100&metric=error_count:2&metric=duration:1.5&try=2",
        ))
        .unwrap();
        assert_eq!(reading.duration_ms, Some(1500));
        assert_eq!(
            reading.context.as_deref(),
            Some("host: app-01 · env: production · count: 100 · error_count: 2")
        );
        let both = read_cronitor(&query("duration=3&metric=duration:9")).unwrap();
        assert_eq!(
            both.duration_ms,
            Some(3000),
            "duration wins over the metric"
        );
        for bad in [
            "metric=count",
            "metric=speed:3",
            "metric=count:-1",
            "metric=duration:x",
        ] {
            assert!(
                matches!(read_cronitor(&query(bad)), Err(Refusal::Bad(why)) if why.contains("metric")),
                "{bad}"
            );
        }
        assert_eq!(read_cronitor(&query("try=3")).unwrap().context, None);
    }

    #[test]
    fn uptime_kuma_pushes_are_read() {
        let reading = read_uptime_kuma(&query("status=down&msg=timeout&ping=41.6")).unwrap();
        assert_eq!(reading.signal, Signal::Failure);
        assert_eq!(reading.duration_ms, Some(42));
        assert_eq!(reading.message.as_deref(), Some("timeout"));
        assert_eq!(
            read_uptime_kuma(&query("status=up&msg=&ping="))
                .unwrap()
                .message,
            None
        );
        assert!(matches!(
            read_uptime_kuma(&query("status=sideways")),
            Err(Refusal::Bad(_))
        ));
    }

    #[test]
    fn slugs_follow_healthchecks() {
        assert!(is_slug("db-backup_2"));
        assert!(!is_slug("DB-Backup"));
        assert!(!is_slug(""));
        assert!(is_monitor_key("Nightly.Report-2"));
        assert!(!is_monitor_key("a b"));
    }
}
