//! `opsdeck runbook list|show|lint`: the importer without the TUI.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use color_eyre::eyre::{WrapErr, eyre};
use serde::Serialize;

use super::builtin;
use super::catalog;
use super::import;
use super::lint::{self, FindingSeverity};
use super::model::{Command, Procedure, Runbook, Sample, Step};
use super::risk::Rules;
use crate::model::Risk;

macro_rules! outln {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

#[derive(Debug, Args)]
pub struct RunbookArgs {
    #[command(subcommand)]
    pub command: RunbookCommand,
}

#[derive(Debug, Subcommand)]
pub enum RunbookCommand {
    /// List the procedures of runbook files (the built-in runbooks when none is given)
    List {
        /// Markdown files, folders of them, or built-in names such as builtin:rag7
        files: Vec<PathBuf>,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// Risk rules file to use instead of <config dir>/risk_rules.toml
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Show steps, commands, risks with reasons, and placeholders
    Show {
        /// A Markdown file, a folder of them, or a built-in name such as builtin:rag7
        file: PathBuf,
        /// Procedure number (as `list` prints it), title or alert name; all
        /// procedures when omitted
        procedure: Option<String>,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
    /// Report problems: untyped placeholders, unknown commands, unguarded destructive
    /// steps, annotations that lower risk, and what the importer could not read.
    /// Exits 1 when there are errors.
    Lint {
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        rules: Option<PathBuf>,
    },
}

/// `opsdeck runbook …`: prints to stdout, returns the process exit code.
pub fn run(args: RunbookArgs) -> color_eyre::Result<ExitCode> {
    let mut out = String::new();
    let code = execute(args, &mut out)?;
    emit(&out)?;
    Ok(code)
}

/// Writes the output; a reader that went away (`| head`) is not an error.
fn emit(text: &str) -> color_eyre::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

fn execute(args: RunbookArgs, out: &mut String) -> color_eyre::Result<ExitCode> {
    match args.command {
        RunbookCommand::List { files, json, rules } => {
            let rules = load_rules(rules.as_deref())?;
            let runbooks = load_all(&files, &rules)?;
            if json {
                let list: Vec<ListJson<'_>> = runbooks.iter().map(ListJson::from).collect();
                outln!(out, "{}", serde_json::to_string_pretty(&list)?);
            } else {
                for runbook in &runbooks {
                    print_list(out, runbook);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RunbookCommand::Show {
            file,
            procedure,
            json,
            rules,
        } => {
            let rules = load_rules(rules.as_deref())?;
            let mut runbooks = load_all(std::slice::from_ref(&file), &rules)?;
            if let Some(wanted) = procedure {
                let (at, index) = runbooks
                    .iter()
                    .enumerate()
                    .find_map(|(i, r)| find_procedure(r, &wanted).map(|p| (i, p)))
                    .ok_or_else(|| {
                        eyre!(
                            "no procedure `{wanted}` in {}; run `opsdeck runbook list {}` to see them",
                            file.display(),
                            file.display()
                        )
                    })?;
                let mut runbook = runbooks.swap_remove(at);
                let chosen = runbook.procedures.swap_remove(index);
                runbook.procedures = vec![chosen];
                runbooks = vec![runbook];
            }
            if json {
                // One file: one runbook object, as before folders were accepted.
                match runbooks.as_slice() {
                    [one] => outln!(out, "{}", serde_json::to_string_pretty(one)?),
                    many => outln!(out, "{}", serde_json::to_string_pretty(many)?),
                }
            } else {
                for (i, runbook) in runbooks.iter().enumerate() {
                    if i > 0 {
                        outln!(out);
                    }
                    out.push_str(&show_text(runbook));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RunbookCommand::Lint { files, json, rules } => {
            let rules = load_rules(rules.as_deref())?;
            let runbooks = load_all(&files, &rules)?;
            let mut errors = 0;
            let mut reports = Vec::new();
            for runbook in &runbooks {
                let findings = lint::lint(runbook, &rules);
                errors += findings
                    .iter()
                    .filter(|f| f.severity == FindingSeverity::Error)
                    .count();
                reports.push((runbook, findings));
            }
            if json {
                let list: Vec<serde_json::Value> = reports
                    .iter()
                    .map(|(r, f)| serde_json::json!({ "source": r.source, "findings": f }))
                    .collect();
                outln!(out, "{}", serde_json::to_string_pretty(&list)?);
            } else {
                for (runbook, findings) in &reports {
                    for f in findings {
                        outln!(
                            out,
                            "{}:{}: {}: {} [{}]",
                            runbook.source.display(),
                            f.line,
                            f.severity,
                            f.message,
                            f.procedure
                        );
                    }
                    outln!(
                        out,
                        "{}: {} finding(s)",
                        runbook.source.display(),
                        findings.len()
                    );
                }
            }
            Ok(if errors > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn load_rules(path: Option<&Path>) -> color_eyre::Result<Rules> {
    Ok(match path {
        Some(p) => Rules::with_user_file(p)?,
        None => Rules::load_default()?,
    })
}

fn load(file: &Path, rules: &Rules) -> color_eyre::Result<Runbook> {
    let name = file.to_string_lossy();
    if !file.exists()
        && let Some(b) = builtin::get(&name)
    {
        return Ok(b.import(rules)?);
    }
    import::import_file_with(file, rules).wrap_err("importing the runbook failed")
}

/// The runbooks of files, folders (every `.md` under them) and built-in names;
/// the built-in runbooks when none is given.
fn load_all(files: &[PathBuf], rules: &Rules) -> color_eyre::Result<Vec<Runbook>> {
    if files.is_empty() {
        return builtin::all()
            .iter()
            .map(|b| Ok(b.import(rules)?))
            .collect();
    }
    let mut runbooks = Vec::new();
    for file in files {
        if file.is_dir() {
            let found = catalog::markdown_files(file)?;
            if found.is_empty() {
                return Err(eyre!(
                    "no .md files in {}; give a folder of Markdown runbooks",
                    file.display()
                ));
            }
            for f in found {
                runbooks.push(load(&f, rules)?);
            }
        } else {
            runbooks.push(load(file, rules)?);
        }
    }
    Ok(runbooks)
}

/// By number, alert name, exact title, then a title containing `wanted`.
fn find_procedure(runbook: &Runbook, wanted: &str) -> Option<usize> {
    if let Ok(n) = wanted.parse::<usize>() {
        return (n >= 1 && n <= runbook.procedures.len()).then(|| n - 1);
    }
    if let Some(found) = catalog::find_by_alert(std::slice::from_ref(runbook), wanted) {
        return Some(found.index);
    }
    let lower = wanted.to_ascii_lowercase();
    runbook
        .procedures
        .iter()
        .position(|p| p.title.to_ascii_lowercase() == lower)
        .or_else(|| {
            runbook
                .procedures
                .iter()
                .position(|p| p.title.to_ascii_lowercase().contains(&lower))
        })
}

#[derive(Serialize)]
struct RiskCounts {
    #[serde(rename = "read-only")]
    read_only: usize,
    mutating: usize,
    destructive: usize,
}

fn risk_counts(p: &Procedure) -> RiskCounts {
    let mut counts = RiskCounts {
        read_only: 0,
        mutating: 0,
        destructive: 0,
    };
    for c in p.all_commands() {
        match c.risk {
            Risk::ReadOnly => counts.read_only += 1,
            Risk::Mutating => counts.mutating += 1,
            Risk::Destructive => counts.destructive += 1,
        }
    }
    counts
}

#[derive(Serialize)]
struct ListJson<'a> {
    source: &'a Path,
    title: &'a str,
    hash: &'a str,
    procedures: Vec<ProcedureSummary<'a>>,
}

#[derive(Serialize)]
struct ProcedureSummary<'a> {
    index: usize,
    title: &'a str,
    severity: Option<String>,
    alerts: &'a [String],
    heading_path: &'a [String],
    line: usize,
    phases: usize,
    steps: usize,
    commands: usize,
    risks: RiskCounts,
}

impl<'a> From<&'a Runbook> for ListJson<'a> {
    fn from(r: &'a Runbook) -> Self {
        ListJson {
            source: &r.source,
            title: &r.title,
            hash: &r.hash,
            procedures: r
                .procedures
                .iter()
                .enumerate()
                .map(|(i, p)| ProcedureSummary {
                    index: i + 1,
                    title: &p.title,
                    severity: p.severity.map(|s| s.to_string()),
                    alerts: &p.alerts,
                    heading_path: &p.heading_path,
                    line: p.line,
                    phases: p.phases.len(),
                    steps: p.step_count(),
                    commands: p.all_commands().count(),
                    risks: risk_counts(p),
                })
                .collect(),
        }
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let cut: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn print_list(out: &mut String, runbook: &Runbook) {
    outln!(
        out,
        "{}: {} ({} procedures)",
        runbook.source.display(),
        runbook.title,
        runbook.procedures.len()
    );
    outln!(
        out,
        "  {:>3}  {:<40}  {:<8}  {:>6}  {:>5}  {:>4}  {:>11}",
        "#",
        "PROCEDURE",
        "SEVERITY",
        "PHASES",
        "STEPS",
        "CMDS",
        "RO/MUT/DES"
    );
    for (i, p) in runbook.procedures.iter().enumerate() {
        let counts = risk_counts(p);
        outln!(
            out,
            "  {:>3}  {:<40}  {:<8}  {:>6}  {:>5}  {:>4}  {:>11}",
            i + 1,
            truncate(&p.title, 40),
            p.severity
                .map(|s| s.to_string())
                .unwrap_or_else(|| "-".into()),
            p.phases.len(),
            p.step_count(),
            p.all_commands().count(),
            format!(
                "{}/{}/{}",
                counts.read_only, counts.mutating, counts.destructive
            )
        );
    }
    outln!(out);
}

/// How a command's text is run, as `show` prefixes it.
fn prompt_of(c: &Command) -> &'static str {
    match c.interpreter {
        super::model::Interpreter::Shell => "$",
        super::model::Interpreter::Sql => "sql>",
        super::model::Interpreter::Promql => "promql>",
    }
}

fn print_command(out: &mut String, c: &Command, indent: &str, prefix: &str) {
    let mut lines = c.text.lines();
    outln!(
        out,
        "{indent}{prefix}{} {}",
        prompt_of(c),
        lines.next().unwrap_or("")
    );
    for more in lines {
        outln!(out, "{indent}    {more}");
    }
    outln!(out, "{indent}    [{}] {}", c.risk, c.reason);
    for w in &c.warnings {
        outln!(out, "{indent}    ! {w}");
    }
    if !c.placeholders.is_empty() {
        let mut names: Vec<String> = Vec::new();
        for p in &c.placeholders {
            let entry = match &p.default {
                Some(value) => format!("{} ({}, default {value})", p.name, p.kind),
                None => format!("{} ({})", p.name, p.kind),
            };
            if !names.contains(&entry) {
                names.push(entry);
            }
        }
        outln!(out, "{indent}    placeholders: {}", names.join(", "));
    }
}

/// Text a step shows with its command `index`: sample output, editor content,
/// lines typed in the session it opens.
fn print_samples(out: &mut String, step: &Step, index: usize, indent: &str) {
    let groups: [(&str, &[Sample]); 3] = [
        ("in the editor, change", &step.editor_content),
        ("then type in the session", &step.session_input),
        ("expected output", &step.expected_output),
    ];
    for (label, samples) in groups {
        let mine: Vec<&Sample> = samples.iter().filter(|s| s.command == index).collect();
        if mine.is_empty() {
            continue;
        }
        outln!(out, "{indent}    {label} (line {}):", mine[0].line);
        for sample in mine {
            for line in sample.text.lines() {
                outln!(out, "{indent}      │ {line}");
            }
        }
    }
}

/// What `opsdeck runbook show` prints for a runbook: every procedure, phase, step
/// and command, with risks and reasons, placeholders, what the runbook shows with
/// each command, and what the importer could not read.
pub fn show_text(runbook: &Runbook) -> String {
    let mut out = String::new();
    print_show(&mut out, runbook);
    out
}

fn print_show(out: &mut String, runbook: &Runbook) {
    outln!(out, "{} — {}", runbook.source.display(), runbook.title);
    outln!(out, "sha256 {}", runbook.hash);
    for p in &runbook.procedures {
        outln!(out);
        let severity = p.severity.map(|s| format!(" [{s}]")).unwrap_or_default();
        outln!(out, "== {}{} (line {})", p.title, severity, p.line);
        if !p.heading_path.is_empty() {
            outln!(out, "   in: {}", p.heading_path.join(" › "));
        }
        if !p.alerts.is_empty() {
            outln!(out, "   alerts: {}", p.alerts.join(", "));
        }
        for line in p.description.lines() {
            outln!(out, "   {line}");
        }
        for phase in &p.phases {
            let title = if phase.title.is_empty() {
                String::new()
            } else {
                format!(" — {}", phase.title)
            };
            outln!(out, "  -- {}{}", phase.kind, title);
            for (n, step) in phase.steps.iter().enumerate() {
                let text = if step.text.is_empty() {
                    "(run)"
                } else {
                    step.text.as_str()
                };
                outln!(out, "   {}. {}", n + 1, text);
                for note in &step.notes {
                    outln!(out, "      · {note}");
                }
                if let Some(session) = &step.sql_session {
                    outln!(
                        out,
                        "      typed into: {} (line {})",
                        session.command,
                        session.line
                    );
                }
                for (index, c) in step.commands.iter().enumerate() {
                    let platform = c
                        .platform
                        .map(|p| {
                            format!(
                                "({}) ",
                                serde_json::to_string(&p)
                                    .unwrap_or_default()
                                    .trim_matches('"')
                            )
                        })
                        .unwrap_or_default();
                    print_command(out, c, "      ", &platform);
                    for v in &c.variants {
                        let platform = v
                            .platform
                            .map(|p| {
                                format!(
                                    "or ({}) ",
                                    serde_json::to_string(&p)
                                        .unwrap_or_default()
                                        .trim_matches('"')
                                )
                            })
                            .unwrap_or_else(|| "or ".into());
                        print_command(out, v, "        ", &platform);
                    }
                    print_samples(out, step, index, "      ");
                }
            }
        }
    }
    if !runbook.unread.is_empty() {
        outln!(out);
        outln!(out, "not read:");
        for u in &runbook.unread {
            outln!(out, "  line {}: {}", u.line, u.message);
        }
    }
}
