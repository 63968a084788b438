//! Signing in does the same work whether or not the account exists: a
//! password hash is verified every time (a dummy one for an unknown email),
//! so timing does not tell which emails have accounts. Its own test binary:
//! the count of verifications is per process, and here nothing else runs.

#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot set up must fail loudly"
)]

#[path = "api/helpers.rs"]
#[expect(
    dead_code,
    reason = "the harness is shared with the api tests; this binary uses part of it"
)]
mod helpers;

use std::net::{IpAddr, Ipv4Addr};

use app::model::accounts::Role;
use baton::accounts::password::{Password, verifications};
use baton::accounts::sign_in::{SignInError, sign_in};
use baton::clock::ManualClock;
use chrono::{TimeZone, Utc};

use helpers::{Backend, PASSWORD, TestDb, create_person};

const CLIENT: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));

async fn attempt(
    store: &baton::store::SharedStore,
    clock: &ManualClock,
    email: &str,
    password: &str,
) -> (Result<(), SignInError>, u64) {
    let before = verifications();
    let result = sign_in(&**store, clock, email, Password::new(password), CLIENT)
        .await
        .map(|_| ());
    (result, verifications() - before)
}

#[tokio::test]
async fn every_attempt_verifies_one_hash_known_account_or_not() {
    // One backend after the other: the count is the process's.
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap());
        create_person(&store, &clock, "ada@example.com", Role::Editor).await;
        store
            .insert_user(
                "nopassword@example.com",
                "Imported",
                Role::Viewer,
                baton::clock::Clock::now(&clock),
            )
            .await
            .unwrap();

        let (result, work) = attempt(&store, &clock, "nobody@example.com", PASSWORD).await;
        assert!(matches!(result, Err(SignInError::Refused)), "{backend:?}");
        assert_eq!(
            work, 1,
            "{backend:?}: an unknown email verifies the dummy hash"
        );

        let (result, work) = attempt(&store, &clock, "nopassword@example.com", PASSWORD).await;
        assert!(matches!(result, Err(SignInError::Refused)));
        assert_eq!(work, 1, "{backend:?}: no password set: the dummy hash");

        let (result, work) = attempt(&store, &clock, "ada@example.com", "wrong wrong wrong").await;
        assert!(matches!(result, Err(SignInError::Refused)));
        assert_eq!(
            work, 1,
            "{backend:?}: a wrong password verifies the real hash"
        );

        let (result, work) = attempt(&store, &clock, "ada@example.com", PASSWORD).await;
        assert!(result.is_ok(), "{backend:?}");
        assert_eq!(work, 1);

        // Throttled: refused before any verification, known account or not.
        for email in ["ada@example.com", "nobody@example.com"] {
            for _ in 0..5 {
                let (result, _) = attempt(&store, &clock, email, "wrong wrong wrong").await;
                assert!(result.is_err());
            }
            let (result, work) = attempt(&store, &clock, email, PASSWORD).await;
            assert!(
                matches!(result, Err(SignInError::Throttled)),
                "{backend:?} {email}"
            );
            assert_eq!(work, 0);
        }
    }
}
