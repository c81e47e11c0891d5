//! Just enough shell syntax to split code blocks into commands and commands into
//! words. This is not a shell: it never expands anything, and on odd input it
//! degrades to "one more word" rather than failing.

/// One line-level item of a code block.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockItem {
    Blank,
    /// A `#` comment line (text after `#`, trimmed). `line` is 0-based in the block.
    Comment {
        text: String,
        line: usize,
    },
    /// A complete statement: continuations joined with a space, multi-line
    /// constructs (quotes, `if … fi`, loops) kept with their newlines.
    Statement {
        text: String,
        line: usize,
    },
}

/// Splits a code block into comments, blank lines and complete statements.
pub fn split_block(code: &str) -> Vec<BlockItem> {
    let mut items = Vec::new();
    let mut statements = Statements::default();
    for (idx, raw) in code.lines().enumerate() {
        if !statements.is_open() {
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                items.push(BlockItem::Blank);
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix('#') {
                items.push(BlockItem::Comment {
                    text: rest.trim().to_string(),
                    line: idx,
                });
                continue;
            }
        }
        if let Some((text, line)) = statements.feed(idx, raw) {
            items.push(BlockItem::Statement { text, line });
        }
    }
    if let Some((text, line)) = statements.finish() {
        items.push(BlockItem::Statement { text, line });
    }
    items
}

/// Reads statements line by line: backslash continuations are joined with a
/// space, and a statement stays open while a quote, `$(…)`, compound command
/// (`if … fi`, loops) or a trailing `|`/`&&` is unfinished.
#[derive(Debug, Default)]
pub struct Statements {
    current: Option<(String, usize)>,
    state: ScanState,
    joined_by_backslash: bool,
}

impl Statements {
    /// Whether a statement has started and is not complete yet.
    pub fn is_open(&self) -> bool {
        self.current.is_some()
    }

    /// Adds line `idx` (0-based) to the open statement, or starts one with it.
    /// Returns the statement, with the index of its first line, once this line
    /// completes it.
    pub fn feed(&mut self, idx: usize, raw: &str) -> Option<(String, usize)> {
        if self.current.is_none() {
            self.current = Some((String::new(), idx));
            self.state = ScanState::default();
            self.joined_by_backslash = false;
        }
        let (text, _) = self.current.as_mut()?;
        let mut piece = raw.trim_end().to_string();
        if self.joined_by_backslash {
            piece = piece.trim_start().to_string();
        }
        let continues_with_backslash = piece.ends_with('\\') && !piece.ends_with("\\\\");
        if continues_with_backslash {
            piece.pop();
            piece = piece.trim_end().to_string();
        }
        if !text.is_empty() {
            text.push(if self.joined_by_backslash { ' ' } else { '\n' });
        }
        text.push_str(&piece);
        self.state.scan_line(&piece);
        self.joined_by_backslash = continues_with_backslash && !self.state.in_quote();
        let open_operator = {
            let t = piece.trim_end();
            t.ends_with('|') || t.ends_with("&&")
        };
        if !continues_with_backslash && !open_operator && self.state.is_complete() {
            return self.current.take();
        }
        None
    }

    /// The statement left open at the end of the block, if any.
    pub fn finish(&mut self) -> Option<(String, usize)> {
        self.current.take()
    }
}

/// Tracks quotes, `$(…)` nesting and compound-command depth across lines.
#[derive(Debug, Default)]
struct ScanState {
    single: bool,
    double: bool,
    parens: i32,
    depth: i32,
}

impl ScanState {
    fn in_quote(&self) -> bool {
        self.single || self.double
    }

    fn is_complete(&self) -> bool {
        !self.single && !self.double && self.parens <= 0 && self.depth <= 0
    }

    fn scan_line(&mut self, line: &str) {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        let mut word = String::new();
        let mut at_start = true;
        let flush = |word: &mut String, at_start: &mut bool, depth: &mut i32| {
            if !word.is_empty() {
                if *at_start {
                    match word.as_str() {
                        "if" | "for" | "while" | "until" | "case" | "select" => *depth += 1,
                        "fi" | "done" | "esac" => *depth -= 1,
                        _ => {}
                    }
                }
                *at_start = matches!(word.as_str(), "then" | "do" | "else" | "elif" | "!");
                word.clear();
            }
        };
        while i < chars.len() {
            let c = chars[i];
            if self.single {
                if c == '\'' {
                    self.single = false;
                }
                i += 1;
                continue;
            }
            if self.double {
                match c {
                    '\\' => i += 1,
                    '"' => self.double = false,
                    '$' if chars.get(i + 1) == Some(&'(') => {
                        self.parens += 1;
                        i += 1;
                    }
                    ')' if self.parens > 0 => self.parens -= 1,
                    _ => {}
                }
                i += 1;
                continue;
            }
            match c {
                '\\' => {
                    word.push(c);
                    i += 1;
                }
                '\'' => {
                    self.single = true;
                    word.push(c);
                }
                '"' => {
                    self.double = true;
                    word.push(c);
                }
                '#' if word.is_empty() => break,
                '$' if chars.get(i + 1) == Some(&'(') => {
                    self.parens += 1;
                    word.push_str("$(");
                    i += 1;
                }
                ')' if self.parens > 0 => {
                    self.parens -= 1;
                    word.push(c);
                }
                ';' | '|' | '&' => {
                    flush(&mut word, &mut at_start, &mut self.depth);
                    at_start = true;
                }
                c if c.is_whitespace() => flush(&mut word, &mut at_start, &mut self.depth),
                _ => word.push(c),
            }
            i += 1;
        }
        flush(&mut word, &mut at_start, &mut self.depth);
    }
}

/// A token of a command line.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// A word with quotes removed. `substitutions` holds the text of each `$(…)`
    /// or backtick inside it, which the classifier looks into.
    Word {
        text: String,
        substitutions: Vec<String>,
    },
    /// `|`, `||`, `&&`, `;`, `&` or a newline (as `;`), or a parenthesis.
    Operator(String),
    /// `>`, `>>`, `<`, `2>`, `&>`; `target` is `None` for `>&2` style duplications.
    Redirect { op: String, target: Option<String> },
}

/// Splits a command line into tokens.
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut subs: Vec<String> = Vec::new();
    let mut in_word = false;
    let mut pending_redirect: Option<String> = None;
    let mut i = 0;

    fn finish(
        tokens: &mut Vec<Token>,
        word: &mut String,
        subs: &mut Vec<String>,
        in_word: &mut bool,
        pending_redirect: &mut Option<String>,
    ) {
        if !*in_word {
            return;
        }
        let text = std::mem::take(word);
        let substitutions = std::mem::take(subs);
        if let Some(op) = pending_redirect.take() {
            tokens.push(Token::Redirect {
                op,
                target: Some(text),
            });
            for s in substitutions {
                tokens.push(Token::Word {
                    text: String::new(),
                    substitutions: vec![s],
                });
            }
        } else {
            tokens.push(Token::Word {
                text,
                substitutions,
            });
        }
        *in_word = false;
    }

    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' => {
                finish(
                    &mut tokens,
                    &mut word,
                    &mut subs,
                    &mut in_word,
                    &mut pending_redirect,
                );
                i += 1;
            }
            '\n' | ';' | '(' | ')' => {
                finish(
                    &mut tokens,
                    &mut word,
                    &mut subs,
                    &mut in_word,
                    &mut pending_redirect,
                );
                tokens.push(Token::Operator(if c == '\n' {
                    ";".into()
                } else {
                    c.to_string()
                }));
                i += 1;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '|' | '&' => {
                let is_fd_redirect = c == '&' && chars.get(i + 1) == Some(&'>');
                if is_fd_redirect {
                    finish(
                        &mut tokens,
                        &mut word,
                        &mut subs,
                        &mut in_word,
                        &mut pending_redirect,
                    );
                    i += 2;
                    let mut op = "&>".to_string();
                    if chars.get(i) == Some(&'>') {
                        op.push('>');
                        i += 1;
                    }
                    pending_redirect = Some(op);
                    continue;
                }
                finish(
                    &mut tokens,
                    &mut word,
                    &mut subs,
                    &mut in_word,
                    &mut pending_redirect,
                );
                let doubled = chars.get(i + 1) == Some(&c);
                let op = if doubled {
                    format!("{c}{c}")
                } else {
                    c.to_string()
                };
                i += if doubled { 2 } else { 1 };
                tokens.push(Token::Operator(op));
            }
            '<' if angle_placeholder_len(&chars[i..]).is_some() => {
                // `<pod-name>` is a placeholder word, not two redirections.
                let len = angle_placeholder_len(&chars[i..]).unwrap_or(1);
                in_word = true;
                word.extend(&chars[i..i + len]);
                i += len;
            }
            '>' | '<' => {
                let fd_prefix =
                    in_word && !word.is_empty() && word.chars().all(|d| d.is_ascii_digit());
                if fd_prefix {
                    word.clear();
                    in_word = false;
                } else {
                    finish(
                        &mut tokens,
                        &mut word,
                        &mut subs,
                        &mut in_word,
                        &mut pending_redirect,
                    );
                }
                let mut op = c.to_string();
                i += 1;
                if chars.get(i) == Some(&c) {
                    op.push(c);
                    i += 1;
                }
                if chars.get(i) == Some(&'&') {
                    // `2>&1`, `>&2`: a duplication, not a file.
                    i += 1;
                    while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '-') {
                        i += 1;
                    }
                    tokens.push(Token::Redirect { op, target: None });
                    continue;
                }
                pending_redirect = Some(op);
            }
            '\\' => {
                in_word = true;
                if let Some(&next) = chars.get(i + 1)
                    && next != '\n'
                {
                    word.push(next);
                }
                i += 2;
            }
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    word.push(chars[i]);
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    match chars[i] {
                        '\\' if i + 1 < chars.len() => {
                            word.push(chars[i + 1]);
                            i += 2;
                        }
                        '$' if chars.get(i + 1) == Some(&'(') => {
                            let (inner, end) = capture_parens(&chars, i + 2);
                            word.push_str("$(");
                            word.push_str(&inner);
                            word.push(')');
                            subs.push(inner);
                            i = end;
                        }
                        '`' => {
                            let (inner, end) = capture_backtick(&chars, i + 1);
                            word.push_str(&inner);
                            subs.push(inner);
                            i = end;
                        }
                        ch => {
                            word.push(ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                in_word = true;
                let (inner, end) = capture_parens(&chars, i + 2);
                word.push_str("$(");
                word.push_str(&inner);
                word.push(')');
                subs.push(inner);
                i = end;
            }
            '`' => {
                in_word = true;
                let (inner, end) = capture_backtick(&chars, i + 1);
                word.push_str(&inner);
                subs.push(inner);
                i = end;
            }
            _ => {
                in_word = true;
                word.push(c);
                i += 1;
            }
        }
    }
    finish(
        &mut tokens,
        &mut word,
        &mut subs,
        &mut in_word,
        &mut pending_redirect,
    );
    tokens
}

/// Length of `<name>` at the start of `chars`, when it is a placeholder.
fn angle_placeholder_len(chars: &[char]) -> Option<usize> {
    if chars.first() != Some(&'<') || !chars.get(1)?.is_ascii_alphabetic() {
        return None;
    }
    let mut i = 1;
    while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_.-".contains(chars[i])) {
        i += 1;
    }
    (chars.get(i) == Some(&'>')).then_some(i + 1)
}

/// Reads from `start` (just after `$(`) to the matching `)`. Returns the inner text
/// and the index after the `)`. An unclosed `$(` takes the rest of the text.
fn capture_parens(chars: &[char], start: usize) -> (String, usize) {
    let mut depth = 1;
    let mut i = start;
    let mut single = false;
    let mut double = false;
    while i < chars.len() {
        let c = chars[i];
        if single {
            single = c != '\'';
        } else if double {
            if c == '\\' {
                i += 1;
            } else if c == '"' {
                double = false;
            }
        } else {
            match c {
                '\'' => single = true,
                '"' => double = true,
                '\\' => i += 1,
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        let inner: String = chars[start..i].iter().collect();
                        return (inner, i + 1);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    let end = chars.len();
    (chars[start.min(end)..end].iter().collect(), end)
}

fn capture_backtick(chars: &[char], start: usize) -> (String, usize) {
    let mut i = start;
    while i < chars.len() && chars[i] != '`' {
        i += 1;
    }
    let end = i.min(chars.len());
    (chars[start.min(end)..end].iter().collect(), i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_backslash_continuations() {
        let items = split_block("kubectl exec -n x -- \\\n  psql -c \"SELECT 1\"\n");
        assert_eq!(
            items,
            vec![BlockItem::Statement {
                text: "kubectl exec -n x -- psql -c \"SELECT 1\"".into(),
                line: 0
            }]
        );
    }

    #[test]
    fn keeps_multiline_quotes_and_loops_together() {
        let code = "for s in a b; do\n  up $s\ndone\n# next\nfoo -p '{\n \"a\": 1\n}'\n";
        let items = split_block(code);
        assert_eq!(items.len(), 3);
        assert!(matches!(&items[0], BlockItem::Statement { text, .. } if text.ends_with("done")));
        assert!(
            matches!(&items[2], BlockItem::Statement { text, line: 4 } if text.ends_with("}'"))
        );
    }

    #[test]
    fn tokenizes_operators_redirects_and_substitutions() {
        let toks =
            tokenize("kubectl get cm -o yaml > backup/c-$(date +%Y).yaml 2>/dev/null && echo ok");
        assert!(toks.contains(&Token::Operator("&&".into())));
        assert!(toks.iter().any(|t| matches!(t, Token::Redirect { op, target: Some(f) } if op == ">" && f.starts_with("backup/"))));
        assert!(toks.iter().any(|t| matches!(t, Token::Word { substitutions, .. } if substitutions == &vec!["date +%Y".to_string()])));
    }
}
