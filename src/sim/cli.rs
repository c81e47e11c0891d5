use std::io::Write;
use std::net::IpAddr;

use clap::Args;

use super::{SimOptions, start};

#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Scenario: deepseek-rag, doc-rag, rag7, personal-rag, terragon, scale
    #[arg(long, default_value = "rag7")]
    pub scenario: String,
    /// Pods in the scale scenario (default 10000), in deployments of 20
    #[arg(long)]
    pub pods: Option<usize>,
    /// Seed for every random choice (names, noise, log lines)
    #[arg(long, default_value_t = 2)]
    pub seed: u64,
    /// Scenario seconds per real second (e.g. 20 for short tests)
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Kubernetes API port (0: a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to bind; loopback only
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Scenario: deepseek-rag, doc-rag, rag7, personal-rag, terragon
    #[arg(long, default_value = "rag7")]
    pub scenario: String,
    /// Seed for every random choice
    #[arg(long, default_value_t = 2)]
    pub seed: u64,
    /// Scenario seconds per real second
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
}

impl DemoArgs {
    pub fn options(&self) -> SimOptions {
        SimOptions {
            scenario: self.scenario.clone(),
            seed: self.seed,
            speed: self.speed,
            ..SimOptions::default()
        }
    }
}

/// `opsdeck sim`: runs until SIGINT/SIGTERM.
pub async fn run_headless(args: SimArgs) -> color_eyre::Result<()> {
    let handle = start(SimOptions {
        scenario: args.scenario,
        seed: args.seed,
        speed: args.speed,
        port: args.port,
        bind: args.bind,
        pods: args.pods,
    })
    .await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "export KUBECONFIG={}", handle.kubeconfig.display())?;
        writeln!(
            out,
            "export OPSDECK_PROFILE={}",
            handle.profile_path.display()
        )?;
        writeln!(out, "# context {} at {}", handle.context, handle.api_url)?;
        out.flush()?;
    }
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    // What each client cost the API server, for comparing consoles.
    let load = handle.load().render();
    handle.shutdown();
    let mut out = std::io::stdout().lock();
    write!(out, "{load}")?;
    out.flush()?;
    Ok(())
}
