//! Baton's integration tests: one binary, a real server on a free port and
//! a real database per test, on SQLite and on PostgreSQL.

#![expect(
    clippy::unwrap_used,
    reason = "a test that cannot set up must fail loudly"
)]

mod accounts;
mod audit;
mod automations;
mod cli;
mod connections;
mod crash;
mod dashboard_week;
mod deliveries;
mod dependencies;
mod dropin;
mod exec;
mod healing;
mod health;
mod helpers;
mod history;
mod incidents;
mod ingestion;
mod instances;
mod inventory_plans;
mod leverage;
mod limits;
mod live;
mod monitor_import;
mod nul;
mod orchestrations;
mod people;
mod permissions;
mod ping_keys;
mod poison;
mod review_flow;
mod reviews;
mod runbooks;
mod schedules;
mod screens;
mod security;
mod sessions;
mod shutdown;
mod store_contract;
mod transfer;
mod vitals;
mod webhooks;
