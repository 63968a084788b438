//! Passwords: hashed with argon2id at OWASP's parameters (19 MiB, two
//! passes, one lane), always off the async runtime, and verified in the
//! same time whether or not the account exists.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Fewer characters than this is refused.
pub const MIN_LENGTH: usize = 12;
/// More than this is refused (hashing cost grows with the input).
pub const MAX_LENGTH: usize = 1_024;

/// A password as typed: never printed, never logged.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// Why this password cannot be used as a new one, if it cannot.
    pub fn weakness(&self) -> Option<String> {
        let length = self.0.chars().count();
        if length < MIN_LENGTH {
            Some(format!(
                "use at least {MIN_LENGTH} characters (a few words make a good one)"
            ))
        } else if length > MAX_LENGTH {
            Some(format!("use at most {MAX_LENGTH} characters"))
        } else {
            None
        }
    }
}

fn hasher() -> Argon2<'static> {
    // 19 MiB, t = 2, p = 1: the OWASP Password Storage Cheat Sheet's first
    // argon2id setting. The values are within argon2's bounds, so `Params`
    // cannot refuse them; its default is only a fallback for the type.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash to verify against when there is no account, so a missing
/// account costs what a wrong password costs.
static DUMMY: LazyLock<String> = LazyLock::new(|| {
    hash_now(&Password::new(
        "no account has this password, it only spends the time",
    ))
    .unwrap_or_default()
});

fn hash_now(password: &Password) -> Result<String, argon2::password_hash::Error> {
    // 128 random bits from the operating system's generator (through rand's
    // thread-local ChaCha, seeded from it), as the PHC format recommends.
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())?;
    Ok(hasher()
        .hash_password(password.0.as_bytes(), &salt)?
        .to_string())
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) for `password`.
pub async fn hash(password: Password) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await?
        .map_err(|err| anyhow::anyhow!("hashing a password failed: {err}"))
}

/// Password verifications run since the process started, real or dummy:
/// what shows that an unknown account costs the same work as a known one.
static VERIFICATIONS: AtomicU64 = AtomicU64::new(0);

pub fn verifications() -> u64 {
    VERIFICATIONS.load(Ordering::Relaxed)
}

/// Held by the tests that count verifications, so they count only theirs.
#[cfg(test)]
pub(crate) static COUNTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Whether `password` matches `stored`. Without a stored hash (no such
/// account, or one that never set a password) a dummy hash is verified
/// instead and the answer is `false`.
pub async fn verify(password: Password, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let (phc, real) = match stored {
            Some(phc) => (phc, true),
            None => (DUMMY.clone(), false),
        };
        let parsed = PasswordHash::new(&phc)
            .map_err(|err| anyhow::anyhow!("a stored password hash is unreadable: {err}"))?;
        let matches = hasher()
            .verify_password(password.0.as_bytes(), &parsed)
            .is_ok();
        VERIFICATIONS.fetch_add(1, Ordering::Relaxed);
        Ok(real && matches)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_uses_owasp_parameters_and_verifies_only_its_password() {
        let _counting = COUNTING.lock().await;
        let stored = hash(Password::new("correct horse battery staple"))
            .await
            .unwrap_or_default();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(
            verify(
                Password::new("correct horse battery staple"),
                Some(stored.clone())
            )
            .await
            .unwrap_or(false)
        );
        assert!(
            !verify(Password::new("correct horse battery stapler"), Some(stored))
                .await
                .unwrap_or(true)
        );
        // No account: the dummy is verified, and the answer is no even for
        // the dummy's own password.
        let dummy = "no account has this password, it only spends the time";
        assert!(!verify(Password::new(dummy), None).await.unwrap_or(true));
    }

    #[test]
    fn short_and_huge_passwords_are_refused_with_a_reason() {
        assert!(
            Password::new("short")
                .weakness()
                .unwrap_or_default()
                .contains("at least 12")
        );
        assert!(Password::new("x".repeat(2_000)).weakness().is_some());
        assert_eq!(Password::new("twelve chars").weakness(), None);
        assert_eq!(
            format!("{:?}", Password::new("secret secret")),
            "Password(…)"
        );
    }
}
