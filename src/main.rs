use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use color_eyre::eyre::{Result, bail, eyre};
use opsdeck::app::App;
use opsdeck::cli::{Cli, Command, GlobalArgs, KeymapCommand, ThemeCommand};
use opsdeck::config::{Paths, Profile, profiles};
use opsdeck::input::Keymap;

fn main() -> Result<ExitCode> {
    let started = Instant::now();
    install_error_report()?;
    let cli = Cli::parse();
    let paths = Paths::discover();
    opsdeck::logging::init(&paths);
    let result = dispatch(cli, paths, started);
    // An error that reaches main must still leave a usable terminal behind.
    opsdeck::terminal::restore();
    match result {
        Ok(code) => Ok(code),
        Err(e) => {
            // Errors here are the operator's to fix (a file, a server): say what,
            // plainly, without a backtrace. Panics still get color-eyre's report.
            tracing::error!("{e:#}");
            eprintln!("opsdeck: {e:#}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn dispatch(cli: Cli, paths: Paths, started: Instant) -> Result<ExitCode> {
    let g = cli.global;
    match cli.command {
        None | Some(Command::Dashboard) => {
            let (profile, warning) = load_profile_or_local(&g, &paths);
            runtime()?.block_on(open_console(profile, warning, &g, paths, started, None))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Run(args)) => {
            // Problems with the runbook or the incident are reported before the screen opens.
            let launch = match (&args.resume, &args.runbook) {
                (Some(id), _) => opsdeck::launch::Launch::resume(id, &paths)?,
                (None, Some(rb)) => opsdeck::launch::Launch::new(rb, args.procedure.as_deref())?,
                (None, None) => bail!("give a runbook, or --resume ID"),
            };
            let (profile, warning) = load_profile_or_local(&g, &paths);
            runtime()?.block_on(open_console(
                profile,
                warning,
                &g,
                paths,
                started,
                Some(launch),
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Timeline(args)) => {
            use opsdeck::cli::TimelineCommand;
            use opsdeck::wizard::export;
            Ok(match args.command {
                TimelineCommand::List => export::list_incidents(&paths)?,
                TimelineCommand::Export { id, format } => {
                    export::export_incident(&id, &format, &paths)?
                }
                TimelineCommand::Follow { id } => export::follow_incident(&id, &paths)?,
            })
        }
        Some(Command::Check(args)) => {
            let profile = load_profile(&g, &paths)?;
            let report = runtime()?.block_on(opsdeck::check::run(&profile));
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                opsdeck::check::print_table(&report, &mut std::io::stdout())?;
            }
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some(Command::Runbook(args)) => opsdeck::runbook::cli::run(args),
        Some(Command::Sim(args)) => {
            runtime()?.block_on(opsdeck::sim::cli::run_headless(args))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Demo(args)) => {
            runtime()?.block_on(async {
                let sim = opsdeck::sim::start(args.options()).await?;
                tracing::info!(api = %sim.api_url, context = %sim.context, "demo environment started");
                let result =
                    open_console(sim.profile.clone(), None, &g, paths, started, None).await;
                sim.shutdown();
                result
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Keymap(args)) => match args.command {
            KeymapCommand::Check { file } => {
                let km = match &file {
                    Some(f) => Keymap::check_file(f),
                    None => Keymap::load(keymap_name(&g), &paths.keymaps_dir()),
                };
                for w in &km.warnings {
                    println!("{w}");
                }
                if km.warnings.is_empty() {
                    println!("{}: ok", km.name);
                    Ok(ExitCode::SUCCESS)
                } else {
                    println!("{}: {} problem(s)", km.name, km.warnings.len());
                    Ok(ExitCode::FAILURE)
                }
            }
            KeymapCommand::Show => {
                let km = Keymap::load(keymap_name(&g), &paths.keymaps_dir());
                for b in km.bindings(opsdeck::model::Section::Dashboard) {
                    let keys: Vec<String> = b.keys.iter().map(|k| k.to_string()).collect();
                    println!("{:<16} {:<20} {}", b.action.name(), keys.join(" "), b.desc);
                }
                Ok(ExitCode::SUCCESS)
            }
        },
        Some(Command::Theme(args)) => match args.command {
            ThemeCommand::List => {
                for n in opsdeck::theme::builtin_names() {
                    println!("{n}");
                }
                for n in opsdeck::theme::user_theme_names(&paths.themes_dir()) {
                    println!("{n} (user)");
                }
                Ok(ExitCode::SUCCESS)
            }
            ThemeCommand::Check { file } => {
                let dir = file.parent().map(|p| p.to_path_buf()).unwrap_or_default();
                let name = file
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .ok_or_else(|| eyre!("{} is not a theme file name", file.display()))?;
                match opsdeck::theme::load_theme(name, &dir).1 {
                    Some(e) => {
                        println!("{e}");
                        Ok(ExitCode::FAILURE)
                    }
                    None => {
                        println!("{}: ok", file.display());
                        Ok(ExitCode::SUCCESS)
                    }
                }
            }
        },
        Some(Command::Screenshots(args)) => {
            opsdeck::screenshots::write_all(&args.out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// color-eyre's report, without colour when stderr is not a terminal or
/// `NO_COLOR` is set, and without the source-location noise users can't act on.
fn install_error_report() -> Result<()> {
    let plain = !std::io::stderr().is_terminal()
        || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let mut hook = color_eyre::config::HookBuilder::default()
        .display_location_section(false)
        .display_env_section(false);
    if plain {
        hook = hook.theme(color_eyre::config::Theme::new());
    }
    hook.install()
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

fn keymap_name(g: &GlobalArgs) -> &str {
    g.keymap.as_deref().unwrap_or("default")
}

fn load_profile(g: &GlobalArgs, paths: &Paths) -> Result<Profile> {
    let spec = g.profile.as_deref().unwrap_or("local");
    Ok(profiles::resolve(spec, &paths.profiles_dir())?)
}

/// The dashboard starts even with a broken profile: on the `local` profile,
/// with the problem shown in the status line.
fn load_profile_or_local(g: &GlobalArgs, paths: &Paths) -> (Profile, Option<String>) {
    match load_profile(g, paths) {
        Ok(p) => (p, None),
        Err(e) => {
            let local = profiles::resolve("local", &paths.profiles_dir());
            match local {
                Ok(p) => (p, Some(format!("{e}; showing the `local` profile instead"))),
                Err(_) => (
                    Profile {
                        name: "none".into(),
                        readonly: true,
                        ..Profile::default()
                    },
                    Some(e.to_string()),
                ),
            }
        }
    }
}

async fn open_console(
    mut profile: Profile,
    warning: Option<String>,
    g: &GlobalArgs,
    paths: Paths,
    started: Instant,
    launch: Option<opsdeck::launch::Launch>,
) -> Result<()> {
    if !std::io::stdout().is_terminal() {
        bail!(
            "opsdeck's dashboard needs a terminal; for a non-interactive health check run `opsdeck check`"
        );
    }
    if let Some(ctx) = &g.context
        && let Some(k) = profile.kubernetes.as_mut()
    {
        k.context = Some(ctx.clone());
    }
    if let Some(host) = &g.docker_host {
        profile.docker.get_or_insert_with(Default::default).host = Some(host.clone());
    }
    let (theme, theme_err) =
        opsdeck::theme::load_theme(g.theme.as_deref().unwrap_or("default"), &paths.themes_dir());
    let keymap = Keymap::load(keymap_name(g), &paths.keymaps_dir());
    let mut app = App::new(profile, theme, keymap, g.readonly);
    if let Some(e) = theme_err {
        app.warnings
            .insert(0, format!("{e}; using the default theme"));
    }
    if let Some(w) = warning {
        app.warnings.insert(0, w);
    }
    app.completions = opsdeck::runtime::completions(&paths);
    app.completions.contexts = opsdeck::runtime::kube_contexts(&app.profile);
    let mut first = Vec::new();
    for effect in launch.map(|l| l.apply(&mut app)).unwrap_or_default() {
        match effect {
            // The incident's first records are written before the screen opens:
            // a timeline that cannot be written stops here, with its reason.
            opsdeck::app::Effect::TimelineAppend { incident, entry } => {
                opsdeck::executor::write_timeline(&incident, entry, &paths, &app.who)?
            }
            other => first.push(other),
        }
    }
    opsdeck::console::run(app, paths, started, first).await
}
