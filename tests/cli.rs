//! The command line: subcommands, `opsdeck check` exit codes and JSON, and
//! the exact messages for broken config, theme, keymap and profile files.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

mod support;

use assert_cmd::Command;
use predicates::prelude::*;
use support::servers::{HttpServer, RedisServer, closed_port};

fn opsdeck(dir: &tempfile::TempDir) -> Command {
    let mut c = Command::cargo_bin("opsdeck").expect("binary");
    c.env("OPSDECK_CONFIG_DIR", dir.path().join("config"))
        .env("OPSDECK_DATA_DIR", dir.path().join("data"))
        .env_remove("OPSDECK_PROFILE")
        .env_remove("NO_COLOR");
    c
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn help_lists_the_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let out = opsdeck(&dir).arg("--help").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for sub in [
        "dashboard",
        "demo",
        "sim",
        "check",
        "runbook",
        "run",
        "timeline",
        "keymap",
        "theme",
        "screenshots",
    ] {
        assert!(text.contains(sub), "--help lacks {sub}:\n{text}");
    }
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    opsdeck(&dir)
        .arg("--frobnicate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unexpected argument '--frobnicate'",
        ));
}

#[test]
fn dashboard_without_a_terminal_says_what_to_use_instead() {
    let dir = tempfile::tempdir().unwrap();
    opsdeck(&dir)
        .args(["--profile", "local"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "opsdeck's dashboard needs a terminal; for a non-interactive health check run `opsdeck check`",
        ));
}

fn profile_with(dir: &tempfile::TempDir, services: &str) -> std::path::PathBuf {
    write(dir, "p.toml", &format!("name = \"test\"\n{services}"))
}

#[test]
fn check_exits_zero_when_everything_passes_and_prints_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let s = HttpServer::start();
    let p = profile_with(
        &dir,
        &format!(
            "[[services]]\nname = \"api\"\n[[services.checks]]\ntype = \"http\"\nurl = \"{}\"\n",
            s.url("/ok")
        ),
    );
    opsdeck(&dir)
        .args(["check", "--profile"])
        .arg(&p)
        .assert()
        .success()
        .stdout(predicate::str::contains("SERVICE"))
        .stdout(predicate::str::contains("HTTP 200"))
        .stdout(predicate::str::contains("test: 1 passed, 0 failed"));
}

#[test]
fn check_exits_non_zero_when_one_fails_and_json_has_the_shape() {
    let dir = tempfile::tempdir().unwrap();
    let s = HttpServer::start();
    let p = profile_with(
        &dir,
        &format!(
            "[[services]]\nname = \"api\"\n[[services.checks]]\ntype = \"http\"\nurl = \"{}\"\n\
             [[services]]\nname = \"db\"\n[[services.checks]]\ntype = \"tcp\"\naddress = \"127.0.0.1:{}\"\n",
            s.url("/ok"),
            closed_port()
        ),
    );
    let out = opsdeck(&dir)
        .args(["check", "--json", "--profile"])
        .arg(&p)
        .assert()
        .code(1);
    let json: serde_json::Value =
        serde_json::from_slice(&out.get_output().stdout).expect("valid JSON");
    assert_eq!(json["profile"], "test");
    assert_eq!(json["ok"], false);
    assert_eq!(json["passed"], 1);
    assert_eq!(json["failed"], 1);
    let checks = json["checks"].as_array().expect("checks array");
    assert_eq!(checks.len(), 2);
    for c in checks {
        for key in [
            "service",
            "type",
            "target",
            "ok",
            "latency_ms",
            "detail",
            "at",
        ] {
            assert!(c.get(key).is_some(), "check lacks {key}: {c}");
        }
    }
    assert_eq!(checks[1]["service"], "db");
    assert_eq!(checks[1]["type"], "tcp");
    assert_eq!(checks[1]["detail"], "connection refused");
}

#[test]
fn redis_password_comes_from_the_named_variable_and_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let r = RedisServer::start(Some("hunter2-very-secret"));
    let p = profile_with(
        &dir,
        &format!(
            "[[services]]\nname = \"redis\"\n[[services.checks]]\ntype = \"redis\"\nurl = \"{}\"\npassword_env = \"CACHE_PW\"\n",
            r.url()
        ),
    );
    let out = opsdeck(&dir)
        .env("CACHE_PW", "hunter2-very-secret")
        .args(["check", "--json", "--profile"])
        .arg(&p)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("PONG"), "{stdout}");
    assert!(!stdout.contains("hunter2"), "the password leaked: {stdout}");

    opsdeck(&dir)
        .env("CACHE_PW", "not-the-pw-42")
        .args(["check", "--profile"])
        .arg(&p)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "WRONGPASS: the password was refused",
        ))
        .stdout(predicate::str::contains("not-the-pw-42").not());
    let log = std::fs::read_to_string(dir.path().join("data/opsdeck.log")).unwrap_or_default();
    assert!(
        !log.contains("hunter2"),
        "the password reached the log file"
    );
}

#[test]
fn profile_with_an_unknown_check_type_names_file_line_and_choices() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "bad.toml",
        "name = \"bad\"\n\n[[services]]\nname = \"x\"\n[[services.checks]]\ntype = \"ping\"\naddress = \"h:1\"\n",
    );
    opsdeck(&dir)
        .args(["check", "--profile"])
        .arg(&p)
        .assert()
        .failure()
        .stderr(predicate::str::diff(format!(
            "opsdeck: {}:6: unknown variant `ping`, expected one of `http`, `tcp`, `redis`, `command`\n",
            p.display()
        )));
}

#[test]
fn unknown_profile_name_lists_the_built_ins() {
    let dir = tempfile::tempdir().unwrap();
    opsdeck(&dir)
        .args(["check", "--profile", "nosuch"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no profile named `nosuch`"))
        .stderr(predicate::str::contains(
            "deepseek-rag, doc-rag, rag7, personal-rag, terragon, local",
        ));
}

#[test]
fn broken_theme_names_file_line_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "neon.toml",
        "name = \"neon\"\nok = { fg = \"green\" }\ncrit = { fg = \"rouge\" }\n",
    );
    opsdeck(&dir)
        .args(["theme", "check"])
        .arg(&p)
        .assert()
        .code(1)
        .stdout(predicate::str::diff(format!(
            "{}:3: unknown colour `rouge` (use a name such as green or bright-red, 0-255, or #rrggbb)\n",
            p.display()
        )));
    let p = write(
        &dir,
        "syntax.toml",
        "name = \"syntax\"\nok = { fg = \"green\"\n",
    );
    opsdeck(&dir)
        .args(["theme", "check"])
        .arg(&p)
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(format!("{}:2: ", p.display())));
}

#[test]
fn broken_keymap_reports_every_problem_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        &dir,
        "mine.toml",
        "[dashboard]\nquit = { keys = [\"x\"] }\nlaunch_rockets = { keys = [\"l\"] }\nhelp = { keys = [\"hyper-h\"] }\nzoom = { keys = [\"x\"] }\n",
    );
    let file = p.display().to_string();
    opsdeck(&dir)
        .args(["keymap", "check"])
        .arg(&p)
        .assert()
        .code(1)
        .stdout(predicate::str::diff(format!(
            "{file}:3: unknown action `launch_rockets` (see `opsdeck keymap show` for the actions)\n\
             {file}:4: unknown key `hyper-h` (write a character such as q or ?, a name such as enter, esc, tab, up, pageup, f1, with optional ctrl-, alt-, shift-)\n\
             {file}:5: key `x` is bound to both `quit` and `zoom` in [dashboard]; `quit` keeps it\n\
             {file}: 3 problem(s)\n"
        )));
}

#[test]
fn shipped_keymaps_check_clean() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["default", "vim"] {
        opsdeck(&dir)
            .args(["keymap", "check", "--keymap", name])
            .assert()
            .success();
    }
}
