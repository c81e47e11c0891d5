//! Every screen, drawn on `TestBackend` at 80x24 and 200x50 in the default and
//! mono themes, snapshotted with its styles; plus cell colour checks where
//! colour carries meaning.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

mod support;

use opsdeck::app::alerts::AlertsMsg;
use opsdeck::app::{App, Msg, Pane};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];
const THEMES: [&str; 2] = ["default", "mono"];

fn render(app: &App) -> Buffer {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    terminal.draw(|f| opsdeck::ui::draw(f, app)).expect("draw");
    terminal.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn press(app: &mut App, code: KeyCode) {
    app.update(
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        support::now(),
    );
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// How to reach a screen from the incident state.
type Steps = fn(&mut App);

/// Each screen: a name and how to get there.
fn screens() -> Vec<(&'static str, Steps)> {
    vec![
        ("dashboard", |_| {}),
        ("help", |a| press(a, KeyCode::Char('?'))),
        ("palette", |a| type_text(a, ":th")),
        ("palette_error", |a| {
            type_text(a, ":frob");
            press(a, KeyCode::Enter);
        }),
        ("describe", |a| {
            a.focus = Pane::Workloads;
            press(a, KeyCode::Char('d'));
        }),
        ("filter_logs", |a| {
            a.focus = Pane::Logs;
            type_text(a, "/error");
        }),
        ("zoom_logs", |a| {
            a.focus = Pane::Logs;
            press(a, KeyCode::Char('z'));
        }),
        ("alerts", |a| press(a, KeyCode::Char('5'))),
        ("alerts_unreachable", |a| {
            a.update(Msg::Alerts(AlertsMsg::Failed(
                "cannot reach Prometheus at localhost:9090: connection refused; check [prometheus] url in the profile and that the server is running; retrying in 4s".into(),
            )), support::now());
            a.now = support::now();
        }),
        ("events_scoped", |a| {
            a.focus = Pane::Workloads;
            press(a, KeyCode::Char('e'));
            a.focus = Pane::Events;
        }),
    ]
}

#[test]
fn every_screen_at_both_sizes_in_both_themes() {
    for (w, h) in SIZES {
        for theme in THEMES {
            for (name, go) in screens() {
                let mut app = support::incident_app(theme, w, h);
                go(&mut app);
                let buf = render(&app);
                insta::assert_snapshot!(format!("{name}_{w}x{h}_{theme}"), format!("{buf:?}"));
            }
        }
    }
}

#[test]
fn unconfigured_sources_say_how_to_configure_them() {
    for (w, h) in SIZES {
        for theme in THEMES {
            let mut app = support::app_with_theme("personal-rag", theme);
            app.profile.docker = None;
            app.workloads.states.clear();
            support::settle(&mut app, w, h);
            let buf = render(&app);
            let screen = text(&buf);
            assert!(
                screen.contains("No Kubernetes or Docker in profile"),
                "{screen}"
            );
            assert!(screen.contains("[kubernetes] or"), "{screen}");
            insta::assert_snapshot!(format!("unconfigured_{w}x{h}_{theme}"), format!("{buf:?}"));
        }
    }
}

#[test]
fn too_small_terminal_says_so_instead_of_a_garbled_screen() {
    let mut app = support::incident_app("default", 80, 24);
    app.update(Msg::Resize(60, 20), support::now());
    let screen = text(&render(&app));
    assert!(
        screen.contains("terminal too small (need 80x24, have 60x20)"),
        "{screen}"
    );
    assert!(
        !screen.contains("Workloads"),
        "no panes drawn when too small"
    );
}

#[test]
fn the_five_pane_titles_are_visible_at_80x24() {
    let app = support::incident_app("default", 80, 24);
    let screen = text(&render(&app));
    for title in [
        "1 Services",
        "2 Workloads",
        "3 Events",
        "4 Logs",
        "5 Alerts",
    ] {
        assert!(screen.contains(title), "missing {title}:\n{screen}");
    }
}

fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let screen = text(buf);
    for (y, line) in screen.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count();
            return Some((x as u16, y as u16));
        }
    }
    None
}

#[test]
fn failure_states_are_red_in_the_default_theme() {
    let mut app = support::incident_app("default", 200, 50);
    // Keep the crash-looping pod unselected so its own colours show.
    app.focus = Pane::Services;
    let buf = render(&app);
    let (x, y) = find(&buf, "CrashLoopBackOff").expect("status shown");
    assert_eq!(buf[(x, y)].fg, Color::Red, "CrashLoopBackOff is crit");
    let (x, y) = find(&buf, "connection refused").expect("reason shown");
    assert_eq!(
        buf[(x, y)].fg,
        Color::Red,
        "a failing check's reason is crit"
    );
    let (x, y) = find(&buf, "⚠ BackOff").expect("warning event shown");
    assert_eq!(buf[(x, y)].fg, Color::Yellow, "warning events are warn");
    let (x, y) = find(&buf, "ERROR Invalid configuration").expect("error log line");
    assert_eq!(buf[(x, y)].fg, Color::Red, "ERROR lines are crit");
}

#[test]
fn mono_carries_meaning_without_colour() {
    let mut app = support::incident_app("mono", 200, 50);
    app.focus = Pane::Services;
    let buf = render(&app);
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            assert!(
                matches!(c.fg, Color::Reset) && matches!(c.bg, Color::Reset),
                "mono uses no colour, found {:?}/{:?} at {x},{y}",
                c.fg,
                c.bg
            );
        }
    }
    let (x, y) = find(&buf, "CrashLoopBackOff").expect("status shown");
    assert!(
        buf[(x, y)]
            .modifier
            .contains(Modifier::REVERSED | Modifier::BOLD)
    );
    let screen = text(&buf);
    assert!(
        screen.contains("FAIL"),
        "state words carry meaning:\n{screen}"
    );
}

#[test]
fn production_context_is_shown_in_the_critical_badge() {
    let mut app = support::incident_app("default", 200, 50);
    app.kube.context = Some("prod-eu".into());
    let buf = render(&app);
    let (x, y) = find(&buf, "prod-eu").expect("context shown");
    assert_eq!(buf[(x, y)].bg, Color::Red);
}

#[test]
fn alerts_fire_first_by_severity_and_pending_is_dimmed() {
    for (w, h) in SIZES {
        let app = support::incident_app("default", w, h);
        let buf = render(&app);
        let screen = text(&buf);
        let (_, crit) = find(&buf, "PodRestarting").expect("critical firing alert shown");
        let (_, warn) = find(&buf, "HighLatency").expect("warning firing alert shown");
        assert!(crit < warn, "critical before warning:\n{screen}");
        let (x, y) = find(&buf, "FIRING  crit").expect("firing critical");
        assert_eq!(buf[(x, y)].fg, Color::Red, "{screen}");
        let (x, y) = find(&buf, "FIRING  warn").expect("firing warning");
        assert_eq!(buf[(x, y)].fg, Color::Yellow, "{screen}");
        if h >= 50 {
            let (px, py) = find(&buf, "○ pending").expect("pending alert shown");
            assert!(py > warn, "pending after firing:\n{screen}");
            assert_eq!(buf[(px, py)].fg, Color::DarkGray, "pending is dimmed");
        }
        // The breached SLO says so in words and in red.
        let needle = if w >= 120 {
            "breached"
        } else {
            "p95 latency 1.42 s"
        };
        let (x, y) = find(&buf, needle).expect("p95 state shown");
        assert_eq!(buf[(x, y)].fg, Color::Red, "{screen}");
        assert!(screen.contains("✖"), "{screen}");
    }
}

#[test]
fn an_unreachable_prometheus_is_one_line_that_goes_away_when_it_answers() {
    let mut app = support::incident_app("default", 200, 50);
    app.update(
        Msg::Alerts(AlertsMsg::Failed(
            "cannot reach Prometheus at localhost:9090: connection refused; retrying in 2s".into(),
        )),
        support::now(),
    );
    app.now = support::now();
    let screen = text(&render(&app));
    assert_eq!(
        screen.matches("cannot reach Prometheus").count(),
        1,
        "{screen}"
    );
    assert!(screen.contains("unreachable"), "{screen}");
    support::alerts(&mut app);
    app.now = support::now();
    let screen = text(&render(&app));
    assert!(!screen.contains("cannot reach Prometheus"), "{screen}");
    assert!(screen.contains("2 firing"), "{screen}");
}
