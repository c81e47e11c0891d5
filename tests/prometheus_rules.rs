//! The alert rules with the real `promtool`: the seeds' own rule blocks
//! (extracted from the seed files, which stay unchanged) and the shipped
//! `profiles/rules/*.yml` pass `promtool check rules`; the unit tests in
//! `tests/fixtures/promtool` pass `promtool test rules`; and opsdeck's
//! simulated Prometheus, replaying the same series, fires the same alerts.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use opsdeck::sim::prometheus::format::parse_duration;
use opsdeck::sim::prometheus::history::History;
use opsdeck::sim::prometheus::promql::{self, Expr, Labels, TimeMap};
use opsdeck::sim::prometheus::rules::{self, AlertState};
use serde::Deserialize;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn seed(name: &str) -> String {
    let path = Path::new(ROOT).join("tests/fixtures/seeds").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every rule file, by the name the promtool fixtures use: the seeds' blocks
/// as extracted from the seed text, and the shipped files.
fn rule_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (file, name, group) in [
        ("000_662e3128cf17e9b7.txt", "seed-000.yml", "deepseek-rag"),
        ("004_5973fd338d11c7c1.txt", "seed-004.yml", "terragon-rag"),
    ] {
        let blocks = rules::extract(&seed(file), group);
        assert_eq!(blocks.len(), 1, "{file}: one alert-rule block");
        out.push((name.to_string(), blocks[0].yaml.clone()));
    }
    for entry in std::fs::read_dir(Path::new(ROOT).join("profiles/rules")).expect("profiles/rules")
    {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "yml") {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            out.push((name, std::fs::read_to_string(&path).expect("rule file")));
        }
    }
    out.sort();
    out
}

fn promtool() -> PathBuf {
    let ok = Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "promtool not found: apt-get install prometheus (it brings promtool)"
    );
    PathBuf::from("promtool")
}

/// A temp dir holding every rule file and every promtool unit test.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in rule_files() {
        std::fs::write(dir.path().join(name), text).expect("write rule file");
    }
    for entry in
        std::fs::read_dir(Path::new(ROOT).join("tests/fixtures/promtool")).expect("fixtures")
    {
        let path = entry.expect("dir entry").path();
        if path.to_string_lossy().ends_with(".test.yml") {
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    dir
}

fn test_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("workdir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".test.yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn only_seeds_000_and_004_carry_alert_rules() {
    for (file, expected) in [
        ("000_662e3128cf17e9b7.txt", 1),
        ("001_8570ab2dfaebedea.txt", 0),
        ("002_b08d7360d942b084.txt", 0),
        ("003_ecefb51e8070bcaa.txt", 0),
        ("004_5973fd338d11c7c1.txt", 1),
    ] {
        assert_eq!(rules::extract(&seed(file), "g").len(), expected, "{file}");
    }
}

#[test]
fn promtool_checks_every_seed_rule_block_and_every_shipped_rule_file() {
    let promtool = promtool();
    let dir = workdir();
    let files = rule_files();
    assert_eq!(
        files.len(),
        5,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (name, _) in files {
        let out = Command::new(&promtool)
            .args(["check", "rules", &name])
            .current_dir(dir.path())
            .output()
            .expect("run promtool");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && text.contains("SUCCESS"),
            "{name}: {text}"
        );
    }
}

#[test]
fn promtool_unit_tests_fire_and_hold_every_rule() {
    let promtool = promtool();
    let dir = workdir();
    let tests = test_files(dir.path());
    assert_eq!(tests.len(), 5);
    // Every alerting rule has a case where it fires and one where it does not.
    for (name, text) in rule_files() {
        let groups = rules::load(&name, &text).expect("rule file loads");
        let stem = name.trim_end_matches(".yml");
        let fixture = std::fs::read_to_string(dir.path().join(format!("{stem}.test.yml")))
            .unwrap_or_else(|_| panic!("no promtool test for {name}"));
        let file: TestFile = serde_yaml_ng::from_str(&fixture).expect("test file");
        for rule in groups.iter().flat_map(|g| &g.rules) {
            let cases: Vec<&AlertTest> = file
                .tests
                .iter()
                .flat_map(|t| &t.alert_rule_test)
                .filter(|c| c.alertname == rule.name)
                .collect();
            assert!(
                cases.iter().any(|c| c.exp_alerts.is_empty()),
                "{name}: {} never tested quiet",
                rule.name
            );
            assert!(
                cases.iter().any(|c| !c.exp_alerts.is_empty()),
                "{name}: {} never tested firing",
                rule.name
            );
        }
    }
    for test in tests {
        let out = Command::new(&promtool)
            .args(["test", "rules"])
            .arg(&test)
            .current_dir(dir.path())
            .output()
            .expect("run promtool");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && text.contains("SUCCESS"),
            "{}: {text}",
            test.display()
        );
    }
}

#[derive(Deserialize)]
struct TestFile {
    rule_files: Vec<String>,
    #[serde(default)]
    evaluation_interval: Option<String>,
    tests: Vec<TestGroup>,
}

#[derive(Deserialize)]
struct TestGroup {
    #[serde(default)]
    interval: Option<String>,
    input_series: Vec<InputSeries>,
    #[serde(default)]
    alert_rule_test: Vec<AlertTest>,
}

#[derive(Deserialize)]
struct InputSeries {
    series: String,
    values: String,
}

#[derive(Deserialize)]
struct AlertTest {
    eval_time: String,
    alertname: String,
    #[serde(default)]
    exp_alerts: Vec<ExpAlert>,
}

#[derive(Deserialize)]
struct ExpAlert {
    #[serde(default)]
    exp_labels: BTreeMap<String, String>,
    #[serde(default)]
    exp_annotations: BTreeMap<String, String>,
}

/// promtool's expanding notation: `1 2 3`, `0+6x11`, `5-1x3`, `1x10`.
fn expand(values: &str) -> Vec<f64> {
    let mut out = Vec::new();
    for tok in values.split_whitespace() {
        let Some((start_step, n)) = tok.split_once('x') else {
            out.push(tok.parse().unwrap_or_else(|_| panic!("value {tok:?}")));
            continue;
        };
        let n: usize = n.parse().unwrap_or_else(|_| panic!("repeat in {tok:?}"));
        // The step's sign sits after the first character (which may be a minus).
        let split = start_step[1..].find(['+', '-']).map(|i| i + 1);
        let (a, b) = match split {
            Some(i) => {
                let step: f64 = start_step[i + 1..]
                    .parse()
                    .unwrap_or_else(|_| panic!("step in {tok:?}"));
                let sign = if &start_step[i..=i] == "-" { -1.0 } else { 1.0 };
                (
                    start_step[..i]
                        .parse::<f64>()
                        .unwrap_or_else(|_| panic!("start in {tok:?}")),
                    sign * step,
                )
            }
            None => (
                start_step
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("value in {tok:?}")),
                0.0,
            ),
        };
        out.extend((0..=n).map(|i| a + b * i as f64));
    }
    out
}

fn series_labels(selector: &str) -> Labels {
    match promql::parse(selector).unwrap_or_else(|e| panic!("{selector}: {e}")) {
        Expr::Selector(s) => s
            .matchers
            .iter()
            .map(|m| (m.name.clone(), m.value.clone()))
            .collect(),
        other => panic!("{selector} is not a series: {other}"),
    }
}

fn secs(d: &str) -> f64 {
    parse_duration(d).unwrap_or_else(|| panic!("duration {d:?}"))
}

type Got = Vec<(BTreeMap<String, String>, BTreeMap<String, String>)>;

#[test]
fn the_simulated_prometheus_fires_what_promtool_fires() {
    let dir = workdir();
    let time = TimeMap {
        origin_unix: 0.0,
        speed: 1.0,
    };
    let mut checked = 0;
    for test in test_files(dir.path()) {
        let file: TestFile =
            serde_yaml_ng::from_str(&std::fs::read_to_string(&test).expect("read")).expect("yaml");
        let every = secs(file.evaluation_interval.as_deref().unwrap_or("1m"));
        for group in &file.tests {
            let mut groups = Vec::new();
            for rf in &file.rule_files {
                let text = std::fs::read_to_string(dir.path().join(rf)).expect("rule file");
                groups.extend(rules::load(rf, &text).expect("rules load"));
            }
            for g in &mut groups {
                g.interval = every;
            }
            let interval = secs(group.interval.as_deref().unwrap_or("1m"));
            let series: Vec<(Labels, Vec<f64>)> = group
                .input_series
                .iter()
                .map(|s| (series_labels(&s.series), expand(&s.values)))
                .collect();
            let end = group
                .alert_rule_test
                .iter()
                .map(|c| secs(&c.eval_time))
                .fold(0.0, f64::max);
            let mut history = History::default();
            let mut t = 0.0;
            while t <= end + 1e-9 {
                let index = (t / interval).round() as usize;
                if (t / interval - index as f64).abs() < 1e-9 {
                    let scrape: Vec<(Labels, f64)> = series
                        .iter()
                        .filter_map(|(l, v)| v.get(index).map(|x| (l.clone(), *x)))
                        .collect();
                    history.record(t, scrape);
                }
                for g in &mut groups {
                    g.evaluate_if_due(&history, time, t);
                }
                for case in group
                    .alert_rule_test
                    .iter()
                    .filter(|c| (secs(&c.eval_time) - t).abs() < 1e-9)
                {
                    let mut got: Got = groups
                        .iter()
                        .flat_map(|g| &g.rules)
                        .filter(|r| r.name == case.alertname)
                        .flat_map(|r| r.alerts.values())
                        .filter(|a| a.state == AlertState::Firing)
                        .map(|a| {
                            let mut labels = a.labels.clone();
                            labels.remove("alertname");
                            (labels, a.annotations.clone())
                        })
                        .collect();
                    let mut want: Got = case
                        .exp_alerts
                        .iter()
                        .map(|e| (e.exp_labels.clone(), e.exp_annotations.clone()))
                        .collect();
                    got.sort();
                    want.sort();
                    assert_eq!(
                        got,
                        want,
                        "{}: {} at {}",
                        test.display(),
                        case.alertname,
                        case.eval_time
                    );
                    checked += 1;
                }
                t += every;
            }
        }
    }
    assert!(checked >= 28, "{checked} cases replayed");
}
