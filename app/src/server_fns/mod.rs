//! The screens' server functions, one file per area. Each is mounted under
//! `/rpc/` so it can never collide with the public API under `/api/`.

pub mod editing;
pub mod inventory;
pub mod orchestrations;
