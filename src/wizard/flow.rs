//! The wizard's state machine. Pure: keys and executor reports go in, the new
//! state and [`Request`]s (run, kill, record) come out. The runtime carries the
//! requests out; nothing here touches a process or a file.
//!
//! Confirmation tiers: a read-only command runs on Enter; a mutating one shows
//! the command, context and namespace and needs `y` (focus starts on Cancel); a
//! destructive one needs the target's name typed. In read-only mode mutating and
//! destructive commands are refused whatever way they were reached (edited,
//! switched variant, auto-run).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::items::{Item, ItemState, flatten};
use super::live::Live;
use super::timeline::{Confirmation, Entry, Target};
use crate::model::Action;
use crate::model::{Platform, Risk};
use crate::runbook::placeholders::{self, Placeholder, PlaceholderKind, PlaceholderSyntax};
use crate::runbook::risk::{self, Rules};
use crate::runbook::shell::Token;
use crate::runbook::{Command, Interpreter, Procedure, Runbook};

/// Lines of command output kept on screen; older lines drop off.
pub const OUTPUT_LINES: usize = 2000;
/// Lines of output kept in the timeline per command.
pub const EXCERPT_LINES: usize = 20;

pub use super::output::{OutputLine, OutputMasks};
pub use super::replay::unfinished_note;
use super::secrets;
pub use super::secrets::MASK;

/// What the wizard asks the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Run(RunSpec),
    /// Stop a running command: its whole process group, never opsdeck.
    Kill {
        pgid: i32,
    },
    Record(Entry),
    /// Back to the dashboard; the wizard stays and can be reopened.
    Leave,
    Quit,
}

/// One command to run through the operator's shell.
#[derive(Clone, PartialEq)]
pub struct RunSpec {
    pub run: u64,
    /// The exact text for the shell, secrets included: memory only.
    pub command: String,
    pub timeout: Duration,
    /// Secret values the executor masks in the output before reporting it.
    pub secrets: Vec<String>,
    /// The `confirmed` record: appended and fsynced before the command is
    /// started, or the command is not started at all.
    pub ahead: Option<Entry>,
    /// The command needs a terminal (an editor, `-it`, a bare client): it is
    /// handed the real one, and its output is not captured.
    pub terminal: bool,
}

impl fmt::Debug for RunSpec {
    // Effects end up in debug logs; the command may carry a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunSpec")
            .field("run", &self.run)
            .field("command", &mask_all(&self.command, &self.secrets))
            .field("timeout", &self.timeout)
            .field("secrets", &self.secrets.len())
            .field("ahead", &self.ahead.is_some())
            .field("terminal", &self.terminal)
            .finish()
    }
}

/// What the executor reports about a run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    Started {
        run: u64,
        pgid: i32,
    },
    Output {
        run: u64,
        line: String,
        stderr: bool,
    },
    Finished {
        run: u64,
        exit_code: Option<i32>,
        signal: Option<i32>,
        timed_out: bool,
        /// The shell could not be started at all.
        error: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Run,
    Preview,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    pub item: usize,
    pub name: String,
    pub kind: PlaceholderKind,
    pub input: String,
    pub completions: Vec<String>,
    pub selected: usize,
    pub error: Option<String>,
    pub then: Intent,
}

impl Prompt {
    pub fn hidden(&self) -> bool {
        self.kind == PlaceholderKind::Secret
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmFocus {
    Cancel,
    Run,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub item: usize,
    pub risk: Risk,
    /// The command as shown (secrets masked).
    pub shown: String,
    pub context: Option<String>,
    pub namespace: Option<String>,
    /// Destructive only: the word to type, and what was typed.
    pub expected: String,
    pub typed: String,
    pub focus: ConfirmFocus,
    pub error: Option<String>,
    /// Why a read-only step needs `y` (it prints secrets, or an earlier run
    /// of it has no recorded end).
    pub caution: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPurpose {
    Note,
    Skip,
    Timeout,
}

impl InputPurpose {
    pub fn title(self) -> &'static str {
        match self {
            InputPurpose::Note => "Note for the timeline",
            InputPurpose::Skip => "Why skip this step?",
            InputPurpose::Timeout => "Timeout for this step, in seconds",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Mode {
    Symptoms {
        selected: usize,
    },
    Steps,
    Prompt(Prompt),
    Confirm(Confirm),
    Input {
        purpose: InputPurpose,
        text: String,
    },
    Edit(Box<TextArea<'static>>),
    /// The wizard's keys and what they do; any key closes it.
    Help,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Running {
    pub run: u64,
    pub item: usize,
    pub pgid: Option<i32>,
    pub started: Timestamp,
    pub confirmed: Confirmation,
    pub shown: String,
    pub risk: Risk,
    pub preview: bool,
    pub killed: bool,
    /// Handed the terminal: its output is not captured.
    pub terminal: bool,
}

#[derive(Debug, Clone)]
pub struct Wizard {
    pub incident: String,
    pub runbook_title: String,
    pub source: String,
    pub hash: String,
    pub procedure: Procedure,
    pub symptoms: Vec<(String, bool)>,
    pub items: Vec<Item>,
    pub cursor: usize,
    pub mode: Mode,
    /// Placeholder values by name, secrets included (memory only).
    pub values: BTreeMap<String, String>,
    pub secret_names: BTreeSet<String>,
    pub output: VecDeque<OutputLine>,
    /// Lines scrolled up from the bottom of the output.
    pub scroll: usize,
    pub running: Option<Running>,
    pub target: Target,
    pub auto_run: bool,
    pub message: Option<(Level, String)>,
    pub rules: Rules,
    pub completed: bool,
    /// The current step's masked output shown as printed (`r`); never recorded.
    pub reveal: bool,
    pub masks: OutputMasks,
    /// Steps confirmed and started in an earlier session whose end was
    /// never recorded, with when they started.
    pub unfinished: BTreeMap<usize, Timestamp>,
    /// The number the next command run gets. A wizard that replaces another
    /// continues its numbers, so a report from a command of the old one is
    /// never taken for a new one's.
    pub next_run: u64,
    /// The environment variables set when the console started (names only):
    /// a `$VAR` among them is the shell's to expand.
    pub env_vars: BTreeSet<String>,
    /// When the message being handled arrived; stamps run starts and ends.
    now: Timestamp,
}

/// Everything a new wizard needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct Setup {
    pub incident: String,
    pub target: Target,
    pub platform: Option<Platform>,
    pub rules: Rules,
    /// The number of the first command run (see [`Wizard::next_run`]).
    pub first_run: u64,
    /// The names of the environment variables set at start.
    pub env_vars: BTreeSet<String>,
    /// When the wizard opens.
    pub now: Timestamp,
}

impl Wizard {
    /// A wizard on `runbook.procedures[index]`, and the timeline's start record.
    pub fn new(runbook: &Runbook, index: usize, setup: Setup) -> Option<(Wizard, Vec<Request>)> {
        let procedure = runbook.procedures.get(index)?.clone();
        let (symptoms, items) = flatten(&procedure, setup.platform);
        let start = Entry::Start {
            incident: setup.incident.clone(),
            runbook: runbook.title.clone(),
            source: runbook.source.display().to_string(),
            hash: runbook.hash.clone(),
            procedure: procedure.title.clone(),
            target: setup.target.clone(),
        };
        let mode = if symptoms.is_empty() {
            Mode::Steps
        } else {
            Mode::Symptoms { selected: 0 }
        };
        let w = Wizard {
            incident: setup.incident,
            runbook_title: runbook.title.clone(),
            source: runbook.source.display().to_string(),
            hash: runbook.hash.clone(),
            procedure,
            symptoms: symptoms.into_iter().map(|s| (s, false)).collect(),
            items,
            cursor: 0,
            mode,
            values: BTreeMap::new(),
            secret_names: BTreeSet::new(),
            output: VecDeque::new(),
            scroll: 0,
            running: None,
            target: setup.target,
            auto_run: false,
            message: None,
            rules: setup.rules,
            completed: false,
            reveal: false,
            masks: OutputMasks::default(),
            unfinished: BTreeMap::new(),
            next_run: setup.first_run,
            env_vars: setup.env_vars,
            now: setup.now,
        };
        Some((w, vec![Request::Record(start)]))
    }

    pub fn current(&self) -> Option<&Item> {
        self.items.get(self.cursor)
    }

    pub(super) fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some((level, text.into()));
    }

    /// Secret values in use, for masking.
    pub fn secrets(&self) -> Vec<String> {
        self.secret_names
            .iter()
            .filter_map(|n| self.values.get(n).cloned())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Replaces every secret value in `text`.
    pub fn mask(&self, text: &str) -> String {
        mask_all(text, &self.secrets())
    }

    /// The item's command as the shell gets it, and as everyone may see it.
    pub fn resolve(&self, item: usize) -> Option<(String, String)> {
        let cmd = self.items.get(item)?.command()?;
        let values: std::collections::HashMap<String, String> = self
            .values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let real = placeholders::substitute_found(&cmd.text, &cmd.placeholders, &values);
        let masked_values: std::collections::HashMap<String, String> = self
            .values
            .iter()
            .map(|(k, v)| {
                let v = if self.secret_names.contains(k) {
                    MASK.to_string()
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect();
        let shown = placeholders::substitute_found(&cmd.text, &cmd.placeholders, &masked_values);
        Some((real, shown))
    }

    /// Placeholders of the item's command that still need a value.
    pub fn missing(&self, item: usize) -> Vec<Placeholder> {
        let Some(cmd) = self.items.get(item).and_then(Item::command) else {
            return Vec::new();
        };
        let mut seen = BTreeSet::new();
        cmd.placeholders
            .iter()
            .filter(|p| !self.values.contains_key(&p.name))
            // `$VAR` set in the environment is the shell's to expand.
            .filter(|p| !(p.syntax == PlaceholderSyntax::EnvVar && self.env_vars.contains(&p.name)))
            .filter(|p| seen.insert(p.name.clone()))
            .cloned()
            .collect()
    }

    /// The namespace a command aims at: its `-n`, else the profile's.
    pub fn namespace_of(&self, text: &str) -> Option<String> {
        namespace_flag(text).or_else(|| self.target.namespace.clone())
    }

    /// A key press. `action` is what the `[wizard]` keymap section says it means.
    /// `now` is when the key arrived.
    pub fn on_key(
        &mut self,
        key: KeyEvent,
        action: Option<Action>,
        live: &Live,
        now: Timestamp,
    ) -> Vec<Request> {
        self.now = now;
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        match std::mem::replace(&mut self.mode, Mode::Steps) {
            Mode::Symptoms { selected } => self.on_symptoms_key(selected, action),
            Mode::Steps => self.on_steps_key(key, action, ctrl_c),
            Mode::Prompt(p) => self.on_prompt_key(key, p, live),
            Mode::Confirm(c) => self.on_confirm_key(key, action, c),
            Mode::Input { purpose, text } => self.on_input_key(key, purpose, text),
            Mode::Edit(ta) => self.on_edit_key(key, ta),
            Mode::Help => Vec::new(),
        }
    }

    fn on_symptoms_key(&mut self, selected: usize, action: Option<Action>) -> Vec<Request> {
        let last = self.symptoms.len().saturating_sub(1);
        let mut selected = selected;
        match action {
            Some(Action::Up) => selected = selected.saturating_sub(1),
            Some(Action::Down) => selected = (selected + 1).min(last),
            Some(Action::Tick) => {
                if let Some(s) = self.symptoms.get_mut(selected) {
                    s.1 = !s.1;
                }
            }
            Some(Action::RunStep) => {
                let (ticked, unticked): (Vec<_>, Vec<_>) =
                    self.symptoms.iter().cloned().partition(|(_, t)| *t);
                self.mode = Mode::Steps;
                self.say(
                    Level::Info,
                    "symptoms recorded; Enter runs the selected step",
                );
                return vec![Request::Record(Entry::Symptoms {
                    ticked: ticked.into_iter().map(|(s, _)| s).collect(),
                    unticked: unticked.into_iter().map(|(s, _)| s).collect(),
                })];
            }
            Some(Action::Note) => {
                self.mode = Mode::Input {
                    purpose: InputPurpose::Note,
                    text: String::new(),
                };
                return Vec::new();
            }
            Some(Action::Back) => {
                self.mode = Mode::Symptoms { selected };
                return vec![Request::Leave];
            }
            Some(Action::Quit) => {
                self.mode = Mode::Symptoms { selected };
                return vec![Request::Quit];
            }
            _ => {}
        }
        self.mode = Mode::Symptoms { selected };
        Vec::new()
    }

    fn on_steps_key(
        &mut self,
        key: KeyEvent,
        action: Option<Action>,
        ctrl_c: bool,
    ) -> Vec<Request> {
        self.mode = Mode::Steps;
        if ctrl_c || action == Some(Action::Kill) {
            return self.kill();
        }
        let last = self.items.len().saturating_sub(1);
        match action {
            Some(Action::Up) => {
                self.cursor = self.cursor.saturating_sub(1);
                self.reveal = false;
            }
            Some(Action::Down) => {
                self.cursor = (self.cursor + 1).min(last);
                self.reveal = false;
            }
            Some(Action::Reveal) => self.toggle_reveal(),
            Some(Action::PageUp) => {
                self.scroll = (self.scroll + 10).min(self.output.len().saturating_sub(1))
            }
            Some(Action::PageDown) => self.scroll = self.scroll.saturating_sub(10),
            Some(Action::Top) => self.scroll = self.output.len().saturating_sub(1),
            Some(Action::Bottom) => self.scroll = 0,
            Some(Action::RunStep) => return self.start(self.cursor, Intent::Run),
            Some(Action::Preview) => return self.start(self.cursor, Intent::Preview),
            Some(Action::Confirm) => self.say(
                Level::Info,
                "nothing to confirm: Enter starts the selected step",
            ),
            Some(Action::Skip) => {
                if self.busy_here() {
                    self.say(Level::Warn, "the step is running; Ctrl-C stops it first");
                } else {
                    self.mode = Mode::Input {
                        purpose: InputPurpose::Skip,
                        text: String::new(),
                    };
                }
            }
            Some(Action::Note) => {
                self.mode = Mode::Input {
                    purpose: InputPurpose::Note,
                    text: String::new(),
                }
            }
            Some(Action::SetTimeout) => {
                self.mode = Mode::Input {
                    purpose: InputPurpose::Timeout,
                    text: String::new(),
                }
            }
            Some(Action::Edit) => self.open_editor(),
            Some(Action::SwitchVariant) => self.switch_variant(),
            Some(Action::AutoRun) => {
                self.auto_run = !self.auto_run;
                let state = if self.auto_run { "on" } else { "off" };
                self.say(Level::Info, format!("auto-run of read-only steps: {state}"));
            }
            Some(Action::Help) => self.mode = Mode::Help,
            Some(Action::Back) => return vec![Request::Leave],
            Some(Action::Quit) => return vec![Request::Quit],
            _ => {
                let _ = key;
            }
        }
        Vec::new()
    }

    /// Why a read-only step needs `y` rather than Enter, if it does.
    fn caution(&self, index: usize, real: &str) -> Option<String> {
        if let Some(at) = self.unfinished.get(&index) {
            return Some(unfinished_note(*at));
        }
        secrets::prints_secrets(real).map(|why| {
            format!("it shows secrets ({why}); they are masked on screen and never recorded")
        })
    }

    fn busy_here(&self) -> bool {
        self.running.as_ref().is_some_and(|r| r.item == self.cursor)
    }

    fn kill(&mut self) -> Vec<Request> {
        match self.running.as_mut() {
            Some(r) => match r.pgid {
                Some(pgid) => {
                    r.killed = true;
                    self.say(Level::Warn, "stopping the command (its process group)…");
                    vec![Request::Kill { pgid }]
                }
                None => {
                    r.killed = true;
                    self.say(Level::Warn, "the command is starting; it will be stopped");
                    Vec::new()
                }
            },
            None => {
                self.say(Level::Info, "nothing is running (q leaves opsdeck)");
                Vec::new()
            }
        }
    }

    /// Enter (or `p`) on an item: instruction done, placeholders asked, tier applied.
    pub fn start(&mut self, index: usize, intent: Intent) -> Vec<Request> {
        if self.running.is_some() {
            self.say(
                Level::Warn,
                "a command is still running; wait for it, or Ctrl-C stops it",
            );
            return Vec::new();
        }
        let Some(item) = self.items.get(index) else {
            return Vec::new();
        };
        if item.is_instruction() {
            if intent == Intent::Preview {
                self.say(Level::Info, "this step has no command to preview");
                return Vec::new();
            }
            let step = item.text.clone();
            if let Some(it) = self.items.get_mut(index) {
                it.state = ItemState::Done;
            }
            self.advance_from(index);
            return vec![Request::Record(Entry::Done { item: index, step })];
        }
        if !item.runs_in_shell() {
            let tool = match item.command().map(|c| c.interpreter) {
                Some(Interpreter::Sql) => "a SQL statement for the psql session",
                _ => "a PromQL query for Prometheus",
            };
            self.say(
                Level::Warn,
                format!("this is {tool}; run it there, then s to skip it here with what you saw"),
            );
            return Vec::new();
        }
        let missing = self.missing(index);
        if let Some(p) = missing.first() {
            self.mode = Mode::Prompt(self.prompt_for(index, p, intent, None));
            return Vec::new();
        }
        let Some((real, shown)) = self.resolve(index) else {
            return Vec::new();
        };
        let risk = item.command().map(|c| c.risk).unwrap_or(Risk::Mutating);
        if intent == Intent::Preview {
            if self.target.readonly {
                // A server that ignores dryRun would apply the change: in
                // read-only mode nothing that names a mutation is sent.
                self.say(
                    Level::Error,
                    "read-only mode: previews are refused too (a server that ignores --dry-run would apply the change)",
                );
                return Vec::new();
            }
            return match preview_of(&real) {
                Some(cmd) => {
                    let shown = format!("{shown} --dry-run=server");
                    self.launch(
                        index,
                        cmd,
                        shown,
                        Risk::ReadOnly,
                        Confirmation::Preview,
                        true,
                    )
                }
                None => {
                    self.say(
                        Level::Info,
                        "preview works for a single kubectl mutation (apply, patch, scale, rollout restart, delete, …)",
                    );
                    Vec::new()
                }
            };
        }
        if self.target.readonly && risk > Risk::ReadOnly {
            let why = format!(
                "refused: read-only mode (--readonly or the profile) allows no {risk} step"
            );
            self.say(Level::Error, why.clone());
            return vec![Request::Record(Entry::Refused {
                item: index,
                command: shown,
                risk,
                why,
            })];
        }
        let caution = self.caution(index, &real);
        match risk {
            Risk::ReadOnly if caution.is_none() => {
                self.launch(index, real, shown, risk, Confirmation::Enter, false)
            }
            Risk::ReadOnly => {
                let namespace = self.namespace_of(&real);
                self.mode = Mode::Confirm(Confirm {
                    item: index,
                    risk,
                    shown,
                    context: self.target.context.clone(),
                    namespace,
                    expected: String::new(),
                    typed: String::new(),
                    focus: ConfirmFocus::Cancel,
                    error: None,
                    caution: caution.clone(),
                });
                Vec::new()
            }
            Risk::Mutating | Risk::Destructive => {
                let namespace = self.namespace_of(&real);
                let expected = if risk == Risk::Destructive {
                    self.target_name(index, &real)
                } else {
                    String::new()
                };
                self.mode = Mode::Confirm(Confirm {
                    item: index,
                    risk,
                    shown,
                    context: self.target.context.clone(),
                    namespace,
                    expected,
                    typed: String::new(),
                    focus: ConfirmFocus::Cancel,
                    error: None,
                    caution: caution.clone(),
                });
                Vec::new()
            }
        }
    }

    fn prompt_for(
        &self,
        item: usize,
        p: &Placeholder,
        then: Intent,
        live: Option<&Live>,
    ) -> Prompt {
        let ns = self
            .items
            .get(item)
            .and_then(Item::command)
            .and_then(|c| self.namespace_of(&c.text));
        let completions = live
            .map(|l| l.completions(p.kind, &p.name, ns.as_deref()))
            .unwrap_or_default();
        Prompt {
            item,
            name: p.name.clone(),
            kind: p.kind,
            input: String::new(),
            completions,
            selected: 0,
            error: None,
            then,
        }
    }

    /// Fills in completions for a prompt opened without the live state.
    pub fn refresh_completions(&mut self, live: &Live) {
        if let Mode::Prompt(p) = &self.mode {
            let ns = self
                .items
                .get(p.item)
                .and_then(Item::command)
                .and_then(|c| self.namespace_of(&c.text));
            let list = live.completions(p.kind, &p.name, ns.as_deref());
            if let Mode::Prompt(p) = &mut self.mode {
                p.completions = list;
                p.selected = p.selected.min(p.completions.len().saturating_sub(1));
            }
        }
    }

    fn on_prompt_key(&mut self, key: KeyEvent, mut p: Prompt, live: &Live) -> Vec<Request> {
        match key.code {
            KeyCode::Esc => {
                self.say(
                    Level::Info,
                    format!("{} not set; the step did not run", p.name),
                );
                return Vec::new();
            }
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return Vec::new();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => p.input.clear(),
            KeyCode::Backspace => {
                p.input.pop();
            }
            KeyCode::Up => p.selected = p.selected.saturating_sub(1),
            KeyCode::Down => {
                p.selected = (p.selected + 1).min(p.completions.len().saturating_sub(1))
            }
            KeyCode::Tab => {
                if let Some(c) = p.completions.get(p.selected) {
                    p.input = c.clone();
                }
            }
            KeyCode::Enter => {
                let value = if p.input.is_empty() && !p.hidden() {
                    p.completions.get(p.selected).cloned().unwrap_or_default()
                } else {
                    p.input.clone()
                };
                if let Err(e) = placeholders::validate(p.kind, &value) {
                    p.error = Some(e);
                    self.mode = Mode::Prompt(p);
                    return Vec::new();
                }
                let mut out = Vec::new();
                if p.hidden() {
                    // Every sink masks it from now on, whatever way it gets there.
                    secrets::remember(&value);
                    self.secret_names.insert(p.name.clone());
                } else {
                    out.push(Request::Record(Entry::Value {
                        name: p.name.clone(),
                        value: value.clone(),
                    }));
                }
                self.values.insert(p.name.clone(), value);
                self.message = None;
                let missing = self.missing(p.item);
                match missing.first() {
                    Some(next) => {
                        self.mode = Mode::Prompt(self.prompt_for(p.item, next, p.then, Some(live)))
                    }
                    None => out.extend(self.start(p.item, p.then)),
                }
                return out;
            }
            KeyCode::Char(c) => {
                p.input.push(c);
                p.error = None;
            }
            _ => {}
        }
        self.mode = Mode::Prompt(p);
        Vec::new()
    }

    fn on_confirm_key(
        &mut self,
        key: KeyEvent,
        action: Option<Action>,
        mut c: Confirm,
    ) -> Vec<Request> {
        if key.code == KeyCode::Esc
            || (key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL))
        {
            self.say(Level::Info, "cancelled; nothing ran");
            return Vec::new();
        }
        if matches!(
            key.code,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Left | KeyCode::Right
        ) {
            c.focus = match c.focus {
                ConfirmFocus::Cancel => ConfirmFocus::Run,
                ConfirmFocus::Run => ConfirmFocus::Cancel,
            };
            self.mode = Mode::Confirm(c);
            return Vec::new();
        }
        if c.risk == Risk::Destructive {
            match key.code {
                KeyCode::Enter => {
                    if c.focus == ConfirmFocus::Cancel && c.typed.is_empty() {
                        self.say(Level::Info, "cancelled; nothing ran");
                        return Vec::new();
                    }
                    if c.typed.trim() == c.expected {
                        return self.confirmed(c.item, Confirmation::Typed(c.expected.clone()));
                    }
                    c.error = Some(format!(
                        "type `{}` exactly to run it, or Esc to cancel",
                        c.expected
                    ));
                }
                KeyCode::Backspace => {
                    c.typed.pop();
                }
                KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    c.typed.push(ch);
                    c.error = None;
                }
                _ => {}
            }
            self.mode = Mode::Confirm(c);
            return Vec::new();
        }
        if action == Some(Action::Confirm) {
            return self.confirmed(c.item, Confirmation::Yes);
        }
        match key.code {
            KeyCode::Enter if c.focus == ConfirmFocus::Run => {
                self.confirmed(c.item, Confirmation::Yes)
            }
            KeyCode::Enter | KeyCode::Char('n') => {
                self.say(Level::Info, "cancelled; nothing ran");
                Vec::new()
            }
            _ => {
                self.mode = Mode::Confirm(c);
                Vec::new()
            }
        }
    }

    fn confirmed(&mut self, index: usize, how: Confirmation) -> Vec<Request> {
        // The tier is checked again: nothing reaches the executor around it.
        let Some(risk) = self
            .items
            .get(index)
            .and_then(Item::command)
            .map(|c| c.risk)
        else {
            return Vec::new();
        };
        let Some((real, shown)) = self.resolve(index) else {
            return Vec::new();
        };
        if self.target.readonly && risk > Risk::ReadOnly {
            self.say(Level::Error, "read-only mode: refused");
            return Vec::new();
        }
        let allowed = matches!(
            (&how, risk),
            (_, Risk::ReadOnly)
                | (Confirmation::Yes, Risk::Mutating)
                | (Confirmation::Typed(_), Risk::Destructive | Risk::Mutating)
        );
        if !allowed {
            self.say(Level::Error, "this step needs its confirmation first");
            return Vec::new();
        }
        self.launch(index, real, shown, risk, how, false)
    }

    fn launch(
        &mut self,
        index: usize,
        real: String,
        shown: String,
        risk: Risk,
        confirmed: Confirmation,
        preview: bool,
    ) -> Vec<Request> {
        let run = self.next_run;
        self.next_run += 1;
        let timeout = self
            .items
            .get(index)
            .map(|i| i.timeout)
            .unwrap_or(super::items::DEFAULT_TIMEOUT);
        if !preview && let Some(it) = self.items.get_mut(index) {
            it.state = ItemState::Running;
        }
        if !preview {
            self.unfinished.remove(&index);
        }
        let started = self.now;
        let ahead = Entry::Confirmed {
            item: index,
            step: self
                .items
                .get(index)
                .map(|i| i.text.clone())
                .unwrap_or_default(),
            command: shown.clone(),
            risk,
            confirmed: confirmed.clone(),
            target: Target {
                namespace: self.namespace_of(&shown),
                ..self.target.clone()
            },
            started,
        };
        self.output.clear();
        self.scroll = 0;
        self.reveal = false;
        self.masks = OutputMasks::new(&self.secrets());
        self.output
            .push_back(OutputLine::plain(format!("$ {shown}"), false));
        let terminal = !preview
            && (self
                .items
                .get(index)
                .and_then(Item::command)
                .is_some_and(|c| c.needs_terminal())
                || needs_terminal(&real).is_some());
        self.running = Some(Running {
            terminal,
            run,
            item: index,
            pgid: None,
            started,
            confirmed,
            shown,
            risk,
            preview,
            killed: false,
        });
        if terminal {
            self.say(
                Level::Info,
                "the terminal is handed over; opsdeck comes back when the command ends",
            );
        } else {
            self.say(Level::Info, "running… Ctrl-C stops it");
        }
        vec![Request::Run(RunSpec {
            run,
            command: real,
            timeout,
            secrets: self.secrets(),
            ahead: Some(ahead),
            terminal,
        })]
    }

    /// A report from the executor.
    /// `now` is when the event arrived.
    pub fn on_run_event(&mut self, ev: RunEvent, now: Timestamp) -> Vec<Request> {
        self.now = now;
        match ev {
            RunEvent::Started { run, pgid } => {
                let mut out = Vec::new();
                if let Some(r) = self.running.as_mut().filter(|r| r.run == run) {
                    r.pgid = Some(pgid);
                    if r.killed {
                        out.push(Request::Kill { pgid });
                    }
                }
                out
            }
            RunEvent::Output { run, line, stderr } => {
                if self.running.as_ref().is_some_and(|r| r.run == run) {
                    self.take_output(&line, stderr);
                }
                Vec::new()
            }
            RunEvent::Finished {
                run,
                exit_code,
                signal,
                timed_out,
                error,
            } => {
                let Some(r) = self.running.take_if(|r| r.run == run) else {
                    return Vec::new();
                };
                // Lines held back for a Secret's kind come out now, masked.
                self.flush_output();
                self.finish(r, exit_code, signal, timed_out, error)
            }
        }
    }

    fn finish(
        &mut self,
        r: Running,
        exit_code: Option<i32>,
        signal: Option<i32>,
        timed_out: bool,
        error: Option<String>,
    ) -> Vec<Request> {
        let not_found = exit_code == Some(127)
            && self
                .output
                .iter()
                .any(|l| l.text.contains("not found") || l.text.contains("No such file"));
        let program = r
            .shown
            .split_whitespace()
            .find(|w| !w.contains('='))
            .unwrap_or("")
            .to_string();
        let outcome = if let Some(e) = &error {
            format!("could not start: {e}")
        } else if timed_out {
            "timed out".to_string()
        } else if r.killed {
            "stopped (Ctrl-C)".to_string()
        } else if not_found {
            format!("command not found: {program}")
        } else if exit_code == Some(0) {
            "ok".to_string()
        } else if let Some(s) = signal {
            format!("killed by signal {s}")
        } else {
            format!("failed (exit {})", exit_code.unwrap_or(-1))
        };
        let outcome = if r.terminal && error.is_none() {
            format!("{outcome}; {NOT_CAPTURED}")
        } else {
            outcome
        };
        let ok = exit_code == Some(0) && error.is_none() && !timed_out;
        let status_line = match exit_code {
            Some(c) => format!("── exit {c} · {outcome}"),
            None => format!("── {outcome}"),
        };
        self.output.push_back(OutputLine::plain(status_line, !ok));
        if not_found {
            self.say(
                Level::Error,
                format!("{program}: command not found. {}", install_hint(&program)),
            );
        } else if ok {
            self.say(
                Level::Info,
                if r.preview {
                    "preview ok: the server accepted the change (nothing was applied)"
                } else {
                    "done"
                },
            );
        } else {
            self.say(
                Level::Error,
                format!("{outcome}: read the output, then retry (Enter), edit (e) or skip (s)"),
            );
        }
        let excerpt: Vec<String> = self
            .output
            .iter()
            .skip(1)
            .rev()
            .skip(1)
            .take(EXCERPT_LINES)
            .map(|l| self.mask(&l.text))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let step = self
            .items
            .get(r.item)
            .map(|i| i.text.clone())
            .unwrap_or_default();
        let mut out = vec![Request::Record(Entry::Command {
            item: r.item,
            step,
            command: r.shown.clone(),
            risk: r.risk,
            confirmed: r.confirmed.clone(),
            target: Target {
                namespace: self.namespace_of(&r.shown),
                ..self.target.clone()
            },
            started: r.started,
            ended: self.now,
            exit_code,
            outcome,
            output: excerpt,
        })];
        if r.preview {
            return out;
        }
        if let Some(it) = self.items.get_mut(r.item) {
            it.state = if ok {
                ItemState::Done
            } else {
                ItemState::Failed
            };
            it.exit_code = exit_code;
        }
        if ok {
            self.advance_from(r.item);
            out.extend(self.check_completed());
            if self.auto_run
                && let Some(next) = self.items.get(self.cursor)
                && next.state == ItemState::Pending
                && !next.is_instruction()
                && next.runs_in_shell()
                && next.command().is_some_and(|c| c.risk == Risk::ReadOnly)
                && self.missing(self.cursor).is_empty()
                && let Some((real, shown)) = self.resolve(self.cursor)
                && secrets::prints_secrets(&real).is_none()
            {
                out.extend(self.launch(
                    self.cursor,
                    real,
                    shown,
                    Risk::ReadOnly,
                    Confirmation::Auto,
                    false,
                ));
            }
        }
        out
    }

    fn advance_from(&mut self, index: usize) {
        if let Some(next) = (index + 1..self.items.len()).find(|&i| !self.items[i].state.settled())
        {
            self.cursor = next;
        }
    }

    fn check_completed(&mut self) -> Vec<Request> {
        if !self.completed && self.items.iter().all(|i| i.state.settled()) {
            self.completed = true;
            self.say(
                Level::Info,
                "every step is done or skipped; add a note (n), then Esc for the dashboard",
            );
            return vec![Request::Record(Entry::End {
                status: "completed".into(),
            })];
        }
        Vec::new()
    }

    fn on_input_key(
        &mut self,
        key: KeyEvent,
        purpose: InputPurpose,
        mut text: String,
    ) -> Vec<Request> {
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return Vec::new();
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Enter => return self.submit_input(purpose, text),
            KeyCode::Char(c) => text.push(c),
            _ => {}
        }
        self.mode = Mode::Input { purpose, text };
        Vec::new()
    }

    fn submit_input(&mut self, purpose: InputPurpose, text: String) -> Vec<Request> {
        let text = text.trim().to_string();
        match purpose {
            InputPurpose::Note => {
                if text.is_empty() {
                    return Vec::new();
                }
                self.say(Level::Info, "note added to the timeline");
                vec![Request::Record(Entry::Note {
                    text: self.mask(&text),
                })]
            }
            InputPurpose::Skip => {
                if text.is_empty() {
                    self.mode = Mode::Input { purpose, text };
                    self.say(
                        Level::Warn,
                        "a reason is required to skip (it goes in the timeline)",
                    );
                    return Vec::new();
                }
                let index = self.cursor;
                let Some(it) = self.items.get_mut(index) else {
                    return Vec::new();
                };
                it.state = ItemState::Skipped;
                let step = it.text.clone();
                self.advance_from(index);
                self.say(Level::Info, "skipped");
                let mut out = vec![Request::Record(Entry::Skip {
                    item: index,
                    step,
                    reason: self.mask(&text),
                })];
                out.extend(self.check_completed());
                out
            }
            InputPurpose::Timeout => {
                match text.parse::<u64>() {
                    Ok(s) if (1..=86_400).contains(&s) => {
                        if let Some(it) = self.items.get_mut(self.cursor) {
                            it.timeout = Duration::from_secs(s);
                        }
                        self.say(Level::Info, format!("timeout for this step: {s} s"));
                    }
                    _ => {
                        self.say(
                            Level::Warn,
                            "timeout must be a number of seconds between 1 and 86400",
                        );
                        self.mode = Mode::Input { purpose, text };
                    }
                }
                Vec::new()
            }
        }
    }

    fn open_editor(&mut self) {
        let Some(cmd) = self.current().and_then(Item::command) else {
            self.say(Level::Info, "this step has no command to edit");
            return;
        };
        if self.busy_here() {
            self.say(Level::Warn, "the step is running; Ctrl-C stops it first");
            return;
        }
        // The template, not the resolved text: secrets stay out of the editor.
        let lines: Vec<String> = cmd.text.lines().map(str::to_owned).collect();
        let mut ta = TextArea::new(lines);
        ta.move_cursor(ratatui_textarea::CursorMove::Bottom);
        ta.move_cursor(ratatui_textarea::CursorMove::End);
        self.mode = Mode::Edit(Box::new(ta));
    }

    fn on_edit_key(&mut self, key: KeyEvent, mut ta: Box<TextArea<'static>>) -> Vec<Request> {
        match key.code {
            KeyCode::Esc => {
                self.say(Level::Info, "edit discarded");
                Vec::new()
            }
            KeyCode::Enter if !key.modifiers.contains(KeyModifiers::ALT) => {
                let text = ta.lines().join("\n");
                self.apply_edit(self.cursor, text)
            }
            KeyCode::Enter => {
                ta.insert_newline();
                self.mode = Mode::Edit(ta);
                Vec::new()
            }
            _ => {
                ta.input(key);
                self.mode = Mode::Edit(ta);
                Vec::new()
            }
        }
    }

    /// Replaces the item's command with `text`, classified again. The timeline
    /// records both versions.
    pub fn apply_edit(&mut self, index: usize, text: String) -> Vec<Request> {
        let text = text.trim().to_string();
        let Some(old) = self.items.get(index).and_then(Item::command).cloned() else {
            return Vec::new();
        };
        if text.is_empty() || text == old.text {
            self.say(Level::Info, "command unchanged");
            return Vec::new();
        }
        let old_shown = self.resolve(index).map(|r| r.1).unwrap_or_default();
        let found = placeholders::find(&text);
        let probe = placeholders::substitute_found(
            &text,
            &found,
            &masked_probe(&found, &self.values, &self.secret_names),
        );
        let class = risk::classify(&self.rules, &probe);
        let edited = Command {
            text: text.clone(),
            description: old.description.clone(),
            line: old.line,
            interpreter: Interpreter::Shell,
            platform: Platform::of_command(&text),
            risk: class.risk,
            reason: class.reason.clone(),
            placeholders: found,
            warnings: class.warnings.clone(),
            annotation: None,
            variants: Vec::new(),
        };
        let Some(it) = self.items.get_mut(index) else {
            return Vec::new();
        };
        it.edited = Some(edited);
        if it.state == ItemState::Failed {
            it.state = ItemState::Pending;
        }
        let new_shown = self.resolve(index).map(|r| r.1).unwrap_or_default();
        self.say(
            Level::Info,
            format!("edited: now {} — {}", class.risk, class.reason),
        );
        vec![Request::Record(Entry::Edit {
            item: index,
            from: old_shown,
            to: new_shown,
            risk_from: old.risk,
            risk_to: class.risk,
        })]
    }

    fn switch_variant(&mut self) {
        let Some(it) = self.items.get_mut(self.cursor) else {
            return;
        };
        if it.choices.len() < 2 {
            self.say(Level::Info, "this step has no other platform variant");
            return;
        }
        it.chosen = (it.chosen + 1) % it.choices.len();
        it.edited = None;
        let label = it
            .command()
            .and_then(|c| c.platform)
            .map(platform_label)
            .unwrap_or("other");
        self.say(Level::Info, format!("variant: {label}"));
    }

    /// Called when the session ends without the wizard finishing (quit, hang-up).
    pub fn interrupt(&mut self, why: &str) -> Vec<Request> {
        let mut out = Vec::new();
        let mut running = None;
        if let Some(r) = self.running.as_mut() {
            r.killed = true;
            if let Some(pgid) = r.pgid {
                out.push(Request::Kill { pgid });
            }
            running = Some(r.item);
        }
        if !self.completed || running.is_some() {
            out.push(Request::Record(Entry::Interrupted {
                why: why.to_string(),
                item: running,
                step: running.and_then(|i| self.items.get(i).map(|it| it.text.clone())),
            }));
        }
        out
    }

    /// The word a destructive step needs typed: the target's name, or `yes`.
    fn target_name(&self, index: usize, real: &str) -> String {
        if let Some(cmd) = self.items.get(index).and_then(Item::command) {
            for p in &cmd.placeholders {
                if matches!(
                    p.kind,
                    PlaceholderKind::Pod
                        | PlaceholderKind::Deployment
                        | PlaceholderKind::Service
                        | PlaceholderKind::Namespace
                        | PlaceholderKind::Container
                ) && let Some(v) = self.values.get(&p.name)
                {
                    return v.clone();
                }
            }
        }
        target_from_words(real).unwrap_or_else(|| "yes".into())
    }
}

pub fn platform_label(p: Platform) -> &'static str {
    match p {
        Platform::Kubernetes => "kubernetes",
        Platform::Docker => "docker",
    }
}

/// Replaces each secret value (and its base64 forms) in `text` with [`MASK`].
pub fn mask_all(text: &str, secrets: &[String]) -> String {
    secrets::mask_values(text, secrets)
}

fn masked_probe(
    found: &[Placeholder],
    values: &BTreeMap<String, String>,
    secrets: &BTreeSet<String>,
) -> std::collections::HashMap<String, String> {
    found
        .iter()
        .filter_map(|p| {
            let v = values.get(&p.name)?;
            Some((
                p.name.clone(),
                if secrets.contains(&p.name) {
                    MASK.into()
                } else {
                    v.clone()
                },
            ))
        })
        .collect()
}

fn namespace_flag(text: &str) -> Option<String> {
    let words =
        shlex::split(text).unwrap_or_else(|| text.split_whitespace().map(str::to_owned).collect());
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if w == "-n" || w == "--namespace" {
            return it.next().cloned();
        }
        if let Some(v) = w
            .strip_prefix("--namespace=")
            .or_else(|| w.strip_prefix("-n="))
        {
            return Some(v.to_string());
        }
    }
    None
}

/// `kubectl delete deployment/web`, `docker rm web`, `kubectl delete pod web`: the name.
fn target_from_words(text: &str) -> Option<String> {
    let words = shlex::split(text)?;
    let args: Vec<&String> = words.iter().filter(|w| !w.starts_with('-')).collect();
    if let Some(w) = args
        .iter()
        .rev()
        .find(|w| w.contains('/') && !w.contains("://"))
    {
        return w
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
    }
    let verbs = [
        "delete",
        "drain",
        "rm",
        "rmi",
        "kill",
        "down",
        "flushall",
        "flushdb",
        "uninstall",
    ];
    let pos = args.iter().position(|w| verbs.contains(&w.as_str()))?;
    let rest = &args[pos + 1..];
    let is_kubectl = args.first().is_some_and(|w| w.ends_with("kubectl"));
    let pick = if is_kubectl && rest.len() >= 2 {
        rest.get(1)
    } else {
        rest.first()
    };
    pick.map(|s| s.to_string())
}

/// `--dry-run=server` appended to a single kubectl mutation; `None` for
/// anything else (a pipeline, a chain, another tool), where the flag would
/// only apply to one part.
pub fn preview_of(real: &str) -> Option<String> {
    let words = shlex::split(real)?;
    let first = words.first()?;
    if !first.ends_with("kubectl") {
        return None;
    }
    // One command only: an operator, a redirect or a substitution would put
    // part of the text outside the dry run.
    let one_command = crate::runbook::shell::tokenize(real)
        .iter()
        .all(|t| match t {
            Token::Word { substitutions, .. } => substitutions.is_empty(),
            _ => false,
        });
    if !one_command {
        return None;
    }
    let verb = words.iter().skip(1).find(|w| !w.starts_with('-'))?;
    let ok = matches!(
        verb.as_str(),
        "apply"
            | "patch"
            | "scale"
            | "create"
            | "delete"
            | "rollout"
            | "set"
            | "label"
            | "annotate"
            | "replace"
            | "autoscale"
            | "expose"
            | "drain"
            | "cordon"
            | "uncordon"
            | "taint"
    );
    if !ok || words.iter().any(|w| w.starts_with("--dry-run")) {
        return None;
    }
    Some(format!("{real} --dry-run=server"))
}

/// What the timeline and the export say of a command that had the terminal.
pub const NOT_CAPTURED: &str = "interactive session, output not captured";

/// Why a command needs a terminal, if it does. Such a command is handed the
/// real terminal (the wizard's screen comes back when it ends).
pub fn needs_terminal(text: &str) -> Option<&'static str> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let has = |w: &str| words.contains(&w);
    if has("kubectl") && has("edit") {
        return Some(
            "kubectl edit opens an editor ($EDITOR, else vi, else nano): the terminal is handed over; its output is not captured",
        );
    }
    if (has("exec") || has("run") || has("attach"))
        && (has("-it") || has("-ti") || (has("-i") && has("-t")))
    {
        return Some(
            "interactive (-it): the terminal is handed over; what is typed there is not checked, its output is not captured",
        );
    }
    None
}

/// What to install when a tool is missing.
pub fn install_hint(program: &str) -> String {
    let name = program.rsplit('/').next().unwrap_or(program);
    let pkg = match name {
        "kubectl" => "apt-get install kubernetes-client (or see kubernetes.io/docs/tasks/tools)",
        "docker" | "docker-compose" => "apt-get install docker.io docker-compose",
        "psql" | "pg_isready" | "pg_dump" => "apt-get install postgresql-client",
        "redis-cli" => "apt-get install redis-tools",
        "curl" => "apt-get install curl",
        "jq" => "apt-get install jq",
        "helm" => "see helm.sh/docs/intro/install",
        _ => return format!("install `{name}` or check PATH, then retry with Enter"),
    };
    format!("install it: {pkg}; then retry with Enter")
}
