//! The audit log as people read it: who did what, when, from what to what.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One recorded action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `None` for the command line or Baton itself.
    pub actor_id: Option<i64>,
    /// Who it was, as they were named then.
    pub actor_label: String,
    /// What was done, such as `orchestration.updated` or `user.sign_in_failed`.
    pub action: String,
    /// What it was done to: `orchestration`, `automation`, `dependency`,
    /// `user`, `token`, `inventory`, `catalog`.
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    pub subject_label: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// The client address, where it matters (signing in).
    pub client: Option<String>,
}

impl AuditEntry {
    /// The fields whose value changed, with before and after, for updates.
    pub fn changes(&self) -> Vec<(String, String, String)> {
        let (Some(serde_json::Value::Object(before)), Some(serde_json::Value::Object(after))) =
            (&self.before, &self.after)
        else {
            return Vec::new();
        };
        let show = |v: Option<&serde_json::Value>| match v {
            None | Some(serde_json::Value::Null) => "—".to_owned(),
            Some(serde_json::Value::String(s)) if s.is_empty() => "—".to_owned(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter(|k| before.get(*k) != after.get(*k))
            .filter(|k| !matches!(k.as_str(), "version" | "updated_at"))
            .map(|k| (k.clone(), show(before.get(k)), show(after.get(k))))
            .collect()
    }
}

/// What the audit log screen and `/api/v1/audit` narrow the log to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    /// An action, or a prefix of one ending in `.` (`orchestration.`).
    pub action: Option<String>,
    pub actor_id: Option<i64>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<i64>,
    /// From this day (UTC), inclusive.
    pub from: Option<NaiveDate>,
    /// To this day (UTC), inclusive.
    pub to: Option<NaiveDate>,
}

/// One page of the log, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: u64,
    /// From 1.
    pub page: u32,
    pub per_page: u32,
    /// Who can be filtered on: everyone who has an account.
    pub people: Vec<(i64, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_update_lists_only_what_changed() {
        let entry = AuditEntry {
            id: 1,
            at: DateTime::UNIX_EPOCH,
            actor_id: Some(1),
            actor_label: "Ada".to_owned(),
            action: "orchestration.updated".to_owned(),
            subject_kind: "orchestration".to_owned(),
            subject_id: Some(3),
            subject_label: "Payroll".to_owned(),
            before: Some(json!({"name": "Payroll", "tier": 3, "purpose": "", "version": 1})),
            after: Some(json!({"name": "Payroll", "tier": 1, "purpose": "Pay", "version": 2})),
            client: None,
        };
        assert_eq!(
            entry.changes(),
            vec![
                ("purpose".to_owned(), "—".to_owned(), "Pay".to_owned()),
                ("tier".to_owned(), "3".to_owned(), "1".to_owned()),
            ]
        );
    }
}
