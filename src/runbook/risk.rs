//! The risk classifier: every command is read-only, mutating or destructive, with a
//! reason in words. Rules are data (`risk_rules.toml`, embedded); a user file
//! extends them. Compound commands take the highest risk of their parts, and
//! commands inside `exec`, `sh -c`, `$(…)` and `xargs` are classified too.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::error::RunbookError;
use super::shell::{self, Token};
use super::sql::{self, SqlRules};

const BUILTIN_RULES: &str = include_str!("risk_rules.toml");
const MAX_DEPTH: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Risk {
    ReadOnly,
    Mutating,
    Destructive,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::ReadOnly => "read-only",
            Risk::Mutating => "mutating",
            Risk::Destructive => "destructive",
        }
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The classifier's verdict on one command line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    pub risk: Risk,
    pub reason: String,
    pub warnings: Vec<String>,
    /// Programs that no rule knows; their parts were treated as mutating.
    pub unknown: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    wrappers: Vec<String>,
    #[serde(default)]
    programs: BTreeMap<String, ProgramSpec>,
    #[serde(default)]
    rules: Vec<toml::Spanned<RuleSpec>>,
    #[serde(default)]
    sql: Option<SqlRules>,
}

/// How to read one program's arguments.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgramSpec {
    #[serde(default)]
    value_flags: Vec<String>,
    #[serde(default)]
    exec: Vec<ExecSpec>,
    #[serde(default)]
    case_insensitive: bool,
    #[serde(default)]
    sql_flags: Vec<String>,
    #[serde(default)]
    sql_stdin: bool,
    #[serde(default)]
    shell_flags: Vec<String>,
    #[serde(default)]
    lua_scripts: bool,
}

impl ProgramSpec {
    fn extend(&mut self, other: ProgramSpec) {
        self.value_flags.extend(other.value_flags);
        self.exec.extend(other.exec);
        self.case_insensitive |= other.case_insensitive;
        self.sql_flags.extend(other.sql_flags);
        self.sql_stdin |= other.sql_stdin;
        self.shell_flags.extend(other.shell_flags);
        self.lua_scripts |= other.lua_scripts;
    }

    fn takes_value(&self, flag: &str) -> bool {
        self.value_flags
            .iter()
            .chain(&self.sql_flags)
            .chain(&self.shell_flags)
            .any(|f| f == flag)
    }
}

/// Where the inner command of `kubectl exec`, `docker exec`… starts: after `--`,
/// or after a number of operands (the container) following the subcommand.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExecSpec {
    words: String,
    after: Option<String>,
    operands: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    program: String,
    #[serde(default)]
    words: String,
    #[serde(default)]
    flags: Vec<String>,
    risk: Option<Risk>,
    reason: Option<String>,
    warning: Option<String>,
}

#[derive(Debug, Clone)]
struct Rule {
    programs: Vec<String>,
    words: Vec<Vec<String>>,
    flags: Vec<(String, Option<String>)>,
    risk: Option<Risk>,
    reason: String,
    warning: Option<String>,
    key: String,
}

impl Rule {
    /// Words weigh most; a flag with a required value (`-o=/dev/null`) beats a bare flag.
    fn specificity(&self) -> usize {
        let flags = if self.flags.is_empty() {
            0
        } else if self.flags.iter().all(|(_, v)| v.is_some()) {
            2
        } else {
            1
        };
        self.words.len() * 3 + flags
    }
}

/// The rule set: built-ins, optionally extended by a user file.
#[derive(Debug, Clone)]
pub struct Rules {
    wrappers: Vec<String>,
    programs: BTreeMap<String, ProgramSpec>,
    rules: Vec<Rule>,
    sql: SqlRules,
}

impl Rules {
    /// The embedded rules. They are tested to parse, so a failure here is a build bug.
    pub fn builtin() -> Rules {
        static BUILTIN: LazyLock<Rules> = LazyLock::new(|| {
            let mut rules = Rules {
                wrappers: Vec::new(),
                programs: BTreeMap::new(),
                rules: Vec::new(),
                sql: SqlRules::default(),
            };
            if let Err(err) =
                rules.extend_from_str(BUILTIN_RULES, Path::new("builtin:risk_rules.toml"))
            {
                // Unreachable for a tested build; fall back to "everything is unknown".
                tracing::error!("built-in risk rules are invalid: {err}");
            }
            rules
        });
        BUILTIN.clone()
    }

    /// Built-ins extended by the file at `path`. A rule with the same program, words
    /// and flags as a built-in one replaces it; other rules are added.
    pub fn with_user_file(path: &Path) -> Result<Rules, RunbookError> {
        let text = std::fs::read_to_string(path).map_err(|err| RunbookError::RulesRead {
            path: path.to_path_buf(),
            reason: err.to_string(),
        })?;
        let mut rules = Rules::builtin();
        rules.extend_from_str(&text, path)?;
        Ok(rules)
    }

    /// Built-ins plus `<config dir>/risk_rules.toml` when that file exists.
    pub fn load_default() -> Result<Rules, RunbookError> {
        let path = user_rules_path();
        if path.exists() {
            Rules::with_user_file(&path)
        } else {
            Ok(Rules::builtin())
        }
    }

    fn extend_from_str(&mut self, text: &str, path: &Path) -> Result<(), RunbookError> {
        let file: RulesFile = toml::from_str(text).map_err(|err| RunbookError::Rules {
            path: path.to_path_buf(),
            line: err
                .span()
                .map(|s| crate::config::error::line_of(text, s.start))
                .unwrap_or(1),
            message: err.message().trim().replace('\n', " "),
        })?;
        for w in file.wrappers {
            if !self.wrappers.contains(&w) {
                self.wrappers.push(w);
            }
        }
        for (name, spec) in file.programs {
            self.programs.entry(name).or_default().extend(spec);
        }
        if let Some(sql) = file.sql {
            self.sql.extend(sql);
        }
        for spanned in file.rules {
            let line = crate::config::error::line_of(text, spanned.span().start);
            let spec = spanned.into_inner();
            let rule = compile_rule(spec).map_err(|message| RunbookError::Rules {
                path: path.to_path_buf(),
                line,
                message,
            })?;
            match self.rules.iter_mut().find(|r| r.key == rule.key) {
                Some(existing) => *existing = rule,
                None => self.rules.push(rule),
            }
        }
        Ok(())
    }

    /// Every program some rule names, for telling commands from prose.
    pub fn knows_program(&self, program: &str) -> bool {
        let program = program.rsplit('/').next().unwrap_or(program);
        program == "docker-compose"
            || self.wrappers.iter().any(|w| w == program)
            || self
                .rules
                .iter()
                .any(|r| r.programs.iter().any(|p| p == program))
    }

    pub(crate) fn sql(&self) -> &SqlRules {
        &self.sql
    }
}

/// `<config dir>/risk_rules.toml`.
pub fn user_rules_path() -> PathBuf {
    crate::config::Paths::discover()
        .config_dir
        .join("risk_rules.toml")
}

fn compile_rule(spec: RuleSpec) -> Result<Rule, String> {
    if spec.risk.is_none() && spec.warning.is_none() {
        return Err(format!(
            "rule for `{}` has neither `risk` nor `warning`; add one",
            spec.program
        ));
    }
    if spec.risk.is_some() && spec.reason.as_deref().is_none_or(str::is_empty) {
        return Err(format!(
            "rule for `{}` sets a risk without a `reason`; say why in words",
            spec.program
        ));
    }
    let programs: Vec<String> = spec.program.split('|').map(str::to_string).collect();
    let words: Vec<Vec<String>> = spec
        .words
        .split_whitespace()
        .map(|w| w.split('|').map(str::to_string).collect())
        .collect();
    let flags = spec
        .flags
        .iter()
        .map(|f| match f.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (f.clone(), None),
        })
        .collect();
    let mut sorted_flags = spec.flags.clone();
    sorted_flags.sort();
    let key = format!(
        "{}\u{1}{}\u{1}{}\u{1}{}",
        spec.program,
        spec.words.split_whitespace().collect::<Vec<_>>().join(" "),
        sorted_flags.join(","),
        spec.risk.is_some()
    );
    Ok(Rule {
        programs,
        words,
        flags,
        risk: spec.risk,
        reason: spec.reason.unwrap_or_default(),
        warning: spec.warning,
        key,
    })
}

/// Classifies one command line (a pipeline, chain or script fragment).
pub fn classify(rules: &Rules, command: &str) -> Classification {
    classify_at(rules, command, 0)
}

/// Classifies SQL typed into a database session (a `sql` block, or a statement
/// that follows `psql` in a shell block).
pub fn classify_sql(rules: &Rules, statement: &str) -> Classification {
    let (risk, reason) = sql::classify(&rules.sql, statement);
    Classification {
        risk,
        reason,
        warnings: Vec::new(),
        unknown: Vec::new(),
    }
}

fn classify_at(rules: &Rules, command: &str, depth: usize) -> Classification {
    if depth > MAX_DEPTH {
        return Classification {
            risk: Risk::Mutating,
            reason: "nested too deeply to read: treated as mutating".into(),
            warnings: Vec::new(),
            unknown: Vec::new(),
        };
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
    combine(parts).unwrap_or_else(|| Classification {
        risk: Risk::ReadOnly,
        reason: "no command to run".into(),
        warnings: Vec::new(),
        unknown: Vec::new(),
    })
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

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

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
            None => Classification {
                risk: Risk::ReadOnly,
                reason: "sets a shell variable for this shell only".into(),
                warnings: Vec::new(),
                unknown: Vec::new(),
            },
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
            None => Classification {
                risk: Risk::Mutating,
                reason: format!("writes the local file {files} (overwriting it)"),
                warnings: Vec::new(),
                unknown: Vec::new(),
            },
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

#[derive(Debug, Default)]
struct Parsed {
    positionals: Vec<String>,
    options: Vec<(String, Option<String>)>,
    inner: Option<Vec<String>>,
    exec_words: String,
}

fn word_matches(pattern: &str, word: &str, case_insensitive: bool) -> bool {
    if pattern == "*" {
        return true;
    }
    let (p, w) = if case_insensitive {
        (pattern.to_ascii_lowercase(), word.to_ascii_lowercase())
    } else {
        (pattern.to_string(), word.to_string())
    };
    if !p.contains('*') {
        return p == w;
    }
    glob(&p, &w)
}

fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

fn words_match(pattern: &[Vec<String>], words: &[String], ci: bool) -> bool {
    pattern.len() <= words.len()
        && pattern
            .iter()
            .zip(words)
            .all(|(alts, w)| alts.iter().any(|a| word_matches(a, w, ci)))
}

fn parse_args(spec: &ProgramSpec, args: &[String]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            let rest: Vec<String> = args[i + 1..].to_vec();
            let exec = spec.exec.iter().find(|e| {
                e.after.as_deref() == Some("--") && exec_words_match(e, &parsed.positionals)
            });
            if let Some(e) = exec {
                parsed.exec_words = e.words.clone();
                parsed.inner = Some(rest);
            } else {
                parsed.positionals.extend(rest);
            }
            return parsed;
        }
        if arg.len() > 1 && arg.starts_with('-') {
            if let Some((name, value)) = arg.split_once('=').filter(|_| arg.starts_with("--")) {
                parsed
                    .options
                    .push((name.to_string(), Some(value.to_string())));
            } else if spec.takes_value(arg) {
                parsed.options.push((arg.clone(), args.get(i + 1).cloned()));
                i += 1;
            } else if let Some(flag) = spec.value_flags.iter().find(|f| {
                f.len() == 2
                    && arg.len() > 2
                    && !arg.starts_with("--")
                    && arg.starts_with(f.as_str())
            }) {
                parsed.options.push((
                    flag.clone(),
                    Some(arg[2..].trim_start_matches('=').to_string()),
                ));
            } else if let Some((name, value)) = arg.split_once('=') {
                parsed
                    .options
                    .push((name.to_string(), Some(value.to_string())));
            } else {
                parsed.options.push((arg.clone(), None));
            }
            i += 1;
            continue;
        }
        parsed.positionals.push(arg.clone());
        i += 1;
        let exec = spec.exec.iter().find(|e| {
            e.operands.is_some_and(|n| {
                let ew = e.words.split_whitespace().count();
                parsed.positionals.len() == ew + n && exec_words_match(e, &parsed.positionals)
            })
        });
        if let Some(e) = exec {
            parsed.exec_words = e.words.clone();
            parsed.inner = Some(args[i..].to_vec());
            return parsed;
        }
    }
    parsed
}

fn exec_words_match(exec: &ExecSpec, positionals: &[String]) -> bool {
    let words: Vec<&str> = exec.words.split_whitespace().collect();
    positionals.len() >= words.len() && words.iter().zip(positionals).all(|(a, b)| *a == b)
}

fn flag_matches(flag: &(String, Option<String>), options: &[(String, Option<String>)]) -> bool {
    options.iter().any(|(name, value)| {
        name == &flag.0
            && match &flag.1 {
                None => true,
                Some(want) => value.as_deref().is_some_and(|v| {
                    v.eq_ignore_ascii_case(want) || v.starts_with(&format!("{want}="))
                }),
            }
    })
}

static LUA_CALL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"redis\.p?call\(\s*['"]([A-Za-z]+)['"]"#).ok());

fn classify_words(
    rules: &Rules,
    words: &[String],
    stdin: Option<&str>,
    depth: usize,
) -> Classification {
    let Some(first) = words.first() else {
        return Classification {
            risk: Risk::ReadOnly,
            reason: "no command to run".into(),
            warnings: Vec::new(),
            unknown: Vec::new(),
        };
    };
    let mut program = program_name(first).to_string();
    let mut args: Vec<String> = words[1..].to_vec();

    if rules.wrappers.contains(&program) {
        let mut rest = &words[1..];
        while let Some(w) = rest.first() {
            let is_option = w.starts_with('-');
            let takes_value = matches!(
                w.as_str(),
                "-u" | "-g" | "-n" | "-s" | "-k" | "-I" | "-d" | "-P" | "-L"
            );
            if is_option {
                rest = &rest[if takes_value { 2.min(rest.len()) } else { 1 }..];
            } else if is_assignment(w)
                || (program == "timeout" && w.starts_with(|c: char| c.is_ascii_digit()))
            {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        if !rest.is_empty() {
            return classify_words(rules, rest, stdin, depth + 1);
        }
    }
    if program == "docker" && args.first().map(String::as_str) == Some("compose") {
        program = "docker-compose".into();
        args.remove(0);
    }
    let spec = rules.programs.get(&program).cloned().unwrap_or_default();
    let parsed = parse_args(&spec, &args);

    let mut best: Option<&Rule> = None;
    let mut warnings = Vec::new();
    for rule in &rules.rules {
        if !rule.programs.contains(&program) {
            continue;
        }
        if !words_match(&rule.words, &parsed.positionals, spec.case_insensitive) {
            continue;
        }
        if !rule.flags.is_empty() && !rule.flags.iter().any(|f| flag_matches(f, &parsed.options)) {
            continue;
        }
        if let Some(w) = &rule.warning
            && !warnings.contains(w)
        {
            warnings.push(w.clone());
        }
        if let Some(risk) = rule.risk {
            let better = match best {
                None => true,
                Some(b) => {
                    (rule.specificity(), risk) > (b.specificity(), b.risk.unwrap_or(Risk::ReadOnly))
                }
            };
            if better {
                best = Some(rule);
            }
        }
    }

    let mut verdict = match best {
        Some(rule) => Classification {
            risk: rule.risk.unwrap_or(Risk::Mutating),
            reason: rule.reason.clone(),
            warnings,
            unknown: Vec::new(),
        },
        None => Classification {
            risk: Risk::Mutating,
            reason: format!("unknown command `{program}`: treated as mutating"),
            warnings,
            unknown: vec![program.clone()],
        },
    };

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
    } else if spec.sql_stdin
        && let Some(file) = stdin
    {
        verdict.risk = Risk::Mutating;
        verdict.reason = format!(
            "runs the SQL in {file} (a restore or migration) opsdeck cannot read: treated as mutating"
        );
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

    // `kubectl exec … -- CMD`, `docker exec CONTAINER CMD`: the inner command decides.
    // An inner "command" starting with an option is an image's arguments, not a command.
    if let Some(inner_words) = parsed
        .inner
        .as_ref()
        .filter(|w| w.first().is_some_and(|f| !f.starts_with('-')))
    {
        let inner = classify_words(rules, inner_words, stdin, depth + 1);
        let via = format!("{program} {}", parsed.exec_words);
        if inner.risk >= verdict.risk {
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
            };
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
    fn builtin_rules_parse() {
        let mut rules = Rules {
            wrappers: Vec::new(),
            programs: BTreeMap::new(),
            rules: Vec::new(),
            sql: SqlRules::default(),
        };
        rules
            .extend_from_str(BUILTIN_RULES, Path::new("risk_rules.toml"))
            .unwrap();
        assert!(rules.rules.len() > 100);
    }

    #[test]
    fn glob_matches() {
        assert!(glob("*secret*", "all,configmap,secret"));
        assert!(glob("t*", "tzf"));
        assert!(!glob("t*", "czf"));
        assert!(glob("*:*", "rag7/pod:/data"));
    }
}
