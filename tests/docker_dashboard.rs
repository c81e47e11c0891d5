//! What the dashboard shows an operator of a Docker host, on the real engine: the release
//! binary in tmux on a compose project, snapshots of the Docker panes built from what the
//! real source reported, and an engine that cannot be reached.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

mod docker_support;
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use docker_support::{ComposeProject, ImageLease, Watch, docker};
use opsdeck::app::{App, Msg, Pane};
use opsdeck::config::Profile;
use opsdeck::config::env::{DEFAULT_DOCKER_HOST as DEFAULT_HOST, docker_host as resolve_host};
use opsdeck::input::Keymap;
use opsdeck::model::{
    EventRecord, LogLine, Platform, SourceState, SourceUpdate, StreamId, Usage, Workload,
};
use opsdeck::sources::docker::{DockerSettings, LogOptions, spawn};
use opsdeck::theme::load_theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use support::servers::HttpServer;
use support::tmux::{Tmux, opsdeck_binary};
use tokio::sync::mpsc;

/// A healthy web service, a service crash-looping under `restart: always`, and one whose
/// HEALTHCHECK always fails. Every service has a memory limit, so the limits (and the
/// percentages) do not depend on the machine's memory.
const COMPOSE: &str = r#"version: "2.4"
services:
  web:
    image: opsdeck-test-busybox:latest
    command: ["sh", "-c", "echo web-listening-on-8080; echo web-no-tls-configured >&2; exec httpd -f -p 8080 -h /www"]
    labels:
      org.opsdeck.test: "1"
    mem_limit: 64m
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]
      interval: 1s
      timeout: 2s
      retries: 2
  crasher:
    image: opsdeck-test-busybox:latest
    command: ["sh", "-c", "echo crasher-boot; echo crasher-config-missing >&2; sleep 1; exit 3"]
    restart: always
    labels:
      org.opsdeck.test: "1"
    mem_limit: 16m
  sick:
    image: opsdeck-test-busybox:latest
    command: ["sleep", "600"]
    labels:
      org.opsdeck.test: "1"
    mem_limit: 32m
    healthcheck:
      test: ["CMD-SHELL", "exit 1"]
      interval: 1s
      timeout: 2s
      retries: 1
"#;

/// Bound on a wait for something the engine does on its own schedule (restart backoff,
/// health intervals, a 10 s stop grace).
const LONG: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------
// tmux end to end
// ---------------------------------------------------------------------------------------

/// The release binary in a private tmux server, with its own config and data dirs.
struct Console {
    tmux: Tmux,
    socket: String,
    _dirs: tempfile::TempDir,
}

impl Console {
    fn launch(name: &str, w: u16, h: u16, args: &str) -> Console {
        let bin = opsdeck_binary();
        let dirs = tempfile::tempdir().unwrap();
        let tmux = Tmux::start(
            name,
            w,
            h,
            &format!(
                "OPSDECK_CONFIG_DIR={c}/config OPSDECK_DATA_DIR={c}/data {bin} {args}; echo EXIT=$?",
                c = dirs.path().display(),
                bin = bin.display()
            ),
        );
        Console {
            tmux,
            // The socket name `Tmux::start` uses, to read the screen with its colours.
            socket: format!("opsdeck-test-{name}-{}", std::process::id()),
            _dirs: dirs,
        }
    }

    /// Waits up to `bound` (polling every 200 ms) until `f` holds for the screen.
    fn wait_long(&self, what: &str, bound: Duration, f: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.tmux.screen();
            if f(&s) {
                return s;
            }
            if start.elapsed() > bound {
                panic!("screen never showed {what} within {bound:?}; last screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The screen with its SGR escapes, to tell colours apart.
    fn screen_with_colours(&self) -> String {
        let out = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-e", "-p", "-t", "e2e"])
            .output()
            .expect("tmux capture-pane -e");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The screen line that shows `needle` (first one).
fn line_with<'a>(screen: &'a str, needle: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(needle))
}

/// The restart count in a Workloads row: `6 (3s)` after the status.
fn restarts_in(line: &str) -> Option<u32> {
    let re = regex::Regex::new(r"\s(\d+) \(\d+[smhd]\)").unwrap();
    re.captures(line).and_then(|c| c[1].parse().ok())
}

/// The foreground colour (ANSI index; `None` for the default) that the escapes right before
/// `text` on its screen line set.
fn fg_before(coloured: &str, text: &str) -> Option<u8> {
    let line = coloured
        .lines()
        .find(|l| l.contains(text))
        .unwrap_or_else(|| panic!("{text:?} not on the coloured screen:\n{coloured}"));
    let mut end = line.find(text).unwrap();
    let mut sequences = Vec::new();
    while let Some(i) = line[..end].rfind("\u{1b}[") {
        let Some(body) = line[i + 2..end].strip_suffix('m') else {
            break;
        };
        if !body.chars().all(|c| c.is_ascii_digit() || c == ';') {
            break;
        }
        sequences.push(body);
        end = i;
    }
    let mut fg = None;
    for body in sequences.iter().rev() {
        let params: Vec<u8> = body.split(';').filter_map(|p| p.parse().ok()).collect();
        let mut i = 0;
        while i < params.len() {
            match params[i] {
                0 | 39 => fg = None,
                n @ 30..=37 => fg = Some(n - 30),
                n @ 90..=97 => fg = Some(n - 90 + 8),
                38 if params.get(i + 1) == Some(&5) => {
                    fg = params.get(i + 2).copied();
                    i += 2;
                }
                _ => {}
            }
            i += 1;
        }
    }
    fg
}

fn started_at(container: &str) -> String {
    docker(&["inspect", "--format", "{{.State.StartedAt}}", container])
}

fn write_profile(dir: &Path, file: &str, toml: &str) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, toml).unwrap();
    path
}

#[test]
fn compose_project_end_to_end_in_the_release_console() {
    let _image = ImageLease::acquire();
    let project = ComposeProject::create(COMPOSE);
    let (web, crasher, sick) = (
        project.container("web"),
        project.container("crasher"),
        project.container("sick"),
    );
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(
        dir.path(),
        "compose.toml",
        &format!(
            "name = \"compose-e2e\"\n[docker]\ncompose_project = \"{}\"\n",
            project.name
        ),
    );
    let c = Console::launch(
        "dockerui",
        120,
        40,
        &format!("--profile {}", profile.display()),
    );

    // The console watches before the project starts, so it sees every event of it.
    c.wait_long("the console connected", LONG, |s| {
        s.contains("Connected; no containers in compose project")
    });
    project.start();

    // Workloads: the broken ones first, their state in words.
    let screen = c.wait_long("the three containers in their states", LONG, |s| {
        line_with(s, &crasher).is_some_and(|l| l.contains("restarting") || l.contains("crash loop"))
            && line_with(s, &sick).is_some_and(|l| l.contains("unhealthy"))
            && line_with(s, &web).is_some_and(|l| l.contains("running (healthy)"))
    });
    assert!(
        screen.contains(&format!("docker {}", project.name)),
        "the status line names the compose project:\n{screen}"
    );
    // The crasher can be caught running between two restarts; once it has restarted three
    // times it is a crash loop and sorts with the unhealthy one, above the healthy web.
    let first = c.wait_long("the crasher's restart count", LONG, |s| {
        line_with(s, &crasher)
            .and_then(restarts_in)
            .is_some_and(|n| n >= 3)
    });
    let first_count = restarts_in(line_with(&first, &crasher).unwrap()).unwrap();
    let screen = c.wait_long("the crasher's restart count to climb", LONG, |s| {
        line_with(s, &crasher)
            .and_then(restarts_in)
            .is_some_and(|n| n > first_count)
    });
    let pos = |name: &str| {
        screen
            .lines()
            .position(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{screen}"))
    };
    assert!(
        pos(&crasher) < pos(&web) && pos(&sick) < pos(&web),
        "unhealthy and crash-looping containers come first:\n{screen}"
    );
    assert!(
        screen.contains("2 unhealthy"),
        "the pane counts the broken ones:\n{screen}"
    );

    // Grouping by compose service: the OWNER column carries the com.docker.compose.service
    // label, and each group sorts by its worst member.
    c.tmux.send_keys(&["2", "o"]);
    let screen = c.wait_long("the OWNER column", LONG, |s| s.contains("OWNER"));
    let owners: Vec<String> = pane_lines(&screen, "2 Workloads")
        .iter()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert_eq!(
        owners,
        ["crasher", "sick", "web"],
        "one row per compose service, the broken groups first:\n{screen}"
    );

    // Events: the engine's die and health events.
    let screen = c.wait_long("die events", LONG, |s| {
        s.contains("Died") && s.contains("exited with code 3")
    });
    assert!(
        screen.contains(&crasher[..crasher.len().min(20)]),
        "{screen}"
    );
    // Die events keep coming; a filter finds the health event among them.
    c.tmux.send_keys(&["3", "/"]);
    c.tmux.send_line("health");
    let screen = c.wait_long("the health event", LONG, |s| {
        s.contains("⚠ Unhealthy") && s.contains("health check failing")
    });
    assert!(screen.contains(&sick[..sick.len().min(20)]), "{screen}");
    c.tmux.send_keys(&["/", "C-u", "Enter"]);
    c.wait_long("the filter cleared", LONG, |s| !s.contains("/health "));

    // Logs: Enter on the web row follows its log into the Logs pane, stdout and stderr.
    c.tmux.send_keys(&["2", "G", "Enter"]);
    let screen = c.wait_long("the web log lines", LONG, |s| {
        s.contains("web-listening-on-8080") && s.contains("web-no-tls-configured")
    });
    assert!(
        screen.contains(&format!("container/{web}")),
        "the Logs pane names the container:\n{screen}"
    );
    let coloured = c.screen_with_colours();
    // ANSI colour 3 is the default theme's warn (yellow).
    assert_eq!(
        fg_before(&coloured, "web-no-tls-configured"),
        Some(3),
        "stderr is drawn in the warning colour"
    );
    assert_eq!(
        fg_before(&coloured, "web-listening-on-8080"),
        None,
        "stdout is drawn as plain text"
    );

    // Restart: the confirmation shows the exact command and the engine; Enter on the
    // default focus (Cancel) changes nothing.
    let before = started_at(&web);
    c.tmux.send_keys(&["2", "R"]);
    let screen = c.wait_long("the confirmation", LONG, |s| {
        s.contains(&format!("Restart container {web}?"))
    });
    assert!(
        screen.contains(&format!("docker restart {web}")),
        "the exact command:\n{screen}"
    );
    assert!(
        screen.contains(&format!("docker {}", resolve_host(None))),
        "the engine it runs on:\n{screen}"
    );
    assert!(screen.contains("MUTATING") && screen.contains("[ Cancel ]"));
    c.tmux.send_keys(&["Enter"]);
    c.wait_long("the cancellation", LONG, |s| {
        s.contains("cancelled; nothing was changed") && !s.contains("[ Cancel ]")
    });
    assert_eq!(started_at(&web), before, "cancel left the container alone");

    // R then y restarts the real container.
    c.tmux.send_keys(&["R"]);
    c.wait_long("the confirmation again", LONG, |s| s.contains("[ Cancel ]"));
    c.tmux.send_keys(&["y"]);
    let deadline = Instant::now() + LONG;
    while started_at(&web) == before {
        assert!(
            Instant::now() < deadline,
            "{web} was not restarted within {LONG:?}; screen:\n{}",
            c.tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    // The engine's restart event reaches the Events pane (the outcome's status line can be
    // replaced by the kill event that arrives with it, so the pane is the durable record).
    c.tmux.send_keys(&["3", "/"]);
    c.tmux.send_line("Restarted");
    let screen = c.wait_long("the restart event", LONG, |s| {
        s.contains("Restarted") && s.contains(&format!("Restarted {web}"))
    });
    assert!(
        screen.contains(&format!("container/{web}")),
        "the Logs pane still names the container:\n{screen}"
    );
    c.tmux.send_keys(&["q"]);
    c.wait_long("the console to exit", LONG, |s| s.contains("EXIT=0"));

    // --readonly refuses the restart with a clear message, and never opens the dialog.
    let ro = Console::launch(
        "dockerro",
        120,
        40,
        &format!("--readonly --profile {}", profile.display()),
    );
    ro.wait_long("the web row", LONG, |s| s.contains(&web));
    ro.tmux.send_keys(&["2", "G", "R"]);
    let screen = ro.wait_long("the refusal", LONG, |s| {
        s.contains("read-only mode: restarting is refused")
    });
    assert!(
        !screen.contains("docker restart") && !screen.contains("[ Cancel ]"),
        "no confirmation in read-only mode:\n{screen}"
    );
    let after_ro = started_at(&web);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(started_at(&web), after_ro);
    ro.tmux.send_keys(&["q"]);
    ro.wait_long("the console to exit", LONG, |s| s.contains("EXIT=0"));
}

#[test]
fn unreachable_engine_is_named_in_workloads_while_services_keep_working() {
    let server = HttpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let profile = write_profile(
        dir.path(),
        "no-engine.toml",
        &format!(
            r#"name = "no-engine"
[docker]
host = "unix:///nonexistent/docker.sock"

[[services]]
name = "api"
[[services.checks]]
type = "http"
url = "{}"
interval = "1s"
"#,
            server.url("/ok")
        ),
    );
    let c = Console::launch(
        "dockerdown",
        120,
        40,
        &format!("--profile {}", profile.display()),
    );
    let expected =
        "docker: cannot connect to unix:///nonexistent/docker.sock — is the daemon running?";
    let screen = c.wait_long("the connection failure", LONG, |s| {
        workloads_text(s).contains(expected)
    });
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|top| top.contains("1 failing")),
        "the status line counts the failed source:\n{screen}"
    );
    let screen = c.wait_long("the HTTP check passing", LONG, |s| {
        line_with(s, "● api").is_some_and(|l| l.contains("HTTP 200")) && s.contains("1/1 ok")
    });
    assert!(
        !workloads_text(&screen).contains("connecting"),
        "the failure, not a spinner:\n{screen}"
    );
    c.tmux.send_keys(&["q"]);
    c.wait_long("the console to exit", LONG, |s| s.contains("EXIT=0"));
}

/// The inner lines of the right-hand pane titled `title` (Workloads or Logs), trimmed.
fn pane_lines(screen: &str, title: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let Some((top, col)) = lines.iter().enumerate().find_map(|(i, l)| {
        l.find(title)
            .map(|b| (i, l[..b].chars().count().saturating_sub(2)))
    }) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for l in &lines[top + 1..] {
        let right: String = l.chars().skip(col).collect();
        if right.starts_with('└') || right.starts_with('┗') {
            break;
        }
        out.push(
            right
                .trim_matches(|c| c == '│' || c == '┃' || c == ' ')
                .to_string(),
        );
    }
    out
}

/// The Workloads pane's text, its wrapped lines joined with spaces.
fn workloads_text(screen: &str) -> String {
    pane_lines(screen, "2 Workloads").join(" ")
}

// ---------------------------------------------------------------------------------------
// Snapshots from what the real source reported
// ---------------------------------------------------------------------------------------

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];
const THEMES: [&str; 2] = ["default", "mono"];
/// The project name the snapshots show in place of the run's unique one.
const SHOWN_PROJECT: &str = "shop";

/// What the real source reported, with what varies between runs made fixed: the project
/// name, times, restart counts, resource figures. States, health, grouping, limits, event
/// kinds, log text and streams are the engine's.
struct Observed {
    rows: Vec<Workload>,
    events: Vec<EventRecord>,
    log_stream: StreamId,
    log_lines: Vec<LogLine>,
}

fn rename(s: &str, project: &str) -> String {
    s.replace(&format!("{project}_"), &format!("{SHOWN_PROJECT}_"))
}

fn normalise_rows(rows: &[Workload], project: &str) -> Vec<Workload> {
    rows.iter()
        .map(|r| {
            let mut r = r.clone();
            assert_eq!(r.namespace, project, "rows carry the compose project");
            r.namespace = SHOWN_PROJECT.into();
            r.name = rename(&r.name, project);
            let service = r.group.clone().unwrap_or_default();
            r.created = Some(support::ago(600));
            let (restarts, started, cpu, mem) = match service.as_str() {
                "crasher" => (4, 12, 0.0, 300_000.0),
                "sick" => (0, 598, 0.0, 450_000.0),
                _ => (0, 598, 3.0, 1_300_000.0),
            };
            r.restarts = restarts;
            r.last_restart = Some(support::ago(started));
            r.cpu = r.cpu.map(|u| Usage { used: cpu, ..u });
            r.memory = r.memory.map(|u| Usage { used: mem, ..u });
            r.net_io = r.net_io.map(|_| (1_480, 720));
            for c in &mut r.containers {
                c.name = rename(&c.name, project);
                c.restarts = restarts;
                if let Some(t) = &mut c.last_termination {
                    t.finished = Some(support::ago(13));
                }
            }
            r
        })
        .collect()
}

/// One event of each kind per container, in a fixed order with fixed times.
fn normalise_events(events: &[EventRecord], project: &str) -> Vec<EventRecord> {
    // The kinds every run sees; creation and the first start can precede the subscription.
    let wanted = [
        ("web", "Healthy", 590),
        ("sick", "Unhealthy", 589),
        ("crasher", "Started", 14),
        ("crasher", "Died", 13),
    ];
    wanted
        .iter()
        .map(|(service, reason, ago)| {
            let object = format!("container/{project}_{service}_1");
            let e = events
                .iter()
                .find(|e| e.object == object && e.reason == *reason)
                .unwrap_or_else(|| panic!("no {reason} event for {object}"));
            let mut e = e.clone();
            assert_eq!(e.namespace, project, "events carry the compose project");
            e.namespace = SHOWN_PROJECT.into();
            e.object = rename(&e.object, project);
            e.count = 1;
            e.last_seen = support::ago(*ago);
            e.uid = format!("{}/{reason}", e.object);
            e
        })
        .collect()
}

async fn observe() -> Observed {
    let project = ComposeProject::create(COMPOSE);
    let (tx, rx) = mpsc::channel(256);
    let handle = spawn(
        DockerSettings {
            host: None,
            compose_project: Some(project.name.clone()),
        },
        tx,
    );
    let mut watch = Watch::new(rx);
    watch
        .until("a connection", LONG, |w| w.connected() && w.snapshots > 0)
        .await;
    project.start();
    let (web, crasher, sick) = (
        project.container("web"),
        project.container("crasher"),
        project.container("sick"),
    );
    let has_event =
        |w: &Watch, name: &str, reason: &str| w.events_for(name).iter().any(|e| e.reason == reason);
    watch
        .until(
            "web healthy with figures, sick unhealthy, the crasher restarting",
            LONG,
            |w| {
                w.rows.len() == 3
                    && w.row(&web).is_some_and(|r| {
                        r.status == "running (healthy)" && r.cpu.is_some() && r.memory.is_some()
                    })
                    && w.row(&sick).is_some_and(|r| r.status == "unhealthy")
                    && w.row(&crasher)
                        .is_some_and(|r| r.status == "restarting" && r.restarts >= 3)
                    && has_event(w, &web, "Healthy")
                    && has_event(w, &sick, "Unhealthy")
                    && has_event(w, &crasher, "Died")
                    && has_event(w, &crasher, "Started")
            },
        )
        .await;
    let rows = normalise_rows(&watch.rows, &project.name);
    let events = normalise_events(&watch.events, &project.name);

    handle
        .follow_logs(
            &web,
            LogOptions {
                tail: Some(500),
                timestamps: true,
                follow: true,
            },
        )
        .unwrap();
    let stream = StreamId {
        platform: Platform::Docker,
        namespace: project.name.clone(),
        name: web.clone(),
        container: None,
    };
    watch
        .until("the web log's two lines", LONG, |w| {
            w.logs.get(&stream).is_some_and(|l| l.len() >= 2)
        })
        .await;
    let mut log_lines = watch.logs[&stream].clone();
    // stdout and stderr are separate pipes: their relative order is the kernel's choice.
    log_lines.sort_by_key(|l| l.stderr);
    for (i, l) in log_lines.iter_mut().enumerate() {
        l.timestamp = Some(support::ago(598 - i as i64));
    }
    handle.stop_logs(&web);
    Observed {
        rows,
        events,
        log_stream: StreamId {
            namespace: SHOWN_PROJECT.into(),
            name: rename(&web, &project.name),
            ..stream
        },
        log_lines,
    }
}

fn shop_app(theme: &str, w: u16, h: u16, seen: &Observed) -> App {
    let profile = Profile::from_toml(
        &format!(
            "name = \"shop\"\n[docker]\nhost = \"{DEFAULT_HOST}\"\ncompose_project = \"{SHOWN_PROJECT}\"\n"
        ),
        Path::new("<test profile shop>"),
    )
    .unwrap();
    let (theme, err) = load_theme(theme, Path::new("/nonexistent"));
    assert!(err.is_none(), "{err:?}");
    let keymap = Keymap::load("default", Path::new("/nonexistent"));
    let mut app = App::new(profile, theme, keymap, false);
    app.tz = jiff::tz::TimeZone::UTC;
    app.update(Msg::Resize(w, h), support::now());
    for update in [
        SourceUpdate::State {
            platform: Platform::Docker,
            state: SourceState::Connected,
        },
        SourceUpdate::Workloads {
            platform: Platform::Docker,
            rows: seen.rows.clone(),
        },
        SourceUpdate::Events(seen.events.clone()),
    ] {
        app.update(Msg::Source(update), support::now());
    }
    settle(&mut app);
    app
}

fn settle(app: &mut App) {
    app.last_refresh = Some(support::now());
}

fn press(app: &mut App, code: KeyCode) {
    app.update(
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        support::now(),
    );
    settle(app);
}

fn render(app: &App) -> Buffer {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| opsdeck::ui::draw(f, app)).unwrap();
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

fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    text(buf).lines().enumerate().find_map(|(y, line)| {
        line.find(needle)
            .map(|b| (line[..b].chars().count() as u16, y as u16))
    })
}

type Steps = fn(&mut App, &Observed);

fn screens() -> Vec<(&'static str, Steps)> {
    vec![
        ("docker_workloads", |a, _| press(a, KeyCode::Char('2'))),
        ("docker_logs", |a, seen| {
            press(a, KeyCode::Char('2'));
            press(a, KeyCode::Char('G'));
            press(a, KeyCode::Enter);
            a.update(
                Msg::Source(SourceUpdate::Logs {
                    stream: seen.log_stream.clone(),
                    lines: seen.log_lines.clone(),
                }),
                support::now(),
            );
            settle(a);
        }),
        ("docker_confirm_restart", |a, _| {
            press(a, KeyCode::Char('2'));
            press(a, KeyCode::Char('G'));
            press(a, KeyCode::Char('R'));
        }),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_panes_snapshots_from_what_the_real_source_reported() {
    let _image = ImageLease::acquire();
    let seen = observe().await;
    let web = format!("{SHOWN_PROJECT}_web_1");
    let crasher = format!("{SHOWN_PROJECT}_crasher_1");
    for (w, h) in SIZES {
        for theme in THEMES {
            for (name, go) in screens() {
                let mut app = shop_app(theme, w, h, &seen);
                go(&mut app, &seen);
                let buf = render(&app);
                let screen = text(&buf);
                match name {
                    "docker_workloads" => {
                        let pos = |n: &str| screen.find(n).unwrap_or(usize::MAX);
                        assert!(pos(&crasher) < pos(&web), "{screen}");
                        assert!(screen.contains("restarting"), "{screen}");
                        assert!(screen.contains("unhealthy"), "{screen}");
                        assert!(screen.contains("Died"), "{screen}");
                    }
                    "docker_logs" => {
                        assert!(screen.contains("web-no-tls-configured"), "{screen}");
                        assert!(screen.contains("web-listening-on-8080"), "{screen}");
                        if theme == "default" {
                            let (x, y) = find(&buf, "web-no-tls-configured").unwrap();
                            assert_eq!(buf[(x, y)].fg, Color::Yellow, "stderr is warn");
                            let (x, y) = find(&buf, "web-listening-on-8080").unwrap();
                            assert_ne!(buf[(x, y)].fg, Color::Yellow, "stdout is text");
                        }
                    }
                    _ => {
                        assert!(
                            screen.contains(&format!("docker restart {web}")),
                            "{screen}"
                        );
                        assert!(
                            screen.contains(&format!("docker {DEFAULT_HOST}")),
                            "{screen}"
                        );
                    }
                }
                // Enter streams logs without leaving Workloads, so the next row is one key away.
                assert_eq!(app.focus, Pane::Workloads, "{name}");
                insta::assert_snapshot!(format!("{name}_{w}x{h}_{theme}"), format!("{buf:?}"));
            }
        }
    }
}
