//! opsdeck: a terminal operations console for the people who get paged.

pub mod app;
pub mod check;
pub mod cli;
pub mod config;
pub mod console;
pub mod executor;
pub mod handover;
pub mod input;
pub mod launch;
pub mod logging;
pub mod model;
pub mod runbook;
pub mod runtime;
pub mod screenshots;
pub mod silence;
pub mod sim;
pub mod sources;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod wizard;
