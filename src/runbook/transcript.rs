//! The prompt/output splitter: the lines of a shell block, told apart into
//! commands, comments, what a command printed, and text that is not shell at all.
//!
//! A block is a transcript when it shows prompts: `$ cmd` (also after
//! `user@host:dir`), or `# cmd` / `> cmd` / `% cmd` for a command opsdeck knows
//! followed by lines that are not commands. In a transcript only prompted lines are
//! commands (a `> ` line that continues one is part of it); the other lines are the
//! output of the command above them. In other blocks, lines that cannot be shell —
//! `key: value`, `...`, a `- ` list, an INI section, a sentence — are text, and a
//! column-aligned table right under a command is its output.

use std::sync::LazyLock;

use regex::Regex;

use super::fence::BlockKind;
use super::risk::Rules;
use super::shell::Statements;

/// One piece of a shell block. `line` is 0-based in the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Blank,
    /// A `#` comment (text after `#`, trimmed).
    Comment {
        text: String,
        line: usize,
    },
    /// A complete command, prompt removed, continuations joined.
    Statement {
        text: String,
        line: usize,
    },
    /// A line a transcript's command printed.
    Output {
        text: String,
        line: usize,
    },
    /// A line that is not shell, outside a transcript.
    Text {
        text: String,
        line: usize,
    },
}

/// `user@host:~$ `, `[root@node-1 ~]# `: a prompt whatever follows it.
static DECORATED_PROMPT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\[[^\]]*@[^\]]*\]|[A-Za-z0-9._-]+@[A-Za-z0-9._-]+(?::[^\s$#%>]*)?)\s?[$#%>]\s?(.*)$")
        .ok()
});

/// Splits a shell, console or untagged block into pieces.
pub fn split(code: &str, kind: BlockKind, rules: &Rules) -> Vec<Piece> {
    let lines: Vec<&str> = code.lines().collect();
    if kind == BlockKind::Console || is_transcript(&lines, rules) {
        split_transcript(&lines, rules)
    } else {
        split_plain(&lines, rules)
    }
}

/// The command after a prompt, if `line` starts with one. `$ ` always prompts;
/// `# `, `> ` and `% ` only before something that reads as a command, since they
/// are also comments, redirections and text.
pub fn prompted<'a>(line: &'a str, rules: &Rules) -> Option<&'a str> {
    if let Some(cap) = DECORATED_PROMPT.as_ref().and_then(|re| re.captures(line)) {
        return cap.get(1).map(|m| m.as_str().trim());
    }
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("$ ") {
        return Some(rest.trim());
    }
    for prompt in ["# ", "> ", "% "] {
        if let Some(rest) = t.strip_prefix(prompt)
            && command_like(rules, rest)
        {
            return Some(rest.trim());
        }
    }
    None
}

fn is_transcript(lines: &[&str], rules: &Rules) -> bool {
    lines.iter().enumerate().any(|(i, line)| {
        let t = line.trim_start();
        if t.starts_with("$ ")
            || DECORATED_PROMPT
                .as_ref()
                .is_some_and(|re| re.is_match(line))
        {
            return true;
        }
        // `# df -h` followed by what df prints.
        prompted(line, rules).is_some()
            && lines.get(i + 1).is_some_and(|next| {
                let n = next.trim();
                !n.is_empty()
                    && !n.starts_with('#')
                    && !command_like(rules, n)
                    && prompted(next, rules).is_none()
            })
    })
}

fn split_transcript(lines: &[&str], rules: &Rules) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut statements = Statements::default();
    // A `#` line right under a command or its output is output (`# HELP …` from a
    // metrics endpoint); after a blank line it is a comment.
    let mut after_output = false;
    for (idx, raw) in lines.iter().enumerate() {
        if statements.is_open() {
            let t = raw.trim_start();
            let continued = t.strip_prefix("> ").or_else(|| t.strip_prefix('>'));
            if let Some((text, line)) = statements.feed(idx, continued.unwrap_or(raw)) {
                pieces.push(Piece::Statement { text, line });
            }
            after_output = true;
            continue;
        }
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            pieces.push(Piece::Blank);
            after_output = false;
            continue;
        }
        if let Some(command) = prompted(raw, rules) {
            if !command.is_empty()
                && let Some((text, line)) = statements.feed(idx, command)
            {
                pieces.push(Piece::Statement { text, line });
            }
            after_output = true;
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#')
            && !after_output
        {
            pieces.push(Piece::Comment {
                text: comment.trim().to_string(),
                line: idx,
            });
            continue;
        }
        pieces.push(Piece::Output {
            text: raw.trim_end().to_string(),
            line: idx,
        });
        after_output = true;
    }
    if let Some((text, line)) = statements.finish() {
        pieces.push(Piece::Statement { text, line });
    }
    pieces
}

fn split_plain(lines: &[&str], rules: &Rules) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut statements = Statements::default();
    // Right under a command or text, with no blank line or comment between.
    let mut under = false;
    for (idx, raw) in lines.iter().enumerate() {
        if statements.is_open() {
            if let Some((text, line)) = statements.feed(idx, raw) {
                pieces.push(Piece::Statement { text, line });
            }
            continue;
        }
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            pieces.push(Piece::Blank);
            under = false;
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            pieces.push(Piece::Comment {
                text: comment.trim().to_string(),
                line: idx,
            });
            under = false;
            continue;
        }
        if !command_like(rules, trimmed) && (clearly_text(trimmed) || (under && table_row(trimmed)))
        {
            pieces.push(Piece::Text {
                text: raw.trim_end().to_string(),
                line: idx,
            });
            under = true;
            continue;
        }
        if let Some((text, line)) = statements.feed(idx, raw) {
            pieces.push(Piece::Statement { text, line });
        }
        under = true;
    }
    if let Some((text, line)) = statements.finish() {
        pieces.push(Piece::Statement { text, line });
    }
    pieces
}

const COMPOUND: &[&str] = &[
    "for", "while", "until", "if", "case", "{", "(", "function", "select",
];

/// Whether a line starts with something a shell would run that opsdeck knows: a
/// program some rule names (after `VAR=value` prefixes), `./script`, or a loop or
/// conditional. Unknown words are not enough, since tables and prose start with
/// them too.
pub fn command_like(rules: &Rules, line: &str) -> bool {
    let mut words = line.split_whitespace().skip_while(|w| is_assignment(w));
    let Some(first) = words.next() else {
        return false;
    };
    if COMPOUND.contains(&first) {
        return true;
    }
    if first.starts_with("./") && first.len() > 2 {
        return true;
    }
    let plain = first
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    plain && !first.contains("/.") && rules.knows_program(first)
}

/// `NAME=value` (a shell assignment).
pub fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Lines no shell would take as a command: YAML and `Key: value` lines, `...`
/// elisions, list items, INI sections and `key = value` settings, JSON, sentences.
pub fn clearly_text(line: &str) -> bool {
    let t = line.trim();
    if matches!(t, "..." | "…" | "---" | "--" | "[...]") {
        return true;
    }
    let mut words = t.split_whitespace();
    let first = words.next().unwrap_or("");
    let second = words.next();
    if first.len() > 1
        && first.ends_with(':')
        && first[..first.len() - 1]
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.\"'".contains(c))
    {
        return true;
    }
    if t.starts_with("- ") || t.starts_with("* ") {
        return true;
    }
    if (t.starts_with("{\"") || t.starts_with("[{") || t.starts_with("[\"") || t == "}" || t == "]")
        || (t.starts_with('"') && t.contains("\":"))
    {
        return true;
    }
    if t.starts_with('[') && t.ends_with(']') && !t.contains(' ') && t.len() > 2 {
        return true;
    }
    if second == Some("=") {
        return true;
    }
    is_sentence(t)
}

/// A sentence of prose: a capitalised word, at least three words, no shell syntax,
/// and sentence punctuation at the end or only plain words.
pub fn is_sentence(t: &str) -> bool {
    let words: Vec<&str> = t.split_whitespace().collect();
    let Some(first) = words.first() else {
        return false;
    };
    let capitalised = first.chars().next().is_some_and(|c| c.is_uppercase())
        && first.chars().skip(1).any(|c| c.is_lowercase())
        && first
            .trim_end_matches([',', ':'])
            .chars()
            .all(|c| c.is_alphabetic() || c == '\'');
    if !capitalised || words.len() < 3 {
        return false;
    }
    if t.contains(['|', ';', '$', '>', '<', '=', '`', '\\']) || t.contains("&&") {
        return false;
    }
    let ends = t.ends_with(['.', '!', '?', ':']);
    let plain = words.iter().all(|w| {
        w.trim_end_matches([',', '.', ':', ';', '!', '?'])
            .chars()
            .all(|c| c.is_alphabetic() || c == '\'' || c == '-')
    });
    ends || plain
}

/// A column-aligned row of a table (`NAME   READY   STATUS`): two or more gaps of
/// at least two spaces, or tabs, and no shell operators.
fn table_row(t: &str) -> bool {
    if t.contains(['|', ';', '$', '`', '\\']) || t.contains("&&") {
        return false;
    }
    let gaps = t.matches("  ").count() > 0 && {
        let mut gaps = 0;
        let mut run = 0;
        for c in t.chars() {
            if c == ' ' {
                run += 1;
            } else {
                if run >= 2 {
                    gaps += 1;
                }
                run = 0;
            }
        }
        gaps >= 2
    };
    gaps || t.contains('\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(code: &str, kind: BlockKind) -> Vec<Piece> {
        split(code, kind, &Rules::builtin())
    }

    #[test]
    fn prompted_lines_are_commands_and_the_rest_is_output() {
        let p = pieces(
            "$ kubectl get storageclass\nNAME       PROVISIONER\nstandard   gce-pd\n",
            BlockKind::Shell,
        );
        assert_eq!(
            p,
            vec![
                Piece::Statement {
                    text: "kubectl get storageclass".into(),
                    line: 0
                },
                Piece::Output {
                    text: "NAME       PROVISIONER".into(),
                    line: 1
                },
                Piece::Output {
                    text: "standard   gce-pd".into(),
                    line: 2
                },
            ]
        );
    }

    #[test]
    fn root_prompts_continuations_and_decorated_prompts() {
        let p = pieces(
            "# df -h /var\nFilesystem  Size\n/dev/sda1   98G\n",
            BlockKind::Untagged,
        );
        assert!(matches!(&p[0], Piece::Statement { text, .. } if text == "df -h /var"));
        assert!(matches!(&p[2], Piece::Output { text, .. } if text == "/dev/sda1   98G"));
        let p = pieces(
            "$ kubectl patch pvc x \\\n>   -p '{}'\npatched\n",
            BlockKind::Shell,
        );
        assert!(
            matches!(&p[0], Piece::Statement { text, line: 0 } if text == "kubectl patch pvc x -p '{}'")
        );
        let p = pieces(
            "[root@node-1 ~]# systemctl status kubelet\n",
            BlockKind::Console,
        );
        assert!(
            matches!(&p[0], Piece::Statement { text, .. } if text == "systemctl status kubelet")
        );
        // A comment above a command stays a comment.
        let p = pieces(
            "# kubectl get pods\nkubectl get pods -n x\n",
            BlockKind::Shell,
        );
        assert!(matches!(&p[0], Piece::Comment { .. }));
    }

    #[test]
    fn console_without_prompts_is_all_output() {
        let p = pieces("NAME   STATUS\nweb    Ready\n", BlockKind::Console);
        assert!(p.iter().all(|p| matches!(p, Piece::Output { .. })));
    }

    #[test]
    fn text_lines_in_plain_blocks() {
        let p = pieces(
            "kubectl edit cm x\n...\nmetricsBindAddress: 0.0.0.0:10249\n...\n",
            BlockKind::Shell,
        );
        assert_eq!(p.len(), 4);
        assert!(p[1..].iter().all(|p| matches!(p, Piece::Text { .. })));
        assert!(clearly_text(
            "Restart only after the database is healthy again."
        ));
        assert!(clearly_text("[Journal]"));
        assert!(clearly_text("endpoint = https://pay.example.com"));
        assert!(!clearly_text("frobnicate --all"));
        assert!(!clearly_text("Rscript report.R"));
        assert!(!command_like(&Rules::builtin(), "NAME   READY"));
        assert!(command_like(&Rules::builtin(), "FOO=1 kubectl get pods"));
    }
}
