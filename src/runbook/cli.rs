use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct RunbookArgs {
    #[command(subcommand)]
    pub command: RunbookCommand,
}

#[derive(Debug, Subcommand)]
pub enum RunbookCommand {
    /// List the procedures of runbook files
    List {
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

/// `opsdeck runbook …`: prints to stdout, returns the process exit code.
pub fn run(_args: RunbookArgs) -> color_eyre::Result<ExitCode> {
    Err(color_eyre::eyre::eyre!(
        "runbook commands are not built yet"
    ))
}
