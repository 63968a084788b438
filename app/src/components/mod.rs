//! Pieces shared by every screen.

pub mod layout;
