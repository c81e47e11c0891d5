//! SLOs, alert procedures and the Prometheus and Alertmanager settings in
//! profiles: the built-in profiles carry the seeds' objectives, every alert
//! the seeds' rules raise leads to a procedure, and every mistake in a
//! profile is reported with the file, the line and what to write instead.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

use std::path::Path;
use std::time::Duration;

use opsdeck::config::slo::Comparison;
use opsdeck::config::{Profile, SloUnit, profiles};
use opsdeck::runbook::risk::Rules;

fn builtin(name: &str) -> Profile {
    profiles::resolve(name, Path::new("/nonexistent")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

const SEED_PROFILES: &[&str] = &[
    "deepseek-rag",
    "doc-rag",
    "rag7",
    "personal-rag",
    "terragon",
];

#[test]
fn terragon_states_the_seed_slos_exactly() {
    let p = builtin("terragon");
    let slos: Vec<(&str, SloUnit, Comparison, f64)> = p
        .slos
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.unit,
                s.objective.comparison,
                s.objective.threshold,
            )
        })
        .collect();
    assert_eq!(
        slos,
        vec![
            ("availability", SloUnit::Percent, Comparison::Ge, 99.9),
            ("p95 response time", SloUnit::S, Comparison::Lt, 0.5),
            ("error rate", SloUnit::Percent, Comparison::Lt, 0.1),
            ("cache hit rate", SloUnit::Percent, Comparison::Gt, 85.0),
        ]
    );
    // Lines point at each [[slo]] in the shipped file.
    let text = include_str!("../profiles/terragon.toml");
    for slo in &p.slos {
        let line = slo.line.expect("line of the [[slo]]");
        let around: Vec<&str> = text.lines().skip(line - 1).take(3).collect();
        assert!(
            around
                .iter()
                .any(|l| l.contains(&format!("\"{}\"", slo.name))),
            "{}: line {line}: {around:?}",
            slo.name
        );
    }
    assert_eq!(
        p.prometheus.unwrap().interval(),
        Duration::from_secs(15),
        "the default interval"
    );
}

#[test]
fn every_seed_profile_has_slos_and_every_alert_leads_to_a_procedure() {
    let rules = Rules::builtin();
    for name in SEED_PROFILES {
        let p = builtin(name);
        assert!(p.slos.len() >= 4, "{name}: {} SLOs", p.slos.len());
        // Every procedure named in [alerts] exists in its runbook.
        for (alert, target) in &p.alerts {
            let runbook = opsdeck::runbook::builtin::get(&target.runbook)
                .unwrap_or_else(|| panic!("{name}: {alert}: no runbook {}", target.runbook))
                .import(&rules)
                .unwrap();
            assert!(
                runbook
                    .procedures
                    .iter()
                    .any(|pr| pr.title == target.procedure),
                "{name}: {alert}: no procedure {:?} in {}",
                target.procedure,
                target.runbook
            );
        }
        // Every alert the system's rules raise has a procedure: mapped in the
        // profile, or named by a procedure of the runbook.
        let scenario = name;
        let groups = opsdeck::sim::prometheus::rules::for_scenario(scenario).unwrap();
        for rule in groups.iter().flat_map(|g| &g.rules) {
            assert!(
                p.alerts.contains_key(&rule.name),
                "{name}: alert {} has no procedure in [alerts]",
                rule.name
            );
        }
    }
}

fn error(text: &str) -> String {
    Profile::from_toml(text, Path::new("profiles/mine.toml"))
        .unwrap_err()
        .to_string()
}

const HEAD: &str = "name = \"mine\"\n[prometheus]\nurl = \"http://prometheus:9090\"\n";

#[test]
fn mistakes_name_the_file_the_line_and_the_fix() {
    let slo = |body: &str| format!("{HEAD}\n[[slo]]\nname = \"p95\"\n{body}");
    assert_eq!(
        error(&slo("query = 'up'\nunit = \"s\"\nobjective = \"<< 0.5\"\n")),
        "profiles/mine.toml:9: objective \"<< 0.5\": write a comparison (<, <=, > or >=) and a number, e.g. \"< 0.5\" or \">= 99.9\""
    );
    let e = error(&slo(
        "query = 'up'\nunit = \"seconds\"\nobjective = \"< 0.5\"\n",
    ));
    assert!(e.starts_with("profiles/mine.toml:8: unknown variant `seconds`, expected one of `s`, `ms`, `ratio`, `percent`, `count`"), "{e}");
    let e = error(&slo("unit = \"s\"\nobjective = \"< 0.5\"\n"));
    assert!(
        e.starts_with("profiles/mine.toml:5: missing field `query`"),
        "{e}"
    );
    assert_eq!(
        error(&slo("query = ' '\nunit = \"s\"\nobjective = \"< 0.5\"\n")),
        "profiles/mine.toml:5: [[slo]] `p95` has an empty `query`: write the PromQL that measures it"
    );
    let twice = format!(
        "{}\n[[slo]]\nname = \"p95\"\nquery = 'x'\nunit = \"s\"\nobjective = \"< 1\"\n",
        slo("query = 'up'\nunit = \"s\"\nobjective = \"< 0.5\"\n")
    );
    assert_eq!(
        error(&twice),
        "profiles/mine.toml:11: [[slo]] `p95` is defined twice: give each objective its own name"
    );
    assert_eq!(
        error(
            "name = \"mine\"\n\n[[slo]]\nname = \"p95\"\nquery = 'up'\nunit = \"s\"\nobjective = \"< 1\"\n"
        ),
        "profiles/mine.toml:3: [[slo]] `p95` needs a [prometheus] url to query"
    );
    assert_eq!(
        error(&format!(
            "{HEAD}\n[alerts]\nHighLatency = \"builtin:rag7\"\n"
        )),
        "profiles/mine.toml:6: procedure \"builtin:rag7\": write RUNBOOK#PROCEDURE, e.g. \"builtin:rag7#High Error Rate\""
    );
    assert_eq!(
        error("name = \"mine\"\n\n[prometheus]\nurl = \"prometheus:9090\"\n"),
        "profiles/mine.toml:3: [prometheus] url `prometheus:9090` is not an http(s) URL (write it as http://host:9090)"
    );
    assert_eq!(
        error("name = \"mine\"\n[alertmanager]\nurl = \"localhost\"\n"),
        "profiles/mine.toml:2: [alertmanager] url `localhost` is not an http(s) URL (write it as http://host:9090)"
    );
    let e = error(&format!("{HEAD}interval = \"soon\"\n"));
    assert!(
        e.starts_with("profiles/mine.toml:4: `soon` is not a duration"),
        "{e}"
    );
}

#[test]
fn a_full_profile_reads_and_writes_back_the_same() {
    let text = format!(
        "{HEAD}interval = \"30s\"\n\n[alertmanager]\nurl = \"http://alertmanager:9093\"\n\n[[slo]]\nname = \"p95 latency\"\nquery = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{service=\"langgraph\"}}[5m])))'\nunit = \"s\"\nobjective = \"< 0.5\"\n\n[alerts]\nHighErrorRate = \"builtin:rag7#High Error Rate\"\n"
    );
    let p = Profile::from_toml(&text, Path::new("mine.toml")).unwrap();
    assert_eq!(
        p.prometheus.as_ref().unwrap().interval(),
        Duration::from_secs(30)
    );
    assert_eq!(
        p.alertmanager.as_ref().unwrap().url,
        "http://alertmanager:9093"
    );
    assert_eq!(p.slos[0].line, Some(9));
    assert_eq!(p.slo_origin(&p.slos[0]), "mine.toml:9");
    assert_eq!(p.alerts["HighErrorRate"].procedure, "High Error Rate");
    let again = Profile::from_toml(&p.to_toml().unwrap(), Path::new("mine.toml")).unwrap();
    assert_eq!(again.slos[0].objective, p.slos[0].objective);
    assert_eq!(again.alerts, p.alerts);
    assert_eq!(again.prometheus, p.prometheus);
}
