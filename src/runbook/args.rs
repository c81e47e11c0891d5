//! One program's arguments read the way its rules need them: positional words,
//! options with their values, and the inner command of `kubectl exec … --`,
//! `docker exec CONTAINER`, `ssh HOST` and the like.

use super::rules::{Bare, ExecSpec, ProgramSpec};

#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub positionals: Vec<String>,
    pub options: Vec<(String, Option<String>)>,
    /// The words of the inner command, when the program runs one.
    pub inner: Option<Vec<String>>,
    /// The exec entry that found the inner command (or that matched without one).
    pub exec: Option<ExecSpec>,
    /// Set when an exec entry's words matched but no inner command followed.
    pub bare: Option<Bare>,
}

impl Parsed {
    pub fn has_option(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }

    pub fn option_value(&self, names: &[String]) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| names.contains(n))
            .and_then(|(_, v)| v.as_deref())
    }
}

pub(super) fn word_matches(pattern: &str, word: &str, case_insensitive: bool) -> bool {
    if pattern == "*" {
        return true;
    }
    if !pattern.contains('*') {
        return if case_insensitive {
            pattern.eq_ignore_ascii_case(word)
        } else {
            pattern == word
        };
    }
    if case_insensitive {
        glob(&pattern.to_ascii_lowercase(), &word.to_ascii_lowercase())
    } else {
        glob(pattern, word)
    }
}

pub(super) fn glob(pattern: &str, text: &str) -> bool {
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

pub(super) fn words_match(pattern: &[Vec<String>], words: &[String], ci: bool) -> bool {
    pattern.len() <= words.len()
        && pattern
            .iter()
            .zip(words)
            .all(|(alts, w)| alts.iter().any(|a| word_matches(a, w, ci)))
}

pub(super) fn parse_args(spec: &ProgramSpec, args: &[String]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            let rest: Vec<String> = args[i + 1..].to_vec();
            let exec = spec.exec.iter().find(|e| {
                e.after.as_deref() == Some("--")
                    && words_match(&e.word_patterns(), &parsed.positionals, false)
            });
            if let Some(e) = exec {
                parsed.exec = Some(e.clone());
                if rest.is_empty() {
                    parsed.bare = e.bare;
                } else {
                    parsed.inner = Some(rest);
                }
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
                let patterns = e.word_patterns();
                parsed.positionals.len() == patterns.len() + n
                    && words_match(&patterns, &parsed.positionals, false)
            })
        });
        if let Some(e) = exec {
            parsed.exec = Some(e.clone());
            parsed.inner = Some(args[i..].to_vec()).filter(|inner| !inner.is_empty());
            if parsed.inner.is_none() {
                parsed.bare = e.bare;
            }
            return parsed;
        }
    }
    // `kubectl exec -it POD` with no `--`: the entry matched, nothing follows.
    if let Some(e) = spec.exec.iter().find(|e| {
        e.after.as_deref() == Some("--")
            && e.bare.is_some()
            && words_match(&e.word_patterns(), &parsed.positionals, false)
    }) {
        parsed.bare = e.bare;
        parsed.exec = Some(e.clone());
    }
    parsed
}

pub(super) fn flag_matches(
    flag: &(String, Option<String>),
    options: &[(String, Option<String>)],
) -> bool {
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

/// The dry-run option or word of `spec` the call carries, as written.
pub(super) fn dry_run(spec: &ProgramSpec, parsed: &Parsed) -> Option<String> {
    spec.dry_run.iter().find_map(|entry| {
        if entry.starts_with('-') {
            let (name, want) = match entry.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (entry.as_str(), None),
            };
            parsed.options.iter().find_map(|(n, v)| {
                let on = n == name
                    && match (want, v.as_deref()) {
                        (Some(w), Some(v)) => v.eq_ignore_ascii_case(w),
                        (Some(_), None) => false,
                        (None, Some(v)) => {
                            !v.eq_ignore_ascii_case("none") && !v.eq_ignore_ascii_case("false")
                        }
                        (None, None) => true,
                    };
                on.then(|| match v {
                    Some(v) if spec.takes_value(n) => format!("{n} {v}"),
                    Some(v) => format!("{n}={v}"),
                    None => n.clone(),
                })
            })
        } else {
            parsed
                .positionals
                .iter()
                .find(|p| p.eq_ignore_ascii_case(entry))
                .cloned()
        }
    })
}
