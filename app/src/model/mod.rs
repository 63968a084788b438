//! The domain types the screens and the server share, with the validation
//! both apply: the browser to help early, the server to decide.

pub mod accounts;
pub mod audit;
pub mod catalog;
pub mod dependencies;
pub mod errors;
pub mod forms;
pub mod health;
pub mod incidents;
pub mod ingestion;
pub mod inventory;
pub mod leverage;
pub mod people;
pub mod ping;
pub mod received;
pub mod reviews;
pub mod runbooks;
pub mod schedule;
pub mod transfer;
pub mod window;
