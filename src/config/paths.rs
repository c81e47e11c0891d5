//! Where opsdeck keeps its files. One lookup order, documented in the README:
//! `OPSDECK_CONFIG_DIR` / `OPSDECK_DATA_DIR` first, then the platform's directories.

use std::path::PathBuf;

use directories::ProjectDirs;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// User themes, keymaps, profiles and the risk-rule extension live here.
    pub config_dir: PathBuf,
    /// Incident timelines and the log file live here.
    pub data_dir: PathBuf,
}

impl Paths {
    pub fn discover() -> Paths {
        let dirs = ProjectDirs::from("dev", "opsdeck", "opsdeck");
        let config_dir = std::env::var_os("OPSDECK_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from(".opsdeck/config"));
        let data_dir = std::env::var_os("OPSDECK_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.data_dir().to_path_buf()))
            .unwrap_or_else(|| PathBuf::from(".opsdeck/data"));
        Paths {
            config_dir,
            data_dir,
        }
    }

    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }

    pub fn keymaps_dir(&self) -> PathBuf {
        self.config_dir.join("keymaps")
    }

    pub fn profiles_dir(&self) -> PathBuf {
        self.config_dir.join("profiles")
    }

    pub fn timelines_dir(&self) -> PathBuf {
        self.data_dir.join("timelines")
    }

    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("opsdeck.log")
    }
}
