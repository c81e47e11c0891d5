//! The console's loop: terminal events and source messages in, `update`,
//! then one draw when something changed. The loop fits on one screen.

use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr};
use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::app::{App, Effect, Msg};
use crate::config::Paths;
use crate::runtime::Sources;

/// Frames are at least this far apart: a log flood redraws ~60 times a second, not per line.
const FRAME_GAP: Duration = Duration::from_millis(16);
/// Messages waiting for the loop; sources wait (bounded) when the console is behind.
pub const CHANNEL_CAPACITY: usize = 1024;

/// Runs the console until the operator quits; `first` are effects to carry out
/// once the sources run (those of `opsdeck run`'s procedure).
pub async fn run(mut app: App, paths: Paths, started: Instant, first: Vec<Effect>) -> Result<()> {
    let (tx, mut rx) = mpsc::channel::<Msg>(CHANNEL_CAPACITY);
    let mut sources = Sources::start(&app.profile, &app.kube, tx.clone());
    let mut terminal = crate::terminal::enter().wrap_err("cannot set up the terminal")?;
    let _guard = crate::terminal::RestoreGuard;
    let size = terminal.size()?;
    let mut effects = first;
    effects.extend(app.update(Msg::Resize(size.width, size.height), jiff::Timestamp::now()));
    crate::runtime::run_effects(effects, &mut app, &mut sources, &paths, &tx);

    let mut events = EventStream::new();
    let mut hangup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut last_draw: Option<Instant> = None;

    while !app.quit {
        if app.dirty && last_draw.is_none_or(|t| t.elapsed() >= FRAME_GAP) {
            terminal.draw(|f| crate::ui::draw(f, &app))?;
            if last_draw.is_none() {
                tracing::info!(
                    ms = started.elapsed().as_millis() as u64,
                    "first frame drawn"
                );
            }
            last_draw = Some(Instant::now());
            app.dirty = false;
        }
        // Sleep until the next frame is allowed only when there is something to draw.
        let wake = app
            .dirty
            .then(|| last_draw.map_or(Instant::now(), |t| t + FRAME_GAP));
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => Some(Msg::Key(k)),
                Some(Ok(Event::Resize(w, h))) => Some(Msg::Resize(w, h)),
                Some(Ok(_)) => None,
                // The terminal is gone: treat it like a hang-up.
                Some(Err(_)) | None => Some(Msg::Terminate("terminal closed")),
            },
            Some(m) = rx.recv() => Some(m),
            _ = hangup.recv() => Some(Msg::Terminate("SIGHUP")),
            _ = term.recv() => Some(Msg::Terminate("SIGTERM")),
            _ = interrupt.recv() => Some(Msg::Terminate("SIGINT")),
            _ = sleep_until(wake), if wake.is_some() => None,
        };
        let mut effects = Vec::new();
        if let Some(m) = msg {
            effects.extend(app.update(m, jiff::Timestamp::now()));
        }
        // Drain what else is queued before drawing once (bounded per turn).
        for _ in 0..CHANNEL_CAPACITY {
            match rx.try_recv() {
                Ok(m) => effects.extend(app.update(m, jiff::Timestamp::now())),
                Err(_) => break,
            }
        }
        crate::runtime::run_effects(effects, &mut app, &mut sources, &paths, &tx);
        if let Some(h) = sources.handover.take() {
            // The terminal reader must not compete with the command for keys.
            drop(events);
            crate::terminal::suspend();
            let ended = crate::handover::run(h, &mut hangup).await;
            crate::terminal::resume().wrap_err("cannot take the terminal back")?;
            // A full redraw: the screen was cleared on entering it again, and
            // with both buffers empty the next draw paints every cell.
            // (`Terminal::clear` would ask the terminal where the cursor is.)
            terminal.swap_buffers();
            terminal.swap_buffers();
            events = EventStream::new();
            let (msgs, hung_up) = match ended {
                crate::handover::Ended::Done(ev) => (ev, false),
                crate::handover::Ended::HungUp(ev) => (ev, true),
            };
            let size = terminal.size()?;
            let mut effects =
                app.update(Msg::Resize(size.width, size.height), jiff::Timestamp::now());
            for ev in msgs {
                effects.extend(app.update(Msg::Wizard(ev), jiff::Timestamp::now()));
            }
            if hung_up {
                effects.extend(app.update(Msg::Terminate("SIGHUP"), jiff::Timestamp::now()));
            }
            crate::runtime::run_effects(effects, &mut app, &mut sources, &paths, &tx);
        }
        // Show the context actually in use when the profile left it to the kubeconfig.
        if app.kube.context.is_none()
            && let Some(ctx) = sources.kube_context()
        {
            let effects = app.update(Msg::KubeContextKnown(ctx), jiff::Timestamp::now());
            crate::runtime::run_effects(effects, &mut app, &mut sources, &paths, &tx);
        }
    }
    sources.stop();
    crate::terminal::restore();
    Ok(())
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at.into()).await;
    }
}
