//! The kubeconfig and profile a simulation writes for its clients.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::config::profile::{KubernetesConfig, PrometheusConfig, Thresholds};
use crate::config::{Check, Profile, Service};

use super::error::SimError;
use super::scenario::{CheckStyle, Scenario, ServiceSpec};

fn write_file(path: &Path, text: &str) -> Result<(), SimError> {
    std::fs::write(path, text).map_err(|e| SimError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

pub fn kubeconfig(context: &str, api_url: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: {context}\n  cluster:\n    server: {api_url}\ncontexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}\n    namespace: {namespace}\ncurrent-context: {context}\nusers:\n- name: {context}\n  user: {{}}\npreferences: {{}}\n"
    )
}

pub fn profile(
    scenario: &Scenario,
    context: &str,
    kubeconfig: &Path,
    prometheus: &str,
    endpoints: &[(ServiceSpec, SocketAddr)],
) -> Profile {
    let builtin = crate::config::profiles::BUILTIN
        .iter()
        .find(|(n, _)| *n == scenario.system())
        .and_then(|(_, text)| toml::from_str::<Profile>(text).ok());
    // Timeouts, intervals and body expectations come from the built-in profile
    // of the same system, so the simulation is judged by the seed's own rules.
    let seed_check = |name: &str| -> Option<Check> {
        builtin
            .as_ref()?
            .services
            .iter()
            .find(|s| s.name == name)?
            .checks
            .first()
            .cloned()
    };
    let mut services: Vec<Service> = endpoints
        .iter()
        .map(|(svc, addr)| {
            let seed = seed_check(&svc.name);
            let (timeout, interval) = seed
                .as_ref()
                .map(|c| match c {
                    Check::Http {
                        timeout, interval, ..
                    }
                    | Check::Tcp {
                        timeout, interval, ..
                    }
                    | Check::Redis {
                        timeout, interval, ..
                    }
                    | Check::Command {
                        timeout, interval, ..
                    } => (*timeout, *interval),
                })
                .unwrap_or((None, None));
            let check = match svc.check {
                CheckStyle::Http | CheckStyle::Grafana => {
                    let (expect_status, body_contains, json_field) = match seed {
                        Some(Check::Http {
                            expect_status,
                            body_contains,
                            json_field,
                            ..
                        }) => (expect_status.or(Some(200)), body_contains, json_field),
                        _ => (Some(200), None, None),
                    };
                    Check::Http {
                        url: format!("http://{addr}{}", svc.path.as_deref().unwrap_or("/")),
                        expect_status,
                        body_contains,
                        json_field,
                        timeout,
                        interval,
                    }
                }
                CheckStyle::Tcp => Check::Tcp {
                    address: addr.to_string(),
                    timeout,
                    interval,
                },
                // The RESP responder takes no password, so none is named.
                CheckStyle::Redis => Check::Redis {
                    url: format!("redis://{addr}"),
                    password_env: None,
                    timeout,
                    interval,
                },
            };
            Service {
                name: svc.name.clone(),
                description: svc.description.clone(),
                workload: svc.workload.clone(),
                checks: vec![check],
            }
        })
        .collect();
    // Where the seed checks its Prometheus, the simulation's metrics endpoint answers.
    if let Some(Check::Http {
        timeout, interval, ..
    }) = seed_check("prometheus")
    {
        services.push(Service {
            name: "prometheus".into(),
            description: Some("Metrics".into()),
            workload: None,
            checks: vec![Check::Http {
                url: format!("{prometheus}/-/healthy"),
                expect_status: Some(200),
                body_contains: None,
                json_field: None,
                timeout,
                interval,
            }],
        });
    }
    Profile {
        name: format!("sim-{}", scenario.name),
        readonly: false,
        description: Some(format!("Simulated {}", scenario.description)),
        kubernetes: Some(KubernetesConfig {
            context: Some(context.to_string()),
            kubeconfig: Some(kubeconfig.to_path_buf()),
            namespaces: scenario
                .namespaces
                .iter()
                .filter(|n| !scenario.forbidden_namespaces.contains(n))
                .cloned()
                .collect(),
            selector: scenario.selector.clone(),
            production: false,
        }),
        docker: None,
        // The simulated Prometheus evaluates every few scenario seconds; polling
        // it every 5 s keeps the demo lively without outpacing it.
        prometheus: Some(PrometheusConfig {
            url: prometheus.to_string(),
            interval: Some(crate::config::duration::HumanDuration(
                std::time::Duration::from_secs(5),
            )),
        }),
        alertmanager: None,
        slos: builtin.as_ref().map(|p| p.slos.clone()).unwrap_or_default(),
        alerts: builtin
            .as_ref()
            .map(|p| p.alerts.clone())
            .unwrap_or_default(),
        services,
        thresholds: builtin
            .as_ref()
            .map(|p| p.thresholds.clone())
            .unwrap_or_else(Thresholds::default),
        runbooks: Vec::new(),
        placeholders: builtin.map(|p| p.placeholders).unwrap_or_default(),
        source: None,
    }
}

/// Writes kubeconfig and profile.toml into `dir`; returns their paths and the profile.
pub fn write(
    dir: &Path,
    scenario: &Scenario,
    context: &str,
    api_url: &str,
    prometheus: &str,
    endpoints: &[(ServiceSpec, SocketAddr)],
) -> Result<(PathBuf, PathBuf, Profile), SimError> {
    std::fs::create_dir_all(dir).map_err(|e| SimError::Write {
        path: dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let kc = dir.join("kubeconfig");
    let ns = scenario
        .namespaces
        .first()
        .cloned()
        .unwrap_or_else(|| "default".into());
    write_file(&kc, &kubeconfig(context, api_url, &ns))?;
    let mut p = profile(scenario, context, &kc, prometheus, endpoints);
    let path = dir.join("profile.toml");
    let text = p.to_toml().map_err(|e| SimError::Write {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    write_file(&path, &text)?;
    p.source = Some(path.clone());
    Ok((kc, path, p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(name: &str) -> Profile {
        let scenario = crate::sim::scenario::load(name).unwrap();
        let endpoints: Vec<(ServiceSpec, SocketAddr)> = scenario
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    s.clone(),
                    SocketAddr::from(([127, 0, 0, 1], 20000 + i as u16)),
                )
            })
            .collect();
        let p = profile(
            &scenario,
            "ctx",
            Path::new("/tmp/kc"),
            "http://127.0.0.1:19999",
            &endpoints,
        );
        let text = p.to_toml().unwrap();
        Profile::from_toml(&text, Path::new("generated.toml")).unwrap()
    }

    #[test]
    fn generated_profiles_parse_and_keep_the_seeds_expectations() {
        for name in crate::sim::scenario::names() {
            let p = generated(name);
            assert!(!p.services.is_empty(), "{name}");
            // The SLOs and alert procedures of the seed's profile, asked of the simulation.
            let prom = p.prometheus.as_ref().unwrap();
            assert_eq!(prom.url, "http://127.0.0.1:19999", "{name}");
            assert_eq!(prom.interval(), std::time::Duration::from_secs(5), "{name}");
            assert!(p.slos.len() >= 4, "{name}");
            assert!(!p.alerts.is_empty(), "{name}");
            for s in &p.services {
                assert!(
                    s.checks[0].target().contains("127.0.0.1"),
                    "{name}: {}",
                    s.checks[0].target()
                );
            }
        }
        let deepseek = generated("deepseek-rag");
        let app = deepseek
            .services
            .iter()
            .find(|s| s.name == "deepseek-rag-app")
            .unwrap();
        assert!(matches!(&app.checks[0], Check::Http { body_contains: Some(b), .. } if b == "ok"));
        let prom = deepseek
            .services
            .iter()
            .find(|s| s.name == "prometheus")
            .unwrap();
        assert_eq!(prom.checks[0].target(), "http://127.0.0.1:19999/-/healthy");
        let terragon = generated("terragon");
        let rag = terragon
            .services
            .iter()
            .find(|s| s.name == "rag-system")
            .unwrap();
        assert_eq!(
            rag.checks[0].timeout(),
            std::time::Duration::from_millis(500)
        );
    }
}
