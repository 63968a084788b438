//! One module per screen.

pub mod not_found;
pub mod orchestrations;
pub mod placeholder;
