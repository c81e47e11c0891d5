//! `pods/{name}/exec` and `pods/{name}/attach` over the WebSocket
//! remote-command protocol (`v5.channel.k8s.io`, `v4.channel.k8s.io`): every
//! binary message starts with its channel (0 stdin, 1 stdout, 2 stderr,
//! 3 the closing `Status`, 4 terminal resize, 255 v5's "stream closed").
//!
//! Refusals (forbidden namespace, unknown pod or container, container not
//! running) answer before the upgrade with a `Status`, as the API server does;
//! kubectl then retries over SPDY, gets the same answer and prints it.

use axum::extract::ws::{
    CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code,
    rejection::WebSocketUpgradeRejection,
};
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::handlers::{Shared, decode};
use super::status::ApiError;
use crate::sim::container::{self, Container, Output, Start};
use crate::sim::world::ContainerState;

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const ERROR: u8 = 3;
const RESIZE: u8 = 4;
const CLOSE: u8 = 255;

/// The request's parameters (`command` repeats, one per argument).
struct Params {
    command: Vec<String>,
    container: Option<String>,
    stdin: bool,
    tty: bool,
}

fn params(uri: &Uri) -> Params {
    let mut p = Params {
        command: vec![],
        container: None,
        stdin: false,
        tty: false,
    };
    for pair in uri.query().unwrap_or_default().split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = decode(v);
        let yes = v == "true" || v == "1";
        match decode(k).as_str() {
            "command" => p.command.push(v),
            "container" => p.container = Some(v),
            "stdin" => p.stdin = yes,
            "tty" => p.tty = yes,
            _ => {}
        }
    }
    p
}

pub async fn exec(
    State(s): State<Shared>,
    Path((ns, name)): Path<(String, String)>,
    uri: Uri,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    serve(s, ns, name, uri, ws, false).await
}

pub async fn attach(
    State(s): State<Shared>,
    Path((ns, name)): Path<(String, String)>,
    uri: Uri,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    serve(s, ns, name, uri, ws, true).await
}

async fn serve(
    s: Shared,
    ns: String,
    name: String,
    uri: Uri,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    attach: bool,
) -> Response {
    let p = params(&uri);
    let sub = if attach { "pods/attach" } else { "pods/exec" };
    let uid = match check(&s, &ns, &name, p.container.as_deref(), sub) {
        Ok(uid) => uid,
        Err(e) => return e.into_response(),
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(_) => {
            return ApiError::bad_request(
                "the simulated API server speaks the WebSocket remote-command protocol (v5.channel.k8s.io, v4.channel.k8s.io) only; use kubectl 1.30 or later",
            )
            .into_response();
        }
    };
    ws.protocols(["v5.channel.k8s.io", "v4.channel.k8s.io"])
        .on_upgrade(move |socket| async move {
            let v5 = socket
                .protocol()
                .is_some_and(|p| p.as_bytes() == b"v5.channel.k8s.io");
            if attach {
                attach_session(s, socket, uid, p, v5).await;
            } else {
                exec_session(s, socket, uid, p, v5).await;
            }
        })
}

/// The pod's uid when exec may go ahead; otherwise the API server's refusal.
fn check(
    s: &Shared,
    ns: &str,
    name: &str,
    container: Option<&str>,
    sub: &str,
) -> Result<String, ApiError> {
    s.with(|w| {
        if w.scenario.forbidden_namespaces.iter().any(|f| f == ns) {
            return Err(ApiError::forbidden("create", sub, "", ns));
        }
        let pod = w
            .store
            .get("pods", ns, name)
            .ok_or_else(|| ApiError::not_found("pods", name))?;
        let first = pod["spec"]["containers"][0]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let uid = pod["metadata"]["uid"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let wanted = container.unwrap_or(&first);
        let known = pod["spec"]["containers"]
            .as_array()
            .is_some_and(|cs| cs.iter().any(|c| c["name"] == wanted));
        if !known {
            return Err(ApiError::bad_request(format!(
                "container {wanted} is not valid for pod {name}"
            )));
        }
        let phase = pod["status"]["phase"].as_str().unwrap_or_default();
        if matches!(phase, "Succeeded" | "Failed") {
            return Err(ApiError::bad_request(format!(
                "cannot exec into a container in a completed pod; current phase is {phase}"
            )));
        }
        let running = w
            .pods
            .get(&uid)
            .is_some_and(|rt| matches!(rt.state, ContainerState::Running { .. }));
        if !running {
            return Err(ApiError::bad_request(format!(
                "unable to upgrade connection: container not found (\"{wanted}\")"
            )));
        }
        Ok(uid)
    })
}

fn frame(channel: u8, data: &[u8]) -> Message {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(channel);
    v.extend_from_slice(data);
    Message::Binary(v.into())
}

/// Sends what a command printed; a terminal gets `\r\n` line ends.
async fn send_output(socket: &mut WebSocket, out: &Output, tty: bool) -> bool {
    for (channel, text) in [(STDOUT, &out.stdout), (STDERR, &out.stderr)] {
        if text.is_empty() {
            continue;
        }
        // With a terminal, stderr shares stdout (there is one stream).
        let channel = if tty { STDOUT } else { channel };
        let text = if tty {
            text.replace('\n', "\r\n")
        } else {
            text.clone()
        };
        if socket.send(frame(channel, text.as_bytes())).await.is_err() {
            return false;
        }
    }
    true
}

/// The `Status` on the error channel that tells kubectl how the command ended.
pub fn exit_status(code: i32, command: &[String]) -> Value {
    if code == 0 {
        return json!({"metadata": {}, "status": "Success"});
    }
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!(
            "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
            command.join(" ")
        ),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
    })
}

async fn finish(socket: &mut WebSocket, code: i32, command: &[String]) {
    let status = exit_status(code, command).to_string();
    let _ = socket.send(frame(ERROR, status.as_bytes())).await;
    // A normal closure (1000): kubectl reads it as the streams' end.
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: close_code::NORMAL,
            reason: "".into(),
        })))
        .await;
}

/// Runs `f` in the pod's container under the world's lock; None when the
/// pod has gone meanwhile.
fn in_container<R>(
    s: &Shared,
    uid: &str,
    tty: bool,
    f: impl FnOnce(&mut Container) -> R,
) -> Option<R> {
    s.with(|w| Container::open(w, uid, tty).map(|mut c| f(&mut c)))
}

const GONE: &str = "error: the pod's container stopped while the command ran\n";

async fn exec_session(s: Shared, mut socket: WebSocket, uid: String, p: Params, v5: bool) {
    let Some(started) = in_container(&s, &uid, p.tty, |c| {
        container::start(c, &p.command, p.stdin)
    }) else {
        let _ = send_output(&mut socket, &Output::fail(1, GONE), p.tty).await;
        return finish(&mut socket, 1, &p.command).await;
    };
    let (mut repl, first) = match started {
        Start::Done(out) => {
            send_output(&mut socket, &out, p.tty).await;
            return finish(&mut socket, out.code, &p.command).await;
        }
        Start::Interactive(repl, out) => (repl, out),
    };
    if !send_output(&mut socket, &first, p.tty).await {
        return;
    }
    if p.tty && !send_output(&mut socket, &Output::ok(repl.prompt()), true).await {
        return;
    }
    // Input so far: a line editor for the terminal, or lines for a pipe.
    let mut pending: Vec<u8> = vec![];
    let code = loop {
        let Some(Ok(msg)) = socket.recv().await else {
            // The client has gone: nobody reads an exit code.
            return;
        };
        let data = match msg {
            Message::Binary(b) => b.to_vec(),
            Message::Close(_) => return,
            _ => continue,
        };
        let Some((&channel, body)) = data.split_first() else {
            continue;
        };
        match channel {
            STDIN => {}
            CLOSE if v5 && body.first() == Some(&STDIN) => {
                // stdin closed: run what is left of the last line, then end.
                let rest = String::from_utf8_lossy(&pending).into_owned();
                pending.clear();
                let (mut out, done) = in_container(&s, &uid, p.tty, |c| {
                    let (mut out, done) = repl.line(c, &rest);
                    if done.is_some() {
                        return (out, done);
                    }
                    let (last, code) = repl.eof(c);
                    out.stdout.push_str(&last.stdout);
                    out.stderr.push_str(&last.stderr);
                    (out, Some(code))
                })
                .unwrap_or((Output::fail(1, GONE), Some(1)));
                out.code = done.unwrap_or(0);
                send_output(&mut socket, &out, p.tty).await;
                break out.code;
            }
            RESIZE => continue,
            _ => continue,
        }
        let mut echo = vec![];
        let mut lines = vec![];
        let mut interrupted = false;
        for &b in body {
            match b {
                b'\r' | b'\n' if p.tty => {
                    echo.extend_from_slice(b"\r\n");
                    lines.push(String::from_utf8_lossy(&pending).into_owned());
                    pending.clear();
                }
                b'\n' => {
                    lines.push(String::from_utf8_lossy(&pending).into_owned());
                    pending.clear();
                }
                0x7f | 0x08 if p.tty => {
                    if pending.pop().is_some() {
                        echo.extend_from_slice(b"\x08 \x08");
                    }
                }
                0x03 if p.tty => {
                    echo.extend_from_slice(b"^C\r\n");
                    pending.clear();
                    interrupted = true;
                }
                0x04 if p.tty && pending.is_empty() => lines.push("\u{4}".into()),
                b => {
                    pending.push(b);
                    if p.tty {
                        echo.push(b);
                    }
                }
            }
        }
        if !echo.is_empty() && socket.send(frame(STDOUT, &echo)).await.is_err() {
            return;
        }
        let mut ended = None;
        for line in lines {
            if line == "\u{4}" {
                let (out, code) = in_container(&s, &uid, p.tty, |c| repl.eof(c))
                    .unwrap_or((Output::fail(1, GONE), 1));
                send_output(&mut socket, &out, p.tty).await;
                ended = Some(code);
                break;
            }
            let (out, done) = in_container(&s, &uid, p.tty, |c| repl.line(c, &line))
                .unwrap_or((Output::fail(1, GONE), Some(1)));
            send_output(&mut socket, &out, p.tty).await;
            if done.is_some() {
                ended = done;
                break;
            }
        }
        if let Some(code) = ended {
            break code;
        }
        if p.tty && (interrupted || !body.is_empty()) && pending.is_empty() {
            send_output(&mut socket, &Output::ok(repl.prompt()), true).await;
        }
    };
    finish(&mut socket, code, &p.command).await;
}

/// Attach shows the main process's recent output, then follows nothing new
/// (the simulated process writes only to its log) until the client leaves.
async fn attach_session(s: Shared, mut socket: WebSocket, uid: String, p: Params, v5: bool) {
    let recent: String = s.with(|w| {
        w.pods
            .get(&uid)
            .map(|rt| {
                let lines = rt.logs.since_seq(0);
                let skip = lines.len().saturating_sub(10);
                lines
                    .into_iter()
                    .skip(skip)
                    .map(|(_, l)| format!("{l}\n"))
                    .collect()
            })
            .unwrap_or_default()
    });
    send_output(&mut socket, &Output::ok(recent), p.tty).await;
    loop {
        match socket.recv().await {
            Some(Ok(Message::Binary(b))) if v5 && b.first() == Some(&CLOSE) && !p.stdin => break,
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
            _ => {}
        }
    }
    finish(&mut socket, 0, &[]).await;
}
