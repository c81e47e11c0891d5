//! Diagnostics go to a file in the data dir, never to the terminal the UI owns.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::{Mutex, MutexGuard};

use tracing_subscriber::fmt::MakeWriter;

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
        .with_writer(Scrubbed(Mutex::new(file)))
        .try_init();
}

/// The log file, every event through the secret masking stage first.
struct Scrubbed(Mutex<File>);

struct ScrubbedGuard<'a>(MutexGuard<'a, File>);

impl<'a> MakeWriter<'a> for Scrubbed {
    type Writer = ScrubbedGuard<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        ScrubbedGuard(self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Write for ScrubbedGuard<'_> {
    // The formatter hands over one whole event per call.
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0
            .write_all(crate::wizard::secrets::scrub(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
