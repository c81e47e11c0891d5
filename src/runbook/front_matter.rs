//! Front matter: the YAML (`---`) or TOML (`+++`) block static-site generators put
//! at the top of a Markdown file. It is metadata, not content: its `title` is kept,
//! the rest is skipped.

use serde::Deserialize;

/// What the importer uses from the front matter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontMatter {
    pub title: Option<String>,
    /// Number of lines the block spans, delimiters included.
    pub lines: usize,
    /// Why the block could not be read, when it could not (it is skipped all the same).
    pub problem: Option<String>,
}

#[derive(Deserialize)]
struct Fields {
    title: Option<serde_yaml_ng::Value>,
}

/// Splits front matter off the start of `text`. Returns it and the text with the
/// block's lines left empty, so line numbers stay those of the file; `None` when the
/// text has no front matter (including an opening `---` that is never closed, which
/// is a thematic break).
pub fn split(text: &str) -> Option<(FrontMatter, String)> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = body.split_inclusive('\n');
    let first = lines.next()?.trim_end();
    let (yaml, closers): (bool, &[&str]) = match first {
        "---" => (true, &["---", "..."]),
        "+++" => (false, &["+++"]),
        _ => return None,
    };
    let mut inner = String::new();
    let mut count = 1;
    let mut closed = false;
    for line in lines {
        count += 1;
        if closers.contains(&line.trim_end()) {
            closed = true;
            break;
        }
        inner.push_str(line);
    }
    if !closed {
        return None;
    }
    let (title, problem) = if yaml {
        match serde_yaml_ng::from_str::<Option<Fields>>(&inner) {
            Ok(fields) => (fields.and_then(|f| f.title).and_then(scalar), None),
            Err(err) => (None, Some(format!("not valid YAML ({err})"))),
        }
    } else {
        match toml::from_str::<toml::Table>(&inner) {
            Ok(table) => (
                table
                    .get("title")
                    .and_then(|t| t.as_str())
                    .map(str::to_string),
                None,
            ),
            Err(err) => (
                None,
                Some(format!("not valid TOML ({})", err.message().trim())),
            ),
        }
    };
    let mut rest = String::with_capacity(text.len());
    let mut seen = 0;
    for line in text.split_inclusive('\n') {
        if seen < count {
            seen += 1;
            if line.ends_with('\n') {
                rest.push('\n');
            }
        } else {
            rest.push_str(line);
        }
    }
    Some((
        FrontMatter {
            title: title.filter(|t| !t.trim().is_empty()),
            lines: count,
            problem,
        },
        rest,
    ))
}

fn scalar(value: serde_yaml_ng::Value) -> Option<String> {
    match value {
        serde_yaml_ng::Value::String(s) => Some(s.trim().to_string()),
        serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
        serde_yaml_ng::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_front_matter_is_blanked_and_its_title_kept() {
        let (fm, rest) =
            split("---\ntitle: Pod crash looping\nweight: 20\n---\n# KubePodCrashLooping\n")
                .unwrap();
        assert_eq!(fm.title.as_deref(), Some("Pod crash looping"));
        assert_eq!(fm.lines, 4);
        assert_eq!(rest, "\n\n\n\n# KubePodCrashLooping\n");
    }

    #[test]
    fn toml_front_matter_and_bad_yaml() {
        let (fm, _) = split("+++\ntitle = \"Disk\"\n+++\nbody\n").unwrap();
        assert_eq!(fm.title.as_deref(), Some("Disk"));
        let (fm, rest) = split("---\ntitle: [unclosed\n---\nbody\n").unwrap();
        assert!(fm.problem.unwrap().starts_with("not valid YAML"));
        assert_eq!(rest, "\n\n\nbody\n");
    }

    #[test]
    fn an_unclosed_or_absent_block_is_not_front_matter() {
        assert!(split("---\nno end\n").is_none());
        assert!(split("# Title\n---\n").is_none());
        assert!(split("").is_none());
    }
}
