//! JSON over HTTP for the API clients (Prometheus, Alertmanager): one timeout
//! per call, bodies read up to a bound, and transport failures described in
//! words an operator can act on ("connection refused", "cannot resolve host").

use std::time::Duration;

use reqwest::Url;

/// Answers larger than this are refused rather than buffered.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// A reply read whole: the status and the body text.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// Why no reply arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Timeout,
    /// The connection failed: refused, reset, unresolvable host, TLS.
    Unreachable(String),
    TooLarge,
}

/// A client with rustls, a user agent and no silent redirects.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .user_agent(concat!("opsdeck/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// Parses a server's base URL (http or https, with a host). The result ends
/// with `/` so that API paths join below any path prefix it has.
pub fn base_url(url: &str) -> Result<Url, String> {
    let mut u = Url::parse(url.trim()).map_err(|e| e.to_string())?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!("scheme `{}` is not http or https", u.scheme()));
    }
    if u.host().is_none() {
        return Err("it has no host".into());
    }
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    u.set_query(None);
    u.set_fragment(None);
    Ok(u)
}

/// The server as messages name it: scheme, host and port.
pub fn server_name(u: &Url) -> String {
    let mut s = u.as_str().trim_end_matches('/').to_string();
    if let Some(at) = s.find('@') {
        // Never show credentials from the URL.
        let scheme_end = s.find("://").map_or(0, |i| i + 3);
        s.replace_range(scheme_end..=at, "");
    }
    s
}

/// Sends the request and reads the whole reply within `timeout`.
pub async fn send(request: reqwest::RequestBuilder, timeout: Duration) -> Result<Reply, Failure> {
    let work = async {
        let mut resp = request.send().await.map_err(|e| describe(&e))?;
        let status = resp.status().as_u16();
        let mut buf = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| describe(&e))? {
            if buf.len() + chunk.len() > MAX_BODY {
                return Err(Failure::TooLarge);
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            body: String::from_utf8_lossy(&buf).into_owned(),
        })
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(Failure::Timeout),
    }
}

fn describe(err: &reqwest::Error) -> Failure {
    if err.is_timeout() {
        return Failure::Timeout;
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind;
            let text = match io.kind() {
                ErrorKind::ConnectionRefused => "connection refused".into(),
                ErrorKind::ConnectionReset => "connection reset".into(),
                ErrorKind::TimedOut => return Failure::Timeout,
                ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => {
                    "host unreachable".into()
                }
                _ => io.to_string(),
            };
            return Failure::Unreachable(text);
        }
        cur = e.source();
    }
    let mut parts = vec![err.to_string()];
    let mut cur = std::error::Error::source(err);
    while let Some(e) = cur {
        parts.push(e.to_string());
        cur = e.source();
    }
    let text = parts.join(": ");
    if text.contains("dns error") || text.contains("failed to lookup address") {
        let host = err.url().and_then(|u| u.host_str()).unwrap_or("host");
        return Failure::Unreachable(format!("cannot resolve host {host}"));
    }
    Failure::Unreachable(text)
}

/// A duration as messages write it: `500ms`, `10 s`.
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

/// The first line of a body, shortened, for messages about unexpected answers.
pub fn excerpt(body: &str) -> String {
    let line = body.trim().lines().next().unwrap_or("").trim();
    let mut s: String = line.chars().take(160).collect();
    if line.chars().count() > 160 {
        s.push('…');
    }
    if s.is_empty() {
        "(empty body)".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_end_with_a_slash_and_hide_credentials() {
        let u = base_url("http://prom:9090").unwrap();
        assert_eq!(u.as_str(), "http://prom:9090/");
        assert_eq!(
            u.join("api/v1/query").unwrap().as_str(),
            "http://prom:9090/api/v1/query"
        );
        let u = base_url("https://host/prometheus?x=1").unwrap();
        assert_eq!(
            u.join("api/v1/alerts").unwrap().as_str(),
            "https://host/prometheus/api/v1/alerts"
        );
        assert!(base_url("prometheus:9090").is_err());
        assert!(base_url("ftp://x").is_err());
        let u = base_url("http://user:pw@prom:9090").unwrap();
        assert_eq!(server_name(&u), "http://prom:9090");
    }
}
