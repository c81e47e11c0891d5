//! Secret masking: the one stage every byte passes before it is stored,
//! exported or logged (timeline, export, saved logs, the log file), and what
//! the wizard's output shows until the operator reveals it.
//!
//! What is masked:
//! - the values of a Secret's `data` / `stringData`, in YAML or JSON output
//!   (the `kind` may come after the `data` block, so its lines are held back
//!   until the object says what it is; an object that never says is masked);
//! - `KEY=value` and `KEY: value` where the key looks secret (`*PASSWORD*`,
//!   `*PASSWD*`, `*TOKEN*`, `*SECRET*`, `*_KEY`, `AUTH*`), and the `value:` of
//!   an env entry whose `name:` looks secret;
//! - `redis-cli -a <pass>`, and the password of a URL (`postgresql://user:pass@`);
//! - every value typed into a secret placeholder, and its base64 forms.
//!
//! Typed values are kept in memory for the life of the process (never on
//! disk), so every sink masks them whichever way a text reaches it.

use std::sync::{LazyLock, Mutex};

use regex::Regex;

/// What stands in for a secret everywhere it could be seen.
pub const MASK: &str = "••••••";

/// Lines held back waiting for a Secret's `kind`, at most; past this the
/// held block is masked.
const HOLD_LIMIT: usize = 5_000;

static KNOWN: LazyLock<Mutex<Vec<String>>> = LazyLock::new(|| Mutex::new(Vec::new()));

/// Registers a value typed into a secret placeholder (and its base64 forms)
/// so every sink masks it from now on.
pub fn remember(value: &str) {
    if value.is_empty() {
        return;
    }
    let forms = forms(value);
    let Ok(mut known) = KNOWN.lock() else {
        return;
    };
    for f in forms {
        if !known.contains(&f) {
            known.push(f);
        }
    }
    known.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// A secret value and the forms it is printed in: as is, and base64 (a
/// Secret's `data`), with and without padding.
pub fn forms(value: &str) -> Vec<String> {
    let mut out = vec![value.to_string()];
    if value.len() >= 4 {
        let b = base64(value.as_bytes());
        out.push(b.trim_end_matches('=').to_string());
        out.push(b);
    }
    out
}

/// Replaces each secret value (in each of its forms) in `text`.
pub fn mask_values(text: &str, values: &[String]) -> String {
    let mut all: Vec<String> = values
        .iter()
        .filter(|v| !v.is_empty())
        .flat_map(|v| forms(v))
        .collect();
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for v in all {
        if out.contains(v.as_str()) {
            out = out.replace(v.as_str(), MASK);
        }
    }
    out
}

/// The registered secret values, longest first.
pub fn known() -> Vec<String> {
    KNOWN.lock().map(|k| k.clone()).unwrap_or_default()
}

/// Masks a whole text (one line or many) with the registered values.
pub fn scrub(text: &str) -> String {
    let known = known();
    let mut m = Masker::new(&known);
    let mut out: Vec<String> = Vec::new();
    for line in text.split('\n') {
        out.extend(m.push(line).into_iter().map(|(masked, _)| masked));
    }
    out.extend(m.finish().into_iter().map(|(masked, _)| masked));
    out.join("\n")
}

/// Masks lines that belong together (a command's output) as one stream.
pub fn scrub_lines(lines: &[String]) -> Vec<String> {
    let known = known();
    let mut m = Masker::new(&known);
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        out.extend(m.push(l).into_iter().map(|(masked, _)| masked));
    }
    out.extend(m.finish().into_iter().map(|(masked, _)| masked));
    out
}

/// Whether a command prints secret values: it needs `y`, not a plain Enter.
pub fn prints_secrets(command: &str) -> Option<&'static str> {
    let words: Vec<String> = shlex::split(command)
        .unwrap_or_else(|| command.split_whitespace().map(str::to_owned).collect());
    let has = |w: &str| words.iter().any(|x| x == w);
    let output_flag = words.iter().enumerate().any(|(i, w)| {
        let fmt = if w == "-o" || w == "--output" {
            words.get(i + 1).map(String::as_str).unwrap_or("")
        } else if let Some(f) = w.strip_prefix("--output=") {
            f
        } else if let Some(f) = w.strip_prefix("-o") {
            f.trim_start_matches('=')
        } else {
            return false;
        };
        ["yaml", "json", "jsonpath", "go-template", "template"]
            .iter()
            .any(|k| fmt.starts_with(k))
    });
    let secret_kind = words.iter().any(|w| {
        let w = w.to_lowercase();
        w == "secret"
            || w == "secrets"
            || w.starts_with("secret/")
            || w.starts_with("secrets/")
            || w.split(',').any(|p| p == "secret" || p == "secrets")
    });
    if has("get") && secret_kind && output_flag {
        return Some("it prints a Secret's values");
    }
    if words
        .iter()
        .any(|w| w == "printenv" || w.ends_with("/printenv"))
    {
        return Some("it prints the environment, which holds passwords and keys");
    }
    if words.last().is_some_and(|w| w == "env") && !has("--help") {
        return Some("it prints the environment, which holds passwords and keys");
    }
    if (has("cat") || has("less") || has("more") || has("head") || has("tail"))
        && words
            .iter()
            .any(|w| w == ".env" || w.ends_with("/.env") || w.ends_with(".env"))
    {
        return Some("it prints a .env file, which holds passwords and keys");
    }
    if has("docker") && has("inspect") {
        return Some("docker inspect prints the container's environment");
    }
    None
}

static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?P<key>\b[a-z0-9_.-]*(?:password|passwd|token|secret)[a-z0-9_.-]*|\b[a-z0-9_.-]*_key|\bauth[a-z0-9_.-]*)(?P<q>["']?)(?P<sep>\s*[=:]\s*)(?P<value>"[^"]*"|'[^']*'|\S.*)"#,
    )
    .expect("a valid regex")
});

static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/\s@]*:)(?P<pass>[^@\s/]+)@")
        .expect("a valid regex")
});

static REDIS_PASS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?P<head>\bredis-cli\b.*?\s(?:-a|--pass)\s+)(?P<pass>"[^"]*"|'[^']*'|\S+)"#)
        .expect("a valid regex")
});

static JSON_SECRET_DATA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""(?:data|stringData)"\s*:\s*\{[^}]*\}"#).expect("a valid regex")
});

static JSON_PAIR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?P<k>"[^"]*"\s*:\s*)"[^"]*""#).expect("a valid regex"));

static KIND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:- )?"?kind"?\s*:\s*"?(?P<kind>[A-Za-z]+)"?,?\s*$"#).expect("a valid regex")
});

static BLOCK_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:- )?(?:(?:data|stringData):\s*$|"(?:data|stringData)"\s*:\s*\{\s*$)"#)
        .expect("a valid regex")
});

static ENV_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:- )?"?name"?\s*:\s*"?(?P<name>[A-Za-z0-9_.-]+)"?,?\s*$"#)
        .expect("a valid regex")
});

/// A Secret `data` block whose object has not said its kind yet.
#[derive(Clone)]
struct Held {
    /// Indent of the keys of the object that holds the block.
    indent: usize,
    json: bool,
    /// Raw lines, and whether each is inside the data block.
    lines: Vec<(String, bool)>,
    /// Still inside the block (not yet past its end).
    open: bool,
}

/// A decided block being streamed: its values masked or not.
#[derive(Clone)]
struct Open {
    indent: usize,
    json: bool,
    secret: bool,
}

/// Masks a stream of lines. `push` may hold lines back (a Secret's data
/// before its kind is known); `finish` gives back what is left. Each line
/// comes out as (masked, raw).
#[derive(Clone)]
pub struct Masker {
    known: Vec<String>,
    held: Option<Held>,
    open: Option<Open>,
    /// `kind` lines seen, by key indent, for the object being read.
    kinds: Vec<(usize, String)>,
    /// The next `value:` at this indent belongs to a secret-looking env name.
    env_value: Option<usize>,
}

impl std::fmt::Debug for Masker {
    // Never the values it masks, nor the lines it holds.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masker")
            .field("known", &self.known.len())
            .field("held", &self.held.as_ref().map_or(0, |h| h.lines.len()))
            .finish()
    }
}

impl Masker {
    pub fn new(known: &[String]) -> Masker {
        let mut known: Vec<String> = known
            .iter()
            .filter(|s| !s.is_empty())
            .flat_map(|s| forms(s))
            .collect();
        known.sort_by_key(|s| std::cmp::Reverse(s.len()));
        known.dedup();
        Masker {
            known,
            held: None,
            open: None,
            kinds: Vec::new(),
            env_value: None,
        }
    }

    pub fn push(&mut self, line: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        self.push_into(line, &mut out);
        out
    }

    /// The lines still held: masked, since their object never said it is not a Secret.
    pub fn finish(&mut self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(h) = self.held.take() {
            self.release(h, true, &mut out);
        }
        out
    }

    fn push_into(&mut self, line: &str, out: &mut Vec<(String, String)>) {
        let (indent, key_indent) = indents(line);
        let blank = line.trim().is_empty();
        if let Some(mut h) = self.held.take() {
            if h.open {
                let inside = blank || block_continues(line, indent, h.indent, h.json);
                if inside {
                    let closes = h.json && indent == h.indent && line.trim_start().starts_with('}');
                    h.lines.push((line.to_string(), true));
                    if closes {
                        h.open = false;
                    }
                    self.hold_or_release(h, out);
                    return;
                }
                h.open = false;
            }
            // Siblings of the block: wait for the object's kind.
            if !blank && key_indent == h.indent && !line.trim_start().starts_with("- ") {
                if let Some(kind) = kind_of(line) {
                    let secret = kind == "Secret";
                    h.lines.push((line.to_string(), false));
                    self.kinds.push((key_indent, kind));
                    self.release(h, secret, out);
                    return;
                }
                h.lines.push((line.to_string(), false));
                self.hold_or_release(h, out);
                return;
            }
            if !blank && (key_indent < h.indent || line.trim_start().starts_with("- ")) {
                // The object ended without a kind: mask, then read this line afresh.
                self.release(h, true, out);
            } else {
                h.lines.push((line.to_string(), false));
                self.hold_or_release(h, out);
                return;
            }
        }
        if let Some(o) = self.open.take()
            && (blank || block_continues(line, indent, o.indent, o.json))
        {
            let closes = o.json && indent == o.indent && line.trim_start().starts_with('}');
            let masked = if o.secret {
                mask_block_line(line)
            } else {
                self.mask_line(line)
            };
            out.push((masked, line.to_string()));
            if !closes {
                self.open = Some(o);
            }
            return;
        }
        if !blank {
            // Kinds of objects that ended are forgotten.
            let starts_item = line.trim_start().starts_with("- ");
            self.kinds
                .retain(|(i, _)| *i < key_indent || (*i == key_indent && !starts_item));
        }
        if let Some(kind) = kind_of(line) {
            self.kinds.push((key_indent, kind));
        }
        if BLOCK_START.is_match(line) {
            let json = line.trim_end().ends_with('{');
            let masked = self.mask_line(line);
            out.push((masked, line.to_string()));
            match self.kinds.iter().rev().find(|(i, _)| *i == key_indent) {
                Some((_, kind)) => {
                    self.open = Some(Open {
                        indent: key_indent,
                        json,
                        secret: kind == "Secret",
                    })
                }
                None => {
                    self.held = Some(Held {
                        indent: key_indent,
                        json,
                        lines: Vec::new(),
                        open: true,
                    })
                }
            }
            return;
        }
        let masked = self.mask_line(line);
        out.push((masked, line.to_string()));
    }

    fn hold_or_release(&mut self, h: Held, out: &mut Vec<(String, String)>) {
        if h.lines.len() >= HOLD_LIMIT {
            self.release(h, true, out);
        } else {
            self.held = Some(h);
        }
    }

    fn release(&mut self, h: Held, secret: bool, out: &mut Vec<(String, String)>) {
        for (line, in_block) in h.lines {
            let masked = if in_block && secret {
                mask_block_line(&line)
            } else {
                self.mask_line(&line)
            };
            out.push((masked, line));
        }
    }

    /// The rules that need no context beyond the line (and the env name before it).
    fn mask_line(&mut self, line: &str) -> String {
        let mut s = line.to_string();
        for k in &self.known {
            if s.contains(k.as_str()) {
                s = s.replace(k.as_str(), MASK);
            }
        }
        let (_, key_indent) = indents(line);
        if let Some(i) = self.env_value.take()
            && key_indent == i
            && let Some(pos) = s.find("value:")
        {
            let rest = s[pos + "value:".len()..].trim();
            if !rest.is_empty() {
                s = format!("{}value: {MASK}", &s[..pos]);
            }
        }
        if let Some(c) = ENV_NAME.captures(line)
            && looks_secret(&c["name"])
        {
            self.env_value = Some(key_indent);
        }
        if s.contains("\"Secret\"") && s.contains("\"kind\"") {
            s = JSON_SECRET_DATA
                .replace_all(&s, |c: &regex::Captures| {
                    JSON_PAIR
                        .replace_all(&c[0], |p: &regex::Captures| {
                            format!("{}\"{MASK}\"", &p["k"])
                        })
                        .into_owned()
                })
                .into_owned();
        }
        if s.contains("://") {
            s = URL_PASSWORD
                .replace_all(&s, |c: &regex::Captures| format!("{}{MASK}@", &c["head"]))
                .into_owned();
        }
        if s.contains("redis-cli") {
            s = REDIS_PASS
                .replace_all(&s, |c: &regex::Captures| format!("{}{MASK}", &c["head"]))
                .into_owned();
        }
        KEY_VALUE
            .replace_all(&s, |c: &regex::Captures| {
                let value = &c["value"];
                let key = &c["key"];
                if value.starts_with(MASK)
                    || value.trim_matches(['"', '\'']).starts_with(MASK)
                    || key.eq_ignore_ascii_case("author")
                    || value.trim() == "|"
                    || value.trim() == ">"
                {
                    return c[0].to_string();
                }
                let masked = if value.starts_with('"') {
                    format!("\"{MASK}\"")
                } else if value.starts_with('\'') {
                    format!("'{MASK}'")
                } else if c["sep"].contains('=') {
                    // `KEY=value rest`: the value is one word.
                    let end = value.find(char::is_whitespace).unwrap_or(value.len());
                    format!("{MASK}{}", &value[end..])
                } else {
                    // JSON: keep the comma that ends the pair.
                    if value.trim_end().ends_with(',') {
                        format!("{MASK},")
                    } else {
                        MASK.to_string()
                    }
                };
                format!("{key}{}{}{masked}", &c["q"], &c["sep"])
            })
            .into_owned()
    }
}

/// (indent, key indent): `- key:` has its key two columns further in.
fn indents(line: &str) -> (usize, usize) {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let key = if line[indent..].starts_with("- ") {
        indent + 2
    } else {
        indent
    };
    (indent, key)
}

fn block_continues(line: &str, indent: usize, block_indent: usize, json: bool) -> bool {
    if json {
        indent > block_indent || (indent == block_indent && line.trim_start().starts_with('}'))
    } else {
        indent > block_indent
    }
}

fn kind_of(line: &str) -> Option<String> {
    KIND.captures(line).map(|c| c["kind"].to_string())
}

fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("password")
        || k.contains("passwd")
        || k.contains("token")
        || k.contains("secret")
        || k.ends_with("_key")
        || (k.starts_with("auth") && k != "author")
}

/// One line of a Secret's data block, its value masked.
fn mask_block_line(line: &str) -> String {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    if trimmed.is_empty() || trimmed.starts_with('}') {
        return line.to_string();
    }
    if let Some(c) = JSON_PAIR.captures(trimmed) {
        let comma = if trimmed.trim_end().ends_with(',') {
            ","
        } else {
            ""
        };
        return format!("{indent}{}\"{MASK}\"{comma}", &c["k"]);
    }
    if let Some((key, value)) = trimmed.split_once(':') {
        let v = value.trim();
        if v.is_empty() || v == "|" || v == ">" || v == "|-" || v == ">-" {
            return line.to_string();
        }
        return format!("{indent}{key}: {MASK}");
    }
    format!("{indent}{MASK}")
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> String {
        let mut m = Masker::new(&[]);
        let mut out = Vec::new();
        for l in text.lines() {
            out.extend(m.push(l).into_iter().map(|x| x.0));
        }
        out.extend(m.finish().into_iter().map(|x| x.0));
        out.join("\n")
    }

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b"sim-not-a-secret"), "c2ltLW5vdC1hLXNlY3JldA==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }

    #[test]
    fn secret_yaml_data_is_masked_though_kind_comes_after() {
        let yaml = "apiVersion: v1\ndata:\n  OPENAI_API_KEY: c2stc2ltLXBsYWNlaG9sZGVy\n  DB_URL: c2ltLW5vdC1hLXNlY3JldA==\nkind: Secret\nmetadata:\n  name: langgraph-secrets\ntype: Opaque";
        let out = all(yaml);
        assert!(!out.contains("c2st"), "{out}");
        assert!(!out.contains("c2ltLW5v"), "{out}");
        assert!(out.contains("  DB_URL: ••••••"), "{out}");
        assert!(out.contains("name: langgraph-secrets"), "{out}");
    }

    #[test]
    fn configmap_data_stays_readable() {
        let yaml = "apiVersion: v1\ndata:\n  POSTGRES_URI: postgresql://app@postgres:5433/app\n  MODE: prod\nkind: ConfigMap\n";
        let out = all(yaml);
        assert!(out.contains("MODE: prod"), "{out}");
        assert!(out.contains(":5433/"), "{out}");
    }

    #[test]
    fn secret_json_data_and_lists_are_masked() {
        let json = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n        {\n            \"data\": {\n                \"A\": \"c2VjcmV0\",\n                \"B\": \"eHl6\"\n            },\n            \"kind\": \"Secret\"\n        },\n        {\n            \"data\": {\n                \"C\": \"visible\"\n            },\n            \"kind\": \"ConfigMap\"\n        }\n    ]\n}";
        let out = all(json);
        assert!(!out.contains("c2VjcmV0") && !out.contains("eHl6"), "{out}");
        assert!(out.contains("\"visible\""), "{out}");
        let one = r#"{"apiVersion":"v1","data":{"A":"c2VjcmV0"},"kind":"Secret"}"#;
        assert!(!all(one).contains("c2VjcmV0"));
    }

    #[test]
    fn a_data_block_whose_object_never_says_is_masked() {
        assert!(!all("data:\n  X: c2VjcmV0").contains("c2VjcmV0"));
    }

    #[test]
    fn secret_looking_keys_urls_and_redis_passwords() {
        for (line, gone, kept) in [
            ("POSTGRES_PASSWORD=hunter2 next", "hunter2", "next"),
            ("  api_token: abc123", "abc123", "api_token"),
            ("export OPENAI_API_KEY='sk-1'", "sk-1", "OPENAI_API_KEY"),
            ("\"client_secret\": \"s3cr3t\",", "s3cr3t", "client_secret"),
            ("Authorization: Bearer eyJabc", "eyJabc", "Authorization"),
            (
                "postgresql://app:pa55word@db:5432/x",
                "pa55word",
                "@db:5432",
            ),
            ("redis-cli -h redis -a hunter2 ping", "hunter2", "ping"),
            ("--password=hunter2", "hunter2", "--password"),
        ] {
            let out = all(line);
            assert!(!out.contains(gone), "{line} → {out}");
            assert!(out.contains(kept), "{line} → {out}");
        }
        assert_eq!(all("author: Ada"), "author: Ada");
        assert_eq!(all("secretName: "), "secretName: ");
    }

    #[test]
    fn env_values_under_a_secret_name_are_masked() {
        let yaml = "    env:\n    - name: POSTGRES_PASSWORD\n      value: hunter2\n    - name: MODE\n      value: prod";
        let out = all(yaml);
        assert!(!out.contains("hunter2"), "{out}");
        assert!(out.contains("value: prod"), "{out}");
    }

    #[test]
    fn known_values_and_their_base64_are_masked() {
        let mut m = Masker::new(&["Tr0ub4dor".to_string(), base64(b"Tr0ub4dor")]);
        let out = m.push(&format!("x Tr0ub4dor y {}", base64(b"Tr0ub4dor")));
        assert_eq!(out[0].0, "x •••••• y ••••••");
        assert!(out[0].1.contains("Tr0ub4dor"));
    }

    #[test]
    fn commands_that_print_secrets() {
        for c in [
            "kubectl get secret langgraph-secrets -n rag7 -o yaml",
            "kubectl get secrets -ojson",
            "kubectl get all,configmap,secret -n rag7 -o yaml",
            "kubectl exec deploy/x -- printenv",
            "docker exec x env",
            "cat .env",
            "docker inspect web",
        ] {
            assert!(prints_secrets(c).is_some(), "{c}");
        }
        for c in [
            "kubectl get secret -n rag7",
            "kubectl describe secret x",
            "kubectl get pods -o yaml",
            "cat README.md",
        ] {
            assert!(prints_secrets(c).is_none(), "{c}");
        }
    }
}
