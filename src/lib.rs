//! opsdeck: a terminal operations console for the people who get paged.

pub mod app;
pub mod cli;
pub mod config;
pub mod runbook;
pub mod sources;
pub mod sim;
