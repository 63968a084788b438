//! People and teams as the administration screens and `/api/v1` show them.

use serde::{Deserialize, Serialize};

use super::accounts::Role;

/// Someone with an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// `false` once deactivated: they cannot sign in, and own nothing.
    pub active: bool,
    /// The names of their teams.
    pub teams: Vec<String>,
}

/// A team with its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// Member ids and names, by name.
    pub members: Vec<(i64, String)>,
}

/// Everyone and every team.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub people: Vec<PersonView>,
    pub teams: Vec<TeamView>,
}
