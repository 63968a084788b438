//! Test harness: fresh databases (a temp SQLite file; a PostgreSQL database
//! cloned from a migrated template on the local server) and a running Baton.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use app::model::accounts::Role;
use baton::clock::ManualClock;
use baton::config::{Cli, Config};
use baton::startup::Application;
use baton::store::{self, SharedStore};
use chrono::{TimeZone, Utc};
use clap::Parser;
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tokio::sync::OnceCell;

/// Which backend a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The local PostgreSQL server's maintenance database; override with
/// `BATON_TEST_POSTGRES_URL`.
fn pg_admin_url() -> String {
    std::env::var("BATON_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/postgres".to_owned())
}

fn pg_url_for(database: &str) -> String {
    let admin = pg_admin_url();
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{database}")
}

async fn pg_admin() -> PgConnection {
    PgConnection::connect(&pg_admin_url())
        .await
        .expect("the tests need PostgreSQL on 127.0.0.1:5432 (see README)")
}

/// The migrated template every test database is cloned from, named after
/// a hash of the migrations so a changed migration gets a new template.
async fn pg_template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            for file in files {
                for byte in std::fs::read(file).unwrap() {
                    hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                }
            }
            let name = format!("baton_template_{hash:016x}");
            let mut admin = pg_admin().await;
            // Several test processes may race to build it: one at a time.
            sqlx::query("SELECT pg_advisory_lock(727274)").execute(&mut admin).await.unwrap();
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut admin)
                    .await
                    .unwrap();
            if !exists {
                let building = format!("{name}_building");
                sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {building}")))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                let store = store::postgres::PgStore::connect(&pg_url_for(&building)).await.unwrap();
                baton::store::Store::migrate(&store).await.unwrap();
                store.close().await;
                drop(store);
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{building}'"
                )))
                .execute(&mut admin)
                .await
                .unwrap();
                sqlx::query(AssertSqlSafe(format!("ALTER DATABASE {building} RENAME TO {name}")))
                    .execute(&mut admin)
                    .await
                    .unwrap();
            }
            sqlx::query("SELECT pg_advisory_unlock(727274)").execute(&mut admin).await.unwrap();
            name
        })
        .await
}

/// A fresh, migrated database, removed when dropped.
pub enum TestDb {
    Sqlite {
        dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        name: String,
    },
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                // A folder that does not exist yet: Baton creates it.
                let path = dir.path().join("data").join("baton.db");
                TestDb::Sqlite { dir, path }
            }
            Backend::Postgres => {
                let template = pg_template().await;
                let name = format!("baton_test_{:016x}", rand::random::<u64>());
                let mut admin = pg_admin().await;
                let create = format!("CREATE DATABASE {name} TEMPLATE {template}");
                // Cloning fails while another session touches the template: retry.
                let mut tries = 0;
                loop {
                    match sqlx::query(AssertSqlSafe(create.clone()))
                        .execute(&mut admin)
                        .await
                    {
                        Ok(_) => break,
                        Err(err) if tries < 50 => {
                            tries += 1;
                            eprintln!("retrying CREATE DATABASE: {err}");
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        }
                        Err(err) => panic!("cannot create a test database: {err}"),
                    }
                }
                TestDb::Postgres { name }
            }
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            TestDb::Postgres { name } => pg_url_for(name),
        }
    }

    /// A store on this database, migrated.
    pub async fn store(&self) -> SharedStore {
        let store = store::connect(&self.url().parse().unwrap()).await.unwrap();
        store.migrate().await.unwrap();
        store
    }

    /// Cuts the database off from Baton without stopping either.
    pub async fn make_unreachable(&self) {
        match self {
            TestDb::Sqlite { dir, path } => {
                std::fs::rename(path, dir.path().join("moved-away.db")).unwrap();
            }
            TestDb::Postgres { name } => {
                let mut admin = pg_admin().await;
                sqlx::query(AssertSqlSafe(format!(
                    "ALTER DATABASE {name} ALLOW_CONNECTIONS false"
                )))
                .execute(&mut admin)
                .await
                .unwrap();
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = $1 AND pid <> pg_backend_pid()",
                )
                .bind(name)
                .execute(&mut admin)
                .await
                .unwrap();
            }
        }
    }

    /// Runs one statement on the database directly (as an operator, or a
    /// tool's re-run, would change a row), with `$1` bound to `id`.
    pub async fn execute(&self, sql: &str, id: i64) {
        match self {
            TestDb::Sqlite { path, .. } => {
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .unwrap();
                sqlx::query(AssertSqlSafe(sql.to_owned()))
                    .bind(id)
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
            TestDb::Postgres { name } => {
                let pool = sqlx::PgPool::connect(&pg_url_for(name)).await.unwrap();
                sqlx::query(AssertSqlSafe(sql.to_owned()))
                    .bind(id)
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
        }
    }

    /// Runs statements on the database directly, one after the other, as
    /// an operator would (a test's own trigger, say).
    pub async fn exec(&self, statements: &[&str]) {
        match self {
            TestDb::Sqlite { path, .. } => {
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .unwrap();
                for sql in statements {
                    sqlx::query(AssertSqlSafe(sql.to_string()))
                        .execute(&pool)
                        .await
                        .unwrap();
                }
                pool.close().await;
            }
            TestDb::Postgres { name } => {
                let pool = sqlx::PgPool::connect(&pg_url_for(name)).await.unwrap();
                for sql in statements {
                    sqlx::query(AssertSqlSafe(sql.to_string()))
                        .execute(&pool)
                        .await
                        .unwrap();
                }
                pool.close().await;
            }
        }
    }

    /// Every text value `sql` selects (one column), read from the database
    /// directly, as an operator (or someone holding a backup) would.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        match self {
            TestDb::Sqlite { path, .. } => {
                let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
                    .await
                    .unwrap();
                let found = sqlx::query_scalar(AssertSqlSafe(sql.to_owned()))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                pool.close().await;
                found
            }
            TestDb::Postgres { name } => {
                let pool = sqlx::PgPool::connect(&pg_url_for(name)).await.unwrap();
                let found = sqlx::query_scalar(AssertSqlSafe(sql.to_owned()))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                pool.close().await;
                found
            }
        }
    }

    /// Undoes [`TestDb::make_unreachable`].
    pub async fn restore(&self) {
        match self {
            TestDb::Sqlite { dir, path } => {
                std::fs::rename(dir.path().join("moved-away.db"), path).unwrap();
            }
            TestDb::Postgres { name } => {
                let mut admin = pg_admin().await;
                sqlx::query(AssertSqlSafe(format!(
                    "ALTER DATABASE {name} ALLOW_CONNECTIONS true"
                )))
                .execute(&mut admin)
                .await
                .unwrap();
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { name } = self {
            let name = std::mem::take(name);
            // Drop runs outside async: a short-lived runtime of its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(async {
                        if let Ok(mut admin) = PgConnection::connect(&pg_admin_url()).await {
                            let _ = sqlx::query(AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .execute(&mut admin)
                            .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// How long a test waits for any one answer, body included: a stall fails
/// the test at the request that stalled instead of hanging the run.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A client for machine callers (no cookies, no origin), with the same
/// patience as [`TestApp::browser`].
pub fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}

/// Every test person's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// A Baton serving on a free port of 127.0.0.1, stopped when dropped.
/// `client` is signed in as an administrator (`admin_id`); `as_new` signs
/// in others.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub admin_id: i64,
    pub store: SharedStore,
    pub clock: Arc<ManualClock>,
    pub db: TestDb,
    _stop: tokio::sync::oneshot::Sender<()>,
    _site: tempfile::TempDir,
}

impl TestApp {
    /// The address it listens on.
    pub fn address(&self) -> std::net::SocketAddr {
        self.base.trim_start_matches("http://").parse().unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The folder Baton serves its site (bundle, styles, icons) from.
    pub fn site(&self) -> &std::path::Path {
        self._site.path()
    }

    /// A client as a browser on Baton's pages is: it keeps cookies and says
    /// where its requests come from. Not signed in; redirects not followed.
    pub fn browser(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(reqwest::header::ORIGIN, self.base.parse().unwrap());
        reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap()
    }

    /// Signs `client` in through the sign-in form's endpoint (JSON answer).
    pub async fn sign_in(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/sign-in"))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .unwrap()
    }

    /// Creates a person with `role` (password [`PASSWORD`]) and a client
    /// signed in as them.
    pub async fn as_new(&self, email: &str, role: Role) -> (reqwest::Client, i64) {
        let id = create_person(&self.store, &*self.clock, email, role).await;
        let client = self.browser();
        let res = self.sign_in(&client, email, PASSWORD).await;
        assert_eq!(
            res.status(),
            reqwest::StatusCode::OK,
            "signing in as {email}"
        );
        (client, id)
    }

    /// Waits until every kept delivery is turned into its run (at most
    /// 20 s: the processor is woken by each commit).
    pub async fn settle(&self) {
        for _ in 0..4000 {
            if self.store.count_pending_deliveries().await.unwrap() == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("deliveries still pending after 20 s");
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GETs `path`, which must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), reqwest::StatusCode::OK, "{path}");
        res.json().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Adds an automation through the API; it must be accepted.
    pub async fn add_automation(&self, body: serde_json::Value) -> serde_json::Value {
        let res = self.post_json("/api/v1/automations", &body).await;
        assert_eq!(res.status(), reqwest::StatusCode::CREATED, "{body}");
        res.json().await.unwrap()
    }

    /// Sets automation `id`'s expected schedule; it must be accepted.
    pub async fn set_schedule(&self, id: &serde_json::Value, schedule: serde_json::Value) {
        let res = self
            .put_json(&format!("/api/v1/automations/{id}/schedule"), &schedule)
            .await;
        let status = res.status();
        assert_eq!(
            status,
            reqwest::StatusCode::OK,
            "{schedule}: {}",
            res.text().await.unwrap()
        );
    }

    /// Registers an orchestration through the API; it must be accepted.
    pub async fn add_orchestration(&self, body: serde_json::Value) -> serde_json::Value {
        let res = self.post_json("/api/v1/orchestrations", &body).await;
        assert_eq!(res.status(), reqwest::StatusCode::CREATED, "{body}");
        res.json().await.unwrap()
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.client.delete(self.url(path)).send().await.unwrap()
    }

    pub async fn put_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

/// Creates a person who can sign in with [`PASSWORD`].
pub async fn create_person(
    store: &SharedStore,
    clock: &dyn baton::clock::Clock,
    email: &str,
    role: Role,
) -> i64 {
    let account = baton::accounts::NewAccount {
        email: email.to_owned(),
        display_name: email.split('@').next().unwrap_or(email).to_owned(),
        role,
        password: baton::accounts::password::Password::new(PASSWORD),
    };
    let author = baton::audit::Author::command_line();
    baton::accounts::create_account(&**store, clock, &author, account)
        .await
        .unwrap()
}

/// Parses options as `baton` would from these flags.
pub fn config(args: &[&str]) -> Config {
    let mut argv = vec!["baton"];
    argv.extend_from_slice(args);
    Config::from_options(&Cli::try_parse_from(argv).unwrap().options, None).unwrap()
}

/// A Baton signed in as an administrator.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// [`spawn_app`] with more command-line options.
pub async fn spawn_app_with(backend: Backend, options: &[&str]) -> TestApp {
    let mut app = start(backend, options).await;
    let (client, admin_id) = app.as_new("admin@example.com", Role::Admin).await;
    app.client = client;
    app.admin_id = admin_id;
    app
}

/// A Baton on its first run: nobody has an account; `client` is anonymous.
pub async fn spawn_without_people(backend: Backend) -> TestApp {
    start(backend, &[]).await
}

async fn start(backend: Backend, options: &[&str]) -> TestApp {
    let db = TestDb::new(backend).await;
    let site = tempfile::tempdir().unwrap();
    let url = db.url();
    let mut args = vec![
        "--addr",
        "127.0.0.1:0",
        "--database-url",
        &url,
        "--site-root",
        site.path().to_str().unwrap(),
        "--max-body",
        "1048576",
    ];
    // The tests' alert receivers listen on 127.0.0.1: private targets are
    // allowed unless a test says otherwise.
    if !options
        .iter()
        .any(|o| o.starts_with("--allow-private-targets"))
    {
        args.push("--allow-private-targets");
    }
    args.extend_from_slice(options);
    let config = config(&args);
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap(),
    ));
    let app = Application::build(config, clock.clone()).await.unwrap();
    let addr = app.local_addr().unwrap();
    let store = app.state().store.clone();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stop_rx.await;
    }));
    let mut app = TestApp {
        base: format!("http://{addr}"),
        client: plain_client(),
        admin_id: 0,
        store,
        clock,
        db,
        _stop: stop_tx,
        _site: site,
    };
    app.client = app.browser();
    app
}

/// The real `baton serve` process on a free port of 127.0.0.1, killed when
/// dropped.
pub struct Process {
    pub child: std::process::Child,
    pub addr: std::net::SocketAddr,
    /// Every line it has logged to stderr so far.
    pub log: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `baton serve` on `database_url` with its site at `site`, and
/// waits until it says where it listens.
pub fn serve(database_url: &str, site: &std::path::Path) -> Process {
    serve_with(database_url, site, &[])
}

/// [`serve`] with more command-line options.
pub fn serve_with(database_url: &str, site: &std::path::Path, options: &[&str]) -> Process {
    use std::io::BufRead as _;
    // Its alert receivers, as the tests' own, listen on 127.0.0.1.
    let private = (!options
        .iter()
        .any(|o| o.starts_with("--allow-private-targets")))
    .then_some("--allow-private-targets");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["serve", "--addr", "127.0.0.1:0", "--log-format", "text"])
        .args(private)
        .args(options)
        .arg("--database-url")
        .arg(database_url)
        .arg("--site-root")
        .arg(site)
        .env_remove("BATON_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .env("BATON_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = log.clone();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            kept.lock().unwrap().push(line.clone());
            if !sent && let Some(rest) = line.split("listening on http://").nth(1) {
                let addr: std::net::SocketAddr =
                    rest.split_whitespace().next().unwrap().parse().unwrap();
                tx.send(addr).unwrap();
                sent = true;
            }
        }
    });
    let addr = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("baton did not start");
    Process { child, addr, log }
}

/// An automation named `name` (in `team`) written straight into `store`,
/// as the command line would, for tests that run Baton as a process: its
/// id and ping key.
pub async fn stored_automation(
    store: &SharedStore,
    name: &str,
    team: Option<i64>,
) -> (i64, String) {
    let fields = app::model::inventory::AutomationFields {
        tool: app::model::inventory::Tool::Cron,
        external_id: format!("{}.sh", name.to_lowercase().replace(' ', "-")),
        url: String::new(),
        name: name.into(),
        description: String::new(),
        owner_id: None,
        team_id: team,
        failure_mode: String::new(),
        orchestration_id: None,
        minutes_saved_per_run: None,
        runs_per_week: None,
    };
    let now = Utc::now();
    let audit = baton::audit::Author::command_line().did(
        now,
        "automation.created",
        "automation",
        None,
        name,
    );
    let automation = store.create_automation(&fields, now, &audit).await.unwrap();
    let key = store.ping_key(automation.id).await.unwrap().unwrap();
    (automation.id, key)
}
