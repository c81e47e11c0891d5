//! Errors from reading configuration files: they name the file and the line.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{}{}: {message}", path.display(), LineSuffix(*line))]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error(
        "no profile named `{name}` (looked in {searched}); give a path to a .toml file or one of: {known}"
    )]
    UnknownProfile {
        name: String,
        searched: String,
        known: String,
    },
}

struct LineSuffix(Option<usize>);

impl fmt::Display for LineSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, ":{line}"),
            None => Ok(()),
        }
    }
}

/// Converts a TOML parse error into one that names the file and the 1-based line,
/// with toml's own explanation on one line.
pub fn toml_error(path: &Path, text: &str, err: &toml::de::Error) -> ConfigError {
    let line = err.span().map(|span| line_of(text, span.start));
    let message = err.message().trim().replace('\n', " ");
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// 1-based line number of the first line of a TOML file that sets `key` (`key = …`).
pub fn find_key_line(text: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.trim_start().strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(line_of(text, offset));
        }
        offset += line.len();
    }
    None
}

/// 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
