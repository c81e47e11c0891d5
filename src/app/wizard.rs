//! The wizard inside the console: opening the picker or a suggested procedure,
//! routing keys, and turning the wizard's requests into effects. Pure, like
//! `App::update`.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Effect};
use crate::model::{Platform, Section};
use crate::runbook::Rules;
use crate::wizard::flow::{Request, RunEvent, Setup, Wizard};
use crate::wizard::live::Live;
use crate::wizard::picker::Picker;
use crate::wizard::suggest;
use crate::wizard::timeline::Target;

/// The keymap section of the wizard's keys.
pub const SECTION: Section = Section::Wizard;

/// `r` or `:runbook [query]`. With a suggestion and no query, the suggested
/// procedure opens directly; otherwise the picker.
pub fn open(app: &mut App, query: &str, suggested: bool) -> Vec<Effect> {
    if app.wizard.run.is_some() && query.is_empty() {
        app.wizard.open = true;
        return Vec::new();
    }
    if !app.wizard.catalog_loaded {
        return vec![Effect::WizardCatalog {
            query: query.to_string(),
            suggested,
        }];
    }
    let hit = app
        .wizard
        .suggestion
        .as_ref()
        .and_then(|s| suggest::resolve(s, &app.wizard.catalog, &app.profile));
    if suggested
        && query.is_empty()
        && let Some((ri, pi)) = hit
    {
        return start(app, ri, pi);
    }
    let mut picker = Picker {
        query: query.to_string(),
        suggested: hit,
        reason: app.wizard.suggestion.as_ref().map(|s| s.reason.clone()),
        ..Picker::default()
    };
    picker.refilter(&app.wizard.catalog);
    app.wizard.picker = Some(picker);
    app.wizard.open = true;
    Vec::new()
}

/// A new incident on procedure `pi` of runbook `ri`.
pub fn start(app: &mut App, ri: usize, pi: usize) -> Vec<Effect> {
    let Some(runbook) = app.wizard.catalog.get(ri) else {
        return Vec::new();
    };
    let title = runbook
        .procedures
        .get(pi)
        .map(|p| p.title.clone())
        .unwrap_or_default();
    let setup = Setup {
        incident: incident_id(app.now, &title),
        target: target_of(app),
        platform: platform_of(app),
        rules: app.wizard.rules.clone().unwrap_or_else(Rules::builtin),
        first_run: app.wizard.run.as_ref().map_or(1, |w| w.next_run),
        env_vars: app.env.vars.clone(),
        now: app.now,
    };
    let Some((wizard, requests)) = Wizard::new(runbook, pi, setup) else {
        return Vec::new();
    };
    // The incident being replaced stays resumable; its timeline says why it stopped.
    let mut out = match app.wizard.run.as_mut() {
        Some(old) if !old.completed => {
            let reqs = old.interrupt("another procedure was started");
            effects(app, reqs)
        }
        _ => Vec::new(),
    };
    app.wizard.picker = None;
    app.wizard.run = Some(wizard);
    app.wizard.open = true;
    out.extend(effects(app, requests));
    out
}

pub fn target_of(app: &App) -> Target {
    Target {
        profile: app.profile.name.clone(),
        context: app.kube.context.clone(),
        namespace: app.kube.namespaces.first().cloned(),
        readonly: app.readonly,
    }
}

pub fn platform_of(app: &App) -> Option<Platform> {
    if app.profile.kubernetes.is_some() {
        Some(Platform::Kubernetes)
    } else if app.profile.docker.is_some() {
        Some(Platform::Docker)
    } else {
        None
    }
}

/// `20261121T055012Z-pod-crash-loop`: sortable, and readable in `timeline list`.
pub fn incident_id(now: jiff::Timestamp, title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(40).collect();
    format!("{}-{}", now.strftime("%Y%m%dT%H%M%SZ"), slug)
}

/// A key while the wizard has the screen.
pub fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    if let Some(picker) = app.wizard.picker.take() {
        return on_picker_key(app, key, picker);
    }
    let action = app.keymap.action(SECTION, &key);
    let live = live(app);
    let Some(w) = app.wizard.run.as_mut() else {
        app.wizard.open = false;
        return Vec::new();
    };
    let requests = w.on_key(key, action, &live, app.now);
    w.refresh_completions(&live);
    effects(app, requests)
}

fn on_picker_key(app: &mut App, key: KeyEvent, mut p: Picker) -> Vec<Effect> {
    match key.code {
        KeyCode::Esc => {
            app.wizard.open = app.wizard.run.is_some();
            return Vec::new();
        }
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            app.wizard.open = false;
            return Vec::new();
        }
        KeyCode::Enter => {
            if let Some(m) = p.chosen().cloned() {
                return start(app, m.runbook, m.procedure);
            }
        }
        KeyCode::Up => p.selected = p.selected.saturating_sub(1),
        KeyCode::Down => p.selected = (p.selected + 1).min(p.matches.len().saturating_sub(1)),
        KeyCode::PageUp => p.selected = p.selected.saturating_sub(10),
        KeyCode::PageDown => p.selected = (p.selected + 10).min(p.matches.len().saturating_sub(1)),
        KeyCode::Backspace => {
            p.query.pop();
            p.refilter(&app.wizard.catalog);
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            p.query.clear();
            p.refilter(&app.wizard.catalog);
        }
        KeyCode::Char(c) => {
            p.query.push(c);
            p.refilter(&app.wizard.catalog);
        }
        _ => {}
    }
    app.wizard.picker = Some(p);
    Vec::new()
}

/// A report from the executor.
pub fn on_run_event(app: &mut App, ev: RunEvent) -> Vec<Effect> {
    let Some(w) = app.wizard.run.as_mut() else {
        return Vec::new();
    };
    let requests = w.on_run_event(ev, app.now);
    effects(app, requests)
}

/// The console is going away (quit, SIGHUP, SIGTERM): stop the running
/// command and note in the timeline that the incident can be resumed.
pub fn on_terminate(app: &mut App, why: &str) -> Vec<Effect> {
    let Some(w) = app.wizard.run.as_mut() else {
        return Vec::new();
    };
    let requests = w.interrupt(why);
    effects(app, requests)
}

/// Recomputes the suggestion; a new one is announced once in the status line,
/// and the announcement goes away when its condition clears.
pub fn refresh_suggestion(app: &mut App) {
    let failing = app
        .services
        .iter()
        .find(|s| s.checks.iter().any(|c| c.failing_for > 0))
        .map(|s| s.name.as_str());
    let s = alert_suggestion(app).or_else(|| suggest::from_state(app.workloads.all(), failing));
    if s != app.wizard.suggestion {
        let old = app.wizard.suggestion.as_ref().map(|o| announcement(app, o));
        if old.is_some() && app.flash == old {
            app.flash = None;
        }
        if let Some(s) = &s
            && app.wizard.run.is_none()
        {
            app.flash = Some(announcement(app, s));
        }
        app.wizard.suggestion = s;
    }
}

/// What pages people comes first: a firing alert names its own procedure.
fn alert_suggestion(app: &App) -> Option<suggest::Suggestion> {
    let a = app.alerts.firing().next()?;
    let label = app
        .profile
        .alerts
        .get(&a.name)
        .map(|r| r.procedure.clone())
        .or_else(|| {
            super::alerts::procedure_for(&a.name, &app.profile, &app.wizard.catalog)
                .and_then(|(ri, pi)| app.wizard.catalog.get(ri)?.procedures.get(pi))
                .map(|p| p.title.clone())
        })
        .unwrap_or_else(|| a.name.clone());
    Some(suggest::Suggestion {
        label,
        titles: Vec::new(),
        alert: Some(a.name.clone()),
        reason: format!("{} is firing", a.name),
    })
}

fn announcement(app: &App, s: &suggest::Suggestion) -> String {
    let key = app
        .keymap
        .key_for(Section::Dashboard, crate::model::Action::Runbook);
    format!("{} → press {key} for the “{}” runbook", s.reason, s.label)
}

/// The wizard's requests as the console's effects.
pub fn effects(app: &mut App, requests: Vec<Request>) -> Vec<Effect> {
    let mut out = Vec::new();
    for r in requests {
        match r {
            Request::Run(spec) => out.push(Effect::WizardRun(spec)),
            Request::Kill { pgid } => out.push(Effect::WizardKill { pgid }),
            Request::Record(entry) => {
                if let Some(w) = &app.wizard.run {
                    out.push(Effect::TimelineAppend {
                        incident: w.incident.clone(),
                        entry,
                    });
                }
            }
            Request::Leave => app.wizard.open = false,
            Request::Quit => out.append(&mut super::quit::quit(app, "quit")),
        }
    }
    out
}

/// What the console knows now, as placeholder completions.
fn live(app: &App) -> Live {
    let mut namespaces = app.completions.namespaces.clone();
    namespaces.extend(app.kube.namespaces.iter().cloned());
    Live::new(app.workloads.all(), namespaces, &app.profile)
}
