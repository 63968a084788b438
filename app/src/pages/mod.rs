//! One module per screen.

pub mod account;
pub mod account_settings;
pub mod audit;
pub mod automation;
pub mod channels;
pub mod dashboard;
pub mod deliveries;
pub mod import;
pub mod incidents;
pub mod inventory;
pub mod leverage;
pub mod not_found;
pub mod orchestration;
pub mod orchestration_edit;
pub mod orchestrations;
pub mod people;
pub mod reviews;
pub mod runbook;
pub mod sources;
