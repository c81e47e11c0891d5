//! Typed placeholders in commands: `POD_NAME`, `<pod-name>`, `$VAR`/`${VAR}`,
//! `{{ pod }}`, and well-known stand-ins such as `your-domain` or `PASSWORD` in a
//! connection string, wherever they stand in a word (`/etc/app.<suffix>`). Go
//! templates inside `--template=`, `-o go-template=`, `-o jsonpath=` and `--format`
//! arguments (`{{.metadata.name}}`, `{{range .items}}…{{end}}`) are the command's own
//! syntax, not placeholders. Values are validated against their kind and
//! shell-quoted when substituted, so a value such as `x; rm -rf /` stays one argument.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::model::command::quote_always;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlaceholderKind {
    Pod,
    Deployment,
    Container,
    Namespace,
    Service,
    Url,
    Host,
    Secret,
    Number,
    Text,
}

/// How the placeholder is written in the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlaceholderSyntax {
    /// `<pod-name>`
    Angle,
    /// `POD_NAME`
    Capitals,
    /// `$VAR` or `${VAR}`: filled from the environment when set there.
    EnvVar,
    /// `your-domain`, `YYYYMMDD`, `PASSWORD` in a URL.
    StandIn,
    /// `{{namespace}}`, `{{ pod }}`: template notation.
    Template,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placeholder {
    pub name: String,
    pub kind: PlaceholderKind,
    pub syntax: PlaceholderSyntax,
    /// Byte range of the placeholder in the command text.
    pub span: Range<usize>,
    /// The value a `NAME=value` line earlier in the procedure gives it, to offer
    /// first (`NAMESPACE="kube-etcd"` for `$NAMESPACE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// Shell and tool variables that are never placeholders.
const COMMON_VARS: &[&str] = &[
    "HOME",
    "PATH",
    "USER",
    "PWD",
    "OLDPWD",
    "SHELL",
    "HOSTNAME",
    "RANDOM",
    "LINENO",
    "TERM",
    "LANG",
    "LC_ALL",
    "UID",
    "EUID",
    "PPID",
    "SECONDS",
    "IFS",
    "TMPDIR",
    "EDITOR",
    "KUBECONFIG",
    "DOCKER_HOST",
    "BASH_SOURCE",
    "LOGNAME",
    "PS1",
    "DISPLAY",
];

/// Stand-ins that authors write instead of a real value.
const STAND_INS: &[&str] = &["YYYYMMDD", "YYYY-MM-DD", "YYYYMM"];

/// Words that read like stand-ins only where a URL or connection string puts them.
const URL_STAND_INS: &[&str] = &[
    "PASSWORD", "PASS", "USER", "USERNAME", "TOKEN", "HOST", "API_KEY",
];

static TEMPLATE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_-]*)\s*-?\}\}").ok());
/// Go template actions that look like `{{name}}` but are the template's syntax.
const TEMPLATE_KEYWORDS: &[&str] = &[
    "end", "else", "range", "if", "with", "define", "template", "block", "break", "continue",
    "nil", "true", "false",
];
static ANGLE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"<([A-Za-z][A-Za-z0-9_.-]*)>").ok());
static YOUR: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\byour-[a-z0-9][a-z0-9-]*[a-z0-9]").ok());
static DEFINED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s;&|(])(?:export\s+|local\s+)?([A-Za-z_][A-Za-z0-9_]*)=|\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b|\bread\s+(?:-r\s+)?([A-Za-z_][A-Za-z0-9_ ]*)")
        .ok()
});

/// The kind a placeholder's name suggests.
pub fn kind_for(name: &str) -> PlaceholderKind {
    let n = name.to_ascii_lowercase().replace('-', "_");
    let has = |s: &str| n.contains(s);
    if has("password")
        || has("passwd")
        || has("token")
        || has("secret")
        || has("key")
        || has("credential")
        || n == "pass"
        || n.ends_with("_pass")
    {
        PlaceholderKind::Secret
    } else if has("pod") {
        PlaceholderKind::Pod
    } else if has("deploy") {
        PlaceholderKind::Deployment
    } else if has("container") {
        PlaceholderKind::Container
    } else if has("namespace") || n == "ns" {
        PlaceholderKind::Namespace
    } else if has("service") || has("svc") {
        PlaceholderKind::Service
    } else if has("url") || has("repo") {
        PlaceholderKind::Url
    } else if has("host")
        || n == "node"
        || n == "nodename"
        || n.starts_with("node_name")
        || n.ends_with("_node")
        || has("domain")
        || has("endpoint")
        || n == "ip"
        || n.ends_with("_ip")
        || has("server")
        || has("addr")
    {
        PlaceholderKind::Host
    } else if has("replica")
        || has("count")
        || has("port")
        || has("revision")
        || has("num")
        || has("size")
    {
        PlaceholderKind::Number
    } else {
        PlaceholderKind::Text
    }
}

/// Names a command defines itself (`X=…`, `for X in`, `read X`), which are not
/// placeholders when used later.
pub fn defined_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(re) = DEFINED.as_ref() {
        for cap in re.captures_iter(text) {
            for i in 1..=3 {
                if let Some(m) = cap.get(i) {
                    names.extend(m.as_str().split_whitespace().map(str::to_string));
                }
            }
        }
    }
    names
}

/// All placeholders in `cmd`, in order. `$VAR`s the command defines are skipped.
///
/// `$VAR`s are reported whether or not the environment sets them, so an import
/// does not depend on the shell it runs in; the wizard skips those the
/// environment it was started in sets.
pub fn find(cmd: &str) -> Vec<Placeholder> {
    find_with_defined(cmd, &[])
}

/// Like [`find`], also skipping `$VAR`s that earlier commands of the same block
/// define (`BACKUP_DATE=$(date …)` then `… $BACKUP_DATE`).
pub fn find_with_defined(cmd: &str, defined: &[String]) -> Vec<Placeholder> {
    let defined: HashSet<String> = defined.iter().cloned().collect();
    find_with(cmd, &defined)
}

/// [`find_with_defined`] with the names already in a set.
pub fn find_with(cmd: &str, defined: &HashSet<String>) -> Vec<Placeholder> {
    let own: HashSet<String> = defined_names(cmd).into_iter().collect();
    let is_defined = |name: &str| defined.contains(name) || own.contains(name);
    let contexts = quote_contexts(cmd);
    let mut found: Vec<Placeholder> = Vec::new();
    // Spans taken so far, start → end; they never overlap.
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut push = |found: &mut Vec<Placeholder>, name: &str, syntax, span: Range<usize>| {
        let overlaps = taken
            .range(..span.end)
            .next_back()
            .is_some_and(|(_, &end)| end > span.start);
        if overlaps {
            return;
        }
        taken.insert(span.start, span.end);
        found.push(Placeholder {
            name: name.to_string(),
            kind: kind_for(name),
            syntax,
            span,
            default: None,
        });
    };

    let templates = template_arguments(cmd);
    if let Some(re) = TEMPLATE.as_ref() {
        for cap in re.captures_iter(cmd) {
            if let (Some(all), Some(name)) = (cap.get(0), cap.get(1))
                && !TEMPLATE_KEYWORDS.contains(&name.as_str())
                && !within(&templates, all.range())
            {
                push(
                    &mut found,
                    name.as_str(),
                    PlaceholderSyntax::Template,
                    all.range(),
                );
            }
        }
    }

    if let Some(re) = ANGLE.as_ref() {
        for cap in re.captures_iter(cmd) {
            if let (Some(all), Some(name)) = (cap.get(0), cap.get(1)) {
                push(
                    &mut found,
                    name.as_str(),
                    PlaceholderSyntax::Angle,
                    all.range(),
                );
            }
        }
    }

    // $VAR and ${VAR}
    let bytes = cmd.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' && contexts[i] != Quote::Single {
            let (name_start, braced) = if bytes.get(i + 1) == Some(&b'{') {
                (i + 2, true)
            } else {
                (i + 1, false)
            };
            let mut end = name_start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            let name = &cmd[name_start..end];
            let starts_ok = name
                .as_bytes()
                .first()
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
            let closes = !braced || bytes.get(end) == Some(&b'}');
            if starts_ok && closes {
                let span_end = if braced { end + 1 } else { end };
                let is_common = COMMON_VARS.contains(&name);
                if !is_common && !is_defined(name) {
                    push(&mut found, name, PlaceholderSyntax::EnvVar, i..span_end);
                }
                i = span_end;
                continue;
            }
        }
        i += 1;
    }

    // Runs of [A-Za-z0-9_]: POD_NAME-style capitals, and stand-ins inside them.
    let mut start = 0;
    while start < bytes.len() {
        if !is_word_byte(bytes[start]) {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < bytes.len() && is_word_byte(bytes[end]) {
            end += 1;
        }
        let run = &cmd[start..end];
        let prev = start.checked_sub(1).map(|p| bytes[p]);
        let next = bytes.get(end).copied();
        let is_var = matches!(prev, Some(b'$') | Some(b'{'));
        let is_assignment = next == Some(b'=') && contexts[start] == Quote::None;
        let is_flag = matches!(prev, Some(b'-'));
        if !is_var && !is_assignment && !is_flag {
            let capitals = run.len() >= 3
                && run.starts_with(|c: char| c.is_ascii_uppercase())
                && run.contains('_')
                && !run.ends_with('_')
                && run
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            let in_url = matches!(prev, Some(b':') | Some(b'/'))
                && matches!(next, Some(b'@') | Some(b'/') | Some(b':') | None)
                || next == Some(b'@');
            if capitals && (contexts[start] == Quote::None || in_url) {
                push(&mut found, run, PlaceholderSyntax::Capitals, start..end);
            } else if URL_STAND_INS.contains(&run) && in_url {
                push(&mut found, run, PlaceholderSyntax::StandIn, start..end);
            } else {
                for stand_in in STAND_INS {
                    if let Some(pos) = run.find(stand_in) {
                        let s = start + pos;
                        push(
                            &mut found,
                            stand_in,
                            PlaceholderSyntax::StandIn,
                            s..s + stand_in.len(),
                        );
                        break;
                    }
                }
            }
        }
        start = end;
    }

    if let Some(re) = YOUR.as_ref() {
        for m in re.find_iter(cmd) {
            push(
                &mut found,
                m.as_str(),
                PlaceholderSyntax::StandIn,
                m.range(),
            );
        }
    }

    found.sort_by_key(|p| p.span.start);
    found
}

/// Byte ranges of the arguments that are Go templates or JSONPath for the command
/// itself: `--template=…`, `-o go-template=…`, `-o jsonpath=…`, and the value after
/// `--template`, `--format` or `-f` (`docker inspect -f '{{.State.Status}}'`).
fn template_arguments(cmd: &str) -> Vec<Range<usize>> {
    const VALUE_OF: &[&str] = &["--template", "--format", "-f", "--go-template"];
    const INSIDE: &[&str] = &[
        "--template=",
        "--format=",
        "go-template=",
        "go-template-file=",
        "jsonpath=",
        "jsonpath-as-json=",
        "template=",
        "custom-columns=",
    ];
    let words = word_spans(cmd);
    let mut spans: Vec<Range<usize>> = Vec::new();
    for (i, span) in words.iter().enumerate() {
        let word = &cmd[span.clone()];
        if INSIDE.iter().any(|p| word.contains(p)) {
            spans.push(span.clone());
        }
        if VALUE_OF.contains(&word)
            && let Some(next) = words.get(i + 1)
        {
            spans.push(next.clone());
        }
    }
    // Word spans are disjoint; a word may be pushed twice.
    spans.sort_by_key(|r| r.start);
    spans.dedup();
    spans
}

/// Whether `span` lies inside one of `sorted` (disjoint, ordered ranges).
fn within(sorted: &[Range<usize>], span: Range<usize>) -> bool {
    let i = sorted.partition_point(|r| r.start <= span.start);
    i > 0 && sorted[i - 1].end >= span.end
}

/// Byte ranges of the whitespace-separated words of `cmd`, quotes kept inside.
fn word_spans(cmd: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut start = None;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for (i, b) in cmd.bytes().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, b) {
            (None, b' ' | b'\t' | b'\n') => {
                if let Some(s) = start.take() {
                    spans.push(s..i);
                }
                continue;
            }
            (None, b'\'' | b'"') => quote = Some(b),
            (Some(q), c) if c == q => quote = None,
            (None | Some(b'"'), b'\\') => escaped = true,
            _ => {}
        }
        start.get_or_insert(i);
    }
    if let Some(s) = start {
        spans.push(s..cmd.len());
    }
    spans
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// The quoting in force at every byte of `cmd`.
fn quote_contexts(cmd: &str) -> Vec<Quote> {
    let bytes = cmd.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() + 1);
    let mut state = Quote::None;
    let mut escaped = false;
    for &b in bytes {
        out.push(state);
        if escaped {
            escaped = false;
            continue;
        }
        match (state, b) {
            (Quote::None, b'\'') => state = Quote::Single,
            (Quote::Single, b'\'') => state = Quote::None,
            (Quote::None, b'"') => state = Quote::Double,
            (Quote::Double, b'"') => state = Quote::None,
            (Quote::None | Quote::Double, b'\\') => escaped = true,
            _ => {}
        }
    }
    out.push(state);
    out
}

/// Replaces every placeholder that has a value in `values` (by name), quoting the
/// value for where it stands: single quotes outside quotes, backslash escapes inside
/// double quotes, and closing/reopening inside single quotes. Placeholders without a
/// value are left as written.
pub fn substitute(cmd: &str, values: &HashMap<String, String>) -> String {
    substitute_found(cmd, &find(cmd), values)
}

/// [`substitute`] with placeholders already found (e.g. `Command::placeholders`).
pub fn substitute_found(
    cmd: &str,
    placeholders: &[Placeholder],
    values: &HashMap<String, String>,
) -> String {
    let contexts = quote_contexts(cmd);
    let mut out = cmd.to_string();
    let mut sorted: Vec<&Placeholder> = placeholders.iter().collect();
    sorted.sort_by_key(|p| std::cmp::Reverse(p.span.start));
    for p in sorted {
        let Some(value) = values.get(&p.name) else {
            continue;
        };
        if p.span.end > out.len()
            || !out.is_char_boundary(p.span.start)
            || !out.is_char_boundary(p.span.end)
        {
            continue;
        }
        let replacement = match contexts.get(p.span.start).copied().unwrap_or(Quote::None) {
            Quote::None => quote_always(value),
            Quote::Double => {
                let mut s = String::with_capacity(value.len());
                for c in value.chars() {
                    if matches!(c, '\\' | '"' | '$' | '`') {
                        s.push('\\');
                    }
                    s.push(c);
                }
                s
            }
            Quote::Single => format!("'{}'", quote_always(value)),
        };
        out.replace_range(p.span.clone(), &replacement);
    }
    out
}

static DNS_LABEL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").ok());
static DNS_SUBDOMAIN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$").ok()
});
static HOST: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$").ok()
});
static URL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/?#]+[^\s]*$").ok());

fn matches(re: &LazyLock<Option<Regex>>, value: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(value))
}

/// Checks a value against its kind. The error says what is wrong, for the operator.
pub fn validate(kind: PlaceholderKind, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("a value is required".into());
    }
    if value.contains(['\n', '\r', '\0']) {
        return Err("must be a single line".into());
    }
    match kind {
        PlaceholderKind::Namespace | PlaceholderKind::Service | PlaceholderKind::Container => {
            if value.len() > 63 || !matches(&DNS_LABEL, value) {
                return Err(format!(
                    "`{value}` is not a valid {} name: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (RFC 1123 label)",
                    kind_name(kind)
                ));
            }
        }
        PlaceholderKind::Pod | PlaceholderKind::Deployment => {
            if value.len() > 253 || !matches(&DNS_SUBDOMAIN, value) {
                return Err(format!(
                    "`{value}` is not a valid {} name: use lowercase letters, digits, '-' and '.', at most 253 characters (RFC 1123 subdomain)",
                    kind_name(kind)
                ));
            }
        }
        PlaceholderKind::Url => {
            if !matches(&URL, value) {
                return Err(format!(
                    "`{value}` is not a URL: write it as scheme://host/path, e.g. https://example.com/health"
                ));
            }
        }
        PlaceholderKind::Host => {
            let ip = value.parse::<std::net::IpAddr>().is_ok()
                || value.parse::<std::net::SocketAddr>().is_ok();
            if !ip && (value.len() > 253 || !matches(&HOST, value)) {
                return Err(format!(
                    "`{value}` is not a host name or IP address (optionally with :port)"
                ));
            }
        }
        PlaceholderKind::Number => {
            if value.parse::<u64>().is_err() {
                return Err(format!("`{value}` is not a whole number"));
            }
        }
        PlaceholderKind::Secret | PlaceholderKind::Text => {}
    }
    Ok(())
}

fn kind_name(kind: PlaceholderKind) -> &'static str {
    match kind {
        PlaceholderKind::Pod => "pod",
        PlaceholderKind::Deployment => "deployment",
        PlaceholderKind::Container => "container",
        PlaceholderKind::Namespace => "namespace",
        PlaceholderKind::Service => "service",
        PlaceholderKind::Url => "URL",
        PlaceholderKind::Host => "host",
        PlaceholderKind::Secret => "secret",
        PlaceholderKind::Number => "number",
        PlaceholderKind::Text => "text",
    }
}

impl std::fmt::Display for PlaceholderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(kind_name(*self))
    }
}
