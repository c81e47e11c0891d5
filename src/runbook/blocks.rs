//! Code blocks to steps and commands: `#` comments become descriptions, `# or`
//! makes a platform variant, `if command -v kubectl … else … fi` splits into
//! Kubernetes and Docker variants, and `echo` lines in scripts are dropped.

use std::sync::LazyLock;

use regex::Regex;

use super::annotation::Annotation;
use super::model::{Command, Interpreter, Platform, Step};
use super::placeholders;
use super::risk::{self, Risk, Rules};
use super::shell::{self, BlockItem, Token};

/// What a fenced block holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Shell,
    Sql,
    Promql,
    /// Numbered prose steps, some ending in a command (`1. Check logs: docker …`).
    NumberedText,
    /// Configuration, alert rules, diagrams, sample output: nothing to run.
    NotCommands,
}

static NUMBERED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*(\d+)[.)]\s+(.*)$").ok());
static ECHO_TAIL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\s+(?:&&|\|\|)\s+echo\b.*$").ok());

pub fn block_kind(lang: &str, code: &str) -> BlockKind {
    match lang {
        "bash" | "sh" | "shell" | "zsh" | "console" | "shell-session" | "terminal" => {
            BlockKind::Shell
        }
        "sql" | "psql" | "postgresql" | "postgres" | "pgsql" | "mysql" => BlockKind::Sql,
        "promql" => BlockKind::Promql,
        "" | "text" | "txt" | "plain" | "plaintext" => {
            let numbered = code
                .lines()
                .filter(|l| !l.trim().is_empty())
                .all(|l| NUMBERED.as_ref().is_some_and(|re| re.is_match(l)));
            if numbered && !code.trim().is_empty() {
                BlockKind::NumberedText
            } else {
                BlockKind::Shell
            }
        }
        _ => BlockKind::NotCommands,
    }
}

/// Where a block sits, and what applies to all its commands.
pub struct BlockContext<'a> {
    pub rules: &'a Rules,
    /// 1-based line of the block's first content line.
    pub first_line: usize,
    pub annotation: Option<&'a Annotation>,
}

/// Builds one command: classifies it, finds its placeholders, applies annotations.
pub fn make_command(
    ctx: &BlockContext<'_>,
    text: &str,
    line: usize,
    description: Option<String>,
    interpreter: Interpreter,
    defined: &[String],
) -> Command {
    let classification = match interpreter {
        Interpreter::Shell => risk::classify(ctx.rules, text),
        Interpreter::Sql => risk::classify_sql(ctx.rules, text),
        Interpreter::Promql => risk::Classification {
            risk: Risk::ReadOnly,
            reason: "PromQL query: only reads metrics from Prometheus".into(),
            warnings: Vec::new(),
            unknown: Vec::new(),
        },
    };
    let placeholders = match interpreter {
        Interpreter::Promql => Vec::new(),
        _ => placeholders::find_with_defined(text, defined),
    };
    let mut command = Command {
        text: text.to_string(),
        description,
        line,
        interpreter,
        platform: Platform::of_command(text),
        risk: classification.risk,
        reason: classification.reason,
        placeholders,
        warnings: classification.warnings,
        annotation: None,
        variants: Vec::new(),
    };
    if text.contains("...") || text.contains('…') {
        command
            .warnings
            .push("looks incomplete (contains `...`): edit it before running".into());
    }
    if let Some(annotation) = ctx.annotation {
        apply_annotation(&mut command, annotation);
    }
    command
}

/// An annotation can raise a risk freely; lowering it needs a `reason` (lint
/// reports the attempts that have none, and the classifier's verdict stays).
pub fn apply_annotation(command: &mut Command, annotation: &Annotation) {
    if let Some(wanted) = annotation.risk {
        if wanted > command.risk {
            command.reason = match &annotation.reason {
                Some(reason) => reason.clone(),
                None => format!(
                    "marked {wanted} by the runbook (classifier: {})",
                    command.reason
                ),
            };
            command.risk = wanted;
        } else if wanted < command.risk
            && let Some(reason) = &annotation.reason
        {
            command.reason = format!(
                "{reason} (runbook annotation; the classifier said {}: {})",
                command.risk, command.reason
            );
            command.risk = wanted;
        }
    }
    if let Some(platform) = annotation.platform {
        command.platform = Some(platform);
    }
    command.annotation = annotation.for_command();
}

/// Strips `1. ` / `2) ` numbering from a step's text.
pub fn strip_numbering(text: &str) -> String {
    match NUMBERED.as_ref().and_then(|re| re.captures(text)) {
        Some(cap) => cap.get(2).map_or("", |m| m.as_str()).trim().to_string(),
        None => text.trim().to_string(),
    }
}

/// Steps from a block of the given kind.
pub fn steps_from_block(ctx: &BlockContext<'_>, kind: BlockKind, code: &str) -> Vec<Step> {
    match kind {
        BlockKind::NotCommands => Vec::new(),
        BlockKind::NumberedText => numbered_text_steps(ctx, code),
        BlockKind::Shell => grouped_steps(ctx, code, Interpreter::Shell),
        BlockKind::Sql => grouped_steps(ctx, code, Interpreter::Sql),
        BlockKind::Promql => grouped_steps(ctx, code, Interpreter::Promql),
    }
}

/// Whether an inline code span or a phrase reads as a command a shell could run.
pub fn looks_like_command(rules: &Rules, text: &str) -> bool {
    let Some(first) = text.split_whitespace().next() else {
        return false;
    };
    if first.starts_with("./") && first.len() > 2 {
        return true;
    }
    let is_program = first
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    is_program && !first.contains("/.") && rules.knows_program(first) && !first.starts_with('/')
}

fn numbered_text_steps(ctx: &BlockContext<'_>, code: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for (idx, raw) in code.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let line = ctx.first_line + idx;
        let text = strip_numbering(raw);
        let mut step = Step {
            text: text.clone(),
            notes: Vec::new(),
            commands: Vec::new(),
            line,
        };
        if let Some((before, after)) = text.split_once(": ")
            && looks_like_command(ctx.rules, after.trim())
        {
            step.text = before.trim().to_string();
            step.commands.push(make_command(
                ctx,
                after.trim(),
                line,
                Some(step.text.clone()),
                Interpreter::Shell,
                &[],
            ));
        }
        steps.push(step);
    }
    steps
}

#[derive(Default)]
struct Group {
    description: Vec<String>,
    line: Option<usize>,
    commands: Vec<Command>,
    notes: Vec<String>,
}

impl Group {
    fn into_step(self) -> Option<Step> {
        if self.description.is_empty() && self.commands.is_empty() && self.notes.is_empty() {
            return None;
        }
        let mut description = self.description.into_iter();
        let text = description
            .next()
            .map(|t| strip_numbering(&t))
            .unwrap_or_default();
        let mut notes: Vec<String> = description.collect();
        notes.extend(self.notes);
        let line = self
            .line
            .or_else(|| self.commands.first().map(|c| c.line))
            .unwrap_or(0);
        Some(Step {
            text,
            notes,
            commands: self.commands,
            line,
        })
    }
}

fn is_sql_statement(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    let keyword = matches!(
        first,
        "SELECT"
            | "SHOW"
            | "UPDATE"
            | "DELETE"
            | "INSERT"
            | "DROP"
            | "TRUNCATE"
            | "VACUUM"
            | "ANALYZE"
            | "ALTER"
            | "CREATE"
            | "EXPLAIN"
            | "WITH"
            | "GRANT"
            | "REVOKE"
            | "REINDEX"
    );
    keyword && text.trim_end().ends_with(';')
}

/// A statement the script prints for its reader: `echo "=== …"`, `echo`.
fn is_echo_noise(text: &str) -> bool {
    let tokens = shell::tokenize(text);
    let first_is_echo = matches!(
        tokens.first(),
        Some(Token::Word { text, .. }) if text == "echo" || text == "printf"
    );
    first_is_echo
        && !tokens
            .iter()
            .any(|t| matches!(t, Token::Operator(_) | Token::Redirect { .. }))
}

/// `if command -v kubectl …; then A; else B; fi` → (A statements, B statements).
/// Statements of one branch, with their line offset in the statement.
type Branch = Vec<(String, usize)>;

fn platform_branches(text: &str) -> Option<(Branch, Branch)> {
    let mut lines = text.lines();
    let head = lines.next()?.trim();
    let probes_tool = head.starts_with("if command -v ")
        || head.starts_with("if which ")
        || head.starts_with("if type ");
    if !probes_tool || !head.ends_with("then") {
        return None;
    }
    let mut then_branch = Vec::new();
    let mut else_branch = Vec::new();
    let mut in_else = false;
    for (idx, line) in lines.enumerate() {
        let t = line.trim();
        match t {
            "else" => in_else = true,
            "fi" => break,
            "" => {}
            _ if t.starts_with("elif ") => return None,
            _ => {
                let target = if in_else {
                    &mut else_branch
                } else {
                    &mut then_branch
                };
                target.push((t.to_string(), idx + 1));
            }
        }
    }
    Some((then_branch, else_branch))
}

fn grouped_steps(ctx: &BlockContext<'_>, code: &str, interpreter: Interpreter) -> Vec<Step> {
    let code = strip_prompts(code);
    let items = match interpreter {
        Interpreter::Shell => shell::split_block(&code),
        _ => sql_items(&code),
    };
    let mut steps = Vec::new();
    let mut group = Group::default();
    // Comments not yet known to be a description (of what follows) or a note (on
    // what precedes, when they sit right under a command and a blank line follows).
    let mut pending: Vec<(String, usize)> = Vec::new();
    let mut pending_follows_command = false;
    let mut blank_after_pending = false;
    let mut pending_or = false;
    let mut blank_since_statement = false;
    let mut defined: Vec<String> = Vec::new();
    let mut after_shebang = false;

    fn close(group: &mut Group, steps: &mut Vec<Step>) {
        if let Some(step) = std::mem::take(group).into_step() {
            steps.push(step);
        }
    }
    fn flush_pending(
        group: &mut Group,
        steps: &mut Vec<Step>,
        pending: &mut Vec<(String, usize)>,
        as_notes: bool,
    ) {
        if pending.is_empty() {
            return;
        }
        if as_notes && !group.commands.is_empty() {
            group.notes.extend(pending.drain(..).map(|(t, _)| t));
        } else {
            close(group, steps);
            group.line = pending.first().map(|(_, l)| *l);
            group.description = pending.drain(..).map(|(t, _)| t).collect();
            close(group, steps);
        }
    }

    for item in items {
        match item {
            BlockItem::Blank => {
                if !pending.is_empty() {
                    blank_after_pending = true;
                }
                blank_since_statement = true;
            }
            BlockItem::Comment { text, line } => {
                if text.starts_with('!') {
                    after_shebang = true;
                    continue;
                }
                if after_shebang
                    && pending.is_empty()
                    && group.commands.is_empty()
                    && steps.is_empty()
                {
                    // The comment under `#!/bin/bash` names the script, which the
                    // procedure's title already does.
                    after_shebang = false;
                    continue;
                }
                after_shebang = false;
                if text.eq_ignore_ascii_case("or") {
                    pending_or = true;
                    continue;
                }
                if blank_after_pending {
                    flush_pending(
                        &mut group,
                        &mut steps,
                        &mut pending,
                        pending_follows_command,
                    );
                    blank_after_pending = false;
                }
                if pending.is_empty() {
                    pending_follows_command = !group.commands.is_empty() && !blank_since_statement;
                }
                pending.push((text, ctx.first_line + line));
            }
            BlockItem::Statement { text, line } => {
                let line = ctx.first_line + line;
                if interpreter == Interpreter::Shell && is_echo_noise(&text) {
                    continue;
                }
                let text = match ECHO_TAIL.as_ref() {
                    Some(re) if interpreter == Interpreter::Shell && !text.contains('\n') => {
                        re.replace(&text, "").into_owned()
                    }
                    _ => text,
                };
                let new_commands = statement_commands(ctx, &text, line, interpreter, &defined);
                defined.extend(placeholders::defined_names(&text));
                if new_commands.is_empty() {
                    continue;
                }
                if pending_or && pending.is_empty() && !group.commands.is_empty() {
                    pending_or = false;
                    if let Some(last) = group.commands.last_mut() {
                        for mut variant in new_commands {
                            variant.description = last.description.clone();
                            last.variants.push(variant);
                        }
                    }
                    blank_since_statement = false;
                    continue;
                }
                pending_or = false;
                if !pending.is_empty() {
                    if blank_after_pending {
                        flush_pending(
                            &mut group,
                            &mut steps,
                            &mut pending,
                            pending_follows_command,
                        );
                        close(&mut group, &mut steps);
                    } else {
                        close(&mut group, &mut steps);
                        group.line = pending.first().map(|(_, l)| *l);
                        group.description = pending.drain(..).map(|(t, _)| t).collect();
                    }
                    blank_after_pending = false;
                } else if blank_since_statement && !group.commands.is_empty() {
                    close(&mut group, &mut steps);
                }
                let description = (!group.description.is_empty()).then(|| {
                    let mut d = group.description.clone();
                    if let Some(first) = d.first_mut() {
                        *first = strip_numbering(first);
                    }
                    d.join(" ")
                });
                for mut command in new_commands {
                    command.description = description.clone();
                    for v in command.variants.iter_mut() {
                        v.description = description.clone();
                    }
                    group.commands.push(command);
                }
                blank_since_statement = false;
            }
        }
    }
    flush_pending(
        &mut group,
        &mut steps,
        &mut pending,
        pending_follows_command,
    );
    close(&mut group, &mut steps);
    steps
}

/// `$ kubectl get pods` in console blocks: the prompt is not part of the command.
fn strip_prompts(code: &str) -> String {
    let prompted = code
        .lines()
        .filter(|l| !l.trim().is_empty())
        .all(|l| l.trim_start().starts_with("$ "));
    if !prompted {
        return code.to_string();
    }
    code.lines()
        .map(|l| l.trim_start().strip_prefix("$ ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// SQL and PromQL blocks: `--`/`#` comments, statements end at `;` or a blank line.
fn sql_items(code: &str) -> Vec<BlockItem> {
    let mut items = Vec::new();
    let mut current: Option<(String, usize)> = None;
    for (idx, raw) in code.lines().enumerate() {
        let t = raw.trim();
        let comment = t.strip_prefix("--").or_else(|| t.strip_prefix('#'));
        if t.is_empty() || (comment.is_some() && current.is_none()) {
            if let Some((text, line)) = current.take() {
                items.push(BlockItem::Statement { text, line });
            }
            items.push(match comment {
                Some(c) => BlockItem::Comment {
                    text: c.trim().to_string(),
                    line: idx,
                },
                None => BlockItem::Blank,
            });
            continue;
        }
        let entry = current.get_or_insert_with(|| (String::new(), idx));
        if !entry.0.is_empty() {
            entry.0.push('\n');
        }
        entry.0.push_str(raw.trim_end());
        if t.ends_with(';')
            && let Some((text, line)) = current.take()
        {
            items.push(BlockItem::Statement { text, line });
        }
    }
    if let Some((text, line)) = current.take() {
        items.push(BlockItem::Statement { text, line });
    }
    items
}

/// The commands one statement yields: one, or a pair of platform variants from an
/// `if command -v kubectl` probe.
fn statement_commands(
    ctx: &BlockContext<'_>,
    text: &str,
    line: usize,
    interpreter: Interpreter,
    defined: &[String],
) -> Vec<Command> {
    if interpreter == Interpreter::Shell {
        if let Some((then_branch, else_branch)) = platform_branches(text) {
            let build = |branch: &[(String, usize)]| -> Vec<Command> {
                branch
                    .iter()
                    .filter(|(t, _)| !is_echo_noise(t))
                    .map(|(t, offset)| {
                        make_command(ctx, t, line + offset, None, Interpreter::Shell, defined)
                    })
                    .collect()
            };
            let mut primary = build(&then_branch);
            let alternatives = build(&else_branch);
            if primary.is_empty() {
                return alternatives;
            }
            for (i, alt) in alternatives.into_iter().enumerate() {
                let index = i.min(primary.len() - 1);
                primary[index].variants.push(alt);
            }
            return primary;
        }
        if is_sql_statement(text) {
            return vec![make_command(
                ctx,
                text,
                line,
                None,
                Interpreter::Sql,
                defined,
            )];
        }
    }
    vec![make_command(ctx, text, line, None, interpreter, defined)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(code: &str) -> Vec<Step> {
        let rules = Rules::builtin();
        let ctx = BlockContext {
            rules: &rules,
            first_line: 10,
            annotation: None,
        };
        steps_from_block(&ctx, BlockKind::Shell, code)
    }

    #[test]
    fn comments_describe_the_commands_below_them() {
        let s = steps(
            "# Check pods\nkubectl get pods\nkubectl top pods\n\n# Restart\nkubectl rollout restart deploy/x\n",
        );
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].text, "Check pods");
        assert_eq!(s[0].commands.len(), 2);
        assert_eq!(s[0].commands[1].description.as_deref(), Some("Check pods"));
        assert_eq!(s[1].commands[0].line, 15);
    }

    #[test]
    fn or_makes_a_variant_and_echo_tails_go() {
        let s = steps(
            "# Status\nkubectl get pods\n# or\ndocker-compose ps\ncurl -f http://x/health && echo OK || echo FAIL\necho done\n",
        );
        assert_eq!(s.len(), 1);
        let cmds = &s[0].commands;
        assert_eq!(cmds[0].variants[0].text, "docker-compose ps");
        assert_eq!(cmds[0].variants[0].platform, Some(Platform::Docker));
        assert_eq!(cmds[1].text, "curl -f http://x/health");
        assert_eq!(cmds.len(), 2);
    }

    #[test]
    fn comments_right_under_a_command_are_its_notes() {
        let s = steps("kubectl edit deployment x\n# Update memory limits under resources\n");
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].notes,
            vec!["Update memory limits under resources".to_string()]
        );
    }

    #[test]
    fn tool_probes_split_into_platform_variants() {
        let s = steps(
            "if command -v kubectl >/dev/null 2>&1; then\n    kubectl top pods\n    kubectl top nodes\nelse\n    docker stats --no-stream\nfi\n",
        );
        let cmds = &s[0].commands;
        assert_eq!(cmds.len(), 2);
        assert_eq!(cmds[0].text, "kubectl top pods");
        assert_eq!(cmds[0].variants[0].text, "docker stats --no-stream");
        assert_eq!(cmds[1].line, 12);
    }

    #[test]
    fn numbered_text_blocks_yield_steps_with_commands() {
        let rules = Rules::builtin();
        let ctx = BlockContext {
            rules: &rules,
            first_line: 1,
            annotation: None,
        };
        let code = "1. Check logs: docker-compose logs app\n2. Notify on-call engineer\n";
        assert_eq!(block_kind("", code), BlockKind::NumberedText);
        let s = steps_from_block(&ctx, BlockKind::NumberedText, code);
        assert_eq!(s[0].text, "Check logs");
        assert_eq!(s[0].commands[0].text, "docker-compose logs app");
        assert!(s[1].commands.is_empty());
        assert_eq!(block_kind("yaml", "groups: []"), BlockKind::NotCommands);
    }
}
