//! Log generators: realistic lines per component, and the per-container buffer
//! that `pods/log` serves.

use std::collections::VecDeque;

use rand::Rng;
use rand::rngs::SmallRng;

use super::scenario::LogStyle;

const KEEP: usize = 5000;

#[derive(Debug, Clone, Default)]
pub struct LogBuffer {
    lines: VecDeque<(jiff::Timestamp, String)>,
    /// Count of lines ever written, so followers can resume by sequence number.
    pub written: u64,
    /// Lines kept; 0 means the default of 5000.
    pub keep: usize,
}

impl LogBuffer {
    pub fn with_keep(keep: usize) -> LogBuffer {
        LogBuffer {
            keep,
            ..LogBuffer::default()
        }
    }

    pub fn push(&mut self, at: jiff::Timestamp, line: String) {
        self.lines.push_back((at, line));
        self.written += 1;
        let keep = if self.keep == 0 { KEEP } else { self.keep };
        while self.lines.len() > keep {
            self.lines.pop_front();
        }
    }

    /// Lines with sequence number >= `from` (sequence numbers count from 0).
    pub fn since_seq(&self, from: u64) -> Vec<(jiff::Timestamp, String)> {
        let first = self.written - self.lines.len() as u64;
        let skip = from.saturating_sub(first) as usize;
        self.lines.iter().skip(skip).cloned().collect()
    }
}

/// What the container is going through, which decides the lines it writes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mood {
    Serving { slow: bool, error_percent: f64 },
    Failing,
    Leaking { percent_of_limit: f64 },
}

fn choose<'a, T>(rng: &mut SmallRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn pick<'a>(rng: &mut SmallRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// Lines written when the container starts.
pub fn startup(style: LogStyle, port: i32) -> Vec<String> {
    match style {
        LogStyle::Streamlit => vec![
            "Collecting usage statistics. To deactivate, set browser.gatherUsageStats to false.".into(),
            format!("  You can now view your Streamlit app in your browser."),
            format!("  URL: http://0.0.0.0:{port}"),
        ],
        LogStyle::Ollama => vec![
            format!("time=startup level=INFO source=routes.go:1238 msg=\"Listening on [::]:{port} (version 0.5.7)\""),
            "time=startup level=INFO source=gpu.go:217 msg=\"looking for compatible GPUs\"".into(),
            "time=startup level=INFO source=types.go:131 msg=\"inference compute\" id=0 library=cpu".into(),
        ],
        LogStyle::Langgraph | LogStyle::Api | LogStyle::Gradio => vec![
            "INFO:     Started server process [1]".into(),
            "INFO:     Waiting for application startup.".into(),
            "INFO:     Application startup complete.".into(),
            format!("INFO:     Uvicorn running on http://0.0.0.0:{port} (Press CTRL+C to quit)"),
        ],
        LogStyle::Nginx => vec![
            "/docker-entrypoint.sh: Configuration complete; ready for start up".into(),
            "nginx: [notice] start worker processes".into(),
        ],
        LogStyle::Postgres => vec![
            "LOG:  starting PostgreSQL 15.8 on x86_64-pc-linux-musl".into(),
            format!("LOG:  listening on IPv4 address \"0.0.0.0\", port {port}"),
            "LOG:  database system was shut down at startup".into(),
            "LOG:  database system is ready to accept connections".into(),
        ],
        LogStyle::Redis => vec![
            "1:C Redis version=7.2.5, bits=64, commit=00000000, modified=0, pid=1, just started".into(),
            format!("1:M Running mode=standalone, port={port}."),
            "1:M Server initialized".into(),
            "1:M Ready to accept connections tcp".into(),
        ],
        LogStyle::Prometheus | LogStyle::Grafana => vec!["msg=\"Server is ready to receive web requests.\"".into()],
    }
}

/// The last lines a container writes before it exits with a bad configuration.
pub fn crash(style: LogStyle, detail: &str) -> Vec<String> {
    match style {
        LogStyle::Postgres => vec![format!(
            "FATAL:  configuration file contains errors: {detail}"
        )],
        LogStyle::Redis => vec![format!("1:M # Fatal error loading the config: {detail}")],
        _ => vec![
            "ERROR:    Traceback (most recent call last):".into(),
            "  File \"/app/server.py\", line 42, in lifespan".into(),
            "    await checkpointer.setup()".into(),
            format!("psycopg.OperationalError: connection failed: {detail}"),
            "ERROR:    Application startup failed. Exiting.".into(),
        ],
    }
}

/// The last lines of a release that cannot start.
pub fn bad_release(image: &str) -> Vec<String> {
    vec![
        format!("INFO:     Starting {image}"),
        "Traceback (most recent call last):".into(),
        "  File \"/app/main.py\", line 12, in <module>".into(),
        "    from app.routing import QueryRouter".into(),
        "ModuleNotFoundError: No module named 'app.routing'".into(),
    ]
}

/// One steady-state line for `style`.
pub fn line(style: LogStyle, mood: Mood, rng: &mut SmallRng, ts: &str) -> String {
    let ip = format!(
        "10.244.{}.{}",
        rng.random_range(0..4),
        rng.random_range(2..250)
    );
    let ms = |rng: &mut SmallRng, slow: bool| -> u32 {
        if slow {
            rng.random_range(1500..5200)
        } else {
            rng.random_range(20..400)
        }
    };
    let (slow, err_pct) = match mood {
        Mood::Serving {
            slow,
            error_percent,
        } => (slow, error_percent),
        Mood::Failing => (false, 100.0),
        _ => (false, 0.0),
    };
    let failed = rng.random_range(0.0..100.0) < err_pct;
    if let Mood::Leaking { percent_of_limit } = mood
        && percent_of_limit > 70.0
        && rng.random_bool(0.3)
    {
        return format!(
            "WARNING: memory usage at {percent_of_limit:.0}% of limit; gc freed 0 objects"
        );
    }
    match style {
        LogStyle::Langgraph | LogStyle::Api | LogStyle::Gradio => {
            let (method, path) = *choose(
                rng,
                &[
                    ("POST", "/runs/stream"),
                    ("POST", "/threads"),
                    ("POST", "/runs/wait"),
                    ("POST", "/assistants/search"),
                    ("GET", "/health"),
                ],
            );
            let port: u16 = rng.random_range(32768..61000);
            if failed {
                format!(
                    "ERROR:    {ip}:{port} - \"{method} {path} HTTP/1.1\" 500 Internal Server Error ({} ms)",
                    ms(rng, slow)
                )
            } else if slow && rng.random_bool(0.3) {
                format!(
                    "WARNING:  slow request {method} {path} took {} ms",
                    ms(rng, true)
                )
            } else {
                format!("INFO:     {ip}:{port} - \"{method} {path} HTTP/1.1\" 200 OK")
            }
        }
        LogStyle::Streamlit => {
            if failed {
                "ERROR: httpx.ConnectError: [Errno 111] Connection refused (http://ollama-service:11434/api/generate)".into()
            } else {
                format!(
                    "INFO: query answered in {} ms (cache {})",
                    ms(rng, slow),
                    pick(rng, &["hit", "miss"])
                )
            }
        }
        LogStyle::Ollama => format!(
            "[GIN] {ts} | {} | {:>8}ms | {ip} | POST \"/api/generate\"",
            if failed { 500 } else { 200 },
            ms(rng, slow) * 4
        ),
        LogStyle::Nginx => format!(
            "{ip} - - [{ts}] \"{} HTTP/1.1\" {} {} \"-\" \"python-requests/2.32\" rt={:.3}",
            pick(
                rng,
                &[
                    "POST /api/v1/query",
                    "GET /health",
                    "POST /api/v1/documents"
                ]
            ),
            if failed { 502 } else { 200 },
            rng.random_range(200..9000),
            f64::from(ms(rng, slow)) / 1000.0
        ),
        LogStyle::Postgres => {
            if slow {
                format!(
                    "LOG:  duration: {} ms  statement: SELECT * FROM checkpoints WHERE thread_id = $1",
                    ms(rng, true)
                )
            } else {
                pick(rng, &[
                    "LOG:  checkpoint starting: time",
                    "LOG:  checkpoint complete: wrote 42 buffers (0.3%)",
                    "LOG:  automatic vacuum of table \"langgraph_checkpoints.public.checkpoints\"",
                ])
                .into()
            }
        }
        LogStyle::Redis => pick(
            rng,
            &[
                "1:M * 100 changes in 300 seconds. Saving...",
                "1:M * Background saving started by pid 42",
                "42:C * DB saved on disk",
                "1:M * Background saving terminated with success",
            ],
        )
        .into(),
        LogStyle::Prometheus | LogStyle::Grafana => "msg=\"request served\"".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn followers_resume_by_sequence_after_trimming() {
        let mut b = LogBuffer::default();
        let t = jiff::Timestamp::UNIX_EPOCH;
        for i in 0..(KEEP + 10) {
            b.push(t, format!("l{i}"));
        }
        let tail = b.since_seq(b.written - 2);
        assert_eq!(tail.len(), 2);
        assert_eq!(tail[1].1, format!("l{}", KEEP + 9));
        assert_eq!(b.since_seq(0).len(), KEEP);
    }

    #[test]
    fn same_seed_same_lines() {
        let gen_lines = || {
            let mut rng = SmallRng::seed_from_u64(2);
            (0..20)
                .map(|_| {
                    line(
                        LogStyle::Nginx,
                        Mood::Serving {
                            slow: false,
                            error_percent: 10.0,
                        },
                        &mut rng,
                        "t",
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(gen_lines(), gen_lines());
    }
}
