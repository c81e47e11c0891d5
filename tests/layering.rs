//! The layering ARCHITECTURE.md states, held: every `crate::…` path in `src/`
//! names only modules its own module may import. The allowed imports are read
//! from the ```layers block of ARCHITECTURE.md, so the document and this check
//! cannot drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap fails the test at its line

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `module -> allowed, allowed` lines of the ```layers block. `*` allows anything.
fn stated_layers() -> BTreeMap<String, BTreeSet<String>> {
    let path = Path::new(ROOT).join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let block = text
        .split("```layers\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_else(|| panic!("{} has no ```layers block", path.display()));
    let mut layers = BTreeMap::new();
    for (i, line) in block.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (module, allowed) = line.split_once("->").unwrap_or_else(|| {
            panic!(
                "ARCHITECTURE.md ```layers line {}: write `module -> a, b`",
                i + 1
            )
        });
        let allowed = allowed
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty() && *a != "(nothing)")
            .map(str::to_string)
            .collect();
        for m in module.split(',') {
            layers.insert(m.trim().to_string(), BTreeSet::clone(&allowed));
        }
    }
    layers
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/app/state.rs` → `app`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// The top-level modules a line names through `crate::`, including groups
/// (`crate::{app::App, model::Risk}`).
fn crate_paths(line: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("crate::") {
        let preceded = rest[..at]
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        rest = &rest[at + "crate::".len()..];
        if preceded {
            continue; // `mycrate::`, `$crate::`-like names are not this crate.
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => item_start = true,
                    c if item_start && !c.is_whitespace() && depth == 1 => {
                        found.push(ident(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
            }
        } else {
            found.push(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

#[test]
fn modules_import_only_what_architecture_md_allows() {
    let layers = stated_layers();
    let src = Path::new(ROOT).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 50, "found only {} files in src/", files.len());

    let mut violations = Vec::new();
    let mut unknown = BTreeSet::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(allowed) = layers.get(&module) else {
            unknown.insert(module);
            continue;
        };
        if allowed.contains("*") {
            continue;
        }
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let mut targets = crate_paths(code);
            targets.dedup();
            for target in targets {
                if target != module && !allowed.contains(&target) {
                    violations.push(format!(
                        "{}:{}: `{module}` imports `{target}`, which ARCHITECTURE.md does not allow (allowed: {})",
                        file.strip_prefix(ROOT).unwrap_or(file).display(),
                        n + 1,
                        if allowed.is_empty() {
                            "nothing".to_string()
                        } else {
                            allowed.iter().cloned().collect::<Vec<_>>().join(", ")
                        }
                    ));
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "modules missing from the ```layers block of ARCHITECTURE.md: {unknown:?}; add each with what it may import"
    );
    assert!(
        violations.is_empty(),
        "imports against the layering (move the type down to `model`, or pass the value in):\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_layering_check_reads_paths_and_groups() {
    assert_eq!(crate_paths("use crate::app::model::Workload;"), ["app"]);
    assert_eq!(
        crate_paths("use crate::{app::App, model::{Risk, Platform}};"),
        ["app", "model"]
    );
    assert_eq!(
        crate_paths("let x = crate::sources::docker::f(crate::config::g());"),
        ["sources", "config"]
    );
    assert!(crate_paths("use mycrate::app;").is_empty());
    // Every module of the crate is in the stated layering.
    let layers = stated_layers();
    for module in [
        "model", "config", "app", "ui", "wizard", "sources", "runtime",
    ] {
        assert!(layers.contains_key(module), "{module} missing");
    }
    assert!(layers["model"].is_empty(), "model imports nothing");
}
