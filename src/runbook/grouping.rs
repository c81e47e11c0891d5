//! Grouping a block's pieces into steps: `#` comments describe the commands under
//! them (or, right under a command and before a blank line, are its notes), a blank
//! line closes a step, `# or` makes the next command a variant of the last one.
//! Output and text under a command, editor content, and lines typed into an
//! interactive session attach to the command they follow.

use std::collections::HashSet;

use super::blocks::{
    BlockContext, ECHO_TAIL, Scope, is_echo_noise, make_command, settings, statement_commands,
};
use super::fence::strip_numbering;
use super::model::{Command, Interpreter, Sample, SessionRef, Step};
use super::placeholders;
use super::risk::Interactive;
use super::transcript::{self, Piece};

/// A step being put together from a block's pieces.
#[derive(Default)]
struct Group {
    description: Vec<String>,
    /// `description` as the commands carry it, numbering stripped, made once.
    joined: Option<String>,
    line: Option<usize>,
    commands: Vec<Command>,
    notes: Vec<String>,
    expected_output: Vec<Sample>,
    editor_content: Vec<Sample>,
    session_input: Vec<Sample>,
    sql_session: Option<SessionRef>,
}

impl Group {
    fn describe(&mut self, lines: Vec<String>) {
        self.joined = (!lines.is_empty()).then(|| {
            let mut d = lines.clone();
            if let Some(first) = d.first_mut() {
                *first = strip_numbering(first);
            }
            d.join(" ")
        });
        self.description = lines;
    }

    fn is_empty(&self) -> bool {
        self.description.is_empty() && self.commands.is_empty() && self.notes.is_empty()
    }

    fn into_step(self) -> Option<Step> {
        if self.is_empty() {
            return None;
        }
        let mut description = self.description.into_iter();
        let text = description
            .next()
            .map(|t| strip_numbering(&t))
            .unwrap_or_default();
        let mut notes: Vec<String> = description.collect();
        notes.extend(self.notes);
        let line = self
            .line
            .or_else(|| self.commands.first().map(|c| c.line))
            .unwrap_or(0);
        let sql_session = self
            .commands
            .iter()
            .any(|c| c.interpreter == Interpreter::Sql)
            .then_some(self.sql_session)
            .flatten();
        Some(Step {
            text,
            notes,
            commands: self.commands,
            expected_output: self.expected_output,
            editor_content: self.editor_content,
            session_input: self.session_input,
            sql_session,
            line,
        })
    }
}

/// Which command of the block text or output under it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// A command of the group being built.
    Group(usize),
    /// A command of the last finished step.
    Step(usize),
}

/// Lines under one command, gathered until something else comes.
struct Run {
    owner: Owner,
    kind: RunKind,
    line: usize,
    lines: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunKind {
    Output,
    Editor,
}

/// An interactive session being typed into (`kubectl debug node/x -it` … `exit`).
struct Session {
    owner: Owner,
}

struct Grouping<'c, 'a> {
    ctx: &'c BlockContext<'a>,
    steps: Vec<Step>,
    group: Group,
    /// The command text, output or typed lines attach to, and what it does with
    /// the terminal.
    last: Option<(Owner, Option<Interactive>)>,
    run: Option<Run>,
    /// Blank lines seen inside a run, kept only if more of the run follows.
    run_blanks: usize,
    session: Option<Session>,
    /// Under an editor command: lines that are not commands are what to change.
    editing: bool,
}

impl Grouping<'_, '_> {
    fn close(&mut self) {
        self.flush_run();
        let had_commands = !self.group.commands.is_empty();
        if let Some(step) = std::mem::take(&mut self.group).into_step() {
            self.steps.push(step);
            if had_commands {
                self.last = match self.last {
                    Some((Owner::Group(i), interactive)) => Some((Owner::Step(i), interactive)),
                    other => other,
                };
                if let Some(session) = self.session.as_mut()
                    && let Owner::Group(i) = session.owner
                {
                    session.owner = Owner::Step(i);
                }
            } else {
                // A step without commands now stands last: nothing above to attach to.
                self.last = None;
                self.session = None;
            }
        }
    }

    fn owner_step(&mut self, owner: Owner) -> Option<(&mut Vec<Command>, usize)> {
        match owner {
            Owner::Group(i) => Some((&mut self.group.commands, i)),
            Owner::Step(i) => self.steps.last_mut().map(|s| (&mut s.commands, i)),
        }
    }

    fn samples(&mut self, owner: Owner, kind: SampleKind) -> Option<&mut Vec<Sample>> {
        let (group, step) = match owner {
            Owner::Group(_) => (Some(&mut self.group), None),
            Owner::Step(_) => (None, self.steps.last_mut()),
        };
        Some(match (group, step, kind) {
            (Some(g), _, SampleKind::Output) => &mut g.expected_output,
            (Some(g), _, SampleKind::Editor) => &mut g.editor_content,
            (Some(g), _, SampleKind::Session) => &mut g.session_input,
            (None, Some(s), SampleKind::Output) => &mut s.expected_output,
            (None, Some(s), SampleKind::Editor) => &mut s.editor_content,
            (None, Some(s), SampleKind::Session) => &mut s.session_input,
            (None, None, _) => return None,
        })
    }

    fn add_sample(&mut self, owner: Owner, kind: SampleKind, line: usize, text: String) {
        let command = match owner {
            Owner::Group(i) | Owner::Step(i) => i,
        };
        if let Some(samples) = self.samples(owner, kind) {
            samples.push(Sample {
                command,
                line,
                text,
            });
        }
    }

    fn flush_run(&mut self) {
        self.run_blanks = 0;
        if let Some(run) = self.run.take() {
            let kind = match run.kind {
                RunKind::Output => SampleKind::Output,
                RunKind::Editor => SampleKind::Editor,
            };
            self.add_sample(run.owner, kind, run.line, run.lines.join("\n"));
        }
    }

    /// A line under the last command: output or editor content. `false` when no
    /// command is above it.
    fn under(&mut self, kind: RunKind, text: String, line: usize) -> bool {
        let Some((owner, _)) = self.last else {
            return false;
        };
        match self.run.as_mut() {
            Some(run) if run.owner == owner && run.kind == kind => {
                for _ in 0..self.run_blanks {
                    run.lines.push(String::new());
                }
                run.lines.push(text);
            }
            _ => {
                self.flush_run();
                self.run = Some(Run {
                    owner,
                    kind,
                    line,
                    lines: vec![text],
                });
            }
        }
        self.run_blanks = 0;
        true
    }

    /// A line typed into the open session: recorded, and its risk raises the
    /// command that opened the session.
    fn typed(&mut self, scope: &Scope, text: &str, line: usize) {
        let Some(owner) = self.session.as_ref().map(|s| s.owner) else {
            return;
        };
        self.flush_run();
        let (typed, _) = make_command(
            self.ctx,
            scope,
            text,
            line,
            Interpreter::Shell,
            &HashSet::new(),
        );
        if let Some((commands, i)) = self.owner_step(owner)
            && let Some(opener) = commands.get_mut(i)
            && typed.risk > opener.risk
        {
            opener.reason = format!(
                "{}; in that session, `{}`: {}",
                opener.reason,
                one_line(text),
                typed.reason
            );
            opener.risk = typed.risk;
        }
        self.add_sample(owner, SampleKind::Session, line, text.to_string());
    }
}

#[derive(Debug, Clone, Copy)]
enum SampleKind {
    Output,
    Editor,
    Session,
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn grouped_steps(
    ctx: &BlockContext<'_>,
    pieces: Vec<Piece>,
    interpreter: Interpreter,
    scope: &mut Scope,
) -> Vec<Step> {
    if !pieces
        .iter()
        .any(|p| !matches!(p, Piece::Blank | Piece::Comment { .. }))
    {
        // `# TODO: Command needed`: comments only, no step. Inside a list item the
        // item is the step, and the comments are its notes.
        if ctx.in_list_item {
            let notes: Vec<String> = pieces
                .into_iter()
                .filter_map(|p| match p {
                    Piece::Comment { text, .. } if !text.starts_with('!') => Some(text),
                    _ => None,
                })
                .collect();
            let mut step = Step::new("", ctx.first_line);
            step.notes = notes;
            return vec![step];
        }
        if let Some(Piece::Comment { text, line }) =
            pieces.iter().find(|p| matches!(p, Piece::Comment { .. }))
        {
            scope.unread(
                ctx.first_line + line,
                format!("the block holds only comments (\"{text}\"): no step"),
            );
        }
        return Vec::new();
    }
    // In a transcript, prompted lines under `kubectl debug … -it` are typed in that
    // session even across blank lines; elsewhere a blank line ends the session.
    let transcript = pieces.iter().any(|p| matches!(p, Piece::Output { .. }));
    let mut g = Grouping {
        ctx,
        steps: Vec::new(),
        group: Group::default(),
        last: None,
        run: None,
        run_blanks: 0,
        session: None,
        editing: false,
    };
    // Comments not yet known to be a description (of what follows) or a note (on
    // what precedes, when they sit right under a command and a blank line follows).
    let mut pending: Vec<(String, usize)> = Vec::new();
    let mut pending_follows_command = false;
    let mut blank_after_pending = false;
    let mut pending_or = false;
    let mut blank_since_statement = false;
    let mut defined: HashSet<String> = HashSet::new();
    let mut after_shebang = false;
    // Output above every command was reported once already.
    let mut orphan_reported = false;

    fn flush_pending(g: &mut Grouping<'_, '_>, pending: &mut Vec<(String, usize)>, as_notes: bool) {
        if pending.is_empty() {
            return;
        }
        if as_notes && !g.group.commands.is_empty() {
            g.group.notes.extend(pending.drain(..).map(|(t, _)| t));
        } else {
            g.close();
            g.group.line = pending.first().map(|(_, l)| *l);
            g.group
                .describe(pending.drain(..).map(|(t, _)| t).collect());
            g.close();
        }
    }

    for piece in pieces {
        match piece {
            Piece::Blank => {
                if !transcript {
                    g.session = None;
                }
                if !pending.is_empty() {
                    blank_after_pending = true;
                }
                blank_since_statement = true;
                g.editing = false;
                if g.run.is_some() {
                    g.run_blanks += 1;
                }
            }
            Piece::Comment { text, line } => {
                g.flush_run();
                g.editing = false;
                if g.session.is_some() {
                    if blank_since_statement {
                        // A new described group starts: the session is over.
                        g.session = None;
                    } else {
                        continue;
                    }
                }
                if text.starts_with('!') {
                    after_shebang = true;
                    continue;
                }
                if after_shebang
                    && pending.is_empty()
                    && g.group.commands.is_empty()
                    && g.steps.is_empty()
                {
                    // The comment under `#!/bin/bash` names the script, which the
                    // procedure's title already does.
                    after_shebang = false;
                    continue;
                }
                after_shebang = false;
                if text.eq_ignore_ascii_case("or") {
                    pending_or = true;
                    continue;
                }
                if blank_after_pending {
                    flush_pending(&mut g, &mut pending, pending_follows_command);
                    blank_after_pending = false;
                }
                if pending.is_empty() {
                    pending_follows_command =
                        !g.group.commands.is_empty() && !blank_since_statement;
                }
                pending.push((text, ctx.first_line + line));
            }
            Piece::Output { text, line } => {
                let line = ctx.first_line + line;
                if !g.under(RunKind::Output, text, line) && !orphan_reported {
                    scope.unread(
                        line,
                        "output with no prompted command above it: left out".into(),
                    );
                    orphan_reported = true;
                }
            }
            Piece::Text { text, line } => {
                let line = ctx.first_line + line;
                match g.last {
                    Some((_, Some(Interactive::Editor))) if g.editing => {
                        g.under(RunKind::Editor, text, line);
                    }
                    Some(_) if !transcript::is_sentence(text.trim()) => {
                        g.under(RunKind::Output, text, line);
                    }
                    _ => {
                        g.flush_run();
                        scope.unread(
                            line,
                            format!("`{}` is not a command: kept as a note", one_line(&text)),
                        );
                        g.group.notes.push(text.trim().to_string());
                    }
                }
            }
            Piece::Statement { text, line } => {
                let line = ctx.first_line + line;
                orphan_reported = false;
                if g.session.is_some() {
                    let ends = matches!(text.trim(), "exit" | "logout")
                        || text.trim().starts_with("exit ");
                    g.typed(scope, &text, line);
                    if ends {
                        g.session = None;
                    }
                    blank_since_statement = false;
                    continue;
                }
                if g.editing && !transcript::command_like(ctx.rules, &text) {
                    g.under(RunKind::Editor, text, line);
                    continue;
                }
                g.flush_run();
                g.editing = false;
                if interpreter == Interpreter::Shell && is_echo_noise(ctx.rules, &text) {
                    continue;
                }
                // `NAME=value` on a line of its own: a setting, not a step (each step
                // runs in a shell of its own), and the default of `$NAME` below.
                let settings = match interpreter {
                    Interpreter::Shell => settings(&text),
                    _ => None,
                };
                let text = match ECHO_TAIL.as_ref() {
                    Some(re) if interpreter == Interpreter::Shell && !text.contains('\n') => {
                        re.replace(&text, "").into_owned()
                    }
                    _ => text,
                };
                let new_commands = match settings {
                    Some(_) => Vec::new(),
                    None => statement_commands(ctx, scope, &text, line, interpreter, &defined),
                };
                if settings.is_none() {
                    defined.extend(placeholders::defined_names(&text));
                    if new_commands.is_empty() {
                        continue;
                    }
                }
                if pending_or && pending.is_empty() && !g.group.commands.is_empty() {
                    pending_or = false;
                    if let Some(last) = g.group.commands.last_mut() {
                        for (mut variant, _) in new_commands {
                            variant.description = last.description.clone();
                            last.variants.push(variant);
                        }
                    }
                    blank_since_statement = false;
                    continue;
                }
                pending_or = false;
                if !pending.is_empty() {
                    if blank_after_pending {
                        flush_pending(&mut g, &mut pending, pending_follows_command);
                        g.close();
                    } else {
                        g.close();
                        g.group.line = pending.first().map(|(_, l)| *l);
                        g.group
                            .describe(pending.drain(..).map(|(t, _)| t).collect());
                    }
                    blank_after_pending = false;
                } else if blank_since_statement
                    && !(g.group.commands.is_empty() && g.group.notes.is_empty())
                {
                    g.close();
                }
                if let Some(settings) = settings {
                    for (name, value) in settings {
                        defined.remove(&name);
                        if let Some(value) = value {
                            scope.defaults.insert(name, value);
                        }
                    }
                    scope.settings += 1;
                    g.group.line.get_or_insert(line);
                    g.group.notes.push(text.trim().to_string());
                    blank_since_statement = false;
                    continue;
                }
                let description = g.group.joined.clone();
                for (mut command, interactive) in new_commands {
                    command.description = description.clone();
                    for v in command.variants.iter_mut() {
                        v.description = description.clone();
                    }
                    if command.interpreter == Interpreter::Sql {
                        g.group.sql_session = scope.sql_session.clone();
                    }
                    let index = g.group.commands.len();
                    match interactive {
                        Some(Interactive::Sql) => {
                            scope.sql_session = Some(SessionRef {
                                command: command.text.clone(),
                                line: command.line,
                            });
                        }
                        Some(Interactive::Session) => {
                            g.session = Some(Session {
                                owner: Owner::Group(index),
                            });
                        }
                        Some(Interactive::Editor) => g.editing = true,
                        _ => {}
                    }
                    g.group.commands.push(command);
                    g.last = Some((Owner::Group(index), interactive));
                }
                blank_since_statement = false;
            }
        }
    }
    flush_pending(&mut g, &mut pending, pending_follows_command);
    g.close();
    g.steps
}
