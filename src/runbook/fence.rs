//! The fence-language policy: what a fenced block's language tag says about its
//! lines. Only shell blocks (and transcripts of them) hold commands; SQL and PromQL
//! blocks hold statements and queries for other tools; everything else is text,
//! data or a diagram and is never run.

use std::sync::LazyLock;

use regex::Regex;

/// What a fenced block holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A shell script or a list of commands (`bash`, `sh`, `shell`, …). Prompted
    /// lines (`$ cmd`) make it a transcript.
    Shell,
    /// A terminal transcript (`console`): only prompted lines are commands, the
    /// other lines are what they printed.
    Console,
    /// No language tag: shell when its lines read as commands, text otherwise.
    Untagged,
    Sql,
    Promql,
    /// Numbered prose steps, some ending in a command (`1. Check logs: docker …`).
    NumberedText,
    /// Prose, logs or sample output (`text`, `log`, `output`).
    Text,
    /// Configuration, data and diagrams (`yaml`, `json`, `ini`, `mermaid`).
    Data,
    /// A language opsdeck does not run (`python`, `powershell`, an unknown tag).
    Other,
}

static NUMBERED: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*(\d+)[.)]\s+(.*)$").ok());

const SHELL: &[&str] = &[
    "bash",
    "sh",
    "shell",
    "zsh",
    "ksh",
    "ash",
    "dash",
    "shellscript",
];
const CONSOLE: &[&str] = &[
    "console",
    "shell-session",
    "shellsession",
    "sh-session",
    "bash-session",
    "terminal",
];
const SQL: &[&str] = &[
    "sql",
    "psql",
    "postgresql",
    "postgres",
    "pgsql",
    "plpgsql",
    "mysql",
    "mariadb",
];
const PROMQL: &[&str] = &["promql", "metricsql"];
const TEXT: &[&str] = &[
    "text",
    "txt",
    "plain",
    "plaintext",
    "log",
    "logs",
    "output",
    "stdout",
    "stderr",
    "none",
    "nohighlight",
];
const DATA: &[&str] = &[
    "yaml",
    "yml",
    "json",
    "jsonc",
    "json5",
    "ini",
    "toml",
    "conf",
    "cfg",
    "config",
    "properties",
    "env",
    "dotenv",
    "xml",
    "html",
    "hcl",
    "tf",
    "terraform",
    "nginx",
    "apache",
    "caddyfile",
    "dockerfile",
    "containerfile",
    "mermaid",
    "plantuml",
    "puml",
    "dot",
    "graphviz",
    "diff",
    "patch",
    "csv",
    "tsv",
    "markdown",
    "md",
    "logql",
    "jsonpath",
    "gotemplate",
    "go-template",
];

/// The kind of a block from its language tag (lowercase) and, for untagged and
/// text blocks, from whether every line is a numbered step.
pub fn block_kind(lang: &str, code: &str) -> BlockKind {
    let lang = lang.trim();
    let numbered = || {
        !code.trim().is_empty()
            && code
                .lines()
                .filter(|l| !l.trim().is_empty())
                .all(|l| NUMBERED.as_ref().is_some_and(|re| re.is_match(l)))
    };
    if lang.is_empty() {
        return if numbered() {
            BlockKind::NumberedText
        } else {
            BlockKind::Untagged
        };
    }
    if SHELL.contains(&lang) {
        BlockKind::Shell
    } else if CONSOLE.contains(&lang) {
        BlockKind::Console
    } else if SQL.contains(&lang) {
        BlockKind::Sql
    } else if PROMQL.contains(&lang) {
        BlockKind::Promql
    } else if TEXT.contains(&lang) {
        if numbered() {
            BlockKind::NumberedText
        } else {
            BlockKind::Text
        }
    } else if DATA.contains(&lang) {
        BlockKind::Data
    } else {
        BlockKind::Other
    }
}

/// Strips `1. ` / `2) ` numbering from a step's text.
pub fn strip_numbering(text: &str) -> String {
    match NUMBERED.as_ref().and_then(|re| re.captures(text)) {
        Some(cap) => cap.get(2).map_or("", |m| m.as_str()).trim().to_string(),
        None => text.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_map_to_kinds() {
        assert_eq!(block_kind("bash", "kubectl get pods"), BlockKind::Shell);
        assert_eq!(block_kind("console", "$ ls"), BlockKind::Console);
        assert_eq!(block_kind("", "kubectl get pods"), BlockKind::Untagged);
        assert_eq!(
            block_kind("", "1. Check\n2. Fix\n"),
            BlockKind::NumberedText
        );
        assert_eq!(block_kind("text", "1. Check\n"), BlockKind::NumberedText);
        for lang in ["txt", "text", "log"] {
            assert_eq!(block_kind(lang, "kubectl delete pod x"), BlockKind::Text);
        }
        for lang in ["yaml", "json", "mermaid", "ini", "toml"] {
            assert_eq!(block_kind(lang, "rm -rf /"), BlockKind::Data);
        }
        assert_eq!(block_kind("promql", "up"), BlockKind::Promql);
        assert_eq!(block_kind("sql", "SELECT 1;"), BlockKind::Sql);
        assert_eq!(block_kind("python", "import os"), BlockKind::Other);
    }
}
