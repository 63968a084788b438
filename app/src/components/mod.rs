//! Pieces shared by every screen.

pub mod automations;
pub mod graph;
pub mod layout;
