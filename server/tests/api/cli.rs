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
