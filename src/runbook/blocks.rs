//! Code blocks to steps and commands: `#` comments become descriptions, `# or`
//! makes a platform variant, `if command -v kubectl … else … fi` splits into
//! Kubernetes and Docker variants, and `echo` lines in scripts are dropped.
//!
//! What follows a command belongs to it: a transcript's output becomes its expected
//! output, the lines under `kubectl edit` what to change in the editor, the lines
//! under `kubectl debug node/…` what to type in that session (their risk raises the
//! command's), and SQL under `psql` statements for that session. A line of its own
//! such as `NAMESPACE="kube-etcd"` is no step: it gives `$NAMESPACE` a default in the
//! steps that follow.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use super::annotation::Annotation;
use super::grouping;
use super::model::{Command, Interpreter, NEEDS_TERMINAL, SessionRef, Step, Unread};
use super::placeholders;
use super::risk::{self, Interactive, Rules};
use super::shell::{self, BlockItem, Token};
use super::transcript::{self, Piece};
use crate::model::{Platform, Risk};

pub use super::fence::{BlockKind, block_kind, strip_numbering};

pub(super) static ECHO_TAIL: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\s+(?:&&|\|\|)\s+echo\b.*$").ok());

/// Where a block sits, and what applies to all its commands.
pub struct BlockContext<'a> {
    pub rules: &'a Rules,
    /// The fence's language tag, lowercase (empty when untagged).
    pub lang: &'a str,
    /// 1-based line of the opening fence.
    pub fence_line: usize,
    /// 1-based line of the block's first content line.
    pub first_line: usize,
    pub annotation: Option<&'a Annotation>,
    /// The block sits in a list item, which is the step its lines belong to.
    pub in_list_item: bool,
}

/// What one procedure carries from block to block.
#[derive(Debug, Default)]
pub struct Scope {
    /// Placeholder defaults from `NAME=value` lines, by name.
    pub defaults: HashMap<String, String>,
    /// The last command that opened a database session.
    pub sql_session: Option<SessionRef>,
    /// What could not be read, for the runbook's `unread` list.
    pub unread: Vec<Unread>,
    /// How many `NAME=value` settings the procedure's blocks made.
    pub settings: usize,
}

impl Scope {
    pub(super) fn unread(&mut self, line: usize, message: String) {
        self.unread.push(Unread { line, message });
    }
}

/// Builds one command: classifies it, finds its placeholders (with the defaults
/// the procedure set so far), applies annotations. Also says what the command does
/// with the terminal.
pub fn make_command(
    ctx: &BlockContext<'_>,
    scope: &Scope,
    text: &str,
    line: usize,
    interpreter: Interpreter,
    defined: &HashSet<String>,
) -> (Command, Option<Interactive>) {
    let classification = match interpreter {
        Interpreter::Shell => risk::classify(ctx.rules, text),
        Interpreter::Sql => risk::classify_sql(ctx.rules, text),
        Interpreter::Promql => risk::Classification {
            risk: Risk::ReadOnly,
            reason: "PromQL query: only reads metrics from Prometheus".into(),
            warnings: Vec::new(),
            unknown: Vec::new(),
            interactive: None,
        },
    };
    let mut placeholders = match interpreter {
        Interpreter::Promql => Vec::new(),
        _ => placeholders::find_with(text, defined),
    };
    for p in placeholders.iter_mut() {
        p.default = scope.defaults.get(&p.name).cloned();
    }
    let mut warnings = classification.warnings;
    if let Some(interactive) = classification.interactive {
        warnings.push(format!("{NEEDS_TERMINAL}: {interactive}"));
    }
    let mut command = Command {
        text: text.to_string(),
        description: None,
        line,
        interpreter,
        platform: Platform::of_command(text),
        risk: classification.risk,
        reason: classification.reason,
        placeholders,
        warnings,
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
    (command, classification.interactive)
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

/// Steps from a block of the given kind. Blocks that hold no commands (data,
/// diagrams, prose, output) give none; what could not be read is noted in `scope`.
pub fn steps_from_block(
    ctx: &BlockContext<'_>,
    kind: BlockKind,
    code: &str,
    scope: &mut Scope,
) -> Vec<Step> {
    match kind {
        BlockKind::Data | BlockKind::Text => Vec::new(),
        BlockKind::Other => {
            if !code.trim().is_empty() {
                scope.unread(
                    ctx.fence_line,
                    format!(
                        "```{} block is not read: opsdeck runs shell, SQL and PromQL blocks; tag it ```bash if it holds shell commands",
                        ctx.lang
                    ),
                );
            }
            Vec::new()
        }
        BlockKind::NumberedText => numbered_text_steps(ctx, code, scope),
        BlockKind::Shell | BlockKind::Console | BlockKind::Untagged => {
            let pieces = transcript::split(code, kind, ctx.rules);
            let has_statement = pieces.iter().any(|p| matches!(p, Piece::Statement { .. }));
            if kind == BlockKind::Untagged
                && !pieces.iter().any(|p| match p {
                    Piece::Statement { text, .. } => transcript::command_like(ctx.rules, text),
                    _ => false,
                })
            {
                if has_statement {
                    scope.unread(
                        ctx.fence_line,
                        "untagged block read as text: no line starts with a command opsdeck knows; tag it ```bash if it holds commands".into(),
                    );
                }
                return Vec::new();
            }
            if kind == BlockKind::Console && !has_statement {
                scope.unread(
                    ctx.fence_line,
                    "console block shows no prompted command (`$ …`): read as sample output".into(),
                );
                return Vec::new();
            }
            grouping::grouped_steps(ctx, pieces, Interpreter::Shell, scope)
        }
        BlockKind::Sql => grouping::grouped_steps(ctx, sql_pieces(code), Interpreter::Sql, scope),
        BlockKind::Promql => {
            grouping::grouped_steps(ctx, sql_pieces(code), Interpreter::Promql, scope)
        }
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

fn numbered_text_steps(ctx: &BlockContext<'_>, code: &str, scope: &mut Scope) -> Vec<Step> {
    let mut steps = Vec::new();
    for (idx, raw) in code.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let line = ctx.first_line + idx;
        let text = strip_numbering(raw);
        let mut step = Step::new(text.clone(), line);
        if let Some((before, after)) = text.split_once(": ")
            && looks_like_command(ctx.rules, after.trim())
        {
            step.text = before.trim().to_string();
            let (mut command, _) = make_command(
                ctx,
                scope,
                after.trim(),
                line,
                Interpreter::Shell,
                &HashSet::new(),
            );
            command.description = Some(step.text.clone());
            step.commands.push(command);
        }
        steps.push(step);
    }
    steps
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

/// A statement the script prints for its reader: `echo "=== …"`, `echo`. Not one
/// whose `$(…)` changes something (`echo $(kubectl delete pod x)`).
pub(super) fn is_echo_noise(rules: &Rules, text: &str) -> bool {
    let tokens = shell::tokenize(text);
    let first_is_echo = matches!(
        tokens.first(),
        Some(Token::Word { text, .. }) if text == "echo" || text == "printf"
    );
    first_is_echo
        && tokens.iter().all(|t| match t {
            Token::Word { substitutions, .. } => substitutions
                .iter()
                .all(|sub| risk::classify(rules, sub).risk == Risk::ReadOnly),
            Token::Operator(_) | Token::Redirect { .. } => false,
        })
}

/// `NAME=value` (or `export NAME=value`) and nothing else, on one line: the names
/// it sets, each with its value when that is literal (no `$`, no placeholder).
pub(super) fn settings(text: &str) -> Option<Vec<(String, Option<String>)>> {
    if text.contains('\n') || text.contains("$(") || text.contains('`') {
        return None;
    }
    let tokens = shell::tokenize(text);
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Token::Word {
            text,
            substitutions,
        } = token
        else {
            return None;
        };
        if i == 0 && text == "export" && tokens.len() > 1 {
            continue;
        }
        if !substitutions.is_empty() || !transcript::is_assignment(text) {
            return None;
        }
        let (name, value) = text.split_once('=')?;
        let literal = !value.contains('$') && placeholders::find(value).is_empty();
        out.push((name.to_string(), literal.then(|| value.to_string())));
    }
    (!out.is_empty()).then_some(out)
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

/// SQL and PromQL blocks: `--`/`#` comments, statements end at `;` or a blank line.
fn sql_pieces(code: &str) -> Vec<Piece> {
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
        .into_iter()
        .map(|item| match item {
            BlockItem::Blank => Piece::Blank,
            BlockItem::Comment { text, line } => Piece::Comment { text, line },
            BlockItem::Statement { text, line } => Piece::Statement { text, line },
        })
        .collect()
}

/// The commands one statement yields: one, or a pair of platform variants from an
/// `if command -v kubectl` probe; each with what it does with the terminal.
pub(super) fn statement_commands(
    ctx: &BlockContext<'_>,
    scope: &Scope,
    text: &str,
    line: usize,
    interpreter: Interpreter,
    defined: &HashSet<String>,
) -> Vec<(Command, Option<Interactive>)> {
    if interpreter == Interpreter::Shell {
        if let Some((then_branch, else_branch)) = platform_branches(text) {
            let build = |branch: &[(String, usize)]| -> Vec<(Command, Option<Interactive>)> {
                branch
                    .iter()
                    .filter(|(t, _)| !is_echo_noise(ctx.rules, t))
                    .map(|(t, offset)| {
                        make_command(ctx, scope, t, line + offset, Interpreter::Shell, defined)
                    })
                    .collect()
            };
            let mut primary = build(&then_branch);
            let alternatives = build(&else_branch);
            if primary.is_empty() {
                return alternatives;
            }
            for (i, (alt, _)) in alternatives.into_iter().enumerate() {
                let index = i.min(primary.len() - 1);
                primary[index].0.variants.push(alt);
            }
            return primary;
        }
        if is_sql_statement(text) {
            return vec![make_command(
                ctx,
                scope,
                text,
                line,
                Interpreter::Sql,
                defined,
            )];
        }
    }
    vec![make_command(ctx, scope, text, line, interpreter, defined)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::fence;
    use crate::runbook::model::Sample;

    fn steps_of(kind: BlockKind, code: &str) -> (Vec<Step>, Scope) {
        let rules = Rules::builtin();
        let ctx = BlockContext {
            rules: &rules,
            lang: "bash",
            fence_line: 9,
            first_line: 10,
            annotation: None,
            in_list_item: false,
        };
        let mut scope = Scope::default();
        let steps = steps_from_block(&ctx, kind, code, &mut scope);
        (steps, scope)
    }

    fn steps(code: &str) -> Vec<Step> {
        steps_of(BlockKind::Shell, code).0
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
        let code = "1. Check logs: docker-compose logs app\n2. Notify on-call engineer\n";
        assert_eq!(fence::block_kind("", code), BlockKind::NumberedText);
        let (s, _) = steps_of(BlockKind::NumberedText, code);
        assert_eq!(s[0].text, "Check logs");
        assert_eq!(s[0].commands[0].text, "docker-compose logs app");
        assert!(s[1].commands.is_empty());
        assert_eq!(fence::block_kind("yaml", "groups: []"), BlockKind::Data);
    }

    #[test]
    fn transcript_output_is_the_commands_expected_output() {
        let s = steps("$ kubectl get sc\nNAME   PROVISIONER\nstd    gce-pd\n\n$ kubectl get pvc\n");
        assert_eq!(s.len(), 2, "{s:#?}");
        assert_eq!(s[0].commands[0].text, "kubectl get sc");
        assert_eq!(
            s[0].expected_output,
            vec![Sample {
                command: 0,
                line: 11,
                text: "NAME   PROVISIONER\nstd    gce-pd".into()
            }]
        );
        assert!(s[1].expected_output.is_empty());
    }

    #[test]
    fn editor_content_and_sessions_belong_to_their_command() {
        let s = steps(
            "kubectl edit cm -n kube-system kube-proxy-config\n...\nmetricsBindAddress: 0.0.0.0:10249\n...\n",
        );
        assert_eq!(s[0].commands.len(), 1);
        assert_eq!(
            s[0].editor_content[0].text,
            "...\nmetricsBindAddress: 0.0.0.0:10249\n..."
        );
        assert!(s[0].commands[0].needs_terminal());

        let s = steps(
            "kubectl debug node/w2 -it --image=busybox\nchroot /host\nrm -rf /var/lib/kubelet/x\nexit\nkubectl get pods\n",
        );
        assert_eq!(s[0].commands.len(), 2, "{s:#?}");
        let opener = &s[0].commands[0];
        assert_eq!(opener.risk, Risk::Destructive);
        assert!(
            opener
                .reason
                .contains("in that session, `rm -rf /var/lib/kubelet/x`:"),
            "{}",
            opener.reason
        );
        let typed: Vec<&str> = s[0].session_input.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            typed,
            vec!["chroot /host", "rm -rf /var/lib/kubelet/x", "exit"]
        );
    }

    #[test]
    fn settings_set_defaults_and_are_no_step() {
        let (s, scope) = steps_of(
            BlockKind::Shell,
            "NAMESPACE=\"kube-etcd\"\nkubectl -n $NAMESPACE get pods\nPOD=$(kubectl get po -o name)\nkubectl logs $POD\n",
        );
        let cmds: Vec<&Command> = s.iter().flat_map(|s| s.commands.iter()).collect();
        assert_eq!(cmds[0].text, "kubectl -n $NAMESPACE get pods");
        assert_eq!(
            cmds[0].placeholders[0].default.as_deref(),
            Some("kube-etcd")
        );
        assert_eq!(
            scope.defaults.get("NAMESPACE").map(String::as_str),
            Some("kube-etcd")
        );
        // A computed value stays a command, and defines $POD for the block.
        assert!(cmds[1].text.starts_with("POD="));
        assert!(cmds[2].placeholders.is_empty());
    }

    #[test]
    fn comment_only_and_text_blocks_give_no_steps() {
        let (s, scope) = steps_of(BlockKind::Shell, "# TODO: Command needed\n");
        assert!(s.is_empty());
        assert_eq!(scope.unread[0].line, 10);
        let (s, scope) = steps_of(
            BlockKind::Untagged,
            "Name:   web\nStatus: Running\nfoo bar baz\n",
        );
        assert!(s.is_empty());
        assert!(
            scope.unread[0]
                .message
                .starts_with("untagged block read as text")
        );
        let (s, scope) = steps_of(BlockKind::Console, "NAME   STATUS\nweb    Ready\n");
        assert!(s.is_empty());
        assert_eq!(scope.unread[0].line, 9);
    }
}
