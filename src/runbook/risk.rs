//! The risk classifier: every command is read-only, mutating or destructive, with a
//! reason in words. Rules are data (`risk_rules.toml`, embedded, read by
//! [`super::rules`]); a user file extends them. Compound commands take the highest
//! risk of their parts; commands inside `exec`, `sh -c`, `$(…)` and `xargs` are
//! classified too, and so are the commands `ssh`, `ansible`, `salt`, `sudo`, `su`,
//! `nsenter` and `chroot` carry: theirs is the call's risk. A dry-run option of the
//! program (`--dry-run`, `--check`, `test=True`) makes any call read-only.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Risk;
use serde::Serialize;

use super::args::{self, Parsed};
use super::rules::{Bare, Rule};
use super::shell::{self, Token};
use super::sql;
use super::transcript::is_assignment;

pub use super::rules::{Interactive, Rules, user_rules_path};

const MAX_DEPTH: usize = 8;

/// The classifier's verdict on one command line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    pub risk: Risk,
    pub reason: String,
    pub warnings: Vec<String>,
    /// Programs that no rule knows; their parts were treated as mutating.
    pub unknown: Vec<String>,
    /// What the command does with the operator's terminal, if it needs it.
    pub interactive: Option<Interactive>,
}

impl Classification {
    fn new(risk: Risk, reason: impl Into<String>) -> Classification {
        Classification {
            risk,
            reason: reason.into(),
            warnings: Vec::new(),
            unknown: Vec::new(),
            interactive: None,
        }
    }
}

/// Classifies one command line (a pipeline, chain or script fragment).
pub fn classify(rules: &Rules, command: &str) -> Classification {
    classify_at(rules, command, 0)
}

/// Classifies SQL typed into a database session (a `sql` block, or a statement
/// that follows `psql` in a shell block).
pub fn classify_sql(rules: &Rules, statement: &str) -> Classification {
    let (risk, reason) = sql::classify(rules.sql(), statement);
    Classification::new(risk, reason)
}

fn too_deep() -> Classification {
    Classification::new(
        Risk::Mutating,
        "nested too deeply to read: treated as mutating",
    )
}

fn classify_at(rules: &Rules, command: &str, depth: usize) -> Classification {
    if depth > MAX_DEPTH {
        return too_deep();
    }
    let tokens = shell::tokenize(command);
    let mut parts = Vec::new();
    let mut simple: Vec<Token> = Vec::new();
    for token in tokens {
        match token {
            Token::Operator(_) => {
                if !simple.is_empty() {
                    parts.extend(classify_simple(rules, &simple, depth));
                    simple.clear();
                }
            }
            other => simple.push(other),
        }
    }
    if !simple.is_empty() {
        parts.extend(classify_simple(rules, &simple, depth));
    }
    combine(parts).unwrap_or_else(|| Classification::new(Risk::ReadOnly, "no command to run"))
}

fn combine(parts: Vec<Classification>) -> Option<Classification> {
    let mut iter = parts.into_iter();
    let mut best = iter.next()?;
    for part in iter {
        for w in part.warnings.iter() {
            if !best.warnings.contains(w) {
                best.warnings.push(w.clone());
            }
        }
        for u in part.unknown.iter() {
            if !best.unknown.contains(u) {
                best.unknown.push(u.clone());
            }
        }
        if best.interactive.is_none() {
            best.interactive = part.interactive;
        }
        // On a tie, a real tool's reason says more than `echo`'s or `cd`'s.
        if part.risk > best.risk
            || (part.risk == best.risk && is_filler(&best) && !is_filler(&part))
        {
            best.risk = part.risk;
            best.reason = part.reason;
        }
    }
    Some(best)
}

fn is_filler(c: &Classification) -> bool {
    c.reason.starts_with("shell built-in") || c.reason.starts_with("sets a shell variable")
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac",
];

/// One simple command: its words, redirections and substitutions.
fn classify_simple(rules: &Rules, tokens: &[Token], depth: usize) -> Vec<Classification> {
    let mut parts = Vec::new();
    let mut words = Vec::new();
    let mut stdin = None;
    let mut writes: Vec<String> = Vec::new();
    for token in tokens {
        match token {
            Token::Word {
                text,
                substitutions,
            } => {
                for sub in substitutions {
                    parts.push(classify_at(rules, sub, depth + 1));
                }
                if !(words.is_empty() && text.is_empty() && !substitutions.is_empty()) {
                    words.push(text.clone());
                }
            }
            Token::Redirect { op, target } => match (op.as_str(), target) {
                ("<", Some(file)) => stdin = Some(file.clone()),
                (">" | ">>" | "&>" | "&>>", Some(file)) if !is_null_device(file) => {
                    writes.push(file.clone());
                }
                _ => {}
            },
            Token::Operator(_) => {}
        }
    }
    let mut start = 0;
    while start < words.len() && KEYWORDS.contains(&words[start].as_str()) {
        start += 1;
    }
    let words = &words[start..];
    let mut command = match words.first().map(String::as_str) {
        None | Some("for" | "case" | "select" | "function") => None,
        Some(_) => Some(match words.iter().position(|w| !is_assignment(w)) {
            Some(i) => classify_words(rules, &words[i..], stdin.as_deref(), depth),
            None => {
                Classification::new(Risk::ReadOnly, "sets a shell variable for this shell only")
            }
        }),
    };
    // Writing a local file (`> backup.yaml`) can overwrite one: at least mutating.
    if !writes.is_empty() {
        let files = writes.join(", ");
        command = Some(match command {
            Some(mut c) if c.risk < Risk::Mutating => {
                c.risk = Risk::Mutating;
                c.reason = format!(
                    "{}, and writes the local file {files} (overwriting it)",
                    c.reason
                );
                c
            }
            Some(c) => c,
            None => Classification::new(
                Risk::Mutating,
                format!("writes the local file {files} (overwriting it)"),
            ),
        });
    }
    if let Some(c) = command {
        parts.insert(0, c);
    }
    parts
}

fn is_null_device(file: &str) -> bool {
    matches!(
        file,
        "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty"
    )
}

fn program_name(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

static LUA_CALL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"redis\.p?call\(\s*['"]([A-Za-z]+)['"]"#).ok());

/// The most specific rule of `names` that matches, and the warnings and terminal
/// use of every matching rule that sets no risk.
fn best_rule<'r>(
    rules: &'r Rules,
    names: &[String],
    parsed: &Parsed,
    case_insensitive: bool,
) -> (Option<&'r Rule>, Vec<String>, Option<Interactive>) {
    let mut best: Option<&Rule> = None;
    let mut warnings = Vec::new();
    let mut interactive = None;
    for rule in rules.rules_for(names) {
        if !args::words_match(&rule.words, &parsed.positionals, case_insensitive) {
            continue;
        }
        if !rule.flags.is_empty()
            && !rule
                .flags
                .iter()
                .any(|f| args::flag_matches(f, &parsed.options))
        {
            continue;
        }
        if let Some(w) = &rule.warning
            && !warnings.contains(w)
        {
            warnings.push(w.clone());
        }
        match rule.risk {
            Some(risk) => {
                let better = match best {
                    None => true,
                    Some(b) => {
                        (rule.specificity(), risk)
                            > (b.specificity(), b.risk.unwrap_or(Risk::ReadOnly))
                    }
                };
                if better {
                    best = Some(rule);
                }
            }
            None => interactive = interactive.or(rule.interactive),
        }
    }
    (best, warnings, interactive)
}

fn classify_words(
    rules: &Rules,
    words: &[String],
    stdin: Option<&str>,
    depth: usize,
) -> Classification {
    if depth > MAX_DEPTH {
        return too_deep();
    }
    let Some(first) = words.first() else {
        return Classification::new(Risk::ReadOnly, "no command to run");
    };
    let mut program = program_name(first).to_string();
    let mut args: Vec<String> = words[1..].to_vec();

    if rules.is_wrapper(&program) {
        let rest = rules.wrapped(&program, &words[1..]);
        if !rest.is_empty() {
            return classify_words(rules, rest, stdin, depth + 1);
        }
    }
    if program == "docker" && args.first().map(String::as_str) == Some("compose") {
        program = "docker-compose".into();
        args.remove(0);
    }
    let spec = rules.spec(&program);
    let names = rules.names_of(&program);
    let parsed = args::parse_args(&spec, &args);
    let (best, warnings, loose_interactive) =
        best_rule(rules, &names, &parsed, spec.case_insensitive);

    let mut verdict = match best {
        Some(rule) => Classification {
            risk: rule.risk.unwrap_or(Risk::Mutating),
            reason: rule.reason.clone(),
            warnings,
            unknown: Vec::new(),
            interactive: rule.interactive.or(loose_interactive),
        },
        None => Classification {
            risk: Risk::Mutating,
            reason: format!("unknown command `{program}`: treated as mutating"),
            warnings,
            unknown: vec![program.clone()],
            interactive: loose_interactive,
        },
    };

    // A dry run changes nothing, whatever else the call says.
    if let Some(flag) = args::dry_run(&spec, &parsed) {
        return Classification {
            risk: Risk::ReadOnly,
            reason: format!(
                "`{flag}` makes it a dry run: {program} only shows what it would change"
            ),
            warnings: verdict.warnings,
            unknown: Vec::new(),
            interactive: None,
        };
    }

    // SQL passed on the command line (`psql -c`).
    let sql_texts: Vec<&str> = parsed
        .options
        .iter()
        .filter(|(name, _)| spec.sql_flags.contains(name))
        .filter_map(|(_, v)| v.as_deref())
        .collect();
    if !sql_texts.is_empty() {
        let (risk, reason) = sql::classify(rules.sql(), &sql_texts.join(";"));
        verdict.risk = risk;
        verdict.reason = reason;
        verdict.interactive = None;
    } else if spec.sql_stdin
        && let Some(file) = stdin
    {
        verdict.risk = Risk::Mutating;
        verdict.reason = format!(
            "runs the SQL in {file} (a restore or migration) opsdeck cannot read: treated as mutating"
        );
        verdict.interactive = None;
    }

    // `sh -c '…'`: the script is the command.
    if let Some(script) = parsed
        .options
        .iter()
        .find(|(name, _)| spec.shell_flags.contains(name))
        .and_then(|(_, v)| v.as_deref())
    {
        let inner = classify_at(rules, script, depth + 1);
        verdict = merge_warnings(inner, verdict.warnings);
    }

    // `ansible HOSTS -m shell -a 'cmd'`: the rule names the option holding the command.
    if let Some(rule) = best
        && !rule.command.is_empty()
        && let Some(command) = parsed.option_value(&rule.command)
    {
        let inner = classify_at(rules, command, depth + 1);
        let target = parsed.positionals.first().map(String::as_str).unwrap_or("");
        let reason = format!("{} (run via {program} on {target})", inner.reason);
        verdict = merge_warnings(Classification { reason, ..inner }, verdict.warnings);
    }

    // `redis-cli eval "…redis.call('del'…)…" 0`: judge the script by what it calls.
    if spec.lua_scripts
        && parsed
            .positionals
            .first()
            .is_some_and(|w| w.eq_ignore_ascii_case("eval"))
        && let (Some(script), Some(re)) = (parsed.positionals.get(1), LUA_CALL.as_ref())
    {
        let mut inner: Option<Classification> = None;
        for cap in re.captures_iter(script) {
            let name = cap[1].to_string();
            let call = classify_words(rules, &[program.clone(), name.clone()], None, depth + 1);
            if inner.as_ref().is_none_or(|i| call.risk > i.risk) {
                inner = Some(Classification {
                    reason: format!(
                        "EVAL runs a Lua script that calls {}: {}",
                        name.to_ascii_uppercase(),
                        call.reason
                    ),
                    ..call
                });
            }
        }
        if let Some(inner) = inner {
            verdict = merge_warnings(inner, verdict.warnings);
        }
    }

    // `kubectl exec … -- CMD`, `docker exec CONTAINER CMD`, `ssh HOST CMD`: the inner
    // command decides. An inner "command" starting with an option is an image's
    // arguments, not a command.
    if let (Some(inner_words), Some(exec)) = (
        parsed
            .inner
            .as_ref()
            .filter(|w| w.first().is_some_and(|f| !f.starts_with('-'))),
        parsed.exec.as_ref(),
    ) {
        let inner = if exec.shell {
            classify_at(rules, &inner_words.join(" "), depth + 1)
        } else {
            classify_words(rules, inner_words, stdin, depth + 1)
        };
        if exec.transport {
            let via = std::iter::once(program.as_str())
                .chain(parsed.positionals.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" ");
            let reason = format!("{} (run via {via})", inner.reason);
            verdict = merge_warnings(Classification { reason, ..inner }, verdict.warnings);
        } else if inner.risk >= verdict.risk {
            let via = format!("{program} {}", exec.words);
            let mut warnings = verdict.warnings;
            for w in inner.warnings {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            verdict = Classification {
                risk: inner.risk,
                reason: format!("{} (run via {via})", inner.reason),
                warnings,
                unknown: inner.unknown,
                interactive: inner.interactive.or(verdict.interactive),
            };
        } else {
            verdict.interactive = verdict.interactive.or(inner.interactive);
        }
    }

    // `kubectl exec -it POD` with no command: an interactive shell in the container.
    if let (Some(bare), Some(exec)) = (parsed.bare, parsed.exec.as_ref())
        && verdict.interactive != Some(Interactive::Session)
    {
        let tty = spec.tty_flags.iter().any(|f| parsed.has_option(f));
        if bare == Bare::Session || tty {
            verdict.reason = if verdict.risk < Risk::Mutating {
                format!(
                    "{program} {} without a command opens an interactive shell; what is typed there is not checked",
                    exec.words
                )
            } else {
                format!(
                    "{}, then attaches an interactive shell to it; what is typed there is not checked",
                    verdict.reason
                )
            };
            verdict.risk = verdict.risk.max(Risk::Mutating);
            verdict.interactive = Some(Interactive::Session);
        }
    }
    verdict
}

fn merge_warnings(mut c: Classification, extra: Vec<String>) -> Classification {
    for w in extra {
        if !c.warnings.contains(&w) {
            c.warnings.push(w);
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches() {
        assert!(args::glob("*secret*", "all,configmap,secret"));
        assert!(args::glob("t*", "tzf"));
        assert!(!args::glob("t*", "czf"));
        assert!(args::glob("*:*", "rag7/pod:/data"));
    }

    #[test]
    fn wrapping_beyond_the_depth_limit_is_mutating() {
        let words = std::iter::repeat_n("sudo", 10_000)
            .collect::<Vec<_>>()
            .join(" ");
        let verdict = classify(&Rules::builtin(), &format!("{words} ls"));
        assert_eq!(verdict.risk, Risk::Mutating);
        assert_eq!(
            verdict.reason,
            "nested too deeply to read: treated as mutating"
        );
    }
}
