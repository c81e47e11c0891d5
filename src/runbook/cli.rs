use clap::{Args, Subcommand};
use std::path::PathBuf;

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
