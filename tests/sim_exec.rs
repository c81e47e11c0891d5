//! `kubectl exec` and `attach` against `opsdeck sim`: the remote-command
//! protocol end to end with the real kubectl, and the simulated containers'
//! answers tied to the scenario's state.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fixtures/sim/common.rs"]
mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{Sim, poll};

const SEC: Duration = Duration::from_millis(500);

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// kubectl with its flags first: what follows `--` is the container's command.
fn kubectl(sim: &Sim, args: &[&str]) -> Output {
    Command::new("kubectl")
        .arg("--request-timeout=20s")
        .args(args)
        .env("KUBECONFIG", &sim.kubeconfig)
        .env("HOME", std::env::temp_dir())
        .output()
        .unwrap()
}

/// kubectl that must succeed; its stdout.
fn ok(sim: &Sim, args: &[&str]) -> String {
    let out = kubectl(sim, args);
    assert!(out.status.success(), "kubectl {args:?} failed: {out:?}");
    text(&out.stdout)
}

/// kubectl with `input` on its stdin.
fn kubectl_stdin(sim: &Sim, args: &[&str], input: &str) -> Output {
    let mut child = Command::new("kubectl")
        .arg("--request-timeout=20s")
        .args(args)
        .env("KUBECONFIG", &sim.kubeconfig)
        .env("HOME", std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The name of the first ready pod labelled `app=APP` in `ns`.
fn running_pod(sim: &Sim, ns: &str, app: &str) -> String {
    poll(&format!("{app} ready"), 60, SEC, || {
        let out = ok(
            sim,
            &[
                "get",
                "pods",
                "-n",
                ns,
                "-l",
                &format!("app={app}"),
                "-o",
                "jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses[0].ready}{\"\\n\"}{end}",
            ],
        );
        out.lines()
            .find_map(|l| l.strip_suffix(" true").map(str::to_string))
    })
}

#[test]
fn exec_runs_the_container_command_table() {
    let sim = Sim::start("rag7", 1.0, None);
    let redis = running_pod(&sim, "rag7", "redis");

    // kubectl exec POD -- redis-cli ping
    let ping = kubectl(
        &sim,
        &["exec", "-n", "rag7", &redis, "--", "redis-cli", "ping"],
    );
    assert!(ping.status.success(), "{ping:?}");
    assert_eq!(text(&ping.stdout), "PONG\n");

    // A here-doc on stdin drives a shell; FLUSHALL empties the cache.
    let heredoc = kubectl_stdin(
        &sim,
        &["exec", "-i", "-n", "rag7", &redis, "--", "sh"],
        "redis-cli dbsize\nredis-cli flushall\nredis-cli dbsize\nredis-cli info stats | grep keyspace_hits\n",
    );
    assert!(heredoc.status.success(), "{heredoc:?}");
    let lines: Vec<String> = text(&heredoc.stdout).lines().map(str::to_string).collect();
    assert_eq!(lines[0], "1342", "{lines:?}");
    assert_eq!(lines[1], "OK", "{lines:?}");
    let after: f64 = lines[2].parse().unwrap();
    assert!(after < 1342.0, "{lines:?}");
    assert!(lines[3].starts_with("keyspace_hits:"), "{lines:?}");

    // exit N in a script reaches kubectl's exit code.
    let exit = kubectl_stdin(
        &sim,
        &["exec", "-i", "-n", "rag7", &redis, "--", "sh"],
        "echo bye\nexit 3\necho never\n",
    );
    assert_eq!(exit.status.code(), Some(3), "{exit:?}");
    assert_eq!(text(&exit.stdout), "bye\n");

    // kubectl resolves deployment/x to a pod itself.
    let df = kubectl(
        &sim,
        &[
            "exec",
            "-n",
            "rag7",
            "deployment/langgraph",
            "--",
            "df",
            "-h",
        ],
    );
    assert!(df.status.success(), "{df:?}");
    let out = text(&df.stdout);
    assert!(
        out.starts_with("Filesystem") && out.contains("/etc/config"),
        "{out}"
    );
    let pgdf = ok(
        &sim,
        &[
            "exec",
            "-n",
            "rag7",
            "statefulset/postgres",
            "--",
            "df",
            "-h",
        ],
    );
    assert!(
        pgdf.lines()
            .any(|l| l.contains("20.0G") && l.ends_with("/var/lib/postgresql/data")),
        "{pgdf}"
    );

    // The pod's configuration, as environment and as mounted files.
    let env = ok(
        &sim,
        &[
            "exec",
            "-n",
            "rag7",
            "deploy/langgraph",
            "--",
            "sh",
            "-c",
            "env | grep URI",
        ],
    );
    assert!(
        env.contains("POSTGRES_URI=postgresql://") && env.contains("REDIS_URI="),
        "{env}"
    );
    let cat = ok(
        &sim,
        &[
            "exec",
            "-n",
            "rag7",
            "deploy/langgraph",
            "--",
            "cat",
            "/etc/config/REDIS_URI",
        ],
    );
    assert_eq!(cat, "redis://redis.rag7.svc.cluster.local:6379/0");

    // An unknown program: the shell's 127 is kubectl's exit code.
    let unknown = kubectl(
        &sim,
        &["exec", "-n", "rag7", &redis, "--", "nslookup", "postgres"],
    );
    assert_eq!(unknown.status.code(), Some(127), "{unknown:?}");
    assert!(
        text(&unknown.stderr).contains("sh: nslookup: not found"),
        "{unknown:?}"
    );
    // A program of another image is not there either.
    let psql_in_redis = kubectl(
        &sim,
        &["exec", "-n", "rag7", &redis, "--", "psql", "-c", "SELECT 1"],
    );
    assert_eq!(psql_in_redis.status.code(), Some(127), "{psql_in_redis:?}");

    // Refusals as the API server words them.
    let forbidden = kubectl(
        &sim,
        &["exec", "-n", "kube-system", "coredns-0", "--", "ls"],
    );
    // kubectl reads the pod first, and that read is refused.
    assert_eq!(forbidden.status.code(), Some(1), "{forbidden:?}");
    let err = text(&forbidden.stderr);
    assert!(err.contains("Error from server (Forbidden)"), "{err}");
    // The exec subresource itself answers 403 too.
    let direct = kubectl(
        &sim,
        &[
            "get",
            "--raw",
            "/api/v1/namespaces/kube-system/pods/coredns-0/exec?command=ls&stdout=true",
        ],
    );
    let err = text(&direct.stderr);
    assert!(
        err.contains("Forbidden") && err.contains("pods/exec"),
        "{direct:?}"
    );
    let missing = kubectl(&sim, &["exec", "-n", "rag7", "no-such-pod", "--", "ls"]);
    assert_eq!(missing.status.code(), Some(1), "{missing:?}");
    assert!(
        text(&missing.stderr).contains("pods \"no-such-pod\" not found"),
        "{missing:?}"
    );
    let container = kubectl(
        &sim,
        &["exec", "-n", "rag7", &redis, "-c", "sidecar", "--", "ls"],
    );
    assert!(
        text(&container.stderr).contains("container sidecar is not valid for pod"),
        "{container:?}"
    );
    let named = ok(
        &sim,
        &[
            "exec", "-n", "rag7", &redis, "-c", "redis", "--", "hostname",
        ],
    );
    assert_eq!(named.trim(), redis);
}

/// One psql query per state of the scenario: serving, and with its clients
/// crash-looping on a broken configmap (their connections gone).
#[test]
fn psql_answers_follow_the_incident() {
    // Speed 3: the bad configmap at 30 s.
    let sim = Sim::start("rag7", 3.0, None);
    let pg = running_pod(&sim, "rag7", "postgres");
    let psql = |q: &str| {
        kubectl(
            &sim,
            &[
                "exec",
                "-n",
                "rag7",
                &pg,
                "--",
                "psql",
                "-U",
                "langgraph",
                "-c",
                q,
            ],
        )
    };

    let max = psql("SHOW max_connections");
    assert!(max.status.success(), "{max:?}");
    assert_eq!(
        text(&max.stdout),
        " max_connections \n-----------------\n 100\n(1 row)\n\n"
    );
    let one = text(&psql("SELECT 1").stdout);
    assert!(
        one.contains("?column?") && one.contains(" 1\n(1 row)"),
        "{one}"
    );

    let count = |out: &Output| -> u32 {
        text(&out.stdout)
            .lines()
            .nth(2)
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0)
    };
    // Serving: two langgraph pods and one redis pod keep 4 connections each,
    // beside the server's own 3 (the exporter's pg_stat_activity_count).
    poll("every client connected", 60, SEC, || {
        (count(&psql("SELECT count(*) FROM pg_stat_activity")) == 15).then_some(())
    });
    let top = text(&psql("SELECT query, calls, mean_exec_time FROM pg_stat_statements ORDER BY mean_exec_time DESC LIMIT 3").stdout);
    assert!(
        top.contains("mean_exec_time") && top.contains("(3 rows)"),
        "{top}"
    );

    // Crash-looping clients hold no connections; the probe from the app fails
    // on the broken port the configmap now names.
    poll("langgraph's connections gone", 120, SEC, || {
        (count(&psql("SELECT count(*) FROM pg_stat_activity")) == 7).then_some(())
    });
    // A container in back-off cannot be exec'd into, as on a real cluster
    // (between two crashes it briefly runs, and then it can).
    let crashing = poll("langgraph in back-off refuses exec", 120, SEC, || {
        let out = kubectl(
            &sim,
            &["exec", "-n", "rag7", "deployment/langgraph", "--", "ls"],
        );
        (out.status.code() == Some(1)).then_some(out)
    });
    assert!(
        text(&crashing.stderr).contains("container not found"),
        "{crashing:?}"
    );
    let unsupported = psql("SELECT * FROM checkpoints");
    assert_eq!(unsupported.status.code(), Some(1), "{unsupported:?}");
}

/// The database-connection scenario: PostgreSQL stops accepting connections.
#[test]
fn psql_is_refused_while_the_database_is_down() {
    let sim = Sim::start("rag7-db", 2.0, None);
    let pg = running_pod(&sim, "rag7", "postgres");
    let ready = ok(
        &sim,
        &[
            "exec",
            "-n",
            "rag7",
            &pg,
            "--",
            "pg_isready",
            "-U",
            "langgraph",
        ],
    );
    assert_eq!(ready, "/var/run/postgresql:5432 - accepting connections\n");
    let probe = "import psycopg2; conn = psycopg2.connect('postgresql://langgraph:PASSWORD@postgres.rag7.svc.cluster.local/langgraph_checkpoints'); print('Connected')";
    let connected = kubectl(
        &sim,
        &[
            "exec",
            "-n",
            "rag7",
            "deployment/langgraph",
            "--",
            "python",
            "-c",
            probe,
        ],
    );
    assert_eq!(text(&connected.stdout), "Connected\n", "{connected:?}");

    let refused = poll("psql refused", 120, SEC, || {
        let out = kubectl(
            &sim,
            &[
                "exec",
                "-n",
                "rag7",
                &pg,
                "--",
                "psql",
                "-U",
                "langgraph",
                "-c",
                "SELECT count(*) FROM pg_stat_activity",
            ],
        );
        (out.status.code() == Some(2)).then_some(out)
    });
    assert!(
        text(&refused.stderr).contains("Connection refused"),
        "{refused:?}"
    );
    let probe_fails = kubectl(
        &sim,
        &[
            "exec",
            "-n",
            "rag7",
            "deployment/langgraph",
            "--",
            "python",
            "-c",
            probe,
        ],
    );
    assert_eq!(probe_fails.status.code(), Some(1), "{probe_fails:?}");
    assert!(
        text(&probe_fails.stderr).contains("psycopg2.OperationalError"),
        "{probe_fails:?}"
    );

    // The runbook's remedy: replace the pod; the new one accepts connections.
    ok(&sim, &["delete", "pod", "-n", "rag7", "-l", "app=postgres"]);
    poll("psql answers again", 120, SEC, || {
        let pg = running_pod(&sim, "rag7", "postgres");
        let out = kubectl(
            &sim,
            &[
                "exec",
                "-n",
                "rag7",
                &pg,
                "--",
                "psql",
                "-U",
                "langgraph",
                "-c",
                "SELECT 1",
            ],
        );
        out.status.success().then_some(())
    });
}
