//! The incident timeline: one append-only JSON-lines file per incident (mode
//! 0600), written and flushed on every event, read back for export, follow and
//! resume. Commands are stored resolved with secrets masked; every entry also
//! passes the masking stage ([`super::secrets`]) on its way to the disk and
//! back, so a secret that slipped through elsewhere still never lands here.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::model::Risk;

#[derive(Debug, thiserror::Error)]
pub enum TimelineError {
    #[error(
        "cannot write the incident timeline {path}: {source}; check that the data dir is writable (OPSDECK_DATA_DIR)"
    )]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot read the incident timeline {path}: {source}; `opsdeck timeline list` shows the incidents"
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}: not a timeline event ({message}); the file may have been edited by hand"
    )]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: empty timeline (no start event)")]
    Empty { path: PathBuf },
}

/// Who did something: the OS user, and the SSH client's address when the
/// session came in over SSH.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Who {
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<String>,
}

impl Who {
    /// This process's user: the login name the password database gives its
    /// uid (not `$USER`, which anyone can set), and the SSH client's address
    /// from `SSH_CONNECTION` (or `SSH_CLIENT`).
    pub fn current() -> Who {
        let uid = unsafe_free_uid();
        let user = login_name(uid).unwrap_or_else(|| format!("uid {uid}"));
        let ssh = std::env::var("SSH_CONNECTION")
            .or_else(|_| std::env::var("SSH_CLIENT"))
            .ok()
            .and_then(|s| s.split_whitespace().next().map(str::to_owned));
        Who { user, ssh }
    }

    pub fn label(&self) -> String {
        match &self.ssh {
            Some(a) => format!("{} (ssh from {a})", self.user),
            None => self.user.clone(),
        }
    }
}

/// The login name of `uid` from the password database (getpwuid_r).
pub fn login_name(uid: u32) -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: passwd is plain data; zeroed is a valid (empty) value for it.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and buf's length is passed.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: getpwuid_r succeeded, so pw_name points at a NUL-terminated
    // string inside buf, which outlives this borrow.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
    let name = name.to_string_lossy().into_owned();
    (!name.is_empty()).then_some(name)
}

fn unsafe_free_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// How a command was allowed to run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confirmation {
    /// A read-only step started with Enter.
    Enter,
    /// A read-only step started by auto-run.
    Auto,
    /// A mutating step confirmed with `y`.
    Yes,
    /// A destructive step confirmed by typing this word.
    Typed(String),
    /// A `--dry-run=server` preview.
    Preview,
}

impl Confirmation {
    pub fn label(&self) -> String {
        match self {
            Confirmation::Enter => "Enter (read-only)".into(),
            Confirmation::Auto => "auto-run (read-only)".into(),
            Confirmation::Yes => "confirmed with y".into(),
            Confirmation::Typed(w) => format!("typed `{w}`"),
            Confirmation::Preview => "dry-run preview".into(),
        }
    }
}

/// Where commands were aimed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Target {
    pub profile: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default)]
    pub readonly: bool,
}

/// What happened. Serialized with an `event` tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Entry {
    Start {
        incident: String,
        runbook: String,
        /// `builtin:NAME` or the file's path: where resume imports it from.
        source: String,
        hash: String,
        procedure: String,
        target: Target,
    },
    Symptoms {
        ticked: Vec<String>,
        unticked: Vec<String>,
    },
    /// A placeholder value (never for secrets).
    Value {
        name: String,
        value: String,
    },
    /// Written and fsynced before the command is started: a crash after this
    /// leaves a step whose end is not recorded, never one with no trace.
    Confirmed {
        item: usize,
        step: String,
        /// Resolved, secrets masked.
        command: String,
        risk: Risk,
        confirmed: Confirmation,
        target: Target,
        started: Timestamp,
    },
    /// A command's end (its `confirmed` came before it). Files from before
    /// write-ahead call it `command`.
    #[serde(rename = "finished", alias = "command")]
    Command {
        item: usize,
        step: String,
        command: String,
        risk: Risk,
        confirmed: Confirmation,
        target: Target,
        started: Timestamp,
        ended: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        /// ok, failed, timed out, killed, command not found…
        outcome: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        output: Vec<String>,
    },
    Edit {
        item: usize,
        from: String,
        to: String,
        risk_from: Risk,
        risk_to: Risk,
    },
    Skip {
        item: usize,
        step: String,
        reason: String,
    },
    /// An instruction without a command, marked done.
    Done {
        item: usize,
        step: String,
    },
    Note {
        text: String,
    },
    Refused {
        item: usize,
        command: String,
        risk: Risk,
        why: String,
    },
    Resumed {
        at_item: usize,
    },
    Interrupted {
        why: String,
        /// The step that was running, stopped with its process group.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        item: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
    },
    End {
        status: String,
    },
    /// An Alertmanager silence created or expired from the console (mutating,
    /// confirmed); its author (`createdBy`) is the record's `who`.
    Silence {
        /// `created` or `expired`.
        action: String,
        id: String,
        alert: String,
        /// `name="value"` each.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        matchers: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration: Option<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        comment: String,
        /// The Alertmanager, as messages name it.
        server: String,
    },
}

impl Entry {
    /// `silence 4f1c… created for HighLatency (alertname="HighLatency", …) for 1h: deploy in progress`.
    pub fn silence_text(&self) -> Option<String> {
        let Entry::Silence {
            action,
            id,
            alert,
            matchers,
            duration,
            comment,
            server,
        } = self
        else {
            return None;
        };
        let mut s = format!("silence {id} {action} for {alert} on {server}");
        if !matchers.is_empty() {
            s.push_str(&format!(" ({})", matchers.join(", ")));
        }
        if let Some(d) = duration {
            s.push_str(&format!(" for {d}"));
        }
        if !comment.is_empty() {
            s.push_str(&format!(": {comment}"));
        }
        Some(s)
    }
}

impl Entry {
    /// Every free text of the entry through the masking stage.
    pub fn scrubbed(self) -> Entry {
        use super::secrets::{scrub, scrub_lines};
        match self {
            Entry::Value { name, value } => Entry::Value {
                value: scrub(&format!("{name}={value}"))
                    .split_once('=')
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_default(),
                name,
            },
            Entry::Command {
                item,
                step,
                command,
                risk,
                confirmed,
                target,
                started,
                ended,
                exit_code,
                outcome,
                output,
            } => Entry::Command {
                item,
                step,
                command: scrub(&command),
                risk,
                confirmed,
                target,
                started,
                ended,
                exit_code,
                outcome: scrub(&outcome),
                output: scrub_lines(&output),
            },
            Entry::Edit {
                item,
                from,
                to,
                risk_from,
                risk_to,
            } => Entry::Edit {
                item,
                from: scrub(&from),
                to: scrub(&to),
                risk_from,
                risk_to,
            },
            Entry::Skip { item, step, reason } => Entry::Skip {
                item,
                step,
                reason: scrub(&reason),
            },
            Entry::Note { text } => Entry::Note { text: scrub(&text) },
            Entry::Confirmed {
                item,
                step,
                command,
                risk,
                confirmed,
                target,
                started,
            } => Entry::Confirmed {
                item,
                step,
                command: scrub(&command),
                risk,
                confirmed,
                target,
                started,
            },
            Entry::Refused {
                item,
                command,
                risk,
                why,
            } => Entry::Refused {
                item,
                command: scrub(&command),
                risk,
                why,
            },
            other => other,
        }
    }
}

/// One line of the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub at: Timestamp,
    pub who: Who,
    #[serde(flatten)]
    pub entry: Entry,
}

pub fn path_for(dir: &Path, incident: &str) -> PathBuf {
    dir.join(format!("{incident}.jsonl"))
}

/// Appends one record and flushes it to disk. The file is created 0600: it
/// names hosts, users and commands.
pub fn append(path: &Path, record: &Record) -> Result<(), TimelineError> {
    let err = |source| TimelineError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(err)?;
    let record = Record {
        at: record.at,
        who: record.who.clone(),
        entry: record.entry.clone().scrubbed(),
    };
    let mut line = serde_json::to_string(&record).map_err(|e| err(std::io::Error::other(e)))?;
    line.push('\n');
    file.write_all(line.as_bytes()).map_err(err)?;
    file.flush().map_err(err)?;
    file.sync_data().map_err(err)
}

/// Every record of a timeline file, in order.
pub fn read(path: &Path) -> Result<Vec<Record>, TimelineError> {
    let file = File::open(path).map_err(|source| TimelineError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| TimelineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(parse_line(path, i + 1, &line)?);
    }
    Ok(out)
}

pub fn parse_line(path: &Path, line: usize, text: &str) -> Result<Record, TimelineError> {
    let mut record: Record = serde_json::from_str(text).map_err(|e| TimelineError::Parse {
        path: path.to_path_buf(),
        line,
        message: e.to_string(),
    })?;
    // Files written before masking existed are masked on the way out too.
    record.entry = record.entry.scrubbed();
    Ok(record)
}

/// A short summary of one incident, for `timeline list`.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub id: String,
    pub started: Timestamp,
    pub who: Who,
    pub procedure: String,
    pub runbook: String,
    pub commands: usize,
    /// completed, left, interrupted, open.
    pub status: String,
}

pub fn summarize(id: &str, records: &[Record]) -> Option<Summary> {
    let first = records.first()?;
    let Entry::Start {
        procedure, runbook, ..
    } = &first.entry
    else {
        return None;
    };
    let commands = records
        .iter()
        .filter(|r| matches!(r.entry, Entry::Command { .. }))
        .count();
    let status = records
        .iter()
        .rev()
        .find_map(|r| match &r.entry {
            Entry::End { status } => Some(status.clone()),
            Entry::Interrupted { why, .. } => Some(format!("interrupted ({why})")),
            Entry::Resumed { .. } => Some("open".into()),
            _ => None,
        })
        .unwrap_or_else(|| "open".into());
    Some(Summary {
        id: id.to_string(),
        started: first.at,
        who: first.who.clone(),
        procedure: procedure.clone(),
        runbook: runbook.clone(),
        commands,
        status,
    })
}

/// All incidents in `dir`, oldest first. Unreadable files are reported, not fatal.
pub fn list(dir: &Path) -> (Vec<Summary>, Vec<String>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (out, problems);
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    paths.sort();
    for p in paths {
        let id = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match read(&p) {
            Ok(records) => match summarize(&id, &records) {
                Some(s) => out.push(s),
                None => problems.push(TimelineError::Empty { path: p }.to_string()),
            },
            Err(e) => problems.push(e.to_string()),
        }
    }
    (out, problems)
}
