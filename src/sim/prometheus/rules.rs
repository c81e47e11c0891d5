//! Alerting rules: Prometheus rule files, the rule blocks a seed runbook
//! carries in its own text, and their evaluation on the scenario clock
//! (pending when the expression first returns a series, firing once it has
//! for `for`), as Prometheus' rule manager does it.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::format::{go_exponent, parse_duration, rfc3339_nano};
use super::promql::{self, Expr, Labels, METRIC_NAME, Storage, TimeMap, Value};
use super::template;

/// The rule files shipped for seeds that name alerts without defining them.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "doc-rag",
        include_str!("../../../profiles/rules/doc-rag.yml"),
    ),
    ("rag7", include_str!("../../../profiles/rules/rag7.yml")),
    (
        "personal-rag",
        include_str!("../../../profiles/rules/personal-rag.yml"),
    ),
];

/// Where each scenario's rules come from: a shipped rule file, or the alert
/// rule blocks of the seed runbook itself (the built-in runbook that carries
/// the seed's text).
pub enum RuleSource {
    File(&'static str),
    Runbook(&'static str),
}

pub fn source_for(scenario: &str) -> Option<RuleSource> {
    match scenario {
        "deepseek-rag" => Some(RuleSource::Runbook("deepseek-rag")),
        "terragon" => Some(RuleSource::Runbook("terragon-rag")),
        other => SHIPPED
            .iter()
            .find(|(n, _)| *n == other)
            .map(|(n, _)| RuleSource::File(n)),
    }
}

/// The rule groups a scenario evaluates.
pub fn for_scenario(scenario: &str) -> Result<Vec<Group>, RulesError> {
    match source_for(scenario) {
        None => Ok(Vec::new()),
        Some(RuleSource::File(name)) => {
            let text = SHIPPED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| *t)
                .unwrap_or_default();
            load(&format!("profiles/rules/{name}.yml"), text)
        }
        Some(RuleSource::Runbook(name)) => {
            let Some(runbook) = crate::runbook::builtin::get(name) else {
                return Ok(Vec::new());
            };
            let file = format!("runbooks/{}", runbook.file);
            let mut groups = Vec::new();
            for block in extract(runbook.text, name) {
                groups.extend(load(&file, &block.yaml)?);
            }
            Ok(groups)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub groups: Vec<GroupSpec>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    pub name: String,
    #[serde(default)]
    pub interval: Option<String>,
    #[serde(default)]
    pub limit: Option<u64>,
    pub rules: Vec<RuleSpec>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    #[serde(default)]
    pub alert: Option<String>,
    #[serde(default)]
    pub record: Option<String>,
    pub expr: String,
    #[serde(default, rename = "for")]
    pub for_: Option<String>,
    #[serde(default)]
    pub keep_firing_for: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// A rule file found in a Markdown document.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleBlock {
    /// The block as a complete rule file: the block's own text when it has
    /// `groups:`, else the text indented under one group named as given.
    pub yaml: String,
    pub file: RuleFile,
}

/// The YAML blocks of `markdown` that hold alerting rules, each as a rule file.
/// A bare list of rules (`- alert: …`) is wrapped in a group named `group`.
pub fn extract(markdown: &str, group: &str) -> Vec<RuleBlock> {
    use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let lang = info.split_whitespace().next().unwrap_or("");
                if lang == "yaml" || lang == "yml" {
                    current = Some(String::new());
                }
            }
            Event::Text(t) => {
                if let Some(c) = current.as_mut() {
                    c.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(text) = current.take()
                    && let Some(block) = rule_block(&text, group)
                {
                    out.push(block);
                }
            }
            _ => {}
        }
    }
    out
}

fn rule_block(text: &str, group: &str) -> Option<RuleBlock> {
    let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).ok()?;
    let has_alert = |v: &serde_yaml_ng::Value| {
        v.as_sequence()
            .is_some_and(|s| s.iter().any(|r| r.get("alert").is_some()))
    };
    let yaml = if value.get("groups").is_some() {
        text.to_string()
    } else if has_alert(&value) {
        let body: String = text
            .lines()
            .map(|l| {
                if l.trim().is_empty() {
                    "\n".to_string()
                } else {
                    format!("    {l}\n")
                }
            })
            .collect();
        format!("groups:\n  - name: {group}\n    rules:\n{body}")
    } else {
        return None;
    };
    let file: RuleFile = serde_yaml_ng::from_str(&yaml).ok()?;
    file.groups
        .iter()
        .any(|g| g.rules.iter().any(|r| r.alert.is_some()))
        .then_some(RuleBlock { yaml, file })
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RulesError {
    #[error("{file}: not a Prometheus rule file: {reason}")]
    Yaml { file: String, reason: String },
    #[error("{file}: rule `{rule}`: {reason}")]
    Rule {
        file: String,
        rule: String,
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertState {
    Pending,
    Firing,
}

impl AlertState {
    pub fn name(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub labels: Labels,
    pub annotations: Labels,
    pub state: AlertState,
    /// Scenario seconds.
    pub active_at: f64,
    pub value: f64,
}

#[derive(Debug, Clone)]
pub struct AlertRule {
    pub name: String,
    pub expr: Expr,
    /// Seconds (scenario clock).
    pub hold: f64,
    pub labels: Labels,
    pub annotations: Labels,
    pub alerts: BTreeMap<Labels, Alert>,
    last_error: Option<String>,
    evaluated: Option<(f64, f64)>,
}

/// Evaluation interval of a group without one of its own (scenario seconds).
pub const DEFAULT_INTERVAL: f64 = 5.0;

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub file: String,
    pub interval: f64,
    pub rules: Vec<AlertRule>,
    /// Scenario time of the last evaluation.
    pub last_eval: Option<f64>,
    evaluated: Option<(f64, f64)>,
}

/// Parses a rule file; `file` names it in errors and in the rules API.
pub fn load(file: &str, yaml: &str) -> Result<Vec<Group>, RulesError> {
    let spec: RuleFile = serde_yaml_ng::from_str(yaml).map_err(|e| RulesError::Yaml {
        file: file.to_string(),
        reason: e.to_string(),
    })?;
    let mut groups = Vec::new();
    for g in spec.groups {
        let interval = match &g.interval {
            Some(i) => parse_duration(i).ok_or_else(|| RulesError::Yaml {
                file: file.to_string(),
                reason: format!("group `{}`: interval {i:?} is not a duration", g.name),
            })?,
            None => DEFAULT_INTERVAL,
        };
        let mut rules = Vec::new();
        for r in g.rules {
            let name = r
                .alert
                .clone()
                .or_else(|| r.record.clone())
                .unwrap_or_default();
            let bad = |reason: String| RulesError::Rule {
                file: file.to_string(),
                rule: name.clone(),
                reason,
            };
            let Some(alert) = r.alert.clone() else {
                return Err(bad(
                    "recording rules are not evaluated by opsdeck's simulation of Prometheus"
                        .into(),
                ));
            };
            let expr = promql::parse(&r.expr).map_err(|e| bad(e.to_string()))?;
            let hold = match &r.for_ {
                Some(f) => parse_duration(f)
                    .ok_or_else(|| bad(format!("`for: {f}` is not a duration (write e.g. 5m)")))?,
                None => 0.0,
            };
            for text in r.labels.values().chain(r.annotations.values()) {
                template::check(text).map_err(|e| bad(format!("template {text:?}: {e}")))?;
            }
            rules.push(AlertRule {
                name: alert,
                expr,
                hold,
                labels: r.labels.into_iter().collect(),
                annotations: r.annotations.into_iter().collect(),
                alerts: BTreeMap::new(),
                last_error: None,
                evaluated: None,
            });
        }
        groups.push(Group {
            name: g.name,
            file: file.to_string(),
            interval,
            rules,
            last_eval: None,
            evaluated: None,
        });
    }
    Ok(groups)
}

impl AlertRule {
    /// One evaluation at scenario time `t`.
    fn evaluate(&mut self, storage: &dyn Storage, time: TimeMap, t: f64) {
        let started = std::time::Instant::now();
        let result = promql::evaluate(&self.expr, storage, time, t);
        let samples = match result {
            Ok(Value::Vector(v)) => v,
            Ok(Value::Scalar(v)) => vec![promql::Sample {
                labels: Labels::new(),
                value: v,
            }],
            Ok(_) => Vec::new(),
            Err(e) => {
                self.last_error = Some(e.0);
                self.evaluated = Some((time.to_unix(t), started.elapsed().as_secs_f64()));
                return;
            }
        };
        let mut seen: BTreeMap<Labels, Alert> = BTreeMap::new();
        for s in samples {
            let mut labels = s.labels.clone();
            labels.remove(METRIC_NAME);
            let for_templates = labels.clone();
            for (k, v) in &self.labels {
                labels.insert(k.clone(), template::expand(v, &for_templates, s.value));
            }
            labels.insert("alertname".into(), self.name.clone());
            let annotations: Labels = self
                .annotations
                .iter()
                .map(|(k, v)| (k.clone(), template::expand(v, &for_templates, s.value)))
                .collect();
            if seen.contains_key(&labels) {
                self.last_error = Some(
                    "vector contains metrics with the same labelset after applying alert labels"
                        .into(),
                );
                self.evaluated = Some((time.to_unix(t), started.elapsed().as_secs_f64()));
                return;
            }
            let (state, active_at) = match self.alerts.get(&labels) {
                Some(a) => (a.state, a.active_at),
                None => (AlertState::Pending, t),
            };
            seen.insert(
                labels.clone(),
                Alert {
                    labels,
                    annotations,
                    state,
                    active_at,
                    value: s.value,
                },
            );
        }
        for a in seen.values_mut() {
            if a.state == AlertState::Pending && t - a.active_at >= self.hold {
                a.state = AlertState::Firing;
            }
        }
        // Alerts whose series left the result are resolved and no longer listed.
        self.alerts = seen;
        self.last_error = None;
        self.evaluated = Some((time.to_unix(t), started.elapsed().as_secs_f64()));
    }

    pub fn state(&self) -> &'static str {
        self.alerts
            .values()
            .map(|a| a.state)
            .max()
            .map_or("inactive", AlertState::name)
    }

    fn alert_json(a: &Alert, time: TimeMap) -> Json {
        json!({
            "labels": a.labels,
            "annotations": a.annotations,
            "state": a.state.name(),
            "activeAt": rfc3339_nano(time.to_unix(a.active_at)),
            "value": go_exponent(a.value),
        })
    }

    pub fn to_json(&self, time: TimeMap) -> Json {
        let mut j = json!({
            "state": self.state(),
            "name": self.name,
            "query": self.expr.to_string(),
            "duration": self.hold,
            "keepFiringFor": 0,
            "labels": self.labels,
            "annotations": self.annotations,
            "alerts": self.alerts.values().map(|a| Self::alert_json(a, time)).collect::<Vec<_>>(),
            "health": match (&self.evaluated, &self.last_error) {
                (None, _) => "unknown",
                (_, Some(_)) => "err",
                _ => "ok",
            },
            "evaluationTime": self.evaluated.map_or(0.0, |e| e.1),
            "lastEvaluation": rfc3339_nano(self.evaluated.map_or(-62_135_596_800.0, |e| e.0)),
            "type": "alerting",
        });
        if let Some(e) = &self.last_error {
            j["lastError"] = json!(e);
        }
        j
    }
}

impl Group {
    /// Evaluates the group if its interval has passed since the last evaluation.
    pub fn evaluate_if_due(&mut self, storage: &dyn Storage, time: TimeMap, t: f64) {
        if self.last_eval.is_some_and(|last| t - last < self.interval) {
            return;
        }
        let started = std::time::Instant::now();
        for r in &mut self.rules {
            r.evaluate(storage, time, t);
        }
        self.last_eval = Some(t);
        self.evaluated = Some((time.to_unix(t), started.elapsed().as_secs_f64()));
    }

    pub fn to_json(&self, time: TimeMap, only: Option<&str>) -> Json {
        let rules: Vec<Json> = if only == Some("record") {
            Vec::new()
        } else {
            self.rules.iter().map(|r| r.to_json(time)).collect()
        };
        json!({
            "name": self.name,
            "file": self.file,
            "rules": rules,
            "interval": self.interval,
            "limit": 0,
            "evaluationTime": self.evaluated.map_or(0.0, |e| e.1),
            "lastEvaluation": rfc3339_nano(self.evaluated.map_or(-62_135_596_800.0, |e| e.0)),
        })
    }

    /// The group's pending and firing alerts, as `/api/v1/alerts` lists them.
    pub fn alerts_json(&self, time: TimeMap) -> Vec<Json> {
        self.rules
            .iter()
            .flat_map(|r| {
                r.alerts
                    .values()
                    .map(move |a| AlertRule::alert_json(a, time))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::prometheus::history::History;

    const SEED_004: &str = include_str!("../../../tests/fixtures/seeds/004_5973fd338d11c7c1.txt");
    const SEED_000: &str = include_str!("../../../tests/fixtures/seeds/000_662e3128cf17e9b7.txt");

    #[test]
    fn the_seeds_rule_blocks_are_found_and_a_bare_list_gets_a_group() {
        let b = extract(SEED_000, "deepseek-rag");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].file.groups[0].name, "critical-alerts");
        let names: Vec<_> = b[0].file.groups[0]
            .rules
            .iter()
            .filter_map(|r| r.alert.clone())
            .collect();
        assert_eq!(names, ["ApplicationDown", "HighErrorRate"]);
        assert!(
            SEED_000.contains(b[0].yaml.trim_end()),
            "the block is the seed's own text"
        );

        let b = extract(SEED_004, "terragon-rag");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].file.groups[0].name, "terragon-rag");
        let slow = &b[0].file.groups[0].rules[1];
        assert_eq!(slow.alert.as_deref(), Some("SlowResponseTime"));
        assert_eq!(slow.for_.as_deref(), Some("10m"));
        assert_eq!(slow.labels["severity"], "critical");
    }

    #[test]
    fn the_built_in_runbooks_carry_exactly_the_seeds_rules() {
        for (seed, runbook) in [(SEED_000, "deepseek-rag"), (SEED_004, "terragon-rag")] {
            let text = crate::runbook::builtin::get(runbook).unwrap().text;
            let from_seed: Vec<RuleFile> =
                extract(seed, runbook).into_iter().map(|b| b.file).collect();
            let from_runbook: Vec<RuleFile> =
                extract(text, runbook).into_iter().map(|b| b.file).collect();
            assert_eq!(from_seed, from_runbook, "{runbook}");
        }
    }

    #[test]
    fn every_scenario_has_rules_that_load() {
        for name in crate::sim::scenario::names() {
            let system = crate::sim::scenario::load(name)
                .expect("built-in scenario")
                .system()
                .to_string();
            let groups = for_scenario(&system).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                !groups.is_empty() && groups.iter().all(|g| !g.rules.is_empty()),
                "{name}"
            );
        }
    }

    fn l(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn pending_then_firing_after_for_then_resolved() {
        let yaml = r#"
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 30s
        labels: {severity: critical}
        annotations:
          summary: "{{ $labels.service }} is down ({{ $value }})"
"#;
        let mut groups = load("test.yml", yaml).unwrap();
        let g = &mut groups[0];
        let time = TimeMap {
            origin_unix: 1_000_000.0,
            speed: 1.0,
        };
        let mut h = History::default();
        let up = |v: f64| vec![(l(&[("__name__", "up"), ("service", "api")]), v)];
        for t in 0..=100 {
            let t = t as f64;
            h.record(t, up(if (10.0..80.0).contains(&t) { 0.0 } else { 1.0 }));
            g.evaluate_if_due(&h, time, t);
            let state = g.rules[0].state();
            match t as i64 {
                0..=9 => assert_eq!(state, "inactive", "t={t}"),
                10..=39 => assert_eq!(state, "pending", "t={t}"),
                40..=79 => assert_eq!(state, "firing", "t={t}"),
                80.. => assert_eq!(state, "inactive", "t={t}"),
                _ => {}
            }
            if t == 50.0 {
                let j = g.to_json(time, None);
                let alert = &j["rules"][0]["alerts"][0];
                assert_eq!(alert["labels"]["alertname"], "Down");
                assert_eq!(alert["labels"]["severity"], "critical");
                assert_eq!(alert["labels"]["service"], "api");
                assert!(alert["labels"].get("__name__").is_none());
                assert_eq!(alert["annotations"]["summary"], "api is down (0)");
                assert_eq!(alert["activeAt"], "1970-01-12T13:46:50Z");
                assert_eq!(alert["value"], "0e+00");
                assert_eq!(j["rules"][0]["query"], "up == 0");
                assert_eq!(j["rules"][0]["duration"], 30.0);
                assert_eq!(j["rules"][0]["health"], "ok");
            }
        }
    }

    #[test]
    fn bad_rules_are_refused_with_the_file_and_rule() {
        let e = load(
            "r.yml",
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(up)\n",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("r.yml: rule `A`: 1:1: parse error"),
            "{e}"
        );
        let e = load(
            "r.yml",
            "groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: up\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("recording rules are not evaluated"),
            "{e}"
        );
        let e = load(
            "r.yml",
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: soon\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("`for: soon` is not a duration"),
            "{e}"
        );
        assert!(load("r.yml", "nonsense: [").is_err());
    }
}
