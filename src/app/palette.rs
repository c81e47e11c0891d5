//! The command palette (`:`): parsing and completion. Pure functions of the
//! input and the candidate lists the state provides.

/// The palette's commands with a one-line description, in the order shown.
pub const COMMANDS: &[(&str, &str)] = &[
    ("profile", "switch profile: :profile NAME|FILE"),
    ("theme", "switch theme: :theme NAME"),
    ("ns", "namespaces: :ns NAME[,NAME…] or :ns all"),
    ("ctx", "Kubernetes context: :ctx NAME"),
    ("runbook", "open a runbook procedure: :runbook [query]"),
    ("help", "show the keys"),
    ("q", "quit"),
];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Palette {
    pub input: String,
    /// Candidates for the word being typed, refreshed on every edit.
    pub candidates: Vec<String>,
    pub selected: usize,
    pub error: Option<String>,
}

/// A command the palette understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaletteCommand {
    Profile(String),
    Theme(String),
    Namespaces(Vec<String>),
    Context(String),
    Runbook(String),
    Help,
    Quit,
}

/// Candidate values by command word, supplied by the state.
#[derive(Debug, Clone, Default)]
pub struct Completions {
    pub profiles: Vec<String>,
    pub themes: Vec<String>,
    pub namespaces: Vec<String>,
    pub contexts: Vec<String>,
}

pub fn parse(input: &str) -> Result<PaletteCommand, String> {
    let input = input.trim().trim_start_matches(':');
    let (word, arg) = match input.split_once(char::is_whitespace) {
        Some((w, a)) => (w, a.trim()),
        None => (input, ""),
    };
    let need = |what: &str| -> Result<String, String> {
        if arg.is_empty() {
            Err(format!(":{word} needs {what}"))
        } else {
            Ok(arg.to_string())
        }
    };
    match word {
        "profile" => need("a profile name or file").map(PaletteCommand::Profile),
        "theme" => need("a theme name").map(PaletteCommand::Theme),
        "ns" | "namespace" => need("a namespace, a comma-separated list, or all").map(|a| {
            PaletteCommand::Namespaces(
                a.split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            )
        }),
        "ctx" | "context" => need("a context name").map(PaletteCommand::Context),
        "runbook" | "rb" => Ok(PaletteCommand::Runbook(arg.to_string())),
        "help" | "h" => Ok(PaletteCommand::Help),
        "q" | "quit" | "q!" => Ok(PaletteCommand::Quit),
        "" => Err("type a command, e.g. :theme mono".into()),
        other => Err(format!(
            "unknown command :{other} (commands: {})",
            COMMANDS
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Candidates for what is being typed: command words first, then values.
pub fn candidates(input: &str, c: &Completions) -> Vec<String> {
    let input = input.trim_start_matches(':');
    match input.split_once(' ') {
        None => COMMANDS
            .iter()
            .filter(|(cmd, _)| cmd.starts_with(input))
            .map(|(cmd, _)| (*cmd).to_string())
            .collect(),
        Some((word, arg)) => {
            let pool: &[String] = match word {
                "profile" => &c.profiles,
                "theme" => &c.themes,
                "ns" | "namespace" => &c.namespaces,
                "ctx" | "context" => &c.contexts,
                _ => &[],
            };
            let last = arg.rsplit(',').next().unwrap_or("").trim();
            pool.iter()
                .filter(|v| v.starts_with(last))
                .cloned()
                .collect()
        }
    }
}

/// Input after accepting `candidate` for the word being typed.
pub fn complete(input: &str, candidate: &str) -> String {
    match input.split_once(' ') {
        None => format!("{candidate} "),
        Some((word, arg)) => match arg.rsplit_once(',') {
            Some((head, _)) => format!("{word} {head},{candidate}"),
            None => format!("{word} {candidate}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command() {
        assert_eq!(
            parse("profile rag7"),
            Ok(PaletteCommand::Profile("rag7".into()))
        );
        assert_eq!(
            parse(":theme mono"),
            Ok(PaletteCommand::Theme("mono".into()))
        );
        assert_eq!(
            parse("ns rag7,default"),
            Ok(PaletteCommand::Namespaces(vec![
                "rag7".into(),
                "default".into()
            ]))
        );
        assert_eq!(
            parse("ctx prod"),
            Ok(PaletteCommand::Context("prod".into()))
        );
        assert_eq!(parse("q"), Ok(PaletteCommand::Quit));
        assert_eq!(
            parse("runbook crash"),
            Ok(PaletteCommand::Runbook("crash".into()))
        );
        assert_eq!(parse("theme"), Err(":theme needs a theme name".into()));
        assert!(
            parse("frobnicate")
                .unwrap_err()
                .starts_with("unknown command :frobnicate")
        );
    }

    #[test]
    fn completes_words_then_values() {
        let c = Completions {
            themes: vec!["default".into(), "dark-256".into(), "mono".into()],
            ..Completions::default()
        };
        assert_eq!(candidates("th", &c), vec!["theme"]);
        assert_eq!(candidates("theme d", &c), vec!["default", "dark-256"]);
        assert_eq!(complete("th", "theme"), "theme ");
        assert_eq!(complete("theme d", "dark-256"), "theme dark-256");
        assert_eq!(complete("ns a,b", "rag7"), "ns a,rag7");
    }
}
