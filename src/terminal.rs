//! The terminal's lifecycle. Whatever happens — normal quit, an error that
//! reaches `main`, a panic, SIGTERM, SIGHUP — the terminal is given back.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::DefaultTerminal;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Enters raw mode and the alternate screen. Installs (once) a panic hook that
/// restores the terminal before color-eyre's report is printed, so the report
/// lands on a usable screen. Call after `color_eyre::install()`.
pub fn enter() -> std::io::Result<DefaultTerminal> {
    // ratatui::try_init chains its restoring hook in front of the current one
    // (color-eyre's), which is the order we want.
    let terminal = ratatui::try_init()?;
    ACTIVE.store(true, Ordering::SeqCst);
    Ok(terminal)
}

/// Leaves the alternate screen and raw mode. Safe to call more than once and
/// when the terminal is already gone (after SIGHUP writes fail; that is fine).
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = ratatui::try_restore();
        let _ = std::io::stdout().flush();
    }
}

/// Restores the terminal when dropped: covers early returns with `?`.
pub struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves raw mode and the alternate screen for a command that needs the
/// terminal (the same as `restore`).
pub fn suspend() {
    restore();
    let _ = ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::cursor::Show);
}

/// Enters raw mode and the alternate screen again after `suspend`; the
/// screen is cleared; the caller makes the next draw a full one.
pub fn resume() -> std::io::Result<()> {
    use ratatui::crossterm::{execute, terminal};
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        std::io::stdout(),
        terminal::EnterAlternateScreen,
        terminal::Clear(terminal::ClearType::All)
    )?;
    Ok(())
}
