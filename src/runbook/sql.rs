//! SQL statements (psql `-c`, `sql` blocks) by their leading keyword, plus the
//! functions that change something even inside a `SELECT`.

use serde::Deserialize;

use crate::model::Risk;

/// The `[sql]` table of the rules file. Keywords are compared case-insensitively.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlRules {
    #[serde(default)]
    pub read_only: Vec<String>,
    #[serde(default)]
    pub mutating: Vec<String>,
    #[serde(default)]
    pub destructive: Vec<String>,
    #[serde(default)]
    pub destructive_functions: Vec<String>,
    #[serde(default)]
    pub mutating_functions: Vec<String>,
}

impl SqlRules {
    pub fn extend(&mut self, other: SqlRules) {
        self.read_only.extend(other.read_only);
        self.mutating.extend(other.mutating);
        self.destructive.extend(other.destructive);
        self.destructive_functions
            .extend(other.destructive_functions);
        self.mutating_functions.extend(other.mutating_functions);
    }

    fn keyword_risk(&self, keyword: &str) -> Option<Risk> {
        let has = |list: &[String]| list.iter().any(|k| k.eq_ignore_ascii_case(keyword));
        if has(&self.destructive) {
            Some(Risk::Destructive)
        } else if has(&self.mutating) {
            Some(Risk::Mutating)
        } else if has(&self.read_only) {
            Some(Risk::ReadOnly)
        } else {
            None
        }
    }
}

/// Classifies one or more `;`-separated statements; the highest risk wins.
pub fn classify(rules: &SqlRules, text: &str) -> (Risk, String) {
    let mut best: Option<(Risk, String)> = None;
    for statement in split_statements(text) {
        let verdict = classify_statement(rules, &statement);
        if best.as_ref().is_none_or(|(risk, _)| verdict.0 > *risk) {
            best = Some(verdict);
        }
    }
    best.unwrap_or((Risk::ReadOnly, "empty SQL: nothing to run".into()))
}

fn classify_statement(rules: &SqlRules, statement: &str) -> (Risk, String) {
    let lower = statement.to_ascii_lowercase();
    for function in &rules.destructive_functions {
        if lower.contains(&format!("{}(", function.to_ascii_lowercase())) {
            return (
                Risk::Destructive,
                format!(
                    "{function}() kills a backend's query or connection, or removes data; it cannot be undone"
                ),
            );
        }
    }
    let words: Vec<String> = statement
        .split(|c: char| c.is_whitespace() || c == '(' || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let Some(first) = words.first() else {
        return (Risk::ReadOnly, "empty SQL: nothing to run".into());
    };
    if first.starts_with('\\') {
        return (
            Risk::ReadOnly,
            format!("psql meta-command {first} only reads"),
        );
    }
    // A CTE or EXPLAIN ANALYZE runs whatever data-changing statement it wraps.
    let keyword = if first == "WITH" || first == "EXPLAIN" {
        words
            .iter()
            .find(|w| {
                matches!(
                    w.as_str(),
                    "DELETE" | "UPDATE" | "INSERT" | "MERGE" | "TRUNCATE"
                )
            })
            .unwrap_or(first)
            .clone()
    } else {
        first.clone()
    };
    let mut verdict = match rules.keyword_risk(&keyword) {
        Some(Risk::Destructive) => (Risk::Destructive, destructive_reason(&keyword)),
        Some(Risk::Mutating) => (Risk::Mutating, mutating_reason(&keyword)),
        Some(Risk::ReadOnly) => (Risk::ReadOnly, format!("SQL {keyword} only reads")),
        None => (
            Risk::Mutating,
            format!("unknown SQL statement {keyword}: treated as mutating"),
        ),
    };
    if keyword == "ALTER" && words.iter().any(|w| w == "DROP") {
        verdict = (
            Risk::Destructive,
            "ALTER … DROP removes a column or constraint and its data".into(),
        );
    }
    if verdict.0 < Risk::Mutating {
        for function in &rules.mutating_functions {
            if lower.contains(&format!("{}(", function.to_ascii_lowercase())) {
                verdict = (
                    Risk::Mutating,
                    format!("{function}() changes server state even inside a SELECT"),
                );
            }
        }
    }
    verdict
}

fn destructive_reason(keyword: &str) -> String {
    match keyword {
        "DELETE" => "SQL DELETE removes rows; they are gone without a backup".into(),
        "DROP" => "SQL DROP removes the object and all its data".into(),
        "TRUNCATE" => "SQL TRUNCATE empties the table".into(),
        "UPDATE" => "SQL UPDATE overwrites rows; the old values are gone without a backup".into(),
        other => format!("SQL {other} removes data"),
    }
}

fn mutating_reason(keyword: &str) -> String {
    match keyword {
        "VACUUM" | "ANALYZE" | "ANALYSE" => {
            format!("SQL {keyword} rewrites storage or planner statistics (no rows change)")
        }
        "INSERT" => "SQL INSERT adds rows (delete them to undo)".into(),
        "CREATE" => "SQL CREATE adds an object (drop it to undo)".into(),
        other => format!("SQL {other} changes the database"),
    }
}

/// Splits on `;` outside quotes and drops `--` comments.
fn split_statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                current.push(c);
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    current.push(c);
                }
                '-' if chars.peek() == Some(&'-') => {
                    for skipped in chars.by_ref() {
                        if skipped == '\n' {
                            break;
                        }
                    }
                    current.push(' ');
                }
                ';' => out.push(std::mem::take(&mut current)),
                _ => current.push(c),
            },
        }
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}
