//! Pieces shared by every screen.

pub mod automations;
pub mod channels;
pub mod charts;
pub mod dependencies;
pub mod form;
pub mod graph;
pub mod health;
pub mod layout;
pub mod leverage;
pub mod live;
pub mod pager;
pub mod runbook;
pub mod runs;
