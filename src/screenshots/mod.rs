//! `opsdeck screenshots`: runs the real binary in tmux, types the keys a
//! person would, captures the screen with its colours and writes PNGs.

pub mod ansi;
pub mod raster;
pub mod tmux;

use std::path::Path;

use color_eyre::eyre::{Result, WrapErr};

/// One screen to capture.
pub struct Scene {
    pub file: &'static str,
    pub width: u16,
    pub height: u16,
    /// Arguments after the binary.
    pub args: &'static [&'static str],
    /// Text that must be on screen before the keys are sent.
    pub ready: &'static str,
    /// tmux key names, sent one by one after `ready`.
    pub keys: &'static [&'static str],
    /// Text that must be on screen before the capture.
    pub expect: &'static str,
}

pub const SCENES: &[Scene] = &[
    Scene {
        file: "dashboard-80x24.png",
        width: 80,
        height: 24,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "CrashLoopBackOff",
        keys: &["2", "g", "Enter"],
        expect: "pod/langgraph",
    },
    Scene {
        file: "dashboard-200x50.png",
        width: 200,
        height: 50,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "CrashLoopBackOff",
        keys: &["2", "g", "Enter"],
        expect: "pod/langgraph",
    },
    Scene {
        file: "alerts-80x24.png",
        width: 80,
        height: 24,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "HighLatency",
        keys: &["5"],
        expect: "FIRING",
    },
    Scene {
        file: "alerts-200x50.png",
        width: 200,
        height: 50,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "PodRestarting",
        keys: &["5"],
        expect: "FIRING",
    },
    Scene {
        file: "describe-120x40.png",
        width: 120,
        height: 40,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "CrashLoopBackOff",
        keys: &["2", "g", "d"],
        expect: "Last",
    },
    Scene {
        file: "confirm-restart-80x24.png",
        width: 80,
        height: 24,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "CrashLoopBackOff",
        keys: &["2", "g", "R"],
        expect: "rollout restart",
    },
    Scene {
        file: "help-80x24.png",
        width: 80,
        height: 24,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "Services",
        keys: &["?"],
        expect: "Keys",
    },
    Scene {
        file: "palette-80x24.png",
        width: 80,
        height: 24,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "Services",
        keys: &[":", "t", "h", "Tab"],
        expect: "theme",
    },
    Scene {
        file: "theme-dark-256-120x40.png",
        width: 120,
        height: 40,
        args: &[
            "demo",
            "--scenario",
            "rag7",
            "--speed",
            "10",
            "--theme",
            "dark-256",
        ],
        ready: "CrashLoopBackOff",
        keys: &["2", "g", "Enter"],
        expect: "pod/langgraph",
    },
    Scene {
        file: "theme-light-120x40.png",
        width: 120,
        height: 40,
        args: &[
            "demo",
            "--scenario",
            "rag7",
            "--speed",
            "10",
            "--theme",
            "light",
        ],
        ready: "CrashLoopBackOff",
        keys: &["2", "g", "Enter"],
        expect: "pod/langgraph",
    },
    Scene {
        file: "theme-high-contrast-80x24.png",
        width: 80,
        height: 24,
        args: &[
            "demo",
            "--scenario",
            "rag7",
            "--speed",
            "10",
            "--theme",
            "high-contrast",
        ],
        ready: "CrashLoopBackOff",
        keys: &["2", "g", "Enter"],
        expect: "pod/langgraph",
    },
    Scene {
        file: "theme-mono-80x24.png",
        width: 80,
        height: 24,
        args: &[
            "demo",
            "--scenario",
            "rag7",
            "--speed",
            "10",
            "--theme",
            "mono",
        ],
        ready: "CrashLoopBackOff",
        keys: &["2", "g", "Enter"],
        expect: "pod/langgraph",
    },
    Scene {
        file: "wizard-symptoms-80x24.png",
        width: 80,
        height: 24,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "CrashLoopBackOff",
        keys: &[
            ":", "r", "u", "n", "b", "o", "o", "k", "Space", "c", "r", "a", "s", "h", "Enter",
            "Enter",
        ],
        expect: "tick what you see",
    },
    Scene {
        file: "wizard-output-120x40.png",
        width: 120,
        height: 40,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "CrashLoopBackOff",
        keys: &[
            ":", "r", "u", "n", "b", "o", "o", "k", "Space", "c", "r", "a", "s", "h", "Enter",
            "Enter", "Down", "Space", "Enter", "Enter",
        ],
        expect: "exit 0",
    },
    Scene {
        file: "wizard-placeholder-80x24.png",
        width: 80,
        height: 24,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "CrashLoopBackOff",
        keys: &[
            ":", "r", "u", "n", "b", "o", "o", "k", "Space", "c", "r", "a", "s", "h", "Enter",
            "Enter", "Enter", "Enter", "Enter",
        ],
        expect: "Value needed",
    },
    Scene {
        file: "wizard-confirm-80x24.png",
        width: 80,
        height: 24,
        args: &["demo", "--scenario", "rag7", "--speed", "10"],
        ready: "CrashLoopBackOff",
        keys: &[
            ":", "r", "u", "n", "b", "o", "o", "k", "Space", "c", "r", "a", "s", "h", "Enter",
            "Enter", "Enter", "Down", "Down", "Down", "Down", "Down", "Down", "Down", "Down",
            "Down", "Enter",
        ],
        expect: "Cancel",
    },
    Scene {
        file: "too-small-60x20.png",
        width: 60,
        height: 20,
        args: &["--profile", "local"],
        ready: "too small",
        keys: &[],
        expect: "too small",
    },
];

pub fn write_all(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).wrap_err_with(|| format!("cannot create {}", out.display()))?;
    let exe = std::env::current_exe().wrap_err("cannot find the opsdeck binary")?;
    for scene in SCENES {
        let buf = tmux::capture(&exe, scene)?;
        let path = out.join(scene.file);
        let file = std::fs::File::create(&path)
            .wrap_err_with(|| format!("cannot write {}", path.display()))?;
        raster::write_png(&buf, 2, std::io::BufWriter::new(file))
            .wrap_err_with(|| format!("cannot encode {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}
