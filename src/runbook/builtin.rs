//! The built-in runbooks in `runbooks/`, embedded in the binary. They are the seed
//! runbooks' procedures in their original wording, with provenance and the few
//! annotations the plain text needs.

use std::path::Path;

use super::error::RunbookError;
use super::import;
use super::model::Runbook;
use super::risk::Rules;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builtin {
    /// What `opsdeck runbook show builtin:NAME` calls it.
    pub name: &'static str,
    /// The file in `runbooks/`.
    pub file: &'static str,
    pub text: &'static str,
}

const ALL: &[Builtin] = &[
    Builtin {
        name: "deepseek-rag",
        file: "deepseek-rag.md",
        text: include_str!("../../runbooks/deepseek-rag.md"),
    },
    Builtin {
        name: "doc-rag",
        file: "doc-rag.md",
        text: include_str!("../../runbooks/doc-rag.md"),
    },
    Builtin {
        name: "rag7",
        file: "rag7.md",
        text: include_str!("../../runbooks/rag7.md"),
    },
    Builtin {
        name: "rag-chatbot",
        file: "rag-chatbot.md",
        text: include_str!("../../runbooks/rag-chatbot.md"),
    },
    Builtin {
        name: "terragon-rag",
        file: "terragon-rag.md",
        text: include_str!("../../runbooks/terragon-rag.md"),
    },
];

pub fn all() -> &'static [Builtin] {
    ALL
}

/// By name, with or without the `builtin:` prefix.
pub fn get(name: &str) -> Option<&'static Builtin> {
    let name = name.strip_prefix("builtin:").unwrap_or(name);
    ALL.iter().find(|b| b.name == name)
}

impl Builtin {
    pub fn import(&self, rules: &Rules) -> Result<Runbook, RunbookError> {
        let origin = format!("builtin:{}", self.name);
        import::import_str_with(self.text, Path::new(&origin), rules)
    }
}
