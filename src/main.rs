use clap::Parser;
use opsdeck::cli::Cli;

fn main() -> color_eyre::Result<()> {
    color_eyre::install()?;
    let _cli = Cli::parse();
    Ok(())
}
