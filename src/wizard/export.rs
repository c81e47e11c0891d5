//! `opsdeck timeline list | export ID --format md|json | follow ID`: the
//! timeline as a postmortem's first draft, and as a live read-only view for
//! the pairing colleague.

use std::fmt::Write as _;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use jiff::Timestamp;

use super::timeline::{self, Entry, Record, TimelineError};
use crate::config::Paths;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Timeline(#[from] TimelineError),
    #[error("unknown format `{0}`: use --format md or --format json")]
    Format(String),
    #[error("no incident `{id}` in {dir}; `opsdeck timeline list` shows the incidents")]
    NoIncident { id: String, dir: String },
    #[error("cannot write to stdout: {0}")]
    Stdout(#[from] std::io::Error),
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// `opsdeck timeline list`: the incidents in the data dir, newest first.
pub fn list_incidents(paths: &Paths) -> Result<ExitCode, ExportError> {
    let dir = paths.timelines_dir();
    let mut out = std::io::stdout().lock();
    let (list, problems) = timeline::list(&dir);
    if list.is_empty() {
        writeln!(out, "no incidents yet in {}", dir.display())?;
    } else {
        writeln!(
            out,
            "{:<44} {:<17} {:<10} {:>4}  {:<28} STATUS",
            "ID", "STARTED (UTC)", "WHO", "CMDS", "PROCEDURE"
        )?;
    }
    for s in &list {
        writeln!(
            out,
            "{:<44} {:<17} {:<10} {:>4}  {:<28} {}",
            s.id,
            s.started.strftime("%Y-%m-%d %H:%M"),
            s.who.user,
            s.commands,
            s.procedure,
            s.status
        )?;
    }
    if list.iter().any(|s| s.status != "completed") {
        writeln!(
            out,
            "\nresume an open or interrupted incident with `opsdeck run --resume ID`"
        )?;
    }
    for p in problems {
        eprintln!("opsdeck: {p}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `opsdeck timeline export ID --format md|json`.
pub fn export_incident(id: &str, format: &str, paths: &Paths) -> Result<ExitCode, ExportError> {
    let dir = paths.timelines_dir();
    let mut out = std::io::stdout().lock();
    let records = read_incident(&dir, id)?;
    match format {
        "md" | "markdown" => out.write_all(markdown(id, &records).as_bytes())?,
        "json" => {
            serde_json::to_writer_pretty(&mut out, &records)?;
            writeln!(out)?;
        }
        other => return Err(ExportError::Format(other.to_string())),
    }
    Ok(ExitCode::SUCCESS)
}

/// `opsdeck timeline follow ID`: prints the incident's entries as they are written.
pub fn follow_incident(id: &str, paths: &Paths) -> Result<ExitCode, ExportError> {
    let dir = paths.timelines_dir();
    let mut out = std::io::stdout().lock();
    let path = timeline::path_for(&dir, id);
    if !path.is_file() {
        return Err(ExportError::NoIncident {
            id: id.to_string(),
            dir: dir.display().to_string(),
        });
    }
    follow(&path, &mut out)?;
    Ok(ExitCode::SUCCESS)
}

fn read_incident(dir: &Path, id: &str) -> Result<Vec<Record>, ExportError> {
    let path = timeline::path_for(dir, id);
    if !path.is_file() {
        return Err(ExportError::NoIncident {
            id: id.to_string(),
            dir: dir.display().to_string(),
        });
    }
    Ok(timeline::read(&path)?)
}

fn hm(t: Timestamp) -> String {
    t.strftime("%H:%M:%S").to_string()
}

/// A postmortem-ready timeline: summary, symptoms, then every event in order
/// with each command, who confirmed it and how, and its exit code.
pub fn markdown(id: &str, records: &[Record]) -> String {
    let mut s = String::new();
    let first = records.first();
    let title = match first.map(|r| &r.entry) {
        Some(Entry::Start { procedure, .. }) => procedure.clone(),
        _ => id.to_string(),
    };
    let _ = writeln!(s, "# Incident timeline: {title}\n");
    if let Some(Record {
        at,
        who,
        entry:
            Entry::Start {
                runbook,
                source,
                hash,
                target,
                ..
            },
    }) = first
    {
        let _ = writeln!(s, "- **Incident:** `{id}`");
        let _ = writeln!(
            s,
            "- **Started:** {} UTC by {}",
            at.strftime("%Y-%m-%d %H:%M:%S"),
            who.label()
        );
        let _ = writeln!(
            s,
            "- **Runbook:** {runbook} (`{source}`, sha256 `{}`)",
            hash.chars().take(12).collect::<String>()
        );
        let _ = writeln!(
            s,
            "- **Target:** profile `{}`, context `{}`, namespace `{}`{}",
            target.profile,
            target.context.as_deref().unwrap_or("(default)"),
            target.namespace.as_deref().unwrap_or("(default)"),
            if target.readonly { ", read-only" } else { "" }
        );
    }
    if let Some(last) = records.last() {
        let status = records
            .iter()
            .rev()
            .find_map(|r| match &r.entry {
                Entry::End { status } => Some(status.clone()),
                Entry::Interrupted { why, .. } => Some(format!("interrupted ({why})")),
                _ => None,
            })
            .unwrap_or_else(|| "open".into());
        let _ = writeln!(
            s,
            "- **Last event:** {} UTC · status: {status}",
            last.at.strftime("%Y-%m-%d %H:%M:%S")
        );
    }
    let commands: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.entry, Entry::Command { .. }))
        .collect();
    let _ = writeln!(s, "- **Commands run:** {}", commands.len());
    let unfinished = unfinished(records);
    if !unfinished.is_empty() {
        let _ = writeln!(
            s,
            "- **Steps whose end was not recorded:** {} (check their effect before running them again)",
            unfinished.len()
        );
    }
    let _ = writeln!(s);

    for r in records {
        if let Entry::Symptoms { ticked, unticked } = &r.entry {
            let _ = writeln!(s, "## Symptoms\n");
            for t in ticked {
                let _ = writeln!(s, "- [x] {t}");
            }
            for t in unticked {
                let _ = writeln!(s, "- [ ] {t}");
            }
            let _ = writeln!(s);
        }
    }

    let _ = writeln!(s, "## Timeline (UTC)\n");
    let _ = writeln!(s, "| Time | Who | What | Risk | Confirmed | Exit |");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for (i, r) in records.iter().enumerate() {
        let (what, risk, how, exit) = match &r.entry {
            // A step's confirmation shows in the table only when its end is missing;
            // otherwise its finished row says it all.
            Entry::Confirmed { .. } if !unfinished.contains(&i) => continue,
            Entry::Confirmed {
                command,
                risk,
                confirmed,
                started,
                ..
            } => (
                format!(
                    "`{}`: {}",
                    cell(command),
                    super::flow::unfinished_note(*started)
                ),
                risk.to_string(),
                confirmed.label(),
                "not recorded".to_string(),
            ),
            Entry::Start { procedure, .. } => (
                format!("Started “{procedure}”"),
                String::new(),
                String::new(),
                String::new(),
            ),
            Entry::Symptoms { ticked, .. } => (
                format!("Symptoms confirmed: {}", ticked.len()),
                String::new(),
                String::new(),
                String::new(),
            ),
            Entry::Value { name, value } => (
                format!("Set `{name}` = `{}`", cell(value)),
                String::new(),
                String::new(),
                String::new(),
            ),
            Entry::Command {
                command,
                risk,
                confirmed,
                exit_code,
                outcome,
                ..
            } => (
                format!("`{}`", cell(command)),
                risk.to_string(),
                confirmed.label(),
                match exit_code {
                    Some(c) => c.to_string(),
                    None => outcome.clone(),
                },
            ),
            Entry::Edit {
                from,
                to,
                risk_from,
                risk_to,
                ..
            } => (
                format!("Edited `{}` → `{}`", cell(from), cell(to)),
                format!("{risk_from} → {risk_to}"),
                String::new(),
                String::new(),
            ),
            Entry::Skip { step, reason, .. } => (
                format!("Skipped “{}”: {}", cell(step), cell(reason)),
                String::new(),
                String::new(),
                String::new(),
            ),
            Entry::Done { step, .. } => (
                format!("Done: {}", cell(step)),
                String::new(),
                String::new(),
                String::new(),
            ),
            Entry::Note { text } => (
                format!("Note: {}", cell(text)),
                String::new(),
                String::new(),
                String::new(),
            ),
            Entry::Refused { command, risk, .. } => (
                format!("Refused (read-only) `{}`", cell(command)),
                risk.to_string(),
                String::new(),
                String::new(),
            ),
            Entry::Resumed { at_item } => (
                format!("Resumed at step {}", at_item + 1),
                String::new(),
                String::new(),
                String::new(),
            ),
            Entry::Interrupted { why, step, .. } => (
                match step {
                    Some(step) => format!("Interrupted ({why}) while running “{}”", cell(step)),
                    None => format!("Interrupted ({why})"),
                },
                String::new(),
                String::new(),
                String::new(),
            ),
            Entry::End { status } => (
                format!("Ended: {status}"),
                String::new(),
                String::new(),
                String::new(),
            ),
            e @ Entry::Silence { .. } => (
                cell(&e.silence_text().unwrap_or_default()),
                "mutating".into(),
                String::new(),
                String::new(),
            ),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {what} | {risk} | {how} | {exit} |",
            hm(r.at),
            cell(&r.who.label())
        );
    }

    if !commands.is_empty() {
        let _ = writeln!(s, "\n## Commands and output\n");
        for r in commands {
            if let Entry::Command {
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
                ..
            } = &r.entry
            {
                let exit = exit_code
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "none".into());
                let _ = writeln!(s, "### {} · {} · exit {exit}\n", hm(*started), step);
                let _ = writeln!(s, "```sh\n{command}\n```\n");
                let _ = writeln!(
                    s,
                    "- {risk}, {} by {}; context `{}`, namespace `{}`",
                    confirmed.label(),
                    r.who.label(),
                    target.context.as_deref().unwrap_or("(default)"),
                    target.namespace.as_deref().unwrap_or("(default)")
                );
                let secs = ended.duration_since(*started).as_secs_f64();
                let _ = writeln!(s, "- exit code {exit} ({outcome}), {secs:.1} s\n");
                if !output.is_empty() {
                    let _ = writeln!(s, "```text");
                    for l in output {
                        let _ = writeln!(s, "{l}");
                    }
                    let _ = writeln!(s, "```\n");
                }
            }
        }
    }
    s
}

/// Indexes of `confirmed` records no `finished` record answers.
pub fn unfinished(records: &[Record]) -> Vec<usize> {
    let mut open: Vec<(usize, usize)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        match &r.entry {
            Entry::Confirmed { item, .. } => open.push((*item, i)),
            Entry::Command {
                item, confirmed, ..
            } => {
                let preview = *confirmed == super::timeline::Confirmation::Preview;
                if let Some(pos) = open.iter().rposition(|(it, at)| {
                    *it == *item
                        && matches!(&records[*at].entry, Entry::Confirmed { confirmed: c, .. }
                            if (*c == super::timeline::Confirmation::Preview) == preview)
                }) {
                    open.remove(pos);
                }
            }
            _ => {}
        }
    }
    open.into_iter().map(|(_, i)| i).collect()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// One event as a line for `timeline follow`.
pub fn line(r: &Record) -> String {
    let who = r.who.label();
    let t = hm(r.at);
    match &r.entry {
        Entry::Start {
            procedure,
            runbook,
            target,
            ..
        } => format!(
            "{t} {who} started “{procedure}” ({runbook}) on profile {} context {} namespace {}",
            target.profile,
            target.context.as_deref().unwrap_or("-"),
            target.namespace.as_deref().unwrap_or("-")
        ),
        Entry::Symptoms { ticked, .. } => {
            format!("{t} {who} confirmed symptoms: {}", ticked.join("; "))
        }
        Entry::Value { name, value } => format!("{t} {who} set {name} = {value}"),
        Entry::Command {
            command,
            risk,
            confirmed,
            exit_code,
            outcome,
            output,
            ..
        } => {
            let mut s = format!(
                "{t} {who} ran [{risk}, {}] $ {command}\n         → exit {} ({outcome})",
                confirmed.label(),
                exit_code
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "none".into())
            );
            for l in output.iter().rev().take(5).rev() {
                s.push_str("\n           ");
                s.push_str(l);
            }
            s
        }
        Entry::Edit {
            from,
            to,
            risk_from,
            risk_to,
            ..
        } => format!("{t} {who} edited `{from}` → `{to}` ({risk_from} → {risk_to})"),
        Entry::Skip { step, reason, .. } => format!("{t} {who} skipped “{step}”: {reason}"),
        Entry::Done { step, .. } => format!("{t} {who} done: {step}"),
        Entry::Note { text } => format!("{t} {who} note: {text}"),
        Entry::Refused { command, why, .. } => format!("{t} refused `{command}`: {why}"),
        Entry::Resumed { at_item } => format!("{t} {who} resumed at step {}", at_item + 1),
        Entry::Confirmed {
            command,
            risk,
            confirmed,
            ..
        } => format!(
            "{t} {who} confirmed [{risk}, {}] $ {command}",
            confirmed.label()
        ),
        Entry::Interrupted { why, step, .. } => {
            let during = step
                .as_ref()
                .map(|s| format!(" while running “{s}”"))
                .unwrap_or_default();
            format!("{t} interrupted ({why}){during}; resume with `opsdeck run --resume ID`")
        }
        Entry::End { status } => format!("{t} {who} ended: {status}"),
        e @ Entry::Silence { .. } => {
            format!("{t} {who} {}", e.silence_text().unwrap_or_default())
        }
    }
}

/// Prints every event, then new ones as they are appended. Read-only: the
/// file is only ever opened for reading. Ends when the incident ends.
pub fn follow(path: &Path, out: &mut impl Write) -> Result<(), ExportError> {
    let rerr = |source| TimelineError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(rerr)?;
    let mut pos = 0u64;
    let mut pending = String::new();
    let mut line_no = 0usize;
    writeln!(
        out,
        "following {} (read-only; Ctrl-C to stop)",
        path.display()
    )?;
    loop {
        file.seek(SeekFrom::Start(pos)).map_err(rerr)?;
        let mut chunk = String::new();
        let n = file.read_to_string(&mut chunk).map_err(rerr)?;
        pos += n as u64;
        pending.push_str(&chunk);
        let mut ended = false;
        while let Some(i) = pending.find('\n') {
            let text: String = pending.drain(..=i).collect();
            line_no += 1;
            if text.trim().is_empty() {
                continue;
            }
            let r = timeline::parse_line(path, line_no, text.trim())?;
            ended |= matches!(r.entry, Entry::End { .. });
            writeln!(out, "{}", line(&r))?;
        }
        out.flush()?;
        if ended {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
