//! kubectl against `opsdeck sim`: output and effects match a real cluster's.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

#[path = "fixtures/sim/common.rs"]
mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{ChildGuard, Sim, poll};

const SEC: Duration = Duration::from_millis(500);

#[test]
fn reads_look_like_a_real_cluster() {
    let sim = Sim::start("rag7", 1.0, None);
    let pods = poll("langgraph pods running", 40, SEC, || {
        let out = sim.ok(&["get", "pods", "-n", "rag7", "-l", "app=langgraph"]);
        (out.matches("1/1     Running").count() == 2).then_some(out)
    });
    assert!(pods.starts_with("NAME"), "{pods}");
    assert!(pods.contains("READY   STATUS    RESTARTS   AGE"), "{pods}");

    let wide = sim.ok(&["get", "pods", "-n", "rag7", "-o", "wide"]);
    assert!(
        wide.contains("NODE") && wide.contains("sim-node-"),
        "{wide}"
    );
    assert!(wide.contains("postgres-0"), "{wide}");

    let json: serde_json::Value =
        serde_json::from_str(&sim.ok(&["get", "pods", "-n", "rag7", "-o", "json"])).unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), 4);
    let yaml = sim.ok(&["get", "deploy", "langgraph", "-n", "rag7", "-o", "yaml"]);
    assert!(
        yaml.contains("kind: Deployment") && yaml.contains("image: rag7/langgraph:1.4.2"),
        "{yaml}"
    );
    let image = sim.ok(&[
        "get",
        "deployment",
        "langgraph",
        "-n",
        "rag7",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "rag7/langgraph:1.4.2");

    let deploy = sim.ok(&["get", "deploy", "-n", "rag7"]);
    assert!(
        deploy.contains("UP-TO-DATE") && deploy.contains("langgraph   2/2"),
        "{deploy}"
    );
    let sts = sim.ok(&["get", "statefulset", "postgres", "-n", "rag7"]);
    assert!(sts.contains("postgres   1/1"), "{sts}");
    let hpa = sim.ok(&["get", "hpa", "-n", "rag7"]);
    assert!(
        hpa.contains("Deployment/langgraph") && hpa.contains("cpu:"),
        "{hpa}"
    );
    let pvc = sim.ok(&["get", "pvc", "-n", "rag7"]);
    assert!(
        pvc.contains("data-postgres-0") && pvc.contains("Bound") && pvc.contains("20Gi"),
        "{pvc}"
    );

    let events = sim.ok(&["get", "events", "-n", "rag7", "--sort-by=.lastTimestamp"]);
    assert!(
        events.contains("Scheduled") && events.contains("ScalingReplicaSet"),
        "{events}"
    );
    let by_name = sim.ok(&[
        "get",
        "events",
        "-n",
        "rag7",
        "--field-selector",
        "involvedObject.name=postgres-0",
    ]);
    assert!(
        by_name.contains("pod/postgres-0") && !by_name.contains("pod/redis"),
        "{by_name}"
    );
    let running = sim.ok(&[
        "get",
        "pods",
        "-n",
        "rag7",
        "--field-selector",
        "status.phase=Running",
        "-o",
        "name",
    ]);
    assert_eq!(running.lines().count(), 4, "{running}");
    let one = sim.ok(&[
        "get",
        "pods",
        "-n",
        "rag7",
        "--field-selector",
        "metadata.name=postgres-0",
        "-o",
        "name",
    ]);
    assert_eq!(one.trim(), "pod/postgres-0");
    let warnings = sim.kubectl(&[
        "get",
        "events",
        "-n",
        "rag7",
        "--field-selector",
        "type=Warning",
    ]);
    assert!(warnings.status.success());
    assert!(!String::from_utf8_lossy(&warnings.stdout).contains("Normal"));

    let cm = sim.ok(&[
        "get",
        "configmap",
        "langgraph-config",
        "-n",
        "rag7",
        "-o",
        "yaml",
    ]);
    assert!(
        cm.contains("POSTGRES_URI: postgresql://langgraph@postgres.rag7.svc.cluster.local:5432"),
        "{cm}"
    );
    let secret = sim.ok(&[
        "get",
        "secret",
        "langgraph-secrets",
        "-n",
        "rag7",
        "-o",
        "yaml",
    ]);
    assert!(secret.contains("POSTGRES_PASSWORD:"), "{secret}");

    let pod = sim.ok(&[
        "get",
        "pods",
        "-n",
        "rag7",
        "-l",
        "app=postgres",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    let describe = sim.ok(&["describe", "pod", "-n", "rag7", &pod]);
    assert!(
        describe.contains("Limits:") && describe.contains("memory:  1Gi")
            || describe.contains("memory:  1024Mi"),
        "{describe}"
    );
    assert!(
        describe.contains("Started container postgres"),
        "{describe}"
    );

    let top = poll("pod metrics", 20, SEC, || {
        let o = sim.kubectl(&["top", "pods", "-n", "rag7"]);
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
    });
    assert!(
        top.contains("CPU(cores)") && top.contains("postgres-0"),
        "{top}"
    );
    let nodes = sim.ok(&["top", "nodes"]);
    assert!(
        nodes.contains("sim-node-1") && nodes.contains("CPU(%)"),
        "{nodes}"
    );

    let recent = sim.ok(&["logs", "-n", "rag7", &pod, "--since=1h"]);
    assert!(recent.contains("database system is ready"), "{recent}");
    let logs = sim.ok(&["logs", "-n", "rag7", &pod, "--tail=2"]);
    assert_eq!(logs.lines().count(), 2, "{logs}");
    let all = sim.ok(&["logs", "-n", "rag7", "-l", "app=postgres", "--tail=100"]);
    assert!(
        all.contains("database system is ready to accept connections"),
        "{all}"
    );

    // Paging: kubectl's --chunk-size walks limit/continue.
    let paged = sim.ok(&["get", "pods", "-n", "rag7", "--chunk-size=1", "-o", "name"]);
    assert_eq!(paged.lines().count(), 4, "{paged}");

    // Status objects: 404 and 403.
    let missing = sim.kubectl(&["get", "pod", "nope", "-n", "rag7"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("pods \"nope\" not found"));
    let forbidden = sim.kubectl(&["get", "pods", "-n", "kube-system"]);
    assert!(
        String::from_utf8_lossy(&forbidden.stderr).contains("forbidden"),
        "{forbidden:?}"
    );
}

#[test]
fn mutations_have_their_effect() {
    let sim = Sim::start("deepseek-rag", 1.0, None);
    let ns = ["-n", "deepseek-rag"];
    let before = poll("app pods ready", 40, SEC, || {
        let out = sim.ok(&[
            "get",
            "pods",
            ns[0],
            ns[1],
            "-l",
            "app=deepseek-rag-app",
            "-o",
            "name",
        ]);
        (out.lines().count() == 2).then_some(out)
    });

    sim.ok(&[
        "scale",
        "deployment",
        "deepseek-rag-app",
        "--replicas=3",
        ns[0],
        ns[1],
    ]);
    poll("three replicas", 40, SEC, || {
        let out = sim.ok(&["get", "deploy", "deepseek-rag-app", ns[0], ns[1]]);
        out.contains("3/3").then_some(())
    });

    let victim = before
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("pod/")
        .to_string();
    sim.ok(&[
        "delete",
        "pod",
        &victim,
        ns[0],
        ns[1],
        "--wait=true",
        "--timeout=30s",
    ]);
    poll("replacement pod", 40, SEC, || {
        let out = sim.ok(&[
            "get",
            "pods",
            ns[0],
            ns[1],
            "-l",
            "app=deepseek-rag-app",
            "-o",
            "name",
        ]);
        (out.lines().count() == 3 && !out.contains(&victim)).then_some(())
    });

    sim.ok(&[
        "rollout",
        "restart",
        "deployment/deepseek-rag-app",
        ns[0],
        ns[1],
    ]);
    let status = sim.ok(&[
        "rollout",
        "status",
        "deployment/deepseek-rag-app",
        ns[0],
        ns[1],
        "--timeout=60s",
    ]);
    assert!(status.contains("successfully rolled out"), "{status}");
    let tpl = sim.ok(&[
        "get",
        "deploy",
        "deepseek-rag-app",
        ns[0],
        ns[1],
        "-o",
        "jsonpath={.spec.template.metadata.annotations}",
    ]);
    assert!(tpl.contains("kubectl.kubernetes.io/restartedAt"), "{tpl}");

    sim.ok(&[
        "set",
        "image",
        "deployment/deepseek-rag-app",
        "deepseek-rag=deepseek-rag:latest",
        ns[0],
        ns[1],
    ]);
    sim.ok(&[
        "rollout",
        "status",
        "deployment/deepseek-rag-app",
        ns[0],
        ns[1],
        "--timeout=60s",
    ]);
    // Replaced pods linger as Terminating for a moment, as on a real cluster.
    poll("only new images", 40, SEC, || {
        let images = sim.ok(&[
            "get",
            "pods",
            ns[0],
            ns[1],
            "-l",
            "app=deepseek-rag-app",
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
        ]);
        images
            .split_whitespace()
            .all(|i| i == "deepseek-rag:latest")
            .then_some(())
    });
    let history = sim.ok(&[
        "rollout",
        "history",
        "deployment/deepseek-rag-app",
        ns[0],
        ns[1],
    ]);
    assert!(history.contains('3'), "{history}");
    sim.ok(&[
        "rollout",
        "undo",
        "deployment/deepseek-rag-app",
        ns[0],
        ns[1],
    ]);
    sim.ok(&[
        "rollout",
        "status",
        "deployment/deepseek-rag-app",
        ns[0],
        ns[1],
        "--timeout=60s",
    ]);
    let image = sim.ok(&[
        "get",
        "deploy",
        "deepseek-rag-app",
        ns[0],
        ns[1],
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "deepseek-rag:1.3.0");

    sim.ok(&[
        "patch",
        "pvc",
        "deepseek-rag-uploads-pvc",
        ns[0],
        ns[1],
        "-p",
        r#"{"spec":{"resources":{"requests":{"storage":"50Gi"}}}}"#,
    ]);
    let cap = sim.ok(&[
        "get",
        "pvc",
        "deepseek-rag-uploads-pvc",
        ns[0],
        ns[1],
        "-o",
        "jsonpath={.status.capacity.storage}",
    ]);
    assert_eq!(cap, "50Gi");
    let shrink = sim.kubectl(&[
        "patch",
        "pvc",
        "deepseek-rag-uploads-pvc",
        ns[0],
        ns[1],
        "-p",
        r#"{"spec":{"resources":{"requests":{"storage":"1Gi"}}}}"#,
    ]);
    assert!(
        String::from_utf8_lossy(&shrink.stderr).contains("is invalid"),
        "{shrink:?}"
    );

    sim.ok(&[
        "patch",
        "configmap",
        "deepseek-rag-config",
        ns[0],
        ns[1],
        "--type=merge",
        "-p",
        r#"{"data":{"CACHE_TTL":"60"}}"#,
    ]);
    let cm = sim.ok(&[
        "get",
        "configmap",
        "deepseek-rag-config",
        ns[0],
        ns[1],
        "-o",
        "yaml",
    ]);
    assert!(cm.contains("CACHE_TTL: \"60\""), "{cm}");
    // kubectl edit: the editor changes the file, kubectl patches the difference.
    let edited = Command::new("kubectl")
        .args(["edit", "configmap", "deepseek-rag-config", ns[0], ns[1]])
        .env("KUBECONFIG", &sim.kubeconfig)
        .env("EDITOR", "sed -i s/deepseek-r1:7b/deepseek-r1:14b/")
        .output()
        .unwrap();
    assert!(edited.status.success(), "{edited:?}");
    let model = sim.ok(&[
        "get",
        "configmap",
        "deepseek-rag-config",
        ns[0],
        ns[1],
        "-o",
        "jsonpath={.data.MODEL_NAME}",
    ]);
    assert_eq!(model, "deepseek-r1:14b");
    // An update with a stale resourceVersion is a conflict.
    let mut obj: serde_json::Value = serde_json::from_str(&sim.ok(&[
        "get",
        "configmap",
        "deepseek-rag-config",
        ns[0],
        ns[1],
        "-o",
        "json",
    ]))
    .unwrap();
    obj["metadata"]["resourceVersion"] = serde_json::json!("1");
    let file = std::env::temp_dir().join(format!("sim-cm-{}.json", std::process::id()));
    std::fs::write(&file, obj.to_string()).unwrap();
    let conflict = sim.kubectl(&["replace", "-f", file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    assert!(
        String::from_utf8_lossy(&conflict.stderr).contains("the object has been modified"),
        "{conflict:?}"
    );

    // The seeds' backup and restore: save everything as one List, change it, apply it back.
    let backup = sim.ok(&["get", "all,configmap,secret", ns[0], ns[1], "-o", "yaml"]);
    let restored = backup.replace("CACHE_TTL: \"60\"", "CACHE_TTL: \"1800\"");
    let file = std::env::temp_dir().join(format!("sim-backup-{}.yaml", std::process::id()));
    std::fs::write(&file, restored).unwrap();
    let applied = sim.kubectl(&["apply", "-f", file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    assert!(applied.status.success(), "{applied:?}");
    let ttl = sim.ok(&[
        "get",
        "configmap",
        "deepseek-rag-config",
        ns[0],
        ns[1],
        "-o",
        "jsonpath={.data.CACHE_TTL}",
    ]);
    assert_eq!(ttl, "1800");
}

#[test]
fn crash_loop_logs_previous_and_follow() {
    let sim = Sim::start("rag7", 20.0, None);
    let pod = poll("a crash-looping langgraph pod", 120, SEC, || {
        let out = sim.ok(&["get", "pods", "-n", "rag7", "-l", "app=langgraph"]);
        let line = out
            .lines()
            .find(|l| l.contains("CrashLoopBackOff") && !l.contains("   0   "))?;
        Some(line.split_whitespace().next()?.to_string())
    });
    let prev = sim.ok(&["logs", "-n", "rag7", &pod, "--previous"]);
    assert!(prev.contains("Application startup failed"), "{prev}");
    let none = sim.kubectl(&["logs", "-n", "rag7", "postgres-0", "--previous"]);
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("previous terminated container"),
        "{none:?}"
    );

    let mut follow = ChildGuard(
        Command::new("kubectl")
            .args([
                "logs",
                "-f",
                "-n",
                "rag7",
                "postgres-0",
                "--tail=1",
                "--timestamps",
            ])
            .env("KUBECONFIG", &sim.kubeconfig)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut out = follow.0.stdout.take().unwrap();
    let mut buf = [0u8; 4096];
    let mut got = String::new();
    for _ in 0..40 {
        let n = out.read(&mut buf).unwrap();
        got.push_str(&String::from_utf8_lossy(&buf[..n]));
        if got.lines().count() >= 3 || n == 0 {
            break;
        }
    }
    drop(follow);
    assert!(
        got.lines().count() >= 3,
        "follow delivered new lines: {got}"
    );
    assert!(
        got.lines().all(|l| l.starts_with("20")),
        "timestamps: {got}"
    );
}

#[test]
fn get_watch_prints_rows_as_pods_change() {
    let sim = Sim::start("personal-rag", 1.0, None);
    let name = poll("chatbot pod", 40, SEC, || {
        let out = sim.ok(&[
            "get",
            "pods",
            "-n",
            "personal-rag",
            "-l",
            "app=redis",
            "-o",
            "name",
        ]);
        out.lines()
            .next()
            .map(|l| l.trim_start_matches("pod/").to_string())
    });
    let mut watch = ChildGuard(
        Command::new("kubectl")
            .args(["get", "pods", "-n", "personal-rag", "-w"])
            .env("KUBECONFIG", &sim.kubeconfig)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut out = watch.0.stdout.take().unwrap();
    let mut got = String::new();
    let mut buf = [0u8; 4096];
    let n = out.read(&mut buf).unwrap();
    got.push_str(&String::from_utf8_lossy(&buf[..n]));
    sim.ok(&["delete", "pod", &name, "-n", "personal-rag", "--wait=false"]);
    for _ in 0..40 {
        let n = out.read(&mut buf).unwrap();
        got.push_str(&String::from_utf8_lossy(&buf[..n]));
        if got.contains("Terminating") && got.contains("ContainerCreating") || n == 0 {
            break;
        }
    }
    drop(watch);
    assert_eq!(got.matches("NAME").count(), 1, "one header: {got}");
    assert!(
        got.contains("Terminating") && got.contains("ContainerCreating"),
        "{got}"
    );
}

#[test]
fn statefulset_scale_and_restart() {
    let sim = Sim::start("rag7", 5.0, None);
    let ns = ["-n", "rag7"];
    poll("postgres-0 ready", 40, SEC, || {
        sim.ok(&["get", "statefulset", "postgres", ns[0], ns[1]])
            .contains("1/1")
            .then_some(())
    });
    sim.ok(&[
        "scale",
        "statefulset",
        "postgres",
        "--replicas=2",
        ns[0],
        ns[1],
    ]);
    poll("postgres-1 ready", 60, SEC, || {
        sim.ok(&["get", "statefulset", "postgres", ns[0], ns[1]])
            .contains("2/2")
            .then_some(())
    });
    let pvc = sim.ok(&["get", "pvc", ns[0], ns[1], "-o", "name"]);
    assert!(pvc.contains("data-postgres-1"), "{pvc}");
    let uids = |sim: &Sim| {
        sim.ok(&[
            "get",
            "pods",
            "-n",
            "rag7",
            "-l",
            "app=postgres",
            "-o",
            "jsonpath={.items[*].metadata.uid}",
        ])
    };
    let before = uids(&sim);
    sim.ok(&["rollout", "restart", "statefulset/postgres", ns[0], ns[1]]);
    let status = sim.ok(&[
        "rollout",
        "status",
        "statefulset/postgres",
        ns[0],
        ns[1],
        "--timeout=60s",
    ]);
    assert!(status.contains("roll out complete"), "{status}");
    // Recreated under the same names, with new uids.
    let pods = sim.ok(&[
        "get",
        "pods",
        ns[0],
        ns[1],
        "-l",
        "app=postgres",
        "-o",
        "name",
    ]);
    assert!(
        pods.contains("pod/postgres-0") && pods.contains("pod/postgres-1"),
        "{pods}"
    );
    let after = uids(&sim);
    assert!(
        before.split_whitespace().all(|u| !after.contains(u)),
        "{before} / {after}"
    );
}

#[test]
fn refuses_to_bind_a_non_loopback_address() {
    let out = Command::new(env!("CARGO_BIN_EXE_opsdeck"))
        .args(["sim", "--bind", "0.0.0.0"])
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no export lines on failure");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("loopback only"),
        "{out:?}"
    );
}
