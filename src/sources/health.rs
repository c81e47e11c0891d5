//! Health checks: HTTP, TCP connect, Redis PING and a command's exit code.
//! Each failure is reported in words an operator can act on.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::{mpsc, watch};

use crate::config::profile::{Check, JsonFieldMatch, Service};
use crate::model::{CheckOutcome, HealthResult};

/// Runs a check once, never longer than its timeout (plus a small grace for
/// killing a child process).
pub async fn run_check(check: &Check, http: &reqwest::Client) -> CheckOutcome {
    let timeout = check.timeout();
    let started = Instant::now();
    let result = tokio::time::timeout(timeout, run_inner(check, http, timeout)).await;
    let latency = started.elapsed();
    match result {
        Ok(Ok(detail)) => CheckOutcome {
            ok: true,
            latency,
            detail,
        },
        Ok(Err(detail)) => CheckOutcome {
            ok: false,
            latency,
            detail,
        },
        Err(_) => CheckOutcome {
            ok: false,
            latency,
            detail: format!("timed out after {}", human(timeout)),
        },
    }
}

async fn run_inner(
    check: &Check,
    http: &reqwest::Client,
    timeout: Duration,
) -> Result<String, String> {
    match check {
        Check::Http {
            url,
            expect_status,
            body_contains,
            json_field,
            ..
        } => {
            http_check(
                http,
                url,
                *expect_status,
                body_contains.as_deref(),
                json_field.as_ref(),
                timeout,
            )
            .await
        }
        Check::Tcp { address, .. } => tcp_check(address).await,
        Check::Redis {
            url, password_env, ..
        } => redis_check(url, password_env.as_deref(), timeout).await,
        Check::Command { run, .. } => command_check(run).await,
    }
}

/// A reqwest client for checks: no proxy surprises, no redirects followed silently.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .user_agent(concat!("opsdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

async fn http_check(
    http: &reqwest::Client,
    url: &str,
    expect_status: Option<u16>,
    body_contains: Option<&str>,
    json_field: Option<&JsonFieldMatch>,
    timeout: Duration,
) -> Result<String, String> {
    let resp = http
        .get(url)
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| describe_http_error(&e, timeout))?;
    let status = resp.status().as_u16();
    let status_ok = match expect_status {
        Some(want) => status == want,
        None => resp.status().is_success(),
    };
    if !status_ok {
        let want = expect_status
            .map(|w| format!(", expected {w}"))
            .unwrap_or_default();
        return Err(format!("HTTP {status}{want}"));
    }
    if body_contains.is_none() && json_field.is_none() {
        return Ok(format!("HTTP {status}"));
    }
    // Bodies are read bounded: a health endpoint that streams forever must not hang the check.
    let body = read_bounded(resp, 256 * 1024)
        .await
        .map_err(|e| describe_http_error(&e, timeout))?;
    if let Some(needle) = body_contains
        && !body.contains(needle)
    {
        return Err(format!(
            "HTTP {status}, but body did not contain \"{needle}\""
        ));
    }
    if let Some(m) = json_field {
        let value: serde_json::Value = serde_json::from_str(&body)
            .map_err(|_| format!("HTTP {status}, but body is not JSON (wanted {})", m.field))?;
        let found = m.field.split('.').try_fold(&value, |v, part| v.get(part));
        match found {
            Some(v) if *v == m.equals => {}
            Some(v) => return Err(format!("{} is {v}, expected {}", m.field, m.equals)),
            None => return Err(format!("HTTP {status}, but JSON has no field {}", m.field)),
        }
    }
    Ok(format!("HTTP {status}"))
}

async fn read_bounded(mut resp: reqwest::Response, limit: usize) -> Result<String, reqwest::Error> {
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        let room = limit.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if buf.len() >= limit {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn describe_http_error(err: &reqwest::Error, timeout: Duration) -> String {
    if err.is_timeout() {
        return format!("timed out after {}", human(timeout));
    }
    if let Some(io) = find_io_error(err) {
        return describe_io(io);
    }
    let text = full_chain(err);
    if text.contains("dns error") || text.contains("failed to lookup address") {
        let host = err.url().and_then(|u| u.host_str()).unwrap_or("host");
        return format!("cannot resolve host {host}");
    }
    if err.is_connect() {
        return format!("cannot connect: {text}");
    }
    text
}

fn find_io_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a std::io::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        cur = e.source();
    }
    None
}

fn full_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        parts.push(e.to_string());
        cur = e.source();
    }
    parts.join(": ")
}

fn describe_io(io: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match io.kind() {
        ErrorKind::ConnectionRefused => "connection refused".into(),
        ErrorKind::ConnectionReset => "connection reset".into(),
        ErrorKind::TimedOut => "connect timed out".into(),
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => "host unreachable".into(),
        _ => io.to_string(),
    }
}

async fn tcp_check(address: &str) -> Result<String, String> {
    match tokio::net::TcpStream::connect(address).await {
        Ok(_) => Ok("connected".into()),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            Err(format!("`{address}` is not host:port"))
        }
        Err(e) => {
            let text = e.to_string();
            if text.contains("failed to lookup") || text.contains("Name or service not known") {
                let host = address.rsplit_once(':').map_or(address, |(h, _)| h);
                Err(format!("cannot resolve host {host}"))
            } else {
                Err(describe_io(&e))
            }
        }
    }
}

async fn redis_check(
    url: &str,
    password_env: Option<&str>,
    timeout: Duration,
) -> Result<String, String> {
    let mut parsed =
        reqwest::Url::parse(url).map_err(|_| format!("`{url}` is not a redis:// URL"))?;
    if let Some(var) = password_env {
        match std::env::var(var) {
            Ok(pw) if !pw.is_empty() => {
                parsed
                    .set_password(Some(&pw))
                    .map_err(|_| format!("`{url}` cannot carry a password"))?;
            }
            // An unset variable is fine for a server without a password; the
            // server's NOAUTH answer below says when one is needed.
            _ => {}
        }
    }
    let client = redis::Client::open(parsed.as_str()).map_err(|e| format!("bad redis URL: {e}"))?;
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout));
    let mut conn = client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .map_err(|e| describe_redis(&e, password_env))?;
    let pong: String = redis::cmd("PING")
        .query_async(&mut conn)
        .await
        .map_err(|e| describe_redis(&e, password_env))?;
    if pong == "PONG" {
        Ok("PONG".into())
    } else {
        Err(format!("PING answered {pong:?}"))
    }
}

fn describe_redis(err: &redis::RedisError, password_env: Option<&str>) -> String {
    let code = err.code().unwrap_or_default();
    let hint = password_env
        .map(|v| format!(" (set {v})"))
        .unwrap_or_else(|| " (add password_env to the check)".into());
    match code {
        "NOAUTH" => format!("NOAUTH: the server requires a password{hint}"),
        "WRONGPASS" => "WRONGPASS: the password was refused".into(),
        _ => {
            if let Some(io) = find_io_error(err) {
                return describe_io(io);
            }
            let text = err.to_string();
            if text.contains("NOAUTH") {
                format!("NOAUTH: the server requires a password{hint}")
            } else if text.contains("WRONGPASS")
                || text.contains("invalid password")
                || text.contains("AuthenticationFailed")
            {
                "WRONGPASS: the password was refused".into()
            } else if text.contains("Connection refused") {
                "connection refused".into()
            } else {
                text
            }
        }
    }
}

async fn command_check(run: &str) -> Result<String, String> {
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(run)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    let child = cmd.spawn().map_err(|e| format!("cannot start sh: {e}"))?;
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| format!("command failed: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = stderr
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    match out.status.code() {
        Some(0) => Ok("exit 0".into()),
        Some(127) => {
            let tool = run.split_whitespace().next().unwrap_or(run);
            Err(format!(
                "command not found: {tool} (install it or change the check)"
            ))
        }
        Some(code) if first.is_empty() => Err(format!("exit {code}")),
        Some(code) => Err(format!("exit {code}: {first}")),
        None => Err("killed by a signal".into()),
    }
}

/// `2s`, `500ms`, `1.5s`: how a person says a timeout.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Runs every check of every service on its own interval until the receiver
/// closes. Any change on `refresh` re-runs all checks at once. `wrap` turns a
/// result into the receiver's message type.
pub fn spawn_checks<T: Send + 'static>(
    services: &[Service],
    tx: mpsc::Sender<T>,
    wrap: fn(HealthResult) -> T,
    refresh: watch::Receiver<u64>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let http = http_client();
    let mut handles = Vec::new();
    for (si, service) in services.iter().enumerate() {
        for (ci, check) in service.checks.iter().enumerate() {
            let check = check.clone();
            let tx = tx.clone();
            let http = http.clone();
            let mut refresh = refresh.clone();
            handles.push(tokio::spawn(async move {
                loop {
                    let outcome = run_check(&check, &http).await;
                    let result = HealthResult {
                        service: si,
                        check: ci,
                        outcome,
                        at: Timestamp::now(),
                    };
                    if tx.send(wrap(result)).await.is_err() {
                        return;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(check.interval()) => {}
                        changed = refresh.changed() => {
                            if changed.is_err() {
                                return;
                            }
                        }
                    }
                }
            }));
        }
    }
    handles
}

/// Runs every check once, concurrently, in profile order.
pub async fn run_all_once(services: &[Service]) -> Vec<HealthResult> {
    let http = http_client();
    let mut set = tokio::task::JoinSet::new();
    for (si, service) in services.iter().enumerate() {
        for (ci, check) in service.checks.iter().enumerate() {
            let check = check.clone();
            let http = http.clone();
            set.spawn(async move {
                let outcome = run_check(&check, &http).await;
                HealthResult {
                    service: si,
                    check: ci,
                    outcome,
                    at: Timestamp::now(),
                }
            });
        }
    }
    let mut results = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            results.push(r);
        }
    }
    results.sort_by_key(|r| (r.service, r.check));
    results
}
