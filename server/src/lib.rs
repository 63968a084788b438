//! Baton's server: configuration, storage, HTTP and background work.
//! The `baton` binary (`main.rs`) only parses the command line and calls in.

pub mod access;
pub mod accounts;
pub mod allocator;
pub mod audit;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod deliveries;
pub mod exec;
pub mod graph;
pub mod health;
pub mod http;
pub mod incidents;
pub mod ingest;
pub mod inventory;
pub mod leverage;
pub mod monitors;
pub mod people;
pub mod reviews;
pub mod runbooks;
pub mod runs;
pub mod schedule;
pub mod sources;
pub mod spreadsheet;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod transfer;
