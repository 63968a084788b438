//! Checking that a webhook comes from whoever holds the source's secret, on
//! the raw bytes as they arrived, before anything parses them. Every
//! comparison of a secret or a signature takes the same time whatever the
//! bytes: HMAC tags through `Mac::verify_slice`, tokens through
//! [`same_bytes`].
//!
//! A source may hold several secrets at once (during a rotation); a
//! delivery that verifies with any of them is taken.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use chrono::{DateTime, Utc};
use hmac::{KeyInit as _, Mac as _};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// How far a Standard Webhooks timestamp may be from the clock, either way.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

/// Base64 as the Standard Webhooks libraries read secrets: padded or not,
/// and unused low bits of the last symbol not required to be zero.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The prefix of a Standard Webhooks secret.
pub const STANDARD_SECRET_PREFIX: &str = "whsec_";

/// Why a delivery was not taken: the reason of the 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unverified(pub String);

impl Unverified {
    fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }
}

/// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`,
/// keyed with the secret's UTF-8 bytes.
pub fn github(signature: Option<&str>, body: &[u8], secrets: &[String]) -> Result<(), Unverified> {
    let signature = signature.ok_or_else(|| {
        Unverified::new("the X-Hub-Signature-256 header is missing: set the webhook's secret")
    })?;
    let tag = signature
        .strip_prefix("sha256=")
        .and_then(|hex| decode_hex(hex.trim()))
        .ok_or_else(|| Unverified::new("the X-Hub-Signature-256 header is not sha256=<hex>"))?;
    let valid = secrets.iter().any(|secret| {
        let mut mac = hmac_with(secret.as_bytes());
        mac.update(body);
        mac.verify_slice(&tag).is_ok()
    });
    if valid {
        Ok(())
    } else {
        Err(Unverified::new(
            "the X-Hub-Signature-256 signature does not match the source's secret",
        ))
    }
}

/// GitLab: the secret token itself, in `X-Gitlab-Token`.
pub fn gitlab(token: Option<&str>, secrets: &[String]) -> Result<(), Unverified> {
    let token = token.ok_or_else(|| {
        Unverified::new("the X-Gitlab-Token header is missing: set the webhook's secret token")
    })?;
    // Every secret is compared, so the time taken does not say which matched.
    let matches = secrets.iter().fold(false, |found, secret| {
        same_bytes(token.as_bytes(), secret.as_bytes()) | found
    });
    if matches {
        Ok(())
    } else {
        Err(Unverified::new(
            "the X-Gitlab-Token does not match the source's secret token",
        ))
    }
}

/// The headers of a Standard Webhooks delivery.
#[derive(Debug, Clone, Copy, Default)]
pub struct StandardHeaders<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// Standard Webhooks: `webhook-signature` holds space-separated `v1,<base64
/// HMAC-SHA256 of "<id>.<timestamp>.<body>">` entries, keyed with the
/// base64-decoded secret (after `whsec_`); any `v1` entry that matches
/// will do, others are ignored. `webhook-timestamp` must be within
/// [`TOLERANCE_SECONDS`] of `now`.
pub fn standard(
    headers: StandardHeaders<'_>,
    body: &[u8],
    secrets: &[String],
    now: DateTime<Utc>,
) -> Result<(), Unverified> {
    let missing = |name: &str| Unverified::new(format!("the {name} header is missing"));
    let id = headers.id.ok_or_else(|| missing("webhook-id"))?;
    let timestamp = headers
        .timestamp
        .ok_or_else(|| missing("webhook-timestamp"))?;
    let signature = headers
        .signature
        .ok_or_else(|| missing("webhook-signature"))?;
    let seconds: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| Unverified::new("the webhook-timestamp header is not a number of seconds"))?;
    let off = now.timestamp().saturating_sub(seconds);
    if off.abs() > TOLERANCE_SECONDS {
        let when = if off > 0 { "old" } else { "far in the future" };
        return Err(Unverified::new(format!(
            "the webhook-timestamp is {} s {when}: more than {TOLERANCE_SECONDS} s from Baton's clock",
            off.abs()
        )));
    }
    let tags: Vec<Vec<u8>> = signature
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|tag| STANDARD.decode(tag).ok())
        .collect();
    let keys: Vec<Vec<u8>> = secrets.iter().filter_map(|s| standard_key(s)).collect();
    let valid = keys.iter().any(|key| {
        tags.iter().any(|tag| {
            let mut mac = hmac_with(key);
            mac.update(id.as_bytes());
            mac.update(b".");
            mac.update(timestamp.as_bytes());
            mac.update(b".");
            mac.update(body);
            mac.verify_slice(tag).is_ok()
        })
    });
    if valid {
        Ok(())
    } else {
        Err(Unverified::new(
            "no v1 entry of the webhook-signature header matches the source's secret",
        ))
    }
}

/// The HMAC key of a Standard Webhooks secret: base64 after an optional
/// `whsec_`, padded or not. `None` when empty or not base64.
pub fn standard_key(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret
        .strip_prefix(STANDARD_SECRET_PREFIX)
        .unwrap_or(secret);
    if encoded.trim_end_matches('=').is_empty() {
        return None;
    }
    LENIENT.decode(encoded).ok()
}

/// The `webhook-signature` header Baton sends with what it posts: a
/// Standard Webhooks `v1` signature of `id.timestamp.body` with `key`.
pub fn sign_standard(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = hmac_with(key);
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

fn hmac_with(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length.
    #[expect(clippy::expect_used, reason = "HMAC accepts keys of every length")]
    HmacSha256::new_from_slice(key).expect("HMAC takes any key length")
}

/// Whether two byte strings are equal, in a time that depends only on
/// their lengths.
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fixture(path: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/webhooks/{path}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn text<'a>(v: &'a Value, key: &str) -> &'a str {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} is not text in {v}"))
    }

    #[test]
    fn the_github_documentation_vector_verifies_and_a_changed_byte_does_not() {
        let vectors = fixture("github-signature/signature-vectors.json");
        for v in vectors["vectors"].as_array().into_iter().flatten() {
            let secret = vec![text(v, "secret").to_owned()];
            let body = text(v, "body").as_bytes();
            let header = text(v, "expected_X-Hub-Signature-256");
            assert_eq!(github(Some(header), body, &secret), Ok(()));
            let mut changed = body.to_vec();
            changed[0] ^= 1;
            assert!(github(Some(header), &changed, &secret).is_err());
            let other = vec!["another secret".to_owned()];
            assert!(github(Some(header), body, &other).is_err());
            // Either secret of a rotation will do.
            let both = vec!["another secret".to_owned(), secret[0].clone()];
            assert_eq!(github(Some(header), body, &both), Ok(()));
        }
    }

    #[test]
    fn captured_github_deliveries_verify_on_their_raw_bytes() {
        let vectors = fixture("github-signature/signature-vectors.json");
        let captured = &vectors["captured_real_deliveries"];
        let secret = vec![text(captured, "secret").to_owned()];
        let files = captured["files"].as_array().cloned().unwrap_or_default();
        assert_eq!(files.len(), 3);
        for file in files {
            let name = file.as_str().unwrap_or_default().trim_start_matches("../");
            let delivery = fixture(name);
            let body = STANDARD
                .decode(text(&delivery, "body_raw_base64"))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let header = text(&delivery["headers"], "x-hub-signature-256");
            assert_eq!(github(Some(header), &body, &secret), Ok(()), "{name}");
            // Re-serialised JSON is not the bytes that were signed.
            let parsed: Value = serde_json::from_slice(&body).unwrap_or_default();
            let reserialised = serde_json::to_vec(&parsed).unwrap_or_default();
            assert!(
                github(Some(header), &reserialised, &secret).is_err(),
                "{name}"
            );
        }
    }

    #[test]
    fn a_github_delivery_without_or_with_a_malformed_signature_is_refused_with_the_reason() {
        let secrets = vec!["s".to_owned()];
        let missing = github(None, b"{}", &secrets).unwrap_err();
        assert!(missing.0.contains("missing"), "{missing:?}");
        for header in ["sha1=abcd", "sha256=zz", "sha256=abc", ""] {
            let bad = github(Some(header), b"{}", &secrets).unwrap_err();
            assert!(bad.0.contains("sha256=<hex>"), "{header}: {bad:?}");
        }
        assert!(github(Some("sha256=00"), b"{}", &secrets).is_err());
        // No secret set: nothing verifies.
        let vectors = fixture("github-signature/signature-vectors.json");
        let v = &vectors["vectors"][0];
        let header = text(v, "expected_X-Hub-Signature-256");
        assert!(github(Some(header), text(v, "body").as_bytes(), &[]).is_err());
    }

    #[test]
    fn a_gitlab_token_must_equal_one_of_the_secrets() {
        let secrets = vec!["old token".to_owned(), "new token".to_owned()];
        assert_eq!(gitlab(Some("new token"), &secrets), Ok(()));
        assert_eq!(gitlab(Some("old token"), &secrets), Ok(()));
        assert!(gitlab(Some("new toke"), &secrets).is_err());
        assert!(gitlab(Some("new tokens"), &secrets).is_err());
        assert!(gitlab(Some(""), &secrets).is_err());
        assert!(gitlab(None, &secrets).unwrap_err().0.contains("missing"));
    }

    fn at(seconds: &str) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds.parse().unwrap_or_default(), 0).unwrap_or_default()
    }

    #[test]
    fn the_standard_webhooks_vectors_verify_at_their_timestamps() {
        let vectors = fixture("standard-webhooks/signature-vectors.json");
        let list = vectors["vectors"].as_array().cloned().unwrap_or_default();
        assert_eq!(list.len(), 2);
        for v in list {
            let secret = vec![text(&v, "secret").to_owned()];
            let headers = StandardHeaders {
                id: Some(text(&v, "webhook-id")),
                timestamp: Some(text(&v, "webhook-timestamp")),
                signature: Some(text(&v, "expected_signature")),
            };
            let body = text(&v, "body").as_bytes();
            let now = at(text(&v, "webhook-timestamp"));
            assert_eq!(standard(headers, body, &secret, now), Ok(()));
            // Within the tolerance either way, and not beyond it.
            let edge = chrono::TimeDelta::seconds(TOLERANCE_SECONDS);
            assert_eq!(standard(headers, body, &secret, now + edge), Ok(()));
            assert_eq!(standard(headers, body, &secret, now - edge), Ok(()));
            let late = standard(
                headers,
                body,
                &secret,
                now + edge + chrono::TimeDelta::seconds(1),
            );
            assert!(late.unwrap_err().0.contains("s old"));
            let early = standard(
                headers,
                body,
                &secret,
                now - edge - chrono::TimeDelta::seconds(1),
            );
            assert!(early.unwrap_err().0.contains("future"));
            // The id and the timestamp are signed too.
            let other_id = StandardHeaders {
                id: Some("msg_other"),
                ..headers
            };
            assert!(standard(other_id, body, &secret, now).is_err());
        }
    }

    #[test]
    fn the_official_invalid_signatures_and_decoys_are_refused() {
        let vectors = fixture("standard-webhooks/signature-vectors.json");
        let v = &vectors["vectors"][0];
        let secret = vec![text(v, "secret").to_owned()];
        let body = text(v, "body").as_bytes();
        let now = at(text(v, "webhook-timestamp"));
        let headers = |signature| StandardHeaders {
            id: Some(text(v, "webhook-id")),
            timestamp: Some(text(v, "webhook-timestamp")),
            signature: Some(signature),
        };
        let invalid = vectors["invalid_signature_values_from_official_tests"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(invalid.len(), 5);
        for case in &invalid {
            let value = text(case, "value");
            assert!(
                standard(headers(value), body, &secret, now).is_err(),
                "{value}"
            );
        }
        let decoys = &vectors["multi_signature_header_decoys_from_official_tests"];
        let python: Vec<&str> = decoys["python_decoys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let only_decoys = python.join(" ");
        assert!(standard(headers(&only_decoys), body, &secret, now).is_err());
        // Any v1 entry that matches will do, wherever it is in the list.
        let with_real = format!("{only_decoys} {}", text(v, "expected_signature"));
        assert_eq!(standard(headers(&with_real), body, &secret, now), Ok(()));
        // A matching tag under another version is not taken.
        let v2 = text(v, "expected_signature").replacen("v1,", "v2,", 1);
        assert!(standard(headers(&v2), body, &secret, now).is_err());
    }

    #[test]
    fn standard_webhooks_secrets_parse_with_or_without_prefix_or_padding() {
        let vectors = fixture("standard-webhooks/signature-vectors.json");
        let cases = &vectors["secret_parsing_cases_from_official_tests"];
        let bare = text(cases, "accept_with_or_without_whsec_prefix");
        assert_eq!(standard_key(bare), standard_key(&format!("whsec_{bare}")));
        assert!(standard_key(bare).is_some());
        assert!(standard_key(text(cases, "unpadded_needs_one_pad")).is_some());
        assert!(standard_key(text(cases, "unpadded_needs_two_pad")).is_some());
        for empty in cases["must_reject_empty"].as_array().into_iter().flatten() {
            assert_eq!(standard_key(empty.as_str().unwrap_or("x")), None);
        }
        // Without any secret, or a missing header, nothing verifies.
        let v = &vectors["vectors"][0];
        let headers = StandardHeaders {
            id: Some(text(v, "webhook-id")),
            timestamp: Some(text(v, "webhook-timestamp")),
            signature: Some(text(v, "expected_signature")),
        };
        let now = at(text(v, "webhook-timestamp"));
        assert!(standard(headers, text(v, "body").as_bytes(), &[], now).is_err());
        let no_id = StandardHeaders {
            id: None,
            ..headers
        };
        let why = standard(no_id, text(v, "body").as_bytes(), &[], now).unwrap_err();
        assert!(why.0.contains("webhook-id"), "{why:?}");
    }

    #[test]
    fn same_bytes_compares_whole_strings() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"ab"));
        assert!(same_bytes(b"", b""));
    }
}
