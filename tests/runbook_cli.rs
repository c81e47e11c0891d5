//! `opsdeck runbook list|show|lint` as a user runs them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn seed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds")
        .join(name)
}

fn opsdeck(config_dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("opsdeck").unwrap();
    // A fresh config dir: no user risk rules leak into the results.
    cmd.env("OPSDECK_CONFIG_DIR", config_dir);
    cmd
}

fn json_of(output: &[u8]) -> Value {
    serde_json::from_slice(output).unwrap()
}

fn check_command_object(c: &Value) {
    let text = c["command"].as_str().expect("command is a string");
    assert!(!text.is_empty());
    let risk = c["risk"].as_str().expect("risk is a string");
    assert!(
        ["read-only", "mutating", "destructive"].contains(&risk),
        "{risk}"
    );
    assert!(!c["reason"].as_str().expect("reason is a string").is_empty());
    for p in c["placeholders"]
        .as_array()
        .expect("placeholders is an array")
    {
        assert!(p["name"].is_string(), "{p}");
        assert!(p["kind"].is_string(), "{p}");
    }
    if let Some(variants) = c.get("variants") {
        for v in variants.as_array().unwrap() {
            check_command_object(v);
        }
    }
}

#[test]
fn list_json_counts_every_seed_procedure() {
    let dir = tempfile::tempdir().unwrap();
    let expected = [
        ("000_662e3128cf17e9b7.txt", 18),
        ("001_8570ab2dfaebedea.txt", 25),
        ("002_b08d7360d942b084.txt", 19),
        ("003_ecefb51e8070bcaa.txt", 30),
        ("004_5973fd338d11c7c1.txt", 8),
    ];
    let mut cmd = opsdeck(dir.path());
    cmd.args(["runbook", "list", "--json"]);
    for (name, _) in expected {
        cmd.arg(seed(name));
    }
    let out = cmd.assert().success().get_output().stdout.clone();
    let json = json_of(&out);
    let files = json.as_array().unwrap();
    assert_eq!(files.len(), 5);
    for (file, (name, count)) in files.iter().zip(expected) {
        let procedures = file["procedures"].as_array().unwrap();
        assert_eq!(procedures.len(), count, "{name}");
        assert_eq!(file["hash"].as_str().unwrap().len(), 64);
        for p in procedures {
            assert!(p["title"].is_string());
            assert!(p["risks"]["read-only"].is_u64());
            assert!(p["risks"]["destructive"].is_u64());
        }
    }
    let first = &files[0]["procedures"][2];
    assert_eq!(first["title"], "Application Down");
    assert_eq!(first["severity"], "P1");
}

#[test]
fn list_text_shows_procedures_with_severity() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(dir.path())
        .args(["runbook", "list"])
        .arg(seed("000_662e3128cf17e9b7.txt"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("Application Down"))
        .unwrap();
    assert!(line.contains("P1"), "{line}");
    assert!(text.contains("(18 procedures)"), "{text}");
}

#[test]
fn show_json_has_command_objects_with_risk_reason_and_placeholders() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "000_662e3128cf17e9b7.txt",
        "001_8570ab2dfaebedea.txt",
        "002_b08d7360d942b084.txt",
        "003_ecefb51e8070bcaa.txt",
        "004_5973fd338d11c7c1.txt",
    ] {
        let out = opsdeck(dir.path())
            .args(["runbook", "show", "--json"])
            .arg(seed(name))
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let json = json_of(&out);
        let mut commands = 0;
        for p in json["procedures"].as_array().unwrap() {
            for phase in p["phases"].as_array().unwrap() {
                for step in phase["steps"].as_array().unwrap() {
                    for c in step["commands"].as_array().unwrap() {
                        check_command_object(c);
                        commands += 1;
                    }
                }
            }
        }
        assert!(commands > 0, "{name}");
    }
}

#[test]
fn show_one_procedure_by_title() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(dir.path())
        .args(["runbook", "show", "--json"])
        .arg(seed("002_b08d7360d942b084.txt"))
        .arg("pod crash loop")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json = json_of(&out);
    let procedures = json["procedures"].as_array().unwrap();
    assert_eq!(procedures.len(), 1);
    assert_eq!(procedures[0]["title"], "Pod Crash Loop");
    let diagnose = &procedures[0]["phases"][1];
    assert_eq!(diagnose["kind"], "diagnose");
    let logs = &diagnose["steps"][1]["commands"][0];
    assert_eq!(logs["command"], "kubectl logs -n rag7 POD_NAME --tail=100");
    assert_eq!(logs["risk"], "read-only");
    assert_eq!(logs["placeholders"][0]["name"], "POD_NAME");
    assert_eq!(logs["placeholders"][0]["kind"], "pod");

    let text = opsdeck(dir.path())
        .args(["runbook", "show"])
        .arg(seed("002_b08d7360d942b084.txt"))
        .arg("3")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("== Pod Crash Loop"), "{text}");
    assert!(
        text.contains("[read-only] kubectl logs only reads container logs"),
        "{text}"
    );
}

#[test]
fn show_unknown_procedure_fails_with_hint() {
    let dir = tempfile::tempdir().unwrap();
    let assert = opsdeck(dir.path())
        .args(["runbook", "show"])
        .arg(seed("004_5973fd338d11c7c1.txt"))
        .arg("Volcano Eruption")
        .assert()
        .failure();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("no procedure `Volcano Eruption`"),
        "{stderr}"
    );
    assert!(stderr.contains("opsdeck runbook list"), "{stderr}");
}

#[test]
fn builtin_runbooks_are_listed_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(dir.path())
        .args(["runbook", "list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json = json_of(&out);
    let sources: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        vec![
            "builtin:deepseek-rag",
            "builtin:doc-rag",
            "builtin:rag7",
            "builtin:rag-chatbot",
            "builtin:terragon-rag"
        ]
    );
}

#[test]
fn lint_json_reports_findings_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(dir.path())
        .args(["runbook", "lint", "--json"])
        .arg(seed("003_ecefb51e8070bcaa.txt"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json = json_of(&out);
    let findings = json[0]["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| {
        f["line"] == 130
            && f["severity"] == "warning"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("unknown-command rule")
    }));

    let bad = dir.path().join("bad.md");
    std::fs::write(
        &bad,
        "# Ops\n\n## Clean\n\n```bash {\"risk\":\"read-only\"}\nrm -rf /tmp/x\n```\n",
    )
    .unwrap();
    let assert = opsdeck(dir.path())
        .args(["runbook", "lint"])
        .arg(&bad)
        .assert()
        .code(1);
    let text = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains(&format!(
            "{}:6: error: annotation lowers `rm -rf /tmp/x` from destructive to read-only",
            bad.display()
        )),
        "{text}"
    );
}

#[test]
fn user_rules_in_config_dir_extend_the_builtins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("risk_rules.toml"),
        "[[rules]]\nprogram = \"validate_deployment.sh\"\nrisk = \"read-only\"\nreason = \"only validates\"\n",
    )
    .unwrap();
    let out = opsdeck(dir.path())
        .args(["runbook", "show", "--json"])
        .arg(seed("003_ecefb51e8070bcaa.txt"))
        .arg("Standard Deployment")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json = json_of(&out);
    let c = &json["procedures"][0]["phases"][0]["steps"][0]["commands"][0];
    assert_eq!(c["command"], "./scripts/validate_deployment.sh");
    assert_eq!(c["risk"], "read-only");
    assert_eq!(c["reason"], "only validates");

    std::fs::write(dir.path().join("risk_rules.toml"), "[[rules]\n").unwrap();
    let assert = opsdeck(dir.path())
        .args(["runbook", "list"])
        .arg(seed("004_5973fd338d11c7c1.txt"))
        .assert()
        .failure();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let expected = format!(
        "{}:1: invalid risk rules:",
        dir.path().join("risk_rules.toml").display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
}

#[test]
fn missing_file_fails_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let assert = opsdeck(dir.path())
        .args(["runbook", "list", "/nonexistent/runbook.md"])
        .assert()
        .failure();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("cannot read runbook /nonexistent/runbook.md: No such file or directory"),
        "{stderr}"
    );
}

fn style(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runbooks")
        .join(name)
}

#[test]
fn a_folder_lists_every_runbook_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(dir.path())
        .args(["runbook", "list", "--json"])
        .arg(style("alerts"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json = json_of(&out);
    let titles: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["procedures"].as_array().unwrap())
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        vec![
            "EtcdDatabaseQuotaLowSpace",
            "KubePodCrashLooping",
            "NodeFilesystemSpaceFillingUp"
        ]
    );
    let alerts = &json[1]["procedures"][0]["alerts"];
    assert_eq!(alerts, &serde_json::json!(["KubePodCrashLooping"]));

    let text = opsdeck(dir.path())
        .args(["runbook", "list"])
        .arg(style("alerts"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains(
            "NodeFilesystemSpaceFillingUp.md: NodeFilesystemSpaceFillingUp (1 procedures)"
        ),
        "{text}"
    );

    let empty = tempfile::tempdir().unwrap();
    let assert = opsdeck(dir.path())
        .args(["runbook", "list"])
        .arg(empty.path())
        .assert()
        .failure();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(&format!(
            "no .md files in {}; give a folder of Markdown runbooks",
            empty.path().display()
        )),
        "{stderr}"
    );
}

#[test]
fn show_finds_a_procedure_by_alert_name_in_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(dir.path())
        .args(["runbook", "show"])
        .arg(style("alerts"))
        .arg("NodeFilesystemSpaceFillingUp")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("== NodeFilesystemSpaceFillingUp (line 5)"),
        "{text}"
    );
    assert!(
        text.contains("   Meaning: A filesystem on a node"),
        "{text}"
    );
    assert!(
        text.contains("    then type in the session (line 19):"),
        "{text}"
    );
    assert!(
        text.contains("      │ /dev/sda1        98G   91G  7.0G  93% /"),
        "{text}"
    );
    assert!(!text.contains("KubePodCrashLooping"), "{text}");

    let out = opsdeck(dir.path())
        .args(["runbook", "show", "--json"])
        .arg(style("fences.md"))
        .arg("High error rate on checkout")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json = json_of(&out);
    let steps: Vec<&Value> = json["procedures"][0]["phases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["steps"].as_array().unwrap())
        .collect();
    let promql = &steps[0]["commands"][0];
    assert_eq!(promql["interpreter"], "promql");
    assert_eq!(promql["risk"], "read-only");
    let sql = steps
        .iter()
        .find(|s| s["commands"][0]["interpreter"] == "sql")
        .unwrap();
    assert_eq!(
        sql["sql_session"]["command"],
        "kubectl -n checkout exec -it checkout-db-0 -- psql -U checkout"
    );
    check_command_object(promql);
}

#[test]
fn lint_reports_what_the_importer_could_not_read_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(dir.path())
        .args(["runbook", "lint"])
        .arg(style("fences.md"))
        .arg(style("prompts.md"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let fences = style("fences.md");
    let prompts = style("prompts.md");
    for expected in [
        format!(
            "{}:76: warning: the block holds only comments (\"TODO: Command needed\"): no step [High error rate on checkout]",
            fences.display()
        ),
        format!(
            "{}:97: warning: ```python block is not read: opsdeck runs shell, SQL and PromQL blocks; tag it ```bash if it holds shell commands [Slow reports]",
            fences.display()
        ),
        format!(
            "{}:69: warning: console block shows no prompted command (`$ …`): read as sample output [Node disk full]",
            prompts.display()
        ),
    ] {
        assert!(text.contains(&expected), "{expected}\n---\n{text}");
    }
}
