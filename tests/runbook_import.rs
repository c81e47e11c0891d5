//! The importer on the five seed runbooks (golden), the built-in runbooks,
//! annotations, lint, bad input, and arbitrary Markdown.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use opsdeck::model::Risk;
use opsdeck::runbook::import::{import_file, import_str};
use opsdeck::runbook::lint::{FindingSeverity, lint};
use opsdeck::runbook::model::{Command, PhaseKind, Runbook};
use opsdeck::runbook::{Rules, builtin};
use proptest::prelude::*;

const SEEDS: &[&str] = &[
    "000_662e3128cf17e9b7.txt",
    "001_8570ab2dfaebedea.txt",
    "002_b08d7360d942b084.txt",
    "003_ecefb51e8070bcaa.txt",
    "004_5973fd338d11c7c1.txt",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds")
        .join(name)
}

fn import_seed(name: &str) -> Runbook {
    let mut runbook = import_file(&fixture(name)).unwrap();
    // Snapshots must not depend on where the checkout lives.
    runbook.source = PathBuf::from(name);
    runbook
}

fn one_line(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join(" ⏎ ")
}

fn write_command(out: &mut String, c: &Command, prefix: &str) {
    let platform = c.platform.map(|p| format!("{p:?} ")).unwrap_or_default();
    let _ = writeln!(out, "      {prefix}{platform}$ {}", one_line(&c.text));
    let _ = writeln!(out, "        => {}: {}", c.risk, c.reason);
    if !c.placeholders.is_empty() {
        let names: Vec<String> = c
            .placeholders
            .iter()
            .map(|p| match &p.default {
                Some(value) => format!("{}:{}={value}", p.name, p.kind),
                None => format!("{}:{}", p.name, p.kind),
            })
            .collect();
        let _ = writeln!(out, "        placeholders: {}", names.join(", "));
    }
    for w in &c.warnings {
        let _ = writeln!(out, "        ! {w}");
    }
}

/// A reviewable outline: procedures, phases, steps, and every command's risk.
fn outline(runbook: &Runbook) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} procedures",
        runbook.title,
        runbook.procedures.len()
    );
    for p in &runbook.procedures {
        let severity = p.severity.map(|s| format!(" [{s}]")).unwrap_or_default();
        let _ = writeln!(out, "\n## {}{} (line {})", p.title, severity, p.line);
        let _ = writeln!(out, "   path: {}", p.heading_path.join(" › "));
        if !p.alerts.is_empty() {
            let _ = writeln!(out, "   alerts: {}", p.alerts.join(", "));
        }
        for phase in &p.phases {
            let _ = writeln!(out, "  ### {} {:?}", phase.kind, phase.title);
            for step in &phase.steps {
                let _ = writeln!(out, "    - {} (line {})", step.text, step.line);
                for note in &step.notes {
                    let _ = writeln!(out, "      · {note}");
                }
                if let Some(session) = &step.sql_session {
                    let _ = writeln!(
                        out,
                        "      typed into: {} (line {})",
                        one_line(&session.command),
                        session.line
                    );
                }
                for (i, c) in step.commands.iter().enumerate() {
                    write_command(&mut out, c, "");
                    for v in &c.variants {
                        write_command(&mut out, v, "or ");
                    }
                    for (label, samples) in [
                        ("output", &step.expected_output),
                        ("editor", &step.editor_content),
                        ("session", &step.session_input),
                    ] {
                        for s in samples.iter().filter(|s| s.command == i) {
                            let _ = writeln!(
                                out,
                                "        {label} (line {}): {}",
                                s.line,
                                one_line(&s.text)
                            );
                        }
                    }
                }
            }
        }
    }
    out
}

#[test]
fn seed_000_golden() {
    insta::assert_snapshot!("runbook_seed_000", outline(&import_seed(SEEDS[0])));
}

#[test]
fn seed_001_golden() {
    insta::assert_snapshot!("runbook_seed_001", outline(&import_seed(SEEDS[1])));
}

#[test]
fn seed_002_golden() {
    insta::assert_snapshot!("runbook_seed_002", outline(&import_seed(SEEDS[2])));
}

#[test]
fn seed_003_golden() {
    insta::assert_snapshot!("runbook_seed_003", outline(&import_seed(SEEDS[3])));
}

#[test]
fn seed_004_golden() {
    insta::assert_snapshot!("runbook_seed_004", outline(&import_seed(SEEDS[4])));
}

fn titles(runbook: &Runbook) -> Vec<&str> {
    runbook
        .procedures
        .iter()
        .map(|p| p.title.as_str())
        .collect()
}

#[test]
fn seed_procedures_are_found() {
    let r002 = import_seed(SEEDS[2]);
    let t = titles(&r002);
    for wanted in [
        "High Error Rate",
        "High Latency",
        "Pod Crash Loop",
        "Database Connection Issues",
        "Out of Memory (OOM)",
        "API Rate Limiting",
        "Standard Deployment",
        "Hotfix Deployment",
        "Rollback Procedure",
        "Manual Scaling",
        "Adjust HPA",
        "Database Backup",
        "Configuration Backup",
        "Certificate Renewal",
        "Data Corruption",
    ] {
        assert!(t.contains(&wanted), "seed 002 lacks {wanted}: {t:?}");
    }
    let high_error = &r002.procedures[0];
    assert_eq!(high_error.alerts, vec!["HighErrorRate".to_string()]);
    let kinds: Vec<PhaseKind> = high_error.phases.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        vec![PhaseKind::Symptoms, PhaseKind::Diagnose, PhaseKind::Resolve]
    );
    // Numbered list items with indented fences: the item is the step.
    let resolve = &high_error.phases[2];
    assert_eq!(resolve.steps[1].text, "Check dependencies");
    assert_eq!(resolve.steps[1].commands.len(), 2);
    assert!(
        resolve.steps[1].commands[0]
            .text
            .contains("--restart=Never -- psql")
    );

    let r000 = import_seed(SEEDS[0]);
    let app_down = r000
        .procedures
        .iter()
        .find(|p| p.title == "Application Down")
        .unwrap();
    assert_eq!(
        app_down.severity.map(|s| s.to_string()).as_deref(),
        Some("P1")
    );
    // `# or` pairs become platform variants of one command.
    let first = &app_down.phases[1].steps[0].commands[0];
    assert!(first.text.starts_with("kubectl get pods"));
    assert!(first.variants[0].text.starts_with("docker-compose ps"));
    // The health-check script: its commands, without echo noise.
    let morning = r000
        .procedures
        .iter()
        .find(|p| p.title == "Morning Health Check")
        .unwrap();
    let texts: Vec<&str> = morning.all_commands().map(|c| c.text.as_str()).collect();
    assert!(
        texts.contains(&"curl -s -f http://your-domain/_stcore/health"),
        "{texts:?}"
    );
    assert!(texts.iter().all(|t| !t.starts_with("echo")), "{texts:?}");
    // Alert rules (YAML) are not commands; contacts are not procedures.
    assert!(!titles(&r000).contains(&"Setting Up Alerts"));
    assert!(
        !titles(&r000)
            .iter()
            .any(|t| t.contains("Escalation") || t.contains("Emergency Procedures"))
    );

    let r001 = import_seed(SEEDS[1]);
    let service_down = &r001.procedures[0];
    assert_eq!(service_down.title, "Service Down");
    let platform_phase = service_down
        .phases
        .iter()
        .find(|p| p.title == "Docker Commands / Kubernetes Commands")
        .unwrap();
    let restart = platform_phase
        .steps
        .iter()
        .find(|s| s.text == "Restart specific service")
        .unwrap();
    assert!(
        restart.commands[0].variants[0]
            .text
            .starts_with("kubectl rollout restart")
    );
    assert!(
        !titles(&r001)
            .iter()
            .any(|t| t.contains("Contents") || t.contains("Contact"))
    );

    let r003 = import_seed(SEEDS[3]);
    let down = r003
        .procedures
        .iter()
        .find(|p| p.title == "Alert: RAGChatbotDown")
        .unwrap();
    assert_eq!(down.alerts, vec!["RAGChatbotDown".to_string()]);
    let cmds: Vec<&str> = down.all_commands().map(|c| c.text.as_str()).collect();
    assert_eq!(
        cmds,
        vec![
            "docker-compose logs rag-chatbot-prod",
            "docker stats",
            "docker-compose restart rag-chatbot-prod"
        ]
    );
    assert!(!titles(&r003).iter().any(|t| t.contains("Change Log")));

    let r004 = import_seed(SEEDS[4]);
    let leaks = r004
        .procedures
        .iter()
        .find(|p| p.title == "Memory Leaks")
        .unwrap();
    let cmds: Vec<(&str, Risk)> = leaks
        .all_commands()
        .map(|c| (c.text.as_str(), c.risk))
        .collect();
    assert_eq!(
        cmds,
        vec![
            ("kubectl top pods --sort-by=memory", Risk::ReadOnly),
            ("kubectl delete pod <pod-name>", Risk::Destructive)
        ]
    );
}

#[test]
fn every_seed_command_has_a_reason() {
    for seed in SEEDS {
        let runbook = import_seed(seed);
        assert!(!runbook.procedures.is_empty(), "{seed}");
        for p in &runbook.procedures {
            for c in p.all_commands() {
                assert!(!c.reason.is_empty(), "{seed}: {}", c.text);
                assert!(c.line > 0, "{seed}: {}", c.text);
            }
        }
    }
}

#[test]
fn fixtures_are_the_seeds_byte_for_byte() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    // Recorded hashes keep the check meaningful where the shared dir is absent.
    let expected_sha256_prefix = [
        "2bc0cfd5d310016c",
        "43d424f889b7f1ee",
        "2ed2df501cf616dc",
        "61d9b1361918674c",
        "59071d4e9ade167e",
    ];
    for (seed, prefix) in SEEDS.iter().zip(expected_sha256_prefix) {
        let ours = std::fs::read(fixture(seed)).unwrap();
        if shared.exists() {
            let theirs = std::fs::read(shared.join(seed)).unwrap();
            assert!(
                ours == theirs,
                "tests/fixtures/seeds/{seed} differs from ../shared/seeds/{seed}"
            );
        }
        let runbook = import_file(&fixture(seed)).unwrap();
        assert!(runbook.hash.starts_with(prefix), "{seed}: {}", runbook.hash);
        assert_eq!(runbook.hash.len(), 64);
    }
}

#[test]
fn builtin_runbooks_ship_every_seed_procedure() {
    assert_eq!(builtin::all().len(), SEEDS.len());
    let rules = Rules::builtin();
    for (b, seed) in builtin::all().iter().zip(SEEDS) {
        assert!(
            b.text.contains(seed),
            "{} does not name its source {seed}",
            b.name
        );
        let ours = b.import(&rules).unwrap();
        let theirs = import_seed(seed);
        let seed_titles: Vec<&str> = titles(&theirs)
            .into_iter()
            .filter(|t| *t != "API Keys and Credentials")
            .collect();
        assert_eq!(titles(&ours), seed_titles, "{}", b.name);
        let errors: Vec<_> = lint(&ours, &rules)
            .into_iter()
            .filter(|f| f.severity == FindingSeverity::Error)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", b.name);
    }
    assert!(builtin::get("builtin:rag7").is_some());
    assert!(builtin::get("nope").is_none());
}

#[test]
fn annotations_raise_risk_and_lowering_needs_a_reason() {
    let text = "# Cache\n\n## Flush\n\n```bash {\"risk\":\"destructive\",\"name\":\"flush-cache\"}\nredis-cli info\n```\n\n## Quiet\n\n```bash {\"risk\":\"read-only\"}\nkubectl delete pod x\n```\n\n## Explained\n\n```bash {\"risk\":\"read-only\",\"reason\":\"the script only prints\"}\n./scripts/report.sh\n```\n";
    let runbook = import_str(text, Path::new("notes.md")).unwrap();
    let cmds: Vec<&Command> = runbook
        .procedures
        .iter()
        .flat_map(|p| p.all_commands())
        .collect();
    assert_eq!(cmds[0].risk, Risk::Destructive);
    assert!(
        cmds[0]
            .reason
            .starts_with("marked destructive by the runbook"),
        "{}",
        cmds[0].reason
    );
    assert_eq!(
        cmds[0].annotation.as_ref().unwrap().name.as_deref(),
        Some("flush-cache")
    );
    // Lowering without a reason is refused: the classifier's verdict stays.
    assert_eq!(cmds[1].risk, Risk::Destructive);
    assert_eq!(cmds[2].risk, Risk::ReadOnly);
    assert!(
        cmds[2].reason.starts_with("the script only prints"),
        "{}",
        cmds[2].reason
    );

    let findings = lint(&runbook, &Rules::builtin());
    let errors: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == FindingSeverity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{findings:?}");
    assert_eq!(errors[0].line, 12);
    assert_eq!(
        errors[0].message,
        "annotation lowers `kubectl delete pod x` from destructive to read-only without a \"reason\"; add one, or remove the \"risk\""
    );
}

#[test]
fn html_comment_annotations_set_procedure_metadata() {
    let text = "# Ops\n\n<!-- opsdeck: {\"severity\":\"P1\",\"alerts\":[\"CacheDown\"],\"platform\":\"kubernetes\"} -->\n## Cache down\n\n1. Check: `redis-cli ping`\n\n<!-- opsdeck: {\"skip\":true} -->\n## Sample output\n\n```bash\nrm -rf /\n```\n";
    let runbook = import_str(text, Path::new("ops.md")).unwrap();
    assert_eq!(runbook.procedures.len(), 1);
    let p = &runbook.procedures[0];
    assert_eq!(p.title, "Cache down");
    assert_eq!(p.severity.map(|s| s.to_string()).as_deref(), Some("P1"));
    assert_eq!(p.alerts, vec!["CacheDown".to_string()]);
    let c = p.all_commands().next().unwrap();
    assert_eq!(c.text, "redis-cli ping");
    assert_eq!(c.platform, Some(opsdeck::model::Platform::Kubernetes));
}

#[test]
fn lint_reports_unknown_commands_unguarded_destruction_and_untyped_placeholders() {
    let rules = Rules::builtin();
    let r003 = import_seed(SEEDS[3]);
    let findings = lint(&r003, &rules);
    assert!(findings.iter().any(|f| f.line == 130
        && f.message.contains(
            "`./scripts/validate_deployment.sh` is classified only by the unknown-command rule"
        )));
    assert!(
        findings
            .iter()
            .any(|f| f.message.starts_with("placeholder `BACKUP_DIR`"))
    );

    let r002 = import_seed(SEEDS[2]);
    let findings = lint(&r002, &rules);
    let dropdb = findings
        .iter()
        .find(|f| f.procedure == "Data Corruption" && f.message.starts_with("destructive step"))
        .unwrap();
    assert_eq!(dropdb.line, 499);
    // Diagnosis comes first in the incident procedures: no such finding there.
    assert!(
        !findings
            .iter()
            .any(|f| f.procedure == "Database Connection Issues"
                && f.message.starts_with("destructive step"))
    );

    let r004 = import_seed(SEEDS[4]);
    let findings = lint(&r004, &rules);
    assert!(
        findings
            .iter()
            .any(|f| f.line == 49 && f.message.contains("looks incomplete"))
    );
}

#[test]
fn missing_file_is_a_clear_error() {
    let path = Path::new("/nonexistent/dir/runbook.md");
    let err = import_file(path).unwrap_err().to_string();
    assert_eq!(
        err,
        "cannot read runbook /nonexistent/dir/runbook.md: No such file or directory (os error 2); check the path"
    );
}

#[test]
fn binary_file_is_a_clear_error_with_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.md");
    std::fs::write(&path, b"# Title\n\nsome text\n\x89PNG\x00\x01\xff\xfe").unwrap();
    let err = import_file(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}:4: not a text file (byte 19 is binary: NUL or invalid UTF-8); give a Markdown runbook",
            path.display()
        )
    );
}

#[test]
fn malformed_annotation_json_names_file_and_line() {
    let text = "# Ops\n\n## Flush\n\n```bash {\"risk\": destructive}\nredis-cli flushall\n```\n";
    let err = import_str(text, Path::new("runbooks/cache.md"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "runbooks/cache.md:5: malformed opsdeck annotation: expected value at line 1 column 10; write JSON such as {\"risk\":\"destructive\",\"reason\":\"…\"}"
    );

    let text = "# Ops\n\n<!-- opsdeck: {\"severity\": \"P1\",\n  \"rsik\": 1} -->\n## Flush\n";
    let err = import_str(text, Path::new("ops.md"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("ops.md:4: malformed opsdeck annotation: unknown field `rsik`"),
        "{err}"
    );
}

fn markdown_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[#]{1,6} [A-Za-z0-9 ()]{0,20}\n".prop_map(|s| s),
        Just("---\ntitle: Alert\n---\n".to_string()),
        "## (Meaning|Impact|Diagnosis|Mitigation|Verification)\n".prop_map(|s| s),
        "```(console|shell|text|txt|log|json|ini|toml|python|mermaid)\n".prop_map(|s| s),
        "(\\$|#|>) (kubectl|df|ssh|ansible|salt|etcdctl|helm) [a-z{}<>$ '-]{0,20}\n"
            .prop_map(|s| s),
        "[A-Z]{2,8}   [a-z0-9-]{1,10}   [A-Za-z]{0,8}\n".prop_map(|s| s),
        "[a-zA-Z]{1,10}: [a-z0-9.:]{0,12}\n".prop_map(|s| s),
        Just("...\n".to_string()),
        "[A-Z_]{1,10}=\"?[a-z0-9-]{0,10}\"?\n".prop_map(|s| s),
        "kubectl (edit cm x|debug node/n -it --image=busybox|exec -it p)\n".prop_map(|s| s),
        Just("exit\n".to_string()),
        "kubectl -n \\{\\{ ?[a-z]{1,8} ?\\}\\} get pods -o go-template='\\{\\{range .items\\}\\}\\{\\{end\\}\\}'\n"
            .prop_map(|s| s),
        Just("**Symptoms:**\n".to_string()),
        Just("**Resolution Steps:**\n".to_string()),
        Just("**Docker Commands**:\n".to_string()),
        Just("**Kubernetes Commands**:\n".to_string()),
        Just("**Severity**: Critical\n".to_string()),
        "```(bash|sql|yaml|promql|)?( \\{\"risk\":\"(read-only|mutating|destructive)\"\\})?\n"
            .prop_map(|s| s),
        Just("```\n".to_string()),
        "(kubectl|docker|redis-cli|psql|curl|rm|find) [a-z<>_$(){}'\"|&;\\\\ -]{0,30}\n"
            .prop_map(|s| s),
        "# (or|[A-Za-z ]{0,15})\n".prop_map(|s| s),
        "[0-9]{1,2}\\. [A-Za-z :`]{0,25}\n".prop_map(|s| s),
        "   ```bash\n   kubectl [a-z -]{0,15}\n   ```\n".prop_map(|s| s),
        "- (\\[ \\] )?[A-Za-z `>]{0,20}\n".prop_map(|s| s),
        "<!-- opsdeck: \\{\"severity\":\"P[0-4]\"\\} -->\n".prop_map(|s| s),
        "if command -v kubectl; then\n  kubectl get pods\nelse\n  docker ps\nfi\n".prop_map(|s| s),
        "\\PC{0,30}".prop_map(|s| s),
        Just("\n".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn importer_never_panics(parts in prop::collection::vec(markdown_fragment(), 0..40)) {
        let text: String = parts.concat();
        let lines = text.lines().count() + 1;
        if let Ok(runbook) = import_str(&text, Path::new("arbitrary.md")) {
            for p in &runbook.procedures {
                prop_assert!(!p.title.is_empty());
                for c in p.all_commands() {
                    prop_assert!(!c.reason.is_empty());
                    prop_assert!(c.line >= 1 && c.line <= lines, "line {} of {}", c.line, lines);
                }
            }
            let _findings = lint(&runbook, &Rules::builtin());
        }
    }

    #[test]
    fn classifier_never_panics(text in "\\PC{0,80}") {
        let verdict = opsdeck::runbook::risk::classify(&Rules::builtin(), &text);
        prop_assert!(!verdict.reason.is_empty());
    }
}

/// The generated runbook of the import benchmark, in its four shapes.
fn generated(procedures: usize) -> String {
    let mut text = String::from("# Generated operations runbook\n\n");
    for i in 0..procedures {
        match i % 4 {
            0 => text.push_str(&format!(
                "## Service {i} down (Critical)\n**Diagnosis:**\n```bash\nkubectl get pods -n ns{i}\n```\n"
            )),
            1 => text.push_str(&format!(
                "### Restart worker {i}\n1. Restart: `kubectl rollout restart deploy/w{i}`\n\n"
            )),
            2 => text.push_str(&format!(
                "### Cache {i}\n```bash\n# Check\nredis-cli -n {} info memory\n```\n",
                i % 16
            )),
            _ => text.push_str(&format!(
                "### Disk {i}\n- Check usage: `df -h /data{i}`\n- Notify the owner\n\n"
            )),
        }
    }
    text
}

#[test]
fn a_runbook_of_a_megabyte_and_more_imports_whole() {
    let text = generated(14_000);
    assert!(text.len() > 1_000_000, "{} bytes", text.len());
    let runbook = import_str(&text, Path::new("big.md")).unwrap();
    assert_eq!(runbook.procedures.len(), 14_000);
    let last = runbook.procedures.last().unwrap();
    assert_eq!(last.title, "Disk 13999");
    let line = text.lines().position(|l| l.contains("/data13999")).unwrap() + 1;
    assert_eq!(last.all_commands().next().unwrap().line, line);
}

#[test]
fn deep_nesting_neither_overflows_nor_hangs() {
    let depth = 5_000;
    let mut text = String::from("# Deep\n\n## Lists\n\n");
    text.push_str(&"- ".repeat(100_000));
    text.push_str("`kubectl get pods`\n\n## Quotes\n\n");
    text.push_str(&"> ".repeat(depth));
    text.push_str("kubectl delete pod x\n\n## Substitutions\n\n```bash\necho ");
    text.push_str(&"$(".repeat(depth));
    text.push_str("rm -rf /");
    text.push_str(&")".repeat(depth));
    text.push_str("\nsudo ");
    text.push_str(&"sudo ".repeat(depth));
    text.push_str("kubectl get pods\n");
    text.push_str(&"if true; then\n".repeat(depth));
    text.push_str("```\n");
    for level in (1..=6).cycle().take(depth) {
        text.push_str(&format!(
            "{} Level {level}\n\n```bash\nkubectl get pods\n```\n",
            "#".repeat(level)
        ));
    }
    let runbook = import_str(&text, Path::new("deep.md")).unwrap();
    let substitutions = runbook
        .procedures
        .iter()
        .find(|p| p.title == "Substitutions")
        .unwrap();
    let risks: Vec<(String, Risk)> = substitutions
        .all_commands()
        .map(|c| (c.text.chars().take(12).collect(), c.risk))
        .collect();
    // Too deep to read is treated as mutating, never as read-only; the open `if`s
    // run nothing.
    assert_eq!(
        risks,
        vec![
            ("echo $($($($".to_string(), Risk::Mutating),
            ("sudo sudo su".to_string(), Risk::Mutating),
            ("if true; the".to_string(), Risk::ReadOnly),
        ]
    );
    let _findings = lint(&runbook, &Rules::builtin());
}

#[test]
fn an_unterminated_fence_runs_to_the_end_and_is_still_classified() {
    let text = "# Ops\n\n## Purge\n\n```bash\n# Purge the cache\nredis-cli flushall\n\n## Not a heading inside the fence\n";
    let runbook = import_str(text, Path::new("open.md")).unwrap();
    let commands: Vec<(&str, Risk)> = runbook
        .procedures
        .iter()
        .flat_map(|p| p.all_commands())
        .map(|c| (c.text.as_str(), c.risk))
        .collect();
    assert_eq!(commands, vec![("redis-cli flushall", Risk::Destructive)]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn large_arbitrary_runbooks_import(parts in prop::collection::vec(markdown_fragment(), 2_000..4_000)) {
        let text: String = parts.concat();
        if let Ok(runbook) = import_str(&text, Path::new("large.md")) {
            let lines = text.lines().count() + 1;
            for c in runbook.procedures.iter().flat_map(|p| p.all_commands()) {
                prop_assert!(c.line >= 1 && c.line <= lines);
            }
            for u in &runbook.unread {
                prop_assert!(u.line >= 1 && u.line <= lines, "{:?}", u);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    /// A megabyte of arbitrary runbook: every fragment shape, repeated.
    #[test]
    fn a_megabyte_of_arbitrary_runbook_imports(parts in prop::collection::vec(markdown_fragment(), 50..120)) {
        let unit: String = parts.concat();
        prop_assume!(!unit.is_empty());
        let text = unit.repeat(1_000_000 / unit.len() + 1);
        prop_assert!(text.len() >= 1_000_000);
        if let Ok(runbook) = import_str(&text, Path::new("megabyte.md")) {
            let lines = text.lines().count() + 1;
            for c in runbook.procedures.iter().flat_map(|p| p.all_commands()) {
                prop_assert!(c.line >= 1 && c.line <= lines);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn invalid_utf8_is_rejected_with_its_line(
        before in "(\\PC{0,20}\n){0,5}",
        bad in prop::sample::select(vec![vec![0xffu8], vec![0xc3, 0x28], vec![0xe2, 0x82], vec![0x80], vec![0xf0, 0x9f, 0x92]]),
        after in "\\PC{0,20}",
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.md");
        let mut bytes = before.clone().into_bytes();
        bytes.extend(&bad);
        bytes.extend(after.as_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let err = import_file(&path).unwrap_err().to_string();
        let line = before.matches('\n').count() + 1;
        let expected = format!(
            "{}:{line}: not a text file (byte {} is binary: NUL or invalid UTF-8); give a Markdown runbook",
            path.display(),
            before.len()
        );
        prop_assert_eq!(err, expected);
    }
}
