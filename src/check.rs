//! `opsdeck check`: the morning health check without the dashboard.

use std::io::Write;

use serde::Serialize;

use crate::config::Profile;
use crate::model::HealthResult;
use crate::sources::health::run_all_once;

#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub profile: String,
    pub ok: bool,
    pub passed: usize,
    pub failed: usize,
    pub checks: Vec<CheckLine>,
}

#[derive(Debug, Serialize)]
pub struct CheckLine {
    pub service: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub target: String,
    pub ok: bool,
    pub latency_ms: u64,
    pub detail: String,
    pub at: String,
}

pub async fn run(profile: &Profile) -> CheckReport {
    let results = run_all_once(&profile.services).await;
    report(profile, &results)
}

fn report(profile: &Profile, results: &[HealthResult]) -> CheckReport {
    let checks: Vec<CheckLine> = results
        .iter()
        .filter_map(|r| {
            let service = profile.services.get(r.service)?;
            let check = service.checks.get(r.check)?;
            Some(CheckLine {
                service: service.name.clone(),
                kind: check.kind().to_string(),
                target: check.target().to_string(),
                ok: r.outcome.ok,
                latency_ms: r.outcome.latency.as_millis() as u64,
                detail: r.outcome.detail.clone(),
                at: r.at.to_string(),
            })
        })
        .collect();
    let passed = checks.iter().filter(|c| c.ok).count();
    let failed = checks.len() - passed;
    CheckReport {
        profile: profile.name.clone(),
        ok: failed == 0,
        passed,
        failed,
        checks,
    }
}

/// Writes the report as an aligned table, with a summary line.
pub fn print_table(report: &CheckReport, out: &mut impl Write) -> std::io::Result<()> {
    let sw = report
        .checks
        .iter()
        .map(|c| c.service.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let tw = report
        .checks
        .iter()
        .map(|c| c.target.len())
        .max()
        .unwrap_or(6)
        .clamp(6, 48);
    writeln!(
        out,
        "{:<sw$}  {:<7}  {:<tw$}  {:<4}  {:>8}  DETAIL",
        "SERVICE", "CHECK", "TARGET", "STATE", "LATENCY"
    )?;
    for c in &report.checks {
        let target = if c.target.len() > tw {
            format!("{}…", &c.target[..c.target.floor_char_boundary(tw - 1)])
        } else {
            c.target.clone()
        };
        writeln!(
            out,
            "{:<sw$}  {:<7}  {:<tw$}  {:<4}  {:>6}ms  {}",
            c.service,
            c.kind,
            target,
            if c.ok { "ok" } else { "FAIL" },
            c.latency_ms,
            c.detail
        )?;
    }
    writeln!(
        out,
        "\n{}: {} passed, {} failed",
        report.profile, report.passed, report.failed
    )
}
