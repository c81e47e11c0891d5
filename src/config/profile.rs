//! Profiles: one TOML file per environment the console can operate.
//!
//! The field names here are a public format: tests, scripts, the simulated
//! environment and users' own files rely on them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration::HumanDuration;
use super::error::{ConfigError, line_of, toml_error};
use super::slo::{ProcedureRef, Slo};

/// One environment: where its services, cluster and containers live.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    #[serde(default)]
    pub readonly: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<KubernetesConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker: Option<DockerConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<PrometheusConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alertmanager: Option<AlertmanagerConfig>,
    /// `[[slo]]` tables: objectives judged from Prometheus queries.
    #[serde(default, rename = "slo", skip_serializing_if = "Vec::is_empty")]
    pub slos: Vec<Slo>,
    /// `[alerts]`: the procedure that answers an alert, by alert name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub alerts: BTreeMap<String, ProcedureRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    #[serde(default, skip_serializing_if = "Thresholds::is_empty")]
    pub thresholds: Thresholds,
    /// Runbook files (Markdown). Relative paths resolve against the profile's directory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runbooks: Vec<PathBuf>,
    /// Default values for placeholders such as `your-domain`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub placeholders: BTreeMap<String, String>,
    /// Where the profile was read from; not part of the file.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KubernetesConfig {
    /// kubeconfig context; the kubeconfig's current context when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Explicit kubeconfig path; `KUBECONFIG` or `~/.kube/config` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Label selector applied to pods, e.g. `app.kubernetes.io/part-of=rag7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Shown in the critical colour so nobody mistakes it for staging.
    #[serde(default)]
    pub production: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerConfig {
    /// `unix:///var/run/docker.sock`, `tcp://127.0.0.1:2375`; `DOCKER_HOST` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compose_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusConfig {
    pub url: String,
    /// How often alerts, rules and SLO queries are read; 15 s when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<HumanDuration>,
}

pub const DEFAULT_PROMETHEUS_INTERVAL: Duration = Duration::from_secs(15);

impl PrometheusConfig {
    pub fn interval(&self) -> Duration {
        self.interval
            .map(Duration::from)
            .unwrap_or(DEFAULT_PROMETHEUS_INTERVAL)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerConfig {
    pub url: String,
}

/// A service and the checks that tell whether it is healthy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Kubernetes deployment or compose service this service runs as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    #[serde(default)]
    pub checks: Vec<Check>,
}

/// One health check. The `type` key selects the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Check {
    Http {
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect_status: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body_contains: Option<String>,
        /// `field = "status"`, `equals = "ok"`: a JSON pointer-ish dotted path and its expected value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        json_field: Option<JsonFieldMatch>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<HumanDuration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interval: Option<HumanDuration>,
    },
    Tcp {
        address: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<HumanDuration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interval: Option<HumanDuration>,
    },
    Redis {
        url: String,
        /// Name of the environment variable holding the password. The password itself
        /// never appears in a profile.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password_env: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<HumanDuration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interval: Option<HumanDuration>,
    },
    Command {
        run: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout: Option<HumanDuration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interval: Option<HumanDuration>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonFieldMatch {
    /// Dotted path into the JSON body, e.g. `status` or `checks.db`.
    pub field: String,
    pub equals: serde_json::Value,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);

impl Check {
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Http { .. } => "http",
            Check::Tcp { .. } => "tcp",
            Check::Redis { .. } => "redis",
            Check::Command { .. } => "command",
        }
    }

    /// What the check looks at, for tables: the URL, address or command.
    pub fn target(&self) -> &str {
        match self {
            Check::Http { url, .. } | Check::Redis { url, .. } => url,
            Check::Tcp { address, .. } => address,
            Check::Command { run, .. } => run,
        }
    }

    pub fn timeout(&self) -> Duration {
        let t = match self {
            Check::Http { timeout, .. }
            | Check::Tcp { timeout, .. }
            | Check::Redis { timeout, .. }
            | Check::Command { timeout, .. } => timeout,
        };
        t.map(Duration::from).unwrap_or(DEFAULT_TIMEOUT)
    }

    pub fn interval(&self) -> Duration {
        let i = match self {
            Check::Http { interval, .. }
            | Check::Tcp { interval, .. }
            | Check::Redis { interval, .. }
            | Check::Command { interval, .. } => interval,
        };
        i.map(Duration::from).unwrap_or(DEFAULT_INTERVAL)
    }
}

/// Service level objectives and alerting thresholds (the seeds' SLOs).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Availability objective in percent, e.g. 99.9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95_latency_ms: Option<f64>,
    /// Error-rate objective in percent, e.g. 0.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<f64>,
    /// Cache hit ratio objective in percent, e.g. 85.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_hit_ratio: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_percent: Option<f64>,
}

fn url_is_http(url: &str) -> bool {
    reqwest::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

impl Thresholds {
    pub fn is_empty(&self) -> bool {
        self == &Thresholds::default()
    }
}

impl Profile {
    /// Parses a profile from TOML text; `origin` names the file in error messages.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Profile, ConfigError> {
        let mut profile: Profile =
            toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
        profile.source = Some(origin.to_path_buf());
        profile.locate_slos(text);
        profile.validate(origin, text)?;
        Ok(profile)
    }

    pub fn load(path: &Path) -> Result<Profile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Profile::from_toml(&text, path)
    }

    fn validate(&self, origin: &Path, text: &str) -> Result<(), ConfigError> {
        let invalid = |line: Option<usize>, message: String| ConfigError::Invalid {
            path: origin.to_path_buf(),
            line,
            message,
        };
        let table_line =
            |header: &str| text.lines().position(|l| l.trim() == header).map(|i| i + 1);
        for (section, url) in [
            ("prometheus", self.prometheus.as_ref().map(|p| &p.url)),
            ("alertmanager", self.alertmanager.as_ref().map(|a| &a.url)),
        ] {
            if let Some(url) = url
                && !url_is_http(url)
            {
                return Err(invalid(
                    table_line(&format!("[{section}]")),
                    format!(
                        "[{section}] url `{url}` is not an http(s) URL (write it as http://host:9090)"
                    ),
                ));
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for slo in &self.slos {
            if slo.name.trim().is_empty() {
                return Err(invalid(
                    slo.line,
                    "[[slo]] has an empty `name`: name the objective, e.g. \"p95 latency\"".into(),
                ));
            }
            if !names.insert(slo.name.as_str()) {
                return Err(invalid(
                    slo.line,
                    format!(
                        "[[slo]] `{}` is defined twice: give each objective its own name",
                        slo.name
                    ),
                ));
            }
            if slo.query.trim().is_empty() {
                return Err(invalid(
                    slo.line,
                    format!(
                        "[[slo]] `{}` has an empty `query`: write the PromQL that measures it",
                        slo.name
                    ),
                ));
            }
            if self.prometheus.is_none() {
                return Err(invalid(
                    slo.line,
                    format!("[[slo]] `{}` needs a [prometheus] url to query", slo.name),
                ));
            }
        }
        if self.name.trim().is_empty() {
            return Err(ConfigError::Invalid {
                path: origin.to_path_buf(),
                line: None,
                message: "profile `name` is empty: give the environment a name".into(),
            });
        }
        for service in &self.services {
            for check in &service.checks {
                if let Check::Http { url, .. } = check
                    && reqwest::Url::parse(url).is_err()
                {
                    return Err(ConfigError::Invalid {
                        path: origin.to_path_buf(),
                        line: None,
                        message: format!(
                            "service `{}`: `{url}` is not a valid URL (write it as http://host:port/path)",
                            service.name
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// Records where each `[[slo]]` starts in `text`, for messages about it.
    fn locate_slos(&mut self, text: &str) {
        #[derive(Deserialize)]
        struct Spans {
            #[serde(default)]
            slo: Vec<toml::Spanned<toml::Table>>,
        }
        let Ok(spans) = toml::from_str::<Spans>(text) else {
            return;
        };
        for (slo, span) in self.slos.iter_mut().zip(spans.slo) {
            slo.line = Some(line_of(text, span.span().start));
        }
    }

    /// Where an SLO is defined, for messages: `profiles/rag7.toml:42`.
    pub fn slo_origin(&self, slo: &Slo) -> String {
        let file = self
            .source
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| format!("profile {}", self.name));
        match slo.line {
            Some(l) => format!("{file}:{l}"),
            None => file,
        }
    }

    /// Runbook paths resolved against the profile file's directory. A folder
    /// stands for every `.md` file under it (a catalog, such as one file per alert).
    pub fn runbook_paths(&self) -> Vec<PathBuf> {
        let base = self
            .source
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let resolved: Vec<PathBuf> = self
            .runbooks
            .iter()
            .map(|p| {
                if p.is_absolute() {
                    p.clone()
                } else {
                    base.join(p)
                }
            })
            .collect();
        let mut paths = Vec::new();
        for path in resolved {
            match path.is_dir().then(|| runbook_files(&path)) {
                Some(Ok(files)) => paths.extend(files),
                // A folder that cannot be read stays, so importing it reports why.
                Some(Err(_)) | None => paths.push(path),
            }
        }
        paths
    }

    /// The profile as TOML, for generated profiles (the simulated environment writes one).
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string_pretty(self)
    }
}

/// How deep a runbook folder's sub-folders are read.
const RUNBOOK_DEPTH: usize = 8;

/// Every `.md` file under `dir`, sorted by path. Hidden files and folders are
/// skipped, and symbolic links to folders are not followed (they could loop).
pub fn runbook_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn collect(dir: &Path, depth: usize, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if depth < RUNBOOK_DEPTH {
                    collect(&path, depth + 1, files)?;
                }
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("md"))
                && path.is_file()
            {
                files.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    collect(dir, 0, &mut files)?;
    files.sort();
    Ok(files)
}
