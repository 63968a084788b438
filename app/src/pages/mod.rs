//! One module per screen.

pub mod inventory;
pub mod not_found;
pub mod orchestration;
pub mod orchestrations;
pub mod placeholder;
