use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Scenario: deepseek-rag, doc-rag, rag7, personal-rag, terragon
    #[arg(long, default_value = "rag7")]
    pub scenario: String,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Scenario: deepseek-rag, doc-rag, rag7, personal-rag, terragon
    #[arg(long, default_value = "rag7")]
    pub scenario: String,
}

/// `opsdeck sim`: runs until SIGINT/SIGTERM.
pub async fn run_headless(_args: SimArgs) -> color_eyre::Result<()> {
    Err(color_eyre::eyre::eyre!("the simulated environment is not built yet"))
}
