//! The risk rules file (`risk_rules.toml`, embedded; `<config dir>/risk_rules.toml`
//! extends it): how to read each program's arguments, and the rules that give a
//! call its risk. See the file's header for the format.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::error::RunbookError;
use super::sql::SqlRules;
use crate::model::Risk;

const BUILTIN_RULES: &str = include_str!("risk_rules.toml");

/// Generic value-taking options of wrappers that have no `[programs.NAME]` entry
/// (`nice -n 10`, `timeout -s KILL`, `xargs -I {}`).
const WRAPPER_VALUE_FLAGS: &[&str] = &["-u", "-g", "-n", "-s", "-k", "-I", "-d", "-P", "-L"];

/// What a command does with the operator's terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interactive {
    /// Opens an editor (`kubectl edit`, `vi FILE`): lines under it are what to change.
    Editor,
    /// Opens a shell or REPL (`ssh HOST`, `kubectl debug node/…`, `chroot DIR`):
    /// lines under it are typed there, until `exit`.
    Session,
    /// Opens a database session (`psql`): SQL under it is typed there.
    Sql,
    /// Takes over the screen (`top`, `less`).
    Terminal,
}

impl fmt::Display for Interactive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Interactive::Editor => "opens an editor",
            Interactive::Session => "opens an interactive session",
            Interactive::Sql => "opens an interactive database session",
            Interactive::Terminal => "takes over the screen",
        })
    }
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
pub(super) struct ProgramSpec {
    #[serde(default)]
    pub value_flags: Vec<String>,
    #[serde(default)]
    pub exec: Vec<ExecSpec>,
    #[serde(default)]
    pub case_insensitive: bool,
    #[serde(default)]
    pub sql_flags: Vec<String>,
    #[serde(default)]
    pub sql_stdin: bool,
    #[serde(default)]
    pub shell_flags: Vec<String>,
    #[serde(default)]
    pub lua_scripts: bool,
    /// Options (`--dry-run`, `--check`, `-C`) or words (`test=True`) that make any
    /// call a dry run. `--dry-run` alone matches any value but `none` and `false`.
    #[serde(default)]
    pub dry_run: Vec<String>,
    /// Options that attach the terminal (`-it`), for `bare = "tty"` exec entries.
    #[serde(default)]
    pub tty_flags: Vec<String>,
    /// For wrappers: operands before the wrapped command (`chroot DIR cmd`: 1).
    #[serde(default)]
    pub operands: usize,
    /// Read this program as another one (`oc` as `kubectl`): its spec and rules
    /// apply, after this program's own.
    #[serde(default)]
    pub same_as: Option<String>,
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
        self.dry_run.extend(other.dry_run);
        self.tty_flags.extend(other.tty_flags);
        self.operands = self.operands.max(other.operands);
        if other.same_as.is_some() {
            self.same_as = other.same_as;
        }
    }

    pub fn takes_value(&self, flag: &str) -> bool {
        self.value_flags
            .iter()
            .chain(&self.sql_flags)
            .chain(&self.shell_flags)
            .any(|f| f == flag)
    }
}

/// What a call whose inner command is missing does (`kubectl exec -it POD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum Bare {
    /// Opens an interactive shell.
    Session,
    /// Opens one only with a `tty_flags` option (`kubectl debug node/x -it`).
    Tty,
}

/// Where the inner command of `kubectl exec`, `ssh HOST`… starts: after `--`, or
/// after a number of operands following the words (`docker exec CONTAINER CMD`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExecSpec {
    /// The first positional words, like a rule's `words` (`a|b`, `*`).
    pub words: String,
    pub after: Option<String>,
    pub operands: Option<usize>,
    /// The inner words are one shell command line, as `ssh HOST 'cmd'` sends it.
    #[serde(default)]
    pub shell: bool,
    /// The program only carries the inner command elsewhere (`ssh`, `salt`): the
    /// inner command's risk is the call's, lower or higher.
    #[serde(default)]
    pub transport: bool,
    pub bare: Option<Bare>,
}

impl ExecSpec {
    pub fn word_patterns(&self) -> Vec<Vec<String>> {
        split_words(&self.words)
    }
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
    interactive: Option<Interactive>,
    command: Option<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Rule {
    pub programs: Vec<String>,
    pub words: Vec<Vec<String>>,
    pub flags: Vec<(String, Option<String>)>,
    pub risk: Option<Risk>,
    pub reason: String,
    pub warning: Option<String>,
    pub interactive: Option<Interactive>,
    /// Options whose value is the command the call runs (`ansible -a`).
    pub command: Vec<String>,
    key: String,
}

impl Rule {
    /// Words weigh most; a flag with a required value (`-o=/dev/null`) beats a bare flag.
    pub fn specificity(&self) -> usize {
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

fn split_words(words: &str) -> Vec<Vec<String>> {
    words
        .split_whitespace()
        .map(|w| w.split('|').map(str::to_string).collect())
        .collect()
}

/// The rule set: built-ins, optionally extended by a user file.
#[derive(Debug, Clone)]
pub struct Rules {
    wrappers: Vec<String>,
    programs: BTreeMap<String, ProgramSpec>,
    rules: Vec<Rule>,
    sql: SqlRules,
    /// Indexes into `rules` by the programs they name, in file order: every
    /// command is classified, so the lookup must not scan all rules.
    by_program: HashMap<String, Vec<usize>>,
    /// Every program a rule, wrapper or `same_as` names.
    known: HashSet<String>,
}

impl Rules {
    fn empty() -> Rules {
        Rules {
            wrappers: Vec::new(),
            programs: BTreeMap::new(),
            rules: Vec::new(),
            sql: SqlRules::default(),
            by_program: HashMap::new(),
            known: HashSet::new(),
        }
    }

    /// The embedded rules. They are tested to parse, so a failure here is a build bug.
    pub fn builtin() -> Rules {
        static BUILTIN: LazyLock<Rules> = LazyLock::new(|| {
            let mut rules = Rules::empty();
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
        self.index();
        Ok(())
    }

    fn index(&mut self) {
        self.by_program.clear();
        self.known.clear();
        for (i, rule) in self.rules.iter().enumerate() {
            for program in &rule.programs {
                self.by_program.entry(program.clone()).or_default().push(i);
                self.known.insert(program.clone());
            }
        }
        self.known.extend(self.wrappers.iter().cloned());
        self.known.extend(
            self.programs
                .iter()
                .filter(|(_, spec)| spec.same_as.is_some())
                .map(|(name, _)| name.clone()),
        );
        self.known.insert("docker-compose".into());
    }

    /// Every program some rule names, for telling commands from prose.
    pub fn knows_program(&self, program: &str) -> bool {
        let program = program.rsplit('/').next().unwrap_or(program);
        self.known.contains(program)
    }

    pub(crate) fn sql(&self) -> &SqlRules {
        &self.sql
    }

    pub(super) fn is_wrapper(&self, program: &str) -> bool {
        self.wrappers.iter().any(|w| w == program)
    }

    /// The names a program's rules are found under: its own, then the one it is
    /// read as (`oc`, then `kubectl`).
    pub(super) fn names_of(&self, program: &str) -> Vec<String> {
        let mut names = vec![program.to_string()];
        if let Some(other) = self.programs.get(program).and_then(|s| s.same_as.clone())
            && other != program
        {
            names.push(other);
        }
        names
    }

    /// How to read a program's arguments (merged with the program it is read as).
    pub(super) fn spec(&self, program: &str) -> Cow<'_, ProgramSpec> {
        let Some(own) = self.programs.get(program) else {
            return Cow::Owned(ProgramSpec::default());
        };
        match own.same_as.as_ref().and_then(|o| self.programs.get(o)) {
            Some(base) => {
                let mut spec = base.clone();
                spec.extend(own.clone());
                Cow::Owned(spec)
            }
            None => Cow::Borrowed(own),
        }
    }

    /// The rules naming any of `names`, in file order (ties go to the first).
    pub(super) fn rules_for<'r>(&'r self, names: &[String]) -> impl Iterator<Item = &'r Rule> {
        let mut indexes: Vec<usize> = names
            .iter()
            .filter_map(|n| self.by_program.get(n))
            .flatten()
            .copied()
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        indexes.into_iter().filter_map(|i| self.rules.get(i))
    }

    /// The words after a wrapper's own options and operands (`sudo -u pg psql` →
    /// `psql`); empty when it wraps nothing (`sudo -i`).
    pub(super) fn wrapped<'w>(&self, program: &str, args: &'w [String]) -> &'w [String] {
        let spec = self.programs.get(program);
        let takes_value = |w: &str| match spec {
            Some(s) if !s.value_flags.is_empty() => s.takes_value(w),
            _ => WRAPPER_VALUE_FLAGS.contains(&w),
        };
        let mut rest = args;
        while let Some(w) = rest.first() {
            if w == "--" {
                rest = &rest[1..];
                break;
            }
            if w.starts_with('-') && w.len() > 1 {
                let skip = if takes_value(w) { 2 } else { 1 };
                rest = &rest[skip.min(rest.len())..];
            } else if super::transcript::is_assignment(w)
                || (program == "timeout" && w.starts_with(|c: char| c.is_ascii_digit()))
            {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        let operands = spec.map_or(0, |s| s.operands);
        &rest[operands.min(rest.len())..]
    }
}

/// `<config dir>/risk_rules.toml`.
pub fn user_rules_path() -> PathBuf {
    crate::config::Paths::discover()
        .config_dir
        .join("risk_rules.toml")
}

fn compile_rule(spec: RuleSpec) -> Result<Rule, String> {
    if spec.risk.is_none() && spec.warning.is_none() && spec.interactive.is_none() {
        return Err(format!(
            "rule for `{}` has neither `risk` nor `warning` nor `interactive`; add one",
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
    let words = split_words(&spec.words);
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
        interactive: spec.interactive,
        command: spec
            .command
            .map(|c| c.split('|').map(str::to_string).collect())
            .unwrap_or_default(),
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_parse() {
        let mut rules = Rules::empty();
        rules
            .extend_from_str(BUILTIN_RULES, Path::new("risk_rules.toml"))
            .unwrap();
        assert!(rules.rules.len() > 100);
    }

    #[test]
    fn wrappers_skip_their_own_options_and_operands() {
        let rules = Rules::builtin();
        let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        let args = words("-u postgres -n psql -c x");
        assert_eq!(rules.wrapped("sudo", &args), &args[3..]);
        let args = words("/host rm -rf /x");
        assert_eq!(rules.wrapped("chroot", &args), &args[1..]);
        let args = words("-t 1 -m -u -i -n -p -- ip addr");
        assert_eq!(rules.wrapped("nsenter", &args), &args[8..]);
        assert!(rules.wrapped("sudo", &words("-i")).is_empty());
    }
}
