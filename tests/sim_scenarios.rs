//! Each seed's incident appears in the simulation, and the runbook's remedy
//! clears it. Also: a kube-rs reflector survives 410 Gone and a server restart.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

#[path = "fixtures/sim/common.rs"]
mod common;

use std::time::Duration;

use common::{Sim, http_get, poll};

const SEC: Duration = Duration::from_millis(500);

fn queue_size(sim: &Sim, service: &str) -> Option<f64> {
    let p = opsdeck::config::Profile::load(std::path::Path::new(&sim.profile)).unwrap();
    let url = format!("{}/metrics", p.prometheus.unwrap().url);
    let (code, body) = http_get(&url)?;
    assert_eq!(code, 200);
    body.lines()
        .find(|l| l.starts_with(&format!("queue_size{{service=\"{service}\"}}")))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

#[test]
fn rag7_bad_configmap_crash_loop_is_cured_by_fix_and_rollout_restart() {
    // Speed 10 leaves room before the memory leak that follows at 300 s.
    let sim = Sim::start("rag7", 10.0, None);
    let ns = ["-n", "rag7"];
    poll("langgraph in CrashLoopBackOff", 120, SEC, || {
        sim.ok(&["get", "pods", ns[0], ns[1], "-l", "app=langgraph"])
            .contains("CrashLoopBackOff")
            .then_some(())
    });
    let health = sim.service_url("langgraph");
    poll("langgraph health failing", 40, SEC, || {
        http_get(&health)
            .is_none_or(|(c, _)| c != 200)
            .then_some(())
    });
    sim.ok(&["patch", "configmap", "langgraph-config", ns[0], ns[1], "--type=merge", "-p",
        r#"{"data":{"POSTGRES_URI":"postgresql://langgraph@postgres.rag7.svc.cluster.local:5432/langgraph_checkpoints"}}"#]);
    sim.ok(&["rollout", "restart", "deployment/langgraph", ns[0], ns[1]]);
    let status = sim.ok(&[
        "rollout",
        "status",
        "deployment/langgraph",
        ns[0],
        ns[1],
        "--timeout=90s",
    ]);
    assert!(status.contains("successfully rolled out"), "{status}");
    let pods = sim.ok(&["get", "pods", ns[0], ns[1], "-l", "app=langgraph"]);
    assert!(!pods.contains("CrashLoopBackOff"), "{pods}");
    poll("langgraph health 200", 40, SEC, || {
        http_get(&health)
            .is_some_and(|(c, _)| c == 200)
            .then_some(())
    });
}

#[test]
fn rag7_memory_leak_oom_kills_stop_after_scaling_out() {
    let sim = Sim::start("rag7", 40.0, None);
    // The leak starts after the bad configmap; cure that first so containers run long enough to leak.
    poll("langgraph in CrashLoopBackOff", 120, SEC, || {
        sim.ok(&["get", "pods", "-n", "rag7", "-l", "app=langgraph"])
            .contains("CrashLoopBackOff")
            .then_some(())
    });
    sim.ok(&["patch", "configmap", "langgraph-config", "-n", "rag7", "--type=merge", "-p",
        r#"{"data":{"POSTGRES_URI":"postgresql://langgraph@postgres.rag7.svc.cluster.local:5432/langgraph_checkpoints"}}"#]);
    sim.ok(&["rollout", "restart", "deployment/langgraph", "-n", "rag7"]);
    let events = poll("an OOMKilling event", 120, SEC, || {
        let e = sim.ok(&["get", "events", "-n", "rag7", "--sort-by=.lastTimestamp"]);
        e.contains("OOMKilling").then_some(e)
    });
    assert!(events.contains("Memory cgroup out of memory"), "{events}");
    let reasons = sim.ok(&[
        "get",
        "pods",
        "-n",
        "rag7",
        "-l",
        "app=langgraph",
        "-o",
        "jsonpath={.items[*].status.containerStatuses[0].lastState.terminated.reason}",
    ]);
    assert!(reasons.contains("OOMKilled"), "{reasons}");

    // The runbook's "scale horizontally instead": with the load spread over six
    // pods the leak stops, and every pod's memory settles back near its baseline.
    sim.ok(&[
        "scale",
        "deployment/langgraph",
        "-n",
        "rag7",
        "--replicas=6",
    ]);
    poll("memory settles on every langgraph pod", 120, SEC, || {
        let o = sim.kubectl(&[
            "top",
            "pods",
            "-n",
            "rag7",
            "-l",
            "app=langgraph",
            "--no-headers",
        ]);
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let mib: Vec<u64> = text
            .lines()
            .filter_map(|l| {
                l.split_whitespace()
                    .nth(2)?
                    .strip_suffix("Mi")?
                    .parse()
                    .ok()
            })
            .collect();
        (o.status.success() && mib.len() >= 6 && mib.iter().all(|m| *m < 1000)).then_some(())
    });
}

fn latency_cured_by_scaling(scenario: &str, ns: &str, deployment: &str, replicas: &str) {
    let sim = Sim::start(scenario, 20.0, None);
    poll("queue building up", 120, SEC, || {
        queue_size(&sim, deployment).filter(|q| *q > 100.0)
    });
    sim.ok(&[
        "scale",
        &format!("deployment/{deployment}"),
        "-n",
        ns,
        &format!("--replicas={replicas}"),
    ]);
    // Not `rollout status`: a later incident may start a rollout of its own.
    poll("queue drained", 40, SEC, || {
        queue_size(&sim, deployment).filter(|q| *q < 10.0)
    });
}

#[test]
fn doc_rag_api_overload_is_cured_by_scaling() {
    latency_cured_by_scaling("doc-rag", "doc-rag-prod", "api-deployment", "5");
}

#[test]
fn doc_rag_bad_release_is_cured_by_rollout_undo() {
    let sim = Sim::start("doc-rag", 20.0, None);
    let ns = ["-n", "doc-rag-prod"];
    poll("the new release crash-looping", 120, SEC, || {
        let pods = sim.ok(&["get", "pods", ns[0], ns[1], "-l", "app=api"]);
        pods.contains("CrashLoopBackOff").then_some(())
    });
    let image = sim.ok(&[
        "get",
        "deployment",
        "api-deployment",
        ns[0],
        ns[1],
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "doc-rag/api:v1.2.0");
    // The old pods keep serving while the rollout is stuck.
    let deploy = sim.ok(&["get", "deployment", "api-deployment", ns[0], ns[1]]);
    assert!(deploy.contains("3/3"), "{deploy}");
    sim.ok(&["rollout", "undo", "deployment/api-deployment", ns[0], ns[1]]);
    let status = sim.ok(&[
        "rollout",
        "status",
        "deployment/api-deployment",
        ns[0],
        ns[1],
        "--timeout=60s",
    ]);
    assert!(status.contains("successfully rolled out"), "{status}");
    poll("only v1.1.0 pods, none crashing", 40, SEC, || {
        let images = sim.ok(&[
            "get",
            "pods",
            ns[0],
            ns[1],
            "-l",
            "app=api",
            "-o",
            "jsonpath={.items[*].spec.containers[0].image}",
        ]);
        images
            .split_whitespace()
            .all(|i| i == "doc-rag/api:v1.1.0")
            .then_some(())
    });
}

#[test]
fn terragon_traffic_spike_is_cured_by_scaling() {
    latency_cured_by_scaling("terragon", "default", "rag-system", "10");
}

fn down_cured_by_restart(
    scenario: &str,
    ns: &str,
    service: &str,
    deployment: &str,
    broken: fn(Option<(u16, String)>) -> bool,
) {
    // The incident comes at scenario second 10, a few seconds after start-up:
    // at speed 2 the healthy spell lasts long enough to be seen.
    let sim = Sim::start(scenario, 2.0, None);
    let url = sim.service_url(service);
    poll("service healthy", 200, Duration::from_millis(100), || {
        http_get(&url).is_some_and(|(c, _)| c == 200).then_some(())
    });
    poll("service broken", 120, SEC, || {
        broken(http_get(&url)).then_some(())
    });
    let p = opsdeck::config::Profile::load(std::path::Path::new(&sim.profile)).unwrap();
    let (_, metrics) = http_get(&format!("{}/metrics", p.prometheus.unwrap().url)).unwrap();
    let down = format!("up{{job=\"{scenario}\",service=\"{deployment}\"}} 0");
    assert!(metrics.contains(&down), "{down} missing from {metrics}");
    sim.ok(&[
        "rollout",
        "restart",
        &format!("deployment/{deployment}"),
        "-n",
        ns,
    ]);
    sim.ok(&[
        "rollout",
        "status",
        &format!("deployment/{deployment}"),
        "-n",
        ns,
        "--timeout=60s",
    ]);
    poll("service healthy again", 40, SEC, || {
        http_get(&url).is_some_and(|(c, _)| c == 200).then_some(())
    });
}

#[test]
fn deepseek_ollama_down_breaks_the_app_until_ollama_restarts() {
    // The app answers 500 while Ollama refuses connections.
    down_cured_by_restart(
        "deepseek-rag",
        "deepseek-rag",
        "deepseek-rag-app",
        "ollama",
        |r| r.is_some_and(|(c, _)| c == 500),
    );
}

#[test]
fn personal_rag_model_failure_is_cured_by_restart() {
    down_cured_by_restart(
        "personal-rag",
        "personal-rag",
        "rag-chatbot-prod",
        "rag-chatbot-prod",
        |r| r.is_some_and(|(c, _)| c == 503),
    );
}

#[test]
fn reflector_survives_410_and_a_server_restart() {
    use futures::StreamExt;
    use k8s_openapi::api::core::v1::Pod;
    use kube::runtime::{WatchStreamExt, reflector, watcher};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sim = Sim::start("rag7", 1.0, Some(port));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let kubeconfig = sim.kubeconfig.clone();
    let inits = Arc::new(AtomicUsize::new(0));
    let (reader, writer) = reflector::store::<Pod>();
    let counter = inits.clone();
    let _task = rt.spawn(async move {
        let kc = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .unwrap();
        let client = kube::Client::try_from(config).unwrap();
        let api: kube::Api<Pod> = kube::Api::namespaced(client, "rag7");
        watcher(api, watcher::Config::default())
            .default_backoff()
            .map(move |e| {
                if let Ok(watcher::Event::Init) = &e {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                e
            })
            .reflect(writer)
            .for_each(|_| async {})
            .await;
    });
    poll("initial list", 60, SEC, || {
        (reader.state().len() == 4).then_some(())
    });
    assert_eq!(inits.load(Ordering::SeqCst), 1);

    // Compaction: the running watch ends with 410 and the watcher relists.
    let api_url = format!("http://127.0.0.1:{port}/sim/compact");
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    use std::io::{Read, Write};
    write!(
        s,
        "POST /sim/compact HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{api_url}: {resp}");
    poll("relist after 410", 60, SEC, || {
        (inits.load(Ordering::SeqCst) >= 2).then_some(())
    });

    // A deletion after the relist reaches the store through the new watch.
    let victim = sim.ok(&[
        "get",
        "pods",
        "-n",
        "rag7",
        "-l",
        "app=redis",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    sim.ok(&["delete", "pod", &victim, "-n", "rag7", "--wait=false"]);
    poll("store follows the deletion", 60, SEC, || {
        reader
            .state()
            .iter()
            .all(|p| p.metadata.name.as_deref() != Some(victim.as_str()))
            .then_some(())
    });

    // Restart the server on the same port: the watcher reconnects and relists.
    drop(sim);
    let sim = Sim::start("rag7", 1.0, Some(port));
    poll("relist after restart", 120, SEC, || {
        (inits.load(Ordering::SeqCst) >= 3).then_some(())
    });
    poll("store matches the new server", 60, SEC, || {
        (reader.state().len() == 4).then_some(())
    });
    drop(sim);
}

#[test]
fn in_process_start_serves_the_api_and_cleans_up() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let handle = opsdeck::sim::start(opsdeck::sim::SimOptions {
            scenario: "terragon".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(handle.context, "opsdeck-sim-terragon");
        assert!(handle.api_url.starts_with("http://127.0.0.1:"));
        let k8s = handle.profile.kubernetes.clone().unwrap();
        assert_eq!(k8s.namespaces, vec!["default".to_string()]);
        assert_eq!(k8s.selector.as_deref(), Some("app=rag-system"));
        let reread = opsdeck::config::Profile::load(&handle.profile_path).unwrap();
        assert_eq!(reread.services.len(), handle.profile.services.len());

        let kc = kube::config::Kubeconfig::read_from(&handle.kubeconfig).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .unwrap();
        let client = kube::Client::try_from(config).unwrap();
        let deployments: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
            kube::Api::namespaced(client.clone(), "default");
        let d = deployments.get("rag-system").await.unwrap();
        assert_eq!(d.spec.replicas, Some(3));
        // The scale subresource: get, merge-patch and replace.
        let scale = deployments.get_scale("rag-system").await.unwrap();
        assert_eq!(scale.spec.unwrap().replicas, Some(3));
        let patch = serde_json::json!({"spec": {"replicas": 4}});
        deployments
            .patch_scale(
                "rag-system",
                &kube::api::PatchParams::default(),
                &kube::api::Patch::Merge(&patch),
            )
            .await
            .unwrap();
        let mut scale = deployments.get_scale("rag-system").await.unwrap();
        assert_eq!(scale.spec.as_ref().unwrap().replicas, Some(4));
        scale.spec.as_mut().unwrap().replicas = Some(5);
        deployments
            .replace_scale("rag-system", &Default::default(), &scale)
            .await
            .unwrap();
        assert_eq!(
            deployments.get("rag-system").await.unwrap().spec.replicas,
            Some(5)
        );
        let bad = serde_json::json!({"spec": {"replicas": -1}});
        let err = deployments
            .patch_scale(
                "rag-system",
                &Default::default(),
                &kube::api::Patch::Merge(&bad),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, kube::Error::Api(ref s) if s.code == 422),
            "{err:?}"
        );
        let missing = deployments.get("nope").await.unwrap_err();
        assert!(
            matches!(missing, kube::Error::Api(ref s) if s.code == 404),
            "{missing:?}"
        );

        // The RESP responder answers the Redis check.
        let redis_url = handle
            .profile
            .services
            .iter()
            .find(|s| s.name == "redis")
            .unwrap()
            .checks[0]
            .target()
            .to_string();
        // Refused until the redis pod is ready, as a Service without endpoints is.
        let redis_client = redis::Client::open(redis_url.as_str()).unwrap();
        let mut conn = None;
        for _ in 0..60 {
            if let Ok(c) = redis_client.get_multiplexed_async_connection().await {
                conn = Some(c);
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let mut conn = conn.expect("redis endpoint never accepted a connection");
        let pong: String = redis::cmd("PING").query_async(&mut conn).await.unwrap();
        assert_eq!(pong, "PONG");
        let info: String = redis::cmd("INFO").query_async(&mut conn).await.unwrap();
        assert!(info.contains("redis_version:"), "{info}");
        let size: i64 = redis::cmd("DBSIZE").query_async(&mut conn).await.unwrap();
        assert!(size > 0);

        // /metrics carries the series the seeds' alert rules use.
        let prom = handle.profile.prometheus.clone().unwrap().url;
        let (code, body) = http_get(&format!("{prom}/metrics")).unwrap();
        assert_eq!(code, 200);
        for series in [
            "up{job=\"terragon\",service=\"rag-system\"} 1",
            "http_requests_total{service=\"rag-system\",status=\"500\"}",
            "http_request_duration_seconds_bucket{service=\"rag-system\",le=\"+Inf\"}",
            "cache_hit_ratio{service=\"rag-system\"}",
            "queue_size{service=\"rag-system\"}",
        ] {
            assert!(body.contains(series), "{series} missing from {body}");
        }

        // A streaming-list watcher (sendInitialEvents) sees the initial state end.
        {
            use futures::StreamExt;
            use kube::runtime::watcher;
            let pods: kube::Api<k8s_openapi::api::core::v1::Pod> =
                kube::Api::namespaced(client.clone(), "default");
            let mut stream = watcher(pods, watcher::Config::default().streaming_lists()).boxed();
            let mut applied = 0;
            let done = tokio::time::timeout(Duration::from_secs(30), async {
                while let Some(ev) = stream.next().await {
                    match ev.unwrap() {
                        watcher::Event::InitApply(_) => applied += 1,
                        watcher::Event::InitDone => return true,
                        _ => {}
                    }
                }
                false
            })
            .await;
            assert_eq!(done, Ok(true));
            assert!(applied >= 5, "{applied} pods in the initial state");
        }

        let dir = handle.kubeconfig.parent().unwrap().to_path_buf();
        handle.shutdown();
        assert!(!dir.exists(), "the temp dir is removed on shutdown");
    });
}

#[test]
fn refusing_a_non_loopback_bind_in_process() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt
        .block_on(opsdeck::sim::start(opsdeck::sim::SimOptions {
            bind: "0.0.0.0".parse().unwrap(),
            ..Default::default()
        }))
        .err()
        .unwrap();
    assert!(err.to_string().contains("loopback only"), "{err}");
}
