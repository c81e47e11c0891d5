//! Following a container's log, in batches so a flood does not become a message per line.

use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptionsBuilder;
use jiff::Timestamp;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::containers::{PROJECT_LABEL, display_name};
use super::poll::inspect;
use crate::model::{LogLine, Platform, SourceUpdate, StreamId};

/// What to read from a container's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// Lines from the end to start with; `None` reads the whole log.
    pub tail: Option<usize>,
    /// Ask the engine for each line's timestamp (`docker logs -t`).
    pub timestamps: bool,
    /// Keep reading new lines until the container stops (`docker logs -f`).
    pub follow: bool,
}

impl Default for LogOptions {
    /// `docker logs --tail 100 -t -f`, what the runbooks ask for.
    fn default() -> Self {
        Self {
            tail: Some(100),
            timestamps: true,
            follow: true,
        }
    }
}

/// Lines are sent when this many have gathered …
const MAX_BATCH: usize = 500;
/// … or when the oldest unsent line is this old.
const MAX_DELAY: Duration = Duration::from_millis(50);

/// Splits engine frames into lines. Without a TTY the engine frames one log entry at a time;
/// with a TTY (`Console`) the bytes come as written, so a line may span frames.
#[derive(Default)]
struct LineSplitter {
    timestamps: bool,
    console_partial: String,
    lines: Vec<LogLine>,
}

impl LineSplitter {
    fn push(&mut self, output: LogOutput) {
        match output {
            LogOutput::StdOut { message } => self.push_entry(&message, false),
            LogOutput::StdErr { message } => self.push_entry(&message, true),
            LogOutput::Console { message } => {
                self.console_partial
                    .push_str(&String::from_utf8_lossy(&message));
                while let Some(end) = self.console_partial.find('\n') {
                    let line: String = self.console_partial.drain(..=end).collect();
                    self.push_line(&line, false);
                }
            }
            LogOutput::StdIn { .. } => {}
        }
    }

    fn push_entry(&mut self, bytes: &[u8], stderr: bool) {
        let text = String::from_utf8_lossy(bytes);
        let text = text.strip_suffix('\n').unwrap_or(&text);
        for line in text.split('\n') {
            self.push_line(line, stderr);
        }
    }

    fn push_line(&mut self, raw: &str, stderr: bool) {
        let raw = raw.trim_end_matches(['\n', '\r']);
        let (timestamp, text) = if self.timestamps {
            split_timestamp(raw)
        } else {
            (None, raw)
        };
        self.lines.push(LogLine {
            prefix: None,
            timestamp,
            text: text.to_string(),
            stderr,
        });
    }

    /// The last unterminated line of a TTY stream, once the stream ends.
    fn finish(&mut self) {
        if !self.console_partial.is_empty() {
            let rest = std::mem::take(&mut self.console_partial);
            self.push_line(&rest, false);
        }
    }

    fn take(&mut self) -> Vec<LogLine> {
        std::mem::take(&mut self.lines)
    }
}

/// `docker logs -t` puts an RFC 3339 timestamp and a space before each line.
fn split_timestamp(raw: &str) -> (Option<Timestamp>, &str) {
    if let Some((head, rest)) = raw.split_once(' ')
        && let Ok(ts) = head.parse::<Timestamp>()
    {
        return (Some(ts), rest);
    }
    (None, raw)
}

/// Reads `container`'s log and sends it to `tx` until the log ends or the task is aborted.
pub(crate) async fn follow(
    docker: Docker,
    host: String,
    container: String,
    options: LogOptions,
    tx: mpsc::Sender<SourceUpdate>,
) {
    let mut stream_id = StreamId {
        platform: Platform::Docker,
        namespace: String::new(),
        name: container.clone(),
        container: None,
    };
    match inspect(&docker, &host, &container).await {
        Ok(info) => {
            if let Some(name) = info.name.as_deref() {
                stream_id.name = display_name(name).to_string();
            }
            stream_id.namespace = info
                .config
                .as_ref()
                .and_then(|c| c.labels.as_ref())
                .and_then(|l| l.get(PROJECT_LABEL))
                .cloned()
                .unwrap_or_default();
        }
        Err(e) => {
            let _ = tx
                .send(SourceUpdate::LogEnded {
                    stream: stream_id,
                    reason: e.to_string(),
                })
                .await;
            return;
        }
    }

    let tail = options
        .tail
        .map(|n| n.to_string())
        .unwrap_or_else(|| "all".to_string());
    let request = LogsOptionsBuilder::default()
        .stdout(true)
        .stderr(true)
        .follow(options.follow)
        .timestamps(options.timestamps)
        .tail(&tail)
        .build();
    let mut stream = std::pin::pin!(docker.logs(&container, Some(request)));
    let mut splitter = LineSplitter {
        timestamps: options.timestamps,
        ..Default::default()
    };
    let mut flush_at: Option<Instant> = None;

    let reason = loop {
        tokio::select! {
            item = futures::StreamExt::next(&mut stream) => match item {
                Some(Ok(output)) => {
                    splitter.push(output);
                    if splitter.lines.len() >= MAX_BATCH {
                        flush_at = None;
                        if !send(&tx, &stream_id, splitter.take()).await {
                            return;
                        }
                    } else if flush_at.is_none() && !splitter.lines.is_empty() {
                        flush_at = Some(Instant::now() + MAX_DELAY);
                    }
                }
                Some(Err(e)) => break format!("reading the log of {container} from {host} failed: {e}"),
                None => break ended_reason(&docker, &host, &container, options.follow).await,
            },
            _ = sleep_until(flush_at), if flush_at.is_some() => {
                flush_at = None;
                if !send(&tx, &stream_id, splitter.take()).await {
                    return;
                }
            }
        }
    };
    splitter.finish();
    let rest = splitter.take();
    if !rest.is_empty() && !send(&tx, &stream_id, rest).await {
        return;
    }
    let _ = tx
        .send(SourceUpdate::LogEnded {
            stream: stream_id,
            reason,
        })
        .await;
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

/// Sends a batch; `false` when the console has gone away.
async fn send(tx: &mpsc::Sender<SourceUpdate>, stream: &StreamId, lines: Vec<LogLine>) -> bool {
    if lines.is_empty() {
        return true;
    }
    tx.send(SourceUpdate::Logs {
        stream: stream.clone(),
        lines,
    })
    .await
    .is_ok()
}

async fn ended_reason(docker: &Docker, host: &str, container: &str, follow: bool) -> String {
    if !follow {
        return "end of log".to_string();
    }
    match inspect(docker, host, container).await {
        Ok(info) => {
            let state = info.state.unwrap_or_default();
            if state.running == Some(true) {
                return "the engine closed the log stream; follow again to resume".to_string();
            }
            let code = state.exit_code.unwrap_or(0);
            if state.oom_killed == Some(true) {
                format!("container stopped: exited ({code}) OOMKilled")
            } else {
                format!("container stopped: exited ({code})")
            }
        }
        Err(e) => format!("container is gone: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdout_and_stderr_entries_keep_their_stream_and_timestamp() {
        let mut s = LineSplitter {
            timestamps: true,
            ..Default::default()
        };
        s.push(LogOutput::StdOut {
            message: b"2026-01-01T12:00:00.123456789Z GET /health 200\n"
                .to_vec()
                .into(),
        });
        s.push(LogOutput::StdErr {
            message: b"2026-01-01T12:00:01Z panic: boom\n".to_vec().into(),
        });
        let lines = s.take();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "GET /health 200");
        assert!(!lines[0].stderr);
        assert_eq!(
            lines[0].timestamp,
            Some("2026-01-01T12:00:00.123456789Z".parse().unwrap())
        );
        assert_eq!(lines[1].text, "panic: boom");
        assert!(lines[1].stderr);
    }

    #[test]
    fn tty_output_is_joined_across_frames() {
        let mut s = LineSplitter::default();
        s.push(LogOutput::Console {
            message: b"hel".to_vec().into(),
        });
        s.push(LogOutput::Console {
            message: b"lo\r\nwor".to_vec().into(),
        });
        assert_eq!(
            s.take().iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
            ["hello"]
        );
        s.finish();
        assert_eq!(s.take()[0].text, "wor");
    }

    #[test]
    fn a_line_without_a_timestamp_is_kept_whole() {
        assert_eq!(split_timestamp("no stamp here"), (None, "no stamp here"));
    }
}
