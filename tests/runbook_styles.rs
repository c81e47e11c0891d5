//! Runbooks as people write them (tests/fixtures/runbooks, one file per style):
//! the golden `opsdeck runbook show` text of each, read by hand, and the promise
//! each style makes, asserted on the model.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

use std::path::{Path, PathBuf};

use opsdeck::config::Profile;
use opsdeck::model::Risk;
use opsdeck::runbook::Rules;
use opsdeck::runbook::catalog::{self, Catalog};
use opsdeck::runbook::cli::show_text;
use opsdeck::runbook::import::import_file;
use opsdeck::runbook::lint::lint;
use opsdeck::runbook::model::{Command, Interpreter, PhaseKind, Procedure, Runbook, Step};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runbooks")
        .join(name)
}

fn import(name: &str) -> Runbook {
    let mut runbook = import_file(&fixture(name)).unwrap();
    // Goldens must not depend on where the checkout lives.
    runbook.source = PathBuf::from(name);
    runbook
}

fn procedure<'r>(runbook: &'r Runbook, title: &str) -> &'r Procedure {
    runbook
        .procedures
        .iter()
        .find(|p| p.title == title)
        .unwrap_or_else(|| panic!("no procedure {title}: {}", show_text(runbook)))
}

fn commands(p: &Procedure) -> Vec<&str> {
    p.all_commands().map(|c| c.text.as_str()).collect()
}

fn steps(p: &Procedure) -> Vec<&Step> {
    p.phases.iter().flat_map(|ph| ph.steps.iter()).collect()
}

fn command<'p>(p: &'p Procedure, text: &str) -> &'p Command {
    p.all_commands()
        .find(|c| c.text == text)
        .unwrap_or_else(|| panic!("no command {text:?} in {:?}", commands(p)))
}

#[test]
fn golden_prompts() {
    insta::assert_snapshot!("runbook_style_prompts", show_text(&import("prompts.md")));
}

#[test]
fn golden_editor() {
    insta::assert_snapshot!("runbook_style_editor", show_text(&import("editor.md")));
}

#[test]
fn golden_fences() {
    insta::assert_snapshot!("runbook_style_fences", show_text(&import("fences.md")));
}

#[test]
fn golden_inline() {
    insta::assert_snapshot!("runbook_style_inline", show_text(&import("inline.md")));
}

#[test]
fn golden_templates() {
    insta::assert_snapshot!(
        "runbook_style_templates",
        show_text(&import("templates.md"))
    );
}

#[test]
fn golden_care() {
    insta::assert_snapshot!("runbook_style_care", show_text(&import("care.md")));
}

#[test]
fn golden_remote() {
    insta::assert_snapshot!("runbook_style_remote", show_text(&import("remote.md")));
}

#[test]
fn golden_tools() {
    insta::assert_snapshot!("runbook_style_tools", show_text(&import("tools.md")));
}

#[test]
fn golden_alert_files() {
    for (name, snapshot) in [
        (
            "alerts/KubePodCrashLooping.md",
            "runbook_style_alert_kube_pod_crash_looping",
        ),
        (
            "alerts/EtcdDatabaseQuotaLowSpace.md",
            "runbook_style_alert_etcd_database_quota_low_space",
        ),
        (
            "alerts/node/NodeFilesystemSpaceFillingUp.md",
            "runbook_style_alert_node_filesystem_space_filling_up",
        ),
    ] {
        insta::assert_snapshot!(snapshot, show_text(&import(name)));
    }
}

#[test]
fn prompted_lines_are_the_commands_and_the_rest_their_output() {
    let runbook = import("prompts.md");
    let pvc = procedure(&runbook, "PersistentVolumeClaim stuck in Pending");
    assert_eq!(
        commands(pvc),
        vec![
            "kubectl get storageclass",
            "kubectl -n payments describe pvc data-ledger-0",
            "kubectl -n payments patch pvc data-ledger-0 -p '{\"spec\":{\"storageClassName\":\"fast-ssd\"}}'",
            "kubectl -n payments get pvc data-ledger-0 -o wide",
        ]
    );
    let first = steps(pvc)[0];
    assert_eq!(first.expected_output.len(), 1);
    assert!(
        first.expected_output[0]
            .text
            .starts_with("NAME                 PROVISIONER")
    );
    assert!(pvc.all_commands().all(|c| c.risk != Risk::Destructive));

    let disk = procedure(&runbook, "Node disk full");
    // Root prompts (`# df -h …`) and `> ` prompts, followed by what they printed.
    assert_eq!(
        commands(disk),
        vec![
            "df -h /var/lib/kubelet",
            "du -sh /var/log/pods",
            "kubectl get nodes -o wide"
        ]
    );
    assert!(disk.all_commands().all(|c| c.risk == Risk::ReadOnly));
    // The console block without a prompt is sample output, reported by lint.
    let findings = lint(&runbook, &Rules::builtin());
    assert!(
        findings.iter().any(|f| f.line == 69
            && f.message
                .starts_with("console block shows no prompted command")),
        "{findings:#?}"
    );
}

#[test]
fn lines_under_an_editor_command_are_what_to_change() {
    let runbook = import("editor.md");
    let proxy = procedure(&runbook, "kube-proxy metrics not scraped");
    let edit = steps(proxy)
        .into_iter()
        .find(|s| {
            s.commands
                .iter()
                .any(|c| c.text.starts_with("kubectl edit"))
        })
        .unwrap();
    assert_eq!(edit.commands.len(), 1);
    assert_eq!(
        edit.editor_content[0].text,
        "...\nmetricsBindAddress: 0.0.0.0:10249\n..."
    );
    assert!(edit.commands[0].needs_terminal());
    let journald = procedure(&runbook, "journald fills the root disk");
    assert_eq!(
        commands(journald),
        vec![
            "sudo vi /etc/systemd/journald.conf",
            "sudo systemctl restart systemd-journald"
        ]
    );
    assert_eq!(
        steps(journald)[0].editor_content[0].text,
        "[Journal]\nSystemMaxUse=2G"
    );
}

#[test]
fn only_shell_sql_and_promql_fences_hold_commands() {
    let runbook = import("fences.md");
    let checkout = procedure(&runbook, "High error rate on checkout");
    assert_eq!(checkout.alerts, vec!["CheckoutHighErrorRate".to_string()]);
    let all: Vec<&Command> = checkout.all_commands().collect();
    let kinds: Vec<(Interpreter, Risk)> = all.iter().map(|c| (c.interpreter, c.risk)).collect();
    assert_eq!(
        kinds,
        vec![
            (Interpreter::Promql, Risk::ReadOnly),
            (Interpreter::Shell, Risk::Mutating),
            (Interpreter::Sql, Risk::ReadOnly),
            (Interpreter::Sql, Risk::Destructive),
        ],
        "{}",
        show_text(&runbook)
    );
    assert!(all[0].text.starts_with("sum(rate(http_requests_total"));
    // The SQL is typed into the psql session the runbook opened two blocks above.
    let sql_steps: Vec<&Step> = steps(checkout)
        .into_iter()
        .filter(|s| s.commands.iter().any(|c| c.interpreter == Interpreter::Sql))
        .collect();
    for step in &sql_steps {
        let session = step.sql_session.as_ref().unwrap();
        assert_eq!(
            session.command,
            "kubectl -n checkout exec -it checkout-db-0 -- psql -U checkout"
        );
        assert_eq!(session.line, 26);
    }
    // No session opened before: the statement stays text to run elsewhere.
    let slow = procedure(&runbook, "Slow reports");
    assert!(steps(slow)[0].sql_session.is_none());

    let findings = lint(&runbook, &Rules::builtin());
    let lines: Vec<(usize, &str)> = findings
        .iter()
        .map(|f| (f.line, f.message.as_str()))
        .collect();
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 76 && m.contains("holds only comments (\"TODO: Command needed\")")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, m)| *l == 97 && m.starts_with("```python block is not read")),
        "{lines:#?}"
    );
}

#[test]
fn an_alert_file_is_one_procedure_named_after_the_alert() {
    let runbook = import("alerts/KubePodCrashLooping.md");
    assert_eq!(runbook.title, "KubePodCrashLooping");
    assert_eq!(runbook.procedures.len(), 1, "{}", show_text(&runbook));
    let p = &runbook.procedures[0];
    assert_eq!(p.title, "KubePodCrashLooping");
    assert_eq!(p.alerts, vec!["KubePodCrashLooping".to_string()]);
    let kinds: Vec<PhaseKind> = p.phases.iter().map(|ph| ph.kind).collect();
    assert_eq!(kinds, vec![PhaseKind::Diagnose, PhaseKind::Resolve]);
    let description: Vec<&str> = p.description.lines().collect();
    assert_eq!(description.len(), 2);
    assert!(description[0].starts_with("Meaning: A container restarted"));
    assert!(description[1].starts_with("Impact: The workload runs"));
    // The transcript inside a list item: its output belongs to the command.
    let read = steps(p)
        .into_iter()
        .find(|s| s.text == "Read why the last run ended")
        .unwrap();
    assert_eq!(read.expected_output[0].command, 0);
    assert!(read.expected_output[0].text.contains("OOMKilled"));
}

#[test]
fn the_name_value_line_sets_a_default_for_the_steps_that_follow() {
    let runbook = import("alerts/EtcdDatabaseQuotaLowSpace.md");
    let p = &runbook.procedures[0];
    let texts = commands(p);
    assert!(
        !texts.iter().any(|t| t.starts_with("NAMESPACE=")),
        "{texts:?}"
    );
    for c in p.all_commands() {
        for ph in c.placeholders.iter().filter(|ph| ph.name == "NAMESPACE") {
            assert_eq!(ph.default.as_deref(), Some("kube-etcd"), "{}", c.text);
        }
    }
    let defrag = command(p, "kubectl -n $NAMESPACE exec etcd-0 -- etcdctl defrag");
    assert_eq!(defrag.risk, Risk::Mutating);

    let templates = import("templates.md");
    let slow = procedure(&templates, "etcd member slow");
    let logs = command(
        slow,
        "kubectl -n $NAMESPACE logs $ETCD_POD --since=15m | grep -i \"took too long\"",
    );
    let defaults: Vec<(&str, Option<&str>)> = logs
        .placeholders
        .iter()
        .map(|p| (p.name.as_str(), p.default.as_deref()))
        .collect();
    assert_eq!(
        defaults,
        vec![
            ("NAMESPACE", Some("kube-etcd")),
            ("ETCD_POD", Some("etcd-0"))
        ]
    );
}

#[test]
fn template_notations_are_placeholders_and_go_templates_are_not() {
    let runbook = import("templates.md");
    let cert = procedure(&runbook, "Certificate about to expire");
    let names = |text: &str| -> Vec<String> {
        command(cert, text)
            .placeholders
            .iter()
            .map(|p| p.name.clone())
            .collect()
    };
    assert_eq!(
        names(
            "kubectl -n {{namespace}} get secret {{ secret_name }} -o jsonpath='{.data.tls\\.crt}' | base64 -d | openssl x509 -noout -enddate"
        ),
        vec!["namespace", "secret_name"]
    );
    assert_eq!(
        names(
            "kubectl -n {{namespace}} get pods -o go-template='{{range .items}}{{.metadata.name}}{{\"\\n\"}}{{end}}'"
        ),
        vec!["namespace"]
    );
    assert_eq!(
        names(
            "kubectl -n ${NAMESPACE} get certificate --template='{{range .items}}{{.metadata.name}} {{.status.notAfter}}{{end}}'"
        ),
        vec!["NAMESPACE"]
    );
    assert!(names("docker ps --format '{{.Names}} {{.Status}}'").is_empty());
    assert_eq!(
        names("cp /etc/app.<suffix> /etc/app.<suffix>.bak"),
        vec!["suffix", "suffix"]
    );
    assert_eq!(
        names("kubectl -n ${NAMESPACE} delete secret <my-tls-secret>"),
        vec!["NAMESPACE", "my-tls-secret"]
    );
}

#[test]
fn sessions_take_the_lines_typed_in_them() {
    let runbook = import("care.md");
    let etcd = procedure(&runbook, "Inspect the etcd data directory");
    let texts = commands(etcd);
    assert_eq!(texts.len(), 1, "{texts:?}");
    let exec = etcd.all_commands().next().unwrap();
    assert_eq!(exec.risk, Risk::Mutating);
    assert!(exec.needs_terminal());
    assert!(
        exec.reason
            .starts_with("kubectl exec without a command opens an interactive shell"),
        "{}",
        exec.reason
    );
    let typed: Vec<&str> = steps(etcd)[0]
        .session_input
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(typed, vec!["ls -la /var/lib/etcd/member", "exit"]);

    let kubelet = procedure(&runbook, "Kubelet down on a node");
    assert!(
        !commands(kubelet)
            .iter()
            .any(|t| t.starts_with("chroot") || *t == "exit" || t.starts_with("systemctl")),
        "{:?}",
        commands(kubelet)
    );
    let debug: Vec<&Command> = kubelet
        .all_commands()
        .filter(|c| c.text.starts_with("kubectl debug node/worker-2"))
        .collect();
    assert_eq!(debug.len(), 2);
    assert!(
        debug
            .iter()
            .all(|c| c.risk == Risk::Mutating && c.needs_terminal())
    );
    let restart = steps(kubelet)
        .into_iter()
        .find(|s| !s.session_input.is_empty() && s.line > 30)
        .unwrap();
    let typed: Vec<&str> = restart
        .session_input
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(
        typed,
        vec!["chroot /host", "systemctl restart kubelet", "exit"]
    );

    // What is typed in the session raises the risk of the command that opens it.
    let node = import("alerts/node/NodeFilesystemSpaceFillingUp.md");
    let opener = node.procedures[0]
        .all_commands()
        .find(|c| c.line == 31)
        .unwrap();
    assert_eq!(opener.risk, Risk::Destructive);
    assert!(
        opener.reason.ends_with(
            "; in that session, `journalctl --vacuum-size=2G`: journalctl --vacuum-… deletes archived journal files"
        ),
        "{}",
        opener.reason
    );
}

#[test]
fn remote_and_wrapped_commands_take_the_inner_commands_risk() {
    let runbook = import("remote.md");
    let p = procedure(&runbook, "Kubelet restarts on a worker");
    let risks: Vec<(&str, Risk)> = p
        .all_commands()
        .map(|c| (c.text.as_str(), c.risk))
        .collect();
    let diagnosis_and_dry_runs = &risks[..13];
    assert!(
        diagnosis_and_dry_runs
            .iter()
            .all(|(_, r)| *r == Risk::ReadOnly),
        "{diagnosis_and_dry_runs:#?}"
    );
    let expected_mitigation = [
        Risk::Mutating,
        Risk::Mutating,
        Risk::Destructive,
        Risk::Mutating,
        Risk::Mutating,
        Risk::Mutating,
        Risk::Mutating,
        Risk::Destructive,
        Risk::Mutating,
    ];
    let mitigation: Vec<Risk> = risks[13..].iter().map(|(_, r)| *r).collect();
    assert_eq!(mitigation, expected_mitigation, "{:#?}", &risks[13..]);
    let ssh = command(p, "ssh ops@worker-3 'sudo systemctl restart kubelet'");
    assert_eq!(
        ssh.reason,
        "changes a system service (start/stop reverts it) (run via ssh ops@worker-3)"
    );
    let login = command(p, "ssh ops@worker-3");
    assert!(login.needs_terminal());
}

#[test]
fn a_folder_is_a_catalog_and_alerts_find_their_procedure() {
    let dir = fixture("alerts");
    let files = catalog::markdown_files(&dir).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec![
            "EtcdDatabaseQuotaLowSpace.md",
            "KubePodCrashLooping.md",
            "_index.md",
            "node/NodeFilesystemSpaceFillingUp.md"
        ]
    );
    let catalog = Catalog::load(std::slice::from_ref(&dir), &Rules::builtin());
    assert!(catalog.problems.is_empty(), "{:?}", catalog.problems);
    assert_eq!(catalog.runbooks.len(), 4);
    // Front matter only: a runbook titled by it, with no procedure.
    let index = catalog
        .runbooks
        .iter()
        .find(|r| r.source.ends_with("_index.md"))
        .unwrap();
    assert_eq!(index.title, "Alert runbooks");
    assert!(index.procedures.is_empty());

    let found = catalog.by_alert("NodeFilesystemSpaceFillingUp").unwrap();
    assert!(
        found
            .runbook
            .source
            .ends_with("node/NodeFilesystemSpaceFillingUp.md")
    );
    assert_eq!(found.procedure.title, "NodeFilesystemSpaceFillingUp");
    assert_eq!(found.index, 0);
    assert!(catalog.by_alert("kubepodcrashlooping").is_some());
    assert!(catalog.by_alert("NoSuchAlert").is_none());

    // A profile's `runbooks` may name the folder.
    let profile_path = fixture("ops-profile.toml");
    let profile = Profile::from_toml(
        "name = \"ops\"\nrunbooks = [\"alerts\", \"prompts.md\"]\n",
        &profile_path,
    )
    .unwrap();
    let paths = profile.runbook_paths();
    assert_eq!(paths.len(), 5, "{paths:?}");
    assert_eq!(paths[..4], files[..]);
    assert_eq!(paths[4], fixture("prompts.md"));
}

#[test]
fn an_unreadable_folder_is_a_clear_error() {
    let err = catalog::markdown_files(Path::new("/nonexistent/runbooks"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "cannot read runbook /nonexistent/runbooks: No such file or directory (os error 2); check the folder"
    );
}
