use std::process::ExitCode;

use clap::Parser;
use opsdeck::cli::{Cli, Command};

fn main() -> color_eyre::Result<ExitCode> {
    color_eyre::install()?;
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Runbook(args)) => opsdeck::runbook::cli::run(args),
        Some(Command::Sim(args)) => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(opsdeck::sim::cli::run_headless(args))?;
            Ok(ExitCode::SUCCESS)
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}
