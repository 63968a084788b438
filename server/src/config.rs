//! Baton's configuration: every option, its flag, its environment variable
//! and its default, in one place. `baton --help` prints this same list.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

/// The database used when none is configured: a file under `./data/`.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/baton.db";

#[derive(Debug, Parser)]
#[command(
    name = "baton",
    version,
    about = "Baton: a self-hosted control plane for process orchestrations",
    long_about = "Baton: a self-hosted control plane for process orchestrations.\n\n\
        Every option can be given as a flag or as the environment variable named \
        beside it; a flag wins over the environment. With no command, Baton serves."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub options: Options,
}

#[derive(Debug, Clone, Subcommand, PartialEq, Eq)]
pub enum Command {
    /// Run the web server and its background jobs (the default)
    Serve,
    /// Apply pending database migrations, then exit
    Migrate,
    /// Manage the people who can sign in
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens, for scripts and provisioning
    #[command(subcommand)]
    Token(TokenCommand),
    /// Run a command and report it to Baton: its start, then its exit
    /// status, duration and the last part of its output. The command's exit
    /// status, output and signals are its own; an unreachable Baton holds it
    /// up a few seconds at most. Example (a crontab line):
    /// `baton exec --url https://baton.example.com --key KEY -- /path/to/job.sh`
    Exec(crate::exec::ExecArgs),
    /// Move monitors over from Healthchecks, Cronitor or Uptime Kuma: each
    /// becomes an automation with its schedule. Prints a preview; `--apply`
    /// writes it and prints each old ping URL with its new one. Running it
    /// again changes only what changed.
    Import(crate::monitors::ImportArgs),
}

#[derive(Debug, Clone, Subcommand, PartialEq, Eq)]
pub enum TokenCommand {
    /// Make an API token for a person and print it, once: only its hash is
    /// kept. Send it as `Authorization: Bearer <token>` to /api/v1
    Create {
        /// The person the token acts for (their role limits it too)
        #[arg(long)]
        user: String,
        /// read (GET only) or write (everything the person's role allows)
        #[arg(long, value_enum)]
        scope: ScopeArg,
        /// What uses it, to recognise it in the token list
        #[arg(long, default_value = "made with baton token create")]
        name: String,
    },
}

/// A token scope as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    Read,
    Write,
}

impl From<ScopeArg> for app::model::accounts::TokenScope {
    fn from(scope: ScopeArg) -> Self {
        match scope {
            ScopeArg::Read => Self::Read,
            ScopeArg::Write => Self::Write,
        }
    }
}

#[derive(Debug, Clone, Subcommand, PartialEq, Eq)]
pub enum UserCommand {
    /// Create a person who can sign in. The password is asked for twice at
    /// a terminal, or read from the first line of standard input when that
    /// is not a terminal; it is never a flag
    Create {
        /// Their email, which they sign in with
        #[arg(long)]
        email: String,
        /// The name Baton shows; the part of the email before the @ when not given
        #[arg(long)]
        name: Option<String>,
        /// What they may do: viewer (see everything, change nothing), editor
        /// (create, and edit what they own or back up) or admin (everything)
        #[arg(long, value_enum, default_value_t = RoleArg::Viewer)]
        role: RoleArg,
    },
}

/// A role as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Viewer,
    Editor,
    Admin,
}

impl From<RoleArg> for app::model::accounts::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Viewer => Self::Viewer,
            RoleArg::Editor => Self::Editor,
            RoleArg::Admin => Self::Admin,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct Options {
    /// Address and port to listen on
    #[arg(
        long,
        env = "BATON_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,

    /// Database: sqlite://PATH (created with its folder when missing) or
    /// postgres://USER@HOST:PORT/DB. DATABASE_URL is read when
    /// BATON_DATABASE_URL is not set. [default: sqlite://data/baton.db]
    #[arg(
        long,
        env = "BATON_DATABASE_URL",
        value_name = "URL",
        global = true,
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// The address people and tools use to reach Baton (scheme, host, port
    /// and path prefix, as your proxy serves it); every link and ingestion
    /// URL Baton prints starts with it [default: http://ADDR]
    #[arg(long, env = "BATON_PUBLIC_URL", value_name = "URL", global = true)]
    pub public_url: Option<String>,

    /// Proxies whose X-Forwarded-For header is believed, as IP addresses or
    /// CIDR ranges, comma-separated [default: none]
    #[arg(
        long,
        env = "BATON_TRUSTED_PROXIES",
        value_name = "IP|CIDR,...",
        value_delimiter = ',',
        global = true
    )]
    pub trusted_proxies: Vec<String>,

    /// Folder of the built site: the wasm bundle, CSS and public assets
    #[arg(
        long,
        env = "BATON_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: PathBuf,

    /// Seconds a request may take before Baton answers 408 (live streams excepted)
    #[arg(
        long,
        env = "BATON_REQUEST_TIMEOUT",
        default_value_t = 30,
        value_name = "SECONDS",
        global = true
    )]
    pub request_timeout: u64,

    /// Seconds a connection may go without sending a complete request head
    /// (idle between requests, or sending its headers slowly) before it is closed
    #[arg(
        long,
        env = "BATON_IDLE_TIMEOUT",
        default_value_t = 30,
        value_name = "SECONDS",
        global = true
    )]
    pub idle_timeout: u64,

    /// Connections served at once; more are answered 503 and closed
    #[arg(
        long,
        env = "BATON_MAX_CONNECTIONS",
        default_value_t = 4096,
        value_name = "N",
        global = true
    )]
    pub max_connections: usize,

    /// Seconds in-flight requests get to finish after SIGTERM or SIGINT
    #[arg(
        long,
        env = "BATON_SHUTDOWN_GRACE",
        default_value_t = 30,
        value_name = "SECONDS",
        global = true
    )]
    pub shutdown_grace: u64,

    /// Largest request body accepted, in bytes; larger ones get 413
    #[arg(long, env = "BATON_MAX_BODY", default_value_t = 2 * 1024 * 1024, value_name = "BYTES", global = true)]
    pub max_body: usize,

    /// Largest file accepted by the catalog imports, in bytes; larger ones get 413
    #[arg(long, env = "BATON_MAX_IMPORT", default_value_t = 64 * 1024 * 1024, value_name = "BYTES", global = true)]
    pub max_import: usize,

    /// Hours a sign-in lasts without use; each request renews it
    #[arg(
        long,
        env = "BATON_SESSION_IDLE_HOURS",
        default_value_t = 12,
        value_name = "HOURS",
        global = true
    )]
    pub session_idle_hours: u32,

    /// Days a sign-in lasts at most, however much it is used
    #[arg(
        long,
        env = "BATON_SESSION_MAX_DAYS",
        default_value_t = 7,
        value_name = "DAYS",
        global = true
    )]
    pub session_max_days: u32,

    /// Hours a rotated ping key is still accepted, so tools can move over
    #[arg(
        long,
        env = "BATON_KEY_OVERLAP_HOURS",
        default_value_t = 24,
        value_name = "HOURS",
        global = true
    )]
    pub key_overlap_hours: u32,

    /// Bytes of a ping's body a delivery keeps (the rest is read and
    /// discarded, and the ping counts); a webhook's body over it gets 413
    /// (checked while reading)
    #[arg(long, env = "BATON_MAX_DELIVERY", default_value_t = 1024 * 1024, value_name = "BYTES", global = true)]
    pub max_delivery: usize,

    /// How much of a ping's body a run keeps as its log, in bytes
    /// (advertised in the `Ping-Body-Limit` header)
    #[arg(
        long,
        env = "BATON_PING_BODY_LIMIT",
        default_value_t = 100_000,
        value_name = "BYTES",
        global = true
    )]
    pub ping_body_limit: usize,

    /// Days a delivery (what a tool sent, headers and body) is kept
    #[arg(
        long,
        env = "BATON_DELIVERY_RETENTION_DAYS",
        default_value_t = 30,
        value_name = "DAYS",
        global = true
    )]
    pub delivery_retention_days: u32,

    /// Days raw runs are kept; their daily rollups (health figures) stay
    #[arg(
        long,
        env = "BATON_RUN_RETENTION_DAYS",
        default_value_t = 90,
        value_name = "DAYS",
        global = true
    )]
    pub run_retention_days: u32,

    /// Seconds between two looks for missed runs (and old runs to delete)
    #[arg(
        long,
        env = "BATON_HEALTH_LOOK_SECONDS",
        default_value_t = 30,
        value_name = "SECONDS",
        global = true
    )]
    pub health_look_seconds: u64,

    /// Minutes an incident may stay unacknowledged before it is sent on:
    /// from the owner to the backup owner, then to the team
    #[arg(
        long,
        env = "BATON_ESCALATE_AFTER_MINUTES",
        default_value_t = 30,
        value_name = "MINUTES",
        global = true
    )]
    pub escalate_after_minutes: u32,

    /// Seconds between two rounds of the incidents job (taking in failed
    /// runs, escalating, sending alerts)
    #[arg(
        long,
        env = "BATON_INCIDENT_LOOK_SECONDS",
        default_value_t = 10,
        value_name = "SECONDS",
        global = true
    )]
    pub incident_look_seconds: u64,

    /// Minutes an automation must stay well before its recovery notice is
    /// sent; a failure within them reopens the incident (no new alert)
    #[arg(
        long,
        env = "BATON_ALERT_COOLDOWN_MINUTES",
        default_value_t = 10,
        value_name = "MINUTES",
        global = true
    )]
    pub alert_cooldown_minutes: u32,

    /// Days a runbook's verification holds; after them it is stale
    #[arg(
        long,
        env = "BATON_RUNBOOK_STALE_DAYS",
        default_value_t = app::model::runbooks::DEFAULT_STALE_AFTER_DAYS,
        value_name = "DAYS",
        global = true
    )]
    pub runbook_stale_days: u32,

    /// The month the fiscal year starts in (1 = January): review quarters
    /// follow it
    #[arg(
        long,
        env = "BATON_FISCAL_YEAR_START",
        default_value_t = 1,
        value_name = "MONTH",
        value_parser = clap::value_parser!(u32).range(1..=12),
        global = true
    )]
    pub fiscal_year_start: u32,

    /// Most deliveries written in one transaction (group commit)
    #[arg(
        long,
        env = "BATON_DELIVERY_BATCH",
        default_value_t = 2048,
        value_name = "N",
        global = true
    )]
    pub delivery_batch: usize,

    /// Let alert channels post to addresses inside the network (loopback,
    /// private, link-local): off, a channel may reach public addresses only
    #[arg(
        long,
        env = "BATON_ALLOW_PRIVATE_TARGETS",
        default_value_t = false,
        value_name = "BOOL",
        num_args = 0..=1,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        global = true
    )]
    pub allow_private_targets: bool,

    /// Log filter, in tracing's EnvFilter syntax (e.g. info,baton=debug)
    #[arg(long, env = "BATON_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log format
    #[arg(long, env = "BATON_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines
    Text,
    /// One JSON object per line
    Json,
}

/// Where Baton keeps its data. The PostgreSQL URL may hold a password, so
/// it is wrapped and never printed whole.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(Secret),
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact_password(url.expose())),
        }
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = ConfigError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| ConfigError::DatabaseUrl {
            url: redact_password(url),
            why: why.to_owned(),
        };
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(bad("expected sqlite://PATH or postgres://USER@HOST/DB"));
        };
        match scheme {
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                if path.is_empty() {
                    return Err(bad("the SQLite URL names no file"));
                }
                if path.contains(":memory:") || path.contains('?') {
                    return Err(bad(
                        "give a plain file path: in-memory databases and URL options are not supported",
                    ));
                }
                Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
            }
            "postgres" | "postgresql" => {
                if !rest.starts_with("//") || rest.len() <= 2 {
                    return Err(bad("expected postgres://USER@HOST:PORT/DB"));
                }
                Ok(DatabaseUrl::Postgres(Secret(url.to_owned())))
            }
            other => Err(bad(&format!(
                "the scheme `{other}` is not supported: use sqlite://PATH or postgres://USER@HOST/DB"
            ))),
        }
    }
}

/// A value that must not appear in logs: `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// `scheme://user:password@host` → `scheme://user:***@host`.
fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// A configuration that cannot be used, said in one line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("invalid database URL {url}: {why}")]
    DatabaseUrl { url: String, why: String },
    #[error("invalid public URL {url:?}: {why}")]
    PublicUrl { url: String, why: String },
    #[error(
        "invalid trusted proxy {0:?}: expected an IP address or a CIDR range such as 10.0.0.0/8"
    )]
    TrustedProxy(String),
}

/// The checked configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub database_url: DatabaseUrl,
    /// Without a trailing slash.
    pub public_url: String,
    pub trusted_proxies: Vec<IpNet>,
    pub site_root: PathBuf,
    pub request_timeout: Duration,
    /// How long a connection may go without a complete request head.
    pub idle_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    pub shutdown_grace: Duration,
    pub max_body: usize,
    pub max_import: usize,
    /// How long a sign-in lasts unused, and at most.
    pub session_idle: chrono::TimeDelta,
    pub session_lifetime: chrono::TimeDelta,
    /// How long a rotated key is still accepted.
    pub key_overlap: chrono::TimeDelta,
    pub max_delivery: usize,
    pub ping_body_limit: usize,
    pub delivery_retention: chrono::TimeDelta,
    pub delivery_batch: usize,
    /// How long raw runs are kept (rollups stay).
    pub run_retention: chrono::TimeDelta,
    /// How often the health watcher looks.
    pub health_look_every: Duration,
    pub escalate_after: chrono::TimeDelta,
    pub incident_look_every: Duration,
    pub alert_cooldown: chrono::TimeDelta,
    /// Days a runbook's verification holds.
    pub runbook_stale_days: u32,
    /// The fiscal calendar reviews follow.
    pub fiscal_calendar: app::model::reviews::FiscalCalendar,
    /// Whether alert channels may reach addresses inside the network.
    pub allow_private_targets: bool,
}

impl Config {
    /// Whether people reach Baton over HTTPS: its cookies are then `Secure`.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The public URL's origin (`scheme://host[:port]`), which the
    /// browser's `Origin` header names on requests from Baton's own pages.
    pub fn public_origin(&self) -> &str {
        let after_scheme = self.public_url.find("://").map_or(0, |i| i + 3);
        match self.public_url[after_scheme..].find('/') {
            Some(slash) => &self.public_url[..after_scheme + slash],
            None => &self.public_url,
        }
    }

    /// Checks the options; `fallback_database_url` is `DATABASE_URL`, read
    /// only when no `--database-url`/`BATON_DATABASE_URL` was given.
    pub fn from_options(
        options: &Options,
        fallback_database_url: Option<String>,
    ) -> Result<Self, ConfigError> {
        let database_url = options
            .database_url
            .clone()
            .filter(|u| !u.is_empty())
            .or(fallback_database_url.filter(|u| !u.is_empty()))
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
            .parse()?;
        let public_url = match &options.public_url {
            Some(url) => parse_public_url(url)?,
            None => format!("http://{}", options.addr),
        };
        let trusted_proxies = options
            .trusted_proxies
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .map(parse_proxy)
            .collect::<Result<_, _>>()?;
        Ok(Self {
            addr: options.addr,
            database_url,
            public_url,
            trusted_proxies,
            site_root: options.site_root.clone(),
            request_timeout: Duration::from_secs(options.request_timeout),
            idle_timeout: Duration::from_secs(options.idle_timeout.max(1)),
            max_connections: options.max_connections.max(1),
            shutdown_grace: Duration::from_secs(options.shutdown_grace),
            max_body: options.max_body,
            max_import: options.max_import,
            session_idle: chrono::TimeDelta::hours(i64::from(options.session_idle_hours.max(1))),
            session_lifetime: chrono::TimeDelta::days(i64::from(options.session_max_days.max(1))),
            key_overlap: chrono::TimeDelta::hours(i64::from(options.key_overlap_hours)),
            max_delivery: options.max_delivery,
            ping_body_limit: options.ping_body_limit,
            delivery_retention: chrono::TimeDelta::days(i64::from(
                options.delivery_retention_days.max(1),
            )),
            delivery_batch: options.delivery_batch.max(1),
            run_retention: chrono::TimeDelta::days(i64::from(options.run_retention_days.max(7))),
            health_look_every: Duration::from_secs(options.health_look_seconds.clamp(1, 3_600)),
            escalate_after: chrono::TimeDelta::minutes(i64::from(
                options.escalate_after_minutes.clamp(1, 7 * 24 * 60),
            )),
            incident_look_every: Duration::from_secs(options.incident_look_seconds.clamp(1, 3_600)),
            alert_cooldown: chrono::TimeDelta::minutes(i64::from(
                options.alert_cooldown_minutes.min(24 * 60),
            )),
            runbook_stale_days: options.runbook_stale_days.clamp(1, 3_660),
            allow_private_targets: options.allow_private_targets,
            fiscal_calendar: app::model::reviews::FiscalCalendar::new(options.fiscal_year_start)
                .unwrap_or_default(),
        })
    }
}

fn parse_public_url(url: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| ConfigError::PublicUrl {
        url: url.to_owned(),
        why: why.to_owned(),
    };
    let uri: axum::http::Uri = url.parse().map_err(|_| bad("not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(bad("it must start with http:// or https://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("it names no host"));
    }
    if uri.query().is_some() {
        return Err(bad("it must not have a query"));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn parse_proxy(text: &str) -> Result<IpNet, ConfigError> {
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| ConfigError::TrustedProxy(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(args: &[&str]) -> Options {
        let mut argv = vec!["baton"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).unwrap().options
    }

    #[test]
    fn defaults_to_a_sqlite_file_under_data() {
        let config = Config::from_options(&options(&[]), None).unwrap();
        assert_eq!(
            config.database_url,
            DatabaseUrl::Sqlite("data/baton.db".into())
        );
        assert_eq!(config.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(config.public_url, "http://127.0.0.1:3000");
        assert!(config.trusted_proxies.is_empty());
    }

    #[test]
    fn database_url_falls_back_to_database_url_variable() {
        let config = Config::from_options(
            &options(&[]),
            Some("postgres://root@127.0.0.1:5432/baton".into()),
        )
        .unwrap();
        assert!(matches!(config.database_url, DatabaseUrl::Postgres(_)));
        let config = Config::from_options(
            &options(&["--database-url", "sqlite:///var/lib/baton/baton.db"]),
            Some("postgres://root@127.0.0.1/other".into()),
        )
        .unwrap();
        assert_eq!(
            config.database_url,
            DatabaseUrl::Sqlite("/var/lib/baton/baton.db".into())
        );
    }

    #[test]
    fn unsupported_database_urls_are_refused_with_a_reason() {
        for (url, says) in [
            (
                "mysql://root@localhost/baton",
                "the scheme `mysql` is not supported",
            ),
            ("baton.db", "expected sqlite://PATH"),
            ("sqlite://", "names no file"),
            ("sqlite::memory:", "in-memory"),
            ("postgres:baton", "expected postgres://"),
        ] {
            let err = url.parse::<DatabaseUrl>().unwrap_err().to_string();
            assert!(err.contains(says), "{url}: {err}");
        }
    }

    #[test]
    fn passwords_never_reach_debug_output() {
        let url: DatabaseUrl = "postgres://baton:hunter2@db:5432/baton".parse().unwrap();
        let shown = format!("{url:?} {url}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("postgres://baton:***@db:5432/baton"),
            "{shown}"
        );
        let err = "mysql://baton:hunter2@db/x"
            .parse::<DatabaseUrl>()
            .unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "Secret(***)");
    }

    #[test]
    fn public_url_must_be_absolute_http() {
        let config = Config::from_options(
            &options(&["--public-url", "https://baton.example.com/ops/"]),
            None,
        )
        .unwrap();
        assert_eq!(config.public_url, "https://baton.example.com/ops");
        assert_eq!(config.public_origin(), "https://baton.example.com");
        assert!(config.https());
        for bad in [
            "baton.example.com",
            "ftp://baton.example.com",
            "https://x.y/?a=b",
        ] {
            let err = Config::from_options(&options(&["--public-url", bad]), None).unwrap_err();
            assert!(matches!(err, ConfigError::PublicUrl { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges() {
        let config = Config::from_options(
            &options(&["--trusted-proxies", "10.0.0.0/8, 127.0.0.1,::1"]),
            None,
        )
        .unwrap();
        assert_eq!(config.trusted_proxies.len(), 3);
        let err = Config::from_options(&options(&["--trusted-proxies", "proxy.local"]), None)
            .unwrap_err();
        assert_eq!(err, ConfigError::TrustedProxy("proxy.local".into()));
    }
}
