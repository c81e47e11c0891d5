//! The command line. The dashboard is the default subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "opsdeck",
    version,
    about = "Terminal operations console: service health, workloads, events, logs and guided runbooks",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every console-opening subcommand understands.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Profile name (built-in or in the config dir) or path to a profile .toml
    #[arg(long, short = 'p', global = true, env = "OPSDECK_PROFILE")]
    pub profile: Option<String>,
    /// Theme name: default, dark-256, light, high-contrast, mono, or one of yours
    #[arg(long, global = true, env = "OPSDECK_THEME")]
    pub theme: Option<String>,
    /// Keymap name: default, vim, or one of yours
    #[arg(long, global = true, env = "OPSDECK_KEYMAP")]
    pub keymap: Option<String>,
    /// Refuse every mutating and destructive action, whatever the profile says
    #[arg(long, global = true)]
    pub readonly: bool,
    /// Kubernetes context (overrides the profile)
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// Docker host, e.g. unix:///var/run/docker.sock (overrides DOCKER_HOST and the profile)
    #[arg(long, global = true)]
    pub docker_host: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the dashboard (the default)
    Dashboard,
    /// Start the simulated environment in-process and open the dashboard on it
    Demo(crate::sim::cli::DemoArgs),
    /// Run the simulated environment headless (for kubectl, tests and game days)
    Sim(crate::sim::cli::SimArgs),
    /// Run the profile's health checks once, without the dashboard
    Check(CheckArgs),
    /// Import, inspect and lint Markdown runbooks
    Runbook(crate::runbook::cli::RunbookArgs),
    /// Start a runbook procedure directly in the wizard
    Run(RunArgs),
    /// Incident timelines: list, export, follow
    Timeline(TimelineArgs),
    /// Keymap tools
    Keymap(KeymapArgs),
    /// Theme tools
    Theme(ThemeArgs),
    /// Render the screens to PNG files (the README's screenshots)
    Screenshots(ScreenshotArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Runbook file (Markdown) or built-in runbook name
    #[arg(required_unless_present = "resume")]
    pub runbook: Option<String>,
    /// Procedure title (fuzzy) or number; the picker opens when omitted
    pub procedure: Option<String>,
    /// Resume an interrupted incident at its step (an ID from `opsdeck timeline list`)
    #[arg(long, value_name = "ID", conflicts_with_all = ["runbook", "procedure"])]
    pub resume: Option<String>,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    #[command(subcommand)]
    pub command: TimelineCommand,
}

#[derive(Debug, Subcommand)]
pub enum TimelineCommand {
    /// List incidents
    List,
    /// Write a timeline as Markdown (postmortem-ready) or JSON
    Export {
        id: String,
        #[arg(long, default_value = "md")]
        format: String,
    },
    /// Follow an incident live, read-only (for the pairing colleague)
    Follow { id: String },
}

#[derive(Debug, Args)]
pub struct KeymapArgs {
    #[command(subcommand)]
    pub command: KeymapCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeymapCommand {
    /// Check a keymap file (or the active one) for unknown keys, unknown actions and conflicts
    Check { file: Option<PathBuf> },
    /// Print the active bindings
    Show,
}

#[derive(Debug, Args)]
pub struct ThemeArgs {
    #[command(subcommand)]
    pub command: ThemeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ThemeCommand {
    /// List built-in and user themes
    List,
    /// Check a theme file
    Check { file: PathBuf },
}

#[derive(Debug, Args)]
pub struct ScreenshotArgs {
    /// Output directory
    #[arg(long, default_value = "screenshots")]
    pub out: PathBuf,
}
