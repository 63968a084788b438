//! People and what they may do.

use serde::{Deserialize, Serialize};

/// What a signed-in person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Leaders: see everything, change nothing.
    Viewer,
    /// Owners: create, and edit what they own or back up.
    Editor,
    /// Everything, including users, teams, keys and settings.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "viewer" => Ok(Role::Viewer),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "{other:?} is not a role: choose viewer, editor or admin"
            )),
        }
    }
}

/// The signed-in person a request acts for, and the rules of what they
/// may change. The server enforces these rules; the screens read them
/// only to hide controls that would be refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

impl Actor {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Registering orchestrations and listing automations: editors and admins.
    pub fn may_create(&self) -> bool {
        self.role != Role::Viewer
    }

    /// Changing what someone owns or backs up: that person (if an editor)
    /// or an admin. `owners` are the owner and backup owner, either unset.
    pub fn may_edit_owned(&self, owners: [Option<i64>; 2]) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Editor => owners.contains(&Some(self.id)),
            Role::Viewer => false,
        }
    }
}

/// What an API token may do: read only, or read and write (within its
/// person's role).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TokenScope::Read => "Read only",
            TokenScope::Write => "Read and write",
        }
    }
}

/// An API token as listed: never the token itself, which is shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub scope: TokenScope,
    /// The token's first characters, to recognise it by.
    pub prefix: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A token just made: the only time its secret is seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    #[serde(flatten)]
    pub details: ApiToken,
    /// The token: send it as `Authorization: Bearer <token>`.
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor {
            id: 7,
            email: "ada@example.com".to_owned(),
            display_name: "Ada".to_owned(),
            role,
        }
    }

    #[test]
    fn editors_change_only_what_they_own_or_back_up() {
        let editor = actor(Role::Editor);
        assert!(editor.may_create());
        assert!(editor.may_edit_owned([Some(7), None]));
        assert!(editor.may_edit_owned([Some(1), Some(7)]));
        assert!(!editor.may_edit_owned([Some(1), Some(2)]));
        assert!(!editor.may_edit_owned([None, None]));
    }

    #[test]
    fn viewers_change_nothing_and_admins_everything() {
        let viewer = actor(Role::Viewer);
        assert!(!viewer.may_create());
        assert!(!viewer.may_edit_owned([Some(7), Some(7)]));
        let admin = actor(Role::Admin);
        assert!(admin.may_create() && admin.is_admin());
        assert!(admin.may_edit_owned([None, None]));
    }

    #[test]
    fn roles_read_from_their_names() {
        for role in [Role::Viewer, Role::Editor, Role::Admin] {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!(
            "owner"
                .parse::<Role>()
                .unwrap_err()
                .contains("viewer, editor or admin")
        );
    }
}
