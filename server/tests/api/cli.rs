//! The `baton` command line, run as a user would run it.

use std::process::Command;

fn baton() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_baton"));
    for var in [
        "BATON_DATABASE_URL",
        "DATABASE_URL",
        "BATON_ADDR",
        "BATON_PUBLIC_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn help_documents_every_option_and_its_variable() {
    let out = baton().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for (flag, var) in [
        ("--addr", "BATON_ADDR"),
        ("--database-url", "BATON_DATABASE_URL"),
        ("--public-url", "BATON_PUBLIC_URL"),
        ("--trusted-proxies", "BATON_TRUSTED_PROXIES"),
        ("--site-root", "BATON_SITE_ROOT"),
        ("--request-timeout", "BATON_REQUEST_TIMEOUT"),
        ("--shutdown-grace", "BATON_SHUTDOWN_GRACE"),
        ("--max-body", "BATON_MAX_BODY"),
        ("--log", "BATON_LOG"),
        ("--log-format", "BATON_LOG_FORMAT"),
    ] {
        assert!(help.contains(flag), "{flag} missing from --help:\n{help}");
        assert!(
            help.contains(&format!("env: {var}")),
            "{var} missing from --help:\n{help}"
        );
    }
    for text in [
        "serve",
        "migrate",
        "DATABASE_URL",
        "sqlite://data/baton.db",
        "127.0.0.1:3000",
    ] {
        assert!(help.contains(text), "{text} missing from --help:\n{help}");
    }
}

#[test]
fn a_bad_database_url_is_one_line_and_exit_status_2() {
    for (url, says) in [
        (
            "mysql://root@localhost/baton",
            "the scheme `mysql` is not supported",
        ),
        ("baton.db", "expected sqlite://PATH"),
    ] {
        let out = baton()
            .env("BATON_DATABASE_URL", url)
            .arg("serve")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{url}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("baton: invalid database URL"),
            "{stderr}"
        );
        assert!(stderr.contains(says), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // DATABASE_URL is read too, and refused the same way.
    let out = baton()
        .env("DATABASE_URL", "redis://x")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn other_bad_options_exit_2_too() {
    let out = baton()
        .args(["--public-url", "baton.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("invalid public URL")
    );
    let out = baton().args(["--addr", "not-an-address"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

fn migrate(database_url: &str) -> std::process::Output {
    baton()
        .args(["migrate", "--database-url", database_url])
        .output()
        .unwrap()
}

#[test]
fn migrate_creates_the_sqlite_file_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/folder/baton.db");
    let url = format!("sqlite://{}", path.display());
    let out = migrate(&url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(path.exists());
    // Again: nothing to do, still fine.
    assert!(migrate(&url).status.success());
}

#[test]
fn an_unreachable_postgres_fails_with_a_clear_message() {
    let out = baton()
        .args([
            "migrate",
            "--database-url",
            "postgres://root@127.0.0.1:1/nothing",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("cannot connect to PostgreSQL"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Runs `baton user create` with `stdin` as its standard input.
fn user_create(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = baton()
        .args(["--database-url", database_url, "user", "create"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[rstest::rstest]
#[case::sqlite(crate::helpers::Backend::Sqlite)]
#[case::postgres(crate::helpers::Backend::Postgres)]
#[tokio::test]
async fn user_create_takes_the_password_from_stdin_never_from_a_flag(
    #[case] backend: crate::helpers::Backend,
) {
    use baton::accounts::password::{Password, verify};
    let db = crate::helpers::TestDb::new(backend).await;
    let url = db.url();
    let store = db.store().await;
    let admin = [
        "--email",
        " Ada@Example.com ",
        "--name",
        "Ada Lovelace",
        "--role",
        "admin",
    ];

    // A password flag does not exist: clap refuses it, nothing is created.
    let out = baton()
        .args([
            "--database-url",
            &url,
            "user",
            "create",
            "--email",
            "a@b.co",
            "--password",
            "x",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--password"));

    // No password, then a short one: refused with the reason, nothing created.
    let out = user_create(&url, &admin, "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no password on standard input"));
    let out = user_create(&url, &admin, "short\n");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("password: use at least 12 characters"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = user_create(
        &url,
        &["--email", "not-an-email"],
        "a long enough password\n",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("email: give an email address"));
    assert_eq!(store.count_users().await.unwrap(), 0);

    let out = user_create(&url, &admin, "correct horse battery staple\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.starts_with("Created admin ada@example.com (user "),
        "{said}"
    );

    // Stored lower-case, as an admin, with an argon2id hash of that password.
    let found = store.credentials("ada@example.com").await.unwrap().unwrap();
    assert_eq!(
        (
            found.display_name.as_str(),
            found.role.as_str(),
            found.active
        ),
        ("Ada Lovelace", "admin", true)
    );
    let hash = found.password_hash.clone().unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert!(
        verify(
            Password::new("correct horse battery staple"),
            Some(hash.clone())
        )
        .await
        .unwrap()
    );
    assert!(
        !verify(Password::new("wrong horse battery staple"), Some(hash))
            .await
            .unwrap()
    );

    // The same email again is refused; still one person.
    let out = user_create(
        &url,
        &["--email", "ada@example.com"],
        "another long password\n",
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ada@example.com already has an account")
    );
    assert_eq!(store.count_users().await.unwrap(), 1);
}

#[rstest::rstest]
#[case::sqlite(crate::helpers::Backend::Sqlite)]
#[case::postgres(crate::helpers::Backend::Postgres)]
#[tokio::test]
async fn token_create_prints_a_working_token_once(#[case] backend: crate::helpers::Backend) {
    let db = crate::helpers::TestDb::new(backend).await;
    let url = db.url();
    let store = db.store().await;
    let token_create = |args: &[&str]| {
        baton()
            .args(["--database-url", &url, "token", "create"])
            .args(args)
            .output()
            .unwrap()
    };
    // Nobody with that email: refused, nothing made.
    let out = token_create(&["--user", "ada@example.com", "--scope", "read"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody has the email ada@example.com"));
    let out = token_create(&["--user", "ada@example.com", "--scope", "admin"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown scope is a usage error"
    );

    let out = user_create(
        &url,
        &["--email", "ada@example.com", "--role", "editor"],
        "correct horse battery staple\n",
    );
    assert!(out.status.success());
    let out = token_create(&[
        "--user",
        " Ada@example.com",
        "--scope",
        "write",
        "--name",
        "provisioning",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(
        token.starts_with("baton_"),
        "only the token on stdout: {token}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("shown only now"));

    let ada = store
        .credentials("ada@example.com")
        .await
        .unwrap()
        .unwrap()
        .id;
    let kept = store.api_tokens(Some(ada)).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].name.as_str(), kept[0].scope.as_str()),
        ("provisioning", "write")
    );
    let clock = baton::clock::SystemClock;
    let (actor, _) = baton::accounts::tokens::authenticate(&*store, &clock, &token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(actor.email, "ada@example.com");
}
