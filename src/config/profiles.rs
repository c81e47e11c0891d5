//! The built-in profiles (one per seed system) and lookup of `--profile NAME|FILE`.

use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::profile::Profile;

/// Built-in profiles, embedded so a single binary carries them.
pub const BUILTIN: &[(&str, &str)] = &[
    ("deepseek-rag", include_str!("../../profiles/deepseek-rag.toml")),
    ("doc-rag", include_str!("../../profiles/doc-rag.toml")),
    ("rag7", include_str!("../../profiles/rag7.toml")),
    ("personal-rag", include_str!("../../profiles/personal-rag.toml")),
    ("terragon", include_str!("../../profiles/terragon.toml")),
    ("local", include_str!("../../profiles/local.toml")),
];

pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

/// Resolves `--profile`: an existing file path, then `<config>/profiles/NAME.toml`,
/// then a built-in of that name.
pub fn resolve(spec: &str, profiles_dir: &Path) -> Result<Profile, ConfigError> {
    let as_path = PathBuf::from(spec);
    if as_path.is_file() || spec.ends_with(".toml") {
        return Profile::load(&as_path);
    }
    let user = profiles_dir.join(format!("{spec}.toml"));
    if user.is_file() {
        return Profile::load(&user);
    }
    if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == spec) {
        return Profile::from_toml(text, Path::new(&format!("<built-in profiles/{name}.toml>")));
    }
    Err(ConfigError::UnknownProfile {
        name: spec.to_string(),
        searched: profiles_dir.display().to_string(),
        known: builtin_names().join(", "),
    })
}
