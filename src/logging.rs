//! Diagnostics go to a file in the data dir, never to the terminal the UI owns.

use std::fs::OpenOptions;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use crate::config::Paths;

/// Sends `tracing` output to `<data dir>/opsdeck.log` (level from `OPSDECK_LOG`,
/// default `info`). If the file cannot be opened, logging is off: the console
/// still runs.
pub fn init(paths: &Paths) {
    let path = paths.log_file();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = OpenOptions::new().create(true).append(true).open(&path) else {
        return;
    };
    let filter = EnvFilter::try_from_env("OPSDECK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
}
